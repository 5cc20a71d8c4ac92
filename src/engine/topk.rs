//! Top-K (TOPK.*): the heavy hitters of a stream, as RedisBloom 2.6's HeavyKeeper.
//!
//! # The structure
//!
//! HeavyKeeper (Yang et al. 2018) keeps `depth` rows of `width` buckets, each a
//! fingerprint and a counter, plus a min-heap of the `k` items with the largest
//! estimated counts. Adding an item looks at one bucket per row (row `i`'s hash picks
//! the column):
//!
//! - an empty bucket takes the item's fingerprint and the increment;
//! - a bucket with the item's fingerprint adds the increment;
//! - a bucket held by another item is *decayed*: for each unit of the increment, with
//!   probability `decay^count` its counter drops by one, and if it reaches zero the item
//!   takes the bucket over with what is left of its increment.
//!
//! The item's estimate is the largest counter it holds; if that reaches the heap's
//! minimum, the item enters the heap (or its count there is updated), and the item it
//! pushed out is returned: TOPK.ADD replies with it. Big counters decay with vanishing
//! probability, so heavy hitters keep their buckets while the long tail fights over the
//! rest.
//!
//! # The reference's layout
//!
//! - Fingerprint: `MurmurHash2(item, seed 1919)`; row `i`'s column:
//!   `MurmurHash2(item, seed i) % width`; counters are 32-bit and wrap as in C.
//! - The decay probabilities `decay^c` for c < 256 come from a table; above, from
//!   `table[255]^(c / 255) × table[c % 255]`, as the reference computes them.
//! - The heap is an array of `k` slots, `heap[0]` the minimum, sifted down exactly as
//!   `heapifyDown` does, so ties and the order of TOPK.LIST (a stable sort by count,
//!   largest first) are the reference's.
//! - Replies that carry an item (TOPK.ADD's expelled item, TOPK.LIST) are C strings in
//!   the reference: an item with a NUL byte is cut there. We do the same.
//! - MEMORY USAGE is `TopKMemUsage`: 2088 + width × depth × 8 + k × 24.
//!
//! # The random generator
//!
//! The reference decays with `rand() / RAND_MAX` from glibc's process-wide generator,
//! which redis-server seeds with the time and its pid at start: its decays cannot be
//! replayed. We run glibc's `random()` algorithm (the TYPE_3 additive feedback
//! generator, `r[i] = r[i-3] + r[i-31]`, output `>> 1`), one per Top-K key, seeded from
//! the engine's seed when the key is made, so a given seed replays the same decays. With
//! DECAY 1 every decay happens (the probability is 1), and both agree exactly; the
//! differential transcripts use that, or streams without collisions.

use serde::{Deserialize, Serialize};

use super::bloom::murmur2;

const DECAY_TABLE: usize = 256;
const GA: u32 = 1919;
/// sizeof(TopK) in the reference.
const TOPK_STRUCT: u64 = 2088;

/// glibc's `random_r` TYPE_3 generator (the one behind `rand()`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GlibcRand {
    r: Vec<u32>,
    i: usize,
}

impl GlibcRand {
    /// `srand(seed)`.
    pub fn new(seed: u32) -> GlibcRand {
        let mut r = vec![0u32; 34];
        r[0] = if seed == 0 { 1 } else { seed };
        for i in 1..31 {
            let hi = (r[i - 1] as i32 as i64) / 127_773;
            let lo = (r[i - 1] as i32 as i64) % 127_773;
            let mut word = 16_807 * lo - 2_836 * hi;
            if word < 0 {
                word += 2_147_483_647;
            }
            r[i] = word as u32;
        }
        for i in 31..34 {
            r[i] = r[i - 31];
        }
        let mut g = GlibcRand { r, i: 0 };
        for _ in 34..344 {
            g.step();
        }
        g
    }

    /// One step of the ring of the last 34 values: r[i] = r[i-31] + r[i-3].
    fn step(&mut self) -> u32 {
        let v = self.r[(self.i + 3) % 34].wrapping_add(self.r[(self.i + 31) % 34]);
        self.r[self.i] = v;
        self.i = (self.i + 1) % 34;
        v
    }

    /// `rand()`: 0 ..= 2³¹−1.
    pub fn rand(&mut self) -> u32 {
        self.step() >> 1
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeapSlot {
    pub fp: u32,
    pub item: Option<Vec<u8>>,
    pub count: u32,
}

impl HeapSlot {
    fn item_bytes(&self) -> &[u8] {
        self.item.as_deref().unwrap_or(&[])
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopK {
    pub k: u32,
    pub width: u32,
    pub depth: u32,
    pub decay: f64,
    /// Buckets, row after row: (fingerprint, counter).
    pub buckets: Vec<(u32, u32)>,
    pub heap: Vec<HeapSlot>,
    lookup: Vec<f64>,
    rng: GlibcRand,
}

/// An item as the reference's C-string replies show it: up to its first NUL.
pub fn c_string(item: &[u8]) -> Vec<u8> {
    item.iter().take_while(|&&b| b != 0).copied().collect()
}

impl TopK {
    /// `TopK_Create`; None when the allocator refuses its arrays.
    pub fn new(k: u32, width: u32, depth: u32, decay: f64, seed: u32) -> Option<TopK> {
        let buckets = super::bloom::try_zeroed(width as u64 * depth as u64)?;
        let mut heap = Vec::new();
        heap.try_reserve_exact(k as usize).ok()?;
        heap.resize(
            k as usize,
            HeapSlot {
                fp: 0,
                item: None,
                count: 0,
            },
        );
        Some(TopK {
            k,
            width,
            depth,
            decay,
            buckets,
            heap,
            lookup: (0..DECAY_TABLE).map(|i| decay.powf(i as f64)).collect(),
            rng: GlibcRand::new(seed),
        })
    }

    /// A Top-K read from a file: its buckets (`width × depth`) and heap (`k` slots)
    /// as saved; the decay table is recomputed and the generator seeded with `seed`.
    pub fn from_parts(
        k: u32,
        width: u32,
        depth: u32,
        decay: f64,
        buckets: Vec<(u32, u32)>,
        heap: Vec<HeapSlot>,
        seed: u32,
    ) -> TopK {
        TopK {
            k,
            width,
            depth,
            decay,
            buckets,
            heap,
            lookup: (0..DECAY_TABLE).map(|i| decay.powf(i as f64)).collect(),
            rng: GlibcRand::new(seed),
        }
    }

    fn find_in_heap(&self, item: &[u8]) -> Option<usize> {
        let fp = murmur2(item, GA);
        (0..self.heap.len()).rev().find(|&i| {
            let h = &self.heap[i];
            h.fp == fp && h.item_bytes() == item
        })
    }

    fn heapify_down(&mut self, start: usize) {
        let heap = &mut self.heap;
        let len = heap.len();
        let mut start = start;
        let mut child = start;
        if len < 2 || (len - 2) / 2 < child {
            return;
        }
        child = 2 * child + 1;
        if child + 1 < len && heap[child].count > heap[child + 1].count {
            child += 1;
        }
        if heap[child].count > heap[start].count {
            return;
        }
        // The slots move (no copy of their items): each one taken is written over before
        // the loop ends, `top` last.
        let top = std::mem::take(&mut heap[start]);
        loop {
            heap[start] = std::mem::take(&mut heap[child]);
            start = child;
            if (len - 2) / 2 < child {
                break;
            }
            child = 2 * child + 1;
            if child + 1 < len && heap[child].count > heap[child + 1].count {
                child += 1;
            }
            if heap[child].count >= top.count {
                break;
            }
        }
        heap[start] = top;
    }

    /// `TopK_Add`: the expelled item, if the heap changed its membership (`Some(None)`
    /// when the slot it took was empty counts as nothing expelled).
    pub fn add(&mut self, item: &[u8], increment: u32) -> Option<Vec<u8>> {
        let fp = murmur2(item, GA);
        let heap_min = self.heap.first().map_or(0, |h| h.count);
        let mut max_count = 0u32;
        let width = self.width as usize;
        for row in 0..self.depth as usize {
            let loc = (murmur2(item, row as u32) % self.width) as usize;
            let b = row * width + loc;
            let (bfp, count) = self.buckets[b];
            if count == 0 {
                self.buckets[b] = (fp, increment);
                max_count = max_count.max(increment);
            } else if bfp == fp {
                let c = count.wrapping_add(increment);
                self.buckets[b].1 = c;
                max_count = max_count.max(c);
            } else {
                let mut local = increment;
                while local > 0 {
                    let c = self.buckets[b].1;
                    let decay = if (c as usize) < DECAY_TABLE {
                        self.lookup[c as usize]
                    } else {
                        self.lookup[DECAY_TABLE - 1].powf((c / (DECAY_TABLE as u32 - 1)) as f64)
                            * self.lookup[(c % (DECAY_TABLE as u32 - 1)) as usize]
                    };
                    let chance = self.rng.rand() as f64 / 2_147_483_647.0;
                    if chance < decay {
                        let c = c - 1;
                        self.buckets[b].1 = c;
                        if c == 0 {
                            self.buckets[b] = (fp, local);
                            max_count = max_count.max(local);
                            break;
                        }
                    }
                    local -= 1;
                }
            }
        }
        if max_count >= heap_min && !self.heap.is_empty() {
            if let Some(at) = self.find_in_heap(item) {
                self.heap[at].count = max_count;
                self.heapify_down(at);
            } else {
                let expelled = self.heap[0].item.take();
                self.heap[0] = HeapSlot {
                    fp,
                    item: Some(item.to_vec()),
                    count: max_count,
                };
                self.heapify_down(0);
                return expelled;
            }
        }
        None
    }

    /// The bucket an item looks at in each row (indices into `buckets`), and its
    /// fingerprint: the hashes TOPK.ADD uses.
    pub fn cells(&self, item: &[u8]) -> (u32, Vec<usize>) {
        let w = self.width.max(1);
        let cells = (0..self.depth as usize)
            .map(|row| row * w as usize + (murmur2(item, row as u32) % w) as usize)
            .collect();
        (murmur2(item, GA), cells)
    }

    pub fn query(&self, item: &[u8]) -> bool {
        self.find_in_heap(item).is_some()
    }

    /// `TopK_Count`.
    pub fn count(&self, item: &[u8]) -> u32 {
        let fp = murmur2(item, GA);
        let heap_min = self.heap.first().map_or(0, |h| h.count);
        let in_heap = self.find_in_heap(item).is_some();
        let mut res = 0;
        for row in 0..self.depth as usize {
            let loc = (murmur2(item, row as u32) % self.width) as usize;
            let (bfp, c) = self.buckets[row * self.width as usize + loc];
            if bfp == fp && (!in_heap || c >= heap_min) {
                res = res.max(c);
            }
        }
        res
    }

    /// `TopK_List`: the heap sorted by count, largest first (stable), up to the first
    /// empty slot.
    pub fn list(&self) -> Vec<(&[u8], u32)> {
        let mut v: Vec<&HeapSlot> = self.heap.iter().collect();
        v.sort_by_key(|h| std::cmp::Reverse(h.count));
        v.into_iter()
            .take_while(|h| h.count != 0)
            .map(|h| (h.item_bytes(), h.count))
            .collect()
    }

    pub fn mem_usage(&self) -> u64 {
        TOPK_STRUCT + self.width as u64 * self.depth as u64 * 8 + self.k as u64 * 24
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_rand_matches_srand_1() {
        // glibc: srand(1); rand() → 1804289383, 846930886, 1681692777.
        let mut g = GlibcRand::new(1);
        assert_eq!(g.rand(), 1804289383);
        assert_eq!(g.rand(), 846930886);
        assert_eq!(g.rand(), 1681692777);
    }

    #[test]
    fn heavy_hitters_win() {
        let mut t = TopK::new(3, 50, 4, 0.9, 7).unwrap();
        for i in 0..2000u32 {
            let item = if i % 3 == 0 {
                format!("hot{}", i % 9)
            } else {
                format!("cold{i}")
            };
            t.add(item.as_bytes(), 1);
        }
        let top: Vec<Vec<u8>> = t.list().iter().map(|(i, _)| i.to_vec()).collect();
        for h in ["hot0", "hot3", "hot6"] {
            assert!(top.contains(&h.as_bytes().to_vec()), "{top:?}");
        }
    }
}
