//! Stream commands: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD XREADGROUP XACK XPENDING
//! XCLAIM XAUTOCLAIM XSETID, the XGROUP and XINFO containers, and the serving of clients
//! blocked in XREAD / XREADGROUP, as Redis 7.0's t_stream.c and blocked.c answer them.

use super::{eq, int_arg, syntax, wrongtype};
use crate::engine::object::Value;
use crate::engine::reply::errors;
use crate::engine::stream::{
    parse_id, AddError, Group, Nack, Pairs, ParsedId, Stream, StreamId, Trim,
};
use crate::engine::{Ctx, Reply};

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";
/// XREAD BLOCK without COUNT serves at most this many entries (XREAD_BLOCKED_DEFAULT_COUNT).
const BLOCKED_DEFAULT_COUNT: usize = 1000;

fn sread<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Stream>, Reply> {
    super::read_as(ctx, key, Value::as_stream)
}

fn swrite<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Stream>, Reply> {
    super::write_as(ctx, key, Value::as_stream_mut)
}

/// The stream at `key` for changing in place, without lookup side effects (the caller
/// looked it up already).
fn stream_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut Stream> {
    let db = ctx.db();
    match ctx.core.value_mut(db, key) {
        Some(Value::Stream(s)) => Some(s),
        _ => None,
    }
}

fn stream_ref<'a>(ctx: &'a Ctx, key: &[u8]) -> Option<&'a Stream> {
    match ctx.core.dbs[ctx.db()].keys.get(key).map(|o| &o.value) {
        Some(Value::Stream(s)) => Some(s),
        _ => None,
    }
}

fn now(ctx: &Ctx) -> i64 {
    ctx.core.now
}

fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(id.text())
}

fn entry_reply(id: StreamId, pairs: Pairs) -> Reply {
    let mut kv = Vec::with_capacity(pairs.len() * 2);
    for (f, v) in pairs {
        kv.push(Reply::Bulk(f));
        kv.push(Reply::Bulk(v));
    }
    Reply::Array(vec![id_reply(id), Reply::Array(kv)])
}

fn entries_reply(v: Vec<(StreamId, Pairs)>) -> Reply {
    Reply::Array(v.into_iter().map(|(i, p)| entry_reply(i, p)).collect())
}

/// A strict ID (no `-` / `+`).
fn strict_id(a: &[u8]) -> Result<StreamId, Reply> {
    parse_id(a, 0, true, false)
        .map(|p| p.id)
        .ok_or_else(|| Reply::err(INVALID_ID))
}

/// Several complete IDs (XDEL, XACK), or the first one's error.
fn strict_ids(args: &[Vec<u8>]) -> Result<Vec<StreamId>, Reply> {
    args.iter().map(|a| strict_id(a)).collect()
}

/// A range bound (`streamParseIntervalIDOrReply`): `(` makes it exclusive.
fn interval_id(a: &[u8], missing_seq: u64) -> Result<(StreamId, bool), Reply> {
    if a.len() > 1 && a[0] == b'(' {
        let id =
            parse_id(&a[1..], missing_seq, true, false).ok_or_else(|| Reply::err(INVALID_ID))?;
        Ok((id.id, true))
    } else {
        let id = parse_id(a, missing_seq, false, false).ok_or_else(|| Reply::err(INVALID_ID))?;
        Ok((id.id, false))
    }
}

/// The start of a range: inclusive, or the ID after an exclusive bound.
fn range_start(a: &[u8]) -> Result<StreamId, Reply> {
    let (id, ex) = interval_id(a, 0)?;
    if ex {
        return id
            .incr()
            .ok_or_else(|| Reply::err("ERR invalid start ID for the interval"));
    }
    Ok(id)
}

fn range_end(a: &[u8]) -> Result<StreamId, Reply> {
    let (id, ex) = interval_id(a, u64::MAX)?;
    if ex {
        return id
            .decr()
            .ok_or_else(|| Reply::err("ERR invalid end ID for the interval"));
    }
    Ok(id)
}

/// `getLongLongFromObjectOrReply` with a custom message.
fn ll_arg(a: &[u8], msg: &str) -> Result<i64, Reply> {
    crate::engine::util::parse_i64(a).ok_or_else(|| Reply::Error(format!("ERR {msg}")))
}

/// `addReplySubcommandSyntaxError`.
fn subcommand_error(argv: &[Vec<u8>]) -> Reply {
    Reply::Error(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        String::from_utf8_lossy(&argv[1])
            .chars()
            .take(128)
            .collect::<String>(),
        String::from_utf8_lossy(&argv[0]).to_ascii_uppercase()
    ))
}

fn nogroup_key(key: &[u8], group: &[u8]) -> Reply {
    Reply::Error(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        String::from_utf8_lossy(key),
        String::from_utf8_lossy(group)
    ))
}

// ---------------------------------------------------------------------------------------
// XADD / XTRIM
// ---------------------------------------------------------------------------------------

struct TrimArgs {
    trim: Option<Trim>,
    approx: bool,
    limit: u64,
    nomkstream: bool,
    id: Option<ParsedId>,
    /// XADD: where the ID argument is.
    idpos: usize,
}

/// MAXLEN or MINID at `i` (one of them only), then an optional `~` or `=`: records the
/// strategy and returns the index of the argument before the threshold.
fn trim_strategy(
    argv: &[Vec<u8>],
    mut i: usize,
    more: usize,
    a: &mut TrimArgs,
) -> Result<usize, Reply> {
    if a.trim.is_some() {
        return Err(Reply::err(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
        ));
    }
    a.approx = false;
    let next = &argv[i + 1];
    if more >= 2 && next == b"~" {
        a.approx = true;
        i += 1;
    } else if more >= 2 && next == b"=" {
        i += 1;
    }
    Ok(i)
}

/// `streamParseAddOrTrimArgsOrReply`.
fn trim_args(ctx: &Ctx, argv: &[Vec<u8>], xadd: bool) -> Result<TrimArgs, Reply> {
    let mut a = TrimArgs {
        trim: None,
        approx: false,
        limit: 0,
        nomkstream: false,
        id: None,
        idpos: argv.len(),
    };
    let mut limit_given = false;
    let argc = argv.len();
    let mut i = 2;
    while i < argc {
        let more = argc - 1 - i;
        let opt = &argv[i];
        if xadd && opt == b"*" {
            break;
        } else if eq(opt, "maxlen") && more > 0 {
            i = trim_strategy(argv, i, more, &mut a)?;
            let n = int_arg(&argv[i + 1])?;
            if n < 0 {
                return Err(Reply::err("ERR The MAXLEN argument must be >= 0."));
            }
            i += 1;
            a.trim = Some(Trim::MaxLen(n as u64));
        } else if eq(opt, "minid") && more > 0 {
            i = trim_strategy(argv, i, more, &mut a)?;
            let id = strict_id(&argv[i + 1])?;
            i += 1;
            a.trim = Some(Trim::MinId(id));
        } else if eq(opt, "limit") && more > 0 {
            let n = int_arg(&argv[i + 1])?;
            if n < 0 {
                return Err(Reply::err("ERR The LIMIT argument must be >= 0."));
            }
            a.limit = n as u64;
            limit_given = true;
            i += 1;
        } else if xadd && eq(opt, "nomkstream") {
            a.nomkstream = true;
        } else if xadd {
            let p = parse_id(opt, 0, true, true).ok_or_else(|| Reply::err(INVALID_ID))?;
            a.id = Some(p);
            break;
        } else {
            return Err(syntax());
        }
        i += 1;
    }
    a.idpos = i;
    if a.limit != 0 && a.trim.is_none() {
        return Err(Reply::err(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && a.trim.is_none() {
        return Err(Reply::err(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if limit_given {
        if !a.approx {
            return Err(Reply::err(
                "ERR syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
    } else if a.approx {
        let per_node = ctx.core.config.stream_node_max_entries;
        let l = per_node.saturating_mul(100);
        a.limit = if l <= 0 { 10_000 } else { l.min(1_000_000) } as u64;
    } else {
        a.limit = 0;
    }
    Ok(a)
}

pub fn xadd(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let a = match trim_args(ctx, argv, true) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let field_pos = a.idpos + 1;
    if argv.len() < field_pos + 2 || (argv.len() - field_pos) % 2 == 1 {
        return Reply::err("ERR wrong number of arguments for 'xadd' command");
    }
    if let Some(p) = a.id {
        if p.seq_given && p.id.is_zero() {
            return Reply::err("ERR The ID specified in XADD must be greater than 0-0");
        }
    }
    let key = &argv[1];
    let db = ctx.db();
    match swrite(ctx, key) {
        Err(e) => return e,
        Ok(Some(_)) => {}
        Ok(None) if a.nomkstream => return Reply::Nil,
        Ok(None) => ctx.core.add(db, key, Value::Stream(Box::default())),
    }
    let (max_bytes, max_entries) = (
        ctx.core.config.stream_node_max_bytes,
        ctx.core.config.stream_node_max_entries,
    );
    let now_ms = now(ctx).max(0) as u64;
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    if s.last_id == StreamId::MAX {
        return Reply::err(
            "ERR The stream has exhausted the last possible ID, unable to add more items",
        );
    }
    let id =
        match s.add(&argv[field_pos..], a.id, now_ms, max_bytes, max_entries) {
            Ok(id) => id,
            Err(AddError::NotGreater) => return Reply::err(
                "ERR The ID specified in XADD is equal or smaller than the target stream top item",
            ),
            Err(AddError::SeqExhausted) | Err(AddError::TooLarge) => {
                return Reply::err("ERR Elements are too large to be stored")
            }
        };
    let trimmed = match a.trim {
        Some(t) => s.trim(t, a.approx, a.limit),
        None => 0,
    };
    ctx.core.notify(db, key, "xadd");
    ctx.core.stats.dirty += 1;
    if trimmed > 0 {
        ctx.core.notify(db, key, "xtrim");
    }
    id_reply(id)
}

pub fn xtrim(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let a = match trim_args(ctx, argv, false) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let key = &argv[1];
    let s = match swrite(ctx, key) {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    let n = match a.trim {
        Some(t) => s.trim(t, a.approx, a.limit),
        None => 0,
    };
    if n > 0 {
        let db = ctx.db();
        ctx.core.notify(db, key, "xtrim");
        ctx.core.stats.dirty += n;
    }
    Reply::Int(n as i64)
}

pub fn xlen(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match sread(ctx, &argv[1]) {
        Ok(Some(s)) => Reply::Int(s.len() as i64),
        Ok(None) => Reply::Int(0),
        Err(e) => e,
    }
}

fn xrange_generic(ctx: &mut Ctx, argv: &[Vec<u8>], rev: bool) -> Reply {
    let (sa, ea) = if rev {
        (&argv[3], &argv[2])
    } else {
        (&argv[2], &argv[3])
    };
    let start = match range_start(sa) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let end = match range_end(ea) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if eq(&argv[j], "count") && j + 1 < argv.len() {
            count = match int_arg(&argv[j + 1]) {
                Ok(c) => c.max(0),
                Err(e) => return e,
            };
            j += 2;
        } else {
            return syntax();
        }
    }
    let s = match sread(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::Array(vec![]),
        Err(e) => return e,
    };
    if count == 0 {
        return Reply::NilArray;
    }
    let count = if count < 0 { 0 } else { count as usize };
    entries_reply(s.range(start, end, rev, count))
}

pub fn xrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    xrange_generic(ctx, argv, false)
}

pub fn xrevrange(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    xrange_generic(ctx, argv, true)
}

pub fn xdel(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    match swrite(ctx, key) {
        Ok(Some(_)) => {}
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    }
    let ids = match strict_ids(&argv[2..]) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    let mut deleted = 0u64;
    let mut first_entry = false;
    for id in ids {
        if s.delete(id) {
            if id == s.first_id {
                first_entry = true;
            }
            s.note_deleted(id);
            deleted += 1;
        }
    }
    if deleted > 0 {
        if s.is_empty() {
            s.first_id = StreamId::MIN;
        } else if first_entry {
            s.first_id = s.edge_id(true).unwrap_or(StreamId::MIN);
        }
        let db = ctx.db();
        ctx.core.notify(db, key, "xdel");
        ctx.core.stats.dirty += deleted;
    }
    Reply::Int(deleted as i64)
}

// ---------------------------------------------------------------------------------------
// XREAD / XREADGROUP
// ---------------------------------------------------------------------------------------

struct ReadArgs {
    /// None without BLOCK; Some(None) to wait forever; Some(Some(deadline)).
    block: Option<Option<i64>>,
    count: usize,
    streams_at: usize,
    nkeys: usize,
    group: Option<(Vec<u8>, Vec<u8>)>,
    noack: bool,
}

fn read_args(ctx: &Ctx, argv: &[Vec<u8>]) -> Result<ReadArgs, Reply> {
    let xreadgroup = argv[0].len() == 10;
    let mut r = ReadArgs {
        block: None,
        count: 0,
        streams_at: 0,
        nkeys: 0,
        group: None,
        noack: false,
    };
    let argc = argv.len();
    let mut i = 1;
    while i < argc {
        let more = argc - i - 1;
        let o = &argv[i];
        if eq(o, "block") && more > 0 {
            if ctx.core.running_script.is_some() {
                return Err(Reply::Error(format!(
                    "ERR {} command is not allowed with BLOCK option from scripts",
                    String::from_utf8_lossy(&argv[0])
                )));
            }
            i += 1;
            let t = ll_arg(&argv[i], "timeout is not an integer or out of range")?;
            if t < 0 {
                return Err(Reply::err("ERR timeout is negative"));
            }
            r.block = Some((t > 0).then(|| t.saturating_add(ctx.core.now)));
        } else if eq(o, "count") && more > 0 {
            i += 1;
            let c = int_arg(&argv[i])?;
            r.count = c.max(0).min(isize::MAX as i64) as usize;
        } else if eq(o, "streams") && more > 0 {
            r.streams_at = i + 1;
            let n = argc - r.streams_at;
            if n % 2 != 0 {
                return Err(Reply::err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."));
            }
            r.nkeys = n / 2;
            break;
        } else if eq(o, "group") && more >= 2 {
            if !xreadgroup {
                return Err(Reply::err(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.group = Some((argv[i + 1].clone(), argv[i + 2].clone()));
            i += 2;
        } else if eq(o, "noack") {
            if !xreadgroup {
                return Err(Reply::err(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.noack = true;
        } else {
            return Err(syntax());
        }
        i += 1;
    }
    if r.streams_at == 0 {
        return Err(syntax());
    }
    if xreadgroup && r.group.is_none() {
        return Err(Reply::err("ERR Missing GROUP option for XREADGROUP"));
    }
    Ok(r)
}

/// Serves one stream of a group read: new entries after the group's last delivered ID
/// (`history` false) or the consumer's own pending entries after `start`.
#[allow(clippy::too_many_arguments)]
fn group_read(
    ctx: &mut Ctx,
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    count: usize,
    noack: bool,
    history: bool,
) -> Reply {
    let db = ctx.db();
    let t = now(ctx);
    let Some(s) = stream_mut(ctx, key) else {
        return Reply::Array(vec![]);
    };
    let Some(mut g) = s.groups.remove(group) else {
        return Reply::Array(vec![]);
    };
    let created = match g.consumers.get_mut(consumer) {
        Some(c) => {
            c.seen_time = t;
            false
        }
        None => g.create_consumer(consumer, t),
    };
    // What Redis propagates instead of the XREADGROUP: the consumer's creation under
    // NOACK, an XCLAIM per entry delivered into the PEL, the group's last ID under NOACK.
    let mut props = Vec::new();
    if created && noack {
        props.push(vec![
            b"XGROUP".to_vec(),
            b"CREATECONSUMER".to_vec(),
            key.to_vec(),
            group.to_vec(),
            consumer.to_vec(),
        ]);
    }
    let last_before = g.last_id;
    let reply = if history {
        let ids: Vec<StreamId> = g.consumers[consumer]
            .pel
            .range(start..)
            .take(if count == 0 { usize::MAX } else { count })
            .copied()
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match s.get(id) {
                Some(p) => {
                    if let Some(n) = g.pel.get_mut(&id) {
                        n.delivery_time = t;
                        n.delivery_count += 1;
                    }
                    out.push(entry_reply(id, p));
                }
                None => out.push(Reply::Array(vec![id_reply(id), Reply::NilArray])),
            }
        }
        Reply::Array(out)
    } else {
        let entries = s.range(start, StreamId::MAX, false, count);
        for (id, _) in &entries {
            s.deliver_past(&mut g, *id);
            if !noack {
                match g.pel.get_mut(id) {
                    Some(n) => {
                        n.delivery_time = t;
                        n.delivery_count = 1;
                        g.assign(*id, consumer);
                    }
                    None => {
                        g.pel.insert(
                            *id,
                            Nack {
                                consumer: consumer.to_vec(),
                                delivery_time: t,
                                delivery_count: 1,
                            },
                        );
                        g.assign(*id, consumer);
                    }
                }
                if let Some(n) = g.pel.get(id) {
                    props.push(xclaim_prop(key, group, &g, id.to_string().into_bytes(), n));
                }
            }
        }
        if noack && g.last_id != last_before {
            props.push(setid_prop(key, group, &g));
        }
        entries_reply(entries)
    };
    s.groups.insert(group.to_vec(), g);
    if created {
        ctx.core.notify(db, key, "xgroup-createconsumer");
        ctx.core.stats.dirty += 1;
    }
    ctx.core.stats.dirty += 1;
    also_propagate(ctx, db, props);
    reply
}

/// The top-level XREAD reply: an array of [key, entries] pairs (RESP2) or a map.
fn read_reply(ctx: &Ctx, items: Vec<(Vec<u8>, Reply)>) -> Reply {
    if ctx.client_ref().resp >= 3 {
        Reply::Map(
            items
                .into_iter()
                .map(|(k, v)| (Reply::Bulk(k), v))
                .collect(),
        )
    } else {
        Reply::Array(
            items
                .into_iter()
                .map(|(k, v)| Reply::Array(vec![Reply::Bulk(k), v]))
                .collect(),
        )
    }
}

pub fn xread(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let r = match read_args(ctx, argv) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let xreadgroup = r.group.is_some();
    let keys = &argv[r.streams_at..r.streams_at + r.nkeys];
    let id_args = &argv[r.streams_at + r.nkeys..];
    // Resolve IDs: `$` is the stream's last ID now, `>` (groups) is the group's.
    let mut ids: Vec<StreamId> = Vec::with_capacity(r.nkeys);
    let mut newest: Vec<bool> = Vec::with_capacity(r.nkeys);
    for (key, a) in keys.iter().zip(id_args) {
        let s = match sread(ctx, key) {
            Ok(s) => s,
            Err(e) => return e,
        };
        if let Some((g, _)) = &r.group {
            if !s.is_some_and(|s| s.groups.contains_key(g)) {
                return Reply::Error(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(g)
                ));
            }
        }
        if a == b"$" {
            if xreadgroup {
                return Reply::err("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
            }
            ids.push(s.map_or(StreamId::MIN, |s| s.last_id));
            newest.push(false);
            continue;
        }
        if a == b">" {
            if !xreadgroup {
                return Reply::err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
            }
            ids.push(StreamId::MAX);
            newest.push(true);
            continue;
        }
        match strict_id(a) {
            Ok(id) => ids.push(id),
            Err(e) => return e,
        }
        newest.push(false);
    }
    let mut served: Vec<(Vec<u8>, Reply)> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let Some(s) = stream_ref(ctx, key) else {
            continue;
        };
        let mut gt = ids[i];
        if let Some((g, c)) = &r.group {
            let (g, c) = (g.clone(), c.clone());
            let history = !newest[i];
            if !history {
                let last = s.groups.get(&g).map_or(StreamId::MAX, |g| g.last_id);
                if s.is_empty() || s.last_valid_id() <= last {
                    continue;
                }
                gt = last;
            }
            let start = gt.incr().unwrap_or(StreamId::MAX);
            let reply = group_read(ctx, key, &g, &c, start, r.count, r.noack, history);
            served.push((key.clone(), reply));
        } else {
            if s.is_empty() || s.last_valid_id() <= gt {
                continue;
            }
            let start = gt.incr().unwrap_or(StreamId::MAX);
            let reply = entries_reply(s.range(start, StreamId::MAX, false, r.count));
            served.push((key.clone(), reply));
        }
    }
    if !served.is_empty() {
        return read_reply(ctx, served);
    }
    match r.block {
        None => Reply::NilArray,
        Some(deadline) => {
            // Park with `$` replaced by the IDs it stood for now, so that a later XADD
            // is compared with the stream as it was when the client blocked.
            let mut parked = argv.to_vec();
            for (i, a) in id_args.iter().enumerate() {
                if a == b"$" {
                    parked[r.streams_at + r.nkeys + i] = ids[i].text();
                }
            }
            let c = ctx.client();
            c.block_deadline = deadline;
            c.block_argv = Some(parked);
            Reply::Blocked
        }
    }
}

pub fn xreadgroup(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    xread(ctx, argv)
}

/// The keys an XREAD / XREADGROUP waits on: the first half of the arguments after
/// STREAMS (found as the command's parser finds it, so a group or consumer named
/// "streams" is not taken for the keyword).
pub fn blocking_keys(argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if eq(a, "streams") {
            let at = i + 1;
            let n = (argv.len() - at) / 2;
            return argv[at..at + n].to_vec();
        }
        i += if eq(a, "group") {
            3
        } else if eq(a, "block") || eq(a, "count") {
            2
        } else {
            1
        };
    }
    Vec::new()
}

/// Serves a client parked in XREAD / XREADGROUP from the ready `key` (Redis's
/// `serveClientsBlockedOnStreamKey` and `unblockDeletedStreamReadgroupClients`):
/// Some(reply) ends its wait, None leaves it parked.
pub fn serve_blocked(ctx: &mut Ctx, argv: &[Vec<u8>], key: &[u8]) -> Option<Reply> {
    let r = read_args(ctx, argv).ok()?;
    let keys = &argv[r.streams_at..r.streams_at + r.nkeys];
    let i = keys.iter().position(|k| k == key)?;
    let id_arg = &argv[r.streams_at + r.nkeys + i];
    let Some(s) = stream_ref(ctx, key) else {
        return r
            .group
            .is_some()
            .then(|| Reply::err("UNBLOCKED the stream key no longer exists"));
    };
    let count = if r.count == 0 {
        BLOCKED_DEFAULT_COUNT
    } else {
        r.count
    };
    let reply = match &r.group {
        Some((g, c)) => {
            let Some(group) = s.groups.get(g) else {
                return Some(Reply::err(
                    "NOGROUP the consumer group this client was blocked on no longer exists",
                ));
            };
            let gt = group.last_id;
            if s.last_id <= gt {
                return None;
            }
            let (g, c) = (g.clone(), c.clone());
            let start = gt.incr().unwrap_or(StreamId::MAX);
            group_read(ctx, key, &g, &c, start, count, r.noack, false)
        }
        None => {
            let gt = parse_id(id_arg, 0, true, false)?.id;
            if s.last_id <= gt {
                return None;
            }
            let start = gt.incr().unwrap_or(StreamId::MAX);
            entries_reply(s.range(start, StreamId::MAX, false, count))
        }
    };
    Some(read_reply(ctx, vec![(key.to_vec(), reply)]))
}

/// Whether a parked command is a stream read (served by [`serve_blocked`]).
pub fn is_stream_read(argv: &[Vec<u8>]) -> bool {
    argv.first()
        .is_some_and(|a| eq(a, "xread") || eq(a, "xreadgroup"))
}

// ---------------------------------------------------------------------------------------
// XGROUP
// ---------------------------------------------------------------------------------------

/// The shared front of XGROUP's subcommands: options (CREATE, SETID), the key (which
/// must exist unless MKSTREAM), and the group for the subcommands that need it.
struct GroupArgs {
    mkstream: bool,
    entries_read: i64,
    exists: bool,
}

fn group_args(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Result<GroupArgs, Reply> {
    let sub = &argv[1];
    let create = eq(sub, "create");
    let setid = eq(sub, "setid");
    let mut a = GroupArgs {
        mkstream: false,
        entries_read: -1,
        exists: false,
    };
    let mut i = 5;
    while i < argv.len() {
        if create && eq(&argv[i], "mkstream") {
            a.mkstream = true;
            i += 1;
        } else if (create || setid) && eq(&argv[i], "entriesread") && i + 1 < argv.len() {
            let n = int_arg(&argv[i + 1])?;
            if n < 0 && n != -1 {
                return Err(Reply::err(
                    "ERR value for ENTRIESREAD must be positive or -1",
                ));
            }
            a.entries_read = n;
            i += 2;
        } else {
            return Err(subcommand_error(argv));
        }
    }
    let key = &argv[2];
    let s = swrite(ctx, key)?;
    a.exists = s.is_some();
    if !a.mkstream {
        let Some(s) = s else {
            return Err(Reply::err("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
        };
        let needs_group = eq(sub, "setid") || eq(sub, "createconsumer") || eq(sub, "delconsumer");
        if needs_group && !s.groups.contains_key(&argv[3]) {
            return Err(Reply::Error(format!(
                "NOGROUP No such consumer group '{}' for key name '{}'",
                String::from_utf8_lossy(&argv[3]),
                String::from_utf8_lossy(key)
            )));
        }
    }
    Ok(a)
}

pub fn xgroup_create(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let a = match group_args(ctx, argv) {
        Ok(a) => a,
        Err(e) => return e,
    };
    if argv.len() > 8 {
        return subcommand_error(argv);
    }
    let key = &argv[2];
    let db = ctx.db();
    let id = if argv[4] == b"$" {
        stream_ref(ctx, key).map_or(StreamId::MIN, |s| s.last_id)
    } else {
        match strict_id(&argv[4]) {
            Ok(id) => id,
            Err(e) => return e,
        }
    };
    if !a.exists {
        ctx.core.add(db, key, Value::Stream(Box::default()));
    }
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    if s.groups.contains_key(&argv[3]) {
        return Reply::err("BUSYGROUP Consumer Group name already exists");
    }
    s.groups
        .insert(argv[3].clone(), Group::new(id, a.entries_read));
    ctx.core.stats.dirty += 1;
    ctx.core.notify(db, key, "xgroup-create");
    Reply::ok()
}

pub fn xgroup_setid(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let a = match group_args(ctx, argv) {
        Ok(a) => a,
        Err(e) => return e,
    };
    if argv.len() != 5 && argv.len() != 7 {
        return subcommand_error(argv);
    }
    let key = &argv[2];
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    let id = if argv[4] == b"$" {
        s.last_id
    } else {
        match parse_id(&argv[4], 0, false, false) {
            Some(p) => p.id,
            None => return Reply::err(INVALID_ID),
        }
    };
    if let Some(g) = s.groups.get_mut(&argv[3]) {
        g.last_id = id;
        g.entries_read = a.entries_read;
    }
    let db = ctx.db();
    ctx.core.stats.dirty += 1;
    ctx.core.notify(db, key, "xgroup-setid");
    Reply::ok()
}

pub fn xgroup_destroy(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if let Err(e) = group_args(ctx, argv) {
        return e;
    }
    let key = &argv[2];
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    if s.groups.remove(&argv[3]).is_none() {
        return Reply::Int(0);
    }
    let db = ctx.db();
    ctx.core.stats.dirty += 1;
    // The event also wakes XREADGROUP clients blocked on the group, with -NOGROUP.
    ctx.core.notify(db, key, "xgroup-destroy");
    Reply::Int(1)
}

pub fn xgroup_createconsumer(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if let Err(e) = group_args(ctx, argv) {
        return e;
    }
    let key = &argv[2];
    let t = now(ctx);
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    let created = s
        .groups
        .get_mut(&argv[3])
        .is_some_and(|g| g.create_consumer(&argv[4], t));
    if created {
        let db = ctx.db();
        ctx.core.stats.dirty += 1;
        ctx.core.notify(db, key, "xgroup-createconsumer");
    }
    Reply::Int(created as i64)
}

pub fn xgroup_delconsumer(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if let Err(e) = group_args(ctx, argv) {
        return e;
    }
    let key = &argv[2];
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    let pending = s
        .groups
        .get_mut(&argv[3])
        .and_then(|g| g.delete_consumer(&argv[4]));
    match pending {
        Some(n) => {
            let db = ctx.db();
            ctx.core.stats.dirty += 1;
            ctx.core.notify(db, key, "xgroup-delconsumer");
            Reply::Int(n as i64)
        }
        None => Reply::Int(0),
    }
}

pub fn xgroup_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    super::server::help_reply(
        &argv[0],
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    )
}

// ---------------------------------------------------------------------------------------
// XSETID XACK XPENDING XCLAIM XAUTOCLAIM
// ---------------------------------------------------------------------------------------

pub fn xsetid(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let id = match strict_id(&argv[2]) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if eq(&argv[i], "entriesadded") && more > 0 {
            entries_added = match int_arg(&argv[i + 1]) {
                Ok(n) if n < 0 => return Reply::err("ERR entries_added must be positive"),
                Ok(n) => n,
                Err(e) => return e,
            };
            i += 2;
        } else if eq(&argv[i], "maxdeletedid") && more > 0 {
            max_xdel = match strict_id(&argv[i + 1]) {
                Ok(m) => m,
                Err(e) => return e,
            };
            if id < max_xdel {
                return Reply::err(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                );
            }
            i += 2;
        } else {
            return syntax();
        }
    }
    let key = &argv[1];
    let s = match swrite(ctx, key) {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::err(errors::NO_SUCH_KEY),
        Err(e) => return e,
    };
    if !s.is_empty() {
        if id < s.last_valid_id() {
            return Reply::err(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            );
        }
        if entries_added != -1 && s.len() > entries_added as u64 {
            return Reply::err(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            );
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        s.max_deleted_entry_id = max_xdel;
    }
    let db = ctx.db();
    ctx.core.stats.dirty += 1;
    ctx.core.notify(db, key, "xsetid");
    Reply::ok()
}

/// Whether the stream at `key` has the group (false for a missing key), or WRONGTYPE.
fn has_group(ctx: &mut Ctx, key: &[u8], group: &[u8]) -> Result<bool, Reply> {
    Ok(sread(ctx, key)?.is_some_and(|s| s.groups.contains_key(group)))
}

pub fn xack(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let has_group = match has_group(ctx, key, &argv[2]) {
        Ok(g) => g,
        Err(e) => return e,
    };
    if !has_group {
        return Reply::Int(0);
    }
    let ids = match strict_ids(&argv[3..]) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let Some(s) = stream_mut(ctx, key) else {
        return Reply::Int(0);
    };
    let Some(g) = s.groups.get_mut(&argv[2]) else {
        return Reply::Int(0);
    };
    let mut n = 0;
    for id in ids {
        if g.ack(id) {
            n += 1;
        }
    }
    ctx.core.stats.dirty += n;
    Reply::Int(n as i64)
}

pub fn xpending(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    let justinfo = argc == 3;
    if argc != 3 && !(6..=9).contains(&argc) {
        return syntax();
    }
    let mut count: i64 = 0;
    let mut minidle: i64 = 0;
    let mut start = StreamId::MIN;
    let mut end = StreamId::MAX;
    let mut consumer: Option<&Vec<u8>> = None;
    if argc >= 6 {
        let mut at = 3;
        if eq(&argv[3], "idle") {
            minidle = match int_arg(&argv[4]) {
                Ok(v) => v,
                Err(e) => return e,
            };
            if argc < 8 {
                return syntax();
            }
            at += 2;
        }
        count = match int_arg(&argv[at + 2]) {
            Ok(v) => v.max(0),
            Err(e) => return e,
        };
        start = match range_start(&argv[at]) {
            Ok(v) => v,
            Err(e) => return e,
        };
        end = match range_end(&argv[at + 1]) {
            Ok(v) => v,
            Err(e) => return e,
        };
        if at + 3 < argc {
            consumer = Some(&argv[at + 3]);
        }
    }
    let t = now(ctx);
    let s = match sread(ctx, &argv[1]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Some(g) = s.and_then(|s| s.groups.get(&argv[2])) else {
        return nogroup_key(&argv[1], &argv[2]);
    };
    if justinfo {
        if g.pel.is_empty() {
            return Reply::Array(vec![Reply::Int(0), Reply::Nil, Reply::Nil, Reply::NilArray]);
        }
        let first = *g.pel.keys().next().unwrap_or(&StreamId::MIN);
        let last = *g.pel.keys().next_back().unwrap_or(&StreamId::MIN);
        let consumers = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .map(|(n, c)| {
                Reply::Array(vec![
                    Reply::Bulk(n.clone()),
                    Reply::Bulk(c.pel.len().to_string().into_bytes()),
                ])
            })
            .collect();
        return Reply::Array(vec![
            Reply::Int(g.pel.len() as i64),
            id_reply(first),
            id_reply(last),
            Reply::Array(consumers),
        ]);
    }
    let ids: Vec<StreamId> = match consumer {
        Some(name) => match g.consumers.get(name) {
            None => return Reply::Array(vec![]),
            Some(c) => {
                if start > end {
                    Vec::new()
                } else {
                    c.pel.range(start..=end).copied().collect()
                }
            }
        },
        None => {
            if start > end {
                Vec::new()
            } else {
                g.pel.range(start..=end).map(|(k, _)| *k).collect()
            }
        }
    };
    let mut out = Vec::new();
    for id in ids {
        if count == 0 {
            break;
        }
        let Some(n) = g.pel.get(&id) else {
            continue;
        };
        let idle = t.wrapping_sub(n.delivery_time);
        if minidle != 0 && idle < minidle {
            continue;
        }
        count -= 1;
        out.push(Reply::Array(vec![
            id_reply(id),
            Reply::Bulk(n.consumer.clone()),
            Reply::Int(idle.max(0)),
            Reply::Int(n.delivery_count as i64),
        ]));
    }
    Reply::Array(out)
}

/// Looks a consumer up for a claim (refreshing its seen time) or creates it; true if
/// it was created.
fn claim_consumer(g: &mut Group, name: &[u8], t: i64) -> bool {
    match g.consumers.get_mut(name) {
        Some(c) => {
            c.seen_time = t;
            false
        }
        None => g.create_consumer(name, t),
    }
}

/// What Redis propagates (to the AOF and replicas) for a pending entry a group read or
/// a claim created or changed, `streamPropagateXCLAIM`: an XCLAIM that sets the entry's
/// owner, delivery time and count whatever the replica's state, and the group's last ID.
fn xclaim_prop(key: &[u8], group: &[u8], g: &Group, id: Vec<u8>, n: &Nack) -> Vec<Vec<u8>> {
    vec![
        b"XCLAIM".to_vec(),
        key.to_vec(),
        group.to_vec(),
        n.consumer.clone(),
        b"0".to_vec(),
        id,
        b"TIME".to_vec(),
        n.delivery_time.to_string().into_bytes(),
        b"RETRYCOUNT".to_vec(),
        n.delivery_count.to_string().into_bytes(),
        b"FORCE".to_vec(),
        b"JUSTID".to_vec(),
        b"LASTID".to_vec(),
        g.last_id.to_string().into_bytes(),
    ]
}

/// `streamPropagateGroupID`: the group's last ID when no XCLAIM carries it.
fn setid_prop(key: &[u8], group: &[u8], g: &Group) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"SETID".to_vec(),
        key.to_vec(),
        group.to_vec(),
        g.last_id.to_string().into_bytes(),
        b"ENTRIESREAD".to_vec(),
        g.entries_read.to_string().into_bytes(),
    ]
}

/// Pushes what a stream command propagates itself (Redis's `alsoPropagate`; the
/// command's own vector is not propagated, see `aof::propagated`).
fn also_propagate(ctx: &mut Ctx, db: usize, props: Vec<Vec<Vec<u8>>>) {
    for p in props {
        ctx.core.prop.push(db, p);
    }
}

pub fn xclaim(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let has_group = match has_group(ctx, key, &argv[2]) {
        Ok(g) => g,
        Err(e) => return e,
    };
    if !has_group {
        return nogroup_key(key, &argv[2]);
    }
    let minidle = match ll_arg(&argv[4], "Invalid min-idle-time argument for XCLAIM") {
        Ok(v) => v.max(0),
        Err(e) => return e,
    };
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match parse_id(&argv[j], 0, true, false) {
            Some(p) => ids.push(p.id),
            None => break,
        }
        j += 1;
    }
    let t = now(ctx);
    let mut force = false;
    let mut justid = false;
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j];
        if eq(opt, "force") {
            force = true;
        } else if eq(opt, "justid") {
            justid = true;
        } else if eq(opt, "idle") && more > 0 {
            j += 1;
            match ll_arg(&argv[j], "Invalid IDLE option argument for XCLAIM") {
                Ok(v) => deliverytime = t.wrapping_sub(v),
                Err(e) => return e,
            }
        } else if eq(opt, "time") && more > 0 {
            j += 1;
            match ll_arg(&argv[j], "Invalid TIME option argument for XCLAIM") {
                Ok(v) => deliverytime = v,
                Err(e) => return e,
            }
        } else if eq(opt, "retrycount") && more > 0 {
            j += 1;
            match ll_arg(&argv[j], "Invalid RETRYCOUNT option argument for XCLAIM") {
                Ok(v) => retrycount = v,
                Err(e) => return e,
            }
        } else if eq(opt, "lastid") && more > 0 {
            j += 1;
            match strict_id(&argv[j]) {
                Ok(v) => last_id = v,
                Err(e) => return e,
            }
        } else {
            return Reply::Error(format!(
                "ERR Unrecognized XCLAIM option '{}'",
                String::from_utf8_lossy(opt)
            ));
        }
        j += 1;
    }
    if deliverytime != -1 {
        if deliverytime < 0 || deliverytime > t {
            deliverytime = t;
        }
    } else {
        deliverytime = t;
    }
    let db = ctx.db();
    let name = &argv[3];
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    let Some(mut g) = s.groups.remove(&argv[2]) else {
        return nogroup_key(key, &argv[2]);
    };
    let mut propagate_last_id = false;
    if last_id > g.last_id {
        g.last_id = last_id;
        propagate_last_id = true;
    }
    let mut created = false;
    let mut have_consumer = false;
    let mut out = Vec::new();
    let mut dirty = 0;
    let mut props = Vec::new();
    for (k, id) in ids.into_iter().enumerate() {
        let entry = s.get(id);
        let Some(pairs) = entry else {
            if let Some(n) = g.pel.get(&id) {
                props.push(xclaim_prop(key, &argv[2], &g, argv[5 + k].clone(), n));
                propagate_last_id = false;
            }
            if g.ack(id) {
                dirty += 1;
            }
            continue;
        };
        let mut fresh = false;
        if !g.pel.contains_key(&id) {
            if !force {
                continue;
            }
            fresh = true;
        }
        if !fresh && minidle != 0 {
            let idle = t.wrapping_sub(g.pel[&id].delivery_time);
            if idle < minidle {
                continue;
            }
        }
        if !have_consumer {
            created |= claim_consumer(&mut g, name, t);
            have_consumer = true;
        }
        let n = g.pel.entry(id).or_insert_with(|| Nack {
            consumer: Vec::new(),
            delivery_time: t,
            delivery_count: 1,
        });
        n.delivery_time = deliverytime;
        if retrycount >= 0 {
            n.delivery_count = retrycount as u64;
        } else if !justid {
            n.delivery_count += 1;
        }
        g.assign(id, name);
        if let Some(n) = g.pel.get(&id) {
            props.push(xclaim_prop(key, &argv[2], &g, argv[5 + k].clone(), n));
            propagate_last_id = false;
        }
        out.push(if justid {
            id_reply(id)
        } else {
            entry_reply(id, pairs)
        });
        dirty += 1;
    }
    if propagate_last_id {
        props.push(setid_prop(key, &argv[2], &g));
        dirty += 1;
    }
    s.groups.insert(argv[2].clone(), g);
    if created {
        ctx.core.notify(db, key, "xgroup-createconsumer");
        dirty += 1;
    }
    ctx.core.stats.dirty += dirty;
    also_propagate(ctx, db, props);
    Reply::Array(out)
}

pub fn xautoclaim(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let minidle = match ll_arg(&argv[4], "Invalid min-idle-time argument for XAUTOCLAIM") {
        Ok(v) => v.max(0),
        Err(e) => return e,
    };
    let start = match range_start(&argv[5]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if eq(&argv[j], "count") && more > 0 {
            let max = i64::MAX / 16;
            count = match crate::engine::util::parse_i64(&argv[j + 1]) {
                Some(c) if (1..=max).contains(&c) => c,
                _ => return Reply::err("ERR COUNT must be > 0"),
            };
            j += 1;
        } else if eq(&argv[j], "justid") {
            justid = true;
        } else {
            return syntax();
        }
        j += 1;
    }
    let has_group = match has_group(ctx, key, &argv[2]) {
        Ok(g) => g,
        Err(e) => return e,
    };
    if !has_group {
        return nogroup_key(key, &argv[2]);
    }
    // Redis allocates room for `count` deleted IDs (16 bytes each) up front; the
    // allocation fails past what a 47-bit address space can map.
    if count > (1 << 43) {
        return Reply::err(
            "ERR Insufficient memory, failed allocating transient memory, COUNT too high.",
        );
    }
    let t = now(ctx);
    let db = ctx.db();
    let name = &argv[3];
    let Some(s) = stream_mut(ctx, key) else {
        return wrongtype();
    };
    let Some(mut g) = s.groups.remove(&argv[2]) else {
        return nogroup_key(key, &argv[2]);
    };
    let mut attempts = count.saturating_mul(10);
    let mut cursor = Some(start);
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut created = false;
    let mut have_consumer = false;
    let mut dirty = 0;
    let mut props = Vec::new();
    while attempts > 0 && count > 0 {
        attempts -= 1;
        let Some(from) = cursor else {
            break;
        };
        let Some((&id, n)) = g.pel.range(from..).next() else {
            cursor = None;
            break;
        };
        cursor = id.incr();
        let Some(pairs) = s.get(id) else {
            if let Some(n) = g.pel.get(&id) {
                props.push(xclaim_prop(
                    key,
                    &argv[2],
                    &g,
                    id.to_string().into_bytes(),
                    n,
                ));
            }
            g.ack(id);
            deleted.push(id_reply(id));
            count -= 1;
            dirty += 1;
            continue;
        };
        if minidle != 0 && t.wrapping_sub(n.delivery_time) < minidle {
            continue;
        }
        if !have_consumer {
            created |= claim_consumer(&mut g, name, t);
            have_consumer = true;
        }
        if let Some(n) = g.pel.get_mut(&id) {
            n.delivery_time = t;
            if !justid {
                n.delivery_count += 1;
            }
        }
        g.assign(id, name);
        if let Some(n) = g.pel.get(&id) {
            props.push(xclaim_prop(
                key,
                &argv[2],
                &g,
                id.to_string().into_bytes(),
                n,
            ));
        }
        claimed.push(if justid {
            id_reply(id)
        } else {
            entry_reply(id, pairs)
        });
        count -= 1;
        dirty += 1;
    }
    let next = cursor
        .and_then(|c| g.pel.range(c..).next().map(|(k, _)| *k))
        .unwrap_or(StreamId::MIN);
    s.groups.insert(argv[2].clone(), g);
    if created {
        ctx.core.notify(db, key, "xgroup-createconsumer");
        dirty += 1;
    }
    ctx.core.stats.dirty += dirty;
    also_propagate(ctx, db, props);
    Reply::Array(vec![
        id_reply(next),
        Reply::Array(claimed),
        Reply::Array(deleted),
    ])
}

// ---------------------------------------------------------------------------------------
// XINFO
// ---------------------------------------------------------------------------------------

fn field(name: &str, v: Reply) -> (Reply, Reply) {
    (Reply::bulk(name), v)
}

fn entries_read_reply(g: &Group) -> Reply {
    if g.entries_read != -1 {
        Reply::Int(g.entries_read)
    } else {
        Reply::Nil
    }
}

fn lag_reply(s: &Stream, g: &Group) -> Reply {
    s.lag(g).map_or(Reply::Nil, Reply::Int)
}

pub fn xinfo_stream(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let s = match sread(ctx, &argv[2]) {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::err(errors::NO_SUCH_KEY),
        Err(e) => return e,
    };
    let opts = &argv[3..];
    let mut count: i64 = 10;
    let full = !opts.is_empty();
    if full {
        if opts.len() != 1 && opts.len() != 3 {
            return subcommand_error(argv);
        }
        if !eq(&opts[0], "full") {
            return subcommand_error(argv);
        }
        if opts.len() == 3 {
            if !eq(&opts[1], "count") {
                return subcommand_error(argv);
            }
            count = match int_arg(&opts[2]) {
                Ok(c) if c < 0 => 10,
                Ok(c) => c,
                Err(e) => return e,
            };
        }
    }
    let mut m = vec![
        field("length", Reply::Int(s.len() as i64)),
        field("radix-tree-keys", Reply::Int(s.nodes.len() as i64)),
        field("radix-tree-nodes", Reply::Int(s.rax_nodes() as i64)),
        field("last-generated-id", id_reply(s.last_id)),
        field("max-deleted-entry-id", id_reply(s.max_deleted_entry_id)),
        field("entries-added", Reply::Int(s.entries_added as i64)),
        field("recorded-first-entry-id", id_reply(s.first_id)),
    ];
    if !full {
        m.push(field("groups", Reply::Int(s.groups.len() as i64)));
        let edge = |rev| {
            s.range(StreamId::MIN, StreamId::MAX, rev, 1)
                .into_iter()
                .next()
                .map_or(Reply::Nil, |(id, p)| entry_reply(id, p))
        };
        m.push(field("first-entry", edge(false)));
        m.push(field("last-entry", edge(true)));
        return Reply::Map(m);
    }
    let limit = count.max(0) as usize;
    let take = |n: usize| if limit == 0 { n } else { n.min(limit) };
    m.push(field(
        "entries",
        entries_reply(s.range(StreamId::MIN, StreamId::MAX, false, limit)),
    ));
    let groups = s
        .groups
        .iter()
        .map(|(name, g)| {
            let pel = g
                .pel
                .iter()
                .take(take(g.pel.len()))
                .map(|(id, n)| {
                    Reply::Array(vec![
                        id_reply(*id),
                        Reply::Bulk(n.consumer.clone()),
                        Reply::Int(n.delivery_time),
                        Reply::Int(n.delivery_count as i64),
                    ])
                })
                .collect();
            let consumers = g
                .consumers
                .iter()
                .map(|(cname, c)| {
                    let pending = c
                        .pel
                        .iter()
                        .take(take(c.pel.len()))
                        .map(|id| {
                            let n = g.pel.get(id);
                            Reply::Array(vec![
                                id_reply(*id),
                                Reply::Int(n.map_or(0, |n| n.delivery_time)),
                                Reply::Int(n.map_or(0, |n| n.delivery_count as i64)),
                            ])
                        })
                        .collect();
                    Reply::Map(vec![
                        field("name", Reply::Bulk(cname.clone())),
                        field("seen-time", Reply::Int(c.seen_time)),
                        field("pel-count", Reply::Int(c.pel.len() as i64)),
                        field("pending", Reply::Array(pending)),
                    ])
                })
                .collect();
            Reply::Map(vec![
                field("name", Reply::Bulk(name.clone())),
                field("last-delivered-id", id_reply(g.last_id)),
                field("entries-read", entries_read_reply(g)),
                field("lag", lag_reply(s, g)),
                field("pel-count", Reply::Int(g.pel.len() as i64)),
                field("pending", Reply::Array(pel)),
                field("consumers", Reply::Array(consumers)),
            ])
        })
        .collect();
    m.push(field("groups", Reply::Array(groups)));
    Reply::Map(m)
}

pub fn xinfo_groups(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let s = match sread(ctx, &argv[2]) {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::err(errors::NO_SUCH_KEY),
        Err(e) => return e,
    };
    Reply::Array(
        s.groups
            .iter()
            .map(|(name, g)| {
                Reply::Map(vec![
                    field("name", Reply::Bulk(name.clone())),
                    field("consumers", Reply::Int(g.consumers.len() as i64)),
                    field("pending", Reply::Int(g.pel.len() as i64)),
                    field("last-delivered-id", id_reply(g.last_id)),
                    field("entries-read", entries_read_reply(g)),
                    field("lag", lag_reply(s, g)),
                ])
            })
            .collect(),
    )
}

pub fn xinfo_consumers(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let t = now(ctx);
    let s = match sread(ctx, &argv[2]) {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::err(errors::NO_SUCH_KEY),
        Err(e) => return e,
    };
    let Some(g) = s.groups.get(&argv[3]) else {
        return Reply::Error(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(&argv[3]),
            String::from_utf8_lossy(&argv[2])
        ));
    };
    Reply::Array(
        g.consumers
            .iter()
            .map(|(name, c)| {
                Reply::Map(vec![
                    field("name", Reply::Bulk(name.clone())),
                    field("pending", Reply::Int(c.pel.len() as i64)),
                    field("idle", Reply::Int(t.wrapping_sub(c.seen_time).max(0))),
                ])
            })
            .collect(),
    )
}

pub fn xinfo_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    super::server::help_reply(
        &argv[0],
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    )
}
