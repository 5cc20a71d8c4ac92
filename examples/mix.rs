//! One command mix for comparing the engine in the browser with the same engine native:
//! SET/GET/INCR, PFADD/PFCOUNT, SETBIT/BITCOUNT, ZADD/ZRANGE, GEOADD/GEOSEARCH, as
//! console lines. It writes the lines to a file (the browser benchmark,
//! `scripts/bench-browser.js`, runs the same file through `kvlab.exec`) and times them
//! natively through the same path the page takes: tokenize → execute → format.
//!
//!     cargo run --release --example mix -- target/mix.txt [lines]
//!
//! Prints `native_ms=<best of three>` and `lines=<n>`.

use kvlab::console::{format_reply, tokenize};
use kvlab::engine::{Engine, SystemClock};

/// The mix: one line per index, the same lines on every run.
fn line(i: usize) -> String {
    let lon = -180.0 + (i * 7919 % 36_000) as f64 / 100.0;
    let lat = -80.0 + (i * 104_729 % 16_000) as f64 / 100.0;
    match i % 14 {
        0 => format!("SET user:{} value-{i}", i % 5000),
        1 | 2 => format!("GET user:{}", (i * 31) % 5000),
        3 => format!("INCR counter:{}", i % 100),
        4 => format!("PFADD visitors:{} visitor-{i}", i % 4),
        5 => format!("PFCOUNT visitors:{}", i % 4),
        6 => format!("SETBIT active:{} {} 1", i % 4, (i * 13) % 100_000),
        7 => format!("BITCOUNT active:{} 0 99", i % 4),
        8 => format!("ZADD board {} player:{}", (i * 37) % 10_000, i % 3000),
        9 => "ZRANGE board 0 9 WITHSCORES".to_string(),
        10 => format!("ZRANGE board {} +inf BYSCORE LIMIT 0 5", (i * 11) % 10_000),
        11 => format!("GEOADD places {lon:.5} {lat:.5} place:{}", i % 3000),
        12 => format!("GEOSEARCH places FROMLONLAT {lon:.5} {lat:.5} BYRADIUS 200 km ASC COUNT 5"),
        _ => format!("EXISTS user:{} counter:{}", i % 5000, i % 100),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .cloned()
        .unwrap_or_else(|| "target/mix.txt".into());
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(141_000);
    let lines: Vec<String> = (0..n).map(line).collect();
    if let Err(e) = std::fs::write(&path, lines.join("\n")) {
        eprintln!("cannot write {path}: {e}");
        std::process::exit(1);
    }
    let mut best = f64::MAX;
    let mut out_bytes = 0;
    for _ in 0..3 {
        let mut e = Engine::new(Box::new(SystemClock), 7);
        let id = e.connect("bench:1", "bench:0");
        let t0 = std::time::Instant::now();
        out_bytes = 0;
        for l in &lines {
            let argv = tokenize(l).unwrap_or_default();
            let reply = e.execute(id, &argv);
            out_bytes += format_reply(&argv, &reply, 2).len();
        }
        best = best.min(t0.elapsed().as_secs_f64() * 1000.0);
    }
    println!("lines={n}");
    println!("reply_bytes={out_bytes}");
    println!("native_ms={best:.1}");
}
