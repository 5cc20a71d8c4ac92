//! The replication commands of a master: REPLCONF, PSYNC, SYNC, ROLE, WAIT (see
//! `engine/repl.rs` for the stream and the backlog).

use crate::engine::util::parse_i64;
use crate::engine::{Ctx, Reply};

fn lower(a: &[u8]) -> String {
    String::from_utf8_lossy(a).to_ascii_lowercase()
}

/// No reply at all (what a replica's REPLCONF ACK gets).
fn silent() -> Reply {
    Reply::Seq(Vec::new())
}

/// REPLCONF option value ...: what a replica says of itself before PSYNC, and ACK.
pub fn replconf(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() % 2 == 0 {
        return Reply::err("ERR syntax error");
    }
    let id = ctx.id;
    for pair in argv[1..].chunks(2) {
        let (opt, val) = (lower(&pair[0]), &pair[1]);
        match opt.as_str() {
            "listening-port" => {
                let Some(p) = parse_i64(val) else {
                    return Reply::err("ERR value is not an integer or out of range");
                };
                ctx.core.repl.announced.entry(id).or_default().port = p as u16;
            }
            "ip-address" => {
                let ip = String::from_utf8_lossy(val).into_owned();
                if ip.len() >= 46 {
                    return Reply::err(format!(
                        "ERR REPLCONF ip-address provided by replica instance is too long: {} bytes",
                        ip.len()
                    ));
                }
                ctx.core.repl.announced.entry(id).or_default().ip = Some(ip);
            }
            "capa" | "rdb-only" | "rdb-filter-only" => {}
            "ack" => {
                // A replica's acknowledged offset; never a reply.
                let now = ctx.core.now;
                if let Some(off) = parse_i64(val) {
                    if let Some(r) = ctx.core.repl.replicas.iter_mut().find(|r| r.id == id) {
                        if off as u64 > r.ack_off {
                            r.ack_off = off as u64;
                        }
                        r.ack_ms = now;
                        ctx.core.repl.acks_changed = true;
                    }
                }
                return silent();
            }
            // Only a replica answers GETACK (to its master).
            "getack" => return silent(),
            _ => {
                return Reply::err(format!(
                    "ERR Unrecognized REPLCONF option: {}",
                    String::from_utf8_lossy(&pair[0])
                ))
            }
        }
    }
    Reply::ok()
}

/// PSYNC replid offset: a partial resynchronisation from the backlog when it can be,
/// else a full one (the RDB image, then the stream).
pub fn psync(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    sync_common(ctx, Some(argv))
}

/// SYNC: the old full synchronisation (the image without a +FULLRESYNC line).
pub fn sync(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    sync_common(ctx, None)
}

fn sync_common(ctx: &mut Ctx, psync: Option<&[Vec<u8>]>) -> Reply {
    let id = ctx.id;
    // A replica asking again is ignored, as Redis does.
    if ctx.core.repl.is_replica(id) {
        return silent();
    }
    let peer_ip = {
        let addr = &ctx.client_ref().addr;
        match addr.rfind(':') {
            Some(i) => addr[..i].trim_matches(|c| c == '[' || c == ']').to_string(),
            None => addr.clone(),
        }
    };
    let now = ctx.core.now;
    if let Some(argv) = psync {
        let same_id = argv[1] == ctx.core.replid.as_bytes();
        let from = parse_i64(&argv[2]).unwrap_or(-1);
        if same_id && from > 0 {
            if let Some(bytes) = ctx.core.repl.backlog_from(from as u64) {
                let mut first = format!("+CONTINUE {}\r\n", ctx.core.replid).into_bytes();
                first.extend_from_slice(&bytes);
                ctx.core.repl.attach(id, peer_ip, first, now, false);
                ctx.core.repl_started();
                ctx.client().repl_flag = Some('S');
                ctx.core.stats.sync_partial_ok += 1;
                return silent();
            }
        }
        // A failed PSYNC, unless the replica asked for a full one ("?").
        if !argv[1].starts_with(b"?") {
            ctx.core.stats.sync_partial_err += 1;
        }
    }
    ctx.core.stats.sync_full += 1;
    // Full resynchronisation: the backlog starts (if this is the first replica) before
    // the offset is announced, and the image is of this very moment.
    let image = ctx.core.rdb_image();
    let mut first = Vec::with_capacity(image.len() + 64);
    ctx.core.repl.attach(id, peer_ip, Vec::new(), now, true);
    if psync.is_some() {
        first.extend_from_slice(
            format!(
                "+FULLRESYNC {} {}\r\n",
                ctx.core.replid, ctx.core.repl.offset
            )
            .as_bytes(),
        );
    }
    first.extend_from_slice(format!("${}\r\n", image.len()).as_bytes());
    first.extend_from_slice(&image);
    if let Some(r) = ctx.core.repl.replicas.iter_mut().find(|r| r.id == id) {
        r.out = first;
    }
    ctx.core.repl_started();
    ctx.client().repl_flag = Some('S');
    silent()
}

/// REPLICAOF host port | NO ONE (and SLAVEOF): follow a master, or stop following.
/// The host (the server) makes the connection; in the browser there is none, and the
/// link stays down as a Redis that cannot reach its master.
pub fn replicaof(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if ctx.core.cluster.is_some() {
        return Reply::err("ERR REPLICAOF not allowed in cluster mode.");
    }
    let now = ctx.core.now;
    if argv[1].eq_ignore_ascii_case(b"no") && argv[2].eq_ignore_ascii_case(b"one") {
        if ctx.core.repl.master.take().is_some() {
            ctx.core.become_master();
        }
        return Reply::ok();
    }
    if ctx.core.repl.is_replica(ctx.id) {
        return Reply::err("ERR Command is not valid when client is a replica.");
    }
    let port = match parse_i64(&argv[2]) {
        Some(p) if (0..=65535).contains(&p) => p as u16,
        _ => return Reply::err("ERR Invalid master port"),
    };
    let host = String::from_utf8_lossy(&argv[1]).into_owned();
    if let Some(m) = &ctx.core.repl.master {
        if m.host.eq_ignore_ascii_case(&host) && m.port == port {
            return Reply::Status("OK Already connected to specified master".into());
        }
    }
    ctx.core.set_master(host, port, now);
    Reply::ok()
}

/// ROLE: a master, its offset and its replicas; or a replica, its master and its link.
pub fn role(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let r = &ctx.core.repl;
    if let Some(m) = &r.master {
        return Reply::Array(vec![
            Reply::bulk("slave"),
            Reply::bulk(m.host.as_str()),
            Reply::Int(m.port as i64),
            Reply::bulk(m.state),
            Reply::Int(if m.client.is_some() {
                r.offset as i64
            } else {
                -1
            }),
        ]);
    }
    Reply::Array(vec![
        Reply::bulk("master"),
        Reply::Int(r.offset as i64),
        Reply::Array(
            r.replicas
                .iter()
                .map(|s| {
                    Reply::Array(vec![
                        Reply::bulk(s.ip.as_str()),
                        Reply::bulk(s.port.to_string()),
                        Reply::bulk(s.ack_off.to_string()),
                    ])
                })
                .collect(),
        ),
    ])
}

/// WAIT numreplicas timeout: how many replicas acknowledged this client's writes,
/// blocking until enough did or the timeout (milliseconds, 0 for ever) passes.
pub fn wait(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if ctx.core.repl.master.is_some() {
        return Reply::err("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
    }
    let Some(num) = parse_i64(&argv[1]) else {
        return Reply::err("ERR value is not an integer or out of range");
    };
    let Some(timeout) = parse_i64(&argv[2]) else {
        return Reply::err("ERR timeout is not an integer or out of range");
    };
    if timeout < 0 {
        return Reply::err("ERR timeout is negative");
    }
    let id = ctx.id;
    let offset = ctx.core.repl.woff.get(&id).copied().unwrap_or(0);
    let acked = ctx.core.repl.acked(offset);
    if acked >= num || ctx.core.nested > 0 || ctx.client_ref().multi.is_some() {
        return Reply::Int(acked);
    }
    let deadline = (timeout > 0).then(|| ctx.core.now.saturating_add(timeout));
    ctx.client().block_deadline = deadline;
    ctx.core.repl.waiting.push((id, offset, num));
    ctx.core.repl.want_getack = true;
    Reply::Blocked
}
