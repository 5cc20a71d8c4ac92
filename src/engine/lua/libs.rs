//! The Rust halves of the libraries Redis's Lua has beyond the stock ones: `bit`
//! (LuaBitOp), `cjson` (lua-cjson 2.1 as Redis ships it) and Redis's `math.random`
//! (its own rand48, so the numbers match redis-server's). Each helper raises a plain
//! string error; the Lua side re-raises it at the caller's line, as `luaL_error` does.

use std::cell::Cell;
use std::rc::Rc;

use omnilua::{Lua, LuaError, Result, Table, Value, Variadic};

/// A Lua runtime error with `msg`.
pub(crate) fn rt(msg: impl std::fmt::Display) -> omnilua::Error {
    LuaError::runtime(format_args!("{msg}")).into()
}

/// A Lua function from a Rust one whose errors read like `luaL_error`'s: prefixed
/// with the calling line ("user_script:1: "), which boot.lua's `where` finds.
pub(crate) fn lua_fn<R, F>(lua: &Lua, f: F) -> Result<omnilua::Function>
where
    R: omnilua::IntoLuaMulti + 'static,
    F: Fn(&Lua, &[Value]) -> Result<R> + 'static,
{
    lua.create_function(move |lua, args: Variadic<Value>| match f(lua, &args) {
        Ok(r) => Ok(r),
        Err(e) => {
            let at = lua
                .named_registry_value::<omnilua::Function>(WHERE)
                .and_then(|w| w.call::<_, String>(()))
                .unwrap_or_default();
            Err(rt(format_args!("{at}{e}")))
        }
    })
}

/// The registry slot of boot.lua's `where` function.
pub(crate) const WHERE: &str = "kvlab.where";

/// Lua's name for the type of `v` (`"no value"` for a missing argument).
pub(crate) fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Integer(_)) | Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::UserData(_)) | Some(Value::LightUserData(_)) => "userdata",
        Some(Value::Thread(_)) => "thread",
    }
}

/// `lua_tonumber`: numbers, and strings that read as numbers.
pub(crate) fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::Integer(i) => Some(*i as f64),
        Value::String(s) => str_to_number(&s.as_bytes().ok()?),
        _ => None,
    }
}

/// Lua 5.1's `luaO_str2d`: strtod (or a hex integer), surrounding spaces allowed.
pub(crate) fn str_to_number(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        return None;
    }
    let (neg, body) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let v = u64::from_str_radix(hex, 16).ok()? as f64;
        return Some(if neg { -v } else { v });
    }
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("inf") || lower.starts_with("nan") {
        return match lower.as_str() {
            "inf" | "infinity" => Some(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            "nan" => Some(f64::NAN),
            _ => None,
        };
    }
    if !body
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    t.parse::<f64>().ok()
}

/// `luaL_checknumber` for argument `i` (0-based) of function `fname`.
pub(crate) fn check_number(args: &[Value], i: usize, fname: &str) -> Result<f64> {
    let v = args.get(i);
    match v.and_then(to_number) {
        Some(n) => Ok(n),
        None => Err(rt(format_args!(
            "bad argument #{} to '{}' (number expected, got {})",
            i + 1,
            fname,
            type_name(v)
        ))),
    }
}

/// C's `printf("%.*g", prec, v)` for finite `v`.
pub fn fmt_g(v: f64, prec: usize) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let p = prec.max(1);
    let sci = format!("{:.*e}", p - 1, v);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let places = (p as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{:.*}", places, v)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Lua 5.1's `tostring` of a number (`%.14g`).
pub fn lua_number_str(v: f64) -> String {
    fmt_g(v, 14)
}

// ------------------------------------------------------------------ rand48

/// Redis's `redisLrand48` (a copy of drand48's generator) behind `math.random`. Redis
/// never reseeds it between scripts, and EVAL and FCALL share it: clone the handle to
/// give both VMs the same sequence.
#[derive(Clone, Debug)]
pub struct Prng(Rc<Cell<u64>>);

const RAND48_A: u64 = 0x5_DEEC_E66D;
const RAND48_C: u64 = 0xB;
const RAND48_MASK: u64 = (1 << 48) - 1;

impl Default for Prng {
    fn default() -> Self {
        Self::new()
    }
}

impl Prng {
    /// The state redis-server starts with (drand48's default seed).
    pub fn new() -> Self {
        Prng(Rc::new(Cell::new(0x1234_ABCD_330E)))
    }
    /// `redisSrand48(seed)`.
    pub fn seed(&self, seed: i32) {
        let s = seed as u32 as u64;
        self.0
            .set(((s >> 16) << 32) | ((s & 0xffff) << 16) | 0x330E);
    }
    /// `redisLrand48()`: the next 31-bit number.
    pub fn next_i32(&self) -> i32 {
        let x = (RAND48_A.wrapping_mul(self.0.get()).wrapping_add(RAND48_C)) & RAND48_MASK;
        self.0.set(x);
        (x >> 17) as i32
    }
    /// The next `math.random()` value in [0, 1).
    pub fn next_f64(&self) -> f64 {
        let max = i32::MAX as f64;
        (self.next_i32() % i32::MAX) as f64 / max
    }
}

/// C's `(int)d` as `luaL_checkint` does it (saturating where C is undefined).
fn c_int(d: f64) -> i32 {
    d as i32
}

/// `math.random` as Redis builds it.
pub(crate) fn math_random(prng: &Prng, args: &[Value]) -> Result<f64> {
    let r = prng.next_f64();
    match args.len() {
        0 => Ok(r),
        1 => {
            let u = c_int(check_number(args, 0, "random")?);
            if u < 1 {
                return Err(rt("bad argument #1 to 'random' (interval is empty)"));
            }
            Ok((r * u as f64).floor() + 1.0)
        }
        2 => {
            let l = c_int(check_number(args, 0, "random")?);
            let u = c_int(check_number(args, 1, "random")?);
            if l > u {
                return Err(rt("bad argument #2 to 'random' (interval is empty)"));
            }
            Ok((r * (u as f64 - l as f64 + 1.0)).floor() + l as f64)
        }
        _ => Err(rt("wrong number of arguments")),
    }
}

// ------------------------------------------------------------------ bit

/// LuaBitOp's argument normalisation: the low 32 bits of `n + 2^52 + 2^51`.
fn tobit(n: f64) -> u32 {
    (n + 6_755_399_441_055_744.0).to_bits() as u32
}

fn barg(args: &[Value], i: usize, fname: &str) -> Result<u32> {
    Ok(tobit(check_number(args, i, fname)?))
}

fn bret(b: u32) -> f64 {
    b as i32 as f64
}

/// Builds the `bit` table.
pub(crate) fn bit_table(lua: &Lua) -> Result<Table> {
    let t = lua.create_table()?;
    type BitFn = fn(&Lua, &[Value]) -> Result<Value>;
    let fns: [(&str, BitFn); 12] = [
        ("tobit", |_, a| {
            Ok(Value::Number(bret(barg(a, 0, "tobit")?)))
        }),
        ("bnot", |_, a| Ok(Value::Number(bret(!barg(a, 0, "bnot")?)))),
        ("band", |_, a| fold(a, "band", |x, y| x & y)),
        ("bor", |_, a| fold(a, "bor", |x, y| x | y)),
        ("bxor", |_, a| fold(a, "bxor", |x, y| x ^ y)),
        ("lshift", |_, a| shift(a, "lshift", |x, n| x << n)),
        ("rshift", |_, a| shift(a, "rshift", |x, n| x >> n)),
        ("arshift", |_, a| {
            shift(a, "arshift", |x, n| ((x as i32) >> n) as u32)
        }),
        ("rol", |_, a| shift(a, "rol", |x, n| x.rotate_left(n))),
        ("ror", |_, a| shift(a, "ror", |x, n| x.rotate_right(n))),
        ("bswap", |_, a| {
            Ok(Value::Number(bret(barg(a, 0, "bswap")?.swap_bytes())))
        }),
        ("tohex", tohex),
    ];
    for (name, f) in fns {
        let func = lua_fn(lua, f)?;
        t.raw_set(name, func)?;
    }
    Ok(t)
}

fn fold(args: &[Value], fname: &str, op: fn(u32, u32) -> u32) -> Result<Value> {
    let mut acc = barg(args, 0, fname)?;
    for i in 1..args.len() {
        acc = op(acc, barg(args, i, fname)?);
    }
    Ok(Value::Number(bret(acc)))
}

fn shift(args: &[Value], fname: &str, op: fn(u32, u32) -> u32) -> Result<Value> {
    let x = barg(args, 0, fname)?;
    let n = barg(args, 1, fname)? & 31;
    Ok(Value::Number(bret(op(x, n))))
}

fn tohex(lua: &Lua, args: &[Value]) -> Result<Value> {
    let mut b = barg(args, 0, "tohex")?;
    let mut n: i64 = if args.len() < 2 {
        8
    } else {
        barg(args, 1, "tohex")? as i32 as i64
    };
    let digits: &[u8; 16] = if n < 0 {
        n = -n;
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let n = n.min(8) as usize;
    let mut buf = vec![0u8; n];
    for slot in buf.iter_mut().rev() {
        *slot = digits[(b & 15) as usize];
        b >>= 4;
    }
    Ok(Value::String(lua.create_string(&buf)?))
}

// ------------------------------------------------------------------ C library helpers

/// How a function of a C library (struct, cmsgpack) fails.
pub(crate) enum Fail {
    /// `luaL_error`: the message gets the caller's position ("user_script:1: ").
    At(String),
    /// `luaL_argerror`: argument `n` of the function (called `name` unless the caller
    /// used another name for it) is bad: "bad argument #n to 'name' (msg)".
    Arg(i64, &'static str, String),
    /// A VM error raised without a position (`lua_settable`'s "table index is nil").
    Bare(String),
    /// An error from the VM itself (a sandbox abort), passed on untouched.
    Lua(omnilua::Error),
}

impl From<omnilua::Error> for Fail {
    fn from(e: omnilua::Error) -> Self {
        Fail::Lua(e)
    }
}

/// `luaL_argerror`: "bad argument #n to 'fname' (msg)".
pub(crate) fn arg_error(n: usize, fname: &'static str, msg: impl std::fmt::Display) -> Fail {
    Fail::Arg(n as i64, fname, msg.to_string())
}

/// The registry slot of boot.lua's `callee` function.
pub(crate) const CALLEE: &str = "kvlab.callee";

/// luaL_argerror's text, naming the function as the calling code did (`'?'` when it
/// has no name, as in `pcall(struct.pack, ...)`).
fn arg_message(lua: &Lua, mut n: i64, fname: &str, msg: &str) -> String {
    let (name, what) = lua
        .named_registry_value::<omnilua::Function>(CALLEE)
        .and_then(|f| f.call::<_, (Option<String>, Option<String>)>(()))
        .unwrap_or_else(|_| (Some(fname.to_string()), None));
    let name = name.unwrap_or_else(|| "?".to_string());
    if what.as_deref() == Some("method") {
        n -= 1;
        if n == 0 {
            return format!("calling '{name}' on bad self ({msg})");
        }
    }
    format!("bad argument #{n} to '{name}' ({msg})")
}

/// A Lua function from a Rust one that fails like a C library function: [`Fail::At`]
/// messages get the caller's position, as `luaL_error` gives them.
pub(crate) fn c_fn<F>(lua: &Lua, f: F) -> Result<omnilua::Function>
where
    F: Fn(&Lua, &[Value]) -> std::result::Result<Vec<Value>, Fail> + 'static,
{
    lua.create_function(move |lua, args: Variadic<Value>| match f(lua, &args) {
        Ok(r) => Ok(Variadic::from(r)),
        Err(Fail::At(msg)) => Err(rt(format_args!("{}{msg}", at(lua)))),
        Err(Fail::Arg(n, fname, msg)) => {
            let text = arg_message(lua, n, fname, &msg);
            Err(rt(format_args!("{}{text}", at(lua))))
        }
        Err(Fail::Bare(msg)) => Err(rt(msg)),
        Err(Fail::Lua(e)) => Err(e),
    })
}

/// `luaL_where(L, 1)` for a Rust function: "user_script:1: " or "".
fn at(lua: &Lua) -> String {
    lua.named_registry_value::<omnilua::Function>(WHERE)
        .and_then(|w| w.call::<_, String>(()))
        .unwrap_or_default()
}

/// `luaL_checklstring` for argument `i` (0-based): strings, and numbers as `%.14g`.
pub(crate) fn check_bytes(
    args: &[Value],
    i: usize,
    fname: &'static str,
) -> std::result::Result<Vec<u8>, Fail> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.as_bytes()?),
        Some(Value::Number(n)) => Ok(lua_number_str(*n).into_bytes()),
        Some(Value::Integer(n)) => Ok(n.to_string().into_bytes()),
        other => Err(arg_error(
            i + 1,
            fname,
            format_args!("string expected, got {}", type_name(other)),
        )),
    }
}

/// `luaL_checknumber` for argument `i` (0-based).
pub(crate) fn check_num(
    args: &[Value],
    i: usize,
    fname: &'static str,
) -> std::result::Result<f64, Fail> {
    let v = args.get(i);
    v.and_then(to_number).ok_or_else(|| {
        arg_error(
            i + 1,
            fname,
            format_args!("number expected, got {}", type_name(v)),
        )
    })
}

/// `luaL_optinteger` for argument `i` (0-based): `df` when absent or nil.
pub(crate) fn opt_int(
    args: &[Value],
    i: usize,
    df: i64,
    fname: &'static str,
) -> std::result::Result<i64, Fail> {
    match args.get(i) {
        None | Some(Value::Nil) => Ok(df),
        _ => Ok(c_i64(check_num(args, i, fname)?)),
    }
}

const TWO63: f64 = 9_223_372_036_854_775_808.0;

/// C's `(int64_t)d` as x86-64 computes it: truncation, and i64::MIN for NaN and
/// values out of range.
pub(crate) fn c_i64(d: f64) -> i64 {
    if (-TWO63..TWO63).contains(&d) {
        d as i64
    } else {
        i64::MIN
    }
}

/// C's `(uint64_t)d` as gcc compiles it for x86-64 (what redis-server does with
/// out-of-range values: 2^64 and infinity give 0, NaN gives 2^63).
pub(crate) fn c_u64(d: f64) -> u64 {
    if d >= TWO63 {
        (c_i64(d - TWO63) as u64) ^ (1 << 63)
    } else {
        c_i64(d) as u64
    }
}

/// Lua 5.1's C stack limit (`LUAI_MAXCSTACK`): the slots a C function may use.
pub(crate) const MAX_C_STACK: usize = 8000;

/// `luaL_checkstack` for a C function whose frame holds `top` values and wants
/// `extra` more: "stack overflow (msg)" past Lua's limit.
pub(crate) fn check_stack(top: usize, extra: usize, msg: &str) -> std::result::Result<(), Fail> {
    if top + extra > MAX_C_STACK {
        return Err(Fail::At(format!("stack overflow ({msg})")));
    }
    Ok(())
}

/// The registry slot of the stock `string.rep`, whose up-front size check is how a
/// Rust helper trips the memory limit the way a script would.
pub(crate) const REP: &str = "kvlab.rep";

/// Buffers a library builds in Rust never grow past this (Lua 5.1's string size
/// limit in practice).
const MAX_BUFFER: usize = i32::MAX as usize;

/// Keeps the memory a Rust helper builds outside the VM (a buffer) or inside it
/// without running an instruction (tables) under the run's memory limit.
#[derive(Clone)]
pub(crate) struct MemLimit(pub(crate) Rc<Cell<usize>>);

impl MemLimit {
    pub(crate) fn new() -> Self {
        MemLimit(Rc::new(Cell::new(usize::MAX)))
    }

    fn used(lua: &Lua) -> usize {
        lua.gc()
            .count()
            .map(|kb| (kb * 1024.0) as usize)
            .unwrap_or(0)
    }

    /// Bytes a helper may still hold before the VM's total passes the limit.
    pub(crate) fn room(&self, lua: &Lua) -> usize {
        let limit = self.0.get();
        if limit == usize::MAX {
            return MAX_BUFFER;
        }
        limit.saturating_sub(Self::used(lua)).min(MAX_BUFFER)
    }

    /// The error for wanting `want` more bytes than [`MemLimit::room`] allowed: the
    /// VM's own memory-limit abort (through `string.rep`'s reservation), which no
    /// pcall catches and which the run reports as the memory limit.
    pub(crate) fn exceeded(&self, lua: &Lua, want: usize) -> Fail {
        let limit = self.0.get();
        if limit != usize::MAX {
            let n = want.min(limit.saturating_add(1)).clamp(1, MAX_BUFFER);
            let rep = lua.named_registry_value::<omnilua::Function>(REP);
            if let Err(e) = rep.and_then(|f| f.call::<_, Value>(("x", n as f64))) {
                return Fail::Lua(e);
            }
        }
        Fail::At("not enough memory".to_string())
    }

    /// Fails when the VM already holds more than the limit (checked now and then
    /// while a helper builds tables).
    pub(crate) fn check(&self, lua: &Lua) -> std::result::Result<(), Fail> {
        let limit = self.0.get();
        if limit != usize::MAX && Self::used(lua) > limit {
            return Err(self.exceeded(lua, 1));
        }
        Ok(())
    }
}
