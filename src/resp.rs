//! The RESP wire protocol: reading requests (multibulk and inline, with Redis's limits and
//! error texts) and writing replies as RESP2 or RESP3.

use crate::engine::reply::format_double_g17;
use crate::engine::Reply;

/// Longest inline request (a line without `*`), as Redis's PROTO_INLINE_MAX_SIZE.
pub const INLINE_MAX: usize = 64 * 1024;
/// Most arguments in one multibulk request.
pub const MULTIBULK_MAX: i64 = 1024 * 1024;

/// One step of request parsing.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    /// A whole command and how many bytes it used.
    Command(Vec<Vec<u8>>, usize),
    /// Bytes that carry no command (an empty line, `*0`): skip them.
    Skip(usize),
    /// More bytes are needed.
    Incomplete,
}

/// A protocol error: Redis replies with it and closes the connection.
#[derive(Debug, PartialEq)]
pub struct ProtocolError(pub String);

/// Index of the `\r` of the first CRLF at or after `from`.
fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf[from..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| from + p)
}

fn parse_len(line: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(line).ok()?;
    s.parse::<i64>().ok()
}

/// Parses the first request in `buf`. `max_bulk` is proto-max-bulk-len.
pub fn parse_request(buf: &[u8], max_bulk: i64) -> Result<Parsed, ProtocolError> {
    let mut argv = Vec::new();
    Ok(match parse_request_into(buf, max_bulk, &mut argv)? {
        Some(0) => Parsed::Incomplete,
        Some(used) if argv.is_empty() => Parsed::Skip(used),
        Some(used) => Parsed::Command(argv, used),
        None => Parsed::Incomplete,
    })
}

/// Like [`parse_request`], but fills `argv` in place, reusing its buffers from the
/// previous request (a server parses millions of requests; this saves allocations).
/// Returns the bytes consumed (with `argv` empty for a request that carries no command),
/// or `None` when more bytes are needed.
pub fn parse_request_into(
    buf: &[u8],
    max_bulk: i64,
    argv: &mut Vec<Vec<u8>>,
) -> Result<Option<usize>, ProtocolError> {
    if buf.is_empty() {
        return Ok(None);
    }
    if buf[0] != b'*' {
        return match parse_inline(buf)? {
            Parsed::Command(args, used) => {
                *argv = args;
                Ok(Some(used))
            }
            Parsed::Skip(used) => {
                argv.clear();
                Ok(Some(used))
            }
            Parsed::Incomplete => Ok(None),
        };
    }
    let Some(nl) = find_crlf(buf, 0) else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError(
                "ERR Protocol error: too big mbulk count string".into(),
            ));
        }
        return Ok(None);
    };
    let head = &buf[1..nl];
    let count = match parse_len(head) {
        Some(n) if n <= MULTIBULK_MAX => n,
        _ => {
            return Err(ProtocolError(
                "ERR Protocol error: invalid multibulk length".into(),
            ))
        }
    };
    let mut pos = nl + 2;
    if count <= 0 {
        argv.clear();
        return Ok(Some(pos));
    }
    // Reuse the argument buffers kept from earlier requests: argument i goes into
    // argv[i]'s allocation when there is one.
    let mut filled = 0;
    for _ in 0..count {
        if pos >= buf.len() {
            return Ok(None);
        }
        if buf[pos] != b'$' {
            return Err(ProtocolError(format!(
                "ERR Protocol error: expected '$', got '{}'",
                buf[pos] as char
            )));
        }
        let Some(nl) = find_crlf(buf, pos) else {
            if buf.len() - pos > INLINE_MAX {
                return Err(ProtocolError(
                    "ERR Protocol error: too big bulk count string".into(),
                ));
            }
            return Ok(None);
        };
        let len = match parse_len(&buf[pos + 1..nl]) {
            Some(n) if (0..=max_bulk).contains(&n) => n as usize,
            _ => {
                return Err(ProtocolError(
                    "ERR Protocol error: invalid bulk length".into(),
                ))
            }
        };
        let start = nl + 2;
        if buf.len() < start + len + 2 {
            return Ok(None);
        }
        let bytes = &buf[start..start + len];
        match argv.get_mut(filled) {
            Some(arg) => {
                arg.clear();
                arg.extend_from_slice(bytes);
            }
            None => argv.push(bytes.to_vec()),
        }
        filled += 1;
        pos = start + len + 2;
    }
    argv.truncate(filled);
    Ok(Some(pos))
}

fn parse_inline(buf: &[u8]) -> Result<Parsed, ProtocolError> {
    let Some(nl) = buf.iter().position(|&c| c == b'\n') else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError(
                "ERR Protocol error: too big inline request".into(),
            ));
        }
        return Ok(Parsed::Incomplete);
    };
    let mut line = &buf[..nl];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    let text = String::from_utf8_lossy(line);
    match crate::console::tokenize(&text) {
        Ok(args) if args.is_empty() => Ok(Parsed::Skip(nl + 1)),
        Ok(args) => Ok(Parsed::Command(args, nl + 1)),
        Err(_) => Err(ProtocolError(
            "ERR Protocol error: unbalanced quotes in request".into(),
        )),
    }
}

/// Appends a type byte, a decimal integer and CRLF (`$12\r\n`, `*3\r\n`, `:-7\r\n`): the
/// framing of nearly every reply, written without the formatting machinery.
fn header(out: &mut Vec<u8>, kind: u8, n: i64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push(kind);
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// Appends the wire form of `r` for a client speaking RESP `resp` (2 or 3).
pub fn encode(r: &Reply, resp: u8, out: &mut Vec<u8>) {
    use std::io::Write;
    let v3 = resp >= 3;
    match r {
        Reply::Status(s) => {
            out.push(b'+');
            out.extend_from_slice(s.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Reply::Error(s) => {
            out.push(b'-');
            out.extend_from_slice(s.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Reply::Int(i) => {
            header(out, b':', *i);
        }
        Reply::Bulk(b) => bulk(b, out),
        Reply::Nil => out.extend_from_slice(if v3 { b"_\r\n" } else { b"$-1\r\n" }),
        Reply::NilArray => out.extend_from_slice(if v3 { b"_\r\n" } else { b"*-1\r\n" }),
        Reply::Array(v) => {
            header(out, b'*', v.len() as i64);
            for e in v {
                encode(e, resp, out);
            }
        }
        Reply::Set(v) => {
            header(out, if v3 { b'~' } else { b'*' }, v.len() as i64);
            for e in v {
                encode(e, resp, out);
            }
        }
        Reply::Map(kv) => {
            if v3 {
                header(out, b'%', kv.len() as i64);
            } else {
                header(out, b'*', kv.len() as i64 * 2);
            }
            for (k, v) in kv {
                encode(k, resp, out);
                encode(v, resp, out);
            }
        }
        Reply::Double(d) => {
            let s = format_double_g17(*d);
            if v3 {
                let _ = write!(out, ",{s}\r\n");
            } else {
                bulk(s.as_bytes(), out);
            }
        }
        Reply::Bool(b) => {
            if v3 {
                out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" });
            } else {
                out.extend_from_slice(if *b { b":1\r\n" } else { b":0\r\n" });
            }
        }
        Reply::Blocked => {}
        Reply::DoubleText(s) => {
            if v3 {
                let _ = write!(out, ",{s}\r\n");
            } else {
                bulk(s.as_bytes(), out);
            }
        }
        Reply::Verbatim(fmt, b) => {
            if v3 {
                let _ = write!(out, "={}\r\n{fmt}:", b.len() + 4);
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            } else {
                bulk(b, out);
            }
        }
    }
}

fn bulk(b: &[u8], out: &mut Vec<u8>) {
    header(out, b'$', b.len() as i64);
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multibulk_and_inline() {
        let buf = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n";
        let Ok(Parsed::Command(a, n)) = parse_request(buf, 1 << 20) else {
            panic!()
        };
        assert_eq!(a, vec![b"GET".to_vec(), b"k".to_vec()]);
        let Ok(Parsed::Command(b, _)) = parse_request(&buf[n..], 1 << 20) else {
            panic!()
        };
        assert_eq!(b, vec![b"PING".to_vec()]);
        assert_eq!(
            parse_request(b"*2\r\n$3\r\nGE", 1 << 20),
            Ok(Parsed::Incomplete)
        );
        assert_eq!(parse_request(b"\r\n", 1 << 20), Ok(Parsed::Skip(2)));
        assert!(parse_request(b"*2\r\n+x\r\n", 1 << 20).is_err());
        assert!(parse_request(b"*1\r\n$99\r\n", 10).is_err());
        assert!(parse_request(b"*x\r\n", 10).is_err());
        assert!(parse_request(b"set \"a\r\n", 10).is_err());
    }

    #[test]
    fn reused_buffers_never_leak_between_requests() {
        let mut argv = Vec::new();
        let buf = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n\r\n*1\r\n$4\r\nPING\r\n*0\r\n";
        let n = parse_request_into(buf, 1 << 20, &mut argv)
            .unwrap()
            .unwrap();
        assert_eq!(
            argv,
            vec![b"SET".to_vec(), b"k".to_vec(), b"value".to_vec()]
        );
        let m = parse_request_into(&buf[n..], 1 << 20, &mut argv)
            .unwrap()
            .unwrap();
        assert!(argv.is_empty(), "an empty line carries no command");
        let o = parse_request_into(&buf[n + m..], 1 << 20, &mut argv)
            .unwrap()
            .unwrap();
        assert_eq!(argv, vec![b"PING".to_vec()]);
        parse_request_into(&buf[n + m + o..], 1 << 20, &mut argv)
            .unwrap()
            .unwrap();
        assert!(argv.is_empty(), "*0 carries no command");
    }

    #[test]
    fn encodes_both_protocols() {
        let mut o = Vec::new();
        encode(
            &Reply::Map(vec![(Reply::bulk("a"), Reply::Int(1))]),
            2,
            &mut o,
        );
        assert_eq!(o, b"*2\r\n$1\r\na\r\n:1\r\n");
        o.clear();
        encode(
            &Reply::Map(vec![(Reply::bulk("a"), Reply::Int(1))]),
            3,
            &mut o,
        );
        assert_eq!(o, b"%1\r\n$1\r\na\r\n:1\r\n");
        o.clear();
        encode(&Reply::Nil, 3, &mut o);
        assert_eq!(o, b"_\r\n");
        for (n, text) in [
            (0, ":0\r\n"),
            (-7, ":-7\r\n"),
            (1234567890, ":1234567890\r\n"),
            (i64::MIN, ":-9223372036854775808\r\n"),
            (i64::MAX, ":9223372036854775807\r\n"),
        ] {
            o.clear();
            encode(&Reply::Int(n), 2, &mut o);
            assert_eq!(String::from_utf8_lossy(&o), text);
        }
        o.clear();
        encode(&Reply::Verbatim("txt", b"hi".to_vec()), 3, &mut o);
        assert_eq!(o, b"=6\r\ntxt:hi\r\n");
    }
}
