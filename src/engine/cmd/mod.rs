//! Command handlers, one module per command family. Each handler takes the context and the
//! full argument vector (name first) and returns the reply; arity was checked already.

pub mod acl;
pub mod bitmap;
pub mod bloom;
pub mod clients;
pub mod cluster;
pub mod debug;
pub mod expire;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod keys;
pub mod list;
pub mod memory;
pub mod migrate;
pub mod multi;
pub mod persist;
pub mod pubsub;
pub mod repl;
pub mod scripting;
pub mod server;
pub mod set;
pub mod slowlog;
pub mod sort;
pub mod stream;
pub mod strings;
pub mod tdigest;
pub mod zset;

use super::reply::errors;
use super::util::parse_i64;
use super::{Ctx, Reply};

pub(crate) fn wrongtype() -> Reply {
    Reply::err(errors::WRONGTYPE)
}

pub(crate) fn syntax() -> Reply {
    Reply::err(errors::SYNTAX)
}

/// An integer argument, or Redis's "not an integer" error.
pub(crate) fn int_arg(a: &[u8]) -> Result<i64, Reply> {
    parse_i64(a).ok_or_else(|| Reply::err(errors::NOT_INT))
}

/// A SCAN-family cursor, read as Redis's `parseScanCursorOrReply` reads it with
/// `strtoul`: an optional sign and digits, nothing else; no leading space; a negative
/// number wraps around; an empty string is cursor 0 (strtoul reads nothing, and stops at
/// the end). `Err` is Redis's "invalid cursor".
pub(crate) fn scan_cursor(a: &[u8]) -> Result<u64, Reply> {
    let invalid = || Reply::err("ERR invalid cursor");
    let (neg, digits) = match a.first() {
        Some(b'-') => (true, &a[1..]),
        Some(b'+') => (false, &a[1..]),
        _ => (false, a),
    };
    if !digits.iter().all(u8::is_ascii_digit) || (digits.is_empty() && !a.is_empty()) {
        return Err(invalid());
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as u64))
            .ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// The options of HSCAN, SSCAN and ZSCAN after the cursor: `[MATCH pattern] [COUNT n]`,
/// in any order. Returns (count, pattern); a pattern of `*` matches everything and is
/// dropped. COUNT below 1 is a syntax error, as in Redis.
pub(crate) fn scan_options(argv: &[Vec<u8>], from: usize) -> Result<(i64, Option<&[u8]>), Reply> {
    let mut count = 10i64;
    let mut pattern: Option<&[u8]> = None;
    let mut j = from;
    while j < argv.len() {
        let more = argv.len() - j;
        if eq(&argv[j], "count") && more >= 2 {
            match int_arg(&argv[j + 1])? {
                c if c >= 1 => count = c,
                _ => return Err(syntax()),
            }
        } else if eq(&argv[j], "match") && more >= 2 {
            pattern = Some(&argv[j + 1][..]).filter(|p| *p != b"*");
        } else {
            return Err(syntax());
        }
        j += 2;
    }
    Ok((count, pattern))
}

/// Redis's `getRangeLongFromObjectOrReply` messages.
pub(crate) fn long_in(a: &[u8], min: i64, max: i64, msg: Option<&str>) -> Result<i64, Reply> {
    let err = |default: String| Reply::Error(msg.map(|m| format!("ERR {m}")).unwrap_or(default));
    let v = int_arg(a).map_err(|_| err("ERR value is not an integer or out of range".into()))?;
    if v < min || v > max {
        return Err(err(format!(
            "ERR value is out of range, value must between {min} and {max}"
        )));
    }
    Ok(v)
}

pub(crate) fn positive(a: &[u8], msg: Option<&str>) -> Result<i64, Reply> {
    long_in(
        a,
        0,
        i64::MAX,
        Some(msg.unwrap_or("value is out of range, must be positive")),
    )
}

/// The deadline of a blocking command: seconds as a float, 0 for no deadline.
pub(crate) fn timeout_arg(ctx: &Ctx, a: &[u8]) -> Result<Option<i64>, Reply> {
    let v = crate::engine::util::LongDouble::parse(a)
        .ok_or_else(|| Reply::err("ERR timeout is not a float or out of range"))?
        .to_f64();
    let ms = (v * 1000.0).ceil();
    // C converts an out-of-range double to the most negative integer: "negative".
    if !ms.is_finite() || ms < 0.0 || ms >= i64::MAX as f64 {
        return Err(Reply::err("ERR timeout is negative"));
    }
    Ok((ms > 0.0).then(|| ctx.core.now.saturating_add(ms as i64)))
}

/// The value at `key` for reading, as the type `pick` accepts (lazy expiry, a keyspace
/// hit or miss, an access); None when missing, WRONGTYPE when of another type.
pub(crate) fn read_as<'a, T: ?Sized>(
    ctx: &'a mut Ctx,
    key: &[u8],
    pick: fn(&super::object::Value) -> Option<&T>,
) -> Result<Option<&'a T>, Reply> {
    let db = ctx.db();
    match ctx.core.lookup_read(db, key) {
        None => Ok(None),
        Some(o) => pick(&o.value).map(Some).ok_or_else(wrongtype),
    }
}

/// The value at `key` for changing in place, as the type `pick` accepts (marked for
/// re-counting); None when missing, WRONGTYPE when of another type.
pub(crate) fn write_as<'a, T: ?Sized>(
    ctx: &'a mut Ctx,
    key: &[u8],
    pick: fn(&mut super::object::Value) -> Option<&mut T>,
) -> Result<Option<&'a mut T>, Reply> {
    let db = ctx.db();
    match ctx.core.lookup_write(db, key) {
        None => Ok(None),
        Some(o) => pick(&mut o.value).map(Some).ok_or_else(wrongtype),
    }
}

/// The value at `key` for changing in place, as the type `pick` accepts, created by
/// `make` when missing (marked for re-counting, touched, announced `new` if created);
/// WRONGTYPE when of another type. One table lookup when the key is there.
pub(crate) fn write_or_create<'a, T: ?Sized>(
    ctx: &'a mut Ctx,
    key: &[u8],
    pick: fn(&mut super::object::Value) -> Option<&mut T>,
    make: impl FnOnce() -> super::object::Value,
) -> Result<&'a mut T, Reply> {
    let db = ctx.db();
    match ctx.core.lookup_write_or_add(db, key, make) {
        Some(o) => pick(&mut o.value).ok_or_else(wrongtype),
        None => Err(Reply::err("ERR the keyspace is full")),
    }
}

pub(crate) fn eq(a: &[u8], word: &str) -> bool {
    a.eq_ignore_ascii_case(word.as_bytes())
}

/// Reads a string key (counting a hit or miss): `Ok(None)` if missing, WRONGTYPE if the
/// key holds another type.
pub(crate) fn read_string(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Vec<u8>>, Reply> {
    let db = ctx.db();
    match ctx.core.lookup_read(db, key) {
        None => Ok(None),
        Some(o) => match o.value.as_str() {
            Some(b) => Ok(Some(b.clone())),
            None => Err(wrongtype()),
        },
    }
}

/// Runs `f` on a string key's bytes in place, without copying them (counting a hit or
/// miss): `None` if the key is missing, WRONGTYPE if it holds another type.
pub(crate) fn with_string<T>(
    ctx: &mut Ctx,
    key: &[u8],
    f: impl FnOnce(Option<&[u8]>) -> T,
) -> Result<T, Reply> {
    let db = ctx.db();
    match ctx.core.lookup_read(db, key) {
        None => Ok(f(None)),
        Some(o) => match o.value.as_str() {
            Some(b) => Ok(f(Some(b))),
            None => Err(wrongtype()),
        },
    }
}

/// The largest string the engine will build: Redis's proto-max-bulk-len, and in the
/// browser also the playground's own cap, so one command cannot exhaust the tab.
pub(crate) fn check_string_length(ctx: &Ctx, size: u64, append: u64) -> Result<(), Reply> {
    let total = size.checked_add(append);
    let limit = ctx.core.config.proto_max_bulk_len as u64;
    match total {
        Some(t) if t <= limit => {}
        _ => {
            return Err(Reply::err(
                "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
            ))
        }
    }
    let cap = ctx.core.config.playground_value_cap;
    if total.unwrap_or(u64::MAX) > cap {
        return Err(Reply::Error(format!(
            "ERR string would exceed the playground's value size limit ({} bytes); raise it with CONFIG SET kvlab-max-value-bytes",
            cap
        )));
    }
    Ok(())
}
