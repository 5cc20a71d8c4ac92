//! Connection and server commands: PING, ECHO, SELECT, HELLO, RESET, QUIT, CLIENT, TIME,
//! INFO, CONFIG, COMMAND.

use super::keys::int32_arg;
use super::{eq, int_arg, syntax};
use crate::engine::reply::errors;
use crate::engine::table::{self, CommandSpec};
use crate::engine::util::{bytes_human, glob_match};
use crate::engine::{hostinfo, inst, Client, Ctx, Reply, VERSION};

/// The reply of a `<CONTAINER> HELP` subcommand, framed as Redis frames it.
pub fn help_reply(cmd: &[u8], lines: &[&str]) -> Reply {
    let mut out = vec![Reply::Status(
        format!(
            "{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            String::from_utf8_lossy(cmd).to_ascii_uppercase()
        )
        .into(),
    )];
    out.extend(lines.iter().map(|l| Reply::Status(l.to_string().into())));
    out.push(Reply::Status("HELP".into()));
    out.push(Reply::Status("    Prints this help.".into()));
    Reply::Array(out)
}

/// A container command called with no subcommand. Only COMMAND allows that (it then
/// describes every command); the others fail arity before reaching here.
pub fn container_without_sub(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if eq(&argv[0], "command") {
        return Reply::Array(live_commands(ctx).map(command_info_reply).collect());
    }
    Reply::Error(format!(
        "ERR wrong number of arguments for '{}' command",
        String::from_utf8_lossy(&argv[0]).to_ascii_lowercase()
    ))
}

pub fn ping(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    // A RESP2 client in Pub/Sub mode reads only arrays: PING answers ["pong", message].
    if argv.len() <= 2 && ctx.client_ref().resp == 2 && ctx.core.pubsub.subscribed(ctx.id) {
        let msg = argv.get(1).cloned().unwrap_or_default();
        return Reply::Array(vec![Reply::Bulk(b"pong".to_vec()), Reply::Bulk(msg)]);
    }
    match argv.len() {
        1 => Reply::Status("PONG".into()),
        2 => Reply::Bulk(argv[1].clone()),
        _ => Reply::err("ERR wrong number of arguments for 'ping' command"),
    }
}

pub fn echo(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    Reply::Bulk(argv[1].clone())
}

pub fn select(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let id = match int32_arg(&argv[1], None) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if ctx.core.cluster.is_some() && id != 0 {
        return Reply::err("ERR SELECT is not allowed in cluster mode");
    }
    if id < 0 || id as usize >= ctx.core.dbs.len() {
        return Reply::err(errors::DB_INDEX);
    }
    ctx.client().db = id as usize;
    Reply::ok()
}

pub fn time(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let ms = ctx.core.now;
    Reply::Array(vec![
        Reply::Bulk((ms / 1000).to_string().into_bytes()),
        Reply::Bulk(((ms % 1000) * 1000).to_string().into_bytes()),
    ])
}

pub fn quit(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    ctx.client().close_after_reply = true;
    Reply::ok()
}

pub fn reset(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    super::multi::discard_transaction(ctx);
    let id = ctx.id;
    ctx.core.pubsub.forget(id);
    ctx.core.monitors.retain(|&m| m != id);
    ctx.core.tracking.disable(id);
    ctx.core.tracking.set_resp(id, 2);
    let authenticated = !ctx.core.acl.auth_required();
    let c = ctx.client();
    c.db = 0;
    c.resp = 2;
    c.name = None;
    c.user = b"default".to_vec();
    c.authenticated = authenticated;
    Reply::Status("RESET".into())
}

/// Client names: printable ASCII without spaces (`!` to `~`), as CLIENT LIST needs.
fn valid_name(n: &[u8]) -> bool {
    n.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

fn set_name(ctx: &mut Ctx, n: &[u8]) -> Result<(), Reply> {
    if !valid_name(n) {
        return Err(Reply::err(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    ctx.client().name = if n.is_empty() { None } else { Some(n.to_vec()) };
    Ok(())
}

pub fn hello(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut ver = 0;
    if argv.len() >= 2 {
        ver = match int_arg(&argv[1]) {
            Ok(v) => v,
            Err(_) => return Reply::err("ERR Protocol version is not an integer or out of range"),
        };
        if !(2..=3).contains(&ver) {
            return Reply::err("NOPROTO unsupported protocol version");
        }
    }
    let mut j = 2;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if eq(&argv[j], "auth") && more >= 2 {
            if !super::acl::authenticate(ctx, &argv[j + 1], &argv[j + 2], &argv[0]) {
                return Reply::err("WRONGPASS invalid username-password pair or user is disabled.");
            }
            j += 2;
        } else if eq(&argv[j], "setname") && more >= 1 {
            if let Err(e) = set_name(ctx, &argv[j + 1]) {
                return e;
            }
            j += 1;
        } else {
            return Reply::Error(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&argv[j])
            ));
        }
        j += 1;
    }
    if !ctx.client_ref().authenticated {
        return Reply::err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    }
    if ver != 0 {
        ctx.client().resp = ver as u8;
        let id = ctx.id;
        ctx.core.tracking.set_resp(id, ver as u8);
    }
    let c = ctx.client_ref();
    Reply::Map(vec![
        (Reply::bulk("server"), Reply::bulk("redis")),
        (Reply::bulk("version"), Reply::bulk(VERSION)),
        (Reply::bulk("proto"), Reply::Int(c.resp as i64)),
        (Reply::bulk("id"), Reply::Int(c.id as i64)),
        (
            Reply::bulk("mode"),
            Reply::bulk(if ctx.core.cluster.is_some() {
                "cluster"
            } else {
                "standalone"
            }),
        ),
        (Reply::bulk("role"), Reply::bulk("master")),
        (Reply::bulk("modules"), Reply::Array(vec![])),
    ])
}

/// One CLIENT LIST line. Buffer sizes are figures of our own, in Redis's format.
pub(crate) fn client_line(
    c: &Client,
    ps: &crate::engine::pubsub::PubSub,
    tracking: &crate::engine::tracking::Tracking,
    now: i64,
    held: bool,
    argv_mem: usize,
) -> String {
    let subs = ps.of(c.id).cloned().unwrap_or_default();
    let mut flags = String::new();
    if let Some(f) = c.repl_flag {
        flags.push(f);
    }
    if ps.subscribed(c.id) {
        flags.push('P');
    }
    if c.multi.is_some() {
        flags.push('x');
    }
    if c.blocked.is_some() || held {
        flags.push('b');
    }
    let mode = tracking.mode(c.id);
    if let Some(m) = mode {
        flags.push('t');
        if m.broken_redirect {
            flags.push('R');
        }
        if m.bcast {
            flags.push('B');
        }
    }
    if c.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let omem = ps.pending_bytes(c.id);
    // Redis's mstate.argv_len_sums: each queued command's argument bytes plus a pointer
    // per argument.
    let multi_mem: usize = c
        .multi
        .iter()
        .flatten()
        .map(|a| argv_len_sum(a) + 8 * a.len())
        .sum();
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={flags} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={argv_mem} multi-mem={multi_mem} rbs=1024 rbp=0 obl=0 oll={} omem={omem} tot-mem={} events=r cmd={} user={} redir={} resp={}",
        c.id,
        c.addr,
        c.laddr,
        c.id + 7,
        c.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default(),
        (now - c.created_ms).max(0) / 1000,
        (now - c.last_ms).max(0) / 1000,
        c.db,
        subs.channels.len(),
        subs.patterns.len(),
        subs.shard.len(),
        c.multi.as_ref().map_or(-1, |m| m.len() as i64),
        c.qbuf.len(),
        c.qbuf.free(),
        (omem > 0) as u8,
        1024 + omem,
        match c.last_cmd {
            (Some(container), name) => format!("{container}|{name}"),
            (None, name) => name.to_string(),
        },
        String::from_utf8_lossy(&c.user),
        mode.map_or(-1, |m| m.redirect as i64),
        c.resp
    )
}

pub fn client_id(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Int(ctx.client_ref().id as i64)
}

pub fn client_setname(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match set_name(ctx, &argv[2]) {
        Ok(()) => Reply::ok(),
        Err(e) => e,
    }
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if that client was blocked (it then gets a
/// timeout's nil, or an UNBLOCKED error), 0 otherwise.
pub fn client_unblock(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let id = match super::int_arg(&argv[2]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let error = match argv.get(3) {
        None => false,
        Some(a) if a.eq_ignore_ascii_case(b"timeout") => false,
        Some(a) if a.eq_ignore_ascii_case(b"error") => true,
        Some(_) => return Reply::err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let blocked = u64::try_from(id)
        .ok()
        .and_then(|id| ctx.clients.get(&id))
        .is_some_and(|c| c.blocked.is_some());
    if blocked {
        ctx.core.unblock_requests.push((id as u64, error));
    }
    Reply::Int(blocked as i64)
}

/// MONITOR: from now on this client is shown every command the server runs.
pub fn monitor(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    if ctx.core.nested > 0 {
        return Reply::err("ERR MONITOR isn't allowed for DENY BLOCKING client");
    }
    let id = ctx.id;
    if !ctx.core.monitors.contains(&id) {
        ctx.core.monitors.push(id);
    }
    Reply::ok()
}

/// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP answer nothing; the engine applies the mode
/// to the replies that follow (`Engine::execute`).
pub fn client_reply(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ctx.core.reply_modes_used = true;
    let c = ctx.client();
    if eq(&argv[2], "on") {
        c.reply_off = false;
        c.reply_skip = false;
        Reply::ok()
    } else if eq(&argv[2], "off") {
        c.reply_off = true;
        Reply::Seq(Vec::new())
    } else if eq(&argv[2], "skip") {
        if !c.reply_off {
            c.reply_skip_next = true;
        }
        Reply::Seq(Vec::new())
    } else {
        syntax()
    }
}

/// Redis's argv_len_sum: the bytes of a command's arguments (CLIENT LIST's argv-mem).
fn argv_len_sum(argv: &[Vec<u8>]) -> usize {
    argv.iter().map(Vec::len).sum()
}

/// argv-mem of client `c` seen by the client running `argv`: its own command's, a
/// blocked client's held command's, and nothing for the others (Redis frees a
/// command's arguments once it ran).
fn argv_mem_of(ctx: &Ctx, c: &Client, argv: &[Vec<u8>]) -> usize {
    if c.id == ctx.id {
        argv_len_sum(argv)
    } else {
        c.blocked.as_ref().map_or(0, |b| argv_len_sum(&b.argv))
    }
}

pub fn client_getname(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    match &ctx.client_ref().name {
        Some(n) => Reply::Bulk(n.clone()),
        None => Reply::Nil,
    }
}

pub fn client_info(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let now = ctx.core.now;
    let line = client_line(
        ctx.client_ref(),
        &ctx.core.pubsub,
        &ctx.core.tracking,
        now,
        ctx.core.admin.postponed.contains(&ctx.id),
        argv_len_sum(argv),
    ) + "\n";
    Reply::Verbatim("txt", line.into_bytes())
}

pub fn client_list(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let now = ctx.core.now;
    let mut ids: Option<Vec<u64>> = None;
    let mut kind: Option<bool> = None;
    if argv.len() == 4 && eq(&argv[2], "type") {
        let t = argv[3].to_ascii_lowercase();
        if !matches!(
            t.as_slice(),
            b"normal" | b"master" | b"replica" | b"slave" | b"pubsub"
        ) {
            return Reply::Error(format!(
                "ERR Unknown client type '{}'",
                String::from_utf8_lossy(&argv[3])
            ));
        }
        match t.as_slice() {
            b"normal" => kind = Some(false),
            b"pubsub" => kind = Some(true),
            _ => ids = Some(Vec::new()),
        }
    } else if argv.len() > 3 && eq(&argv[2], "id") {
        let mut v = Vec::new();
        for a in &argv[3..] {
            match int_arg(a) {
                Ok(id) => v.push(id as u64),
                Err(_) => return Reply::err("ERR Invalid client ID"),
            }
        }
        ids = Some(v);
    } else if argv.len() != 2 {
        return syntax();
    }
    let mut out = String::new();
    for c in ctx.clients.values() {
        if ids.as_ref().is_some_and(|v| !v.contains(&c.id))
            || kind.is_some_and(|k| k != ctx.core.pubsub.subscribed(c.id))
        {
            continue;
        }
        out.push_str(&client_line(
            c,
            &ctx.core.pubsub,
            &ctx.core.tracking,
            now,
            ctx.core.admin.postponed.contains(&c.id),
            argv_mem_of(ctx, c, argv),
        ));
        out.push('\n');
    }
    Reply::Verbatim("txt", out.into_bytes())
}

pub fn client_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    // Redis's full help text, so the reply matches byte for byte.
    help_reply(
        &argv[0],
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    )
}

pub fn config_get(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut seen: Vec<String> = Vec::new();
    let mut pairs = Vec::new();
    for pat in &argv[2..] {
        for (name, value) in ctx.core.config.matching(pat) {
            if !seen.contains(&name) {
                seen.push(name.clone());
                pairs.push((
                    Reply::Bulk(name.into_bytes()),
                    Reply::Bulk(value.into_bytes()),
                ));
            }
        }
    }
    Reply::Map(pairs)
}

pub fn config_set(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() % 2 != 0 {
        return syntax();
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..]
        .chunks(2)
        .map(|p| (&p[0][..], &p[1][..]))
        .collect();
    let before = ctx.core.config.maxmemory;
    let local = ctx.client_ref().is_local();
    let protected_ok = ctx.core.config.allows_protected(local);
    // While a file loads, parameters flagged deny-loading (`dir`, `appendonly` …) are
    // refused with LOADING (configSetCommand's deny_loading_error), after the errors
    // for unknown, immutable and protected parameters.
    if ctx.core.loading {
        use crate::engine::config::{DENY_LOADING, IMMUTABLE, PROTECTED};
        let params: Vec<_> = pairs
            .iter()
            .map(|(n, _)| crate::engine::Config::param(&String::from_utf8_lossy(n)))
            .collect();
        let refused_first = params.iter().any(|p| {
            p.is_none_or(|p| {
                p.flags & IMMUTABLE != 0 || (p.flags & PROTECTED != 0 && !protected_ok)
            })
        });
        if !refused_first && params.iter().flatten().any(|p| p.flags & DENY_LOADING != 0) {
            return Reply::err(crate::engine::LOADING_ERR);
        }
    }
    match ctx.core.config.set_many(&pairs, protected_ok) {
        Ok(changes) => {
            if let Err(e) = apply_host(ctx, &changes) {
                ctx.core.config.restore(&changes);
                return Reply::Error(e);
            }
            // requirepass is the default user's password (updateRequirePass).
            if pairs
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(b"requirepass"))
            {
                let p = ctx.core.config.get("requirepass").unwrap_or_default();
                let p = (!p.is_empty()).then_some(p.as_bytes());
                ctx.core.acl.set_requirepass(p);
            }
            // A new maxmemory starts eviction at once (Redis's startEvictionTimeProc runs
            // it before the next command), so keys go even if no command follows.
            let now = ctx.core.config.maxmemory;
            if now > 0 && now != before {
                ctx.core.perform_evictions(0);
            }
            if pairs
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(b"appendonly"))
            {
                // startAppendOnly's words when the rewrite must wait (the host starts it
                // after the transaction, or after the save).
                if changes.iter().any(|c| c.name == "appendonly" && c.changed)
                    && ctx.core.config.get("appendonly").as_deref() == Some("yes")
                {
                    if ctx.core.nested > 0 {
                        ctx.core.log(3, "AOF was enabled during a transaction. An AOF background was scheduled to start when possible.");
                    } else if ctx.core.persist.bgsave_in_progress {
                        ctx.core.log(3, "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
                    }
                }
                ctx.core.follow_appendonly();
            }
            Reply::ok()
        }
        Err(e) => Reply::Error(e),
    }
}

/// The host's part of a CONFIG SET (Redis's apply functions): `dir` always (Redis
/// changes directory while setting it), `bind` always, `port` when it changed. On an
/// error the ones applied are applied again with the old values.
fn apply_host(ctx: &mut Ctx, changes: &[crate::engine::config::Change]) -> Result<(), String> {
    let Some(mut host) = ctx.core.config_host.take() else {
        return Ok(());
    };
    let mut applied: Vec<&'static str> = Vec::new();
    let mut result = Ok(());
    for c in changes {
        let wanted = match c.name {
            "dir" | "bind" => true,
            "port" | "loglevel" => c.changed,
            _ => false,
        };
        if !wanted {
            continue;
        }
        match host.apply(c.name, &ctx.core.config) {
            Ok(shown) => {
                if let Some(v) = shown {
                    ctx.core.config.set_applied(c.name, v);
                }
                applied.push(c.name);
            }
            Err(why) => {
                result = Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{}') - {why}",
                    c.name
                ));
                let mut back = ctx.core.config.clone();
                back.restore(changes);
                for name in &applied {
                    let _ = host.apply(name, &back);
                }
                break;
            }
        }
    }
    ctx.core.config_host = Some(host);
    result
}

/// INFO latencystats: each command's `latency-tracking-info-percentiles`, in
/// microseconds, from its latency histogram (LATENCY HISTOGRAM's power-of-two buckets,
/// each percentile the upper bound of the bucket it falls in: coarser than Redis's HDR
/// histogram, which keeps two significant digits).
fn latencystats(core: &crate::engine::Core) -> String {
    use crate::engine::slowlog::bucket_limit_ns;
    let mut s = "# Latencystats\r\n".to_string();
    let mut rows: Vec<(String, &crate::engine::CmdStat)> = core
        .cmdstats
        .iter()
        .filter(|(_, st)| st.histogram.iter().any(|n| *n > 0))
        .map(|((container, name), st)| match container {
            Some(c) => (format!("{c}|{name}"), st),
            None => (name.to_string(), st),
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, st) in rows {
        let total: u64 = st.histogram.iter().sum();
        let parts: Vec<String> = core
            .config
            .latency_percentiles
            .iter()
            .map(|p| {
                let want = ((p / 100.0) * total as f64).ceil().max(1.0) as u64;
                let mut seen = 0;
                let mut at = 0;
                for (k, n) in st.histogram.iter().enumerate() {
                    seen += n;
                    at = k;
                    if seen >= want {
                        break;
                    }
                }
                let label = format!("{p:.6}");
                let label = label.trim_end_matches('0').trim_end_matches('.');
                format!("p{label}={:.3}", bucket_limit_ns(at) as f64 / 1000.0)
            })
            .collect();
        s.push_str(&format!(
            "latency_percentiles_usec_{name}:{}\r\n",
            parts.join(",")
        ));
    }
    s
}

pub fn config_resetstat(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    ctx.core.stats = Default::default();
    ctx.core.persist.forks = 0;
    ctx.core.persist.latest_fork_us = 0;
    ctx.core.cmdstats.clear();
    Reply::ok()
}

/// CONFIG REWRITE: the host's configuration file rewritten as Redis does (see
/// `config::rewrite_file`). The playground, like a redis-server started without a file,
/// has none.
pub fn config_rewrite(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    match rewrite_config(ctx, false) {
        Ok(()) => Reply::ok(),
        Err(e) => Reply::Error(e),
    }
}

/// Rewrites the host's configuration file (`force_all`: every parameter, for DEBUG
/// CONFIG-REWRITE-FORCE-ALL).
pub fn rewrite_config(ctx: &mut Ctx, force_all: bool) -> Result<(), String> {
    let Some(path) = ctx.core.config_host.as_ref().and_then(|h| h.config_file()) else {
        return Err("ERR The server is running without a config file".into());
    };
    let users: Option<Vec<String>> = ctx
        .core
        .config
        .get("aclfile")
        .is_none_or(|f| f.is_empty())
        .then(|| {
            ctx.core
                .acl
                .users
                .values()
                .map(|u| format!("user {} {}", String::from_utf8_lossy(&u.name), u.describe()))
                .collect()
        });
    let Some(host) = ctx.core.config_host.as_mut() else {
        return Err("ERR The server is running without a config file".into());
    };
    let old = host
        .read_config_file(&path)
        .map_err(|e| format!("ERR Rewriting config file: {e}"))?;
    let text =
        crate::engine::config::rewrite_file(&old, &ctx.core.config, users.as_deref(), force_all);
    host.write_config_file(&path, &text)
        .map_err(|e| format!("ERR Rewriting config file: {e}"))
}

pub fn config_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    help_reply(
        &argv[0],
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    )
}

fn set_of(items: impl IntoIterator<Item = String>) -> Reply {
    Reply::Set(items.into_iter().map(|s| Reply::Status(s.into())).collect())
}

/// Key-spec flags in the order COMMAND INFO lists them (`addReplyFlagsForKeyArgs`).
const KEY_FLAG_ORDER: &[&str] = &[
    "RO",
    "RW",
    "OW",
    "RM",
    "access",
    "update",
    "insert",
    "delete",
    "not_key",
    "incomplete",
    "variable_flags",
];

/// The flags of a space-separated list that `order` names, in that order (case-blind).
fn ordered(flags: &str, order: &[&str]) -> Vec<String> {
    let have: Vec<&str> = flags.split(' ').filter(|w| !w.is_empty()).collect();
    order
        .iter()
        .filter(|o| have.iter().any(|h| h.eq_ignore_ascii_case(o)))
        .map(|o| o.to_string())
        .collect()
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(' ').filter(|w| !w.is_empty()).map(String::from)
}

/// One COMMAND INFO entry: name, arity, flags, first/last/step, ACL categories, tips,
/// key specs, subcommands.
pub fn command_info_reply(c: &CommandSpec) -> Reply {
    use crate::engine::table::{Begin, Find};
    let map = |pairs: Vec<(&str, Reply)>| {
        Reply::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (Reply::bulk(k), v))
                .collect(),
        )
    };
    let key_specs: Vec<Reply> = c
        .key_specs()
        .iter()
        .map(|s| {
            let (bt, bspec) = match s.begin {
                Begin::Index(i) => ("index", map(vec![("index", Reply::Int(i as i64))])),
                Begin::Keyword(w, from) => (
                    "keyword",
                    map(vec![
                        ("keyword", Reply::bulk(w)),
                        ("startfrom", Reply::Int(from as i64)),
                    ]),
                ),
                Begin::Unknown => ("unknown", Reply::Map(Vec::new())),
            };
            let (ft, fspec) = match s.find {
                Find::Range(last, step, limit) => (
                    "range",
                    map(vec![
                        ("lastkey", Reply::Int(last as i64)),
                        ("keystep", Reply::Int(step as i64)),
                        ("limit", Reply::Int(limit as i64)),
                    ]),
                ),
                Find::Keynum(idx, first, step) => (
                    "keynum",
                    map(vec![
                        ("keynumidx", Reply::Int(idx as i64)),
                        ("firstkey", Reply::Int(first as i64)),
                        ("keystep", Reply::Int(step as i64)),
                    ]),
                ),
                Find::Unknown => ("unknown", Reply::Map(Vec::new())),
            };
            let mut pairs = Vec::new();
            if !s.notes.is_empty() {
                pairs.push(("notes", Reply::bulk(s.notes)));
            }
            pairs.push(("flags", set_of(ordered(s.flags, KEY_FLAG_ORDER))));
            pairs.push((
                "begin_search",
                map(vec![("type", Reply::bulk(bt)), ("spec", bspec)]),
            ));
            pairs.push((
                "find_keys",
                map(vec![("type", Reply::bulk(ft)), ("spec", fspec)]),
            ));
            map(pairs)
        })
        .collect();
    Reply::Array(vec![
        Reply::Bulk(c.full_name().into_bytes()),
        Reply::Int(c.arity as i64),
        // Redis hides sentinel, may_replicate, protected and touches_arbitrary_keys.
        set_of(c.flags.shown().map(String::from)),
        Reply::Int(c.first_key as i64),
        Reply::Int(c.last_key as i64),
        Reply::Int(c.step as i64),
        set_of(c.acl_categories()),
        // Tips go out as bulk strings, unlike flags and categories.
        Reply::Set(words(c.tips).map(|t| Reply::Bulk(t.into_bytes())).collect()),
        Reply::Set(key_specs),
        Reply::Set(c.subcommands.iter().map(command_info_reply).collect()),
    ])
}

pub fn command_info(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() == 2 {
        return Reply::Array(live_commands(ctx).map(command_info_reply).collect());
    }
    Reply::Array(
        argv[2..]
            .iter()
            .map(|n| {
                ctx.core
                    .renames
                    .find_full(n)
                    .map_or(Reply::Nil, command_info_reply)
            })
            .collect(),
    )
}

fn command_docs_entry(c: &CommandSpec) -> (Reply, Reply) {
    let mut doc = vec![
        (Reply::bulk("summary"), Reply::bulk(c.summary)),
        (Reply::bulk("since"), Reply::bulk(c.since)),
        (Reply::bulk("group"), Reply::bulk(c.group)),
        (Reply::bulk("complexity"), Reply::bulk(c.complexity)),
    ];
    if !c.subcommands.is_empty() {
        doc.push((
            Reply::bulk("subcommands"),
            Reply::Map(c.subcommands.iter().map(command_docs_entry).collect()),
        ));
    }
    (Reply::Bulk(c.full_name().into_bytes()), Reply::Map(doc))
}

pub fn command_docs(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() == 2 {
        return Reply::Map(live_commands(ctx).map(command_docs_entry).collect());
    }
    Reply::Map(
        argv[2..]
            .iter()
            .filter_map(|n| ctx.core.renames.find_full(n))
            .map(command_docs_entry)
            .collect(),
    )
}

pub fn command_count(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Int(live_commands(ctx).count() as i64)
}

/// The commands that can be called (all but those `rename-command` disabled).
fn live_commands<'a>(ctx: &'a Ctx) -> impl Iterator<Item = &'static CommandSpec> + 'a {
    table::commands().filter(|c| ctx.core.renames.reachable(c.name))
}

pub fn command_list(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let all = live_commands(ctx).flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()));
    let names: Vec<Reply> = match argv.len() {
        2 => all
            .map(|c| Reply::Bulk(c.full_name().into_bytes()))
            .collect(),
        5 if eq(&argv[2], "filterby") => {
            let arg = &argv[4];
            if eq(&argv[3], "pattern") {
                all.filter(|c| glob_match(arg, c.full_name().as_bytes(), true))
                    .map(|c| Reply::Bulk(c.full_name().into_bytes()))
                    .collect()
            } else if eq(&argv[3], "aclcat") {
                let want = format!("@{}", String::from_utf8_lossy(arg).to_ascii_lowercase());
                all.filter(|c| c.acl_categories().contains(&want))
                    .map(|c| Reply::Bulk(c.full_name().into_bytes()))
                    .collect()
            } else if eq(&argv[3], "module") {
                Vec::new()
            } else {
                return syntax();
            }
        }
        _ => return syntax(),
    };
    Reply::Array(names)
}

pub fn command_getkeys(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    getkeys(argv, false)
}

pub fn command_getkeysandflags(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    getkeys(argv, true)
}

/// COMMAND GETKEYS and GETKEYSANDFLAGS (Redis's getKeysSubcommandImpl): each key, or
/// each key with the set of flags it is used with.
fn getkeys(argv: &[Vec<u8>], with_flags: bool) -> Reply {
    let sub = &argv[2..];
    let Ok(spec) = table::lookup(sub) else {
        return Reply::err("ERR Invalid command specified");
    };
    if spec.key_specs().is_empty() {
        return Reply::err("ERR The command has no key arguments");
    }
    if !table::arity_ok(spec, sub.len()) {
        return Reply::err("ERR Invalid number of arguments specified for command");
    }
    match table::keys_and_flags_in(spec, sub) {
        Some(keys) if !keys.is_empty() => Reply::Array(
            keys.into_iter()
                .map(|(i, flags)| {
                    let key = Reply::Bulk(sub[i].clone());
                    if with_flags {
                        Reply::Array(vec![key, set_of(ordered(flags, KEY_FLAG_ORDER))])
                    } else {
                        key
                    }
                })
                .collect(),
        ),
        _ if spec.flags.contains(table::Flags::NO_MANDATORY_KEYS) => Reply::Array(Vec::new()),
        _ => Reply::err("ERR Invalid arguments specified for command"),
    }
}

pub fn command_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    help_reply(
        &argv[0],
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    )
}

/// INFO redis_build_id: a hash of what was built (the crate's version and target), in
/// hex as Redis's.
fn build_id() -> String {
    let what = concat!("kvlab-", env!("CARGO_PKG_VERSION"));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in what.bytes().chain(std::env::consts::ARCH.bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:015x}", h >> 4)
}

pub fn info(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    const DEFAULT: &[&str] = &[
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "errorstats",
        "cluster",
        "keyspace",
    ];
    let mut wanted: Vec<String> = Vec::new();
    for a in &argv[1..] {
        let s = String::from_utf8_lossy(a).to_ascii_lowercase();
        match s.as_str() {
            "all" | "everything" => {
                wanted.extend(DEFAULT.iter().map(|s| s.to_string()));
                wanted.push("modules".into());
                wanted.push("commandstats".into());
                wanted.push("latencystats".into());
            }
            "default" => wanted.extend(DEFAULT.iter().map(|s| s.to_string())),
            _ => wanted.push(s),
        }
    }
    if wanted.is_empty() {
        wanted = DEFAULT.iter().map(|s| s.to_string()).collect();
    }
    let now = ctx.core.now;
    let uptime = ((now - ctx.core.start_ms) / 1000).max(0);
    let used = ctx.core.used_memory();
    let cfg = &ctx.core.config;
    let st = &ctx.core.stats;
    let mut sections: Vec<String> = Vec::new();
    let order = [
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "modules",
        "commandstats",
        "errorstats",
        "latencystats",
        "cluster",
        "keyspace",
    ];
    for name in order {
        if !wanted.iter().any(|w| w == name) {
            continue;
        }
        let body = match name {
            "server" => {
                let config_file = ctx
                    .core
                    .config_host
                    .as_ref()
                    .and_then(|h| h.config_file())
                    .unwrap_or_default();
                let lines = [
                    format!("redis_version:{VERSION}"),
                    "redis_git_sha1:00000000".to_string(),
                    "redis_git_dirty:0".to_string(),
                    format!("redis_build_id:{}", build_id()),
                    format!(
                        "redis_mode:{}",
                        if ctx.core.cluster.is_some() { "cluster" } else { "standalone" }
                    ),
                    "kvlab:1".to_string(),
                    format!("os:{}", hostinfo::os()),
                    "arch_bits:64".to_string(),
                    format!(
                        "monotonic_clock:{}",
                        if cfg!(target_arch = "wasm32") { "performance.now()" } else { "POSIX clock_gettime" }
                    ),
                    format!(
                        "multiplexing_api:{}",
                        if cfg!(target_arch = "wasm32") {
                            "none"
                        } else if cfg!(target_os = "linux") {
                            "epoll"
                        } else {
                            "tokio"
                        }
                    ),
                    "atomicvar_api:rust-std".to_string(),
                    // Not built by GCC: 0.0.0, as a redis-server built by another compiler says.
                    "gcc_version:0.0.0".to_string(),
                    format!("process_id:{}", hostinfo::process_id()),
                    "process_supervised:no".to_string(),
                    format!("run_id:{}", ctx.core.run_id),
                    format!("tcp_port:{}", cfg.get("port").unwrap_or_default()),
                    format!("server_time_usec:{}", now * 1000),
                    format!("uptime_in_seconds:{uptime}"),
                    format!("uptime_in_days:{}", uptime / 86400),
                    format!("hz:{}", cfg.hz),
                    format!("configured_hz:{}", cfg.hz),
                    format!("lru_clock:{}", ctx.core.lru_clock()),
                    format!("executable:{}", hostinfo::executable()),
                    format!("config_file:{config_file}"),
                    "io_threads_active:0".to_string(),
                ];
                format!("# Server\r\n{}\r\n", lines.join("\r\n"))
            }
            "clients" => format!(
                "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:{}\r\nclient_recent_max_output_buffer:{}\r\nblocked_clients:{}\r\ntracking_clients:{}\r\nclients_in_timeout_table:{}\r\n",
                ctx.clients.len(),
                cfg.get("maxclients").unwrap_or_default(),
                ctx.core.client_peaks.recent(now).0,
                ctx.core.client_peaks.recent(now).1,
                ctx.clients.values().filter(|c| c.blocked.is_some()).count()
                    + ctx.core.admin.postponed.len(),
                ctx.core.tracking.clients(),
                ctx.core.blocking.with_deadline(),
            ),
            "memory" => {
                let m = ctx.core.memory_report();
                // The Lua VMs: what each holds, or a fresh VM's size before first use.
                const IDLE_VM: u64 = 31 * 1024;
                let vm_eval = ctx.core.scripts.as_ref().map_or(IDLE_VM, |s| s.used_memory() as u64);
                let vm_funcs = ctx.core.functions.as_ref().map_or(IDLE_VM, |f| f.used_memory() as u64);
                let scripts_eval = ctx.core.scripts.as_ref().map_or(0, |s| s.body_bytes() as u64);
                let cached = ctx.core.scripts.as_ref().map_or(0, |s| s.len());
                let nlibs = ctx.core.libraries.len();
                let nfuncs: usize = ctx.core.libraries.values().map(|l| l.functions.len()).sum();
                let pct = |a: u64, b: u64| a as f32 * 100.0 / b.max(1) as f32;
                let frag = m.rss as f32 / m.total.max(1) as f32;
                let lines = [
                    format!("used_memory:{used}"),
                    format!("used_memory_human:{}", bytes_human(used)),
                    format!("used_memory_rss:{}", m.rss),
                    format!("used_memory_rss_human:{}", bytes_human(m.rss)),
                    format!("used_memory_peak:{}", m.peak),
                    format!("used_memory_peak_human:{}", bytes_human(m.peak)),
                    format!("used_memory_peak_perc:{:.2}%", pct(m.total, m.peak)),
                    format!("used_memory_overhead:{}", m.overhead),
                    format!("used_memory_startup:{}", m.startup),
                    format!("used_memory_dataset:{}", m.dataset()),
                    format!("used_memory_dataset_perc:{:.2}%", pct(m.dataset(), m.net_usage())),
                    format!("allocator_allocated:{}", m.total),
                    format!("allocator_active:{}", m.total),
                    format!("allocator_resident:{}", m.rss),
                    format!("total_system_memory:{}", hostinfo::total_system_memory()),
                    format!(
                        "total_system_memory_human:{}",
                        bytes_human(hostinfo::total_system_memory())
                    ),
                    format!("used_memory_lua:{vm_eval}"),
                    format!("used_memory_vm_eval:{vm_eval}"),
                    format!("used_memory_lua_human:{}", bytes_human(vm_eval)),
                    format!("used_memory_scripts_eval:{scripts_eval}"),
                    format!("number_of_cached_scripts:{cached}"),
                    format!("number_of_functions:{nfuncs}"),
                    format!("number_of_libraries:{nlibs}"),
                    format!("used_memory_vm_functions:{vm_funcs}"),
                    format!("used_memory_vm_total:{}", vm_eval + vm_funcs),
                    format!("used_memory_vm_total_human:{}", bytes_human(vm_eval + vm_funcs)),
                    format!("used_memory_functions:{}", m.functions),
                    format!("used_memory_scripts:{}", scripts_eval + m.functions),
                    format!("used_memory_scripts_human:{}", bytes_human(scripts_eval + m.functions)),
                    format!("maxmemory:{}", cfg.maxmemory),
                    format!("maxmemory_human:{}", bytes_human(cfg.maxmemory)),
                    format!("maxmemory_policy:{}", cfg.policy.name()),
                    "allocator_frag_ratio:1.00".to_string(),
                    "allocator_frag_bytes:0".to_string(),
                    format!("allocator_rss_ratio:{frag:.2}"),
                    format!("allocator_rss_bytes:{}", m.rss - m.total),
                    "rss_overhead_ratio:1.00".to_string(),
                    "rss_overhead_bytes:0".to_string(),
                    format!("mem_fragmentation_ratio:{frag:.2}"),
                    format!("mem_fragmentation_bytes:{}", m.rss - m.total),
                    "mem_not_counted_for_evict:0".to_string(),
                    "mem_replication_backlog:0".to_string(),
                    "mem_total_replication_buffers:0".to_string(),
                    "mem_clients_slaves:0".to_string(),
                    format!("mem_clients_normal:{}", m.clients_normal),
                    "mem_cluster_links:0".to_string(),
                    "mem_aof_buffer:0".to_string(),
                    format!("mem_allocator:{}", super::memory::allocator_name()),
                    "active_defrag_running:0".to_string(),
                    "lazyfree_pending_objects:0".to_string(),
                    format!("lazyfreed_objects:{}", ctx.core.stats.lazyfreed_objects),
                ];
                format!("# Memory\r\n{}\r\n", lines.join("\r\n"))
            }
            "persistence" => ctx.core.info_persistence(),
            "stats" => {
                let rate = |i: usize| st.inst[i].get();
                let kbps = |i: usize| st.inst[i].get() as f32 / 1024.0;
                let (tkeys, titems, tprefixes) = ctx.core.tracking.totals();
                let lines = [
                    format!("total_connections_received:{}", st.total_connections_received),
                    format!("total_commands_processed:{}", st.total_commands_processed),
                    format!("instantaneous_ops_per_sec:{}", rate(inst::COMMANDS)),
                    format!("total_net_input_bytes:{}", st.net_input_bytes + st.net_repl_input_bytes),
                    format!("total_net_output_bytes:{}", st.net_output_bytes + st.net_repl_output_bytes),
                    format!("total_net_repl_input_bytes:{}", st.net_repl_input_bytes),
                    format!("total_net_repl_output_bytes:{}", st.net_repl_output_bytes),
                    format!("instantaneous_input_kbps:{:.2}", kbps(inst::NET_INPUT)),
                    format!("instantaneous_output_kbps:{:.2}", kbps(inst::NET_OUTPUT)),
                    format!("instantaneous_input_repl_kbps:{:.2}", kbps(inst::NET_REPL_INPUT)),
                    format!("instantaneous_output_repl_kbps:{:.2}", kbps(inst::NET_REPL_OUTPUT)),
                    format!("rejected_connections:{}", st.rejected_connections),
                    format!("sync_full:{}", st.sync_full),
                    format!("sync_partial_ok:{}", st.sync_partial_ok),
                    format!("sync_partial_err:{}", st.sync_partial_err),
                    format!("expired_keys:{}", st.expired_keys),
                    format!("expired_stale_perc:{:.2}", st.expired_stale_perc * 100.0),
                    // The cycle has no time limit here (it samples as Redis's does).
                    "expired_time_cap_reached_count:0".to_string(),
                    format!("expire_cycle_cpu_milliseconds:{}", st.expire_cycle_us / 1000),
                    format!("evicted_keys:{}", st.evicted_keys),
                    "evicted_clients:0".to_string(),
                    // Eviction runs to the end within the command that needs it.
                    "total_eviction_exceeded_time:0".to_string(),
                    "current_eviction_exceeded_time:0".to_string(),
                    format!("keyspace_hits:{}", st.keyspace_hits),
                    format!("keyspace_misses:{}", st.keyspace_misses),
                    format!(
                        "pubsub_channels:{}",
                        ctx.core.pubsub.channel_names(crate::engine::pubsub::Kind::Plain, None).len()
                    ),
                    format!("pubsub_patterns:{}", ctx.core.pubsub.numpat()),
                    format!(
                        "pubsubshard_channels:{}",
                        ctx.core.pubsub.channel_names(crate::engine::pubsub::Kind::Shard, None).len()
                    ),
                    format!("latest_fork_usec:{}", ctx.core.persist.latest_fork_us),
                    format!("total_forks:{}", ctx.core.persist.forks),
                    format!("migrate_cached_sockets:{}", ctx.core.migrate.cached()),
                    format!("slave_expires_tracked_keys:{}", ctx.core.replica_expires.len()),
                    // No active defragmentation: the allocator is not jemalloc.
                    "active_defrag_hits:0".to_string(),
                    "active_defrag_misses:0".to_string(),
                    "active_defrag_key_hits:0".to_string(),
                    "active_defrag_key_misses:0".to_string(),
                    "total_active_defrag_time:0".to_string(),
                    "current_active_defrag_time:0".to_string(),
                    format!("tracking_total_keys:{tkeys}"),
                    format!("tracking_total_items:{titems}"),
                    format!("tracking_total_prefixes:{tprefixes}"),
                    format!("unexpected_error_replies:{}", st.unexpected_error_replies),
                    format!("total_error_replies:{}", st.total_error_replies),
                    "dump_payload_sanitizations:0".to_string(),
                    format!("total_reads_processed:{}", st.reads_processed),
                    format!("total_writes_processed:{}", st.writes_processed),
                    // No I/O threads, and replies are not kept in resizable buffers.
                    "io_threaded_reads_processed:0".to_string(),
                    "io_threaded_writes_processed:0".to_string(),
                    "reply_buffer_shrinks:0".to_string(),
                    "reply_buffer_expands:0".to_string(),
                ];
                format!("# Stats\r\n{}\r\n", lines.join("\r\n"))
            }
            "replication" => ctx.core.info_replication(),
            "cpu" => {
                // In the browser: the time the engine spent in commands, all of it the
                // page's one thread (there is no process to ask).
                let c = hostinfo::cpu().unwrap_or_else(|| {
                    let user = ctx.core.cmdstats.iter().map(|(_, s)| s.usec).sum::<u64>() as f64 / 1e6;
                    hostinfo::CpuTimes { sys: 0.0, user, sys_main: 0.0, user_main: user }
                });
                format!(
                    "# CPU\r\nused_cpu_sys:{:.6}\r\nused_cpu_user:{:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\nused_cpu_sys_main_thread:{:.6}\r\nused_cpu_user_main_thread:{:.6}\r\n",
                    c.sys, c.user, c.sys_main, c.user_main
                )
            }
            // RedisBloom's commands are built in, not a module (MODULE LIST is empty).
            "modules" => "# Modules\r\n".to_string(),
            "cluster" => format!(
                "# Cluster\r\ncluster_enabled:{}\r\n",
                u8::from(ctx.core.cluster.is_some())
            ),
            "errorstats" => {
                let mut s = "# Errorstats\r\n".to_string();
                for (code, n) in &st.errorstats {
                    s.push_str(&format!("errorstat_{code}:count={n}\r\n"));
                }
                s
            }
            "commandstats" => {
                let mut s = "# Commandstats\r\n".to_string();
                let mut rows: Vec<(String, &crate::engine::CmdStat)> = ctx
                    .core
                    .cmdstats
                    .iter()
                    .map(|((container, name), st)| match container {
                        Some(c) => (format!("{c}|{name}"), st),
                        None => (name.to_string(), st),
                    })
                    .collect();
                rows.sort_by(|a, b| a.0.cmp(&b.0));
                for (name, c) in rows {
                    let per = if c.calls > 0 { c.usec as f64 / c.calls as f64 } else { 0.0 };
                    s.push_str(&format!(
                        "cmdstat_{name}:calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}\r\n",
                        c.calls, c.usec, c.rejected_calls, c.failed_calls
                    ));
                }
                s
            }
            "latencystats" => latencystats(ctx.core),
            "keyspace" => {
                let mut s = "# Keyspace\r\n".to_string();
                for (i, db) in ctx.core.dbs.iter().enumerate() {
                    if db.keys.is_empty() {
                        continue;
                    }
                    s.push_str(&format!(
                        "db{i}:keys={},expires={},avg_ttl=0\r\n",
                        db.keys.len(),
                        db.expires.len()
                    ));
                }
                s
            }
            _ => continue,
        };
        sections.push(body);
    }
    Reply::Verbatim("txt", sections.join("\r\n").into_bytes())
}
