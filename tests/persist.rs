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

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::process::Command;

struct Conn {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Conn {
    fn new(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        Conn {
            w: s.try_clone().unwrap(),
            r: BufReader::new(s),
        }
    }

    fn raw<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Vec<u8> {
        self.w.write_all(&support::encode(argv)).unwrap();
        let mut out = Vec::new();
        support::read_reply(&mut self.r, &mut out).unwrap();
        out
    }

    fn cmd(&mut self, line: &str) -> Vec<u8> {
        let argv: Vec<&str> = line.split_whitespace().collect();
        self.raw(&argv)
    }

    /// A bulk reply's payload (None for a nil).
    fn bulk<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Option<Vec<u8>> {
        let r = self.raw(argv);
        if r.starts_with(b"$-1") {
            return None;
        }
        assert_eq!(
            r[0],
            b'$',
            "not a bulk reply: {}",
            String::from_utf8_lossy(&r)
        );
        let nl = r.windows(2).position(|w| w == b"\r\n").unwrap();
        Some(r[nl + 2..r.len() - 2].to_vec())
    }

    /// The lines of a flat array reply's items (sorted when the order is the table's).
    fn items(&mut self, line: &str, sorted: bool) -> Vec<String> {
        let r = String::from_utf8_lossy(&self.cmd(line)).into_owned();
        let mut v: Vec<String> = r
            .split("\r\n")
            .filter(|l| !l.starts_with('$') && !l.starts_with('*'))
            .map(String::from)
            .collect();
        if sorted {
            v.sort();
        }
        v
    }

    fn keys(&mut self) -> Vec<String> {
        self.items("KEYS *", true)
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect()
    }
}

/// Everything observable about one key, in a form both servers must print alike. A
/// string's encoding is left out unless `string_enc`: loading re-encodes a string as
/// SET would (PFADD's raw string comes back embstr, on both servers).
fn describe(c: &mut Conn, key: &str, string_enc: bool) -> String {
    let t = String::from_utf8_lossy(&c.cmd(&format!("TYPE {key}"))).into_owned();
    let mut enc = String::from_utf8_lossy(&c.cmd(&format!("OBJECT ENCODING {key}"))).into_owned();
    if t.trim() == "+string" && !string_enc {
        enc = "(string)".into();
    }
    let ttl = String::from_utf8_lossy(&c.cmd(&format!("PTTL {key}"))).into_owned();
    let has_ttl = !ttl.starts_with(":-");
    let body = match t.trim() {
        "+string" => vec![String::from_utf8_lossy(&c.cmd(&format!("GET {key}"))).into_owned()],
        "+list" => c.items(&format!("LRANGE {key} 0 -1"), false),
        "+set" => c.items(&format!("SMEMBERS {key}"), true),
        "+zset" => c.items(&format!("ZRANGE {key} 0 -1 WITHSCORES"), false),
        "+hash" => {
            let v = c.items(&format!("HGETALL {key}"), false);
            let mut pairs: Vec<String> = v.chunks(2).map(|p| p.join("=")).collect();
            pairs.sort();
            pairs
        }
        "+stream" => {
            let mut v = c.items(&format!("XRANGE {key} - +"), false);
            v.push(
                String::from_utf8_lossy(&c.cmd(&format!("XINFO STREAM {key} FULL"))).into_owned(),
            );
            v
        }
        other => panic!("unexpected type {other} for {key}"),
    };
    format!(
        "{key} {} {} ttl:{has_ttl}\n{}",
        t.trim(),
        enc.trim(),
        body.join("\n")
    )
}

/// The dataset: every type and encoding, TTLs, consumer groups with pending entries.
fn dataset() -> Vec<String> {
    let mut c: Vec<String> = vec![
        "SET s:int 12345".into(),
        "SET s:neg -9223372036854775808".into(),
        "SET s:emb hello".into(),
        format!("SET s:raw {}", "r".repeat(100)),
        format!("SET s:lzf {}", "abcabcabd".repeat(40)),
        "SET s:ttl volatile EX 1000".into(),
        "PFADD s:hll a b c d e".into(),
        "SETBIT s:bits 1000 1".into(),
        "RPUSH l:small a 1 b 2 c -3".into(),
        "SADD set:int 1 2 3 -5 70000".into(),
        "SADD set:str a b c d".into(),
        "ZADD z:lp 1 a 2.5 b -3 c inf d".into(),
        "HSET h:lp f1 v1 f2 2".into(),
        format!("HSET h:long f {}", "v".repeat(100)),
        "XADD x:plain 1-1 a 1".into(),
        "XADD x:plain 2-1 a 2 b 3".into(),
        "XADD x:g 1-0 f v".into(),
        "XADD x:g 2-0 f w".into(),
        "XADD x:g 3-0 g x".into(),
        "XADD x:g 4-0 f y".into(),
        "XDEL x:g 2-0".into(),
        "XGROUP CREATE x:g grp 0".into(),
        "XGROUP CREATE x:g empty $".into(),
        "XREADGROUP GROUP grp alice COUNT 2 STREAMS x:g >".into(),
        "XREADGROUP GROUP grp bob COUNT 1 STREAMS x:g >".into(),
        "XACK x:g grp 1-0".into(),
        "XGROUP CREATECONSUMER x:g grp carol".into(),
        "PEXPIRE x:g 5000000".into(),
    ];
    let mut big = String::from("RPUSH l:big");
    for i in 0..3000 {
        big.push_str(&format!(" item{i}-{}", "x".repeat(i % 40)));
    }
    c.push(big);
    c.push("LINSERT l:big BEFORE item1500- inserted".into());
    c.push("LREM l:big 0 item7-xxxxxxx".into());
    let mut s = String::from("SADD set:ht");
    for i in 0..600 {
        s.push_str(&format!(" {i}"));
    }
    c.push(s);
    let mut s = String::from("SADD set:htstr");
    for i in 0..100 {
        s.push_str(&format!(" m{i}"));
    }
    c.push(s);
    let mut z = String::from("ZADD z:sl");
    for i in 0..300 {
        z.push_str(&format!(" {}.{} member{i}", i * 3, i % 10));
    }
    c.push(z);
    let mut h = String::from("HSET h:ht");
    for i in 0..300 {
        h.push_str(&format!(" field{i} value{}", i * 7));
    }
    c.push(h);
    for i in 0..250 {
        c.push(format!(
            "XADD x:big {}-{} n {i} v s{}",
            1000 + i / 3,
            i % 3,
            "s".repeat(i % 50)
        ));
    }
    c.push("XTRIM x:big MINID 1010".into());
    c
}

fn load(c: &mut Conn, cmds: &[String]) {
    for line in cmds {
        let r = c.cmd(line);
        assert!(
            !r.starts_with(b"-"),
            "{line}: {}",
            String::from_utf8_lossy(&r)
        );
    }
}

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

/// Unix-millisecond integers (`:1796162713944`) replaced by `:<ms>`.
fn mask_times(s: &str) -> String {
    s.split("\r\n")
        .map(|l| {
            let digits = l.strip_prefix(':').unwrap_or("");
            if digits.len() == 13 && digits.bytes().all(|b| b.is_ascii_digit()) {
                ":<ms>"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Compares two descriptions, showing the first differing line on failure.
fn assert_same(a: &str, b: &str) {
    if a != b {
        let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        let i = la
            .iter()
            .zip(&lb)
            .position(|(x, y)| x != y)
            .unwrap_or(la.len().min(lb.len()));
        panic!(
            "differ at line {i}:\n  {:?}\n  {:?}\n(first lines: {:?} / {:?})",
            la.get(i),
            lb.get(i),
            la.first(),
            lb.first()
        );
    }
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
