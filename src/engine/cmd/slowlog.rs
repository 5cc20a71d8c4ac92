//! SLOWLOG GET/LEN/RESET/HELP and LATENCY LATEST/HISTORY/RESET/DOCTOR/HELP. The data
//! lives in `engine::slowlog`; the engine fills it as commands run.

use super::super::util::parse_i64;
use super::super::{Ctx, Reply};
use super::server::help_reply;

pub fn slowlog_get(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 3 {
        return Reply::Error(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try SLOWLOG HELP.",
            String::from_utf8_lossy(&argv[1])
        ));
    }
    let total = ctx.core.slowlog.entries.len();
    let count = match argv.get(2) {
        None => 10,
        Some(a) => match parse_i64(a) {
            Some(-1) => total,
            Some(n) if n >= 0 => n as usize,
            _ => return Reply::err("ERR count should be greater than or equal to -1"),
        },
    };
    Reply::Array(
        ctx.core
            .slowlog
            .entries
            .iter()
            .take(count)
            .map(|e| {
                Reply::Array(vec![
                    Reply::Int(e.id as i64),
                    Reply::Int(e.time),
                    Reply::Int(e.duration_us as i64),
                    Reply::Array(e.argv.iter().cloned().map(Reply::Bulk).collect()),
                    Reply::Bulk(e.addr.clone().into_bytes()),
                    Reply::Bulk(e.name.clone()),
                ])
            })
            .collect(),
    )
}

pub fn slowlog_len(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Int(ctx.core.slowlog.entries.len() as i64)
}

pub fn slowlog_reset(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    ctx.core.slowlog.reset();
    Reply::ok()
}

pub fn slowlog_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    help_reply(
        &argv[0],
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    )
}

pub fn latency_latest(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Array(
        ctx.core
            .latency
            .events
            .iter()
            .filter_map(|(name, ts)| {
                let last = ts.samples.back()?;
                Some(Reply::Array(vec![
                    Reply::Bulk(name.as_bytes().to_vec()),
                    Reply::Int(last.time),
                    Reply::Int(last.latency_ms as i64),
                    Reply::Int(ts.max as i64),
                ]))
            })
            .collect(),
    )
}

pub fn latency_history(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let name = String::from_utf8_lossy(&argv[2]);
    let Some(ts) = ctx.core.latency.events.get(name.as_ref()) else {
        return Reply::Array(Vec::new());
    };
    Reply::Array(
        ts.samples
            .iter()
            .map(|s| Reply::Array(vec![Reply::Int(s.time), Reply::Int(s.latency_ms as i64)]))
            .collect(),
    )
}

pub fn latency_reset(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let events = &mut ctx.core.latency.events;
    if argv.len() == 2 {
        let n = events.len();
        events.clear();
        return Reply::Int(n as i64);
    }
    let mut n = 0;
    for a in &argv[2..] {
        if events.remove(String::from_utf8_lossy(a).as_ref()).is_some() {
            n += 1;
        }
    }
    Reply::Int(n)
}

/// LATENCY DOCTOR: Redis's report, for the events KV Lab records (`command`,
/// `fast-command`); its wording is Redis's.
pub fn latency_doctor(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let core = &ctx.core;
    let threshold = core.config.latency_threshold;
    let mut report = String::new();
    if core.latency.events.is_empty() && threshold == 0 {
        report.push_str("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n");
        return Reply::Verbatim("txt", report.into_bytes());
    }
    let now_s = core.now.div_euclid(1000);
    let (mut slowlog_enabled, mut slowlog_tuning, mut slowlog_inspect) = (false, false, false);
    let (mut scheduler, mut large_objects) = (false, false);
    let mut advices = 0;
    for (num, (event, ts)) in core.latency.events.iter().enumerate() {
        if num == 0 {
            report.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let samples = ts.samples.len() as u64;
        let sum: u64 = ts.samples.iter().map(|s| s.latency_ms).sum();
        let avg = sum.checked_div(samples).unwrap_or(0);
        let mad = ts
            .samples
            .iter()
            .map(|s| (avg as i64 - s.latency_ms as i64).unsigned_abs())
            .sum::<u64>()
            .checked_div(samples)
            .unwrap_or(0);
        let oldest = ts.samples.iter().map(|s| s.time).min().unwrap_or(now_s);
        let period = if samples > 0 {
            (now_s - oldest).max(1)
        } else {
            0
        };
        report.push_str(&format!(
            "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.",
            num + 1,
            event,
            samples,
            avg,
            mad,
            period as f64 / samples as f64,
            ts.max
        ));
        if *event == "command" {
            if core.config.slowlog_slower_than < 0 {
                slowlog_enabled = true;
                advices += 1;
            } else if core.config.slowlog_slower_than / 1000 > threshold {
                slowlog_tuning = true;
                advices += 1;
            }
            slowlog_inspect = true;
            large_objects = true;
            advices += 2;
        }
        if *event == "fast-command" {
            scheduler = true;
            advices += 1;
        }
        report.push('\n');
    }
    let events = core.latency.events.len();
    if events == 0 && advices == 0 {
        report.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
    } else if advices == 0 {
        report.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
    } else {
        report.push_str("\nI have a few advices for you:\n\n");
        let ms = (threshold as u64) * 1000;
        if slowlog_enabled {
            report.push_str(&format!("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {ms}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n"));
        }
        if slowlog_tuning {
            report.push_str(&format!("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {ms}'.\n"));
        }
        if slowlog_inspect {
            report.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
        }
        if scheduler {
            report.push_str("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
        }
        if large_objects {
            report.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
        }
    }
    Reply::Verbatim("txt", report.into_bytes())
}

pub fn latency_help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    help_reply(
        &argv[0],
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    )
}
