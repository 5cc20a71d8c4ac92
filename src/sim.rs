//! The eviction simulator: a cache in front of a slow database, replayed through the real
//! engine under a chosen `maxmemory` and `maxmemory-policy`.
//!
//! A *trace* is a list of requests for keys drawn from a Zipf distribution (rank `k` is
//! asked for with weight `1 / (k + 1)^s`, so with `s` near 1 a few keys take most of the
//! traffic, as on real sites). Each request is a read or a write:
//!
//! - a read is cache-aside: `GET key`; on a miss the value is "loaded from the database"
//!   and stored with `SET key value [PX ttl]`,
//! - a write updates the cache the same way, with `SET`.
//!
//! Whether a key gets a TTL is fixed per key (`ttl_pct` of them do), and each SET may
//! jitter the TTL so that keys loaded together do not expire together.
//!
//! The simulation runs on its own [`Engine`] with a [`ManualClock`] that moves
//! `1000 / rate` ms per request, so idle times, LFU decay and TTLs behave as if the
//! requests arrived at `rate` per second, however fast the host replays them. Active
//! expiry runs every 100 simulated ms, as at Redis's default `hz 10`. Nothing here reads
//! the wall clock, so a trace and a seed give the same hit rate on every machine, and
//! the browser can run it a chunk at a time ([`Sim::step`]) without freezing the page.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::engine::reply::Reply;
use crate::engine::{Engine, ManualClock};

/// Every policy, in the order the comparison lists them.
pub const POLICIES: [&str; 8] = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];

/// Largest keyspace and trace the browser is allowed to build (a tab has little memory
/// to spare, and a million requests already take seconds to replay).
pub const MAX_KEYS: usize = 200_000;
pub const MAX_REQUESTS: usize = 2_000_000;
/// Simulated time between active-expiry cycles (Redis's default `hz 10`).
const TICK_MS: f64 = 100.0;
/// Where the simulated clock starts (any fixed instant keeps runs reproducible).
const START_MS: i64 = 1_700_000_000_000;

#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// `maxmemory` in bytes (the empty engine already uses about 860 KB, as Redis does).
    pub maxmemory: u64,
    pub policy: String,
    /// Distinct keys the requests are drawn from.
    pub keys: usize,
    /// Zipf exponent: 0 is uniform; around 1 is typical web traffic.
    pub zipf_s: f64,
    /// Share of requests that are reads, in percent (the rest are writes).
    pub read_pct: u32,
    /// Share of keys stored with a TTL, in percent.
    pub ttl_pct: u32,
    pub ttl_secs: u64,
    /// Each TTL is spread uniformly over ±this percent of `ttl_secs`.
    pub jitter_pct: u32,
    /// Mean value size in bytes; each key's value is 20%..180% of it.
    pub value_bytes: usize,
    pub requests: usize,
    /// Simulated requests per second.
    pub rate: u32,
    pub seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            maxmemory: 2 * 1024 * 1024,
            policy: "allkeys-lru".into(),
            keys: 5000,
            zipf_s: 0.9,
            read_pct: 90,
            ttl_pct: 50,
            ttl_secs: 300,
            jitter_pct: 10,
            value_bytes: 400,
            requests: 50_000,
            rate: 1000,
            seed: 2026,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read(u32),
    Write(u32),
}

/// The requests of a run: the same config and seed always give the same trace, so each
/// policy in a comparison sees exactly the same traffic.
pub fn trace(cfg: &SimConfig) -> Vec<Op> {
    let keys = cfg.keys.clamp(1, MAX_KEYS);
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    // Cumulative weights; a uniform draw is then a binary search away from its rank.
    let mut cdf = Vec::with_capacity(keys);
    let mut acc = 0.0;
    for i in 0..keys {
        acc += 1.0 / ((i + 1) as f64).powf(cfg.zipf_s.max(0.0));
        cdf.push(acc);
    }
    (0..cfg.requests.min(MAX_REQUESTS))
        .map(|_| {
            let u = rng.random::<f64>() * acc;
            let k = cdf.partition_point(|&c| c < u).min(keys - 1) as u32;
            if rng.random_range(0..100) < cfg.read_pct {
                Op::Read(k)
            } else {
                Op::Write(k)
            }
        })
        .collect()
}

/// A cheap fixed hash of a key number, so sizes and TTL choices spread evenly but stay
/// the same for a key across runs.
fn mix(k: u32) -> u64 {
    let mut x = u64::from(k).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// One point of the live charts.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Requests done so far.
    pub done: usize,
    /// Hit rate of the reads since the previous point, in percent.
    pub hit_rate: f64,
    pub used_memory: u64,
    /// Evictions so far.
    pub evicted: u64,
    pub keys: usize,
}

/// A run in progress.
pub struct Sim {
    pub cfg: SimConfig,
    pub engine: Engine,
    clock: ManualClock,
    client: u64,
    ops: std::rc::Rc<[Op]>,
    pos: usize,
    rng: StdRng,
    /// Simulated milliseconds since the start, and when expiry last ran.
    t_ms: f64,
    last_tick: f64,
    pub reads: u64,
    pub hits: u64,
    pub writes: u64,
    /// SETs refused with OOM (under noeviction, or nothing left a volatile policy may evict).
    pub oom: u64,
    pub points: Vec<Point>,
    window: (u64, u64),
}

impl Sim {
    /// A fresh engine configured from `cfg`, ready to replay `ops`.
    pub fn new(cfg: SimConfig, ops: std::rc::Rc<[Op]>) -> Result<Sim, String> {
        let clock = ManualClock::new(START_MS);
        let mut engine = Engine::new(Box::new(clock.clone()), cfg.seed ^ 0x5EED);
        // Nobody reads the key events of a simulation; don't pile them up.
        engine.core.record_events = false;
        let client = engine.connect("simulator:0", "browser:0");
        for (name, value) in [
            ("maxmemory-policy", cfg.policy.clone()),
            ("maxmemory", cfg.maxmemory.to_string()),
        ] {
            let argv = [
                b"CONFIG".to_vec(),
                b"SET".to_vec(),
                name.into(),
                value.into(),
            ];
            if let Reply::Error(e) = engine.execute(client, &argv) {
                return Err(e);
            }
        }
        Ok(Sim {
            rng: StdRng::seed_from_u64(cfg.seed.wrapping_add(1)),
            cfg,
            engine,
            clock,
            client,
            ops,
            pos: 0,
            t_ms: 0.0,
            last_tick: 0.0,
            reads: 0,
            hits: 0,
            writes: 0,
            oom: 0,
            points: Vec::new(),
            window: (0, 0),
        })
    }

    pub fn done(&self) -> usize {
        self.pos
    }

    pub fn total(&self) -> usize {
        self.ops.len()
    }

    pub fn finished(&self) -> bool {
        self.pos >= self.ops.len()
    }

    /// Hit rate of all reads so far, in percent.
    pub fn hit_rate(&self) -> f64 {
        if self.reads == 0 {
            0.0
        } else {
            self.hits as f64 * 100.0 / self.reads as f64
        }
    }

    pub fn evicted(&self) -> u64 {
        self.engine.core.stats.evicted_keys
    }

    pub fn used_memory(&self) -> u64 {
        self.engine.used_memory()
    }

    /// The engine's used memory before any data: what `maxmemory` must exceed.
    pub fn empty_memory(&self) -> u64 {
        self.engine.core.fixed_memory()
    }

    fn value_of(&self, k: u32) -> Vec<u8> {
        let h = mix(k);
        let mean = self.cfg.value_bytes.max(1) as u64;
        let len = mean / 5 + h % (mean * 8 / 5 + 1);
        vec![b'a' + (h % 26) as u8; len as usize]
    }

    fn store(&mut self, k: u32) {
        let mut argv = vec![
            b"SET".to_vec(),
            format!("key:{k}").into_bytes(),
            self.value_of(k),
        ];
        if (mix(k) >> 32) % 100 < u64::from(self.cfg.ttl_pct) {
            let base = self.cfg.ttl_secs.max(1) as f64 * 1000.0;
            let spread = base * f64::from(self.cfg.jitter_pct.min(100)) / 100.0;
            let ms = if spread > 0.0 {
                base + self.rng.random_range(-spread..=spread)
            } else {
                base
            };
            argv.push(b"PX".to_vec());
            argv.push((ms.max(1.0) as u64).to_string().into_bytes());
        }
        if let Reply::Error(_) = self.engine.execute(self.client, &argv) {
            self.oom += 1;
        }
    }

    /// Replays up to `n` more requests, adding a chart point at the end. Returns true
    /// when the trace is done.
    pub fn step(&mut self, n: usize) -> bool {
        let step_ms = 1000.0 / f64::from(self.cfg.rate.max(1));
        let end = (self.pos + n).min(self.ops.len());
        while self.pos < end {
            self.t_ms += step_ms;
            self.clock.set(START_MS + self.t_ms as i64);
            if self.t_ms - self.last_tick >= TICK_MS {
                self.last_tick = self.t_ms;
                self.engine.tick();
            }
            match self.ops[self.pos] {
                Op::Read(k) => {
                    self.reads += 1;
                    self.window.1 += 1;
                    let argv = [b"GET".to_vec(), format!("key:{k}").into_bytes()];
                    if let Reply::Bulk(_) = self.engine.execute(self.client, &argv) {
                        self.hits += 1;
                        self.window.0 += 1;
                    } else {
                        self.store(k);
                    }
                }
                Op::Write(k) => {
                    self.writes += 1;
                    self.store(k);
                }
            }
            self.pos += 1;
        }
        let (h, r) = std::mem::take(&mut self.window);
        let point = Point {
            done: self.pos,
            hit_rate: if r == 0 {
                0.0
            } else {
                h as f64 * 100.0 / r as f64
            },
            used_memory: self.used_memory(),
            evicted: self.evicted(),
            keys: self.engine.core.dbs[0].keys.len(),
        };
        self.points.push(point);
        self.finished()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(policy: &str) -> SimConfig {
        SimConfig {
            policy: policy.into(),
            keys: 3000,
            requests: 20_000,
            // Room for about 850 of the 3000 keys.
            maxmemory: 1_300_000,
            ..SimConfig::default()
        }
    }

    fn run(cfg: SimConfig) -> Sim {
        let ops: std::rc::Rc<[Op]> = trace(&cfg).into();
        let mut sim = Sim::new(cfg, ops).unwrap();
        while !sim.step(1000) {}
        sim
    }

    #[test]
    fn traces_are_zipf_shaped_and_reproducible() {
        let cfg = small("allkeys-lru");
        let a = trace(&cfg);
        assert_eq!(a, trace(&cfg));
        let key = |o: &Op| match *o {
            Op::Read(k) | Op::Write(k) => k,
        };
        let top = a.iter().filter(|o| key(o) == 0).count();
        let tenth = a.iter().filter(|o| key(o) == 9).count();
        // Weight of rank 1 over rank 10 is 10^0.9 ≈ 7.9.
        let ratio = top as f64 / tenth as f64;
        assert!((5.0..12.0).contains(&ratio), "rank 1 / rank 10 = {ratio}");
        let reads = a.iter().filter(|o| matches!(o, Op::Read(_))).count();
        assert!((17_500..18_500).contains(&reads), "{reads} reads of 20000");
        let uniform = trace(&SimConfig { zipf_s: 0.0, ..cfg });
        let top = uniform.iter().filter(|o| key(o) == 0).count();
        assert!(top < 20, "uniform trace asked rank 1 {top} times");
    }

    #[test]
    fn memory_stays_under_the_limit_and_policies_rank_as_expected() {
        let lfu = run(small("allkeys-lfu"));
        let random = run(small("allkeys-random"));
        let lru = run(small("allkeys-lru"));
        for s in [&lfu, &random, &lru] {
            assert!(s.evicted() > 0, "{}: nothing evicted", s.cfg.policy);
            // Eviction runs before each command (as in Redis), so the last SET of a chunk
            // may leave memory over the limit by at most that one key.
            let slack = 2 * s.cfg.value_bytes as u64 + 256;
            assert!(
                s.points
                    .iter()
                    .all(|p| p.used_memory <= s.cfg.maxmemory + slack),
                "{}: over maxmemory",
                s.cfg.policy
            );
            assert_eq!(s.oom, 0);
            assert_eq!(s.reads + s.writes, 20_000);
        }
        // On skewed traffic, knowing what is hot beats a coin toss.
        assert!(lfu.hit_rate() > random.hit_rate() + 1.0);
        assert!(lru.hit_rate() > random.hit_rate());
        // Same config, same result: nothing depends on the wall clock.
        assert_eq!(run(small("allkeys-lru")).hits, lru.hits);
    }

    #[test]
    fn noeviction_refuses_writes_once_full_and_ttls_expire_in_simulated_time() {
        let s = run(small("noeviction"));
        assert_eq!(s.evicted(), 0);
        assert!(s.oom > 0, "no OOM under noeviction");
        // Volatile policies may only evict keys with a TTL: once the keys without one
        // fill memory, writes fail as under noeviction.
        let s = run(small("volatile-lru"));
        assert!(s.evicted() > 0 && s.oom > 0);
        // Short TTLs on every key: the simulated minutes pass and keys expire.
        let s = run(SimConfig {
            ttl_pct: 100,
            ttl_secs: 2,
            maxmemory: 64 * 1024 * 1024,
            ..small("allkeys-lru")
        });
        assert!(s.engine.core.stats.expired_keys > 1000);
        assert!(s.engine.core.dbs[0].keys.len() < 3000);
    }

    #[test]
    fn a_bad_policy_is_refused_with_redis_error() {
        let cfg = SimConfig {
            policy: "most-recent".into(),
            ..SimConfig::default()
        };
        let err = Sim::new(cfg, Vec::new().into()).err().unwrap();
        assert!(err.contains("CONFIG SET failed"), "{err}");
    }
}
