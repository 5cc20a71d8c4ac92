//! Persistence against the real redis-server 7.0: values and files go both ways.
//!
//! - DUMP on one server, RESTORE on the other, for every key of a dataset that has every
//!   type and encoding (hash-table hashes and sets, skip lists, multi-node lists, streams
//!   with consumer groups, consumers and pending entries, keys with TTLs): then every key
//!   must read back the same on both (its type, encoding, contents, XINFO STREAM FULL,
//!   whether it has a TTL). Both directions.
//! - SAVE on kvlab-server, `redis-check-rdb` on the file, redis-server started on it: the
//!   same keyspace in every database. And redis-server's SAVE loaded by kvlab-server.
//! - BGSAVE writes a file redis-server loads, while clients are served; INFO follows it.
//! - SHUTDOWN [NOSAVE|SAVE]: no reply, exit code 0, and what the next start finds, the
//!   same on both servers.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::keyspace::*;

use std::process::Command;

/// DUMP every key of `from`, RESTORE it on `to` (with its TTL), compare every key.
fn dump_across(from: u16, to: u16) -> usize {
    let mut a = Conn::new(from);
    let mut b = Conn::new(to);
    let keys = a.keys();
    assert!(keys.len() > 20, "the dataset is there");
    for k in &keys {
        let payload = a.bulk(&["DUMP", k]).expect("the key exists");
        let pttl = String::from_utf8_lossy(&a.cmd(&format!("PTTL {k}"))).into_owned();
        let ttl: i64 = pttl.trim().trim_start_matches(':').parse().unwrap();
        let ttl = ttl.max(0).to_string();
        let r = b.raw(&[
            b"RESTORE".as_slice(),
            k.as_bytes(),
            ttl.as_bytes(),
            &payload,
        ]);
        assert_eq!(
            r,
            b"+OK\r\n",
            "RESTORE {k}: {}",
            String::from_utf8_lossy(&r)
        );
        // The restored value dumps to the same payload (hash tables aside: their order is
        // each server's own).
        let enc = String::from_utf8_lossy(&b.cmd(&format!("OBJECT ENCODING {k}"))).into_owned();
        if !enc.contains("hashtable") {
            assert_eq!(
                b.bulk(&["DUMP", k]).unwrap(),
                payload,
                "DUMP of restored {k}"
            );
        }
    }
    for k in &keys {
        assert_same(&describe(&mut a, k, false), &describe(&mut b, k, false));
    }
    keys.len()
}

#[test]
fn dump_payloads_restore_across_both_servers() {
    let redis = support::redis_server(&[]);
    let kv = support::kvlab_server(&[]);
    load(&mut Conn::new(redis.port), &dataset());
    load(&mut Conn::new(kv.port), &dataset());
    let redis2 = support::redis_server(&[]);
    let kv2 = support::kvlab_server(&[]);
    let n1 = dump_across(redis.port, kv2.port);
    let n2 = dump_across(kv.port, redis2.port);
    assert_eq!(n1, n2);
    // What each server restored, encodings and all, is the same.
    let (mut a, mut b) = (Conn::new(kv2.port), Conn::new(redis2.port));
    // (The two datasets were made at different moments: times are masked.)
    for k in a.keys() {
        assert_same(
            &mask_times(&describe(&mut a, &k, true)),
            &mask_times(&describe(&mut b, &k, true)),
        );
    }
}

fn check_rdb(path: &std::path::Path) {
    let bin = support::which("redis-check-rdb").expect("redis-check-rdb is installed");
    let out = Command::new(bin).arg(path).output().expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("RDB looks OK!"),
        "{text}"
    );
}

fn fresh_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kvlab-persist-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn all_dbs(port: u16) -> String {
    let mut c = Conn::new(port);
    // The library travelled in the file (a FUNCTION2 record).
    assert_eq!(c.cmd("FCALL answer 0"), b":42\r\n");
    let mut out = String::new();
    for db in [0, 3] {
        c.cmd(&format!("SELECT {db}"));
        for k in c.keys() {
            out.push_str(&format!("db{db} {}\n", describe(&mut c, &k, false)));
        }
    }
    out
}

const LIBRARY: &str =
    "#!lua name=persisted\nredis.register_function('answer', function(keys, args) return 42 end)";

fn load_two_dbs(port: u16) {
    let mut c = Conn::new(port);
    assert_eq!(
        c.raw(&["FUNCTION", "LOAD", LIBRARY]),
        b"$9\r\npersisted\r\n"
    );
    load(&mut c, &dataset());
    c.cmd("SELECT 3");
    load(
        &mut c,
        &["SET other:db three".into(), "RPUSH other:list x y".into()],
    );
}

#[test]
fn rdb_files_load_across_both_servers() {
    // kvlab-server writes, redis-check-rdb accepts, redis-server loads.
    let dir = fresh_dir("kv");
    let d = dir.to_str().unwrap();
    let kv = support::kvlab_server(&["--dir", d]);
    load_two_dbs(kv.port);
    assert_eq!(Conn::new(kv.port).cmd("SAVE"), b"+OK\r\n");
    check_rdb(&dir.join("dump.rdb"));
    let redis = support::redis_server(&["--dir", d]);
    let want = all_dbs(kv.port);
    assert!(want.len() > 1000);
    assert_same(&all_dbs(redis.port), &want);

    // redis-server writes, kvlab-server loads.
    let dir2 = fresh_dir("redis");
    let d2 = dir2.to_str().unwrap();
    let redis2 = support::redis_server(&["--dir", d2]);
    load_two_dbs(redis2.port);
    assert_eq!(Conn::new(redis2.port).cmd("SAVE"), b"+OK\r\n");
    let kv2 = support::kvlab_server(&["--dir", d2]);
    assert_same(&all_dbs(kv2.port), &all_dbs(redis2.port));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}

#[test]
fn bgsave_writes_a_file_that_redis_server_loads() {
    let dir = fresh_dir("bg");
    let d = dir.to_str().unwrap();
    let kv = support::kvlab_server(&["--dir", d, "--dbfilename", "bg.rdb"]);
    let mut c = Conn::new(kv.port);
    load(&mut c, &dataset());
    let info = String::from_utf8_lossy(&c.cmd("INFO persistence")).into_owned();
    assert!(!info.contains("rdb_changes_since_last_save:0\r"), "{info}");
    assert!(info.contains("rdb_saves:0\r"), "{info}");
    let before = String::from_utf8_lossy(&c.cmd("LASTSAVE")).into_owned();
    assert_eq!(c.cmd("BGSAVE"), b"+Background saving started\r\n");
    // Wait for it through INFO (no sleeps of fixed length: poll the state).
    loop {
        let info = String::from_utf8_lossy(&c.cmd("INFO persistence")).into_owned();
        if info.contains("rdb_bgsave_in_progress:0") {
            assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");
            assert!(info.contains("rdb_changes_since_last_save:0\r"), "{info}");
            assert!(info.contains("rdb_saves:1\r"), "{info}");
            break;
        }
        assert_eq!(c.cmd("PING"), b"+PONG\r\n");
    }
    // The save took its image where Redis forks: counted (with the time it took, which
    // may round to 0 µs on a small dataset), and cleared by CONFIG RESETSTAT.
    let stats = String::from_utf8_lossy(&c.cmd("INFO stats")).into_owned();
    assert!(stats.contains("total_forks:1\r"), "{stats}");
    assert!(stats.contains("latest_fork_usec:"), "{stats}");
    c.cmd("CONFIG RESETSTAT");
    let stats = String::from_utf8_lossy(&c.cmd("INFO stats")).into_owned();
    assert!(stats.contains("total_forks:0\r"), "{stats}");
    assert!(stats.contains("latest_fork_usec:0\r"), "{stats}");
    // LASTSAVE is the end of the save, in seconds: never before the start time.
    let after = String::from_utf8_lossy(&c.cmd("LASTSAVE")).into_owned();
    let secs = |s: &str| s.trim().trim_start_matches(':').parse::<i64>().unwrap();
    assert!(secs(&after) >= secs(&before));
    check_rdb(&dir.join("bg.rdb"));
    let redis = support::redis_server(&["--dir", d, "--dbfilename", "bg.rdb"]);
    let mut r = Conn::new(redis.port);
    let keys = c.keys();
    assert_eq!(r.keys(), keys);
    for k in &keys {
        assert_same(&describe(&mut r, k, false), &describe(&mut c, k, false));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What SHUTDOWN leaves for the next start, on one kind of server: each step's replies
/// and exit codes as text.
fn shutdown_story(start: &dyn Fn(&str) -> support::Server, tag: &str) -> String {
    use std::io::Read;
    let dir = fresh_dir(tag);
    let d = dir.to_str().unwrap();
    let mut out = String::new();
    let shut = |srv: &mut support::Server, how: &str, out: &mut String| {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
        let argv: Vec<&str> = how.split(' ').collect();
        std::io::Write::write_all(&mut s, &support::encode(&argv)).unwrap();
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        out.push_str(&format!(
            "{how}: reply {:?}, exit {:?}\n",
            String::from_utf8_lossy(&got),
            srv.wait_exit()
        ));
    };
    let mut srv = start(d);
    let mut c = Conn::new(srv.port);
    out.push_str(&format!(
        "{:?}\n",
        String::from_utf8_lossy(&c.cmd("SET a 1"))
    ));
    out.push_str(&format!("{:?}\n", String::from_utf8_lossy(&c.cmd("SAVE"))));
    c.cmd("SET b 2");
    out.push_str(&format!(
        "{:?}\n",
        String::from_utf8_lossy(&c.cmd("SHUTDOWN ABORT"))
    ));
    out.push_str(&format!(
        "{:?}\n",
        String::from_utf8_lossy(&c.cmd("SHUTDOWN NOSAVE SAVE"))
    ));
    shut(&mut srv, "SHUTDOWN NOSAVE", &mut out);
    let mut srv = start(d);
    let mut c = Conn::new(srv.port);
    out.push_str(&format!(
        "after NOSAVE {:?}\n",
        String::from_utf8_lossy(&c.cmd("EXISTS a b"))
    ));
    c.cmd("SET c 3");
    shut(&mut srv, "SHUTDOWN SAVE", &mut out);
    let srv = start(d);
    let mut c = Conn::new(srv.port);
    out.push_str(&format!(
        "after SAVE {:?}\n",
        String::from_utf8_lossy(&c.cmd("EXISTS a b c"))
    ));
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn shutdown_saves_and_exits_as_redis_server_does() {
    let redis = shutdown_story(
        &|d| support::redis_server(&["--dir", d, "--save", ""]),
        "shut-redis",
    );
    let kvlab = shutdown_story(
        &|d| support::kvlab_server(&["--dir", d, "--save", ""]),
        "shut-kv",
    );
    assert!(redis.contains("after SAVE \":2\\r\\n\""), "{redis}");
    assert_eq!(kvlab, redis);
}

/// A slow load (`key-load-delay`, Redis's test hook) serves clients meanwhile, as
/// redis-server does with a small `loading-process-events-interval-bytes`: INFO says
/// `loading:1`, commands not flagged `loading` get LOADING (a transaction is aborted),
/// CONFIG SET of a deny-loading parameter (`dir`) gets LOADING while `loglevel` may
/// change, and SIGTERM stops the server at once without saving. The load is made to
/// last far longer than the test (200 ms per key, 1,000 keys), so nothing depends on
/// speed: the same replies from both servers, the file unchanged after.
#[test]
fn a_slow_load_serves_clients_with_loading_errors() {
    let dir = fresh_dir("slow-load");
    let d = dir.to_str().unwrap();
    {
        let kv = support::kvlab_server(&["--dir", d, "--enable-debug-command", "yes"]);
        let mut c = Conn::new(kv.port);
        // Keys of about 1 KB: Redis looks at its clients after each one.
        assert_eq!(c.cmd("DEBUG POPULATE 1000 key 1024"), b"+OK\r\n");
        assert_eq!(c.cmd("SAVE"), b"+OK\r\n");
    }
    let file = dir.join("dump.rdb");
    let before = std::fs::read(&file).unwrap();
    let script = [
        "INFO persistence",
        "GET key:1",
        "PING",
        "CONFIG SET dir /tmp",
        "CONFIG SET appendonly yes",
        "CONFIG SET loglevel warning",
        "CONFIG GET loglevel",
        "MULTI",
        "GET key:1",
        "EXEC",
    ];
    let flags = [
        "--dir",
        d,
        "--key-load-delay",
        "200000",
        "--loading-process-events-interval-bytes",
        "1024",
        "--save",
        "900 1",
    ];
    let mut transcripts = Vec::new();
    for mut server in [support::redis_server(&flags), support::kvlab_server(&flags)] {
        let mut c = Conn::new(server.port);
        let mut t = Vec::new();
        for line in script {
            let r = String::from_utf8_lossy(&c.cmd(line)).into_owned();
            // Of INFO persistence, the loading line.
            t.push(match r.lines().find(|l| l.starts_with("loading:")) {
                Some(l) => l.to_string(),
                None => r,
            });
        }
        transcripts.push(t);
        let pid = server.pid().to_string();
        assert!(Command::new("kill").arg(&pid).status().unwrap().success());
        assert_eq!(
            server.wait_exit(),
            Some(0),
            "exits on SIGTERM while loading"
        );
        assert!(std::fs::read(&file).unwrap() == before, "nothing saved");
    }
    assert_eq!(transcripts[1], transcripts[0]);
    assert_eq!(transcripts[1][0], "loading:1");
    assert!(
        transcripts[1][1].starts_with("-LOADING"),
        "{:?}",
        transcripts[1]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
