//! DEBUG: the few subcommands a learner benefits from. `DEBUG POPULATE` fills a database
//! quickly (as Redis's own tests do) and `DEBUG SET-ACTIVE-EXPIRE 0|1` switches the active
//! expire cycle off and on, to show lazy expiry alone. Like Redis 7, DEBUG is refused
//! unless `enable-debug-command` allows it (the browser playground allows it; the native
//! server, like redis-server, does not by default).

use super::{eq, int_arg};
use crate::engine::object::Value;
use crate::engine::{Ctx, Reply};

/// DEBUG POPULATE beyond this many keys is refused in the browser, where each key costs
/// the tab's memory; natively the count is unlimited, as in Redis.
#[cfg(target_arch = "wasm32")]
const POPULATE_CAP: Option<i64> = Some(2_000_000);
#[cfg(not(target_arch = "wasm32"))]
const POPULATE_CAP: Option<i64> = None;

/// A non-negative integer; Redis gives one message for every way this can be wrong.
fn positive(a: &[u8]) -> Result<i64, Reply> {
    match int_arg(a) {
        Ok(v) if v >= 0 => Ok(v),
        _ => Err(Reply::err("ERR value is out of range, must be positive")),
    }
}

/// C's `atoi`: leading digits (with an optional sign) and nothing else matters.
fn atoi(a: &[u8]) -> i64 {
    let s = String::from_utf8_lossy(a);
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n: i64 = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| {
            acc.wrapping_mul(10).wrapping_add((d - b'0') as i64)
        });
    if neg {
        -n
    } else {
        n
    }
}

fn subcommand_error(argv: &[Vec<u8>]) -> Reply {
    Reply::Error(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
        String::from_utf8_lossy(&argv[1])
    ))
}

/// DEBUG HELP: Redis 7.0's own lines for the subcommands KV Lab implements, in Redis's
/// order (the others would only answer with an error here).
const HELP: &[&str] = &[
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
];

pub fn debug(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let sub = &argv[1];
    if eq(sub, "help") && argv.len() == 2 {
        return super::server::help_reply(&argv[0], HELP);
    }
    if eq(sub, "populate") && (3..=5).contains(&argv.len()) {
        let count = match positive(&argv[2]) {
            Ok(v) => v,
            Err(e) => return e,
        };
        let size = match argv.get(4).map(|a| positive(a)) {
            Some(Ok(v)) => v as usize,
            Some(Err(e)) => return e,
            None => 0,
        };
        if let Some(cap) = POPULATE_CAP.filter(|&cap| count > cap) {
            return Reply::Error(format!(
                "ERR DEBUG POPULATE is limited to {cap} keys in the playground"
            ));
        }
        if size as u64 > ctx.core.config.playground_value_cap {
            return Reply::err(
                "ERR DEBUG POPULATE value size exceeds the playground's value size limit",
            );
        }
        let prefix = argv.get(3).map_or_else(
            || "key".to_string(),
            |p| String::from_utf8_lossy(p).into_owned(),
        );
        let db = ctx.db();
        for j in 0..count {
            let key = format!("{prefix}:{j}");
            if ctx.core.exists(db, key.as_bytes()) {
                continue;
            }
            let text = format!("value:{j}");
            let value = if size == 0 {
                text.into_bytes()
            } else {
                let mut v = vec![0u8; size];
                let n = size.min(text.len());
                v[..n].copy_from_slice(&text.as_bytes()[..n]);
                v
            };
            ctx.core
                .set_key(db, key.as_bytes(), Value::string_no_int(value), false);
        }
        ctx.core.notify(db, b"", "populate");
        return Reply::ok();
    }
    if eq(sub, "object") && argv.len() == 3 {
        return super::persist::debug_object(ctx, &argv[2]);
    }
    if eq(sub, "crash-and-recover") && argv.len() <= 3 {
        // Redis execs itself without saving: a process crash. Only an engine whose
        // files are its memory (the browser) can do that here.
        if let Some(d) = argv.get(2) {
            if crate::engine::util::parse_i64(d).is_none() {
                return Reply::err("ERR value is not an integer or out of range");
            }
        }
        if ctx.core.persist.host.is_some() || ctx.core.aof_host.is_some() {
            return Reply::err("ERR failed to restart the server. Check server logs.");
        }
        ctx.core.restart_pending = Some(crate::engine::memaof::Crash::Process);
        return Reply::Closed;
    }
    if eq(sub, "reload") {
        return super::persist::debug_reload(ctx, argv);
    }
    if eq(sub, "loadaof") && argv.len() == 2 {
        // Done once the command has run and its writes reached the AOF
        // (`Engine::load_aof_again`).
        ctx.core.loadaof_pending = true;
        return Reply::ok();
    }
    if eq(sub, "config-rewrite-force-all") && argv.len() == 2 {
        return match super::server::rewrite_config(ctx, true) {
            Ok(()) => Reply::ok(),
            Err(e) if e.contains("without a config file") => Reply::Error(e),
            Err(e) => Reply::Error(e.replacen(
                "ERR Rewriting config file",
                "ERR CONFIG-REWRITE-FORCE-ALL failed",
                1,
            )),
        };
    }
    if eq(sub, "sleep") && argv.len() == 3 {
        // Redis reads the seconds with strtod (junk reads as 0) and blocks the whole
        // server meanwhile: the slow command every other client waits for.
        let secs = std::str::from_utf8(&argv[2])
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(0.0);
        #[cfg(not(target_arch = "wasm32"))]
        {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(1e9)));
            return Reply::ok();
        }
        #[cfg(target_arch = "wasm32")]
        {
            let _ = secs;
            return Reply::err(
                "ERR DEBUG SLEEP would freeze the page: not available in the browser",
            );
        }
    }
    if eq(sub, "set-active-expire") && argv.len() == 3 {
        ctx.core.active_expire = atoi(&argv[2]) != 0;
        return Reply::ok();
    }
    subcommand_error(argv)
}
