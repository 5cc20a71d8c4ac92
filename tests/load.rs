//! Load and attack, loopback only, bounded in count and time, the same run against
//! redis-server and kvlab-server: many concurrent clients, malformed and hostile
//! requests (negative and huge lengths, bad type bytes, missing CRLFs, a 1 GB bulk
//! header, an endless inline line), clients that vanish mid-command, a slow reader of
//! big replies, a long pipeline. Each server must answer every good client, never
//! crash, and give back what bad clients held (connected_clients returns to where it
//! was). Resident memory (VmRSS) of both is measured after each phase and printed as
//! a table: `scripts/load-test.sh` runs this at full size and writes docs/LOAD.md.
//!
//! No assertion depends on speed. Sizes come from the environment (the defaults keep
//! `cargo test` short): KVLAB_LOAD_CLIENTS (1000), KVLAB_LOAD_PIPELINE (200000),
//! KVLAB_LOAD_BIG_MB (1) and KVLAB_LOAD_BIG_COUNT (20) for the slow reader,
//! KVLAB_LOAD_VANISH (500).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(120);

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The descriptor limit this process (and the servers it starts) runs under.
fn open_files_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(1024)
}

/// How many concurrent clients: KVLAB_LOAD_CLIENTS (1000), fewer if the descriptor
/// limit would not let both ends open them (redis-server keeps 32 for itself).
fn client_count() -> usize {
    env("KVLAB_LOAD_CLIENTS", 1000).min(open_files_limit().saturating_sub(128))
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s
}

/// One request, one reply line (enough for the simple replies used here).
fn ask(s: &mut BufReader<TcpStream>, req: &[u8]) -> String {
    s.get_mut().write_all(req).expect("write");
    let mut out = Vec::new();
    support::read_reply(s, &mut out).expect("reply");
    String::from_utf8_lossy(&out).into_owned()
}

fn info_field(c: &mut BufReader<TcpStream>, field: &str) -> String {
    let text = ask(c, b"INFO everything\r\n");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Polls until the server counts `n` clients again (the bad ones freed).
fn await_clients(c: &mut BufReader<TcpStream>, n: usize) {
    let started = Instant::now();
    loop {
        let now: usize = info_field(c, "connected_clients").parse().unwrap_or(0);
        if now == n {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "connected_clients stays {now}, expected {n}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads until the server closes the connection (or PATIENCE passes, reported).
fn until_closed(s: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (got, true),
            Err(_) => return (got, false),
        }
    }
}

struct Phase {
    name: String,
    rss_kb: u64,
    note: String,
}

/// Every attack in turn against the server at `port` (process `pid`); the RSS after
/// each phase.
fn attack(port: u16, pid: u32) -> Vec<Phase> {
    let clients = client_count();
    let pipeline = env("KVLAB_LOAD_PIPELINE", 200_000);
    let big_mb = env("KVLAB_LOAD_BIG_MB", 1);
    let big_count = env("KVLAB_LOAD_BIG_COUNT", 20);
    let vanish = env("KVLAB_LOAD_VANISH", 500);
    let mut phases = Vec::new();
    let mut admin = BufReader::new(connect(port));
    let note = |name: &str, note: String, phases: &mut Vec<Phase>| {
        phases.push(Phase {
            name: name.to_string(),
            rss_kb: rss_kb(pid),
            note,
        })
    };
    assert_eq!(ask(&mut admin, b"PING\r\n"), "+PONG\r\n");
    note("start (one client)", String::new(), &mut phases);

    // Many concurrent clients: all connected, all with a request outstanding.
    {
        let mut socks: Vec<TcpStream> = (0..clients).map(|_| connect(port)).collect();
        for (i, s) in socks.iter_mut().enumerate() {
            s.write_all(&support::encode(&["SET", &format!("c{i}"), "v"]))
                .expect("write");
        }
        let mut answered = 0;
        for s in &mut socks {
            let mut line = [0u8; 5];
            s.read_exact(&mut line).expect("every client is answered");
            if &line == b"+OK\r\n" {
                answered += 1;
            }
        }
        assert_eq!(answered, clients, "every good client answered");
        note(
            &format!("{clients} clients connected, each answered"),
            format!("{answered}/{clients} answered"),
            &mut phases,
        );
    }
    await_clients(&mut admin, 1);
    note(
        &format!("{clients} clients gone"),
        String::new(),
        &mut phases,
    );

    // Malformed requests, each on its own connection: an error (or nothing) and close.
    let mut endless = vec![b'a'; 4 << 20];
    endless[0] = b'x';
    let malformed: Vec<(&str, Vec<u8>)> = vec![
        ("negative multibulk", b"*-5\r\nPING\r\n".to_vec()),
        ("negative bulk", b"*1\r\n$-5\r\n".to_vec()),
        ("huge multibulk", b"*99999999999\r\n".to_vec()),
        ("huge bulk", b"*1\r\n$99999999999\r\n".to_vec()),
        (
            "1 GB bulk header",
            b"*2\r\n$3\r\nSET\r\n$1073741824\r\n".to_vec(),
        ),
        ("bad type byte", b"*1\r\n+PING\r\n".to_vec()),
        ("missing CRLF", b"*1\r\n$4\r\nPINGPING".to_vec()),
        ("endless inline line (4 MB)", endless),
    ];
    let mut seen = Vec::new();
    for (what, bytes) in &malformed {
        let mut s = connect(port);
        let mut w = s.try_clone().unwrap();
        let bytes = bytes.clone();
        let writer = std::thread::spawn(move || {
            for piece in bytes.chunks(64 * 1024) {
                if w.write_all(piece).is_err() {
                    break;
                }
            }
            // A request the server waits on (negative or huge counts): the client
            // vanishes then.
            let _ = w.shutdown(std::net::Shutdown::Write);
        });
        let (reply, closed) = until_closed(&mut s);
        let _ = writer.join();
        seen.push(format!(
            "{what}: {} {}",
            String::from_utf8_lossy(&reply).trim_end(),
            if closed { "(closed)" } else { "(open)" }
        ));
        assert_eq!(ask(&mut admin, b"PING\r\n"), "+PONG\r\n", "after {what}");
    }
    // A 512 MB bulk announced (the largest allowed), a little sent, then gone.
    {
        let mut s = connect(port);
        s.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\nabc")
            .unwrap();
        assert_eq!(ask(&mut admin, b"PING\r\n"), "+PONG\r\n");
        note(
            "a 512 MB bulk announced, 3 bytes sent",
            String::new(),
            &mut phases,
        );
    }
    await_clients(&mut admin, 1);
    note(
        "malformed requests (8 kinds) done",
        seen.join("; "),
        &mut phases,
    );

    // Clients vanishing mid-command.
    for i in 0..vanish {
        let mut s = connect(port);
        let half: &[u8] = match i % 3 {
            0 => b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\nxxxx",
            1 => b"*3\r\n$3\r\nSET\r\n",
            _ => b"SET k ",
        };
        s.write_all(half).unwrap();
    }
    await_clients(&mut admin, 1);
    note(
        &format!("{vanish} clients vanished mid-command"),
        String::new(),
        &mut phases,
    );

    // A slow reader of big replies: it asks for them all and reads nothing until
    // another client has been answered, then reads everything.
    {
        let value = "x".repeat(big_mb << 20);
        assert_eq!(
            ask(&mut admin, &support::encode(&["SET", "big", &value])),
            "+OK\r\n"
        );
        let mut slow = connect(port);
        let mut req = Vec::new();
        for _ in 0..big_count {
            req.extend_from_slice(b"GET big\r\n");
        }
        slow.write_all(&req).unwrap();
        let mut other = BufReader::new(connect(port));
        assert_eq!(ask(&mut other, b"PING\r\n"), "+PONG\r\n");
        note(
            &format!("slow reader: {big_count} × {big_mb} MB asked, none read"),
            String::new(),
            &mut phases,
        );
        let want = big_count * ((big_mb << 20) + format!("${}\r\n\r\n", big_mb << 20).len());
        let mut got = 0;
        let mut buf = vec![0u8; 1 << 20];
        while got < want {
            match slow.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        assert_eq!(got, want, "the slow reader gets every reply");
        assert_eq!(ask(&mut admin, b"DEL big\r\n"), ":1\r\n");
    }
    await_clients(&mut admin, 1);
    note(
        "slow reader done, big key deleted",
        String::new(),
        &mut phases,
    );

    // A long pipeline, written from a thread while the replies are read.
    {
        let s = connect(port);
        let mut w = s.try_clone().unwrap();
        let writer = std::thread::spawn(move || {
            let chunk = b"INCR n\r\n".repeat(10_000);
            let mut left = pipeline;
            while left > 0 {
                let k = left.min(10_000);
                w.write_all(&chunk[..k * 8]).expect("write pipeline");
                left -= k;
            }
        });
        let mut r = BufReader::with_capacity(1 << 16, s);
        let mut line = Vec::new();
        let mut last = String::new();
        for _ in 0..pipeline {
            line.clear();
            r.read_until(b'\n', &mut line).expect("pipeline reply");
            if line.first() != Some(&b':') {
                panic!("pipeline reply {:?}", String::from_utf8_lossy(&line));
            }
            last = String::from_utf8_lossy(&line).trim().to_string();
        }
        writer.join().unwrap();
        assert_eq!(last, format!(":{pipeline}"));
        note(
            &format!("pipeline of {pipeline} INCRs"),
            String::new(),
            &mut phases,
        );
    }
    await_clients(&mut admin, 1);
    assert_eq!(ask(&mut admin, b"PING\r\n"), "+PONG\r\n");
    phases
}

#[test]
fn load_and_attack_both_servers() {
    let clients = client_count();
    if clients < env("KVLAB_LOAD_CLIENTS", 1000) {
        println!("ulimit -n allows {clients} concurrent clients only");
    }
    let max = (clients + 100).to_string();
    let redis = support::redis_server(&["--maxclients", &max]);
    let kvlab = support::kvlab_server(&["--maxclients", &max]);
    let r = attack(redis.port, redis.pid());
    let k = attack(kvlab.port, kvlab.pid());
    println!("| phase | redis-server RSS | kvlab-server RSS |");
    println!("|---|---:|---:|");
    for (a, b) in r.iter().zip(&k) {
        println!(
            "| {} | {:.1} MB | {:.1} MB |",
            a.name,
            a.rss_kb as f64 / 1024.0,
            b.rss_kb as f64 / 1024.0
        );
    }
    for (a, b) in r.iter().zip(&k) {
        if !a.note.is_empty() {
            println!("\nredis-server, {}: {}", a.name, a.note);
            println!("kvlab-server, {}: {}", b.name, b.note);
        }
    }
    // The malformed requests get the same answers from both.
    let notes = |p: &[Phase]| {
        p.iter()
            .find(|x| x.name.starts_with("malformed"))
            .map(|x| x.note.clone())
    };
    assert_eq!(notes(&k), notes(&r));
}
