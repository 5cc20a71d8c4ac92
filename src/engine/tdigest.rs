//! t-digest (TDIGEST.*): quantiles of a stream in a few kilobytes, as RedisBloom 2.6's
//! t-digest-c (the MergingDigest variant) computes them.
//!
//! # The structure
//!
//! A t-digest summarises a stream of numbers as *centroids*: (mean, weight) pairs sorted
//! by mean. Centroids near the median may hold many samples, centroids in the tails only
//! a few (the first and the last hold one), so the extreme quantiles (p99, p99.9), the
//! ones latency alerts watch, stay accurate while the middle is coarse. The size limit
//! comes from a *scale function*: two neighbours may be merged only while the merged
//! weight `w` satisfies `w · normalizer ≤ q(1−q)` at both its ends, where `q` is the
//! quantile at the centroid's edge and `normalizer = compression / (2π · n · ln n)`.
//!
//! # The reference's algorithm, step by step
//!
//! - One array of `cap = 6 · compression + 10` nodes: `merged_nodes` sorted centroids at
//!   the front, then `unmerged_nodes` raw samples (weight 1 each from TDIGEST.ADD, or a
//!   centroid's weight from TDIGEST.MERGE) appended as they come.
//! - When the array is full (`merged + unmerged ≥ cap − 1`, checked *before* an add) or
//!   before any query, the digest is *compressed*: the whole array is sorted by mean
//!   with the reference's own quicksort (central pivot, Lomuto partition, the weights
//!   moved along), so equal means end up in the reference's order; then one left-to-right
//!   pass merges each node into the current centroid when the scale function allows it,
//!   the mean moving by `(mean_i − mean_cur) · w_i / w_cur` (after `w_cur += w_i`).
//!   The counters follow: merged weight = the total, unmerged = 0, compressions + 1.
//! - A quirk kept on purpose: with a total weight of at most 1 the compression sorts and
//!   stops, so a digest of one sample has no merged centroid and answers `nan` to
//!   QUANTILE and CDF (MIN and MAX still answer, from the min/max kept on every add).
//! - Queries read only the merged centroids: interpolation between neighbours' means,
//!   singletons (weight 1) treated as exact samples, the tails interpolated out to the
//!   min and max. QUANTILE answers a run of non-decreasing quantiles in one walk
//!   (`td_quantiles`, which has no `index < 1 → min` shortcut), BYRANK one at a time
//!   (`td_quantile`, which has). Queries compress first, so even a read changes
//!   TDIGEST.INFO's merged/unmerged counts: we do the same (reads take the value
//!   mutably).
//! - Overflow: weights are 64-bit; an add whose weight would pass `i64::MAX` fails with
//!   "overflow detected" (reachable by merging a digest into itself ~63 times).
//! - All arithmetic is the reference's, in the same order, in f64 (x86-64 SSE in both),
//!   so estimates are the same to the last bit; NaNs that come from arithmetic keep
//!   their sign (glibc prints a negative one as `-nan`).
//!
//! # Cost
//!
//! The reference's quicksort (Lomuto, `<` against the pivot) is quadratic on many equal
//! means: a buffer of k copies of one value costs k²/2 comparisons at its next
//! compression. The buffer holds at most `cap` nodes, so with the default compression
//! (610 nodes) this is nothing; with a huge compression and a huge batch of one value
//! it is slow here as it is in the reference. We keep the algorithm, since the order of
//! equal means decides which weights merge and so the estimates; only the recursion
//! goes into the smaller part first, so the stack stays shallow (a deep stack would
//! kill a browser tab).
//!
//! # Storage here
//!
//! The node arrays hold only the used nodes (the reference's `cap`-long arrays past
//! `merged + unmerged` are never read), so a fresh digest of compression 100 does not
//! allocate 9.5 KB until it fills. The *charge* is the reference's: its `mem_usage`
//! callback reports `sizeof(pointer) + 2 · cap · 8` bytes (9768 for compression 100),
//! which is what TDIGEST.INFO's "Memory usage" and MEMORY USAGE show.

use serde::{Deserialize, Serialize};

/// The default compression of TDIGEST.CREATE.
pub const DEFAULT_COMPRESSION: i64 = 100;
/// The reference refuses (as an allocation failure) a compression above this.
pub const MAX_COMPRESSION: u64 = (usize::MAX as u64 / 8 / 6) - 10;
const MM_PI: f64 = std::f64::consts::PI;

/// A t-digest. Field names follow `td_histogram_t`. Snapshots keep the doubles as
/// their bit patterns: an extreme digest may hold an infinite or NaN mean, which JSON
/// numbers cannot carry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TDigest {
    pub compression: f64,
    #[serde(with = "bits")]
    pub min: f64,
    #[serde(with = "bits")]
    pub max: f64,
    pub cap: i64,
    pub merged_nodes: i64,
    pub unmerged_nodes: i64,
    pub total_compressions: i64,
    pub merged_weight: i64,
    pub unmerged_weight: i64,
    /// The used nodes: `merged_nodes` centroids, then `unmerged_nodes` buffered ones.
    #[serde(with = "vec_bits")]
    pub means: Vec<f64>,
    pub weights: Vec<i64>,
}

mod bits {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(v.to_bits())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        u64::deserialize(d).map(f64::from_bits)
    }
}

mod vec_bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|x| x.to_bits())
            .collect::<Vec<u64>>()
            .serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<u64>::deserialize(d)?
            .into_iter()
            .map(f64::from_bits)
            .collect())
    }
}

/// `td_add` and `td_merge` fail with EDOM on a weight overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

#[inline]
fn c_max(x: f64, y: f64) -> f64 {
    if x > y {
        x
    } else {
        y
    }
}

#[inline]
fn c_min(x: f64, y: f64) -> f64 {
    if x < y {
        x
    } else {
        y
    }
}

fn weighted_average_sorted(x1: f64, w1: f64, x2: f64, w2: f64) -> f64 {
    let x = (x1 * w1 + x2 * w2) / (w1 + w2);
    c_max(x1, c_min(x, x2))
}

fn weighted_average(x1: f64, w1: f64, x2: f64, w2: f64) -> f64 {
    if x1 <= x2 {
        weighted_average_sorted(x1, w1, x2, w2)
    } else {
        weighted_average_sorted(x2, w2, x1, w1)
    }
}

/// `_tdigest_long_long_add_safe` (including its odd test for a negative `b`).
fn add_safe(a: i64, b: i64) -> bool {
    if b < 0 {
        a >= i64::MAX.wrapping_sub(b)
    } else {
        a <= i64::MAX - b
    }
}

fn overflows(unmerged: f64, total: f64) -> bool {
    if unmerged == f64::INFINITY || total == f64::INFINITY {
        return true;
    }
    2.0 * MM_PI * total * total.ln() == f64::INFINITY
}

/// `partition`: Lomuto around the element at `pivot`, moved to `end` first.
fn partition(
    means: &mut [f64],
    weights: &mut [i64],
    start: usize,
    end: usize,
    pivot: usize,
) -> usize {
    let pivot_mean = means[pivot];
    means.swap(pivot, end);
    weights.swap(pivot, end);
    let mut i = start as isize - 1;
    for j in start..end {
        if means[j] < pivot_mean {
            i += 1;
            means.swap(i as usize, j);
            weights.swap(i as usize, j);
        }
    }
    let p = (i + 1) as usize;
    means.swap(p, end);
    weights.swap(p, end);
    p
}

/// `td_qsort`: sorts `[start, end]` (inclusive) by mean, weights alongside. The two
/// parts after a partition are disjoint, so sorting them in either order gives the
/// reference's array; we recurse into the smaller one and loop on the other, so the
/// stack stays O(log n) whatever the input (the reference recurses into both).
fn qsort(means: &mut [f64], weights: &mut [i64], start: usize, end: usize) {
    let (mut start, mut end) = (start, end);
    while start < end {
        if end - start == 1 {
            if means[start] > means[end] {
                means.swap(start, end);
                weights.swap(start, end);
            }
            return;
        }
        let pivot = (end + start) / 2;
        let p = partition(means, weights, start, end, pivot);
        let left = (p > start).then(|| (start, p - 1));
        let right = (start.max(p + 1), end);
        let left_len = left.map_or(0, |(a, b)| b - a + 1);
        let right_len = (right.1 + 1).saturating_sub(right.0);
        if left_len <= right_len {
            if let Some((a, b)) = left {
                qsort(means, weights, a, b);
            }
            (start, end) = right;
        } else {
            if right.0 < right.1 {
                qsort(means, weights, right.0, right.1);
            }
            let (a, b) = left.unwrap_or((1, 0));
            (start, end) = (a, b);
        }
    }
}

impl TDigest {
    /// `td_init`: None when the reference's capacity computation fails.
    pub fn new(compression: i64) -> Option<TDigest> {
        let cap = Self::capacity(compression)?;
        let mut t = TDigest {
            compression: compression as f64,
            min: 0.0,
            max: 0.0,
            cap: cap as i64,
            merged_nodes: 0,
            unmerged_nodes: 0,
            total_compressions: 0,
            merged_weight: 0,
            unmerged_weight: 0,
            means: Vec::new(),
            weights: Vec::new(),
        };
        t.reset();
        Some(t)
    }

    /// `cap_from_compression`: 6·compression + 10, or None past the reference's limit.
    pub fn capacity(compression: i64) -> Option<u64> {
        if compression <= 0 || compression as u64 > MAX_COMPRESSION {
            return None;
        }
        Some(6 * compression as u64 + 10)
    }

    /// What the reference allocates (and its `mem_usage` reports) for a compression.
    pub fn bytes_for(compression: i64) -> Option<u64> {
        Self::capacity(compression).map(|c| c.saturating_mul(16).saturating_add(8))
    }

    /// Whether a digest read from a snapshot is one this code could have made (node
    /// counts matching the arrays, within the capacity): a hand-edited one could
    /// otherwise index out of bounds.
    pub fn is_consistent(&self) -> bool {
        let n = self.merged_nodes.checked_add(self.unmerged_nodes);
        self.compression.fract() == 0.0
            && Self::capacity(self.compression as i64) == Some(self.cap as u64)
            && self.merged_nodes >= 0
            && self.unmerged_nodes >= 0
            && n.is_some_and(|n| n <= self.cap && n as usize == self.means.len())
            && self.weights.len() == self.means.len()
            && self.weights.iter().all(|&w| w >= 0)
            && self.merged_weight >= 0
            && self.unmerged_weight >= 0
            && self
                .merged_weight
                .checked_add(self.unmerged_weight)
                .is_some()
    }

    /// `TDigestMemUsage`: `sizeof(tdigest)` (a pointer) + both node arrays.
    pub fn mem_usage(&self) -> u64 {
        (self.cap as u64).saturating_mul(16).saturating_add(8)
    }

    /// `td_reset`.
    pub fn reset(&mut self) {
        self.min = f64::MAX;
        self.max = -f64::MAX;
        self.merged_nodes = 0;
        self.merged_weight = 0;
        self.unmerged_nodes = 0;
        self.unmerged_weight = 0;
        self.total_compressions = 0;
        self.means.clear();
        self.weights.clear();
    }

    /// `td_size`: every sample's weight, merged or not.
    pub fn size(&self) -> i64 {
        self.merged_weight.wrapping_add(self.unmerged_weight)
    }

    fn next_node(&self) -> i64 {
        self.merged_nodes + self.unmerged_nodes
    }

    /// `td_add`.
    pub fn add(&mut self, mean: f64, weight: i64) -> Result<(), Overflow> {
        if self.next_node() >= self.cap - 1 {
            self.compress()?;
        }
        if self.next_node() >= self.cap {
            return Err(Overflow);
        }
        if !add_safe(self.unmerged_weight, weight) {
            return Err(Overflow);
        }
        let new_unmerged = self.unmerged_weight + weight;
        if !add_safe(new_unmerged, self.merged_weight) {
            return Err(Overflow);
        }
        let new_total = new_unmerged + self.merged_weight;
        if overflows(new_unmerged as f64, new_total as f64) {
            return Err(Overflow);
        }
        if mean < self.min {
            self.min = mean;
        }
        if mean > self.max {
            self.max = mean;
        }
        let pos = self.next_node() as usize;
        self.means.truncate(pos);
        self.weights.truncate(pos);
        self.means.push(mean);
        self.weights.push(weight);
        self.unmerged_nodes += 1;
        self.unmerged_weight = new_unmerged;
        Ok(())
    }

    /// `td_compress`: sort everything, then merge neighbours under the scale function.
    pub fn compress(&mut self) -> Result<(), Overflow> {
        if self.unmerged_nodes == 0 {
            return Ok(());
        }
        let n = self.next_node() as usize;
        qsort(&mut self.means[..n], &mut self.weights[..n], 0, n - 1);
        let total_weight = self.merged_weight as f64 + self.unmerged_weight as f64;
        if overflows(self.unmerged_weight as f64, total_weight) {
            return Err(Overflow);
        }
        if total_weight <= 1.0 {
            return Ok(());
        }
        let denom = 2.0 * MM_PI * total_weight * total_weight.ln();
        if denom == f64::INFINITY {
            return Err(Overflow);
        }
        let normalizer = self.compression / denom;
        if normalizer == f64::INFINITY {
            return Err(Overflow);
        }
        let (means, weights) = (&mut self.means, &mut self.weights);
        let mut cur = 0usize;
        let mut weight_so_far = 0.0f64;
        for i in 1..n {
            let proposed = weights[cur] as f64 + weights[i] as f64;
            let z = proposed * normalizer;
            let q0 = weight_so_far / total_weight;
            let q2 = (weight_so_far + proposed) / total_weight;
            if z <= q0 * (1.0 - q0) && z <= q2 * (1.0 - q2) {
                weights[cur] += weights[i];
                let delta = means[i] - means[cur];
                let weighted_delta = (delta * weights[i] as f64) / weights[cur] as f64;
                means[cur] += weighted_delta;
            } else {
                weight_so_far += weights[cur] as f64;
                cur += 1;
                weights[cur] = weights[i];
                means[cur] = means[i];
            }
        }
        means.truncate(cur + 1);
        weights.truncate(cur + 1);
        self.merged_nodes = cur as i64 + 1;
        self.merged_weight = total_weight as i64;
        self.unmerged_nodes = 0;
        self.unmerged_weight = 0;
        self.total_compressions = self.total_compressions.wrapping_add(1);
        Ok(())
    }

    /// `td_merge`: compresses both, then adds `from`'s nodes (centroids) one by one.
    /// The caller compresses `from` in place first (the reference mutates it).
    pub fn merge(&mut self, from: &TDigest) -> Result<(), Overflow> {
        self.compress()?;
        let mut from = from.clone();
        from.compress()?;
        let n = from.next_node() as usize;
        for i in 0..n {
            self.add(from.means[i], from.weights[i])?;
        }
        Ok(())
    }

    /// The merged centroids, (mean, weight), for display.
    pub fn centroids(&self) -> impl Iterator<Item = (f64, i64)> + '_ {
        let n = self.merged_nodes as usize;
        self.means[..n]
            .iter()
            .copied()
            .zip(self.weights[..n].iter().copied())
    }

    /// `td_cdf`.
    pub fn cdf(&mut self, val: f64) -> f64 {
        let _ = self.compress();
        if self.merged_nodes == 0 {
            return f64::NAN;
        }
        if val < self.min {
            return 0.0;
        }
        if val > self.max {
            return 1.0;
        }
        if self.merged_nodes == 1 {
            let width = self.max - self.min;
            if val - self.min <= width {
                return 0.5;
            } else {
                return (val - self.min) / width;
            }
        }
        let n = self.merged_nodes as usize;
        let (means, weights) = (&self.means, &self.weights);
        let left_mean = means[0];
        let left_weight = weights[0] as f64;
        let mw = self.merged_weight as f64;
        if val < left_mean {
            let width = left_mean - self.min;
            if width > 0.0 {
                if val == self.min {
                    return 0.5 / mw;
                } else {
                    return (1.0 + (val - self.min) / width * (left_weight / 2.0 - 1.0)) / mw;
                }
            } else {
                return 0.0;
            }
        }
        let right_mean = means[n - 1];
        let right_weight = weights[n - 1] as f64;
        if val > right_mean {
            let width = self.max - right_mean;
            if width > 0.0 {
                if val == self.max {
                    return 1.0 - 0.5 / mw;
                } else {
                    let dq = (1.0 + (self.max - val) / width * (right_weight / 2.0 - 1.0)) / mw;
                    return 1.0 - dq;
                }
            } else {
                return 1.0;
            }
        }
        let mut weight_so_far = 0.0f64;
        let mut it = 0usize;
        while it < n - 1 {
            if means[it] == val {
                let mut dw = 0.0f64;
                while it < n && means[it] == val {
                    dw += weights[it] as f64;
                    it += 1;
                }
                return (weight_so_far + dw / 2.0) / self.merged_weight as f64;
            } else if means[it] <= val && val < means[it + 1] {
                let nw = weights[it] as f64;
                let nw_next = weights[it + 1] as f64;
                let nm = means[it];
                let nm_next = means[it + 1];
                if nm_next - nm > 0.0 {
                    let mut left_excluded = 0.0;
                    let mut right_excluded = 0.0;
                    if nw == 1.0 {
                        if nw_next == 1.0 {
                            return (weight_so_far + 1.0) / mw;
                        } else {
                            left_excluded = 0.5;
                        }
                    } else if nw_next == 1.0 {
                        right_excluded = 0.5;
                    }
                    let dw = (nw + nw_next) / 2.0;
                    let dw_no_singleton = dw - left_excluded - right_excluded;
                    let base = weight_so_far + nw / 2.0 + left_excluded;
                    return (base + dw_no_singleton * (val - nm) / (nm_next - nm)) / mw;
                } else {
                    let dw = (nw + nw_next) / 2.0;
                    return (weight_so_far + dw) / mw;
                }
            } else {
                weight_so_far += weights[it] as f64;
            }
            it += 1;
        }
        1.0 - 0.5 / mw
    }

    /// `td_internal_iterate_centroids_to_index`, with the walk's state in `wsf`/`pos`.
    fn to_index(
        &self,
        index: f64,
        left_weight: f64,
        total: usize,
        wsf: &mut f64,
        pos: &mut usize,
    ) -> f64 {
        let (means, weights) = (&self.means, &self.weights);
        if left_weight > 1.0 && index < left_weight / 2.0 {
            return self.min + (index - 1.0) / (left_weight / 2.0 - 1.0) * (means[0] - self.min);
        }
        if index > (self.merged_weight - 1) as f64 {
            return self.max;
        }
        let right_weight = weights[total - 1] as f64;
        let right_mean = means[total - 1];
        let mw = self.merged_weight as f64;
        if right_weight > 1.0 && mw - index <= right_weight / 2.0 {
            return self.max
                - (mw - index - 1.0) / (right_weight / 2.0 - 1.0) * (self.max - right_mean);
        }
        while *pos < total - 1 {
            let i = *pos;
            let nw = weights[i] as f64;
            let nw_next = weights[i + 1] as f64;
            let nm = means[i];
            let nm_next = means[i + 1];
            let dw = (nw + nw_next) / 2.0;
            if *wsf + dw > index {
                let mut left_unit = 0.0;
                if nw == 1.0 {
                    if index - *wsf < 0.5 {
                        return nm;
                    } else {
                        left_unit = 0.5;
                    }
                }
                let mut right_unit = 0.0;
                if nw_next == 1.0 {
                    if *wsf + dw - index <= 0.5 {
                        return nm_next;
                    }
                    right_unit = 0.5;
                }
                let z1 = index - *wsf - left_unit;
                let z2 = *wsf + dw - index - right_unit;
                return weighted_average(nm, z2, nm_next, z1);
            }
            *wsf += dw;
            *pos += 1;
        }
        let z1 = index - mw - right_weight / 2.0;
        let z2 = right_weight / 2.0 - z1;
        weighted_average(right_mean, z1, self.max, z2)
    }

    /// `td_quantile` (TDIGEST.BYRANK's walk).
    pub fn quantile(&mut self, q: f64) -> f64 {
        let _ = self.compress();
        if !(0.0..=1.0).contains(&q) || self.merged_nodes == 0 {
            return f64::NAN;
        }
        if self.merged_nodes == 1 {
            return self.means[0];
        }
        let index = q * self.merged_weight as f64;
        if index < 1.0 {
            return self.min;
        }
        let n = self.merged_nodes as usize;
        let left_weight = self.weights[0] as f64;
        let mut wsf = left_weight / 2.0;
        let mut pos = 0;
        self.to_index(index, left_weight, n, &mut wsf, &mut pos)
    }

    /// `td_quantiles`: one walk over the centroids for quantiles given in order (each
    /// answer starts where the previous one stopped).
    pub fn quantiles(&mut self, qs: &[f64]) -> Vec<f64> {
        let _ = self.compress();
        let n = self.merged_nodes as usize;
        if n == 0 {
            return vec![f64::NAN; qs.len()];
        }
        if n == 1 {
            return qs
                .iter()
                .map(|&q| {
                    if !(0.0..=1.0).contains(&q) {
                        f64::NAN
                    } else {
                        self.means[0]
                    }
                })
                .collect();
        }
        let left_weight = self.weights[0] as f64;
        let mut wsf = left_weight / 2.0;
        let mut pos = 0;
        qs.iter()
            .map(|&q| {
                let index = q * self.merged_weight as f64;
                self.to_index(index, left_weight, n, &mut wsf, &mut pos)
            })
            .collect()
    }

    fn trimmed(&self, leftmost: f64, rightmost: f64) -> f64 {
        let mut count_done = 0.0f64;
        let mut sum = 0.0f64;
        let mut count = 0.0f64;
        for i in 0..self.merged_nodes as usize {
            let w = self.weights[i] as f64;
            let mut add = w;
            add -= c_min(c_max(0.0, leftmost - count_done), add);
            add = c_min(c_max(0.0, rightmost - count_done), add);
            count_done += w;
            sum += self.means[i] * add;
            count += add;
            if count_done >= rightmost {
                break;
            }
        }
        sum / count
    }

    /// `td_trimmed_mean`: the mean of the samples between two quantiles.
    pub fn trimmed_mean(&mut self, low: f64, high: f64) -> f64 {
        let _ = self.compress();
        if self.merged_nodes == 0 || !(0.0..=1.0).contains(&low) || !(0.0..=1.0).contains(&high) {
            return f64::NAN;
        }
        if self.merged_nodes == 1 {
            return self.means[0];
        }
        let mw = self.merged_weight as f64;
        self.trimmed((mw * low).floor(), (mw * high).ceil())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_is_never_merged() {
        let mut t = TDigest::new(100).unwrap();
        t.add(1.0, 1).unwrap();
        assert!(t.quantile(0.5).is_nan());
        assert_eq!((t.merged_nodes, t.unmerged_nodes), (0, 1));
        t.add(2.0, 1).unwrap();
        assert_eq!(t.quantile(0.0), 1.0);
        assert_eq!((t.merged_nodes, t.total_compressions), (2, 1));
    }

    #[test]
    fn qsort_matches_a_stable_order_on_distinct_means() {
        let mut m: Vec<f64> = (0..200).map(|i| ((i * 7919) % 211) as f64).collect();
        let mut w: Vec<i64> = m.iter().map(|&x| x as i64).collect();
        let n = m.len();
        qsort(&mut m, &mut w, 0, n - 1);
        assert!(m.windows(2).all(|p| p[0] <= p[1]));
        assert!(m.iter().zip(&w).all(|(a, b)| *a as i64 == *b));
    }

    #[test]
    fn weight_overflow_is_refused() {
        let mut t = TDigest::new(100).unwrap();
        t.add(1.0, i64::MAX - 1).unwrap();
        assert_eq!(t.add(2.0, 5), Err(Overflow));
        assert_eq!(t.size(), i64::MAX - 1);
    }

    #[test]
    fn capacity_and_memory_are_the_references() {
        let t = TDigest::new(100).unwrap();
        assert_eq!((t.cap, t.mem_usage()), (610, 9768));
        assert!(TDigest::new(0).is_none());
        assert!(TDigest::new(i64::MAX).is_none());
    }
}
