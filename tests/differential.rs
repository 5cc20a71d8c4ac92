//! The differential suite: every script under `tests/diff/` is fed through
//! `redis-cli --no-raw` to the real redis-server 7.0 and to kvlab-server, and the two
//! transcripts must match byte for byte.
//!
//! Scripts are plain redis-cli input, one command per line; lines starting with `#` are
//! comments. Each script starts on a fresh connection. When a script differs, it is
//! replayed one command at a time to name the first command whose reply differs.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::PathBuf;

fn commands(script: &str) -> Vec<String> {
    script
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(String::from)
        .collect()
}

/// Replays a script one command per redis-cli call against both servers (after FLUSHALL)
/// and returns the first command whose output differs. Connection state (SELECT, HELLO)
/// does not carry over between calls, but the keyspace does, on both sides alike.
fn first_difference(real: u16, ours: u16, lines: &[String]) -> Option<String> {
    support::redis_cli(real, "FLUSHALL\n", &[]);
    support::redis_cli(ours, "FLUSHALL\n", &[]);
    for (i, l) in lines.iter().enumerate() {
        let a = support::redis_cli(real, &format!("{l}\n"), &[]);
        let b = support::redis_cli(ours, &format!("{l}\n"), &[]);
        if a != b {
            return Some(format!(
                "command #{}: {l}\n--- redis-server\n{a}--- kvlab-server\n{b}",
                i + 1
            ));
        }
    }
    None
}

#[test]
fn transcripts_match_redis_server() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diff");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/diff")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "redis"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scripts in {}", dir.display());
    let mut cases = 0;
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read script");
        let lines = commands(&text);
        cases += lines.len();
        let script: String = lines.iter().map(|l| format!("{l}\n")).collect();
        // RESP3 variants of each script run too, through `redis-cli -3`.
        for proto in [None, Some("-3")] {
            let extra: Vec<&str> = proto.into_iter().collect();
            let a = support::redis_cli(real.port, &script, &extra);
            let b = support::redis_cli(ours.port, &script, &extra);
            if a != b {
                let name = f.file_name().unwrap_or_default().to_string_lossy();
                let detail = if proto.is_none() {
                    first_difference(real.port, ours.port, &lines)
                        .unwrap_or_else(|| "(differs only when run as a whole)".into())
                } else {
                    let diff: Vec<String> = a
                        .lines()
                        .zip(b.lines())
                        .filter(|(x, y)| x != y)
                        .take(5)
                        .map(|(x, y)| format!("redis: {x}\nkvlab: {y}"))
                        .collect();
                    diff.join("\n")
                };
                failures.push(format!("{name} {}:\n{detail}", proto.unwrap_or("-2")));
            }
        }
    }
    println!(
        "differential: {cases} commands in {} scripts, each under RESP2 and RESP3",
        files.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
