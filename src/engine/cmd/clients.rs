//! Commands that act on other connections: CLIENT KILL, CLIENT PAUSE / UNPAUSE and
//! CLIENT NO-EVICT, as networking.c has them in Redis 7.0.15.
//!
//! The engine decides; the host acts. KILL marks the clients it matched to be closed
//! (the caller itself after its reply, as Redis's CLIENT_CLOSE_AFTER_REPLY) and files
//! the others in [`Admin::killed`] for the host to drop at once. PAUSE records a pause
//! (type and end, each the stronger of the old and the new, as Redis's pauseClients
//! merges them); the host asks [`postponed`] before running a command and, if paused,
//! waits until the pause ends or is lifted, then runs it: a paused client waits, it is
//! not refused. In 7.0.15 there is no MAXAGE filter (it came in 7.4): it is a syntax
//! error there, and here.

use super::{eq, syntax};
use crate::engine::table::{self, Flags};
use crate::engine::{Client, Ctx, Reply};

/// CLIENT PAUSE's mode: WRITE holds commands that may change the data set (and EXEC of
/// a transaction holding one), ALL holds every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseKind {
    Write,
    All,
}

/// What CLIENT KILL and PAUSE leave for the host.
#[derive(Debug, Default)]
pub struct Admin {
    /// The pause in force: its kind and end (Unix ms).
    pub pause: Option<(PauseKind, i64)>,
    /// Set when a pause is lifted or weakened: postponed clients should look again.
    pub pause_changed: bool,
    /// Clients killed by CLIENT KILL, for the host to close now.
    pub killed: Vec<u64>,
    /// Clients whose command waits for the pause to end (counted in INFO's
    /// blocked_clients and flagged `b`, as Redis's BLOCKED_POSTPONE).
    pub postponed: std::collections::BTreeSet<u64>,
}

impl Admin {
    /// The pause in force at `now`, dropping one that has ended.
    pub fn pause_at(&mut self, now: i64) -> Option<(PauseKind, i64)> {
        if let Some((_, end)) = self.pause {
            if end < now {
                self.pause = None;
                self.pause_changed = true;
            }
        }
        self.pause
    }
}

/// Whether a command of client `id` must wait for the pause to end (Redis's check in
/// processCommand, after the command is known and its arity right): the pause's end.
/// `flags_of` gives a command's flags for this call (scripts declare their own, see
/// `scripting::call_flags`).
pub fn postponed(
    admin: &mut Admin,
    now: i64,
    client: Option<&Client>,
    argv: &[Vec<u8>],
    flags_of: impl Fn(&table::CommandSpec, &[Vec<u8>]) -> Flags,
) -> Option<i64> {
    let (kind, end) = admin.pause_at(now)?;
    let spec = table::lookup(argv).ok()?;
    if !table::arity_ok(spec, argv.len()) {
        return None;
    }
    let writes = |f: Flags| f.contains(Flags::WRITE) || f.contains(Flags::MAY_REPLICATE);
    let hold = match kind {
        PauseKind::All => true,
        PauseKind::Write => {
            writes(flags_of(spec, argv))
                || (spec.container.is_none()
                    && spec.name == "exec"
                    && client
                        .and_then(|c| c.multi.as_ref())
                        .into_iter()
                        .flatten()
                        .filter_map(|a| table::lookup(a).ok().map(|s| (s, a)))
                        .any(|(s, a)| writes(flags_of(s, a))))
        }
    };
    hold.then_some(end)
}

/// A client's type as CLIENT KILL / LIST TYPE name it (getClientType): no replicas or
/// masters here, so `pubsub` for a subscriber and `normal` for everyone else (a
/// monitor included).
fn client_type(ctx: &Ctx, id: u64) -> &'static str {
    if ctx.core.pubsub.subscribed(id) {
        "pubsub"
    } else {
        "normal"
    }
}

/// The user a client is authenticated as. Until ACL users exist, everyone is `default`.
fn client_user(c: &Client) -> &[u8] {
    &c.user
}

/// Whether a user of that name exists.
fn user_exists(ctx: &Ctx, name: &[u8]) -> bool {
    ctx.core.acl.users.contains_key(name)
}

/// CLIENT KILL <ip:port> | CLIENT KILL <filter> <value> [<filter> <value> ...].
pub fn client_kill(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut user: Option<&[u8]> = None;
    let mut kind: Option<&'static str> = None;
    let mut id = 0u64;
    let mut skipme = true;
    if argv.len() == 3 {
        // The old form: an address, and the caller may kill itself.
        addr = Some(&argv[2]);
        skipme = false;
    } else if argv.len() > 3 {
        let mut i = 2;
        while i < argv.len() {
            let more = argv.len() > i + 1;
            let (opt, val) = (&argv[i], argv.get(i + 1));
            match val {
                Some(v) if more && eq(opt, "id") => match crate::engine::util::parse_i64(v) {
                    Some(n) if n >= 1 => id = n as u64,
                    _ => return Reply::err("ERR client-id should be greater than 0"),
                },
                Some(v) if more && eq(opt, "type") => {
                    kind = Some(match v.to_ascii_lowercase().as_slice() {
                        b"normal" => "normal",
                        b"pubsub" => "pubsub",
                        b"master" => "master",
                        b"slave" | b"replica" => "replica",
                        _ => {
                            return Reply::Error(format!(
                                "ERR Unknown client type '{}'",
                                String::from_utf8_lossy(v)
                            ))
                        }
                    })
                }
                Some(v) if more && eq(opt, "addr") => addr = Some(v),
                Some(v) if more && eq(opt, "laddr") => laddr = Some(v),
                Some(v) if more && eq(opt, "user") => {
                    if !user_exists(ctx, v) {
                        return Reply::Error(format!(
                            "ERR No such user '{}'",
                            String::from_utf8_lossy(v)
                        ));
                    }
                    user = Some(v);
                }
                Some(v) if more && eq(opt, "skipme") => {
                    if eq(v, "yes") {
                        skipme = true;
                    } else if eq(v, "no") {
                        skipme = false;
                    } else {
                        return syntax();
                    }
                }
                _ => return syntax(),
            }
            i += 2;
        }
    } else {
        return syntax();
    }
    let me = ctx.id;
    let mut matched = Vec::new();
    for c in ctx.clients.values() {
        if addr.is_some_and(|a| a != c.addr.as_bytes())
            || laddr.is_some_and(|a| a != c.laddr.as_bytes())
            || kind.is_some_and(|k| k != client_type(ctx, c.id))
            || (id != 0 && c.id != id)
            || user.is_some_and(|u| u != client_user(c))
            || (c.id == me && skipme)
        {
            continue;
        }
        matched.push(c.id);
    }
    for &k in &matched {
        if let Some(c) = ctx.clients.get_mut(&k) {
            c.close_after_reply = true;
        }
        if k != me {
            ctx.core.admin.killed.push(k);
            // Redis frees another client at once: a redirect to it is broken from now
            // on, and its own tracking ends.
            ctx.core.tracking.disconnected(k);
        }
    }
    if argv.len() == 3 {
        if matched.is_empty() {
            Reply::err("ERR No such client")
        } else {
            Reply::ok()
        }
    } else {
        Reply::Int(matched.len() as i64)
    }
}

/// CLIENT PAUSE timeout [WRITE|ALL].
pub fn client_pause(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 4 {
        return Reply::Error(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(&argv[1])
        ));
    }
    let mut kind = PauseKind::All;
    if let Some(m) = argv.get(3) {
        if eq(m, "write") {
            kind = PauseKind::Write;
        } else if eq(m, "all") {
            kind = PauseKind::All;
        } else {
            return Reply::err("ERR CLIENT PAUSE mode must be WRITE or ALL");
        }
    }
    let ms = match crate::engine::util::parse_i64(&argv[2]) {
        Some(v) => v,
        None => return Reply::err("ERR timeout is not an integer or out of range"),
    };
    if ms < 0 {
        return Reply::err("ERR timeout is negative");
    }
    // mstime() added as C adds it (a huge timeout wraps to the past: no pause).
    let end = if ms > 0 {
        ms.wrapping_add(ctx.core.now)
    } else {
        0
    };
    let now = ctx.core.now;
    let admin = &mut ctx.core.admin;
    let merged = match admin.pause {
        Some((k, e)) => (k.max(kind), e.max(end)),
        None => (kind, end),
    };
    admin.pause = Some(merged);
    admin.pause_at(now);
    Reply::ok()
}

/// CLIENT UNPAUSE.
pub fn client_unpause(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    if ctx.core.admin.pause.take().is_some() {
        ctx.core.admin.pause_changed = true;
    }
    Reply::ok()
}

/// CLIENT NO-EVICT ON|OFF: shown as the `e` flag. (The engine has no client eviction,
/// `maxmemory-clients`, so nothing else depends on it.)
pub fn client_no_evict(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if eq(&argv[2], "on") {
        ctx.client().no_evict = true;
    } else if eq(&argv[2], "off") {
        ctx.client().no_evict = false;
    } else {
        return syntax();
    }
    Reply::ok()
}

/// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p …] [OPTIN] [OPTOUT] [NOLOOP]:
/// client-side caching (see `tracking.rs`), with networking.c's checks in its order.
pub fn client_tracking(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut redir: i64 = 0;
    let (mut bcast, mut optin, mut optout, mut noloop) = (false, false, false, false);
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        let a = &argv[j];
        if eq(a, "redirect") && more {
            j += 1;
            if redir != 0 {
                return Reply::err("ERR A client can only redirect to a single other client");
            }
            redir = match super::int_arg(&argv[j]) {
                Ok(v) => v,
                Err(e) => return e,
            };
            if redir <= 0 || !ctx.core.tracking.exists(redir as u64) {
                return Reply::err("ERR The client ID you want redirect to does not exist");
            }
        } else if eq(a, "bcast") {
            bcast = true;
        } else if eq(a, "optin") {
            optin = true;
        } else if eq(a, "optout") {
            optout = true;
        } else if eq(a, "noloop") {
            noloop = true;
        } else if eq(a, "prefix") && more {
            j += 1;
            prefixes.push(argv[j].clone());
        } else {
            return syntax();
        }
        j += 1;
    }
    let id = ctx.id;
    if eq(&argv[2], "on") {
        if !bcast && !prefixes.is_empty() {
            return Reply::err("ERR PREFIX option requires BCAST mode to be enabled");
        }
        let old = ctx.core.tracking.mode(id).cloned();
        if old.as_ref().is_some_and(|m| m.bcast != bcast) {
            return Reply::err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
        }
        if bcast && (optin || optout) {
            return Reply::err("ERR OPTIN and OPTOUT are not compatible with BCAST");
        }
        if optin && optout {
            return Reply::err("ERR You can't specify both OPTIN mode and OPTOUT mode");
        }
        if old
            .as_ref()
            .is_some_and(|m| (optin && m.optout) || (optout && m.optin))
        {
            return Reply::err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
        }
        if bcast {
            // checkPrefixCollisionsOrReply: no prefix may be a prefix of another, the
            // client's own included. (Redis prints them as C strings.)
            let shown = |p: &[u8]| {
                let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
                String::from_utf8_lossy(&p[..end]).into_owned()
            };
            let overlaps = |a: &[u8], b: &[u8]| {
                let n = a.len().min(b.len());
                a[..n] == b[..n]
            };
            let existing = old.as_ref().map(|m| m.prefixes.clone()).unwrap_or_default();
            for (i, p) in prefixes.iter().enumerate() {
                if let Some(e) = existing.iter().find(|e| overlaps(e, p)) {
                    return Reply::Error(format!(
                        "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                        shown(p),
                        shown(e)
                    ));
                }
                if let Some(q) = prefixes[i + 1..].iter().find(|q| overlaps(p, q)) {
                    return Reply::Error(format!(
                        "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                        shown(p),
                        shown(q)
                    ));
                }
            }
        }
        ctx.core
            .tracking
            .enable(id, redir as u64, bcast, optin, optout, noloop, &prefixes);
    } else if eq(&argv[2], "off") {
        ctx.core.tracking.disable(id);
    } else {
        return syntax();
    }
    Reply::ok()
}

/// CLIENT CACHING YES|NO: whether the next command's reads are tracked (OPTIN/OPTOUT).
pub fn client_caching(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let id = ctx.id;
    let Some(mode) = ctx.core.tracking.mode_mut(id) else {
        return Reply::err("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
    };
    if eq(&argv[2], "yes") {
        if !mode.optin {
            return Reply::err(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            );
        }
    } else if eq(&argv[2], "no") {
        if !mode.optout {
            return Reply::err(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            );
        }
    } else {
        return syntax();
    }
    mode.caching = true;
    Reply::ok()
}

/// CLIENT GETREDIR: the client invalidations go to (0: none), -1 when not tracking.
pub fn client_getredir(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Int(
        ctx.core
            .tracking
            .mode(ctx.id)
            .map_or(-1, |m| m.redirect as i64),
    )
}

/// CLIENT TRACKINGINFO: flags, redirect and prefixes of this connection's tracking.
pub fn client_trackinginfo(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let mode = ctx.core.tracking.mode(ctx.id);
    let word = |w: &str| Reply::Bulk(w.as_bytes().to_vec());
    let mut flags = vec![word(if mode.is_some() { "on" } else { "off" })];
    if let Some(m) = mode {
        if m.bcast {
            flags.push(word("bcast"));
        }
        if m.optin {
            flags.push(word("optin"));
            if m.caching {
                flags.push(word("caching-yes"));
            }
        }
        if m.optout {
            flags.push(word("optout"));
            if m.caching {
                flags.push(word("caching-no"));
            }
        }
        if m.noloop {
            flags.push(word("noloop"));
        }
        if m.broken_redirect {
            flags.push(word("broken_redirect"));
        }
    }
    Reply::Map(vec![
        (word("flags"), Reply::Set(flags)),
        (
            word("redirect"),
            Reply::Int(mode.map_or(-1, |m| m.redirect as i64)),
        ),
        (
            word("prefixes"),
            Reply::Array(
                mode.map(|m| m.prefixes.iter().map(|p| Reply::Bulk(p.clone())).collect())
                    .unwrap_or_default(),
            ),
        ),
    ])
}
