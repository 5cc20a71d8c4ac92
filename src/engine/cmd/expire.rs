//! TTL commands (Redis's expire.c): EXPIRE and friends, TTL/PTTL, EXPIRETIME, PERSIST.

use super::int_arg;
use crate::engine::{Ctx, Reply};

/// EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT. `base` is added to the argument (now, or 0 for the
/// absolute forms); `seconds` scales it.
fn expire_generic(ctx: &mut Ctx, argv: &[Vec<u8>], base: i64, seconds: bool, cmd: &str) -> Reply {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &argv[3..] {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => nx = true,
            b"xx" => xx = true,
            b"gt" => gt = true,
            b"lt" => lt = true,
            _ => {
                return Reply::Error(format!(
                    "ERR Unsupported option {}",
                    String::from_utf8_lossy(opt)
                ))
            }
        }
    }
    if nx && (xx || gt || lt) {
        return Reply::err("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if gt && lt {
        return Reply::err("ERR GT and LT options at the same time are not compatible");
    }
    let mut when = match int_arg(&argv[2]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let invalid = || Reply::Error(format!("ERR invalid expire time in '{cmd}' command"));
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return invalid();
        }
        when *= 1000;
    }
    if when > i64::MAX - base {
        return invalid();
    }
    when += base;
    let key = &argv[1];
    let db = ctx.db();
    if ctx.core.lookup_write(db, key).is_none() {
        return Reply::Int(0);
    }
    let current = ctx.core.dbs[db].ttl_of(key);
    if nx && current.is_some() {
        return Reply::Int(0);
    }
    if xx && current.is_none() {
        return Reply::Int(0);
    }
    if gt && current.is_none_or(|c| when <= c) {
        return Reply::Int(0);
    }
    if lt && current.is_some_and(|c| when >= c) {
        return Reply::Int(0);
    }
    ctx.core.stats.dirty += 1;
    if when <= ctx.core.now {
        ctx.core.delete(db, key);
        ctx.core.notify(db, key, "del");
    } else {
        ctx.core.set_expire(db, key, when);
        ctx.core.notify(db, key, "expire");
    }
    Reply::Int(1)
}

pub fn expire(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let now = ctx.core.now;
    expire_generic(ctx, argv, now, true, "expire")
}

pub fn pexpire(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let now = ctx.core.now;
    expire_generic(ctx, argv, now, false, "pexpire")
}

pub fn expireat(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    expire_generic(ctx, argv, 0, true, "expireat")
}

pub fn pexpireat(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    expire_generic(ctx, argv, 0, false, "pexpireat")
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 without TTL; seconds are
/// rounded to the nearest second as Redis does.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], ms: bool, absolute: bool) -> Reply {
    let db = ctx.db();
    if !ctx.core.exists(db, key) {
        ctx.core.stats.keyspace_misses += 1;
        return Reply::Int(-2);
    }
    ctx.core.stats.keyspace_hits += 1;
    let Some(when) = ctx.core.dbs[db].ttl_of(key) else {
        return Reply::Int(-1);
    };
    let t = if absolute { when } else { when - ctx.core.now }.max(0);
    Reply::Int(if ms { t } else { (t + 500) / 1000 })
}

pub fn ttl(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ttl_generic(ctx, &argv[1], false, false)
}

pub fn pttl(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ttl_generic(ctx, &argv[1], true, false)
}

pub fn expiretime(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ttl_generic(ctx, &argv[1], false, true)
}

pub fn pexpiretime(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ttl_generic(ctx, &argv[1], true, true)
}

pub fn persist(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let db = ctx.db();
    if ctx.core.lookup_write(db, key).is_none() {
        return Reply::Int(0);
    }
    if ctx.core.persist(db, key) {
        ctx.core.notify(db, key, "persist");
        ctx.core.stats.dirty += 1;
        Reply::Int(1)
    } else {
        Reply::Int(0)
    }
}
