//! HyperLogLog identity against the real redis-server: the same random workloads (from
//! empty to a million elements, binary elements included, through the sparse encoding,
//! its promotion, and the dense one) must leave byte-identical strings (GET) and equal
//! counts (PFCOUNT, PFMERGE, multi-key PFCOUNT) on both servers.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn conn(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .and_then(|c| c.get_connection())
        .expect("connect")
}

/// A random element: mostly short text, sometimes arbitrary bytes, sometimes empty.
fn element(rng: &mut StdRng) -> Vec<u8> {
    match rng.random_range(0..10) {
        0 => Vec::new(),
        1 | 2 => (0..rng.random_range(1..24))
            .map(|_| rng.random::<u8>())
            .collect(),
        _ => format!("user:{}", rng.random_range(0..u64::MAX)).into_bytes(),
    }
}

/// Runs the same commands on both servers and checks the replies are equal.
fn both<T: redis::FromRedisValue + PartialEq + std::fmt::Debug>(
    a: &mut redis::Connection,
    b: &mut redis::Connection,
    cmd: &redis::Cmd,
    what: &str,
) -> T {
    let x: T = cmd
        .query(a)
        .unwrap_or_else(|e| panic!("redis-server {what}: {e}"));
    let y: T = cmd
        .query(b)
        .unwrap_or_else(|e| panic!("kvlab-server {what}: {e}"));
    assert_eq!(x, y, "{what}");
    x
}

/// Adds `n` random elements to `key` on both servers; returns the distinct elements.
fn load(
    a: &mut redis::Connection,
    b: &mut redis::Connection,
    key: &str,
    n: usize,
    rng: &mut StdRng,
    batch: usize,
) -> std::collections::HashSet<Vec<u8>> {
    let mut distinct = std::collections::HashSet::new();
    let mut left = n;
    let mut pipe = redis::pipe();
    // Creates the key even for an empty workload (PFADD with no elements).
    pipe.cmd("PFADD").arg(key);
    let mut queued = 1;
    loop {
        if left == 0 {
            if queued > 0 {
                let ra: Vec<i64> = pipe.query(a).expect("redis-server pfadd");
                let rb: Vec<i64> = pipe.query(b).expect("kvlab-server pfadd");
                assert_eq!(ra, rb, "PFADD replies for {key}");
            }
            return distinct;
        }
        let k = left.min(batch);
        let mut cmd = redis::cmd("PFADD");
        cmd.arg(key);
        for _ in 0..k {
            let e = element(rng);
            cmd.arg(&e);
            distinct.insert(e);
        }
        pipe.add_command(cmd);
        queued += 1;
        left -= k;
        if queued == 200 {
            let ra: Vec<i64> = pipe.query(a).expect("redis-server pfadd");
            let rb: Vec<i64> = pipe.query(b).expect("kvlab-server pfadd");
            assert_eq!(ra, rb, "PFADD replies for {key}");
            pipe = redis::pipe();
            queued = 0;
        }
    }
}

#[test]
fn hll_bytes_and_counts_match_redis_from_empty_to_a_million() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let (mut a, mut b) = (conn(real.port), conn(ours.port));
    let mut rng = StdRng::seed_from_u64(2024);
    let sizes = [
        0usize, 1, 3, 10, 50, 200, 700, 1500, 3000, 10_000, 100_000, 1_000_000,
    ];
    let mut keys = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let key = format!("hll:{n}");
        // Small batches while sparse so that every opcode edit is checked often.
        let batch = if n <= 3000 { 1 + i } else { 1000 };
        let distinct = load(&mut a, &mut b, &key, n, &mut rng, batch).len();
        let bytes: Option<Vec<u8>> = both(
            &mut a,
            &mut b,
            redis::cmd("GET").arg(&key),
            &format!("GET {key}"),
        );
        let count: i64 = both(
            &mut a,
            &mut b,
            redis::cmd("PFCOUNT").arg(&key),
            &format!("PFCOUNT {key}"),
        );
        let _: Option<Vec<u8>> = both(
            &mut a,
            &mut b,
            redis::cmd("GET").arg(&key),
            "GET after PFCOUNT (cache written)",
        );
        let enc: String = both(
            &mut a,
            &mut b,
            redis::cmd("PFDEBUG").arg("ENCODING").arg(&key),
            "encoding",
        );
        if distinct >= 1000 {
            let err = (count as f64 - distinct as f64).abs() / distinct as f64;
            assert!(
                err < 0.05,
                "estimate {count} for {distinct} distinct elements"
            );
        }
        println!(
            "{n:>8} elements ({distinct} distinct): {enc:>6}, {} bytes, PFCOUNT {count}",
            bytes.map_or(0, |b| b.len())
        );
        keys.push(key);
    }
    // Unions: multi-key PFCOUNT, and PFMERGE into sparse and dense destinations.
    let mut cmd = redis::cmd("PFCOUNT");
    for k in &keys {
        cmd.arg(k);
    }
    let _: i64 = both(&mut a, &mut b, &cmd, "PFCOUNT of all");
    for (dest, srcs) in [
        ("u:sparse", &keys[1..6]),
        ("u:dense", &keys[6..]),
        ("hll:10", &keys[..4]),
    ] {
        let mut cmd = redis::cmd("PFMERGE");
        cmd.arg(dest);
        for k in srcs {
            cmd.arg(k);
        }
        let _: String = both(&mut a, &mut b, &cmd, &format!("PFMERGE {dest}"));
        let _: Option<Vec<u8>> = both(
            &mut a,
            &mut b,
            redis::cmd("GET").arg(dest),
            &format!("GET {dest}"),
        );
        let _: i64 = both(
            &mut a,
            &mut b,
            redis::cmd("PFCOUNT").arg(dest),
            &format!("PFCOUNT {dest}"),
        );
    }
}

#[test]
fn promotion_threshold_follows_hll_sparse_max_bytes() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let (mut a, mut b) = (conn(real.port), conn(ours.port));
    let mut rng = StdRng::seed_from_u64(99);
    for limit in [0, 30, 200, 1000, 6000, 12000] {
        let _: String = both(
            &mut a,
            &mut b,
            redis::cmd("CONFIG")
                .arg("SET")
                .arg("hll-sparse-max-bytes")
                .arg(limit),
            "config",
        );
        let key = format!("limit:{limit}");
        for step in 0..60 {
            let _ = load(&mut a, &mut b, &key, 1 + step, &mut rng, 1 + step % 7);
            let _: Option<Vec<u8>> = both(
                &mut a,
                &mut b,
                redis::cmd("GET").arg(&key),
                &format!("GET {key} step {step}"),
            );
        }
        let _: String = both(
            &mut a,
            &mut b,
            redis::cmd("PFDEBUG").arg("ENCODING").arg(&key),
            "encoding",
        );
    }
}
