//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. The data type and
//! its encodings are in `engine::hll`.

use super::{eq, wrongtype};
use crate::engine::hll::{self, SetResult, REGISTERS};
use crate::engine::object::{StrEnc, Value};
use crate::engine::{Ctx, Reply};

fn hll_wrongtype() -> Reply {
    Reply::err(hll::WRONGTYPE_ERR)
}

fn invalid() -> Reply {
    Reply::err(hll::INVALID_ERR)
}

/// The bytes of an existing HLL key for writing, after Redis's checks: a string, and a
/// well-formed HLL header. Writing makes the string `raw`, as `dbUnshareStringValue`
/// does. `Ok(None)` when the key does not exist.
fn hll_for_write<'a>(
    ctx: &'a mut Ctx,
    db: usize,
    key: &[u8],
) -> Result<Option<&'a mut Vec<u8>>, Reply> {
    match ctx.core.lookup_write(db, key) {
        None => Ok(None),
        Some(o) => as_hll_mut(&mut o.value).map(Some),
    }
}

/// An HLL value's bytes for writing, after the type and header checks.
fn as_hll_mut(value: &mut Value) -> Result<&mut Vec<u8>, Reply> {
    match value {
        Value::Str { bytes, enc } => {
            if !hll::is_valid(bytes) {
                return Err(hll_wrongtype());
            }
            *enc = StrEnc::Raw;
            Ok(bytes)
        }
        #[allow(unreachable_patterns)]
        _ => Err(wrongtype()),
    }
}

/// Reads an HLL for a multi-key command (counting a hit or miss); `Ok(None)` if missing.
fn hll_for_read(ctx: &mut Ctx, db: usize, key: &[u8]) -> Result<Option<Vec<u8>>, Reply> {
    match ctx.core.lookup_read(db, key) {
        None => Ok(None),
        Some(o) => match &o.value {
            Value::Str { bytes, .. } if hll::is_valid(bytes) => Ok(Some(bytes.clone())),
            Value::Str { .. } => Err(hll_wrongtype()),
            #[allow(unreachable_patterns)]
            _ => Err(wrongtype()),
        },
    }
}

fn new_hll() -> Value {
    Value::Str {
        bytes: hll::new_sparse(),
        enc: StrEnc::Raw,
    }
}

pub fn pfadd(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let db = ctx.db();
    let sparse_max = ctx.core.config.hll_sparse_max_bytes.max(0) as usize;
    let mut updated = 0u64;
    let exists = match hll_for_write(ctx, db, key) {
        Ok(o) => o.is_some(),
        Err(e) => return e,
    };
    if !exists {
        ctx.core.set_key(db, key, new_hll(), false);
        updated += 1;
    }
    let Some(Value::Str { bytes, .. }) = ctx.core.value_mut(db, key) else {
        return invalid();
    };
    for element in &argv[2..] {
        match hll::add(bytes, element, sparse_max) {
            SetResult::Updated => updated += 1,
            SetResult::Unchanged => {}
            SetResult::Corrupt => return invalid(),
        }
    }
    if updated > 0 {
        bytes[15] |= 0x80;
        ctx.core.notify(db, key, "pfadd");
        ctx.core.stats.dirty += updated;
    }
    Reply::Int((updated > 0) as i64)
}

pub fn pfcount(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    if argv.len() > 2 {
        // Several keys: a register-wise maximum, counted without touching any cache.
        let mut max = [0u8; REGISTERS];
        for key in &argv[1..] {
            match hll_for_read(ctx, db, key) {
                Ok(None) => {}
                Ok(Some(s)) => {
                    if !hll::merge_into(&mut max, &s) {
                        return invalid();
                    }
                }
                Err(e) => return e,
            }
        }
        return Reply::Int(hll::estimate(&hll::histogram(&max)) as i64);
    }
    let key = &argv[1];
    // One key: a read (hit or miss) that may write the cached cardinality back.
    let bytes = match ctx.core.lookup_read(db, key) {
        None => return Reply::Int(0),
        Some(_) => match ctx.core.value_mut(db, key) {
            Some(v) => match as_hll_mut(v) {
                Ok(b) => b,
                Err(e) => return e,
            },
            None => return Reply::Int(0),
        },
    };
    if let Some(card) = hll::cache(bytes) {
        return Reply::Int(card as i64);
    }
    let Some(card) = hll::count(bytes) else {
        return invalid();
    };
    hll::set_cache(bytes, card);
    ctx.core.stats.dirty += 1;
    Reply::Int(card as i64)
}

pub fn pfmerge(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    let mut max = [0u8; REGISTERS];
    let mut use_dense = false;
    for key in &argv[1..] {
        match hll_for_read(ctx, db, key) {
            Ok(None) => {}
            Ok(Some(s)) => {
                use_dense |= hll::encoding(&s) == hll::DENSE;
                if !hll::merge_into(&mut max, &s) {
                    return invalid();
                }
            }
            Err(e) => return e,
        }
    }
    let dest = &argv[1];
    let sparse_max = ctx.core.config.hll_sparse_max_bytes.max(0) as usize;
    let exists = match hll_for_write(ctx, db, dest) {
        Ok(o) => o.is_some(),
        Err(e) => return e,
    };
    if !exists {
        ctx.core.set_key(db, dest, new_hll(), false);
    }
    let Some(Value::Str { bytes, .. }) = ctx.core.value_mut(db, dest) else {
        return invalid();
    };
    if use_dense && !hll::to_dense(bytes) {
        return invalid();
    }
    for (j, &v) in max.iter().enumerate() {
        if v != 0 {
            // Redis ignores a corrupt destination here: it was validated as a source.
            let _ = hll::set_register(bytes, j, v, sparse_max);
        }
    }
    bytes[15] |= 0x80;
    ctx.core.notify(db, dest, "pfadd");
    ctx.core.stats.dirty += 1;
    Reply::ok()
}

pub fn pfdebug(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let sub = &argv[1];
    let key = &argv[2];
    let db = ctx.db();
    let bytes = match hll_for_write(ctx, db, key) {
        Ok(Some(b)) => b,
        Ok(None) => return Reply::err("ERR The specified key does not exist"),
        Err(e) => return e,
    };
    if eq(sub, "getreg") {
        if hll::encoding(bytes) == hll::SPARSE && !hll::to_dense(bytes) {
            return invalid();
        }
        let mut regs = [0u8; REGISTERS];
        hll::dense_unpack(&bytes[hll::HDR_SIZE..], &mut regs);
        return Reply::Array(regs.iter().map(|&r| Reply::Int(r as i64)).collect());
    }
    if eq(sub, "decode") {
        if hll::encoding(bytes) != hll::SPARSE {
            return Reply::err("ERR HLL encoding is not sparse");
        }
        return Reply::Bulk(hll::decode_text(bytes).into_bytes());
    }
    if eq(sub, "encoding") {
        let name = if hll::encoding(bytes) == hll::DENSE {
            "dense"
        } else {
            "sparse"
        };
        return Reply::Status(name.into());
    }
    if eq(sub, "todense") {
        if hll::encoding(bytes) == hll::SPARSE {
            if !hll::to_dense(bytes) {
                return invalid();
            }
            return Reply::Int(1);
        }
        return Reply::Int(0);
    }
    Reply::Error(format!(
        "ERR Unknown PFDEBUG subcommand '{}'",
        String::from_utf8_lossy(sub)
    ))
}

/// A quick self-check of the register layout and the estimator, like Redis's
/// PFSELFTEST (which runs longer): every register value round-trips through the dense
/// packing, and a sketch of 10 000 elements, built sparse and then dense, estimates
/// within 5%.
pub fn pfselftest(_ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let mut regs = vec![0u8; hll::DENSE_SIZE - hll::HDR_SIZE];
    for i in 0..REGISTERS {
        hll::dense_set(&mut regs, i, (i % 64) as u8);
    }
    if (0..REGISTERS).any(|i| hll::dense_get(&regs, i) != (i % 64) as u8) {
        return Reply::err("ERR TESTFAILED Register error");
    }
    let mut s = hll::new_sparse();
    for i in 0..10_000u32 {
        if hll::add(&mut s, &i.to_le_bytes(), 3000) == SetResult::Corrupt {
            return Reply::err("ERR TESTFAILED sparse update");
        }
    }
    let sparse_count = hll::count(&s);
    if !hll::to_dense(&mut s) || hll::count(&s) != sparse_count {
        return Reply::err("ERR TESTFAILED sparse/dense mismatch");
    }
    let est = sparse_count.unwrap_or(0) as f64;
    if (est - 10_000.0).abs() / 10_000.0 > 0.05 {
        return Reply::err("ERR TESTFAILED Approximation error too high");
    }
    Reply::ok()
}
