//! CONFIG against redis-server 7.0.15 in the same run: the whole parameter table (CONFIG
//! GET * as sorted pairs, both servers started with the same flags), CONFIG SET's errors
//! byte for byte, the configuration file (`kvlab-server redis.conf --name value`) and
//! its FATAL CONFIG FILE ERROR report, and CONFIG SET port / bind re-binding the
//! listener with the rollback on a port in use.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use support::{
    kvlab_server, kvlab_server_conf, redis_cli, redis_server, redis_server_conf, transcript, which,
};

/// The flags both servers get (redis_server adds the same ones).
const FLAGS: &[&str] = &[
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "no",
    "--logfile",
    "",
];

/// Values that depend on the run, not on the server: the port and directory each was
/// given.
const PER_RUN: &[&str] = &["port", "dir"];

fn config_all(port: u16) -> BTreeMap<String, String> {
    let out = redis_cli(port, "CONFIG GET *\n", &["--raw"]);
    let lines: Vec<&str> = out.split('\n').collect();
    let mut map = BTreeMap::new();
    for pair in lines.chunks(2) {
        if let [k, v] = pair {
            map.insert(k.to_string(), v.to_string());
        }
    }
    map
}

#[test]
fn config_get_all_matches_redis() {
    let r = redis_server(&[]);
    let k = kvlab_server(FLAGS);
    let mut rmap = config_all(r.port);
    let mut kmap = config_all(k.port);
    assert!(
        rmap.len() > 190,
        "redis-server listed {} parameters",
        rmap.len()
    );
    // KV Lab's own parameter, not Redis's.
    assert_eq!(kmap.remove("kvlab-max-value-bytes").as_deref(), Some("0"));
    for name in PER_RUN {
        assert!(rmap.remove(*name).is_some(), "redis lacks {name}");
        assert!(kmap.remove(*name).is_some(), "kvlab lacks {name}");
    }
    let missing: Vec<_> = rmap.keys().filter(|n| !kmap.contains_key(*n)).collect();
    let extra: Vec<_> = kmap.keys().filter(|n| !rmap.contains_key(*n)).collect();
    assert!(missing.is_empty(), "kvlab-server lacks {missing:?}");
    assert!(extra.is_empty(), "kvlab-server has more: {extra:?}");
    let differ: Vec<_> = rmap
        .iter()
        .filter(|(n, v)| kmap.get(*n) != Some(*v))
        .map(|(n, v)| format!("{n}: redis {v:?}, kvlab {:?}", kmap[n]))
        .collect();
    assert!(differ.is_empty(), "defaults differ:\n{}", differ.join("\n"));
    // Hidden parameters answer to their exact name only.
    for port in [r.port, k.port] {
        let t = redis_cli(
            port,
            "CONFIG GET rdb-key-save-delay\nCONFIG GET *key-save*\n",
            &[],
        );
        assert!(t.contains("rdb-key-save-delay"), "{t}");
        assert!(t.ends_with("(empty array)\n"), "{t}");
    }
}

/// CONFIG SET errors and odd values, run in this order on each server.
const SET_CASES: &str = r#"
CONFIG SET daemonize yes
CONFIG SET maxmemory abc
CONFIG SET maxmemory -1
CONFIG SET maxmemory 10mb maxmemory 5mb
CONFIG SET port abc
CONFIG SET port 70000
CONFIG SET hz -1
CONFIG SET loglevel loud
CONFIG SET loglevel WARNING
CONFIG GET loglevel
CONFIG SET loglevel notice
CONFIG SET maxmemory-policy foo
CONFIG SET appendfsync sometimes
CONFIG SET activerehashing maybe
CONFIG SET lua-time-limit abc
CONFIG SET LUA-TIME-LIMIT abc
CONFIG SET hash-max-ziplist-entries -1
CONFIG SET list-max-ziplist-size x
CONFIG SET maxmemory-clients 10%
CONFIG GET maxmemory-clients
CONFIG SET maxmemory-clients 101%
CONFIG SET maxmemory-clients abc
CONFIG SET maxmemory-clients 1mb
CONFIG GET maxmemory-clients
CONFIG SET maxmemory-clients 0
CONFIG SET unixsocketperm 777
CONFIG SET shutdown-on-sigint "nosave now"
CONFIG GET shutdown-on-sigint
CONFIG SET shutdown-on-sigint "save nosave"
CONFIG SET shutdown-on-sigint bogus
CONFIG SET shutdown-on-sigint ""
CONFIG SET shutdown-on-sigint default
CONFIG SET oom-score-adj relative
CONFIG GET oom-score-adj
CONFIG SET oom-score-adj no
CONFIG SET oom-score-adj-values "1 2"
CONFIG SET oom-score-adj-values "1 2 x"
CONFIG SET oom-score-adj-values "1 2 3000"
CONFIG SET latency-tracking-info-percentiles "50 101"
CONFIG SET latency-tracking-info-percentiles "50 abc"
CONFIG SET latency-tracking-info-percentiles "50.5 99"
CONFIG GET latency-tracking-info-percentiles
CONFIG SET latency-tracking-info-percentiles ""
CONFIG GET latency-tracking-info-percentiles
CONFIG SET latency-tracking-info-percentiles "50 99 99.9"
CONFIG SET save "100"
CONFIG SET save "100 x"
CONFIG SET save "0 1"
CONFIG SET save "100 10 200 20"
CONFIG GET save
CONFIG SET save ""
CONFIG SET dbfilename a/b
CONFIG SET dir /tmp
CONFIG SET replicaof "127.0.0.1 6379"
CONFIG SET slaveof "no one"
CONFIG SET bind "a b c d e f g h i j k l m n o p q"
CONFIG SET cluster-announce-hostname "bad_host"
CONFIG SET proc-title-template "{foo}"
CONFIG SET proc-title-template "{title"
CONFIG SET proc-title-template "{title} {listen-addr} {server-mode}"
CONFIG SET nosuch 1
CONFIG SET maxmemory 1 nosuch 2
CONFIG SET maxmemory abc daemonize yes
CONFIG SET daemonize yes maxmemory abc
CONFIG SET maxmemory 1 maxmemory 2
CONFIG SET maxmemory 1 MAXMEMORY 2
CONFIG SET requirepass
CONFIG SET maxclients 0
CONFIG SET tls-auth-clients maybe
CONFIG SET notify-keyspace-events Q
CONFIG SET client-output-buffer-limit "foo 1 2 3"
CONFIG SET client-output-buffer-limit "normal 1 2"
CONFIG SET watchdog-period 0
CONFIG SET io-threads 2
CONFIG SET appendfilename x
CONFIG SET sanitize-dump-payload clients
CONFIG GET sanitize-dump-payload
CONFIG SET sanitize-dump-payload no
CONFIG SET slave-read-only no replica-read-only yes
CONFIG SET slave-read-only no
CONFIG GET replica-read-only
CONFIG SET replica-read-only yes
CONFIG SET tracking-table-max-keys -5
CONFIG SET active-defrag-cycle-min 100
CONFIG SET repl-backlog-size 0
CONFIG SET syslog-facility local9
"#;

#[test]
fn config_set_errors_match_redis() {
    let r = redis_server(&[]);
    let k = kvlab_server(FLAGS);
    let lines = support::commands(SET_CASES);
    let want = transcript(r.port, &lines, &[]);
    let got = transcript(k.port, &lines, &[]);
    assert!(want.contains("can't set immutable config"), "{want}");
    if want != got {
        let first = want
            .lines()
            .zip(got.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("redis: {a}\nkvlab: {b}"));
        panic!("CONFIG SET differs from redis-server; first difference:\n{first:?}\n\n--- kvlab ---\n{got}");
    }
}

fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kvlab-config-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write config file");
    p.to_string_lossy().into_owned()
}

/// stderr and the exit code of a server that must refuse its configuration.
fn refused(bin: &str, args: &[&str]) -> (String, Option<i32>) {
    let out = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run server");
    (
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn bad_config_files_are_refused_as_redis_does() {
    let redis = which("redis-server").expect("redis-server is not installed");
    let kvlab = env!("CARGO_BIN_EXE_kvlab-server");
    let bad_value = temp_file("bad-value.conf", "port 1\nmaxmemory abc\n");
    let bad_name = temp_file("bad-name.conf", "# comment\n\nfoo bar\n");
    let bad_save = temp_file("bad-save.conf", "save 900\n");
    let arity = temp_file("arity.conf", "port 1 2\n");
    let quotes = temp_file("quotes.conf", "dbfilename \"x.rdb\n");
    let include = temp_file("include.conf", &format!("include {bad_value}\n"));
    let no_such = temp_file("rename-nosuch.conf", "rename-command nosuch x\n");
    let taken = temp_file("rename-taken.conf", "rename-command get set\n");
    let twice = temp_file(
        "rename-twice.conf",
        "rename-command get g2\nrename-command get g3\n",
    );
    let cases: Vec<Vec<&str>> = vec![
        vec![&no_such],
        vec![&taken],
        vec![&twice],
        vec!["--port", "1", "--rename-command", "get"],
        vec![&bad_value],
        vec![&bad_name],
        vec![&bad_save],
        vec![&arity],
        vec![&quotes],
        vec![&include],
        vec!["--port", "1", "--maxmemory", "abc"],
        vec!["--port", "1", "--appendfsync", "sometimes"],
        vec![&bad_name, "--port", "1"],
        vec!["--port", "1", "--user", "foo", "--user", "foo"],
        vec!["--port", "1", "--save", "--shutdown-on-sigint"],
    ];
    for args in cases {
        let want = refused(&redis, &args);
        let got = refused(kvlab, &args);
        assert_eq!(want.1, Some(1), "redis-server {args:?}");
        assert!(want.0.contains("FATAL CONFIG FILE ERROR"), "{}", want.0);
        assert_eq!(got, want, "kvlab-server {args:?}");
    }
}

#[test]
fn config_file_with_options_on_top() {
    let dir = std::env::temp_dir().join(format!("kvlab-config-dir-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let extra = temp_file(
        "extra.conf",
        "maxmemory-policy allkeys-lru\nclient-output-buffer-limit pubsub 1mb 512kb 30\n",
    );
    let pidfile = dir.join("kvlab.pid").to_string_lossy().into_owned();
    let conf = temp_file(
        "main.conf",
        &format!(
            "# a comment\n  maxmemory 1mb\nsave 900 1\nsave \"300 10\"\nbind 127.0.0.1 -::1\n\
             include {extra}\nhz 20\nnotify-keyspace-events KEA\npidfile {pidfile}\n\
             slave-serve-stale-data no\nuser alice on >pw ~* +@all\n"
        ),
    );
    let k = kvlab_server_conf(Some(&conf), &["--hz", "15", "--save", "60", "5"]);
    // The pidfile is there while it runs.
    let pid = std::fs::read_to_string(&pidfile).expect("pidfile written");
    assert_eq!(pid.trim(), k.pid().to_string());
    let t = redis_cli(
        k.port,
        "CONFIG GET maxmemory\nCONFIG GET save\nCONFIG GET bind\nCONFIG GET maxmemory-policy\n\
         CONFIG GET client-output-buffer-limit\nCONFIG GET hz\nCONFIG GET notify-keyspace-events\n\
         CONFIG GET replica-serve-stale-data\nACL LIST\n",
        &["--raw"],
    );
    let want = [
        "maxmemory\n1048576\n",
        // Every save line adds its points, the command line's too (as in Redis).
        "save\n900 1 300 10 60 5\n",
        "bind\n127.0.0.1 -::1\n",
        "maxmemory-policy\nallkeys-lru\n",
        "pubsub 1048576 524288 30",
        "hz\n15\n",
        "notify-keyspace-events\nAKE\n",
        "replica-serve-stale-data\nno\n",
        "user alice on",
    ];
    for w in want {
        assert!(t.contains(w), "missing {w:?} in\n{t}");
    }
    // A kvlab-server and a redis-server read the same file the same way.
    let plain = temp_file(
        "plain.conf",
        "maxmemory 2mb\nsave 900 1\nsave 300 10\nlatency-tracking-info-percentiles \"50 99\"\n\
         oom-score-adj-values 0 100 200\nshutdown-on-sigterm nosave now\nloglevel warning\n",
    );
    let r = redis_server_conf(Some(&plain), &[]);
    let k2 = kvlab_server_conf(Some(&plain), &[]);
    let keys = "CONFIG GET maxmemory\nCONFIG GET latency-tracking-info-percentiles\n\
                CONFIG GET oom-score-adj-values\nCONFIG GET shutdown-on-sigterm\nCONFIG GET loglevel\n";
    assert_eq!(redis_cli(k2.port, keys, &[]), redis_cli(r.port, keys, &[]));
}

#[test]
fn config_set_port_rebinds_and_rolls_back() {
    let k = kvlab_server(&[]);
    let taken = redis_server(&[]);
    let new_port = support::free_port();
    // A port in use: refused, and nothing of the CONFIG SET stays.
    let t = redis_cli(
        k.port,
        &format!("CONFIG SET maxmemory 10000001 port {} client-query-buffer-limit 10m\nCONFIG GET maxmemory\nCONFIG GET port\nPING\n", taken.port),
        &[],
    );
    assert!(
        t.starts_with("(error) ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\n"),
        "{t}"
    );
    assert!(t.contains("\"maxmemory\"\n2) \"0\""), "{t}");
    assert!(t.contains(&format!("\"port\"\n2) \"{}\"", k.port)), "{t}");
    assert!(t.ends_with("PONG\n"), "{t}");
    // A free port: the server answers there, and no more on the old one.
    let t = redis_cli(k.port, &format!("CONFIG SET port {new_port}\n"), &[]);
    assert_eq!(t, "OK\n");
    assert_eq!(redis_cli(new_port, "PING\n", &[]), "PONG\n");
    assert!(std::net::TcpStream::connect(("127.0.0.1", k.port)).is_err());
    // A bad bind address: refused, still listening where it was.
    let t = redis_cli(new_port, "CONFIG SET bind 999.999.999.999\nPING\n", &[]);
    assert_eq!(
        t,
        "(error) ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\nPONG\n"
    );
    let t = redis_cli(
        new_port,
        "CONFIG SET bind \"127.0.0.1 -::1\"\nPING\nCONFIG GET bind\n",
        &[],
    );
    assert_eq!(t, "OK\nPONG\n1) \"bind\"\n2) \"127.0.0.1 -::1\"\n");
}

/// After a failed BGSAVE (a directory nothing can be written in), with save points set
/// and `stop-writes-on-bgsave-error yes`, writes and PING get Redis's MISCONF; reads go
/// on; turning the option off lets writes in again.
#[test]
fn failed_bgsave_stops_writes_as_redis_does() {
    let flags = ["--enable-protected-configs", "yes", "--save", "900 1"];
    let r = redis_server(&flags);
    let k = kvlab_server(&flags);
    let mut outs = Vec::new();
    for port in [r.port, k.port] {
        let t = redis_cli(port, "SET a 1\nCONFIG SET dir /proc\nBGSAVE\n", &[]);
        assert!(t.starts_with("OK\nOK\n"), "{t}");
        // Wait for the background save to end (it fails at once).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let info = redis_cli(port, "INFO persistence\n", &[]);
            if info.contains("rdb_bgsave_in_progress:0")
                && info.contains("rdb_last_bgsave_status:err")
            {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{info}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        outs.push(redis_cli(
            port,
            "SET b 2\nPING\nGET a\nCONFIG SET stop-writes-on-bgsave-error no\nSET b 2\n",
            &[],
        ));
    }
    assert!(
        outs[0].contains("MISCONF Redis is configured to save RDB snapshots"),
        "{}",
        outs[0]
    );
    assert_eq!(outs[1], outs[0]);
}

/// A server started as `bin FILE ARGS --port P --dir D` (no `--save` of ours), for the
/// default save points; killed when dropped.
struct Started(std::process::Child, u16);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_plain(bin: &str, file: &str, args: &[&str]) -> Started {
    let port = support::free_port();
    let p = port.to_string();
    let dir = support::fresh_dir(port);
    let mut child = Command::new(bin)
        .arg(file)
        .args(args)
        .args(["--port", &p, "--dir", &dir, "--logfile", ""])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{bin} did not start");
        assert!(child.try_wait().unwrap().is_none(), "{bin} exited");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Started(child, port)
}

/// redis-server's default save points (`3600 1 300 100 60 10000`), replaced by the
/// first `save` line and added to by the next ones, reset by `save ""`; CONFIG REWRITE
/// writes `save ""` for none. The introspection test "CONFIG save params special case"
/// and "CONFIG REWRITE handles save and shutdown properly", on both servers.
#[test]
fn default_save_points_are_redis_servers() {
    let redis = which("redis-server").expect("redis-server is not installed");
    let kvlab = env!("CARGO_BIN_EXE_kvlab-server");
    let minimal = temp_file("minimal-save.conf", "bind 127.0.0.1\n");
    let with_save = temp_file("default-save.conf", "bind 127.0.0.1\nsave 900 1\n");
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (&minimal, vec![], "3600 1 300 100 60 10000"),
        (&minimal, vec!["--save", "100 100"], "100 100"),
        (&with_save, vec![], "900 1"),
        (&with_save, vec!["--save", "100", "100"], "900 1 100 100"),
        (&with_save, vec!["--save", ""], ""),
    ];
    for (file, args, want) in cases {
        for bin in [redis.as_str(), kvlab] {
            let s = start_plain(bin, file, &args);
            let got = redis_cli(s.1, "CONFIG GET save\n", &["--raw"]);
            assert_eq!(got, format!("save\n{want}\n"), "{bin} {file} {args:?}");
        }
    }
    // CONFIG REWRITE of no save points, then a restart from the file: still none.
    for bin in [redis.as_str(), kvlab] {
        let file = temp_file(
            &format!("rewrite-save-{}.conf", bin.len()),
            "bind 127.0.0.1\n",
        );
        let s = start_plain(bin, &file, &[]);
        redis_cli(s.1, "CONFIG SET save \"\"\nCONFIG REWRITE\n", &[]);
        drop(s);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.lines().any(|l| l == "save \"\""), "{bin}: {text}");
        let s = start_plain(bin, &file, &[]);
        let got = redis_cli(s.1, "CONFIG GET save\n", &["--raw"]);
        assert_eq!(got, "save\n\n", "{bin}");
    }
}

/// `rename-command` in a config file (and on the command line), as redis-server: a new
/// name runs the command, the old one is unknown (to clients and scripts), `""`
/// disables it, COMMAND INFO knows it by its new name, and CONFIG REWRITE keeps the
/// directive, so a restart from the file still has it (introspection's "CONFIG REWRITE
/// handles rename-command properly").
#[test]
fn rename_command_as_redis_does() {
    let file = temp_file(
        "rename.conf",
        "rename-command flushdb badger\nrename-command config \"\"\nrename-command get g2\n\
         rename-command g2 g3\n",
    );
    let script: Vec<String> = [
        "FLUSHDB",
        "BADGER",
        "SET a 1",
        "G3 a",
        "G2 a",
        "GET a",
        "CONFIG GET port",
        "EVAL \"return redis.call('g3','a')\" 0",
        "EVAL \"return redis.call('get','a')\" 0",
        "MULTI",
        "G3 a",
        "GET a",
        "EXEC",
        "COMMAND INFO g3 get",
        "COMMAND LIST FILTERBY PATTERN conf*",
        "COMMAND LIST FILTERBY PATTERN flushd*",
        "COMMAND INFO config",
        "ACL SETUSER u on nopass ~* +@all -get",
        "AUTH u x",
        "G3 a",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let r = redis_server_conf(Some(&file), &["--rename-command", "ping", "p1"]);
    let k = kvlab_server_conf(Some(&file), &["--rename-command", "ping", "p1"]);
    let mut lines = script.clone();
    lines.push("P1".into());
    lines.push("PING".into());
    let want = transcript(r.port, &lines, &[]);
    assert_eq!(transcript(k.port, &lines, &[]), want);
    assert!(want.contains("> BADGER\nOK\n"), "{want}");
    // COMMAND COUNT: one fewer (CONFIG is disabled; the renamed ones still count). KV
    // Lab has more commands than redis-server (the probabilistic family), so only the
    // difference is compared.
    let count = |port: u16| -> i64 {
        let out = redis_cli(port, "COMMAND COUNT\n", &[]);
        out.trim().trim_start_matches("(integer) ").parse().unwrap()
    };
    let (r0, k0) = (redis_server(&[]), kvlab_server(&[]));
    assert_eq!(count(r.port) - count(r0.port), -1);
    assert_eq!(count(k.port) - count(k0.port), -1);

    // CONFIG REWRITE keeps the directive; a restart from the file has it.
    for (i, start) in [
        (
            0,
            redis_server_conf as fn(Option<&str>, &[&str]) -> support::Server,
        ),
        (1, kvlab_server_conf),
    ] {
        let file = temp_file(
            &format!("rename-rewrite-{i}.conf"),
            "rename-command flushdb badger\n",
        );
        let s = start(Some(&file), &[]);
        assert_eq!(redis_cli(s.port, "CONFIG REWRITE\n", &[]), "OK\n");
        drop(s);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("rename-command flushdb badger\n"),
            "{text}"
        );
        let s = start(Some(&file), &[]);
        let t = redis_cli(s.port, "FLUSHDB\nBADGER\n", &[]);
        assert!(t.contains("ERR unknown command 'FLUSHDB'"), "{t}");
        assert!(t.ends_with("OK\n"), "{t}");
    }
}
