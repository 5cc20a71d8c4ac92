//! Count-Min Sketch (CMS.*), as RedisBloom 2.6 keeps it.
//!
//! # The structure
//!
//! A Count-Min Sketch answers "how often have I seen this?" in fixed memory. It is a
//! grid of `depth` rows of `width` counters. Counting an item adds to one counter in each
//! row (row `i` uses its own hash); the estimate is the smallest of those counters. Other
//! items colliding in a counter can only add to it, so the estimate never undercounts;
//! with `width = ⌈2/ε⌉` and `depth = ⌈log₁₀ δ / log₁₀ ½⌉` (CMS.INITBYPROB) it overcounts
//! by more than ε × (total count) with probability at most δ.
//!
//! # The reference's layout
//!
//! - Row `i`'s hash is `MurmurHash2(item, seed = i)` (32 bits), the column is
//!   `hash % width`; counters are 32-bit, stored row after row.
//! - CMS.INCRBY saturates a counter at 2³²−1 when adding wraps it (the reply is then
//!   "CMS: INCRBY overflow"); the total `count` is 64-bit.
//! - CMS.MERGE computes each counter as Σ weightᵢ × counterᵢ in 64-bit wrapping
//!   arithmetic and stores the low 32 bits, as the C code does (negative weights and
//!   overflows wrap the same way).
//! - INITBYPROB computes the depth with single-precision `log10f`, as the reference does.
//! - MEMORY USAGE is the reference's `CMSMemUsage`: 8 + width × depth × 8 (it counts the
//!   32-bit counters at 8 bytes each).

use serde::{Deserialize, Serialize};

use super::bloom::murmur2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cms {
    pub width: u64,
    pub depth: u64,
    /// Total of all increments (`counter`).
    pub count: u64,
    pub counters: Vec<u32>,
}

impl Cms {
    /// `NewCMSketch`; None when the allocator refuses the counters.
    pub fn new(width: u64, depth: u64) -> Option<Cms> {
        Some(Cms {
            width,
            depth,
            count: 0,
            counters: super::bloom::try_zeroed(width.checked_mul(depth)?)?,
        })
    }

    /// `CMS_DimFromProb`: (width, depth) for an overestimate `error` with probability
    /// `prob`.
    pub fn dims_from_prob(error: f64, prob: f64) -> (u64, u64) {
        let width = (2.0 / error).ceil();
        let depth = ((prob as f32).log10() / 0.5f32.log10()).ceil();
        (f64_to_size(width), f64_to_size(depth as f64))
    }

    /// The counter index row `i` uses for an item.
    pub fn cell(&self, item: &[u8], row: u64) -> usize {
        let h = murmur2(item, row as u32) as u64;
        ((h % self.width) + row * self.width) as usize
    }

    /// The counters an item touches, one per row (indices into `counters`).
    pub fn cells(&self, item: &[u8]) -> Vec<usize> {
        (0..self.depth).map(|row| self.cell(item, row)).collect()
    }

    /// `CMS_IncrBy`: adds `value` in every row; returns the new minimum.
    pub fn incr(&mut self, item: &[u8], value: u64) -> u64 {
        let mut min = u64::MAX;
        for row in 0..self.depth {
            let loc = self.cell(item, row);
            let c = &mut self.counters[loc];
            *c = (*c as u64).wrapping_add(value) as u32;
            if (*c as u64) < value {
                *c = u32::MAX;
            }
            min = min.min(*c as u64);
        }
        self.count = self.count.wrapping_add(value);
        min
    }

    /// `CMS_Query`: the smallest of the item's counters.
    pub fn query(&self, item: &[u8]) -> u64 {
        (0..self.depth)
            .map(|row| self.counters[self.cell(item, row)] as u64)
            .min()
            .unwrap_or(u64::MAX)
    }

    /// `CMS_Merge` into `self` (already checked: same dimensions).
    pub fn merge(&mut self, srcs: &[&Cms], weights: &[i64]) {
        for (idx, cell) in self.counters.iter_mut().enumerate() {
            let mut sum = 0u64;
            for (s, &w) in srcs.iter().zip(weights) {
                sum = sum.wrapping_add((s.counters[idx] as i64).wrapping_mul(w) as u64);
            }
            *cell = sum as u32;
        }
        let mut count = 0u64;
        for (s, &w) in srcs.iter().zip(weights) {
            count = count.wrapping_add(s.count.wrapping_mul(w as u64));
        }
        self.count = count;
    }

    /// `CMSMemUsage`.
    pub fn mem_usage(&self) -> u64 {
        8u64.wrapping_add(self.width.wrapping_mul(self.depth).wrapping_mul(8))
    }
}

/// C's conversion of a double to `size_t` on x86-64 for the values that can occur here
/// (finite, positive); out of range gives what gcc's sequence gives (0x8000000000000000
/// above 2⁶⁴ is not reachable with the checks before).
fn f64_to_size(v: f64) -> u64 {
    if v.is_nan() || v < 0.0 {
        0
    } else {
        v as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_from_prob_match_the_reference() {
        // CMS.INITBYPROB k 0.001 0.01 → width 2000, depth 7 (redis-server + RedisBloom).
        assert_eq!(Cms::dims_from_prob(0.001, 0.01), (2000, 7));
    }

    #[test]
    fn never_underestimates() {
        let mut c = Cms::new(20, 3).unwrap();
        for i in 0..200u64 {
            c.incr(format!("k{}", i % 37).as_bytes(), 1);
        }
        for i in 0..37u64 {
            let truth = (0..200).filter(|j| j % 37 == i).count() as u64;
            assert!(c.query(format!("k{i}").as_bytes()) >= truth);
        }
    }
}
