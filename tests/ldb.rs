//! The Lua debugger (SCRIPT DEBUG SYNC / YES, as redis-cli --ldb drives it), against
//! redis-server and kvlab-server alike: a session's every reply (the stop lines, the
//! listing, breakpoints, locals, eval, redis, trace, maxlen, help, errors, the
//! `<endsession>` logs, the EVAL's reply, the closed connection) compared byte for byte,
//! and what YES leaves (nothing) and SYNC keeps.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::Session as Conn;

const SCRIPT: &str = "local key = KEYS[1]
local n = tonumber(ARGV[1])
redis.call('SET', key, n)
local t = {1, 2, 'x', {a = 'b'}}
redis.debug('n is', n, t)
local ok = redis.pcall('INCR', 'text')
local big = string.rep('y', 300)
redis.breakpoint()
local after = 1
return redis.call('INCRBY', key, n)
";

/// One SYNC session, every reply in order.
fn sync_session(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut setup = Conn::open(port);
    t.push(setup.cmd(&["SET", "text", "abc"]));
    let mut c = Conn::open(port);
    t.push(c.cmd(&["SCRIPT", "DEBUG", "SYNC"]));
    t.push(c.cmd(&["EVALSHA", &"a".repeat(40), "0"]));
    // The first stop comes as the EVAL's first answer.
    t.push(c.cmd(&["EVAL", SCRIPT, "1", "counter", "5"]));
    for cmd in [
        &["help"][..],
        &["n"],
        &["print"],
        &["s"],
        &["p", "n"],
        &["p", "KEYS"],
        &["p", "ARGV"],
        &["p", "nosuch"],
        &["b", "10"],
        &["b", "10"],
        &["b", "99", "x", "-4"],
        &["b"],
        &["l"],
        &["l", "2", "1"],
        &["w"],
        &["t"],
        &["e", "n", "*", "2"],
        &["e", "local", "z", "=", "1"],
        &["e", "n*"],
        &["r", "get", "counter"],
        &["redis", "nosuchcommand"],
        &["r"],
        &["hello\0world"],
        &["next"],
        &["next"],
        &["p", "t"],
        &["n"],
        &["n"],
        &["m"],
        &["m", "10"],
        &["n"],
        &["p", "big"],
        &["m", "0"],
        &["p", "big"],
        &["b", "0"],
        &["c"],
        &["c"],
    ] {
        t.push(c.cmd(cmd));
    }
    // The session's last logs (<endsession>), then the EVAL's reply, then the end.
    t.push(c.reply());
    t.push(format!("closed: {}", c.closed()));
    t.push(setup.cmd(&["GET", "counter"]));
    t
}

/// YES: the session runs, and what it wrote is gone after it; abort stops a script
/// with Redis's error.
fn yes_session(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut setup = Conn::open(port);
    t.push(setup.cmd(&["DEL", "w"]));
    let mut c = Conn::open(port);
    t.push(c.cmd(&["MULTI"]));
    t.push(c.cmd(&["SCRIPT", "DEBUG", "YES"]));
    t.push(c.cmd(&["DISCARD"]));
    t.push(c.cmd(&["SCRIPT", "DEBUG", "MAYBE"]));
    t.push(c.cmd(&["SCRIPT", "DEBUG", "YES"]));
    t.push(c.cmd(&[
        "EVAL",
        "redis.call('SET', 'w', 'v')\nreturn redis.call('GET', 'w')",
        "0",
    ]));
    t.push(c.cmd(&["c"]));
    t.push(c.reply());
    t.push(format!("closed: {}", c.closed()));
    t.push(setup.cmd(&["EXISTS", "w"]));
    let mut c = Conn::open(port);
    t.push(c.cmd(&["SCRIPT", "DEBUG", "SYNC"]));
    t.push(c.cmd(&[
        "EVAL",
        "local a = 1\nredis.call('SET', 'w', a)\nreturn a",
        "0",
    ]));
    t.push(c.cmd(&["a"]));
    t.push(c.reply());
    t.push(format!("closed: {}", c.closed()));
    // Aborted before its write: nothing was written.
    t.push(setup.cmd(&["EXISTS", "w"]));
    t
}

fn compare(a: &[String], b: &[String]) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x, y, "reply #{i} differs");
    }
}

#[test]
fn a_sync_debugging_session_answers_as_redis_server_does() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let a = sync_session(real.port);
    let b = sync_session(ours.port);
    compare(&a, &b);
    // The stops really happened where the session says (a check of the transcript
    // itself, not only of its likeness).
    assert!(
        a[3].contains("* Stopped at 1, stop reason = step over"),
        "{}",
        a[3]
    );
    assert!(a.iter().any(|r| r.contains("redis.breakpoint() called")));
    assert!(a.iter().any(|r| r.contains("<endsession>")));
}

#[test]
fn a_yes_session_leaves_nothing_and_abort_stops_the_script() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let a = yes_session(real.port);
    let b = yes_session(ours.port);
    compare(&a, &b);
    assert_eq!(a[10], ":0\r\n", "YES left nothing");
}
