//! Hash commands: HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
//! HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, as Redis 7.0's t_hash.c answers them.

use super::{eq, int_arg, scan_cursor, scan_options};
use crate::engine::hash::Hash;
use crate::engine::object::Value;
use crate::engine::reply::errors;
use crate::engine::util::{glob_match, parse_i64, LongDouble};
use crate::engine::{Ctx, Reply};

fn hread<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Hash>, Reply> {
    super::read_as(ctx, key, Value::as_hash)
}

/// The hash at `key` for writing, created empty when missing (Redis's
/// `hashTypeLookupWriteOrCreate`); WRONGTYPE otherwise.
fn hwrite_or_create<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<&'a mut Hash, Reply> {
    let make = || Value::Hash(Box::new(Hash::new(true)));
    super::write_or_create(ctx, key, Value::as_hash_mut, make)
}

fn hwrite<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Hash>, Reply> {
    super::write_as(ctx, key, Value::as_hash_mut)
}

fn limits(ctx: &Ctx) -> (usize, usize) {
    let c = &ctx.core.config;
    (
        c.hash_max_listpack_entries.max(0) as usize,
        c.hash_max_listpack_value.max(0) as usize,
    )
}

fn arity_error(name: &str) -> Reply {
    Reply::Error(format!(
        "ERR wrong number of arguments for '{name}' command"
    ))
}

/// HSET and HMSET: field/value pairs; HSET answers how many fields are new.
fn set_pairs(ctx: &mut Ctx, argv: &[Vec<u8>], name: &str) -> Result<i64, Reply> {
    if argv.len() % 2 == 1 {
        return Err(arity_error(name));
    }
    let (max_entries, max_value) = limits(ctx);
    // Redis checks every argument's length before it sets anything.
    let long = argv[2..].iter().any(|a| a.len() > max_value);
    let key = &argv[1];
    let h = hwrite_or_create(ctx, key)?;
    if long {
        h.listpack = false;
    }
    let mut created = 0;
    for pair in argv[2..].chunks(2) {
        if h.set(&pair[0], pair[1].clone(), max_entries, max_value) {
            created += 1;
        }
    }
    let db = ctx.db();
    ctx.core.notify(db, key, "hset");
    ctx.core.stats.dirty += (argv.len() as u64 - 2) / 2;
    Ok(created)
}

pub fn hset(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match set_pairs(ctx, argv, "hset") {
        Ok(n) => Reply::Int(n),
        Err(e) => e,
    }
}

pub fn hmset(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match set_pairs(ctx, argv, "hmset") {
        Ok(_) => Reply::ok(),
        Err(e) => e,
    }
}

pub fn hsetnx(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (max_entries, max_value) = limits(ctx);
    let key = &argv[1];
    let h = match hwrite_or_create(ctx, key) {
        Ok(h) => h,
        Err(e) => return e,
    };
    if h.get(&argv[2]).is_some() {
        return Reply::Int(0);
    }
    h.set(&argv[2], argv[3].clone(), max_entries, max_value);
    let db = ctx.db();
    ctx.core.notify(db, key, "hset");
    ctx.core.stats.dirty += 1;
    Reply::Int(1)
}

pub fn hget(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match hread(ctx, &argv[1]) {
        Ok(Some(h)) => h
            .get(&argv[2])
            .map_or(Reply::Nil, |v| Reply::Bulk(v.clone())),
        Ok(None) => Reply::Nil,
        Err(e) => e,
    }
}

pub fn hmget(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match hread(ctx, &argv[1]) {
        Ok(h) => Reply::Array(
            argv[2..]
                .iter()
                .map(|f| {
                    h.and_then(|h| h.get(f))
                        .map_or(Reply::Nil, |v| Reply::Bulk(v.clone()))
                })
                .collect(),
        ),
        Err(e) => e,
    }
}

pub fn hdel(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let h = match hwrite(ctx, key) {
        Ok(Some(h)) => h,
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    let mut deleted = 0;
    for f in &argv[2..] {
        if h.remove(f) {
            deleted += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    let empty = h.is_empty();
    let db = ctx.db();
    if deleted > 0 {
        ctx.core.notify(db, key, "hdel");
        if empty {
            ctx.core.delete(db, key);
            ctx.core.notify(db, key, "del");
        }
        ctx.core.stats.dirty += deleted as u64;
    }
    Reply::Int(deleted)
}

pub fn hlen(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match hread(ctx, &argv[1]) {
        Ok(h) => Reply::Int(h.map_or(0, |h| h.len() as i64)),
        Err(e) => e,
    }
}

pub fn hstrlen(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match hread(ctx, &argv[1]) {
        Ok(h) => Reply::Int(
            h.and_then(|h| h.get(&argv[2]))
                .map_or(0, |v| v.len() as i64),
        ),
        Err(e) => e,
    }
}

pub fn hexists(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match hread(ctx, &argv[1]) {
        Ok(h) => Reply::Int(h.is_some_and(|h| h.get(&argv[2]).is_some()) as i64),
        Err(e) => e,
    }
}

/// HKEYS, HVALS and HGETALL (a map in RESP3).
fn get_all(ctx: &mut Ctx, key: &[u8], fields: bool, values: bool) -> Reply {
    let map = fields && values && ctx.client_ref().resp >= 3;
    match hread(ctx, key) {
        Ok(None) if map => Reply::Map(Vec::new()),
        Ok(None) => Reply::Array(Vec::new()),
        Ok(Some(h)) if map => Reply::Map(
            h.iter()
                .map(|(f, v)| (Reply::Bulk(f.clone()), Reply::Bulk(v.clone())))
                .collect(),
        ),
        Ok(Some(h)) => {
            let mut out = Vec::with_capacity(h.len() * (fields as usize + values as usize));
            for (f, v) in h.iter() {
                if fields {
                    out.push(Reply::Bulk(f.clone()));
                }
                if values {
                    out.push(Reply::Bulk(v.clone()));
                }
            }
            Reply::Array(out)
        }
        Err(e) => e,
    }
}

pub fn hkeys(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    get_all(ctx, &argv[1], true, false)
}

pub fn hvals(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    get_all(ctx, &argv[1], false, true)
}

pub fn hgetall(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    get_all(ctx, &argv[1], true, true)
}

pub fn hincrby(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let by = match int_arg(&argv[3]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let (max_entries, max_value) = limits(ctx);
    let key = &argv[1];
    let h = match hwrite_or_create(ctx, key) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let old = match h.get(&argv[2]) {
        None => 0,
        Some(v) => match parse_i64(v) {
            Some(n) => n,
            None => return Reply::err("ERR hash value is not an integer"),
        },
    };
    let Some(new) = old.checked_add(by) else {
        return Reply::err("ERR increment or decrement would overflow");
    };
    h.set(
        &argv[2],
        new.to_string().into_bytes(),
        max_entries,
        max_value,
    );
    let db = ctx.db();
    ctx.core.notify(db, key, "hincrby");
    ctx.core.stats.dirty += 1;
    Reply::Int(new)
}

pub fn hincrbyfloat(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let Some(by) = LongDouble::parse(&argv[3]) else {
        return Reply::err(errors::NOT_FLOAT);
    };
    if !by.is_finite() {
        return Reply::err("ERR value is NaN or Infinity");
    }
    let (max_entries, max_value) = limits(ctx);
    let key = &argv[1];
    let h = match hwrite_or_create(ctx, key) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let old = match h.get(&argv[2]) {
        None => LongDouble::from_i64(0),
        Some(v) => match LongDouble::parse(v) {
            Some(n) => n,
            None => return Reply::err("ERR hash value is not a float"),
        },
    };
    let sum = old.plus(by);
    if !sum.is_finite() {
        return Reply::err("ERR increment would produce NaN or Infinity");
    }
    let text = sum.to_human().into_bytes();
    h.set(&argv[2], text.clone(), max_entries, max_value);
    let db = ctx.db();
    ctx.core.notify(db, key, "hincrbyfloat");
    ctx.core.stats.dirty += 1;
    Reply::Bulk(text)
}

/// HRANDFIELD key [count [WITHVALUES]]: Redis's four cases. Without a count, one random
/// field (nil for a missing key). A negative count may repeat fields; a count at least
/// the hash's size returns the whole hash in its order; a smaller one picks distinct
/// fields at random.
pub fn hrandfield(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    use rand::RngExt;
    if argv.len() == 2 {
        let db = ctx.db();
        let pick = match hread(ctx, &argv[1]) {
            Ok(Some(h)) => Some(h.len()),
            Ok(None) => None,
            Err(e) => return e,
        };
        let Some(n) = pick else {
            return Reply::Nil;
        };
        let i = ctx.core.rng.random_range(0..n);
        return match ctx.core.dbs[db].keys.get(&argv[1]).map(|o| &o.value) {
            Some(Value::Hash(h)) => h
                .get_index(i)
                .map_or(Reply::Nil, |(f, _)| Reply::Bulk(f.clone())),
            _ => Reply::Nil,
        };
    }
    let l = match int_arg(&argv[2]) {
        Ok(v) if v >= -i64::MAX => v,
        Ok(_) => {
            return Reply::Error(format!(
                "ERR value is out of range, value must between {} and {}",
                -i64::MAX,
                i64::MAX
            ))
        }
        Err(e) => return e,
    };
    let withvalues = match argv.len() {
        3 => false,
        4 if eq(&argv[3], "withvalues") => true,
        _ => return super::syntax(),
    };
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Reply::err("ERR value is out of range");
    }
    let resp3 = ctx.client_ref().resp >= 3;
    let db = ctx.db();
    let len = match hread(ctx, &argv[1]) {
        Ok(Some(h)) => h.len(),
        Ok(None) => return Reply::Array(Vec::new()),
        Err(e) => return e,
    };
    if l == 0 {
        return Reply::Array(Vec::new());
    }
    let (count, uniq) = if l >= 0 {
        (l as usize, true)
    } else {
        (l.unsigned_abs() as usize, false)
    };
    let indexes: Vec<usize> = if !uniq {
        (0..count)
            .map(|_| ctx.core.rng.random_range(0..len))
            .collect()
    } else if count >= len {
        (0..len).collect()
    } else {
        // Distinct fields: a partial shuffle of the indexes.
        let mut all: Vec<usize> = (0..len).collect();
        for i in 0..count {
            let j = ctx.core.rng.random_range(i..len);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    };
    let Some(Value::Hash(h)) = ctx.core.dbs[db].keys.get(&argv[1]).map(|o| &o.value) else {
        return Reply::Array(Vec::new());
    };
    let mut out = Vec::with_capacity(indexes.len() * (1 + withvalues as usize));
    for i in indexes {
        let Some((f, v)) = h.get_index(i) else {
            continue;
        };
        match (withvalues, resp3) {
            (true, true) => out.push(Reply::Array(vec![
                Reply::Bulk(f.clone()),
                Reply::Bulk(v.clone()),
            ])),
            (true, false) => {
                out.push(Reply::Bulk(f.clone()));
                out.push(Reply::Bulk(v.clone()));
            }
            _ => out.push(Reply::Bulk(f.clone())),
        }
    }
    Reply::Array(out)
}

/// HSCAN: a listpack comes back whole (cursor 0), as in Redis; a hash table is walked
/// in its order, the cursor being the next position. As in Redis, the options are read
/// only once the key is found to be a hash: a missing key answers an empty scan
/// whatever follows, a wrong type WRONGTYPE.
pub fn hscan(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let cursor = match scan_cursor(&argv[2]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let (next, items) = match hread(ctx, &argv[1]) {
        Ok(Some(h)) => {
            let (count, pattern) = match scan_options(argv, 3) {
                Ok(o) => o,
                Err(e) => return e,
            };
            let len = h.len() as u64;
            let (from, n) = if h.listpack {
                (0, len)
            } else {
                (cursor.min(len), count as u64)
            };
            let to = (from + n).min(len);
            let items: Vec<(Vec<u8>, Vec<u8>)> = (from..to)
                .filter_map(|i| h.get_index(i as usize))
                .map(|(f, v)| (f.clone(), v.clone()))
                .collect();
            let items: Vec<(Vec<u8>, Vec<u8>)> = items
                .into_iter()
                .filter(|(f, _)| pattern.is_none_or(|p| glob_match(p, f, false)))
                .collect();
            (if h.listpack || to >= len { 0 } else { to }, items)
        }
        Ok(None) => (0, Vec::new()),
        Err(e) => return e,
    };
    let mut out = Vec::new();
    for (f, v) in items {
        out.push(Reply::Bulk(f));
        out.push(Reply::Bulk(v));
    }
    Reply::Array(vec![
        Reply::Bulk(next.to_string().into_bytes()),
        Reply::Array(out),
    ])
}
