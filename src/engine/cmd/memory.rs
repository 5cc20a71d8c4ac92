//! MEMORY STATS, DOCTOR, PURGE, MALLOC-STATS and HELP (MEMORY USAGE lives with the other
//! per-key commands in `keys.rs`).
//!
//! The figures come from [`Core::memory_report`], our model of Redis's memory overhead
//! breakdown: see `inspect.rs` for what each part is charged and how the resident size
//! ("RSS") and the fragmentation ratio are defined here.

use super::super::inspect::MemoryReport;
use super::super::{Ctx, Reply};
use super::server::help_reply;

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

/// Redis computes its ratios as C `float`s and sends them as doubles: the same digits.
fn ratio(a: u64, b: u64) -> Reply {
    Reply::Double(f64::from(a as f32 / b.max(1) as f32))
}

pub fn memory_stats(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let m = ctx.core.memory_report();
    let int = |n: u64| Reply::Int(n.min(i64::MAX as u64) as i64);
    let mut map = vec![
        (bulk("peak.allocated"), int(m.peak)),
        (bulk("total.allocated"), int(m.total)),
        (bulk("startup.allocated"), int(m.startup)),
        (bulk("replication.backlog"), int(0)),
        (bulk("clients.slaves"), int(0)),
        (bulk("clients.normal"), int(m.clients_normal)),
        (bulk("cluster.links"), int(0)),
        (bulk("aof.buffer"), int(0)),
        (bulk("lua.caches"), int(0)),
        (bulk("functions.caches"), int(m.functions)),
    ];
    for d in &m.dbs {
        map.push((
            bulk(&format!("db.{}", d.db)),
            Reply::Map(vec![
                (bulk("overhead.hashtable.main"), int(d.main)),
                (bulk("overhead.hashtable.expires"), int(d.expires)),
                (bulk("overhead.hashtable.slot-to-keys"), int(0)),
            ]),
        ));
    }
    let net = m.net_usage();
    map.extend([
        (bulk("overhead.total"), int(m.overhead)),
        (bulk("keys.count"), int(m.keys)),
        (
            bulk("keys.bytes-per-key"),
            int(net.checked_div(m.keys).unwrap_or(0)),
        ),
        (bulk("dataset.bytes"), int(m.dataset())),
        (bulk("dataset.percentage"), ratio(m.dataset() * 100, net)),
        (bulk("peak.percentage"), ratio(m.total * 100, m.peak)),
        (bulk("allocator.allocated"), int(m.total)),
        (bulk("allocator.active"), int(m.total)),
        (bulk("allocator.resident"), int(m.rss)),
        (bulk("allocator-fragmentation.ratio"), ratio(1, 1)),
        (bulk("allocator-fragmentation.bytes"), int(0)),
        (bulk("allocator-rss.ratio"), ratio(m.rss, m.total)),
        (bulk("allocator-rss.bytes"), int(m.rss - m.total)),
        (bulk("rss-overhead.ratio"), ratio(1, 1)),
        (bulk("rss-overhead.bytes"), int(0)),
        (bulk("fragmentation"), ratio(m.rss, m.total)),
        (bulk("fragmentation.bytes"), int(m.rss - m.total)),
    ]);
    Reply::Map(map)
}

/// Issues MEMORY DOCTOR reports on, with Redis's wording (the reply is its interface).
const DOCTOR_EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const DOCTOR_FINE: &str = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const DOCTOR_HEAD: &str =
    "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
const DOCTOR_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n";
const DOCTOR_RSS: &str = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"{alloc}\".\n\n";
const DOCTOR_ALLOC_RSS: &str = " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n";
const DOCTOR_TAIL: &str = "I'm here to keep you safe, Sam. I want to help you.\n";

/// Below this much used memory the doctor declines to diagnose.
const DOCTOR_MIN_MEMORY: u64 = 5 << 20;
/// Excess resident memory that counts as an issue (with a ratio above the thresholds).
const DOCTOR_MIN_EXCESS: u64 = 10 << 20;

/// The doctor's report for a memory breakdown: empty, fine, or the list of issues.
pub fn doctor_report(m: &MemoryReport) -> String {
    if m.total < DOCTOR_MIN_MEMORY {
        return DOCTOR_EMPTY.into();
    }
    let big_peak = m.peak as f32 / m.total as f32 > 1.5;
    let excess = m.rss - m.total;
    let frag = m.rss as f32 / m.total as f32;
    let high_rss = frag > 1.4 && excess > DOCTOR_MIN_EXCESS;
    let high_alloc_rss = frag > 1.1 && excess > DOCTOR_MIN_EXCESS;
    if !(big_peak || high_rss || high_alloc_rss) {
        return DOCTOR_FINE.into();
    }
    let mut s = String::from(DOCTOR_HEAD);
    for (on, text) in [
        (big_peak, DOCTOR_PEAK),
        (high_rss, &DOCTOR_RSS.replace("{alloc}", allocator_name())),
        (high_alloc_rss, DOCTOR_ALLOC_RSS),
    ] {
        if on {
            s.push_str(text);
        }
    }
    s.push_str(DOCTOR_TAIL);
    s
}

pub fn memory_doctor(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let report = doctor_report(&ctx.core.memory_report());
    Reply::Verbatim("txt", report.into_bytes())
}

/// Our "allocator" gives back the pages it kept since the last peak (see `inspect.rs`).
pub fn memory_purge(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    ctx.core.purge_memory();
    Reply::ok()
}

/// The allocator INFO names: the C library's natively, the browser's in WebAssembly.
pub fn allocator_name() -> &'static str {
    if cfg!(target_arch = "wasm32") {
        "wasm"
    } else {
        "libc"
    }
}

/// What redis-server answers when built without jemalloc.
pub fn memory_malloc_stats(_ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    bulk("Stats not supported for the current allocator")
}

pub fn memory_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    help_reply(
        &argv[0],
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    )
}
