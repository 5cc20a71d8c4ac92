//! kvlab-server through real clients: the redis-rs crate, raw sockets for the protocol's
//! corners (inline commands, pipelining, protocol errors), and many clients at once.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn client(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .and_then(|c| c.get_connection())
        .expect("connect")
}

#[test]
fn redis_rs_basic_commands() {
    let s = support::kvlab_server(&[]);
    let mut c = client(s.port);
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    let v: String = redis::cmd("GET").arg("k").query(&mut c).unwrap();
    assert_eq!(v, "v");
    let bin: Vec<u8> = vec![0, 255, 13, 10, 7];
    let _: () = redis::cmd("SET")
        .arg("bin")
        .arg(&bin)
        .query(&mut c)
        .unwrap();
    let back: Vec<u8> = redis::cmd("GET").arg("bin").query(&mut c).unwrap();
    assert_eq!(back, bin);
    let n: i64 = redis::cmd("INCRBY").arg("n").arg(41).query(&mut c).unwrap();
    assert_eq!(n, 41);
    let err = redis::cmd("INCR")
        .arg("k")
        .query::<i64>(&mut c)
        .unwrap_err();
    assert!(err.to_string().contains("not an integer"), "{err}");
    let missing: Option<String> = redis::cmd("GET").arg("nope").query(&mut c).unwrap();
    assert_eq!(missing, None);
}

#[test]
fn redis_rs_pipeline_of_a_thousand() {
    let s = support::kvlab_server(&[]);
    let mut c = client(s.port);
    let mut p = redis::pipe();
    for _ in 0..1000 {
        p.cmd("INCR").arg("counter");
    }
    let out: Vec<i64> = p.query(&mut c).unwrap();
    assert_eq!(out.len(), 1000);
    assert_eq!(out[999], 1000);
}

#[test]
fn clients_share_keys_but_not_selected_db() {
    let s = support::kvlab_server(&[]);
    let mut a = client(s.port);
    let mut b = client(s.port);
    let _: () = redis::cmd("SELECT").arg(5).query(&mut a).unwrap();
    let _: () = redis::cmd("SET").arg("x").arg("in5").query(&mut a).unwrap();
    let none: Option<String> = redis::cmd("GET").arg("x").query(&mut b).unwrap();
    assert_eq!(none, None);
    let _: () = redis::cmd("SELECT").arg(5).query(&mut b).unwrap();
    let v: String = redis::cmd("GET").arg("x").query(&mut b).unwrap();
    assert_eq!(v, "in5");
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut a).unwrap();
    assert!(list.lines().count() >= 2, "{list}");
}

#[test]
fn resp3_through_redis_rs() {
    let s = support::kvlab_server(&[]);
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{}/?protocol=resp3", s.port))
        .and_then(|c| c.get_connection())
        .expect("connect resp3");
    let v: redis::Value = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .query(&mut c)
        .unwrap();
    assert!(matches!(v, redis::Value::Map(_)), "{v:?}");
    let missing: redis::Value = redis::cmd("GET").arg("nope").query(&mut c).unwrap();
    assert_eq!(missing, redis::Value::Nil);
}

fn raw(port: u16, bytes: &[u8], expect_len: usize) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < expect_len {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

#[test]
fn inline_commands_and_pipelining() {
    let s = support::kvlab_server(&[]);
    let want = b"+OK\r\n$5\r\nhello\r\n+PONG\r\n:1\r\n";
    let got = raw(
        s.port,
        b"SET greeting \"hello\"\r\nGET greeting\r\n*1\r\n$4\r\nPING\r\nEXISTS greeting\n",
        want.len(),
    );
    assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(want));
}

#[test]
fn protocol_errors_close_the_connection() {
    let s = support::kvlab_server(&[]);
    let got = raw(s.port, b"*1\r\n+PING\r\n", 100);
    assert_eq!(got, b"-ERR Protocol error: expected '$', got '+'\r\n");
    let got = raw(s.port, b"SET a \"unbalanced\r\n", 100);
    assert_eq!(
        got,
        b"-ERR Protocol error: unbalanced quotes in request\r\n"
    );
    let got = raw(s.port, b"*1\r\n$600000000\r\n", 100);
    assert_eq!(got, b"-ERR Protocol error: invalid bulk length\r\n");
    let got = raw(s.port, b"*9999999999\r\n", 100);
    assert_eq!(got, b"-ERR Protocol error: invalid multibulk length\r\n");
}

#[test]
fn quit_replies_then_closes() {
    let s = support::kvlab_server(&[]);
    let got = raw(s.port, b"QUIT\r\nPING\r\n", 100);
    assert_eq!(got, b"+OK\r\n");
}

#[test]
fn active_expiry_runs_in_the_server() {
    let s = support::kvlab_server(&["--hz", "50"]);
    let mut c = client(s.port);
    for i in 0..100 {
        let _: () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg("v")
            .arg("PX")
            .arg(50)
            .query(&mut c)
            .unwrap();
    }
    // DBSIZE does not expire keys itself: only the background cycle can remove them. It
    // runs on its own; how soon depends on the machine, so wait for it, not for a time.
    let started = std::time::Instant::now();
    loop {
        let n: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
        if n == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{n} keys still there a minute after they expired"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let info: String = redis::cmd("INFO").arg("stats").query(&mut c).unwrap();
    assert!(info.contains("expired_keys:100"), "{info}");
}

#[test]
fn startup_flags_become_config() {
    let s = support::kvlab_server(&["--maxmemory", "1mb", "--maxmemory-policy", "allkeys-lru"]);
    let mut c = client(s.port);
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, ["maxmemory", "1048576"]);
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-policy")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, ["maxmemory-policy", "allkeys-lru"]);
}

#[test]
fn redis_cli_talks_to_kvlab() {
    let s = support::kvlab_server(&[]);
    let out = support::redis_cli(s.port, "SET a 1\nINCR a\nGET a\n", &[]);
    assert_eq!(out, "OK\n(integer) 2\n\"2\"\n");
}

/// Waits until the server reports `n` blocked clients (INFO's blocked_clients): a
/// blocking command has really parked, however slow the machine.
fn wait_blocked(c: &mut redis::Connection, n: usize) {
    let want = format!("blocked_clients:{n}\r\n");
    let started = std::time::Instant::now();
    loop {
        let info: String = redis::cmd("INFO").arg("clients").query(c).unwrap();
        if info.contains(&want) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never saw {want:?} in {info}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn bzpopmin_blocks_until_another_client_adds() {
    let s = support::kvlab_server(&[]);
    let port = s.port;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = done.clone();
    let waiter = std::thread::spawn(move || {
        let mut a = client(port);
        let got: (String, String, f64) = redis::cmd("BZPOPMIN")
            .arg("queue")
            .arg(0)
            .query(&mut a)
            .unwrap();
        finished.store(true, std::sync::atomic::Ordering::SeqCst);
        got
    });
    let mut b = client(port);
    wait_blocked(&mut b, 1);
    assert!(
        !done.load(std::sync::atomic::Ordering::SeqCst),
        "BZPOPMIN returned before anything was added"
    );
    let added: i64 = redis::cmd("ZADD")
        .arg("queue")
        .arg(7)
        .arg("job")
        .query(&mut b)
        .unwrap();
    assert_eq!(added, 1);
    let got = waiter.join().unwrap();
    assert_eq!(got, ("queue".to_string(), "job".to_string(), 7.0));
    wait_blocked(&mut b, 0);
    // The popped member is gone, and the key with it.
    let exists: i64 = redis::cmd("EXISTS").arg("queue").query(&mut b).unwrap();
    assert_eq!(exists, 0);
}

#[test]
fn blocking_pops_time_out_with_nil() {
    let s = support::kvlab_server(&[]);
    let mut c = client(s.port);
    let t0 = std::time::Instant::now();
    let v: redis::Value = redis::cmd("BZPOPMAX")
        .arg("nothing")
        .arg(0.3)
        .query(&mut c)
        .unwrap();
    assert_eq!(v, redis::Value::Nil);
    assert!(t0.elapsed() >= Duration::from_millis(290));
    let v: redis::Value = redis::cmd("BZMPOP")
        .arg(0.1)
        .arg(2)
        .arg("a")
        .arg("b")
        .arg("MIN")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, redis::Value::Nil);
}

#[test]
fn the_longest_waiting_client_is_served_first_and_pipelines_resume() {
    let s = support::kvlab_server(&[]);
    let port = s.port;
    let mut c = client(port);
    let first = std::thread::spawn(move || raw(port, b"BZMPOP 0 1 q MAX COUNT 2\r\nPING\r\n", 38));
    wait_blocked(&mut c, 1);
    let second = std::thread::spawn(move || raw(port, b"BZPOPMIN q 2\r\n", 5));
    wait_blocked(&mut c, 2);
    let _: i64 = redis::cmd("ZADD")
        .arg("q")
        .arg(1)
        .arg("a")
        .arg(2)
        .arg("b")
        .query(&mut c)
        .unwrap();
    let got = String::from_utf8(first.join().unwrap()).unwrap();
    assert_eq!(
        got,
        "*2\r\n$1\r\nq\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n+PONG\r\n"
    );
    // Nothing was left for the second client: it times out.
    assert_eq!(second.join().unwrap(), b"*-1\r\n");
}

#[test]
fn blpop_is_served_by_an_lpush_from_another_client() {
    let s = support::kvlab_server(&[]);
    let port = s.port;
    let mut c = client(port);
    let waiter = std::thread::spawn(move || {
        let mut a = client(port);
        let got: (String, String) = redis::cmd("BLPOP")
            .arg("jobs")
            .arg(0)
            .query(&mut a)
            .unwrap();
        got
    });
    wait_blocked(&mut c, 1);
    let n: i64 = redis::cmd("LPUSH")
        .arg("jobs")
        .arg("job-1")
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        waiter.join().unwrap(),
        ("jobs".to_string(), "job-1".to_string())
    );
    // Served once: the element went to the waiter and the list with it.
    let exists: i64 = redis::cmd("EXISTS").arg("jobs").query(&mut c).unwrap();
    assert_eq!(exists, 0);
    wait_blocked(&mut c, 0);
}

#[test]
fn client_unblock_ends_a_wait_as_a_timeout_or_an_error() {
    let s = support::kvlab_server(&[]);
    let port = s.port;
    let mut c = client(port);
    for reason in ["TIMEOUT", "ERROR"] {
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let mut a = client(port);
            let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut a).unwrap();
            tx.send(id).unwrap();
            redis::cmd("BLPOP")
                .arg("nothing")
                .arg(0)
                .query::<redis::Value>(&mut a)
        });
        let id = rx.recv().unwrap();
        wait_blocked(&mut c, 1);
        let n: i64 = redis::cmd("CLIENT")
            .arg("UNBLOCK")
            .arg(id)
            .arg(reason)
            .query(&mut c)
            .unwrap();
        assert_eq!(n, 1);
        match (reason, waiter.join().unwrap()) {
            ("TIMEOUT", Ok(v)) => assert_eq!(v, redis::Value::Nil),
            ("ERROR", Err(e)) => assert!(
                e.to_string()
                    .contains("client unblocked via CLIENT UNBLOCK"),
                "{e}"
            ),
            (r, other) => panic!("{r}: {other:?}"),
        }
        wait_blocked(&mut c, 0);
    }
    let n: i64 = redis::cmd("CLIENT")
        .arg("UNBLOCK")
        .arg(999_999)
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 0);
}

/// INFO replication: the fields of a standalone master, named and ordered as
/// redis-server's (values too, but for the replication ID each server draws).
#[test]
fn info_replication_reads_as_redis_servers() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let lines = |port: u16| -> Vec<String> {
        let mut c = client(port);
        let info: String = redis::cmd("INFO").arg("replication").query(&mut c).unwrap();
        info.lines()
            .map(|l| match l.split_once(':') {
                Some(("master_replid", id)) => {
                    assert_eq!(id.len(), 40, "{id}");
                    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
                    "master_replid:<40 hex digits>".to_string()
                }
                _ => l.to_string(),
            })
            .collect()
    };
    assert_eq!(lines(ours.port), lines(real.port));
}

/// INFO persistence: the fields of a server that never saved, named, ordered and valued
/// as redis-server's (but the time of the last save, which is each server's start), after
/// a few writes. RLTest reads rdb_bgsave_in_progress before every flush.
#[test]
fn info_persistence_reads_as_redis_servers() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let lines = |port: u16| -> Vec<String> {
        let mut c = client(port);
        for k in ["a", "b", "c"] {
            let _: () = redis::cmd("SET").arg(k).arg(1).query(&mut c).unwrap();
        }
        let _: i64 = redis::cmd("DEL").arg("a").query(&mut c).unwrap();
        let info: String = redis::cmd("INFO").arg("persistence").query(&mut c).unwrap();
        info.lines()
            .map(|l| match l.split_once(':') {
                Some(("rdb_last_save_time", t)) => {
                    let t: i64 = t.parse().unwrap();
                    assert!(t > 1_600_000_000, "{t}");
                    "rdb_last_save_time:<start>".to_string()
                }
                _ => l.to_string(),
            })
            .collect()
    };
    assert_eq!(lines(ours.port), lines(real.port));
}

/// Subscribers of a connection that never reads: Redis and KV Lab both disconnect one
/// whose pending messages pass `client-output-buffer-limit pubsub`, and keep one that
/// reads. Checked against redis-server in the same run.
#[test]
fn a_subscriber_that_does_not_read_is_disconnected_as_in_redis() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    for port in [real.port, ours.port] {
        let mut c = client(port);
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("client-output-buffer-limit")
            .arg("pubsub 1mb 0 0")
            .query(&mut c)
            .unwrap();
        // A subscriber that never reads after subscribing.
        let mut lazy = TcpStream::connect(("127.0.0.1", port)).unwrap();
        lazy.write_all(&support::encode(&["SUBSCRIBE", "flood"]))
            .unwrap();
        let pubsub_clients = |c: &mut redis::Connection| -> usize {
            let list: String = redis::cmd("CLIENT")
                .arg("LIST")
                .arg("TYPE")
                .arg("pubsub")
                .query(c)
                .unwrap();
            list.lines().count()
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while pubsub_clients(&mut c) < 1 {
            assert!(std::time::Instant::now() < deadline, "never subscribed");
            std::thread::sleep(Duration::from_millis(10));
        }
        // Publish well beyond what the kernel's socket buffers absorb plus the limit.
        let payload = "x".repeat(64 * 1024);
        let mut gone = false;
        for _ in 0..2000 {
            let _: i64 = redis::cmd("PUBLISH")
                .arg("flood")
                .arg(&payload)
                .query(&mut c)
                .unwrap();
            if pubsub_clients(&mut c) == 0 {
                gone = true;
                break;
            }
        }
        assert!(
            gone,
            "port {port}: the non-reading subscriber was not disconnected"
        );
        drop(lazy);
    }
}

/// redis-rs's Pub/Sub API against kvlab-server: messages arrive in order, from another
/// connection, and a pattern subscription sees the channel name.
#[test]
fn redis_rs_pubsub_receives_messages() {
    let s = support::kvlab_server(&[]);
    let mut sub_conn = client(s.port);
    let mut publisher = client(s.port);
    let mut ps = sub_conn.as_pubsub();
    ps.subscribe("news").unwrap();
    ps.psubscribe("sp*").unwrap();
    ps.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let n: i64 = redis::cmd("PUBLISH")
        .arg("news")
        .arg("one")
        .query(&mut publisher)
        .unwrap();
    assert_eq!(n, 1);
    let _: i64 = redis::cmd("PUBLISH")
        .arg("sport")
        .arg("two")
        .query(&mut publisher)
        .unwrap();
    let m = ps.get_message().unwrap();
    assert_eq!(m.get_channel_name(), "news");
    assert_eq!(m.get_payload::<String>().unwrap(), "one");
    let m = ps.get_message().unwrap();
    assert_eq!(m.get_channel_name(), "sport");
    assert_eq!(m.get_pattern::<String>().unwrap(), "sp*");
}

/// Sends `cmd` on a fresh connection from another thread; the thread returns the raw
/// reply once `len` bytes arrived.
/// Runs a command given as words (no quoting), for its effect.
fn run(c: &mut redis::Connection, line: &str) {
    let mut words = line.split_whitespace();
    let mut cmd = redis::cmd(words.next().unwrap_or("PING"));
    for w in words {
        cmd.arg(w);
    }
    let _: redis::Value = cmd.query(c).unwrap();
}

fn raw_in_thread(port: u16, cmd: &'static [u8], len: usize) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || raw(port, cmd, len))
}

#[test]
fn xread_block_dollar_waits_for_entries_after_the_top_when_it_blocked() {
    let s = support::kvlab_server(&[]);
    let port = s.port;
    let mut c = client(port);
    run(&mut c, "XADD s 1-0 f old");
    let want: &[u8] =
        b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$3\r\nnew\r\n";
    let waiter = raw_in_thread(port, b"XREAD BLOCK 0 STREAMS s $\r\n", want.len());
    wait_blocked(&mut c, 1);
    // A write to another key, and a write that adds nothing new, wake nobody.
    run(&mut c, "XADD other 1-0 f x");
    run(&mut c, "XDEL s 9-0");
    run(&mut c, "SET unrelated 1");
    wait_blocked(&mut c, 1);
    run(&mut c, "XADD s 2-0 f new");
    // Only the entry after the top at blocking time (1-0), not 1-0 itself.
    assert_eq!(waiter.join().unwrap(), want);
    wait_blocked(&mut c, 0);
}

#[test]
fn xread_block_on_a_missing_key_and_several_keys() {
    let s = support::kvlab_server(&[]);
    let port = s.port;
    let mut c = client(port);
    let want: &[u8] =
        b"*1\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n";
    let waiter = raw_in_thread(
        port,
        b"XREAD COUNT 5 BLOCK 0 STREAMS a b $ $\r\n",
        want.len(),
    );
    wait_blocked(&mut c, 1);
    run(&mut c, "XADD b 7-1 k v");
    assert_eq!(waiter.join().unwrap(), want);
    wait_blocked(&mut c, 0);
}

#[test]
fn xreadgroup_block_is_served_by_an_xadd_and_makes_the_entry_pending() {
    let s = support::kvlab_server(&[]);
    let port = s.port;
    let mut c = client(port);
    run(&mut c, "XGROUP CREATE s g $ MKSTREAM");
    let want: &[u8] =
        b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n";
    let waiter = raw_in_thread(
        port,
        b"XREADGROUP GROUP g alice BLOCK 0 STREAMS s >\r\n",
        want.len(),
    );
    wait_blocked(&mut c, 1);
    run(&mut c, "XADD s 5-0 f v");
    assert_eq!(waiter.join().unwrap(), want);
    wait_blocked(&mut c, 0);
    let pending: (i64, String, String, Vec<(String, String)>) = redis::cmd("XPENDING")
        .arg("s")
        .arg("g")
        .query(&mut c)
        .unwrap();
    assert_eq!(
        pending,
        (
            1,
            "5-0".into(),
            "5-0".into(),
            vec![("alice".into(), "1".into())]
        )
    );
    // A second reader blocked on the same group is served with the next entry only.
    let want2: &[u8] =
        b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\nf\r\n$1\r\nw\r\n";
    let waiter = raw_in_thread(
        port,
        b"XREADGROUP GROUP g bob BLOCK 0 STREAMS s >\r\n",
        want2.len(),
    );
    wait_blocked(&mut c, 1);
    run(&mut c, "XADD s 6-0 f w");
    assert_eq!(waiter.join().unwrap(), want2);
}

#[test]
fn xread_block_times_out_with_a_null_array() {
    let s = support::kvlab_server(&[]);
    let t0 = std::time::Instant::now();
    assert_eq!(
        raw(s.port, b"XREAD BLOCK 200 STREAMS nothing $\r\n", 5),
        b"*-1\r\n"
    );
    assert!(t0.elapsed() >= Duration::from_millis(190));
    // RESP3: a null. (Each connection ends with a PING, so the reply is complete once
    // the PONG arrived.)
    let out = raw_until(
        s.port,
        b"HELLO 3\r\nXREADGROUP GROUP g c BLOCK 100 STREAMS nothing >\r\nPING\r\n",
        b"+PONG\r\n",
    );
    assert!(String::from_utf8_lossy(&out).contains("-NOGROUP No such key 'nothing'"));
    let out = raw_until(
        s.port,
        b"HELLO 3\r\nXREAD BLOCK 100 STREAMS nothing 0\r\nPING\r\n",
        b"+PONG\r\n",
    );
    assert!(
        out.ends_with(b"_\r\n+PONG\r\n"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

/// Like `raw`, reading until the output ends with `suffix`.
fn raw_until(port: u16, bytes: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !out.ends_with(suffix) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

#[test]
fn xreadgroup_waiters_fail_when_the_group_or_the_key_goes() {
    let s = support::kvlab_server(&[]);
    let port = s.port;
    let mut c = client(port);
    run(&mut c, "XGROUP CREATE s g $ MKSTREAM");
    let want: &[u8] =
        b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n";
    let waiter = raw_in_thread(
        port,
        b"XREADGROUP GROUP g a BLOCK 0 STREAMS s >\r\n",
        want.len(),
    );
    wait_blocked(&mut c, 1);
    run(&mut c, "XGROUP DESTROY s g");
    assert_eq!(waiter.join().unwrap(), want);
    wait_blocked(&mut c, 0);

    run(&mut c, "XGROUP CREATE s g $");
    let want: &[u8] = b"-UNBLOCKED the stream key no longer exists\r\n";
    let waiter = raw_in_thread(
        port,
        b"XREADGROUP GROUP g a BLOCK 0 STREAMS s >\r\n",
        want.len(),
    );
    // A plain XREAD on the same key keeps waiting when the key goes.
    let reader = raw_in_thread(port, b"XREAD BLOCK 0 STREAMS s $\r\n", 10);
    wait_blocked(&mut c, 2);
    run(&mut c, "DEL s");
    assert_eq!(waiter.join().unwrap(), want);
    wait_blocked(&mut c, 1);
    run(&mut c, "XADD s 1-0 f v");
    assert!(reader
        .join()
        .unwrap()
        .starts_with(b"*1\r\n*2\r\n$1\r\ns\r\n"));
    wait_blocked(&mut c, 0);
}

/// One PUBLISH reaches a RESP3 and a RESP2 subscriber, each in its own protocol (a push
/// frame `>3`, an array `*3`), channel subscribers first, then pattern subscribers; and
/// keyspace notifications of another database reach both through patterns. The bytes
/// are redis-server 7.0.15's.
#[test]
fn messages_reach_resp2_and_resp3_subscribers_as_redis_sends_them() {
    let s = support::kvlab_server(&[]);
    let connect = |bytes: &[u8], suffix: &[u8]| {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        c.write_all(bytes).unwrap();
        read_until(&mut c, suffix);
        c
    };
    let mut v3 = connect(
        b"HELLO 3\r\nSUBSCRIBE news\r\nPSUBSCRIBE n* __keyevent@*\r\n",
        b"$12\r\n__keyevent@*\r\n:3\r\n",
    );
    let mut v2 = connect(
        b"SUBSCRIBE news\r\nPSUBSCRIBE __keyspace@1__:*\r\n",
        b"$16\r\n__keyspace@1__:*\r\n:2\r\n",
    );
    let _publisher = connect(
        b"PUBLISH news hi\r\nCONFIG SET notify-keyspace-events KEA\r\nSELECT 1\r\nSET nk v\r\n",
        b":3\r\n+OK\r\n+OK\r\n+OK\r\n",
    );
    let want3: &[u8] = b">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n\
        >4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n\
        >4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$18\r\n__keyevent@1__:set\r\n$2\r\nnk\r\n";
    assert_eq!(read_until(&mut v3, b"$2\r\nnk\r\n"), want3);
    let want2: &[u8] = b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n\
        *4\r\n$8\r\npmessage\r\n$16\r\n__keyspace@1__:*\r\n$17\r\n__keyspace@1__:nk\r\n$3\r\nset\r\n";
    assert_eq!(read_until(&mut v2, b"$3\r\nset\r\n"), want2);
}

/// Reads from `c` until what was read ends with `suffix` (or the connection ends).
fn read_until(c: &mut TcpStream, suffix: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !out.ends_with(suffix) {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

/// `qbuf=` and `qbuf-free=` of the CLIENT LIST line of the client named `name`.
fn qbuf_of(list: &str, name: &str) -> (usize, usize) {
    let line = list
        .lines()
        .find(|l| l.contains(&format!(" name={name} ")))
        .unwrap_or_else(|| panic!("no client {name} in {list}"));
    let field = |f: &str| -> usize {
        let at = line.find(&format!(" {f}=")).unwrap() + f.len() + 2;
        line[at..].split(' ').next().unwrap().parse().unwrap()
    };
    (field("qbuf"), field("qbuf-free"))
}

/// CLIENT LIST's query buffer figures, step by step for the same traffic, on
/// redis-server and kvlab-server: the command running counted in its own client's
/// `qbuf` (26 bytes for CLIENT INFO sent as a multibulk), the room a first read makes,
/// the room a 400,000-byte argument takes, the cut to the recent peak, and the free room
/// dropped once the client has been idle for more than 2 seconds (polled, bounded).
#[test]
fn client_list_query_buffer_figures_match_redis() {
    fn steps(port: u16) -> Vec<(usize, usize)> {
        let mut a = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut b = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        for s in [&a, &b, &c] {
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        }
        let ask = |c: &mut TcpStream, argv: &[&[u8]]| -> String {
            c.write_all(&support::encode(argv)).unwrap();
            let mut r = std::io::BufReader::new(c.try_clone().unwrap());
            let mut out = Vec::new();
            support::read_reply(&mut r, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let mut got = Vec::new();
        ask(&mut b, &[b"CLIENT", b"SETNAME", b"b"]);
        ask(&mut a, &[b"CLIENT", b"SETNAME", b"a"]);
        ask(&mut c, &[b"CLIENT", b"SETNAME", b"c"]);
        got.push(qbuf_of(&ask(&mut b, &[b"CLIENT", b"INFO"]), "b"));
        got.push(qbuf_of(&ask(&mut b, &[b"CLIENT", b"LIST"]), "a"));
        ask(&mut a, &[b"SET", b"x", &[b'A'; 400_000]]);
        got.push(qbuf_of(&ask(&mut b, &[b"CLIENT", b"LIST"]), "a"));
        // Small commands (as Redis's unit/querybuf sends them), until (within a bound)
        // the cron cut the buffer down to their peak.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let cut = loop {
            ask(&mut a, &[b"SET", b"x", b"A"]);
            let f = qbuf_of(&ask(&mut b, &[b"CLIENT", b"LIST"]), "a");
            if f.1 < 458742 || std::time::Instant::now() > deadline {
                break f;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Cut to the recent peak (27 bytes), or made room for 16 KB again if the cron
        // came between two small commands: only its range is compared.
        got.push((cut.0, (cut.1 > 0 && cut.1 < 458742) as usize));
        // Client c, idle since its one command, keeps 16 KB of room for more than 2
        // seconds, then loses it.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let idle = loop {
            let f = qbuf_of(&ask(&mut b, &[b"CLIENT", b"LIST"]), "c");
            if f.1 == 0 || std::time::Instant::now() > deadline {
                break f;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        got.push(idle);
        got
    }
    let k = support::kvlab_server(&[]);
    let kvlab = steps(k.port);
    assert_eq!(
        kvlab,
        [(26, 20448), (0, 20474), (0, 458742), (0, 1), (0, 0)],
        "{kvlab:?}"
    );
    let r = support::redis_server(&[]);
    assert_eq!(steps(r.port), kvlab);
}

/// INFO's network counters count what went over the connection as redis-server's do:
/// the same requests and replies give the same byte, read and write counts.
#[test]
fn net_counters_match_redis_server() {
    let script = "CONFIG RESETSTAT\nSET a hello\nGET a\nMGET a b c\nINCR n\nINFO stats\n";
    let fields = |port: u16| {
        let out = support::redis_cli(port, script, &[]);
        [
            "total_net_input_bytes",
            "total_net_output_bytes",
            "total_reads_processed",
            "total_writes_processed",
            "sync_full",
            "total_net_repl_input_bytes",
        ]
        .map(|f| {
            let prefix = format!("{f}:");
            let v = out
                .lines()
                .find_map(|l| l.strip_prefix(&prefix))
                .unwrap_or_else(|| panic!("no {f} in {out}"));
            format!("{f}:{}", v.trim())
        })
    };
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let (a, b) = (fields(real.port), fields(ours.port));
    assert_eq!(a, b);
    assert_ne!(b[0], "total_net_input_bytes:0");
}
