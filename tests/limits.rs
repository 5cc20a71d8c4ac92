//! Who gets in and what the server does at its limits, against redis-server 7.0.15 in
//! the same run with the same inputs: protected mode, maxclients, the idle timeout,
//! CLIENT KILL with every filter, CLIENT PAUSE / UNPAUSE, CLIENT NO-EVICT,
//! proto-max-bulk-len, the query and output buffer limits.
//!
//! Each scenario runs against both servers and returns a transcript (replies, and
//! "closed" where the server closed a connection); the transcripts must be equal, and
//! each is also checked for what it must contain. Nothing waits a fixed time: a close is
//! awaited (a generous deadline only turns a hang into a failure), a held client is
//! seen through INFO's blocked_clients, polled.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Only to turn a hang into a failure: nothing should take near this long.
const PATIENCE: Duration = Duration::from_secs(60);

struct Conn {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Conn {
    fn to(host: &str, port: u16) -> Conn {
        let s = TcpStream::connect((host, port)).expect("connect");
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        Conn {
            w: s.try_clone().unwrap(),
            r: BufReader::new(s),
        }
    }
    fn new(port: u16) -> Conn {
        Conn::to("127.0.0.1", port)
    }
    fn send(&mut self, args: &[&str]) {
        self.w.write_all(&support::encode(args)).unwrap();
    }
    fn read(&mut self) -> String {
        let mut out = Vec::new();
        match support::read_reply(&mut self.r, &mut out) {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            Err(_) if out.is_empty() => "closed".into(),
            Err(e) => format!("broken reply {e}: {}", String::from_utf8_lossy(&out)),
        }
    }
    fn cmd(&mut self, args: &[&str]) -> String {
        self.send(args);
        self.read()
    }
    /// Reads until the server closes the connection; what came before, then "closed".
    fn closed(&mut self) -> String {
        let mut got = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        loop {
            match self.r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => return format!("still open ({e})"),
            }
        }
        format!("{}closed", String::from_utf8_lossy(&got))
    }
    /// A field of this connection's CLIENT INFO line.
    fn info_field(&mut self, field: &str) -> String {
        let line = self.cmd(&["CLIENT", "INFO"]);
        field_of(&line, field)
    }
}

fn field_of(line: &str, field: &str) -> String {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{field}=")))
        .unwrap_or_default()
        .to_string()
}

/// Polls INFO until `line` shows up (a held or blocked client being counted).
fn await_info(c: &mut Conn, section: &str, line: &str) {
    let started = Instant::now();
    while !c.cmd(&["INFO", section]).contains(line) {
        assert!(
            started.elapsed() < PATIENCE,
            "INFO {section} never showed {line}"
        );
        std::thread::yield_now();
    }
}

/// Runs `scenario` against redis-server and kvlab-server (each started with `flags`)
/// and returns both transcripts, checked equal.
fn both(flags: &[&str], scenario: fn(u16) -> Vec<String>) -> Vec<String> {
    let redis = support::redis_server(flags);
    let kvlab = support::kvlab_server(flags);
    let want = scenario(redis.port);
    let got = scenario(kvlab.port);
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(g, w, "step {i}: kvlab-server differs from redis-server");
    }
    assert_eq!(got.len(), want.len());
    got
}

fn kill_scenario(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut a = Conn::new(port);
    let mut b = Conn::new(port);
    let bid = b.cmd(&["CLIENT", "ID"]);
    let bid = bid.trim().trim_start_matches(':').to_string();
    t.push(a.cmd(&["CLIENT", "KILL", "ID", &bid]));
    t.push(b.closed());
    t.push(a.cmd(&["CLIENT", "KILL", "ID", &bid]));
    // ADDR
    let mut c = Conn::new(port);
    let caddr = c.info_field("addr");
    t.push(a.cmd(&["CLIENT", "KILL", "ADDR", &caddr]));
    t.push(c.closed());
    // TYPE pubsub takes the subscriber only.
    let mut d = Conn::new(port);
    let mut plain = Conn::new(port);
    t.push(d.cmd(&["SUBSCRIBE", "ch"]));
    t.push(a.cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]));
    t.push(d.closed());
    t.push(plain.cmd(&["PING"]));
    // TYPE normal: everyone but the caller (SKIPME defaults to yes).
    t.push(a.cmd(&["CLIENT", "KILL", "TYPE", "normal"]));
    t.push(plain.closed());
    // USER
    let mut f = Conn::new(port);
    t.push(f.cmd(&["PING"]));
    t.push(a.cmd(&["CLIENT", "KILL", "USER", "default", "SKIPME", "yes"]));
    t.push(f.closed());
    // LADDR: every connection to this port, the caller skipped.
    let mut h = Conn::new(port);
    let laddr = h.info_field("laddr");
    t.push(a.cmd(&["CLIENT", "KILL", "LADDR", &laddr]));
    t.push(h.closed());
    // Filters together: all must match.
    let mut g = Conn::new(port);
    let gid = g.info_field("id");
    let gaddr = g.info_field("addr");
    t.push(a.cmd(&["CLIENT", "KILL", "ID", &gid, "TYPE", "pubsub"]));
    t.push(a.cmd(&[
        "CLIENT", "KILL", "ID", &gid, "ADDR", &gaddr, "TYPE", "normal",
    ]));
    t.push(g.closed());
    // The old form: OK, or an error when nobody has that address.
    let mut o = Conn::new(port);
    let oaddr = o.info_field("addr");
    t.push(a.cmd(&["CLIENT", "KILL", &oaddr]));
    t.push(o.closed());
    t.push(a.cmd(&["CLIENT", "KILL", &oaddr]));
    // Errors.
    for args in [
        &["CLIENT", "KILL", "MAXAGE", "10"][..],
        &["CLIENT", "KILL", "ID", "0"],
        &["CLIENT", "KILL", "ID", "x"],
        &["CLIENT", "KILL", "TYPE", "foo"],
        &["CLIENT", "KILL", "USER", "bob"],
        &["CLIENT", "KILL", "ID", "1", "SKIPME", "maybe"],
        &["CLIENT", "KILL", "ID", "1", "TYPE"],
        &["CLIENT", "KILL", "ID"],
        &["CLIENT", "KILL"],
        &["CLIENT", "NO-EVICT", "maybe"],
    ] {
        t.push(a.cmd(args));
    }
    // NO-EVICT shows as the `e` flag.
    t.push(a.cmd(&["CLIENT", "NO-EVICT", "on"]));
    t.push(a.info_field("flags"));
    t.push(a.cmd(&["CLIENT", "NO-EVICT", "OFF"]));
    t.push(a.info_field("flags"));
    // SKIPME no: the caller gets its reply, then goes.
    let aid = a.info_field("id");
    t.push(a.cmd(&["CLIENT", "KILL", "ID", &aid, "SKIPME", "no"]));
    t.push(a.closed());
    t
}

#[test]
fn client_kill_with_every_filter_as_redis() {
    let t = both(&[], kill_scenario);
    assert_eq!(t[0], ":1\r\n");
    assert_eq!(t[1], "closed");
    assert_eq!(t[2], ":0\r\n");
    assert!(t.contains(&"-ERR No such client\r\n".to_string()), "{t:?}");
    assert!(t.contains(&"-ERR syntax error\r\n".to_string()), "{t:?}");
    assert_eq!(t[t.len() - 5], "e");
    assert_eq!(t[t.len() - 1], "closed");
}

fn pause_scenario(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut a = Conn::new(port);
    let mut b = Conn::new(port);
    let bid = b.info_field("id");
    // WRITE: reads go on, writes wait (they are not refused).
    t.push(a.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]));
    t.push(b.cmd(&["GET", "x"]));
    b.send(&["SET", "x", "1"]);
    await_info(&mut a, "clients", "blocked_clients:1\r\n");
    t.push(a.cmd(&["GET", "x"]));
    let line = a.cmd(&["CLIENT", "LIST", "ID", &bid]);
    t.push(field_of(&line, "flags"));
    // PUBLISH may replicate: held too.
    let mut p = Conn::new(port);
    p.send(&["PUBLISH", "ch", "m"]);
    await_info(&mut a, "clients", "blocked_clients:2\r\n");
    t.push(a.cmd(&["CLIENT", "UNPAUSE"]));
    t.push(b.read());
    t.push(p.read());
    t.push(a.cmd(&["GET", "x"]));
    // Inside MULTI a write waits before it is queued; EXEC then runs it.
    t.push(b.cmd(&["MULTI"]));
    t.push(a.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]));
    b.send(&["INCR", "x"]);
    await_info(&mut a, "clients", "blocked_clients:1\r\n");
    t.push(a.cmd(&["CLIENT", "UNPAUSE"]));
    t.push(b.read());
    t.push(b.cmd(&["EXEC"]));
    // Errors.
    for args in [
        &["CLIENT", "PAUSE", "-1"][..],
        &["CLIENT", "PAUSE", "x"],
        &["CLIENT", "PAUSE", "10", "foo"],
        &["CLIENT", "PAUSE", "10", "ALL", "x"],
        &["CLIENT", "UNPAUSE", "x"],
        &["CLIENT", "PAUSE"],
    ] {
        t.push(a.cmd(args));
    }
    // ALL holds every command, UNPAUSE included, until the pause ends: the held
    // commands then run (nothing is refused).
    t.push(a.cmd(&["CLIENT", "PAUSE", "300", "ALL"]));
    b.send(&["PING"]);
    a.send(&["CLIENT", "UNPAUSE"]);
    t.push(b.read());
    t.push(a.read());
    t
}

#[test]
fn client_pause_holds_clients_as_redis() {
    let t = both(&[], pause_scenario);
    assert_eq!(t[1], "$-1\r\n");
    assert_eq!(t[2], "$-1\r\n", "the held SET must not have run");
    assert!(t[3].contains('b'), "a held client is flagged b: {}", t[3]);
    assert_eq!(t[5], "+OK\r\n");
    assert_eq!(t[7], "$1\r\n1\r\n");
    assert_eq!(t[6], ":0\r\n");
    assert_eq!(t[11], "+QUEUED\r\n");
    assert_eq!(t[12], "*1\r\n:2\r\n");
    assert_eq!(t[t.len() - 2], "+PONG\r\n");
}

fn maxclients_scenario(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut held: Vec<Conn> = (0..3).map(|_| Conn::new(port)).collect();
    for c in &mut held {
        t.push(c.cmd(&["PING"]));
    }
    let mut extra = Conn::new(port);
    t.push(extra.closed());
    t.push(
        held[0]
            .cmd(&["INFO", "stats"])
            .lines()
            .find(|l| l.starts_with("rejected_connections"))
            .unwrap_or_default()
            .to_string(),
    );
    let mut last = held.pop().unwrap();
    t.push(last.cmd(&["QUIT"]));
    t.push(last.closed());
    let mut again = Conn::new(port);
    t.push(again.cmd(&["PING"]));
    t
}

#[test]
fn maxclients_refuses_with_redis_error() {
    let t = both(&["--maxclients", "3"], maxclients_scenario);
    assert_eq!(t[3], "-ERR max number of clients reached\r\nclosed");
    assert_eq!(t[4], "rejected_connections:1");
    assert_eq!(t[t.len() - 1], "+PONG\r\n");
}

fn timeout_scenario(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    // A subscriber and a client blocked in BLPOP are spared; an idle client is not.
    let mut sub = Conn::new(port);
    t.push(sub.cmd(&["SUBSCRIBE", "ch"]));
    let mut blocked = Conn::new(port);
    blocked.send(&["BLPOP", "list", "0"]);
    let mut idle = Conn::new(port);
    t.push(idle.cmd(&["PING"]));
    // The idle client goes (after about `timeout` seconds; awaited, not slept for).
    t.push(idle.closed());
    // The other two have been idle longer, and are still there.
    t.push(sub.cmd(&["PING"]));
    let mut pusher = Conn::new(port);
    t.push(pusher.cmd(&["RPUSH", "list", "v"]));
    t.push(blocked.read());
    t
}

#[test]
fn idle_clients_time_out_as_redis() {
    let t = both(&["--timeout", "1"], timeout_scenario);
    assert_eq!(t[2], "closed");
    assert_eq!(t[3], "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(t[5], "*2\r\n$4\r\nlist\r\n$1\r\nv\r\n");
}

fn buffers_scenario(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut a = Conn::new(port);
    t.push(a.cmd(&["CONFIG", "SET", "client-query-buffer-limit", "1mb"]));
    t.push(a.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]));
    t.push(a.cmd(&[
        "CONFIG",
        "SET",
        "client-output-buffer-limit",
        "normal 1mb 0 0",
    ]));
    // A bulk over proto-max-bulk-len.
    let mut b = Conn::new(port);
    b.w.write_all(b"*2\r\n$4\r\nECHO\r\n$1048577\r\n").unwrap();
    t.push(b.closed());
    // A request that outgrows the query buffer limit: closed without a word.
    t.push(a.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "512mb"]));
    let mut q = Conn::new(port);
    let mut req = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n".to_vec();
    req.extend(std::iter::repeat_n(b'x', 1_200_000));
    // Written from a thread: the server may close before it has read everything.
    let mut w = q.w.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&req);
    });
    t.push(q.closed());
    let _ = writer.join();
    t.push(a.cmd(&["CONFIG", "SET", "client-query-buffer-limit", "1gb"]));
    // A reply over the normal class's hard limit: the client is closed, nothing sent.
    let big = "x".repeat(2_000_000);
    t.push(a.cmd(&["SET", "big", &big]));
    let mut o = Conn::new(port);
    o.send(&["GET", "big"]);
    t.push(o.closed());
    // Under the limit all is well.
    let mut fine = Conn::new(port);
    t.push(fine.cmd(&["STRLEN", "big"]));
    t.push(fine.cmd(&["GETRANGE", "big", "0", "9"]));
    // An inline request past 64 KB.
    let mut i = Conn::new(port);
    i.w.write_all(&vec![b'a'; 70 * 1024]).unwrap();
    t.push(i.closed());
    t.push(a.cmd(&["PING"]));
    t
}

#[test]
fn buffer_and_protocol_limits_as_redis() {
    let t = both(&[], buffers_scenario);
    assert_eq!(t[3], "-ERR Protocol error: invalid bulk length\r\nclosed");
    assert_eq!(t[5], "closed");
    assert_eq!(t[8], "closed");
    assert_eq!(t[9], ":2000000\r\n");
    assert_eq!(
        t[11],
        "-ERR Protocol error: too big inline request\r\nclosed"
    );
}

/// A local address that is not loopback, if the machine has one.
fn non_loopback_ip() -> Option<String> {
    let out = std::process::Command::new("ip")
        .args(["-4", "-o", "addr", "show"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        let addr = l.split_whitespace().skip_while(|w| *w != "inet").nth(1)?;
        let ip = addr.split('/').next()?;
        (!ip.starts_with("127.")).then(|| ip.to_string())
    })
}

#[test]
fn protected_mode_refuses_remote_clients_as_redis() {
    let Some(ip) = non_loopback_ip() else {
        eprintln!("no non-loopback address: the decision is unit-tested in kvlab-server");
        return;
    };
    let bind = format!("127.0.0.1 {ip}");
    let redis = support::redis_server(&["--bind", &bind]);
    let kvlab = support::kvlab_server(&["--bind", &bind]);
    let mut seen = Vec::new();
    for port in [redis.port, kvlab.port] {
        let mut t = Vec::new();
        // From the non-loopback address: DENIED, then closed.
        t.push(Conn::to(&ip, port).closed());
        let mut local = Conn::new(port);
        t.push(local.cmd(&["PING"]));
        t.push(local.cmd(&["CONFIG", "GET", "protected-mode"]));
        let stats = local.cmd(&["INFO", "stats"]);
        t.push(
            stats
                .lines()
                .find(|l| l.starts_with("rejected_connections"))
                .unwrap_or_default()
                .to_string(),
        );
        // Turned off from the loopback interface, remote clients get in.
        t.push(local.cmd(&["CONFIG", "SET", "protected-mode", "no"]));
        t.push(Conn::to(&ip, port).cmd(&["PING"]));
        seen.push(t);
    }
    assert_eq!(seen[1], seen[0]);
    assert!(
        seen[1][0].starts_with("-DENIED Redis is running in protected mode")
            && seen[1][0].ends_with("\r\nclosed"),
        "{}",
        seen[1][0]
    );
    assert_eq!(seen[1][3], "rejected_connections:1");
    assert_eq!(seen[1][5], "+PONG\r\n");
}

fn kill_slow_reader_scenario(port: u16) -> Vec<String> {
    let mut a = Conn::new(port);
    let value = "x".repeat(2 << 20);
    let mut t = vec![a.cmd(&["SET", "big", &value])];
    let mut slow = Conn::new(port);
    let sid = slow.info_field("id");
    // 40 MB of replies asked for and none read: the server is stuck writing to it.
    for _ in 0..20 {
        slow.send(&["GET", "big"]);
    }
    await_info(&mut a, "clients", "connected_clients:2\r\n");
    t.push(a.cmd(&["CLIENT", "KILL", "ID", &sid]));
    // The connection ends without the rest of the replies (a server that went on
    // writing would send all 40 MB, then keep it open).
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 20];
    let closed = loop {
        match slow.r.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    t.push(format!("closed={closed} all={}", got >= 20 * (2 << 20)));
    t.push(a.cmd(&["PING"]));
    t
}

#[test]
fn a_killed_slow_reader_goes_at_once_as_in_redis() {
    let t = both(&[], kill_slow_reader_scenario);
    assert_eq!(t[1], ":1\r\n");
    assert_eq!(t[2], "closed=true all=false");
}
