//! The probabilistic family in RDB files and DUMP payloads, as RedisBloom module values.
//!
//! - `tests/fixtures/redisbloom.rdb` was written by redis-server 7.0.15 with RedisBloom
//!   2.6.12 after running `tests/fixtures/redisbloom.redis`, and
//!   `redisbloom-queries.expected` is what that server, started on the file, answered to
//!   `redisbloom-queries.redis` (reads, then writes). kvlab-server started on the file
//!   must answer the same, byte for byte, and so must it after DEBUG RELOAD (its own
//!   write and read). Each key's DUMP must be the very bytes the file holds for it (Top-K
//!   aside: Redis writes its heap's pointers, we write zeros). This runs everywhere.
//! - Round trip: every type made by kvlab-server, then DEBUG RELOAD, a restart on the
//!   saved file, and DUMP/RESTORE onto a second server: the same answers each time.
//! - When the module is there (`KVLAB_REDISBLOOM`, else `/tmp/rb/redisbloom.so`):
//!   redis-server + RedisBloom loads kvlab-server's dump.rdb and RESTOREs its DUMP
//!   payloads and answers the same; and the reverse. Skipped (and said so) without it.
//!
//! Re-record the fixture with `scripts/record-module-rdb.sh path/to/redisbloom.so`
//! (which runs this test with `KVLAB_RECORD_MODULE_RDB` set).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};
use support::keyspace::Conn;
use support::{commands, transcript};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn script(name: &str) -> Vec<String> {
    commands(&std::fs::read_to_string(fixtures().join(name)).expect("fixture script"))
}

/// A fresh directory holding `image` as dump.rdb.
fn dir_with(image: &[u8], tag: &str) -> String {
    let d = std::env::temp_dir().join(format!(
        "kvlab-modrdb-{}-{tag}-{}",
        std::process::id(),
        support::free_port()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    std::fs::write(d.join("dump.rdb"), image).expect("write dump.rdb");
    d.to_string_lossy().into_owned()
}

const DEBUG: [&str; 2] = ["--enable-debug-command", "yes"];

fn kvlab_on(image: &[u8], tag: &str) -> support::Server {
    let dir = dir_with(image, tag);
    support::kvlab_server(&["--dir", &dir, DEBUG[0], DEBUG[1]])
}

fn module() -> Option<String> {
    std::env::var("KVLAB_REDISBLOOM")
        .ok()
        .or_else(|| Some("/tmp/rb/redisbloom.so".to_string()))
        .filter(|p| Path::new(p).is_file())
}

fn redis_on(image: Option<&[u8]>, module: &str, tag: &str) -> support::Server {
    let mut args = vec!["--loadmodule", module, DEBUG[0], DEBUG[1]];
    let dir;
    if let Some(image) = image {
        dir = dir_with(image, tag);
        args.extend(["--dir", dir.as_str()]);
    }
    support::redis_server(&args)
}

/// Runs a script on a server (each command checked not to be an error).
fn run(port: u16, lines: &[String]) {
    let t = transcript(port, lines, &[]);
    assert!(
        !t.contains("(error)"),
        "a dataset command failed:\n{}",
        t.lines()
            .filter(|l| l.starts_with("> ") || l.contains("(error)"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// SAVE, then the server's dump.rdb (in `dir`).
fn save(port: u16, dir: &str) -> Vec<u8> {
    assert_eq!(Conn::new(port).cmd("SAVE"), b"+OK\r\n");
    std::fs::read(Path::new(dir).join("dump.rdb")).expect("dump.rdb")
}

/// Where transcripts differ, command by command.
fn assert_transcripts(expected: &str, got: &str, what: &str) {
    if expected == got {
        return;
    }
    let split = |t: &str| -> Vec<String> { t.split("\n> ").map(String::from).collect() };
    let (a, b) = (split(expected), split(got));
    let diffs: Vec<String> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .take(5)
        .map(|(x, y)| format!("--- expected\n> {x}\n--- got\n> {y}"))
        .collect();
    panic!(
        "{what}: transcripts differ ({} vs {} commands)\n{}",
        a.len(),
        b.len(),
        diffs.join("\n")
    );
}

/// The keys of databases 0 and 3 (the dataset's), sorted.
fn keys(c: &mut Conn) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    for db in [0u8, 3] {
        c.cmd(&format!("SELECT {db}"));
        for k in c.keys() {
            out.push((db, k));
        }
    }
    c.cmd("SELECT 0");
    out.sort();
    out
}

fn dump(c: &mut Conn, db: u8, k: &str) -> Vec<u8> {
    c.cmd(&format!("SELECT {db}"));
    let p = c.bulk(&["DUMP", k]).expect("the key exists");
    c.cmd("SELECT 0");
    p
}

/// Re-records the fixture from the real module (`scripts/record-module-rdb.sh`).
fn record(module: &str) {
    let r = redis_on(None, module, "record");
    run(r.port, &script("redisbloom.redis"));
    let image = save(r.port, &support::fresh_dir(r.port));
    std::fs::write(fixtures().join("redisbloom.rdb"), &image).expect("write fixture");
    drop(r);
    let r = redis_on(Some(&image), module, "record-q");
    let t = transcript(r.port, &script("redisbloom-queries.redis"), &[]);
    std::fs::write(fixtures().join("redisbloom-queries.expected"), t).expect("write expected");
    println!("re-recorded tests/fixtures/redisbloom.rdb and redisbloom-queries.expected");
}

#[test]
fn a_redisbloom_file_loads_with_the_same_answers_and_bytes() {
    if let Ok(m) = std::env::var("KVLAB_RECORD_MODULE_RDB") {
        record(&m);
    }
    let image = std::fs::read(fixtures().join("redisbloom.rdb")).expect("the fixture");
    let expected = std::fs::read_to_string(fixtures().join("redisbloom-queries.expected"))
        .expect("the recorded answers");
    let queries = script("redisbloom-queries.redis");

    // Started on the file.
    let k = kvlab_on(&image, "fixture");
    let mut c = Conn::new(k.port);
    // Each key's DUMP is its record in the file: type byte, key, value.
    let mut checked = 0;
    for (db, key) in keys(&mut c) {
        let p = dump(&mut c, db, &key);
        let body = &p[..p.len() - 10];
        let mut needle = vec![body[0], key.len() as u8];
        needle.extend_from_slice(key.as_bytes());
        needle.extend_from_slice(&body[1..]);
        let type_name = String::from_utf8_lossy(&c.cmd(&format!("TYPE {key}"))).into_owned();
        if db == 0 && type_name.contains("TopK") {
            continue;
        }
        assert!(
            image.windows(needle.len()).any(|w| w == needle),
            "DUMP {key} is not the bytes redis-server wrote"
        );
        checked += 1;
    }
    assert!(checked >= 15, "{checked} keys compared");
    drop(c);
    assert_transcripts(&expected, &transcript(k.port, &queries, &[]), "loaded");
    drop(k);

    // Written and read again by kvlab-server.
    let k = kvlab_on(&image, "fixture-reload");
    assert_eq!(Conn::new(k.port).cmd("DEBUG RELOAD"), b"+OK\r\n");
    assert_transcripts(
        &expected,
        &transcript(k.port, &queries, &[]),
        "after DEBUG RELOAD",
    );
    println!(
        "redisbloom.rdb: {checked} keys byte for byte, {} queries",
        queries.len()
    );
}

#[test]
fn every_probabilistic_type_round_trips() {
    let queries = script("redisbloom-queries.redis");
    let a = support::kvlab_server(&DEBUG);
    run(a.port, &script("redisbloom.redis"));
    let image = save(a.port, &support::fresh_dir(a.port));
    let before = transcript(a.port, &queries, &[]);

    // A restart on the saved file.
    let b = kvlab_on(&image, "restart");
    assert_transcripts(&before, &transcript(b.port, &queries, &[]), "restart");

    // DEBUG RELOAD of that file (the reads and writes above changed `b`, so from `a`'s
    // state before the queries: reload a server started on the same file).
    let c = kvlab_on(&image, "reload");
    assert_eq!(Conn::new(c.port).cmd("DEBUG RELOAD"), b"+OK\r\n");
    assert_transcripts(&before, &transcript(c.port, &queries, &[]), "DEBUG RELOAD");

    // DUMP on one, RESTORE on an empty one: the same payloads and answers.
    let d = kvlab_on(&image, "dump");
    let e = support::kvlab_server(&DEBUG);
    let (mut from, mut to) = (Conn::new(d.port), Conn::new(e.port));
    let all = keys(&mut from);
    assert!(all.len() >= 20, "{} keys", all.len());
    for (db, k) in &all {
        let p = dump(&mut from, *db, k);
        to.cmd(&format!("SELECT {db}"));
        let r = to.raw(&[b"RESTORE".as_slice(), k.as_bytes(), b"0", &p]);
        assert_eq!(
            r,
            b"+OK\r\n",
            "RESTORE {k}: {}",
            String::from_utf8_lossy(&r)
        );
        to.cmd("SELECT 0");
        assert_eq!(dump(&mut to, *db, k), p, "DUMP of the restored {k}");
    }
    // The dataset's one TTL, copied as RESTORE … ABSTTL would.
    to.cmd("EXPIREAT bfone 4102444800");
    drop((from, to));
    assert_transcripts(&before, &transcript(e.port, &queries, &[]), "RESTORE");
}

#[test]
fn redisbloom_and_kvlab_read_each_others_files_and_payloads() {
    let Some(module) = module() else {
        println!(
            "SKIPPED: RedisBloom is not built (set KVLAB_REDISBLOOM or build \
             /tmp/rb/redisbloom.so with scripts/build-redisbloom.sh); the recorded fixture \
             test covers reading its files"
        );
        return;
    };
    let queries = script("redisbloom-queries.redis");
    let dataset = script("redisbloom.redis");

    // kvlab-server's file, loaded by redis-server + RedisBloom.
    let k = support::kvlab_server(&DEBUG);
    run(k.port, &dataset);
    let image = save(k.port, &support::fresh_dir(k.port));
    let r = redis_on(Some(&image), &module, "from-kvlab");
    let k2 = kvlab_on(&image, "from-kvlab");
    assert_transcripts(
        &transcript(k2.port, &queries, &[]),
        &transcript(r.port, &queries, &[]),
        "redis-server on kvlab's dump.rdb",
    );

    // kvlab's DUMP payloads RESTOREd by redis-server, and the reverse.
    let r2 = redis_on(None, &module, "restore");
    let (mut kc, mut rc) = (Conn::new(k.port), Conn::new(r2.port));
    for (db, key) in keys(&mut kc) {
        let p = dump(&mut kc, db, &key);
        rc.cmd(&format!("SELECT {db}"));
        let r = rc.raw(&[b"RESTORE".as_slice(), key.as_bytes(), b"0", &p]);
        assert_eq!(r, b"+OK\r\n", "redis RESTORE {key}");
        rc.cmd("SELECT 0");
        let back = dump(&mut rc, db, &key);
        let t = String::from_utf8_lossy(&rc.cmd(&format!("TYPE {key}"))).into_owned();
        if !t.contains("TopK") {
            assert_eq!(
                back, p,
                "redis-server's DUMP of {key} restored from kvlab's"
            );
        }
        let mut kn = Conn::new(k.port);
        kn.cmd(&format!("SELECT {db}"));
        let copy = format!("{key}:back");
        let r = kn.raw(&[b"RESTORE".as_slice(), copy.as_bytes(), b"0", &back]);
        assert_eq!(r, b"+OK\r\n", "kvlab RESTORE of redis-server's {key}");
    }
    println!("redis-server + RedisBloom ({module}) read kvlab's file and payloads and back");
}

/// Files written by older RedisBloom builds (`tests/fixtures/redisbloom-old/`, see its
/// README): `v0.rdb` holds Bloom filters at encoding version 0 (RedisBloom before 1.0),
/// `v1.rdb` at version 1 (1.0.3), `v3.rdb` at version 3 with a cuckoo filter at its
/// version 3, a Count-Min sketch and a Top-K (2.0.3). `NAME.expected` is what
/// redis-server 7.0.15 with RedisBloom 2.6.12, started on the file, answered to
/// `queries.redis`: kvlab-server started on it must answer the same, byte for byte
/// (false positives, BF.SCANDUMP headers, DUMP payloads, growth, DEBUG RELOAD).
/// Re-record the answers with `KVLAB_RECORD_OLD_REDISBLOOM=path/to/redisbloom.so`.
#[test]
fn files_of_older_redisbloom_versions_load_as_redisbloom_2_6_loads_them() {
    let dir = fixtures().join("redisbloom-old");
    let queries = commands(&std::fs::read_to_string(dir.join("queries.redis")).expect("queries"));
    for name in ["v0", "v1", "v3"] {
        let image = std::fs::read(dir.join(format!("{name}.rdb"))).expect("the old file");
        let expected_path = dir.join(format!("{name}.expected"));
        if let Ok(m) = std::env::var("KVLAB_RECORD_OLD_REDISBLOOM") {
            let r = redis_on(Some(&image), &m, &format!("old-{name}"));
            let t = transcript(r.port, &queries, &[]);
            std::fs::write(&expected_path, t).expect("write expected");
            println!("re-recorded {}", expected_path.display());
        }
        let expected = std::fs::read_to_string(&expected_path).expect("the recorded answers");
        let k = kvlab_on(&image, &format!("old-{name}"));
        assert_transcripts(
            &expected,
            &transcript(k.port, &queries, &[]),
            &format!("{name}.rdb"),
        );
    }
}
