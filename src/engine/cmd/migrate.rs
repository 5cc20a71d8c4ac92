//! MIGRATE: moves keys to another Redis instance, as Redis 7.0.15's `migrateCommand`
//! (src/cluster.c) does.
//!
//! `MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
//! [AUTH2 username password] [KEYS key ...]` looks the keys up (none there: `+NOKEY`),
//! then sends the target, in one write, `AUTH` (when asked), `SELECT db` (when the
//! cached connection last served another database) and one `RESTORE key ttl payload
//! [REPLACE]` per key (`RESTORE-ASKING` in cluster mode), the payload being DUMP's bytes
//! and the TTL what is left of the key's. It then reads one reply line per command sent.
//! Each key the target acknowledged is deleted here unless COPY was given, through the
//! one write path (memory accounting, WATCH, the keyspace `del` event), and the
//! command is propagated as `DEL` of those keys, as Redis rewrites it. The first error
//! line the target sent is answered as `ERR Target instance replied with error: …`
//! (BUSYKEY, WRONGPASS, NOAUTH …).
//!
//! # The network belongs to the host
//!
//! The engine has no sockets: it asks a [`MigrateHost`] for a connection and talks
//! through the [`MigrateConn`] it gets. kvlab-server installs one made of blocking
//! `std::net::TcpStream`s with timeouts: like Redis, whose MIGRATE blocks its event loop,
//! the server serves nobody else while a MIGRATE waits, and each step (connecting, each
//! 64 KB written, each reply line read) waits at most `timeout` milliseconds (0 or less
//! means 1000). The browser installs none, so there MIGRATE answers as Redis does when
//! it cannot connect: `IOERR error or timeout connecting to the client`.
//!
//! # Redis's ways kept
//!
//! - Connections are cached by `host:port` (the port as typed), at most 64 (a random
//!   one is closed to make room), each remembering the database it last SELECTed; the
//!   cron closes those unused for more than 10 seconds. INFO shows how many are open
//!   (`migrate_cached_sockets`).
//! - Redis connects without waiting for the connection to be made: only an address
//!   that cannot be resolved (or a negative port) fails at once ("connecting to the
//!   client"); a refused or timed-out connection fails at the first write, so it answers
//!   "IOERR error or timeout writing to target instance".
//! - A socket error while writing, or while reading the first reply, closes the cached
//!   connection and tries once more with a new one, unless it was a timeout; then
//!   `IOERR error or timeout writing|reading to target instance`.
//! - Reply lines are read up to 1023 bytes, an empty line is an error, and a line that
//!   does not start with `-` counts as success (Redis reads nothing more of it).

use std::collections::BTreeMap;

use rand::RngExt;

use super::{eq, int_arg, syntax};
use crate::engine::{Core, Ctx, Reply};

/// Why a connection step failed: Redis retries once unless `errno` was ETIMEDOUT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoFail {
    TimedOut,
    Other,
}

/// Why no connection could be started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The address could not be resolved or no socket could be made for it (Redis's
    /// `anetTcpNonBlockConnect` failed): "IOERR error or timeout connecting to the client".
    NoAddress,
    /// The connection was started but failed (refused) or did not complete in time:
    /// Redis notices at the first write.
    Io(IoFail),
}

/// A connection to the target instance, with blocking, bounded operations.
pub trait MigrateConn {
    /// Writes all of `buf` within `timeout_ms` (Redis's `connSyncWrite`).
    fn write(&mut self, buf: &[u8], timeout_ms: u64) -> Result<(), IoFail>;
    /// Reads one line up to `\n` (the `\r` before it dropped), at most `max` bytes of it
    /// (the rest stays for the next read), within `timeout_ms` (`connSyncReadLine`).
    fn read_line(&mut self, max: usize, timeout_ms: u64) -> Result<Vec<u8>, IoFail>;
}

/// Opens connections for MIGRATE (kvlab-server: TCP; the browser: none).
pub trait MigrateHost {
    fn connect(
        &mut self,
        host: &[u8],
        port: u16,
        timeout_ms: u64,
    ) -> Result<Box<dyn MigrateConn>, ConnectError>;
}

/// A connection that failed after it was started: its first use reports the failure.
struct Broken(IoFail);

impl MigrateConn for Broken {
    fn write(&mut self, _buf: &[u8], _timeout_ms: u64) -> Result<(), IoFail> {
        Err(self.0)
    }
    fn read_line(&mut self, _max: usize, _timeout_ms: u64) -> Result<Vec<u8>, IoFail> {
        Err(self.0)
    }
}

/// Redis's `migrateCachedSocket`.
struct Cached {
    conn: Box<dyn MigrateConn>,
    /// The database last SELECTed on it (-1: unknown, SELECT next time).
    last_dbid: i64,
    /// Unix seconds of its last use.
    last_use: i64,
}

/// At most this many cached connections (`MIGRATE_SOCKET_CACHE_ITEMS`).
pub const CACHE_ITEMS: usize = 64;
/// Cached connections unused for more than this many seconds are closed.
pub const CACHE_TTL_SECS: i64 = 10;
/// One write is at most this big (Redis sends the commands in 64 KB chunks).
const CHUNK: usize = 64 * 1024;
/// `connSyncReadLine` into a 1024-byte buffer: 1023 bytes of a line at most.
const LINE_MAX: usize = 1023;

/// MIGRATE's state: the host and the connection cache.
#[derive(Default)]
pub struct Migrate {
    pub host: Option<Box<dyn MigrateHost>>,
    cache: BTreeMap<Vec<u8>, Cached>,
}

impl Migrate {
    /// INFO's `migrate_cached_sockets`.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// The cron's `migrateCloseTimedoutSockets`.
    pub fn close_idle(&mut self, now_secs: i64) {
        if !self.cache.is_empty() {
            self.cache
                .retain(|_, c| now_secs - c.last_use <= CACHE_TTL_SECS);
        }
    }
}

/// glibc's `atoi`: leading blanks, a sign, digits (the rest ignored; 0 when none).
fn atoi(a: &[u8]) -> i32 {
    crate::engine::cluster::atoi(a) as i32
}

/// `migrateGetSocket`: the cached connection for `name`, or a new one (None: the
/// connecting error, already decided).
fn get_socket(core: &mut Core, host: &[u8], port: &[u8], name: &[u8], timeout: u64) -> bool {
    let now = core.now.div_euclid(1000);
    if let Some(c) = core.migrate.cache.get_mut(name) {
        c.last_use = now;
        return true;
    }
    if core.migrate.cache.len() >= CACHE_ITEMS {
        let i = core.rng.random_range(0..core.migrate.cache.len());
        if let Some(k) = core.migrate.cache.keys().nth(i).cloned() {
            core.migrate.cache.remove(&k);
        }
    }
    // anetTcpNonBlockConnect: atoi's port printed back for getaddrinfo, which refuses
    // a negative service and keeps the low 16 bits of a big one.
    let p = atoi(port);
    if p < 0 {
        return false;
    }
    let Some(h) = core.migrate.host.as_mut() else {
        return false;
    };
    let conn: Box<dyn MigrateConn> = match h.connect(host, (p & 0xffff) as u16, timeout) {
        Ok(c) => c,
        Err(ConnectError::NoAddress) => return false,
        Err(ConnectError::Io(f)) => Box::new(Broken(f)),
    };
    core.migrate.cache.insert(
        name.to_vec(),
        Cached {
            conn,
            last_dbid: -1,
            last_use: now,
        },
    );
    true
}

fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'$');
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

fn count(out: &mut Vec<u8>, n: usize) {
    out.push(b'*');
    out.extend_from_slice(n.to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// A reply line read, or why not (an empty line is an error, as `<= 0` is in Redis).
fn read_line(conn: &mut dyn MigrateConn, timeout: u64) -> Result<Vec<u8>, IoFail> {
    match conn.read_line(LINE_MAX, timeout) {
        Ok(l) if l.is_empty() => Err(IoFail::Other),
        r => r,
    }
}

pub fn migrate(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (mut copy, mut replace) = (false, false);
    let mut username: Option<&[u8]> = None;
    let mut password: Option<&[u8]> = None;
    let (mut first_key, mut num_keys) = (3, 1);
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let a = &argv[j];
        if eq(a, "copy") {
            copy = true;
        } else if eq(a, "replace") {
            replace = true;
        } else if eq(a, "auth") {
            if more == 0 {
                return syntax();
            }
            j += 1;
            password = Some(&argv[j]);
        } else if eq(a, "auth2") {
            if more < 2 {
                return syntax();
            }
            username = Some(&argv[j + 1]);
            password = Some(&argv[j + 2]);
            j += 2;
        } else if eq(a, "keys") {
            if !argv[3].is_empty() {
                return Reply::err(
                    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string",
                );
            }
            first_key = j + 1;
            num_keys = argv.len() - j - 1;
            break;
        } else {
            return syntax();
        }
        j += 1;
    }
    let timeout = match int_arg(&argv[5]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let dbid = match int_arg(&argv[4]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    // (Capped at a day: a step never waits longer, whatever was asked.)
    let timeout = if timeout <= 0 {
        1000
    } else {
        timeout.min(86_400_000) as u64
    };
    let db = ctx.db();
    // The keys that are here; none: +NOKEY (often a key that expired meanwhile).
    let mut keys: Vec<&[u8]> = Vec::new();
    for k in &argv[first_key..first_key + num_keys] {
        if ctx.core.lookup_read(db, k).is_some() {
            keys.push(k);
        }
    }
    if keys.is_empty() {
        return Reply::Status("NOKEY".into());
    }
    let (host, port) = (&argv[1][..], &argv[2][..]);
    let name = [host, b":", port].concat();
    let lazy = ctx.core.config.get("lazyfree-lazy-server-del").as_deref() == Some("yes");
    let restore: &[u8] = if ctx.core.cluster.is_some() {
        b"RESTORE-ASKING"
    } else {
        b"RESTORE"
    };
    let mut may_retry = true;
    loop {
        // try_again:
        if !get_socket(ctx.core, host, port, &name, timeout) {
            return Reply::err("IOERR error or timeout connecting to the client");
        }
        let Some(mut cs) = ctx.core.migrate.cache.remove(&name) else {
            return Reply::err("IOERR error or timeout connecting to the client");
        };
        let mut cmd = Vec::new();
        if let Some(pw) = password {
            count(&mut cmd, if username.is_some() { 3 } else { 2 });
            bulk(&mut cmd, b"AUTH");
            if let Some(u) = username {
                bulk(&mut cmd, u);
            }
            bulk(&mut cmd, pw);
        }
        let select = cs.last_dbid != dbid;
        if select {
            count(&mut cmd, 2);
            bulk(&mut cmd, b"SELECT");
            bulk(&mut cmd, dbid.to_string().as_bytes());
        }
        // The keys still alive, with what is left of their TTLs, by the clock (not the
        // command's instant: a first try may have waited out a timeout), as Redis's
        // mstime(); a key whose time ran out meanwhile is not sent.
        let now = ctx.core.clock.now_ms();
        let mut alive = Vec::with_capacity(keys.len());
        for &k in &keys {
            let mut ttl = 0;
            if let Some(at) = ctx.core.dbs[db].expires.get(k).copied() {
                ttl = at - now;
                if ttl < 0 {
                    continue;
                }
                ttl = ttl.max(1);
            }
            let Some(payload) = super::persist::payload_of(ctx.core, db, k) else {
                continue;
            };
            alive.push(k);
            count(&mut cmd, if replace { 5 } else { 4 });
            bulk(&mut cmd, restore);
            bulk(&mut cmd, k);
            bulk(&mut cmd, ttl.to_string().as_bytes());
            bulk(&mut cmd, &payload);
            if replace {
                bulk(&mut cmd, b"REPLACE");
            }
        }
        keys = alive;
        // What went wrong, if something did: (writing?, the failure).
        let mut failed: Option<(bool, IoFail)> = None;
        for chunk in cmd.chunks(CHUNK) {
            if let Err(f) = cs.conn.write(chunk, timeout) {
                failed = Some((true, f));
                break;
            }
        }
        let mut buf0 = Vec::new();
        let mut buf1 = Vec::new();
        if failed.is_none() && password.is_some() {
            match read_line(cs.conn.as_mut(), timeout) {
                Ok(l) => buf0 = l,
                Err(f) => failed = Some((false, f)),
            }
        }
        if failed.is_none() && select {
            match read_line(cs.conn.as_mut(), timeout) {
                Ok(l) => buf1 = l,
                Err(f) => failed = Some((false, f)),
            }
        }
        let mut reply = None;
        if failed.is_none() {
            let mut error_from_target = false;
            let mut socket_error: Option<IoFail> = None;
            let mut deleted: Vec<Vec<u8>> = Vec::new();
            let mut read = 0;
            for &k in &keys {
                let buf2 = match read_line(cs.conn.as_mut(), timeout) {
                    Ok(l) => l,
                    Err(f) => {
                        socket_error = Some(f);
                        break;
                    }
                };
                read += 1;
                let auth_err = password.is_some() && buf0.first() == Some(&b'-');
                let select_err = select && buf1.first() == Some(&b'-');
                if auth_err || select_err || buf2.first() == Some(&b'-') {
                    if !error_from_target {
                        cs.last_dbid = -1;
                        let errbuf = if auth_err {
                            &buf0
                        } else if select_err {
                            &buf1
                        } else {
                            &buf2
                        };
                        error_from_target = true;
                        let text = String::from_utf8_lossy(&errbuf[1..]).replace(['\r', '\n'], " ");
                        reply = Some(Reply::err(format!(
                            "ERR Target instance replied with error: {text}"
                        )));
                    }
                } else if !copy {
                    // No COPY: the key goes, as DEL would delete it.
                    if lazy {
                        ctx.core.count_lazyfree(db, k);
                    }
                    ctx.core.delete(db, k);
                    ctx.core.notify(db, k, "del");
                    ctx.core.stats.dirty += 1;
                    deleted.push(k.to_vec());
                }
            }
            let retry_now = !error_from_target
                && read == 0
                && may_retry
                && socket_error.is_some_and(|f| f != IoFail::TimedOut);
            if retry_now {
                failed = socket_error.map(|f| (false, f));
            } else {
                let closed = socket_error.is_some();
                if !deleted.is_empty() {
                    // Propagated as DEL of the keys the target acknowledged.
                    let mut del = Vec::with_capacity(deleted.len() + 1);
                    del.push(b"DEL".to_vec());
                    del.extend(deleted);
                    ctx.core.prop.push(db, del);
                }
                match (error_from_target, socket_error) {
                    (false, Some(f)) => {
                        may_retry = false;
                        failed = Some((false, f));
                    }
                    (false, None) => {
                        cs.last_dbid = dbid;
                        reply = Some(Reply::ok());
                    }
                    (true, _) => {}
                }
                if failed.is_none() {
                    if !closed {
                        ctx.core.migrate.cache.insert(name.clone(), cs);
                    }
                    return reply.unwrap_or_else(Reply::ok);
                }
            }
        }
        // socket_err: the connection is dropped (closing it; SELECT again next time).
        drop(cs);
        let (writing, f) = failed.unwrap_or((false, IoFail::Other));
        if f != IoFail::TimedOut && may_retry {
            may_retry = false;
            continue;
        }
        return Reply::err(format!(
            "IOERR error or timeout {} to target instance",
            if writing { "writing" } else { "reading" }
        ));
    }
}

#[cfg(test)]
mod tests {
    //! MIGRATE between two engines: a fake host whose connections hand what the source
    //! writes to a second engine (as its server would read it) and give back that
    //! engine's replies, line by line.
    use super::*;
    use crate::engine::{Engine, ManualClock};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    const T0: i64 = 1_700_000_000_000;

    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Serve,
        NoAddress,
        Refuse,
        /// Accept the commands, never answer (a busy target).
        Silent,
    }

    struct Shared {
        target: RefCell<Engine>,
        client: u64,
        mode: Cell<Mode>,
        connects: Cell<usize>,
        open: Cell<usize>,
        /// Every command the target was sent, as words.
        sent: RefCell<Vec<Vec<Vec<u8>>>>,
    }

    struct FakeHost(Rc<Shared>);

    struct FakeConn {
        s: Rc<Shared>,
        client: u64,
        out: Vec<u8>,
    }

    impl Drop for FakeConn {
        fn drop(&mut self) {
            self.s.open.set(self.s.open.get() - 1);
        }
    }

    impl MigrateHost for FakeHost {
        fn connect(
            &mut self,
            _host: &[u8],
            _port: u16,
            _timeout_ms: u64,
        ) -> Result<Box<dyn MigrateConn>, ConnectError> {
            self.0.connects.set(self.0.connects.get() + 1);
            match self.0.mode.get() {
                Mode::NoAddress => Err(ConnectError::NoAddress),
                Mode::Refuse => Err(ConnectError::Io(IoFail::Other)),
                _ => {
                    self.0.open.set(self.0.open.get() + 1);
                    // Each connection is a client of its own (its own SELECT).
                    let client = self.0.target.borrow_mut().connect("fake:2", "fake:1");
                    Ok(Box::new(FakeConn {
                        s: self.0.clone(),
                        client,
                        out: Vec::new(),
                    }))
                }
            }
        }
    }

    impl MigrateConn for FakeConn {
        fn write(&mut self, buf: &[u8], _timeout_ms: u64) -> Result<(), IoFail> {
            let mut at = 0;
            while at < buf.len() {
                match crate::resp::parse_request(&buf[at..], 512 << 20) {
                    Ok(crate::resp::Parsed::Command(argv, used)) => {
                        at += used;
                        self.s.sent.borrow_mut().push(argv.clone());
                        if self.s.mode.get() == Mode::Silent {
                            continue;
                        }
                        let r = self.s.target.borrow_mut().execute(self.client, &argv);
                        crate::resp::encode(&r, 2, &mut self.out);
                    }
                    // The source writes whole commands (64 KB chunks aside, which
                    // these tests do not reach).
                    _ => panic!("a partial or bad request at byte {at}"),
                }
            }
            Ok(())
        }

        fn read_line(&mut self, max: usize, _timeout_ms: u64) -> Result<Vec<u8>, IoFail> {
            let Some(nl) = self.out.iter().position(|&c| c == b'\n') else {
                return Err(IoFail::TimedOut);
            };
            let take = nl.min(max);
            let mut line: Vec<u8> = self.out.drain(..take).collect();
            if take == nl {
                self.out.remove(0);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            }
            Ok(line)
        }
    }

    struct Pair {
        src: Engine,
        id: u64,
        clock: ManualClock,
        s: Rc<Shared>,
    }

    fn pair() -> Pair {
        let clock = ManualClock::new(T0);
        let mut src = Engine::new(Box::new(clock.clone()), 1);
        let id = src.connect("test:1", "test:0");
        let mut target = Engine::new(Box::new(clock.clone()), 2);
        let client = target.connect("test:3", "test:0");
        let s = Rc::new(Shared {
            target: RefCell::new(target),
            client,
            mode: Cell::new(Mode::Serve),
            connects: Cell::new(0),
            open: Cell::new(0),
            sent: RefCell::new(Vec::new()),
        });
        src.core.migrate.host = Some(Box::new(FakeHost(s.clone())));
        Pair { src, id, clock, s }
    }

    impl Pair {
        /// A command line; `""` is the empty argument.
        fn run(&mut self, line: &str) -> Reply {
            let argv: Vec<Vec<u8>> = line
                .split(' ')
                .map(|w| {
                    if w == "\"\"" {
                        Vec::new()
                    } else {
                        w.as_bytes().to_vec()
                    }
                })
                .collect();
            self.src.execute(self.id, &argv)
        }
        fn there(&self, line: &str) -> Reply {
            let c = self.s.client;
            self.s.target.borrow_mut().exec_words(c, line)
        }
        fn sent_names(&self) -> Vec<String> {
            self.s
                .sent
                .borrow()
                .iter()
                .map(|a| String::from_utf8_lossy(&a[0]).into_owned())
                .collect()
        }
    }

    fn info_cached(e: &mut Engine, id: u64) -> String {
        let b = match e.exec_words(id, "INFO stats") {
            Reply::Bulk(b) | Reply::Verbatim(_, b) => b,
            r => panic!("INFO: {r:?}"),
        };
        let t = String::from_utf8(b).unwrap();
        t.lines()
            .find(|l| l.starts_with("migrate_cached_sockets:"))
            .unwrap()
            .to_string()
    }

    #[test]
    fn moves_a_key_with_its_ttl_and_deletes_it_here() {
        let mut p = pair();
        p.run("RPUSH list a b c");
        p.run("PEXPIRE list 5000");
        assert_eq!(p.run("MIGRATE h 1 list 0 1000"), Reply::ok());
        assert_eq!(p.run("EXISTS list"), Reply::Int(0));
        assert_eq!(
            p.there("LRANGE list 0 -1"),
            Reply::Array(vec![Reply::bulk("a"), Reply::bulk("b"), Reply::bulk("c")])
        );
        assert_eq!(p.there("PTTL list"), Reply::Int(5000));
        assert_eq!(p.sent_names(), ["SELECT", "RESTORE"]);
        let sent = p.s.sent.borrow();
        assert_eq!(sent[1][2], b"5000");
        // The key is gone as DEL removes it: the keyspace event says `del`.
        let ev = p.src.drain_events();
        assert!(ev.iter().any(|e| e.event == "del" && e.key == b"list"));
    }

    #[test]
    fn copy_keeps_the_key_and_replace_overwrites() {
        let mut p = pair();
        p.run("SET k here");
        p.there("SET k there");
        assert_eq!(
            p.run("MIGRATE h 1 k 0 1000 COPY"),
            Reply::err(
                "ERR Target instance replied with error: BUSYKEY Target key name already exists."
            )
        );
        assert_eq!(p.run("GET k"), Reply::bulk("here"));
        assert_eq!(p.run("MIGRATE h 1 k 0 1000 COPY REPLACE"), Reply::ok());
        assert_eq!(p.run("GET k"), Reply::bulk("here"));
        assert_eq!(p.there("GET k"), Reply::bulk("here"));
        let sent = p.s.sent.borrow();
        assert_eq!(sent.last().unwrap().last().unwrap(), b"REPLACE");
    }

    #[test]
    fn nokey_when_no_key_is_here_and_keys_form_moves_those_that_are() {
        let mut p = pair();
        assert_eq!(
            p.run("MIGRATE h 1 nope 0 1000"),
            Reply::Status("NOKEY".into())
        );
        assert_eq!(p.s.connects.get(), 0, "nothing to send, no connection");
        p.run("MSET a 1 c 3");
        assert_eq!(p.run("MIGRATE h 1 \"\" 0 1000 KEYS a b c"), Reply::ok());
        assert_eq!(p.run("DBSIZE"), Reply::Int(0));
        assert_eq!(
            p.there("MGET a b c"),
            Reply::Array(vec![Reply::bulk("1"), Reply::Nil, Reply::bulk("3")])
        );
        assert_eq!(
            p.run("MIGRATE h 1 a 0 1000 KEYS a"),
            Reply::err("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
        );
        assert_eq!(
            p.run("MIGRATE h 1 a 0 1000 AUTH"),
            Reply::err("ERR syntax error")
        );
        assert_eq!(
            p.run("MIGRATE h 1 a 0 1000 FOO"),
            Reply::err("ERR syntax error")
        );
        assert_eq!(
            p.run("MIGRATE h 1 a x 1000"),
            Reply::err("ERR value is not an integer or out of range")
        );
    }

    #[test]
    fn the_cached_connection_selects_once_per_database_and_closes_when_idle() {
        let mut p = pair();
        p.run("MSET a 1 b 2 c 3");
        assert_eq!(info_cached(&mut p.src, p.id), "migrate_cached_sockets:0");
        p.run("MIGRATE h 1 a 5 1000");
        p.run("MIGRATE h 1 b 5 1000");
        p.run("MIGRATE h 1 c 6 1000");
        assert_eq!(p.s.connects.get(), 1);
        assert_eq!(
            p.sent_names(),
            ["SELECT", "RESTORE", "RESTORE", "SELECT", "RESTORE"]
        );
        assert_eq!(p.there("SELECT 5"), Reply::ok());
        assert_eq!(
            p.there("MGET a b"),
            Reply::Array(vec![Reply::bulk("1"), Reply::bulk("2")])
        );
        assert_eq!(info_cached(&mut p.src, p.id), "migrate_cached_sockets:1");
        // Another port is another connection.
        p.run("SET d 4");
        p.run("MIGRATE h 2 d 5 1000");
        assert_eq!(info_cached(&mut p.src, p.id), "migrate_cached_sockets:2");
        p.clock.advance(10_000);
        p.src.tick();
        assert_eq!(info_cached(&mut p.src, p.id), "migrate_cached_sockets:2");
        p.clock.advance(1_000);
        p.src.tick();
        assert_eq!(info_cached(&mut p.src, p.id), "migrate_cached_sockets:0");
        assert_eq!(p.s.open.get(), 0, "the connections were closed");
    }

    #[test]
    fn at_most_64_connections_are_cached() {
        let mut p = pair();
        for port in 0..70 {
            p.run("SET k v");
            assert_eq!(
                p.run(&format!("MIGRATE h {port} k 0 1000 REPLACE")),
                Reply::ok()
            );
        }
        assert_eq!(p.src.core.migrate.cached(), CACHE_ITEMS);
        assert_eq!(p.s.open.get(), CACHE_ITEMS);
    }

    #[test]
    fn errors_from_the_target_are_passed_on_and_force_select_again() {
        let mut p = pair();
        p.there("CONFIG SET requirepass secret");
        p.run("SET k v");
        assert_eq!(
            p.run("MIGRATE h 1 k 0 1000 AUTH wrong"),
            Reply::err("ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.")
        );
        assert_eq!(p.run("EXISTS k"), Reply::Int(1));
        assert_eq!(
            p.run("MIGRATE h 1 k 0 1000 AUTH2 default secret"),
            Reply::ok()
        );
        assert_eq!(p.run("EXISTS k"), Reply::Int(0));
        // After the error the connection SELECTs again.
        assert_eq!(
            p.sent_names(),
            ["AUTH", "SELECT", "RESTORE", "AUTH", "SELECT", "RESTORE"]
        );
    }

    #[test]
    fn connection_failures_answer_as_redis() {
        let mut p = pair();
        p.run("SET k v");
        p.s.mode.set(Mode::NoAddress);
        assert_eq!(
            p.run("MIGRATE h 1 k 0 1000"),
            Reply::err("IOERR error or timeout connecting to the client")
        );
        assert_eq!(
            p.run("MIGRATE h -1 k 0 1000"),
            Reply::err("IOERR error or timeout connecting to the client")
        );
        // Refused: noticed at the first write, tried once more, then "writing".
        p.s.mode.set(Mode::Refuse);
        let before = p.s.connects.get();
        assert_eq!(
            p.run("MIGRATE h 1 k 0 1000"),
            Reply::err("IOERR error or timeout writing to target instance")
        );
        assert_eq!(p.s.connects.get() - before, 2);
        // A target that does not answer: a timeout, not retried.
        p.s.mode.set(Mode::Silent);
        let before = p.s.connects.get();
        assert_eq!(
            p.run("MIGRATE h 1 k 0 10"),
            Reply::err("IOERR error or timeout reading to target instance")
        );
        assert_eq!(p.s.connects.get() - before, 1);
        assert_eq!(
            p.run("EXISTS k"),
            Reply::Int(1),
            "nothing acknowledged, nothing deleted"
        );
        assert_eq!(p.src.core.migrate.cached(), 0);
        assert_eq!(p.s.open.get(), 0);
    }

    #[test]
    fn without_a_host_it_cannot_connect() {
        let clock = ManualClock::new(T0);
        let mut e = Engine::new(Box::new(clock), 1);
        let id = e.connect("test:1", "test:0");
        assert_eq!(
            e.exec_words(id, "MIGRATE h 1 k 0 1000"),
            Reply::Status("NOKEY".into())
        );
        e.exec_words(id, "SET k v");
        assert_eq!(
            e.exec_words(id, "MIGRATE h 1 k 0 1000"),
            Reply::err("IOERR error or timeout connecting to the client")
        );
        assert_eq!(e.exec_words(id, "GET k"), Reply::bulk("v"));
    }

    #[test]
    fn propagates_del_of_the_acknowledged_keys_and_breaks_watch() {
        let mut p = pair();
        p.src.core.prop.on = true;
        p.run("MSET a 1 b 2 c 3");
        p.there("SET b old");
        p.src.take_propagated();
        let other = p.src.connect("test:2", "test:0");
        p.src.exec_words(other, "WATCH a");
        p.src.exec_words(other, "MULTI");
        p.src.exec_words(other, "SET x y");
        // b is refused (BUSYKEY): a and c go, and only they are propagated.
        assert_eq!(
            p.run("MIGRATE h 1 \"\" 0 1000 KEYS a b c"),
            Reply::err(
                "ERR Target instance replied with error: BUSYKEY Target key name already exists."
            )
        );
        let props: Vec<Vec<Vec<u8>>> = p
            .src
            .take_propagated()
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        assert_eq!(
            props,
            vec![vec![b"DEL".to_vec(), b"a".to_vec(), b"c".to_vec()]]
        );
        assert_eq!(p.src.exec_words(other, "EXEC"), Reply::NilArray);
        assert_eq!(p.run("EXISTS a b c"), Reply::Int(1));
        // COPY deletes nothing, so nothing is propagated.
        assert_eq!(p.run("MIGRATE h 1 b 0 1000 COPY REPLACE"), Reply::ok());
        assert!(p.src.take_propagated().is_empty());
    }

    #[test]
    fn expired_keys_are_not_sent() {
        let mut p = pair();
        p.run("SET gone v PX 10");
        p.run("SET kept v");
        p.clock.advance(20);
        assert_eq!(
            p.run("MIGRATE h 1 gone 0 1000"),
            Reply::Status("NOKEY".into())
        );
        assert_eq!(p.run("MIGRATE h 1 \"\" 0 1000 KEYS gone kept"), Reply::ok());
        assert_eq!(p.there("EXISTS gone kept"), Reply::Int(1));
    }
}

#[cfg(test)]
mod redaction_tests {
    use crate::engine::{Engine, ManualClock, Reply};

    /// MIGRATE's AUTH and AUTH2 arguments (and AUTH's, HELLO's, CONFIG SET
    /// requirepass's, ACL SETUSER's) are `(redacted)` in SLOWLOG and MONITOR.
    #[test]
    fn secrets_are_redacted_from_slowlog_and_monitor() {
        let mut e = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 1);
        let id = e.connect("test:1", "test:0");
        let mon = e.connect("test:2", "test:0");
        assert_eq!(e.exec_words(mon, "MONITOR"), Reply::ok());
        e.exec_words(id, "CONFIG SET slowlog-log-slower-than 0");
        e.take_pushes(mon);
        let lines = [
            "MIGRATE h 1 nokey 0 100 COPY AUTH2 user pass KEYS auth x",
            "MIGRATE h 1 nokey 0 100 AUTH pw BOGUS AUTH2 a b",
            "AUTH onlypw",
            "HELLO 2 SETNAME x AUTH u p",
            "CONFIG SET masterauth foo maxmemory 0",
            "ACL SETUSER tmp on >pw",
        ];
        for l in lines {
            e.exec_words(id, l);
        }
        let want = [
            "MIGRATE h 1 nokey 0 100 COPY AUTH2 (redacted) (redacted) KEYS auth x",
            "MIGRATE h 1 nokey 0 100 AUTH (redacted) BOGUS AUTH2 a b",
            "AUTH (redacted)",
            "HELLO 2 SETNAME x AUTH (redacted) (redacted)",
            "CONFIG SET masterauth (redacted) maxmemory 0",
            "ACL SETUSER (redacted) (redacted) (redacted)",
        ];
        let logged: Vec<String> = e
            .core
            .slowlog
            .entries
            .iter()
            .rev()
            .map(|en| {
                en.argv
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|l| !l.starts_with("CONFIG SET slowlog"))
            .collect();
        assert_eq!(logged, want);
        let shown: Vec<String> = e
            .take_pushes(mon)
            .into_iter()
            .map(|r| match r {
                Reply::Status(s) => s.into_owned(),
                r => panic!("{r:?}"),
            })
            .collect();
        // (CONFIG and ACL are admin commands, which MONITOR never shows.)
        assert_eq!(shown.len(), 4, "{shown:?}");
        for (s, w) in shown.iter().zip(want) {
            let quoted: Vec<String> = w.split(' ').map(|a| format!("\"{a}\"")).collect();
            assert!(s.ends_with(&quoted.join(" ")), "{s} / {w}");
        }
    }
}
