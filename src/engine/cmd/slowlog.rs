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

/// LATENCY HISTOGRAM [command ...]: each command's calls and cumulative counts per
/// power-of-two bucket of microseconds (only buckets where the count grows), for every
/// command that ran, or for the named ones (unknown names skipped; a container name
/// stands for its subcommands).
pub fn latency_histogram(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    use super::super::table;
    let mut keys: Vec<(Option<&'static str>, &'static str)> = Vec::new();
    if argv.len() == 2 {
        keys.extend(ctx.core.cmdstats.keys().copied());
        keys.sort();
    } else {
        for a in &argv[2..] {
            let Some(spec) = table::find_full(a) else {
                continue;
            };
            keys.push(spec.key());
            for sub in spec.subcommands {
                keys.push(sub.key());
            }
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let Some(st) = ctx.core.cmdstats.get(&key) else {
            continue;
        };
        let total: u64 = st.histogram.iter().sum();
        if total == 0 {
            continue;
        }
        let mut cumulative = 0;
        let mut buckets = Vec::new();
        for (k, n) in st.histogram.iter().enumerate() {
            if *n > 0 {
                cumulative += n;
                buckets.push((
                    Reply::Int((super::super::slowlog::bucket_limit_ns(k) / 1000) as i64),
                    Reply::Int(cumulative as i64),
                ));
            }
        }
        let name = match key {
            (Some(c), n) => format!("{c}|{n}"),
            (None, n) => n.to_string(),
        };
        out.push((
            Reply::Bulk(name.into_bytes()),
            Reply::Map(vec![
                (Reply::Bulk(b"calls".to_vec()), Reply::Int(total as i64)),
                (Reply::Bulk(b"histogram_usec".to_vec()), Reply::Map(buckets)),
            ]),
        ));
    }
    Reply::Map(out)
}

/// LATENCY GRAPH <event>: Redis's ASCII sparkline of an event's samples (4 rows of
/// `_o#` and `|`, 80 columns, each sample labelled with how long ago it was).
pub fn latency_graph(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let name = String::from_utf8_lossy(&argv[2]).into_owned();
    let Some(ts) = ctx.core.latency.events.get(name.as_str()) else {
        return Reply::Error(format!("ERR No samples available for event '{name}'"));
    };
    let now_s = ctx.core.now.div_euclid(1000);
    let samples: Vec<(f64, String)> = ts
        .samples
        .iter()
        .map(|s| {
            let ago = now_s - s.time;
            let label = if ago < 60 {
                format!("{ago}s")
            } else if ago < 3600 {
                format!("{}m", ago / 60)
            } else if ago < 86400 {
                format!("{}h", ago / 3600)
            } else {
                format!("{}d", ago / 86400)
            };
            (s.latency_ms as f64, label)
        })
        .collect();
    let high = ts.samples.iter().map(|s| s.latency_ms).max().unwrap_or(0);
    let low = ts.samples.iter().map(|s| s.latency_ms).min().unwrap_or(0);
    let mut out = format!(
        "{name} - high {high} ms, low {low} ms (all time high {} ms)\n{}\n",
        ts.max,
        "-".repeat(80)
    );
    out.push_str(&sparkline(&samples, 80, 4));
    Reply::Verbatim("txt", out.into_bytes())
}

/// A filled sparkline of `samples` (value, label), `rows` high, wrapped every
/// `columns` samples; labels are written downwards under their column, after a blank
/// row (the drawing of Redis's sparkline.c).
fn sparkline(samples: &[(f64, String)], columns: usize, rows: usize) -> String {
    const FILL: [u8; 3] = *b"_o#";
    let min = samples.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let max = samples
        .iter()
        .map(|s| s.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let range = if max - min == 0.0 { 1.0 } else { max - min };
    let steps = (FILL.len() * rows) as i64;
    let mut out = String::new();
    for (chunk_no, chunk) in samples.chunks(columns.max(1)).enumerate() {
        if chunk_no > 0 {
            out.push('\n');
        }
        let step_of = |v: f64| -> i64 {
            let step = (((v - min) * steps as f64) as i64 as f64 / range) as i64;
            step.clamp(0, steps - 1)
        };
        for row in 0..rows {
            let line: String = chunk
                .iter()
                .map(|(v, _)| {
                    let idx = step_of(*v) - ((rows - row - 1) * FILL.len()) as i64;
                    if (0..FILL.len() as i64).contains(&idx) {
                        FILL[idx as usize] as char
                    } else if idx >= FILL.len() as i64 {
                        '|'
                    } else {
                        ' '
                    }
                })
                .collect();
            out.push_str(&line);
            out.push('\n');
        }
        // One blank row, then the labels, one character per row.
        out.push_str(&" ".repeat(chunk.len()));
        out.push('\n');
        let longest = chunk.iter().map(|(_, l)| l.len()).max().unwrap_or(0);
        for i in 0..longest {
            let line: String = chunk
                .iter()
                .map(|(_, l)| l.as_bytes().get(i).map_or(' ', |&c| c as char))
                .collect();
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
