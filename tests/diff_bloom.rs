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

use support::{commands, transcript};

use std::path::{Path, PathBuf};

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

/// RESP3 doubles that redis-cli cannot show: it answers a `,nan` reply with "Error: Bad
/// double value" and quits, so the transcripts carry NaNs only under RESP2. These are
/// the bytes redis-server 7.0.15 with RedisBloom 2.6.12 sent for the same commands
/// (captured from a socket): `nan`, `-nan` (an arithmetic NaN, as glibc prints it),
/// `inf`, `-inf`.
#[test]
fn tdigest_resp3_doubles_are_the_references_bytes() {
    use std::io::{Read, Write};
    let server = support::kvlab_server(&[]);
    let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    // A guard against a hang if the reply were shorter, not a timing assertion.
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let cmds: &[&str] = &[
        "TDIGEST.CREATE e",
        "TDIGEST.MIN e",
        "TDIGEST.QUANTILE e 0.5",
        "TDIGEST.ADD e 1 2",
        "TDIGEST.BYRANK e 5",
        "TDIGEST.BYREVRANK e 5",
        "TDIGEST.CREATE x COMPRESSION 1",
        "TDIGEST.ADD x 1.7e308 -1.7e308 1.7e308 -1.7e308 1.7e308 1e308 -1e308 5 6 7 8 9 1.7e308 1.7e308 1.7e308 -1.7e308",
        "TDIGEST.TRIMMED_MEAN x 0.1 0.9",
        "TDIGEST.INFO e",
    ];
    s.write_all(b"HELLO 3\r\n").unwrap();
    // Skip HELLO's map: read until the first command's reply can be told apart by
    // sending a PING marker after it.
    s.write_all(b"PING marker\r\n").unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.ends_with(b"$6\r\nmarker\r\n") {
        let n = s.read(&mut buf).expect("read HELLO");
        assert!(n > 0, "server closed");
        seen.extend_from_slice(&buf[..n]);
    }
    for c in cmds {
        s.write_all(format!("{c}\r\n").as_bytes()).unwrap();
    }
    let expected: &[u8] = b"+OK\r\n,nan\r\n*1\r\n,nan\r\n+OK\r\n*1\r\n,inf\r\n*1\r\n,-inf\r\n+OK\r\n+OK\r\n,-nan\r\n%9\r\n+Compression\r\n:100\r\n+Capacity\r\n:610\r\n+Merged nodes\r\n:0\r\n+Unmerged nodes\r\n:2\r\n+Merged weight\r\n:0\r\n+Unmerged weight\r\n:2\r\n+Observations\r\n:2\r\n+Total compressions\r\n:0\r\n+Memory usage\r\n:9768\r\n";
    let mut got = vec![0u8; expected.len()];
    s.read_exact(&mut got).expect("replies");
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}
