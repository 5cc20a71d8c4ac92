//! Redis's Lua debugger (LDB), as `redis-cli --ldb` and `--ldb-sync-mode` drive it.
//!
//! `SCRIPT DEBUG SYNC` (or `YES`) marks a client; its next EVAL runs as a debugging
//! session. Redis captures the client's socket and does blocking I/O on it from inside
//! the Lua hooks: before each new line of the script (a line hook), when stepping or at
//! a breakpoint, it sends what it has logged as a multi-bulk of status replies (`* Stopped
//! at 3, stop reason = step over`, `-> 3   local x = ...`) and reads commands from the
//! client (step, continue, list, print, break, eval, redis, trace, maxlen, abort, help)
//! until one lets the script go on. At the end it sends `<endsession>`, then the EVAL's
//! reply, and closes the connection. The whole server waits meanwhile (as in Redis's
//! sync mode).
//!
//! This module holds the session's state and the parts that need no VM: the source
//! lines, breakpoints, the log and how it is sent, the command parser (Redis's
//! deliberately forgiving one), the listing and the human form of Redis replies. The
//! VM side (the hook, locals, eval, trace) is in `lua/mod.rs`; the I/O is the host's
//! (`Host::ldb_send` / `Host::ldb_recv`: the server's socket, none in the browser).
//!
//! `SCRIPT DEBUG YES` forks in Redis, so the session's writes vanish with the child.
//! Here there is no fork: YES runs the session like SYNC and then puts the dataset back
//! as it was before the EVAL (from a snapshot taken at its start).

use crate::engine::reply::Reply;
use crate::engine::util::repr;

/// Redis's LDB_BREAKPOINTS_MAX and LDB_MAX_LEN_DEFAULT.
const BREAKPOINTS_MAX: usize = 64;
const MAX_LEN_DEFAULT: usize = 256;
/// The command buffer's limit ("max client buffer reached" past it).
pub const MAX_CBUF: usize = 1 << 20;

/// One debugging session (Redis's `ldbState`).
pub struct Ldb {
    /// The script's lines (its trailing newlines dropped).
    src: Vec<Vec<u8>>,
    bp: Vec<i32>,
    /// Stop before the next line.
    pub step: bool,
    /// redis.breakpoint() was called: stop before the next line.
    pub luabp: bool,
    maxlen: usize,
    maxlen_hint_sent: bool,
    pub currentline: i32,
    logs: Vec<Vec<u8>>,
    /// What the client sent and no command used yet.
    pub cbuf: Vec<u8>,
}

impl Ldb {
    /// A session for `body` (the EVAL's script), stopping at its first line.
    pub fn new(body: &[u8]) -> Ldb {
        let mut end = body.len();
        while end > 0 && matches!(body[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let src = if end == 0 {
            Vec::new()
        } else {
            body[..end]
                .split(|&c| c == b'\n')
                .map(<[u8]>::to_vec)
                .collect()
        };
        Ldb {
            src,
            bp: Vec::new(),
            step: true,
            luabp: false,
            maxlen: MAX_LEN_DEFAULT,
            maxlen_hint_sent: false,
            currentline: 0,
            logs: Vec::new(),
            cbuf: Vec::new(),
        }
    }

    pub fn log(&mut self, entry: impl Into<Vec<u8>>) {
        self.logs.push(entry.into());
    }

    /// A log entry cut at `maxlen` bytes (" ..." appended), with a hint the first time.
    pub fn log_max_len(&mut self, entry: impl Into<Vec<u8>>) {
        let mut entry = entry.into();
        let mut trimmed = false;
        if self.maxlen > 0 && entry.len() > self.maxlen {
            entry.truncate(self.maxlen);
            entry.extend_from_slice(b" ...");
            trimmed = true;
        }
        self.log(entry);
        if trimmed && !self.maxlen_hint_sent {
            self.maxlen_hint_sent = true;
            self.log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
        }
    }

    /// The logs as Redis sends them (a multi-bulk of status replies, newlines turned
    /// into spaces), and forgets them.
    pub fn take_logs(&mut self) -> Vec<u8> {
        let mut out = format!("*{}\r\n", self.logs.len()).into_bytes();
        for mut entry in self.logs.drain(..) {
            for c in entry.iter_mut() {
                if *c == b'\r' || *c == b'\n' {
                    *c = b' ';
                }
            }
            out.push(b'+');
            out.extend_from_slice(&entry);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    fn source_line(&self, line: i32) -> &[u8] {
        match usize::try_from(line - 1).ok().and_then(|i| self.src.get(i)) {
            Some(l) => l,
            None => b"<out of range source code line>",
        }
    }

    pub fn clear_breakpoints(&mut self) {
        self.bp.clear();
    }

    pub fn is_breakpoint(&self, line: i32) -> bool {
        self.bp.contains(&line)
    }

    /// `-> 3   code` (the current line), `  #3   code` (a breakpoint), `->#` both.
    pub fn log_source_line(&mut self, line: i32) {
        let prefix = match (self.currentline == line, self.is_breakpoint(line)) {
            (true, true) => "->#",
            (true, false) => "-> ",
            (false, true) => "  #",
            (false, false) => "   ",
        };
        let mut s = format!("{prefix}{line:<3} ").into_bytes();
        s.extend_from_slice(self.source_line(line));
        self.log(s);
    }

    /// `list`: the lines within `context` of `around` (0: the whole script).
    pub fn list(&mut self, around: i32, context: i32) {
        for j in 1..=self.src.len() as i32 {
            if around != 0 && (around - j).abs() > context {
                continue;
            }
            self.log_source_line(j);
        }
    }

    /// `break`, `break <line>`, `break -<line>`, `break 0`.
    pub fn break_cmd(&mut self, argv: &[Vec<u8>]) {
        if argv.len() == 1 {
            if self.bp.is_empty() {
                self.log("No breakpoints set. Use 'b <line>' to add one.");
            } else {
                self.log(format!("{} breakpoints set:", self.bp.len()));
                for line in self.bp.clone() {
                    self.log_source_line(line);
                }
            }
            return;
        }
        for arg in &argv[1..] {
            let Some(line) = crate::engine::util::parse_i64(arg) else {
                let mut e = b"Invalid argument:'".to_vec();
                e.extend_from_slice(arg);
                e.push(b'\'');
                self.log(e);
                continue;
            };
            let line = line.clamp(i32::MIN as i64 + 1, i32::MAX as i64) as i32;
            if line == 0 {
                self.bp.clear();
                self.log("All breakpoints removed.");
            } else if line > 0 {
                if self.bp.len() == BREAKPOINTS_MAX {
                    self.log("Too many breakpoints set.");
                } else if line as usize <= self.src.len() && !self.is_breakpoint(line) {
                    // (Setting one already set is "Wrong line number." too, as there.)
                    self.bp.push(line);
                    self.list(line, 1);
                } else {
                    self.log("Wrong line number.");
                }
            } else if let Some(i) = self.bp.iter().position(|&b| b == -line) {
                self.bp.remove(i);
                self.log("Breakpoint removed.");
            } else {
                self.log("No breakpoint in the specified line.");
            }
        }
    }

    /// `maxlen [len]`.
    pub fn maxlen_cmd(&mut self, argv: &[Vec<u8>]) {
        if argv.len() == 2 {
            let n = atoi(&argv[1]);
            self.maxlen_hint_sent = true;
            self.maxlen = if n != 0 && n <= 60 {
                60
            } else {
                n.max(0) as usize
            };
        }
        if self.maxlen > 0 {
            self.log(format!(
                "<value> replies are truncated at {} bytes.",
                self.maxlen
            ));
        } else {
            self.log("<value> replies are unlimited.");
        }
    }

    pub fn help(&mut self) {
        for line in HELP {
            self.log(*line);
        }
    }

    /// The next command in `cbuf` (Redis's ldbReplParseCommand, a multi-bulk only, each
    /// argument 1..=1024 bytes, at most 1024 of them): Ok(None) to read more, Err on a
    /// protocol error. The buffer is emptied once a command is taken.
    pub fn parse_command(&mut self) -> Result<Option<Vec<Vec<u8>>>, &'static str> {
        const PROTOCOL_ERROR: &str = "protocol error";
        let buf = &self.cbuf;
        if buf.is_empty() {
            return Ok(None);
        }
        // Redis parses a C string: what follows a NUL byte is not there.
        let buf = &buf[..buf.iter().position(|&c| c == 0).unwrap_or(buf.len())];
        let Some(star) = buf.iter().position(|&c| c == b'*') else {
            return Err(PROTOCOL_ERROR);
        };
        let mut p = star + 1;
        let Some(crlf) = find_crlf(buf, p) else {
            return Ok(None);
        };
        let argc = atoi(&buf[p..crlf]);
        if argc <= 0 || argc > 1024 {
            return Err(PROTOCOL_ERROR);
        }
        p = crlf + 2;
        let mut argv = Vec::with_capacity(argc as usize);
        while argv.len() < argc as usize {
            if p >= buf.len() {
                return Ok(None);
            }
            if buf[p] != b'$' {
                return Err(PROTOCOL_ERROR);
            }
            let Some(crlf) = find_crlf(buf, p + 1) else {
                return Ok(None);
            };
            let len = atoi(&buf[p + 1..crlf]);
            if len <= 0 || len > 1024 {
                return Err(PROTOCOL_ERROR);
            }
            p = crlf + 2;
            let len = len as usize;
            // The argument itself may hold NUL bytes: it is copied by length.
            let full = &self.cbuf;
            if p + len + 2 > full.len() {
                return Ok(None);
            }
            argv.push(full[p..p + len].to_vec());
            p += len;
            if full[p] != b'\r' || full[p + 1] != b'\n' {
                return Err(PROTOCOL_ERROR);
            }
            p += 2;
        }
        self.cbuf.clear();
        Ok(Some(argv))
    }
}

pub(crate) use crate::engine::cluster::atoi;

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| from + i)
}

/// `<redis> SET k v` for a command redis.call runs while stepping (the first ten
/// arguments, then how many more).
pub fn command_log(argv: &[Vec<u8>]) -> Vec<u8> {
    let mut s = b"<redis>".to_vec();
    for (j, a) in argv.iter().enumerate() {
        if j == 10 {
            s.extend_from_slice(format!(" ... ({} more)", argv.len() - j - 1).as_bytes());
            break;
        }
        s.push(b' ');
        s.extend_from_slice(a);
    }
    s
}

impl Ldb {
    /// What the debugger logs after a command redis.call ran: `<error> ...` for one
    /// refused before it ran (Redis's scriptCall error, without its ERR); for an error
    /// reply `<error> -...` (logged as Lua gets the error) and then the reply; the
    /// reply otherwise.
    pub fn log_call(&mut self, reply: &Reply, resp: u8, refused: bool) {
        if let Reply::Error(e) = reply {
            if refused {
                self.log(format!("<error> {}", e.strip_prefix("ERR ").unwrap_or(e)));
                return;
            }
            self.log(format!("<error> -{e}"));
        }
        self.log_max_len(reply_log(reply, resp));
    }
}

/// `<reply> ...`: a reply as the script's protocol carries it, in Redis's human form
/// (ldbRedisProtocolToHuman).
pub fn reply_log(reply: &Reply, resp: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    crate::resp::encode(reply, resp, &mut bytes);
    let mut out = b"<reply> ".to_vec();
    human(&bytes, &mut out);
    out
}

/// One RESP value from `r` in human form; returns what follows it.
fn human<'a>(r: &'a [u8], o: &mut Vec<u8>) -> &'a [u8] {
    let Some(&t) = r.first() else {
        return r;
    };
    let Some(cr) = r.iter().position(|&c| c == b'\r') else {
        return &[];
    };
    let head = &r[1..cr];
    let rest = r.get(cr + 2..).unwrap_or_default();
    let count = || atoi(head);
    match t {
        b':' => {
            o.extend_from_slice(head);
            rest
        }
        b'$' => {
            let n = count();
            if n < 0 {
                o.extend_from_slice(b"NULL");
                return rest;
            }
            let n = (n as usize).min(rest.len());
            o.extend_from_slice(repr(&rest[..n]).as_bytes());
            rest.get(n + 2..).unwrap_or_default()
        }
        b'+' | b'-' => {
            o.extend_from_slice(repr(&r[..cr]).as_bytes());
            rest
        }
        b'*' | b'~' => {
            let n = count();
            if n < 0 {
                o.extend_from_slice(b"NULL");
                return rest;
            }
            o.extend_from_slice(if t == b'*' { b"[" } else { b"~(" });
            let mut p = rest;
            for j in 0..n {
                p = human(p, o);
                if j != n - 1 {
                    o.push(b',');
                }
            }
            o.push(if t == b'*' { b']' } else { b')' });
            p
        }
        b'%' => {
            let n = count();
            o.push(b'{');
            let mut p = rest;
            for j in 0..n {
                p = human(p, o);
                o.extend_from_slice(b" => ");
                p = human(p, o);
                if j != n - 1 {
                    o.push(b',');
                }
            }
            o.push(b'}');
            p
        }
        b'_' => {
            o.extend_from_slice(b"(null)");
            rest
        }
        b'#' => {
            o.extend_from_slice(if head.first() == Some(&b't') {
                b"#true"
            } else {
                b"#false"
            });
            rest
        }
        b',' => {
            o.extend_from_slice(b"(double) ");
            o.extend_from_slice(head);
            rest
        }
        _ => rest,
    }
}

const HELP: &[&str] = &[
    "Redis Lua debugger help:",
    "[h]elp               Show this help.",
    "[s]tep               Run current line and stop again.",
    "[n]ext               Alias for step.",
    "[c]ontinue           Run till next breakpoint.",
    "[l]ist               List source code around current line.",
    "[l]ist [line]        List source code around [line].",
    "                     line = 0 means: current position.",
    "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    "                     to show before/after [line].",
    "[w]hole              List all source code. Alias for 'list 1 1000000'.",
    "[p]rint              Show all the local variables.",
    "[p]rint <var>        Show the value of the specified variable.",
    "                     Can also show global vars KEYS and ARGV.",
    "[b]reak              Show all breakpoints.",
    "[b]reak <line>       Add a breakpoint to the specified line.",
    "[b]reak -<line>      Remove breakpoint from the specified line.",
    "[b]reak 0            Remove all breakpoints.",
    "[t]race              Show a backtrace.",
    "[e]val <code>        Execute some Lua code (in a different callframe).",
    "[r]edis <cmd>        Execute a Redis command.",
    "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    "                     Specifying zero as <len> means unlimited.",
    "[a]bort              Stop the execution of the script. In sync",
    "                     mode dataset changes will be retained.",
    "",
    "Debugger functions you can call from Lua scripts:",
    "redis.debug()        Produce logs in the debugger console.",
    "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    "                     next line of code.",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(l: &mut Ldb, bytes: &[u8]) -> Result<Option<Vec<Vec<u8>>>, &'static str> {
        l.cbuf.extend_from_slice(bytes);
        l.parse_command()
    }

    #[test]
    fn the_parser_reads_multibulks_and_waits_for_more() {
        let mut l = Ldb::new(b"return 1\n");
        assert_eq!(cmd(&mut l, b"*2\r\n$1\r\nb"), Ok(None));
        assert_eq!(
            cmd(&mut l, b"\r\n$1\r\n3\r\n"),
            Ok(Some(vec![b"b".to_vec(), b"3".to_vec()]))
        );
        assert!(l.cbuf.is_empty());
        assert_eq!(cmd(&mut l, b"PING\r\n"), Err("protocol error"));
        l.cbuf.clear();
        // An empty argument is a protocol error (Redis: slen <= 0).
        assert_eq!(cmd(&mut l, b"*1\r\n$0\r\n\r\n"), Err("protocol error"));
        l.cbuf.clear();
        assert_eq!(
            cmd(&mut l, b"*1\r\n$11\r\nhello\0world\r\n"),
            Ok(Some(vec![b"hello\0world".to_vec()]))
        );
    }

    #[test]
    fn listing_breakpoints_and_logs() {
        let mut l = Ldb::new(b"local a = 1\nlocal b = 2\nreturn a + b\n\n");
        l.currentline = 2;
        l.break_cmd(&[b"b".to_vec(), b"3".to_vec(), b"9".to_vec(), b"x".to_vec()]);
        l.list(0, 0);
        l.break_cmd(&[b"b".to_vec(), b"-3".to_vec(), b"-3".to_vec()]);
        assert_eq!(
            String::from_utf8(l.take_logs()).unwrap(),
            "*9\r\n+-> 2   local b = 2\r\n+  #3   return a + b\r\n+Wrong line number.\r\n\
             +Invalid argument:'x'\r\n+   1   local a = 1\r\n+-> 2   local b = 2\r\n\
             +  #3   return a + b\r\n+Breakpoint removed.\r\n\
             +No breakpoint in the specified line.\r\n"
        );
    }

    #[test]
    fn replies_in_human_form() {
        let r = Reply::Array(vec![
            Reply::Bulk(b"a\"b".to_vec()),
            Reply::Int(3),
            Reply::Nil,
            Reply::Status("OK".into()),
            Reply::Error("ERR bad".into()),
        ]);
        assert_eq!(
            String::from_utf8(reply_log(&r, 2)).unwrap(),
            r#"<reply> ["a\"b",3,NULL,"+OK","-ERR bad"]"#
        );
        let m = Reply::Map(vec![(Reply::Bulk(b"k".to_vec()), Reply::Double(1.5))]);
        assert_eq!(
            String::from_utf8(reply_log(&m, 3)).unwrap(),
            r#"<reply> {"k" => (double) 1.5}"#
        );
        assert_eq!(
            String::from_utf8(reply_log(&m, 2)).unwrap(),
            r#"<reply> ["k","1.5"]"#
        );
    }
}
