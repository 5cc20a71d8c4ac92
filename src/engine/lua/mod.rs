//! Lua scripting: the one module that knows the interpreter.
//!
//! Redis 7.0 runs EVAL scripts and FUNCTION libraries in Lua 5.1 with its own
//! environment: `redis.call`/`pcall`, the `KEYS`/`ARGV` globals, read-only globals,
//! `cjson`, `bit`, a deterministic `math.random`, and the reply conversions both ways.
//! This module rebuilds that environment on omnilua (a pure-Rust Lua, so it runs in
//! wasm too) and knows nothing of the engine: commands go out through [`Host`] and
//! come back as [`Reply`]s, so the engine keeps lookup, arity, flags and ACL checks.
//!
//! * [`Scripts`]: one VM for EVAL/EVALSHA, scripts cached by SHA-1 ([`Scripts::load`],
//!   [`Scripts::run`], [`Scripts::flush`]); [`parse_shebang`] reads `#!lua flags=...`.
//! * [`Functions`]: another VM for FUNCTION LOAD/FCALL ([`Functions::load`] stages a
//!   library, [`Functions::commit`] makes it live, [`Functions::call`] runs one).
//! * [`Limits`]: every run has an instruction budget and a memory ceiling, so a
//!   `while true do end` or a `string.rep('x', 1e9)` ends in an error reply instead of
//!   freezing the page; deep recursion ends in Lua's "stack overflow".
//!
//! * `struct` and `cmsgpack` ([`structlib`], [`cmsgpack`]): Redis's C libraries,
//!   rewritten with their formats, error texts and C-stack limits.
//!
//! * Speed: a run's hot path (`redis.call`/`pcall`, KEYS and ARGV, the reply, the
//!   count hook) works on the VM's raw stack and values (`raw_*`, C functions
//!   installed before the state becomes an omnilua `Lua`), as Redis's C code does:
//!   omnilua's handles root every value they touch, which cost more than a small
//!   script. A run is one `Function::call` of boot.lua's `K.run`.
//!
//! Not here: SCRIPT KILL and the Lua debugger.

mod cjson;
mod cmsgpack;
pub mod ldb;
mod libs;
mod sha1;
mod structlib;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use lua_types::closure::LuaClosure as RawClosure;
use lua_types::value::{LuaTable as RawTable, LuaValue as Raw};
use lua_types::GcRef;
use lua_vm::api;
use lua_vm::state::LuaState;
use omnilua::{
    Function, HostHooks, Lua, LuaError, LuaRuntime, LuaVersion, SandboxConfig, Table, TripReason,
    Value, Variadic,
};

use super::reply::{format_double_g17, Reply};

pub use libs::{fmt_g, Prng};

/// The version scripts see as `redis.REDIS_VERSION`.
pub const REDIS_VERSION: &str = "7.0.15";
/// `redis.REDIS_VERSION_NUM`: 0x00MMmmpp.
pub const REDIS_VERSION_NUM: u32 = 0x07_00_0f;

/// What a script can ask of the server.
pub trait Host {
    /// Runs one command for `redis.call`/`redis.pcall`. The engine does the lookup,
    /// arity, flag and ACL checks (with Redis's texts: "ERR Unknown Redis command
    /// called from script", "ERR Wrong number of args calling Redis command from
    /// script", "ERR This Redis command is not allowed from script", "ERR Write
    /// commands are not allowed from read-only scripts." ...) and returns the reply in
    /// full RESP3 form (Map, Double, Bool ...); errors as [`Reply::Error`]. `resp` is
    /// the protocol the script chose with `redis.setresp` (2 unless it did): some
    /// commands shape their replies by it (ZRANGE WITHSCORES pairs, HRANDFIELD).
    fn call(&mut self, argv: &[Vec<u8>], resp: u8) -> Reply;
    /// `redis.log(level, ...)`: level 0..=3 (debug, verbose, notice, warning), the
    /// message being the arguments joined by spaces.
    fn log(&mut self, _level: i32, _msg: &[u8]) {}
    /// Called every 100000 instructions of a run (Redis's count hook): the host may
    /// serve other clients meanwhile. True stops the script as SCRIPT KILL does.
    fn tick(&mut self) -> bool {
        false
    }
    /// `redis.acl_check_cmd`: whether the calling client's user may run `argv` (its
    /// keys and channels checked too, arity not); None when no command has that name
    /// (or subcommand).
    fn acl_check(&mut self, _argv: &[Vec<u8>]) -> Option<bool> {
        None
    }
    /// `redis.set_repl(flags)`: where the script's commands from now on propagate
    /// (bit 1 the AOF, bit 2 the replicas; 3 at the start of every run).
    fn set_repl(&mut self, _targets: u8) {}
    /// The Lua debugger's output to the debugging client (blocking); false when it is
    /// gone. Only a host with sockets has one (`SCRIPT DEBUG` refuses otherwise).
    fn ldb_send(&mut self, _bytes: &[u8]) -> bool {
        false
    }
    /// Whether the last `call` was refused before the command ran (unknown command,
    /// arity, not allowed from scripts, ACL ...): the debugger logs those as
    /// `<error>`, a command's own error reply as `<reply>`.
    fn refused(&self) -> bool {
        false
    }
    /// Appends what the debugging client sends next to `buf`, waiting for it; false
    /// when the client is gone.
    fn ldb_recv(&mut self, _buf: &mut Vec<u8>) -> bool {
        false
    }
    /// The error replies the run's reply holds (after each run), for INFO errorstats.
    fn reply_errors(&mut self, _errs: ReplyErrors) {}
    /// Whether the debugged script has run past busy-reply-threshold (5 s when 0)
    /// since it started or last stopped; `restart` starts that clock again.
    fn ldb_timed_out(&mut self, _restart: bool) -> bool {
        false
    }
}

/// Per-run limits. Redis has none (it blocks until SCRIPT KILL); a page must not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Lua VM instructions one run may execute; 0 = no limit.
    pub instructions: u64,
    /// Bytes the VM may hold in all (cached scripts included); 0 = no limit.
    pub memory: usize,
    /// Call [`Host::tick`] every 1000 instructions, as a server needs for BUSY replies
    /// and SCRIPT KILL. The tick's hook replaces the sandbox's own checks: the budget
    /// no longer applies, and memory is checked at each tick only (coarser: a string
    /// doubling in a loop can outgrow the ceiling between two ticks). Off in the page.
    pub ticks: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            instructions: 100_000_000,
            memory: 64 << 20,
            ticks: false,
        }
    }
}

/// The flags a script declares (`#!lua flags=...`) or a function registers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptFlags {
    /// No `#!lua` line: EVAL's compatibility mode, where Redis applies none of the
    /// flag checks (a shebang without flags means "may write, no OOM allowance").
    pub no_shebang: bool,
    pub no_writes: bool,
    pub allow_oom: bool,
    pub allow_stale: bool,
    pub no_cluster: bool,
    pub allow_cross_slot_keys: bool,
}

/// The flag names, in Redis's order (FUNCTION LIST prints them so).
pub const FLAG_NAMES: [&str; 5] = [
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
];

impl ScriptFlags {
    fn set(&mut self, name: &str) -> bool {
        match name {
            "no-writes" => self.no_writes = true,
            "allow-oom" => self.allow_oom = true,
            "allow-stale" => self.allow_stale = true,
            "no-cluster" => self.no_cluster = true,
            "allow-cross-slot-keys" => self.allow_cross_slot_keys = true,
            _ => return false,
        }
        true
    }
    /// The names of the flags that are set, in Redis's order.
    pub fn names(&self) -> Vec<&'static str> {
        let on = [
            self.no_writes,
            self.allow_oom,
            self.allow_stale,
            self.no_cluster,
            self.allow_cross_slot_keys,
        ];
        FLAG_NAMES
            .iter()
            .zip(on)
            .filter(|(_, b)| *b)
            .map(|(n, _)| *n)
            .collect()
    }
}

/// Redis's `sha1hex`: lowercase hex SHA-1 of `body`.
pub fn sha1hex(body: &[u8]) -> String {
    sha1::sha1hex(body)
}

/// Splits a shebang line into words as `sdssplitargs` does for the simple cases
/// (spaces separate, double or single quotes group).
fn split_args(line: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        let mut word = Vec::new();
        let mut quote = None;
        while i < line.len() {
            let c = line[i];
            match quote {
                Some(q) if c == q => {
                    quote = None;
                    i += 1;
                    if i < line.len() && !line[i].is_ascii_whitespace() {
                        return None;
                    }
                    break;
                }
                Some(_) => word.push(c),
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None if c.is_ascii_whitespace() => break,
                None => word.push(c),
            }
            i += 1;
        }
        if quote.is_some() {
            return None;
        }
        out.push(String::from_utf8_lossy(&word).into_owned());
    }
    Some(out)
}

/// Reads an EVAL script's shebang: its flags and the length of the shebang line (0
/// when there is none). Errors are Redis's ("ERR Unexpected flag in script shebang:
/// bad", "ERR Unknown lua shebang option: x", "ERR Unexpected engine in script
/// shebang: #!js", "ERR Invalid script shebang").
pub fn parse_shebang(body: &[u8]) -> Result<(ScriptFlags, usize), Reply> {
    let mut flags = ScriptFlags {
        no_shebang: true,
        ..ScriptFlags::default()
    };
    if !body.starts_with(b"#!") {
        return Ok((flags, 0));
    }
    let Some(end) = body.iter().position(|&c| c == b'\n') else {
        return Err(Reply::err("ERR Invalid script shebang"));
    };
    let parts = split_args(&body[..end]).unwrap_or_default();
    if parts.is_empty() {
        return Err(Reply::err("ERR Invalid engine in script shebang"));
    }
    if parts[0] != "#!lua" {
        return Err(Reply::err(format!(
            "ERR Unexpected engine in script shebang: {}",
            parts[0]
        )));
    }
    flags.no_shebang = false;
    for part in &parts[1..] {
        let Some(list) = part.strip_prefix("flags=") else {
            return Err(Reply::err(format!(
                "ERR Unknown lua shebang option: {part}"
            )));
        };
        if list.is_empty() {
            continue;
        }
        for f in list.split(',') {
            if !flags.set(f) {
                return Err(Reply::err(format!(
                    "ERR Unexpected flag in script shebang: {f}"
                )));
            }
        }
    }
    Ok((flags, end))
}

/// The code Lua compiles: the shebang line blanked, its newline kept so line numbers
/// stay the user's.
fn code_without_shebang(body: &[u8], shebang_len: usize) -> &[u8] {
    &body[shebang_len..]
}

// ---------------------------------------------------------------------- the VM

/// Which globals a VM gives scripts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Eval,
    Function,
}

struct Vm {
    lua: Lua,
    /// The `K` table boot.lua returns: compile, run, set_globals, load_library.
    k: Table,
    /// The RESP version `redis.setresp` chose for this run.
    resp: Rc<Cell<u8>>,
    /// The run's memory limit, for the Rust helpers that build big values.
    mem: libs::MemLimit,
    /// The host `redis.call` reaches, lent per run.
    slot: Rc<HostSlot>,
    /// boot.lua's `K.run`, looked up once, and `K.funcs`, EVAL's compiled scripts by
    /// number (a number is a cheaper argument to `K.run` than a function handle).
    run_fn: Function,
    funcs: Table,
    next_id: Cell<f64>,
    /// Bytes the VM held after `run`'s last full collection.
    live: Cell<usize>,
}

/// What runs: a script by its number in `K.funcs`, or a function.
enum RunTarget<'f> {
    Id(f64),
    Func(&'f Function),
}

thread_local! {
    /// boot.lua's bytecode, dumped by the thread's first VM (see [`boot_function`]).
    static BOOT_CHUNK: std::cell::OnceCell<Vec<u8>> = const { std::cell::OnceCell::new() };
}

/// boot.lua as a function of `lua`. The text is parsed once per thread; later VMs
/// (every SCRIPT FLUSH, FUNCTION FLUSH, each engine's first script) load the bytecode
/// that parse dumped, which costs a fraction of parsing (parsing boot.lua was most of a
/// VM's start-up). The dump keeps its debug information, so the chunk name (`=[kvlab]`,
/// which `where` and the error handler test) and the line numbers are the parsed ones.
fn boot_function(lua: &Lua) -> omnilua::Result<Function> {
    let load = |code: &[u8]| lua.load(code).set_name("=[kvlab]").into_function();
    if let Some(f) = BOOT_CHUNK.with(|c| c.get().map(|chunk| load(chunk))) {
        return f;
    }
    let f = load(include_str!("boot.lua").as_bytes())?;
    if let Ok(chunk) = f.dump(false) {
        BOOT_CHUNK.with(|c| {
            let _ = c.set(chunk);
        });
    }
    Ok(f)
}

impl Vm {
    fn new(mode: Mode, prng: Prng) -> Vm {
        // Building the VM runs only our own code; a failure is a bug, not user input.
        Self::try_new(mode, prng).expect("the Lua environment builds")
    }

    fn try_new(mode: Mode, prng: Prng) -> omnilua::Result<Vm> {
        let resp = Rc::new(Cell::new(2u8));
        let slot = Rc::new(HostSlot {
            host: Cell::new(None),
            killed_at: Default::default(),
            mem_limit: Cell::new(0),
            mem_tripped: Cell::new(false),
            resp: resp.clone(),
            keys: Cell::new(NO_ARGS),
            args: Cell::new(NO_ARGS),
            finished: RefCell::new(None),
            argv: RefCell::new(Vec::new()),
            limits: Cell::new(Limits::default()),
            used: Cell::new(0),
            keys_len: Cell::new(usize::MAX),
            args_len: Cell::new(usize::MAX),
            run_id: Cell::new(0.0),
            ldb: RefCell::new(None),
            ldb_error: RefCell::new(None),
            env: RefCell::new(None),
        });
        // The state is built as `Lua::new_versioned(V51)` builds it, but through
        // `LuaRuntime`, the one way to reach the raw state: the hot-path functions
        // (`raw_*` below) are installed on it before it becomes a `Lua`.
        let mut rt = LuaRuntime::with_hooks_versioned(HostHooks::default(), LuaVersion::V51)?;
        install_raw(rt.state_mut(), &slot)?;
        let lua = rt.into_lua();
        let g = lua.globals();
        g.raw_set("_VERSION", LuaVersion::V51.version_str())?;
        let i = lua.create_table()?;
        for (name, short) in RAW_FNS.iter().map(|(n, _)| (*n, &n[RAW_PREFIX.len()..])) {
            i.raw_set(short, g.raw_get::<_, Function>(name)?)?;
            g.raw_set(name, Value::Nil)?;
        }
        i.raw_set("version", REDIS_VERSION)?;
        i.raw_set("version_num", REDIS_VERSION_NUM as f64)?;
        i.raw_set("mark", MARK)?;
        i.raw_set("mark_counted", MARK_COUNTED)?;
        i.raw_set(
            "sha1hex",
            lua.create_function(|lua, a: Variadic<Value>| {
                if a.len() != 1 {
                    return Err(raise("ERR wrong number of arguments"));
                }
                let body = match &a[0] {
                    Value::String(s) => s.as_bytes()?,
                    v @ (Value::Number(_) | Value::Integer(_)) => bytes_of(v).unwrap_or_default(),
                    _ => Vec::new(),
                };
                Ok(Value::String(lua.create_string(sha1hex(&body))?))
            })?,
        )?;
        let r = resp.clone();
        i.raw_set(
            "setresp",
            lua.create_function(move |_, a: Variadic<Value>| {
                if a.len() != 1 {
                    return Err(raise("ERR redis.setresp() requires one argument."));
                }
                let v = libs::to_number(&a[0]).unwrap_or(0.0) as i32;
                if v != 2 && v != 3 {
                    return Err(raise("ERR RESP version must be 2 or 3."));
                }
                r.set(v as u8);
                Ok(())
            })?,
        )?;
        i.raw_set(
            "set_repl",
            lua.create_function({
                let slot = slot.clone();
                move |_, a: Variadic<Value>| {
                    if a.len() != 1 {
                        return Err(raise("ERR redis.set_repl() requires two arguments."));
                    }
                    let f = libs::to_number(&a[0]).unwrap_or(0.0) as i32;
                    if f & !3 != 0 {
                        return Err(raise(
                            "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                        ));
                    }
                    if let Some(ptr) = slot.host.get() {
                        // SAFETY: as in `host_log`.
                        unsafe { &mut *ptr }.set_repl(f as u8);
                    }
                    Ok(())
                }
            })?,
        )?;
        i.raw_set(
            "log",
            lua.create_function({
                let slot = slot.clone();
                move |_, a: Variadic<Value>| {
                    if a.len() < 2 {
                        return Err(raise("ERR redis.log() requires two arguments or more."));
                    }
                    host_log(&slot, a)
                }
            })?,
        )?;
        let p = prng.clone();
        i.raw_set(
            "random",
            libs::lua_fn(&lua, move |_, args| libs::math_random(&p, args))?,
        )?;
        i.raw_set(
            "randomseed",
            libs::lua_fn(&lua, move |_, args| {
                let n = libs::check_number(args, 0, "randomseed")?;
                prng.seed(n as i32);
                Ok(())
            })?,
        )?;
        i.raw_set("bit", libs::bit_table(&lua)?)?;
        i.raw_set("cjson", cjson::table(&lua)?)?;
        let mem = libs::MemLimit::new();
        i.raw_set("struct", structlib::table(&lua, mem.clone())?)?;
        i.raw_set("cmsgpack", cmsgpack::table(&lua, mem.clone())?)?;
        let string: Table = lua.globals().get("string")?;
        lua.set_named_registry_value(libs::REP, string.get::<_, Function>("rep")?)?;
        i.raw_set("null", cjson::null())?;
        i.raw_set(
            "valid_name",
            lua.create_function(|_, s: omnilua::LuaString| Ok(valid_name(&s.as_bytes()?)))?,
        )?;
        i.raw_set(
            "valid_flag",
            lua.create_function(|_, s: omnilua::LuaString| {
                Ok(ScriptFlags::default().set(&String::from_utf8_lossy(&s.as_bytes()?)))
            })?,
        )?;
        let boot = boot_function(&lua)?;
        let mode_name = if mode == Mode::Eval {
            "eval"
        } else {
            "function"
        };
        let k: Table = boot.call((i.clone(), mode_name))?;
        lua.set_named_registry_value(libs::WHERE, k.raw_get::<_, Function>("where")?)?;
        lua.set_named_registry_value(libs::CALLEE, k.raw_get::<_, Function>("callee")?)?;
        // The debugger's eval, where its hook finds it (no script reaches the real
        // globals: scripts run in their own environment).
        lua.globals()
            .raw_set(LDB_EVAL, k.raw_get::<_, Function>("ldb_eval")?)?;
        Ok(Vm {
            lua,
            resp,
            mem,
            slot,
            run_fn: k.raw_get("run")?,
            funcs: k.raw_get("funcs")?,
            next_id: Cell::new(1.0),
            live: Cell::new(0),
            k,
        })
    }

    /// Keeps `f` in `K.funcs`; its number runs it.
    fn register(&self, f: Function) -> omnilua::Result<f64> {
        let id = self.next_id.get();
        self.funcs.raw_set(id, f)?;
        self.next_id.set(id + 1.0);
        Ok(id)
    }

    /// Compiles `code` under `chunkname`; Err is Lua's message.
    fn compile(&self, code: &[u8], chunkname: &str) -> Result<Function, String> {
        let compile: Function = self.k.raw_get("compile").map_err(|e| e.to_string())?;
        let code = self.lua.create_string(code).map_err(|e| e.to_string())?;
        match compile.call::<_, (Option<Function>, Option<String>)>((code, chunkname)) {
            Ok((Some(f), _)) => Ok(f),
            Ok((None, e)) => Err(e.unwrap_or_default()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn arm_mem(&self, limits: &Limits) {
        self.mem.0.set(if limits.memory == 0 {
            usize::MAX
        } else {
            limits.memory
        });
    }

    fn arm(&self, limits: &Limits) {
        self.arm_mem(limits);
        let cfg = SandboxConfig {
            instruction_limit: Some(if limits.instructions == 0 {
                u64::MAX
            } else {
                limits.instructions
            }),
            memory_limit_bytes: Some(if limits.memory == 0 {
                usize::MAX
            } else {
                limits.memory
            }),
            check_interval: CHECK_INTERVAL,
            remove_globals: Vec::new(),
        };
        if let Ok(sb) = self.lua.install_sandbox(cfg) {
            sb.reset();
        }
    }

    fn tripped(&self) -> Option<TripReason> {
        self.lua
            .install_sandbox(SandboxConfig {
                instruction_limit: None,
                memory_limit_bytes: None,
                check_interval: 1000,
                remove_globals: Vec::new(),
            })
            .ok()
            .and_then(|sb| sb.tripped())
    }

    /// Runs a script or function under the error handler, with `keys` and `args` as
    /// its KEYS and ARGV (a function gets them as its two arguments) and `host`
    /// serving `redis.call`, and converts its result. `funcname` is what error
    /// replies name the script by (its SHA-1, or the function's name).
    fn run(
        &self,
        target: RunTarget<'_>,
        keys: &[Vec<u8>],
        args: &[Vec<u8>],
        funcname: &str,
        host: &mut dyn Host,
        limits: &Limits,
    ) -> Reply {
        self.resp.set(2);
        // `raw_begin` arms the budget (as `arm` does) and, on a server (which has
        // SCRIPT KILL instead of a budget), the count hook that lets the host serve
        // other clients and stop the run.
        self.arm_mem(limits);
        self.slot.limits.set(*limits);
        self.slot.killed_at.borrow_mut().take();
        self.slot.mem_tripped.set(false);
        self.slot.finished.borrow_mut().take();
        self.slot.mem_limit.set(limits.memory);
        self.slot.keys.set(keys);
        self.slot.args.set(args);
        let lend = Lend::new(&self.slot, host);
        let result = match target {
            RunTarget::Id(id) => {
                self.slot.run_id.set(id);
                self.run_fn.call::<_, ()>(())
            }
            RunTarget::Func(f) => self.run_fn.call::<_, ()>(f),
        };
        drop(lend);
        self.slot.keys.set(NO_ARGS);
        self.slot.args.set(NO_ARGS);
        let finished = self.slot.finished.borrow_mut().take();
        let aborted = result.is_err();
        // The reply's errors for INFO errorstats: those the conversion found, or the
        // run's error (not counted again when a command's error reply was raised).
        let (reply, errs) = match (result, finished) {
            (Ok(()), Some(Finished::Ok(r, errs))) => (r, errs),
            (Ok(()), Some(Finished::Err(e))) if e.1 => {
                let flagged = ReplyErrors {
                    counted: Vec::new(),
                    flagged: 1,
                };
                (e.reply(funcname), flagged)
            }
            (Ok(()), Some(Finished::Err(e))) => ReplyErrors::one(e.reply(funcname)),
            (Ok(()), None) => ReplyErrors::one(Reply::err(
                "ERR Error running script: the run did not finish",
            )),
            (Err(e), _) => ReplyErrors::one(self.abort_reply(&e, limits, funcname)),
        };
        host.reply_errors(errs);
        // The collector runs by allocation debt, as the VM and the raw functions
        // allocate (as Lua's C API does); a full collection when the VM takes a
        // quarter of the memory limit and an eighth of it is new since the last one
        // (not after every run: a library that keeps a big table alive would make
        // each FCALL cost a walk of it), and after a run that was stopped (it may
        // have left its limit's worth of garbage).
        let used = self.slot.used.get();
        let heavy = limits.memory > 0
            && used > limits.memory / 4
            && used > self.live.get().saturating_add(limits.memory / 8);
        if heavy || aborted {
            self.lua.gc_collect();
            self.live.set(self.used_bytes());
        }
        if aborted {
            // A stopped run leaves the count hook tripping at every instruction (how
            // a kill is made uncatchable): disarm it, or the next run would be
            // stopped before its `raw_begin` arms it afresh.
            self.reset_budget();
        }
        reply
    }

    /// Bytes the VM holds now, garbage included.
    fn used_bytes(&self) -> usize {
        self.lua
            .gc()
            .count()
            .map(|kb| (kb * 1024.0) as usize)
            .unwrap_or(0)
    }

    /// The reply for a run that did not come back through the error handler: a
    /// tripped budget, or an error inside the error machinery itself.
    fn abort_reply(&self, e: &omnilua::Error, limits: &Limits, funcname: &str) -> Reply {
        if let Some(msg) = self.slot.ldb_error.borrow_mut().take() {
            // Raised by the debugger where the script stopped (Redis's luaError in the
            // hook, turned into the usual error reply).
            let line = self.slot.ldb.borrow().as_ref().map_or(0, |l| l.currentline);
            return Reply::Error(format!(
                "ERR {msg} script: {funcname}, on @user_script:{line}."
            ));
        }
        if self.slot.mem_tripped.replace(false) {
            return Reply::err(format!(
                "ERR Script killed by the memory limit ({} bytes): KV Lab stops scripts that allocate too much, so the page stays responsive",
                limits.memory
            ));
        }
        if let Some(at) = self.slot.killed_at.borrow_mut().take() {
            return Reply::err(format!(
                "ERR Script killed by user with SCRIPT KILL... script: {funcname}, on {at}."
            ));
        }
        match self.tripped() {
            Some(TripReason::Instructions) => Reply::err(format!(
                "ERR Script killed by the instruction budget ({} instructions): KV Lab stops scripts that run too long, so the page stays responsive",
                limits.instructions
            )),
            Some(TripReason::Memory) => Reply::err(format!(
                "ERR Script killed by the memory limit ({} bytes): KV Lab stops scripts that allocate too much, so the page stays responsive",
                limits.memory
            )),
            None => Reply::err(sanitize(&format!("ERR Error running script: {e}"))),
        }
    }

    fn reset_budget(&self) {
        self.mem.0.set(usize::MAX);
        if let Ok(sb) = self.lua.install_sandbox(SandboxConfig {
            instruction_limit: Some(u64::MAX),
            memory_limit_bytes: Some(usize::MAX),
            check_interval: 1000,
            remove_globals: Vec::new(),
        }) {
            sb.reset();
        }
    }
}

/// Instructions between budget and memory checks. Memory is only sampled there (and
/// by string.rep up front), so it must be small: `s = s .. s` doubles a string in a
/// handful of instructions.
const CHECK_INTERVAL: u32 = 2;

/// The host of the running script, lent for one run (see [`Lend`]).
struct HostSlot {
    host: Cell<Option<*mut (dyn Host + 'static)>>,
    /// Where the run was when the host asked to kill it (`@user_script:1`).
    killed_at: std::cell::RefCell<Option<String>>,
    /// The run's memory ceiling, checked at each tick when the count hook replaces the
    /// sandbox's own checks, and whether a tick stopped the run for it.
    mem_limit: Cell<usize>,
    mem_tripped: Cell<bool>,
    /// The RESP version `redis.setresp` chose (shared with the VM).
    resp: Rc<Cell<u8>>,
    /// The run's KEYS and ARGV, lent for the run (`raw_begin` reads them).
    keys: Cell<*const [Vec<u8>]>,
    args: Cell<*const [Vec<u8>]>,
    /// How the run ended (`raw_finish` leaves it here).
    finished: RefCell<Option<Finished>>,
    /// redis.call's argument buffers, kept from call to call.
    argv: RefCell<Vec<Vec<u8>>>,
    /// The run's limits (`raw_begin` arms them).
    limits: Cell<Limits>,
    /// Bytes the VM held when the last run finished.
    used: Cell<usize>,
    /// How many KEYS and ARGV the last EVAL run had (see `set_global_array`).
    keys_len: Cell<usize>,
    args_len: Cell<usize>,
    /// The number in `K.funcs` of the EVAL script to run (`raw_begin` returns it).
    run_id: Cell<f64>,
    /// The Lua debugger's session, while an EVAL is being debugged.
    ldb: RefCell<Option<ldb::Ldb>>,
    /// Why the debugger stopped the script (abort, a protocol error), for its reply.
    ldb_error: RefCell<Option<String>>,
    /// The running EVAL's globals (where the debugger's `print` finds KEYS and ARGV).
    env: RefCell<Option<GcRef<RawTable>>>,
}

const NO_ARGS: *const [Vec<u8>] = &[];

/// Lends a host to the VM's `redis.call`/`pcall`/`log` for one run, and takes it back
/// when dropped. One permanent callback reads the slot, instead of a scoped function
/// made and registered anew for every run (which cost more than a small script).
struct Lend<'a> {
    slot: &'a HostSlot,
    _host: std::marker::PhantomData<&'a mut ()>,
}

impl<'a> Lend<'a> {
    fn new(slot: &'a HostSlot, host: &'a mut dyn Host) -> Lend<'a> {
        let ptr: *mut (dyn Host + 'a) = host;
        // SAFETY: only the lifetime is erased; `Drop` clears the slot while `'a` (the
        // host's borrow) still holds, so the pointer is never used after it.
        let ptr: *mut (dyn Host + 'static) = unsafe { std::mem::transmute(ptr) };
        slot.host.set(Some(ptr));
        Lend {
            slot,
            _host: std::marker::PhantomData,
        }
    }
}

impl Drop for Lend<'_> {
    fn drop(&mut self) {
        self.slot.host.set(None);
    }
}

/// Prefix of a Rust error that stands for Redis's error table `{err = rest}`;
/// boot.lua's handler and pcall turn it back into the table.
const MARK: &str = "\u{0}kvlab-err\u{0}";
/// The same for a command's error reply, which INFO errorstats counted when the
/// command failed: `{err = rest, ignore_error_stats_update = true}`.
const MARK_COUNTED: &str = "\u{0}kvlab-errc\u{0}";

/// A Redis-style error (`{err = msg}`) raised from Rust.
fn raise(msg: impl std::fmt::Display) -> omnilua::Error {
    libs::rt(format_args!("{MARK}{msg}"))
}

/// Function and library names: letters, digits and underscores, at least one.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// `redis.log(level, ...)`.
fn host_log(slot: &HostSlot, a: Variadic<Value>) -> omnilua::Result<Value> {
    let Some(ptr) = slot.host.get() else {
        return Err(raise(
            "ERR redis calls are only possible while a script runs",
        ));
    };
    // SAFETY: the pointer was lent by `Lend::new` from a `&mut dyn Host` that outlives
    // the run, and the guard clears it before that borrow ends. Only this thread runs
    // the VM, and no host call re-enters it (scripts cannot call EVAL or FCALL), so
    // this is the only live reference to the host.
    let host = unsafe { &mut *ptr };
    let level = a.first().and_then(libs::to_number).unwrap_or(0.0) as i32;
    if !(0..=3).contains(&level) {
        return Err(raise("ERR Invalid debug level."));
    }
    let mut msg = Vec::new();
    for (n, v) in a[1..].iter().enumerate() {
        let piece = match v {
            Value::String(s) => s.as_bytes()?,
            Value::Number(x) => libs::lua_number_str(*x).into_bytes(),
            Value::Integer(x) => x.to_string().into_bytes(),
            _ => continue,
        };
        if n != 0 {
            msg.push(b' ');
        }
        msg.extend_from_slice(&piece);
    }
    host.log(level, &msg);
    Ok(Value::Nil)
}

// ------------------------------------------------------------ the raw hot path
//
// `redis.call`, `redis.pcall`, `K.run`'s `begin` (KEYS and ARGV) and `finish` (the
// reply) run once or more per script, so they work on the VM's stack and values
// directly, as Redis's C functions do on its lua_State: no rooted handles, no
// argument vectors. Nothing here steps the collector (only the VM does, between
// instructions), so a value built here is safe until it is pushed.

/// The prefix of the globals that carry the raw functions from the `LuaRuntime` to
/// the `I` table (removed right after).
const RAW_PREFIX: &[u8] = b"\0kvlab.";

type RawFn = fn(&mut LuaState) -> Result<usize, LuaError>;

const RAW_FNS: [(&[u8], RawFn); 7] = [
    (b"\0kvlab.debug", raw_debug),
    (b"\0kvlab.breakpoint", raw_breakpoint),
    (b"\0kvlab.call", raw_call),
    (b"\0kvlab.acl_check_cmd", raw_acl_check_cmd),
    (b"\0kvlab.pcall", raw_pcall),
    (b"\0kvlab.begin", raw_begin),
    (b"\0kvlab.finish", raw_finish),
];

/// Installs the raw functions as C closures over the host slot (a light userdata
/// upvalue: the slot lives in an `Rc` the VM keeps for as long as it runs).
fn install_raw(state: &mut LuaState, slot: &Rc<HostSlot>) -> omnilua::Result<()> {
    let _heap = {
        let g = state.global();
        lua_gc::HeapGuard::push(&g.heap)
    };
    for (name, f) in RAW_FNS {
        api::push_light_userdata(state, Rc::as_ptr(slot) as *mut std::ffi::c_void);
        api::push_cclosure(state, f, 1)?;
        api::set_global(state, name)?;
    }
    Ok(())
}

/// The host slot of the running raw function (its upvalue). Not a borrow of the
/// state: the slot lives outside it, for as long as the VM.
fn slot_of<'s>(state: &LuaState) -> Result<&'s HostSlot, LuaError> {
    if let Raw::Function(RawClosure::C(cl)) = state.get_at(state.current_call_info().func) {
        if let Some(Raw::LightUserData(p)) = cl.upvalues.borrow().first() {
            // SAFETY: `install_raw` made this upvalue from the VM's `Rc<HostSlot>`,
            // which outlives every run of the VM (scripts cannot reach C upvalues:
            // they have no `debug` library).
            return Ok(unsafe { &*(*p as *const HostSlot) });
        }
    }
    Err(LuaError::runtime(format_args!("kvlab: no host slot")))
}

fn raw_str(state: &mut LuaState, b: &[u8]) -> Result<Raw, LuaError> {
    Ok(Raw::Str(state.new_string(b)?))
}

/// `{err = msg}`, with `ignore_error_stats_update = true` when INFO errorstats
/// counted the error already (a command's error reply, as Redis marks it).
fn raw_error_table(state: &mut LuaState, msg: &[u8], counted: bool) -> Result<Raw, LuaError> {
    // Built as Redis's luaPushError and its caller do (err, then the flag), so the
    // table's layout, and the order pairs() and the debugger's print see, is Redis's.
    let t = state.new_table();
    let (k, e) = (raw_str(state, b"err")?, raw_str(state, msg)?);
    t.try_raw_set(k, e)?;
    if counted {
        let k = raw_str(state, IGNORE_STATS)?;
        t.try_raw_set(k, Raw::Bool(true))?;
    }
    Ok(Raw::Table(t))
}

/// The field of an error table that keeps INFO errorstats from counting it again.
const IGNORE_STATS: &[u8] = b"ignore_error_stats_update";

/// `{key = v}`.
fn raw_single(state: &mut LuaState, key: &[u8], v: Raw) -> Result<Raw, LuaError> {
    let t = state.new_table();
    let k = raw_str(state, key)?;
    t.try_raw_set(k, v)?;
    Ok(Raw::Table(t))
}

/// A Redis-style error raised from Rust (boot.lua turns it back into `{err = msg}`).
fn raised(msg: &[u8]) -> LuaError {
    LuaError::runtime(format_args!("{MARK}{}", String::from_utf8_lossy(msg)))
}

fn raw_call(state: &mut LuaState) -> Result<usize, LuaError> {
    redis_call(state, Lib::Call)
}

fn raw_pcall(state: &mut LuaState) -> Result<usize, LuaError> {
    redis_call(state, Lib::Pcall)
}

fn raw_acl_check_cmd(state: &mut LuaState) -> Result<usize, LuaError> {
    redis_call(state, Lib::AclCheck)
}

/// Which of the redis lib calls that take a command runs.
#[derive(Clone, Copy, PartialEq)]
enum Lib {
    Call,
    Pcall,
    /// redis.acl_check_cmd: whether the caller's user may run the command (Redis 7.0's
    /// luaRedisAclCheckCmdPermissionsCommand), raising as redis.call does.
    AclCheck,
}

/// redis.call, redis.pcall (errors returned as `{err = msg}`, not raised) and
/// redis.acl_check_cmd: the arguments to the host, its answer back.
fn redis_call(state: &mut LuaState, lib: Lib) -> Result<usize, LuaError> {
    let raise = lib != Lib::Pcall;
    let slot = slot_of(state)?;
    let Some(ptr) = slot.host.get() else {
        return Err(raised(
            b"ERR redis calls are only possible while a script runs",
        ));
    };
    // An error reply: raised by redis.call, returned as `{err = msg}` by pcall;
    // `counted` for the command's own error (or its refusal), which INFO errorstats
    // counted already.
    let fail = |state: &mut LuaState, msg: &[u8], counted: bool| -> Result<usize, LuaError> {
        if raise {
            return Err(if counted {
                LuaError::runtime(format_args!(
                    "{MARK_COUNTED}{}",
                    String::from_utf8_lossy(msg)
                ))
            } else {
                raised(msg)
            });
        }
        let t = raw_error_table(state, msg, counted)?;
        api::check_stack(state, 1);
        state.push(t);
        Ok(1)
    };
    let n = api::get_top(state).max(0) as usize;
    if n == 0 {
        return fail(
            state,
            b"ERR Please specify at least one argument for this redis lib call",
            false,
        );
    }
    let mut argv = slot.argv.take();
    if argv.len() < n {
        argv.resize_with(n, Vec::new);
    }
    for (i, buf) in argv[..n].iter_mut().enumerate() {
        buf.clear();
        match api::positive_index_value(state, i as i32 + 1) {
            Raw::Str(s) => buf.extend_from_slice(s.as_bytes()),
            Raw::Float(x) => buf.extend_from_slice(&number_arg(x)),
            Raw::Int(x) => buf.extend_from_slice(x.to_string().as_bytes()),
            _ => {
                slot.argv.replace(argv);
                return fail(
                    state,
                    b"ERR Lua redis lib command arguments must be strings or integers",
                    false,
                );
            }
        }
    }
    // SAFETY: as in `host_log`.
    let host = unsafe { &mut *ptr };
    if lib == Lib::AclCheck {
        let allowed = host.acl_check(&argv[..n]);
        slot.argv.replace(argv);
        let Some(allowed) = allowed else {
            return fail(
                state,
                b"ERR Invalid command passed to redis.acl_check_cmd()",
                false,
            );
        };
        api::check_stack(state, 1);
        state.push(Raw::Bool(allowed));
        return Ok(1);
    }
    let resp = slot.resp.get();
    // While the debugger steps, each command and its reply are logged.
    let logging = slot.ldb.borrow().as_ref().is_some_and(|l| l.step);
    if logging {
        if let Some(l) = slot.ldb.borrow_mut().as_mut() {
            l.log(ldb::command_log(&argv[..n]));
        }
    }
    let reply = host.call(&argv[..n], resp);
    if logging {
        let refused = host.refused();
        if let Some(l) = slot.ldb.borrow_mut().as_mut() {
            l.log_call(&reply, resp, refused);
        }
    }
    // Keep the buffers for the next call, but not a big value's.
    argv.truncate(32);
    for b in argv.iter_mut().filter(|b| b.capacity() > 1024) {
        *b = Vec::new();
    }
    slot.argv.replace(argv);
    if let Reply::Error(e) = &reply {
        return fail(state, trim_crlf(e).as_bytes(), true);
    }
    let v = reply_to_raw(state, &reply, resp == 3, 0)?;
    api::check_stack(state, 1);
    state.push(v);
    state.gc_check_step();
    Ok(1)
}

/// The count hook's mask and period (Redis's: every 100000 instructions; ours is
/// finer, so a BUSY reply or SCRIPT KILL comes sooner).
const HOOK_MASK_COUNT: i32 = 1 << 3;
const HOOK_PERIOD: i32 = 1000;

/// `begin([G])`: arms the run's limits, then sets G's KEYS and ARGV and returns the
/// number of the script to run (EVAL), or returns the two tables (a function's
/// arguments).
fn raw_begin(state: &mut LuaState) -> Result<usize, LuaError> {
    let slot = slot_of(state)?;
    let limits = slot.limits.get();
    // What `Vm::arm` does through omnilua's sandbox.
    let or_max = |n: u64| if n == 0 { u64::MAX } else { n };
    state.install_sandbox_limits(
        CHECK_INTERVAL as i32,
        Some(or_max(limits.instructions)),
        Some(if limits.memory == 0 {
            usize::MAX
        } else {
            limits.memory
        }),
    );
    state.sandbox_reset();
    if slot.ldb.borrow().is_some() {
        // A debugging session: the line hook (which also counts, to stop a runaway
        // loop), as Redis's luaLdbLineHook; raw_finish removes it.
        let slot: *const HostSlot = slot;
        lua_vm::debug::set_hook(
            state,
            Some(Box::new(move |st, ar| ldb_hook(st, slot, ar.event))),
            LDB_HOOK_MASK,
            LDB_HOOK_COUNT,
        );
    } else if limits.ticks {
        // Replaces the sandbox's count (the budget no longer applies); raw_finish
        // removes it.
        let slot: *const HostSlot = slot;
        lua_vm::debug::set_hook(
            state,
            Some(Box::new(move |st, _| tick_hook(st, slot))),
            HOOK_MASK_COUNT,
            HOOK_PERIOD,
        );
    }
    if let Raw::Table(g) = api::positive_index_value(state, 1) {
        if slot.ldb.borrow().is_some() {
            *slot.env.borrow_mut() = Some(g);
        }
        let (keys, args) = unsafe { (&*slot.keys.get(), &*slot.args.get()) };
        set_global_array(state, &g, b"KEYS", keys, &slot.keys_len)?;
        set_global_array(state, &g, b"ARGV", args, &slot.args_len)?;
        state.gc_check_step();
        api::check_stack(state, 1);
        state.push(Raw::Float(slot.run_id.get()));
        return Ok(1);
    }
    // SAFETY: `Vm::run` lends both slices for the run and resets them after it.
    let (keys, args) = unsafe { (&*slot.keys.get(), &*slot.args.get()) };
    let keys = string_table_raw(state, keys)?;
    let args = string_table_raw(state, args)?;
    api::check_stack(state, 2);
    state.push(keys);
    state.push(args);
    state.gc_check_step();
    Ok(2)
}

/// Where the debugger's eval helper (boot.lua's K.ldb_eval) is kept.
const LDB_EVAL: &[u8] = b"\0kvlab.ldb_eval";

/// The debugger's hook events: every new line, and every LDB_HOOK_COUNT instructions
/// (to stop a loop that never reaches a new line), as Redis's luaLdbLineHook.
const LDB_HOOK_MASK: i32 = (1 << 2) | (1 << 3);
const LDB_HOOK_COUNT: i32 = 100_000;
const HOOK_EVENT_COUNT: i32 = 3;

/// Stops the run from inside a hook with `msg` as its error (what Redis raises there:
/// "script aborted for user request", "protocol error" ...). A raised error would not
/// stop it here; an exhausted budget does.
fn ldb_stop_run(state: &mut LuaState, slot: &HostSlot, msg: &str) {
    *slot.ldb_error.borrow_mut() = Some(msg.to_string());
    if let Some(l) = slot.ldb.borrow_mut().as_mut() {
        l.step = false;
    }
    state.install_sandbox_limits(1, Some(1), None);
    state.sandbox_reset();
}

/// The current function's line and whether it is the user's script.
fn ldb_where(state: &mut LuaState, level: i32) -> Option<(i32, bool, Option<Vec<u8>>)> {
    let mut ar = lua_vm::debug::LuaDebug::default();
    if !lua_vm::debug::get_stack(state, level, &mut ar) {
        return None;
    }
    if !lua_vm::debug::get_info(state, b"Snl", &mut ar) {
        return None;
    }
    let src = ar.source.as_deref().unwrap_or_default();
    let user = src.windows(11).any(|w| w == b"user_script");
    Some((ar.currentline, user, ar.name.clone()))
}

/// Redis's luaLdbLineHook: stops before a line when stepping, at a breakpoint, after
/// redis.breakpoint(), or when the script has run too long without stopping, and then
/// talks with the debugging client until it lets the script go on.
fn ldb_hook(state: &mut LuaState, slot: *const HostSlot, event: i32) {
    // SAFETY: as in `tick_hook`.
    let slot = unsafe { &*slot };
    let Some(ptr) = slot.host.get() else {
        return;
    };
    // SAFETY: as in `host_log`.
    let host = unsafe { &mut *ptr };
    if slot.ldb_error.borrow().is_some() {
        return;
    }
    let Some((line, user, _)) = ldb_where(state, 0) else {
        return;
    };
    let (step, bp, luabp) = {
        let mut b = slot.ldb.borrow_mut();
        let Some(l) = b.as_mut() else {
            return;
        };
        l.currentline = line;
        (l.step, l.is_breakpoint(line) || l.luabp, l.luabp)
    };
    if !user {
        return;
    }
    let mut timeout = false;
    if event == HOOK_EVENT_COUNT && !step && !bp {
        if !host.ldb_timed_out(false) {
            return;
        }
        timeout = true;
    }
    if !(step || bp || timeout) {
        return;
    }
    let reason = if bp {
        if luabp {
            "redis.breakpoint() called"
        } else {
            "break point"
        }
    } else if timeout {
        "timeout reached, infinite loop?"
    } else {
        "step over"
    };
    let logs = {
        let mut b = slot.ldb.borrow_mut();
        let Some(l) = b.as_mut() else {
            return;
        };
        l.step = false;
        l.luabp = false;
        l.log(format!("* Stopped at {line}, stop reason = {reason}"));
        l.log_source_line(line);
        l.take_logs()
    };
    host.ldb_send(&logs);
    if !ldb_repl(state, slot, host) && timeout {
        ldb_stop_run(
            state,
            slot,
            "timeout during Lua debugging with client closing connection",
        );
    }
    host.ldb_timed_out(true);
}

/// Redis's ldbRepl: reads and runs the client's debugger commands until one lets the
/// script go on (step, continue). False when the client is gone (the script then runs
/// on without stopping).
fn ldb_repl(state: &mut LuaState, slot: &HostSlot, host: &mut dyn Host) -> bool {
    loop {
        let argv = loop {
            let parsed = match slot.ldb.borrow_mut().as_mut() {
                Some(l) => l.parse_command(),
                None => return false,
            };
            match parsed {
                Ok(Some(argv)) => break argv,
                Err(e) => {
                    ldb_stop_run(state, slot, e);
                    return true;
                }
                Ok(None) => {}
            }
            let mut buf = match slot.ldb.borrow_mut().as_mut() {
                Some(l) => std::mem::take(&mut l.cbuf),
                None => return false,
            };
            let got = host.ldb_recv(&mut buf);
            let over = buf.len() > ldb::MAX_CBUF;
            if let Some(l) = slot.ldb.borrow_mut().as_mut() {
                l.cbuf = if over { Vec::new() } else { buf };
                if !got {
                    // The script runs on without its user.
                    l.step = false;
                    l.clear_breakpoints();
                }
            }
            if !got {
                return false;
            }
            if over {
                ldb_stop_run(state, slot, "max client buffer reached");
                return true;
            }
        };
        let is = |a: &str, b: &str| {
            argv[0].eq_ignore_ascii_case(a.as_bytes()) || argv[0].eq_ignore_ascii_case(b.as_bytes())
        };
        let mut go_on = false;
        {
            if is("h", "help") {
                with_ldb(slot, |l| l.help());
            } else if is("s", "step") || is("n", "next") {
                with_ldb(slot, |l| l.step = true);
                go_on = true;
            } else if is("c", "continue") {
                go_on = true;
            } else if is("t", "trace") {
                ldb_trace(state, slot);
            } else if is("m", "maxlen") {
                with_ldb(slot, |l| l.maxlen_cmd(&argv));
            } else if is("b", "break") {
                with_ldb(slot, |l| l.break_cmd(&argv));
            } else if is("e", "eval") {
                ldb_eval(state, slot, &argv);
            } else if is("a", "abort") {
                ldb_stop_run(state, slot, "script aborted for user request");
                return true;
            } else if argv.len() > 1 && is("r", "redis") {
                ldb_redis(slot, host, &argv[1..]);
            } else if is("p", "print") {
                if argv.len() == 2 {
                    ldb_print(state, slot, &argv[1]);
                } else {
                    ldb_print_all(state, slot);
                }
            } else if is("l", "list") {
                with_ldb(slot, |l| {
                    let mut around = l.currentline;
                    let mut ctx = 5;
                    if argv.len() > 1 {
                        let n = ldb::atoi(&argv[1]);
                        if n > 0 {
                            around = n as i32;
                        }
                    }
                    if argv.len() > 2 {
                        ctx = ldb::atoi(&argv[2]) as i32;
                    }
                    l.list(around, ctx);
                });
            } else if is("w", "whole") {
                with_ldb(slot, |l| l.list(1, 1_000_000));
            } else {
                with_ldb(slot, |l| {
                    l.log(
                        "<error> Unknown Redis Lua debugger command or wrong number of arguments.",
                    )
                });
            }
        }
        if go_on {
            return true;
        }
        let logs = match slot.ldb.borrow_mut().as_mut() {
            Some(l) => l.take_logs(),
            None => return false,
        };
        host.ldb_send(&logs);
    }
}

fn with_ldb(slot: &HostSlot, f: impl FnOnce(&mut ldb::Ldb)) {
    if let Some(l) = slot.ldb.borrow_mut().as_mut() {
        f(l);
    }
}

/// ldbCatStackValue: a Lua value as the debugger shows it.
fn ldb_value(v: &Raw, out: &mut Vec<u8>, level: usize) {
    if level == 10 {
        out.extend_from_slice(b"<max recursion level reached! Nested table?>");
        return;
    }
    match v {
        Raw::Str(s) => out.extend_from_slice(crate::engine::util::repr(s.as_bytes()).as_bytes()),
        Raw::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Raw::Int(n) => out.extend_from_slice(libs::fmt_g(*n as f64, 6).as_bytes()),
        Raw::Float(x) => out.extend_from_slice(libs::fmt_g(*x, 6).as_bytes()),
        Raw::Nil => out.extend_from_slice(b"nil"),
        Raw::Table(t) => {
            let (mut array, mut full) = (Vec::new(), Vec::new());
            let mut is_array = true;
            let mut expected = 1.0;
            let mut k = Raw::Nil;
            while let Some((key, val)) = t.next_pair(&k) {
                let n = match key {
                    Raw::Int(i) => Some(i as f64),
                    Raw::Float(x) => Some(x),
                    _ => None,
                };
                if is_array && n != Some(expected) {
                    is_array = false;
                }
                ldb_value(&val, &mut array, level + 1);
                array.extend_from_slice(b"; ");
                full.push(b'[');
                ldb_value(&key, &mut full, level + 1);
                full.extend_from_slice(b"]=");
                ldb_value(&val, &mut full, level + 1);
                full.extend_from_slice(b"; ");
                expected += 1.0;
                k = key;
            }
            let chosen = if is_array { &mut array } else { &mut full };
            if !chosen.is_empty() {
                chosen.truncate(chosen.len() - 2);
            }
            out.push(b'{');
            out.extend_from_slice(chosen);
            out.push(b'}');
        }
        other => {
            let kind = match other {
                Raw::Function(_) => "function",
                Raw::UserData(_) => "userdata",
                Raw::Thread(_) => "thread",
                Raw::LightUserData(_) => "light-userdata",
                _ => "unknown",
            };
            out.extend_from_slice(format!("\"{kind}@{:p}\"", other as *const Raw).as_bytes());
        }
    }
}

fn ldb_log_value(slot: &HostSlot, prefix: &[u8], v: &Raw) {
    let mut s = prefix.to_vec();
    ldb_value(v, &mut s, 0);
    with_ldb(slot, |l| l.log_max_len(s));
}

/// `print <var>`: the first local of that name from the current frame outwards, else
/// KEYS or ARGV.
fn ldb_print(state: &mut LuaState, slot: &HostSlot, name: &[u8]) {
    let mut level = 0;
    loop {
        let mut ar = lua_vm::debug::LuaDebug::default();
        if !lua_vm::debug::get_stack(state, level, &mut ar) {
            break;
        }
        level += 1;
        let mut i = 1;
        while let Some(local) = lua_vm::debug::get_local(state, Some(&ar), i) {
            i += 1;
            let v = state.peek_top();
            let _ = api::set_top(state, -2);
            if local == name {
                ldb_log_value(slot, b"<value> ", &v);
                return;
            }
        }
    }
    if name == b"KEYS" || name == b"ARGV" {
        let env = *slot.env.borrow();
        let v = match (env, state.new_string(name)) {
            (Some(g), Ok(k)) => g.get(&Raw::Str(k)),
            _ => Raw::Nil,
        };
        ldb_log_value(slot, b"<value> ", &v);
    } else {
        with_ldb(slot, |l| l.log("No such variable."));
    }
}

/// `print`: the current frame's locals.
fn ldb_print_all(state: &mut LuaState, slot: &HostSlot) {
    let mut vars = 0;
    let mut ar = lua_vm::debug::LuaDebug::default();
    if lua_vm::debug::get_stack(state, 0, &mut ar) {
        let mut i = 1;
        while let Some(name) = lua_vm::debug::get_local(state, Some(&ar), i) {
            i += 1;
            let v = state.peek_top();
            let _ = api::set_top(state, -2);
            if !name.windows(12).any(|w| w == b"(*temporary)") {
                let mut prefix = b"<value> ".to_vec();
                prefix.extend_from_slice(&name);
                prefix.extend_from_slice(b" = ");
                ldb_log_value(slot, &prefix, &v);
                vars += 1;
            }
        }
    }
    if vars == 0 {
        with_ldb(slot, |l| {
            l.log("No local variables in the current context.")
        });
    }
}

/// `trace`: where the script is, frame by frame.
fn ldb_trace(state: &mut LuaState, slot: &HostSlot) {
    let mut level = 0;
    while let Some((line, user, name)) = ldb_where(state, level) {
        if user {
            let name = name.map_or("top level".to_string(), |n| {
                String::from_utf8_lossy(&n).into_owned()
            });
            let at = if level == 0 { "In" } else { "From" };
            with_ldb(slot, |l| {
                l.log(format!("{at} {name}:"));
                l.log_source_line(line);
            });
        }
        level += 1;
    }
    if level == 0 {
        with_ldb(slot, |l| l.log("<error> Can't retrieve Lua stack."));
    }
}

/// `eval <code>`: compiled as an expression (`return ...`) or else as a statement, run
/// in a frame of its own; its value or its error is logged.
fn ldb_eval(state: &mut LuaState, slot: &HostSlot, argv: &[Vec<u8>]) {
    let code = argv[1..].join(&b' ');
    let mut expr = b"return ".to_vec();
    expr.extend_from_slice(&code);
    let top = api::get_top(state);
    let entry = (|| -> Result<Vec<u8>, LuaError> {
        api::check_stack(state, 3);
        api::get_global(state, LDB_EVAL)?;
        let expr = raw_str(state, &expr)?;
        let code = raw_str(state, &code)?;
        state.push(expr);
        state.push(code);
        api::pcall_k(state, 2, 2, 0, 0, None)?;
        let ok = api::to_boolean(state, -2);
        let v = state.peek_top();
        let mut s = Vec::new();
        if ok {
            s.extend_from_slice(b"<retval> ");
            ldb_value(&v, &mut s, 0);
        } else {
            s.extend_from_slice(b"<error> ");
            match v {
                Raw::Str(m) => s.extend_from_slice(m.as_bytes()),
                _ => s.extend_from_slice(b"(null)"),
            }
        }
        Ok(s)
    })();
    let _ = api::set_top(state, top);
    let entry = entry.unwrap_or_else(|e| format!("<error> {e}").into_bytes());
    with_ldb(slot, |l| {
        if entry.starts_with(b"<retval>") {
            l.log_max_len(entry)
        } else {
            l.log(entry)
        }
    });
}

/// `redis <command>`: run as redis.call runs it, logged with its reply.
fn ldb_redis(slot: &HostSlot, host: &mut dyn Host, argv: &[Vec<u8>]) {
    with_ldb(slot, |l| l.log(ldb::command_log(argv)));
    let resp = slot.resp.get();
    let reply = host.call(argv, resp);
    let refused = host.refused();
    with_ldb(slot, |l| l.log_call(&reply, resp, refused));
}

/// redis.debug(...): the values, logged for the debugger (nothing outside a session).
fn raw_debug(state: &mut LuaState) -> Result<usize, LuaError> {
    let slot = slot_of(state)?;
    if slot.ldb.borrow().is_none() {
        return Ok(0);
    }
    let line = slot.ldb.borrow().as_ref().map_or(0, |l| l.currentline);
    let mut s = format!("<debug> line {line}: ").into_bytes();
    let n = api::get_top(state).max(0);
    for i in 1..=n {
        let v = api::positive_index_value(state, i);
        ldb_value(&v, &mut s, 0);
        if i != n {
            s.extend_from_slice(b", ");
        }
    }
    with_ldb(slot, |l| l.log(s));
    Ok(0)
}

/// redis.breakpoint(): stop before the next line (true), when a session runs.
fn raw_breakpoint(state: &mut LuaState) -> Result<usize, LuaError> {
    let slot = slot_of(state)?;
    let active = slot.ldb.borrow().is_some();
    with_ldb(slot, |l| l.luabp = true);
    api::check_stack(state, 1);
    state.push(Raw::Bool(active));
    Ok(1)
}

/// The count hook of a server's run: lets the host serve other clients, and stops
/// the run when SCRIPT KILL asks (or the memory ceiling is crossed, which the hook
/// checks in place of the sandbox).
fn tick_hook(state: &mut LuaState, slot: *const HostSlot) {
    // SAFETY: the hook is installed by `raw_begin` with the VM's slot, which lives
    // as long as the VM.
    let slot = unsafe { &*slot };
    let Some(ptr) = slot.host.get() else {
        return;
    };
    // SAFETY: as in `host_log`.
    let host = unsafe { &mut *ptr };
    let limit = slot.mem_limit.get();
    let used = state.global().heap.bytes_used();
    let over = limit > 0 && used > limit;
    if over {
        slot.mem_tripped.set(true);
    }
    if over || host.tick() {
        *slot.killed_at.borrow_mut() = (!over).then(|| {
            let mut ar = lua_vm::debug::LuaDebug::default();
            if lua_vm::debug::get_stack(state, 0, &mut ar)
                && lua_vm::debug::get_info(state, b"Sl", &mut ar)
            {
                let source = ar.source.as_deref().unwrap_or_default();
                format!("{}:{}", String::from_utf8_lossy(source), ar.currentline)
            } else {
                "?:0".to_string()
            }
        });
        // An error raised in a hook does not stop the run; an exhausted budget
        // does, and pcall cannot catch it.
        state.install_sandbox_limits(1, Some(1), None);
        state.sandbox_reset();
    }
}

/// EVAL's `G[name] = {items...}`. The last run's table is refilled when it is
/// still exactly what that run was given in shape (its `len` items at 1..len, no
/// other key, no metatable): nothing of a run outlives it (a script cannot write
/// globals or reach anything that persists), so this is the table Redis would
/// make, without the allocation. Otherwise a new one.
fn set_global_array(
    state: &mut LuaState,
    g: &GcRef<RawTable>,
    name: &[u8],
    items: &[Vec<u8>],
    last_len: &Cell<usize>,
) -> Result<(), LuaError> {
    let k = raw_str(state, name)?;
    let prev = last_len.get();
    let reusable = match g.get(&k) {
        Raw::Table(t)
            if !t.has_metatable()
                && t.len() == prev
                && (1..=prev as i64).all(|i| !matches!(t.get_int(i), Raw::Nil)) =>
        {
            Some(t)
        }
        _ => None,
    };
    last_len.set(items.len());
    let Some(t) = reusable else {
        let v = string_table_raw(state, items)?;
        g.try_raw_set(k, v)?;
        state.gc().table_barrier_back(g, &v);
        return Ok(());
    };
    for (n, s) in items.iter().enumerate() {
        let v = raw_str(state, s)?;
        t.try_raw_set_int(n as i64 + 1, v)?;
        state.gc().table_barrier_back(&t, &v);
    }
    for n in items.len()..prev {
        t.try_raw_set_int(n as i64 + 1, Raw::Nil)?;
    }
    Ok(())
}

fn string_table_raw(state: &mut LuaState, items: &[Vec<u8>]) -> Result<Raw, LuaError> {
    let t = state.new_table_with_sizes(items.len().min(1 << 26) as u32, 0)?;
    for (n, s) in items.iter().enumerate() {
        let v = raw_str(state, s)?;
        t.try_raw_set_int(n as i64 + 1, v)?;
    }
    Ok(Raw::Table(t))
}

/// How a run ended, left by `finish` for [`Vm::run`].
enum Finished {
    Ok(Reply, ReplyErrors),
    Err(ScriptError),
}

/// The error replies a script's reply holds, for INFO errorstats and commandstats'
/// failed_calls, as Redis counts them (`afterErrorReply`): an error table a command
/// answered (`ignore_error_stats_update`, which redis.call and redis.pcall set) was
/// counted when that command failed, so it only makes the script's call a failed one,
/// each time it appears; any other error (`{err = ...}` built by the script, at the
/// top or nested) is counted again, and fails the call once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplyErrors {
    /// Errors to count, in order.
    pub counted: Vec<String>,
    /// Errors counted already.
    pub flagged: u32,
}

impl ReplyErrors {
    /// A reply with its error (if it is one) to count.
    fn one(reply: Reply) -> (Reply, ReplyErrors) {
        let counted = match &reply {
            Reply::Error(e) => vec![e.clone()],
            _ => Vec::new(),
        };
        (
            reply,
            ReplyErrors {
                counted,
                flagged: 0,
            },
        )
    }
}

/// The error table the handler built (`{err=, source=, line=}` and whether a
/// command's error reply counted it already), or None when the error was not a table.
struct ScriptError(Option<[Option<Vec<u8>>; 3]>, bool);

impl ScriptError {
    /// "<err> script: <name>, on <source>:<line>."
    fn reply(self, funcname: &str) -> Reply {
        let Some([err, source, line]) = self.0 else {
            return Reply::err("ERR Error running script: error object is not a table");
        };
        let msg = match err {
            Some(m) => String::from_utf8_lossy(&m).into_owned(),
            // redis-server 7.0.15 crashes on error({}); say what happened instead.
            None => "ERR Script raised an error table without an 'err' field".to_string(),
        };
        let text = |b: Option<Vec<u8>>| {
            b.map_or("(null)".to_string(), |b| {
                String::from_utf8_lossy(&b).into_owned()
            })
        };
        Reply::Error(sanitize(&format!(
            "{msg} script: {funcname}, on {}:{}.",
            text(source),
            text(line)
        )))
    }
}

/// `finish(ok, v)`: the script's result (or error) as the reply.
fn raw_finish(state: &mut LuaState) -> Result<usize, LuaError> {
    let slot = slot_of(state)?;
    if slot.limits.get().ticks || slot.ldb.borrow().is_some() {
        lua_vm::debug::set_hook(state, None, 0, 0);
    }
    slot.env.borrow_mut().take();
    let ok = api::to_boolean(state, 1);
    let v = api::positive_index_value(state, 2);
    let finished = if ok {
        let mut errs = ReplyErrors::default();
        let reply = raw_to_reply(state, &v, slot.resp.get() == 3, 0, &mut errs);
        Finished::Ok(reply, errs)
    } else if let Raw::Table(t) = &v {
        let counted = matches!(raw_field(state, t, IGNORE_STATS), Raw::Bool(true));
        let mut get = |k: &[u8]| raw_bytes_of(&raw_field(state, t, k));
        Finished::Err(ScriptError(
            Some([get(b"err"), get(b"source"), get(b"line")]),
            counted,
        ))
    } else {
        Finished::Err(ScriptError(None, false))
    };
    *slot.finished.borrow_mut() = Some(finished);
    state.gc_check_step();
    slot.used.set(state.global().heap.bytes_used());
    Ok(0)
}

/// `t[k]`, raw, for a string key.
fn raw_field(state: &mut LuaState, t: &GcRef<RawTable>, k: &[u8]) -> Raw {
    match state.new_string(k) {
        Ok(k) => t.get(&Raw::Str(k)),
        Err(_) => Raw::Nil,
    }
}

fn raw_bytes_of(v: &Raw) -> Option<Vec<u8>> {
    match v {
        Raw::Str(s) => Some(s.as_bytes().to_vec()),
        Raw::Float(n) => Some(libs::lua_number_str(*n).into_bytes()),
        Raw::Int(i) => Some(i.to_string().into_bytes()),
        _ => None,
    }
}

/// 2^62 and 2^63 as doubles.
const TWO62: f64 = 4_611_686_018_427_387_904.0;
const TWO63: f64 = 9_223_372_036_854_775_808.0;

/// A number argument to redis.call: an integer when it is one within ±2^62 (Redis's
/// double2ll), else `%.17g`.
fn number_arg(n: f64) -> Vec<u8> {
    if n.fract() == 0.0 && (-TWO62..=TWO62).contains(&n) {
        (n as i64).to_string().into_bytes()
    } else {
        format_double_g17(n).into_bytes()
    }
}

fn trim_crlf(s: &str) -> String {
    s.trim_matches(|c| c == '\r' || c == '\n').to_string()
}

/// Error replies carry no newlines (Redis maps them to spaces).
fn sanitize(s: &str) -> String {
    s.trim_matches(|c| c == '\r' || c == '\n')
        .replace(['\r', '\n'], " ")
}

const MAX_NESTING: usize = 200;

/// A command's reply as redis.call hands it to Lua.
fn reply_to_raw(
    state: &mut LuaState,
    r: &Reply,
    resp3: bool,
    depth: usize,
) -> Result<Raw, LuaError> {
    if depth > MAX_NESTING {
        return Err(LuaError::runtime(format_args!("reached lua stack limit")));
    }
    let array = |state: &mut LuaState, items: &[Reply]| -> Result<Raw, LuaError> {
        let t = state.new_table_with_sizes(items.len().min(1 << 26) as u32, 0)?;
        for (n, item) in items.iter().enumerate() {
            let v = reply_to_raw(state, item, resp3, depth + 1)?;
            t.try_raw_set_int(n as i64 + 1, v)?;
        }
        Ok(Raw::Table(t))
    };
    Ok(match r {
        Reply::Status(x) => {
            let v = raw_str(state, x.as_bytes())?;
            raw_single(state, b"ok", v)?
        }
        Reply::Error(x) => raw_error_table(state, trim_crlf(x).as_bytes(), true)?,
        Reply::Int(i) => Raw::Float(*i as f64),
        Reply::Bulk(b) => raw_str(state, b)?,
        Reply::Nil | Reply::NilArray | Reply::Blocked | Reply::Closed | Reply::Seq(_) => {
            if resp3 {
                Raw::Nil
            } else {
                Raw::Bool(false)
            }
        }
        Reply::Array(items) | Reply::Push(items) => array(state, items)?,
        Reply::Map(pairs) => {
            let t = state.new_table();
            if resp3 {
                for (k, v) in pairs {
                    let k = reply_to_raw(state, k, resp3, depth + 1)?;
                    if !matches!(k, Raw::Nil) {
                        let v = reply_to_raw(state, v, resp3, depth + 1)?;
                        t.try_raw_set(k, v)?;
                    }
                }
                raw_single(state, b"map", Raw::Table(t))?
            } else {
                let mut n = 1;
                for (k, v) in pairs {
                    let k = reply_to_raw(state, k, resp3, depth + 1)?;
                    t.try_raw_set_int(n, k)?;
                    let v = reply_to_raw(state, v, resp3, depth + 1)?;
                    t.try_raw_set_int(n + 1, v)?;
                    n += 2;
                }
                Raw::Table(t)
            }
        }
        Reply::Set(items) => {
            if resp3 {
                let t = state.new_table();
                for item in items {
                    let k = reply_to_raw(state, item, resp3, depth + 1)?;
                    if !matches!(k, Raw::Nil) {
                        t.try_raw_set(k, Raw::Bool(true))?;
                    }
                }
                raw_single(state, b"set", Raw::Table(t))?
            } else {
                array(state, items)?
            }
        }
        Reply::Double(d) => {
            if resp3 {
                raw_single(state, b"double", Raw::Float(*d))?
            } else {
                raw_str(state, format_double_g17(*d).as_bytes())?
            }
        }
        Reply::DoubleText(text) => {
            if resp3 {
                let d = libs::str_to_number(text.as_bytes()).unwrap_or(0.0);
                raw_single(state, b"double", Raw::Float(d))?
            } else {
                raw_str(state, text.as_bytes())?
            }
        }
        Reply::Bool(b) => {
            if resp3 {
                Raw::Bool(*b)
            } else {
                Raw::Float(if *b { 1.0 } else { 0.0 })
            }
        }
        Reply::Verbatim(fmt, body) => {
            if resp3 {
                let t = state.new_table();
                let (k, v) = (raw_str(state, b"format")?, raw_str(state, fmt.as_bytes())?);
                t.try_raw_set(k, v)?;
                let (k, v) = (raw_str(state, b"string")?, raw_str(state, body)?);
                t.try_raw_set(k, v)?;
                raw_single(state, b"verbatim_string", Raw::Table(t))?
            } else {
                raw_str(state, body)?
            }
        }
    })
}

/// A Lua number as a script's integer reply: truncated; NaN, infinities and values
/// out of range give i64::MIN, as the C cast does on x86-64.
fn lua_int(n: f64) -> i64 {
    if (-TWO63..TWO63).contains(&n) {
        n as i64
    } else {
        i64::MIN
    }
}

fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => s.as_bytes().ok(),
        Value::Number(n) => Some(libs::lua_number_str(*n).into_bytes()),
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        _ => None,
    }
}

/// A script's return value as the reply Redis sends (`luaReplyToRedisReply`).
/// The error replies in it are noted in `errs`.
fn raw_to_reply(
    state: &mut LuaState,
    v: &Raw,
    resp3: bool,
    depth: usize,
    errs: &mut ReplyErrors,
) -> Reply {
    if depth > MAX_NESTING {
        const DEEP: &str = "ERR reached lua stack limit";
        errs.counted.push(DEEP.to_string());
        return Reply::err(DEEP);
    }
    match v {
        Raw::Str(s) => Reply::Bulk(s.as_bytes().to_vec()),
        Raw::Bool(b) => {
            if resp3 {
                Reply::Bool(*b)
            } else if *b {
                Reply::Int(1)
            } else {
                Reply::Nil
            }
        }
        Raw::Float(n) => Reply::Int(lua_int(*n)),
        Raw::Int(i) => Reply::Int(*i),
        Raw::Table(t) => raw_table_to_reply(state, t, resp3, depth, errs),
        _ => Reply::Nil,
    }
}

fn raw_table_to_reply(
    state: &mut LuaState,
    t: &GcRef<RawTable>,
    resp3: bool,
    depth: usize,
    errs: &mut ReplyErrors,
) -> Reply {
    if let Raw::Str(e) = raw_field(state, t, b"err") {
        let msg = sanitize(&String::from_utf8_lossy(e.as_bytes()));
        if matches!(raw_field(state, t, IGNORE_STATS), Raw::Bool(true)) {
            errs.flagged += 1;
        } else {
            errs.counted.push(msg.clone());
        }
        return Reply::Error(msg);
    }
    if let Raw::Str(s) = raw_field(state, t, b"ok") {
        return Reply::Status(sanitize(&String::from_utf8_lossy(s.as_bytes())).into());
    }
    if let Raw::Float(d) = raw_field(state, t, b"double") {
        return Reply::Double(d);
    }
    if let Raw::Str(s) = raw_field(state, t, b"big_number") {
        return Reply::Bulk(s.as_bytes().to_vec());
    }
    let pairs = |m: &GcRef<RawTable>| {
        let mut out = Vec::new();
        let mut k = Raw::Nil;
        while let Some((nk, nv)) = m.next_pair(&k) {
            out.push((nk, nv));
            k = nk;
        }
        out
    };
    if let Raw::Table(m) = raw_field(state, t, b"map") {
        return Reply::Map(
            pairs(&m)
                .iter()
                .map(|(k, v)| {
                    (
                        raw_to_reply(state, k, resp3, depth + 1, errs),
                        raw_to_reply(state, v, resp3, depth + 1, errs),
                    )
                })
                .collect(),
        );
    }
    if let Raw::Table(m) = raw_field(state, t, b"set") {
        return Reply::Set(
            pairs(&m)
                .iter()
                .map(|(k, _)| raw_to_reply(state, k, resp3, depth + 1, errs))
                .collect(),
        );
    }
    if let Raw::Table(vt) = raw_field(state, t, b"verbatim_string") {
        let fmt = raw_bytes_of(&raw_field(state, &vt, b"format"));
        let body = raw_bytes_of(&raw_field(state, &vt, b"string"));
        if let (Some(fmt), Some(body)) = (fmt, body) {
            return match fmt.as_slice() {
                b"txt" => Reply::Verbatim("txt", body),
                b"mkd" => Reply::Verbatim("mkd", body),
                _ => Reply::Bulk(body),
            };
        }
    }
    let mut items = Vec::new();
    let mut j = 1;
    loop {
        let v = t.get_int(j);
        if matches!(v, Raw::Nil) {
            break;
        }
        items.push(raw_to_reply(state, &v, resp3, depth + 1, errs));
        j += 1;
    }
    Reply::Array(items)
}

// ---------------------------------------------------------------------- EVAL

struct CachedScript {
    /// Its number in the VM's `K.funcs`.
    id: f64,
    flags: ScriptFlags,
}

/// The EVAL/EVALSHA side: one persistent VM, scripts cached by SHA-1.
pub struct Scripts {
    vm: Vm,
    prng: Prng,
    /// By SHA-1 (EVALSHA looks a script up on every call: no SipHash for this).
    cache: crate::engine::dict::FastMap<String, CachedScript>,
    body_bytes: usize,
}

impl Scripts {
    /// A fresh VM. Pass the same [`Prng`] to [`Functions::new`]: Redis's
    /// `math.random` is one sequence for EVAL and FCALL alike.
    pub fn new(prng: Prng) -> Self {
        Scripts {
            vm: Vm::new(Mode::Eval, prng.clone()),
            prng,
            cache: Default::default(),
            body_bytes: 0,
        }
    }

    /// Redis's sha1hex of a script body (lowercase).
    pub fn sha1hex(body: &[u8]) -> String {
        sha1hex(body)
    }

    /// Parses the shebang and compiles `body`, caching it under its SHA-1 (returned).
    /// Loading a cached script again is free. Errors: the shebang's, or "ERR Error
    /// compiling script (new function): user_script:1: ...".
    pub fn load(&mut self, body: &[u8]) -> Result<String, Reply> {
        let sha = sha1hex(body);
        if self.cache.contains_key(&sha) {
            return Ok(sha);
        }
        let (flags, shebang_len) = parse_shebang(body)?;
        self.vm.reset_budget();
        let code = code_without_shebang(body, shebang_len);
        let func = self.vm.compile(code, "@user_script").map_err(|e| {
            Reply::Error(sanitize(&format!(
                "ERR Error compiling script (new function): {e}"
            )))
        })?;
        let id = self.vm.register(func).map_err(|e| {
            Reply::Error(sanitize(&format!(
                "ERR Error compiling script (new function): {e}"
            )))
        })?;
        self.cache.insert(sha.clone(), CachedScript { id, flags });
        // Redis counts each cached script's body and SHA-1 key (plus its dict entry).
        self.body_bytes += body.len() + 40 + 64;
        Ok(sha)
    }

    /// Bytes the cached scripts' bodies and names take (INFO used_memory_scripts_eval).
    pub fn body_bytes(&self) -> usize {
        self.body_bytes
    }

    /// Whether a script with this SHA-1 is cached (case-insensitive, as EVALSHA).
    pub fn exists(&self, sha: &str) -> bool {
        self.cache.contains_key(&sha.to_ascii_lowercase())
    }

    /// The flags a cached script declared.
    pub fn flags(&self, sha: &str) -> Option<ScriptFlags> {
        if sha.bytes().any(|c| c.is_ascii_uppercase()) {
            return self.flags(&sha.to_ascii_lowercase());
        }
        self.cache.get(sha).map(|s| s.flags)
    }

    /// How many scripts are cached.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }

    /// Bytes the VM holds (INFO's used_memory_lua).
    pub fn used_memory(&self) -> usize {
        self.vm.used_bytes()
    }

    /// SCRIPT FLUSH: drops every script and starts a new VM, as Redis does. The
    /// random sequence goes on.
    pub fn flush(&mut self) {
        self.cache.clear();
        self.vm = Vm::new(Mode::Eval, self.prng.clone());
    }

    /// The cached script under `sha` (case-insensitive, as EVALSHA): what runs it and
    /// the flags it declared. One lookup serves both.
    pub fn find(&self, sha: &str) -> Option<(ScriptId, ScriptFlags)> {
        if sha.bytes().any(|c| c.is_ascii_uppercase()) {
            return self.find(&sha.to_ascii_lowercase());
        }
        self.cache.get(sha).map(|s| (ScriptId(s.id), s.flags))
    }

    /// Runs a cached script with KEYS and ARGV. Unknown SHA: "NOSCRIPT No matching
    /// script. Please use EVAL.". Script errors come back as Redis words them, with
    /// " script: <sha>, on @user_script:<line>." appended where Redis appends it.
    pub fn run(
        &mut self,
        sha: &str,
        keys: &[Vec<u8>],
        args: &[Vec<u8>],
        host: &mut dyn Host,
        limits: &Limits,
    ) -> Reply {
        let Some((id, _)) = self.find(sha) else {
            return Reply::err("NOSCRIPT No matching script. Please use EVAL.");
        };
        self.run_found(id, &sha.to_ascii_lowercase(), keys, args, host, limits)
    }

    /// Starts a Lua debugger session for the next run: `body` is the EVAL's script (the
    /// source the debugger lists). [`Scripts::end_debug`] ends it.
    pub fn start_debug(&mut self, body: &[u8]) {
        self.vm.slot.env.borrow_mut().take();
        *self.vm.slot.ldb.borrow_mut() = Some(ldb::Ldb::new(body));
        self.vm.slot.ldb_error.borrow_mut().take();
    }

    /// Ends the debugger session: what it logged since it last stopped, then
    /// `<endsession>`, as the multi-bulk the client reads before the EVAL's reply.
    pub fn end_debug(&mut self) -> Vec<u8> {
        self.vm.slot.ldb_error.borrow_mut().take();
        self.vm.slot.env.borrow_mut().take();
        match self.vm.slot.ldb.borrow_mut().take() {
            Some(mut l) => {
                l.log("<endsession>");
                l.take_logs()
            }
            None => Vec::new(),
        }
    }

    /// [`Scripts::run`] for a script [`Scripts::find`] found (`sha` its lowercase SHA-1,
    /// which error replies name).
    pub fn run_found(
        &mut self,
        id: ScriptId,
        sha: &str,
        keys: &[Vec<u8>],
        args: &[Vec<u8>],
        host: &mut dyn Host,
        limits: &Limits,
    ) -> Reply {
        self.vm
            .run(RunTarget::Id(id.0), keys, args, sha, host, limits)
    }
}

/// A cached script, as [`Scripts::find`] found it (valid until SCRIPT FLUSH).
#[derive(Clone, Copy, Debug)]
pub struct ScriptId(f64);

// ---------------------------------------------------------------------- FUNCTION

/// One function a library registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionInfo {
    pub name: String,
    pub flags: ScriptFlags,
    pub description: Option<String>,
}

/// A library [`Functions::load`] compiled and ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryInfo {
    pub name: String,
    /// In registration order.
    pub functions: Vec<FunctionInfo>,
}

struct Library {
    funcs: HashMap<String, Function>,
}

/// The FUNCTION side: a VM of its own, libraries by name.
pub struct Functions {
    vm: Vm,
    prng: Prng,
    libs: HashMap<String, Library>,
    staged: Option<(String, Library)>,
}

/// Reads FUNCTION LOAD's `#!lua name=<lib>` line: the library name, or Redis's
/// error ("ERR Missing library metadata", "ERR Engine 'js' not found", "ERR Library
/// name was not given", "ERR Invalid metadata value given: x=y", "ERR Library names
/// can only contain letters, numbers, or underscores(_) and must be at least one
/// character long").
pub fn parse_library_metadata(code: &[u8]) -> Result<(String, usize), Reply> {
    if !code.starts_with(b"#!") {
        return Err(Reply::err("ERR Missing library metadata"));
    }
    let end = code.iter().position(|&c| c == b'\n').unwrap_or(code.len());
    let parts = split_args(&code[..end]).unwrap_or_default();
    if parts.is_empty() {
        return Err(Reply::err("ERR Invalid library metadata"));
    }
    let engine = &parts[0][2..];
    if !engine.eq_ignore_ascii_case("lua") {
        return Err(Reply::err(format!("ERR Engine '{engine}' not found")));
    }
    let mut name = None;
    for p in &parts[1..] {
        match p.strip_prefix("name=") {
            Some(n) if name.is_none() => name = Some(n.to_string()),
            Some(_) => {
                return Err(Reply::err(
                    "ERR Invalid metadata value, name argument was given multiple times",
                ))
            }
            None => return Err(Reply::err(format!("ERR Invalid metadata value given: {p}"))),
        }
    }
    let Some(name) = name else {
        return Err(Reply::err("ERR Library name was not given"));
    };
    if !valid_name(name.as_bytes()) {
        return Err(Reply::err(
            "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    Ok((name, end))
}

impl Functions {
    pub fn new(prng: Prng) -> Self {
        Functions {
            vm: Vm::new(Mode::Function, prng.clone()),
            prng,
            libs: HashMap::new(),
            staged: None,
        }
    }

    /// FUNCTION LOAD's Lua part: reads the metadata line, compiles the code and runs
    /// its top level (where only `redis.register_function`, `redis.log` and the
    /// constants exist). The library is staged: [`Functions::commit`] makes it live
    /// (after the engine checked names against other libraries), anything else
    /// drops it. Errors: "ERR Error compiling function: ...", "ERR Error registering
    /// functions: ...", "ERR No functions registered", the metadata's.
    pub fn load(
        &mut self,
        code: &[u8],
        host: &mut dyn Host,
        limits: &Limits,
    ) -> Result<LibraryInfo, Reply> {
        self.staged = None;
        let (name, shebang_len) = parse_library_metadata(code)?;
        self.vm.reset_budget();
        let f = self
            .vm
            .compile(code_without_shebang(code, shebang_len), "@user_function")
            .map_err(|e| Reply::Error(sanitize(&format!("ERR Error compiling function: {e}"))))?;
        let (lib, infos) = self.register(&f, host, limits)?;
        if infos.is_empty() {
            return Err(Reply::err("ERR No functions registered"));
        }
        self.staged = Some((name.clone(), lib));
        Ok(LibraryInfo {
            name,
            functions: infos,
        })
    }

    fn register(
        &self,
        f: &Function,
        host: &mut dyn Host,
        limits: &Limits,
    ) -> Result<(Library, Vec<FunctionInfo>), Reply> {
        self.vm.arm(limits);
        self.vm.resp.set(2);
        let vm = &self.vm;
        let lend = Lend::new(&vm.slot, host);
        let result = (|| {
            let load: Function = vm.k.raw_get("load_library")?;
            let (ok, reg, order): (bool, Value, Value) = load.call(f.clone())?;
            if !ok {
                let msg = match &reg {
                    Value::Table(t) => t
                        .raw_get::<_, Value>("err")
                        .ok()
                        .and_then(|v| bytes_of(&v))
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                return Ok(Err(Reply::Error(sanitize(&format!(
                    "ERR Error registering functions: {msg}"
                )))));
            }
            let (Value::Table(reg), Value::Table(order)) = (reg, order) else {
                return Ok(Ok((
                    Library {
                        funcs: HashMap::new(),
                    },
                    Vec::new(),
                )));
            };
            let mut funcs = HashMap::new();
            let mut infos = Vec::new();
            for n in 1..=order.len()? {
                let name: String = order.raw_get(n as f64)?;
                let entry: Table = reg.raw_get(name.as_str())?;
                let callback: Function = entry.raw_get(1.0)?;
                let flag_list: Table = entry.raw_get(2.0)?;
                let description: Option<String> = entry.raw_get(3.0)?;
                let mut flags = ScriptFlags::default();
                for i in 1..=flag_list.len()? {
                    let fl: String = flag_list.raw_get(i as f64)?;
                    flags.set(&fl);
                }
                funcs.insert(name.clone(), callback);
                infos.push(FunctionInfo {
                    name,
                    flags,
                    description,
                });
            }
            Ok(Ok((Library { funcs }, infos)))
        })();
        drop(lend);
        if let Ok(reset) = vm.k.raw_get::<_, Function>("reset_api") {
            let _ = reset.call::<_, ()>(());
        }
        match result {
            Ok(r) => r,
            Err(e) => match vm.tripped() {
                Some(TripReason::Instructions) => Err(Reply::err(
                    "ERR Error registering functions: ERR FUNCTION LOAD timeout",
                )),
                _ => Err(vm.abort_reply(&e, limits, "")),
            },
        }
    }

    /// Makes the library the last [`Functions::load`] staged live, replacing one of
    /// the same name. False when nothing was staged.
    pub fn commit(&mut self) -> bool {
        match self.staged.take() {
            Some((name, lib)) => {
                self.libs.insert(name, lib);
                true
            }
            None => false,
        }
    }

    /// FUNCTION DELETE's Lua part.
    pub fn delete(&mut self, library: &str) -> bool {
        self.libs.remove(library).is_some()
    }

    /// FUNCTION FLUSH: every library gone, a new VM.
    pub fn flush(&mut self) {
        self.libs.clear();
        self.staged = None;
        self.vm = Vm::new(Mode::Function, self.prng.clone());
    }

    /// Bytes the VM holds.
    pub fn used_memory(&self) -> usize {
        self.vm.used_bytes()
    }

    /// FCALL's Lua part: runs `function` of `library` with (keys, args) tables.
    pub fn call(
        &mut self,
        library: &str,
        function: &str,
        keys: &[Vec<u8>],
        args: &[Vec<u8>],
        host: &mut dyn Host,
        limits: &Limits,
    ) -> Reply {
        let Some(f) = self
            .libs
            .get(library)
            .and_then(|l| l.funcs.get(function))
            .cloned()
        else {
            return Reply::err("ERR Function not found");
        };
        self.vm
            .run(RunTarget::Func(&f), keys, args, function, host, limits)
    }
}

#[cfg(test)]
mod tests;
