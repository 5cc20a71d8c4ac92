//! The sketch comparison: one stream of items, each question about it answered exactly
//! and by the sketch made for it, with the memory each answer costs.
//!
//! | question        | exact answer (Redis structure)      | sketch                     |
//! |-----------------|-------------------------------------|----------------------------|
//! | how many distinct? | SCARD of a set                   | PFCOUNT (HyperLogLog)      |
//! | seen this one?  | SISMEMBER (the same set)            | BF.EXISTS, CF.EXISTS       |
//! | how often?      | HGET of a hash of counts            | CMS.QUERY (Count-Min)      |
//! | which are top?  | ZRANGE of a sorted set of counts    | TOPK.LIST (HeavyKeeper, width 10k, depth 5) |
//!
//! The stream is `n` draws from a universe of `universe` items (`item:0` …) with a Zipf
//! skew `s` (0 is uniform; around 1 is web traffic), from a seed, so a run is
//! reproducible. It is fed, in batches, to a private [`Engine`] on a [`ManualClock`] (the
//! learner's keyspace is untouched), as commands, so every answer and every MEMORY USAGE
//! is the engine's own. Membership is measured on `probes` items that were never added
//! (`absent:0` …): every "maybe" there is a false positive; every item that was added must
//! be found (no false negatives).
//!
//! Pure Rust, no web dependencies: the panel only draws a [`Comparison`].

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::engine::{Engine, ManualClock, Reply};

/// Largest stream and universe the browser may ask for.
pub const MAX_N: usize = 200_000;
pub const MAX_UNIVERSE: usize = 100_000;
/// Items per command when feeding the engine.
const BATCH: usize = 1000;

#[derive(Clone, Debug, PartialEq)]
pub struct CompareConfig {
    /// Items in the stream.
    pub n: usize,
    /// Distinct items the stream is drawn from.
    pub universe: usize,
    /// Zipf exponent.
    pub zipf_s: f64,
    pub seed: u64,
    /// Heavy hitters asked for (TOPK.RESERVE k).
    pub k: usize,
    /// Items never added, asked for membership.
    pub probes: usize,
    /// The Bloom filter's requested error rate.
    pub bloom_error: f64,
    /// Count-Min's ε (overcount as a share of the total) and δ (chance of more).
    pub cms_error: f64,
    pub cms_prob: f64,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            n: 20_000,
            universe: 5_000,
            zipf_s: 1.0,
            seed: 2026,
            k: 10,
            probes: 10_000,
            bloom_error: 0.01,
            cms_error: 0.001,
            cms_prob: 0.01,
        }
    }
}

/// The stream: item numbers (ranks, 0 the most frequent).
pub fn stream(cfg: &CompareConfig) -> Vec<u32> {
    let universe = cfg.universe.clamp(1, MAX_UNIVERSE);
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut cdf = Vec::with_capacity(universe);
    let mut acc = 0.0;
    for i in 0..universe {
        acc += 1.0 / ((i + 1) as f64).powf(cfg.zipf_s.max(0.0));
        cdf.push(acc);
    }
    (0..cfg.n.min(MAX_N))
        .map(|_| {
            let u = rng.random::<f64>() * acc;
            cdf.partition_point(|&c| c < u).min(universe - 1) as u32
        })
        .collect()
}

pub fn item(rank: u32) -> String {
    format!("item:{rank}")
}

/// The answers of one run.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Comparison {
    pub n: usize,
    /// Distinct count: exact (SCARD) and HyperLogLog (PFCOUNT).
    pub distinct: u64,
    pub hll_estimate: u64,
    pub set_bytes: u64,
    pub hll_bytes: u64,
    /// Membership: probes asked, "maybe" answers among them (false positives), items
    /// added that were not found (false negatives: must be 0).
    pub probes: usize,
    pub bloom_fp: usize,
    pub bloom_fn: usize,
    pub bloom_bytes: u64,
    pub cuckoo_fp: usize,
    pub cuckoo_fn: usize,
    pub cuckoo_bytes: u64,
    /// Frequency: over every distinct item, the mean and largest overcount of CMS.QUERY,
    /// how many estimates were below the truth (must be 0), and how many exact.
    pub hash_bytes: u64,
    pub cms_bytes: u64,
    pub cms_mean_over: f64,
    pub cms_max_over: u64,
    pub cms_under: usize,
    pub cms_exact: usize,
    pub cms_width: u64,
    pub cms_depth: u64,
    /// Heavy hitters: the true top k (item, count), TOPK.LIST WITHCOUNT, and how many of
    /// the Top-K's items really belong in the top k (count at least the k-th true count).
    pub exact_top: Vec<(String, u64)>,
    pub topk_list: Vec<(String, u64)>,
    pub topk_hits: usize,
    pub zset_bytes: u64,
    pub topk_bytes: u64,
    /// Quantiles of a latency drawn for each request (log-normal, 3% slow): (q, exact
    /// from the sorted values, TDIGEST.QUANTILE), with the memory of a list of every
    /// value against the t-digest's.
    pub quantiles: Vec<(f64, f64, f64)>,
    pub list_bytes: u64,
    pub tdigest_bytes: u64,
}

impl Comparison {
    pub fn hll_error(&self) -> f64 {
        if self.distinct == 0 {
            return 0.0;
        }
        (self.hll_estimate as f64 - self.distinct as f64) / self.distinct as f64
    }

    pub fn bloom_fp_rate(&self) -> f64 {
        self.bloom_fp as f64 / self.probes.max(1) as f64
    }

    pub fn cuckoo_fp_rate(&self) -> f64 {
        self.cuckoo_fp as f64 / self.probes.max(1) as f64
    }
}

/// A private engine and its one client.
struct Scratch {
    engine: Engine,
    client: u64,
}

impl Scratch {
    fn new(seed: u64) -> Scratch {
        let mut engine = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), seed);
        engine.core.record_events = false;
        let client = engine.connect("compare:0", "browser:0");
        Scratch { engine, client }
    }

    fn run(&mut self, argv: Vec<Vec<u8>>) -> Result<Reply, String> {
        match self.engine.execute(self.client, &argv) {
            Reply::Error(e) => Err(e),
            r => Ok(r),
        }
    }

    fn cmd(&mut self, words: &[&str]) -> Result<Reply, String> {
        self.run(words.iter().map(|w| w.as_bytes().to_vec()).collect())
    }

    /// A command with a fixed head and `items` after it (one argument each, or with
    /// `then` after each item).
    fn batch(
        &mut self,
        head: &[&str],
        items: &[String],
        then: Option<&str>,
    ) -> Result<Reply, String> {
        let mut argv: Vec<Vec<u8>> = head.iter().map(|w| w.as_bytes().to_vec()).collect();
        for it in items {
            argv.push(it.as_bytes().to_vec());
            if let Some(t) = then {
                argv.push(t.as_bytes().to_vec());
            }
        }
        self.run(argv)
    }

    fn int(&mut self, words: &[&str]) -> Result<u64, String> {
        match self.cmd(words)? {
            Reply::Int(i) => Ok(i.max(0) as u64),
            r => Err(format!("{words:?}: unexpected reply {r:?}")),
        }
    }

    fn memory(&mut self, key: &str) -> Result<u64, String> {
        self.int(&["MEMORY", "USAGE", key, "SAMPLES", "0"])
    }
}

fn ints(r: &Reply) -> Vec<u64> {
    match r {
        Reply::Array(v) => v
            .iter()
            .map(|x| match x {
                Reply::Int(i) => (*i).max(0) as u64,
                Reply::Bool(b) => *b as u64,
                _ => 0,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Runs the comparison.
pub fn run(cfg: &CompareConfig) -> Result<Comparison, String> {
    let ranks = stream(cfg);
    let universe = cfg.universe.clamp(1, MAX_UNIVERSE);
    let k = cfg.k.clamp(1, 100);
    let mut s = Scratch::new(cfg.seed);
    let cap = universe.to_string();
    s.cmd(&["BF.RESERVE", "bf", &cfg.bloom_error.to_string(), &cap])?;
    s.cmd(&["CF.RESERVE", "cf", &cap])?;
    s.cmd(&[
        "CMS.INITBYPROB",
        "cms",
        &cfg.cms_error.to_string(),
        &cfg.cms_prob.to_string(),
    ])?;
    // The defaults (width 8, depth 7) suit a handful of heavy hitters; RedisBloom
    // suggests a width of about k·log(k): 10k with 5 rows is generous.
    s.cmd(&[
        "TOPK.RESERVE",
        "topk",
        &k.to_string(),
        &(k * 10).to_string(),
        "5",
        "0.9",
    ])?;

    s.cmd(&["TDIGEST.CREATE", "td", "COMPRESSION", "100"])?;
    let latencies = latencies(cfg.seed, ranks.len());
    for chunk in latencies.chunks(BATCH) {
        let values: Vec<String> = chunk.iter().map(|v| format!("{v:.3}")).collect();
        s.batch(&["RPUSH", "lat"], &values, None)?;
        s.batch(&["TDIGEST.ADD", "td"], &values, None)?;
    }

    let mut counts: HashMap<u32, u64> = HashMap::new();
    for chunk in ranks.chunks(BATCH) {
        let items: Vec<String> = chunk.iter().map(|&r| item(r)).collect();
        for &r in chunk {
            *counts.entry(r).or_default() += 1;
        }
        s.batch(&["PFADD", "hll"], &items, None)?;
        s.batch(&["SADD", "set"], &items, None)?;
        s.batch(&["BF.MADD", "bf"], &items, None)?;
        s.batch(&["CF.INSERTNX", "cf", "ITEMS"], &items, None)?;
        s.batch(&["CMS.INCRBY", "cms"], &items, Some("1"))?;
        s.batch(&["TOPK.ADD", "topk"], &items, None)?;
    }
    // The exact counts, as a hash (frequency) and a sorted set (heavy hitters).
    let mut distinct: Vec<(u32, u64)> = counts.into_iter().collect();
    distinct.sort_unstable();
    for chunk in distinct.chunks(BATCH) {
        let mut h: Vec<Vec<u8>> = vec![b"HSET".to_vec(), b"freq".to_vec()];
        let mut z: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"top".to_vec()];
        for (r, c) in chunk {
            h.push(item(*r).into_bytes());
            h.push(c.to_string().into_bytes());
            z.push(c.to_string().into_bytes());
            z.push(item(*r).into_bytes());
        }
        s.run(h)?;
        s.run(z)?;
    }

    let mut out = Comparison {
        n: ranks.len(),
        ..Comparison::default()
    };
    if ranks.is_empty() {
        return Ok(out);
    }
    out.distinct = s.int(&["SCARD", "set"])?;
    out.hll_estimate = s.int(&["PFCOUNT", "hll"])?;

    // Membership: no false negatives over what was added; false positives over probes.
    let names: Vec<String> = distinct.iter().map(|(r, _)| item(*r)).collect();
    for chunk in names.chunks(BATCH) {
        let b = ints(&s.batch(&["BF.MEXISTS", "bf"], chunk, None)?);
        out.bloom_fn += b.iter().filter(|&&x| x == 0).count();
        let c = ints(&s.batch(&["CF.MEXISTS", "cf"], chunk, None)?);
        out.cuckoo_fn += c.iter().filter(|&&x| x == 0).count();
    }
    out.probes = cfg.probes.min(MAX_UNIVERSE);
    let probes: Vec<String> = (0..out.probes).map(|i| format!("absent:{i}")).collect();
    for chunk in probes.chunks(BATCH) {
        let b = ints(&s.batch(&["BF.MEXISTS", "bf"], chunk, None)?);
        out.bloom_fp += b.iter().filter(|&&x| x == 1).count();
        let c = ints(&s.batch(&["CF.MEXISTS", "cf"], chunk, None)?);
        out.cuckoo_fp += c.iter().filter(|&&x| x == 1).count();
    }

    // Frequency: every distinct item's estimate against its count.
    let mut over_sum = 0u64;
    for chunk in distinct.chunks(BATCH) {
        let names: Vec<String> = chunk.iter().map(|(r, _)| item(*r)).collect();
        let est = ints(&s.batch(&["CMS.QUERY", "cms"], &names, None)?);
        for ((_, truth), e) in chunk.iter().zip(est) {
            if e < *truth {
                out.cms_under += 1;
            } else {
                over_sum += e - truth;
                out.cms_max_over = out.cms_max_over.max(e - truth);
                out.cms_exact += (e == *truth) as usize;
            }
        }
    }
    out.cms_mean_over = over_sum as f64 / distinct.len().max(1) as f64;
    let info = s.cmd(&["CMS.INFO", "cms"])?;
    let field = |name: &str| -> u64 {
        let pairs: Vec<(&Reply, &Reply)> = match &info {
            Reply::Map(m) => m.iter().map(|(a, b)| (a, b)).collect(),
            Reply::Array(v) => v
                .chunks(2)
                .filter_map(|p| Some((p.first()?, p.get(1)?)))
                .collect(),
            _ => Vec::new(),
        };
        pairs
            .into_iter()
            .find_map(|(k, v)| match (k, v) {
                (Reply::Bulk(k) | Reply::Verbatim(_, k), Reply::Int(i)) if k == name.as_bytes() => {
                    Some((*i).max(0) as u64)
                }
                (Reply::Status(k), Reply::Int(i)) if k.as_bytes() == name.as_bytes() => {
                    Some((*i).max(0) as u64)
                }
                _ => None,
            })
            .unwrap_or(0)
    };
    out.cms_width = field("width");
    out.cms_depth = field("depth");

    // Heavy hitters.
    let mut by_count = distinct.clone();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.exact_top = by_count
        .iter()
        .take(k)
        .map(|(r, c)| (item(*r), *c))
        .collect();
    let kth = out.exact_top.last().map_or(0, |t| t.1);
    let truth: HashMap<String, u64> = by_count.iter().map(|(r, c)| (item(*r), *c)).collect();
    if let Reply::Array(v) = s.cmd(&["TOPK.LIST", "topk", "WITHCOUNT"])? {
        for pair in v.chunks(2) {
            if let [Reply::Bulk(name), Reply::Int(c)] = pair {
                out.topk_list.push((
                    String::from_utf8_lossy(name).into_owned(),
                    (*c).max(0) as u64,
                ));
            }
        }
    }
    out.topk_hits = out
        .topk_list
        .iter()
        .filter(|(name, _)| truth.get(name).is_some_and(|&c| c >= kth))
        .count();

    for (field, key) in [
        (&mut out.set_bytes, "set"),
        (&mut out.hll_bytes, "hll"),
        (&mut out.bloom_bytes, "bf"),
        (&mut out.cuckoo_bytes, "cf"),
        (&mut out.hash_bytes, "freq"),
        (&mut out.cms_bytes, "cms"),
        (&mut out.zset_bytes, "top"),
        (&mut out.topk_bytes, "topk"),
        (&mut out.list_bytes, "lat"),
        (&mut out.tdigest_bytes, "td"),
    ] {
        *field = s.memory(key)?;
    }

    // Quantiles: exact from the values (as printed to the server), against the digest.
    let mut sorted: Vec<f64> = latencies
        .iter()
        .map(|v| format!("{v:.3}").parse().unwrap_or(*v))
        .collect();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let qs = ["0.5", "0.9", "0.99", "0.999"];
    let mut words = vec!["TDIGEST.QUANTILE", "td"];
    words.extend(qs);
    let est: Vec<f64> = match s.cmd(&words)? {
        Reply::Array(v) => v
            .iter()
            .map(|r| match r {
                Reply::Double(d) => *d,
                Reply::Bulk(b) => std::str::from_utf8(b)
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(f64::NAN),
                _ => f64::NAN,
            })
            .collect(),
        _ => Vec::new(),
    };
    out.quantiles = qs
        .iter()
        .zip(est)
        .map(|(q, e)| {
            let q: f64 = q.parse().unwrap_or(0.0);
            let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
            (q, sorted[i], e)
        })
        .collect();
    Ok(out)
}

/// A latency for each request, in ms: log-normal around 2 ms, 3% slow around 250 ms (so
/// the p99 falls among the slow ones, where a learner's alert would look),
/// from the comparison's seed (the same run gives the same values).
pub fn latencies(seed: u64, n: usize) -> Vec<f64> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x6c61_7465_6e63);
    (0..n)
        .map(|_| {
            let u1: f64 = rng.random::<f64>().max(1e-12);
            let u2: f64 = rng.random::<f64>();
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            if rng.random::<f64>() < 0.03 {
                250.0 * (0.3 * z).exp()
            } else {
                2.0 * (0.5 * z).exp()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_reproducible_and_skewed() {
        let cfg = CompareConfig::default();
        let a = stream(&cfg);
        assert_eq!(a, stream(&cfg));
        assert_eq!(a.len(), cfg.n);
        let top = a.iter().filter(|&&r| r == 0).count();
        let mid = a.iter().filter(|&&r| r == 100).count();
        assert!(top > 20 * mid.max(1), "rank 0: {top}, rank 100: {mid}");
        let uniform = stream(&CompareConfig {
            zipf_s: 0.0,
            ..cfg.clone()
        });
        let top = uniform.iter().filter(|&&r| r == 0).count();
        assert!(top < 20, "uniform rank 0 drawn {top} times");
    }

    #[test]
    fn each_sketch_answers_within_its_bound_in_less_memory() {
        let cfg = CompareConfig::default();
        let c = run(&cfg).unwrap();
        assert_eq!(c.n, cfg.n);
        let distinct = stream(&cfg)
            .into_iter()
            .collect::<std::collections::HashSet<_>>()
            .len() as u64;
        assert_eq!(c.distinct, distinct);
        // HyperLogLog: 0.81% standard error; 4% is five sigmas.
        assert!(c.hll_error().abs() < 0.04, "{}", c.hll_error());
        assert!(c.hll_bytes < c.set_bytes);
        // Filters: never a false negative; false positives near the requested rate.
        assert_eq!((c.bloom_fn, c.cuckoo_fn), (0, 0));
        assert!(c.bloom_fp_rate() < 0.03, "{}", c.bloom_fp_rate());
        assert!(c.cuckoo_fp_rate() < 0.05, "{}", c.cuckoo_fp_rate());
        assert!(c.bloom_bytes < c.set_bytes && c.cuckoo_bytes < c.set_bytes);
        // Count-Min never undercounts, and overcounts by at most ε × N almost always.
        assert_eq!(c.cms_under, 0);
        assert!(c.cms_max_over as f64 <= cfg.cms_error * cfg.n as f64 * 3.0);
        assert_eq!((c.cms_width, c.cms_depth), (2000, 7));
        // Top-K finds the heavy hitters of a skewed stream.
        assert_eq!(c.exact_top.len(), cfg.k);
        assert!(
            c.topk_hits >= cfg.k - 2,
            "{:?} vs {:?}",
            c.topk_list,
            c.exact_top
        );
        assert!(c.topk_bytes < c.zset_bytes);
        // t-digest: p50 and p99 of the latencies within a few percent, in less memory
        // than the list of every value.
        assert_eq!(c.quantiles.len(), 4);
        for &(q, exact, est) in &c.quantiles[..3] {
            let err = ((est - exact) / exact).abs();
            assert!(err < 0.05, "p{q}: exact {exact}, t-digest {est}");
        }
        assert!(c.tdigest_bytes < c.list_bytes);
    }

    #[test]
    fn an_empty_stream_answers_zero() {
        let c = run(&CompareConfig {
            n: 0,
            ..CompareConfig::default()
        })
        .unwrap();
        assert_eq!((c.n, c.distinct, c.hll_estimate), (0, 0, 0));
    }
}
