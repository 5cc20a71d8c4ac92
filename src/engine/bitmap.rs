//! Bitmaps: a string seen as an array of bits, as Redis's bitops.c sees it.
//!
//! Bit 0 is the most significant bit of byte 0, so `SETBIT k 0 1` makes the string
//! `"\x80"`. Reading past the end reads zeros; writing past the end grows the string with
//! zero bytes. Counting and searching work on whole 64-bit words (`count_ones`, word
//! comparisons), which the compiler turns into POPCNT and wide loads; only the ragged
//! edges are handled byte by byte.

/// Number of set bits in `bytes`.
pub fn popcount(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0u64;
    for c in &mut chunks {
        n += u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]).count_ones()
            as u64;
    }
    n + chunks
        .remainder()
        .iter()
        .map(|b| b.count_ones() as u64)
        .sum::<u64>()
}

/// Position of the first bit equal to `bit` in `bytes` (MSB first). For a 1 that is not
/// there, `None`; for a 0 that is not there, the first position past the end (Redis
/// treats what follows a string as zero padding).
pub fn first_bit(bytes: &[u8], bit: bool) -> Option<u64> {
    let skip: u64 = if bit { 0 } else { u64::MAX };
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0u64;
    for c in &mut chunks {
        let w = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        if w != skip {
            let lead = if bit {
                w.leading_zeros()
            } else {
                w.leading_ones()
            };
            return Some(base + lead as u64);
        }
        base += 64;
    }
    for &b in chunks.remainder() {
        if (bit && b != 0) || (!bit && b != 0xff) {
            let lead = if bit {
                b.leading_zeros()
            } else {
                b.leading_ones()
            };
            return Some(base + lead as u64);
        }
        base += 8;
    }
    if bit {
        None
    } else {
        Some(base)
    }
}

/// Resolves a BITCOUNT/BITPOS range on a string of `len` bytes: negative indexes count
/// from the end, then both ends are clamped into the string. Returns the first and last
/// bit covered, or `None` for an empty range. `bit_units` selects BIT instead of BYTE.
pub fn resolve_range(
    len: u64,
    mut start: i64,
    mut end: i64,
    bit_units: bool,
) -> Option<(u64, u64)> {
    let total = if bit_units {
        (len as i64).saturating_mul(8)
    } else {
        len as i64
    };
    if start < 0 {
        start = start.saturating_add(total);
    }
    if end < 0 {
        end = end.saturating_add(total);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    Some(if bit_units {
        (start as u64, end as u64)
    } else {
        (start as u64 * 8, end as u64 * 8 + 7)
    })
}

/// Set bits between bit `first` and bit `last` (inclusive).
pub fn count_bits(bytes: &[u8], first: u64, last: u64) -> u64 {
    let (b0, b1) = ((first / 8) as usize, (last / 8) as usize);
    let mut n = popcount(&bytes[b0..=b1]);
    // Drop the bits of the edge bytes that lie outside the range.
    let head = (first % 8) as u32;
    if head > 0 {
        n -= (bytes[b0] >> (8 - head)).count_ones() as u64;
    }
    let tail = 7 - (last % 8) as u32;
    if tail > 0 {
        n -= (bytes[b1] & ((1u8 << tail) - 1)).count_ones() as u64;
    }
    n
}

/// First bit equal to `bit` between bit `first` and bit `last` inclusive, as an absolute
/// position; `None` if there is none inside the range.
pub fn find_bit(bytes: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    let (b0, b1) = ((first / 8) as usize, (last / 8) as usize);
    // Mask the edge bits that lie outside the range so they cannot match.
    let masked = |i: usize, byte: u8| {
        let mut keep = 0xffu8;
        if i == b0 {
            keep &= 0xff >> (first % 8);
        }
        if i == b1 {
            keep &= 0xff << (7 - last % 8);
        }
        if bit {
            byte & keep
        } else {
            byte | !keep
        }
    };
    let first_byte = masked(b0, bytes[b0]);
    if b0 == b1 {
        return first_bit(&[first_byte], bit)
            .filter(|&p| p < 8)
            .map(|p| b0 as u64 * 8 + p);
    }
    if let Some(p) = first_bit(&[first_byte], bit).filter(|&p| p < 8) {
        return Some(b0 as u64 * 8 + p);
    }
    if b1 > b0 + 1 {
        if let Some(p) =
            first_bit(&bytes[b0 + 1..b1], bit).filter(|&p| p < (b1 - b0 - 1) as u64 * 8)
        {
            return Some((b0 as u64 + 1) * 8 + p);
        }
    }
    let last_byte = masked(b1, bytes[b1]);
    first_bit(&[last_byte], bit)
        .filter(|&p| p < 8)
        .map(|p| b1 as u64 * 8 + p)
}

/// Reads `bits` bits at bit `offset` as an unsigned number, MSB first; past the end of
/// the string reads zeros.
pub fn get_unsigned(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    let mut v = 0u64;
    for j in 0..bits as u64 {
        let o = offset + j;
        let byte = bytes.get((o >> 3) as usize).copied().unwrap_or(0);
        v = (v << 1) | ((byte >> (7 - (o & 7))) & 1) as u64;
    }
    v
}

pub fn get_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(bytes, offset, bits);
    if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

/// Writes the low `bits` bits of `value` at bit `offset`; the string must be long enough.
pub fn set_bits(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..bits as u64 {
        let bit = (value >> (bits as u64 - 1 - j)) & 1;
        let o = offset + j;
        let idx = (o >> 3) as usize;
        let shift = 7 - (o & 7);
        bytes[idx] = (bytes[idx] & !(1 << shift)) | ((bit as u8) << shift);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// Adds `incr` to an unsigned field of `bits` bits (SET uses incr 0 to check a value):
/// `(overflowed, result)` where the result is wrapped or saturated as `ow` says.
pub fn unsigned_add(value: u64, incr: i64, bits: u32, ow: Overflow) -> (bool, u64) {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = (value as i64).wrapping_neg();
    let wrapped = || value.wrapping_add(incr as u64) & max;
    if value > max || (incr > 0 && incr > maxincr) {
        (true, if ow == Overflow::Sat { max } else { wrapped() })
    } else if incr < 0 && incr < minincr {
        (true, if ow == Overflow::Sat { 0 } else { wrapped() })
    } else {
        (false, value.wrapping_add(incr as u64))
    }
}

/// The signed counterpart of [`unsigned_add`].
pub fn signed_add(value: i64, incr: i64, bits: u32, ow: Overflow) -> (bool, i64) {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrapped = || {
        let c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                (c | mask) as i64
            } else {
                (c & !mask) as i64
            }
        } else {
            c as i64
        }
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        (true, if ow == Overflow::Sat { max } else { wrapped() })
    } else if value < min
        || (bits != 64 && incr < minincr)
        || (value < 0 && incr < 0 && incr < minincr)
    {
        (true, if ow == Overflow::Sat { min } else { wrapped() })
    } else {
        (false, value.wrapping_add(incr))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP over sources of possibly different lengths: missing bytes are zeros and the
/// result is as long as the longest source. Whole words first, then the tail.
pub fn bitop(op: BitOp, srcs: &[&[u8]]) -> Vec<u8> {
    let maxlen = srcs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![0u8; maxlen];
    if srcs.is_empty() {
        return out;
    }
    out[..srcs[0].len()].copy_from_slice(srcs[0]);
    match op {
        BitOp::Not => {
            for b in out.iter_mut() {
                *b = !*b;
            }
        }
        BitOp::And => {
            for s in &srcs[1..] {
                combine(&mut out, s, |a, b| a & b);
                // Bytes past a shorter source are ANDed with zero.
                for b in out[s.len()..].iter_mut() {
                    *b = 0;
                }
            }
        }
        BitOp::Or => {
            for s in &srcs[1..] {
                combine(&mut out, s, |a, b| a | b);
            }
        }
        BitOp::Xor => {
            for s in &srcs[1..] {
                combine(&mut out, s, |a, b| a ^ b);
            }
        }
    }
    out
}

/// `out[i] = f(out[i], src[i])` over the common length, eight bytes at a time.
fn combine(out: &mut [u8], src: &[u8], f: impl Fn(u64, u64) -> u64) {
    let n = src.len().min(out.len());
    let (o_words, o_tail) = out[..n].split_at_mut(n / 8 * 8);
    let (s_words, s_tail) = src[..n].split_at(n / 8 * 8);
    for (o, s) in o_words.chunks_exact_mut(8).zip(s_words.chunks_exact(8)) {
        let a = u64::from_ne_bytes(o[..8].try_into().unwrap_or([0; 8]));
        let b = u64::from_ne_bytes(s[..8].try_into().unwrap_or([0; 8]));
        o.copy_from_slice(&f(a, b).to_ne_bytes());
    }
    for (o, s) in o_tail.iter_mut().zip(s_tail) {
        *o = f(*o as u64, *s as u64) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_and_searching() {
        let b = [0xff, 0xf0, 0x00, 0x01];
        assert_eq!(popcount(&b), 13);
        assert_eq!(count_bits(&b, 4, 11), 8);
        assert_eq!(count_bits(&b, 31, 31), 1);
        assert_eq!(first_bit(&b, false), Some(12));
        assert_eq!(first_bit(&[0xff; 3], false), Some(24));
        assert_eq!(first_bit(&[0; 20], true), None);
        assert_eq!(find_bit(&b, true, 12, 30), None);
        assert_eq!(find_bit(&b, true, 12, 31), Some(31));
        assert_eq!(find_bit(&b, false, 0, 11), None);
        assert_eq!(resolve_range(4, -2, -1, false), Some((16, 31)));
        assert_eq!(resolve_range(4, 5, 2, false), None);
        assert_eq!(resolve_range(0, 0, -1, false), None);
    }

    #[test]
    fn bitfields() {
        let mut s = vec![0u8; 2];
        set_bits(&mut s, 3, 5, 0b10110);
        assert_eq!(s, [0b0001_0110, 0]);
        assert_eq!(get_unsigned(&s, 3, 5), 0b10110);
        assert_eq!(get_signed(&s, 3, 5), -10);
        assert_eq!(unsigned_add(250, 10, 8, Overflow::Wrap), (true, 4));
        assert_eq!(unsigned_add(250, 10, 8, Overflow::Sat), (true, 255));
        assert_eq!(signed_add(120, 10, 8, Overflow::Wrap), (true, -126));
        assert_eq!(signed_add(-120, -10, 8, Overflow::Sat), (true, -128));
        assert_eq!(
            signed_add(i64::MAX, 1, 64, Overflow::Wrap),
            (true, i64::MIN)
        );
    }

    #[test]
    fn bitop_lengths() {
        assert_eq!(bitop(BitOp::And, &[&[0xff, 0xff], &[0x0f]]), vec![0x0f, 0]);
        assert_eq!(
            bitop(BitOp::Or, &[&[0x01], &[0x10, 0x20]]),
            vec![0x11, 0x20]
        );
        assert_eq!(bitop(BitOp::Not, &[&[0x0f]]), vec![0xf0]);
        let a: Vec<u8> = (0..100).collect();
        let b: Vec<u8> = (0..100u8).map(|x| x.wrapping_mul(3)).collect();
        let x = bitop(BitOp::Xor, &[&a, &b]);
        assert!(x.iter().enumerate().all(|(i, &v)| v == a[i] ^ b[i]));
    }
}
