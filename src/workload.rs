//! The command mix that compares the engine in the browser with the same engine
//! native (`examples/mix.rs`, `scripts/bench-browser.js`, `kvlab.benchEngine` in the
//! page): SET/GET/INCR, PFADD/PFCOUNT, SETBIT/BITCOUNT, ZADD/ZRANGE, GEOADD/GEOSEARCH as
//! console lines, and one way to run them: tokenize → execute → format, as the page does.

use crate::console::{format_reply, tokenize};
use crate::engine::{Engine, SystemClock};

/// The mix: one line per index, the same lines on every run.
pub fn mix_line(i: usize) -> String {
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

/// Runs `lines` on a fresh engine as one client, the way the console does, and returns
/// how many bytes of replies redis-cli would print.
pub fn run_mix<S: AsRef<str>>(lines: &[S]) -> usize {
    let mut e = Engine::new(Box::new(SystemClock), 7);
    let id = e.connect("bench:1", "bench:0");
    let mut out = 0;
    for l in lines {
        let argv = tokenize(l.as_ref()).unwrap_or_default();
        let reply = e.execute(id, &argv);
        out += format_reply(&argv, &reply, 2).len();
    }
    out
}
