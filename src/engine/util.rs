//! Number parsing and printing, and glob matching, with Redis's exact rules.
//!
//! Redis is strict about integers (no `+`, no leading zeros, no spaces: "007" is not an
//! integer) and leans on C's `strtold`/`printf("%.17Lf")` for INCRBYFLOAT, which on x86-64
//! means 80-bit x87 arithmetic. We reproduce that with a software 80-bit float so that
//! `INCRBYFLOAT k 1.6` after `SET k 1000` prints the same 21-digit tail as Redis.

use rustc_apfloat::ieee::X87DoubleExtended as F80;
use rustc_apfloat::{Float, Round, Status};

/// Parses an integer the way Redis's `string2ll` does: optional `-`, then digits with no
/// leading zero (except "0" itself), nothing else, within i64.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

/// An 80-bit extended float, as Redis's `long double` on x86-64.
#[derive(Clone, Copy, Debug)]
pub struct LongDouble(F80);

impl LongDouble {
    /// `strtold` as Redis's `string2ld` uses it: no leading space, whole string consumed,
    /// no NaN, no overflow to infinity and no underflow to zero.
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= 5 * 1024 {
            return None;
        }
        let text = std::str::from_utf8(s).ok()?;
        let (neg, body) = match text.as_bytes()[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        if body.is_empty() || body.starts_with(['-', '+']) {
            return None;
        }
        let lower = body.to_ascii_lowercase();
        let v = if lower == "inf" || lower == "infinity" {
            F80::INFINITY
        } else {
            let valid = if let Some(hex) = lower.strip_prefix("0x") {
                valid_hex_float(hex)
            } else {
                valid_dec_float(&lower)
            };
            if !valid {
                return None;
            }
            let src = if lower.starts_with("0x") && !lower.contains('p') {
                format!("{lower}p0")
            } else {
                lower.clone()
            };
            let r = F80::from_str_r(&src, Round::NearestTiesToEven).ok()?;
            if r.status.contains(Status::OVERFLOW) {
                return None;
            }
            if r.status.contains(Status::UNDERFLOW) && r.value.is_zero() {
                return None;
            }
            r.value
        };
        Some(LongDouble(if neg { -v } else { v }))
    }

    /// A double widened exactly.
    pub fn from_f64(v: f64) -> LongDouble {
        use rustc_apfloat::ieee::Double;
        use rustc_apfloat::FloatConvert;
        let d = Double::from_bits(v.to_bits() as u128);
        let mut lost = false;
        LongDouble(d.convert_r(Round::NearestTiesToEven, &mut lost).value)
    }

    pub fn from_i64(v: i64) -> LongDouble {
        LongDouble(F80::from_i128(v as i128).value)
    }

    pub fn plus(self, o: LongDouble) -> LongDouble {
        LongDouble((self.0 + o.0).value)
    }

    pub fn is_finite(self) -> bool {
        self.0.is_finite()
    }

    /// The nearest f64.
    pub fn to_f64(self) -> f64 {
        use rustc_apfloat::ieee::Double;
        use rustc_apfloat::FloatConvert;
        let mut lost = false;
        let d: Double = self.0.convert_r(Round::NearestTiesToEven, &mut lost).value;
        f64::from_bits(d.to_bits() as u64)
    }

    /// `printf("%.17Lf")` with trailing zeros and a trailing dot removed, and "-0" made
    /// "0": what Redis prints for INCRBYFLOAT (`ld2string` in human mode).
    pub fn to_human(self) -> String {
        if self.0.is_infinite() {
            return if self.0.is_negative() { "-inf" } else { "inf" }.into();
        }
        let bits = self.0.to_bits();
        let mant = bits as u64;
        let exp = ((bits >> 64) & 0x7fff) as i64;
        let neg = (bits >> 79) & 1 == 1;
        // Value = mant * 2^(exp - 16383 - 63); denormals use exponent 1.
        let e2 = if exp == 0 {
            1 - 16383 - 63
        } else {
            exp - 16383 - 63
        };
        let digits = fixed_17(mant, e2);
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(&digits);
        // Trim the fraction.
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
        if s == "-0" {
            s = "0".into();
        }
        s
    }
}

/// The decimal expansion of `mant * 2^e2` rounded to 17 places, half to even on the exact
/// binary value (what glibc's printf does in the default rounding mode).
fn fixed_17(mant: u64, e2: i64) -> String {
    const PLACES: usize = 17;
    // mant * 10^17, exactly (10^17 is 10^9 * 10^8: two single-limb multiplications).
    let mut n = Nat::from_u64(mant);
    n.mul_small(1_000_000_000);
    n.mul_small(100_000_000);
    let scaled = if e2 >= 0 {
        n.shl(e2 as usize);
        n
    } else {
        let shift = (-e2) as usize;
        let mut q = n.shr(shift);
        // Round half to even on what the shift drops.
        match n.dropped_vs_half(shift) {
            std::cmp::Ordering::Greater => q.add_one(),
            std::cmp::Ordering::Equal if q.is_odd() => q.add_one(),
            _ => {}
        }
        q
    };
    let mut text = scaled.to_decimal();
    if text.len() <= PLACES {
        text = format!("{}{}", "0".repeat(PLACES + 1 - text.len()), text);
    }
    let (int, frac) = text.split_at(text.len() - PLACES);
    format!("{int}.{frac}")
}

/// A natural number in base 2^32, least significant limb first: just the arithmetic
/// `fixed_17` needs (a long double's exact decimal expansion runs to thousands of
/// digits), small enough not to weigh on the browser build as a bignum crate would.
#[derive(Clone, Debug, PartialEq)]
struct Nat(Vec<u32>);

impl Nat {
    fn from_u64(v: u64) -> Nat {
        Nat(vec![v as u32, (v >> 32) as u32])
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut() {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn shl(&mut self, bits: usize) {
        let (limbs, rest) = (bits / 32, bits % 32);
        if rest > 0 {
            let mut carry = 0u32;
            for limb in self.0.iter_mut() {
                let v = (*limb << rest) | carry;
                carry = *limb >> (32 - rest);
                *limb = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    /// `self >> bits` (floor).
    fn shr(&self, bits: usize) -> Nat {
        let (limbs, rest) = (bits / 32, bits % 32);
        let src = self.0.get(limbs..).unwrap_or(&[]);
        let mut out: Vec<u32> = (0..src.len())
            .map(|i| {
                let lo = src[i] >> rest;
                let hi = if rest > 0 {
                    src.get(i + 1).map_or(0, |&h| h << (32 - rest))
                } else {
                    0
                };
                lo | hi
            })
            .collect();
        if out.is_empty() {
            out.push(0);
        }
        Nat(out)
    }

    fn bit(&self, i: usize) -> bool {
        self.0
            .get(i / 32)
            .is_some_and(|&l| (l >> (i % 32)) & 1 == 1)
    }

    /// How the low `bits` bits (what `shr(bits)` drops) compare with half of 2^bits.
    fn dropped_vs_half(&self, bits: usize) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        if bits == 0 || !self.bit(bits - 1) {
            return Less;
        }
        let below = bits - 1;
        let any = (0..below / 32).any(|i| self.0.get(i).is_some_and(|&l| l != 0))
            || (below % 32 > 0
                && self
                    .0
                    .get(below / 32)
                    .is_some_and(|&l| l & ((1u32 << (below % 32)) - 1) != 0));
        if any {
            Greater
        } else {
            Equal
        }
    }

    fn is_odd(&self) -> bool {
        self.0.first().is_some_and(|&l| l & 1 == 1)
    }

    fn add_one(&mut self) {
        for limb in self.0.iter_mut() {
            let (v, over) = limb.overflowing_add(1);
            *limb = v;
            if !over {
                return;
            }
        }
        self.0.push(1);
    }

    /// Decimal digits, by repeated division by 10^9.
    fn to_decimal(&self) -> String {
        let mut limbs = self.0.clone();
        while limbs.len() > 1 && limbs.last() == Some(&0) {
            limbs.pop();
        }
        let mut chunks = Vec::new();
        while limbs.len() > 1 || limbs[0] != 0 {
            let mut rem = 0u64;
            for limb in limbs.iter_mut().rev() {
                let v = (rem << 32) | u64::from(*limb);
                *limb = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            chunks.push(rem as u32);
            while limbs.len() > 1 && limbs.last() == Some(&0) {
                limbs.pop();
            }
        }
        let mut s = chunks.last().map_or("0".to_string(), |c| c.to_string());
        for c in chunks.iter().rev().skip(1) {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

fn valid_dec_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'e' {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

fn valid_hex_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_hexdigit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'p' {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// Glob matching as Redis's `stringmatchlen`: `*`, `?`, `[abc]`, `[^a-z]`, and `\x` to
/// escape. With `nocase`, ASCII letters compare case-insensitively.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    glob_inner(pattern, s, nocase, 0, &mut skip_longer)
}

/// `skip_longer` is Redis's skipLongerMatches: once the rest of a pattern after a `*`
/// matched nowhere in the rest of the string, no earlier `*` can help by taking more of
/// the string, so every pending loop stops. Without it `a*a*a*…*b` against a long run
/// of `a`s takes exponential time (and a server stops answering everybody).
fn glob_inner(p: &[u8], s: &[u8], nocase: bool, depth: u32, skip_longer: &mut bool) -> bool {
    // Deep nesting of stars is bounded, as Redis bounds it, to avoid stack exhaustion.
    if depth > 1000 {
        return false;
    }
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut si) = (0usize, 0usize);
    while pi < p.len() {
        match p[pi] {
            b'*' => {
                while pi + 1 < p.len() && p[pi + 1] == b'*' {
                    pi += 1;
                }
                if pi + 1 == p.len() {
                    return true;
                }
                // A plain character after the star matches only where the string has
                // it: every other start fails at its first byte (leaving `skip_longer`
                // alone), so only those are tried (`__key*__:*` on a notification).
                let next = p[pi + 1];
                let plain = !matches!(next, b'?' | b'[' | b'\\');
                for start in si..=s.len() {
                    if plain && (start == s.len() || !eq(next, s[start])) {
                        continue;
                    }
                    if glob_inner(&p[pi + 1..], &s[start..], nocase, depth + 1, skip_longer) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                }
                *skip_longer = true;
                return false;
            }
            b'?' => {
                if si >= s.len() {
                    return false;
                }
                si += 1;
            }
            b'[' => {
                if si >= s.len() {
                    return false;
                }
                pi += 1;
                let not = pi < p.len() && p[pi] == b'^';
                if not {
                    pi += 1;
                }
                let mut matched = false;
                loop {
                    if pi >= p.len() {
                        // Unterminated class: Redis treats the end as the close.
                        pi -= 1;
                        break;
                    }
                    if p[pi] == b'\\' && pi + 2 < p.len() {
                        pi += 1;
                        if p[pi] == s[si] {
                            matched = true;
                        }
                    } else if p[pi] == b']' {
                        break;
                    } else if pi + 2 < p.len() && p[pi + 1] == b'-' {
                        let (mut lo, mut hi) = (p[pi], p[pi + 2]);
                        let mut c = s[si];
                        if lo > hi {
                            std::mem::swap(&mut lo, &mut hi);
                        }
                        if nocase {
                            lo = lo.to_ascii_lowercase();
                            hi = hi.to_ascii_lowercase();
                            c = c.to_ascii_lowercase();
                        }
                        pi += 2;
                        if c >= lo && c <= hi {
                            matched = true;
                        }
                    } else if eq(p[pi], s[si]) {
                        matched = true;
                    }
                    pi += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                si += 1;
            }
            b'\\' if pi + 1 < p.len() => {
                pi += 1;
                if si >= s.len() || !eq(p[pi], s[si]) {
                    return false;
                }
                si += 1;
            }
            c => {
                if si >= s.len() || !eq(c, s[si]) {
                    return false;
                }
                si += 1;
            }
        }
        pi += 1;
    }
    si == s.len()
}

/// Memory amounts as redis.conf writes them: `1mb`, `10k`, `1gb`, plain bytes.
pub fn parse_memory(s: &[u8]) -> Option<i64> {
    let t = std::str::from_utf8(s).ok()?.to_ascii_lowercase();
    let units: [(&str, i64); 8] = [
        ("kb", 1024),
        ("mb", 1024 * 1024),
        ("gb", 1024 * 1024 * 1024),
        ("k", 1000),
        ("m", 1000 * 1000),
        ("g", 1000 * 1000 * 1000),
        ("b", 1),
        ("", 1),
    ];
    for (suffix, mul) in units {
        if let Some(num) = t.strip_suffix(suffix) {
            if num.is_empty() || !num.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
                continue;
            }
            let n: i64 = num.parse().ok()?;
            return n.checked_mul(mul);
        }
    }
    None
}

/// `used_memory_human` style: 1.23M, 512B, 4.00K.
pub fn bytes_human(n: u64) -> String {
    let f = n as f64;
    if n < 1024 {
        format!("{n}B")
    } else if n < 1024 * 1024 {
        format!("{:.2}K", f / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{:.2}M", f / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", f / (1024.0 * 1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_stars_fail_fast() {
        // Redis's regression test: 20 stars against 40 `a`s with no `b` (exponential
        // without skipLongerMatches; this test would not finish).
        let pat = format!("{}b", "a*".repeat(20));
        assert!(!glob_match(pat.as_bytes(), &[b'a'; 40], false));
        let pat = format!("{}a", "*a".repeat(30));
        assert!(glob_match(pat.as_bytes(), &[b'a'; 60], false));
        assert!(!glob_match(pat.as_bytes(), &[b'a'; 29], false));
        assert!(glob_match(b"h*llo*w?rld", b"hello brave world", false));
        // A plain character after a star, at the string's end or not, any case.
        assert!(glob_match(b"__key*__:*", b"__keyspace@0__:k", false));
        assert!(glob_match(b"__key*__:*", b"__keyevent@12__:__:", false));
        assert!(!glob_match(b"__key*__:*", b"__keyspace@0_:k", false));
        assert!(glob_match(b"a*b", b"aXXb", false));
        assert!(!glob_match(b"a*b", b"aXXbc", false));
        assert!(glob_match(b"a*b", b"aXbXXb", false));
        assert!(glob_match(b"A*B", b"axxb", true));
        assert!(!glob_match(b"A*B", b"axxb", false));
        assert!(glob_match(b"*\\*", b"x*", false));
        assert!(glob_match(b"*?", b"x", false));
        assert!(!glob_match(b"a*b", b"a", false));
        assert!(!glob_match(b"h*llo*w?rld", b"hello brave word", false));
    }

    #[test]
    fn integers_are_strict() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b"9223372036854775808"[..],
            b"+1",
            b"01",
            b"-0",
            b" 1",
            b"1 ",
            b"",
            b"-",
            b"1.0",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn long_double_matches_x87() {
        let add = |a: &str, b: &str| {
            LongDouble::parse(a.as_bytes())
                .unwrap()
                .plus(LongDouble::parse(b.as_bytes()).unwrap())
                .to_human()
        };
        // Figures read off redis-server 7.0.15 on x86-64.
        assert_eq!(add("1000", "1.6"), "1001.59999999999999998");
        assert_eq!(add("10.5", "0.1"), "10.6");
        assert_eq!(add("0", "3.0e3"), "3000");
        assert_eq!(add("5.0e3", "2.0e2"), "5200");
        assert_eq!(add("-1", "1"), "0");
        assert_eq!(add("0x10", "0"), "16");
        assert!(LongDouble::parse(b"nan").is_none());
        assert!(LongDouble::parse(b" 1").is_none());
        assert!(LongDouble::parse(b"1e99999").is_none());
        assert!(LongDouble::parse(b"1e-99999").is_none());
        assert!(LongDouble::parse(b"abc").is_none());
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"anything", false));
        assert!(glob_match(b"h?llo", b"hello", false));
        assert!(glob_match(b"h[ae]llo", b"hallo", false));
        assert!(!glob_match(b"h[^e]llo", b"hello", false));
        assert!(glob_match(b"h[a-b]llo", b"hbllo", false));
        assert!(glob_match(b"user:*:name", b"user:42:name", false));
        assert!(!glob_match(b"user:*:name", b"user:42:mail", false));
        assert!(glob_match(b"a\\*b", b"a*b", false));
        assert!(glob_match(b"MAX*", b"maxmemory", true));
    }

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory(b"1mb"), Some(1 << 20));
        assert_eq!(parse_memory(b"100"), Some(100));
        assert_eq!(parse_memory(b"1GB"), Some(1 << 30));
        assert_eq!(parse_memory(b"2k"), Some(2000));
        assert_eq!(parse_memory(b"x"), None);
    }

    /// The small bignum against num-bigint's (a test-only dependency), on random and
    /// edge mantissas and exponents across the long double's whole range.
    #[test]
    fn fixed_17_matches_a_reference_bignum() {
        use num_bigint::BigUint;
        fn reference(mant: u64, e2: i64) -> String {
            let scale = BigUint::from(10u32).pow(17);
            let m = BigUint::from(mant);
            let scaled: BigUint = if e2 >= 0 {
                (m << (e2 as usize)) * &scale
            } else {
                let shift = (-e2) as usize;
                let num = m * &scale;
                let q: BigUint = &num >> shift;
                let rem = &num - (&q << shift);
                let half = BigUint::from(1u32) << (shift - 1);
                if rem > half || (rem == half && q.bit(0)) {
                    q + 1u32
                } else {
                    q
                }
            };
            let mut text = scaled.to_string();
            if text.len() <= 17 {
                text = format!("{}{}", "0".repeat(18 - text.len()), text);
            }
            let (int, frac) = text.split_at(text.len() - 17);
            format!("{int}.{frac}")
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut cases = vec![
            (0, 0),
            (1, 0),
            (u64::MAX, 0),
            (1, -1),
            (3, -2),
            (5, -1),
            (1 << 63, -16445),
            (u64::MAX, 16320),
            (12345, -60),
        ];
        for _ in 0..400 {
            let m = next();
            let e = (next() % 33000) as i64 - 16500;
            cases.push((m, e));
            cases.push((m >> (next() % 64), (next() % 200) as i64 - 100));
        }
        for (m, e) in cases {
            assert_eq!(fixed_17(m, e), reference(m, e), "mant {m} e2 {e}");
        }
    }
}

/// Redis's CRC-64 (Jones polynomial, reflected, as `crc64.c`), which closes DUMP
/// payloads and RDB files. `crc64(0, b"123456789")` is 0xe9c6d914c4b8d9ca.
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    const POLY: u64 = 0x95ac_9329_ac4b_c9b5;
    static TABLE: std::sync::OnceLock<[u64; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u64; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u64;
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    for &b in data {
        crc = table[((crc ^ b as u64) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

/// LZF decompression (liblzf's format, which RDB strings use when compressed), into
/// exactly `out_len` bytes; None if the input is malformed or does not fill it.
pub fn lzf_decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(out_len.min(1 << 26));
    let mut i = 0;
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            let lit = input.get(i..i + n)?;
            if out.len() + n > out_len {
                return None;
            }
            out.extend_from_slice(lit);
            i += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(i)? as usize;
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(i)? as usize + 1;
            i += 1;
            if back > out.len() || out.len() + len + 2 > out_len {
                return None;
            }
            let start = out.len() - back;
            for k in 0..len + 2 {
                out.push(out[start + k]);
            }
        }
    }
    (out.len() == out_len).then_some(out)
}

#[cfg(test)]
mod crc_tests {
    #[test]
    fn crc64_matches_redis_check_value() {
        assert_eq!(super::crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    #[test]
    fn lzf_back_references_expand() {
        // "aaaaaaaaaa": one literal 'a', then a back reference of length 9 at distance 1.
        let c = [0u8, b'a', 7 << 5, 0, 0];
        assert_eq!(
            super::lzf_decompress(&c, 10).as_deref(),
            Some(&b"aaaaaaaaaa"[..])
        );
        assert_eq!(super::lzf_decompress(&c, 9), None);
        assert_eq!(super::lzf_decompress(&[5, 1], 6), None);
    }
}

/// A string quoted as Redis's `sdscatrepr` quotes it (MONITOR's lines; redis-cli
/// prints strings the same way).
pub fn repr(s: &[u8]) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for &c in s {
        match c {
            b'\\' => o.push_str("\\\\"),
            b'"' => o.push_str("\\\""),
            b'\n' => o.push_str("\\n"),
            b'\r' => o.push_str("\\r"),
            b'\t' => o.push_str("\\t"),
            7 => o.push_str("\\a"),
            8 => o.push_str("\\b"),
            c if (0x20..0x7f).contains(&c) => o.push(c as char),
            c => o.push_str(&format!("\\x{c:02x}")),
        }
    }
    o.push('"');
    o
}
