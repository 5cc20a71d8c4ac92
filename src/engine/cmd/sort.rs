//! SORT and SORT_RO, as Redis 7.0's sort.c answers them.
//!
//! SORT reads a list, a set or a sorted set and sorts its elements: as numbers (each one
//! read with C's `strtod`; one that is not a number fails the whole command), or as
//! strings with ALPHA. `BY pattern` sorts by other keys instead: the first `*` in the
//! pattern is replaced by the element, and `->field` at the end reads a hash field. A BY
//! pattern without `*` means "do not sort": lists and sorted sets keep their own order
//! (DESC walks it backwards), sets keep their table order. `GET pattern` (repeatable)
//! returns other keys' values instead of the element, `#` is the element itself. `LIMIT
//! offset count` takes a window of the result. `STORE dest` (SORT only) writes the result
//! as a list and answers its length.
//!
//! The details follow Redis so that replies match byte for byte: a missing BY key sorts
//! as 0 (numeric) or before everything (ALPHA); numeric ties are broken by comparing the
//! elements' bytes; ALPHA compares C strings (up to the first NUL, as `strcoll` in the C
//! locale does) when replying and whole byte strings when storing; a set sorted with a
//! constant BY and STORE, or inside a script, is sorted with ALPHA instead, so the order
//! is repeatable; a sorted set is converted to a skiplist first, as Redis does
//! destructively.

use super::{eq, int_arg, syntax, wrongtype};
use crate::engine::list::{End, List};
use crate::engine::object::Value;
use crate::engine::zset::parse_score;
use crate::engine::{Ctx, Reply};
use std::cmp::Ordering;

/// The bytes a C string function sees: up to the first NUL.
fn c_str(a: &[u8]) -> &[u8] {
    a.iter().position(|&c| c == 0).map_or(a, |i| &a[..i])
}

/// C's `strtod` as SORT checks it: leading white space allowed, the rest (up to a NUL)
/// must be the number; NaN and out-of-range values (overflow, underflow, subnormal) fail.
/// An empty string is 0.
fn sort_score(a: &[u8]) -> Option<f64> {
    let a = c_str(a);
    let start = a
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'));
    match start {
        None if a.is_empty() => Some(0.0),
        None => None,
        // glibc's strtod reports a subnormal result as a range error too.
        Some(i) => parse_score(&a[i..])
            .filter(|v| !v.is_nan() && (*v == 0.0 || v.is_normal() || v.is_infinite())),
    }
}

/// Redis's `lookupKeyByPattern`: the value a BY or GET pattern names for `elem`.
fn lookup_pattern(ctx: &mut Ctx, pattern: &[u8], elem: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(elem.to_vec());
    }
    let visible = c_str(pattern);
    let star = visible.iter().position(|&c| c == b'*')?;
    // `->field` after the star, with at least one byte of field name.
    let arrow = visible[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| pattern.get(f + 2).is_some_and(|&c| c != 0));
    let (key_end, field) = match arrow {
        Some(f) => (f, Some(&pattern[f + 2..])),
        None => (pattern.len(), None),
    };
    let mut key = Vec::with_capacity(key_end + elem.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    let db = ctx.db();
    let o = ctx.core.lookup_read(db, &key)?;
    match field {
        Some(f) => o.value.as_hash()?.get(f).cloned(),
        None => o.value.as_str().cloned(),
    }
}

struct Item {
    elem: Vec<u8>,
    score: f64,
    /// The BY value of an ALPHA sort by pattern (None: the key is missing).
    cmp: Option<Vec<u8>>,
}

pub fn sort(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    generic(ctx, argv, false)
}

pub fn sort_ro(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    generic(ctx, argv, true)
}

fn generic(ctx: &mut Ctx, argv: &[Vec<u8>], readonly: bool) -> Reply {
    let mut desc = false;
    let mut alpha = false;
    let (mut limit_start, mut limit_count) = (0i64, -1i64);
    let mut store: Option<&[u8]> = None;
    let mut by: Option<&[u8]> = None;
    let mut dontsort = false;
    let mut gets: Vec<&[u8]> = Vec::new();
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if eq(a, "asc") {
            desc = false;
        } else if eq(a, "desc") {
            desc = true;
        } else if eq(a, "alpha") {
            alpha = true;
        } else if eq(a, "limit") && left >= 2 {
            match (int_arg(&argv[j + 1]), int_arg(&argv[j + 2])) {
                (Ok(s), Ok(c)) => (limit_start, limit_count) = (s, c),
                (Err(e), _) | (_, Err(e)) => return e,
            }
            j += 2;
        } else if !readonly && eq(a, "store") && left >= 1 {
            store = Some(&argv[j + 1]);
            j += 1;
        } else if eq(a, "by") && left >= 1 {
            by = Some(&argv[j + 1]);
            // A pattern without '*' names one fixed key for every element: no sorting.
            dontsort = !c_str(&argv[j + 1]).contains(&b'*');
            if !dontsort && ctx.core.cluster.is_some() {
                return Reply::err("ERR BY option of SORT denied in Cluster mode.");
            }
            j += 1;
        } else if eq(a, "get") && left >= 1 {
            if ctx.core.cluster.is_some() {
                return Reply::err("ERR GET option of SORT denied in Cluster mode.");
            }
            gets.push(&argv[j + 1]);
            j += 1;
        } else {
            return syntax();
        }
        j += 1;
    }

    let db = ctx.db();
    let key = &argv[1];
    let (is_set, is_zset) = match ctx.core.lookup_read(db, key).map(|o| &o.value) {
        None | Some(Value::List(_)) => (false, false),
        Some(Value::Set(_)) => (true, false),
        Some(Value::ZSet(_)) => (false, true),
        Some(_) => return wrongtype(),
    };
    // A set has no order of its own: stored results, and a script's (Redis's
    // CLIENT_SCRIPT), are sorted so they are repeatable.
    if dontsort && is_set && (store.is_some() || ctx.core.running_script.is_some()) {
        dontsort = false;
        alpha = true;
        by = None;
    }
    // Redis converts a listpack sorted set to a skiplist before sorting it.
    if is_zset {
        if let Some(Value::ZSet(z)) = ctx.core.value_mut(db, key) {
            z.listpack = false;
        }
    }

    // The elements, in the order the sort starts from.
    let elems: Vec<Vec<u8>> = match ctx.core.dbs[db].keys.get(key).map(|o| &o.value) {
        Some(Value::List(l)) => {
            if dontsort && desc {
                l.iter().rev().cloned().collect()
            } else {
                l.iter().cloned().collect()
            }
        }
        Some(Value::Set(s)) => s.ordered().into_iter().cloned().collect(),
        Some(Value::ZSet(z)) if dontsort => {
            let order = z.zsl.range_by_rank(0, z.len() as u64, desc);
            order.into_iter().map(|(m, _)| m.to_vec()).collect()
        }
        Some(Value::ZSet(z)) => z.dict.keys().cloned().collect(),
        // Missing (other types were refused above).
        _ => Vec::new(),
    };

    // LIMIT, clamped as Redis clamps it.
    let len = elems.len() as i64;
    let mut start = limit_start.clamp(0, len);
    let count = limit_count.clamp(-1, len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);

    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|elem| Item {
            elem,
            score: 0.0,
            cmp: None,
        })
        .collect();
    let mut conversion_error = false;
    if !dontsort {
        for it in &mut items {
            let byval = match by {
                Some(p) => match lookup_pattern(ctx, p, &it.elem) {
                    Some(v) => v,
                    None => continue,
                },
                None => it.elem.clone(),
            };
            if alpha {
                if by.is_some() {
                    it.cmp = Some(byval);
                }
            } else {
                match sort_score(&byval) {
                    Some(v) => it.score = v,
                    None => conversion_error = true,
                }
            }
        }
        let storing = store.is_some();
        let has_by = by.is_some();
        let cmp = |a: &Item, b: &Item| -> Ordering {
            let o = if !alpha {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.elem.cmp(&b.elem))
            } else if has_by {
                match (&a.cmp, &b.cmp) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) if storing => x.cmp(y),
                    (Some(x), Some(y)) => c_str(x).cmp(c_str(y)),
                }
            } else if storing {
                a.elem.cmp(&b.elem)
            } else {
                c_str(&a.elem).cmp(c_str(&b.elem))
            };
            if desc {
                o.reverse()
            } else {
                o
            }
        };
        // glibc's qsort is a merge sort: stable, as sort_by is.
        items.sort_by(cmp);
    }

    if conversion_error {
        return Reply::err("ERR One or more scores can't be converted into double");
    }
    let window: &[Item] = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    let mut out: Vec<Option<Vec<u8>>> = Vec::new();
    for it in window {
        if gets.is_empty() {
            out.push(Some(it.elem.clone()));
        }
        for g in &gets {
            out.push(lookup_pattern(ctx, g, &it.elem));
        }
    }

    let Some(dest) = store else {
        return Reply::Array(
            out.into_iter()
                .map(|v| v.map_or(Reply::Nil, Reply::Bulk))
                .collect(),
        );
    };
    let n = out.len();
    if n > 0 {
        let mut list = List::default();
        for v in out {
            list.push(End::Right, v.unwrap_or_default());
        }
        ctx.core
            .set_key(db, dest, Value::List(Box::new(list)), false);
        ctx.core.notify(db, dest, "sortstore");
        ctx.core.stats.dirty += n as u64;
    } else if ctx.core.delete(db, dest) {
        ctx.core.notify(db, dest, "del");
        ctx.core.stats.dirty += 1;
    }
    Reply::Int(n as i64)
}
