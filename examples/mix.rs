//! One command mix for comparing the engine in the browser with the same engine native:
//! SET/GET/INCR, PFADD/PFCOUNT, SETBIT/BITCOUNT, ZADD/ZRANGE, GEOADD/GEOSEARCH, as
//! console lines. It writes the lines to a file (the browser benchmark,
//! `scripts/bench-browser.js`, runs the same file through `kvlab.exec`) and times them
//! natively through the same path the page takes: tokenize → execute → format.
//!
//!     cargo run --release --example mix -- target/mix.txt [lines]
//!
//! Prints `native_ms=<best of three>` and `lines=<n>`.

use kvlab::workload::{mix_line as line, run_mix};

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
        let t0 = std::time::Instant::now();
        out_bytes = run_mix(&lines);
        best = best.min(t0.elapsed().as_secs_f64() * 1000.0);
    }
    println!("lines={n}");
    println!("reply_bytes={out_bytes}");
    println!("native_ms={best:.1}");
}
