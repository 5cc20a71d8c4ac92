//! Sorted-set commands (Redis's t_zset.c). The data structure is in `engine::zset`.

use super::{eq, int_arg, long_in, positive, syntax, timeout_arg, wrongtype};
use crate::engine::object::Value;
use crate::engine::reply::{errors, format_double_g17};
use crate::engine::util::glob_match;
use crate::engine::zset::{parse_score, LexBound, LexRange, ScoreRange, ZSet};
use crate::engine::{Ctx, Reply};

/// Members with their scores, in reply order.
type Items = Vec<(Vec<u8>, f64)>;

fn not_float() -> Reply {
    Reply::err(errors::NOT_FLOAT)
}

/// C's `strtod` as Redis's range parsing uses it, without Redis's extra checks: leading
/// spaces allowed, overflow to infinity and underflow to zero accepted, "" is 0.
fn strtod_loose(a: &[u8]) -> Option<f64> {
    if a.is_empty() {
        return Some(0.0);
    }
    let start = a
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let body = &a[start..];
    if let Some(v) = parse_score(body) {
        return Some(v);
    }
    // parse_score refuses overflow and underflow; strtod clamps them instead.
    let text = std::str::from_utf8(body).ok()?;
    let v: f64 = text.parse().ok()?;
    (!v.is_nan()).then_some(v)
}

/// A score range bound: `(x` is open.
fn range_bound(a: &[u8]) -> Option<(f64, bool)> {
    match a.first() {
        Some(b'(') => strtod_loose(&a[1..])
            .filter(|v| !v.is_nan())
            .map(|v| (v, true)),
        _ => strtod_loose(a).filter(|v| !v.is_nan()).map(|v| (v, false)),
    }
}

fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, Reply> {
    match (range_bound(min), range_bound(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        }),
        _ => Err(Reply::err("ERR min or max is not a float")),
    }
}

fn lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, Reply> {
    match (LexBound::parse(min), LexBound::parse(max)) {
        (Some(min), Some(max)) => Ok(LexRange { min, max }),
        _ => Err(Reply::err("ERR min or max not valid string range item")),
    }
}

/// The sorted set at `key` for reading (counting a hit or miss); WRONGTYPE otherwise.
pub(super) fn zread<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a ZSet>, Reply> {
    let db = ctx.db();
    match ctx.core.lookup_read(db, key) {
        None => Ok(None),
        Some(o) => match &o.value {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(wrongtype()),
        },
    }
}

/// The sorted set at `key` for writing; WRONGTYPE otherwise.
fn zwrite<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut ZSet>, Reply> {
    let db = ctx.db();
    match ctx.core.lookup_write(db, key) {
        None => Ok(None),
        Some(o) => match &mut o.value {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(wrongtype()),
        },
    }
}

fn resp3(ctx: &Ctx) -> bool {
    ctx.client_ref().resp >= 3
}

/// Members with scores: a flat array in RESP2, [member, score] pairs in RESP3.
fn pairs_reply(nested: bool, items: Vec<(Vec<u8>, f64)>) -> Reply {
    if nested {
        Reply::Array(
            items
                .into_iter()
                .map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)]))
                .collect(),
        )
    } else {
        Reply::Array(
            items
                .into_iter()
                .flat_map(|(m, s)| [Reply::Bulk(m), Reply::Double(s)])
                .collect(),
        )
    }
}

/// Deletes a sorted set that became empty, as Redis does after every removal.
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let db = ctx.db();
    let empty = matches!(ctx.core.dbs[db].keys.get(key).map(|o| &o.value), Some(Value::ZSet(z)) if z.is_empty());
    if empty {
        ctx.core.delete(db, key);
        ctx.core.notify(db, key, "del");
    }
}

pub fn zadd(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zadd_generic(ctx, argv, false)
}

pub fn zincrby(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zadd_generic(ctx, argv, true)
}

fn zadd_generic(ctx: &mut Ctx, argv: &[Vec<u8>], zincrby: bool) -> Reply {
    let key = &argv[1];
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, zincrby);
    let mut i = 2;
    if !zincrby {
        while i < argv.len() {
            let a = &argv[i];
            if eq(a, "nx") {
                nx = true
            } else if eq(a, "xx") {
                xx = true
            } else if eq(a, "ch") {
                ch = true
            } else if eq(a, "incr") {
                incr = true
            } else if eq(a, "gt") {
                gt = true
            } else if eq(a, "lt") {
                lt = true
            } else {
                break;
            }
            i += 1;
        }
    }
    let rest = &argv[i..];
    if rest.is_empty() || rest.len() % 2 != 0 {
        return syntax();
    }
    if nx && xx {
        return Reply::err("ERR XX and NX options at the same time are not compatible");
    }
    if (nx && (gt || lt)) || (gt && lt) {
        return Reply::err("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if incr && rest.len() > 2 {
        return Reply::err("ERR INCR option supports a single increment-element pair");
    }
    let mut scores = Vec::with_capacity(rest.len() / 2);
    for pair in rest.chunks(2) {
        match parse_score(&pair[0]) {
            Some(s) => scores.push(s),
            None => return not_float(),
        }
    }
    let db = ctx.db();
    let max_entries = ctx.core.config.zset_max_listpack_entries.max(0) as usize;
    let max_value = ctx.core.config.zset_max_listpack_value.max(0) as usize;
    let exists = match zwrite(ctx, key) {
        Ok(z) => z.is_some(),
        Err(e) => return e,
    };
    if !exists {
        if xx {
            return if incr { Reply::Nil } else { Reply::Int(0) };
        }
        let listpack = max_entries > 0 && rest[1].len() <= max_value;
        ctx.core
            .add(db, key, Value::ZSet(Box::new(ZSet::new(listpack))));
    }
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last_score = 0.0;
    let core = &mut *ctx.core;
    core.mark_dirty(db, key);
    let Some(Value::ZSet(z)) = core.dbs[db].keys.get_mut(key).map(|o| &mut o.value) else {
        return wrongtype();
    };
    let mut nan = false;
    for (pair, &score) in rest.chunks(2).zip(&scores) {
        let member = &pair[1];
        // A listpack keeps no -0: Redis reads a stored -0 back as 0.
        match z.score(member).map(|cur| z.shown(cur)) {
            Some(cur) => {
                if nx {
                    continue;
                }
                let new = if incr { score + cur } else { score };
                if new.is_nan() {
                    nan = true;
                    break;
                }
                if (lt && new >= cur) || (gt && new <= cur) {
                    continue;
                }
                last_score = new;
                processed += 1;
                if new != cur {
                    z.set_score(member, new, &mut core.rng);
                    updated += 1;
                }
            }
            None => {
                if xx {
                    continue;
                }
                if score.is_nan() {
                    nan = true;
                    break;
                }
                z.insert(member, score, &mut core.rng);
                z.convert_if_needed(max_entries, max_value, member.len());
                last_score = score;
                processed += 1;
                added += 1;
            }
        }
    }
    if added + updated > 0 {
        core.stats.dirty += (added + updated) as u64;
        core.notify(db, key, if incr { "zincr" } else { "zadd" });
    }
    if nan {
        drop_if_empty(ctx, key);
        return Reply::err("ERR resulting score is not a number (NaN)");
    }
    drop_if_empty(ctx, key);
    if incr {
        // The score as computed, not as stored: ZINCRBY k -0 new answers -0.
        if processed > 0 {
            Reply::Double(last_score)
        } else {
            Reply::Nil
        }
    } else {
        Reply::Int(if ch { added + updated } else { added })
    }
}

pub fn zcard(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match zread(ctx, &argv[1]) {
        Ok(z) => Reply::Int(z.map_or(0, |z| z.len() as i64)),
        Err(e) => e,
    }
}

pub fn zscore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match zread(ctx, &argv[1]) {
        Ok(Some(z)) => z
            .score(&argv[2])
            .map_or(Reply::Nil, |s| Reply::Double(z.shown(s))),
        Ok(None) => Reply::Nil,
        Err(e) => e,
    }
}

pub fn zmscore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match zread(ctx, &argv[1]) {
        Ok(z) => Reply::Array(
            argv[2..]
                .iter()
                .map(|m| {
                    z.and_then(|z| z.score(m).map(|s| z.shown(s)))
                        .map_or(Reply::Nil, Reply::Double)
                })
                .collect(),
        ),
        Err(e) => e,
    }
}

fn zrank_generic(ctx: &mut Ctx, argv: &[Vec<u8>], reverse: bool) -> Reply {
    match zread(ctx, &argv[1]) {
        Ok(Some(z)) => z
            .rank(&argv[2], reverse)
            .map_or(Reply::Nil, |r| Reply::Int(r as i64)),
        Ok(None) => Reply::Nil,
        Err(e) => e,
    }
}

pub fn zrank(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zrank_generic(ctx, argv, false)
}

pub fn zrevrank(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zrank_generic(ctx, argv, true)
}

pub fn zcount(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let r = match score_range(&argv[2], &argv[3]) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match zread(ctx, &argv[1]) {
        Ok(Some(z)) => Reply::Int(z.zsl.score_span(&r, false).0 as i64),
        Ok(None) => Reply::Int(0),
        Err(e) => e,
    }
}

pub fn zlexcount(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let r = match lex_range(&argv[2], &argv[3]) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match zread(ctx, &argv[1]) {
        Ok(Some(z)) => Reply::Int(z.zsl.lex_count(&r, z.listpack)),
        Ok(None) => Reply::Int(0),
        Err(e) => e,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Everything ZRANGE and its older forms can ask for.
struct RangeQuery {
    kind: RangeKind,
    reverse: bool,
    withscores: bool,
    offset: i64,
    limit: i64,
}

/// Selects elements for ZRANGE & co., returning `item(member, score)` of each in reply
/// order.
fn select<T>(
    z: &ZSet,
    q: &RangeQuery,
    min: &[u8],
    max: &[u8],
    item: impl Fn(&[u8], f64) -> T,
) -> Result<Vec<T>, Reply> {
    Ok(match q.kind {
        RangeKind::Rank | RangeKind::Auto => {
            let len = z.len() as i64;
            let (mut start, mut end) = (int_arg(min)?, int_arg(max)?);
            if start < 0 {
                start += len;
            }
            if end < 0 {
                end += len;
            }
            start = start.max(0);
            if start > end || start >= len {
                return Ok(Vec::new());
            }
            end = end.min(len - 1);
            z.zsl
                .range_by_rank(start as u64, (end - start + 1) as u64, q.reverse)
                .into_iter()
                .map(|(m, s)| item(m, s))
                .collect()
        }
        RangeKind::Score => {
            let r = score_range(min, max)?;
            if q.offset < 0 {
                return Ok(Vec::new());
            }
            // Counted first, so the result is allocated once at its size.
            let (count, it) = z.zsl.score_span(&r, q.reverse);
            let offset = usize::try_from(q.offset).unwrap_or(usize::MAX);
            let n = count
                .saturating_sub(offset)
                .min(usize::try_from(q.limit).unwrap_or(usize::MAX));
            let mut out = Vec::with_capacity(n);
            out.extend(it.skip(offset).take(n).map(|(m, s)| item(m, s)));
            out
        }
        RangeKind::Lex => {
            // Redis skips the offset unchecked, then stops at the first element out of
            // range (which matters only when members have different scores).
            let r = lex_range(min, max)?;
            if q.offset < 0 {
                return Ok(Vec::new());
            }
            let n = usize::try_from(q.limit).unwrap_or(usize::MAX);
            z.zsl
                .iter_lex(&r, q.reverse, z.listpack)
                .skip(q.offset as usize)
                .take(n)
                .take_while(|&(m, _)| r.holds_end(m, q.reverse))
                .map(|(m, s)| item(m, s))
                .collect()
        }
    })
}

/// The members a ZCOUNT (`bylex`: ZLEXCOUNT) over `min`..`max` counts, in order, found
/// by the same code ZRANGE … BYSCORE (BYLEX) runs: a read-only view for the browser's
/// panels, which show what a count covered. None for a range that does not parse.
pub fn members_in_range(z: &ZSet, bylex: bool, min: &[u8], max: &[u8]) -> Option<Vec<Vec<u8>>> {
    let q = RangeQuery {
        kind: if bylex {
            RangeKind::Lex
        } else {
            RangeKind::Score
        },
        reverse: false,
        withscores: false,
        offset: 0,
        limit: -1,
    };
    select(z, &q, min, max, |m, _| m.to_vec()).ok()
}

/// ZRANGE, ZRANGESTORE and the legacy forms. `at` is the index of the source key;
/// `store` the destination for ZRANGESTORE.
fn zrange_generic(
    ctx: &mut Ctx,
    argv: &[Vec<u8>],
    at: usize,
    store: Option<&[u8]>,
    mut kind: RangeKind,
    fixed_reverse: Option<bool>,
) -> Reply {
    let mut q = RangeQuery {
        kind,
        reverse: fixed_reverse.unwrap_or(false),
        withscores: false,
        offset: 0,
        limit: -1,
    };
    let mut j = at + 3;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if store.is_none() && eq(a, "withscores") {
            q.withscores = true;
        } else if eq(a, "limit") && left >= 2 {
            match (int_arg(&argv[j + 1]), int_arg(&argv[j + 2])) {
                (Ok(o), Ok(l)) => {
                    q.offset = o;
                    q.limit = l;
                }
                (Err(e), _) | (_, Err(e)) => return e,
            }
            j += 2;
        } else if fixed_reverse.is_none() && !q.reverse && eq(a, "rev") {
            // REV may appear once: after it the direction is no longer "auto".
            q.reverse = true;
        } else if kind == RangeKind::Auto && eq(a, "bylex") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && eq(a, "byscore") {
            kind = RangeKind::Score;
        } else {
            return syntax();
        }
        j += 1;
    }
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    q.kind = kind;
    let limited = !(q.offset == 0 && q.limit == -1);
    if limited && kind == RangeKind::Rank {
        return Reply::err(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if q.withscores && kind == RangeKind::Lex {
        return Reply::err("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    let (mut min, mut max) = (&argv[at + 1][..], &argv[at + 2][..]);
    if q.reverse && kind != RangeKind::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    // Parse the range before touching the key, as Redis does.
    let parsed = match kind {
        RangeKind::Rank | RangeKind::Auto => int_arg(min).and(int_arg(max)).map(|_| ()),
        RangeKind::Score => score_range(min, max).map(|_| ()),
        RangeKind::Lex => lex_range(min, max).map(|_| ()),
    };
    if let Err(e) = parsed {
        return e;
    }
    let nested = resp3(ctx);
    if store.is_none() && !q.withscores {
        // Members only: the reply's items are made as the range is walked.
        return match zread(ctx, &argv[at]) {
            Ok(Some(z)) => select(z, &q, min, max, |m, _| Reply::Bulk(m.to_vec()))
                .map_or_else(|e| e, Reply::Array),
            Ok(None) => Reply::Array(Vec::new()),
            Err(e) => e,
        };
    }
    let items = match zread(ctx, &argv[at]) {
        Ok(Some(z)) => match select(z, &q, min, max, |m, s| (m.to_vec(), z.shown(s))) {
            Ok(items) => items,
            Err(e) => return e,
        },
        Ok(None) => Vec::new(),
        Err(e) => return e,
    };
    if let Some(dest) = store {
        return store_result(ctx, dest, items, "zrangestore");
    }
    pairs_reply(nested, items)
}

/// Stores a result set as a sorted set (or deletes the destination when it is empty),
/// choosing the encoding Redis would choose, and replies with its size.
/// `event` is the notification Redis sends for the stored key (`zrangestore`,
/// `zunionstore`, `geosearchstore` …); an empty result deletes it (`del`).
pub(crate) fn store_result(
    ctx: &mut Ctx,
    dest: &[u8],
    items: Vec<(Vec<u8>, f64)>,
    event: &'static str,
) -> Reply {
    let db = ctx.db();
    let n = items.len();
    if n == 0 {
        if ctx.core.delete(db, dest) {
            ctx.core.notify(db, dest, "del");
            ctx.core.stats.dirty += 1;
        }
        return Reply::Int(0);
    }
    let max_entries = ctx.core.config.zset_max_listpack_entries.max(0) as usize;
    let max_value = ctx.core.config.zset_max_listpack_value.max(0) as usize;
    let longest = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let mut z = ZSet::new(n <= max_entries && longest <= max_value);
    for (m, s) in items {
        if z.score(&m).is_none() {
            z.insert(&m, s, &mut ctx.core.rng);
        }
    }
    let len = z.len();
    ctx.core.set_key(db, dest, Value::ZSet(Box::new(z)), false);
    ctx.core.notify(db, dest, event);
    ctx.core.stats.dirty += 1;
    Reply::Int(len as i64)
}

pub fn zrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zrange_generic(ctx, argv, 1, None, RangeKind::Auto, None)
}

pub fn zrangestore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let dest = argv[1].clone();
    zrange_generic(ctx, argv, 2, Some(&dest), RangeKind::Auto, None)
}

pub fn zrevrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zrange_generic(ctx, argv, 1, None, RangeKind::Rank, Some(true))
}

pub fn zrangebyscore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zrange_generic(ctx, argv, 1, None, RangeKind::Score, Some(false))
}

pub fn zrevrangebyscore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zrange_generic(ctx, argv, 1, None, RangeKind::Score, Some(true))
}

pub fn zrangebylex(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zrange_generic(ctx, argv, 1, None, RangeKind::Lex, Some(false))
}

pub fn zrevrangebylex(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zrange_generic(ctx, argv, 1, None, RangeKind::Lex, Some(true))
}

pub fn zrem(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let db = ctx.db();
    let deleted = match zwrite(ctx, key) {
        Ok(Some(z)) => argv[2..].iter().filter(|m| z.remove(m).is_some()).count(),
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    if deleted > 0 {
        ctx.core.notify(db, key, "zrem");
        ctx.core.stats.dirty += deleted as u64;
    }
    drop_if_empty(ctx, key);
    Reply::Int(deleted as i64)
}

fn zremrange(ctx: &mut Ctx, argv: &[Vec<u8>], kind: RangeKind, event: &'static str) -> Reply {
    let key = &argv[1];
    let q = RangeQuery {
        kind,
        reverse: false,
        withscores: false,
        offset: 0,
        limit: -1,
    };
    // Parse first: a bad range is an error even for a missing key.
    let check = match kind {
        RangeKind::Score => score_range(&argv[2], &argv[3]).map(|_| ()),
        RangeKind::Lex => lex_range(&argv[2], &argv[3]).map(|_| ()),
        _ => int_arg(&argv[2]).and(int_arg(&argv[3])).map(|_| ()),
    };
    if let Err(e) = check {
        return e;
    }
    let db = ctx.db();
    let removed = match zwrite(ctx, key) {
        Ok(Some(z)) if kind == RangeKind::Lex && !z.listpack => {
            // A skip list's ZREMRANGEBYLEX walks from its descent with no first/last check.
            let r = lex_range(&argv[2], &argv[3]).unwrap_or(LexRange {
                min: LexBound::PlusInf,
                max: LexBound::MinusInf,
            });
            let items: Vec<Vec<u8>> = z
                .zsl
                .iter_lex_unchecked(&r)
                .take_while(|&(m, _)| r.lte_max(m))
                .map(|(m, _)| m.to_vec())
                .collect();
            for m in &items {
                z.remove(m);
            }
            items.len()
        }
        Ok(Some(z)) => match select(z, &q, &argv[2], &argv[3], |m, _| m.to_vec()) {
            Ok(items) => {
                for m in &items {
                    z.remove(m);
                }
                items.len()
            }
            Err(e) => return e,
        },
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    if removed > 0 {
        ctx.core.notify(db, key, event);
        ctx.core.stats.dirty += removed as u64;
    }
    drop_if_empty(ctx, key);
    Reply::Int(removed as i64)
}

pub fn zremrangebyrank(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zremrange(ctx, argv, RangeKind::Rank, "zremrangebyrank")
}

pub fn zremrangebyscore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zremrange(ctx, argv, RangeKind::Score, "zremrangebyscore")
}

pub fn zremrangebylex(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zremrange(ctx, argv, RangeKind::Lex, "zremrangebylex")
}

/// Pops up to `count` lowest (or highest) elements from the first non-empty key.
/// Returns the key and the elements, or None when every key is missing.
fn pop(
    ctx: &mut Ctx,
    keys: &[Vec<u8>],
    max: bool,
    count: usize,
) -> Result<Option<(Vec<u8>, Items)>, Reply> {
    let db = ctx.db();
    for key in keys {
        let items = match zwrite(ctx, key)? {
            None => continue,
            Some(z) => {
                let items: Vec<(Vec<u8>, f64)> = z
                    .zsl
                    .range_by_rank(0, count as u64, max)
                    .into_iter()
                    .map(|(m, s)| (m.to_vec(), z.shown(s)))
                    .collect();
                for (m, _) in &items {
                    z.remove(m);
                }
                items
            }
        };
        if !items.is_empty() {
            ctx.core
                .notify(db, key, if max { "zpopmax" } else { "zpopmin" });
            ctx.core.stats.dirty += items.len() as u64;
        }
        drop_if_empty(ctx, key);
        return Ok(Some((key.clone(), items)));
    }
    Ok(None)
}

fn zpop_generic(ctx: &mut Ctx, argv: &[Vec<u8>], max: bool) -> Reply {
    if argv.len() > 3 {
        return syntax();
    }
    let count = match argv.get(2) {
        Some(a) => match positive(a, None) {
            Ok(c) => Some(c as usize),
            Err(e) => return e,
        },
        None => None,
    };
    let nested = resp3(ctx) && count.is_some();
    if count == Some(0) {
        return match zread(ctx, &argv[1]) {
            Err(e) => e,
            Ok(_) => Reply::Array(vec![]),
        };
    }
    match pop(ctx, &argv[1..2], max, count.unwrap_or(1)) {
        Ok(Some((_, items))) => pairs_reply(nested, items),
        Ok(None) => Reply::Array(vec![]),
        Err(e) => e,
    }
}

pub fn zpopmin(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zpop_generic(ctx, argv, false)
}

pub fn zpopmax(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zpop_generic(ctx, argv, true)
}

pub fn zmpop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zmpop_at(ctx, argv, 1, None)
}

/// BZPOPMIN / BZPOPMAX key [key ...] timeout.
fn bzpop(ctx: &mut Ctx, argv: &[Vec<u8>], max: bool) -> Reply {
    let deadline = match timeout_arg(ctx, &argv[argv.len() - 1]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    match pop(ctx, &argv[1..argv.len() - 1], max, 1) {
        Ok(Some((key, mut items))) if !items.is_empty() => {
            let (m, s) = items.remove(0);
            Reply::Array(vec![Reply::Bulk(key), Reply::Bulk(m), Reply::Double(s)])
        }
        Ok(_) => {
            ctx.client().block_deadline = deadline;
            Reply::Blocked
        }
        Err(e) => e,
    }
}

pub fn bzpopmin(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bzpop(ctx, argv, false)
}

pub fn bzpopmax(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bzpop(ctx, argv, true)
}

pub fn bzmpop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let deadline = match timeout_arg(ctx, &argv[1]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    zmpop_at(ctx, argv, 2, Some(deadline))
}

/// ZMPOP from `at` (the numkeys argument); `block` carries BZMPOP's deadline.
fn zmpop_at(ctx: &mut Ctx, argv: &[Vec<u8>], at: usize, block: Option<Option<i64>>) -> Reply {
    let numkeys = match long_in(
        &argv[at],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    ) {
        Ok(n) => n as usize,
        Err(e) => return e,
    };
    let where_at = at + 1 + numkeys;
    if where_at >= argv.len() {
        return syntax();
    }
    let max = if eq(&argv[where_at], "max") {
        true
    } else if eq(&argv[where_at], "min") {
        false
    } else {
        return syntax();
    };
    let mut count: Option<usize> = None;
    let mut j = where_at + 1;
    while j < argv.len() {
        if count.is_none() && eq(&argv[j], "count") && j + 1 < argv.len() {
            match long_in(
                &argv[j + 1],
                1,
                i64::MAX,
                Some("count should be greater than 0"),
            ) {
                Ok(c) => count = Some(c as usize),
                Err(e) => return e,
            }
            j += 2;
        } else {
            return syntax();
        }
    }
    match pop(ctx, &argv[at + 1..where_at], max, count.unwrap_or(1)) {
        Ok(Some((key, items))) => Reply::Array(vec![Reply::Bulk(key), pairs_reply(true, items)]),
        Ok(None) => match block {
            Some(deadline) => {
                ctx.client().block_deadline = deadline;
                Reply::Blocked
            }
            None => Reply::NilArray,
        },
        Err(e) => e,
    }
}

pub fn zrandmember(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    use rand::RngExt;
    let mut count: Option<i64> = None;
    let mut withscores = false;
    if argv.len() >= 3 {
        match long_in(&argv[2], -i64::MAX, i64::MAX, None) {
            Ok(c) => count = Some(c),
            Err(e) => return e,
        }
        if argv.len() > 4 || (argv.len() == 4 && !eq(&argv[3], "withscores")) {
            return syntax();
        }
        if argv.len() == 4 {
            withscores = true;
            let c = count.unwrap_or(0);
            if !(-i64::MAX / 2..=i64::MAX / 2).contains(&c) {
                return Reply::err("ERR value is out of range");
            }
        }
    }
    let nested = resp3(ctx);
    let db = ctx.db();
    let members: Vec<(Vec<u8>, f64)> = match zread(ctx, &argv[1]) {
        Ok(Some(z)) => z
            .zsl
            .iter()
            .map(|(m, s)| (m.to_vec(), z.shown(s)))
            .collect(),
        Ok(None) => {
            return if count.is_some() {
                Reply::Array(vec![])
            } else {
                Reply::Nil
            };
        }
        Err(e) => return e,
    };
    let _ = db;
    let rng = &mut ctx.core.rng;
    let Some(c) = count else {
        let (m, _) = &members[rng.random_range(0..members.len())];
        return Reply::Bulk(m.clone());
    };
    let picked: Vec<(Vec<u8>, f64)> = if c < 0 {
        // Negative count: that many picks, repeats allowed.
        (0..c.unsigned_abs().min(1 << 24))
            .map(|_| members[rng.random_range(0..members.len())].clone())
            .collect()
    } else if c as usize >= members.len() {
        members
    } else {
        // Distinct picks: a partial Fisher–Yates shuffle.
        let mut pool = members;
        let n = c as usize;
        for i in 0..n {
            let j = rng.random_range(i..pool.len());
            pool.swap(i, j);
        }
        pool.truncate(n);
        pool
    };
    if withscores {
        pairs_reply(nested, picked)
    } else {
        Reply::Array(picked.into_iter().map(|(m, _)| Reply::Bulk(m)).collect())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn combine(agg: Aggregate, a: f64, b: f64) -> f64 {
    match agg {
        Aggregate::Sum => {
            let s = a + b;
            // inf + -inf: Redis stores 0 rather than NaN.
            if s.is_nan() {
                0.0
            } else {
                s
            }
        }
        Aggregate::Min => a.min(b),
        Aggregate::Max => a.max(b),
    }
}

/// ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD. `at` indexes numkeys.
fn setop(
    ctx: &mut Ctx,
    argv: &[Vec<u8>],
    op: SetOp,
    at: usize,
    dest: Option<&[u8]>,
    card_only: bool,
) -> Reply {
    let cmd = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let n = match int_arg(&argv[at]) {
        Ok(n) => n,
        Err(e) => return e,
    };
    if n < 1 {
        return Reply::Error(format!(
            "ERR at least 1 input key is needed for '{cmd}' command"
        ));
    }
    if n as usize > argv.len() - at - 1 {
        return syntax();
    }
    let n = n as usize;
    let keys = &argv[at + 1..at + 1 + n];
    let mut sets: Vec<Option<Items>> = Vec::with_capacity(n);
    // Sorted sets, and plain sets, whose members all count with score 1 (as in Redis).
    let db = ctx.db();
    for k in keys {
        let items = match ctx.core.lookup_read(db, k).map(|o| &o.value) {
            None => None,
            Some(Value::ZSet(z)) => Some(
                z.zsl
                    .iter()
                    .map(|(m, s)| (m.to_vec(), z.shown(s)))
                    .collect(),
            ),
            Some(Value::Set(s)) => {
                Some(s.ordered().into_iter().map(|m| (m.clone(), 1.0)).collect())
            }
            Some(_) => return wrongtype(),
        };
        sets.push(items);
    }
    let mut weights = vec![1.0f64; n];
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = at + 1 + n;
    while j < argv.len() {
        let rem = argv.len() - j;
        let a = &argv[j];
        if op != SetOp::Diff && !card_only && rem > n && eq(a, "weights") {
            for (i, w) in weights.iter_mut().enumerate() {
                match parse_score(&argv[j + 1 + i]) {
                    Some(v) => *w = v,
                    None => return Reply::err("ERR weight value is not a float"),
                }
            }
            j += 1 + n;
        } else if op != SetOp::Diff && !card_only && rem >= 2 && eq(a, "aggregate") {
            agg = match argv[j + 1].to_ascii_lowercase().as_slice() {
                b"sum" => Aggregate::Sum,
                b"min" => Aggregate::Min,
                b"max" => Aggregate::Max,
                _ => return syntax(),
            };
            j += 2;
        } else if rem >= 1 && dest.is_none() && !card_only && eq(a, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && rem >= 2 && eq(a, "limit") {
            match positive(&argv[j + 1], Some("LIMIT can't be negative")) {
                Ok(l) => limit = l as usize,
                Err(e) => return e,
            }
            j += 2;
        } else {
            return syntax();
        }
    }
    let weigh = |s: f64, w: f64| {
        let v = s * w;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    match op {
        SetOp::Union => {
            let mut acc: std::collections::HashMap<Vec<u8>, f64> = std::collections::HashMap::new();
            for (set, &w) in sets.iter().zip(&weights) {
                for (m, s) in set.iter().flatten() {
                    let v = weigh(*s, w);
                    acc.entry(m.clone())
                        .and_modify(|x| *x = combine(agg, *x, v))
                        .or_insert(v);
                }
            }
            result = acc.into_iter().collect();
        }
        SetOp::Inter => {
            if sets.iter().all(Option::is_some) {
                let maps: Vec<std::collections::HashMap<&[u8], f64>> = sets
                    .iter()
                    .map(|s| s.iter().flatten().map(|(m, v)| (&m[..], *v)).collect())
                    .collect();
                // Walk the smallest set, as Redis does.
                let smallest = (0..n).min_by_key(|&i| maps[i].len()).unwrap_or(0);
                for (m, s) in sets[smallest].iter().flatten() {
                    if card_only && limit > 0 && result.len() >= limit {
                        break;
                    }
                    let mut score = weigh(*s, weights[smallest]);
                    let mut all = true;
                    for (i, map) in maps.iter().enumerate() {
                        if i == smallest {
                            continue;
                        }
                        match map.get(&m[..]) {
                            Some(v) => score = combine(agg, score, weigh(*v, weights[i])),
                            None => {
                                all = false;
                                break;
                            }
                        }
                    }
                    if all {
                        result.push((m.clone(), score));
                    }
                }
            }
        }
        SetOp::Diff => {
            if let Some(first) = &sets[0] {
                let others: Vec<std::collections::HashSet<&[u8]>> = sets[1..]
                    .iter()
                    .map(|s| s.iter().flatten().map(|(m, _)| &m[..]).collect())
                    .collect();
                result = first
                    .iter()
                    .filter(|(m, _)| !others.iter().any(|o| o.contains(&m[..])))
                    .cloned()
                    .collect();
            }
        }
    }
    if card_only {
        return Reply::Int(result.len() as i64);
    }
    // Reply in sorted-set order: by score (-0 and 0 tie), then member.
    result.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    if let Some(d) = dest {
        let event = match op {
            SetOp::Union => "zunionstore",
            SetOp::Inter => "zinterstore",
            SetOp::Diff => "zdiffstore",
        };
        return store_result(ctx, d, result, event);
    }
    // Redis replies from the result set, a listpack when small enough, which keeps no -0.
    let max_entries = ctx.core.config.zset_max_listpack_entries.max(0) as usize;
    let max_value = ctx.core.config.zset_max_listpack_value.max(0) as usize;
    if result.len() <= max_entries && result.iter().all(|(m, _)| m.len() <= max_value) {
        for (_, s) in result.iter_mut() {
            if *s == 0.0 {
                *s = 0.0;
            }
        }
    }
    if withscores {
        pairs_reply(resp3(ctx), result)
    } else {
        Reply::Array(result.into_iter().map(|(m, _)| Reply::Bulk(m)).collect())
    }
}

pub fn zunion(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, SetOp::Union, 1, None, false)
}
pub fn zinter(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, SetOp::Inter, 1, None, false)
}
pub fn zdiff(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, SetOp::Diff, 1, None, false)
}
pub fn zintercard(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(ctx, argv, SetOp::Inter, 1, None, true)
}
pub fn zunionstore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let d = argv[1].clone();
    setop(ctx, argv, SetOp::Union, 2, Some(&d), false)
}
pub fn zinterstore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let d = argv[1].clone();
    setop(ctx, argv, SetOp::Inter, 2, Some(&d), false)
}
pub fn zdiffstore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let d = argv[1].clone();
    setop(ctx, argv, SetOp::Diff, 2, Some(&d), false)
}

/// ZSCAN: a listpack-sized set comes back whole (cursor 0), as in Redis; larger sets are
/// walked in rank order, the cursor being the next rank.
pub fn zscan(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let cursor = match super::scan_cursor(&argv[2]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    // The options are read once the key is known to be a sorted set, as in Redis: a
    // missing key answers an empty scan whatever follows.
    let (next, items) = match zread(ctx, &argv[1]) {
        Ok(Some(z)) => {
            let (count, pattern) = match super::scan_options(argv, 3) {
                Ok(o) => o,
                Err(e) => return e,
            };
            let (from, n) = if z.listpack {
                (0, z.len() as u64)
            } else {
                (cursor, count as u64)
            };
            let items: Vec<(Vec<u8>, f64)> = z
                .zsl
                .range_by_rank(from, n, false)
                .into_iter()
                .filter(|(m, _)| pattern.is_none_or(|p| glob_match(p, m, false)))
                .map(|(m, s)| (m.to_vec(), z.shown(s)))
                .collect();
            let next = if z.listpack || from + n >= z.len() as u64 {
                0
            } else {
                from + n
            };
            (next, items)
        }
        Ok(None) => (0, Vec::new()),
        Err(e) => return e,
    };
    let mut out = Vec::new();
    for (m, s) in items {
        out.push(Reply::Bulk(m));
        out.push(Reply::Bulk(format_double_g17(s).into_bytes()));
    }
    Reply::Array(vec![
        Reply::Bulk(next.to_string().into_bytes()),
        Reply::Array(out),
    ])
}
