//! The pipelining lab: N commands sent one per round trip, or in batches.
//!
//! A browser tab talks to its engine with no network in between, so the cost pipelining
//! saves (one network round trip per command) is simulated: each batch costs one
//! round-trip time, and the commands themselves run for real in the engine. Ten thousand
//! INCRs one at a time over a 1 ms link take 10,000 round trips (10 s); in batches of 500
//! they take 20 (20 ms). The figures go into the lesson's facts as
//! `pipeline.commands`, `pipeline.batch`, `pipeline.round_trips` and `pipeline.network_ms`.

use crate::engine::Reply;

/// The largest run the lab accepts (a tab has little time and memory to spare).
pub const MAX_COMMANDS: usize = 100_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub commands: usize,
    pub batch: usize,
    pub round_trips: usize,
    /// Simulated network time: round trips × the round-trip time.
    pub network_ms: f64,
    pub errors: usize,
    /// The last reply (for the lab to show).
    pub last: Option<Reply>,
}

/// Runs `n` copies of `command` (each `{i}` replaced by the command's index, from 0) in
/// batches of `batch`, through `run` (the caller's way into the engine). The command
/// line is split as redis-cli splits it.
pub fn run(
    n: usize,
    batch: usize,
    command: &str,
    rtt_ms: f64,
    mut run: impl FnMut(&[Vec<u8>]) -> Reply,
) -> Result<Report, String> {
    if n == 0 || n > MAX_COMMANDS {
        return Err(format!("between 1 and {MAX_COMMANDS} commands"));
    }
    if batch == 0 {
        return Err("a batch holds at least one command".into());
    }
    let template = crate::console::tokenize(command).map_err(|e| e.to_string())?;
    if template.is_empty() {
        return Err("no command".into());
    }
    let mut errors = 0;
    let mut last = None;
    for i in 0..n {
        let idx = i.to_string();
        let argv: Vec<Vec<u8>> = template
            .iter()
            .map(|a| String::from_utf8_lossy(a).replace("{i}", &idx).into_bytes())
            .collect();
        let r = run(&argv);
        if matches!(r, Reply::Error(_)) {
            errors += 1;
        }
        last = Some(r);
    }
    let round_trips = n.div_ceil(batch);
    Ok(Report {
        commands: n,
        batch: batch.min(n),
        round_trips,
        network_ms: round_trips as f64 * rtt_ms,
        errors,
        last,
    })
}

impl Report {
    /// The figures a lesson's `fact` checks read.
    pub fn facts(&self) -> [(&'static str, f64); 4] {
        [
            ("pipeline.commands", self.commands as f64),
            ("pipeline.batch", self.batch as f64),
            ("pipeline.round_trips", self.round_trips as f64),
            ("pipeline.network_ms", self.network_ms),
        ]
    }
}
