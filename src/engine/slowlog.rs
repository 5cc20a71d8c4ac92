//! The slow log and the latency monitor: what took long, measured for real.
//!
//! Every command that runs (top level, inside EXEC, or called by a script) is timed, and
//! one that took at least `slowlog-log-slower-than` microseconds is remembered, newest
//! first, up to `slowlog-max-len` entries. An entry keeps what Redis keeps: an id, the
//! Unix time, the duration, the arguments (at most 32, the last then saying how many
//! more there were; each at most 128 bytes, then how many more bytes), the client's
//! address and name. EXEC itself is never logged (Redis's `skip_slowlog` flag), the
//! commands it ran are.
//!
//! The latency monitor (LATENCY LATEST/HISTORY/RESET) keeps, per event, the latest
//! samples at or over `latency-monitor-threshold` milliseconds (0: off): `command` and
//! `fast-command` (commands flagged fast), one sample per second at most (the highest
//! of that second), 160 per event, as Redis's latency.c does.
//!
//! Durations come from the host's clock: `Instant` natively, `performance.now()` in the
//! browser (coarser, but a `KEYS *` over 100k keys still shows its milliseconds).

use std::collections::{BTreeMap, VecDeque};

pub const MAX_ARGC: usize = 32;
pub const MAX_STRING: usize = 128;
/// Samples kept per latency event (Redis's LATENCY_TS_LEN).
pub const LATENCY_TS_LEN: usize = 160;

/// LATENCY HISTOGRAM's buckets. Redis records each call's nanoseconds in an HDR
/// histogram (2 significant digits, 1 ns to 1 s) and reports it by powers of two from
/// 1024 ns: bucket `k` holds what the HDR counts up to `2^(10+k) + 2^(3+k) - 1` ns (the
/// highest value equivalent to `1024 << k` at that precision), shown as that many µs.
pub const BUCKETS: usize = 21;

/// The bucket a duration in nanoseconds falls in (1 s and more in the last).
pub fn bucket_of(ns: u64) -> usize {
    (0..BUCKETS)
        .find(|&k| ns <= bucket_limit_ns(k))
        .unwrap_or(BUCKETS - 1)
}

/// The highest nanoseconds bucket `k` counts.
pub fn bucket_limit_ns(k: usize) -> u64 {
    (1u64 << (10 + k)) + (1u64 << (3 + k)) - 1
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub id: u64,
    pub time: i64,
    pub duration_us: u64,
    pub argv: Vec<Vec<u8>>,
    pub addr: String,
    pub name: Vec<u8>,
}

#[derive(Default)]
pub struct SlowLog {
    /// Newest first.
    pub entries: VecDeque<Entry>,
    next_id: u64,
}

/// The arguments as the slow log keeps them.
pub fn trim_argv(argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let n = argv.len().min(MAX_ARGC);
    let mut out = Vec::with_capacity(n);
    for (j, a) in argv.iter().take(n).enumerate() {
        if n != argv.len() && j == n - 1 {
            out.push(format!("... ({} more arguments)", argv.len() - n + 1).into_bytes());
        } else if a.len() > MAX_STRING {
            let mut s = a[..MAX_STRING].to_vec();
            s.extend_from_slice(format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes());
            out.push(s);
        } else {
            out.push(a.clone());
        }
    }
    out
}

impl SlowLog {
    /// Logs a command if it took at least `slower_than` µs (negative: the log is off),
    /// then trims to `max_len`.
    #[allow(clippy::too_many_arguments)]
    pub fn push_if_needed(
        &mut self,
        slower_than: i64,
        max_len: usize,
        argv: &[Vec<u8>],
        duration_us: u64,
        time: i64,
        addr: &str,
        name: &[u8],
    ) {
        if slower_than < 0 {
            return;
        }
        if duration_us as i64 >= slower_than {
            self.entries.push_front(Entry {
                id: self.next_id,
                time,
                duration_us,
                argv: trim_argv(argv),
                addr: addr.to_string(),
                name: name.to_vec(),
            });
            self.next_id += 1;
        }
        self.entries.truncate(max_len);
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

/// One latency sample: the second it was taken and the milliseconds measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub time: i64,
    pub latency_ms: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Series {
    pub samples: VecDeque<Sample>,
    pub max: u64,
}

#[derive(Default)]
pub struct Latency {
    pub events: BTreeMap<&'static str, Series>,
}

impl Latency {
    /// Redis's latencyAddSampleIfNeeded: a sample at or over the threshold (ms, 0 off);
    /// one per second, the highest of it.
    pub fn add_if_needed(&mut self, threshold_ms: i64, event: &'static str, ms: u64, now_s: i64) {
        if threshold_ms <= 0 || (ms as i64) < threshold_ms {
            return;
        }
        let ts = self.events.entry(event).or_default();
        ts.max = ts.max.max(ms);
        if let Some(last) = ts.samples.back_mut() {
            if last.time == now_s {
                last.latency_ms = last.latency_ms.max(ms);
                return;
            }
        }
        ts.samples.push_back(Sample {
            time: now_s,
            latency_ms: ms,
        });
        if ts.samples.len() > LATENCY_TS_LEN {
            ts.samples.pop_front();
        }
    }
}

/// What SLOWLOG and MONITOR show of a command whose arguments hold secrets: Redis's
/// `redactClientCommandArgument` replaces them with `(redacted)` as the command parses
/// them. AUTH's password (and user), HELLO's AUTH user and password, MIGRATE's AUTH and
/// AUTH2 arguments, ACL SETUSER's every argument, CONFIG SET's values of sensitive
/// parameters (`requirepass`, `masterauth` …). None: shown as sent.
pub fn redacted(spec: &super::table::CommandSpec, argv: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    let eq = |a: &[u8], w: &str| a.eq_ignore_ascii_case(w.as_bytes());
    let argc = argv.len();
    let mut hide: Vec<usize> = Vec::new();
    match (spec.container, spec.name) {
        (None, "auth") if argc <= 3 => hide.extend(1..argc),
        (None, "hello") if argc >= 2 => {
            let mut j = 2;
            while j < argc {
                let more = argc - 1 - j;
                if eq(&argv[j], "auth") && more >= 2 {
                    hide.extend([j + 1, j + 2]);
                    j += 2;
                } else if eq(&argv[j], "setname") && more >= 1 {
                    j += 1;
                } else {
                    break;
                }
                j += 1;
            }
        }
        (None, "migrate") => {
            let mut j = 6;
            while j < argc {
                let more = argc - 1 - j;
                let a = &argv[j];
                if eq(a, "copy") || eq(a, "replace") {
                } else if eq(a, "auth") && more >= 1 {
                    hide.push(j + 1);
                    j += 1;
                } else if eq(a, "auth2") && more >= 2 {
                    hide.extend([j + 1, j + 2]);
                    j += 2;
                } else {
                    break;
                }
                j += 1;
            }
        }
        (Some("acl"), "setuser") if argc >= 3 => hide.extend(2..argc),
        (Some("config"), "set") if argc % 2 == 0 => {
            let mut i = 2;
            while i + 1 < argc {
                if super::config::is_sensitive(&argv[i]) {
                    hide.push(i + 1);
                }
                i += 2;
            }
        }
        _ => {}
    }
    if hide.is_empty() {
        return None;
    }
    let mut out = argv.to_vec();
    for i in hide {
        out[i] = b"(redacted)".to_vec();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_commands_are_trimmed_as_redis_trims_them() {
        let argv: Vec<Vec<u8>> = (0..40).map(|i| format!("a{i}").into_bytes()).collect();
        let t = trim_argv(&argv);
        assert_eq!(t.len(), 32);
        assert_eq!(t[31], b"... (9 more arguments)");
        let big = vec![b'x'; 200];
        let t = trim_argv(&[b"set".to_vec(), b"k".to_vec(), big]);
        assert_eq!(t[2].len(), 128 + "... (72 more bytes)".len());
    }

    #[test]
    fn threshold_and_max_len() {
        let mut s = SlowLog::default();
        let argv = vec![b"ping".to_vec()];
        s.push_if_needed(-1, 10, &argv, 1_000_000, 0, "a", b"");
        assert!(s.entries.is_empty());
        s.push_if_needed(100, 10, &argv, 99, 0, "a", b"");
        assert!(s.entries.is_empty());
        for d in [100, 200, 300] {
            s.push_if_needed(100, 2, &argv, d, 0, "a", b"");
        }
        let ids: Vec<u64> = s.entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![2, 1]);
    }

    #[test]
    fn histogram_buckets_are_redis_hdr_powers_of_two() {
        let micros: Vec<u64> = (0..9).map(|k| bucket_limit_ns(k) / 1000).collect();
        assert_eq!(micros, vec![1, 2, 4, 8, 16, 33, 66, 132, 264]);
        assert_eq!(bucket_of(1), 0);
        assert_eq!(bucket_of(1000), 0);
        assert_eq!(bucket_of(2000), 1);
        assert_eq!(bucket_of(3000), 2);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn latency_keeps_the_highest_sample_of_a_second() {
        let mut l = Latency::default();
        l.add_if_needed(0, "command", 500, 1);
        assert!(l.events.is_empty());
        l.add_if_needed(10, "command", 5, 1);
        l.add_if_needed(10, "command", 20, 1);
        l.add_if_needed(10, "command", 15, 1);
        l.add_if_needed(10, "command", 12, 2);
        let s = &l.events["command"];
        assert_eq!(s.samples.len(), 2);
        assert_eq!(s.samples[0].latency_ms, 20);
        assert_eq!(s.max, 20);
    }
}

/// The entries of a `SLOWLOG GET` reply, read back from the reply's data (what a client
/// sees, for the slow-log view); None when the reply is not one (an error, another
/// shape). Extra fields are ignored and missing ones left empty, so no reply panics it.
pub fn entries_from_reply(reply: &super::reply::Reply) -> Option<Vec<Entry>> {
    use super::reply::Reply;
    let Reply::Array(items) = reply else {
        return None;
    };
    let int = |r: Option<&Reply>| match r {
        Some(Reply::Int(i)) => Some(*i),
        _ => None,
    };
    let bulk = |r: Option<&Reply>| match r {
        Some(Reply::Bulk(b)) => b.clone(),
        _ => Vec::new(),
    };
    items
        .iter()
        .map(|e| {
            let Reply::Array(f) = e else {
                return None;
            };
            let argv = match f.get(3) {
                Some(Reply::Array(a)) => a.iter().map(|x| bulk(Some(x))).collect(),
                _ => Vec::new(),
            };
            Some(Entry {
                id: int(f.first())?.max(0) as u64,
                time: int(f.get(1))?,
                duration_us: int(f.get(2))?.max(0) as u64,
                argv,
                addr: String::from_utf8_lossy(&bulk(f.get(4))).into_owned(),
                name: bulk(f.get(5)),
            })
        })
        .collect()
}

#[cfg(test)]
mod reply_tests {
    use super::super::reply::Reply;
    use super::*;

    #[test]
    fn entries_read_back_from_slowlog_get() {
        let get = Reply::Array(vec![Reply::Array(vec![
            Reply::Int(7),
            Reply::Int(1_700_000_000),
            Reply::Int(23_456),
            Reply::Array(vec![
                Reply::Bulk(b"KEYS".to_vec()),
                Reply::Bulk(b"*".to_vec()),
            ]),
            Reply::Bulk(b"console:1".to_vec()),
            Reply::Bulk(Vec::new()),
        ])]);
        let e = entries_from_reply(&get).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].id, e[0].time, e[0].duration_us),
            (7, 1_700_000_000, 23_456)
        );
        assert_eq!(e[0].argv, vec![b"KEYS".to_vec(), b"*".to_vec()]);
        assert_eq!(e[0].addr, "console:1");
        // Not a SLOWLOG GET reply: no entries, no panic.
        assert_eq!(entries_from_reply(&Reply::Array(vec![])), Some(vec![]));
        assert_eq!(entries_from_reply(&Reply::Error("ERR x".into())), None);
        assert_eq!(entries_from_reply(&Reply::Array(vec![Reply::Int(1)])), None);
        assert_eq!(
            entries_from_reply(&Reply::Array(vec![Reply::Array(vec![Reply::Int(1)])])),
            None
        );
    }
}
