//! `kvlab-server`: the KV Lab engine behind a RESP2/RESP3 TCP server, so that redis-cli,
//! redis-benchmark, client libraries and Redis's own test suite can talk to it.
//!
//! Like redis-server it runs one event loop on one thread: a tokio current-thread runtime
//! with every connection a local task sharing one engine. Flags follow redis-server:
//! `kvlab-server --port 6380 --maxmemory 1mb --maxmemory-policy allkeys-lru`.

/// mimalloc instead of the C library's malloc: a server's replies and values are many
/// small, short-lived allocations, which glibc's allocator spends a third of a ZRANGE's
/// time on (Redis ships jemalloc for the same reason).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The event loop's thread stack. A Lua script may nest up to 200 metamethod or
/// `pcall` levels, each a few recursive interpreter frames in Rust (tens of KB in a
/// debug build): the main thread's 8 MB is not always enough, and overflowing it would
/// abort the server for every client.
#[cfg(not(target_arch = "wasm32"))]
const STACK_BYTES: usize = 256 << 20;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let loop_thread = std::thread::Builder::new()
        .name("kvlab-server".into())
        .stack_size(STACK_BYTES)
        .spawn(native::main);
    match loop_thread.map(|t| t.join()) {
        Ok(Ok(())) => {}
        Ok(Err(_)) => std::process::exit(1),
        Err(e) => {
            eprintln!("kvlab-server: cannot start: {e}");
            std::process::exit(1)
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[path = "server/aof.rs"]
mod aof;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    use std::collections::HashMap;

    use kvlab::engine::{Config, Engine, Reply, SystemClock};
    use tokio::sync::Notify;

    /// Each connection's wake-up call, for blocking commands.
    type Waiters = Rc<RefCell<HashMap<u64, Rc<Notify>>>>;

    /// What a long script needs of the other connections: each one's socket and the
    /// input it has read but not run. A connection's task keeps its buffers here while
    /// it waits for input, so a busy script can read and answer it meanwhile.
    struct Conn {
        /// The task's socket, borrowed as a std stream (never closed through here).
        sock: std::mem::ManuallyDrop<std::net::TcpStream>,
        inbuf: Vec<u8>,
        reader: RequestReader,
        /// The task waits for input (not running a command, not blocked, not writing).
        idle: bool,
    }
    type Conns = Rc<RefCell<HashMap<u64, Conn>>>;

    /// Redis's processEventsWhileBlocked, for a script past busy-reply-threshold: reads
    /// what idle connections sent and writes the engine's answers (BUSY, or the result
    /// of SCRIPT KILL and the other commands allowed while busy).
    struct ServerBusyIo {
        conns: Conns,
    }

    impl kvlab::engine::BusyIo for ServerBusyIo {
        fn poll(&mut self, running: u64) -> Vec<(u64, Vec<Vec<u8>>)> {
            use std::io::Read;
            let mut out = Vec::new();
            let mut conns = self.conns.borrow_mut();
            let mut chunk = [0u8; 16 * 1024];
            for (&id, c) in conns.iter_mut() {
                if id == running || !c.idle {
                    continue;
                }
                // The socket is non-blocking (tokio made it so): read what is there.
                loop {
                    match (&*c.sock).read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => c.inbuf.extend_from_slice(&chunk[..n]),
                    }
                }
                let mut pos = 0;
                while let Ok((used, true)) = c.reader.read(&c.inbuf[pos..], 512 << 20) {
                    pos += used;
                    if !c.reader.argv().is_empty() {
                        out.push((id, c.reader.argv().to_vec()));
                    }
                }
                c.inbuf.drain(..pos);
            }
            out
        }

        fn reply(&mut self, client: u64, resp: u8, reply: &Reply) {
            use std::io::Write;
            let conns = self.conns.borrow();
            let Some(c) = conns.get(&client) else { return };
            let mut buf = Vec::new();
            encode(reply, resp, &mut buf);
            let mut left = &buf[..];
            let mut tries = 0;
            while !left.is_empty() && tries < 1000 {
                match (&*c.sock).write(left) {
                    Ok(n) => left = &left[n..],
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Err(_) => return,
                }
            }
        }
    }
    use kvlab::resp::{encode, RequestReader};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    struct Options {
        bind: String,
        port: u16,
        seed: u64,
        config: Config,
        /// `--user "<name> <rules>"` lines, as `user` lines of redis.conf.
        users: Vec<Vec<Vec<u8>>>,
    }

    /// The ACL file on disk, for ACL LOAD and ACL SAVE (written to a temporary file and
    /// renamed over the old one, as Redis does).
    struct FsAclStore;

    impl kvlab::engine::acl::AclStore for FsAclStore {
        fn read(&mut self, path: &str) -> Result<String, String> {
            std::fs::read_to_string(path).map_err(|e| {
                let why = e.to_string();
                let why = why
                    .split(" (os error")
                    .next()
                    .unwrap_or_default()
                    .to_string();
                format!("Error loading ACLs, opening file '{path}': {why}")
            })
        }
        fn write(&mut self, path: &str, text: &str) -> Result<(), String> {
            let tmp = format!("{path}.tmp-{}", std::process::id());
            let done = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
            if let Err(e) = done {
                let _ = std::fs::remove_file(&tmp);
                eprintln!("kvlab-server: writing ACL file for ACL SAVE: {e}");
                return Err(e.to_string());
            }
            Ok(())
        }
    }

    fn usage() -> ! {
        eprintln!(
            "Usage: kvlab-server [--port N] [--bind ADDR] [--seed N] [--<config-name> <value> ...]\n\
             Any CONFIG parameter can be given as a flag, e.g. --maxmemory 1mb --maxmemory-policy allkeys-lru"
        );
        std::process::exit(1)
    }

    fn parse_args() -> Options {
        let mut o = Options {
            bind: "127.0.0.1".into(),
            port: 6379,
            seed: std::process::id() as u64,
            config: Config::default(),
            users: Vec::new(),
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a == "-h" || a == "--help" {
                usage();
            }
            let Some(name) = a.strip_prefix("--") else {
                eprintln!("kvlab-server: unexpected argument '{a}'");
                usage();
            };
            let Some(value) = args.get(i + 1) else {
                eprintln!("kvlab-server: --{name} needs a value");
                usage();
            };
            match name {
                "port" => match value.parse() {
                    Ok(p) => o.port = p,
                    Err(_) => {
                        eprintln!("kvlab-server: invalid port '{value}'");
                        std::process::exit(1)
                    }
                },
                "bind" => {
                    o.bind = value
                        .split_whitespace()
                        .next()
                        .unwrap_or("127.0.0.1")
                        .into()
                }
                "seed" => o.seed = value.parse().unwrap_or(o.seed),
                "user" => o.users.push(
                    value
                        .split_whitespace()
                        .map(|w| w.as_bytes().to_vec())
                        .collect(),
                ),
                "daemonize" | "logfile" | "protected-mode" => {}
                "dir" => {
                    // Redis chdirs there; we keep the working directory and save there.
                    match std::fs::canonicalize(value) {
                        Ok(p) => {
                            let _ = o.config.set_startup("dir", &p.to_string_lossy());
                        }
                        Err(e) => {
                            eprintln!("kvlab-server: Can't chdir to '{value}': {e}");
                            std::process::exit(1)
                        }
                    }
                }
                _ => {
                    if let Err(e) = o.config.set_startup(name, value) {
                        eprintln!("kvlab-server: --{name} {value}: {e}");
                        std::process::exit(1)
                    }
                }
            }
            i += 2;
        }
        let _ = o.config.set_startup("port", &o.port.to_string());
        if o.config.get("dir").is_none_or(|d| d.is_empty()) {
            if let Ok(p) = std::env::current_dir() {
                let _ = o.config.set_startup("dir", &p.to_string_lossy());
            }
        }
        o
    }

    /// Writes an RDB image as Redis does: to a temporary file in the same directory,
    /// synced, then renamed over the target.
    fn write_rdb(file: &str, image: &[u8], tag: &str) -> Result<(), String> {
        use std::io::Write;
        let path = std::path::Path::new(file);
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let tmp = dir.join(format!("temp-{tag}-{}.rdb", std::process::id()));
        let r = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(image)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        r.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            eprintln!("kvlab-server: failed saving the DB to {file}: {e}");
            e.to_string()
        })
    }

    /// SAVE writes in place; BGSAVE serializes an owned copy of the keyspace on a
    /// thread of its own (the clients keep being served) and reports on `done`.
    struct FileRdb {
        done: std::sync::mpsc::Sender<bool>,
    }

    impl kvlab::engine::cmd::persist::RdbHost for FileRdb {
        fn save(&mut self, file: &str, image: &[u8]) -> Result<(), String> {
            write_rdb(file, image, "save")?;
            eprintln!("kvlab-server: DB saved on disk");
            Ok(())
        }

        fn load(&mut self, file: &str) -> Result<Vec<u8>, String> {
            std::fs::read(file).map_err(|e| e.to_string())
        }

        fn background(&mut self, file: String, job: kvlab::engine::cmd::persist::SaveJob) {
            let done = self.done.clone();
            eprintln!("kvlab-server: background saving started");
            std::thread::spawn(move || {
                let image = job.run();
                drop(job);
                let ok = write_rdb(&file, &image, "bgsave").is_ok();
                if ok {
                    eprintln!("kvlab-server: background saving terminated with success");
                }
                let _ = done.send(ok);
            });
        }
    }

    pub fn main() {
        let opts = parse_args();
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("kvlab-server: cannot start runtime: {e}");
                std::process::exit(1)
            }
        };
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, serve(opts));
    }

    /// ACLLoadUsersAtStartup: `--user` lines or the `aclfile`, never both.
    fn load_acls(eng: &mut Engine, users: &[Vec<Vec<u8>>]) {
        let aclfile = eng.core.config.get("aclfile").unwrap_or_default();
        if !aclfile.is_empty() && !users.is_empty() {
            eprintln!("kvlab-server: Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.");
            std::process::exit(1);
        }
        let pd = kvlab::engine::cmd::acl::pubsub_default(&eng.core);
        if let Err(e) = eng.core.acl.load_configured_users(users, pd) {
            eprintln!(
                "kvlab-server: {e}\nkvlab-server: Critical error while loading ACLs. Exiting."
            );
            std::process::exit(1);
        }
        if aclfile.is_empty() {
            return;
        }
        eng.core.acl.store = Some(Box::new(FsAclStore));
        use kvlab::engine::acl::AclStore;
        let loaded = FsAclStore
            .read(&aclfile)
            .and_then(|text| eng.core.acl.load_text(&text, &aclfile, pd));
        if let Err(e) = loaded {
            eprintln!("kvlab-server: Aborting Redis startup because of ACL errors: {e}");
            std::process::exit(1);
        }
    }

    async fn serve(opts: Options) {
        let addr = format!("{}:{}", opts.bind, opts.port);
        let listener = match TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("kvlab-server: cannot listen on {addr}: {e}");
                std::process::exit(1)
            }
        };
        let hz = opts.config.hz.max(1) as u64;
        let mut eng = Engine::with_config(Box::new(SystemClock), opts.seed, opts.config);
        load_acls(&mut eng, &opts.users);
        // Nothing in the server consumes key events yet (pub/sub will): don't collect them.
        eng.core.record_events = false;
        eng.core.pubsub.keep_recent = false;
        // As in Redis, a script runs until it ends or SCRIPT KILL stops it; other
        // clients get BUSY meanwhile. Only the memory ceiling stays.
        let conns: Conns = Rc::new(RefCell::new(HashMap::new()));
        eng.core.busy_io = Some(Box::new(ServerBusyIo {
            conns: conns.clone(),
        }));
        eng.core.script_limits.instructions = 0;
        eng.core.script_limits.ticks = true;
        // With `appendonly yes` the AOF directory is the dataset (the RDB file is not
        // read), as in Redis; it is created from the keyspace when there is none.
        let aof = Rc::new(RefCell::new(crate::aof::Aof::new(&eng)));
        let aof_on = eng.core.config.get("appendonly").as_deref() == Some("yes");
        if aof_on {
            let mut a = aof.borrow_mut();
            let loaded = a.load(&mut eng).and_then(|n| {
                if let Some(n) = n {
                    eprintln!("kvlab-server: DB loaded from append only file ({n} keys)");
                }
                a.open_at_start(&mut eng)
            });
            if let Err(e) = loaded {
                eprintln!("kvlab-server: {e}");
                std::process::exit(1)
            }
        }
        eng.core.aof_host = Some(Box::new(crate::aof::Host { aof: aof.clone() }));
        // The RDB file: loaded at start if it is there (a bad one stops the server, as
        // in Redis), written by SAVE, BGSAVE and the `save` points.
        let rdb_file = eng.core.rdb_path();
        match std::fs::read(&rdb_file) {
            Ok(_) if aof_on => {}
            Ok(bytes) => match eng.load_rdb(&bytes) {
                Ok(n) => eprintln!("kvlab-server: DB loaded from disk ({n} keys from {rdb_file})"),
                Err(e) => {
                    eprintln!("kvlab-server: Fatal error loading the DB {rdb_file}: {e}. Exiting.");
                    std::process::exit(1)
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                eprintln!("kvlab-server: Fatal error loading the DB {rdb_file}: {e}. Exiting.");
                std::process::exit(1)
            }
        }
        let (save_tx, save_rx) = std::sync::mpsc::channel::<bool>();
        eng.core.persist.host = Some(Box::new(FileRdb { done: save_tx }));
        let engine = Rc::new(RefCell::new(eng));
        eprintln!("kvlab-server ready to accept connections on {addr}");

        let waiters: Waiters = Rc::new(RefCell::new(HashMap::new()));
        // Active expiry, `hz` times a second, as Redis's serverCron; keys expiring can
        // also end blocking waits.
        let ticker = engine.clone();
        let tick_waiters = waiters.clone();
        let tick_aof = aof.clone();
        tokio::task::spawn_local(async move {
            let mut iv = tokio::time::interval(Duration::from_millis(1000 / hz));
            loop {
                iv.tick().await;
                let mut eng = ticker.borrow_mut();
                eng.tick();
                while let Ok(ok) = save_rx.try_recv() {
                    eng.bgsave_done(ok);
                }
                eng.run_save_points();
                tick_aof.borrow_mut().poll_rewrite(&mut eng);
                if tick_aof.borrow_mut().follow_config(&mut eng) {
                    eng.core.now = eng.now_ms();
                    let _ = eng.core.start_aof_rewrite();
                }
                eng.run_aof_schedule();
                wake(&mut eng, &tick_waiters);
            }
        });

        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((sock, peer)) = accepted else { continue };
                    let _ = sock.set_nodelay(true);
                    let local = sock.local_addr().map(|a| a.to_string()).unwrap_or_default();
                    let id = engine.borrow_mut().connect(&peer.to_string(), &local);
                    let e = engine.clone();
                    let w = waiters.clone();
                    let cs = conns.clone();
                    tokio::task::spawn_local(async move {
                        handle(e.clone(), w, cs.clone(), id, sock).await;
                        cs.borrow_mut().remove(&id);
                        e.borrow_mut().disconnect(id);
                    });
                }
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("kvlab-server: shutting down");
                    // As redis-server on SIGINT: save first when save points are set.
                    let mut eng = engine.borrow_mut();
                    eng.before_replies();
                    aof.borrow_mut().sync();
                    if eng.core.config.get("save").is_some_and(|s| !s.trim().is_empty()) {
                        eng.core.now = eng.now_ms();
                        let _ = eng.core.save_now();
                    }
                    return;
                }
            }
        }
    }

    /// Logs Redis's cross-protocol warning, at most once a minute as redis-server does
    /// (so that an attacker cannot flood the log).
    fn security_warning() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static LOGGED: AtomicU64 = AtomicU64::new(0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if now.abs_diff(LOGGED.load(Ordering::Relaxed)) > 60 {
            LOGGED.store(now, Ordering::Relaxed);
            eprintln!("kvlab-server: # {}", kvlab::engine::SECURITY_WARNING);
        }
    }

    /// Wakes the connections whose blocking command was served or timed out, those
    /// with Pub/Sub messages to write, and subscribers over their output buffer limit
    /// (which then close, as Redis frees them).
    fn wake(engine: &mut Engine, waiters: &Waiters) {
        let mut ids = engine.serve_blocked();
        ids.extend(engine.expire_blocked());
        // What this turn's commands, the blocked commands served here and active
        // expiry propagated goes to the AOF before any reply is written.
        engine.before_replies();
        ids.extend(engine.fresh_pushes());
        for id in engine.overflowed_clients() {
            if engine.close_client(id) {
                eprintln!(
                    "kvlab-server: client id={id} scheduled to be closed ASAP for overcoming of output buffer limits."
                );
            }
            ids.push(id);
        }
        let w = waiters.borrow();
        for id in ids {
            if let Some(n) = w.get(&id) {
                n.notify_one();
            }
        }
    }

    /// Writes `out`, giving up when the engine closes this client meanwhile (a subscriber
    /// over its output buffer limit stuck on a full socket). False: close.
    async fn write_out(
        sock: &mut TcpStream,
        out: &[u8],
        notify: &Notify,
        engine: &Rc<RefCell<Engine>>,
        id: u64,
    ) -> bool {
        if !engine.borrow().receives_pushes(id) {
            return sock.write_all(out).await.is_ok();
        }
        let mut pos = 0;
        while pos < out.len() {
            tokio::select! {
                r = sock.write(&out[pos..]) => match r {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => pos += n,
                },
                _ = notify.notified() => {
                    if engine.borrow().client(id).is_none_or(|c| c.close_after_reply) {
                        return false;
                    }
                }
            }
        }
        true
    }

    async fn handle(
        engine: Rc<RefCell<Engine>>,
        waiters: Waiters,
        conns: Conns,
        id: u64,
        mut sock: TcpStream,
    ) {
        use std::os::fd::{AsRawFd, FromRawFd};
        let notify = Rc::new(Notify::new());
        waiters.borrow_mut().insert(id, notify.clone());
        // SAFETY: the std stream shares the tokio socket's descriptor and is never
        // dropped (ManuallyDrop), so only tokio closes it; the entry is removed before.
        let shared = std::mem::ManuallyDrop::new(unsafe {
            std::net::TcpStream::from_raw_fd(sock.as_raw_fd())
        });
        conns.borrow_mut().insert(
            id,
            Conn {
                sock: shared,
                inbuf: Vec::with_capacity(16 * 1024),
                reader: RequestReader::new(),
                idle: false,
            },
        );
        let mut inbuf: Vec<u8> = Vec::with_capacity(16 * 1024);
        let mut out: Vec<u8> = Vec::with_capacity(16 * 1024);
        let mut chunk = vec![0u8; 64 * 1024];
        let mut reader = RequestReader::new();
        loop {
            // While waiting, the buffers are where a busy script can reach them.
            if let Some(c) = conns.borrow_mut().get_mut(&id) {
                std::mem::swap(&mut c.inbuf, &mut inbuf);
                std::mem::swap(&mut c.reader, &mut reader);
                c.idle = true;
            }
            // Pub/Sub messages other clients' commands queued for this one.
            let (closing, listening) = {
                let mut eng = engine.borrow_mut();
                let (closing, resp) = eng
                    .client(id)
                    .map_or((true, 2), |c| (c.close_after_reply, c.resp));
                for m in eng.take_pushes(id) {
                    encode(&m, resp, &mut out);
                }
                (closing, eng.receives_pushes(id))
            };
            if closing {
                break;
            }
            if !out.is_empty() {
                let ok = write_out(&mut sock, &out, &notify, &engine, id).await;
                out.clear();
                if !ok {
                    break;
                }
                continue;
            }
            // Only a subscriber or a monitor hears from other clients while it waits;
            // the rest just read (a client can only start listening by sending a command).
            let got = if listening {
                tokio::select! {
                    r = sock.read(&mut chunk) => Some(r),
                    _ = notify.notified() => None,
                }
            } else {
                Some(sock.read(&mut chunk).await)
            };
            if let Some(c) = conns.borrow_mut().get_mut(&id) {
                std::mem::swap(&mut c.inbuf, &mut inbuf);
                std::mem::swap(&mut c.reader, &mut reader);
                c.idle = false;
            }
            let n = match got {
                // Woken: messages to write, or told to close (both seen above).
                None => continue,
                Some(Ok(0)) | Some(Err(_)) => break,
                Some(Ok(n)) => n,
            };
            inbuf.extend_from_slice(&chunk[..n]);
            let mut pos = 0;
            let mut close = false;
            loop {
                let mut blocked = false;
                {
                    let mut eng = engine.borrow_mut();
                    let max_bulk = eng.core.config.proto_max_bulk_len;
                    let qbuf_limit = eng.core.config.client_query_buffer_limit as usize;
                    loop {
                        match reader.read(&inbuf[pos..], max_bulk) {
                            Ok((used, true)) if reader.argv().is_empty() => pos += used,
                            Ok((used, true)) => {
                                pos += used;
                                let reply = eng.execute(id, reader.argv());
                                if reply == Reply::Blocked {
                                    blocked = true;
                                    break;
                                }
                                if reply == Reply::Closed {
                                    security_warning();
                                }
                                let (resp, quit) = eng
                                    .client(id)
                                    .map(|c| (c.resp, c.close_after_reply))
                                    .unwrap_or((2, false));
                                // Messages the command published to this very client
                                // (RESP3) come before its reply, as in Redis.
                                for m in eng.take_pushes(id) {
                                    encode(&m, resp, &mut out);
                                }
                                encode(&reply, resp, &mut out);
                                for m in eng.take_after_reply(id) {
                                    encode(&m, resp, &mut out);
                                }
                                if quit {
                                    close = true;
                                    break;
                                }
                            }
                            Ok((used, false)) => {
                                pos += used;
                                // Redis closes a client whose query buffer outgrows the
                                // limit (here the half-read request's arguments count too).
                                if inbuf.len() - pos + reader.pending_bytes() > qbuf_limit {
                                    eprintln!(
                                        "kvlab-server: closing client {id} that reached max query buffer length"
                                    );
                                    close = true;
                                }
                                break;
                            }
                            Err(e) => {
                                e.encode(&mut out);
                                close = true;
                                break;
                            }
                        }
                    }
                    // What this batch wrote may serve clients parked in blocking pops.
                    wake(&mut eng, &waiters);
                }
                if !out.is_empty() {
                    if !write_out(&mut sock, &out, &notify, &engine, id).await {
                        close = true;
                    }
                    out.clear();
                }
                if !blocked || close {
                    break;
                }
                // Parked: wait until served or timed out, then go on with the rest of the
                // pipeline, as Redis does.
                loop {
                    let deadline = engine.borrow().block_deadline(id);
                    match deadline {
                        Some(d) => {
                            let left = (d - engine.borrow().now_ms()).max(0) as u64;
                            let _ = tokio::time::timeout(
                                Duration::from_millis(left),
                                notify.notified(),
                            )
                            .await;
                        }
                        None => notify.notified().await,
                    }
                    let mut eng = engine.borrow_mut();
                    wake(&mut eng, &waiters);
                    let resp = eng.client(id).map(|c| c.resp).unwrap_or(2);
                    // A RESP3 subscriber gets its messages while it blocks.
                    for m in eng.take_pushes(id) {
                        encode(&m, resp, &mut out);
                    }
                    if let Some((_, reply)) = eng.take_ready(id) {
                        encode(&reply, resp, &mut out);
                        break;
                    }
                    if eng.client(id).is_none_or(|c| c.close_after_reply) {
                        close = true;
                        break;
                    }
                }
                if close {
                    break;
                }
            }
            inbuf.drain(..pos);
            if close {
                let _ = sock.shutdown().await;
                break;
            }
        }
        waiters.borrow_mut().remove(&id);
    }
}
