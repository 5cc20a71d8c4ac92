//! The RDB explorer: what a dump.rdb holds, as RedisInsight's memory analysis shows it:
//! totals by type and encoding, the biggest keys, memory by key prefix
//! (`service:domain:…`), and the keys that never expire.
//!
//! The file is loaded into a private [`Engine`] on a [`ManualClock`] set to `now_ms` (the
//! learner's keyspace is untouched, and nothing leaves the machine), so every figure is
//! the engine's own: TYPE, OBJECT ENCODING, and MEMORY USAGE as redis-server 7.0 would
//! answer them after loading the same file. Keys whose deadline passed before `now_ms`
//! are dropped on load, as a master loading the file drops them. The current keyspace is
//! explored the same way, through the RDB image SAVE would write (the probabilistic
//! family included, as RedisBloom module values).
//!
//! Pure Rust, no web dependencies: the panel only draws a [`Report`].

use std::collections::HashMap;

use crate::engine::inspect::{key_sds_size, value_bytes, DICT_ENTRY};
use crate::engine::{Engine, ManualClock};

/// One key of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRow {
    pub db: usize,
    pub key: Vec<u8>,
    pub type_name: &'static str,
    pub encoding: &'static str,
    /// MEMORY USAGE (exact: every element counted, as `SAMPLES 0`).
    pub bytes: u64,
    /// Milliseconds left, if the key has a TTL.
    pub ttl_ms: Option<i64>,
}

/// Keys and memory of one type and encoding.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeRow {
    pub type_name: &'static str,
    pub encoding: &'static str,
    pub keys: u64,
    pub bytes: u64,
}

/// Keys and memory under one prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct PrefixRow {
    /// `user:*`, `user:session:*`, or [`NO_PREFIX`] for keys without a separator.
    pub prefix: String,
    pub keys: u64,
    pub bytes: u64,
    /// How many of them have no TTL.
    pub without_ttl: u64,
}

/// The bucket of keys that have no `:` in them.
pub const NO_PREFIX: &str = "(no prefix)";

/// What a file holds.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    /// The file's size.
    pub file_bytes: usize,
    /// Every key, biggest first (ties by database and key).
    pub keys: Vec<KeyRow>,
    /// Totals by type and encoding, most memory first.
    pub by_type: Vec<TypeRow>,
    pub total_bytes: u64,
    pub without_ttl: u64,
    pub without_ttl_bytes: u64,
    /// Keys per database, for the databases that have any.
    pub per_db: Vec<(usize, u64)>,
}

impl Report {
    /// The `limit` biggest keys.
    pub fn biggest(&self, limit: usize) -> &[KeyRow] {
        &self.keys[..limit.min(self.keys.len())]
    }

    /// The `limit` biggest keys without a TTL.
    pub fn biggest_without_ttl(&self, limit: usize) -> Vec<&KeyRow> {
        self.keys
            .iter()
            .filter(|k| k.ttl_ms.is_none())
            .take(limit)
            .collect()
    }

    /// Memory by key prefix, split on `sep` up to `depth` parts, most memory first.
    pub fn prefixes(&self, sep: u8, depth: usize) -> Vec<PrefixRow> {
        prefix_breakdown(&self.keys, sep, depth)
    }
}

/// The prefix a key is filed under: its first `depth` parts (at most all but the last,
/// which names the item itself) followed by `sep*`; [`NO_PREFIX`] if it has no `sep`.
pub fn prefix_of(key: &[u8], sep: u8, depth: usize) -> String {
    let parts: Vec<&[u8]> = key.split(|&c| c == sep).collect();
    if parts.len() < 2 || depth == 0 {
        return NO_PREFIX.to_string();
    }
    let keep = depth.min(parts.len() - 1);
    let mut p = parts[..keep].join(&sep);
    p.push(sep);
    p.push(b'*');
    String::from_utf8_lossy(&p).into_owned()
}

/// Groups keys by [`prefix_of`], most memory first (ties by prefix).
pub fn prefix_breakdown(keys: &[KeyRow], sep: u8, depth: usize) -> Vec<PrefixRow> {
    let mut groups: HashMap<String, PrefixRow> = HashMap::new();
    for k in keys {
        let p = prefix_of(&k.key, sep, depth);
        let row = groups.entry(p.clone()).or_insert_with(|| PrefixRow {
            prefix: p,
            keys: 0,
            bytes: 0,
            without_ttl: 0,
        });
        row.keys += 1;
        row.bytes += k.bytes;
        row.without_ttl += u64::from(k.ttl_ms.is_none());
    }
    let mut rows: Vec<PrefixRow> = groups.into_values().collect();
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.prefix.cmp(&b.prefix)));
    rows
}

/// Parses an RDB file on a private engine whose clock reads `now_ms`. A malformed or
/// truncated file gives the loader's error.
pub fn explore(image: &[u8], now_ms: i64) -> Result<Report, String> {
    let mut scratch = Engine::new(Box::new(ManualClock::new(now_ms)), 0);
    scratch.load_rdb(image)?;
    let mut report = Report {
        file_bytes: image.len(),
        ..Report::default()
    };
    let now = now_ms;
    for (db, d) in scratch.core.dbs.iter().enumerate() {
        let mut n = 0;
        for (k, o) in d.keys.iter() {
            let ttl_ms = d.expires.get(k).map(|&when| when - now);
            if ttl_ms.is_some_and(|t| t <= 0) {
                continue;
            }
            n += 1;
            report.keys.push(KeyRow {
                db,
                key: k.to_vec(),
                type_name: o.value.type_name(),
                encoding: o.value.encoding_name(),
                // What MEMORY USAGE answers (outside cluster mode, as a file is read).
                bytes: value_bytes(&o.value) + key_sds_size(k.len() as u64) + DICT_ENTRY,
                ttl_ms,
            });
        }
        if n > 0 {
            report.per_db.push((db, n));
        }
    }
    report.keys.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.db.cmp(&b.db))
            .then_with(|| a.key.cmp(&b.key))
    });
    let mut by_type: HashMap<(&'static str, &'static str), TypeRow> = HashMap::new();
    for k in &report.keys {
        let row = by_type
            .entry((k.type_name, k.encoding))
            .or_insert_with(|| TypeRow {
                type_name: k.type_name,
                encoding: k.encoding,
                keys: 0,
                bytes: 0,
            });
        row.keys += 1;
        row.bytes += k.bytes;
        report.total_bytes += k.bytes;
        if k.ttl_ms.is_none() {
            report.without_ttl += 1;
            report.without_ttl_bytes += k.bytes;
        }
    }
    report.by_type = by_type.into_values().collect();
    report.by_type.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.type_name.cmp(b.type_name))
            .then_with(|| a.encoding.cmp(b.encoding))
    });
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Reply;

    const NOW: i64 = 1_700_000_000_000;

    fn engine() -> (Engine, u64) {
        let mut e = Engine::new(Box::new(ManualClock::new(NOW)), 7);
        let id = e.connect("t", "t");
        (e, id)
    }

    fn sample() -> Vec<u8> {
        let (mut e, id) = engine();
        for line in [
            "SET plain 1",
            "SET user:1:name alice",
            "SET user:2:name bob EX 100",
            "HSET user:1:profile a 1 b 2",
            "RPUSH queue:jobs:high j1 j2 j3",
            "SADD tags:ints 1 2 3",
            "SADD tags:words x y",
            "ZADD board:week 1 alice 2 bob",
            "XADD events:log 1-1 f v",
            "SET session:abc v PX 5000",
            "SELECT 2",
            "SET other:db x",
        ] {
            assert!(!e.exec_words(id, line).is_error(), "{line}");
        }
        // A big string, to be the biggest key.
        e.execute(id, &[b"SET".to_vec(), b"blob:1".to_vec(), vec![b'x'; 5000]]);
        e.save_rdb()
    }

    #[test]
    fn prefixes_split_on_the_separator_up_to_the_depth() {
        assert_eq!(prefix_of(b"user:1:name", b':', 1), "user:*");
        assert_eq!(prefix_of(b"user:1:name", b':', 2), "user:1:*");
        // The last part names the item: never part of the prefix.
        assert_eq!(prefix_of(b"user:1:name", b':', 3), "user:1:*");
        assert_eq!(prefix_of(b"plain", b':', 2), NO_PREFIX);
        assert_eq!(prefix_of(b"a.b.c", b'.', 1), "a.*");
        assert_eq!(prefix_of(b":x", b':', 1), ":*");
        assert_eq!(prefix_of(b"a:b", b':', 0), NO_PREFIX);
    }

    #[test]
    fn totals_types_ttls_and_memory_match_the_engine() {
        let image = sample();
        let r = explore(&image, NOW + 1000).unwrap();
        assert_eq!(r.file_bytes, image.len());
        assert_eq!(r.keys.len(), 12);
        assert_eq!(r.per_db, vec![(0, 10), (2, 2)]);
        assert_eq!(r.keys[0].key, b"blob:1");
        assert_eq!(r.keys[0].db, 2);
        // Sorted by memory, biggest first.
        assert!(r.keys.windows(2).all(|w| w[0].bytes >= w[1].bytes));
        let enc = |t: &str, e: &str| {
            r.by_type
                .iter()
                .find(|x| x.type_name == t && x.encoding == e)
                .map(|x| x.keys)
        };
        assert_eq!(enc("string", "int"), Some(1));
        assert_eq!(enc("string", "embstr"), Some(4));
        assert_eq!(enc("string", "raw"), Some(1));
        assert_eq!(enc("set", "intset"), Some(1));
        assert_eq!(enc("set", "listpack").or(enc("set", "hashtable")), Some(1));
        assert_eq!(enc("hash", "listpack"), Some(1));
        assert_eq!(enc("list", "quicklist"), Some(1));
        assert_eq!(enc("zset", "listpack"), Some(1));
        assert_eq!(enc("stream", "stream"), Some(1));
        assert_eq!(r.by_type.iter().map(|t| t.keys).sum::<u64>(), 12);
        assert_eq!(
            r.total_bytes,
            r.by_type.iter().map(|t| t.bytes).sum::<u64>()
        );
        // Two keys have TTLs, read against the clock.
        assert_eq!(r.without_ttl, 10);
        let session = r.keys.iter().find(|k| k.key == b"session:abc").unwrap();
        assert_eq!(session.ttl_ms, Some(4000));
        let bob = r.keys.iter().find(|k| k.key == b"user:2:name").unwrap();
        assert_eq!(bob.ttl_ms, Some(99_000));
        assert!(r
            .biggest_without_ttl(100)
            .iter()
            .all(|k| k.ttl_ms.is_none()));
        assert_eq!(r.biggest_without_ttl(100).len(), 10);

        // Every size is what MEMORY USAGE answers on an engine that loaded the file.
        let (mut e, id) = engine();
        e.load_rdb(&image).unwrap();
        for k in &r.keys {
            e.exec_words(id, &format!("SELECT {}", k.db));
            let reply = e.execute(
                id,
                &[
                    b"MEMORY".to_vec(),
                    b"USAGE".to_vec(),
                    k.key.clone(),
                    b"SAMPLES".to_vec(),
                    b"0".to_vec(),
                ],
            );
            assert_eq!(reply, Reply::Int(k.bytes as i64), "{:?}", k.key);
            let t = e.execute(id, &[b"TYPE".to_vec(), k.key.clone()]);
            assert_eq!(t, Reply::Status(k.type_name.into()));
        }
    }

    #[test]
    fn prefix_breakdown_adds_up() {
        let r = explore(&sample(), NOW).unwrap();
        let p1 = r.prefixes(b':', 1);
        let user = p1.iter().find(|p| p.prefix == "user:*").unwrap();
        assert_eq!(user.keys, 3);
        assert_eq!(user.without_ttl, 2);
        let user_bytes: u64 = r
            .keys
            .iter()
            .filter(|k| k.key.starts_with(b"user:"))
            .map(|k| k.bytes)
            .sum();
        assert_eq!(user.bytes, user_bytes);
        assert_eq!(
            p1.iter().find(|p| p.prefix == NO_PREFIX).map(|p| p.keys),
            Some(1)
        );
        assert_eq!(p1[0].prefix, "blob:*");
        assert_eq!(p1.iter().map(|p| p.keys).sum::<u64>(), 12);
        assert_eq!(p1.iter().map(|p| p.bytes).sum::<u64>(), r.total_bytes);
        let p2 = r.prefixes(b':', 2);
        assert!(p2.iter().any(|p| p.prefix == "user:1:*" && p.keys == 2));
        assert!(p2.iter().any(|p| p.prefix == "user:2:*" && p.keys == 1));
        assert!(p2.iter().any(|p| p.prefix == "queue:jobs:*"));
    }

    #[test]
    fn expired_keys_are_dropped_and_bad_files_refused() {
        let image = sample();
        // Ten minutes later both TTLs have run out.
        let r = explore(&image, NOW + 600_000).unwrap();
        assert_eq!(r.keys.len(), 10);
        assert_eq!(r.without_ttl, 10);
        assert!(explore(&image[..image.len() - 9], NOW).is_err());
        assert!(explore(&image[..20], NOW).is_err());
        assert!(explore(b"{\"format\":\"kvlab-snapshot\"}", NOW).is_err());
        assert!(explore(b"", NOW).is_err());
        let mut flipped = image.clone();
        flipped[40] ^= 0x10;
        assert!(explore(&flipped, NOW).is_err());
        let empty = Engine::new(Box::new(ManualClock::new(NOW)), 1).save_rdb();
        let r = explore(&empty, NOW).unwrap();
        assert!(r.keys.is_empty() && r.by_type.is_empty() && r.per_db.is_empty());
    }

    #[test]
    fn a_file_written_by_redis_server_is_read() {
        let image = include_bytes!("../tests/fixtures/redis-7.0.15.rdb");
        assert!(image.starts_with(b"REDIS0010"));
        let r = explore(image, NOW).unwrap();
        assert!(r.keys.len() >= 8, "{}", r.keys.len());
        for t in ["string", "list", "set", "zset", "hash", "stream"] {
            assert!(r.by_type.iter().any(|x| x.type_name == t), "{t}");
        }
        assert!(r.prefixes(b':', 1).iter().any(|p| p.prefix == "app:*"));
    }
}
