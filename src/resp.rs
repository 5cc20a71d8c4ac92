//! The RESP wire protocol: reading requests (multibulk and inline, with Redis's limits and
//! error texts) and writing replies as RESP2 or RESP3.

use crate::engine::reply::format_double_g17;
use crate::engine::Reply;

/// Longest inline request (a line without `*`), and longest `*`/`$` count line, as
/// Redis's PROTO_INLINE_MAX_SIZE.
pub const INLINE_MAX: usize = 64 * 1024;
/// Most arguments in one multibulk request: Redis 7.0 takes any count up to INT_MAX.
pub const MULTIBULK_MAX: i64 = i32::MAX as i64;
/// Most arguments, and longest argument, a client that has not authenticated may send
/// (Redis's processMultibulkBuffer: larger ones are a protocol error, the connection
/// closed, so no one who may not log in can make the server hold much).
pub const UNAUTH_MULTIBULK_MAX: i64 = 10;
pub const UNAUTH_BULK_MAX: usize = 16384;
/// What each argument costs beyond its bytes, for the query-buffer limit's count of a
/// half-read request.
const ARG_OVERHEAD: usize = 24;

/// A protocol error: Redis replies with it (`-ERR Protocol error: ...`) and closes the
/// connection. The text is bytes: `expected '$', got '%c'` echoes whatever byte came.
#[derive(Debug, PartialEq)]
pub struct ProtocolError(pub Vec<u8>);

impl ProtocolError {
    fn new(what: &str) -> ProtocolError {
        ProtocolError(format!("ERR Protocol error: {what}").into_bytes())
    }

    /// The reply line, as Redis sends it (errors are the same in RESP2 and RESP3).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(b'-');
        out.extend_from_slice(&self.0);
        out.extend_from_slice(b"\r\n");
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

/// One step of request reading.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    /// A whole command and how many bytes it used.
    Command(Vec<Vec<u8>>, usize),
    /// Bytes that carry no command (an empty line, `*0`): skip them.
    Skip(usize),
    /// More bytes are needed.
    Incomplete,
}

/// Where `strchr(p, c)` stops in a C buffer: the first `c`, unless a NUL comes first (a C
/// string ends there, so Redis never sees past it and waits for more input).
fn strchr(buf: &[u8], c: u8) -> Option<usize> {
    buf.iter()
        .position(|&b| b == c || b == 0)
        .filter(|&i| buf[i] == c)
}

/// What a connection's requests are held to (Redis's processInputBuffer and
/// processMultibulkBuffer): the longest bulk (`proto-max-bulk-len`), the query buffer
/// (`client-query-buffer-limit`), and the small requests of a client that must still
/// authenticate. The same for every path that reads a client's input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadLimits {
    pub max_bulk: i64,
    pub query_buffer: usize,
    /// Redis's authRequired, looked at before each request (AUTH or RESET change it).
    pub unauthenticated: bool,
}

/// What [`RequestReader::next`] found.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// A whole command, in [`RequestReader::argv`].
    Command,
    /// The input ends inside a request (or is empty): wait for more.
    More,
    /// The unread input and the half-read request outgrew the query buffer limit:
    /// Redis closes the client (without a reply).
    QueryBufferFull,
    /// Malformed or over a limit: Redis replies with the error and closes the client.
    Error(ProtocolError),
}

/// Redis's request reader for one connection (networking.c's processInlineBuffer and
/// processMultibulkBuffer). A half-read multibulk request keeps its state between calls,
/// as the client's `multibulklen`/`bulklen` do, so input that arrives in many reads is
/// looked at once, not re-scanned from the request's start every time.
///
/// It follows Redis to the byte where input is malformed: count lines end at the first
/// `\r` (the byte after it is skipped unseen), a NUL before the line's end makes Redis
/// wait for more (its `strchr` stops at the NUL) until the line outgrows 64 KB, numbers
/// are read by `string2ll` (no `+`, no leading zero), a multibulk count may go up to
/// INT_MAX and `*0` or a negative count carries no command.
#[derive(Debug, Default)]
pub struct RequestReader {
    /// Argument buffers, reused from one request to the next (a server reads millions of
    /// requests; this saves allocations). The request's arguments are `argv[..argc]`.
    argv: Vec<Vec<u8>>,
    argc: usize,
    /// Arguments still to read of the multibulk request under way (0: none under way).
    multibulk: i64,
    /// Length of the bulk argument under way, once its `$` line has been read.
    bulk: Option<usize>,
    /// Bytes the arguments read so far of the request under way hold.
    held: usize,
    /// Whether the client must still authenticate (Redis's authRequired): its counts
    /// and lengths are then held to [`UNAUTH_MULTIBULK_MAX`] and [`UNAUTH_BULK_MAX`].
    /// The server sets it before each read.
    pub unauthenticated: bool,
}

impl RequestReader {
    pub fn new() -> RequestReader {
        RequestReader::default()
    }

    /// The command read by the last call that returned `Ok((_, true))`. Empty for a
    /// request that carries no command (an empty line, `*0`).
    pub fn argv(&self) -> &[Vec<u8>] {
        &self.argv[..self.argc]
    }

    /// Memory held for a request not yet complete, to count against the client query
    /// buffer limit together with the unread input.
    pub fn pending_bytes(&self) -> usize {
        if self.multibulk > 0 {
            self.held + self.argc * ARG_OVERHEAD
        } else {
            0
        }
    }

    /// The length of the bulk argument under way (its `$` line read, its bytes not all
    /// there yet), if any.
    pub fn pending_bulk(&self) -> Option<usize> {
        self.bulk.filter(|_| self.multibulk > 0)
    }

    /// The next request of `input[*pos..]`, under `lim` (the caller looks them up
    /// before each request, since a command may change them), moving `pos` past the
    /// bytes used. Requests that carry no command are passed over.
    pub fn next(&mut self, input: &[u8], pos: &mut usize, lim: ReadLimits) -> Next {
        self.unauthenticated = lim.unauthenticated;
        loop {
            match self.read(&input[*pos..], lim.max_bulk) {
                Ok((used, true)) => {
                    *pos += used;
                    if self.argc > 0 {
                        return Next::Command;
                    }
                }
                Ok((used, false)) => {
                    *pos += used;
                    // The half-read request's arguments count with the unread input.
                    if input.len() - *pos + self.pending_bytes() > lim.query_buffer {
                        return Next::QueryBufferFull;
                    }
                    return Next::More;
                }
                Err(e) => return Next::Error(e),
            }
        }
    }

    fn push_arg(&mut self, bytes: &[u8]) {
        match self.argv.get_mut(self.argc) {
            Some(arg) => {
                arg.clear();
                arg.extend_from_slice(bytes);
            }
            None => self.argv.push(bytes.to_vec()),
        }
        self.argc += 1;
        self.held += bytes.len();
    }

    /// Reads from `buf`, the input not consumed yet. Returns the bytes consumed and
    /// whether a whole request is now in [`argv`](Self::argv) (consumed bytes of a
    /// half-read request are kept in the reader: drop them from the input all the same).
    /// `max_bulk` is proto-max-bulk-len.
    pub fn read(&mut self, buf: &[u8], max_bulk: i64) -> Result<(usize, bool), ProtocolError> {
        if self.multibulk == 0 {
            self.argc = 0;
            self.held = 0;
            match buf.first() {
                None => return Ok((0, false)),
                Some(b'*') => {}
                Some(_) => return self.read_inline(buf),
            }
            let Some(nl) = strchr(buf, b'\r') else {
                if buf.len() > INLINE_MAX {
                    return Err(ProtocolError::new("too big mbulk count string"));
                }
                return Ok((0, false));
            };
            // The byte after the `\r` must have arrived too (it is not looked at).
            if nl + 2 > buf.len() {
                return Ok((0, false));
            }
            let count = match crate::engine::util::parse_i64(&buf[1..nl]) {
                Some(n) if n <= MULTIBULK_MAX => n,
                _ => return Err(ProtocolError::new("invalid multibulk length")),
            };
            if count > UNAUTH_MULTIBULK_MAX && self.unauthenticated {
                return Err(ProtocolError::new("unauthenticated multibulk length"));
            }
            if count <= 0 {
                return Ok((nl + 2, true));
            }
            self.multibulk = count;
            self.bulk = None;
            let (used, done) = self.read_bulks(&buf[nl + 2..], max_bulk)?;
            return Ok((nl + 2 + used, done));
        }
        self.read_bulks(buf, max_bulk)
    }

    fn read_bulks(&mut self, buf: &[u8], max_bulk: i64) -> Result<(usize, bool), ProtocolError> {
        let mut pos = 0;
        while self.multibulk > 0 {
            let len = match self.bulk {
                Some(len) => len,
                None => {
                    let rest = &buf[pos..];
                    let Some(nl) = strchr(rest, b'\r') else {
                        if rest.len() > INLINE_MAX {
                            return Err(ProtocolError::new("too big bulk count string"));
                        }
                        break;
                    };
                    if nl + 2 > rest.len() {
                        break;
                    }
                    if rest[0] != b'$' {
                        // addReplyErrorFormat turns CR and LF into spaces.
                        let got = match rest[0] {
                            b'\r' | b'\n' => b' ',
                            c => c,
                        };
                        let mut e = b"ERR Protocol error: expected '$', got '".to_vec();
                        e.extend_from_slice(&[got, b'\'']);
                        return Err(ProtocolError(e));
                    }
                    let len = match crate::engine::util::parse_i64(&rest[1..nl]) {
                        Some(n) if (0..=max_bulk).contains(&n) => n as usize,
                        _ => return Err(ProtocolError::new("invalid bulk length")),
                    };
                    if len > UNAUTH_BULK_MAX && self.unauthenticated {
                        return Err(ProtocolError::new("unauthenticated bulk length"));
                    }
                    pos += nl + 2;
                    self.bulk = Some(len);
                    len
                }
            };
            // The bulk and the two bytes after it (meant to be CRLF; never checked).
            if buf.len() - pos < len + 2 {
                break;
            }
            self.push_arg(&buf[pos..pos + len]);
            pos += len + 2;
            self.bulk = None;
            self.multibulk -= 1;
        }
        Ok((pos, self.multibulk == 0))
    }

    fn read_inline(&mut self, buf: &[u8]) -> Result<(usize, bool), ProtocolError> {
        let Some(nl) = strchr(buf, b'\n') else {
            if buf.len() > INLINE_MAX {
                return Err(ProtocolError::new("too big inline request"));
            }
            return Ok((0, false));
        };
        let mut line = &buf[..nl];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        let Ok(args) = crate::console::split_args(line) else {
            return Err(ProtocolError::new("unbalanced quotes in request"));
        };
        for a in &args {
            self.push_arg(a);
        }
        Ok((nl + 1, true))
    }
}

/// Reads the first request in `buf` with a fresh reader (for tests and one-off use; a
/// connection keeps one [`RequestReader`]).
pub fn parse_request(buf: &[u8], max_bulk: i64) -> Result<Parsed, ProtocolError> {
    let mut r = RequestReader::new();
    Ok(match r.read(buf, max_bulk)? {
        (used, true) if r.argc == 0 => Parsed::Skip(used),
        (used, true) => Parsed::Command(r.argv().to_vec(), used),
        (_, false) => Parsed::Incomplete,
    })
}

/// Appends a type byte, a decimal integer and CRLF (`$12\r\n`, `*3\r\n`, `:-7\r\n`): the
/// framing of nearly every reply, written without the formatting machinery: two digits
/// at a time into a stack buffer, appended in one copy.
fn header(out: &mut Vec<u8>, kind: u8, n: i64) {
    // The type byte, a sign, at most 19 digits and CRLF.
    let mut buf = [0u8; 24];
    let mut i = buf.len() - 2;
    buf[i..].copy_from_slice(b"\r\n");
    let mut v = n.unsigned_abs();
    while v >= 100 {
        let d = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[d..d + 2]);
    }
    if v >= 10 {
        let d = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[d..d + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    i -= 1;
    buf[i] = kind;
    out.extend_from_slice(&buf[i..]);
}

/// "00" to "99", for `header`.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The size of `argv` sent as a RESP multi-bulk request (`*2\r\n$3\r\nGET\r\n...`).
pub fn request_len(argv: &[Vec<u8>]) -> usize {
    let head = |n: usize| 1 + n.to_string().len() + 2;
    head(argv.len())
        + argv
            .iter()
            .map(|a| head(a.len()) + a.len() + 2)
            .sum::<usize>()
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
        Reply::Push(v) => {
            header(out, if v3 { b'>' } else { b'*' }, v.len() as i64);
            for e in v {
                encode(e, resp, out);
            }
        }
        Reply::Seq(v) => {
            for e in v {
                encode(e, resp, out);
            }
        }
        Reply::Blocked | Reply::Closed => {}
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
    fn headers_print_every_integer_as_decimal() {
        let mut probes = vec![i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1];
        for p in 0..19 {
            let t = 10i64.pow(p);
            probes.extend([t - 1, t, t + 1, -t + 1, -t, -t - 1, 7 * t, -7 * t]);
        }
        for n in probes {
            let mut out = b"x".to_vec();
            header(&mut out, b':', n);
            assert_eq!(out, format!("x:{n}\r\n").into_bytes(), "{n}");
        }
        let mut out = Vec::new();
        encode(&Reply::Bulk(b"hello".to_vec()), 2, &mut out);
        encode(
            &Reply::Array(vec![Reply::Int(-12), Reply::Int(345)]),
            2,
            &mut out,
        );
        assert_eq!(out, b"$5\r\nhello\r\n*2\r\n:-12\r\n:345\r\n");
    }

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
        let mut r = RequestReader::new();
        let buf = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n\r\n*1\r\n$4\r\nPING\r\n*0\r\n";
        let (n, done) = r.read(buf, 1 << 20).unwrap();
        assert!(done);
        assert_eq!(
            r.argv(),
            [b"SET".to_vec(), b"k".to_vec(), b"value".to_vec()]
        );
        let (m, _) = r.read(&buf[n..], 1 << 20).unwrap();
        assert!(r.argv().is_empty(), "an empty line carries no command");
        let (o, _) = r.read(&buf[n + m..], 1 << 20).unwrap();
        assert_eq!(r.argv(), [b"PING".to_vec()]);
        let (_, done) = r.read(&buf[n + m + o..], 1 << 20).unwrap();
        assert!(done && r.argv().is_empty(), "*0 carries no command");
    }

    /// Feeds `input` in pieces of `step` bytes, as reads from a socket would bring it,
    /// and returns the commands read (or the error).
    fn feed(input: &[u8], step: usize) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut r = RequestReader::new();
        let (mut buf, mut cmds) = (Vec::new(), Vec::new());
        for piece in input.chunks(step) {
            buf.extend_from_slice(piece);
            loop {
                let (used, done) = r.read(&buf, 1 << 20)?;
                buf.drain(..used);
                if !done {
                    break;
                }
                if !r.argv().is_empty() {
                    cmds.push(r.argv().to_vec());
                }
            }
        }
        Ok(cmds)
    }

    #[test]
    fn requests_split_across_reads_parse_the_same() {
        let input = b"*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\nPING\r\n*-1\r\n\r\n*1\r\n$0\r\n\r\nSET a \"b c\"\n";
        let whole = feed(input, input.len()).unwrap();
        assert_eq!(whole.len(), 4);
        for step in 1..input.len() {
            assert_eq!(feed(input, step).unwrap(), whole, "in pieces of {step}");
        }
    }

    #[test]
    fn malformed_input_as_redis_reads_it() {
        let err = |b: &[u8]| parse_request(b, 1 << 20).unwrap_err().text();
        let incomplete = |b: &[u8]| parse_request(b, 1 << 20) == Ok(Parsed::Incomplete);
        // A NUL before the line's end: Redis's strchr stops there and it waits.
        assert!(incomplete(b"PING\0\r\n"));
        assert!(incomplete(b"\0\x01\x02\r\n"));
        assert!(incomplete(b"*1\0\r\n"));
        assert_eq!(
            err(&[&b"PING\0"[..], &[b'x'; INLINE_MAX]].concat()),
            "ERR Protocol error: too big inline request"
        );
        // The byte after a count line's CR is skipped unseen.
        assert_eq!(
            err(b"*1\r$4\r\nPING\r\n"),
            "ERR Protocol error: expected '$', got '4'"
        );
        assert_eq!(
            err(b"*1\r\n\r\n"),
            "ERR Protocol error: expected '$', got ' '"
        );
        assert_eq!(
            parse_request(b"*1\r\n\xff\r\n", 10).unwrap_err().0,
            b"ERR Protocol error: expected '$', got '\xff'"
        );
        for bad in [
            &b"*+1\r\n"[..],
            b"*01\r\n",
            b"*2147483648\r\n",
            b"*x\r\n",
            b"*\r\n",
        ] {
            assert_eq!(err(bad), "ERR Protocol error: invalid multibulk length");
        }
        for bad in [
            &b"*1\r\n$-1\r\n"[..],
            b"*1\r\n$04\r\nPING\r\n",
            b"*1\r\n$\xff\r\n",
        ] {
            assert_eq!(err(bad), "ERR Protocol error: invalid bulk length");
        }
        // Counts Redis 7.0 accepts and waits on.
        assert!(incomplete(b"*1048577\r\n"));
        assert!(incomplete(b"*2147483647\r\n"));
        assert_eq!(parse_request(b"*-5\r\n", 10), Ok(Parsed::Skip(5)));
        // The two bytes after a bulk are not checked.
        let Ok(Parsed::Command(a, n)) = parse_request(b"*1\r\n$4\r\nPINGxx", 10) else {
            panic!()
        };
        assert_eq!((a, n), (vec![b"PING".to_vec()], 14));
        assert_eq!(
            err(&[b'*'; INLINE_MAX + 1]),
            "ERR Protocol error: too big mbulk count string"
        );
    }

    #[test]
    fn an_unauthenticated_client_sends_small_requests() {
        let read = |b: &[u8], unauth: bool| {
            let mut r = RequestReader {
                unauthenticated: unauth,
                ..RequestReader::default()
            };
            r.read(b, 1 << 20).map_err(|e| e.text())
        };
        let many = b"*11\r\n";
        let long = b"*2\r\n$16385\r\n";
        assert_eq!(
            read(many, true),
            Err("ERR Protocol error: unauthenticated multibulk length".into())
        );
        assert_eq!(
            read(long, true),
            Err("ERR Protocol error: unauthenticated bulk length".into())
        );
        assert_eq!(read(many, false), Ok((5, false)));
        assert_eq!(read(long, false), Ok((12, false)));
        // At the limits, and the checks that come first.
        assert_eq!(read(b"*10\r\n$16384\r\n", true), Ok((13, false)));
        assert_eq!(read(b"*-1\r\n", true), Ok((5, true)));
        assert_eq!(
            read(b"*2\r\n$2000000\r\n", true),
            Err("ERR Protocol error: invalid bulk length".into())
        );
    }

    #[test]
    fn next_reads_requests_under_the_limits_it_is_given() {
        let lim = |unauthenticated, query_buffer| ReadLimits {
            max_bulk: 1 << 20,
            query_buffer,
            unauthenticated,
        };
        let mut r = RequestReader::new();
        // Empty lines and `*0` are passed over; then a command, then the rest waits.
        let input = b"\r\n*0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nEC";
        let mut pos = 0;
        assert_eq!(r.next(input, &mut pos, lim(false, 1 << 20)), Next::Command);
        assert_eq!(r.argv(), [b"PING".to_vec()]);
        assert_eq!(pos, 20);
        assert_eq!(r.next(input, &mut pos, lim(false, 1 << 20)), Next::More);
        // The half-read request (4 bytes and one argument's overhead) and the 2
        // unread bytes count against the query buffer limit.
        let mut r = RequestReader::new();
        let mut pos = 0;
        let half = b"*3\r\n$4\r\nECHO\r\n$5\r\nhe";
        assert_eq!(r.next(half, &mut pos, lim(false, 40)), Next::More);
        let mut r = RequestReader::new();
        let mut pos = 0;
        assert_eq!(
            r.next(half, &mut pos, lim(false, 20)),
            Next::QueryBufferFull
        );
        // The login limit is the one given for this request.
        let eleven = format!("*11\r\n{}", "$1\r\nx\r\n".repeat(11));
        let mut r = RequestReader::new();
        let mut pos = 0;
        assert_eq!(
            r.next(eleven.as_bytes(), &mut pos, lim(true, 1 << 20)),
            Next::Error(ProtocolError::new("unauthenticated multibulk length"))
        );
        let mut r = RequestReader::new();
        let mut pos = 0;
        assert_eq!(
            r.next(eleven.as_bytes(), &mut pos, lim(false, 1 << 20)),
            Next::Command
        );
        assert_eq!(r.argv().len(), 11);
    }

    #[test]
    fn a_half_read_request_counts_its_arguments() {
        let mut r = RequestReader::new();
        let (used, done) = r
            .read(b"*2147483647\r\n$3\r\nabc\r\n$0\r\n\r\n$5\r\n12", 1 << 20)
            .unwrap();
        assert!(!done);
        assert_eq!(used, 13 + 9 + 6 + 4);
        assert_eq!(r.pending_bytes(), 3 + 2 * ARG_OVERHEAD);
    }

    #[test]
    fn request_len_is_the_multibulk_size() {
        let argv = vec![b"SET".to_vec(), b"key".to_vec(), vec![b'v'; 12]];
        assert_eq!(
            request_len(&argv),
            b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$12\r\nvvvvvvvvvvvv\r\n".len()
        );
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
