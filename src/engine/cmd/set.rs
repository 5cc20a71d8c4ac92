//! Set commands: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE
//! SINTER SUNION SDIFF and their STORE forms, SINTERCARD and SSCAN, as Redis 7.0's
//! t_set.c answers them.

use super::{eq, int_arg, scan_cursor, scan_options, syntax};
use crate::engine::object::Value;
use crate::engine::set::Set;
use crate::engine::util::glob_match;
use crate::engine::{Ctx, Reply};

fn sread<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Set>, Reply> {
    super::read_as(ctx, key, Value::as_set)
}

fn swrite<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Set>, Reply> {
    super::write_as(ctx, key, Value::as_set_mut)
}

fn max_intset(ctx: &Ctx) -> usize {
    ctx.core.config.set_max_intset_entries.max(0) as usize
}

/// A RESP3 set (an array for RESP2 clients) of members.
fn members_reply(members: Vec<Vec<u8>>) -> Reply {
    Reply::Set(members.into_iter().map(Reply::Bulk).collect())
}

/// Deletes `key` when its set is empty, with Redis's `del` event.
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let db = ctx.db();
    let empty = matches!(ctx.core.dbs[db].keys.get(key).map(|o| &o.value), Some(Value::Set(s)) if s.is_empty());
    if empty {
        ctx.core.delete(db, key);
        ctx.core.notify(db, key, "del");
    }
}

pub fn sadd(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let db = ctx.db();
    let max = max_intset(ctx);
    let make = || Value::Set(Box::new(Set::for_first(&argv[2])));
    let s = match super::write_or_create(ctx, key, Value::as_set_mut, make) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let added = argv[2..].iter().filter(|m| s.add(m, max)).count() as i64;
    if added > 0 {
        ctx.core.notify(db, key, "sadd");
    }
    ctx.core.stats.dirty += added as u64;
    Reply::Int(added)
}

pub fn srem(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let s = match swrite(ctx, key) {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    let mut removed = 0;
    for m in &argv[2..] {
        if s.remove(m) {
            removed += 1;
            if s.is_empty() {
                break;
            }
        }
    }
    let db = ctx.db();
    if removed > 0 {
        ctx.core.notify(db, key, "srem");
        drop_if_empty(ctx, key);
        ctx.core.stats.dirty += removed;
    }
    Reply::Int(removed as i64)
}

pub fn scard(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match sread(ctx, &argv[1]) {
        Ok(s) => Reply::Int(s.map_or(0, |s| s.len() as i64)),
        Err(e) => e,
    }
}

pub fn sismember(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match sread(ctx, &argv[1]) {
        Ok(s) => Reply::Int(s.is_some_and(|s| s.contains(&argv[2])) as i64),
        Err(e) => e,
    }
}

pub fn smismember(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match sread(ctx, &argv[1]) {
        Ok(s) => Reply::Array(
            argv[2..]
                .iter()
                .map(|m| Reply::Int(s.is_some_and(|s| s.contains(m)) as i64))
                .collect(),
        ),
        Err(e) => e,
    }
}

pub fn smembers(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match sread(ctx, &argv[1]) {
        Ok(Some(s)) => members_reply(s.ordered().into_iter().cloned().collect()),
        Ok(None) => Reply::Set(Vec::new()),
        Err(e) => e,
    }
}

/// SRANDMEMBER key [count]: Redis's cases. Without a count one random member (nil for a
/// missing key); a negative count may repeat members; a count at least the set's size is
/// the whole set (as SUNION would give it); a smaller one, distinct members at random.
pub fn srandmember(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    use rand::RngExt;
    if argv.len() > 3 {
        return syntax();
    }
    let db = ctx.db();
    if argv.len() == 2 {
        let n = match sread(ctx, &argv[1]) {
            Ok(Some(s)) => s.len(),
            Ok(None) => return Reply::Nil,
            Err(e) => return e,
        };
        let i = ctx.core.rng.random_range(0..n);
        return match ctx.core.dbs[db].keys.get(&argv[1]).map(|o| &o.value) {
            Some(Value::Set(s)) => s
                .get_index(i)
                .map_or(Reply::Nil, |m| Reply::Bulk(m.clone())),
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
    let len = match sread(ctx, &argv[1]) {
        Ok(Some(s)) => s.len(),
        Ok(None) => return Reply::Array(Vec::new()),
        Err(e) => return e,
    };
    if l == 0 {
        return Reply::Array(Vec::new());
    }
    let Some(Value::Set(s)) = ctx.core.dbs[db].keys.get(&argv[1]).map(|o| &o.value) else {
        return Reply::Array(Vec::new());
    };
    if l < 0 {
        let picks: Vec<Vec<u8>> = (0..l.unsigned_abs())
            .filter_map(|_| s.get_index(ctx.core.rng.random_range(0..len)).cloned())
            .collect();
        return Reply::Array(picks.into_iter().map(Reply::Bulk).collect());
    }
    let count = l as usize;
    if count >= len {
        return Reply::Array(s.ordered().into_iter().cloned().map(Reply::Bulk).collect());
    }
    // Distinct members: a partial shuffle of the positions.
    let mut all: Vec<usize> = (0..len).collect();
    for i in 0..count {
        let j = ctx.core.rng.random_range(i..len);
        all.swap(i, j);
    }
    let picks: Vec<Vec<u8>> = all[..count]
        .iter()
        .filter_map(|&i| s.get_index(i).cloned())
        .collect();
    Reply::Array(picks.into_iter().map(Reply::Bulk).collect())
}

/// SPOP key [count]: random members removed. A count at least the set's size takes the
/// whole set (in SUNION's order) and deletes the key.
pub fn spop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    use rand::RngExt;
    if argv.len() > 3 {
        return syntax();
    }
    let key = &argv[1];
    let db = ctx.db();
    let count = match argv.get(2) {
        None => None,
        Some(a) => match crate::engine::util::parse_i64(a) {
            Some(v) if v >= 0 => Some(v as usize),
            _ => return Reply::err("ERR value is out of range, must be positive"),
        },
    };
    let len = match swrite(ctx, key) {
        Ok(Some(s)) => s.len(),
        Ok(None) => {
            return if count.is_some() {
                Reply::Set(Vec::new())
            } else {
                Reply::Nil
            }
        }
        Err(e) => return e,
    };
    if count == Some(0) {
        return Reply::Set(Vec::new());
    }
    // The set and the random generator are borrowed apart (swrite marked it dirty).
    let Some(Value::Set(s)) = ctx.core.dbs[db].keys.get_mut(key).map(|o| &mut o.value) else {
        return Reply::Nil;
    };
    let reply = match count {
        None => {
            let i = ctx.core.rng.random_range(0..len);
            let m = s.get_index(i).cloned().unwrap_or_default();
            s.remove(&m);
            ctx.core.stats.dirty += 1;
            Reply::Bulk(m)
        }
        Some(n) if n >= len => {
            let all: Vec<Vec<u8>> = s.ordered().into_iter().cloned().collect();
            ctx.core.notify(db, key, "spop");
            ctx.core.stats.dirty += len as u64;
            ctx.core.delete(db, key);
            ctx.core.notify(db, key, "del");
            return members_reply(all);
        }
        Some(n) => {
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                let i = ctx.core.rng.random_range(0..s.len());
                let m = s.get_index(i).cloned().unwrap_or_default();
                s.remove(&m);
                out.push(m);
            }
            ctx.core.stats.dirty += n as u64;
            members_reply(out)
        }
    };
    ctx.core.notify(db, key, "spop");
    drop_if_empty(ctx, key);
    reply
}

pub fn smove(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (src, dst, member) = (&argv[1], &argv[2], &argv[3]);
    let db = ctx.db();
    let max = max_intset(ctx);
    let present = match swrite(ctx, src) {
        Ok(Some(s)) => s.contains(member),
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    let dst_exists = match swrite(ctx, dst) {
        Ok(s) => s.is_some(),
        Err(e) => return e,
    };
    if src == dst {
        return Reply::Int(present as i64);
    }
    if !present {
        return Reply::Int(0);
    }
    if let Some(Value::Set(s)) = ctx.core.value_mut(db, src) {
        s.remove(member);
    }
    ctx.core.notify(db, src, "srem");
    drop_if_empty(ctx, src);
    if !dst_exists {
        ctx.core
            .add(db, dst, Value::Set(Box::new(Set::for_first(member))));
    }
    if let Some(Value::Set(s)) = ctx.core.value_mut(db, dst) {
        if s.add(member, max) {
            ctx.core.stats.dirty += 1;
            ctx.core.notify(db, dst, "sadd");
        }
    }
    ctx.core.stats.dirty += 1;
    Reply::Int(1)
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// The sets named by `keys` (None for missing keys), read as Redis reads them.
fn read_all(ctx: &mut Ctx, keys: &[Vec<u8>]) -> Result<Vec<Option<Set>>, Reply> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        out.push(sread(ctx, k)?.cloned());
    }
    Ok(out)
}

/// SINTER/SUNION/SDIFF over `sets`, as a set built the way Redis builds its result:
/// from an empty intset, members added in the order Redis visits them.
fn combine(sets: &[Option<Set>], op: Op, max: usize) -> Set {
    let mut out = Set::for_first(b"0");
    match op {
        Op::Inter => {
            if sets.iter().any(Option::is_none) {
                return out;
            }
            let sets: Vec<&Set> = sets.iter().flatten().collect();
            // Redis walks the smallest set and checks the others.
            let Some(small) = sets.iter().min_by_key(|s| s.len()) else {
                return out;
            };
            for m in small.ordered() {
                if sets.iter().all(|s| s.contains(m)) {
                    out.add(m, max);
                }
            }
        }
        Op::Union => {
            for s in sets.iter().flatten() {
                for m in s.ordered() {
                    out.add(m, max);
                }
            }
        }
        Op::Diff => {
            if let Some(Some(first)) = sets.first() {
                for m in first.ordered() {
                    if !sets[1..].iter().flatten().any(|s| s.contains(m)) {
                        out.add(m, max);
                    }
                }
            }
        }
    }
    out
}

fn setop(ctx: &mut Ctx, argv: &[Vec<u8>], op: Op, store: bool) -> Reply {
    let keys = if store { &argv[2..] } else { &argv[1..] };
    let sets = match read_all(ctx, keys) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let max = max_intset(ctx);
    let result = combine(&sets, op, max);
    if !store {
        return members_reply(result.ordered().into_iter().cloned().collect());
    }
    let db = ctx.db();
    let dest = &argv[1];
    let n = result.len();
    if n == 0 {
        if ctx.core.delete(db, dest) {
            ctx.core.notify(db, dest, "del");
            ctx.core.stats.dirty += 1;
        }
        return Reply::Int(0);
    }
    ctx.core
        .set_key(db, dest, Value::Set(Box::new(result)), false);
    let event = match op {
        Op::Inter => "sinterstore",
        Op::Union => "sunionstore",
        Op::Diff => "sdiffstore",
    };
    ctx.core.notify(db, dest, event);
    ctx.core.stats.dirty += 1;
    Reply::Int(n as i64)
}

pub fn sinter(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, Op::Inter, false)
}
pub fn sunion(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, Op::Union, false)
}
pub fn sdiff(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, Op::Diff, false)
}
pub fn sinterstore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, Op::Inter, true)
}
pub fn sunionstore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, Op::Union, true)
}
pub fn sdiffstore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, Op::Diff, true)
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn sintercard(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let n = match crate::engine::util::parse_i64(&argv[1]) {
        Some(n) if n > 0 => n as usize,
        _ => return Reply::err("ERR numkeys should be greater than 0"),
    };
    if n > argv.len() - 2 {
        return Reply::err("ERR Number of keys can't be greater than number of args");
    }
    let mut limit = 0usize;
    let mut j = 2 + n;
    while j < argv.len() {
        if eq(&argv[j], "limit") && j + 1 < argv.len() {
            match crate::engine::util::parse_i64(&argv[j + 1]) {
                Some(l) if l >= 0 => limit = l as usize,
                _ => return Reply::err("ERR LIMIT can't be negative"),
            }
            j += 2;
        } else {
            return syntax();
        }
    }
    let sets = match read_all(ctx, &argv[2..2 + n]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let max = max_intset(ctx);
    let n = combine(&sets, Op::Inter, max).len();
    Reply::Int(if limit > 0 { n.min(limit) } else { n } as i64)
}

/// SSCAN: an intset comes back whole (cursor 0), as in Redis; a hash table is walked in
/// its order, the cursor being the next position. Options are read once the key is
/// known to be a set.
pub fn sscan(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let cursor = match scan_cursor(&argv[2]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let (next, items) = match sread(ctx, &argv[1]) {
        Ok(Some(s)) => {
            let (count, pattern) = match scan_options(argv, 3) {
                Ok(o) => o,
                Err(e) => return e,
            };
            let all = s.ordered();
            let len = all.len() as u64;
            let (from, n) = if s.intset {
                (0, len)
            } else {
                (cursor.min(len), count as u64)
            };
            let to = (from + n).min(len);
            let items: Vec<Vec<u8>> = all[from as usize..to as usize]
                .iter()
                .filter(|m| pattern.is_none_or(|p| glob_match(p, m, false)))
                .map(|m| (*m).clone())
                .collect();
            (if s.intset || to >= len { 0 } else { to }, items)
        }
        Ok(None) => (0, Vec::new()),
        Err(e) => return e,
    };
    Reply::Array(vec![
        Reply::Bulk(next.to_string().into_bytes()),
        Reply::Array(items.into_iter().map(Reply::Bulk).collect()),
    ])
}
