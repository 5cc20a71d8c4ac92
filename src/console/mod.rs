//! The console language: redis-cli's line tokenizer and its `--no-raw` reply printer.
//!
//! Both follow redis-cli 7.0 to the byte, so that a transcript from the browser console
//! is indistinguishable from one made with `redis-cli --no-raw` against a real server.

pub mod help;

use crate::engine::reply::format_double_g17;
use crate::engine::Reply;

/// Splits a console line into arguments the way redis-cli does (`sdssplitargs`).
/// See [`split_args`].
pub fn tokenize(line: &str) -> Result<Vec<Vec<u8>>, &'static str> {
    split_args(line.as_bytes())
}

/// C's `isspace` in the "C" locale: the bytes `sdssplitargs` skips between arguments
/// (vertical tab and form feed included, unlike Rust's `is_ascii_whitespace`).
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Redis's `sdssplitargs`, which both redis-cli (for a typed line) and redis-server (for
/// an inline request) use: whitespace separates, `"..."` understands `\n \r \t \b \a \\
/// \" \xHH` (other escaped characters stand for themselves), `'...'` only understands
/// `\'`, and a closing quote must be followed by whitespace or the end. `Err` is
/// redis-cli's "Invalid argument(s)" (the server's "unbalanced quotes").
///
/// The C function reads a C string, so a NUL byte ends the line: `PING\0junk` is `PING`.
/// Every pass of the outer loop consumes at least one byte, so no input can make it
/// spin.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    const ERR: &str = "Invalid argument(s)";
    let b = match line.iter().position(|&c| c == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_c_space(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        let mut cur = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            if inq {
                if i >= b.len() {
                    return Err(ERR);
                }
                if b[i] == b'\\'
                    && i + 3 < b.len()
                    && b[i + 1] == b'x'
                    && b[i + 2].is_ascii_hexdigit()
                    && b[i + 3].is_ascii_hexdigit()
                {
                    let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                    cur.push(hex(b[i + 2]) * 16 + hex(b[i + 3]));
                    i += 3;
                } else if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                    cur.push(match b[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        c => c,
                    });
                } else if b[i] == b'"' {
                    if i + 1 < b.len() && !is_c_space(b[i + 1]) {
                        return Err(ERR);
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(b[i]);
                }
            } else if insq {
                if i >= b.len() {
                    return Err(ERR);
                }
                if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if b[i] == b'\'' {
                    if i + 1 < b.len() && !is_c_space(b[i + 1]) {
                        return Err(ERR);
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(b[i]);
                }
            } else {
                if i >= b.len() {
                    break;
                }
                match b[i] {
                    b' ' | b'\n' | b'\r' | b'\t' => break,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    c => cur.push(c),
                }
            }
            i += 1;
        }
        out.push(cur);
    }
}

/// The commands of a multi-line script (a paste, a share link): one per non-blank line,
/// trimmed. A newline inside a quoted argument does not end the command: a pasted
/// `EVAL "…multi-line Lua…" 0` is one command whose body keeps its lines (a CRLF inside
/// quotes becomes LF). A quote left open at the end splits by lines as before.
pub fn script_lines(text: &str) -> Vec<String> {
    // One command's text: kept whole when its quotes span lines and it parses; a chunk
    // that does not parse (a stray quote that a later line happened to close) goes
    // line by line, as any line with a lone quote does.
    fn push(chunk: &str, out: &mut Vec<String>) {
        let t = chunk.trim();
        if t.contains('\n') && split_args(t.as_bytes()).is_err() {
            out.extend(
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from),
            );
        } else if !t.is_empty() {
            out.push(t.to_string());
        }
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    // Outside quotes, inside "…" (backslash escapes the next character), inside '…'.
    let (mut dq, mut sq) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => continue,
            '\n' if !dq && !sq => {
                push(&cur, &mut out);
                cur.clear();
                continue;
            }
            '\\' if dq || sq => {
                cur.push(c);
                if let Some(&n) = chars.peek() {
                    if dq || n == '\'' {
                        cur.push(n);
                        chars.next();
                    }
                }
                continue;
            }
            '"' if !sq => dq = !dq,
            '\'' if !dq => sq = !sq,
            _ => {}
        }
        cur.push(c);
    }
    // A quote still open at the end: that chunk cannot parse, so it goes line by line.
    push(&cur, &mut out);
    out
}

/// Commands whose replies redis-cli prints raw even in `--no-raw` mode (their text is
/// meant for people: INFO, CLIENT LIST/INFO).
pub fn prints_raw(argv: &[Vec<u8>]) -> bool {
    let is = |i: usize, w: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    is(0, "info")
        || is(0, "lolwut")
        || (argv.len() >= 2 && is(0, "client") && (is(1, "list") || is(1, "info")))
        || (argv.len() >= 2 && is(0, "memory") && (is(1, "malloc-stats") || is(1, "doctor")))
        || (argv.len() == 2 && is(0, "latency") && is(1, "doctor"))
}

/// The text redis-cli prints for one reply to `argv`, for a client speaking RESP `resp`.
pub fn format_reply(argv: &[Vec<u8>], reply: &Reply, resp: u8) -> String {
    let r = if resp >= 3 {
        reply.clone()
    } else {
        to_resp2(reply)
    };
    if let Some(text) = invalidate_text(&r) {
        return text;
    }
    if r == Reply::Closed
        && argv
            .first()
            .is_some_and(|a| a.eq_ignore_ascii_case(b"shutdown"))
    {
        // redis-cli expects SHUTDOWN to close the connection: it prints nothing.
        String::new()
    } else if prints_raw(argv) {
        format_raw(&r)
    } else if starts_reading(argv) {
        // redis-cli enters its Pub/Sub loop: the banner, then every reply as it comes.
        format!(
            "Reading messages... (press Ctrl-C to quit)\n{}",
            format_tty(&r, "")
        )
    } else {
        format_tty(&r, "")
    }
}

/// A client-side caching invalidation (`>2 invalidate [keys]`, CLIENT TRACKING under
/// RESP3) as redis-cli's push handler prints it: `-> invalidate: 'k1', 'k2'` (each key as
/// a C string: up to a NUL byte). A flush's null is printed as any other push.
fn invalidate_text(r: &Reply) -> Option<String> {
    let Reply::Push(v) = r else {
        return None;
    };
    let [Reply::Bulk(kind), Reply::Array(keys)] = &v[..] else {
        return None;
    };
    if !kind.starts_with(b"invalidate") {
        return None;
    }
    let keys: Vec<String> = keys
        .iter()
        .map(|k| match k {
            Reply::Bulk(b) => {
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                format!("'{}'", String::from_utf8_lossy(&b[..end]))
            }
            _ => "''".to_string(),
        })
        .collect();
    Some(format!("-> invalidate: {}\n", keys.join(", ")))
}

/// Whether redis-cli enters its reading loop after this command (SUBSCRIBE, PSUBSCRIBE,
/// SSUBSCRIBE): the console then shows messages as they arrive.
pub fn starts_reading(argv: &[Vec<u8>]) -> bool {
    argv.first().is_some_and(|a| {
        [&b"subscribe"[..], b"psubscribe", b"ssubscribe"]
            .iter()
            .any(|w| a.eq_ignore_ascii_case(w))
    })
}

/// What a RESP2 client receives for a reply: RESP3-only types degrade as Redis degrades
/// them on the wire.
pub fn to_resp2(r: &Reply) -> Reply {
    match r {
        Reply::Double(d) => Reply::Bulk(format_double_g17(*d).into_bytes()),
        Reply::DoubleText(s) => Reply::Bulk(s.clone().into_bytes()),
        Reply::Map(kv) => Reply::Array(
            kv.iter()
                .flat_map(|(k, v)| [to_resp2(k), to_resp2(v)])
                .collect(),
        ),
        Reply::Set(v) | Reply::Array(v) => Reply::Array(v.iter().map(to_resp2).collect()),
        Reply::Bool(b) => Reply::Int(*b as i64),
        Reply::Verbatim(_, s) => Reply::Bulk(s.clone()),
        Reply::NilArray => Reply::Nil,
        Reply::Push(v) => Reply::Push(v.iter().map(to_resp2).collect()),
        Reply::Seq(v) => Reply::Seq(v.iter().map(to_resp2).collect()),
        other => other.clone(),
    }
}

pub use crate::engine::util::repr;

fn is_multiline(r: &Reply) -> bool {
    match r {
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => !v.is_empty(),
        Reply::Map(v) => !v.is_empty(),
        _ => false,
    }
}

/// redis-cli's interactive ("TTY") formatting.
fn format_tty(r: &Reply, prefix: &str) -> String {
    match r {
        Reply::Error(e) => format!("(error) {e}\n"),
        Reply::Status(s) => format!("{s}\n"),
        Reply::Int(i) => format!("(integer) {i}\n"),
        Reply::Double(d) => format!("(double) {}\n", format_double_g17(*d)),
        Reply::DoubleText(s) => format!("(double) {s}\n"),
        Reply::Bulk(b) => format!("{}\n", repr(b)),
        Reply::Verbatim(_, b) => format!("{}\n", String::from_utf8_lossy(b)),
        Reply::Nil | Reply::NilArray => "(nil)\n".into(),
        Reply::Bool(b) => if *b { "(true)\n" } else { "(false)\n" }.into(),
        Reply::Blocked => String::new(),
        Reply::Closed => "Error: Server closed the connection\n".into(),
        Reply::Seq(v) => v.iter().map(|r| format_tty(r, prefix)).collect(),
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) if v.is_empty() => match r {
            Reply::Set(_) => "(empty set)\n".into(),
            Reply::Push(_) => "(empty push)\n".into(),
            _ => "(empty array)\n".into(),
        },
        Reply::Map(v) if v.is_empty() => "(empty hash)\n".into(),
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => {
            let sep = if matches!(r, Reply::Set(_)) { '~' } else { ')' };
            let width = v.len().to_string().len();
            let child = format!("{prefix}{}", " ".repeat(width + 2));
            let mut out = String::new();
            for (i, e) in v.iter().enumerate() {
                let p = if i == 0 { "" } else { prefix };
                out.push_str(&format!("{p}{:>width$}{sep} ", i + 1));
                out.push_str(&format_tty(e, &child));
            }
            out
        }
        Reply::Map(kv) => {
            let width = kv.len().to_string().len();
            let child = format!("{prefix}{}", " ".repeat(width + 2));
            let mut out = String::new();
            for (i, (k, v)) in kv.iter().enumerate() {
                let p = if i == 0 { "" } else { prefix };
                out.push_str(&format!("{p}{:>width$}# ", i + 1));
                let mut key = format_tty(k, &child);
                key.pop();
                out.push_str(&key);
                out.push_str(" => ");
                if is_multiline(v) {
                    out.push('\n');
                    out.push_str(&child);
                }
                out.push_str(&format_tty(v, &child));
            }
            out
        }
    }
}

/// redis-cli's raw formatting (used for INFO and CLIENT LIST even without `--raw`).
fn format_raw(r: &Reply) -> String {
    match r {
        Reply::Nil | Reply::NilArray | Reply::Blocked => String::new(),
        Reply::Closed => "Error: Server closed the connection\n".into(),
        Reply::Error(e) => format!("{e}\n"),
        Reply::Status(s) => s.to_string(),
        Reply::Bulk(b) | Reply::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
        Reply::Bool(b) => if *b { "(true)" } else { "(false)" }.into(),
        Reply::Int(i) => i.to_string(),
        Reply::Double(d) => format_double_g17(*d),
        Reply::DoubleText(s) => s.clone(),
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => {
            v.iter().map(format_raw).collect::<Vec<_>>().join("\n")
        }
        Reply::Seq(v) => v.iter().map(format_raw).collect::<Vec<_>>().join("\n"),
        Reply::Map(kv) => kv
            .iter()
            .map(|(k, v)| format!("{} {}", format_raw(k), format_raw(v)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidation_pushes_print_as_redis_cli_prints_them() {
        let push = |keys: Reply| Reply::Push(vec![Reply::bulk("invalidate"), keys]);
        let keys = Reply::Array(vec![Reply::bulk("a"), Reply::bulk("b\0c")]);
        assert_eq!(
            format_reply(&[], &push(keys), 3),
            "-> invalidate: 'a', 'b'\n"
        );
        assert_eq!(
            format_reply(&[], &push(Reply::Nil), 3),
            "1) \"invalidate\"\n2) (nil)\n"
        );
    }

    fn toks(s: &str) -> Vec<String> {
        tokenize(s)
            .unwrap()
            .into_iter()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .collect()
    }

    #[test]
    fn tokenizer_follows_redis_cli() {
        assert_eq!(toks("SET a b"), ["SET", "a", "b"]);
        assert_eq!(toks("  set   \"hello world\"  "), ["set", "hello world"]);
        assert_eq!(toks(r#"set k "a\nb\x41\"""#), ["set", "k", "a\nbA\""]);
        assert_eq!(toks(r"set k 'it\'s'"), ["set", "k", "it's"]);
        assert_eq!(toks(r"set k 'a\nb'"), ["set", "k", "a\\nb"]);
        assert_eq!(toks(r#"echo """#), ["echo", ""]);
        assert_eq!(toks(r#"echo foo"bar baz""#), ["echo", "foobar baz"]);
        assert!(tokenize(r#"set "unterminated"#).is_err());
        assert!(tokenize(r#"set "a"b"#).is_err());
        assert!(tokenize("set 'a").is_err());
        assert!(toks("").is_empty());
    }

    #[test]
    fn a_nul_ends_the_line_as_in_c() {
        // sdssplitargs reads a C string: nothing after a NUL exists for it.
        assert_eq!(toks("PING\0junk \"unbalanced"), ["PING"]);
        assert!(toks("\0\x01\x02").is_empty());
        assert_eq!(toks("GET a\0"), ["GET", "a"]);
        assert!(tokenize("SET \"a\0\"").is_err(), "the quote never closes");
        let long = format!("ECHO {}\0{}", "x".repeat(1 << 20), "y ".repeat(1000));
        assert_eq!(tokenize(&long).unwrap()[1].len(), 1 << 20);
    }

    #[test]
    fn c_isspace_separates_but_only_four_bytes_end_a_word() {
        // Vertical tab and form feed are skipped before an argument, and kept inside one.
        assert_eq!(toks("\x0bPING\x0b"), ["PING\x0b"]);
        assert_eq!(toks("PING \x0cx"), ["PING", "x"]);
        assert_eq!(toks("ECHO \"a\"\x0b"), ["ECHO", "a"]);
        assert_eq!(toks("PING\rX"), ["PING", "X"]);
        // Bytes that are not UTF-8 pass through untouched.
        assert_eq!(
            split_args(b"GET \xff\xfe").unwrap(),
            vec![b"GET".to_vec(), vec![0xff, 0xfe]]
        );
    }

    #[test]
    fn hostile_lines_end_in_bounded_time() {
        // Every byte value, alone and in runs, quoted and not: each call must return.
        for c in 0u8..=255 {
            for line in [
                vec![c],
                vec![c; 3],
                vec![b'"', c],
                vec![b'\'', c, c],
                vec![b'a', c, b'b'],
            ] {
                let args = split_args(&line).unwrap_or_default();
                assert!(args.len() <= line.len());
            }
        }
    }

    #[test]
    fn scripts_split_into_lines() {
        assert_eq!(
            script_lines("SET a 1\n\n  GET a  \r\n"),
            ["SET a 1", "GET a"]
        );
        assert!(script_lines(" \n").is_empty());
        // A quoted Lua body keeps its newlines: one command.
        let paste =
            "SET k v\nEVAL \"local v = redis.call('GET', KEYS[1])\r\n  return v\" 1 k\nGET k";
        let lines = script_lines(paste);
        assert_eq!(lines.len(), 3);
        let argv = tokenize(&lines[1]).unwrap();
        assert_eq!(argv[1], b"local v = redis.call('GET', KEYS[1])\n  return v");
        assert_eq!(argv[2], b"1");
        // Single quotes and escaped quotes inside double quotes.
        assert_eq!(
            script_lines("EVAL 'a\nb' 0\nPING"),
            ["EVAL 'a\nb' 0", "PING"]
        );
        assert_eq!(
            script_lines("ECHO \"x\\\"\ny\"\nPING"),
            ["ECHO \"x\\\"\ny\"", "PING"]
        );
        // An unclosed quote: line by line, as before.
        assert_eq!(script_lines("ECHO \"x\nPING"), ["ECHO \"x", "PING"]);
        // A stray quote closed lines later by another stray quote: line by line.
        assert_eq!(
            script_lines("SET x \"\0\nINCR p\nSET x \"\0\nINCR p"),
            ["SET x \"\0", "INCR p", "SET x \"\0", "INCR p"]
        );
    }

    #[test]
    fn tty_format() {
        let argv = vec![b"x".to_vec()];
        let f = |r: Reply| format_reply(&argv, &r, 2);
        assert_eq!(f(Reply::ok()), "OK\n");
        assert_eq!(f(Reply::Int(3)), "(integer) 3\n");
        assert_eq!(f(Reply::Nil), "(nil)\n");
        assert_eq!(f(Reply::Array(vec![])), "(empty array)\n");
        assert_eq!(f(Reply::bulk(b"a\x00\xff\"")), "\"a\\x00\\xff\\\"\"\n");
        let ten: Vec<Reply> = (1..=10).map(Reply::Int).collect();
        let s = f(Reply::Array(ten));
        assert!(s.starts_with(" 1) (integer) 1\n 2) "));
        assert!(s.ends_with("10) (integer) 10\n"));
        let nested = Reply::Array(vec![
            Reply::bulk("a"),
            Reply::Array(vec![Reply::bulk("b"), Reply::bulk("c")]),
        ]);
        assert_eq!(f(nested), "1) \"a\"\n2) 1) \"b\"\n   2) \"c\"\n");
    }

    #[test]
    fn resp3_format() {
        let argv = vec![b"hello".to_vec()];
        let m = Reply::Map(vec![
            (Reply::bulk("server"), Reply::bulk("redis")),
            (Reply::bulk("modules"), Reply::Array(vec![])),
        ]);
        assert_eq!(
            format_reply(&argv, &m, 3),
            "1# \"server\" => \"redis\"\n2# \"modules\" => (empty array)\n"
        );
        assert_eq!(
            format_reply(&argv, &Reply::Double(1.5), 3),
            "(double) 1.5\n"
        );
        assert_eq!(format_reply(&argv, &Reply::Bool(true), 3), "(true)\n");
        assert_eq!(
            format_reply(&argv, &Reply::Set(vec![Reply::Status("a".into())]), 3),
            "1~ a\n"
        );
    }
}
