//! The append-only file, as Redis 7.0 writes and reads it: what the engine propagates
//! for each command, the RESP text of an incremental file, the manifest of a multi-part
//! AOF directory, and the reader that replays a file (with Redis's truncated-tail rule).
//!
//! **What gets appended.** Redis appends not the command a client sent but what it
//! *propagates*: a command that changed the dataset (`server.dirty` moved) goes out as
//! its argument vector, rewritten so that replaying it later gives the same keyspace.
//! 7.0's rewrites, which `propagated` reproduces after the handler ran (from the
//! arguments, the reply and the keyspace as the command left it, so no handler needs to
//! know about the AOF):
//! - relative and absolute expires become `PEXPIREAT key <ms>` (EXPIRE, PEXPIRE,
//!   EXPIREAT, GETEX EX/PX/EXAT/PXAT), or `DEL key` when the time was already past;
//!   `SET … EX/PX/EXAT/PXAT`, SETEX and PSETEX become `SET key value PXAT <ms>`;
//!   GETEX PERSIST becomes PERSIST, GETDEL becomes DEL, GETSET becomes SET;
//! - INCRBYFLOAT becomes `SET key <result> KEEPTTL`, HINCRBYFLOAT `HSET key field
//!   <result>` (so no float is recomputed on replay);
//! - SPOP becomes one `SREM key member` per member popped, or `DEL key` when the whole
//!   set went; the blocking pops become their non-blocking forms (`LPOP key`,
//!   `RPOP key n`, `ZPOPMIN key n`, LMOVE, RPOPLPUSH), LMPOP and ZMPOP too;
//! - `XADD key … *` names the ID it generated; RESTORE with a relative TTL gets the
//!   absolute time and ABSTTL (or becomes DEL when that time has passed);
//! - a key deleted by lazy or active expiry or by eviction is propagated as `DEL key`
//!   (`UNLINK` under lazyfree-lazy-expire / -eviction);
//! - EXEC, EVAL and FCALL are not propagated themselves: the commands they ran are (a
//!   script's effects), and whenever one command propagates more than one vector they
//!   are wrapped in MULTI … EXEC, as `propagatePendingCommands` does.
//!
//! The stream is kept only while `Prop::on` (the server turns it on with
//! `appendonly yes`), so the browser pays nothing. The engine does no file I/O: the host
//! takes the `(db, argv)` pairs with `Engine::take_propagated`, and `Feed` turns them
//! into an incremental file's bytes, emitting `SELECT` whenever the database changes.
//! - FLUSHALL and FLUSHDB are propagated even when they changed nothing;
//! - PUBLISH and SPUBLISH go to the replicas only, and a script's `redis.set_repl`
//!   sends its commands to the AOF, the replicas, both or neither: each entry of the
//!   stream carries its targets ([`TO_AOF`], [`TO_REPL`]).
//! - XREADGROUP, XCLAIM and XAUTOCLAIM are not propagated themselves: each pending
//!   entry they create or change goes out as `XCLAIM key group consumer 0 id TIME ms
//!   RETRYCOUNT n FORCE JUSTID LASTID id`, the group's last ID (NOACK, XCLAIM's LASTID
//!   alone) as `XGROUP SETID … ENTRIESREAD n`, a consumer XREADGROUP … NOACK created as
//!   `XGROUP CREATECONSUMER` (the stream handlers push these, as t_stream.c does).
//!
//! Known gap: `MAXLEN ~` is not made exact.

use super::reply::Reply;
use super::table::CommandSpec;
use super::Core;

pub type Argv = Vec<Vec<u8>>;

/// Where a propagated command goes: Redis's PROPAGATE_AOF and PROPAGATE_REPL (the
/// values of redis.REPL_AOF and redis.REPL_REPLICA).
pub const TO_AOF: u8 = 1;
pub const TO_REPL: u8 = 2;
pub const TO_ALL: u8 = TO_AOF | TO_REPL;

/// One propagated command: its database, its vector and where it goes.
pub type Op = (i64, Argv, u8);

/// The propagation stream. `pending` collects what the command being run propagates;
/// `flush` moves it to `out`, wrapped in MULTI/EXEC when it is more than one vector.
/// A database of -1 means "no SELECT needed" (EXEC; MULTI takes its first command's database).
/// Each entry says where it goes: most go to the AOF and the replicas, PUBLISH to the
/// replicas only, and a script's `redis.set_repl` narrows its commands' own vectors.
#[derive(Default, Debug)]
pub struct Prop {
    pub on: bool,
    pub pending: Vec<Op>,
    pub out: Vec<Op>,
    /// The targets a running script's `redis.set_repl` turned off (0 outside scripts).
    pub script_off: u8,
}

impl Prop {
    pub fn push(&mut self, db: usize, argv: Argv) {
        self.push_to(db, argv, TO_ALL);
    }

    /// Propagates `argv` to `to` only; nothing when that is no target.
    pub fn push_to(&mut self, db: usize, argv: Argv, to: u8) {
        if self.on && to != 0 {
            self.pending.push((db as i64, argv, to));
        }
    }

    /// Where a command's own vectors go (Redis's call() flags): everywhere, less what a
    /// running script's `redis.set_repl` turned off.
    pub fn command_targets(&self) -> u8 {
        TO_ALL & !self.script_off
    }

    /// What was propagated outside any command (active expiry, eviction): each alone.
    pub fn flush_loose(&mut self) {
        self.out.append(&mut self.pending);
    }

    pub fn flush(&mut self) {
        match self.pending.len() {
            0 => {}
            1 => self.out.append(&mut self.pending),
            _ => {
                // MULTI takes the first command's database, so that its SELECT comes
                // before the MULTI (Redis 7.0's propagatePendingCommands); MULTI and
                // EXEC go everywhere, even around commands that go to one target.
                let db = self.pending[0].0;
                self.out.push((db, vec![b"MULTI".to_vec()], TO_ALL));
                self.out.append(&mut self.pending);
                self.out.push((-1, vec![b"EXEC".to_vec()], TO_ALL));
            }
        }
    }
}

/// The entries of a stream that go to the AOF, as `(db, argv)` pairs.
pub fn for_aof(ops: Vec<Op>) -> Vec<(i64, Argv)> {
    ops.into_iter()
        .filter(|op| op.2 & TO_AOF != 0)
        .map(|(db, argv, _)| (db, argv))
        .collect()
}

/// Where Redis propagates a command that changed no data (`forceCommandPropagation`):
/// PUBLISH and SPUBLISH to the replicas (a cluster sends them over its bus instead),
/// FLUSHALL and FLUSHDB everywhere (a flush of empty databases, or one whose save reset
/// the change counter); 0 for the others.
pub fn forced_targets(spec: &CommandSpec, cluster: bool) -> u8 {
    if spec.container.is_some() {
        return 0;
    }
    match spec.name {
        "publish" | "spublish" if !cluster => TO_REPL,
        "flushall" | "flushdb" => TO_ALL,
        _ => 0,
    }
}

/// What INFO persistence reports about the AOF; the host keeps it up to date.
#[derive(Debug, Clone)]
pub struct AofStatus {
    pub rewrite_in_progress: bool,
    pub rewrite_scheduled: bool,
    pub rewrite_started_ms: i64,
    pub last_rewrite_secs: i64,
    pub last_bgrewrite_ok: bool,
    pub rewrites: u64,
    pub consecutive_failures: u64,
    pub last_write_ok: bool,
    pub current_size: u64,
    pub base_size: u64,
    /// The AOF's size after the last rewrite or load (`aof_rewrite_base_size`), what
    /// auto-aof-rewrite-percentage measures growth against.
    pub rewrite_base_size: u64,
    pub delayed_fsync: u64,
}

impl Default for AofStatus {
    fn default() -> Self {
        AofStatus {
            rewrite_in_progress: false,
            rewrite_scheduled: false,
            rewrite_started_ms: 0,
            last_rewrite_secs: -1,
            last_bgrewrite_ok: true,
            rewrites: 0,
            consecutive_failures: 0,
            last_write_ok: true,
            current_size: 0,
            base_size: 0,
            rewrite_base_size: 0,
            delayed_fsync: 0,
        }
    }
}

/// The host's side of BGREWRITEAOF: it gets an owned copy of the keyspace (the new
/// base) at the moment the rewrite starts, switches to a new incremental file there,
/// writes the base wherever and however it likes, and reports back through
/// `Engine::aof_rewrite_done`.
pub trait AofHost {
    fn rewrite(&mut self, job: super::cmd::persist::SaveJob) -> Result<(), String>;
    /// Takes what commands propagated (called after each top-level command). Returns
    /// the AOF's size with it (INFO aof_current_size).
    fn append(&mut self, cmds: Vec<(i64, Argv)>) -> Result<u64, String>;
    /// Redis's beforeSleep: what `append` buffered is written (and synced under
    /// `appendfsync always`) before the replies of this turn of the loop go out.
    fn before_replies(&mut self) -> Result<(), String> {
        Ok(())
    }
    /// SHUTDOWN: everything appended is written and fsynced, whatever appendfsync says
    /// (Redis's finishShutdown: flushAppendOnlyFile(1), then fsync).
    fn flush_for_shutdown(&mut self) -> Result<(), String> {
        self.before_replies()
    }
    /// DEBUG LOADAOF: what was appended is written out, then the AOF's files are
    /// loaded into `eng` (which the caller emptied) as at start. Err: there is no AOF,
    /// or it does not load.
    fn load_again(&mut self, _eng: &mut super::Engine) -> Result<(), String> {
        Err("no append only file".into())
    }
}

fn is(a: &[u8], s: &str) -> bool {
    a.eq_ignore_ascii_case(s.as_bytes())
}

fn num(n: i64) -> Vec<u8> {
    n.to_string().into_bytes()
}

/// Commands whose own vector is never propagated (their inner commands are).
pub fn is_container(spec: &CommandSpec) -> bool {
    spec.container.is_none()
        && matches!(
            spec.name,
            "exec" | "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
        )
}

fn bulk(r: &Reply) -> Option<Vec<u8>> {
    match r {
        Reply::Bulk(b) => Some(b.clone()),
        Reply::Int(i) => Some(num(*i)),
        Reply::Double(d) => Some(super::reply::format_double_g17(*d).into_bytes()),
        Reply::DoubleText(t) => Some(t.clone().into_bytes()),
        _ => None,
    }
}

fn items(r: &Reply) -> &[Reply] {
    match r {
        Reply::Array(v) | Reply::Set(v) => v,
        _ => &[],
    }
}

/// What a command that changed the dataset propagates (see the essay above).
pub fn propagated(
    core: &Core,
    db: usize,
    spec: &CommandSpec,
    argv: &[Vec<u8>],
    reply: &Reply,
) -> Vec<Argv> {
    let same = || vec![argv.to_vec()];
    if spec.container.is_some() || argv.len() < 2 {
        return same();
    }
    let key = &argv[1];
    let exists = core.dbs.get(db).is_some_and(|d| d.keys.get(key).is_some());
    let expire_at = core.dbs.get(db).and_then(|d| d.expires.get(key).copied());
    let del = |k: &[u8], lazy: &str| {
        let unlink = core.config.get(lazy).as_deref() == Some("yes");
        vec![
            if unlink {
                b"UNLINK".to_vec()
            } else {
                b"DEL".to_vec()
            },
            k.to_vec(),
        ]
    };
    let has_expire_opt = |args: &[Vec<u8>]| {
        args.iter()
            .any(|a| ["ex", "px", "exat", "pxat"].iter().any(|o| is(a, o)))
    };
    match spec.name {
        "expire" | "pexpire" | "expireat" | "pexpireat" => match (exists, expire_at) {
            (false, _) => vec![del(key, "lazyfree-lazy-expire")],
            (true, Some(when)) => {
                let mut v = vec![b"PEXPIREAT".to_vec(), key.clone(), num(when)];
                v.extend_from_slice(&argv[3.min(argv.len())..]);
                vec![v]
            }
            (true, None) => same(),
        },
        "set" => match expire_at {
            Some(when) if argv.len() > 3 && has_expire_opt(&argv[3..]) => vec![vec![
                b"SET".to_vec(),
                key.clone(),
                argv[2].clone(),
                b"PXAT".to_vec(),
                num(when),
            ]],
            _ => same(),
        },
        "setex" | "psetex" if argv.len() == 4 => match expire_at {
            Some(when) => vec![vec![
                b"SET".to_vec(),
                key.clone(),
                argv[3].clone(),
                b"PXAT".to_vec(),
                num(when),
            ]],
            None => same(),
        },
        "getex" => {
            if !exists {
                vec![del(key, "lazyfree-lazy-expire")]
            } else if has_expire_opt(&argv[2..]) {
                match expire_at {
                    Some(when) => vec![vec![b"PEXPIREAT".to_vec(), key.clone(), num(when)]],
                    None => same(),
                }
            } else {
                vec![vec![b"PERSIST".to_vec(), key.clone()]]
            }
        }
        "restore" | "restore-asking" => match expire_at {
            _ if !exists => vec![vec![b"DEL".to_vec(), key.clone()]],
            Some(when) if !argv[3..].iter().any(|a| is(a, "absttl")) => {
                let mut v = argv.to_vec();
                v[2] = num(when);
                v.push(b"ABSTTL".to_vec());
                vec![v]
            }
            _ => same(),
        },
        "getdel" => vec![del(key, "lazyfree-lazy-user-del")],
        "getset" => {
            let mut v = argv.to_vec();
            v[0] = b"SET".to_vec();
            vec![v]
        }
        "incrbyfloat" => match bulk(reply) {
            Some(val) => vec![vec![b"SET".to_vec(), key.clone(), val, b"KEEPTTL".to_vec()]],
            None => same(),
        },
        "hincrbyfloat" if argv.len() == 4 => match bulk(reply) {
            Some(val) => vec![vec![b"HSET".to_vec(), key.clone(), argv[2].clone(), val]],
            None => same(),
        },
        "spop" => {
            if argv.len() > 2 && !exists {
                return vec![vec![b"DEL".to_vec(), key.clone()]];
            }
            let members: Vec<Vec<u8>> = match reply {
                Reply::Bulk(m) => vec![m.clone()],
                r => items(r).iter().filter_map(bulk).collect(),
            };
            members
                .into_iter()
                .map(|m| vec![b"SREM".to_vec(), key.clone(), m])
                .collect()
        }
        "blpop" | "brpop" => match items(reply).first().and_then(bulk) {
            Some(k) => {
                let cmd = if spec.name == "blpop" { "LPOP" } else { "RPOP" };
                vec![vec![cmd.as_bytes().to_vec(), k]]
            }
            None => same(),
        },
        "bzpopmin" | "bzpopmax" => match items(reply).first().and_then(bulk) {
            Some(k) => {
                let cmd = if spec.name == "bzpopmin" {
                    "ZPOPMIN"
                } else {
                    "ZPOPMAX"
                };
                vec![vec![cmd.as_bytes().to_vec(), k]]
            }
            None => same(),
        },
        "lmpop" | "blmpop" | "zmpop" | "bzmpop" => {
            let it = items(reply);
            let (Some(k), Some(popped)) = (it.first().and_then(bulk), it.get(1)) else {
                return same();
            };
            let n = items(popped).len() as i64;
            let left = argv.iter().any(|a| is(a, "left"));
            let min = argv.iter().any(|a| is(a, "min"));
            let cmd = match spec.name {
                "lmpop" | "blmpop" if left => "LPOP",
                "lmpop" | "blmpop" => "RPOP",
                _ if min => "ZPOPMIN",
                _ => "ZPOPMAX",
            };
            vec![vec![cmd.as_bytes().to_vec(), k, num(n)]]
        }
        "blmove" if argv.len() == 6 => {
            let mut v = argv[..5].to_vec();
            v[0] = b"LMOVE".to_vec();
            vec![v]
        }
        "brpoplpush" if argv.len() == 4 => {
            vec![vec![
                b"RPOPLPUSH".to_vec(),
                argv[1].clone(),
                argv[2].clone(),
            ]]
        }
        // The stream group commands propagate their effects themselves, as Redis's
        // do (XCLAIM … FORCE JUSTID LASTID, XGROUP SETID / CREATECONSUMER).
        "xreadgroup" | "xclaim" | "xautoclaim" => Vec::new(),
        // MIGRATE propagates `DEL` of the keys the target acknowledged, itself.
        "migrate" => Vec::new(),
        "xadd" => match bulk(reply) {
            Some(id) => {
                let mut i = 2;
                while i < argv.len() {
                    let a = &argv[i];
                    if is(a, "nomkstream") {
                        i += 1;
                    } else if is(a, "maxlen") || is(a, "minid") {
                        i += 1;
                        if argv
                            .get(i)
                            .is_some_and(|a| &a[..] == b"=" || &a[..] == b"~")
                        {
                            i += 1;
                        }
                        i += 1;
                    } else if is(a, "limit") {
                        i += 2;
                    } else {
                        break;
                    }
                }
                let mut v = argv.to_vec();
                if i < v.len() {
                    v[i] = id;
                }
                vec![v]
            }
            None => same(),
        },
        _ => same(),
    }
}

/// The RESP text of one command, as an incremental file holds it.
pub fn encode_command(argv: &[Vec<u8>], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// One incremental file's writer state: which database the file has selected.
#[derive(Default, Debug, Clone)]
pub struct Feed {
    selected: Option<usize>,
}

impl Feed {
    /// A fresh file: the first command will be preceded by a SELECT.
    pub fn new() -> Feed {
        Feed::default()
    }

    pub fn append(&mut self, db: i64, argv: &[Vec<u8>], out: &mut Vec<u8>) {
        if db >= 0 && self.selected != Some(db as usize) {
            encode_command(&[b"SELECT".to_vec(), num(db)], out);
            self.selected = Some(db as usize);
        }
        encode_command(argv, out);
    }
}

/// One line of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    pub name: String,
    pub seq: i64,
    /// `b` base, `h` history, `i` incremental.
    pub kind: char,
}

/// `appendonly.aof.manifest`: the base, the history files (about to be deleted) and the
/// incremental files, in that order, one `file <name> seq <n> type <b|h|i>` line each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofFile>,
    pub history: Vec<AofFile>,
    pub incrs: Vec<AofFile>,
    pub base_seq: i64,
    pub incr_seq: i64,
}

impl Manifest {
    /// Parses a manifest as `aofLoadManifestFromFile` does (its error texts).
    pub fn parse(text: &[u8]) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        let mut maxseq = 0;
        for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
            let line = String::from_utf8_lossy(raw);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |why: &str| format!("at line {}: '{line}': {why}", i + 1);
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() % 2 != 0 {
                return Err(fail("Invalid AOF manifest file format"));
            }
            let (mut name, mut seq, mut kind) = (None, 0i64, None);
            for pair in words.chunks(2) {
                match pair[0].to_ascii_lowercase().as_str() {
                    "file" => name = Some(pair[1].to_string()),
                    "seq" => seq = pair[1].parse().unwrap_or(0),
                    "type" => kind = pair[1].chars().next(),
                    _ => {}
                }
            }
            let (Some(name), Some(kind)) = (name, kind) else {
                return Err(fail("Invalid AOF manifest file format"));
            };
            if seq == 0 || name.contains('/') {
                return Err(fail("Invalid AOF manifest file format"));
            }
            let f = AofFile { name, seq, kind };
            match kind {
                'b' => {
                    if m.base.is_some() {
                        return Err(fail("Found duplicate base file information"));
                    }
                    m.base_seq = seq;
                    m.base = Some(f);
                }
                'h' => m.history.push(f),
                'i' => {
                    if seq <= maxseq {
                        return Err(fail("Found a non-monotonic sequence number"));
                    }
                    maxseq = seq;
                    m.incr_seq = seq;
                    m.incrs.push(f);
                }
                _ => return Err(fail("Unknown AOF file type")),
            }
        }
        Ok(m)
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        for f in self.base.iter().chain(&self.history).chain(&self.incrs) {
            s.push_str(&format!("file {} seq {} type {}\n", f.name, f.seq, f.kind));
        }
        s
    }

    /// A new base file's name (`appendonly.aof.<n>.base.rdb`); the old base becomes
    /// history.
    pub fn new_base(&mut self, prefix: &str, rdb: bool) -> String {
        if let Some(mut old) = self.base.take() {
            old.kind = 'h';
            self.history.insert(0, old);
        }
        self.base_seq += 1;
        let ext = if rdb { "rdb" } else { "aof" };
        let name = format!("{prefix}.{}.base.{ext}", self.base_seq);
        self.base = Some(AofFile {
            name: name.clone(),
            seq: self.base_seq,
            kind: 'b',
        });
        name
    }

    /// A new incremental file's name, appended to the list.
    pub fn new_incr(&mut self, prefix: &str) -> String {
        self.incr_seq += 1;
        let name = format!("{prefix}.{}.incr.aof", self.incr_seq);
        self.incrs.push(AofFile {
            name: name.clone(),
            seq: self.incr_seq,
            kind: 'i',
        });
        name
    }

    /// After a rewrite: every incremental file but the last (the one opened when the
    /// rewrite started) is now in the base, so it becomes history.
    pub fn mark_rewritten_incrs_as_history(&mut self) {
        let keep = self.incrs.pop();
        for mut f in self.incrs.drain(..) {
            f.kind = 'h';
            self.history.push(f);
        }
        self.incrs.extend(keep);
    }
}

/// How reading one file's commands ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tail {
    /// Every command was complete.
    Complete,
    /// The file ends inside a command (or an open MULTI): what is complete ends at
    /// `valid_len`.
    Truncated { valid_len: usize },
    /// Not RESP where a command should start.
    BadFormat { offset: usize },
}

/// Splits an incremental file (or the tail after an RDB preamble) into commands, as
/// `loadSingleAppendOnlyFile` reads it: `#` annotation lines are skipped; a command cut
/// short, or a MULTI without its EXEC at the end, is a truncated tail whose complete
/// part ends before it.
pub fn parse_commands(bytes: &[u8]) -> (Vec<Argv>, Tail) {
    let mut cmds = Vec::new();
    let mut pos = 0;
    let mut valid = 0;
    let mut multi_start: Option<(usize, usize)> = None;
    let line = |pos: usize| -> Option<(&[u8], usize)> {
        let rest = bytes.get(pos..)?;
        let nl = rest.iter().position(|&b| b == b'\n')?;
        let l = &rest[..nl];
        Some((l.strip_suffix(b"\r").unwrap_or(l), pos + nl + 1))
    };
    let parse_len =
        |l: &[u8]| -> Option<usize> { std::str::from_utf8(l).ok()?.parse::<usize>().ok() };
    loop {
        if pos >= bytes.len() {
            break;
        }
        let Some((l, next)) = line(pos) else {
            return (cmds, truncated(valid, multi_start));
        };
        if l.first() == Some(&b'#') {
            pos = next;
            valid = pos;
            continue;
        }
        if l.first() != Some(&b'*') {
            return (cmds, Tail::BadFormat { offset: pos });
        }
        let argc = match parse_len(&l[1..]) {
            Some(n) if n >= 1 => n,
            _ => return (cmds, Tail::BadFormat { offset: pos }),
        };
        pos = next;
        let mut argv = Vec::with_capacity(argc.min(1024));
        for _ in 0..argc {
            let Some((l, next)) = line(pos) else {
                return (cmds, truncated(valid, multi_start));
            };
            if l.first() != Some(&b'$') {
                return (cmds, Tail::BadFormat { offset: pos });
            }
            let Some(len) = parse_len(&l[1..]) else {
                return (cmds, Tail::BadFormat { offset: pos });
            };
            let end = next.saturating_add(len);
            if end.saturating_add(2) > bytes.len() {
                return (cmds, truncated(valid, multi_start));
            }
            argv.push(bytes[next..end].to_vec());
            pos = end + 2;
        }
        if is(&argv[0], "multi") {
            multi_start = Some((valid, cmds.len()));
        } else if is(&argv[0], "exec") {
            multi_start = None;
        }
        cmds.push(argv);
        valid = pos;
    }
    if let Some((before, n)) = multi_start {
        cmds.truncate(n);
        return (cmds, Tail::Truncated { valid_len: before });
    }
    (cmds, Tail::Complete)
}

fn truncated(valid: usize, multi_start: Option<(usize, usize)>) -> Tail {
    Tail::Truncated {
        valid_len: multi_start.map_or(valid, |(b, _)| b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trip_and_rewrite() {
        let text = b"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";
        let mut m = Manifest::parse(text).unwrap();
        assert_eq!(m.render().as_bytes(), text);
        assert_eq!(m.new_incr("appendonly.aof"), "appendonly.aof.2.incr.aof");
        assert_eq!(
            m.new_base("appendonly.aof", true),
            "appendonly.aof.2.base.rdb"
        );
        m.mark_rewritten_incrs_as_history();
        assert_eq!(
            m.render(),
            "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        assert!(Manifest::parse(b"file a seq 1 type b\nfile b seq 1 type b\n").is_err());
        assert!(Manifest::parse(b"file a seq 2 type i\nfile b seq 1 type i\n").is_err());
        assert!(Manifest::parse(b"file a seq\n").is_err());
    }

    #[test]
    fn commands_and_truncated_tails() {
        let mut f = Feed::new();
        let mut out = Vec::new();
        f.append(
            0,
            &[b"SET".to_vec(), b"a".to_vec(), b"1".to_vec()],
            &mut out,
        );
        f.append(0, &[b"INCR".to_vec(), b"n".to_vec()], &mut out);
        f.append(3, &[b"DEL".to_vec(), b"a".to_vec()], &mut out);
        let whole = out.clone();
        let (cmds, tail) = parse_commands(&whole);
        assert_eq!(tail, Tail::Complete);
        assert_eq!(cmds.len(), 5);
        assert_eq!(cmds[0], vec![b"SELECT".to_vec(), b"0".to_vec()]);
        assert_eq!(cmds[3], vec![b"SELECT".to_vec(), b"3".to_vec()]);
        // Every cut inside the last command gives back what came before it.
        let last_start = whole.len() - b"*2\r\n$3\r\nDEL\r\n$1\r\na\r\n".len();
        for cut in last_start + 1..whole.len() {
            let (cmds, tail) = parse_commands(&whole[..cut]);
            assert_eq!(cmds.len(), 4, "cut {cut}");
            assert_eq!(
                tail,
                Tail::Truncated {
                    valid_len: last_start
                },
                "cut {cut}"
            );
        }
        // An open MULTI at the end is cut off too.
        let mut t = Vec::new();
        f.append(3, &[b"MULTI".to_vec()], &mut t);
        f.append(3, &[b"INCR".to_vec(), b"x".to_vec()], &mut t);
        let mut open = whole.clone();
        open.extend_from_slice(&t);
        let (cmds, tail) = parse_commands(&open);
        assert_eq!(cmds.len(), 5);
        assert_eq!(
            tail,
            Tail::Truncated {
                valid_len: whole.len()
            }
        );
        assert_eq!(
            parse_commands(b"*1\r\n$4\r\nPING\r\nxyz\r\n").1,
            Tail::BadFormat { offset: 14 }
        );
        assert_eq!(parse_commands(b"#TS:1\r\n").1, Tail::Complete);
    }
}

#[cfg(test)]
mod propagation_tests {
    use crate::engine::clock::ManualClock;
    use crate::engine::Engine;

    /// Each command line, and what it propagated, as text.
    fn propagate(lines: &[&str]) -> Vec<String> {
        let clock = ManualClock::new(1_700_000_000_000);
        let mut e = Engine::new(Box::new(clock.clone()), 7);
        e.core.prop.on = true;
        let id = e.connect("test:1", "test:0");
        let mut out = Vec::new();
        for line in lines {
            e.exec_words(id, line);
            for (db, argv) in e.take_propagated() {
                let words: Vec<String> = argv
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                out.push(format!("{db} {}", words.join(" ")));
            }
            if line.starts_with("TICK") {
                clock.advance(10_000);
                e.tick();
                e.exec_words(id, "GET expiring");
                for (db, argv) in e.take_propagated() {
                    out.push(format!("{db} {}", String::from_utf8_lossy(&argv.concat())));
                }
            }
        }
        out
    }

    #[test]
    fn stream_group_commands_propagate_as_xclaim_and_setid() {
        let got = propagate(&[
            "XADD s 1-0 f 1",
            "XADD s 2-0 f 2",
            "XGROUP CREATE s g 0",
            "XREADGROUP GROUP g alice COUNT 1 STREAMS s >",
            "XREADGROUP GROUP g bob NOACK STREAMS s >",
            "XREADGROUP GROUP g alice STREAMS s 0",
            "XCLAIM s g carol 0 1-0",
            "XCLAIM s g carol 0 2-0 LASTID 5-0",
            "XDEL s 1-0",
            "XAUTOCLAIM s g dave 0 0",
        ]);
        assert_eq!(
            got,
            [
                "0 XADD s 1-0 f 1",
                "0 XADD s 2-0 f 2",
                "0 XGROUP CREATE s g 0",
                "0 XCLAIM s g alice 0 1-0 TIME 1700000000000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-0",
                "0 MULTI",
                "0 XGROUP CREATECONSUMER s g bob",
                "0 XGROUP SETID s g 2-0 ENTRIESREAD 2",
                "-1 EXEC",
                // A history read changes delivery counts but propagates nothing.
                "0 XCLAIM s g carol 0 1-0 TIME 1700000000000 RETRYCOUNT 3 FORCE JUSTID LASTID 2-0",
                "0 XGROUP SETID s g 5-0 ENTRIESREAD 2",
                "0 XDEL s 1-0",
                // The deleted entry's claim goes out before its PEL entry is dropped.
                "0 XCLAIM s g carol 0 1-0 TIME 1700000000000 RETRYCOUNT 3 FORCE JUSTID LASTID 5-0",
            ]
        );
    }

    #[test]
    fn restore_propagates_an_absolute_ttl() {
        let clock = ManualClock::new(1_700_000_000_000);
        let mut e = Engine::new(Box::new(clock), 7);
        e.core.prop.on = true;
        let id = e.connect("test:1", "test:0");
        e.exec_words(id, "SET src v");
        let crate::engine::Reply::Bulk(payload) = e.exec_words(id, "DUMP src") else {
            panic!("DUMP answers a bulk");
        };
        e.take_propagated();
        let argv = |ttl: &str, extra: &[&str]| {
            let mut v = vec![
                b"RESTORE".to_vec(),
                b"dst".to_vec(),
                ttl.as_bytes().to_vec(),
                payload.clone(),
            ];
            v.extend(extra.iter().map(|a| a.as_bytes().to_vec()));
            v
        };
        e.execute(id, &argv("5000", &[]));
        e.execute(id, &argv("1", &["REPLACE", "ABSTTL"]));
        let got: Vec<Vec<Vec<u8>>> = e.take_propagated().into_iter().map(|(_, a)| a).collect();
        assert_eq!(
            got,
            [
                argv("1700000005000", &["ABSTTL"]),
                vec![b"DEL".to_vec(), b"dst".to_vec()]
            ]
        );
    }

    #[test]
    fn commands_propagate_as_redis_7_rewrites_them() {
        let got = propagate(&[
            "SET a 1",
            "GET a",
            "SET nx 1 NX",
            "SET nx 2 NX",
            "EXPIRE a 100",
            "SETEX b 10 v",
            "SET c v PX 500 GET",
            "INCRBYFLOAT f 2.5",
            "SADD s x",
            "SPOP s",
            "SPOP s",
            "RPUSH l a b",
            "BLPOP l 0",
            "SELECT 2",
            "GETDEL nothing",
            "MULTI",
            "INCR n",
            "INCR n",
            "EXEC",
            "SET expiring v PX 5",
            "TICK",
        ]);
        assert_eq!(
            got,
            [
                "0 SET a 1",
                "0 SET nx 1 NX",
                "0 PEXPIREAT a 1700000100000",
                "0 SET b v PXAT 1700000010000",
                "0 SET c v PXAT 1700000000500",
                "0 SET f 2.5 KEEPTTL",
                "0 SADD s x",
                "0 SREM s x",
                "0 RPUSH l a b",
                "0 LPOP l",
                "2 MULTI",
                "2 INCR n",
                "2 INCR n",
                "-1 EXEC",
                "2 SET expiring v PXAT 1700000000005",
                // Active expiry's deletions, each on its own.
                "0 DELb",
                "0 DELc",
                "2 DELexpiring",
            ]
        );
    }

    /// Each propagated command with its targets (A: the AOF, R: the replicas).
    fn propagate_to(lines: &[&str]) -> Vec<String> {
        let clock = ManualClock::new(1_700_000_000_000);
        let mut e = Engine::new(Box::new(clock), 7);
        e.core.prop.on = true;
        let id = e.connect("test:1", "test:0");
        let mut out = Vec::new();
        for line in lines {
            let argv = crate::console::tokenize(line).expect("a valid line");
            e.execute(id, &argv);
            for (db, argv, to) in e.take_propagated_ops() {
                let to = match to {
                    super::TO_ALL => "AR",
                    super::TO_AOF => "A",
                    super::TO_REPL => "R",
                    _ => "?",
                };
                let words: Vec<String> = argv
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                out.push(format!("{to} {db} {}", words.join(" ")));
            }
        }
        out
    }

    #[test]
    fn publish_goes_to_replicas_and_set_repl_chooses_targets() {
        let got = propagate_to(&[
            "PUBLISH ch hello",
            "MULTI",
            "PUBLISH ch in-multi",
            "EXEC",
            "EVAL \"redis.call('set','a','1'); redis.set_repl(redis.REPL_NONE); redis.call('set','b','2'); redis.set_repl(redis.REPL_AOF); redis.call('set','c','3'); redis.set_repl(redis.REPL_REPLICA); redis.call('publish','ch','x'); redis.call('set','d','4'); redis.set_repl(redis.REPL_ALL); redis.call('set','e','5')\" 0",
            // The next script starts with REPL_ALL again.
            "EVAL \"redis.call('set','f','6')\" 0",
            "FLUSHDB",
            // Nothing to flush: propagated all the same (forceCommandPropagation).
            "FLUSHALL",
            "SPUBLISH ch x",
        ]);
        assert_eq!(
            got,
            [
                "R 0 PUBLISH ch hello",
                // One command from EXEC: no MULTI around it (Redis 7.0.15).
                "R 0 PUBLISH ch in-multi",
                "AR 0 MULTI",
                "AR 0 set a 1",
                "A 0 set c 3",
                "R 0 publish ch x",
                "R 0 set d 4",
                "AR 0 set e 5",
                "AR -1 EXEC",
                "AR 0 set f 6",
                "AR 0 FLUSHDB",
                "AR 0 FLUSHALL",
                "R 0 SPUBLISH ch x",
            ]
        );
        // The AOF's view leaves out what went to the replicas only.
        let clock = ManualClock::new(1_700_000_000_000);
        let mut e = Engine::new(Box::new(clock), 7);
        e.core.prop.on = true;
        let id = e.connect("test:1", "test:0");
        e.exec_words(id, "PUBLISH ch hello");
        e.exec_words(id, "SET k v");
        let aof: Vec<_> = e.take_propagated().into_iter().map(|(_, a)| a).collect();
        assert_eq!(aof, [vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()]]);
    }
}

#[cfg(test)]
mod hostile_tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// 3,000 seeded cuts, bit flips and forged lengths of a real incremental file: the
    /// reader never panics, and what it calls complete ends inside the input.
    #[test]
    fn damaged_files_never_panic() {
        let mut f = Feed::new();
        let mut file = Vec::new();
        for i in 0..40 {
            let argv = vec![
                b"SET".to_vec(),
                format!("key:{i}").into_bytes(),
                vec![b'v'; i * 7],
            ];
            f.append((i % 3) as i64, &argv, &mut file);
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(19);
        for round in 0..3000 {
            let mut bytes = file.clone();
            match round % 3 {
                0 => bytes.truncate(rng.random_range(0..bytes.len())),
                1 => {
                    let i = rng.random_range(0..bytes.len());
                    bytes[i] ^= 1 << rng.random_range(0..8);
                }
                _ => {
                    let i = rng.random_range(0..bytes.len());
                    let forged = format!("${}\r\n", rng.random_range(0..u64::MAX));
                    bytes.splice(i..i, forged.bytes());
                }
            }
            let (cmds, tail) = parse_commands(&bytes);
            assert!(cmds.len() <= 80);
            match tail {
                Tail::Truncated { valid_len } => assert!(valid_len <= bytes.len()),
                Tail::BadFormat { offset } => assert!(offset <= bytes.len()),
                Tail::Complete => {}
            }
        }
    }
}
