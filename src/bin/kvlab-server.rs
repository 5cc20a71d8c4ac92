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
static ALLOCATOR: Mi = Mi;

/// mimalloc, asked the way C asks it when the alignment allows: the `mimalloc` crate
/// calls `mi_malloc_aligned` for every allocation, whose check for a block that happens
/// to be aligned costs more than `mi_malloc`'s fast path, and whose generic path takes
/// every allocation over 1 KB (a connection's buffers, a pipeline's replies). Every
/// block `mi_malloc` hands out is 8-aligned, and 16-aligned when its size is a multiple
/// of 16 (the size classes are multiples of 8 up to 64 bytes, of 16 above), so those
/// layouts go straight to it; any other alignment goes through the crate as before.
#[cfg(not(target_arch = "wasm32"))]
struct Mi;

#[cfg(not(target_arch = "wasm32"))]
mod mi_ffi {
    use std::ffi::c_void;
    // From the mimalloc library the `mimalloc` crate links in (libmimalloc-sys).
    unsafe extern "C" {
        pub fn mi_malloc(size: usize) -> *mut c_void;
        pub fn mi_zalloc(size: usize) -> *mut c_void;
        pub fn mi_realloc(p: *mut c_void, newsize: usize) -> *mut c_void;
        pub fn mi_free(p: *mut c_void);
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Mi {
    /// Whether `mi_malloc`'s natural alignment covers `align` for a block of `size`.
    #[inline(always)]
    fn natural(size: usize, align: usize) -> bool {
        align <= 8 || (align <= 16 && size % 16 == 0)
    }
}

#[cfg(not(target_arch = "wasm32"))]
// SAFETY: every path hands out mimalloc blocks of at least `layout.size()` bytes,
// aligned to `layout.align()` (see `natural`), and frees them with mi_free.
unsafe impl std::alloc::GlobalAlloc for Mi {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if Self::natural(layout.size(), layout.align()) {
            // SAFETY: plain C allocation of a non-zero size.
            unsafe { mi_ffi::mi_malloc(layout.size()) as *mut u8 }
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { std::alloc::GlobalAlloc::alloc(&mimalloc::MiMalloc, layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if Self::natural(layout.size(), layout.align()) {
            // SAFETY: as in `alloc`.
            unsafe { mi_ffi::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { std::alloc::GlobalAlloc::alloc_zeroed(&mimalloc::MiMalloc, layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator (mimalloc, whichever entry point).
        unsafe { mi_ffi::mi_free(ptr as *mut std::ffi::c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if Self::natural(new_size, layout.align()) {
            // SAFETY: `ptr` is a live mimalloc block; the new size is non-zero.
            unsafe { mi_ffi::mi_realloc(ptr as *mut std::ffi::c_void, new_size) as *mut u8 }
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { std::alloc::GlobalAlloc::realloc(&mimalloc::MiMalloc, ptr, layout, new_size) }
        }
    }
}

/// The event loop's thread stack. A Lua script may nest up to 200 metamethod or
/// `pcall` levels, each a few recursive interpreter frames in Rust (tens of KB in a
/// debug build): the main thread's 8 MB is not always enough, and overflowing it would
/// abort the server for every client.
#[cfg(not(target_arch = "wasm32"))]
const STACK_BYTES: usize = 256 << 20;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    disable_thp();
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

/// No transparent huge pages for this process, as redis-server does at start (its
/// `disable-thp yes` default). mimalloc asks for huge pages on its arenas, and a 2 MB
/// page is resident as soon as one byte of it is touched: with THP on, a few thousand
/// idle connections, whose small records are spread over the arena, cost twice the
/// memory (RSS) they would in 4 KB pages, and fork-based saves copy 2 MB per write.
#[cfg(target_os = "linux")]
fn disable_thp() {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory
    // of ours; a kernel without it answers an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(all(not(target_os = "linux"), not(target_arch = "wasm32")))]
fn disable_thp() {}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[path = "server/aof.rs"]
mod aof;

#[cfg(not(target_arch = "wasm32"))]
#[path = "server/conf.rs"]
mod conf;

#[cfg(not(target_arch = "wasm32"))]
#[path = "server/migrate.rs"]
mod migrate;

#[cfg(not(target_arch = "wasm32"))]
#[path = "server/replica.rs"]
mod replica;

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

    /// Redis's processEventsWhileBlocked, for a script past busy-reply-threshold: accepts
    /// new connections, reads what idle connections sent, under the limits and with the
    /// protocol errors of the usual path ([`RequestReader::next`]), and writes the
    /// engine's answers (BUSY, NOAUTH, or what the commands allowed while busy reply).
    struct ServerBusyIo {
        server: Shared,
        /// The listening sockets (CONFIG SET port/bind may swap them).
        listen: SharedListen,
    }

    impl kvlab::engine::BusyIo for ServerBusyIo {
        fn poll(&mut self, running: u64, engine: &mut dyn kvlab::engine::BusyEngine) {
            // As Redis's event loop accepts while a script runs: those clients are
            // answered (and held to the same limits) at once.
            let listeners: Vec<_> = self
                .listen
                .borrow()
                .listeners
                .iter()
                .map(|l| {
                    use std::os::fd::{AsRawFd, FromRawFd};
                    // SAFETY: as for connections: the descriptor stays tokio's, never
                    // closed through this view (ManuallyDrop), and no CONFIG SET can
                    // swap the listeners while a script runs.
                    std::mem::ManuallyDrop::new(unsafe {
                        std::net::TcpListener::from_raw_fd(l.as_raw_fd())
                    })
                })
                .collect();
            for l in &listeners {
                // A bounded number per poll, as Redis's MAX_ACCEPTS_PER_CALL.
                for _ in 0..1000 {
                    let Ok((sock, peer)) = l.accept() else { break };
                    let sock = sock
                        .set_nonblocking(true)
                        .and_then(|()| TcpStream::from_std(sock));
                    if let Ok(sock) = sock {
                        self.server.accept(&mut BusyAdmit(&mut *engine), sock, peer);
                    }
                }
            }
            let conns = self.server.conns.clone();
            let mut conns = conns.borrow_mut();
            let mut closed = Vec::new();
            for (&id, c) in conns.iter_mut() {
                if id != running && c.idle && serve_while_busy(id, c, engine) {
                    closed.push(id);
                }
            }
            drop(conns);
            // Their tasks close them when the script is over.
            let waiters = self.server.waiters.borrow();
            for id in closed {
                if let Some(n) = waiters.get(&id) {
                    n.notify_one();
                }
            }
        }

        /// The Lua debugger's conversation: blocking I/O on the debugging client's
        /// socket from inside the script, as Redis's connBlock (the whole server waits,
        /// as in Redis's sync mode).
        fn ldb_send(&mut self, client: u64, bytes: &[u8]) -> bool {
            use std::io::Write;
            let conns = self.server.conns.borrow();
            let Some(c) = conns.get(&client) else {
                return false;
            };
            let mut sock: &std::net::TcpStream = &c.sock;
            let _ = sock.set_nonblocking(false);
            let _ = sock.set_write_timeout(Some(Duration::from_secs(5)));
            let ok = sock.write_all(bytes).is_ok();
            let _ = sock.set_write_timeout(None);
            let _ = sock.set_nonblocking(true);
            ok
        }

        fn ldb_recv(&mut self, client: u64, buf: &mut Vec<u8>) -> bool {
            use std::io::Read;
            let conns = self.server.conns.borrow();
            let Some(c) = conns.get(&client) else {
                return false;
            };
            let mut sock: &std::net::TcpStream = &c.sock;
            let _ = sock.set_nonblocking(false);
            let mut chunk = [0u8; 1024];
            let got = match sock.read(&mut chunk) {
                Ok(n) if n > 0 => {
                    buf.extend_from_slice(&chunk[..n]);
                    true
                }
                _ => false,
            };
            let _ = sock.set_nonblocking(true);
            got
        }
    }

    /// The listening sockets' descriptors, for [`exit_after_shutdown`] to close.
    static LISTEN_FDS: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());

    /// Notes the listening sockets now open (at start, and after CONFIG SET port/bind).
    fn note_listeners(ls: &[TcpListener]) {
        use std::os::fd::AsRawFd;
        if let Ok(mut fds) = LISTEN_FDS.lock() {
            *fds = ls.iter().map(|l| l.as_raw_fd()).collect();
        }
    }

    /// SHUTDOWN saved and fsynced what it had to: no reply, as Redis exits (at once,
    /// even from inside a busy script). The listening sockets close first, as Redis's
    /// finishShutdown closes them: a client that sees its connection closed and
    /// connects again is refused, rather than accepted by a socket the exit has not
    /// reached yet.
    fn exit_after_shutdown() -> ! {
        if let Ok(fds) = LISTEN_FDS.lock() {
            for &fd in fds.iter() {
                // SAFETY: the process exits below; nothing uses these sockets again.
                unsafe {
                    libc::close(fd);
                }
            }
        }
        if let Some(p) = PIDFILE.get() {
            let _ = std::fs::remove_file(p);
        }
        crate::conf::log(
            crate::conf::WARNING,
            "Redis is now ready to exit, bye bye...",
        );
        std::process::exit(0);
    }

    /// Reads and answers one idle connection while a script is busy. True when the
    /// connection is to be closed (its reply written, the socket shut down).
    fn serve_while_busy(id: u64, c: &mut Conn, engine: &mut dyn kvlab::engine::BusyEngine) -> bool {
        use kvlab::resp::Next;
        use std::io::Read;
        let mut chunk = [0u8; 16 * 1024];
        let mut out = Vec::new();
        let mut close = false;
        // The socket is non-blocking (tokio made it so): read what is there, a chunk at
        // a time, each looked at before the next (as the usual path does).
        while !close {
            match (&*c.sock).read(&mut chunk) {
                // The client hung up: freed at once, as Redis's processEventsWhileBlocked
                // does (a replica that left no longer counts, even while a script runs).
                Ok(0) => {
                    close = true;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    close = true;
                    break;
                }
                Ok(n) => {
                    c.inbuf.extend_from_slice(&chunk[..n]);
                    let big = c
                        .reader
                        .pending_bulk()
                        .filter(|&b| b >= BIG_ARG)
                        .map(|b| b + 2);
                    engine.query_buffer_read(id, n, big);
                }
            }
            let mut pos = 0;
            while !close {
                match c.reader.next(&c.inbuf, &mut pos, engine.read_limits(id)) {
                    Next::Command => {
                        let (reply, resp, quit) = engine.run(id, c.reader.argv());
                        if engine.core().shutdown_pending {
                            exit_after_shutdown();
                        }
                        if reply != Reply::Closed {
                            encode(&reply, resp, &mut out);
                        }
                        close = quit;
                    }
                    Next::More => break,
                    Next::QueryBufferFull => {
                        query_buffer_full(id);
                        close = true;
                    }
                    Next::Error(e) => {
                        e.encode(&mut out);
                        close = true;
                    }
                }
            }
            c.inbuf.drain(..pos);
            engine.query_buffer_consumed(id, pos, c.reader.pending_bulk());
        }
        write_while_busy(&c.sock, &out);
        if close {
            engine.close(id);
            let _ = c.sock.shutdown(std::net::Shutdown::Both);
        }
        close
    }

    /// Writes to a non-blocking socket from inside a script (no event loop to wait on).
    fn write_while_busy(mut sock: &std::net::TcpStream, buf: &[u8]) {
        use std::io::Write;
        let mut left = buf;
        let mut tries = 0;
        while !left.is_empty() && tries < 1000 {
            match sock.write(left) {
                Ok(n) => left = &left[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(_) => return,
            }
        }
    }

    /// Logged when a client's query buffer outgrows client-query-buffer-limit.
    fn query_buffer_full(id: u64) {
        eprintln!("kvlab-server: closing client {id} that reached max query buffer length");
    }

    /// The clients served while a file loads slowly (`key-load-delay`): each request
    /// through the engine as always, which answers LOADING to most of them.
    struct LoadingClients<'a>(&'a mut Engine);

    impl kvlab::engine::BusyEngine for LoadingClients<'_> {
        fn read_limits(&self, client: u64) -> kvlab::resp::ReadLimits {
            self.0.read_limits(client)
        }
        fn run(&mut self, client: u64, argv: &[Vec<u8>]) -> (Reply, u8, bool) {
            let reply = self.0.execute(client, argv);
            let (resp, close) = self
                .0
                .client(client)
                .map_or((2, false), |c| (c.resp, c.close_after_reply));
            (reply, resp, close)
        }
        fn close(&mut self, client: u64) {
            self.0.close_client(client);
        }
        fn core(&mut self) -> &mut kvlab::engine::Core {
            &mut self.0.core
        }
        fn connect(&mut self, addr: &str, laddr: &str) -> u64 {
            self.0.connect(addr, laddr)
        }
        fn query_buffer_read(&mut self, client: u64, n: usize, big_bulk: Option<usize>) {
            self.0.query_buffer_read(client, n, big_bulk);
        }
        fn query_buffer_consumed(&mut self, client: u64, n: usize, pending: Option<usize>) {
            self.0.query_buffer_consumed(client, n, pending);
        }
    }

    /// SIGTERM came while a file was loading slowly.
    static TERM_WHILE_LOADING: std::sync::atomic::AtomicBool =
        std::sync::atomic::AtomicBool::new(false);

    /// True once in `n` calls on average (Redis's `rand() % n == 0`).
    fn rand_one_in(n: u64) -> bool {
        use std::sync::atomic::{AtomicU64, Ordering};
        static STATE: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
        let x = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
        let x = (x ^ (x >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        n == 0 || (x ^ (x >> 27)) % n == 0
    }

    /// What accepting a connection needs of the engine: the engine itself (the
    /// listener's task), or the one a busy script runs in.
    trait Admit {
        fn core(&mut self) -> &mut kvlab::engine::Core;
        fn connect(&mut self, addr: &str, laddr: &str) -> u64;
    }

    impl Admit for Engine {
        fn core(&mut self) -> &mut kvlab::engine::Core {
            &mut self.core
        }
        fn connect(&mut self, addr: &str, laddr: &str) -> u64 {
            Engine::connect(self, addr, laddr)
        }
    }

    struct BusyAdmit<'a>(&'a mut dyn kvlab::engine::BusyEngine);

    impl Admit for BusyAdmit<'_> {
        fn core(&mut self) -> &mut kvlab::engine::Core {
            self.0.core()
        }
        fn connect(&mut self, addr: &str, laddr: &str) -> u64 {
            self.0.connect(addr, laddr)
        }
    }

    /// What every connection's task shares.
    #[derive(Clone)]
    struct Shared {
        engine: Rc<RefCell<Engine>>,
        waiters: Waiters,
        conns: Conns,
        /// `appendfsync always`: replies wait for the group fsync (see server/aof.rs).
        gate: Rc<crate::aof::Gate>,
    }

    impl Shared {
        /// A connection accepted (by a listener's task, or by a busy script's loop):
        /// refused as Redis's acceptCommonHandler and clientAcceptHandler refuse
        /// (maxclients, then protected mode: an error line, then closed), or registered
        /// and given a task of its own.
        fn accept(&self, eng: &mut dyn Admit, sock: TcpStream, peer: std::net::SocketAddr) {
            use std::os::fd::{AsRawFd, FromRawFd};
            if let Some(refusal) = admission(eng.core(), peer.ip()) {
                let _ = sock.try_write(refusal.as_bytes());
                eng.core().stats.rejected_connections += 1;
                return;
            }
            let _ = sock.set_nodelay(true);
            keepalive(&sock, &eng.core().config);
            let local = sock.local_addr().map(|a| a.to_string()).unwrap_or_default();
            let id = eng.connect(&peer.to_string(), &local);
            crate::conf::log(crate::conf::VERBOSE, &format!("Accepted {peer}"));
            // SAFETY: the std stream shares the tokio socket's descriptor and is never
            // dropped (ManuallyDrop), so only tokio closes it; the entry is removed before.
            let shared = std::mem::ManuallyDrop::new(unsafe {
                std::net::TcpStream::from_raw_fd(sock.as_raw_fd())
            });
            // Idle from the start: a script busy now (or before the task first runs)
            // serves it meanwhile.
            self.conns.borrow_mut().insert(
                id,
                Conn {
                    sock: shared,
                    inbuf: Vec::new(),
                    reader: RequestReader::new(),
                    idle: true,
                },
            );
            let server = self.clone();
            tokio::task::spawn_local(async move {
                handle(server.clone(), id, sock).await;
                server.conns.borrow_mut().remove(&id);
                server.engine.borrow_mut().disconnect(id);
            });
        }
    }
    use kvlab::resp::{encode, Next, RequestReader};
    use tokio::io::AsyncWriteExt;
    use tokio::net::{TcpListener, TcpStream};

    struct Options {
        bind: String,
        port: u16,
        seed: u64,
        config: Config,
        /// `--user "<name> <rules>"` lines, as `user` lines of redis.conf.
        users: Vec<Vec<Vec<u8>>>,
        configfile: Option<String>,
        renames: kvlab::engine::table::Renames,
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
            "Usage: kvlab-server [/path/to/redis.conf] [--port N] [--bind ADDR] [--seed N] [--<config-name> <value> ...]\n\
             \x20      kvlab-server - (read the configuration from stdin)\n\
             Any CONFIG parameter can be given as a flag or a config file line, e.g. --maxmemory 1mb --maxmemory-policy allkeys-lru --save 900 1"
        );
        std::process::exit(1)
    }

    fn parse_args() -> Options {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.iter().any(|a| a == "-h" || a == "--help") {
            usage();
        }
        if args.first().is_some_and(|a| a == "-v" || a == "--version") {
            println!(
                "kvlab-server v={} (Redis {} compatible)",
                env!("CARGO_PKG_VERSION"),
                kvlab::engine::VERSION
            );
            std::process::exit(0)
        }
        let loaded = crate::conf::load(&args);
        let config = loaded.config;
        let port = config
            .get("port")
            .and_then(|p| p.parse().ok())
            .unwrap_or(6379);
        let bind = config.get("bind").unwrap_or_default();
        Options {
            bind,
            port,
            seed: loaded.seed.unwrap_or(std::process::id() as u64),
            config,
            users: loaded.users,
            configfile: loaded.configfile,
            renames: loaded.renames,
        }
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

    /// The listening sockets, swapped by CONFIG SET port/bind while the one accept task
    /// polls whatever is there (Redis's changeListenPort and changeBindAddr).
    #[derive(Default)]
    struct Listen {
        listeners: Vec<TcpListener>,
        waker: Option<std::task::Waker>,
        bind: String,
        port: u16,
    }
    type SharedListen = Rc<RefCell<Listen>>;

    /// Listens on every address of a `bind` value (`*` is every IPv4 address, `::*`
    /// every IPv6 one; a leading `-` marks an address that may be missing), as Redis's
    /// listenToPort: SO_REUSEADDR, IPV6_V6ONLY, backlog `tcp-backlog`.
    fn listen_all(bind: &str, port: u16, backlog: u32) -> Result<Vec<TcpListener>, String> {
        let mut out = Vec::new();
        let words: Vec<&str> = bind.split_whitespace().collect();
        let words = if words.is_empty() { vec!["*"] } else { words };
        for word in words {
            let optional = word.starts_with('-');
            let host = word.trim_start_matches('-');
            let ip: std::net::IpAddr = match host {
                "*" => std::net::Ipv4Addr::UNSPECIFIED.into(),
                "::*" => std::net::Ipv6Addr::UNSPECIFIED.into(),
                h => match h.parse() {
                    Ok(ip) => ip,
                    Err(_) => {
                        let e = format!(
                            "Could not create server TCP listening socket {host}:{port}: Name or service not known"
                        );
                        if optional {
                            continue;
                        }
                        return Err(e);
                    }
                },
            };
            let addr = std::net::SocketAddr::new(ip, port);
            let made = (|| {
                let sock = if ip.is_ipv6() {
                    let s = tokio::net::TcpSocket::new_v6()?;
                    use std::os::fd::AsRawFd;
                    let one: libc::c_int = 1;
                    // SAFETY: setsockopt reads one c_int we own, on our socket's fd.
                    unsafe {
                        libc::setsockopt(
                            s.as_raw_fd(),
                            libc::IPPROTO_IPV6,
                            libc::IPV6_V6ONLY,
                            &one as *const libc::c_int as *const libc::c_void,
                            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                        );
                    }
                    s
                } else {
                    tokio::net::TcpSocket::new_v4()?
                };
                sock.set_reuseaddr(true)?;
                sock.bind(addr)?;
                sock.listen(backlog)
            })();
            match made {
                Ok(l) => out.push(l),
                Err(e) => {
                    let missing = matches!(
                        e.raw_os_error(),
                        Some(libc::EADDRNOTAVAIL | libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT)
                    );
                    if optional && missing {
                        continue;
                    }
                    let why = e.to_string();
                    let why = why.split(" (os error").next().unwrap_or_default();
                    return Err(format!(
                        "Could not create server TCP listening socket {host}:{port}: bind: {why}"
                    ));
                }
            }
        }
        Ok(out)
    }

    fn backlog(config: &Config) -> u32 {
        config
            .get("tcp-backlog")
            .and_then(|b| b.parse().ok())
            .unwrap_or(511)
    }

    /// CONFIG SET's side outside the engine: listeners, working directory, log level.
    struct ServerConfigHost {
        listen: SharedListen,
        /// The configuration file's absolute path (CONFIG REWRITE).
        file: Option<String>,
    }

    impl kvlab::engine::config::ConfigHost for ServerConfigHost {
        fn config_file(&self) -> Option<String> {
            self.file.clone()
        }

        fn read_config_file(&mut self, path: &str) -> Result<String, String> {
            match std::fs::read(path) {
                Ok(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
                Err(e) => Err(os_reason(&e)),
            }
        }

        fn write_config_file(&mut self, path: &str, text: &str) -> Result<(), String> {
            use std::io::Write;
            let tmp = format!("{path}.{}.tmp", std::process::id());
            let done = std::fs::File::create(&tmp)
                .and_then(|mut f| {
                    f.write_all(text.as_bytes())?;
                    f.sync_all()
                })
                .and_then(|()| std::fs::rename(&tmp, path));
            done.map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                crate::conf::log(
                    crate::conf::WARNING,
                    &format!("Could not write the config file {path}: {e}"),
                );
                os_reason(&e)
            })
        }

        fn apply(&mut self, name: &str, config: &Config) -> Result<Option<String>, String> {
            let get = |n: &str| config.get(n).unwrap_or_default();
            match name {
                "port" => {
                    let port: u16 = get("port").parse().unwrap_or(0);
                    let mut l = self.listen.borrow_mut();
                    match listen_all(&l.bind, port, backlog(config)) {
                        Ok(new) => {
                            l.listeners = new;
                            note_listeners(&l.listeners);
                            l.port = port;
                            if let Some(w) = l.waker.take() {
                                w.wake();
                            }
                            Ok(None)
                        }
                        Err(e) => {
                            crate::conf::log(crate::conf::WARNING, &e);
                            Err("Unable to listen on this port. Check server logs.".into())
                        }
                    }
                }
                "bind" => {
                    let bind = get("bind");
                    let mut l = self.listen.borrow_mut();
                    // The old sockets close first (the addresses may be the same).
                    l.listeners.clear();
                    let result = match listen_all(&bind, l.port, backlog(config)) {
                        Ok(new) => {
                            l.listeners = new;
                            note_listeners(&l.listeners);
                            l.bind = bind;
                            Ok(None)
                        }
                        Err(e) => {
                            crate::conf::log(crate::conf::WARNING, &e);
                            let (old, port) = (l.bind.clone(), l.port);
                            if let Ok(back) = listen_all(&old, port, backlog(config)) {
                                l.listeners = back;
                            }
                            note_listeners(&l.listeners);
                            Err("Failed to bind to specified addresses.".into())
                        }
                    };
                    if let Some(w) = l.waker.take() {
                        w.wake();
                    }
                    result
                }
                "dir" => crate::conf::chdir(&get("dir")).map(Some),
                "loglevel" => {
                    crate::conf::set_level(&get("loglevel"));
                    Ok(None)
                }
                _ => Ok(None),
            }
        }
    }

    /// An I/O error as strerror words ("No such file or directory").
    fn os_reason(e: &std::io::Error) -> String {
        let why = e.to_string();
        why.split(" (os error")
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// The `pidfile`, removed when the server exits.
    struct PidFile(String);

    /// The pidfile's path, for SHUTDOWN's exit (which runs no destructors).
    static PIDFILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

    impl Drop for PidFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    async fn serve(opts: Options) {
        use crate::conf::{log, log_as, NOTICE, WARNING};
        let pid = std::process::id();
        log_as(
            'C',
            WARNING,
            "oO0OoO0OoO0Oo KV Lab is starting oO0OoO0OoO0Oo",
        );
        log_as(
            'C',
            WARNING,
            &format!(
                "KV Lab kvlab-server {} (Redis version={} compatible), bits=64, pid={pid}, just started",
                env!("CARGO_PKG_VERSION"),
                kvlab::engine::VERSION
            ),
        );
        match &opts.configfile {
            Some(_) => log_as('C', WARNING, "Configuration loaded"),
            None => log_as('C', WARNING, "Warning: no config file specified, using the default config. In order to specify a config file use kvlab-server /path/to/redis.conf"),
        }
        let _pidfile = opts
            .config
            .get("pidfile")
            .filter(|p| !p.is_empty())
            .and_then(|p| match std::fs::write(&p, format!("{pid}\n")) {
                Ok(()) => {
                    let _ = PIDFILE.set(p.clone());
                    Some(PidFile(p))
                }
                Err(e) => {
                    log(WARNING, &format!("Failed to write PID file: {e}"));
                    None
                }
            });
        let listen: SharedListen = Rc::new(RefCell::new(Listen {
            bind: opts.bind.clone(),
            port: opts.port,
            ..Default::default()
        }));
        match listen_all(&opts.bind, opts.port, backlog(&opts.config)) {
            Ok(l) => {
                note_listeners(&l);
                listen.borrow_mut().listeners = l;
            }
            Err(e) => {
                log(WARNING, &format!("Warning: {e}"));
                log(
                    WARNING,
                    &format!("Failed listening on port {} (TCP), aborting.", opts.port),
                );
                std::process::exit(1)
            }
        }
        if opts.config.get("always-show-logo").as_deref() == Some("yes") {
            crate::conf::log_raw(&crate::conf::logo(&opts.port.to_string(), pid));
        } else {
            log(
                NOTICE,
                &format!("Running mode=standalone, port={}.", opts.port),
            );
        }
        log(WARNING, "Server initialized");
        let hz = opts.config.hz.max(1) as u64;
        let mut eng = Engine::with_config(Box::new(SystemClock), opts.seed, opts.config);
        eng.core.renames = opts.renames.clone();
        load_acls(&mut eng, &opts.users);
        eng.core.config_host = Some(Box::new(ServerConfigHost {
            listen: listen.clone(),
            file: opts.configfile.clone(),
        }));
        eng.core.migrate.host = Some(Box::new(crate::migrate::TcpHost));
        // Nothing in the server consumes key events yet (pub/sub will): don't collect them.
        eng.core.record_events = false;
        eng.core.pubsub.keep_recent = false;
        // As in Redis, a script runs until it ends or SCRIPT KILL stops it; other
        // clients get BUSY meanwhile (ServerBusyIo, below). Only the memory ceiling stays.
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
        eng.core.logger = Some(crate::conf::log);
        // The RDB file: loaded at start if it is there (a bad one stops the server, as
        // in Redis), written by SAVE, BGSAVE and the `save` points.
        let rdb_file = eng.core.rdb_path();
        // With `key-load-delay` (a test hook), the file loads slowly while clients are
        // served (below, once they can be).
        let key_load_delay: i64 = eng
            .core
            .config
            .get("key-load-delay")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut slow_image = None;
        match std::fs::read(&rdb_file) {
            Ok(_) if aof_on => {}
            Ok(bytes) if key_load_delay != 0 => slow_image = Some(bytes),
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
        // `replicaof host port` in the configuration: a replica from the start.
        if let Some(v) = eng.core.config.get("replicaof").filter(|v| !v.is_empty()) {
            if let Some((h, p)) = v.rsplit_once(' ') {
                let now = eng.now_ms();
                eng.core
                    .set_master(h.to_string(), p.parse().unwrap_or(6379), now);
            }
        }
        let (save_tx, save_rx) = std::sync::mpsc::channel::<bool>();
        eng.core.persist.host = Some(Box::new(FileRdb { done: save_tx }));
        let engine = Rc::new(RefCell::new(eng));
        let waiters: Waiters = Rc::new(RefCell::new(HashMap::new()));
        let server = Shared {
            engine: engine.clone(),
            waiters: waiters.clone(),
            conns: Rc::new(RefCell::new(HashMap::new())),
            gate: aof.borrow().gate(),
        };
        engine.borrow_mut().core.busy_io = Some(Box::new(ServerBusyIo {
            server: server.clone(),
            listen: listen.clone(),
        }));
        // SIGTERM: shut down (once running; while loading, at once and without saving,
        // as Redis's whileBlockedCron does). Tokio's handler, registered after ours,
        // calls ours too; ours only notes the signal for the loading loop (tokio's
        // driver does not run while it loads).
        if slow_image.is_some() {
            extern "C" fn note_term(_: libc::c_int) {
                TERM_WHILE_LOADING.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            // SAFETY: the handler only stores to an atomic (async-signal-safe).
            unsafe {
                libc::signal(
                    libc::SIGTERM,
                    note_term as extern "C" fn(libc::c_int) as libc::sighandler_t,
                );
            }
        }
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        if let Some(bytes) = slow_image {
            let mut eng = engine.borrow_mut();
            let mut io = eng.core.busy_io.take();
            let mut between = |e: &mut Engine| {
                // Redis's debugDelay: a negative value sleeps 1 µs once in that many keys.
                let us = if key_load_delay < 0 {
                    u64::from(rand_one_in(key_load_delay.unsigned_abs()))
                } else {
                    key_load_delay as u64
                };
                if us > 0 {
                    std::thread::sleep(Duration::from_micros(us));
                }
                if let Some(io) = io.as_mut() {
                    io.poll(0, &mut LoadingClients(e));
                }
                {
                    if TERM_WHILE_LOADING.load(std::sync::atomic::Ordering::Relaxed) {
                        log(WARNING, "Received SIGTERM scheduling shutdown...");
                        if let Some(p) = PIDFILE.get() {
                            let _ = std::fs::remove_file(p);
                        }
                        std::process::exit(0);
                    }
                }
            };
            match eng.load_rdb_slowly(&bytes, &mut between) {
                Ok(n) => eprintln!("kvlab-server: DB loaded from disk ({n} keys from {rdb_file})"),
                Err(e) => {
                    eprintln!("kvlab-server: Fatal error loading the DB {rdb_file}: {e}. Exiting.");
                    std::process::exit(1)
                }
            }
            eng.core.busy_io = io;
        }
        log(NOTICE, "Ready to accept connections");

        // Active expiry, `hz` times a second, as Redis's serverCron; keys expiring can
        // also end blocking waits.
        let ticker = engine.clone();
        let tick_waiters = waiters.clone();
        let tick_aof = aof.clone();
        let mut link_gen = 0u64;
        tokio::task::spawn_local(async move {
            let mut iv = tokio::time::interval(Duration::from_millis(1000 / hz));
            let mut ticks = 0u64;
            loop {
                iv.tick().await;
                // REPLICAOF moved the master: the link to the new one starts (the old
                // task ends when it sees the generation change).
                let gen = ticker.borrow().core.repl.master_gen;
                if gen != link_gen {
                    link_gen = gen;
                    if ticker.borrow().core.repl.master.is_some() {
                        let w = tick_waiters.clone();
                        let after: crate::replica::AfterBatch =
                            Rc::new(move |eng: &mut Engine| wake(eng, &w));
                        tokio::task::spawn_local(crate::replica::run(ticker.clone(), gen, after));
                    }
                }
                let mut eng = ticker.borrow_mut();
                // While clients are paused keys do not expire actively (Redis's
                // activeExpireCycle returns at once then).
                if !eng.paused() {
                    eng.tick();
                }
                while let Ok(ok) = save_rx.try_recv() {
                    eng.bgsave_done(ok);
                }
                eng.run_save_points();
                ticks += 1;
                // Once a second, as clientsCron: clients idle past `timeout` go.
                if ticks % hz == 0 {
                    close_idle(&mut eng);
                }
                tick_aof.borrow_mut().poll_rewrite(&mut eng);
                if tick_aof.borrow_mut().follow_config(&mut eng) {
                    eng.core.now = eng.now_ms();
                    let _ = eng.core.start_aof_rewrite();
                }
                eng.run_aof_schedule();
                wake(&mut eng, &tick_waiters);
            }
        });

        {
            let server = server.clone();
            let listen = listen.clone();
            tokio::task::spawn_local(async move {
                loop {
                    let accepted = std::future::poll_fn(|cx| {
                        let mut l = listen.borrow_mut();
                        for listener in &l.listeners {
                            if let std::task::Poll::Ready(r) = listener.poll_accept(cx) {
                                return std::task::Poll::Ready(r);
                            }
                        }
                        l.waker = Some(cx.waker().clone());
                        std::task::Poll::Pending
                    })
                    .await;
                    let (sock, peer) = match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            // Out of descriptors (EMFILE) and the like: wait a little
                            // rather than spin on a listener that stays ready.
                            eprintln!("kvlab-server: accepting a client connection: {e}");
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    };
                    let mut eng = server.engine.borrow_mut();
                    server.accept(&mut *eng, sock, peer);
                }
            });
        }
        // SIGINT or SIGTERM: shut down as redis-server does (save when save points are
        // set; the pidfile goes).
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let signal = tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = terminated => "SIGTERM",
        };
        log(
            WARNING,
            &format!("Received {signal} scheduling shutdown..."),
        );
        // As redis-server on SIGINT: save first when save points are set.
        let mut eng = engine.borrow_mut();
        // What the AOF still holds in memory goes to disk first.
        eng.before_replies();
        aof.borrow_mut().sync();
        if eng
            .core
            .config
            .get("save")
            .is_some_and(|s| !s.trim().is_empty())
        {
            eng.core.now = eng.now_ms();
            let _ = eng.core.save_now();
        }
    }

    /// `tcp-keepalive` (seconds; 0 is off) on an accepted socket, as Redis's
    /// anetKeepAlive: SO_KEEPALIVE, first probe after that idle time, then every third of it.
    fn keepalive(sock: &TcpStream, config: &Config) {
        let secs: libc::c_int = config
            .get("tcp-keepalive")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if secs <= 0 {
            return;
        }
        use std::os::fd::AsRawFd;
        let fd = sock.as_raw_fd();
        let set = |level: libc::c_int, name: libc::c_int, v: libc::c_int| {
            // SAFETY: setsockopt reads one c_int we own, on the socket's open fd.
            unsafe {
                libc::setsockopt(
                    fd,
                    level,
                    name,
                    &v as *const libc::c_int as *const libc::c_void,
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        };
        set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
        #[cfg(target_os = "linux")]
        {
            set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs);
            set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, (secs / 3).max(1));
            set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3);
        }
    }

    /// Redis's protected-mode refusal, byte for byte.
    const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

    /// Whether a peer counts as local for protected mode: exactly 127.0.0.1 or ::1, as
    /// Redis's islocalClient compares the address text (127.0.0.2 or an IPv4-mapped
    /// ::ffff:127.0.0.1 are not).
    pub(crate) fn is_local(ip: std::net::IpAddr) -> bool {
        match ip {
            std::net::IpAddr::V4(a) => a == std::net::Ipv4Addr::LOCALHOST,
            std::net::IpAddr::V6(a) => a == std::net::Ipv6Addr::LOCALHOST,
        }
    }

    /// Whether protected mode refuses a peer: it is on, the default user has no
    /// password (`requirepass` empty or absent) and the peer is not local.
    pub(crate) fn protected_refuses(
        protected: bool,
        requirepass: &str,
        ip: std::net::IpAddr,
    ) -> bool {
        protected && requirepass.is_empty() && !is_local(ip)
    }

    /// The refusal a new connection gets, if any: maxclients first, then protected mode.
    fn admission(core: &kvlab::engine::Core, ip: std::net::IpAddr) -> Option<&'static str> {
        let cfg = &core.config;
        let max: usize = cfg
            .get("maxclients")
            .and_then(|m| m.parse().ok())
            .unwrap_or(10_000);
        if core.connected_clients >= max {
            return Some(if core.cluster.is_some() {
                "-ERR max number of clients + cluster connections reached\r\n"
            } else {
                "-ERR max number of clients reached\r\n"
            });
        }
        let protected = cfg.get("protected-mode").as_deref() == Some("yes");
        let pass = cfg.get("requirepass").unwrap_or_default();
        protected_refuses(protected, &pass, ip).then_some(DENIED)
    }

    /// Marks the clients idle past `timeout` to be closed (Redis's
    /// clientsCronHandleTimeout); `wake` then wakes them.
    fn close_idle(engine: &mut Engine) {
        let timeout: i64 = engine
            .core
            .config
            .get("timeout")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        for id in engine.idle_clients(timeout) {
            if engine.close_client(id) {
                eprintln!("kvlab-server: closing idle client id={id}");
                engine.core.admin.killed.push(id);
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
        // Replicas with replication stream to write.
        ids.extend(engine.repl_pending());
        // Killed clients (CLIENT KILL, idle timeout) close now, wherever they wait.
        ids.extend(engine.take_killed());
        // Clients held by a pause look again once it ends or is lifted.
        if engine.pause_lifted() {
            for n in waiters.borrow().values() {
                n.notify_one();
            }
        }
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
        gate: &crate::aof::Gate,
        id: u64,
    ) -> bool {
        // Under `appendfsync always` no reply goes out before an fsync has covered
        // every write made so far, this client's and the others' it may have seen
        // (Redis's beforeSleep fsyncs before handleClientsWithPendingWrites).
        gate.wait().await;
        // Written a piece at a time, so that a client killed (CLIENT KILL, a buffer
        // limit) while it does not read is dropped at once, as Redis frees it.
        let mut pos = 0;
        while pos < out.len() {
            tokio::select! {
                // Writing first: a word from elsewhere matters only while the socket is
                // full (a QUIT's own reply is never cut short by it).
                biased;
                r = sock.write(&out[pos..]) => match r {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => {
                        pos += n;
                        engine.borrow_mut().net_written(id, n);
                    }
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

    /// Puts the connection's task at the back of the run queue once, so that the
    /// tasks of the other connections one poll found readable run their commands first
    /// and every reply is written after them, as redis-server reads every ready client
    /// and only then writes (beforeSleep's handleClientsWithPendingWrites). Writing at
    /// once instead wakes the benchmark client for each reply: with 50 pipelining
    /// connections that doubled the server's system time per request. Unlike
    /// `tokio::task::yield_now` (which waits for the next poll of the I/O driver, one
    /// more epoll_wait per request for a lone client) it only requeues the task: the
    /// LocalSet runs its queue in order, and a lone task comes straight back.
    struct WriteBehind(bool);

    impl std::future::Future for WriteBehind {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 {
                return std::task::Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }

    /// Flush the output of a long pipeline once this much is waiting: a client reading
    /// slowly holds at most about this much (plus one reply), not all of its replies.
    const FLUSH_AT: usize = 1 << 20;

    /// Redis's PROTO_MBULK_BIG_ARG: a bulk argument this long is read on its own.
    const BIG_ARG: usize = 32 * 1024;

    /// What one command left for the connection.
    enum Step {
        Go,
        Blocked,
        Close,
    }

    /// Runs one command and appends what it sends: pushes it published to this very
    /// client first (RESP3), its reply, then what goes after (a monitor's own line).
    fn run_one(eng: &mut Engine, id: u64, argv: &[Vec<u8>], out: &mut Vec<u8>) -> Step {
        let reply = eng.execute(id, argv);
        if eng.core.shutdown_pending {
            exit_after_shutdown();
        }
        if matches!(reply, Reply::Blocked) {
            return Step::Blocked;
        }
        if matches!(reply, Reply::Closed) {
            security_warning();
        }
        let (resp, quit) = eng
            .client(id)
            .map(|c| (c.resp, c.close_after_reply))
            .unwrap_or((2, false));
        eng.write_pushes(id, resp, out, |m, o| encode(m, resp, o));
        encode(&reply, resp, out);
        for m in eng.take_after_reply(id) {
            encode(&m, resp, out);
        }
        // A replica's stream (PSYNC's image, then the writes) follows in order.
        eng.take_repl_output(id, out);
        if quit {
            Step::Close
        } else {
            Step::Go
        }
    }

    /// `client-output-buffer-limit normal`, checked as Redis checks it when a reply is
    /// added: over the hard limit, or over the soft limit for longer than its seconds.
    /// Redis counts what overflows its 16 KB static reply buffer.
    fn over_normal_limit(
        eng: &Engine,
        id: u64,
        pending: usize,
        soft_since: &mut Option<std::time::Instant>,
    ) -> bool {
        let lim = eng.core.config.normal_limit;
        if (lim.hard == 0 && lim.soft == 0) || eng.core.pubsub.subscribed(id) {
            return false;
        }
        let used = pending.saturating_sub(16 * 1024) as u64;
        if lim.hard > 0 && used >= lim.hard {
            return true;
        }
        if lim.soft > 0 && used >= lim.soft {
            let since = soft_since.get_or_insert_with(std::time::Instant::now);
            return since.elapsed().as_secs() > lim.soft_seconds;
        }
        *soft_since = None;
        false
    }

    async fn handle(server: Shared, id: u64, mut sock: TcpStream) {
        let Shared {
            engine,
            waiters,
            conns,
            gate,
        } = server;
        let notify = Rc::new(Notify::new());
        waiters.borrow_mut().insert(id, notify.clone());
        // Buffers are allocated when input comes and dropped when drained, so an idle
        // connection holds little (10,000 idle clients should not cost a gigabyte).
        // They start as what a busy script read of this connection before its task
        // first ran (a request begun then goes on).
        let (mut inbuf, mut reader): (Vec<u8>, RequestReader) = conns
            .borrow_mut()
            .get_mut(&id)
            .map(|c| {
                c.idle = false;
                (std::mem::take(&mut c.inbuf), std::mem::take(&mut c.reader))
            })
            .unwrap_or_default();
        let mut out: Vec<u8> = Vec::new();
        // A command held by CLIENT PAUSE, run once the pause ends.
        let mut held: Option<Vec<Vec<u8>>> = None;
        let mut soft_since = None;
        loop {
            // While waiting, the buffers are where a busy script can reach them.
            if let Some(c) = conns.borrow_mut().get_mut(&id) {
                std::mem::swap(&mut c.inbuf, &mut inbuf);
                std::mem::swap(&mut c.reader, &mut reader);
                c.idle = true;
            }
            // Pub/Sub messages other clients' commands queued for this one.
            let closing = {
                let mut eng = engine.borrow_mut();
                let (closing, resp) = eng
                    .client(id)
                    .map_or((true, 2), |c| (c.close_after_reply, c.resp));
                eng.write_pushes(id, resp, &mut out, |m, o| encode(m, resp, o));
                // A replica: the replication stream written since.
                eng.take_repl_output(id, &mut out);
                closing
            };
            if closing {
                break;
            }
            if !out.is_empty() {
                let ok = write_out(&mut sock, &out, &notify, &engine, &gate, id).await;
                out.clear();
                if !ok {
                    break;
                }
                continue;
            }
            if out.capacity() > 64 * 1024 {
                out = Vec::new();
            }
            // Wait for input, or for a word from another client's command (a message
            // for a subscriber or monitor, CLIENT KILL, the idle timeout).
            let got = tokio::select! {
                r = sock.readable() => Some(r),
                _ = notify.notified() => None,
            };
            if let Some(c) = conns.borrow_mut().get_mut(&id) {
                std::mem::swap(&mut c.inbuf, &mut inbuf);
                std::mem::swap(&mut c.reader, &mut reader);
                c.idle = false;
            }
            match got {
                // Woken: messages to write, or told to close (both seen above).
                None => continue,
                Some(Err(_)) => break,
                Some(Ok(())) => {}
            }
            inbuf.reserve(16 * 1024);
            let room = inbuf.capacity() - inbuf.len();
            let read = sock.try_read_buf(&mut inbuf);
            if let Ok(n) = read {
                // CLIENT LIST's qbuf and qbuf-free replay Redis's query buffer.
                let big = reader
                    .pending_bulk()
                    .filter(|&b| b >= BIG_ARG)
                    .map(|b| b + 2);
                engine.borrow_mut().query_buffer_read(id, n, big);
            }
            match read {
                Ok(0) => break,
                Ok(n) if n < room => {
                    // A short read emptied the socket: forget its readiness now, as a
                    // read that would block does, so that the next wait is for new
                    // input rather than a read that finds nothing (redis-server reads
                    // once per readable event too). Tokio keeps an end of stream seen.
                    let _ = sock.try_io(tokio::io::Interest::READABLE, || {
                        Err::<(), _>(std::io::ErrorKind::WouldBlock.into())
                    });
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => break,
            }
            let mut pos = 0;
            let mut close = false;
            // Each command notes the client's activity; input that held none is noted
            // after the batch (one clock read per batch at most).
            let mut ran = false;
            loop {
                let mut blocked = false;
                let mut paused_until = None;
                let mut more = false;
                let mut drop_output = false;
                {
                    let mut eng = engine.borrow_mut();
                    // A command a pause held runs first, once the pause lets it.
                    if let Some(argv) = held.take() {
                        match eng.postponed(id, &argv) {
                            Some(end) => {
                                paused_until = Some(end);
                                held = Some(argv);
                            }
                            None => {
                                ran = true;
                                match run_one(&mut eng, id, &argv, &mut out) {
                                    Step::Go => {}
                                    Step::Blocked => blocked = true,
                                    Step::Close => close = true,
                                }
                            }
                        }
                    }
                    while paused_until.is_none() && !blocked && !close {
                        // The limits, before each request (AUTH or RESET may have
                        // changed them): small requests only until the client logs in.
                        let limits = eng.read_limits(id);
                        match reader.next(&inbuf, &mut pos, limits) {
                            Next::Command => {
                                if let Some(end) = eng.postponed(id, reader.argv()) {
                                    // Paused: the command waits (Redis's BLOCKED_POSTPONE).
                                    held = Some(reader.argv().to_vec());
                                    paused_until = Some(end);
                                    break;
                                }
                                ran = true;
                                match run_one(&mut eng, id, reader.argv(), &mut out) {
                                    Step::Go => {}
                                    Step::Blocked => blocked = true,
                                    Step::Close => close = true,
                                }
                                if over_normal_limit(&eng, id, out.len(), &mut soft_since) {
                                    eprintln!(
                                        "kvlab-server: client id={id} scheduled to be closed ASAP for overcoming of output buffer limits."
                                    );
                                    eng.close_client(id);
                                    drop_output = true;
                                    close = true;
                                }
                                if out.len() >= FLUSH_AT {
                                    more = true;
                                    break;
                                }
                            }
                            Next::More => break,
                            // Redis closes a client whose query buffer outgrows the
                            // limit (here the half-read request's arguments count too).
                            Next::QueryBufferFull => {
                                query_buffer_full(id);
                                close = true;
                            }
                            Next::Error(e) => {
                                e.encode(&mut out);
                                close = true;
                            }
                        }
                    }
                    // What this batch wrote may serve clients parked in blocking pops.
                    wake(&mut eng, &waiters);
                }
                if drop_output {
                    // Redis writes nothing more to a client it closes for its output.
                    out.clear();
                }
                if !out.is_empty() {
                    // Replies go out after every connection the same wake-up made
                    // readable has run its commands, as redis-server writes them all
                    // in beforeSleep (see `WriteBehind`).
                    WriteBehind(false).await;
                    // Killed meanwhile by another client's command (CLIENT KILL): Redis
                    // frees it with its replies unsent.
                    if !close
                        && engine
                            .borrow()
                            .client(id)
                            .is_none_or(|c| c.close_after_reply)
                    {
                        out.clear();
                        close = true;
                    }
                    if !out.is_empty()
                        && !write_out(&mut sock, &out, &notify, &engine, &gate, id).await
                    {
                        close = true;
                    }
                    out.clear();
                }
                if close {
                    break;
                }
                if let Some(mut end) = paused_until {
                    // Held by CLIENT PAUSE: wait for its end, or for UNPAUSE (which wakes
                    // every waiter), then look again.
                    loop {
                        let left = (end - engine.borrow().now_ms()).max(0) as u64;
                        let _ = tokio::time::timeout(
                            Duration::from_millis(left + 1),
                            notify.notified(),
                        )
                        .await;
                        let mut eng = engine.borrow_mut();
                        if eng.client(id).is_none_or(|c| c.close_after_reply) {
                            close = true;
                            break;
                        }
                        match held.as_ref().and_then(|argv| eng.postponed(id, argv)) {
                            Some(e) => end = e,
                            None => break,
                        }
                    }
                    if close {
                        break;
                    }
                    continue;
                }
                if more {
                    continue;
                }
                if !blocked {
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
                    eng.write_pushes(id, resp, &mut out, |m, o| encode(m, resp, o));
                    if let Some((_, reply)) = eng.take_ready(id) {
                        encode(&reply, resp, &mut out);
                        // Its own tracking invalidations follow the reply.
                        for m in eng.take_after_reply(id) {
                            encode(&m, resp, &mut out);
                        }
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
            if !ran {
                engine.borrow_mut().touch_client(id);
            }
            inbuf.drain(..pos);
            engine
                .borrow_mut()
                .query_buffer_consumed(id, pos, reader.pending_bulk());
            if inbuf.is_empty() && inbuf.capacity() > 0 {
                inbuf = Vec::new();
            }
            if close {
                let _ = sock.shutdown().await;
                break;
            }
        }
        waiters.borrow_mut().remove(&id);
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn protected_mode_decision() {
            let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
            assert!(!protected_refuses(true, "", ip("127.0.0.1")));
            assert!(!protected_refuses(true, "", ip("::1")));
            // Redis compares the text: other loopback addresses are not local.
            assert!(protected_refuses(true, "", ip("127.0.0.2")));
            assert!(protected_refuses(true, "", ip("::ffff:127.0.0.1")));
            assert!(protected_refuses(true, "", ip("192.0.2.7")));
            assert!(!protected_refuses(true, "secret", ip("192.0.2.7")));
            assert!(!protected_refuses(false, "", ip("192.0.2.7")));
        }
    }
}
