//! String commands (Redis's t_string.c): GET/SET and their variants, counters, ranges, LCS.

use super::{check_string_length, eq, int_arg, read_string, syntax, wrongtype};
use crate::engine::object::{StrEnc, Value};
use crate::engine::reply::errors;
use crate::engine::util::LongDouble;
use crate::engine::{Ctx, Reply};

/// Which expiry option a SET or GETEX carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ttl {
    None,
    /// KEEPTTL / PERSIST are `Keep` / `Drop`.
    Ex,
    Px,
    ExAt,
    PxAt,
    Keep,
    Drop,
}

struct SetOpts<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    ttl: Ttl,
    expire_arg: Option<&'a [u8]>,
}

/// Parses the options of SET (from argv[3]) or GETEX (from argv[2]). Each option may
/// appear only where it does not clash with another; anything else is a syntax error.
fn parse_opts(argv: &[Vec<u8>], is_set: bool) -> Result<SetOpts<'_>, Reply> {
    let mut o = SetOpts {
        nx: false,
        xx: false,
        get: false,
        ttl: Ttl::None,
        expire_arg: None,
    };
    let mut j = if is_set { 3 } else { 2 };
    while j < argv.len() {
        let a = &argv[j][..];
        let has_next = j + 1 < argv.len();
        let no_ttl = o.ttl == Ttl::None;
        if is_set && eq(a, "nx") && !o.xx {
            o.nx = true;
        } else if is_set && eq(a, "xx") && !o.nx {
            o.xx = true;
        } else if is_set && eq(a, "get") {
            o.get = true;
        } else if is_set && eq(a, "keepttl") && (no_ttl || o.ttl == Ttl::Keep) {
            o.ttl = Ttl::Keep;
        } else if !is_set && eq(a, "persist") && (no_ttl || o.ttl == Ttl::Drop) {
            o.ttl = Ttl::Drop;
        } else if let Some(t) = [
            ("ex", Ttl::Ex),
            ("px", Ttl::Px),
            ("exat", Ttl::ExAt),
            ("pxat", Ttl::PxAt),
        ]
        .iter()
        .find(|(w, _)| eq(a, w))
        .map(|(_, t)| *t)
        .filter(|t| (no_ttl || o.ttl == *t) && has_next)
        {
            o.ttl = t;
            o.expire_arg = Some(&argv[j + 1]);
            j += 1;
        } else {
            return Err(syntax());
        }
        j += 1;
    }
    Ok(o)
}

/// Turns an EX/PX/EXAT/PXAT argument into an absolute deadline in milliseconds, with
/// Redis's checks: an integer, positive, and no overflow once scaled and offset.
fn deadline(ctx: &Ctx, ttl: Ttl, arg: &[u8], cmd: &str) -> Result<i64, Reply> {
    let v = int_arg(arg)?;
    let invalid = || Reply::Error(format!("ERR invalid expire time in '{cmd}' command"));
    let seconds = matches!(ttl, Ttl::Ex | Ttl::ExAt);
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        return Err(invalid());
    }
    let mut ms = if seconds { v * 1000 } else { v };
    if matches!(ttl, Ttl::Ex | Ttl::Px) {
        ms = ms.wrapping_add(ctx.core.now);
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms)
}

fn bulk_or_nil(v: Option<Vec<u8>>) -> Reply {
    match v {
        Some(b) => Reply::Bulk(b),
        None => Reply::Nil,
    }
}

/// The heart of SET, SETNX, SETEX, PSETEX: Redis's `setGenericCommand`.
fn set_generic(
    ctx: &mut Ctx,
    key: &[u8],
    val: &[u8],
    o: &SetOpts,
    cmd: &str,
    ok: Reply,
    abort: Reply,
) -> Reply {
    let when = match (o.ttl, o.expire_arg) {
        (t, Some(arg)) if t != Ttl::Keep && t != Ttl::Drop => match deadline(ctx, t, arg, cmd) {
            Ok(ms) => Some(ms),
            Err(e) => return e,
        },
        _ => None,
    };
    let mut old = None;
    if o.get {
        match read_string(ctx, key) {
            Ok(v) => old = Some(bulk_or_nil(v)),
            Err(e) => return e,
        }
    }
    let db = ctx.db();
    let value = Value::string(val.to_vec());
    // (A key expired during CLIENT PAUSE stays in the table but counts as missing: the
    // two-step path below handles it.)
    if o.nx || o.xx || (ctx.core.expire_if_needed(db, key) && ctx.core.dbs[db].keys.contains(key)) {
        let found = ctx.core.touch_for_overwrite(db, key);
        if (o.nx && found) || (o.xx && !found) {
            return old.unwrap_or(abort);
        }
        ctx.core.set_key_touched(db, key, value, o.ttl == Ttl::Keep);
    } else {
        // Nothing to decide on whether the key is there (lazy expiry done just above):
        // one table lookup that touches an old value's access data as
        // `touch_for_overwrite` and `set_key_touched` would together.
        ctx.core.set_key(db, key, value, o.ttl == Ttl::Keep);
    }
    ctx.core.stats.dirty += 1;
    ctx.core.notify(db, key, "set");
    if let Some(ms) = when {
        ctx.core.set_expire(db, key, ms);
        ctx.core.notify(db, key, "expire");
    }
    old.unwrap_or(ok)
}

pub fn set(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let o = match parse_opts(argv, true) {
        Ok(o) => o,
        Err(e) => return e,
    };
    set_generic(ctx, &argv[1], &argv[2], &o, "set", Reply::ok(), Reply::Nil)
}

pub fn setnx(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let o = SetOpts {
        nx: true,
        xx: false,
        get: false,
        ttl: Ttl::None,
        expire_arg: None,
    };
    set_generic(
        ctx,
        &argv[1],
        &argv[2],
        &o,
        "setnx",
        Reply::Int(1),
        Reply::Int(0),
    )
}

fn setex_generic(ctx: &mut Ctx, argv: &[Vec<u8>], ttl: Ttl, cmd: &str) -> Reply {
    let o = SetOpts {
        nx: false,
        xx: false,
        get: false,
        ttl,
        expire_arg: Some(&argv[2]),
    };
    set_generic(ctx, &argv[1], &argv[3], &o, cmd, Reply::ok(), Reply::Nil)
}

pub fn setex(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setex_generic(ctx, argv, Ttl::Ex, "setex")
}

pub fn psetex(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setex_generic(ctx, argv, Ttl::Px, "psetex")
}

pub fn get(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match read_string(ctx, &argv[1]) {
        Ok(v) => bulk_or_nil(v),
        Err(e) => e,
    }
}

pub fn getex(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let o = match parse_opts(argv, false) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let key = &argv[1];
    let v = match read_string(ctx, key) {
        Ok(Some(v)) => v,
        Ok(None) => return Reply::Nil,
        Err(e) => return e,
    };
    let when = match (o.ttl, o.expire_arg) {
        (t, Some(arg)) => match deadline(ctx, t, arg, "getex") {
            Ok(ms) => Some(ms),
            Err(e) => return e,
        },
        _ => None,
    };
    let db = ctx.db();
    match when {
        Some(ms) if matches!(o.ttl, Ttl::ExAt | Ttl::PxAt) && ms <= ctx.core.now => {
            ctx.core.delete(db, key);
            ctx.core.notify(db, key, "del");
            ctx.core.stats.dirty += 1;
        }
        Some(ms) => {
            ctx.core.set_expire(db, key, ms);
            ctx.core.notify(db, key, "expire");
            ctx.core.stats.dirty += 1;
        }
        None if o.ttl == Ttl::Drop && ctx.core.persist(db, key) => {
            ctx.core.notify(db, key, "persist");
            ctx.core.stats.dirty += 1;
        }
        None => {}
    }
    Reply::Bulk(v)
}

pub fn getdel(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let v = match read_string(ctx, &argv[1]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if v.is_some() {
        let db = ctx.db();
        ctx.core.delete(db, &argv[1]);
        ctx.core.notify(db, &argv[1], "del");
        ctx.core.stats.dirty += 1;
    }
    bulk_or_nil(v)
}

pub fn getset(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let old = match read_string(ctx, &argv[1]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let db = ctx.db();
    ctx.core
        .set_key(db, &argv[1], Value::string(argv[2].clone()), false);
    ctx.core.notify(db, &argv[1], "set");
    ctx.core.stats.dirty += 1;
    bulk_or_nil(old)
}

pub fn mget(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    let out = argv[1..]
        .iter()
        .map(|k| match ctx.core.lookup_read(db, k) {
            Some(o) => match o.value.as_str() {
                Some(b) => Reply::Bulk(b.clone()),
                None => Reply::Nil,
            },
            None => Reply::Nil,
        })
        .collect();
    Reply::Array(out)
}

fn mset_generic(ctx: &mut Ctx, argv: &[Vec<u8>], nx: bool) -> Reply {
    if argv.len() % 2 == 0 {
        return Reply::Error(format!(
            "ERR wrong number of arguments for '{}' command",
            if nx { "msetnx" } else { "mset" }
        ));
    }
    let db = ctx.db();
    if nx {
        for pair in argv[1..].chunks(2) {
            if ctx.core.lookup_write(db, &pair[0]).is_some() {
                return Reply::Int(0);
            }
        }
    }
    for pair in argv[1..].chunks(2) {
        ctx.core
            .set_key(db, &pair[0], Value::string(pair[1].clone()), false);
        ctx.core.notify(db, &pair[0], "set");
    }
    ctx.core.stats.dirty += (argv.len() as u64 - 1) / 2;
    if nx {
        Reply::Int(1)
    } else {
        Reply::ok()
    }
}

pub fn mset(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    mset_generic(ctx, argv, false)
}

pub fn msetnx(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    mset_generic(ctx, argv, true)
}

pub fn append(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (key, add) = (&argv[1], &argv[2]);
    let db = ctx.db();
    let cur_len = match ctx.core.lookup_write(db, key) {
        None => None,
        Some(o) => match o.value.as_str() {
            Some(b) => Some(b.len()),
            None => return wrongtype(),
        },
    };
    let total = match cur_len {
        None => {
            ctx.core.set_key(db, key, Value::string(add.clone()), false);
            add.len()
        }
        Some(len) => {
            if let Err(e) = check_string_length(ctx, len as u64, add.len() as u64) {
                return e;
            }
            match ctx.core.value_mut(db, key) {
                Some(Value::Str { bytes, enc }) => {
                    bytes.extend_from_slice(add);
                    *enc = StrEnc::Raw;
                    bytes.len()
                }
                _ => return wrongtype(),
            }
        }
    };
    ctx.core.notify(db, key, "append");
    ctx.core.stats.dirty += 1;
    Reply::Int(total as i64)
}

pub fn strlen(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match read_string(ctx, &argv[1]) {
        Ok(v) => Reply::Int(v.map_or(0, |b| b.len() as i64)),
        Err(e) => e,
    }
}

pub fn getrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (mut start, mut end) = match (int_arg(&argv[2]), int_arg(&argv[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let s = match read_string(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::Bulk(Vec::new()),
        Err(e) => return e,
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Reply::Bulk(Vec::new());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return Reply::Bulk(Vec::new());
    }
    Reply::Bulk(s[start as usize..=end as usize].to_vec())
}

pub fn setrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let value = &argv[3];
    let offset = match int_arg(&argv[2]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if offset < 0 {
        return Reply::err("ERR offset is out of range");
    }
    let db = ctx.db();
    let cur_len = match ctx.core.lookup_write(db, key) {
        None => None,
        Some(o) => match o.value.as_str() {
            Some(b) => Some(b.len()),
            None => return wrongtype(),
        },
    };
    if value.is_empty() {
        return Reply::Int(cur_len.unwrap_or(0) as i64);
    }
    if let Err(e) = check_string_length(ctx, offset as u64, value.len() as u64) {
        return e;
    }
    if cur_len.is_none() {
        ctx.core.set_key(
            db,
            key,
            Value::Str {
                bytes: Vec::new(),
                enc: StrEnc::Raw,
            },
            false,
        );
    }
    let len = match ctx.core.value_mut(db, key) {
        Some(Value::Str { bytes, enc }) => {
            let off = offset as usize;
            let need = off + value.len();
            if bytes.len() < need {
                bytes.resize(need, 0);
            }
            bytes[off..need].copy_from_slice(value);
            *enc = StrEnc::Raw;
            bytes.len()
        }
        _ => return wrongtype(),
    };
    ctx.core.notify(db, key, "setrange");
    ctx.core.stats.dirty += 1;
    Reply::Int(len as i64)
}

fn incr_generic(ctx: &mut Ctx, key: &[u8], by: i64) -> Reply {
    let db = ctx.db();
    let cur = match ctx.core.lookup_write(db, key) {
        None => None,
        Some(o) => match o.value.as_str() {
            Some(b) => Some(b.clone()),
            None => return wrongtype(),
        },
    };
    let old = match cur {
        None => 0,
        Some(b) => match int_arg(&b) {
            Ok(v) => v,
            Err(e) => return e,
        },
    };
    let Some(new) = old.checked_add(by) else {
        return Reply::err("ERR increment or decrement would overflow");
    };
    if ctx.core.dbs[db].keys.contains(key) {
        ctx.core.overwrite(db, key, Value::from_i64(new));
    } else {
        ctx.core.set_key(db, key, Value::from_i64(new), false);
    }
    ctx.core.notify(db, key, "incrby");
    ctx.core.stats.dirty += 1;
    Reply::Int(new)
}

pub fn incr(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    incr_generic(ctx, &argv[1], 1)
}

pub fn decr(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    incr_generic(ctx, &argv[1], -1)
}

pub fn incrby(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match int_arg(&argv[2]) {
        Ok(by) => incr_generic(ctx, &argv[1], by),
        Err(e) => e,
    }
}

pub fn decrby(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match int_arg(&argv[2]) {
        Ok(i64::MIN) => Reply::err("ERR decrement would overflow"),
        Ok(by) => incr_generic(ctx, &argv[1], -by),
        Err(e) => e,
    }
}

pub fn incrbyfloat(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let db = ctx.db();
    let cur = match ctx.core.lookup_write(db, key) {
        None => None,
        Some(o) => match o.value.as_str() {
            Some(b) => Some(b.clone()),
            None => return wrongtype(),
        },
    };
    let not_float = || Reply::err(errors::NOT_FLOAT);
    let old = match &cur {
        None => LongDouble::from_i64(0),
        Some(b) => match LongDouble::parse(b) {
            Some(v) => v,
            None => return not_float(),
        },
    };
    let Some(by) = LongDouble::parse(&argv[2]) else {
        return not_float();
    };
    let sum = old.plus(by);
    if !sum.is_finite() {
        return Reply::err("ERR increment would produce NaN or Infinity");
    }
    let text = sum.to_human().into_bytes();
    let value = Value::string_no_int(text.clone());
    if cur.is_some() {
        ctx.core.overwrite(db, key, value);
    } else {
        ctx.core.set_key(db, key, value, false);
    }
    ctx.core.notify(db, key, "incrbyfloat");
    ctx.core.stats.dirty += 1;
    Reply::Bulk(text)
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the classic dynamic
/// programming table, then a walk back from the bottom-right corner that collects the
/// subsequence and, for IDX, the matching ranges (reported from the end of the strings).
pub fn lcs(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    let mut fetch = |k: &[u8]| -> Result<Vec<u8>, ()> {
        match ctx.core.lookup_read(db, k) {
            None => Ok(Vec::new()),
            Some(o) => o.value.as_str().cloned().ok_or(()),
        }
    };
    let (a, b) = match (fetch(&argv[1]), fetch(&argv[2])) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return Reply::err("ERR The specified keys must contain string values"),
    };
    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let opt = &argv[j];
        let more = argv.len() - 1 - j;
        if eq(opt, "idx") {
            getidx = true;
        } else if eq(opt, "len") {
            getlen = true;
        } else if eq(opt, "withmatchlen") {
            withmatchlen = true;
        } else if eq(opt, "minmatchlen") && more > 0 {
            match int_arg(&argv[j + 1]) {
                Ok(v) => minmatchlen = v.max(0),
                Err(e) => return e,
            }
            j += 1;
        } else {
            return syntax();
        }
        j += 1;
    }
    if getlen && getidx {
        return Reply::err("ERR If you want both the length and indexes, please just use IDX.");
    }
    if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        return Reply::err("ERR String too long for LCS");
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    let bytes = cells * 4;
    if bytes > ctx.core.config.proto_max_bulk_len as u64 {
        return Reply::err(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        );
    }
    if bytes > ctx.core.config.playground_value_cap {
        return Reply::err("ERR Insufficient memory, failed allocating transient memory for LCS");
    }
    let w = blen + 1;
    let mut t = vec![0u32; cells as usize];
    for i in 1..=alen {
        for jj in 1..=blen {
            t[i * w + jj] = if a[i - 1] == b[jj - 1] {
                t[(i - 1) * w + jj - 1] + 1
            } else {
                t[(i - 1) * w + jj].max(t[i * w + jj - 1])
            };
        }
    }
    let total = t[alen * w + blen];
    if getlen {
        return Reply::Int(total as i64);
    }
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let mut matches = Vec::new();
    // Current range, in both strings; `None` until a match starts one.
    let mut range: Option<(usize, usize, usize, usize)> = None;
    let (mut i, mut jj) = (alen, blen);
    while i > 0 && jj > 0 {
        let mut emit = false;
        if a[i - 1] == b[jj - 1] {
            result[idx - 1] = a[i - 1];
            // Walking backwards, each match continues the current range one step earlier.
            let r = match range {
                None => (i - 1, i - 1, jj - 1, jj - 1),
                Some((_, ae, _, be)) => (i - 1, ae, jj - 1, be),
            };
            range = Some(r);
            if r.0 == 0 || r.2 == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            jj -= 1;
        } else {
            if t[(i - 1) * w + jj] > t[i * w + jj - 1] {
                i -= 1;
            } else {
                jj -= 1;
            }
            emit = range.is_some();
        }
        if emit {
            if let Some((as_, ae, bs, be)) = range.take() {
                let mlen = ae - as_ + 1;
                if minmatchlen == 0 || mlen as i64 >= minmatchlen {
                    let mut m = vec![
                        Reply::Array(vec![Reply::Int(as_ as i64), Reply::Int(ae as i64)]),
                        Reply::Array(vec![Reply::Int(bs as i64), Reply::Int(be as i64)]),
                    ];
                    if withmatchlen {
                        m.push(Reply::Int(mlen as i64));
                    }
                    matches.push(Reply::Array(m));
                }
            }
        }
    }
    if getidx {
        return Reply::Map(vec![
            (Reply::bulk("matches"), Reply::Array(matches)),
            (Reply::bulk("len"), Reply::Int(total as i64)),
        ]);
    }
    Reply::Bulk(result)
}
