//! List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LRANGE LLEN LINDEX LSET LINSERT
//! LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH
//! BLMPOP, as Redis 7.0's t_list.c answers them.

use super::{eq, int_arg, long_in, positive, syntax, timeout_arg, wrongtype};
use crate::engine::list::{End, List};
use crate::engine::object::Value;
use crate::engine::reply::errors;
use crate::engine::{Ctx, Reply};

fn lread<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a List>, Reply> {
    super::read_as(ctx, key, Value::as_list)
}

fn lwrite<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut List>, Reply> {
    super::write_as(ctx, key, Value::as_list_mut)
}

/// The list at `key`, created empty (and added to the keyspace) when missing. Callers
/// have checked the key's type; another type answers None.
fn lcreate<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut List> {
    let db = ctx.db();
    if !ctx.core.dbs[db].keys.contains(key) {
        let mut l = List::default();
        l.set_fill(ctx.core.config.list_max_listpack_size);
        ctx.core.add(db, key, Value::List(Box::new(l)));
    }
    match ctx.core.value_mut(db, key) {
        Some(Value::List(l)) => Some(l),
        _ => None,
    }
}

/// After elements left a list: the pop event, and the key goes when it is empty
/// (Redis's `listElementsRemoved`).
fn removed(ctx: &mut Ctx, key: &[u8], end: End, n: u64) {
    let db = ctx.db();
    ctx.core.notify(db, key, end.pop_event());
    let empty = matches!(ctx.core.dbs[db].keys.get(key).map(|o| &o.value), Some(Value::List(l)) if l.is_empty());
    if empty {
        ctx.core.delete(db, key);
        ctx.core.notify(db, key, "del");
    }
    ctx.core.stats.dirty += n;
}

fn push(ctx: &mut Ctx, argv: &[Vec<u8>], end: End, xx: bool) -> Reply {
    let key = &argv[1];
    let found = if xx {
        lwrite(ctx, key)
    } else {
        let fill = ctx.core.config.list_max_listpack_size;
        let make = || {
            let mut l = List::default();
            l.set_fill(fill);
            Value::List(Box::new(l))
        };
        super::write_or_create(ctx, key, Value::as_list_mut, make).map(Some)
    };
    let l = match found {
        Ok(Some(l)) => l,
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    for v in &argv[2..] {
        l.push(end, v.clone());
    }
    let len = l.len() as i64;
    let db = ctx.db();
    ctx.core.stats.dirty += argv.len() as u64 - 2;
    ctx.core.notify(db, key, end.push_event());
    Reply::Int(len)
}

pub fn lpush(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    push(ctx, argv, End::Left, false)
}
pub fn rpush(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    push(ctx, argv, End::Right, false)
}
pub fn lpushx(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    push(ctx, argv, End::Left, true)
}
pub fn rpushx(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    push(ctx, argv, End::Right, true)
}

fn pop(ctx: &mut Ctx, argv: &[Vec<u8>], end: End) -> Reply {
    if argv.len() > 3 {
        let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        return Reply::Error(format!(
            "ERR wrong number of arguments for '{name}' command"
        ));
    }
    let count = match argv.get(2) {
        Some(a) => match positive(a, None) {
            Ok(c) => Some(c as usize),
            Err(e) => return e,
        },
        None => None,
    };
    let key = &argv[1];
    let l = match lwrite(ctx, key) {
        Ok(Some(l)) => l,
        Ok(None) => {
            return if count.is_some() {
                Reply::NilArray
            } else {
                Reply::Nil
            }
        }
        Err(e) => return e,
    };
    let reply = match count {
        Some(0) => return Reply::Array(Vec::new()),
        None => Reply::Bulk(l.pop(end).unwrap_or_default()),
        Some(n) => Reply::Array((0..n).map_while(|_| l.pop(end)).map(Reply::Bulk).collect()),
    };
    let n = match &reply {
        Reply::Array(v) => v.len() as u64,
        _ => 1,
    };
    removed(ctx, key, end, n);
    reply
}

pub fn lpop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    pop(ctx, argv, End::Left)
}
pub fn rpop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    pop(ctx, argv, End::Right)
}

pub fn llen(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match lread(ctx, &argv[1]) {
        Ok(l) => Reply::Int(l.map_or(0, |l| l.len() as i64)),
        Err(e) => e,
    }
}

/// A start..end range (inclusive, negatives from the end) clamped to a list of `len`,
/// or None when it is empty: Redis's LRANGE/LTRIM arithmetic.
fn clamp(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

pub fn lrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (start, end) = match (int_arg(&argv[2]), int_arg(&argv[3])) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    match lread(ctx, &argv[1]) {
        Ok(Some(l)) => match clamp(start, end, l.len()) {
            Some((a, b)) => Reply::Array(
                l.iter()
                    .skip(a)
                    .take(b - a + 1)
                    .map(|v| Reply::Bulk(v.clone()))
                    .collect(),
            ),
            None => Reply::Array(Vec::new()),
        },
        Ok(None) => Reply::Array(Vec::new()),
        Err(e) => e,
    }
}

/// A list index (negative from the end) as a position, if it is inside.
fn position(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

pub fn lindex(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    // Redis looks the key up before it reads the index.
    match lread(ctx, &argv[1]) {
        Ok(Some(l)) => match int_arg(&argv[2]) {
            Ok(index) => position(index, l.len()),
            Err(e) => return e,
        }
        .and_then(|i| l.get(i))
        .map_or(Reply::Nil, |v| Reply::Bulk(v.clone())),
        Ok(None) => Reply::Nil,
        Err(e) => e,
    }
}

pub fn lset(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let l = match lwrite(ctx, key) {
        Ok(Some(l)) => l,
        Ok(None) => return Reply::err(errors::NO_SUCH_KEY),
        Err(e) => return e,
    };
    let index = match int_arg(&argv[2]) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let Some(i) = position(index, l.len()) else {
        return Reply::err(errors::OUT_OF_RANGE);
    };
    l.set(i, argv[3].clone());
    let db = ctx.db();
    ctx.core.notify(db, key, "lset");
    ctx.core.stats.dirty += 1;
    Reply::ok()
}

pub fn linsert(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let after = if eq(&argv[2], "after") {
        true
    } else if eq(&argv[2], "before") {
        false
    } else {
        return syntax();
    };
    let key = &argv[1];
    let l = match lwrite(ctx, key) {
        Ok(Some(l)) => l,
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    let Some(at) = l.iter().position(|v| *v == argv[3]) else {
        return Reply::Int(-1);
    };
    l.insert_at(at, after, argv[4].clone());
    let len = l.len() as i64;
    let db = ctx.db();
    ctx.core.notify(db, key, "linsert");
    ctx.core.stats.dirty += 1;
    Reply::Int(len)
}

pub fn lrem(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let count = match int_arg(&argv[2]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let key = &argv[1];
    let l = match lwrite(ctx, key) {
        Ok(Some(l)) => l,
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    let target = &argv[3];
    let limit = if count == 0 {
        usize::MAX
    } else {
        count.unsigned_abs() as usize
    };
    let mut gone = 0;
    if count >= 0 {
        let mut i = 0;
        while i < l.len() && gone < limit {
            if l.get(i) == Some(target) {
                l.remove(i);
                gone += 1;
            } else {
                i += 1;
            }
        }
    } else {
        let mut i = l.len();
        while i > 0 && gone < limit {
            i -= 1;
            if l.get(i) == Some(target) {
                l.remove(i);
                gone += 1;
            }
        }
    }
    let empty = l.is_empty();
    let db = ctx.db();
    if gone > 0 {
        ctx.core.notify(db, key, "lrem");
        ctx.core.stats.dirty += gone as u64;
    }
    if empty {
        ctx.core.delete(db, key);
        ctx.core.notify(db, key, "del");
    }
    Reply::Int(gone as i64)
}

pub fn ltrim(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (start, end) = match (int_arg(&argv[2]), int_arg(&argv[3])) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let key = &argv[1];
    let l = match lwrite(ctx, key) {
        Ok(Some(l)) => l,
        Ok(None) => return Reply::ok(),
        Err(e) => return e,
    };
    let before = l.len();
    match clamp(start, end, before) {
        Some((a, b)) => l.keep(a, b),
        None => l.clear(),
    }
    let trimmed = (before - l.len()) as u64;
    let empty = l.is_empty();
    let db = ctx.db();
    ctx.core.notify(db, key, "ltrim");
    if empty {
        ctx.core.delete(db, key);
        ctx.core.notify(db, key, "del");
    }
    ctx.core.stats.dirty += trimmed;
    Reply::ok()
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len], walked as Redis
/// walks it (down to its wrapping arithmetic: RANK -9223372036854775808 acts as -1).
pub fn lpos(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<i64>, 0usize);
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if eq(&argv[j], "rank") && more {
            match int_arg(&argv[j + 1]) {
                Ok(0) => {
                    return Reply::err(
                        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                    )
                }
                Ok(r) => rank = r,
                Err(e) => return e,
            }
        } else if eq(&argv[j], "count") && more {
            match positive(&argv[j + 1], Some("COUNT can't be negative")) {
                Ok(c) => count = Some(c),
                Err(e) => return e,
            }
        } else if eq(&argv[j], "maxlen") && more {
            match positive(&argv[j + 1], Some("MAXLEN can't be negative")) {
                Ok(m) => maxlen = m as usize,
                Err(e) => return e,
            }
        } else {
            return syntax();
        }
        j += 2;
    }
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let l = match lread(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) => {
            return if count.is_some() {
                Reply::Array(Vec::new())
            } else {
                Reply::Nil
            }
        }
        Err(e) => return e,
    };
    let len = l.len();
    let target = &argv[2];
    let mut found = Vec::new();
    let mut matches = 0i64;
    let order: Box<dyn Iterator<Item = (usize, &Vec<u8>)>> = if from_tail {
        Box::new(l.iter().rev().enumerate().map(|(k, v)| (len - 1 - k, v)))
    } else {
        Box::new(l.iter().enumerate())
    };
    for (index, (pos, v)) in order.enumerate() {
        if maxlen != 0 && index >= maxlen {
            break;
        }
        if v != target {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(pos);
            match count {
                None => break,
                Some(c) if c != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= c => break,
                _ => {}
            }
        }
    }
    match count {
        Some(_) => Reply::Array(found.into_iter().map(|i| Reply::Int(i as i64)).collect()),
        None => found.first().map_or(Reply::Nil, |&i| Reply::Int(i as i64)),
    }
}

/// Pops from `src` at `from` and pushes onto `dst` at `to`, with Redis's events (the
/// push on the destination first, then the pop on the source). `None` when the source
/// is missing or empty; WRONGTYPE for either key of another type.
fn do_move(
    ctx: &mut Ctx,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
) -> Result<Option<Vec<u8>>, Reply> {
    match lwrite(ctx, src)? {
        Some(l) if !l.is_empty() => {}
        _ => return Ok(None),
    }
    lwrite(ctx, dst)?;
    let db = ctx.db();
    let v = match ctx.core.value_mut(db, src) {
        Some(Value::List(l)) => l.pop(from),
        _ => None,
    };
    let Some(v) = v else { return Ok(None) };
    lcreate(ctx, dst).ok_or_else(wrongtype)?.push(to, v.clone());
    ctx.core.notify(db, dst, to.push_event());
    removed(ctx, src, from, 1);
    Ok(Some(v))
}

fn ends(a: &[u8], b: &[u8]) -> Result<(End, End), Reply> {
    match (End::parse(a), End::parse(b)) {
        (Some(x), Some(y)) => Ok((x, y)),
        _ => Err(syntax()),
    }
}

pub fn lmove(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (from, to) = match ends(&argv[3], &argv[4]) {
        Ok(e) => e,
        Err(e) => return e,
    };
    match do_move(ctx, &argv[1], &argv[2], from, to) {
        Ok(v) => v.map_or(Reply::Nil, Reply::Bulk),
        Err(e) => e,
    }
}

pub fn rpoplpush(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match do_move(ctx, &argv[1], &argv[2], End::Right, End::Left) {
        Ok(v) => v.map_or(Reply::Nil, Reply::Bulk),
        Err(e) => e,
    }
}

/// LMPOP's arguments from `at` (numkeys): the keys, the end, the count.
fn mpop_args(argv: &[Vec<u8>], at: usize) -> Result<(&[Vec<u8>], End, usize), Reply> {
    let n = long_in(
        &argv[at],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    )? as usize;
    let where_at = at + 1 + n;
    if where_at >= argv.len() {
        return Err(syntax());
    }
    let end = End::parse(&argv[where_at]).ok_or_else(syntax)?;
    let mut count = None;
    let mut j = where_at + 1;
    while j < argv.len() {
        if count.is_none() && eq(&argv[j], "count") && j + 1 < argv.len() {
            count = Some(long_in(
                &argv[j + 1],
                1,
                i64::MAX,
                Some("count should be greater than 0"),
            )? as usize);
            j += 2;
        } else {
            return Err(syntax());
        }
    }
    Ok((&argv[at + 1..where_at], end, count.unwrap_or(1)))
}

/// Pops up to `count` from the first non-empty list of `keys`: [key, [elements]].
fn mpop(ctx: &mut Ctx, keys: &[Vec<u8>], end: End, count: usize) -> Result<Option<Reply>, Reply> {
    for key in keys {
        let Some(l) = lwrite(ctx, key)? else { continue };
        if l.is_empty() {
            continue;
        }
        let items: Vec<Reply> = (0..count)
            .map_while(|_| l.pop(end))
            .map(Reply::Bulk)
            .collect();
        let n = items.len() as u64;
        removed(ctx, key, end, n);
        return Ok(Some(Reply::Array(vec![
            Reply::Bulk(key.clone()),
            Reply::Array(items),
        ])));
    }
    Ok(None)
}

pub fn lmpop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (keys, end, count) = match mpop_args(argv, 1) {
        Ok(a) => a,
        Err(e) => return e,
    };
    match mpop(ctx, keys, end, count) {
        Ok(r) => r.unwrap_or(Reply::NilArray),
        Err(e) => e,
    }
}

/// Parks the client until `deadline` (None: forever) or until a write serves it.
fn block(ctx: &mut Ctx, deadline: Option<i64>) -> Reply {
    ctx.client().block_deadline = deadline;
    Reply::Blocked
}

fn bpop(ctx: &mut Ctx, argv: &[Vec<u8>], end: End) -> Reply {
    let deadline = match timeout_arg(ctx, &argv[argv.len() - 1]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    for key in &argv[1..argv.len() - 1] {
        let l = match lwrite(ctx, key) {
            Ok(Some(l)) if !l.is_empty() => l,
            Ok(_) => continue,
            Err(e) => return e,
        };
        let v = l.pop(end).unwrap_or_default();
        removed(ctx, key, end, 1);
        return Reply::Array(vec![Reply::Bulk(key.clone()), Reply::Bulk(v)]);
    }
    block(ctx, deadline)
}

pub fn blpop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bpop(ctx, argv, End::Left)
}
pub fn brpop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bpop(ctx, argv, End::Right)
}

fn bmove(ctx: &mut Ctx, argv: &[Vec<u8>], from: End, to: End, timeout_at: usize) -> Reply {
    let deadline = match timeout_arg(ctx, &argv[timeout_at]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    match do_move(ctx, &argv[1], &argv[2], from, to) {
        Ok(Some(v)) => Reply::Bulk(v),
        Ok(None) => block(ctx, deadline),
        Err(e) => e,
    }
}

pub fn blmove(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (from, to) = match ends(&argv[3], &argv[4]) {
        Ok(e) => e,
        Err(e) => return e,
    };
    bmove(ctx, argv, from, to, 5)
}

pub fn brpoplpush(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bmove(ctx, argv, End::Right, End::Left, 3)
}

pub fn blmpop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let deadline = match timeout_arg(ctx, &argv[1]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let (keys, end, count) = match mpop_args(argv, 2) {
        Ok(a) => a,
        Err(e) => return e,
    };
    match mpop(ctx, keys, end, count) {
        Ok(Some(r)) => r,
        Ok(None) => block(ctx, deadline),
        Err(e) => e,
    }
}
