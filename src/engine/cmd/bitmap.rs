//! Bit commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
//! BITFIELD_RO. The bit algorithms are in `engine::bitmap`.

use super::{eq, int_arg, syntax, with_string, wrongtype};
use crate::engine::bitmap::{self, BitOp, Overflow};
use crate::engine::object::{StrEnc, Value};
use crate::engine::{Ctx, Reply};

const OFFSET_ERR: &str = "ERR bit offset is not an integer or out of range";

/// A bit offset argument: an integer, or with `#` (BITFIELD) a multiple of the field
/// width; at most proto-max-bulk-len bytes in.
fn bit_offset(ctx: &Ctx, a: &[u8], hash_bits: Option<u32>) -> Result<u64, Reply> {
    let (digits, mul) = match (a.first(), hash_bits) {
        (Some(b'#'), Some(bits)) => (&a[1..], bits as i64),
        _ => (a, 1),
    };
    let v = crate::engine::util::parse_i64(digits).ok_or_else(|| Reply::err(OFFSET_ERR))?;
    let v = v.wrapping_mul(mul);
    if v < 0 || (v >> 3) >= ctx.core.config.proto_max_bulk_len {
        return Err(Reply::err(OFFSET_ERR));
    }
    Ok(v as u64)
}

/// The playground's allocation cap: a bitmap reaching bit `maxbit` needs this check
/// before anything is allocated, so that the key stays as it was.
fn check_cap(ctx: &Ctx, maxbit: u64) -> Result<(), Reply> {
    let need = (maxbit >> 3) + 1;
    let cap = ctx.core.config.playground_value_cap;
    if need > cap {
        return Err(Reply::Error(format!(
            "ERR bit offset {maxbit} needs a {need}-byte string, over the playground's value size limit ({cap} bytes); raise it with CONFIG SET kvlab-max-value-bytes"
        )));
    }
    Ok(())
}

/// Redis's `lookupStringForBitCommand`: the string at argv[1] for writing, created or
/// zero-padded so that bit `maxbit` exists. Returns whether it was created or grew.
fn string_for_bits<'a>(
    ctx: &'a mut Ctx,
    key: &[u8],
    maxbit: u64,
) -> Result<(&'a mut Vec<u8>, bool), Reply> {
    let db = ctx.db();
    let need = (maxbit >> 3) as usize + 1;
    let exists = match ctx.core.lookup_write(db, key) {
        None => false,
        Some(o) => match &o.value {
            Value::Str { .. } => true,
            #[allow(unreachable_patterns)]
            _ => return Err(wrongtype()),
        },
    };
    check_cap(ctx, maxbit)?;
    if !exists {
        ctx.core.set_key(
            db,
            key,
            Value::Str {
                bytes: vec![0; need],
                enc: StrEnc::Raw,
            },
            false,
        );
    }
    match ctx.core.value_mut(db, key) {
        Some(Value::Str { bytes, enc }) => {
            *enc = StrEnc::Raw;
            let grew = bytes.len() < need;
            if grew {
                bytes.resize(need, 0);
            }
            Ok((bytes, grew || !exists))
        }
        _ => Err(wrongtype()),
    }
}

pub fn setbit(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let offset = match bit_offset(ctx, &argv[2], None) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let on = match int_arg(&argv[3]) {
        Ok(v @ (0 | 1)) => v as u8,
        _ => return Reply::err("ERR bit is not an integer or out of range"),
    };
    let key = &argv[1];
    let (bytes, dirty) = match string_for_bits(ctx, key, offset) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let idx = (offset >> 3) as usize;
    let shift = 7 - (offset & 7);
    let old = (bytes[idx] >> shift) & 1;
    let changed = dirty || old != on;
    if changed {
        bytes[idx] = (bytes[idx] & !(1 << shift)) | (on << shift);
        let db = ctx.db();
        ctx.core.notify(db, key, "setbit");
        ctx.core.stats.dirty += 1;
    }
    Reply::Int(old as i64)
}

pub fn getbit(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let offset = match bit_offset(ctx, &argv[2], None) {
        Ok(o) => o,
        Err(e) => return e,
    };
    match with_string(ctx, &argv[1], |s| {
        s.map_or(0, |s| bitmap::get_unsigned(s, offset, 1))
    }) {
        Ok(bit) => Reply::Int(bit as i64),
        Err(e) => e,
    }
}

fn range_unit(a: &[u8]) -> Option<bool> {
    if eq(a, "bit") {
        Some(true)
    } else if eq(a, "byte") {
        Some(false)
    } else {
        None
    }
}

pub fn bitcount(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match with_string(ctx, &argv[1], |s| s.map(|s| count_in(s, argv))) {
        Ok(Some(r)) => r,
        Ok(None) => Reply::Int(0),
        Err(e) => e,
    }
}

/// BITCOUNT's range handling and count, on the string's bytes.
fn count_in(s: &[u8], argv: &[Vec<u8>]) -> Reply {
    let range = match argv.len() {
        2 => (!s.is_empty()).then(|| (0, s.len() as u64 * 8 - 1)),
        4 | 5 => {
            let (start, end) = match (int_arg(&argv[2]), int_arg(&argv[3])) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => return e,
            };
            // Redis answers 0 here before looking at the unit.
            if start < 0 && end < 0 && start > end {
                return Reply::Int(0);
            }
            let bits = match argv.get(4) {
                None => false,
                Some(u) => match range_unit(u) {
                    Some(b) => b,
                    None => return syntax(),
                },
            };
            bitmap::resolve_range(s.len() as u64, start, end, bits)
        }
        _ => return syntax(),
    };
    Reply::Int(range.map_or(0, |(a, b)| bitmap::count_bits(s, a, b)) as i64)
}

pub fn bitpos(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let bit = match int_arg(&argv[2]) {
        Ok(0) => false,
        Ok(1) => true,
        Ok(_) => return Reply::err("ERR The bit argument must be 1 or 0."),
        Err(e) => return e,
    };
    match with_string(ctx, &argv[1], |s| s.map(|s| position_in(s, bit, argv))) {
        Ok(Some(r)) => r,
        // A missing key is an endless run of zeros.
        Ok(None) => Reply::Int(if bit { -1 } else { 0 }),
        Err(e) => e,
    }
}

/// BITPOS's range handling and search, on the string's bytes.
fn position_in(s: &[u8], bit: bool, argv: &[Vec<u8>]) -> Reply {
    let (range, end_given) = match argv.len() {
        3 => ((!s.is_empty()).then(|| (0, s.len() as u64 * 8 - 1)), false),
        4..=6 => {
            let start = match int_arg(&argv[3]) {
                Ok(v) => v,
                Err(e) => return e,
            };
            let bits = match argv.get(5) {
                None => false,
                Some(u) => match range_unit(u) {
                    Some(b) => b,
                    None => return syntax(),
                },
            };
            let (end, given) = match argv.get(4) {
                Some(a) => match int_arg(a) {
                    Ok(v) => (v, true),
                    Err(e) => return e,
                },
                None => (i64::MAX, false),
            };
            (
                bitmap::resolve_range(s.len() as u64, start, end, bits),
                given,
            )
        }
        _ => return syntax(),
    };
    let Some((first, last)) = range else {
        return Reply::Int(-1);
    };
    match bitmap::find_bit(s, bit, first, last) {
        Some(p) => Reply::Int(p as i64),
        None if bit || end_given => Reply::Int(-1),
        // Looking for a 0 with an open end: the first bit after the range.
        None => Reply::Int(((last / 8 + 1) * 8) as i64),
    }
}

pub fn bitop(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let op = match argv[1].to_ascii_lowercase().as_slice() {
        b"and" => BitOp::And,
        b"or" => BitOp::Or,
        b"xor" => BitOp::Xor,
        b"not" => BitOp::Not,
        _ => return syntax(),
    };
    if op == BitOp::Not && argv.len() != 4 {
        return Reply::err("ERR BITOP NOT must be called with a single source key.");
    }
    // First the lookups (expiry, hit/miss counting, type checks), then the sources are
    // borrowed in place while the result is computed.
    let db = ctx.db();
    for k in &argv[3..] {
        if let Err(e) = with_string(ctx, k, |_| ()) {
            return e;
        }
    }
    let empty: &[u8] = &[];
    let refs: Vec<&[u8]> = argv[3..]
        .iter()
        .map(|k| {
            ctx.core.dbs[db]
                .keys
                .get(k)
                .and_then(|o| o.value.as_str())
                .map_or(empty, |v| v.as_slice())
        })
        .collect();
    let maxlen = refs.iter().map(|s| s.len()).max().unwrap_or(0);
    if maxlen as u64 > ctx.core.config.playground_value_cap {
        return Reply::err("ERR BITOP result would exceed the playground's value size limit");
    }
    let out = (maxlen > 0).then(|| bitmap::bitop(op, &refs));
    drop(refs);
    let dest = &argv[2];
    if let Some(out) = out {
        ctx.core.set_key(
            db,
            dest,
            Value::Str {
                bytes: out,
                enc: StrEnc::Raw,
            },
            false,
        );
        ctx.core.notify(db, dest, "set");
        ctx.core.stats.dirty += 1;
    } else if ctx.core.delete(db, dest) {
        ctx.core.notify(db, dest, "del");
        ctx.core.stats.dirty += 1;
    }
    Reply::Int(maxlen as i64)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldOp {
    Get,
    Set,
    Incrby,
}

struct Field {
    op: FieldOp,
    signed: bool,
    bits: u32,
    offset: u64,
    value: i64,
    overflow: Overflow,
}

const TYPE_ERR: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

fn field_type(a: &[u8]) -> Result<(bool, u32), Reply> {
    let signed = match a.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(Reply::err(TYPE_ERR)),
    };
    match crate::engine::util::parse_i64(&a[1..]) {
        Some(b) if b >= 1 && ((signed && b <= 64) || (!signed && b <= 63)) => {
            Ok((signed, b as u32))
        }
        _ => Err(Reply::err(TYPE_ERR)),
    }
}

fn bitfield_generic(ctx: &mut Ctx, argv: &[Vec<u8>], readonly_cmd: bool) -> Reply {
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut writes = false;
    let mut highest = 0u64;
    let mut j = 2;
    while j < argv.len() {
        let rem = argv.len() - j - 1;
        let sub = &argv[j];
        let op = if eq(sub, "get") && rem >= 2 {
            FieldOp::Get
        } else if eq(sub, "set") && rem >= 3 {
            FieldOp::Set
        } else if eq(sub, "incrby") && rem >= 3 {
            FieldOp::Incrby
        } else if eq(sub, "overflow") && rem >= 1 {
            overflow = match argv[j + 1].to_ascii_lowercase().as_slice() {
                b"wrap" => Overflow::Wrap,
                b"sat" => Overflow::Sat,
                b"fail" => Overflow::Fail,
                _ => return Reply::err("ERR Invalid OVERFLOW type specified"),
            };
            j += 2;
            continue;
        } else {
            return syntax();
        };
        let (signed, bits) = match field_type(&argv[j + 1]) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let offset = match bit_offset(ctx, &argv[j + 2], Some(bits)) {
            Ok(o) => o,
            Err(e) => return e,
        };
        let mut value = 0;
        if op != FieldOp::Get {
            writes = true;
            highest = highest.max(offset + bits as u64 - 1);
            value = match int_arg(&argv[j + 3]) {
                Ok(v) => v,
                Err(e) => return e,
            };
        }
        fields.push(Field {
            op,
            signed,
            bits,
            offset,
            value,
            overflow,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }
    let key = &argv[1];
    let db = ctx.db();
    if !writes {
        let read = |s: Option<&[u8]>| {
            let s = s.unwrap_or_default();
            Reply::Array(
                fields
                    .iter()
                    .map(|f| {
                        Reply::Int(if f.signed {
                            bitmap::get_signed(s, f.offset, f.bits)
                        } else {
                            bitmap::get_unsigned(s, f.offset, f.bits) as i64
                        })
                    })
                    .collect(),
            )
        };
        return with_string(ctx, key, read).unwrap_or_else(|e| e);
    }
    if readonly_cmd {
        return Reply::err("ERR BITFIELD_RO only supports the GET subcommand");
    }
    let (bytes, dirty) = match string_for_bits(ctx, key, highest) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let mut changes = 0u64;
    let mut out = Vec::with_capacity(fields.len());
    for f in &fields {
        if f.op == FieldOp::Get {
            out.push(Reply::Int(if f.signed {
                bitmap::get_signed(bytes, f.offset, f.bits)
            } else {
                bitmap::get_unsigned(bytes, f.offset, f.bits) as i64
            }));
            continue;
        }
        let (overflowed, old, new, reply) = if f.signed {
            let old = bitmap::get_signed(bytes, f.offset, f.bits);
            if f.op == FieldOp::Incrby {
                let (o, v) = bitmap::signed_add(old, f.value, f.bits, f.overflow);
                (o, old as u64, v as u64, v)
            } else {
                let (o, v) = bitmap::signed_add(f.value, 0, f.bits, f.overflow);
                (o, old as u64, if o { v } else { f.value } as u64, old)
            }
        } else {
            let old = bitmap::get_unsigned(bytes, f.offset, f.bits);
            if f.op == FieldOp::Incrby {
                let (o, v) = bitmap::unsigned_add(old, f.value, f.bits, f.overflow);
                (o, old, v, v as i64)
            } else {
                let (o, v) = bitmap::unsigned_add(f.value as u64, 0, f.bits, f.overflow);
                (o, old, if o { v } else { f.value as u64 }, old as i64)
            }
        };
        if overflowed && f.overflow == Overflow::Fail {
            out.push(Reply::Nil);
            continue;
        }
        bitmap::set_bits(bytes, f.offset, f.bits, new);
        if dirty || old != new {
            changes += 1;
        }
        out.push(Reply::Int(reply));
    }
    if changes > 0 {
        ctx.core.notify(db, key, "setbit");
        ctx.core.stats.dirty += changes;
    }
    Reply::Array(out)
}

pub fn bitfield(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bitfield_generic(ctx, argv, false)
}

pub fn bitfield_ro(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bitfield_generic(ctx, argv, true)
}
