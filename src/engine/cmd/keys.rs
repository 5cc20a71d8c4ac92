//! Keyspace commands (Redis's db.c and object.c): DEL, EXISTS, TYPE, KEYS, SCAN, RENAME,
//! COPY, MOVE, RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, SWAPDB, TOUCH, OBJECT.

use super::{eq, int_arg, syntax};

use crate::engine::reply::errors;
use crate::engine::util::glob_match;
use crate::engine::{Ctx, Reply};

/// An `int` argument (a database index), with Redis's two error texts, or `msg` for both.
pub(crate) fn int32_arg(a: &[u8], msg: Option<&str>) -> Result<i64, Reply> {
    let v = match int_arg(a) {
        Ok(v) => v,
        Err(e) => return Err(msg.map(|m| Reply::Error(format!("ERR {m}"))).unwrap_or(e)),
    };
    if v < i32::MIN as i64 || v > i32::MAX as i64 {
        return Err(msg
            .map(|m| Reply::Error(format!("ERR {m}")))
            .unwrap_or_else(|| {
                Reply::err(
                    "ERR value is out of range, value must between -2147483648 and 2147483647",
                )
            }));
    }
    Ok(v)
}

fn db_index(ctx: &Ctx, v: i64) -> Option<usize> {
    if v >= 0 && (v as usize) < ctx.core.dbs.len() {
        Some(v as usize)
    } else {
        None
    }
}

fn del_generic(ctx: &mut Ctx, argv: &[Vec<u8>], lazy: bool) -> Reply {
    let db = ctx.db();
    let mut n = 0;
    for k in &argv[1..] {
        ctx.core.expire_if_needed(db, k);
        if lazy {
            ctx.core.count_lazyfree(db, k);
        }
        if ctx.core.delete(db, k) {
            ctx.core.notify(db, k, "del");
            ctx.core.stats.dirty += 1;
            n += 1;
        }
    }
    Reply::Int(n)
}

pub fn del(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let lazy = ctx.core.config.lazyfree_user_del;
    del_generic(ctx, argv, lazy)
}

pub fn unlink(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    del_generic(ctx, argv, true)
}

/// Existence check that counts a keyspace hit or miss without touching the key.
fn peek(ctx: &mut Ctx, db: usize, key: &[u8]) -> bool {
    let found = ctx.core.exists(db, key);
    if found {
        ctx.core.stats.keyspace_hits += 1;
    } else {
        ctx.core.stats.keyspace_misses += 1;
    }
    found
}

pub fn exists(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    let n = argv[1..].iter().filter(|k| peek(ctx, db, k)).count();
    Reply::Int(n as i64)
}

pub fn touch(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    let n = argv[1..]
        .iter()
        .filter(|k| ctx.core.lookup_read(db, k).is_some())
        .count();
    Reply::Int(n as i64)
}

pub fn type_(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    if !peek(ctx, db, &argv[1]) {
        return Reply::Status("none".into());
    }
    let t = ctx.core.dbs[db]
        .keys
        .get(&argv[1])
        .map_or("none", |o| o.value.type_name());
    Reply::Status(t.into())
}

pub fn keys(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    let pat = &argv[1];
    let all = pat.as_slice() == b"*";
    let now = ctx.core.now;
    let d = &ctx.core.dbs[db];
    let out = d
        .keys
        .iter()
        .filter(|(k, _)| all || glob_match(pat, k, false))
        .filter(|(k, _)| d.expires.get(k).is_none_or(|&w| w > now))
        .map(|(k, _)| Reply::Bulk(k.to_vec()))
        .collect();
    Reply::Array(out)
}

pub fn scan(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut cursor = match super::scan_cursor(&argv[1]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut typ: Option<&[u8]> = None;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - i;
        if eq(&argv[i], "count") && more >= 2 {
            count = match int_arg(&argv[i + 1]) {
                Ok(v) => v,
                Err(e) => return e,
            };
            if count < 1 {
                return syntax();
            }
        } else if eq(&argv[i], "match") && more >= 2 {
            pattern = Some(&argv[i + 1])
                .filter(|p| p.as_slice() != b"*")
                .map(|p| &p[..]);
        } else if eq(&argv[i], "type") && more >= 2 {
            typ = Some(&argv[i + 1]);
        } else {
            return syntax();
        }
        i += 2;
    }
    let db = ctx.db();
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut budget = count.saturating_mul(10);
    loop {
        cursor = ctx.core.dbs[db]
            .keys
            .scan(cursor, |k, _| found.push(k.to_vec()));
        budget -= 1;
        if cursor == 0 || budget <= 0 || found.len() as i64 >= count {
            break;
        }
    }
    let mut out = Vec::with_capacity(found.len());
    for k in found {
        if pattern.is_some_and(|p| !glob_match(p, &k, false)) {
            continue;
        }
        if let Some(t) = typ {
            let name = ctx.core.dbs[db]
                .keys
                .get(&k)
                .map_or("none", |o| o.value.type_name());
            if !t.eq_ignore_ascii_case(name.as_bytes()) {
                continue;
            }
        }
        if ctx.core.expire_if_needed(db, &k) {
            continue;
        }
        out.push(Reply::Bulk(k));
    }
    Reply::Array(vec![
        Reply::Bulk(cursor.to_string().into_bytes()),
        Reply::Array(out),
    ])
}

fn rename_generic(ctx: &mut Ctx, argv: &[Vec<u8>], nx: bool) -> Reply {
    let (from, to) = (&argv[1], &argv[2]);
    let db = ctx.db();
    if ctx.core.lookup_write(db, from).is_none() {
        return Reply::err(errors::NO_SUCH_KEY);
    }
    if from == to {
        return if nx { Reply::Int(0) } else { Reply::ok() };
    }
    if ctx.core.lookup_write(db, to).is_some() {
        if nx {
            return Reply::Int(0);
        }
        ctx.core.delete(db, to);
    }
    ctx.core.relocate(db, from, db, to);
    ctx.core.notify(db, from, "rename_from");
    ctx.core.notify(db, to, "rename_to");
    ctx.core.stats.dirty += 1;
    if nx {
        Reply::Int(1)
    } else {
        Reply::ok()
    }
}

pub fn rename(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    rename_generic(ctx, argv, false)
}

pub fn renamenx(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    rename_generic(ctx, argv, true)
}

pub fn move_(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if ctx.core.cluster.is_some() {
        return Reply::err("ERR MOVE is not allowed in cluster mode");
    }
    let key = &argv[1];
    let src = ctx.db();
    let dst = match int32_arg(&argv[2], None) {
        Ok(v) => match db_index(ctx, v) {
            Some(d) => d,
            None => return Reply::err(errors::DB_INDEX),
        },
        Err(e) => return e,
    };
    if src == dst {
        return Reply::err(errors::SAME_OBJECT);
    }
    if ctx.core.lookup_write(src, key).is_none() {
        return Reply::Int(0);
    }
    if ctx.core.lookup_write(dst, key).is_some() {
        return Reply::Int(0);
    }
    ctx.core.relocate(src, key, dst, key);
    ctx.core.notify(src, key, "move_from");
    ctx.core.notify(dst, key, "move_to");
    ctx.core.stats.dirty += 1;
    Reply::Int(1)
}

pub fn copy(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let src = ctx.db();
    let mut dst = src;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if eq(&argv[j], "replace") {
            replace = true;
        } else if eq(&argv[j], "db") && more >= 1 {
            match int32_arg(&argv[j + 1], None) {
                Ok(v) => match db_index(ctx, v) {
                    Some(d) => dst = d,
                    None => return Reply::err(errors::DB_INDEX),
                },
                Err(e) => return e,
            }
            j += 1;
        } else {
            return syntax();
        }
        j += 1;
    }
    // As copyCommand: after every option is read.
    if ctx.core.cluster.is_some() && (src != 0 || dst != 0) {
        return Reply::err("ERR Copying to another database is not allowed in cluster mode");
    }
    let (from, to) = (&argv[1], &argv[2]);
    if src == dst && from == to {
        return Reply::err(errors::SAME_OBJECT);
    }
    let Some(obj) = ctx.core.lookup_read(src, from).cloned() else {
        return Reply::Int(0);
    };
    let ttl = ctx.core.dbs[src].ttl_of(from);
    let exists = ctx.core.lookup_write(dst, to).is_some();
    if exists && !replace {
        return Reply::Int(0);
    }
    // RedisBloom's types have no copy callback (`moduleTypeDupOrReply`).
    if obj.value.is_module() {
        return Reply::err("ERR not supported for this module key");
    }
    if exists {
        ctx.core.delete(dst, to);
    }
    ctx.core.add(dst, to, obj.value);
    if let Some(t) = ttl {
        ctx.core.set_expire(dst, to, t);
    }
    ctx.core.notify(dst, to, "copy_to");
    ctx.core.stats.dirty += 1;
    Reply::Int(1)
}

pub fn randomkey(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    use rand::RngExt;
    let db = ctx.db();
    // Expired keys met on the way are deleted, as Redis does; if every key is volatile
    // and stale, give up after a bounded number of tries rather than loop forever.
    for _ in 0..100 {
        let n = ctx.core.dbs[db].keys.len();
        if n == 0 {
            return Reply::Nil;
        }
        let i = ctx.core.rng.random_range(0..n);
        let key = ctx.core.dbs[db].keys.at(i).0.to_vec();
        if !ctx.core.expire_if_needed(db, &key) {
            return Reply::Bulk(key);
        }
    }
    Reply::Nil
}

pub fn dbsize(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    Reply::Int(ctx.core.dbs[db].keys.len() as i64)
}

fn flush_args_ok(argv: &[Vec<u8>]) -> bool {
    argv.len() == 1 || (argv.len() == 2 && (eq(&argv[1], "sync") || eq(&argv[1], "async")))
}

/// Empties one database. Redis sends no keyspace notification for a flush.
pub(crate) fn flush_db(ctx: &mut Ctx, db: usize, lazy: bool) {
    let core = &mut *ctx.core;
    if !core.watches.is_empty() {
        let d = &core.dbs[db];
        core.watches
            .touch_all_in_db(db, &|k| d.keys.get(k).is_some(), None);
    }
    // Clients blocked in XREADGROUP on a key the flush removes fail with -UNBLOCKED
    // (scanDatabaseForDeletedKeys); the ready keys are looked at after the command.
    for key in ctx.core.blocking.keys_in(db) {
        if ctx.core.dbs[db].keys.get(&key).is_some() {
            ctx.core.blocking.signal(db, &key);
        }
    }
    let n = ctx.core.dbs[db].keys.len() as u64;
    if lazy {
        // emptyDbAsync hands every key to the lazyfree thread.
        ctx.core.stats.lazyfreed_objects += n;
    }
    ctx.core.dbs[db].clear();
    ctx.core.stats.dirty += n;
}

/// FLUSHDB/FLUSHALL free in the background with ASYNC, or with no argument under
/// lazyfree-lazy-user-flush (getFlushCommandFlags).
fn flush_async(ctx: &Ctx, argv: &[Vec<u8>]) -> bool {
    match argv.get(1) {
        Some(a) => eq(a, "async"),
        None => ctx.core.config.lazyfree_user_flush,
    }
}

pub fn flushdb(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if !flush_args_ok(argv) {
        return syntax();
    }
    let db = ctx.db();
    let lazy = flush_async(ctx, argv);
    flush_db(ctx, db, lazy);
    ctx.core.invalidate_tracked_all();
    Reply::ok()
}

pub fn flushall(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if !flush_args_ok(argv) {
        return syntax();
    }
    let lazy = flush_async(ctx, argv);
    for db in 0..ctx.core.dbs.len() {
        flush_db(ctx, db, lazy);
    }
    ctx.core.replica_expires.clear();
    ctx.core.invalidate_tracked_all();
    // With save points set, Redis 7.0 writes the (now empty) RDB file at once
    // (`flushAllDataAndResetRDB`), which leaves no change since the last save; without
    // them the keys flushed count as changes. (FLUSHALL is propagated either way.)
    if ctx
        .core
        .config
        .get("save")
        .is_some_and(|s| !s.trim().is_empty())
    {
        let _ = ctx.core.save_now();
    }
    Reply::ok()
}

pub fn swapdb(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    // Not allowed in cluster mode: there is only database 0 there.
    if ctx.core.cluster.is_some() {
        return Reply::err("ERR SWAPDB is not allowed in cluster mode");
    }
    let a = match int32_arg(&argv[1], Some("invalid first DB index")) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let b = match int32_arg(&argv[2], Some("invalid second DB index")) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let (Some(a), Some(b)) = (db_index(ctx, a), db_index(ctx, b)) else {
        return Reply::err(errors::DB_INDEX);
    };
    if a != b {
        // WATCHed keys that exist on either side change (touchAllWatchedKeysInDb).
        let core = &mut *ctx.core;
        if !core.watches.is_empty() {
            let now = core.now;
            let (da, dbb) = (&core.dbs[a], &core.dbs[b]);
            let has = |d: &crate::engine::Db, k: &[u8]| d.keys.get(k).is_some();
            let expired =
                |d: &crate::engine::Db, k: &[u8]| d.expires.get(k).is_some_and(|&w| w <= now);
            core.watches.touch_all_in_db(
                a,
                &|k| has(da, k),
                Some((&|k| has(dbb, k), &|k| expired(dbb, k))),
            );
            core.watches.touch_all_in_db(
                b,
                &|k| has(dbb, k),
                Some((&|k| has(da, k), &|k| expired(da, k))),
            );
        }
        let is_stream = |d: &crate::engine::Db, k: &[u8]| {
            d.keys
                .get(k)
                .is_some_and(|o| matches!(o.value, crate::engine::object::Value::Stream(_)))
        };
        // Streams the swap takes away (scanDatabaseForDeletedKeys): their XREADGROUP
        // clients fail with -UNBLOCKED.
        let mut gone = Vec::new();
        for (db, other) in [(a, b), (b, a)] {
            for key in ctx.core.blocking.keys_in(db) {
                if is_stream(&ctx.core.dbs[db], &key) && !is_stream(&ctx.core.dbs[other], &key) {
                    gone.push((db, key));
                }
            }
        }
        ctx.core.dbs.swap(a, b);
        for (db, key) in gone {
            ctx.core.blocking.signal(db, &key);
        }
        // Clients blocked on a key the swap brought in wake (scanDatabaseForReadyLists).
        for db in [a, b] {
            for key in ctx.core.blocking.keys_in(db) {
                if ctx.core.dbs[db].keys.get(&key).is_some() {
                    ctx.core.blocking.signal(db, &key);
                }
            }
        }
        // A writable replica forgets the TTLs it tracked (Redis's swapdbCommand).
        ctx.core.replica_expires.clear();
    }
    ctx.core.stats.dirty += 1;
    Reply::ok()
}

/// OBJECT's key lookup: lazy expiry, but no LRU/LFU touch (looking must not change what
/// is looked at).
fn object_lookup<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a crate::engine::object::Obj> {
    let db = ctx.db();
    if !peek(ctx, db, key) {
        return None;
    }
    ctx.core.dbs[db].keys.get(key)
}

/// `MEMORY USAGE key [SAMPLES count]`: the key's share of the memory model, counted as
/// Redis counts it here (value, key string, a bare table entry; no bucket, no TTL entry).
/// Our sizes are exact sums, so SAMPLES is checked and otherwise has nothing to do.
pub fn memory_usage(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut j = 3;
    while j < argv.len() {
        if argv[j].eq_ignore_ascii_case(b"samples") && j + 1 < argv.len() {
            match crate::engine::util::parse_i64(&argv[j + 1]) {
                Some(n) if n >= 0 => {}
                Some(_) => return Reply::err("ERR syntax error"),
                None => return Reply::err("ERR value is not an integer or out of range"),
            }
            j += 2;
        } else {
            return Reply::err("ERR syntax error");
        }
    }
    let db = ctx.db();
    let Some(o) = ctx.core.dbs[db].keys.get(&argv[2]) else {
        return Reply::Nil;
    };
    use crate::engine::inspect::{key_sds_size, value_bytes, DICT_ENTRY};
    // In cluster mode the entry carries the slot list's links (dictMetadataSize).
    let meta = if ctx.core.cluster.is_some() {
        u64::from(crate::engine::cluster::PER_KEY_SLOT_OVERHEAD)
    } else {
        0
    };
    Reply::Int(
        (value_bytes(&o.value) + key_sds_size(argv[2].len() as u64) + DICT_ENTRY + meta) as i64,
    )
}

pub fn object_encoding(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match object_lookup(ctx, &argv[2]) {
        Some(o) => Reply::bulk(o.value.encoding_name()),
        None => Reply::Nil,
    }
}

pub fn object_refcount(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let policy = ctx.core.config.policy;
    let maxmemory = ctx.core.config.maxmemory;
    match object_lookup(ctx, &argv[2]) {
        Some(o) => {
            // Small integers are shared objects unless an LRU/LFU policy needs each key
            // to carry its own access time.
            let shared = crate::engine::object::is_shared_integer(
                &o.value,
                maxmemory,
                policy.is_lru() || policy.is_lfu(),
            );
            Reply::Int(if shared { i32::MAX as i64 } else { 1 })
        }
        None => Reply::Nil,
    }
}

pub fn object_idletime(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let Some(access) = object_lookup(ctx, &argv[2]).map(|o| o.access) else {
        return Reply::Nil;
    };
    if ctx.core.config.policy.is_lfu() {
        return Reply::err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    Reply::Int((ctx.core.idle_ms(access.clock) / 1000) as i64)
}

pub fn object_freq(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let Some(access) = object_lookup(ctx, &argv[2]).map(|o| o.access) else {
        return Reply::Nil;
    };
    if !ctx.core.config.policy.is_lfu() {
        return Reply::err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    Reply::Int(ctx.core.lfu_decayed(access.lfu) as i64)
}

pub fn object_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    super::server::help_reply(
        &argv[0],
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    )
}
