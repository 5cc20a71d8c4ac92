//! Scalable Bloom filters (BF.*), laid out as RedisBloom 2.6 lays them out.
//!
//! # The structure
//!
//! A Bloom filter answers "have I seen this?" with no false negatives and a tunable rate
//! of false positives. It is a bit array of `bits` bits and `hashes` hash functions: adding
//! an item sets the `hashes` bits its hashes point at; an item is "maybe there" when all
//! of its bits are set. With `bpe = -ln(error) / ln(2)²` bits per expected entry and
//! `hashes = ceil(ln 2 · bpe)`, the false-positive rate after `entries` insertions is the
//! requested `error`.
//!
//! A filter that is full answers "maybe" more and more often, so RedisBloom chains them
//! (a *scalable* Bloom filter, Almeida et al. 2007): when the newest link holds as many
//! items as it was sized for, a new link is added, `expansion` times larger, with half the
//! error rate, so the chain's total error stays under the requested one (the first link
//! also gets half: error × ½, then × ¼ …; the sum is < error). An item is added only if
//! no link already answers "maybe"; it goes into the newest link. `NONSCALING` filters
//! refuse instead of growing (and keep the full error rate for their one link).
//!
//! # The reference's layout, kept bit for bit
//!
//! - Hashing (`bloom_calc_hash64`): `a = MurmurHash64A(item, seed 0xc6a4a7935bd1e995)`,
//!   `b = MurmurHash64A(item, seed a)`; bit `i` of `hashes` is `(a + i·b) mod bits`, in
//!   wrapping 64-bit arithmetic. Filters made by BF.RESERVE/ADD/INSERT always use this
//!   64-bit variant (`BLOOM_OPT_FORCE64`) and exact sizing (`BLOOM_OPT_NOROUND`), so `bits`
//!   is `entries × bpe` rounded up to a multiple of 64. A header loaded by BF.LOADCHUNK
//!   may ask for the older variants (32-bit MurmurHash2 with seed 0x9747b28c, or a
//!   power-of-two size `1 << n2`); those work too.
//! - Bits are numbered from the least significant bit of byte 0, so BF.SCANDUMP's chunks
//!   are the reference's bytes: chunk 0 is the packed header (size, nfilters, options,
//!   growth, then per link bytes, bits, size, error, bpe, hashes, entries, n2, all
//!   little-endian), then each link's bit array in pieces of at most 16 MB; the iterator
//!   is one plus the byte offset reached.
//! - A new link's capacity is `entries × expansion` of the link before (where `entries`
//!   already includes the free items the rounding gave), error × ½.
//! - BF.INFO's Size (and MEMORY USAGE) is the reference's `BFMemUsage`: 32 bytes for the
//!   chain, 64 per link, plus the bit arrays.
//!
//! # What differs
//!
//! A filter the reference would build with zero bits (a tiny NONSCALING filter with an
//! error rate near 1: `entries × bpe < 1`) crashes redis-server on its first ADD (a
//! division by zero); here BF.RESERVE refuses it ("ERR could not create filter"). A
//! filter whose bit array would exceed the size limit (maxmemory, or the browser's; see
//! `cmd::bloom`) or that the allocator refuses is an error, where the reference would
//! abort the server trying to allocate it.

use serde::{Deserialize, Serialize};

pub const OPT_NOROUND: u32 = 1;
pub const OPT_ENTS_IS_BITS: u32 = 2;
pub const OPT_FORCE64: u32 = 4;
pub const OPT_NO_SCALING: u32 = 8;

/// The reference's truncated ln 2 (not `std::f64::consts::LN_2`): `hashes` is computed
/// from it, and a header's `hashes` is checked against it.
#[allow(clippy::approx_constant)]
const LN2: f64 = 0.693147180559945;
const ERROR_TIGHTENING_RATIO: f64 = 0.5;
/// The largest BF.SCANDUMP chunk.
pub const MAX_SCANDUMP_SIZE: u64 = 16 * 1024 * 1024;
/// The packed header: size u64, nfilters u32, options u32, growth u32.
pub const HEADER_LEN: usize = 20;
/// One packed link: bytes, bits, size u64; error, bpe f64; hashes u32; entries u64; n2 u8.
pub const LINK_LEN: usize = 8 * 3 + 8 * 2 + 4 + 8 + 1;

/// MurmurHash2, 32 bits (Austin Appleby), reading 4-byte little-endian words.
pub fn murmur2(key: &[u8], seed: u32) -> u32 {
    const M: u32 = 0x5bd1e995;
    let mut h = seed ^ key.len() as u32;
    let mut chunks = key.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let t = chunks.remainder();
    if t.len() >= 3 {
        h ^= (t[2] as u32) << 16;
    }
    if t.len() >= 2 {
        h ^= (t[1] as u32) << 8;
    }
    if !t.is_empty() {
        h ^= t[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

/// MurmurHash64A as RedisBloom copies it (`MurmurHash64A_Bloom`).
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4a7935bd1e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let t = chunks.remainder();
    if !t.is_empty() {
        for (i, &b) in t.iter().enumerate().rev() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The two base hashes of an item (`bloom_calc_hash` / `bloom_calc_hash64`).
pub fn hash_pair(item: &[u8], force64: bool) -> (u64, u64) {
    if force64 {
        let a = murmur64a(item, 0xc6a4a7935bd1e995);
        (a, murmur64a(item, a))
    } else {
        let a = murmur2(item, 0x9747b28c) as u64;
        (a, murmur2(item, a as u32) as u64)
    }
}

/// One link of the chain: a plain Bloom filter (`struct bloom` plus its item count).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub hashes: u32,
    pub force64: bool,
    pub n2: u8,
    /// How many items this link is sized for (after rounding's bonus).
    pub entries: u64,
    pub error: f64,
    pub bpe: f64,
    pub bytes: u64,
    pub bits: u64,
    /// Items added to this link.
    pub size: u64,
    pub bf: Vec<u8>,
}

fn calc_bpe(error: f64) -> f64 {
    let denom = 0.480453013918201; // ln(2)^2
    let bpe = -(error.ln() / denom);
    bpe.abs()
}

/// The geometry `bloom_init` would give, without allocating: (bits, bytes, n2, entries).
fn geometry(entries: u64, error: f64, options: u32) -> Option<(u64, u64, u8, u64)> {
    if entries < 1 || error <= 0.0 || error >= 1.0 {
        return None;
    }
    let bpe = calc_bpe(error);
    let mut entries_out = entries;
    let (bits, n2) = if options & OPT_ENTS_IS_BITS != 0 {
        if entries > 64 {
            return None;
        }
        let bits = 1u64.checked_shl(entries as u32).unwrap_or(0);
        entries_out = (bits as f64 / bpe) as u64;
        (bits, entries as u8)
    } else if options & OPT_NOROUND != 0 {
        ((entries as f64 * bpe) as u64, 0)
    } else {
        // logb: the binary exponent of a positive normal double.
        let x = entries as f64 * bpe;
        let bn2 = ((x.to_bits() >> 52) & 0x7ff) as i64 - 1023;
        if bn2 > 63 {
            return None;
        }
        let n2 = (bn2 + 1).max(0) as u8;
        let bits = 1u64.checked_shl(n2 as u32).unwrap_or(0);
        let bit_diff = (bits as f64 - x) as u64;
        entries_out += (bit_diff as f64 / bpe) as u64;
        (bits, n2)
    };
    let bytes = if bits % 64 != 0 {
        (bits / 64 + 1) * 8
    } else {
        bits / 8
    };
    Some((bytes * 8, bytes, n2, entries_out))
}

/// The bytes a new link of this size would allocate (for the size cap), or None when
/// `bloom_init` would refuse it.
pub fn link_bytes(entries: u64, error: f64, options: u32) -> Option<u64> {
    geometry(entries, error, options).map(|g| g.1)
}

impl Link {
    /// `bloom_init`. None where the reference fails, and for a zero-bit filter (which
    /// the reference creates and then divides by zero on).
    pub fn new(entries: u64, error: f64, options: u32) -> Option<Link> {
        let (bits, bytes, n2, entries) = geometry(entries, error, options)?;
        if bits == 0 {
            return None;
        }
        let bpe = calc_bpe(error);
        Some(Link {
            hashes: (LN2 * bpe).ceil() as i32 as u32,
            force64: options & OPT_FORCE64 != 0,
            n2,
            entries,
            error,
            bpe,
            bytes,
            bits,
            size: 0,
            bf: try_zeroed(bytes)?,
        })
    }

    /// The number of bit positions items map to: `1 << n2` for a power-of-two link,
    /// else `bits` (`bloom_check_add32/64` against `bloom_check_add_compat`). Files of
    /// RedisBloom before 2.2 hold power-of-two links whose `bits` field is 0.
    pub fn modulus(&self) -> u64 {
        if self.n2 > 0 {
            1u64 << (self.n2 as u32).min(63)
        } else {
            self.bits
        }
    }

    /// Whether all the item's bits are set.
    pub fn check(&self, (a, b): (u64, u64)) -> bool {
        let m = self.modulus();
        (0..self.hashes as u64).all(|i| {
            let x = a.wrapping_add(i.wrapping_mul(b)) % m;
            self.bf
                .get((x >> 3) as usize)
                .is_some_and(|c| c & (1 << (x % 8)) != 0)
        })
    }

    /// Sets the item's bits; true when at least one was unset (the item is new).
    pub fn add(&mut self, (a, b): (u64, u64)) -> bool {
        let m = self.modulus();
        let mut found_unset = false;
        for i in 0..self.hashes as u64 {
            let x = a.wrapping_add(i.wrapping_mul(b)) % m;
            if let Some(c) = self.bf.get_mut((x >> 3) as usize) {
                let mask = 1u8 << (x % 8);
                if *c & mask == 0 {
                    *c |= mask;
                    found_unset = true;
                }
            }
        }
        found_unset
    }

    /// The bit positions an item touches, in order (for a panel).
    pub fn positions(&self, (a, b): (u64, u64)) -> Vec<u64> {
        let m = self.modulus();
        (0..self.hashes as u64)
            .map(|i| a.wrapping_add(i.wrapping_mul(b)) % m)
            .collect()
    }

    /// Whether bit `i` is set (false past the end), for a panel.
    pub fn bit(&self, i: u64) -> bool {
        self.bf
            .get((i >> 3) as usize)
            .is_some_and(|c| c & (1 << (i % 8)) != 0)
    }

    /// How many bits are set: the fill that decides the false-positive rate.
    pub fn ones(&self) -> u64 {
        self.bf.iter().map(|b| b.count_ones() as u64).sum()
    }

    /// The textbook false-positive rate of this link after `size` insertions:
    /// `(1 - e^(-k·n/m))^k`.
    pub fn formula_fpr(&self) -> f64 {
        let m = self.modulus();
        if m == 0 {
            return 1.0;
        }
        let k = self.hashes as f64;
        (1.0 - (-k * self.size as f64 / m as f64).exp()).powf(k)
    }

    /// The chance that an item never added finds all its bits set now: the fill to the
    /// power `hashes` (what the bits actually set predict).
    pub fn fill_fpr(&self) -> f64 {
        let m = self.modulus();
        if m == 0 {
            return 1.0;
        }
        (self.ones() as f64 / m as f64).powf(self.hashes as f64)
    }

    /// What a link read from an RDB file must satisfy. RedisBloom's `BFRdbLoad` checks
    /// nothing and keeps the bit array at the length the file gives; older versions wrote
    /// links that `valid` refuses (a `bits` of 0 beside `n2`, or a bit array of
    /// `ceil(bits / 8)` bytes), which it reads and uses. Here such a link is taken as it
    /// is, as long as every position its hashes reach is inside its bit array and its
    /// hash count is the one its error rate gives (which bounds the work of a lookup).
    pub fn loadable(&self) -> bool {
        let m = self.modulus();
        self.error > 0.0
            && self.error < 1.0
            && self.n2 < 64
            && m > 0
            && m <= (self.bf.len() as u64).saturating_mul(8)
            && self.bytes == self.bf.len() as u64
            && self.hashes == (LN2 * self.bpe).ceil() as i32 as u32
    }

    /// `bloom_validate_integrity`: the invariants `bloom_init` gives a link (checked on
    /// BF.LOADCHUNK headers, as the reference checks them).
    pub fn valid(&self) -> bool {
        !(self.error <= 0.0
            || self.error >= 1.0
            || (self.n2 != 0 && (self.n2 >= 64 || self.bits < (1u64 << self.n2)))
            || self.bits == 0
            || Some(self.bits) != self.bytes.checked_mul(8)
            || self.hashes != (LN2 * self.bpe).ceil() as i32 as u32)
    }
}

/// What an add did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddResult {
    Added,
    Exists,
    /// A NONSCALING filter is full.
    Full,
    /// A new link could not be made (its size is over the cap, or invalid).
    Failed,
}

/// A scalable Bloom filter: the chain of links (`SBChain`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    pub links: Vec<Link>,
    /// Items added in all links.
    pub size: u64,
    pub options: u32,
    pub growth: u32,
}

impl Chain {
    /// `SB_NewChain`.
    pub fn new(capacity: u64, error: f64, options: u32, growth: u32) -> Option<Chain> {
        if capacity == 0 || error == 0.0 || error >= 1.0 {
            return None;
        }
        let tightening = if options & OPT_NO_SCALING != 0 {
            1.0
        } else {
            ERROR_TIGHTENING_RATIO
        };
        let link = Link::new(capacity, error * tightening, options)?;
        Some(Chain {
            links: vec![link],
            size: 0,
            options,
            growth,
        })
    }

    /// The error rate and bytes the first link of a new chain would get (for the cap).
    pub fn first_link_bytes(capacity: u64, error: f64, options: u32) -> Option<u64> {
        let t = if options & OPT_NO_SCALING != 0 {
            1.0
        } else {
            ERROR_TIGHTENING_RATIO
        };
        link_bytes(capacity, error * t, options)
    }

    pub fn hash(&self, item: &[u8]) -> (u64, u64) {
        hash_pair(item, self.options & OPT_FORCE64 != 0)
    }

    /// `SBChain_Check`.
    pub fn check(&self, item: &[u8]) -> bool {
        let h = self.hash(item);
        self.links.iter().rev().any(|l| l.check(h))
    }

    /// The bit positions the item maps to in each link (oldest link first), with the
    /// same hashes BF.ADD and BF.EXISTS use.
    pub fn positions(&self, item: &[u8]) -> Vec<Vec<u64>> {
        let h = self.hash(item);
        self.links.iter().map(|l| l.positions(h)).collect()
    }

    /// The chain's chance of a false positive now: one minus the chance that no link
    /// answers "maybe" for an item never added (from each link's fill).
    pub fn fill_fpr(&self) -> f64 {
        1.0 - self
            .links
            .iter()
            .map(|l| 1.0 - l.fill_fpr())
            .product::<f64>()
    }

    /// The bytes the next link would need, if this chain must grow before adding.
    pub fn next_link_bytes(&self) -> Option<u64> {
        let cur = self.links.last()?;
        if cur.size < cur.entries || self.options & OPT_NO_SCALING != 0 {
            return Some(0);
        }
        link_bytes(
            cur.entries.wrapping_mul(self.growth as u64),
            cur.error * ERROR_TIGHTENING_RATIO,
            self.options,
        )
    }

    /// `SBChain_Add`. `max_link` caps the bytes of a new link.
    pub fn add(&mut self, item: &[u8], max_link: u64) -> AddResult {
        let h = self.hash(item);
        if self.links.iter().rev().any(|l| l.check(h)) {
            return AddResult::Exists;
        }
        let Some(cur) = self.links.last() else {
            return AddResult::Failed;
        };
        if cur.size >= cur.entries {
            if self.options & OPT_NO_SCALING != 0 {
                return AddResult::Full;
            }
            let entries = cur.entries.wrapping_mul(self.growth as u64);
            let error = cur.error * ERROR_TIGHTENING_RATIO;
            match link_bytes(entries, error, self.options) {
                Some(b) if b <= max_link => {}
                _ => return AddResult::Failed,
            }
            match Link::new(entries, error, self.options) {
                Some(l) => self.links.push(l),
                None => return AddResult::Failed,
            }
        }
        let cur = self.links.last_mut().expect("a link");
        if cur.add(h) {
            cur.size += 1;
            // Wrapping as the C counter does (a chain read from a file may hold anything).
            self.size = self.size.wrapping_add(1);
            AddResult::Added
        } else {
            AddResult::Exists
        }
    }

    /// The sum of the links' capacities (BF.INFO Capacity).
    pub fn capacity(&self) -> u64 {
        self.links
            .iter()
            .fold(0u64, |a, l| a.wrapping_add(l.entries))
    }

    /// `BFMemUsage`: sizeof(SBChain) (32) + per link sizeof(SBLink) (64) + its bit array.
    pub fn mem_usage(&self) -> u64 {
        32 + self.links.iter().map(|l| 64 + l.bytes).sum::<u64>()
    }

    /// `SBChain_GetEncodedHeader`.
    pub fn encode_header(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(HEADER_LEN + LINK_LEN * self.links.len());
        v.extend_from_slice(&self.size.to_le_bytes());
        v.extend_from_slice(&(self.links.len() as u32).to_le_bytes());
        v.extend_from_slice(&self.options.to_le_bytes());
        v.extend_from_slice(&self.growth.to_le_bytes());
        for l in &self.links {
            v.extend_from_slice(&l.bytes.to_le_bytes());
            v.extend_from_slice(&l.bits.to_le_bytes());
            v.extend_from_slice(&l.size.to_le_bytes());
            v.extend_from_slice(&l.error.to_le_bytes());
            v.extend_from_slice(&l.bpe.to_le_bytes());
            v.extend_from_slice(&l.hashes.to_le_bytes());
            v.extend_from_slice(&l.entries.to_le_bytes());
            v.push(l.n2);
        }
        v
    }

    /// The link holding byte `iter - 1` of the concatenated bit arrays, and the offset.
    fn link_pos(&self, iter: i64) -> Option<(usize, u64)> {
        if iter < 1 {
            return None;
        }
        let mut cur = (iter - 1) as u64;
        for (i, l) in self.links.iter().enumerate() {
            if cur < l.bytes {
                return Some((i, cur));
            }
            cur -= l.bytes;
        }
        None
    }

    /// `SBChain_GetEncodedChunk`: the next iterator and the chunk (iterator 0 when done).
    pub fn chunk(&self, iter: i64) -> (i64, &[u8]) {
        let Some((i, off)) = self.link_pos(iter) else {
            return (0, &[]);
        };
        let l = &self.links[i];
        let len = (l.bytes - off).min(MAX_SCANDUMP_SIZE);
        (
            iter.wrapping_add(len as i64),
            &l.bf[off as usize..(off + len) as usize],
        )
    }

    /// `SB_NewChainFromHeader`; `max_bytes` caps the total bit arrays.
    pub fn from_header(buf: &[u8], max_bytes: u64) -> Result<Chain, String> {
        let bad = || "ERR received bad data".to_string();
        if buf.len() < HEADER_LEN {
            return Err(bad());
        }
        let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
        let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
        let size = u64_at(buf, 0);
        let nfilters = u32_at(buf, 8);
        let options = u32_at(buf, 12);
        let growth = u32_at(buf, 16);
        if buf.len() as u64 != HEADER_LEN as u64 + LINK_LEN as u64 * nfilters as u64 {
            return Err(bad());
        }
        let mut links = Vec::with_capacity(nfilters as usize);
        let mut total = 0u64;
        for i in 0..nfilters as usize {
            let p = HEADER_LEN + i * LINK_LEN;
            let mut l = Link {
                bytes: u64_at(buf, p),
                bits: u64_at(buf, p + 8),
                size: u64_at(buf, p + 16),
                error: f64::from_bits(u64_at(buf, p + 24)),
                bpe: f64::from_bits(u64_at(buf, p + 32)),
                hashes: u32_at(buf, p + 40),
                entries: u64_at(buf, p + 44),
                n2: buf[p + 52],
                force64: options & OPT_FORCE64 != 0,
                bf: Vec::new(),
            };
            if !l.valid() {
                return Err(bad());
            }
            total = total.saturating_add(l.bytes);
            if total > max_bytes {
                return Err(too_big(total, max_bytes));
            }
            l.bf = try_zeroed(l.bytes).ok_or_else(|| NO_MEMORY.to_string())?;
            links.push(l);
        }
        let sum = links
            .iter()
            .try_fold(0u64, |a, l| a.checked_add(l.size))
            .ok_or_else(bad)?;
        if options & !(OPT_NOROUND | OPT_ENTS_IS_BITS | OPT_FORCE64 | OPT_NO_SCALING) != 0
            || sum != size
        {
            return Err(bad());
        }
        Ok(Chain {
            links,
            size,
            options,
            growth,
        })
    }

    /// `SBChain_LoadEncodedChunk`.
    pub fn load_chunk(&mut self, iter: i64, buf: &[u8]) -> Result<(), String> {
        if iter <= 0 || (iter as u64) < buf.len() as u64 {
            return Err("ERR received bad data".into());
        }
        let Some((i, off)) = self.link_pos(iter - buf.len() as i64) else {
            return Err("ERR invalid offset - no link found".into());
        };
        let l = &mut self.links[i];
        if buf.len() as u64 > l.bytes - off {
            return Err("ERR invalid chunk - Too big for current filter".into());
        }
        l.bf[off as usize..off as usize + buf.len()].copy_from_slice(buf);
        Ok(())
    }
}

/// The integer types a structure's arrays hold: all-zero bytes are a valid value.
pub trait ZeroValid: Copy {}
impl ZeroValid for u8 {}
impl ZeroValid for u32 {}
impl ZeroValid for (u32, u32) {}

/// A zero-filled array of `n` elements, or None when the allocator cannot provide it.
/// Like the reference's `calloc`, a large array is mapped lazily by the OS (nothing is
/// written here); unlike it (RedisBloom aborts redis-server when `calloc` fails), the
/// caller answers with an error.
pub fn try_zeroed<T: ZeroValid>(n: u64) -> Option<Vec<T>> {
    let n = usize::try_from(n).ok()?;
    if n == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<T>(n).ok()?;
    // SAFETY: `layout` has a non-zero size; a non-null result is `n` zeroed, properly
    // aligned `T`s (valid values: `ZeroValid`) owned by the global allocator, which is
    // what `Vec::from_raw_parts` takes, with capacity `n` for the same layout.
    unsafe {
        let p = std::alloc::alloc_zeroed(layout) as *mut T;
        if p.is_null() {
            None
        } else {
            Some(Vec::from_raw_parts(p, n, n))
        }
    }
}

/// The error when the allocator refuses a structure (RedisBloom 2.8's wording; 2.6
/// aborts redis-server).
pub const NO_MEMORY: &str = "ERR Insufficient memory to create filter";

/// The browser's hard limit on one structure, whatever `kvlab-max-value-bytes` says.
pub const WASM_STRUCTURE_CAP: u64 = 1 << 30;

/// The largest probabilistic structure a key may hold, from `kvlab-max-value-bytes`
/// (`u64::MAX` when 0). The native server follows RedisBloom, which allocates what it is
/// asked for, up to what the machine has (RAM and swap: beyond it the allocation fails,
/// or succeeds lazily and fails later; an error here, an abort there); a browser tab
/// would be killed first, so there it is never more than 1 GiB.
pub fn structure_cap(value_cap: u64) -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        value_cap.min(WASM_STRUCTURE_CAP)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        value_cap.min(machine_bytes())
    }
}

/// RAM plus swap (`sysinfo`); `u64::MAX` if unknown.
#[cfg(not(target_arch = "wasm32"))]
fn machine_bytes() -> u64 {
    super::hostinfo::ram_and_swap().map_or(u64::MAX, |(ram, swap)| ram.saturating_add(swap))
}

/// The error for a sketch over the size limit.
pub fn too_big(need: u64, cap: u64) -> String {
    format!(
        "ERR this would allocate {need} bytes, over the size limit for one probabilistic structure ({cap} bytes: the machine's memory, maxmemory, kvlab-max-value-bytes, or 1 GiB in the browser)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_known_values() {
        // Values computed with RedisBloom's C functions.
        assert_eq!(murmur2(b"", 0), 0);
        assert_eq!(murmur64a(b"", 0), 0);
        assert_ne!(murmur2(b"abc", 1), murmur2(b"abc", 2));
    }

    #[test]
    fn an_allocation_the_allocator_refuses_is_none() {
        assert!(try_zeroed::<u8>(1 << 62).is_none());
        assert!(try_zeroed::<u32>(u64::MAX).is_none());
        assert_eq!(try_zeroed::<u32>(3), Some(vec![0, 0, 0]));
        assert_eq!(try_zeroed::<u8>(0), Some(vec![]));
    }

    #[test]
    fn the_structure_cap_is_the_value_cap_and_the_machine_natively() {
        assert_eq!(structure_cap(1 << 20), 1 << 20);
        #[cfg(target_arch = "wasm32")]
        assert_eq!(structure_cap(u64::MAX), WASM_STRUCTURE_CAP);
        // test_issue178's 1.13 GB filter is not capped (on a machine that has it).
        #[cfg(not(target_arch = "wasm32"))]
        assert!(structure_cap(u64::MAX) > 1 << 30 || machine_bytes() <= 1 << 30);
    }

    #[test]
    fn default_filter_geometry_matches_the_reference() {
        // BF.ADD's default filter: capacity 100, error 0.01 (0.005 for the first link).
        let c = Chain::new(100, 0.01, OPT_FORCE64 | OPT_NOROUND, 2).unwrap();
        assert_eq!(c.mem_usage(), 240);
        assert_eq!(c.links[0].hashes, 8);
        assert_eq!(c.links[0].bytes, 144);
    }

    #[test]
    fn no_false_negatives_and_scaling() {
        let mut c = Chain::new(10, 0.01, OPT_FORCE64 | OPT_NOROUND, 2).unwrap();
        for i in 0..100 {
            c.add(format!("item{i}").as_bytes(), u64::MAX);
        }
        assert!(c.links.len() > 1);
        for i in 0..100 {
            assert!(c.check(format!("item{i}").as_bytes()));
        }
    }
}
