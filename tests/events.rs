//! Key events as Redis emits them: every command of every differential script runs on
//! redis-server with `notify-keyspace-events KEA` while a second connection listens on
//! `__keyevent@*__:*`, and on the engine in-process; each command must produce the same
//! events (name, key, database) in the same order. The engine's events carry the
//! notification class too (`$` for strings, `z` for sorted sets …), and each must be the
//! class Redis files that event under.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use kvlab::console::tokenize;
use kvlab::engine::{Engine, SystemClock};

const MARK: &str = "kvlab-events-marker";

/// One event: (database, name, key).
type Ev = (usize, String, Vec<u8>);

/// The array items of a RESP reply (bulk strings as bytes), for pub/sub messages.
fn items(reply: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = reply;
    // Skip the array header, then read bulk strings.
    if let Some(p) = rest.iter().position(|&b| b == b'\n') {
        rest = &rest[p + 1..];
    }
    while !rest.is_empty() {
        let Some(p) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let head = &rest[..p - 1];
        rest = &rest[p + 1..];
        if head.first() == Some(&b'$') {
            let n: usize = std::str::from_utf8(&head[1..]).unwrap().parse().unwrap();
            out.push(rest[..n].to_vec());
            rest = &rest[n + 2..];
        } else {
            out.push(head[1..].to_vec());
        }
    }
    out
}

struct Listener {
    sub: BufReader<TcpStream>,
    cmd: TcpStream,
    cmd_r: BufReader<TcpStream>,
}

impl Listener {
    fn new(port: u16) -> Listener {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut sub = BufReader::new(s.try_clone().unwrap());
        let mut w = s;
        w.write_all(&support::encode(&["PSUBSCRIBE", "__keyevent@*__:*"]))
            .unwrap();
        w.write_all(&support::encode(&["SUBSCRIBE", MARK])).unwrap();
        for _ in 0..2 {
            let mut b = Vec::new();
            support::read_reply(&mut sub, &mut b).unwrap();
        }
        let cmd = TcpStream::connect(("127.0.0.1", port)).unwrap();
        cmd.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let cmd_r = BufReader::new(cmd.try_clone().unwrap());
        let mut l = Listener { sub, cmd, cmd_r };
        l.run(&[
            b"DEBUG".to_vec(),
            b"SET-ACTIVE-EXPIRE".to_vec(),
            b"0".to_vec(),
        ]);
        l
    }

    fn run(&mut self, argv: &[Vec<u8>]) {
        self.cmd.write_all(&support::encode(argv)).unwrap();
        let mut b = Vec::new();
        support::read_reply(&mut self.cmd_r, &mut b).unwrap();
    }

    /// Runs a command and returns the events it caused.
    fn events(&mut self, argv: &[Vec<u8>]) -> Vec<Ev> {
        self.run(argv);
        self.run(&[b"PUBLISH".to_vec(), MARK.into(), b"x".to_vec()]);
        let mut out = Vec::new();
        loop {
            let mut b = Vec::new();
            support::read_reply(&mut self.sub, &mut b).unwrap();
            let it = items(&b);
            if it.first().map(|k| &k[..]) == Some(b"message") {
                return out;
            }
            // pmessage, pattern, channel (__keyevent@<db>__:<event>), key
            let channel = String::from_utf8_lossy(&it[2]).into_owned();
            let (db, event) = channel
                .strip_prefix("__keyevent@")
                .and_then(|c| c.split_once("__:"))
                .expect("a keyevent channel");
            out.push((db.parse().unwrap(), event.to_string(), it[3].clone()));
        }
    }
}

#[test]
fn every_command_emits_the_events_redis_emits() {
    let real = support::redis_server(&[
        "--notify-keyspace-events",
        "KEA",
        "--enable-debug-command",
        "yes",
    ]);
    let mut redis = Listener::new(real.port);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diff");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "redis"))
        // The ACL scripts change who may run and subscribe (and close the connections of
        // deleted users), which would cut this test's own listener off; they make no key
        // events of their own.
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("acl"))
        })
        .collect();
    files.sort();
    let mut eng = Engine::new(Box::new(SystemClock), 1);
    let (mut commands, mut events, mut failures) = (0, 0, Vec::new());
    let mut unclassed = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(f).unwrap();
        // Each script from a clean slate, on a fresh connection (database 0).
        redis.events(&[b"SELECT".to_vec(), b"0".to_vec()]);
        redis.events(&[b"FLUSHALL".to_vec()]);
        eng.execute(0, &[b"FLUSHALL".to_vec()]);
        let id = eng.connect("events:1", "events:0");
        eng.drain_events();
        for line in text
            .lines()
            .map(|l| l.trim_end_matches("#unordered").trim())
        {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Ok(argv) = tokenize(line) else { continue };
            // Blocking pops, DEBUG, SHUTDOWN and QUIT/RESET/HELLO change the connection,
            // the server or wait: they are not about key events. Transaction commands would queue the
            // marker this test publishes; the commands between them run on their own.
            let first = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
            if argv.is_empty()
                || first.starts_with("bz")
                || matches!(
                    first.as_str(),
                    "debug"
                        | "shutdown"
                        | "quit"
                        | "reset"
                        | "hello"
                        | "client"
                        | "pfdebug"
                        | "pfselftest"
                        | "blpop"
                        | "brpop"
                        | "blmove"
                        | "brpoplpush"
                        | "blmpop"
                        | "multi"
                        | "exec"
                        | "discard"
                        | "watch"
                        | "unwatch"
                )
            {
                continue;
            }
            // XREAD / XREADGROUP with BLOCK may wait (the scripts use them in MULTI).
            if first.starts_with("xread") && argv.iter().any(|a| a.eq_ignore_ascii_case(b"block")) {
                continue;
            }
            commands += 1;
            let want = redis.events(&argv);
            eng.execute(id, &argv);
            let got: Vec<Ev> = eng
                .drain_events()
                .into_iter()
                .map(|e| {
                    if kvlab::engine::notify::class_of(e.event).is_none() {
                        unclassed.push(e.event);
                    }
                    (e.db, e.event.to_string(), e.key)
                })
                .collect();
            events += want.len();
            if want != got {
                failures.push(format!(
                    "{name}: {line}\n  redis-server: {want:?}\n  kvlab:        {got:?}"
                ));
            }
        }
        eng.disconnect(id);
        // The next script starts in database 0 on a fresh connection.
        redis.run(&[b"SELECT".to_vec(), b"0".to_vec()]);
    }
    println!(
        "key events: {commands} commands, {events} events, {} differed",
        failures.len()
    );
    unclassed.dedup();
    assert!(
        unclassed.is_empty(),
        "events with no notification class: {unclassed:?}"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
