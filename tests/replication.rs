//! Replication with kvlab-server as the master: a real redis-server 7.0.15 started with
//! `--replicaof` must end up with the same dataset and follow every later write
//! (transactions, scripts' effects, expiry as DEL, other databases, FLUSHALL); the raw
//! protocol a replica sees (+FULLRESYNC, the RDB bulk, the stream with its SELECTs,
//! +CONTINUE from the backlog) byte for byte; WAIT as redis-server answers it.
//!
//! Nothing here waits for time to pass: each wait polls a condition with a generous
//! bound, and WAIT with timeout 0 blocks until the replica acknowledged (after which the
//! replica has applied everything before it).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::keyspace::*;

/// Polls `ok` until it holds, for at most a minute (a loaded machine is slow, never
/// wrong: the bound is only there so that a broken server fails instead of hanging).
fn await_true(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ok() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(b: Vec<u8>) -> String {
    String::from_utf8_lossy(&b).into_owned()
}

fn info(c: &mut Conn, section: &str) -> String {
    let raw = text(c.cmd(&format!("INFO {section}")));
    raw.split_once("\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or(raw)
}

fn field(c: &mut Conn, section: &str, name: &str) -> String {
    info(c, section)
        .split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_default()
}

/// Every key of databases 0..4, described as tests/persist.rs does.
fn snapshot(c: &mut Conn) -> String {
    let mut out = String::new();
    for db in 0..4 {
        c.cmd(&format!("SELECT {db}"));
        for k in c.keys() {
            out.push_str(&format!("db{db} {}\n", mask_times(&describe(c, &k, false))));
        }
    }
    c.cmd("SELECT 0");
    out
}

#[test]
fn redis_server_replicates_kvlab_server() {
    let master = support::kvlab_server(&["--save", ""]);
    let mut m = Conn::new(master.port);
    load(&mut m, &dataset());
    m.cmd("SELECT 2");
    load(&mut m, &["SET in:two 2".to_string(), "RPUSH l2 a b".into()]);
    m.cmd("SELECT 0");
    let replica = support::redis_server(&["--replicaof", "127.0.0.1", &master.port.to_string()]);
    let mut r = Conn::new(replica.port);
    await_true("the replica's link is up and synced", || {
        field(&mut r, "replication", "master_link_status") == "up"
            && field(&mut r, "replication", "master_sync_in_progress") == "0"
    });
    assert_same(&snapshot(&mut m), &snapshot(&mut r));

    // The master's view of it.
    let rep = info(&mut m, "replication");
    assert!(
        rep.contains("role:master\r\nconnected_slaves:1\r\n"),
        "{rep}"
    );
    assert!(
        rep.contains(&format!(
            "slave0:ip=127.0.0.1,port={},state=online,",
            replica.port
        )),
        "{rep}"
    );
    assert!(rep.contains("repl_backlog_active:1\r\n"), "{rep}");
    // CLIENT LIST flags the replica's connection `S`, as redis-server does.
    let list = text(m.cmd("CLIENT LIST"));
    assert_eq!(list.matches(" flags=S ").count(), 1, "{list}");
    let role = text(m.cmd("ROLE"));
    assert!(role.starts_with("*3\r\n$6\r\nmaster\r\n:"), "{role}");
    assert!(
        role.contains(&format!(
            "$9\r\n127.0.0.1\r\n${}\r\n{}\r\n",
            replica.port.to_string().len(),
            replica.port
        )),
        "{role}"
    );

    // Later writes of every kind.
    for line in [
        "SET later 1",
        "INCRBY s:int 5",
        "LPUSH l:small z",
        "EVAL redis.call('set','fromlua',ARGV[1]);redis.call('hset','h:lp','f3','x') 0 v",
        "SET gone soon PX 1",
        "HSET h:ht field0 changed",
        "XADD x:plain 5-1 c 5",
        "ZINCRBY z:lp 10 a",
        "SADD set:str e",
    ] {
        let argv: Vec<&str> = if let Some(rest) = line.strip_prefix("EVAL ") {
            let (script, args) = rest.split_once(' ').unwrap();
            let mut v = vec!["EVAL", script];
            v.extend(args.split(' '));
            v
        } else {
            line.split(' ').collect()
        };
        let reply = m.raw(&argv);
        assert!(!reply.starts_with(b"-"), "{line}: {}", text(reply));
    }
    m.raw(&["MULTI"]);
    m.raw(&["INCR", "counter"]);
    m.raw(&["SELECT", "3"]);
    m.raw(&["SET", "in:three", "3"]);
    m.raw(&["SELECT", "0"]);
    m.raw(&["DEL", "s:raw"]);
    assert!(text(m.raw(&["EXEC"])).starts_with("*5\r\n"));
    // The expired key goes when the master notices (here on access), as a DEL.
    await_true("the key expired on the master", || {
        m.raw(&["GET", "gone"]) == b"$-1\r\n"
    });
    assert_eq!(text(m.cmd("WAIT 1 0")), ":1\r\n");
    assert_same(&snapshot(&mut m), &snapshot(&mut r));
    // The replica saw the DEL (a key it only holds as expired would still count).
    assert_eq!(r.cmd("DBSIZE"), m.cmd("DBSIZE"));

    m.cmd("FLUSHALL");
    assert_eq!(text(m.cmd("WAIT 1 0")), ":1\r\n");
    for db in 0..4 {
        r.cmd(&format!("SELECT {db}"));
        assert_eq!(text(r.cmd("DBSIZE")), ":0\r\n", "db {db}");
    }
    // The acknowledged offset is the master's.
    let off = field(&mut m, "replication", "master_repl_offset");
    await_true("the replica acknowledged the whole stream", || {
        info(&mut m, "replication").contains(&format!(",offset={off},"))
    });
    assert_eq!(field(&mut r, "replication", "slave_repl_offset"), off);
}

/// Reads a `+...\r\n` line.
fn line(r: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    r.read_line(&mut l).unwrap();
    l
}

fn exact(r: &mut BufReader<TcpStream>, n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    r.read_exact(&mut b).unwrap();
    b
}

fn encode(argv: &[&str]) -> Vec<u8> {
    support::encode(argv)
}

#[test]
fn the_stream_a_replica_reads_and_partial_resync() {
    let master = support::kvlab_server(&["--save", ""]);
    let mut m = Conn::new(master.port);
    m.cmd("SET before 1");
    let s = TcpStream::connect(("127.0.0.1", master.port)).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    w.write_all(&encode(&["REPLCONF", "listening-port", "4321"]))
        .unwrap();
    assert_eq!(line(&mut r), "+OK\r\n");
    w.write_all(&encode(&["REPLCONF", "capa", "eof", "capa", "psync2"]))
        .unwrap();
    assert_eq!(line(&mut r), "+OK\r\n");
    w.write_all(&encode(&["REPLCONF", "bogus", "1"])).unwrap();
    assert_eq!(line(&mut r), "-ERR Unrecognized REPLCONF option: bogus\r\n");
    w.write_all(&encode(&["PSYNC", "?", "-1"])).unwrap();
    let full = line(&mut r);
    let parts: Vec<&str> = full.trim_end().split(' ').collect();
    assert_eq!(parts[0], "+FULLRESYNC");
    assert_eq!(parts[1].len(), 40);
    assert_eq!(parts[2], "0", "no backlog before the first replica");
    let replid = parts[1].to_string();
    let len: usize = line(&mut r).trim_end()[1..].parse().unwrap();
    let rdb = exact(&mut r, len);
    assert!(rdb.starts_with(b"REDIS0010"));
    assert!(rdb.windows(6).any(|x| x == b"before"));

    let rep = info(&mut m, "replication");
    assert!(
        rep.contains("slave0:ip=127.0.0.1,port=4321,state=online,offset=0,"),
        "{rep}"
    );
    m.cmd("SET a 1");
    m.cmd("SELECT 1");
    m.cmd("DEL nothing");
    m.cmd("RPUSH l x");
    m.cmd("SELECT 0");
    let want = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nx\r\n";
    assert_eq!(exact(&mut r, want.len()), want.to_vec());
    assert_eq!(
        field(&mut m, "replication", "master_repl_offset"),
        want.len().to_string()
    );
    assert_eq!(text(m.cmd("WAIT 0 0")), ":0\r\n");

    // An acknowledgement gets no reply and moves the offset ROLE shows.
    w.write_all(&encode(&["REPLCONF", "ACK", "31"])).unwrap();
    await_true("the ACK is seen", || {
        text(m.cmd("ROLE")).ends_with("$4\r\n4321\r\n$2\r\n31\r\n")
    });
    drop(w);
    drop(r);
    await_true("the replica is gone", || {
        field(&mut m, "replication", "connected_slaves") == "0"
    });
    m.cmd("SET b 2");

    // Back from offset 32 (the byte after what it has): the rest from the backlog.
    let s = TcpStream::connect(("127.0.0.1", master.port)).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    w.write_all(&encode(&["PSYNC", &replid, "32"])).unwrap();
    assert_eq!(line(&mut r), format!("+CONTINUE {replid}\r\n"));
    let tail = [
        &want[31..],
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n",
    ]
    .concat();
    assert_eq!(exact(&mut r, tail.len()), tail);
    drop(w);
    drop(r);

    // Another replication ID, or an offset the backlog does not hold: a full resync.
    for (id, off) in [
        ("0000000000000000000000000000000000000000", "1"),
        (replid.as_str(), "100000"),
    ] {
        let s = TcpStream::connect(("127.0.0.1", master.port)).unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        w.write_all(&encode(&["PSYNC", id, off])).unwrap();
        assert!(line(&mut r).starts_with(&format!("+FULLRESYNC {replid} ")));
    }
    // INFO counts them as Redis does: three full resyncs ("?" is not a failed partial
    // one), one partial, two failed partial ones.
    let counts =
        ["sync_full", "sync_partial_ok", "sync_partial_err"].map(|f| field(&mut m, "stats", f));
    assert_eq!(counts, ["3", "1", "2"]);
    assert_ne!(field(&mut m, "stats", "total_net_repl_output_bytes"), "0");
}

#[test]
fn wait_as_redis_server_answers_it() {
    let redis = support::redis_server(&[]);
    let kvlab = support::kvlab_server(&["--save", ""]);
    let script = "WAIT 0 0\nSET k v\nWAIT 1 5\nWAIT x 0\nWAIT 1 -1\nWAIT 1 y\nWAIT 1\nMULTI\nWAIT 1 0\nEXEC\nROLE\nREPLCONF\nREPLCONF listening-port\nCOMMAND INFO wait role\n";
    assert_eq!(
        support::redis_cli(kvlab.port, script, &[]),
        support::redis_cli(redis.port, script, &[])
    );
}

#[test]
fn kvlab_server_replicates_redis_server() {
    let master = support::redis_server(&[]);
    let mut m = Conn::new(master.port);
    load(&mut m, &dataset());
    let (_replica, mut r) = kvlab_replica(master.port, &[]);
    assert_eq!(text(m.cmd("WAIT 1 0")), ":1\r\n");
    assert_same(&snapshot(&mut m), &snapshot(&mut r));
    // The master's connection is the `M` client, as on a redis-server replica.
    let list = text(r.cmd("CLIENT LIST"));
    assert_eq!(list.matches(" flags=M ").count(), 1, "{list}");
    let rep = info(&mut r, "replication");
    assert!(
        rep.starts_with(&format!(
            "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:{}\r\nmaster_link_status:up\r\n",
            master.port
        )),
        "{rep}"
    );
    assert!(rep.contains("master_sync_in_progress:0\r\n"), "{rep}");
    assert!(rep.contains("slave_read_only:1\r\n"), "{rep}");
    // The replica takes the master's replication ID.
    assert_eq!(
        field(&mut r, "replication", "master_replid"),
        field(&mut m, "replication", "master_replid")
    );
    // Read-only, as redis-server's replicas.
    assert_eq!(
        text(r.cmd("SET x 1")),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    assert_eq!(
        text(r.cmd("WAIT 0 0")),
        "-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n"
    );

    // The stream: writes, a transaction, a script, expiry as DEL, another database.
    m.cmd("SET later 1");
    m.raw(&[
        "EVAL",
        "redis.call('incr','n');redis.call('rpush','l:small','q')",
        "0",
    ]);
    m.cmd("MULTI");
    m.cmd("SELECT 2");
    m.cmd("SET two 2");
    m.cmd("EXEC");
    m.cmd("SELECT 0");
    m.cmd("SET gone x PX 1");
    await_true("the key expired on the master", || {
        m.raw(&["GET", "gone"]) == b"$-1\r\n"
    });
    assert_eq!(text(m.cmd("WAIT 1 0")), ":1\r\n");
    assert_same(&snapshot(&mut m), &snapshot(&mut r));
    assert_eq!(r.cmd("DBSIZE"), m.cmd("DBSIZE"));
    let off = field(&mut m, "replication", "master_repl_offset");
    await_true("the replica's offset is the master's", || {
        field(&mut r, "replication", "slave_repl_offset") == off
    });
    let role = text(r.cmd("ROLE"));
    assert_eq!(
        role,
        format!(
            "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{}\r\n$9\r\nconnected\r\n:{off}\r\n",
            master.port
        )
    );
    assert_eq!(
        text(r.cmd(&format!("REPLICAOF 127.0.0.1 {}", master.port))),
        "+OK Already connected to specified master\r\n"
    );

    // Promoted: writable, a new replication ID, the old one kept as replid2.
    let old = field(&mut r, "replication", "master_replid");
    assert_eq!(text(r.cmd("REPLICAOF NO ONE")), "+OK\r\n");
    assert_eq!(text(r.cmd("SET x 1")), "+OK\r\n");
    assert_eq!(field(&mut r, "replication", "master_replid2"), old);
    assert_ne!(field(&mut r, "replication", "master_replid"), old);
    await_true("the master lost its replica", || {
        field(&mut m, "replication", "connected_slaves") == "0"
    });
}

#[test]
fn kvlab_replica_of_kvlab_with_masterauth() {
    let master = support::kvlab_server(&["--save", "", "--requirepass", "secret"]);
    let mut m = Conn::new(master.port);
    assert_eq!(text(m.cmd("AUTH secret")), "+OK\r\n");
    m.cmd("SET before 1");
    let dir = support::fresh_dir(support::free_port());
    let logfile = format!("{dir}/replica.log");
    let replica = support::kvlab_server(&[
        "--save",
        "",
        "--logfile",
        &logfile,
        "--masterauth",
        "wrong",
        "--replicaof",
        "127.0.0.1",
        &master.port.to_string(),
    ]);
    let mut r = Conn::new(replica.port);
    await_true("the replica logs its failed AUTH", || {
        std::fs::read_to_string(&logfile)
            .unwrap_or_default()
            .contains("Unable to AUTH to MASTER: -WRONGPASS")
    });
    assert_eq!(field(&mut r, "replication", "master_link_status"), "down");
    assert_eq!(text(r.cmd("CONFIG SET masterauth secret")), "+OK\r\n");
    await_true("the link comes up", || {
        field(&mut r, "replication", "master_link_status") == "up"
    });
    assert!(std::fs::read_to_string(&logfile)
        .unwrap()
        .contains("MASTER <-> REPLICA sync: Finished with success"));
    assert_eq!(r.bulk(&["GET", "before"]), Some(b"1".to_vec()));
    m.cmd("SET after 2");
    assert_eq!(text(m.cmd("WAIT 1 0")), ":1\r\n");
    assert_eq!(r.bulk(&["GET", "after"]), Some(b"2".to_vec()));
    // The master lists its replica.
    let rep = info(&mut m, "replication");
    assert!(
        rep.contains(&format!(
            "slave0:ip=127.0.0.1,port={},state=online,",
            replica.port
        )),
        "{rep}"
    );
}

/// kvlab-server → kvlab-server → redis-server: the middle one passes its master's
/// stream on byte for byte, so all three stand at the same offset.
#[test]
fn a_chain_of_replicas() {
    let a = support::kvlab_server(&["--save", ""]);
    let (b, mut cb) = kvlab_replica(a.port, &[]);
    let mut ca = Conn::new(a.port);
    ca.cmd("SET x 1");
    let c = support::redis_server(&["--replicaof", "127.0.0.1", &b.port.to_string()]);
    let mut cc = Conn::new(c.port);
    await_true("c is up", || {
        field(&mut cc, "replication", "master_link_status") == "up"
    });
    ca.cmd("SET y 2");
    ca.raw(&["EVAL", "redis.call('incr','z')", "0"]);
    ca.cmd("SELECT 1");
    ca.cmd("HSET h f v");
    assert_eq!(text(ca.cmd("WAIT 1 0")), ":1\r\n");
    let off = field(&mut ca, "replication", "master_repl_offset");
    await_true("c reached a's offset", || {
        field(&mut cc, "replication", "slave_repl_offset") == off
    });
    assert_eq!(field(&mut cb, "replication", "master_repl_offset"), off);
    assert_same(&snapshot(&mut ca), &snapshot(&mut cc));
    assert_same(&snapshot(&mut ca), &snapshot(&mut cb));
}

/// A "master" that promises an enormous RDB and hangs up: the replica reserves nothing
/// for it, keeps serving, and tries again.
#[test]
fn a_bogus_master_cannot_hurt_the_replica() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake = std::thread::spawn(move || {
        // Two handshakes: the replica comes back after the first one fails.
        for _ in 0..2 {
            let (s, _) = listener.accept().unwrap();
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            let mut reply = |want: &str, answer: &[u8]| {
                // Each request is one RESP array; read its lines until the name shows.
                let mut seen = String::new();
                while !seen.to_ascii_uppercase().contains(want) {
                    let mut l = String::new();
                    if r.read_line(&mut l).unwrap_or(0) == 0 {
                        return;
                    }
                    seen.push_str(&l);
                }
                w.write_all(answer).unwrap();
            };
            reply("PING", b"+PONG\r\n");
            reply("LISTENING-PORT", b"+OK\r\n");
            reply("CAPA", b"+OK\r\n");
            reply("PSYNC", b"+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n$999999999999999\r\nREDIS");
        }
    });
    let replica =
        support::kvlab_server(&["--save", "", "--replicaof", "127.0.0.1", &port.to_string()]);
    fake.join().unwrap();
    let mut r = Conn::new(replica.port);
    assert_eq!(text(r.cmd("PING")), "+PONG\r\n");
    assert_eq!(field(&mut r, "replication", "master_link_status"), "down");
}

/// A kvlab-server replica of the server on `master` (with `extra` options), once its
/// link is up.
fn kvlab_replica(master: u16, extra: &[&str]) -> (support::Server, Conn) {
    let master = master.to_string();
    let mut args = vec!["--save", ""];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--replicaof", "127.0.0.1", &master]);
    let replica = support::kvlab_server(&args);
    let mut r = Conn::new(replica.port);
    await_true("the link comes up", || {
        field(&mut r, "replication", "master_link_status") == "up"
    });
    (replica, r)
}

/// PUBLISH goes to the replicas (Redis forces it into the replication stream, though it
/// changes no data), so a subscriber of a replica hears the master's messages; a
/// script's `redis.set_repl` keeps writes off the replicas.
#[test]
fn publish_reaches_a_replicas_subscribers_and_set_repl_chooses() {
    let master = support::kvlab_server(&["--save", ""]);
    let (replica, mut r) = kvlab_replica(master.port, &[]);
    let mut m = Conn::new(master.port);
    let sub = TcpStream::connect(("127.0.0.1", replica.port)).unwrap();
    sub.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut sub_w = sub.try_clone().unwrap();
    let mut sub_r = BufReader::new(sub);
    sub_w.write_all(&encode(&["SUBSCRIBE", "news"])).unwrap();
    let mut confirm = Vec::new();
    support::read_reply(&mut sub_r, &mut confirm).unwrap();
    assert_eq!(
        text(confirm),
        "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
    );
    // No subscriber on the master: PUBLISH answers 0 there, and still goes out.
    assert_eq!(text(m.cmd("PUBLISH news hello")), ":0\r\n");
    let mut msg = Vec::new();
    support::read_reply(&mut sub_r, &mut msg).unwrap();
    assert_eq!(
        text(msg),
        "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
    );
    m.raw(&[
        "EVAL",
        "redis.set_repl(redis.REPL_AOF); redis.call('set','aof-only','1'); \
         redis.set_repl(redis.REPL_ALL); redis.call('set','both','2')",
        "0",
    ]);
    assert_eq!(text(m.cmd("WAIT 1 0")), ":1\r\n");
    assert_eq!(r.bulk(&["GET", "both"]), Some(b"2".to_vec()));
    assert_eq!(r.bulk(&["GET", "aof-only"]), None);
    assert_eq!(m.bulk(&["GET", "aof-only"]), Some(b"1".to_vec()));
}

/// A writable replica expires the keys its own clients wrote with a TTL (its master
/// never sends their DELs), and forgets them on FLUSHALL, as redis-server does.
#[test]
fn a_writable_replica_expires_its_own_keys() {
    let master = support::kvlab_server(&["--save", ""]);
    let (_replica, mut r) = kvlab_replica(master.port, &["--replica-read-only", "no"]);
    r.cmd("SET short v PX 1");
    r.cmd("SET long v EX 1000");
    r.cmd("SELECT 3");
    r.cmd("SET long v EX 1000");
    r.cmd("SELECT 0");
    await_true("the replica expires its own key", || {
        field(&mut r, "stats", "expired_keys") == "1"
    });
    assert_eq!(r.bulk(&["GET", "short"]), None);
    assert_eq!(field(&mut r, "stats", "slave_expires_tracked_keys"), "1");
    r.cmd("PERSIST long");
    r.cmd("FLUSHALL");
    assert_eq!(field(&mut r, "stats", "slave_expires_tracked_keys"), "0");

    // A write of the master that fails here (the replica's own client changed the
    // key): the error goes nowhere, but INFO counts it, as Redis does.
    let mut m = Conn::new(master.port);
    m.cmd("SET n 1");
    assert_eq!(text(m.cmd("WAIT 1 0")), ":1\r\n");
    r.cmd("SET n text");
    m.cmd("INCR n");
    assert_eq!(text(m.cmd("WAIT 1 0")), ":1\r\n");
    assert_eq!(field(&mut r, "stats", "unexpected_error_replies"), "1");
    assert_eq!(field(&mut m, "stats", "unexpected_error_replies"), "0");
}

/// min-replicas-to-write counts the replicas that acknowledged lately: with one online,
/// the master takes writes (and scripts that declare them); once it leaves, NOREPLICAS.
#[test]
fn min_replicas_to_write_counts_the_online_replicas() {
    let master = support::kvlab_server(&["--save", ""]);
    let mut m = Conn::new(master.port);
    m.cmd("CONFIG SET min-replicas-to-write 1");
    let noreplicas = "-NOREPLICAS Not enough good replicas to write.\r\n";
    assert_eq!(text(m.cmd("SET a 1")), noreplicas);
    assert_eq!(field(&mut m, "replication", "min_slaves_good_slaves"), "0");
    let (_replica, mut r) = kvlab_replica(master.port, &[]);
    await_true("the replica counts as good", || {
        field(&mut m, "replication", "min_slaves_good_slaves") == "1"
    });
    assert_eq!(text(m.cmd("SET a 1")), "+OK\r\n");
    assert_eq!(
        text(m.raw(&["EVAL", "#!lua\nreturn redis.call('set', 'b', '2')", "0"])),
        "+OK\r\n"
    );
    r.cmd("REPLICAOF NO ONE");
    await_true("the master sees its replica leave", || {
        field(&mut m, "replication", "min_slaves_good_slaves") == "0"
    });
    assert_eq!(text(m.cmd("SET a 2")), noreplicas);
}
