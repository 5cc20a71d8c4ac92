//! Cuckoo filters (CF.*), as RedisBloom 2.6 lays them out.
//!
//! # The structure
//!
//! A cuckoo filter (Fan et al. 2014) answers "have I seen this?" like a Bloom filter, but
//! stores a short fingerprint of each item in one of two candidate buckets, so items can
//! also be deleted and counted. The buckets are an array of `numBuckets` (a power of two)
//! buckets of `bucketSize` one-byte slots. An item's fingerprint is `hash % 255 + 1`
//! (never 0, which marks an empty slot); its first bucket is `hash`, its second
//! `hash ^ (fp × 0x5bd1e995)`, both modulo `numBuckets`. Since the second is computed
//! from the first and the fingerprint alone, a fingerprint can move between its two
//! buckets without knowing the item.
//!
//! Inserting puts the fingerprint in a free slot of either bucket (newest sub-filter
//! first). When both are full, it *kicks*: it swaps itself into a slot of its first
//! bucket (slot 0, then 1 …), the evicted fingerprint goes to its other bucket, and so on
//! up to `maxIterations` times. If no free slot turns up, the swaps are undone and, when
//! `expansion` is not 0, a new sub-filter `expansion` times larger is added (up to 32 of
//! them, the module's `CF_MAX_EXPANSIONS`). Deleting removes one copy of the fingerprint
//! (newest sub-filter first); when more than a tenth of the items were deleted, the
//! filter tries to move fingerprints from newer sub-filters into older ones and drops
//! an emptied newest one.
//!
//! # The reference's layout
//!
//! - Hash: `MurmurHash64A(item, seed 0)` (`CUCKOO_GEN_HASH`).
//! - Slots are bytes, bucket after bucket, sub-filter after sub-filter; CF.SCANDUMP's
//!   chunk 0 is the packed header (numItems, numBuckets, numDeletes, numFilters as u64,
//!   then bucketSize, maxIterations, expansion as u16, little-endian), then each
//!   sub-filter's bytes whole (or in 16 MB pieces); the iterator is 1 + the byte offset.
//! - The index arithmetic keeps the reference's widths: a bucket index times the bucket
//!   size is truncated to 32 bits, the kick loop's bucket index is 32-bit.
//! - Size in CF.INFO and MEMORY USAGE: 40 + 16 per sub-filter + its bytes.
//!
//! A filter over the size limit is refused with a clear error where the reference would
//! abort redis-server allocating it.

use serde::{Deserialize, Serialize};

use super::bloom::murmur64a;

pub const DEFAULT_BUCKETSIZE: u64 = 2;
pub const DEFAULT_MAX_ITERATIONS: u64 = 20;
pub const DEFAULT_EXPANSION: u64 = 1;
pub const MAX_EXPANSION: i64 = 32768;
pub const MAX_ITERATIONS: i64 = 65535;
pub const MAX_BUCKET_SIZE: i64 = 255;
pub const MAX_EXPANSIONS: u16 = 32;
pub const HEADER_LEN: usize = 8 * 4 + 2 * 3;
const MAX_NUM_BUCKETS: u64 = 0x00FF_FFFF_FFFF_FFFF;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubFilter {
    pub num_buckets: u64,
    pub data: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cuckoo {
    pub num_buckets: u64,
    pub num_items: u64,
    pub num_deletes: u64,
    pub bucket_size: u16,
    pub max_iterations: u16,
    pub expansion: u16,
    pub filters: Vec<SubFilter>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert {
    Inserted,
    Exists,
    NoSpace,
    /// Growing would go over the size cap.
    TooBig,
    /// The allocator refused the new sub-filter (`CuckooInsert_MemAllocFailed`).
    NoMemory,
}

fn next_pow2(n: u64) -> u64 {
    let mut n = n.wrapping_sub(1);
    n |= n >> 1;
    n |= n >> 2;
    n |= n >> 4;
    n |= n >> 8;
    n |= n >> 16;
    n |= n >> 32;
    n.wrapping_add(1)
}

/// (fingerprint, h1, h2) of a hash (`getLookupParams`).
fn params(hash: u64) -> (u8, u64, u64) {
    let fp = (hash % 255 + 1) as u8;
    (fp, hash, alt(fp, hash))
}

fn alt(fp: u8, index: u64) -> u64 {
    index ^ (fp as u64).wrapping_mul(0x5bd1e995)
}

pub fn hash(item: &[u8]) -> u64 {
    murmur64a(item, 0)
}

/// The fingerprint of an item and its two candidate hashes (bucket = hash mod the
/// sub-filter's bucket count), exactly as CF.ADD and CF.EXISTS compute them.
pub fn lookup(item: &[u8]) -> (u8, u64, u64) {
    params(hash(item))
}

/// One step of an insert's relocation path: the fingerprint `fp` in `bucket`/`slot` was
/// pushed out and moved to its other bucket, `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kick {
    pub bucket: u64,
    pub slot: u16,
    pub fp: u8,
    pub to: u64,
}

/// What an insert will do, worked out without changing the filter (for a panel, which
/// asks just before the command runs).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Plan {
    pub fp: u8,
    /// The item's two candidate buckets in the sub-filter it goes into.
    pub buckets: (u64, u64),
    /// Where its fingerprint goes: (sub-filter, bucket, slot); None when refused.
    pub at: Option<(usize, u64, u16)>,
    /// The fingerprints kicked out, in order (empty when a slot was free).
    pub kicks: Vec<Kick>,
    /// The slot the last kicked fingerprint settled in (in the last kick's `to`).
    pub landed: Option<u16>,
    /// The kicks ran out of iterations: they were undone (and a sub-filter was added,
    /// if the filter may grow).
    pub gave_up: bool,
    /// A new sub-filter was added for it.
    pub grew: bool,
    /// CF.ADDNX / INSERTNX found it already there.
    pub exists: bool,
}

impl SubFilter {
    fn index(&self, hash: u64, bucket_size: u16) -> usize {
        ((hash % self.num_buckets).wrapping_mul(bucket_size as u64) as u32) as usize
    }

    /// The bucket (0-based) a candidate hash selects in this sub-filter.
    pub fn bucket_of(&self, h: u64) -> u64 {
        if self.num_buckets == 0 {
            0
        } else {
            h % self.num_buckets
        }
    }

    /// The slots of bucket `b` (0 = empty).
    pub fn slots(&self, b: u64, bs: u16) -> &[u8] {
        self.bucket((b as usize).saturating_mul(bs as usize), bs)
    }

    fn bucket(&self, at: usize, bs: u16) -> &[u8] {
        let end = (at + bs as usize).min(self.data.len());
        &self.data[at.min(end)..end]
    }

    fn bucket_mut(&mut self, at: usize, bs: u16) -> &mut [u8] {
        let end = (at + bs as usize).min(self.data.len());
        &mut self.data[at.min(end)..end]
    }

    fn find(&self, fp: u8, h1: u64, h2: u64, bs: u16) -> bool {
        self.bucket(self.index(h1, bs), bs).contains(&fp)
            || self.bucket(self.index(h2, bs), bs).contains(&fp)
    }

    fn count(&self, fp: u8, h1: u64, h2: u64, bs: u16) -> u64 {
        let c = |at| self.bucket(at, bs).iter().filter(|&&x| x == fp).count() as u64;
        c(self.index(h1, bs)) + c(self.index(h2, bs))
    }

    fn delete(&mut self, fp: u8, h1: u64, h2: u64, bs: u16) -> bool {
        for at in [self.index(h1, bs), self.index(h2, bs)] {
            if let Some(s) = self.bucket_mut(at, bs).iter_mut().find(|x| **x == fp) {
                *s = 0;
                return true;
            }
        }
        false
    }

    /// A free slot in either bucket: its index in `data`.
    fn find_available(&self, h1: u64, h2: u64, bs: u16) -> Option<usize> {
        for at in [self.index(h1, bs), self.index(h2, bs)] {
            if let Some(p) = self.bucket(at, bs).iter().position(|&x| x == 0) {
                return Some(at + p);
            }
        }
        None
    }
}

impl Cuckoo {
    /// The bytes `CuckooFilter_Init` would allocate for the first sub-filter.
    pub fn init_bytes(capacity: u64, bucket_size: u16) -> u64 {
        let nb = next_pow2(capacity / bucket_size as u64).max(1);
        nb.saturating_mul(bucket_size as u64)
    }

    /// `CuckooFilter_Init`; None when the allocator refuses the first sub-filter.
    pub fn new(
        capacity: u64,
        bucket_size: u16,
        max_iterations: u16,
        expansion: u16,
    ) -> Option<Cuckoo> {
        let mut c = Cuckoo {
            num_buckets: next_pow2(capacity / bucket_size as u64).max(1),
            num_items: 0,
            num_deletes: 0,
            bucket_size,
            max_iterations,
            expansion: next_pow2(expansion as u64) as u16,
            filters: Vec::new(),
        };
        c.grow().then_some(c)
    }

    /// The buckets the next sub-filter would have.
    fn next_buckets(&self) -> u64 {
        let growth = (self.expansion as f64).powf(self.filters.len() as f64) as u64;
        self.num_buckets.wrapping_mul(growth) & MAX_NUM_BUCKETS
    }

    /// Bytes the next sub-filter would need.
    pub fn grow_bytes(&self) -> u64 {
        self.next_buckets().saturating_mul(self.bucket_size as u64)
    }

    /// `CuckooFilter_Grow`: false when the allocator refuses the sub-filter.
    fn grow(&mut self) -> bool {
        let nb = self.next_buckets();
        let Some(data) = super::bloom::try_zeroed(nb.wrapping_mul(self.bucket_size as u64)) else {
            return false;
        };
        self.filters.push(SubFilter {
            num_buckets: nb,
            data,
        });
        true
    }

    pub fn check(&self, hash: u64) -> bool {
        let (fp, h1, h2) = params(hash);
        self.filters
            .iter()
            .any(|f| f.find(fp, h1, h2, self.bucket_size))
    }

    pub fn count(&self, hash: u64) -> u64 {
        let (fp, h1, h2) = params(hash);
        self.filters
            .iter()
            .map(|f| f.count(fp, h1, h2, self.bucket_size))
            .sum()
    }

    pub fn delete(&mut self, hash: u64) -> bool {
        let (fp, h1, h2) = params(hash);
        let bs = self.bucket_size;
        for i in (0..self.filters.len()).rev() {
            if self.filters[i].delete(fp, h1, h2, bs) {
                self.num_items = self.num_items.wrapping_sub(1);
                self.num_deletes = self.num_deletes.wrapping_add(1);
                if self.filters.len() > 1 && self.num_deletes as f64 > self.num_items as f64 * 0.10
                {
                    self.compact(false);
                }
                return true;
            }
        }
        false
    }

    /// `CuckooFilter_Insert` (or `InsertUnique`); `max_bytes` caps a new sub-filter.
    pub fn insert(&mut self, hash: u64, unique: bool, max_bytes: u64) -> Insert {
        let (fp, h1, h2) = params(hash);
        if unique && self.check(hash) {
            return Insert::Exists;
        }
        loop {
            let bs = self.bucket_size;
            for i in (0..self.filters.len()).rev() {
                if let Some(slot) = self.filters[i].find_available(h1, h2, bs) {
                    self.filters[i].data[slot] = fp;
                    self.num_items = self.num_items.wrapping_add(1);
                    return Insert::Inserted;
                }
            }
            if self.ko_insert(fp, h1) {
                self.num_items = self.num_items.wrapping_add(1);
                return Insert::Inserted;
            }
            if self.expansion == 0 {
                return Insert::NoSpace;
            }
            if self.grow_bytes() > max_bytes {
                return Insert::TooBig;
            }
            if !self.grow() {
                return Insert::NoMemory;
            }
        }
    }

    /// `Filter_KOInsert` on the newest sub-filter.
    fn ko_insert(&mut self, fp: u8, h1: u64) -> bool {
        let max_iter = self.max_iterations;
        let bs = self.bucket_size as u32;
        let Some(cur) = self.filters.last_mut() else {
            return false;
        };
        let nb = cur.num_buckets as u32;
        if nb == 0 || bs == 0 {
            return false;
        }
        let mut fp = fp;
        let mut victim = 0u32;
        let mut ii = (h1 % nb as u64) as u32;
        let slot = |ii: u32, v: u32| (ii as usize) * bs as usize + v as usize;
        for _ in 0..max_iter {
            let s = slot(ii, victim);
            std::mem::swap(&mut cur.data[s], &mut fp);
            ii = (alt(fp, ii as u64) % nb as u64) as u32;
            let at = ii as usize * bs as usize;
            if let Some(p) = cur.data[at..at + bs as usize].iter().position(|&x| x == 0) {
                cur.data[at + p] = fp;
                return true;
            }
            victim = (victim + 1) % bs;
        }
        for _ in 0..max_iter {
            victim = (victim + bs - 1) % bs;
            ii = (alt(fp, ii as u64) % nb as u64) as u32;
            let s = slot(ii, victim);
            std::mem::swap(&mut cur.data[s], &mut fp);
        }
        false
    }

    /// What `insert` would do with this hash, worked out on the side: the slot it takes,
    /// or the chain of fingerprints it kicks (replaying `Filter_KOInsert` over an overlay
    /// of the slots it swaps), or the growth it causes. Touches nothing.
    pub fn plan_insert(&self, hash: u64, unique: bool) -> Plan {
        let (fp, h1, h2) = params(hash);
        let bs = self.bucket_size;
        let mut plan = Plan {
            fp,
            ..Plan::default()
        };
        let Some(last) = self.filters.last() else {
            return plan;
        };
        plan.buckets = (last.bucket_of(h1), last.bucket_of(h2));
        if unique && self.check(hash) {
            plan.exists = true;
            return plan;
        }
        if bs == 0 {
            return plan;
        }
        for (i, f) in self.filters.iter().enumerate().rev() {
            if let Some(at) = f.find_available(h1, h2, bs) {
                plan.buckets = (f.bucket_of(h1), f.bucket_of(h2));
                plan.at = Some((i, (at / bs as usize) as u64, (at % bs as usize) as u16));
                return plan;
            }
        }
        // The kicks, on the newest sub-filter, as `ko_insert` makes them.
        let nb = last.num_buckets as u32;
        if nb > 0 {
            let bsu = bs as u32;
            let mut overlay: std::collections::HashMap<usize, u8> = Default::default();
            let get = |o: &std::collections::HashMap<usize, u8>, i: usize| {
                o.get(&i).copied().unwrap_or(last.data[i])
            };
            let mut carried = fp;
            let mut victim = 0u32;
            let mut ii = (h1 % nb as u64) as u32;
            for step in 0..self.max_iterations {
                let s = ii as usize * bs as usize + victim as usize;
                let out = get(&overlay, s);
                overlay.insert(s, carried);
                if step == 0 {
                    plan.at = Some((self.filters.len() - 1, ii as u64, victim as u16));
                }
                carried = out;
                let to = (alt(carried, ii as u64) % nb as u64) as u32;
                plan.kicks.push(Kick {
                    bucket: ii as u64,
                    slot: victim as u16,
                    fp: carried,
                    to: to as u64,
                });
                ii = to;
                let at = ii as usize * bs as usize;
                if let Some(p) = (0..bs as usize).find(|&p| get(&overlay, at + p) == 0) {
                    plan.landed = Some(p as u16);
                    return plan;
                }
                victim = (victim + 1) % bsu;
            }
            plan.gave_up = true;
        }
        plan.at = None;
        if self.expansion != 0 {
            // The new, empty sub-filter takes it in its first bucket's first slot.
            plan.grew = true;
            let nb = self.next_buckets();
            if nb > 0 {
                let b = h1 % nb;
                plan.buckets = (b, h2 % nb);
                plan.at = Some((self.filters.len(), b, 0));
            }
        }
        plan
    }

    /// `CuckooFilter_Compact`.
    pub fn compact(&mut self, cont: bool) {
        let mut ii = self.filters.len();
        while ii > 1 {
            if !self.compact_single(ii - 1) && !cont {
                break;
            }
            ii -= 1;
        }
        self.num_deletes = 0;
    }

    fn compact_single(&mut self, fi: usize) -> bool {
        let bs = self.bucket_size;
        let mut ok = true;
        let nb = self.filters[fi].num_buckets;
        for bucket in 0..nb {
            for slot in 0..bs as u64 {
                let at = (bucket * bs as u64 + slot) as usize;
                let fp = self.filters[fi].data[at];
                if fp == 0 {
                    continue;
                }
                let (h1, h2) = (bucket, alt(fp, bucket));
                let mut moved = false;
                for older in 0..fi {
                    if let Some(s) = self.filters[older].find_available(h1, h2, bs) {
                        self.filters[older].data[s] = fp;
                        self.filters[fi].data[at] = 0;
                        moved = true;
                        break;
                    }
                }
                if !moved {
                    ok = false;
                }
            }
        }
        if ok && fi == self.filters.len() - 1 {
            self.filters.pop();
        }
        ok
    }

    /// CF.INFO's Size and MEMORY USAGE (`CFSize` / `CFMemUsage`).
    pub fn mem_usage(&self) -> u64 {
        40 + 16 * self.filters.len() as u64
            + self
                .filters
                .iter()
                .map(|f| f.num_buckets * self.bucket_size as u64)
                .sum::<u64>()
    }

    pub fn header(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(HEADER_LEN);
        v.extend_from_slice(&self.num_items.to_le_bytes());
        v.extend_from_slice(&self.num_buckets.to_le_bytes());
        v.extend_from_slice(&self.num_deletes.to_le_bytes());
        v.extend_from_slice(&(self.filters.len() as u64).to_le_bytes());
        v.extend_from_slice(&self.bucket_size.to_le_bytes());
        v.extend_from_slice(&self.max_iterations.to_le_bytes());
        v.extend_from_slice(&self.expansion.to_le_bytes());
        v
    }

    /// `CF_GetEncodedChunk`: (next position, chunk), None when every filter was sent.
    pub fn chunk(&self, pos: i64, limit: u64) -> Option<(i64, &[u8])> {
        let mut offset = pos.wrapping_sub(1);
        let mut found = None;
        for f in &self.filters {
            let size = (f.num_buckets * self.bucket_size as u64) as i64;
            if offset < size {
                found = Some((f, size));
                break;
            }
            offset -= size;
        }
        let (f, size) = found?;
        if size as u64 <= limit {
            return Some((pos.wrapping_add(size), &f.data[..]));
        }
        let remaining = (size - offset) as u64;
        let len = remaining.min(limit);
        let off = offset.max(0) as usize;
        Some((
            pos.wrapping_add(len as i64),
            &f.data[off..off + len as usize],
        ))
    }

    /// `CFHeader_Load`. None for a header that fails the integrity check.
    pub fn from_header(h: &[u8], max_bytes: u64) -> Result<Cuckoo, String> {
        if h.len() != HEADER_LEN {
            return Err("Invalid header".into());
        }
        let u64_at = |at: usize| u64::from_le_bytes(h[at..at + 8].try_into().unwrap());
        let u16_at = |at: usize| u16::from_le_bytes(h[at..at + 2].try_into().unwrap());
        let mut c = Cuckoo {
            num_items: u64_at(0),
            num_buckets: u64_at(8),
            num_deletes: u64_at(16),
            bucket_size: u16_at(32),
            max_iterations: u16_at(34),
            expansion: u16_at(36),
            filters: Vec::new(),
        };
        let nfilters = u64_at(24) as u16;
        let bad = || "Couldn't create filter!".to_string();
        if c.bucket_size == 0
            || c.bucket_size as i64 > MAX_BUCKET_SIZE
            || c.num_buckets == 0
            || c.num_buckets > MAX_NUM_BUCKETS
            || nfilters == 0
            || c.max_iterations == 0
            || !c.num_buckets.is_power_of_two()
        {
            return Err(bad());
        }
        let mut total = 0u64;
        for _ in 0..nfilters {
            let nb = ((c.num_buckets as f64) * (c.expansion as f64).powf(c.filters.len() as f64))
                as u64
                & MAX_NUM_BUCKETS;
            total = total.saturating_add(nb.saturating_mul(c.bucket_size as u64));
            if total > max_bytes {
                return Err(super::bloom::too_big(total, max_bytes));
            }
            let data = super::bloom::try_zeroed(nb.saturating_mul(c.bucket_size as u64))
                .ok_or_else(|| super::bloom::NO_MEMORY.to_string())?;
            c.filters.push(SubFilter {
                num_buckets: nb,
                data,
            });
        }
        Ok(c)
    }

    /// `CF_LoadEncodedChunk`.
    pub fn load_chunk(&mut self, pos: i64, data: &[u8]) -> bool {
        let len = data.len() as i64;
        if len == 0 || pos <= 0 || ((pos - 1) as u64) < data.len() as u64 {
            return false;
        }
        let mut offset = pos - len - 1;
        let mut at = None;
        for (i, f) in self.filters.iter().enumerate() {
            at = Some(i);
            let size = (f.num_buckets * self.bucket_size as u64) as i64;
            if offset < size {
                break;
            }
            offset -= size;
        }
        let Some(i) = at else { return false };
        let f = &mut self.filters[i];
        let size = (f.num_buckets * self.bucket_size as u64) as i64;
        if offset < 0 || size < offset + len {
            return false;
        }
        f.data[offset as usize..(offset + len) as usize].copy_from_slice(data);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_check_delete() {
        let mut c = Cuckoo::new(100, 2, 20, 1).unwrap();
        for i in 0..300 {
            let h = hash(format!("x{i}").as_bytes());
            assert_eq!(c.insert(h, false, u64::MAX), Insert::Inserted);
        }
        assert!(c.filters.len() > 1);
        for i in 0..300 {
            assert!(c.check(hash(format!("x{i}").as_bytes())));
        }
        for i in 0..300 {
            assert!(c.delete(hash(format!("x{i}").as_bytes())));
        }
        assert_eq!(c.num_items, 0);
    }

    #[test]
    fn plans_match_what_insert_does() {
        // A tiny filter fills fast, so kicks and growth happen.
        let mut c = Cuckoo::new(8, 2, 20, 1).unwrap();
        let (mut kicked, mut grew) = (0, 0);
        for i in 0..40 {
            let h = hash(format!("k{i}").as_bytes());
            let plan = c.plan_insert(h, false);
            let before = c.filters.len();
            assert_eq!(c.insert(h, false, u64::MAX), Insert::Inserted);
            assert_eq!(plan.grew, c.filters.len() > before, "item {i}");
            let (f, b, s) = plan.at.expect("placed");
            assert_eq!(c.filters[f].slots(b, 2)[s as usize], plan.fp, "item {i}");
            if !plan.grew && !plan.kicks.is_empty() {
                kicked += 1;
                let last = plan.kicks.last().unwrap();
                let landed = plan.landed.expect("landed");
                assert_eq!(c.filters[f].slots(last.to, 2)[landed as usize], last.fp);
                // Each kicked fingerprint's next bucket is its alternate bucket.
                for k in &plan.kicks {
                    assert_eq!(alt(k.fp, k.bucket) % c.filters[f].num_buckets, k.to);
                }
            }
            grew += plan.grew as u32;
        }
        assert!(kicked > 0 && grew > 0, "kicked {kicked}, grew {grew}");
        let h = hash(b"k3");
        assert!(c.plan_insert(h, true).exists);
    }
}
