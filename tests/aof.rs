//! The append-only file against the real redis-server 7.0.15, both ways.
//!
//! - kvlab-server with `appendonly yes` writes a multi-part AOF directory (an RDB base
//!   made by BGREWRITEAOF with data in it, an incremental file after it) while a dataset
//!   with every type is written, plus the commands 7.0 propagates differently from how
//!   they were sent (relative expires, INCRBYFLOAT, SPOP, blocking pops, XADD `*`, a
//!   script, a transaction, two databases); `redis-check-aof` accepts the directory and
//!   redis-server started on it has the same keyspace in every database. The other way,
//!   redis-server's directory loads into kvlab-server the same.
//! - A truncated tail: with `aof-load-truncated yes` both servers start, cut the file
//!   at the same offset and hold the same keys; with `no` both refuse to start.
//! - BGREWRITEAOF then a restart keeps everything, and the old files are gone; CONFIG
//!   SET appendonly yes at run time makes a base by a rewrite and appends from there.
//! - kill -9 under a write load from several clients, under each appendfsync: every
//!   acknowledged write (and every value a reader was shown) comes back.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::keyspace::*;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Commands whose propagated form differs from what was sent.
fn propagation_cases() -> Vec<String> {
    [
        "SET p:ex v EX 5000",
        "SET p:px v PX 5000000 GET",
        "SETEX p:setex 5000 v",
        "PSETEX p:psetex 5000000 v",
        "SET p:exp v",
        "EXPIRE p:exp 7000",
        "SET p:gone v",
        "EXPIREAT p:gone 1",
        "SET p:getex v",
        "GETEX p:getex PX 8000000",
        "SET p:persist v EX 100",
        "GETEX p:persist PERSIST",
        "SET p:getdel v",
        "GETDEL p:getdel",
        "GETSET p:getset new",
        "INCRBYFLOAT p:float 10.5",
        "INCRBYFLOAT p:float 0.1",
        "HINCRBYFLOAT p:hf f 3.3",
        "SADD p:spop a b c d e f g h",
        "SPOP p:spop",
        "SPOP p:spop 3",
        "SADD p:spopall x y",
        "SPOP p:spopall 5",
        "RPUSH p:list a b c d e f",
        "BLPOP p:list 0",
        "BRPOP p:list 0",
        "LMPOP 1 p:list LEFT COUNT 2",
        "BLMOVE p:list p:moved RIGHT LEFT 0",
        "ZADD p:z 1 a 2 b 3 c 4 d",
        "BZPOPMIN p:z 0",
        "ZMPOP 1 p:z MAX COUNT 2",
        "XADD p:stream * f v",
        "XADD p:stream MAXLEN = 5 * g w",
        // Consumer groups: XCLAIM … FORCE JUSTID LASTID per pending entry, XGROUP SETID
        // and CREATECONSUMER, never the commands themselves.
        "XADD p:xs 1-0 f 1",
        "XADD p:xs 2-0 f 2",
        "XADD p:xs 3-0 f 3",
        "XADD p:xs 4-0 f 4",
        "XGROUP CREATE p:xs g 0",
        "XREADGROUP GROUP g alice COUNT 2 STREAMS p:xs >",
        "XREADGROUP GROUP g bob NOACK COUNT 1 STREAMS p:xs >",
        "XREADGROUP GROUP g alice STREAMS p:xs 0",
        "XCLAIM p:xs g carol 0 1-0 RETRYCOUNT 5",
        "XDEL p:xs 2-0",
        "XAUTOCLAIM p:xs g dave 0 0 COUNT 10",
        "XCLAIM p:xs g erin 0 4-0 LASTID 9-0",
        "EVAL redis.call('set','p:lua','1');redis.call('incr','p:lua') 0",
        "MULTI",
        "INCR p:multi",
        "RPUSH p:mlist x",
        "EXEC",
        "SELECT 5",
        "SET p:db5 five",
        "SELECT 0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run(c: &mut Conn, cmds: &[String]) {
    for line in cmds {
        // Scripts are one argument: the line's Lua has no spaces.
        let r = c.cmd(line);
        assert!(
            !r.starts_with(b"-"),
            "{line}: {}",
            String::from_utf8_lossy(&r)
        );
    }
}

fn fresh_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kvlab-aof-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Copies the AOF directory of `from` into a fresh directory (the writer keeps going).
fn copy_aof(from: &Path, tag: &str) -> PathBuf {
    let to = fresh_dir(tag);
    let dst = to.join("appendonlydir");
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(from.join("appendonlydir")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    to
}

fn check_aof(dir: &Path) -> String {
    let bin = support::which("redis-check-aof").expect("redis-check-aof is installed");
    let out = Command::new(bin)
        .arg(dir.join("appendonlydir/appendonly.aof.manifest"))
        .output()
        .expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("All AOF files and manifest are valid"),
        "{text}"
    );
    text
}

/// Every key of every database that has some, described.
fn keyspace(port: u16) -> String {
    let mut c = Conn::new(port);
    let mut out = String::new();
    for db in 0..16 {
        c.cmd(&format!("SELECT {db}"));
        for k in c.keys() {
            out.push_str(&format!("db{db} {}\n", describe(&mut c, &k, false)));
        }
    }
    out
}

fn info(c: &mut Conn) -> String {
    String::from_utf8_lossy(&c.cmd("INFO persistence")).into_owned()
}

/// BGREWRITEAOF, then wait (through INFO, no fixed sleep) until it is done.
fn rewrite(c: &mut Conn) {
    let rewrites = |i: &str| {
        i.lines()
            .find_map(|l| l.strip_prefix("aof_rewrites:"))
            .map(|v| v.trim().parse::<u64>().unwrap())
            .unwrap()
    };
    let before = rewrites(&info(c));
    let r = c.cmd("BGREWRITEAOF");
    assert!(
        r.starts_with(b"+Background append only file rewriting"),
        "{}",
        String::from_utf8_lossy(&r)
    );
    loop {
        let i = info(c);
        if i.contains("aof_rewrite_in_progress:0") && rewrites(&i) > before {
            assert!(i.contains("aof_last_bgrewrite_status:ok"), "{i}");
            break;
        }
        assert_eq!(c.cmd("PING"), b"+PONG\r\n");
    }
}

/// Writes the dataset through a server with the AOF on: half, a rewrite (so the base
/// holds data), then the rest (in the incremental file).
fn write_through(port: u16) {
    let mut c = Conn::new(port);
    let data = dataset();
    let half = data.len() / 2;
    load(&mut c, &data[..half]);
    rewrite(&mut c);
    load(&mut c, &data[half..]);
    run(&mut c, &propagation_cases());
}

#[test]
fn aof_directories_load_across_both_servers() {
    // kvlab-server writes, redis-check-aof accepts, redis-server loads.
    let dir = fresh_dir("kv");
    let kv = support::kvlab_server(&["--dir", dir.to_str().unwrap(), "--appendonly", "yes"]);
    write_through(kv.port);
    let want = keyspace(kv.port);
    assert!(want.contains("p:db5") && want.contains("p:float"), "{want}");
    // What was appended is what 7.0 propagates, not what was sent.
    let incr = std::fs::read(dir.join("appendonlydir/appendonly.aof.2.incr.aof")).unwrap();
    let incr = String::from_utf8_lossy(&incr).to_ascii_uppercase();
    for want in [
        "PXAT",
        "PEXPIREAT",
        "KEEPTTL",
        "SREM",
        "LPOP",
        "ZPOPMIN",
        "LMOVE",
        "MULTI",
        "PERSIST",
        "$6\r\nXCLAIM\r\n$4\r\nP:XS\r\n$1\r\nG\r\n$5\r\nALICE\r\n$1\r\n0\r\n$3\r\n1-0\r\n$4\r\nTIME\r\n",
        "$5\r\nFORCE\r\n$6\r\nJUSTID\r\n$6\r\nLASTID\r\n",
        "$5\r\nSETID\r\n$4\r\nP:XS\r\n$1\r\nG\r\n$3\r\n3-0\r\n$11\r\nENTRIESREAD\r\n$1\r\n3\r\n",
        "$14\r\nCREATECONSUMER\r\n$4\r\nP:XS\r\n$1\r\nG\r\n$3\r\nBOB\r\n",
        "$4\r\nDAVE\r\n",
        "$3\r\n9-0\r\n$11\r\nENTRIESREAD",
    ] {
        assert!(
            incr.contains(want),
            "{want} missing from the incremental file"
        );
    }
    for never in [
        "BLPOP",
        "EVAL",
        "SETEX",
        "INCRBYFLOAT",
        "SPOP",
        "GETDEL",
        "BZPOPMIN",
        "XREADGROUP",
        "XAUTOCLAIM",
    ] {
        let token = format!("${}\r\n{never}\r\n", never.len());
        assert!(!incr.contains(&token), "{never} appended as sent");
    }
    let copy = copy_aof(&dir, "kv-copy");
    let text = check_aof(&copy);
    assert!(
        text.contains("BASE AOF appendonly.aof.2.base.rdb is valid"),
        "{text}"
    );
    let redis = support::redis_server(&["--dir", copy.to_str().unwrap(), "--appendonly", "yes"]);
    assert_same(&mask_times(&keyspace(redis.port)), &mask_times(&want));

    // redis-server writes, kvlab-server loads.
    let dir2 = fresh_dir("redis");
    let redis2 = support::redis_server(&["--dir", dir2.to_str().unwrap(), "--appendonly", "yes"]);
    write_through(redis2.port);
    let want2 = keyspace(redis2.port);
    let copy2 = copy_aof(&dir2, "redis-copy");
    let kv2 = support::kvlab_server(&["--dir", copy2.to_str().unwrap(), "--appendonly", "yes"]);
    assert_same(&mask_times(&keyspace(kv2.port)), &mask_times(&want2));
    for d in [dir, copy, dir2, copy2] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Starts a server expected to refuse its AOF: it must exit, with a failure status.
fn refuses(bin: &str, args: &[&str]) {
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    // Waiting for the exit (servers listen before they load, so a connection proves
    // nothing); the deadline only keeps a server that wrongly started from hanging
    // the test.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(!status.success(), "{bin} exited with success");
            return;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{bin} kept running on a truncated AOF with aof-load-truncated no");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn truncated_tail_as_aof_load_truncated_says() {
    let dir = fresh_dir("trunc");
    {
        let kv = support::kvlab_server(&["--dir", dir.to_str().unwrap(), "--appendonly", "yes"]);
        let mut c = Conn::new(kv.port);
        run(&mut c, &propagation_cases());
    }
    let incr = dir.join("appendonlydir/appendonly.aof.1.incr.aof");
    let whole = std::fs::metadata(&incr).unwrap().len();
    // A command cut in the middle of its last argument.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&incr)
        .unwrap()
        .write_all(b"*3\r\n$3\r\nSET\r\n$5\r\np:cut\r\n$5\r\nva")
        .unwrap();
    let (yes_kv, yes_redis) = (copy_aof(&dir, "t-kv"), copy_aof(&dir, "t-redis"));
    let (no_kv, no_redis) = (copy_aof(&dir, "n-kv"), copy_aof(&dir, "n-redis"));
    let kv = support::kvlab_server(&["--dir", yes_kv.to_str().unwrap(), "--appendonly", "yes"]);
    let redis =
        support::redis_server(&["--dir", yes_redis.to_str().unwrap(), "--appendonly", "yes"]);
    let ks = keyspace(kv.port);
    assert!(!ks.contains("p:cut") && ks.contains("p:db5"), "{ks}");
    assert_same(&mask_times(&keyspace(redis.port)), &mask_times(&ks));
    let size = |d: &Path| {
        std::fs::metadata(d.join("appendonlydir/appendonly.aof.1.incr.aof"))
            .unwrap()
            .len()
    };
    // Both cut the file back to its last complete command.
    assert_eq!(size(&yes_kv), whole);
    assert_eq!(size(&yes_redis), whole);

    let redis_bin = support::which("redis-server").expect("redis-server is installed");
    let p1 = support::free_port().to_string();
    refuses(
        env!("CARGO_BIN_EXE_kvlab-server"),
        &[
            "--port",
            &p1,
            "--dir",
            no_kv.to_str().unwrap(),
            "--appendonly",
            "yes",
            "--aof-load-truncated",
            "no",
        ],
    );
    let p2 = support::free_port().to_string();
    refuses(
        &redis_bin,
        &[
            "--port",
            &p2,
            "--dir",
            no_redis.to_str().unwrap(),
            "--appendonly",
            "yes",
            "--aof-load-truncated",
            "no",
            "--save",
            "",
        ],
    );
    for d in [dir, yes_kv, yes_redis, no_kv, no_redis] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn bgrewriteaof_then_restart_keeps_everything() {
    let dir = fresh_dir("rw");
    let d = dir.to_str().unwrap();
    let want = {
        let kv = support::kvlab_server(&["--dir", d, "--appendonly", "yes"]);
        write_through(kv.port);
        let mut c = Conn::new(kv.port);
        rewrite(&mut c);
        run(
            &mut c,
            &["SET after:rewrite yes".to_string(), "DEL s:int".to_string()],
        );
        keyspace(kv.port)
    };
    let mut files: Vec<String> = std::fs::read_dir(dir.join("appendonlydir"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // The rewritten base and incremental files were removed, as Redis removes history.
    assert_eq!(
        files,
        [
            "appendonly.aof.3.base.rdb",
            "appendonly.aof.3.incr.aof",
            "appendonly.aof.manifest"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap(),
        "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n"
    );
    check_aof(&dir);
    let kv = support::kvlab_server(&["--dir", d, "--appendonly", "yes"]);
    let got = keyspace(kv.port);
    assert!(
        got.contains("after:rewrite") && !got.contains("s:int "),
        "{got}"
    );
    assert_same(&mask_times(&got), &mask_times(&want));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_set_appendonly_yes_starts_with_a_rewrite() {
    let dir = fresh_dir("cfg");
    let d = dir.to_str().unwrap();
    let want = {
        let kv = support::kvlab_server(&["--dir", d]);
        let mut c = Conn::new(kv.port);
        let data = dataset();
        let half = data.len() / 2;
        load(&mut c, &data[..half]);
        assert!(info(&mut c).contains("aof_enabled:0"));
        assert_eq!(c.cmd("CONFIG SET appendonly yes"), b"+OK\r\n");
        // The AOF is on once the rewrite that makes its base is done.
        loop {
            let i = info(&mut c);
            if i.contains("aof_rewrites:1") && i.contains("aof_rewrite_in_progress:0") {
                assert!(i.contains("aof_enabled:1"), "{i}");
                break;
            }
            assert_eq!(c.cmd("PING"), b"+PONG\r\n");
        }
        load(&mut c, &data[half..]);
        run(&mut c, &propagation_cases());
        keyspace(kv.port)
    };
    check_aof(&dir);
    let copy = copy_aof(&dir, "cfg-copy");
    let kv = support::kvlab_server(&["--dir", d, "--appendonly", "yes"]);
    assert_same(&mask_times(&keyspace(kv.port)), &mask_times(&want));
    let redis = support::redis_server(&["--dir", copy.to_str().unwrap(), "--appendonly", "yes"]);
    assert_same(&mask_times(&keyspace(redis.port)), &mask_times(&want));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&copy);
}

#[test]
fn the_aof_rewrites_itself_past_auto_aof_rewrite_percentage() {
    let dir = fresh_dir("auto");
    let d = dir.to_str().unwrap();
    let kv = support::kvlab_server(&[
        "--dir",
        d,
        "--appendonly",
        "yes",
        "--auto-aof-rewrite-min-size",
        "4096",
        "--auto-aof-rewrite-percentage",
        "100",
    ]);
    let mut c = Conn::new(kv.port);
    assert!(info(&mut c).contains("aof_rewrites:0\r"));
    for i in 0..200 {
        run(&mut c, &[format!("SET key:{i} {}", "v".repeat(50))]);
    }
    // Past 4 KB and more than doubled: serverCron starts a rewrite by itself.
    loop {
        let i = info(&mut c);
        if i.contains("aof_rewrites:1\r") && i.contains("aof_rewrite_in_progress:0") {
            break;
        }
        assert_eq!(c.cmd("PING"), b"+PONG\r\n");
    }
    let want = keyspace(kv.port);
    drop(kv);
    check_aof(&dir);
    let kv = support::kvlab_server(&["--dir", d, "--appendonly", "yes"]);
    assert_same(&keyspace(kv.port), &want);
    let _ = std::fs::remove_dir_all(&dir);
}

/// kill -9 under a write load from several clients at once, under each appendfsync:
/// every write a client saw acknowledged, and every value a reader was shown, is in the
/// AOF when the server comes back. Under `always` the replies wait for the group fsync
/// of many clients' writes; none may go out before its write is in the file.
#[test]
fn acknowledged_writes_survive_kill_9_with_many_clients() {
    use std::io::{BufRead, BufReader};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    const WRITERS: usize = 4;
    const PIPELINE: usize = 16;
    for fsync in ["always", "everysec", "no"] {
        let dir = fresh_dir(&format!("crash-{fsync}"));
        let d = dir.to_str().unwrap();
        let kv =
            support::kvlab_server(&["--dir", d, "--appendonly", "yes", "--appendfsync", fsync]);
        let port = kv.port;
        // Each writer: INCR w:<i> and INCR all, pipelined; the last w:<i> acknowledged.
        // The reader: GET w:0, the largest value it was shown.
        let progress: Arc<Vec<AtomicU64>> =
            Arc::new((0..=WRITERS).map(|_| AtomicU64::new(0)).collect());
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..=WRITERS)
            .map(|i| {
                let (progress, stop) = (progress.clone(), stop.clone());
                std::thread::spawn(move || {
                    let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                    let mut w = s.try_clone().unwrap();
                    let mut r = BufReader::new(s);
                    let batch = if i < WRITERS {
                        let key = format!("w:{i}");
                        let mut b = Vec::new();
                        for _ in 0..PIPELINE {
                            b.extend(support::encode(&["INCR", key.as_str()]));
                            b.extend(support::encode(&["INCR", "all"]));
                        }
                        b
                    } else {
                        support::encode(&["GET", "w:0"]).repeat(PIPELINE)
                    };
                    let mut line = String::new();
                    // Until the server dies (or, should it never, until told to stop).
                    'conn: while !stop.load(Ordering::Relaxed) {
                        if w.write_all(&batch).is_err() {
                            break;
                        }
                        let replies = if i < WRITERS { 2 * PIPELINE } else { PIPELINE };
                        for n in 0..replies {
                            line.clear();
                            if r.read_line(&mut line).unwrap_or(0) == 0 {
                                break 'conn;
                            }
                            let value = if i < WRITERS {
                                // `:<n>`, every other reply for this writer's key.
                                match line.strip_prefix(':') {
                                    Some(v) if n % 2 == 0 => v.trim().parse().ok(),
                                    Some(_) => None,
                                    None => break 'conn,
                                }
                            } else if line.starts_with("$-1") {
                                None
                            } else if line.starts_with('$') {
                                line.clear();
                                if r.read_line(&mut line).unwrap_or(0) == 0 {
                                    break 'conn;
                                }
                                line.trim().parse().ok()
                            } else {
                                break 'conn;
                            };
                            if let Some(v) = value {
                                progress[i].fetch_max(v, Ordering::SeqCst);
                            }
                        }
                    }
                })
            })
            .collect();
        // The load runs until every writer has had some hundreds of writes acknowledged
        // (and the reader was shown some), then the server is killed mid-stream.
        while progress.iter().any(|p| p.load(Ordering::SeqCst) < 300) {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        drop(kv); // SIGKILL
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
        let seen: Vec<u64> = progress.iter().map(|p| p.load(Ordering::SeqCst)).collect();
        let kv = support::kvlab_server(&["--dir", d, "--appendonly", "yes"]);
        let mut c = Conn::new(kv.port);
        let get = |c: &mut Conn, k: &str| -> u64 {
            let v = c.bulk(&["GET", k]).unwrap_or_default();
            String::from_utf8_lossy(&v).parse().unwrap_or(0)
        };
        for (i, &acked) in seen[..WRITERS].iter().enumerate() {
            let got = get(&mut c, &format!("w:{i}"));
            assert!(
                got >= acked,
                "{fsync}: w:{i} acknowledged {acked}, recovered {got}"
            );
        }
        let got = get(&mut c, "w:0");
        assert!(
            got >= seen[WRITERS],
            "{fsync}: a reader was shown w:0 = {}, recovered {got}",
            seen[WRITERS]
        );
        // Each writer's INCR all follows its INCR w:<i>, whose reply may have been the
        // last one it read: at most one acknowledged INCR w:<i> per writer has no
        // acknowledged INCR all beside it.
        let all = get(&mut c, "all");
        let sum: u64 = seen[..WRITERS].iter().sum::<u64>() - WRITERS as u64;
        assert!(
            all >= sum,
            "{fsync}: `all` recovered {all}, below the {sum} INCRs acknowledged"
        );
        drop(kv);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
