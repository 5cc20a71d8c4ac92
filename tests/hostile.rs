//! The protocol door, tried as an attacker would: malformed and hostile requests sent to
//! the real redis-server and to kvlab-server, one fresh connection per case, comparing
//! what each server sends back and whether it closes the connection. While the cases
//! run, kvlab-server must keep answering other clients.
//!
//! No case depends on timing to pass: every reply is read until the server closes the
//! connection or a generous deadline passes (a connection still open at the deadline is
//! "open", the same rule for both servers), and all cases run at once, so the suite takes
//! about one deadline whatever the machine's speed.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// How long a connection must stay quiet and open to count as kept open.
const DEADLINE: Duration = Duration::from_secs(8);

#[derive(Debug, PartialEq)]
struct Outcome {
    reply: String,
    closed: bool,
}

/// Sends `input` on a fresh connection and reads until the server closes it or the
/// deadline passes.
fn attempt(port: u16, input: &[u8]) -> Outcome {
    attempt_on(
        TcpStream::connect(("127.0.0.1", port)).expect("connect"),
        input,
    )
}

/// [`attempt`] on a connection already open.
fn attempt_on(mut s: TcpStream, input: &[u8]) -> Outcome {
    // Written in pieces: a request larger than the socket buffers must not deadlock
    // against a server that replies while we still write.
    let writer = {
        let mut w = s.try_clone().expect("clone");
        let input = input.to_vec();
        std::thread::spawn(move || {
            for piece in input.chunks(16 * 1024) {
                if w.write_all(piece).is_err() {
                    break;
                }
            }
        })
    };
    let started = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let closed = loop {
        let left = DEADLINE.saturating_sub(started.elapsed());
        if left.is_zero() {
            break false;
        }
        s.set_read_timeout(Some(left)).expect("timeout");
        match s.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    let _ = s.shutdown(Shutdown::Both);
    let _ = writer.join();
    // Long replies are compared by their start and length.
    let reply = if out.len() > 200 {
        format!(
            "{} … ({} bytes)",
            String::from_utf8_lossy(&out[..200]),
            out.len()
        )
    } else {
        String::from_utf8_lossy(&out).into_owned()
    };
    Outcome { reply, closed }
}

/// PING on a new connection answers PONG: the server still serves everyone else.
fn still_answers(port: u16) -> bool {
    answers_with(port, "")
}

/// PING answers PONG on a new connection that first sends `login` (an AUTH line, or
/// nothing when no password is set).
fn answers_with(port: u16, login: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    if s.write_all(format!("{login}PING\r\n").as_bytes()).is_err() {
        return false;
    }
    let want: &[u8] = if login.is_empty() {
        b"+PONG\r\n"
    } else {
        b"+OK\r\n+PONG\r\n"
    };
    let mut buf = vec![0u8; want.len()];
    s.read_exact(&mut buf).is_ok() && buf == want
}

fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let mut v: Vec<(&'static str, Vec<u8>)> = vec![
        ("NULs and control bytes alone", b"\x00\x01\x02\r\n".to_vec()),
        ("a NUL after a command", b"PING\x00\r\nPING\r\n".to_vec()),
        ("a NUL inside arguments", b"GET \x00\xff\r\n".to_vec()),
        ("a NUL alone", b"\x00\r\n".to_vec()),
        (
            "control bytes inline",
            b"\x0bPING\x0b\r\nPING \x0cx\r\n".to_vec(),
        ),
        (
            "bytes that are not UTF-8",
            b"ECHO \xff\xfe\x80\r\n".to_vec(),
        ),
        ("a CR inside an inline line", b"PING\rX\r\n".to_vec()),
        (
            "an escape in quotes",
            b"ECHO \"\\x00\\xff\\n\"\r\n".to_vec(),
        ),
        ("unbalanced double quote", b"SET a \"b\r\nPING\r\n".to_vec()),
        ("unbalanced single quote", b"SET a 'b\r\n".to_vec()),
        ("text after a closing quote", b"ECHO \"a\"b\r\n".to_vec()),
        ("*0 before a command", b"*0\r\nPING\r\n".to_vec()),
        ("a negative multibulk count", b"*-5\r\nPING\r\n".to_vec()),
        (
            "empty lines before a command",
            b"\r\n\r\n\n  \r\nPING\r\n".to_vec(),
        ),
        ("an empty command name", b"\"\"\r\n".to_vec()),
        ("an empty bulk command name", b"*1\r\n$0\r\n\r\n".to_vec()),
        (
            "a multibulk count with +",
            b"*+1\r\n$4\r\nPING\r\n".to_vec(),
        ),
        ("a multibulk count with a leading zero", b"*01\r\n".to_vec()),
        ("a non-numeric multibulk count", b"*abc\r\n".to_vec()),
        ("an empty multibulk count", b"*\r\n".to_vec()),
        (
            "a multibulk count over INT_MAX",
            b"*2147483648\r\n".to_vec(),
        ),
        (
            "a huge multibulk count",
            b"*9999999999999999999999\r\n".to_vec(),
        ),
        (
            "a multibulk count Redis 7.0 accepts",
            b"*1048577\r\n".to_vec(),
        ),
        (
            "INT_MAX arguments announced",
            b"*2147483647\r\n$4\r\nPING\r\n".to_vec(),
        ),
        ("a negative bulk length", b"*1\r\n$-1\r\n".to_vec()),
        (
            "a bulk length with a leading zero",
            b"*1\r\n$04\r\nPING\r\n".to_vec(),
        ),
        ("a non-numeric bulk length", b"*1\r\n$x\r\n".to_vec()),
        (
            "a bulk length over proto-max-bulk-len",
            b"*1\r\n$600000000\r\n".to_vec(),
        ),
        (
            "a bulk length Redis accepts and waits on",
            b"*1\r\n$536870912\r\n".to_vec(),
        ),
        ("a bulk where $ is expected", b"*1\r\n+PING\r\n".to_vec()),
        (
            "a byte over 127 where $ is expected",
            b"*1\r\n\xff\r\n".to_vec(),
        ),
        ("an empty line where $ is expected", b"*1\r\n\r\n".to_vec()),
        ("a CR alone where $ is expected", b"*1\r\n\r\r\n".to_vec()),
        ("a count line with no LF", b"*1\r$4\r\nPING\r\n".to_vec()),
        (
            "a bulk with no CRLF after it",
            b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n".to_vec(),
        ),
        (
            "a NUL in a count line",
            b"*1\x00\r\n$4\r\nPING\r\n".to_vec(),
        ),
        (
            "pipelined commands after QUIT",
            b"QUIT\r\nPING\r\nSET a b\r\n".to_vec(),
        ),
        (
            "multibulk QUIT then more",
            b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n".to_vec(),
        ),
        (
            "an HTTP request",
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9\r\n\r\nFLUSHALL\n".to_vec(),
        ),
        (
            "a Host: header first",
            b"Host: 127.0.0.1\r\nPING\r\n".to_vec(),
        ),
        ("a GET request", b"GET / HTTP/1.1\r\n\r\n".to_vec()),
        (
            "an unknown command with many args",
            b"NOPE a b c d e f\r\n".to_vec(),
        ),
    ];
    let mut long = b"ECHO ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 70 * 1024));
    v.push(("a 70 KB inline line with no newline", long.clone()));
    let mut with_nl = long.clone();
    with_nl.extend_from_slice(b"\r\n");
    v.push(("a 70 KB inline line", with_nl));
    let mut nul_then_long = b"PING\x00".to_vec();
    nul_then_long.extend(std::iter::repeat_n(b'y', 70 * 1024));
    nul_then_long.extend_from_slice(b"\r\n");
    v.push(("a NUL, then 70 KB", nul_then_long));
    let mut count_line = b"*".to_vec();
    count_line.extend(std::iter::repeat_n(b'1', 70 * 1024));
    v.push(("a 70 KB multibulk count", count_line));
    let mut bulk_line = b"*1\r\n$".to_vec();
    bulk_line.extend(std::iter::repeat_n(b'9', 70 * 1024));
    v.push(("a 70 KB bulk length", bulk_line));
    let mut many = b"*100000\r\n".to_vec();
    for _ in 0..100_000 {
        many.extend_from_slice(b"$1\r\nx\r\n");
    }
    v.push(("100,000 arguments", many));
    v
}

#[test]
fn hostile_input_gets_what_redis_gives() {
    compare(&[], "", cases(), "hostile input");
}

/// The cases for a server with a password: until a client authenticates, a request may
/// have at most 10 arguments of at most 16 KB each (Redis 7.0's processMultibulkBuffer).
fn unauthenticated_cases() -> Vec<(&'static str, Vec<u8>)> {
    let auth = "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n";
    let echo = |n: usize| format!("*2\r\n$4\r\nECHO\r\n${n}\r\n{}\r\n", "x".repeat(n));
    let eleven = format!("*11\r\n{}", "$1\r\nx\r\n".repeat(11));
    let s = |v: String| v.into_bytes();
    vec![
        ("11 arguments", s(eleven.clone())),
        (
            "10 arguments",
            s(format!("*10\r\n{}", "$4\r\nPING\r\n".repeat(10))),
        ),
        ("a 16385-byte argument", s(echo(16385))),
        ("a 16384-byte argument", s(echo(16384))),
        (
            "a 1 GB bulk header",
            b"*2\r\n$4\r\nECHO\r\n$1000000000\r\n".to_vec(),
        ),
        (
            "a refused command, then 11 arguments",
            s(format!("*1\r\n$4\r\nPING\r\n{eleven}")),
        ),
        (
            "a wrong password, then 11 arguments",
            s(format!("*2\r\n$4\r\nAUTH\r\n$2\r\nno\r\n{eleven}")),
        ),
        ("AUTH, then 11 arguments", s(format!("{auth}{eleven}"))),
        (
            "AUTH, then a 16385-byte argument",
            s(format!("{auth}{}", echo(16385))),
        ),
        (
            "AUTH, RESET, then 11 arguments",
            s(format!("{auth}*1\r\n$5\r\nRESET\r\n{eleven}")),
        ),
        (
            "a negative count, then 11 arguments",
            s(format!("*-1\r\n{eleven}")),
        ),
        ("an invalid count first", b"*11x\r\n".to_vec()),
        (
            "a bulk length over proto-max-bulk-len",
            b"*1\r\n$999999999999\r\n".to_vec(),
        ),
        (
            "an inline request of 12 words",
            b"PING a b c d e f g h i j k\r\n".to_vec(),
        ),
    ]
}

#[test]
fn unauthenticated_requests_are_kept_small_as_redis_does() {
    compare(
        &["--requirepass", "pw"],
        "AUTH pw\r\n",
        unauthenticated_cases(),
        "unauthenticated requests",
    );
}

/// A script runs past busy-reply-threshold on a server with a password: a client that
/// connects meanwhile is served at once (Redis's processEventsWhileBlocked accepts and
/// reads), held to the same small requests until it logs in and given the same protocol
/// errors as at any other time; NOAUTH comes before BUSY.
#[test]
fn unauthenticated_limits_hold_while_a_script_is_busy() {
    let flags = ["--requirepass", "pw"];
    let real = support::redis_server(&flags);
    let ours = support::kvlab_server(&flags);
    let busy: Vec<_> = [real.port, ours.port]
        .into_iter()
        .map(|p| std::thread::spawn(move || Busy::start(p)))
        .collect();
    let busy: Vec<Busy> = busy.into_iter().map(|t| t.join().unwrap()).collect();
    let (rp, kp) = (real.port, ours.port);
    let runs: Vec<_> = unauthenticated_cases()
        .into_iter()
        .map(|(name, input)| {
            std::thread::spawn(move || {
                let theirs = {
                    let input = input.clone();
                    std::thread::spawn(move || attempt(rp, &input))
                };
                let b = attempt(kp, &input);
                (name, theirs.join().expect("redis-server case"), b)
            })
        })
        .collect();
    // And a client that connected before the script began, not logged in.
    let early = busy
        .iter()
        .map(|b| {
            let s = b.early.try_clone().unwrap();
            let eleven = format!("*1\r\n$4\r\nPING\r\n*11\r\n{}", "$1\r\nx\r\n".repeat(11));
            std::thread::spawn(move || attempt_on(s, eleven.as_bytes()))
        })
        .collect::<Vec<_>>();
    let mut results: Vec<_> = runs
        .into_iter()
        .map(|r| r.join().expect("case thread"))
        .collect();
    let mut early = early.into_iter().map(|t| t.join().unwrap());
    let (a, b) = (early.next().unwrap(), early.next().unwrap());
    results.push((
        "connected before, a refused command, then 11 arguments",
        a,
        b,
    ));
    let mut failures = Vec::new();
    for (name, a, b) in results {
        if a != b {
            failures.push(format!(
                "{name}:\n  redis-server: {a:?}\n  kvlab-server: {b:?}"
            ));
        }
    }
    // Still busy all along (else the cases did not test the busy loop), then killed.
    for b in busy {
        b.end();
    }
    assert!(
        answers_with(kp, "AUTH pw\r\n"),
        "kvlab-server stopped answering"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A server busy with a script that never ends, and a logged-in client to watch it.
struct Busy {
    script: std::io::BufReader<TcpStream>,
    other: std::io::BufReader<TcpStream>,
    /// Connected before the script began, and not logged in.
    early: TcpStream,
}

impl Busy {
    fn line(r: &mut std::io::BufReader<TcpStream>) -> String {
        use std::io::BufRead;
        let mut l = String::new();
        r.read_line(&mut l).expect("a reply line");
        l
    }

    fn send(r: &mut std::io::BufReader<TcpStream>, text: &str) {
        r.get_mut().write_all(text.as_bytes()).expect("send");
    }

    /// Logs in twice, starts the script on one connection and PINGs on the other until
    /// the server answers BUSY (no fixed wait).
    fn start(port: u16) -> Busy {
        let open = || {
            let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut r = std::io::BufReader::new(s);
            Busy::send(&mut r, "AUTH pw\r\n");
            assert_eq!(Busy::line(&mut r), "+OK\r\n");
            r
        };
        let (mut script, mut other) = (open(), open());
        // Known to the server (it answered) before the script starts.
        let mut early = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        early.write_all(b"PING\r\n").unwrap();
        let mut noauth = [0u8; 34];
        early.read_exact(&mut noauth).unwrap();
        assert_eq!(&noauth, b"-NOAUTH Authentication required.\r\n");
        Busy::send(&mut other, "CONFIG SET busy-reply-threshold 20\r\n");
        assert_eq!(Busy::line(&mut other), "+OK\r\n");
        Busy::send(&mut script, "EVAL \"while true do end\" 0\r\n");
        let started = Instant::now();
        loop {
            Busy::send(&mut other, "PING\r\n");
            let l = Busy::line(&mut other);
            if l.starts_with("-BUSY") {
                break;
            }
            assert_eq!(l, "+PONG\r\n");
            assert!(started.elapsed() < Duration::from_secs(60), "never busy");
        }
        Busy {
            script,
            other,
            early,
        }
    }

    /// Checks the script still runs, then ends it with SCRIPT KILL.
    fn end(mut self) {
        Busy::send(&mut self.other, "PING\r\n");
        assert!(Busy::line(&mut self.other).starts_with("-BUSY"));
        Busy::send(&mut self.other, "SCRIPT KILL\r\n");
        assert_eq!(Busy::line(&mut self.other), "+OK\r\n");
        let l = Busy::line(&mut self.script);
        assert!(l.starts_with("-ERR Script killed by user"), "{l}");
    }
}

/// Runs every case against both servers (started with `flags`), all at once, and
/// asserts the same outcome from each and that kvlab-server still answers (to a client
/// that sends `login` first).
fn compare(flags: &[&str], login: &'static str, cases: Vec<(&'static str, Vec<u8>)>, what: &str) {
    let real = support::redis_server(flags);
    let ours = support::kvlab_server(flags);
    let (rp, kp) = (real.port, ours.port);
    let runs: Vec<_> = cases
        .into_iter()
        .map(|(name, input)| {
            std::thread::spawn(move || {
                let theirs = {
                    let input = input.clone();
                    std::thread::spawn(move || attempt(rp, &input))
                };
                let b = attempt(kp, &input);
                let a = theirs.join().expect("redis-server case");
                (name, a, b, answers_with(kp, login))
            })
        })
        .collect();
    let mut failures = Vec::new();
    let total = runs.len();
    for r in runs {
        let (name, a, b, alive) = r.join().expect("case thread");
        if a != b {
            failures.push(format!(
                "{name}:\n  redis-server: {a:?}\n  kvlab-server: {b:?}"
            ));
        }
        if !alive {
            failures.push(format!("{name}: kvlab-server stopped answering PING"));
        }
    }
    assert!(answers_with(kp, login), "kvlab-server stopped answering");
    println!("{what}: {total} cases, the same outcome from both servers");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A burst of NUL-laden inline lines on many connections at once: the server keeps
/// serving (it waits on those connections as Redis does; it does not spin).
#[test]
fn nul_floods_do_not_stall_the_server() {
    let ours = support::kvlab_server(&[]);
    let port = ours.port;
    let floods: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                for _ in 0..1000 {
                    if s.write_all(b"\x00\x01\x02\r\n").is_err() {
                        break;
                    }
                }
                s
            })
        })
        .collect();
    let conns: Vec<TcpStream> = floods.into_iter().map(|t| t.join().unwrap()).collect();
    for _ in 0..20 {
        assert!(still_answers(port));
    }
    // The flooded connections were left waiting, as Redis leaves them: still open.
    for mut c in conns.iter() {
        assert!(c.write_all(b"more\r\n").is_ok());
    }
    assert!(still_answers(port));
    drop(conns);
}
