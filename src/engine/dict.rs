//! The keyspace's hash table.
//!
//! Why not `std::collections::HashMap`? Three Redis behaviours need to see the buckets:
//!
//! * `SCAN` hands out a cursor that is a bucket index. Redis advances it in *reversed binary*
//!   order (increment the bit-reversed index), so that when the table doubles or halves
//!   between two calls, every bucket not yet visited maps onto indexes that the cursor has
//!   not passed. A key present for the whole scan is returned at least once, whatever
//!   resizing happened meanwhile. That guarantee only holds if we own the bucket layout.
//! * `RANDOMKEY`, active expiry and eviction sample keys at random.
//! * Iteration order must not depend on a per-process random seed, so the engine stays
//!   deterministic under a fixed RNG seed (Redis seeds SipHash randomly; our hash is a fixed
//!   multiply-xorshift function, which is also several times faster on short keys).
//!
//! Layout: entries live densely in one `Vec` (so a uniform random key is one index away) and
//! are chained per bucket through `next` indexes. Buckets are a power of two; the table
//! doubles when it holds more entries than buckets and halves when it falls under 1/8 full,
//! all at once rather than incrementally. A removal swaps the last entry into the hole and
//! relinks it.

const NIL: u32 = u32::MAX;
const MIN_BUCKETS: usize = 4;

/// Keys up to this many bytes live inside the entry itself: comparing them costs no
/// extra memory access, and most keys (`user:1001:name`) are this short.
const INLINE_KEY: usize = 22;

/// A key's bytes, inline when short, on the heap otherwise.
enum Key {
    Inline(u8, [u8; INLINE_KEY]),
    Heap(Box<[u8]>),
}

impl Key {
    fn new(k: &[u8]) -> Key {
        if k.len() <= INLINE_KEY {
            let mut buf = [0u8; INLINE_KEY];
            buf[..k.len()].copy_from_slice(k);
            Key::Inline(k.len() as u8, buf)
        } else {
            Key::Heap(k.into())
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Key::Inline(n, buf) => &buf[..*n as usize],
            Key::Heap(b) => b,
        }
    }
}

struct Entry<V> {
    key: Key,
    hash: u64,
    next: u32,
    val: V,
}

pub struct Dict<V> {
    entries: Vec<Entry<V>>,
    buckets: Vec<u32>,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Self::new()
    }
}

/// The hash of a key: eight bytes at a time, each word mixed in by multiply and
/// xor-shift (constants from SplitMix64), then MurmurHash3's 64-bit finaliser so that the
/// low bits, which pick the bucket, depend on every input bit.
pub fn hash_key(key: &[u8]) -> u64 {
    const K: u64 = 0xbf58_476d_1ce4_e5b9;
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ (key.len() as u64).wrapping_mul(K);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(K);
        h ^= h >> 31;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tail = [0u8; 8];
        tail[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(K);
        h ^= h >> 31;
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A `Hasher` built on [`hash_key`], for `HashMap`s keyed by byte strings (sorted-set
/// members): much faster than SipHash on short keys, and deterministic.
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = (self.0.rotate_left(5) ^ hash_key(bytes)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    // One multiply, as for a usize (the default would hash it as a byte string): a
    // `str` ends with a 0xff byte and an `Option` starts with its discriminant, so the
    // commandstats key `(container, name)` is hashed with these on every command.
    fn write_u8(&mut self, n: u8) {
        self.write_usize(n as usize);
    }
    fn write_isize(&mut self, n: isize) {
        self.write_usize(n as usize);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type KeyBuildHasher = std::hash::BuildHasherDefault<KeyHasher>;

/// A `HashMap` on [`KeyHasher`]: also for the engine's own tables looked up on every
/// command (the command index, INFO commandstats), where SipHash costs more than the
/// lookup is worth. Keys are never chosen by an attacker there.
pub type FastMap<K, V> = std::collections::HashMap<K, V, KeyBuildHasher>;

impl<V> Dict<V> {
    pub fn new() -> Self {
        Dict {
            entries: Vec::new(),
            buckets: vec![NIL; MIN_BUCKETS],
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of buckets (the table's size, a power of two).
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    fn mask(&self) -> usize {
        self.buckets.len() - 1
    }

    fn find(&self, key: &[u8], hash: u64) -> Option<usize> {
        let mut i = self.buckets[hash as usize & self.mask()];
        while i != NIL {
            let e = &self.entries[i as usize];
            if e.hash == hash && e.key.bytes() == key {
                return Some(i as usize);
            }
            i = e.next;
        }
        None
    }

    pub fn get(&self, key: &[u8]) -> Option<&V> {
        if self.entries.is_empty() {
            return None;
        }
        self.find(key, hash_key(key)).map(|i| &self.entries[i].val)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        match self.find(key, hash_key(key)) {
            Some(i) => Some(&mut self.entries[i].val),
            None => None,
        }
    }

    /// Where `key` is (a dense index for `val_at_mut`, valid until the next insertion
    /// or removal), if it is there.
    pub fn index_of(&self, key: &[u8]) -> Option<usize> {
        if self.entries.is_empty() {
            return None;
        }
        self.find(key, hash_key(key))
    }

    /// The value at a dense index from `index_of`.
    pub fn val_at_mut(&mut self, i: usize) -> &mut V {
        &mut self.entries[i].val
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.find(key, hash_key(key)).is_some()
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: &[u8], val: V) -> Option<V> {
        let hash = hash_key(key);
        if let Some(i) = self.find(key, hash) {
            return Some(std::mem::replace(&mut self.entries[i].val, val));
        }
        self.push(key, hash, val);
        None
    }

    /// Inserts a key the caller has just found absent, without looking again.
    pub fn insert_absent(&mut self, key: &[u8], val: V) {
        debug_assert!(!self.contains(key));
        self.push(key, hash_key(key), val);
    }

    fn push(&mut self, key: &[u8], hash: u64, val: V) {
        if self.entries.len() >= u32::MAX as usize - 1 {
            // A browser tab is long dead before this; natively it would be 4 billion keys.
            return;
        }
        if self.entries.len() + 1 > self.buckets.len() {
            self.rebuild(self.buckets.len() * 2);
        }
        let b = hash as usize & self.mask();
        let idx = self.entries.len() as u32;
        self.entries.push(Entry {
            key: Key::new(key),
            hash,
            next: self.buckets[b],
            val,
        });
        self.buckets[b] = idx;
    }

    /// Removes a key; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        if self.entries.is_empty() {
            return None;
        }
        let hash = hash_key(key);
        let idx = self.find(key, hash)? as u32;
        self.unlink(idx);
        let last = self.entries.len() as u32 - 1;
        if idx != last {
            // The last entry moves into the hole: repoint whoever pointed at it.
            self.repoint(last, idx);
        }
        let e = self.entries.swap_remove(idx as usize);
        if self.buckets.len() > MIN_BUCKETS && self.entries.len() * 8 < self.buckets.len() {
            self.rebuild(
                (self.entries.len() * 2)
                    .next_power_of_two()
                    .max(MIN_BUCKETS),
            );
        }
        Some(e.val)
    }

    /// Takes entry `idx` out of its bucket chain.
    fn unlink(&mut self, idx: u32) {
        let b = self.entries[idx as usize].hash as usize & self.mask();
        let next = self.entries[idx as usize].next;
        if self.buckets[b] == idx {
            self.buckets[b] = next;
            return;
        }
        let mut i = self.buckets[b];
        while i != NIL {
            if self.entries[i as usize].next == idx {
                self.entries[i as usize].next = next;
                return;
            }
            i = self.entries[i as usize].next;
        }
    }

    /// The link that points at entry `from` now points at `to`.
    fn repoint(&mut self, from: u32, to: u32) {
        let b = self.entries[from as usize].hash as usize & self.mask();
        if self.buckets[b] == from {
            self.buckets[b] = to;
            return;
        }
        let mut i = self.buckets[b];
        while i != NIL {
            if self.entries[i as usize].next == from {
                self.entries[i as usize].next = to;
                return;
            }
            i = self.entries[i as usize].next;
        }
    }

    fn rebuild(&mut self, size: usize) {
        self.buckets = vec![NIL; size];
        let mask = size - 1;
        for (i, e) in self.entries.iter_mut().enumerate() {
            let b = e.hash as usize & mask;
            e.next = self.buckets[b];
            self.buckets[b] = i as u32;
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.entries.shrink_to_fit();
        self.buckets = vec![NIL; MIN_BUCKETS];
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> {
        self.entries.iter().map(|e| (e.key.bytes(), &e.val))
    }

    /// The entry at a dense index in `0..len()`: how random sampling picks a key.
    pub fn at(&self, i: usize) -> (&[u8], &V) {
        let e = &self.entries[i];
        (e.key.bytes(), &e.val)
    }

    /// Redis's `dictGetSomeKeys`: up to `count` entries (as dense indexes for `at`) taken
    /// from consecutive buckets from a random one, walking at most `10 * count` buckets.
    /// Cheaper than `count` random picks, and not uniform: keys sharing a neighbourhood
    /// of the table come together. Two refinements keep it from being too local: a run
    /// of more than `count` (and at least 5) empty buckets jumps to another random
    /// bucket, and the chain that fills the sample is read to its end, each further entry
    /// replacing a random one already taken (reservoir sampling), so the tail of a long
    /// chain gets its chance too. Eviction samples this way, so we do too. `random`
    /// supplies the random numbers.
    pub fn some_keys(&self, random: &mut impl FnMut() -> u64, count: usize, out: &mut Vec<usize>) {
        out.clear();
        let count = count.min(self.entries.len());
        if count == 0 {
            return;
        }
        let mask = self.mask();
        let mut b = random() as usize & mask;
        let mut empty_run = 0;
        let mut stored = 0usize;
        for _ in 0..count * 10 {
            let mut i = self.buckets[b];
            if i == NIL {
                empty_run += 1;
                if empty_run >= 5 && empty_run > count {
                    b = random() as usize & mask;
                    empty_run = 0;
                }
            } else {
                empty_run = 0;
                while i != NIL {
                    if stored < count {
                        out.push(i as usize);
                    } else {
                        let r = (random() % (stored as u64 + 1)) as usize;
                        if r < count {
                            out[r] = i as usize;
                        }
                    }
                    stored += 1;
                    i = self.entries[i as usize].next;
                }
                if stored >= count {
                    return;
                }
            }
            b = (b + 1) & mask;
        }
    }

    /// Visits one bucket for `SCAN` and returns the next cursor (0 when the scan is over).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        let mask = self.mask() as u64;
        let mut i = self.buckets[(cursor & mask) as usize];
        while i != NIL {
            let e = &self.entries[i as usize];
            f(e.key.bytes(), &e.val);
            i = e.next;
        }
        // Set the bits above the mask so the increment carries straight through them,
        // then add one to the reversed cursor.
        (cursor | !mask)
            .reverse_bits()
            .wrapping_add(1)
            .reverse_bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn insert_get_remove() {
        let mut d = Dict::new();
        for i in 0..1000u32 {
            assert!(d.insert(format!("k{i}").as_bytes(), i).is_none());
        }
        assert_eq!(d.len(), 1000);
        assert_eq!(d.insert(b"k5", 55), Some(5));
        for i in (0..1000u32).step_by(2) {
            assert!(d.remove(format!("k{i}").as_bytes()).is_some());
        }
        assert_eq!(d.len(), 500);
        for i in 0..1000u32 {
            let want = match i {
                5 => Some(55),
                i if i % 2 == 0 => None,
                i => Some(i),
            };
            assert_eq!(d.get(format!("k{i}").as_bytes()).copied(), want);
        }
        assert!(d.buckets() <= 1024);
    }

    fn full_scan<V>(d: &Dict<V>) -> BTreeSet<Vec<u8>> {
        let mut seen = BTreeSet::new();
        let mut c = 0;
        loop {
            c = d.scan(c, |k, _| {
                seen.insert(k.to_vec());
            });
            if c == 0 {
                return seen;
            }
        }
    }

    #[test]
    fn scan_sees_everything() {
        let mut d = Dict::new();
        for i in 0..777u32 {
            d.insert(format!("{i}").as_bytes(), ());
        }
        assert_eq!(full_scan(&d).len(), 777);
    }

    #[test]
    fn scan_survives_growing_and_shrinking() {
        // Keys present from start to end must all be reported, even though the table is
        // resized several times in the middle of the scan.
        let mut d = Dict::new();
        for i in 0..300u32 {
            d.insert(format!("stable{i}").as_bytes(), ());
        }
        let mut seen = BTreeSet::new();
        let mut c = 0;
        let mut step = 0;
        loop {
            c = d.scan(c, |k, _| {
                seen.insert(k.to_vec());
            });
            step += 1;
            if step == 20 {
                for i in 0..5000u32 {
                    d.insert(format!("tmp{i}").as_bytes(), ());
                }
            }
            if step == 200 {
                for i in 0..5000u32 {
                    d.remove(format!("tmp{i}").as_bytes());
                }
            }
            if c == 0 {
                break;
            }
        }
        for i in 0..300u32 {
            assert!(seen.contains(format!("stable{i}").as_bytes()), "missed {i}");
        }
    }
}
