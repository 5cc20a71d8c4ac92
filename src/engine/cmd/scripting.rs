//! EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FUNCTION, FCALL and FCALL_RO (Redis's
//! `eval.c`, `functions.c` and `script.c`).
//!
//! The Lua side (the VM, the `redis` table, the conversions) is in `engine::lua`; this
//! file is the server side: parsing the commands, the checks Redis makes before a script
//! runs (`scriptPrepareForRun`) and on every `redis.call` (`scriptCall`), the library
//! registry of FUNCTION, and the trace of the last script for the panels.
//!
//! A script's commands run through [`Ctx::call`], the same write path as any command:
//! WATCH, keyspace events, blocking clients and memory accounting all see them. A script
//! is not a transaction: what it wrote before an error stays written.

use std::borrow::Cow;

use super::eq;
use crate::engine::lua::{self, FunctionInfo, Host, ScriptFlags};
use crate::engine::table::{self, Flags};
use crate::engine::util::glob_match as glob_like;
use crate::engine::{evict, Ctx, Reply};

/// One library loaded with FUNCTION LOAD.
#[derive(Clone, Debug)]
pub struct Library {
    pub code: Vec<u8>,
    pub functions: Vec<FunctionInfo>,
}

/// One `redis.call` / `redis.pcall` of a script, for the panels.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceCall {
    pub argv: Vec<Vec<u8>>,
    pub reply: Reply,
    /// A write command that succeeded: it stays written whatever the script does next.
    pub wrote: bool,
}

/// What the last script did: its calls in order (the first [`TRACE_CALLS`]), how many
/// there were, and its reply.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub client: u64,
    /// `EVAL`, `EVALSHA`, `FCALL` … and the script's SHA-1 or the function's name.
    pub command: String,
    pub name: String,
    pub calls: Vec<TraceCall>,
    pub total_calls: usize,
    pub reply: Reply,
}

/// How many calls a trace keeps (a script may loop over thousands).
pub const TRACE_CALLS: usize = 200;

/// The script running now, as SCRIPT KILL, FUNCTION KILL and FUNCTION STATS see it.
#[derive(Clone, Debug)]
pub struct RunningScript {
    pub client: u64,
    /// EVAL/EVALSHA (killed by SCRIPT KILL) rather than FCALL (FUNCTION KILL).
    pub eval: bool,
    /// The SHA-1 or the function's name.
    pub name: String,
    pub argv: Vec<Vec<u8>>,
    /// The script's declared keys, kept only while clients track keys: a script that
    /// reads makes its caller remember them (Redis's trackingRememberKeys on EVAL).
    pub keys: Vec<Vec<u8>>,
    /// Wall-clock start, for busy-reply-threshold and duration_ms.
    pub started_ms: i64,
    /// It ran a write command: it can no longer be killed (no rollback).
    pub wrote: bool,
    /// SCRIPT KILL or FUNCTION KILL asked it to stop.
    pub kill: bool,
    /// busy-reply-threshold when it started, in ms (read once, not at every tick).
    pub busy_after_ms: i64,
}

const SLOW_EVAL: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const SLOW_SCRIPT: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

/// The BUSY error for the script running now.
pub(crate) fn busy_error(ctx: &Ctx) -> &'static str {
    let eval = ctx.core.running_script.as_ref().is_some_and(|r| r.eval);
    if eval {
        SLOW_EVAL
    } else {
        SLOW_SCRIPT
    }
}

/// A command another client sent while a script runs past busy-reply-threshold, put
/// through processCommand's checks in its order: an HTTP line closes the connection;
/// unknown or wrong arity; a protected command (DEBUG, MODULE) not enabled; NOAUTH
/// before the client authenticates; a command not allowed inside MULTI; NOPERM (ACL,
/// logged); MISCONF and NOREPLICAS for writes; a RESP2 subscriber's commands outside
/// Pub/Sub; then BUSY unless the command is allowed while busy; queued if the client is
/// in MULTI. (Redis skips its maxmemory check while a script yields; cluster
/// redirections are not looked at here.) Each refusal is counted as Redis's
/// rejectCommand counts it.
fn busy_command(ctx: &mut Ctx, client: u64, argv: &[Vec<u8>]) -> Reply {
    use super::multi;
    use crate::engine::acl::Context;
    let mut other = ctx.for_client(client);
    let first = argv.first().map(|a| a.as_slice()).unwrap_or_default();
    if first.eq_ignore_ascii_case(b"post") || first.eq_ignore_ascii_case(b"host:") {
        if let Some(c) = other.clients.get_mut(&client) {
            c.close_after_reply = true;
        }
        return Reply::Closed;
    }
    let Some(renamed) = other.core.renames.apply(argv) else {
        let e = table::unknown_command(argv);
        other.core.count_error(&e);
        multi::flag(&mut other);
        return Reply::Error(e);
    };
    let argv = &renamed[..];
    fn refuse(ctx: &mut Ctx, spec: &'static table::CommandSpec, e: String) -> Reply {
        ctx.core.count_error(&e);
        ctx.core.cmdstats.of(spec).rejected_calls += 1;
        multi::reject(ctx, spec, e)
    }
    let spec = match table::lookup(argv) {
        Ok(s) if table::arity_ok(s, argv.len()) => s,
        Ok(s) => {
            let e = format!(
                "ERR wrong number of arguments for '{}' command",
                s.full_name()
            );
            return refuse(&mut other, s, e);
        }
        Err(e) => {
            other.core.count_error(&e);
            multi::flag(&mut other);
            return Reply::Error(e);
        }
    };
    let top = |names: &[&str]| spec.container.is_none() && names.contains(&spec.name);
    if spec.flags.contains(Flags::PROTECTED) {
        let allowed = match other.core.config.get("enable-debug-command").as_deref() {
            Some("yes") => true,
            Some("local") => other.client_ref().is_local(),
            _ => false,
        };
        if !allowed {
            let e = format!(
                "ERR {0} command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
                spec.name.to_ascii_uppercase()
            );
            other.core.count_error(&e);
            multi::flag(&mut other);
            return Reply::Error(e);
        }
    }
    if !spec.flags.contains(Flags::NO_AUTH)
        && other.core.acl.auth_required()
        && !other.client_ref().authenticated
    {
        return refuse(&mut other, spec, "NOAUTH Authentication required.".into());
    }
    let in_multi = other.client_ref().multi.is_some();
    if in_multi && spec.flags.contains(Flags::NO_MULTI) {
        let e = "ERR Command not allowed inside a transaction".to_string();
        return refuse(&mut other, spec, e);
    }
    if let Err(denied) = super::acl::check(&other, spec, argv) {
        let context = if in_multi {
            Context::Multi
        } else {
            Context::Toplevel
        };
        super::acl::log_denied(&mut other, denied, context, spec, argv);
        let e = denied.error(spec);
        return refuse(&mut other, spec, e);
    }
    // EXEC counts as a write when it holds one.
    let queued_write = |ctx: &Ctx| {
        ctx.client_ref()
            .multi
            .iter()
            .flatten()
            .any(|a| table::lookup(a).is_ok_and(|s| s.flags.contains(Flags::WRITE)))
    };
    let writes = spec.flags.contains(Flags::WRITE) || (top(&["exec"]) && queued_write(&other));
    if other.core.writes_denied_by_disk() && (writes || top(&["ping"])) {
        let e = crate::engine::MISCONF_RDB.to_string();
        return refuse(&mut other, spec, e);
    }
    if other.core.lacks_good_replicas() && writes {
        let e = crate::engine::NOREPLICAS.to_string();
        return refuse(&mut other, spec, e);
    }
    if other.core.pubsub.subscribed(client) && other.client_ref().resp == 2 {
        if let Some(e) = crate::engine::pubsub::resp2_subscriber_refusal(spec) {
            return refuse(&mut other, spec, e);
        }
    }
    if !spec.flags.contains(Flags::ALLOW_BUSY) {
        let busy = busy_error(&other).to_string();
        return refuse(&mut other, spec, busy);
    }
    if in_multi && !multi::runs_in_multi(spec) {
        return multi::queue(&mut other, spec, argv);
    }
    other.call(spec, argv)
}

/// The other clients, as a busy script's host serves them.
struct BusyClients<'a, 'b> {
    ctx: &'a mut Ctx<'b>,
}

impl crate::engine::BusyEngine for BusyClients<'_, '_> {
    fn read_limits(&self, client: u64) -> crate::resp::ReadLimits {
        self.ctx.core.read_limits(self.ctx.clients.get(&client))
    }

    fn run(&mut self, client: u64, argv: &[Vec<u8>]) -> (Reply, u8, bool) {
        let reply = busy_command(self.ctx, client, argv);
        let (resp, close) = self
            .ctx
            .clients
            .get(&client)
            .map_or((2, false), |c| (c.resp, c.close_after_reply));
        (reply, resp, close)
    }

    fn close(&mut self, client: u64) {
        if let Some(c) = self.ctx.clients.get_mut(&client) {
            c.close_after_reply = true;
        }
        // A replica among them is gone at once (INFO's connected_slaves, good
        // replicas), as Redis frees the client there and then.
        self.ctx.core.repl.forget(client);
    }

    fn core(&mut self) -> &mut crate::engine::Core {
        self.ctx.core
    }

    fn connect(&mut self, addr: &str, laddr: &str) -> u64 {
        self.ctx.core.connect_client(self.ctx.clients, addr, laddr)
    }

    fn query_buffer_read(&mut self, client: u64, n: usize, big_bulk: Option<usize>) {
        if let Some(c) = self.ctx.clients.get_mut(&client) {
            c.qbuf.read(n, big_bulk);
        }
    }

    fn query_buffer_consumed(&mut self, client: u64, n: usize, pending_bulk: Option<usize>) {
        if let Some(c) = self.ctx.clients.get_mut(&client) {
            c.qbuf.consumed(n, pending_bulk);
        }
    }
}

/// The server side of `redis.call`: Redis's `scriptCall` checks, then the command.
struct EngineHost<'a, 'b> {
    ctx: &'a mut Ctx<'b>,
    read_only: bool,
    allow_oom: bool,
    /// A write already happened: later commands may not be refused for OOM.
    write_dirty: bool,
    /// Cluster mode: the script may touch keys of several slots (an EVAL without a
    /// shebang, or the `allow-cross-slot-keys` flag).
    allow_cross_slot: bool,
    calls: Vec<TraceCall>,
    total_calls: usize,
    /// Whether to keep a trace (only hosts that read key events show one).
    tracing: bool,
    /// The calling client's protocol (no command a script may call changes it).
    caller_resp: u8,
    /// The last command was refused before it ran (unknown, arity, ACL ...).
    refused: bool,
}

impl EngineHost<'_, '_> {
    fn refuse(&mut self, spec: Option<&'static table::CommandSpec>, e: &str) -> Reply {
        self.refused = true;
        self.ctx.core.count_error(e);
        if let Some(spec) = spec {
            self.ctx.core.cmdstats.of(spec).rejected_calls += 1;
        }
        Reply::err(e)
    }

    fn dispatch(&mut self, argv: &[Vec<u8>], resp: u8) -> Reply {
        // rename-command applies to scripts too (Redis looks their commands up in the
        // same table).
        let Some(renamed) = self.ctx.core.renames.apply(argv) else {
            return self.refuse(None, "ERR Unknown Redis command called from script");
        };
        let argv = &renamed[..];
        let spec = match table::lookup(argv) {
            Ok(s) if table::arity_ok(s, argv.len()) => s,
            Ok(s) => {
                return self.refuse(
                    Some(s),
                    "ERR Wrong number of args calling Redis command from script",
                )
            }
            Err(_) => return self.refuse(None, "ERR Unknown Redis command called from script"),
        };
        if spec.flags.contains(Flags::NOSCRIPT) {
            return self.refuse(
                Some(spec),
                "ERR This Redis command is not allowed from script",
            );
        }
        // scriptVerifyAllowStale: a replica cut off from its master, with
        // replica-serve-stale-data no, runs only the commands flagged `stale`.
        if !spec.flags.contains(Flags::STALE) && self.ctx.core.serving_stale_refused() {
            return self.refuse(
                Some(spec),
                "ERR Can not execute the command on a stale replica",
            );
        }
        // scriptVerifyACL: the script's commands run as the calling client's user.
        if let Err(denied) = super::acl::check(self.ctx, spec, argv) {
            super::acl::log_denied(
                self.ctx,
                denied,
                crate::engine::acl::Context::Lua,
                spec,
                argv,
            );
            let e = format!(
                "ERR The user executing the script {}",
                denied.script_message()
            );
            return self.refuse(Some(spec), &e);
        }
        let write = spec.flags.contains(Flags::WRITE);
        // May-replicate commands (PUBLISH, PFCOUNT …) count as writes here, so that a
        // read-only script may run during CLIENT PAUSE WRITE.
        if self.read_only && (write || spec.flags.contains(Flags::MAY_REPLICATE)) {
            return self.refuse(
                Some(spec),
                "ERR Write commands are not allowed from read-only scripts.",
            );
        }
        // scriptVerifyWriteCommandAllow: until the script has written, a write is
        // refused on a read-only replica, when the disk fails, without good replicas
        // (a script without a shebang: one that declared writes was refused at start).
        if write && !self.write_dirty {
            let core = &*self.ctx.core;
            if core.read_only_replica_refuses(self.ctx.id) {
                return self.refuse(
                    Some(spec),
                    "READONLY You can't write against a read only replica.",
                );
            }
            if core.writes_denied_by_disk() {
                return self.refuse(Some(spec), crate::engine::MISCONF_RDB);
            }
            if core.lacks_good_replicas() {
                return self.refuse(Some(spec), crate::engine::NOREPLICAS);
            }
        }
        if !self.allow_oom
            && self.ctx.core.config.maxmemory > 0
            && !self.write_dirty
            && self.ctx.core.oom_at_start
            && spec.flags.contains(Flags::DENYOOM)
        {
            return self.refuse(Some(spec), evict::OOM_ERROR);
        }
        if write {
            self.write_dirty = true;
            if let Some(r) = self.ctx.core.running_script.as_mut() {
                r.wrote = true;
            }
        }
        if let Some(e) = self.cluster_refusal(spec, argv) {
            return self.refuse(Some(spec), e);
        }
        // The script's protocol shapes some replies (ZRANGE WITHSCORES pairs).
        if resp == self.caller_resp {
            return self.ctx.call(spec, argv);
        }
        let caller_resp = std::mem::replace(&mut self.ctx.client().resp, resp);
        let reply = self.ctx.call(spec, argv);
        self.ctx.client().resp = caller_resp;
        reply
    }
}

impl EngineHost<'_, '_> {
    /// Redis's `scriptVerifyClusterState`: in cluster mode a script's command must find
    /// its keys on this node, and (unless cross-slot access is allowed) in the slot of
    /// the script's declared keys, or of the first key it touched.
    fn cluster_refusal(
        &mut self,
        spec: &'static table::CommandSpec,
        argv: &[Vec<u8>],
    ) -> Option<&'static str> {
        use crate::engine::cluster::Refusal;
        let cl = self.ctx.core.cluster.as_ref()?;
        match cl.route([(spec, argv)]) {
            Err(Refusal::Down) => {
                Some("ERR Script attempted to execute a command while the cluster is down")
            }
            Err(_) => Some("ERR Script attempted to access a non local key in a cluster node"),
            Ok(Some(slot)) if !self.allow_cross_slot => match self.ctx.core.cluster_slot {
                None => {
                    self.ctx.core.cluster_slot = Some(slot);
                    None
                }
                Some(s) if s != slot => {
                    Some("ERR Script attempted to access keys that do not hash to the same slot")
                }
                Some(_) => None,
            },
            Ok(_) => None,
        }
    }
}

impl Host for EngineHost<'_, '_> {
    fn tick(&mut self) -> bool {
        let core = &*self.ctx.core;
        let Some(run) = core.running_script.as_ref() else {
            return false;
        };
        if core.busy_io.is_none() || core.wall_ms() - run.started_ms < run.busy_after_ms {
            return run.kill;
        }
        let Some(mut io) = self.ctx.core.busy_io.take() else {
            return false;
        };
        io.poll(self.ctx.id, &mut BusyClients { ctx: self.ctx });
        self.ctx.core.busy_io = Some(io);
        self.ctx
            .core
            .running_script
            .as_ref()
            .is_some_and(|r| r.kill)
    }

    fn call(&mut self, argv: &[Vec<u8>], resp: u8) -> Reply {
        self.refused = false;
        let reply = self.dispatch(argv, resp);
        self.total_calls += 1;
        if self.tracing && self.calls.len() < TRACE_CALLS {
            let wrote = !reply.is_error()
                && table::lookup(argv).is_ok_and(|s| s.flags.contains(Flags::WRITE));
            self.calls.push(TraceCall {
                argv: argv.to_vec(),
                reply: reply.clone(),
                wrote,
            });
        }
        reply
    }

    /// redis.log: the server's log, at the script's level.
    fn log(&mut self, level: i32, msg: &[u8]) {
        self.ctx
            .core
            .log(level as u8, &String::from_utf8_lossy(msg));
    }

    fn refused(&self) -> bool {
        self.refused
    }

    fn reply_errors(&mut self, errs: crate::engine::lua::ReplyErrors) {
        self.ctx.core.script_errors = Some(errs);
    }

    fn ldb_send(&mut self, bytes: &[u8]) -> bool {
        let id = self.ctx.id;
        let Some(mut io) = self.ctx.core.busy_io.take() else {
            return false;
        };
        let ok = io.ldb_send(id, bytes);
        self.ctx.core.busy_io = Some(io);
        ok
    }

    fn ldb_recv(&mut self, buf: &mut Vec<u8>) -> bool {
        let id = self.ctx.id;
        let Some(mut io) = self.ctx.core.busy_io.take() else {
            return false;
        };
        let ok = io.ldb_recv(id, buf);
        self.ctx.core.busy_io = Some(io);
        ok
    }

    fn ldb_timed_out(&mut self, restart: bool) -> bool {
        let now = self.ctx.core.wall_ms();
        let threshold = match self.ctx.core.config.busy_reply_threshold {
            0 => 5000,
            t => t,
        };
        let Some(run) = self.ctx.core.running_script.as_mut() else {
            return false;
        };
        if restart {
            run.started_ms = now;
            return false;
        }
        now - run.started_ms >= threshold
    }

    fn set_repl(&mut self, targets: u8) {
        self.ctx.core.prop.script_off = !targets & crate::engine::aof::TO_ALL;
    }

    /// Redis's `luaRedisAclCheckCmdPermissionsCommand`: the command (or subcommand) by
    /// name, arity unchecked, against the calling client's user; nothing is logged.
    fn acl_check(&mut self, argv: &[Vec<u8>]) -> Option<bool> {
        let spec = table::lookup(argv).ok()?;
        Some(super::acl::check(self.ctx, spec, argv).is_ok())
    }
}

/// EVAL's and FCALL's numkeys: the keys and the arguments after it.
/// EVAL's and FCALL's keys and arguments.
type KeysArgs<'v> = (&'v [Vec<u8>], &'v [Vec<u8>]);

fn split_keys<'v>(argv: &'v [Vec<u8>], bad: &str) -> Result<KeysArgs<'v>, Reply> {
    let n = crate::engine::util::parse_i64(&argv[2]).ok_or_else(|| Reply::err(bad))?;
    if n > argv.len() as i64 - 3 {
        return Err(Reply::err(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    if n < 0 {
        return Err(Reply::err("ERR Number of keys can't be negative"));
    }
    let n = n as usize;
    Ok((&argv[3..3 + n], &argv[3 + n..]))
}

/// Redis's `scriptPrepareForRun`: the checks a script's declared flags call for.
fn prepare(ctx: &Ctx, flags: ScriptFlags, ro: bool) -> Result<(), Reply> {
    let stale = ctx.core.serving_stale_refused();
    if flags.no_shebang {
        if stale {
            return Err(Reply::err(
                "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            ));
        }
        return Ok(());
    }
    if flags.no_cluster && ctx.core.cluster.is_some() {
        return Err(Reply::err(
            "ERR Can not run script on cluster, 'no-cluster' flag is set.",
        ));
    }
    if stale && !flags.allow_stale {
        return Err(Reply::err(
            "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.",
        ));
    }
    if !flags.no_writes && ctx.core.read_only_replica_refuses(ctx.id) {
        return Err(Reply::err(
            "READONLY Can not run script with write flag on readonly replica",
        ));
    }
    if !flags.no_writes && !ctx.core.must_obey(ctx.id) && ctx.core.writes_denied_by_disk() {
        return Err(Reply::err(
            "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.",
        ));
    }
    if !flags.no_writes && ro {
        return Err(Reply::err(
            "ERR Can not execute a script with write flag using *_ro command.",
        ));
    }
    if !flags.no_writes && ctx.core.lacks_good_replicas() {
        return Err(Reply::Error(crate::engine::NOREPLICAS.into()));
    }
    if ctx.core.oom_at_start
        && ctx.core.config.maxmemory > 0
        && !(flags.allow_oom || flags.no_writes)
    {
        return Err(Reply::err(
            "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
        ));
    }
    Ok(())
}

enum Target<'s> {
    /// An EVAL script: its SHA-1 (lowercase) and where the cache keeps it.
    Script(&'s str, lua::ScriptId),
    Function(&'s str, &'s str),
}

/// Runs a script or function for the calling client, with the engine as its host, and
/// keeps its trace. The client's database is the script's own: a SELECT inside does not
/// change the caller's.
#[allow(clippy::too_many_arguments)]
fn run(
    ctx: &mut Ctx,
    argv: &[Vec<u8>],
    target: Target,
    flags: ScriptFlags,
    ro: bool,
    keys: &[Vec<u8>],
    args: &[Vec<u8>],
) -> Reply {
    if let Err(e) = prepare(ctx, flags, ro) {
        return e;
    }
    let limits = ctx.core.script_limits;
    let db = ctx.db();
    let tracing = ctx.core.record_events;
    // Only FUNCTION STATS reads the name and arguments, and only of a function.
    let (name, args_copy) = match target {
        Target::Script(..) => (String::new(), Vec::new()),
        Target::Function(_, f) => (f.to_string(), argv.to_vec()),
    };
    ctx.core.running_script = Some(RunningScript {
        client: ctx.id,
        eval: matches!(target, Target::Script(..)),
        name,
        argv: args_copy,
        keys: if ctx.core.tracking.active() {
            keys.to_vec()
        } else {
            Vec::new()
        },
        started_ms: ctx.core.wall_ms(),
        wrote: false,
        kill: false,
        busy_after_ms: ctx.core.config.busy_reply_threshold,
    });
    let caller_resp = ctx.client_ref().resp;
    let mut host = EngineHost {
        tracing,
        caller_resp,
        ctx,
        read_only: ro || flags.no_writes,
        allow_oom: !flags.no_shebang && flags.allow_oom,
        allow_cross_slot: flags.no_shebang || flags.allow_cross_slot_keys,
        write_dirty: false,
        calls: Vec::new(),
        total_calls: 0,
        refused: false,
    };
    let (reply, name) = match target {
        Target::Script(sha, id) => {
            let Some(mut scripts) = host.ctx.core.scripts.take() else {
                host.ctx.core.running_script = None;
                return Reply::err("NOSCRIPT No matching script. Please use EVAL.");
            };
            let r = scripts.run_found(id, sha, keys, args, &mut host, &limits);
            host.ctx.core.scripts = Some(scripts);
            (r, sha)
        }
        Target::Function(lib, f) => {
            let Some(mut functions) = host.ctx.core.functions.take() else {
                host.ctx.core.running_script = None;
                return Reply::err("ERR Function not found");
            };
            let r = functions.call(lib, f, keys, args, &mut host, &limits);
            host.ctx.core.functions = Some(functions);
            (r, f)
        }
    };
    let EngineHost {
        ctx,
        calls,
        total_calls,
        ..
    } = host;
    ctx.client().db = db;
    ctx.core.running_script = None;
    // The next run (and every command outside one) propagates everywhere again.
    ctx.core.prop.script_off = 0;
    if !tracing {
        return reply;
    }
    ctx.core.last_script = Some(Trace {
        client: ctx.id,
        command: String::from_utf8_lossy(&argv[0]).to_ascii_uppercase(),
        name: name.to_string(),
        calls,
        total_calls,
        reply: reply.clone(),
    });
    reply
}

fn scripts<'c>(ctx: &'c mut Ctx) -> &'c mut lua::Scripts {
    if ctx.core.scripts.is_none() {
        ctx.core.scripts = Some(lua::Scripts::new(ctx.core.lua_prng.clone()));
    }
    ctx.core.scripts.as_mut().expect("made just above")
}

fn eval_generic(ctx: &mut Ctx, argv: &[Vec<u8>], by_sha: bool, ro: bool) -> Reply {
    let (keys, args) = match split_keys(argv, crate::engine::reply::errors::NOT_INT) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let debugging = ctx.client_ref().ldb != 0;
    if by_sha && debugging && argv[1].len() == 40 {
        return Reply::err("ERR Please use EVAL instead of EVALSHA for debugging");
    }
    let (sha, (id, flags)) = if by_sha {
        let sha = match std::str::from_utf8(&argv[1]) {
            Ok(s) if !s.bytes().any(|c| c.is_ascii_uppercase()) => Cow::Borrowed(s),
            _ => Cow::Owned(String::from_utf8_lossy(&argv[1]).to_ascii_lowercase()),
        };
        // No VM yet: nothing is cached, and there is no need to start one to say so.
        match ctx.core.scripts.as_ref().and_then(|c| c.find(&sha)) {
            Some(found) if sha.len() == 40 => (sha, found),
            _ => return Reply::err("NOSCRIPT No matching script. Please use EVAL."),
        }
    } else {
        let cache = scripts(ctx);
        // Redis caches EVAL's bodies by SHA-1 too: a body seen before runs as is.
        let sha = lua::sha1hex(&argv[1]);
        match cache.find(&sha) {
            Some(found) => (Cow::Owned(sha), found),
            None => match cache.load(&argv[1]) {
                Ok(_) => match cache.find(&sha) {
                    Some(found) => (Cow::Owned(sha), found),
                    None => return Reply::err("NOSCRIPT No matching script. Please use EVAL."),
                },
                Err(e) => return e,
            },
        }
    };
    if debugging && !by_sha {
        return debug_eval(ctx, argv, &sha, id, flags, ro, (keys, args));
    }
    run(ctx, argv, Target::Script(&sha, id), flags, ro, keys, args)
}

/// EVAL from a client in SCRIPT DEBUG mode: a Lua debugger session (see
/// `lua/ldb.rs`). The client gets the session's last logs and `<endsession>`, then the
/// EVAL's reply, and is disconnected, as Redis ends a session. Under YES the dataset
/// is put back afterwards (Redis's session runs in a forked child), and nothing it
/// wrote is propagated.
fn debug_eval(
    ctx: &mut Ctx,
    argv: &[Vec<u8>],
    sha: &str,
    id: lua::ScriptId,
    flags: ScriptFlags,
    ro: bool,
    (keys, args): KeysArgs,
) -> Reply {
    let forked = ctx.client_ref().ldb == 1;
    let image = forked.then(|| ctx.core.rdb_image());
    ctx.core.log(
        3,
        if forked {
            "Lua debugging session started (SCRIPT DEBUG YES: its writes are undone at its end)"
        } else {
            "Redis synchronous debugging eval session started"
        },
    );
    scripts(ctx).start_debug(&argv[1]);
    // Nothing a YES session writes is propagated: it is undone below.
    let propagated = ctx.core.prop.on;
    ctx.core.prop.on &= !forked;
    let reply = run(ctx, argv, Target::Script(sha, id), flags, ro, keys, args);
    ctx.core.prop.on = propagated;
    let logs = scripts(ctx).end_debug();
    let client = ctx.id;
    if let Some(mut io) = ctx.core.busy_io.take() {
        io.ldb_send(client, &logs);
        ctx.core.busy_io = Some(io);
    }
    if let Some(image) = image {
        let _ = ctx.core.load_image_into(&image, true, false);
    }
    ctx.core.log(
        3,
        if forked {
            "Lua debugging session ended: its writes were undone"
        } else {
            "Redis synchronous debugging eval session ended"
        },
    );
    let c = ctx.client();
    c.ldb = 0;
    c.close_after_reply = true;
    reply
}

pub fn eval(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    eval_generic(ctx, argv, false, false)
}

pub fn evalsha(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    eval_generic(ctx, argv, true, false)
}

pub fn eval_ro(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    eval_generic(ctx, argv, false, true)
}

pub fn evalsha_ro(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    eval_generic(ctx, argv, true, true)
}

pub fn script_load(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match scripts(ctx).load(&argv[2]) {
        Ok(sha) => Reply::Bulk(sha.into_bytes()),
        Err(e) => e,
    }
}

pub fn script_exists(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    // Before the first script there is no VM, and nothing cached: none is started here.
    let s = ctx.core.scripts.as_ref();
    Reply::Array(
        argv[2..]
            .iter()
            .map(|a| Reply::Int(s.is_some_and(|s| s.exists(&String::from_utf8_lossy(a))) as i64))
            .collect(),
    )
}

/// SCRIPT FLUSH and FUNCTION FLUSH take an optional SYNC or ASYNC.
fn sync_async_ok(argv: &[Vec<u8>]) -> bool {
    argv.len() == 2 || (argv.len() == 3 && (eq(&argv[2], "sync") || eq(&argv[2], "async")))
}

pub fn script_flush(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if !sync_async_ok(argv) {
        return Reply::err("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    // freeLuaScriptsAsync: a cache over the threshold goes to the lazyfree thread.
    let n = ctx.core.scripts.as_ref().map_or(0, |s| s.len() as u64);
    if argv.len() == 3 && eq(&argv[2], "async") && n > crate::engine::LAZYFREE_THRESHOLD {
        ctx.core.stats.lazyfreed_objects += n;
    }
    ctx.core.scripts = None;
    Reply::ok()
}

/// Redis's `scriptKill`: SCRIPT KILL (is_eval) and FUNCTION KILL, sent by another
/// client while a script runs. The script stops at its next tick.
fn kill(ctx: &mut Ctx, is_eval: bool) -> Reply {
    let Some(run) = ctx.core.running_script.as_mut() else {
        return Reply::err("NOTBUSY No scripts in execution right now.");
    };
    if run.wrote {
        return Reply::err("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
    }
    if is_eval && !run.eval {
        return Reply::err(SLOW_SCRIPT);
    }
    if !is_eval && run.eval {
        return Reply::err(SLOW_EVAL);
    }
    run.kill = true;
    Reply::ok()
}

pub fn script_kill(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    kill(ctx, true)
}

// ---------------------------------------------------------------------- FUNCTION

fn functions<'c>(ctx: &'c mut Ctx) -> &'c mut lua::Functions {
    let prng = ctx.core.lua_prng.clone();
    ctx.core
        .functions
        .get_or_insert_with(|| lua::Functions::new(prng))
}

/// The library that registered `function`.
fn library_of<'l>(ctx: &'l Ctx, function: &str) -> Option<(&'l str, &'l FunctionInfo)> {
    function_in(&ctx.core.libraries, function)
}

/// The library holding a function (names are case-blind), and the function.
fn function_in<'l>(
    libraries: &'l std::collections::BTreeMap<String, Library>,
    function: &str,
) -> Option<(&'l str, &'l FunctionInfo)> {
    libraries.iter().find_map(|(name, lib)| {
        lib.functions
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(function))
            .map(|f| (name.as_str(), f))
    })
}

/// Whether [`call_flags`] can differ from the command's own flags: EVAL, EVALSHA,
/// FCALL and their `_RO` forms.
pub fn takes_script_flags(spec: &table::CommandSpec) -> bool {
    spec.container.is_none()
        && matches!(
            spec.name,
            "eval" | "eval_ro" | "evalsha" | "evalsha_ro" | "fcall" | "fcall_ro"
        )
}

/// Redis's `getCommandFlags`: a command's flags as they hold for this call. EVAL,
/// EVALSHA and FCALL (and their `_RO` forms) take the flags their script declares
/// (`evalGetCommandFlags`, `fcallGetCommandFlags`), so a `no-writes` script is no write
/// for CLIENT PAUSE WRITE; a script without a shebang, or one not found, keeps the
/// command's own flags.
pub fn call_flags(
    scripts: Option<&lua::Scripts>,
    libraries: &std::collections::BTreeMap<String, Library>,
    spec: &table::CommandSpec,
    argv: &[Vec<u8>],
) -> Flags {
    let cmd = spec.flags;
    if spec.container.is_some() || argv.len() < 2 {
        return cmd;
    }
    let script = match spec.name {
        "eval" | "eval_ro" | "evalsha" | "evalsha_ro" => {
            let by_sha = spec.name.starts_with("evalsha");
            if by_sha && argv[1].len() != 40 {
                return cmd;
            }
            let sha = if by_sha {
                String::from_utf8_lossy(&argv[1]).to_ascii_lowercase()
            } else {
                lua::sha1hex(&argv[1])
            };
            match scripts.and_then(|s| s.flags(&sha)) {
                Some(f) => f,
                None if by_sha => return cmd,
                None => match lua::parse_shebang(&argv[1]) {
                    Ok((f, _)) => f,
                    Err(_) => return cmd,
                },
            }
        }
        "fcall" | "fcall_ro" => match function_in(libraries, &String::from_utf8_lossy(&argv[1])) {
            Some((_, f)) => f.flags,
            None => return cmd,
        },
        _ => return cmd,
    };
    if script.no_shebang {
        return cmd;
    }
    // scriptFlagsToCmdFlags.
    let mut f = cmd
        .without(Flags::STALE)
        .without(Flags::DENYOOM)
        .without(Flags::WRITE)
        .without(Flags::MAY_REPLICATE);
    if !(script.allow_oom || script.no_writes) {
        f = f.union(Flags::DENYOOM);
    }
    if !script.no_writes {
        f = f.union(Flags::WRITE);
    }
    if script.allow_stale {
        f = f.union(Flags::STALE);
    }
    f
}

/// Instructions a library's top level may run when scripts have no budget.
const LOAD_BUDGET: u64 = 50_000_000;

/// A host for FUNCTION LOAD: only `redis.log` can reach it (the server's logger), and
/// no command.
struct LoadHost(Option<fn(u8, &str)>);

impl Host for LoadHost {
    fn call(&mut self, _argv: &[Vec<u8>], _resp: u8) -> Reply {
        Reply::err("ERR Unknown Redis command called from script")
    }

    fn log(&mut self, level: i32, msg: &[u8]) {
        if let Some(log) = self.0 {
            log(level as u8, &String::from_utf8_lossy(msg));
        }
    }
}

/// Compiles and registers a library (Redis's `functionsCreateWithLibraryCtx`): the
/// library's name, or Redis's error. On success it is live.
fn create_library(ctx: &mut Ctx, code: &[u8], replace: bool) -> Result<String, Reply> {
    let (name, _) = lua::parse_library_metadata(code)?;
    if ctx.core.libraries.contains_key(&name) && !replace {
        return Err(Reply::err(format!("ERR Library '{name}' already exists")));
    }
    // Redis gives a library's top level 500 ms; here a budget, even on a server that
    // lets scripts run until killed.
    let mut limits = ctx.core.script_limits;
    if limits.instructions == 0 {
        limits.instructions = LOAD_BUDGET;
    }
    let logger = ctx.core.logger;
    let info = functions(ctx).load(code, &mut LoadHost(logger), &limits)?;
    for f in &info.functions {
        if let Some((other, _)) = library_of(ctx, &f.name) {
            if other != name {
                return Err(Reply::err(format!(
                    "ERR Function {} already exists",
                    f.name
                )));
            }
        }
    }
    functions(ctx).commit();
    ctx.core.libraries.insert(
        name.clone(),
        Library {
            code: code.to_vec(),
            functions: info.functions,
        },
    );
    Ok(name)
}

pub fn function_load(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut replace = false;
    let mut at = 2;
    while at < argv.len() - 1 {
        if eq(&argv[at], "replace") {
            replace = true;
            at += 1;
            continue;
        }
        return Reply::err(format!(
            "ERR Unknown option given: {}",
            String::from_utf8_lossy(&argv[at])
        ));
    }
    if at >= argv.len() {
        return Reply::err("ERR Function code is missing");
    }
    match create_library(ctx, &argv[at], replace) {
        Ok(name) => {
            ctx.core.stats.dirty += 1;
            Reply::Bulk(name.into_bytes())
        }
        Err(e) => e,
    }
}

pub fn function_delete(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let name = String::from_utf8_lossy(&argv[2]).into_owned();
    if ctx.core.libraries.remove(&name).is_none() {
        return Reply::err("ERR Library not found");
    }
    functions(ctx).delete(&name);
    ctx.core.stats.dirty += 1;
    Reply::ok()
}

/// Redis's `addReplySubcommandSyntaxError`.
fn subcommand_syntax(argv: &[Vec<u8>]) -> Reply {
    Reply::err(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        String::from_utf8_lossy(&argv[1]),
        String::from_utf8_lossy(&argv[0]).to_ascii_uppercase()
    ))
}

pub fn function_flush(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 3 {
        return subcommand_syntax(argv);
    }
    if !sync_async_ok(argv) {
        return Reply::err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    let n: u64 = ctx
        .core
        .libraries
        .values()
        .map(|l| l.functions.len() as u64)
        .sum();
    if argv.len() == 3 && eq(&argv[2], "async") && n > crate::engine::LAZYFREE_THRESHOLD {
        ctx.core.stats.lazyfreed_objects += n;
    }
    ctx.core.libraries.clear();
    ctx.core.functions = None;
    ctx.core.stats.dirty += 1;
    Reply::ok()
}

pub fn function_kill(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    kill(ctx, false)
}

pub fn function_list(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut with_code = false;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 2;
    while i < argv.len() {
        if eq(&argv[i], "withcode") && !with_code {
            with_code = true;
            i += 1;
        } else if eq(&argv[i], "libraryname") && pattern.is_none() {
            if i + 1 >= argv.len() {
                return Reply::err("ERR library name argument was not given");
            }
            pattern = Some(&argv[i + 1]);
            i += 2;
        } else {
            return Reply::err(format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(&argv[i])
            ));
        }
    }
    let s = |t: &str| Reply::bulk(t);
    let libs = ctx
        .core
        .libraries
        .iter()
        .filter(|(name, _)| pattern.is_none_or(|p| glob_like(p, name.as_bytes(), true)))
        .map(|(name, lib)| {
            let funcs = lib
                .functions
                .iter()
                .map(|f| {
                    Reply::Map(vec![
                        (s("name"), s(&f.name)),
                        (
                            s("description"),
                            f.description.as_deref().map_or(Reply::Nil, s),
                        ),
                        (
                            s("flags"),
                            Reply::Set(f.flags.names().into_iter().map(s).collect()),
                        ),
                    ])
                })
                .collect();
            let mut m = vec![
                (s("library_name"), s(name)),
                (s("engine"), s("LUA")),
                (s("functions"), Reply::Array(funcs)),
            ];
            if with_code {
                m.push((s("library_code"), Reply::Bulk(lib.code.clone())));
            }
            Reply::Map(m)
        })
        .collect();
    Reply::Array(libs)
}

pub fn function_stats(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let s = |t: &str| Reply::bulk(t);
    let running = match &ctx.core.running_script {
        Some(r) if r.eval => return Reply::err(SLOW_EVAL),
        Some(r) => Reply::Map(vec![
            (s("name"), s(&r.name)),
            (
                s("command"),
                Reply::Array(r.argv.iter().map(|a| Reply::Bulk(a.clone())).collect()),
            ),
            (
                s("duration_ms"),
                Reply::Int(ctx.core.wall_ms() - r.started_ms),
            ),
        ]),
        None => Reply::Nil,
    };
    let libraries = ctx.core.libraries.len() as i64;
    let functions: usize = ctx.core.libraries.values().map(|l| l.functions.len()).sum();
    Reply::Map(vec![
        (s("running_script"), running),
        (
            s("engines"),
            Reply::Map(vec![(
                s("LUA"),
                Reply::Map(vec![
                    (s("libraries_count"), Reply::Int(libraries)),
                    (s("functions_count"), Reply::Int(functions as i64)),
                ]),
            )]),
        ),
    ])
}

fn fcall_generic(ctx: &mut Ctx, argv: &[Vec<u8>], ro: bool) -> Reply {
    let (keys, args) = match split_keys(argv, "ERR Bad number of keys provided") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let fname = String::from_utf8_lossy(&argv[1]).into_owned();
    let Some((lib, info)) = library_of(ctx, &fname) else {
        return Reply::err("ERR Function not found");
    };
    // Function names are case-blind: call it by the name it registered.
    let (lib, flags, fname) = (lib.to_string(), info.flags, info.name.clone());
    run(
        ctx,
        argv,
        Target::Function(&lib, &fname),
        flags,
        ro,
        keys,
        args,
    )
}

pub fn fcall(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    fcall_generic(ctx, argv, false)
}

pub fn fcall_ro(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    fcall_generic(ctx, argv, true)
}

// ------------------------------------------------------------ FUNCTION DUMP/RESTORE

/// RDB's opcode for a function library (`RDB_OPCODE_FUNCTION2`) and the version DUMP
/// payloads carry (Redis 7.0 writes RDB 10).
const RDB_OPCODE_FUNCTION2: u8 = 245;
const RDB_OPCODE_FUNCTION: u8 = 246;
const RDB_VERSION: u16 = 10;

pub fn function_dump(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let mut out = Vec::new();
    for lib in ctx.core.libraries.values() {
        out.push(RDB_OPCODE_FUNCTION2);
        rdb_save_len(&mut out, lib.code.len() as u64);
        out.extend_from_slice(&lib.code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crate::engine::util::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    Reply::Bulk(out)
}

/// RDB's length encoding.
fn rdb_save_len(out: &mut Vec<u8>, len: u64) {
    crate::engine::rdb::save_len(out, len)
}

/// Reads one RDB string at `*pos` (plain, integer-encoded or LZF-compressed).
fn rdb_load_string(buf: &[u8], pos: &mut usize) -> Option<Vec<u8>> {
    let first = *buf.get(*pos)?;
    *pos += 1;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = buf.get(*pos..pos.checked_add(n)?)?;
        *pos += n;
        Some(s)
    };
    let len = match first >> 6 {
        0 => (first & 0x3f) as u64,
        1 => (((first & 0x3f) as u64) << 8) | take(1)?[0] as u64,
        2 if first == 0x80 => u32::from_be_bytes(take(4)?.try_into().ok()?) as u64,
        2 if first == 0x81 => u64::from_be_bytes(take(8)?.try_into().ok()?),
        3 => {
            return match first & 0x3f {
                0 => Some((take(1)?[0] as i8).to_string().into_bytes()),
                1 => Some(
                    i16::from_le_bytes(take(2)?.try_into().ok()?)
                        .to_string()
                        .into_bytes(),
                ),
                2 => Some(
                    i32::from_le_bytes(take(4)?.try_into().ok()?)
                        .to_string()
                        .into_bytes(),
                ),
                3 => {
                    let clen = rdb_load_len(buf, pos)? as usize;
                    let ulen = rdb_load_len(buf, pos)? as usize;
                    let c = buf.get(*pos..pos.checked_add(clen)?)?;
                    *pos += clen;
                    crate::engine::util::lzf_decompress(c, ulen)
                }
                _ => None,
            };
        }
        _ => return None,
    };
    let len = usize::try_from(len).ok()?;
    take(len).map(<[u8]>::to_vec)
}

fn rdb_load_len(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let first = *buf.get(*pos)?;
    *pos += 1;
    match first >> 6 {
        0 => Some((first & 0x3f) as u64),
        1 => {
            let b = *buf.get(*pos)?;
            *pos += 1;
            Some((((first & 0x3f) as u64) << 8) | b as u64)
        }
        2 if first == 0x80 => {
            let s = buf.get(*pos..*pos + 4)?;
            *pos += 4;
            Some(u32::from_be_bytes(s.try_into().ok()?) as u64)
        }
        2 if first == 0x81 => {
            let s = buf.get(*pos..*pos + 8)?;
            *pos += 8;
            Some(u64::from_be_bytes(s.try_into().ok()?))
        }
        _ => None,
    }
}

pub fn function_restore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 4 {
        return subcommand_syntax(argv);
    }
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    let policy =
        match argv.get(3) {
            None => Policy::Append,
            Some(p) if eq(p, "append") => Policy::Append,
            Some(p) if eq(p, "replace") => Policy::Replace,
            Some(p) if eq(p, "flush") => Policy::Flush,
            Some(_) => return Reply::err(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ),
        };
    let data = &argv[2];
    let ok_footer = data.len() >= 10 && {
        let (body, crc) = data.split_at(data.len() - 8);
        let ver = u16::from_le_bytes([body[body.len() - 2], body[body.len() - 1]]);
        ver <= RDB_VERSION && crate::engine::util::crc64(0, body).to_le_bytes() == crc
    };
    if !ok_footer {
        return Reply::err("ERR DUMP payload version or checksum are wrong");
    }
    let mut codes = Vec::new();
    let mut pos = 0;
    while data.len() - pos > 10 {
        let t = data[pos];
        pos += 1;
        if t != RDB_OPCODE_FUNCTION2 && t != RDB_OPCODE_FUNCTION {
            return Reply::err("ERR given type is not a function");
        }
        if t == RDB_OPCODE_FUNCTION {
            return Reply::err("ERR Pre-GA function format not supported");
        }
        match rdb_load_string(data, &mut pos) {
            Some(code) => codes.push(code),
            None => return Reply::err("ERR failed loading the given functions payload"),
        }
    }
    // Load into a fresh registry first, so a bad payload changes nothing.
    let saved_libs = std::mem::take(&mut ctx.core.libraries);
    let saved_vm = ctx.core.functions.take();
    let mut loaded = Vec::new();
    for code in &codes {
        match create_library(ctx, code, false) {
            Ok(name) => loaded.push(name),
            Err(e) => {
                ctx.core.libraries = saved_libs;
                ctx.core.functions = saved_vm;
                return e;
            }
        }
    }
    let new_libs = std::mem::replace(&mut ctx.core.libraries, saved_libs);
    ctx.core.functions = saved_vm;
    if policy == Policy::Flush {
        ctx.core.libraries.clear();
        ctx.core.functions = None;
    } else {
        for name in new_libs.keys() {
            if ctx.core.libraries.contains_key(name) && policy == Policy::Append {
                return Reply::err(format!("ERR Library {name} already exists"));
            }
        }
        // Function names must not collide with the libraries that stay.
        for (name, lib) in &new_libs {
            for f in &lib.functions {
                if let Some((other, _)) = library_of(ctx, &f.name) {
                    if other != name {
                        return Reply::err(format!("ERR Function {} already exists", f.name));
                    }
                }
            }
        }
    }
    // Now load them for real into the live VM.
    for lib in new_libs.values() {
        if let Err(e) = create_library(ctx, &lib.code, true) {
            return e;
        }
    }
    ctx.core.stats.dirty += 1;
    Reply::ok()
}

pub fn script_debug(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if ctx.client().multi.is_some() {
        return Reply::err("ERR SCRIPT DEBUG must be called outside MULTI");
    }
    let mode = if eq(&argv[2], "no") {
        0
    } else if eq(&argv[2], "yes") {
        1
    } else if eq(&argv[2], "sync") {
        2
    } else {
        return Reply::err("ERR Use SCRIPT DEBUG YES/SYNC/NO");
    };
    // The debugger talks with its client from inside the script: only a host with
    // sockets (kvlab-server) can hold that conversation.
    if mode != 0 && ctx.core.busy_io.is_none() {
        return Reply::err(
            "ERR The Lua debugger needs kvlab-server (redis-cli --ldb): here use redis.log, or the scripts panel's trace of every redis.call",
        );
    }
    ctx.client().ldb = mode;
    Reply::ok()
}

pub fn script_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    super::server::help_reply(
        &argv[0],
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    )
}

pub fn function_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    super::server::help_reply(
        &argv[0],
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    )
}
