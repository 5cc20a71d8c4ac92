//! A script past busy-reply-threshold, against redis-server and kvlab-server alike:
//! other clients get BUSY (and only the commands Redis allows then run), SCRIPT KILL
//! and FUNCTION KILL stop what they may, a script that wrote cannot be killed, and the
//! killed script's caller gets Redis's error. Compared byte for byte; no sleeps decide
//! anything (the test polls until the server answers BUSY).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::net::TcpStream;

use support::Session as Conn;

/// The transcript of one server.
fn transcript(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut a = Conn::open(port);
    let mut b = Conn::open(port);
    t.push(b.cmd(&["CONFIG", "SET", "busy-reply-threshold", "50"]));
    // A read-only script: BUSY for others, killable.
    a.send(&["EVAL", "local i = 0 while true do i = i + 1 end", "0"]);
    t.push(b.wait_busy());
    for cmd in [
        &["GET", "k"][..],
        &["FUNCTION", "STATS"],
        &["FUNCTION", "KILL"],
        &["MULTI"],
        &["SET", "k", "v"],
        &["EXEC"],
        &["NOSUCH"],
        &["GET"],
        &["SCRIPT", "KILL"],
    ] {
        t.push(b.cmd(cmd));
    }
    t.push(a.reply());
    t.push(b.cmd(&["PING"]));
    // A function: FUNCTION KILL, not SCRIPT KILL.
    t.push(b.cmd(&[
        "FUNCTION",
        "LOAD",
        "REPLACE",
        "#!lua name=spin\nredis.register_function{function_name='spin', callback=function() while true do end end, flags={'no-writes'}}",
    ]));
    a.send(&["FCALL", "spin", "0"]);
    t.push(b.wait_busy());
    t.push(b.cmd(&["SCRIPT", "KILL"]));
    t.push(b.cmd(&["FUNCTION", "KILL"]));
    t.push(a.reply());
    t.push(b.cmd(&["FUNCTION", "DELETE", "spin"]));
    // Last: a script that wrote cannot be killed (only SHUTDOWN NOSAVE would stop it;
    // the server is stopped when the test ends).
    a.send(&["EVAL", "redis.call('SET', 'w', '1') while true do end", "0"]);
    t.push(b.wait_busy());
    t.push(b.cmd(&["SCRIPT", "KILL"]));
    t.push(b.cmd(&["FUNCTION", "KILL"]));
    t
}

#[test]
fn busy_scripts_answer_as_redis_server_does() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let a = transcript(real.port);
    let b = transcript(ours.port);
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "reply #{i} differs");
    }
}

/// While a script is busy, the other clients' commands go through processCommand's
/// checks in Redis's order: unknown command and arity first, then a protected command,
/// NOAUTH, a command not allowed in MULTI, NOPERM (logged in the ACL log), a RESP2
/// subscriber's context, and only then BUSY.
fn order_transcript(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut a = Conn::open(port);
    let mut b = Conn::open(port);
    t.push(b.cmd(&["CONFIG", "SET", "busy-reply-threshold", "50"]));
    t.push(b.cmd(&[
        "ACL", "SETUSER", "limited", "on", ">pw", "~*", "&*", "+@all", "-get", "-debug",
    ]));
    let mut limited = Conn::open(port);
    t.push(limited.cmd(&["AUTH", "limited", "pw"]));
    let mut sub = Conn::open(port);
    t.push(sub.cmd(&["SUBSCRIBE", "ch"]));
    let mut tx = Conn::open(port);
    // From now on a new connection must log in.
    t.push(b.cmd(&["ACL", "SETUSER", "default", "resetpass", ">secret"]));
    let mut anon = Conn::open(port);
    t.push(b.cmd(&["ACL", "LOG", "RESET"]));
    a.send(&["EVAL", "local i = 0 while true do i = i + 1 end", "0"]);
    t.push(b.wait_busy());
    for cmd in [
        &["GET", "k"][..],
        &["SET", "k", "v"],
        &["GET"],
        &["NOSUCH"],
        &["DEBUG", "SLEEP", "0"],
    ] {
        t.push(limited.cmd(cmd));
    }
    for cmd in [
        &["GET", "k"][..],
        &["AUTH", "x", "y"],
        &["NOSUCH"],
        &["GET"],
        &["DEBUG", "SLEEP", "0"],
    ] {
        t.push(anon.cmd(cmd));
    }
    for cmd in [&["GET", "k"][..], &["PING"], &["SUBSCRIBE", "other"]] {
        t.push(sub.cmd(cmd));
    }
    for cmd in [&["MULTI"][..], &["WATCH", "k"], &["GET", "k"], &["EXEC"]] {
        t.push(tx.cmd(cmd));
    }
    t.push(b.cmd(&["SCRIPT", "KILL"]));
    t.push(a.reply());
    // The refusal was logged: one entry, for GET.
    let log = b.cmd(&["ACL", "LOG"]);
    t.push(log.lines().take(2).collect::<Vec<_>>().join("\n"));
    t.push(u8::from(log.contains("\r\nget\r\n")).to_string());
    t
}

#[test]
fn busy_scripts_check_commands_in_redis_servers_order() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let a = order_transcript(real.port);
    let b = order_transcript(ours.port);
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "reply #{i} differs");
    }
    // Not BUSY where Redis refuses for another reason first.
    assert!(b[7].starts_with("-NOPERM"), "{}", b[7]);
}

/// SHUTDOWN NOSAVE stops a script that wrote, and the server is gone by the time the
/// client sees its connection closed: listening sockets close first (Redis's
/// finishShutdown), so connecting again is refused, never accepted and then dropped.
/// The same without a script.
#[test]
fn shutdown_nosave_closes_the_listeners_before_the_clients() {
    for busy in [true, false] {
        for mut server in [
            support::redis_server(&["--notify-keyspace-events", "KEA"]),
            support::kvlab_server(&["--notify-keyspace-events", "KEA"]),
        ] {
            let port = server.port;
            let mut a = Conn::open(port);
            let mut b = Conn::open(port);
            if busy {
                b.cmd(&["CONFIG", "SET", "busy-reply-threshold", "50"]);
                a.send(&["EVAL", "redis.call('SET', 'w', '1') while true do end", "0"]);
                assert!(b.wait_busy().starts_with("-BUSY"));
            }
            b.send(&["SHUTDOWN", "NOSAVE"]);
            let mut out = Vec::new();
            assert!(
                support::read_reply(&mut b.r, &mut out).is_err(),
                "no reply: the connection closes"
            );
            let again = TcpStream::connect(("127.0.0.1", port));
            assert_eq!(
                again.map(|_| ()).map_err(|e| e.kind()),
                Err(std::io::ErrorKind::ConnectionRefused),
                "port {port}, busy {busy}"
            );
            assert_eq!(server.wait_exit(), Some(0));
        }
    }
}
