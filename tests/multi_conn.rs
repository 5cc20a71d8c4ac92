//! Differential tests across several connections (Pub/Sub, keyspace notifications):
//! every script under `tests/diff-multi/` runs against redis-server 7.0.15 and
//! kvlab-server, and the bytes each connection receives must match.
//!
//! A script line is `<connection> <command>` (`2 PUBLISH news hi`); `#` starts a comment.
//! `{id:N}` in a command is connection N's client id (CLIENT TRACKING … REDIRECT);
//! a line `! N` says the next line closes connection N (CLIENT KILL): no barrier there
//! from then on.
//! After each command, every connection is sent `PING <marker>` and read up to the
//! marker's echo, the acting connection first: what came before it is what that
//! connection received during the step (its reply, or messages other connections'
//! commands published). Redis writes a message into the subscriber's buffer while
//! PUBLISH runs, before the publisher's barrier returns, so the other connections'
//! barriers see it on both servers alike, with no sleeps. Between MULTI and EXEC the acting connection's
//! one reply is read instead. Scripts avoid what would swallow the barrier (CLIENT REPLY
//! OFF, blocking commands, QUIT).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use kvlab::console::tokenize;

struct Conn {
    w: TcpStream,
    r: BufReader<TcpStream>,
}

fn connect(port: u16) -> Conn {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    Conn {
        r: BufReader::new(s.try_clone().unwrap()),
        w: s,
    }
}

/// Shows RESP bytes readably (CRLF as `|`).
/// HELLO's client id depends on how many connections each server saw before: masked.
fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b).replace("\r\n", "|");
    let s = s
        .split('|')
        .map(mask_monitor_line)
        .collect::<Vec<_>>()
        .join("|");
    match s.find("$2|id|:") {
        Some(i) => {
            let rest = &s[i + 7..];
            let end = rest.find('|').unwrap_or(rest.len());
            format!("{}$2|id|:N{}", &s[..i], &rest[end..])
        }
        None => s,
    }
}

/// A MONITOR line (`+<secs>.<usecs> [<db> <addr>] "arg" ...`) without its time and port.
fn mask_monitor_line(part: &str) -> String {
    if !(part.starts_with('+') && part.contains(" [")) {
        return part.to_string();
    }
    let rest = &part[part.find(" [").unwrap_or(0)..];
    let rest = match (rest.find("127.0.0.1:"), rest.find(']')) {
        (Some(a), Some(b)) if a < b => format!("{}127.0.0.1:P{}", &rest[..a], &rest[b..]),
        _ => rest.to_string(),
    };
    format!("+T{rest}")
}

/// Masks what differs between two servers by nature: integers and `ip:port` strings.
fn mask(s: &str) -> String {
    s.split('|')
        .map(|part| {
            if part.starts_with(':') && part[1..].parse::<i64>().is_ok() {
                ":N".to_string()
            } else if part.starts_with("127.0.0.1:") {
                "127.0.0.1:P".to_string()
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// Runs a script; returns the transcript (one block per step, each connection's bytes).
fn run(port: u16, script: &str) -> Vec<String> {
    let mut conns: Vec<Conn> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut dead = [false; 16];
    let mut in_multi = [false; 16];
    let mut out = Vec::new();
    for (n, line) in script.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (who, cmd) = line.split_once(' ').expect("`<conn> <command>`");
        // `! N`: the next command closes connection N (CLIENT KILL): no barrier there.
        if who == "!" {
            let n: usize = cmd.trim().parse().expect("connection number");
            dead[n - 1] = true;
            continue;
        }
        // `2~ SLOWLOG GET`: integers and client addresses masked (times, durations).
        let (who, masked) = match who.strip_suffix('~') {
            Some(w) => (w, true),
            None => (who, false),
        };
        let who: usize = who.parse().expect("connection number");
        // `{id:N}` stands for connection N's client id (asked when it connects, so
        // that the scripts need not know how many clients each server saw before).
        let mut need = who;
        let mut rest = cmd;
        while let Some(i) = rest.find("{id:") {
            let end = rest[i..].find('}').expect("`{id:N}`") + i;
            need = need.max(rest[i + 4..end].parse().expect("connection number"));
            rest = &rest[end..];
        }
        while conns.len() < need {
            let mut c = connect(port);
            c.w.write_all(&support::encode(&["CLIENT", "ID"]))
                .expect("send");
            let mut frame = Vec::new();
            support::read_reply(&mut c.r, &mut frame).expect("read");
            let text = String::from_utf8_lossy(&frame);
            ids.push(text.trim_start_matches(':').trim_end().to_string());
            conns.push(c);
        }
        let mut cmd = cmd.to_string();
        for (i, id) in ids.iter().enumerate() {
            cmd = cmd.replace(&format!("{{id:{}}}", i + 1), id);
        }
        let cmd = cmd.as_str();
        let argv = tokenize(cmd).expect("tokenize");
        conns[who - 1]
            .w
            .write_all(&support::encode(&argv))
            .expect("send");
        // The transcript shows the script's line, not the ids filled in.
        let mut block = format!("{} {}\n", n + 1, line.split_once(' ').map_or("", |x| x.1));
        // The acting connection first: once its barrier returns, its command has run,
        // and whatever it published is already queued ahead of the others' barriers.
        let mut order: Vec<usize> = vec![who - 1];
        order.extend((0..conns.len()).filter(|&i| i != who - 1));
        let mut parts = vec![String::new(); conns.len()];
        // Inside MULTI a barrier would be queued: the actor's one reply is read instead.
        let word = argv
            .first()
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default();
        if word == b"MULTI" {
            in_multi[who - 1] = true;
        }
        if in_multi[who - 1] {
            let mut frame = Vec::new();
            support::read_reply(&mut conns[who - 1].r, &mut frame).expect("read");
            let text = if masked {
                mask(&show(&frame))
            } else {
                show(&frame)
            };
            parts[who - 1] = format!("  [{who}] {text}\n");
            if word == b"EXEC" || word == b"DISCARD" {
                in_multi[who - 1] = false;
            }
        }
        for i in order {
            if in_multi[i] || dead[i] || (i == who - 1 && !parts[i].is_empty()) {
                continue;
            }
            let c = &mut conns[i];
            let marker = format!("kvlab-barrier-{n}-{i}");
            c.w.write_all(&support::encode(&["PING", marker.as_str()]))
                .expect("send ping");
            let mut got = Vec::new();
            loop {
                let mut frame = Vec::new();
                if let Err(e) = support::read_reply(&mut c.r, &mut frame) {
                    panic!("line {}: connection {} read: {e}", n + 1, i + 1);
                }
                if frame.windows(marker.len()).any(|w| w == marker.as_bytes()) {
                    break;
                }
                got.extend_from_slice(&frame);
            }
            if !got.is_empty() {
                let text = if masked {
                    mask(&show(&got))
                } else {
                    show(&got)
                };
                parts[i] = format!("  [{}] {}\n", i + 1, text);
            }
        }
        block.extend(parts);
        out.push(block);
    }
    // Leave nothing subscribed for the next script (a closed socket is noticed later).
    for (i, c) in conns.iter_mut().enumerate() {
        if dead[i] {
            continue;
        }
        c.w.write_all(&support::encode(&["RESET"])).unwrap();
        let mut r = Vec::new();
        support::read_reply(&mut c.r, &mut r).unwrap();
    }
    out
}

#[test]
fn multi_connection_transcripts_match_redis_server() {
    let args = ["--enable-debug-command", "yes"];
    let real = support::redis_server(&args);
    let ours = support::kvlab_server(&args);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diff-multi");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/diff-multi")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    let mut steps = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let a = run(real.port, &text);
        let b = run(ours.port, &text);
        steps += a.len();
        assert_eq!(a.len(), b.len());
        if let Some((x, y)) = a.iter().zip(&b).find(|(x, y)| x != y) {
            failures.push(format!(
                "{}:\n--- redis-server\n{x}--- kvlab-server\n{y}",
                f.display()
            ));
        }
        // Both servers start each script from the same state.
        for port in [real.port, ours.port] {
            let mut c = connect(port);
            c.w.write_all(&support::encode(&["FLUSHALL"])).unwrap();
            let mut r = Vec::new();
            support::read_reply(&mut c.r, &mut r).unwrap();
            c.w.write_all(&support::encode(&[
                "CONFIG",
                "SET",
                "notify-keyspace-events",
                "",
            ]))
            .unwrap();
            support::read_reply(&mut c.r, &mut r).unwrap();
        }
    }
    println!(
        "multi-connection differential: {steps} steps in {} scripts",
        files.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
