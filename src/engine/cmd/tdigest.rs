//! TDIGEST.* as RedisBloom 2.6.12 answers them (`rm_tdigest.c`); the structure is in
//! `engine::tdigest`.
//!
//! Like the rest of the family these are module commands: arity -1 in the table, each
//! handler checks its own argument count, parses in the module's order and replies with
//! its error strings ("ERR T-Digest: …"). Estimates are doubles sent with
//! `RedisModule_ReplyWithDouble`: `%.17g` text in a bulk string under RESP2, a RESP3
//! double (`,nan`, `,inf`, `,-inf` included) under RESP3. (redis-cli 7.0 refuses a RESP3
//! `nan` with "Error: Bad double value" and drops the connection; the recorded
//! transcripts therefore show `nan` only under RESP2, and a test checks the raw bytes.)
//!
//! Queries compress the digest first, as the reference does, so reads change the
//! digest's internal state (TDIGEST.INFO's merged/unmerged counts), never its size.
//!
//! Sizes: TDIGEST.CREATE … COMPRESSION c allocates 16·(6c + 10) bytes in the reference
//! (and aborts redis-server when that fails: COMPRESSION 1000000000 asks for 96 GB).
//! Here a digest over `sketch_cap` bytes (maxmemory when set; in the browser 1 GiB or
//! `kvlab-max-value-bytes`) is refused with the family's size error; a compression past the
//! reference's own limit (≈3.8·10¹⁷) gets its "allocation failed" error.

use super::bloom::{
    arg_index, arity, dbl, dirty, info_map, ll, opened, sketch_cap, status, status_in, Family, Slot,
};
use super::wrongtype;
use crate::engine::bloom::too_big;
use crate::engine::object::Value;
use crate::engine::tdigest::{TDigest, DEFAULT_COMPRESSION};
use crate::engine::{Ctx, Reply};

const NO_KEY: &str = "ERR T-Digest: key does not exist";
const OVERFLOW: &str = "ERR T-Digest: overflow detected";

/// `RedisModule_ReplyWithDouble`, keeping a NaN's sign as glibc prints it (`-nan`).
fn double(v: f64) -> Reply {
    if v.is_nan() && v.is_sign_negative() {
        Reply::DoubleText("-nan".into())
    } else {
        Reply::Double(v)
    }
}

/// C's `(long long)` of a double on x86-64: NaN and out-of-range values become
/// `LLONG_MIN` (cvttsd2si's "integer indefinite"); Rust's `as` would saturate.
fn c_ll(v: f64) -> i64 {
    // (NaN is in no range.)
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

/// `_halfRoundDown`: round half toward zero.
fn half_round_down(f: f64) -> f64 {
    let int_part = f.trunc();
    let frac = f - int_part;
    if frac.abs() <= 0.5 {
        return int_part;
    }
    if int_part >= 0.0 {
        int_part + 1.0
    } else {
        int_part - 1.0
    }
}

/// `_TDigest_KeyCheck`: the key must exist and be a t-digest.
fn check(ctx: &mut Ctx, key: &[u8], read: bool) -> Option<Reply> {
    match status(ctx, key, read, Family::TDigest) {
        Slot::Ok => None,
        Slot::Empty => Some(Reply::err(NO_KEY)),
        Slot::Mismatch => Some(wrongtype()),
    }
}

/// The digest, mutably: queries compress it as the reference's do.
fn td_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut TDigest> {
    let db = ctx.db();
    match ctx.core.value_mut(db, key) {
        Some(Value::TDigest(t)) => Some(t),
        _ => None,
    }
}

fn td_ref<'a>(ctx: &'a Ctx, key: &[u8]) -> Option<&'a TDigest> {
    let db = ctx.db();
    match ctx.core.dbs[db].keys.get(key).map(|o| &o.value) {
        Some(Value::TDigest(t)) => Some(t),
        _ => None,
    }
}

/// `_TDigest_ParseCompressionParameter`.
fn compression(a: &[u8]) -> Result<i64, Reply> {
    match ll(a) {
        None => Err(Reply::err(
            "ERR T-Digest: error parsing compression parameter",
        )),
        Some(c) if c <= 0 => Err(Reply::err(
            "ERR T-Digest: compression parameter needs to be a positive integer",
        )),
        Some(c) => Ok(c),
    }
}

/// A new digest, or the error for one the reference cannot allocate / we refuse.
fn new_digest(ctx: &Ctx, c: i64, failed: &str) -> Result<TDigest, Reply> {
    let Some(bytes) = TDigest::bytes_for(c) else {
        return Err(Reply::err(failed));
    };
    let cap = sketch_cap(ctx);
    if bytes > cap {
        return Err(Reply::Error(too_big(bytes, cap)));
    }
    TDigest::new(c).ok_or_else(|| Reply::err(failed))
}

pub fn create(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    if argc != 2 && argc != 4 {
        return arity(argv);
    }
    match status(ctx, &argv[1], false, Family::TDigest) {
        Slot::Empty => {}
        Slot::Ok => return Reply::err("ERR T-Digest: key already exists"),
        Slot::Mismatch => return wrongtype(),
    }
    let mut c = DEFAULT_COMPRESSION;
    if argc == 4 {
        // RMUtil_ArgIndex over both remaining arguments.
        if arg_index(&argv[2..], "COMPRESSION").is_none() {
            return Reply::err("ERR T-Digest: wrong keyword");
        }
        c = match compression(&argv[3]) {
            Ok(c) => c,
            Err(e) => return e,
        };
    }
    let t = match new_digest(ctx, c, "ERR T-Digest: allocation failed") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let db = ctx.db();
    ctx.core.add(db, &argv[1], Value::TDigest(Box::new(t)));
    dirty(ctx);
    Reply::ok()
}

pub fn reset(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    if let Some(e) = check(ctx, &argv[1], false) {
        return e;
    }
    if let Some(t) = td_mut(ctx, &argv[1]) {
        t.reset();
    }
    dirty(ctx);
    Reply::ok()
}

/// One value of TDIGEST.ADD (`_TDigest_ParseValue`).
fn add_value(a: &[u8]) -> Result<f64, Reply> {
    let Some(v) = dbl(a) else {
        return Err(Reply::err("ERR T-Digest: error parsing val parameter"));
    };
    if !v.is_finite() {
        return Err(Reply::err(
            "ERR T-Digest: val parameter needs to be a finite number",
        ));
    }
    Ok(v)
}

/// TDIGEST.ADD: the key checked, then every value parsed before any is added, as in the
/// reference. One client lookup and one key lookup to open the key (`status_in`, which
/// marks it for re-counting, then `opened`), and no vector for the usual single value.
pub fn add(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    let db = ctx.db();
    match status_in(ctx, db, &argv[1], false, Family::TDigest) {
        Slot::Ok => {}
        Slot::Empty => return Reply::err(NO_KEY),
        Slot::Mismatch => return wrongtype(),
    }
    let one;
    let many: Vec<f64>;
    let vals: &[f64] = if argv.len() == 3 {
        one = match add_value(&argv[2]) {
            Ok(v) => [v],
            Err(e) => return e,
        };
        &one
    } else {
        many = match argv[2..].iter().map(|a| add_value(a)).collect() {
            Ok(v) => v,
            Err(e) => return e,
        };
        &many
    };
    let Some(Value::TDigest(t)) = opened(ctx, db, &argv[1]) else {
        return Reply::err(NO_KEY);
    };
    for &v in vals {
        if t.add(v, 1).is_err() {
            // The values before this one stay added, as in the reference (and nothing
            // is replicated).
            return Reply::err(OVERFLOW);
        }
    }
    dirty(ctx);
    Reply::ok()
}

pub fn merge(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    if argc < 4 {
        return arity(argv);
    }
    let dest = &argv[1];
    let db = ctx.db();
    let start: Option<TDigest> = match ctx.core.lookup_read(db, dest).map(|o| &o.value) {
        None => None,
        Some(Value::TDigest(t)) => Some((**t).clone()),
        Some(_) => return wrongtype(),
    };
    let Some(numkeys) = ll(&argv[2]) else {
        return Reply::err("ERR T-Digest: error parsing numkeys");
    };
    if numkeys <= 0 {
        return Reply::err("ERR T-Digest: numkeys needs to be a positive integer");
    }
    if numkeys > (argc - 3) as i64 {
        return arity(argv);
    }
    let n = numkeys as usize;
    let to_exists = start.is_some();
    let mut c: i64 = start.as_ref().map_or(0, |t| c_ll(t.compression));
    let mut use_max = !to_exists;
    let mut override_ = false;
    let rest_at = n + 3;
    if rest_at < argc {
        let rest = &argv[rest_at..];
        let comp_loc = arg_index(rest, "COMPRESSION");
        if let Some(loc) = comp_loc {
            use_max = false;
            if rest_at + loc + 1 >= argc {
                return arity(argv);
            }
            c = match compression(&argv[rest_at + loc + 1]) {
                Ok(c) => c,
                Err(e) => return e,
            };
        }
        let over_loc = arg_index(rest, "OVERRIDE");
        if over_loc.is_some() {
            override_ = true;
            if comp_loc.is_none() {
                use_max = true;
                c = 0;
            }
        }
        if comp_loc.is_none() && over_loc.is_none() {
            return Reply::err("ERR T-Digest: wrong keyword");
        }
    }
    // Every source must exist and be a t-digest before anything is merged.
    for key in &argv[3..3 + n] {
        if key != dest {
            if let Some(e) = check(ctx, key, true) {
                return e;
            }
        } else if !to_exists {
            return Reply::err(NO_KEY);
        }
        if use_max {
            let tc = if key == dest {
                start.as_ref().map_or(0, |t| c_ll(t.compression))
            } else {
                td_ref(ctx, key).map_or(0, |t| c_ll(t.compression))
            };
            c = c.max(tc);
        }
    }
    let mut to = match new_digest(
        ctx,
        c,
        "ERR T-Digest: allocation of destination digest failed",
    ) {
        Ok(t) => t,
        Err(e) => return e,
    };
    // The reference compresses each source in place as it merges it (and the old
    // destination too, which it is about to replace).
    let mut start = start;
    if let Some(s) = start.as_mut().filter(|_| !override_) {
        // (the reference ignores a failure here)
        let _ = s.compress();
        let _ = to.merge(s);
    }
    for key in &argv[3..3 + n] {
        let res = if key == dest {
            match start.as_mut() {
                Some(s) => {
                    let _ = s.compress();
                    to.merge(s)
                }
                None => Ok(()),
            }
        } else {
            match td_mut(ctx, key) {
                Some(src) => {
                    let _ = src.compress();
                    let src = src.clone();
                    to.merge(&src)
                }
                None => Ok(()),
            }
        };
        if res.is_err() {
            if let (Some(s), Some(Value::TDigest(d))) = (start, ctx.core.value_mut(db, dest)) {
                **d = s;
            }
            return Reply::err(OVERFLOW);
        }
    }
    ctx.core
        .set_key(db, dest, Value::TDigest(Box::new(to)), false);
    ctx.core.module_touched(db, dest, "tdigest");
    dirty(ctx);
    Reply::ok()
}

/// TDIGEST.MIN / TDIGEST.MAX.
pub fn min_max(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    if let Some(e) = check(ctx, &argv[1], true) {
        return e;
    }
    let max = argv[0].eq_ignore_ascii_case(b"tdigest.max");
    let Some(t) = td_ref(ctx, &argv[1]) else {
        return Reply::err(NO_KEY);
    };
    double(if t.size() > 0 {
        if max {
            t.max
        } else {
            t.min
        }
    } else {
        f64::NAN
    })
}

/// TDIGEST.QUANTILE: each run of non-decreasing quantiles is answered in one walk.
pub fn quantile(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    if let Some(e) = check(ctx, &argv[1], true) {
        return e;
    }
    let mut qs = Vec::with_capacity(argv.len() - 2);
    for a in &argv[2..] {
        let Some(q) = dbl(a) else {
            return Reply::err("ERR T-Digest: error parsing quantile");
        };
        if !(0.0..=1.0).contains(&q) {
            return Reply::err("ERR T-Digest: quantile should be in [0,1]");
        }
        qs.push(q);
    }
    let Some(t) = td_mut(ctx, &argv[1]) else {
        return Reply::err(NO_KEY);
    };
    let mut out = Vec::with_capacity(qs.len());
    let mut i = 0;
    while i < qs.len() {
        let start = i;
        while i + 1 < qs.len() && qs[i] <= qs[i + 1] {
            i += 1;
        }
        out.extend(t.quantiles(&qs[start..=i]).into_iter().map(double));
        i += 1;
    }
    Reply::Array(out)
}

pub fn cdf(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    if let Some(e) = check(ctx, &argv[1], true) {
        return e;
    }
    let mut vals = Vec::with_capacity(argv.len() - 2);
    for a in &argv[2..] {
        match dbl(a) {
            Some(v) => vals.push(v),
            None => return Reply::err("ERR T-Digest: error parsing cdf"),
        }
    }
    let Some(t) = td_mut(ctx, &argv[1]) else {
        return Reply::err(NO_KEY);
    };
    Reply::Array(vals.into_iter().map(|v| double(t.cdf(v))).collect())
}

/// TDIGEST.RANK / TDIGEST.REVRANK.
pub fn rank(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    let reverse = argv[0].eq_ignore_ascii_case(b"tdigest.revrank");
    if let Some(e) = check(ctx, &argv[1], true) {
        return e;
    }
    let mut vals = Vec::with_capacity(argv.len() - 2);
    for a in &argv[2..] {
        match dbl(a) {
            Some(v) => vals.push(v),
            None => return Reply::err("ERR T-Digest: error parsing value"),
        }
    }
    let Some(t) = td_mut(ctx, &argv[1]) else {
        return Reply::err(NO_KEY);
    };
    let size = t.size() as f64;
    let (min, max) = (t.min, t.max);
    let out = vals
        .into_iter()
        .map(|v| {
            let r = if size == 0.0 {
                -2.0
            } else if v < min {
                if reverse {
                    size
                } else {
                    -1.0
                }
            } else if v > max {
                if reverse {
                    -1.0
                } else {
                    size
                }
            } else {
                let prior = t.cdf(v) * size;
                if reverse {
                    (size - prior.round()).round()
                } else {
                    half_round_down(prior)
                }
            };
            Reply::Int(c_ll(r))
        })
        .collect();
    Reply::Array(out)
}

/// TDIGEST.BYRANK / TDIGEST.BYREVRANK.
pub fn by_rank(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    let reverse = argv[0].eq_ignore_ascii_case(b"tdigest.byrevrank");
    if let Some(e) = check(ctx, &argv[1], true) {
        return e;
    }
    let mut ranks = Vec::with_capacity(argv.len() - 2);
    for a in &argv[2..] {
        let Some(r) = ll(a) else {
            return Reply::err("ERR T-Digest: error parsing rank");
        };
        if r < 0 {
            return Reply::err("ERR T-Digest: rank needs to be non negative");
        }
        ranks.push(r);
    }
    let Some(t) = td_mut(ctx, &argv[1]) else {
        return Reply::err(NO_KEY);
    };
    let size = t.size() as f64;
    let (min, max) = (t.min, t.max);
    let out = ranks
        .into_iter()
        .map(|r| {
            let r = r as f64;
            double(if size == 0.0 {
                f64::NAN
            } else if r == 0.0 {
                if reverse {
                    max
                } else {
                    min
                }
            } else if r >= size {
                if reverse {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            } else {
                let at = if reverse { size - r - 1.0 } else { r };
                t.quantile(at / size)
            })
        })
        .collect();
    Reply::Array(out)
}

pub fn trimmed_mean(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 4 {
        return arity(argv);
    }
    if let Some(e) = check(ctx, &argv[1], true) {
        return e;
    }
    let Some(low) = dbl(&argv[2]) else {
        return Reply::err("ERR T-Digest: error parsing low_cut_percentile");
    };
    let Some(high) = dbl(&argv[3]) else {
        return Reply::err("ERR T-Digest: error parsing high_cut_percentile");
    };
    if !(0.0..=1.0).contains(&low) || !(0.0..=1.0).contains(&high) {
        return Reply::err(
            "ERR T-Digest: low_cut_percentile and high_cut_percentile should be in [0,1]",
        );
    }
    if low >= high {
        return Reply::err(
            "ERR T-Digest: low_cut_percentile should be lower than high_cut_percentile",
        );
    }
    let Some(t) = td_mut(ctx, &argv[1]) else {
        return Reply::err(NO_KEY);
    };
    double(t.trimmed_mean(low, high))
}

pub fn info(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    if let Some(e) = check(ctx, &argv[1], true) {
        return e;
    }
    let Some(t) = td_ref(ctx, &argv[1]) else {
        return Reply::err(NO_KEY);
    };
    info_map(vec![
        ("Compression", Reply::Int(c_ll(t.compression))),
        ("Capacity", Reply::Int(t.cap)),
        ("Merged nodes", Reply::Int(t.merged_nodes)),
        ("Unmerged nodes", Reply::Int(t.unmerged_nodes)),
        ("Merged weight", Reply::Int(t.merged_weight)),
        ("Unmerged weight", Reply::Int(t.unmerged_weight)),
        ("Observations", Reply::Int(t.size())),
        ("Total compressions", Reply::Int(t.total_compressions)),
        ("Memory usage", Reply::Int(t.mem_usage() as i64)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_conversions() {
        assert_eq!(c_ll(f64::NAN), i64::MIN);
        assert_eq!(c_ll(1e300), i64::MIN);
        assert_eq!(c_ll(-2.9), -2);
        assert_eq!(half_round_down(2.5), 2.0);
        assert_eq!(half_round_down(2.51), 3.0);
        assert_eq!(half_round_down(-2.5), -2.0);
        assert_eq!(half_round_down(-2.7), -3.0);
    }
}
