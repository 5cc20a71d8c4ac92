//! MIGRATE over real sockets: between two kvlab-servers, from kvlab-server to
//! redis-server 7.0.15 and back (DUMP payloads are Redis's format, so both directions
//! must work), and the replies redis-server gives for the same failures. No test waits
//! for time to pass: a MIGRATE's own timeout is the only wait, and the answers do not
//! depend on how long anything took.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::net::TcpListener;
use support::keyspace::Conn;

/// The replies as text.
trait Text {
    fn text(&mut self, argv: &[&str]) -> String;
    fn run(&mut self, line: &str) -> String;
    fn info_field(&mut self, name: &str) -> String;
}

impl Text for Conn {
    /// The raw reply to one command, as text.
    fn text(&mut self, argv: &[&str]) -> String {
        String::from_utf8_lossy(&self.raw(argv)).into_owned()
    }

    /// `cmd` for a whitespace-separated line (`""` is the empty argument).
    fn run(&mut self, line: &str) -> String {
        let argv: Vec<&str> = line
            .split(' ')
            .map(|w| if w == "\"\"" { "" } else { w })
            .collect();
        self.text(&argv)
    }

    fn info_field(&mut self, name: &str) -> String {
        let info = self.text(&["INFO", "stats"]);
        info.split("\r\n")
            .find(|l| l.starts_with(&format!("{name}:")))
            .unwrap_or_default()
            .to_string()
    }
}

const OK: &str = "+OK\r\n";
const NOKEY: &str = "+NOKEY\r\n";
const BUSYKEY: &str =
    "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n";

/// One value of every type, with a TTL on some.
const SETUP: &[&str] = &[
    "SET s hello",
    "SET n 12345",
    "RPUSH l a b c",
    "HSET h f1 v1 f2 v2",
    "SADD set x y z",
    "ZADD z 1 a 2.5 b",
    "XADD st 1-1 f v",
    "PFADD hll a b c",
    "PEXPIRE l 100000",
];

const KEYS: &[&str] = &["s", "n", "l", "h", "set", "z", "st", "hll"];

/// Moves every key of SETUP from `from` to `to` (database 3) and checks that the
/// target holds the same DUMP bytes, and the source none of the keys.
fn move_everything(from: u16, to: u16) {
    let (mut a, mut b) = (Conn::new(from), Conn::new(to));
    for l in SETUP {
        a.run(l);
    }
    // A hashtable set's DUMP lists its members in hash order, which depends on each
    // server's hash seed: the set is compared by its members.
    let same_bytes = |k: &&&str| **k != "set";
    let dumps: Vec<String> = KEYS
        .iter()
        .filter(same_bytes)
        .map(|k| a.text(&["DUMP", k]))
        .collect();
    let members = a.run("SORT set ALPHA");
    let port = to.to_string();
    for k in &KEYS[..2] {
        assert_eq!(a.text(&["MIGRATE", "127.0.0.1", &port, k, "3", "5000"]), OK);
    }
    let mut argv = vec!["MIGRATE", "127.0.0.1", &port, "", "3", "5000", "KEYS"];
    argv.extend(&KEYS[2..]);
    assert_eq!(a.text(&argv), OK);
    assert_eq!(a.run("DBSIZE"), ":0\r\n");
    assert_eq!(b.run("SELECT 3"), OK);
    let there: Vec<String> = KEYS
        .iter()
        .filter(same_bytes)
        .map(|k| b.text(&["DUMP", k]))
        .collect();
    assert_eq!(there, dumps);
    assert_eq!(b.run("SORT set ALPHA"), members);
    assert_eq!(b.run("SCARD set"), ":3\r\n");
    let ttl: i64 = b.run("PTTL l")[1..].trim().parse().unwrap();
    assert!(ttl > 0 && ttl <= 100_000, "{ttl}");
    assert_eq!(b.run("TTL s"), ":-1\r\n");
    assert_eq!(
        a.info_field("migrate_cached_sockets"),
        "migrate_cached_sockets:1"
    );
}

#[test]
fn kvlab_to_kvlab() {
    let (src, dst) = (support::kvlab_server(&[]), support::kvlab_server(&[]));
    move_everything(src.port, dst.port);
}

#[test]
fn kvlab_to_redis_and_redis_to_kvlab() {
    let (ours, real) = (support::kvlab_server(&[]), support::redis_server(&[]));
    move_everything(ours.port, real.port);
    let (ours, real) = (support::kvlab_server(&[]), support::redis_server(&[]));
    move_everything(real.port, ours.port);
}

/// The same script on a kvlab-server and a redis-server source, each migrating to a
/// target of its own kind: the same replies.
#[test]
fn options_and_errors_as_redis_server() {
    let script: &[&str] = &[
        "MIGRATE 127.0.0.1 TPORT nokey 0 5000",
        "SET k v",
        "MIGRATE 127.0.0.1 TPORT k 0 5000 COPY",
        "MIGRATE 127.0.0.1 TPORT k 0 5000 COPY AUTH wrong",
        "MIGRATE 127.0.0.1 TPORT k 0 5000 COPY AUTH2 mover wrong",
        "MIGRATE 127.0.0.1 TPORT k 0 5000 COPY AUTH2 mover s3cret",
        "GET k",
        "MIGRATE 127.0.0.1 TPORT k 0 5000 REPLACE",
        "EXISTS k",
        "MSET a 1 c 3",
        "MIGRATE 127.0.0.1 TPORT \"\" 0 5000 KEYS a b c",
        "MIGRATE 127.0.0.1 TPORT \"\" 0 5000 KEYS b",
        "MIGRATE 127.0.0.1 TPORT a 0 5000 KEYS a",
        "MIGRATE 127.0.0.1 TPORT a 0 5000 AUTH",
        "MIGRATE 127.0.0.1 TPORT a 0 5000 AUTH2 u",
        "MIGRATE 127.0.0.1 TPORT a 0 5000 BOGUS",
        "MIGRATE 127.0.0.1 TPORT a x 5000",
        "MIGRATE 127.0.0.1 TPORT a 0 y",
        "SET p v",
        "MIGRATE 127.0.0.1 TPORT p 1 5000 AUTH topsecret",
        "EXISTS p",
        "SET q v",
        "MIGRATE 127.0.0.1 CLOSED q 0 5000",
        "MIGRATE 127.0.0.1 -1 q 0 5000",
        "MIGRATE no-such-host.invalid 1 q 0 5000",
        "EXISTS q",
        "INFO errorstats",
    ];
    let run = |src: u16, dst: u16| -> Vec<String> {
        let (mut a, mut b) = (Conn::new(src), Conn::new(dst));
        assert_eq!(b.run("SET k there"), OK);
        assert_eq!(b.run("ACL SETUSER mover on >s3cret +@all ~*"), OK);
        assert_eq!(b.run("CONFIG SET requirepass topsecret"), OK);
        assert_eq!(b.run("AUTH topsecret"), OK);
        // A port nothing listens on (bound, then closed).
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_port = closed.local_addr().unwrap().port().to_string();
        drop(closed);
        let t = dst.to_string();
        let mut out = Vec::new();
        for l in script {
            let line = l.replace("TPORT", &t).replace("CLOSED", &closed_port);
            let r = a.run(&line);
            out.push(format!("{l} -> {r}"));
        }
        assert_eq!(b.run("GET k"), "$1\r\nv\r\n");
        assert_eq!(b.run("MGET a b c"), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n");
        assert_eq!(b.run("SELECT 1"), OK);
        assert_eq!(b.run("GET p"), "$1\r\nv\r\n");
        out
    };
    let (real_src, real_dst) = (support::redis_server(&[]), support::redis_server(&[]));
    let (our_src, our_dst) = (support::kvlab_server(&[]), support::kvlab_server(&[]));
    let want = run(real_src.port, real_dst.port);
    let got = run(our_src.port, our_dst.port);
    assert_eq!(got, want);
    // The cases the script is about.
    let find = |p: &str| want.iter().find(|l| l.starts_with(p)).unwrap().clone();
    assert!(find("MIGRATE 127.0.0.1 TPORT nokey").ends_with(NOKEY));
    assert!(find("MIGRATE 127.0.0.1 TPORT k 0 5000 COPY ->")
        .ends_with("-ERR Target instance replied with error: NOAUTH Authentication required.\r\n"));
    assert!(find("MIGRATE 127.0.0.1 TPORT k 0 5000 COPY AUTH wrong").contains("WRONGPASS"));
    assert!(find("MIGRATE 127.0.0.1 TPORT k 0 5000 COPY AUTH2 mover s3cret").ends_with(BUSYKEY));
    assert!(find("MIGRATE 127.0.0.1 TPORT k 0 5000 REPLACE").ends_with(OK));
    assert!(find("MIGRATE 127.0.0.1 CLOSED")
        .ends_with("-IOERR error or timeout writing to target instance\r\n"));
    assert!(find("MIGRATE no-such-host")
        .ends_with("-IOERR error or timeout connecting to the client\r\n"));
}

/// A target that accepts the connection and never answers: the MIGRATE's timeout ends
/// the wait, the key stays, and nothing was retried (a timeout is not).
#[test]
fn a_silent_target_times_out() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    for server in [support::kvlab_server(&[]), support::redis_server(&[])] {
        let mut a = Conn::new(server.port);
        a.run("SET k v");
        assert_eq!(
            a.text(&["MIGRATE", "127.0.0.1", &port, "k", "0", "500"]),
            "-IOERR error or timeout reading to target instance\r\n"
        );
        assert_eq!(a.run("EXISTS k"), ":1\r\n");
        assert_eq!(
            a.info_field("migrate_cached_sockets"),
            "migrate_cached_sockets:0"
        );
    }
    drop(silent);
}

/// The source's AOF gets `DEL` for the keys that went (MIGRATE is propagated as DEL).
#[test]
fn migrate_is_propagated_as_del() {
    let src = support::kvlab_server(&["--appendonly", "yes"]);
    let dst = support::kvlab_server(&[]);
    let (mut a, mut b) = (Conn::new(src.port), Conn::new(dst.port));
    a.run("MSET x 1 y 2 z 3");
    b.run("SET y taken");
    let port = dst.port.to_string();
    assert_eq!(
        a.text(&[
            "MIGRATE",
            "127.0.0.1",
            &port,
            "",
            "0",
            "5000",
            "KEYS",
            "x",
            "y",
            "z"
        ]),
        BUSYKEY
    );
    assert_eq!(a.run("EXISTS x y z"), ":1\r\n");
    // The incremental AOF, written before the reply was sent.
    let dir = std::path::Path::new(&support::fresh_dir(src.port)).join("appendonlydir");
    let incr = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().ends_with(".incr.aof"))
        .expect("an incremental AOF");
    let text = String::from_utf8_lossy(&std::fs::read(incr.path()).unwrap()).into_owned();
    assert!(
        text.ends_with("*3\r\n$3\r\nDEL\r\n$1\r\nx\r\n$1\r\nz\r\n"),
        "{text:?}"
    );
    assert!(!text.contains("MIGRATE"), "{text:?}");
}

/// In cluster mode MIGRATE sends RESTORE-ASKING (which KV Lab also answers), between
/// kvlab-server and redis-server both ways; SELECT of another database is the target's
/// refusal, passed on.
#[test]
fn cluster_mode_uses_restore_asking() {
    let ours = support::kvlab_server(&["--cluster-enabled", "yes"]);
    let real = support::redis_server(&["--cluster-enabled", "yes"]);
    let (mut a, mut b) = (Conn::new(ours.port), Conn::new(real.port));
    assert_eq!(b.run("CLUSTER ADDSLOTSRANGE 0 16383"), OK);
    support::await_cluster_ok(real.port);
    support::await_cluster_ok(ours.port);
    a.run("SET {t}k v");
    a.run("RPUSH {t}l x y");
    let (op, rp) = (ours.port.to_string(), real.port.to_string());
    assert_eq!(
        a.text(&[
            "MIGRATE",
            "127.0.0.1",
            &rp,
            "",
            "0",
            "5000",
            "KEYS",
            "{t}k",
            "{t}l"
        ]),
        OK
    );
    assert_eq!(
        b.text(&["LRANGE", "{t}l", "0", "-1"]),
        "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"
    );
    assert_eq!(
        b.text(&["MIGRATE", "127.0.0.1", &op, "{t}k", "0", "5000"]),
        OK
    );
    assert_eq!(a.text(&["GET", "{t}k"]), "$1\r\nv\r\n");
    assert_eq!(
        a.text(&["MIGRATE", "127.0.0.1", &rp, "{t}k", "1", "5000"]),
        "-ERR Target instance replied with error: ERR SELECT is not allowed in cluster mode\r\n"
    );
    assert_eq!(
        a.text(&["RESTORE-ASKING", "{t}k", "0", "x"]).chars().next(),
        Some('-')
    );
}
