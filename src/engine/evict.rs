//! Eviction under `maxmemory`: Redis's approximations, not exact LRU/LFU.
//!
//! Before each command, while the memory estimate is above `maxmemory`, one key is chosen
//! and deleted. Which one depends on `maxmemory-policy`:
//!
//! - `allkeys-random` / `volatile-random`: any key (or any key with a TTL), taking the
//!   databases round-robin so no one database is always hit first.
//! - the LRU, LFU and TTL policies: each database contributes `maxmemory-samples` keys
//!   (from all keys, or from the volatile ones), taken like Redis from neighbouring buckets
//!   at a random spot of the table, to a small *eviction pool* that stays
//!   sorted by how good a victim each key is: idle milliseconds for LRU, 255 minus the
//!   decayed log counter for LFU, and how soon it expires for `volatile-ttl`. The best
//!   pooled key that still exists is evicted. Because the pool survives between rounds,
//!   good candidates from earlier samples are not forgotten, which is what makes five
//!   samples behave close to true LRU in practice.
//! - `noeviction`: nothing is deleted, and commands flagged `denyoom` are refused with
//!   Redis's OOM error while memory stays above the limit.
//!
//! Each eviction counts in INFO's `evicted_keys` and is a key event (`evicted`), so the
//! panels can show which key went and why.

use super::config::Policy;
use super::Core;
use rand::RngExt;

/// Entries in the eviction pool (Redis's `EVPOOL_SIZE`): enough to remember the best
/// candidates of a few rounds, small enough that keeping it sorted is trivial.
pub const EVICTION_POOL_SIZE: usize = 16;

/// One pooled candidate: the higher `score`, the better a victim.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub score: u64,
    pub db: usize,
    pub key: Vec<u8>,
}

/// Why a key was evicted, for the panels.
#[derive(Clone, Debug, PartialEq)]
pub struct Eviction {
    pub db: usize,
    pub key: Vec<u8>,
    pub policy: Policy,
    /// The candidate's score when chosen: idle ms (LRU), 255 - counter (LFU), or
    /// `u64::MAX - expire time` (TTL); 0 for the random policies.
    pub score: u64,
    /// When it happened (the engine's clock, ms).
    pub at_ms: i64,
    /// The key's estimated size, which the eviction freed.
    pub bytes: u64,
}

/// The error a `denyoom` command gets when memory cannot be brought under the limit.
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

impl Core {
    /// The pooled candidates, worst victim first, best last.
    pub fn eviction_pool(&self) -> &[Candidate] {
        &self.evict_pool
    }

    /// Whether memory, plus `pending` bytes of the incoming command's arguments, is above
    /// `maxmemory` (never, when it is 0). Redis counts a command's arguments too, since
    /// they sit in memory while it waits to run: a 100 KB SET is refused at 950 KB used
    /// under a 1 MB limit.
    pub fn over_maxmemory(&self, pending: u64) -> bool {
        self.config.maxmemory > 0 && self.used_memory() + pending > self.config.maxmemory
    }

    /// Redis's `performEvictions`: evicts until memory (with `pending` argument bytes)
    /// fits. Returns false if it still does not fit (no eviction policy, or nothing left
    /// that the policy may evict).
    pub fn perform_evictions(&mut self, pending: u64) -> bool {
        // Nothing is evicted while clients are paused (isSafeToPerformEvictions).
        if self.config.maxmemory > 0 && self.admin.pause_at(self.now).is_some() {
            return true;
        }
        while self.over_maxmemory(pending) {
            let policy = self.config.policy;
            let victim = match policy {
                Policy::NoEviction => None,
                Policy::AllkeysRandom | Policy::VolatileRandom => {
                    self.random_victim(policy.is_volatile())
                }
                _ => self.pooled_victim(policy),
            };
            let Some((db, key, score)) = victim else {
                return false;
            };
            let lazy = self.config.lazyfree_eviction;
            if lazy {
                self.count_lazyfree(db, &key);
            }
            let bytes = self.dbs[db].remove_freeing(&key).unwrap_or(0);
            self.stats.evicted_keys += 1;
            if self.prop.on {
                let cmd: &[u8] = if lazy { b"UNLINK" } else { b"DEL" };
                self.prop.push(db, vec![cmd.to_vec(), key.to_vec()]);
            }
            self.notify(db, &key, "evicted");
            if !self.record_events {
                // No panels to tell (the native server): keep the buffer for the pool.
                self.evict_spare.push(key);
                continue;
            }
            self.evictions.push(Eviction {
                db,
                key,
                policy,
                score,
                at_ms: self.now,
                bytes,
            });
            if self.evictions.len() > 256 {
                self.evictions.drain(..128);
            }
        }
        true
    }

    fn random_victim(&mut self, volatile: bool) -> Option<(usize, Vec<u8>, u64)> {
        let ndb = self.dbs.len();
        for _ in 0..ndb {
            self.evict_next_db = (self.evict_next_db + 1) % ndb;
            let db = self.evict_next_db;
            let n = self.dbs[db].evictable_len(volatile);
            if n == 0 {
                continue;
            }
            let i = self.rng.random_range(0..n);
            return Some((db, self.dbs[db].evictable_at(volatile, i).to_vec(), 0));
        }
        None
    }

    /// How good a victim the `i`th evictable key is under an LRU, LFU or TTL policy
    /// (higher is better). Sampling from the main table reads the object in place; from
    /// the expires table, the deadline is in place and the object needs one lookup.
    fn victim_score(&self, policy: Policy, db: usize, i: usize) -> Option<u64> {
        let d = &self.dbs[db];
        let access = if policy.is_volatile() {
            let (key, &when) = d.expires.at(i);
            if policy == Policy::VolatileTtl {
                return Some(u64::MAX - when.max(0) as u64);
            }
            d.keys.get(key)?.access
        } else {
            d.keys.at(i).1.access
        };
        Some(if policy.is_lfu() {
            255 - u64::from(self.lfu_decayed(access.lfu))
        } else {
            self.idle_ms(access.clock)
        })
    }

    fn populate_pool(&mut self, policy: Policy, db: usize) {
        let volatile = policy.is_volatile();
        if self.dbs[db].evictable_len(volatile) == 0 {
            return;
        }
        let mut sample = std::mem::take(&mut self.evict_sample);
        let rng = &mut self.rng;
        self.dbs[db].sample_evictable(
            volatile,
            &mut || rng.random::<u64>(),
            self.config.maxmemory_samples,
            &mut sample,
        );
        for &i in &sample {
            let Some(score) = self.victim_score(policy, db, i) else {
                continue;
            };
            let pool = &mut self.evict_pool;
            // The pool is sorted by ascending score; find where this one belongs.
            let at = pool
                .iter()
                .position(|c| c.score >= score)
                .unwrap_or(pool.len());
            // Like Redis, no check for a key already pooled: a sample may repeat one.
            let (at, mut buf) = if pool.len() < EVICTION_POOL_SIZE {
                (at, self.evict_spare.pop().unwrap_or_default())
            } else if at > 0 {
                // Full: drop the worst candidate to make room for a better one.
                (at - 1, pool.remove(0).key)
            } else {
                continue;
            };
            // Key buffers are reused, as Redis keeps a cached string per pool slot: no
            // allocation per pooled candidate once the pool has warmed up.
            buf.clear();
            buf.extend_from_slice(self.dbs[db].evictable_at(volatile, i));
            pool.insert(
                at,
                Candidate {
                    score,
                    db,
                    key: buf,
                },
            );
        }
        self.evict_sample = sample;
    }

    fn pooled_victim(&mut self, policy: Policy) -> Option<(usize, Vec<u8>, u64)> {
        let volatile = policy.is_volatile();
        // Each round either finds a live pooled key or empties the pool of stale ones and
        // refills it, so a few rounds always suffice; the bound only guards against a bug.
        for _ in 0..64 {
            if self.dbs.iter().all(|d| d.evictable_len(volatile) == 0) {
                return None;
            }
            for db in 0..self.dbs.len() {
                self.populate_pool(policy, db);
            }
            // Best candidates sit at the end; skip ones deleted since they were pooled.
            while let Some(c) = self.evict_pool.pop() {
                if self.dbs[c.db].is_evictable(volatile, &c.key) {
                    return Some((c.db, c.key, c.score));
                }
                self.evict_spare.push(c.key);
            }
        }
        None
    }
}
