//! The probabilistic family against recorded transcripts of the reference.
//!
//! RedisBloom is a module that CI does not have, so its replies are recorded: every
//! script under `tests/diff-bloom/` (redis-cli input, one command per line, `#`
//! comments) was run through `redis-cli --no-raw`, once as RESP2 and once with `-3`,
//! against redis-server 7.0.15 with RedisBloom v2.6.12 loaded, each on a fresh server,
//! and the replies were written to `<script>.expected`. This test runs the same scripts
//! against kvlab-server and compares with those files byte for byte.
//!
//! To re-record (after changing a script), build the module with
//! `scripts/build-redisbloom.sh` and run `scripts/record-bloom.sh path/to/redisbloom.so`,
//! which runs this test with `KVLAB_REDISBLOOM=path/to/redisbloom.so`: the expected
//! files are then rewritten from the reference first, and compared as usual.
//!
//! The transcript format: `### RESP2` / `### RESP3` sections, each command as `> line`
//! followed by what redis-cli printed for it.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};

const MARK: &str = "--kvlab-next--";

fn commands(script: &str) -> Vec<String> {
    script
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(String::from)
        .collect()
}

/// Runs the commands on one connection, with an ECHO marker after each, and returns
/// the transcript in the recorded format.
fn transcript(port: u16, lines: &[String], extra: &[&str]) -> String {
    let script: String = lines
        .iter()
        .map(|l| format!("{l}\nECHO {MARK}\n"))
        .collect();
    let out = support::redis_cli(port, &script, extra);
    let mark = format!("\"{MARK}\"\n");
    let mut parts = out.split(&mark);
    let mut text = String::new();
    for l in lines {
        text.push_str(&format!("> {l}\n"));
        text.push_str(parts.next().unwrap_or_default());
    }
    text
}

fn run(port_for: &mut dyn FnMut() -> support::Server, lines: &[String]) -> String {
    let mut text = String::new();
    for (name, extra) in [("RESP2", vec![]), ("RESP3", vec!["-3"])] {
        // A fresh server for each run, so both start from the same state (and the
        // same random seed).
        let server = port_for();
        text.push_str(&format!("### {name}\n"));
        text.push_str(&transcript(server.port, lines, &extra));
    }
    text
}

fn scripts(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/diff-bloom")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "redis"))
        .collect();
    files.sort();
    files
}

#[test]
fn bloom_transcripts_match_the_recorded_reference() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diff-bloom");
    let files = scripts(&dir);
    assert!(!files.is_empty(), "no scripts in {}", dir.display());
    if let Ok(module) = std::env::var("KVLAB_REDISBLOOM") {
        for f in &files {
            let lines = commands(&std::fs::read_to_string(f).expect("script"));
            let text = run(
                &mut || support::redis_server(&["--loadmodule", &module]),
                &lines,
            );
            std::fs::write(f.with_extension("expected"), text).expect("write expected");
        }
    }
    let mut cases = 0;
    let mut failures = Vec::new();
    for f in &files {
        let lines = commands(&std::fs::read_to_string(f).expect("script"));
        cases += lines.len();
        let expected = std::fs::read_to_string(f.with_extension("expected"))
            .unwrap_or_else(|_| panic!("{} has no recorded .expected", f.display()));
        let got = run(&mut || support::kvlab_server(&[]), &lines);
        if got != expected {
            // Report each command whose reply differs.
            let split = |t: &str| -> Vec<String> { t.split("\n> ").map(String::from).collect() };
            let (a, b) = (split(&expected), split(&got));
            for (x, y) in a.iter().zip(&b) {
                if x != y {
                    failures.push(format!(
                        "{}:\n--- reference\n> {x}\n--- kvlab-server\n> {y}",
                        f.file_name().unwrap_or_default().to_string_lossy()
                    ));
                }
            }
            if a.len() != b.len() {
                failures.push(format!("{}: transcripts differ in length", f.display()));
            }
        }
    }
    println!(
        "diff-bloom: {cases} commands in {} scripts, each under RESP2 and RESP3",
        files.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
