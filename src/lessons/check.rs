//! A step's goal: checks on the engine's state and on the replies the step's commands
//! got. Everything is read through the engine's read-only views (`key_info`, `peek_*`,
//! a silent INFO), so a check never touches LRU data, counts a hit or expires a key.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Seen;
use crate::engine::util::glob_match;
use crate::engine::{Engine, Reply};

/// A closed range; either end may be left out (`[3000, 3600]`, or `{ min = 1 }` style
/// through the fields that take one number).
type Range = [f64; 2];

fn within(r: &Option<Range>, v: f64) -> bool {
    r.is_none_or(|[lo, hi]| v >= lo && v <= hi)
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// Keys matching a glob that pass every condition given; their number must be in
    /// `count` (default: at least one).
    Keys {
        pattern: String,
        #[serde(default)]
        db: usize,
        #[serde(default, rename = "type")]
        type_name: Option<String>,
        #[serde(default)]
        encoding: Option<String>,
        /// TTL in seconds.
        #[serde(default)]
        ttl: Option<Range>,
        /// `true`: no TTL; `false`: has one.
        #[serde(default)]
        persistent: Option<bool>,
        /// A string's exact value.
        #[serde(default)]
        value: Option<String>,
        /// A string's value as a number.
        #[serde(default)]
        number: Option<Range>,
        /// Length or cardinality.
        #[serde(default)]
        size: Option<Range>,
        /// Holds this member (set, sorted set), field (hash) or element (list); a Bloom or
        /// cuckoo filter answers "maybe" for it; a Top-K lists it.
        #[serde(default)]
        has: Option<String>,
        /// The sorted-set score of `has`.
        #[serde(default)]
        score: Option<Range>,
        /// The hash value of field `has`.
        #[serde(default)]
        field_value: Option<String>,
        /// A stream group by this name…
        #[serde(default)]
        group: Option<String>,
        /// …with this many pending entries.
        #[serde(default)]
        pending: Option<Range>,
        #[serde(default)]
        count: Option<Range>,
        /// Longest TTL minus shortest among the keys that pass, in seconds (jitter).
        #[serde(default)]
        ttl_spread: Option<Range>,
    },
    /// A reply the step's commands got: the last reply to `command` (lowercase name,
    /// or the first word for a container: "client") in tab `tab` (any tab if left out).
    /// With `any = true`, any such reply will do.
    Reply {
        command: String,
        #[serde(default)]
        tab: Option<usize>,
        #[serde(default)]
        any: bool,
        /// A nil (bulk or array).
        #[serde(default)]
        nil: Option<bool>,
        /// An error whose text contains this ("" for any error).
        #[serde(default)]
        error: Option<String>,
        /// Not an error.
        #[serde(default)]
        success: Option<bool>,
        #[serde(default)]
        int: Option<Range>,
        /// The reply as redis-cli prints it contains this.
        #[serde(default)]
        text: Option<String>,
        /// An array's length.
        #[serde(default)]
        len: Option<Range>,
        /// How many such replies (matching every condition) the step saw.
        #[serde(default)]
        times: Option<Range>,
    },
    /// A configuration parameter, as CONFIG GET shows it.
    Config { name: String, value: String },
    /// A numeric INFO field (`keyspace_hits`, `evicted_keys`, `used_memory` …).
    Info { field: String, range: Range },
    /// The ratio of two INFO fields, `a / (a + b)` (a hit rate: keyspace_hits and
    /// keyspace_misses).
    Ratio { a: String, b: String, range: Range },
    /// One INFO field over another, `a / b` (used_memory over maxmemory).
    Quotient { a: String, b: String, range: Range },
    /// Slow-log entries (for one command if given).
    Slowlog {
        #[serde(default)]
        command: Option<String>,
        count: Range,
    },
    /// Tab `tab` is subscribed to this channel (or pattern).
    Subscribed {
        tab: usize,
        channel: String,
        #[serde(default = "yes")]
        is: bool,
    },
    /// Messages a tab received during the step (on `channel` if given).
    Received {
        tab: usize,
        #[serde(default)]
        channel: Option<String>,
        count: Range,
    },
    /// A figure one of the labs recorded (`pipeline.round_trips` …).
    Fact { name: String, range: Range },
    /// Whether ACL user `user` may run `command` (a command line), as ACL DRYRUN
    /// decides: `allowed = false` also holds for a user that does not exist.
    Acl {
        user: String,
        command: String,
        allowed: bool,
    },
    /// Tab `tab` is authenticated as `user` (ACL WHOAMI).
    Whoami { tab: usize, user: String },
    /// The append-only file (the app's, kept in memory under `appendonly yes`) holds,
    /// among its last commands, one whose words joined by spaces contain `has`
    /// (case-blind): what Redis appended, not what was typed (`SET s v PXAT`).
    Aof { has: String },
}

fn yes() -> bool {
    true
}

/// What a check may look at besides the engine.
pub struct Cx<'a> {
    pub seen: &'a [Seen],
    /// Each tab's client id (tab 1 first).
    pub clients: &'a [u64],
    pub facts: &'a BTreeMap<String, f64>,
}

fn has_glob(p: &str) -> bool {
    p.bytes().any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
}

/// A reply as a number: an integer, a double, a numeric bulk string, or an array of
/// exactly one of those (TDIGEST.QUANTILE with one quantile).
fn as_number(r: &Reply) -> Option<f64> {
    match r {
        Reply::Int(i) => Some(*i as f64),
        Reply::Double(d) => Some(*d),
        Reply::DoubleText(t) => t.parse().ok(),
        Reply::Bulk(b) => std::str::from_utf8(b).ok()?.parse().ok(),
        Reply::Bool(b) => Some(*b as i64 as f64),
        // A one-element array (CMS.QUERY k item, BF.INFO k FILTERS, TOPK.COUNT k item)
        // is the number it holds.
        Reply::Array(v) if v.len() == 1 => as_number(&v[0]),
        _ => None,
    }
}

/// The first element of a Pub/Sub message (`message`, `pmessage`, `smessage`) and its
/// channel.
fn message_channel(r: &Reply) -> Option<&[u8]> {
    let items = match r {
        Reply::Push(v) | Reply::Array(v) => v,
        _ => return None,
    };
    let kind = match items.first() {
        Some(Reply::Bulk(k)) => k.as_slice(),
        _ => return None,
    };
    let at = match kind {
        b"message" | b"smessage" => 1,
        b"pmessage" => 2,
        _ => return None,
    };
    match items.get(at) {
        Some(Reply::Bulk(c)) => Some(c),
        _ => None,
    }
}

impl Check {
    pub fn holds(&self, engine: &mut Engine, cx: &Cx) -> bool {
        match self {
            Check::Keys {
                pattern,
                db,
                count,
                ttl_spread,
                ..
            } => {
                let keys: Vec<Vec<u8>> = matching_keys(engine, *db, pattern)
                    .into_iter()
                    .filter(|k| self.key_passes(engine, *db, k))
                    .collect();
                let n = keys.len();
                if ttl_spread.is_some() {
                    let ttls: Vec<i64> = keys
                        .iter()
                        .filter_map(|k| engine.key_info(*db, k)?.ttl_ms)
                        .collect();
                    let spread = match (ttls.iter().min(), ttls.iter().max()) {
                        (Some(lo), Some(hi)) => (hi - lo) as f64 / 1000.0,
                        _ => return false,
                    };
                    if !within(ttl_spread, spread) {
                        return false;
                    }
                }
                match count {
                    Some(r) => within(&Some(*r), n as f64),
                    None => n >= 1,
                }
            }
            Check::Reply {
                command,
                tab,
                any,
                times,
                ..
            } => {
                let replies: Vec<&Reply> = cx
                    .seen
                    .iter()
                    .filter_map(|s| match s {
                        Seen::Ran {
                            tab: t,
                            argv,
                            reply,
                        } if tab.is_none_or(|want| want == *t)
                            && argv.first().is_some_and(|a| {
                                command
                                    .split('|')
                                    .any(|c| a.eq_ignore_ascii_case(c.as_bytes()))
                            }) =>
                        {
                            Some(reply)
                        }
                        _ => None,
                    })
                    .collect();
                if let Some(t) = times {
                    let n = replies.iter().filter(|r| self.reply_passes(r)).count();
                    return within(&Some(*t), n as f64);
                }
                if *any {
                    replies.iter().any(|r| self.reply_passes(r))
                } else {
                    replies.last().is_some_and(|r| self.reply_passes(r))
                }
            }
            Check::Config { name, value } => engine
                .core
                .config
                .get(name)
                .is_some_and(|v| v.eq_ignore_ascii_case(value)),
            Check::Info { field, range } => {
                info_field(engine, field).is_some_and(|v| within(&Some(*range), v))
            }
            Check::Ratio { a, b, range } => match (info_field(engine, a), info_field(engine, b)) {
                (Some(x), Some(y)) if x + y > 0.0 => within(&Some(*range), x / (x + y)),
                _ => false,
            },
            Check::Quotient { a, b, range } => {
                match (info_field(engine, a), info_field(engine, b)) {
                    (Some(x), Some(y)) if y > 0.0 => within(&Some(*range), x / y),
                    _ => false,
                }
            }
            Check::Slowlog { command, count } => {
                let n = engine
                    .core
                    .slowlog
                    .entries
                    .iter()
                    .filter(|e| {
                        command.as_ref().is_none_or(|c| {
                            e.argv
                                .first()
                                .is_some_and(|a| a.eq_ignore_ascii_case(c.as_bytes()))
                        })
                    })
                    .count();
                within(&Some(*count), n as f64)
            }
            Check::Subscribed { tab, channel, is } => {
                let Some(&client) = tab.checked_sub(1).and_then(|i| cx.clients.get(i)) else {
                    return !is;
                };
                let subscribed = engine.core.pubsub.of(client).is_some_and(|s| {
                    s.channels
                        .iter()
                        .chain(&s.patterns)
                        .chain(&s.shard)
                        .any(|c| c == channel.as_bytes())
                });
                subscribed == *is
            }
            Check::Received {
                tab,
                channel,
                count,
            } => {
                let n = cx
                    .seen
                    .iter()
                    .filter(|s| match s {
                        Seen::Received { tab: t, message } if t == tab => message_channel(message)
                            .is_some_and(|c| {
                                channel.as_ref().is_none_or(|want| c == want.as_bytes())
                            }),
                        _ => false,
                    })
                    .count();
                within(&Some(*count), n as f64)
            }
            Check::Acl {
                user,
                command,
                allowed,
            } => {
                let Ok(argv) = crate::console::tokenize(command) else {
                    return false;
                };
                let may = engine
                    .core
                    .acl
                    .users
                    .get(user.as_bytes())
                    .zip(crate::engine::table::lookup(&argv).ok())
                    .is_some_and(|(u, spec)| {
                        crate::engine::table::arity_ok(spec, argv.len())
                            && u.check(spec, &argv).is_ok()
                    });
                may == *allowed
            }
            Check::Aof { has } => {
                let want = has.to_ascii_lowercase();
                engine.core.mem_aof.recent.iter().any(|a| {
                    let words: Vec<String> = a
                        .argv
                        .iter()
                        .map(|w| String::from_utf8_lossy(w).to_ascii_lowercase())
                        .collect();
                    words.join(" ").contains(&want)
                })
            }
            Check::Whoami { tab, user } => tab
                .checked_sub(1)
                .and_then(|i| cx.clients.get(i))
                .and_then(|&id| engine.client(id))
                .is_some_and(|c| c.user == user.as_bytes()),
            Check::Fact { name, range } => cx
                .facts
                .get(name)
                .is_some_and(|&v| within(&Some(*range), v)),
        }
    }

    fn key_passes(&self, engine: &Engine, db: usize, key: &[u8]) -> bool {
        let Check::Keys {
            type_name,
            encoding,
            ttl,
            persistent,
            value,
            number,
            size,
            has,
            score,
            field_value,
            group,
            pending,
            ..
        } = self
        else {
            return false;
        };
        let Some(info) = engine.key_info(db, key) else {
            return false;
        };
        if type_name.as_ref().is_some_and(|t| t != info.type_name)
            || encoding.as_ref().is_some_and(|e| e != info.encoding)
            || persistent.is_some_and(|p| p != info.ttl_ms.is_none())
            || !within(size, info.size as f64)
        {
            return false;
        }
        if ttl.is_some() {
            // TTL as the TTL command rounds it: to the nearest second.
            let Some(ms) = info.ttl_ms else {
                return false;
            };
            if !within(ttl, ((ms + 500) / 1000) as f64) {
                return false;
            }
        }
        if value.is_some() || number.is_some() {
            let Some(v) = engine.peek_string(db, key) else {
                return false;
            };
            if value.as_ref().is_some_and(|want| want.as_bytes() != v) {
                return false;
            }
            if number.is_some() {
                let n = std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok());
                if !n.is_some_and(|n| within(number, n)) {
                    return false;
                }
            }
        }
        if let Some(m) = has {
            let m = m.as_bytes();
            let present = match info.type_name {
                "set" => engine.peek_set(db, key).is_some_and(|s| s.contains(m)),
                "zset" => engine
                    .peek_zset(db, key)
                    .is_some_and(|z| z.score(m).is_some_and(|s| within(score, s))),
                "hash" => engine.peek_hash(db, key).is_some_and(|h| {
                    h.get(m).is_some_and(|v| {
                        field_value
                            .as_ref()
                            .is_none_or(|want| want.as_bytes() == v.as_slice())
                    })
                }),
                "list" => engine
                    .peek_list(db, key)
                    .is_some_and(|l| l.iter().any(|e| e.as_slice() == m)),
                // A filter answers "maybe there"; a Top-K holds it among its heavy hitters.
                "MBbloom--" => engine.peek_bloom(db, key).is_some_and(|b| b.check(m)),
                "MBbloomCF" => engine
                    .peek_cuckoo(db, key)
                    .is_some_and(|c| c.check(crate::engine::cuckoo::hash(m))),
                "TopK-TYPE" => engine.peek_topk(db, key).is_some_and(|t| t.query(m)),
                _ => false,
            };
            if !present {
                return false;
            }
        }
        if let Some(g) = group {
            let ok = engine.peek_stream(db, key).is_some_and(|s| {
                s.groups
                    .get(g.as_bytes())
                    .is_some_and(|grp| within(pending, grp.pel.len() as f64))
            });
            if !ok {
                return false;
            }
        }
        true
    }

    fn reply_passes(&self, r: &Reply) -> bool {
        let Check::Reply {
            nil,
            error,
            success,
            int,
            text,
            len,
            ..
        } = self
        else {
            return false;
        };
        let is_nil = matches!(r, Reply::Nil | Reply::NilArray);
        let err = match r {
            Reply::Error(e) => Some(e.as_str()),
            _ => None,
        };
        if nil.is_some_and(|n| n != is_nil)
            || success.is_some_and(|s| s == err.is_some())
            || error
                .as_ref()
                .is_some_and(|want| !err.is_some_and(|e| e.contains(want.as_str())))
        {
            return false;
        }
        if int.is_some() && !as_number(r).is_some_and(|v| within(int, v)) {
            return false;
        }
        if len.is_some() {
            let n = match r {
                Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => v.len(),
                Reply::Map(v) => v.len(),
                _ => return false,
            };
            if !within(len, n as f64) {
                return false;
            }
        }
        if let Some(t) = text {
            let printed = crate::console::format_reply(&[], r, 2);
            if !printed.contains(t.as_str()) {
                return false;
            }
        }
        true
    }
}

/// The live keys of `db` a glob matches (a literal pattern is one lookup).
fn matching_keys(engine: &Engine, db: usize, pattern: &str) -> Vec<Vec<u8>> {
    if !has_glob(pattern) {
        return vec![pattern.as_bytes().to_vec()];
    }
    let Some(d) = engine.core.dbs.get(db) else {
        return Vec::new();
    };
    d.keys
        .iter()
        .filter(|(k, _)| glob_match(pattern.as_bytes(), k, false))
        .map(|(k, _)| k.to_vec())
        .collect()
}

/// A numeric field of INFO (every section), read without running a command.
fn info_field(engine: &mut Engine, field: &str) -> Option<f64> {
    let text = engine.info_text();
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if k == field {
            v.trim().parse().ok()
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ManualClock;

    fn keys_has(type_name: &str, has: &str) -> Check {
        Check::Keys {
            pattern: "k".into(),
            db: 0,
            type_name: Some(type_name.into()),
            encoding: None,
            ttl: None,
            persistent: None,
            value: None,
            number: None,
            size: None,
            has: Some(has.into()),
            score: None,
            field_value: None,
            group: None,
            pending: None,
            count: None,
            ttl_spread: None,
        }
    }

    #[test]
    fn has_asks_filters_and_top_k_and_one_element_arrays_are_numbers() {
        let facts = BTreeMap::new();
        let cx = Cx {
            seen: &[],
            clients: &[],
            facts: &facts,
        };
        for (setup, type_name) in [
            ("BF.ADD k in", "MBbloom--"),
            ("CF.ADD k in", "MBbloomCF"),
            ("TOPK.ADD k in", "TopK-TYPE"),
        ] {
            let mut e = Engine::new(Box::new(ManualClock::new(0)), 1);
            let c = e.connect("a:1", "b:1");
            if type_name == "TopK-TYPE" {
                e.execute(c, &[b"TOPK.RESERVE".to_vec(), b"k".to_vec(), b"2".to_vec()]);
            }
            let argv: Vec<Vec<u8>> = setup.split(' ').map(|w| w.as_bytes().to_vec()).collect();
            e.execute(c, &argv);
            assert!(keys_has(type_name, "in").holds(&mut e, &cx), "{setup}");
            assert!(!keys_has(type_name, "out").holds(&mut e, &cx), "{setup}");
        }
        assert_eq!(as_number(&Reply::Array(vec![Reply::Int(5)])), Some(5.0));
        assert_eq!(
            as_number(&Reply::Array(vec![Reply::Int(5), Reply::Int(1)])),
            None
        );
        assert_eq!(as_number(&Reply::Bool(true)), Some(1.0));
    }
}
