//! Shared by the native integration tests: start redis-server and kvlab-server on free
//! loopback ports and stop them when the test ends.

#![allow(dead_code)]

pub mod keyspace;

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub port: u16,
    child: Child,
}

impl Server {
    /// The server's process id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to exit on its own (SHUTDOWN), at most a minute: its exit
    /// code, or None if it is still running (it is then killed when dropped).
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port, never the same twice within one test binary (tests run in
/// parallel, and two servers racing for one port would answer each other's clients).
/// Ports come from 10000–21999, so that the port and its cluster bus port (port + 10000,
/// which a server started with `--cluster-enabled yes` binds too) stay below Linux's
/// ephemeral range (32768 up), where any outgoing connection may hold them; both are
/// checked free.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let _ = NEXT.compare_exchange(
        0,
        10_000 + (std::process::id() % 12_000) as u16,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let p = NEXT.fetch_add(1, Ordering::SeqCst);
        if !(10_000..22_000).contains(&p) {
            NEXT.store(10_000, Ordering::SeqCst);
            continue;
        }
        if TcpListener::bind(("127.0.0.1", p)).is_ok()
            && TcpListener::bind(("127.0.0.1", p + 10_000)).is_ok()
        {
            return p;
        }
    }
}

/// Starts a server built by `command` for a free port, and waits until it answers. A
/// server that exits at once is started again on another port (a few times): a port
/// checked free can still be taken by another process before the server binds it.
fn start(what: &str, command: impl Fn(u16) -> Command) -> Server {
    let mut last = String::new();
    for _ in 0..5 {
        let port = free_port();
        let mut child = command(port)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        match wait_ready(port, &mut child) {
            Ok(()) => return Server { port, child },
            Err(e) => last = e,
        }
    }
    panic!("{what} {last}");
}

fn wait_ready(port: u16, child: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            // Make sure it is our process that answered, not another one on that port.
            std::thread::sleep(Duration::from_millis(30));
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("exited early: {status}"));
            }
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited early: {status}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start on port {port}");
}

pub fn which(bin: &str) -> Option<String> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(bin))
            .find(|p| p.is_file())
            .map(|p| p.to_string_lossy().into_owned())
    })
}

/// The real redis-server, or a clear failure: the differential tests are the point of
/// the suite, so a missing server must not pass silently.
/// An empty directory of its own for a server on `port`.
pub fn fresh_dir(port: u16) -> String {
    let d = std::env::temp_dir().join(format!("kvlab-redis-{}-{port}", std::process::id()));
    let _ = std::fs::create_dir_all(&d);
    d.to_string_lossy().into_owned()
}

pub fn redis_server(extra: &[&str]) -> Server {
    redis_server_conf(None, extra)
}

/// redis-server reading a configuration file first (the flags go on top of it).
pub fn redis_server_conf(file: Option<&str>, extra: &[&str]) -> Server {
    let bin = which("redis-server")
        .expect("redis-server is not installed: run the README's test command, which installs it");
    start("redis-server", |port| {
        let mut args: Vec<String> = file.iter().map(|f| f.to_string()).collect();
        args.extend([
            "--port".to_string(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--save".into(),
            "".into(),
            "--appendonly".into(),
            "no".into(),
            "--daemonize".into(),
            "no".into(),
            "--logfile".into(),
            "".into(),
            // A fresh directory: a stray dump.rdb in the working directory would
            // otherwise be loaded at start (`--save ""` only stops saving).
            "--dir".into(),
            fresh_dir(port),
        ]);
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut command = Command::new(&bin);
        command.args(&args);
        command
    })
}

pub fn kvlab_server(extra: &[&str]) -> Server {
    kvlab_server_conf(None, extra)
}

/// kvlab-server reading a configuration file first (the flags go on top of it).
pub fn kvlab_server_conf(file: Option<&str>, extra: &[&str]) -> Server {
    start("kvlab-server", |port| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kvlab-server"));
        command
            .args(file)
            .arg("--port")
            .arg(port.to_string())
            // Its own directory too: kvlab-server loads dir/dump.rdb at start, as Redis.
            .args(["--dir", &fresh_dir(port)])
            // No save points (its default has redis-server's), as redis_server: a file's
            // `save` lines are kept (`save ""` would drop them).
            .args(if file.is_none() {
                &["--save", ""][..]
            } else {
                &[]
            })
            .args(extra);
        command
    })
}

/// Waits until a cluster-mode server says `cluster_state:ok` (redis-server turns ok a
/// while after it was given its slots; this awaits that, it does not time anything).
pub fn await_cluster_ok(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !redis_cli(port, "CLUSTER INFO\n", &[]).contains("cluster_state:ok") {
        assert!(
            Instant::now() < deadline,
            "the server on port {port} never reached cluster_state:ok"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a script through `redis-cli --no-raw` (one connection, commands from stdin) and
/// returns what it printed.
pub fn redis_cli(port: u16, script: &str, extra: &[&str]) -> String {
    use std::io::Write;
    let bin = which("redis-cli").expect("redis-cli is not installed");
    let mut child = Command::new(bin)
        .args(["-p", &port.to_string(), "--no-raw"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run redis-cli");
    // Feed the script from a thread: a long transcript fills the output pipe while the
    // script is still being written, and one thread doing both would deadlock.
    let mut stdin = child.stdin.take().expect("stdin");
    let input = script.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("redis-cli output");
    let _ = writer.join();
    let mut s = without_timings(&String::from_utf8_lossy(&out.stdout));
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    s
}

/// A transcript without the `(0.76s)` lines redis-cli prints after any command that took
/// half a second or more: how long a command took depends on the machine, not on the
/// server's answer. No reply prints as such a line (`--no-raw` quotes strings), so
/// nothing else is dropped.
pub fn without_timings(transcript: &str) -> String {
    fn is_timing(line: &str) -> bool {
        line.strip_prefix('(')
            .and_then(|l| l.strip_suffix("s)"))
            .and_then(|n| n.split_once('.'))
            .is_some_and(|(a, b)| {
                !a.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.len() == 2
                    && b.bytes().all(|c| c.is_ascii_digit())
            })
    }
    transcript
        .split_inclusive('\n')
        .filter(|l| !is_timing(l.trim_end_matches('\n')))
        .collect()
}

/// Reads one whole reply (RESP2 or RESP3) and returns its bytes.
pub fn read_reply(r: &mut BufReader<TcpStream>, out: &mut Vec<u8>) -> std::io::Result<()> {
    let start = out.len();
    r.read_until(b'\n', out)?;
    let line = &out[start..];
    if line.len() < 3 {
        return Err(std::io::Error::other("short reply line"));
    }
    let kind = line[0];
    let n: i64 = std::str::from_utf8(&line[1..line.len() - 2])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    match kind {
        b'$' | b'=' | b'!' if n >= 0 => {
            let at = out.len();
            out.resize(at + n as usize + 2, 0);
            r.read_exact(&mut out[at..])?;
        }
        b'*' | b'~' | b'>' => {
            for _ in 0..n.max(0) {
                read_reply(r, out)?;
            }
        }
        b'%' => {
            for _ in 0..n.max(0) * 2 {
                read_reply(r, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A raw RESP connection: requests sent as multibulks, each reply read whole and kept
/// as the bytes the server sent.
pub struct Session {
    pub r: BufReader<TcpStream>,
}

impl Session {
    pub fn open(port: u16) -> Session {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        Session {
            r: BufReader::new(s),
        }
    }
    pub fn send(&mut self, argv: &[&str]) {
        use std::io::Write;
        self.r.get_mut().write_all(&encode(argv)).expect("send");
    }
    pub fn reply(&mut self) -> String {
        let mut out = Vec::new();
        read_reply(&mut self.r, &mut out).expect("reply");
        String::from_utf8_lossy(&out).into_owned()
    }
    pub fn cmd(&mut self, argv: &[&str]) -> String {
        self.send(argv);
        self.reply()
    }
    /// True when the server closed the connection.
    pub fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.r.read(&mut b), Ok(0) | Err(_))
    }
    /// PINGs until the server answers BUSY (a script passed the threshold), at most a
    /// minute.
    pub fn wait_busy(&mut self) -> String {
        let start = Instant::now();
        loop {
            let r = self.cmd(&["PING"]);
            if r.starts_with("-BUSY") || start.elapsed() > Duration::from_secs(60) {
                return r;
            }
        }
    }
}

/// A command as a RESP multibulk request.
pub fn encode<A: AsRef<[u8]>>(argv: &[A]) -> Vec<u8> {
    let mut o = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        let a = a.as_ref();
        o.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        o.extend_from_slice(a);
        o.extend_from_slice(b"\r\n");
    }
    o
}

/// What `transcript` ECHOes after each command to split redis-cli's output.
pub const MARK: &str = "--kvlab-next--";

/// A redis-cli script's commands: its lines but blank ones and `#` comments.
pub fn commands(script: &str) -> Vec<String> {
    script
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(String::from)
        .collect()
}

/// Runs the commands on one connection, with an ECHO marker after each, and returns
/// the transcript in the recorded format.
pub fn transcript(port: u16, lines: &[String], extra: &[&str]) -> String {
    let script: String = lines
        .iter()
        .map(|l| format!("{l}\nECHO {MARK}\n"))
        .collect();
    let out = redis_cli(port, &script, extra);
    let mark = format!("\"{MARK}\"\n");
    let mut parts = out.split(&mark);
    let mut text = String::new();
    for l in lines {
        text.push_str(&format!("> {l}\n"));
        text.push_str(parts.next().unwrap_or_default());
    }
    text
}
