//! Saving and restoring the whole keyspace, as the browser app does in localStorage and
//! in exported files.
//!
//! The format is JSON, versioned, and readable by people: keys and string values are
//! JSON strings when they are valid UTF-8 and `{"hex": "..."}` otherwise, so binary data
//! survives the round trip. Each key carries its absolute deadline, so a restore drops
//! the keys whose time ran out while the page was closed. Modifiable configuration
//! (maxmemory, the policy …) travels along.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::config::PARAMS;
use super::hash::Hash;
use super::object::{Obj, StrEnc, Value};
use super::reply::format_double_g17;
use super::zset::{parse_score, ZSet};
use super::Engine;

pub const FORMAT_VERSION: u32 = 1;

/// Bytes that serialize as a string when they are UTF-8, else as hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum BytesRepr {
    Text(String),
    Hex { hex: String },
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(t) => BytesRepr::Text(t.to_string()).serialize(s),
            Err(_) => BytesRepr::Hex {
                hex: self.0.iter().map(|b| format!("{b:02x}")).collect(),
            }
            .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        match BytesRepr::deserialize(d)? {
            BytesRepr::Text(t) => Ok(Bytes(t.into_bytes())),
            BytesRepr::Hex { hex } => {
                if hex.len() % 2 != 0 {
                    return Err(serde::de::Error::custom("odd-length hex"));
                }
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map(Bytes)
                    .map_err(serde::de::Error::custom)
            }
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SavedValue {
    String {
        enc: StrEnc,
        data: Bytes,
    },
    /// Members with scores as Redis prints them (`%.17g`, `inf`), which round-trip
    /// exactly and survive JSON (which has no infinity).
    Zset {
        listpack: bool,
        members: Vec<(Bytes, String)>,
    },
    /// Fields and values in the hash's order.
    Hash {
        listpack: bool,
        fields: Vec<(Bytes, Bytes)>,
    },
    Set {
        intset: bool,
        members: Vec<Bytes>,
    },
    List {
        items: Vec<Bytes>,
    },
    /// The whole stream: its nodes as listpack entries, its IDs and counters, and its
    /// consumer groups with their pending entries.
    Stream {
        stream: Box<crate::engine::stream::Stream>,
    },
    /// The probabilistic types, whole (geometry, counters, bit arrays).
    Bloom {
        bloom: Box<crate::engine::bloom::Chain>,
    },
    Cuckoo {
        cuckoo: Box<crate::engine::cuckoo::Cuckoo>,
    },
    Cms {
        cms: Box<crate::engine::cms::Cms>,
    },
    Topk {
        topk: Box<crate::engine::topk::TopK>,
    },
    Tdigest {
        tdigest: Box<crate::engine::tdigest::TDigest>,
    },
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SavedKey {
    pub key: Bytes,
    #[serde(flatten)]
    pub value: SavedValue,
    /// Absolute Unix time in ms, if the key is volatile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SavedDb {
    pub db: usize,
    pub keys: Vec<SavedKey>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub format: String,
    pub version: u32,
    pub saved_at: i64,
    pub dbs: Vec<SavedDb>,
    #[serde(default)]
    pub config: Vec<(String, String)>,
}

/// Why a snapshot could not be used.
#[derive(Debug, PartialEq)]
pub enum SnapshotError {
    Unreadable(String),
    WrongFormat(String),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::Unreadable(e) => write!(f, "the saved data is not valid JSON ({e})"),
            SnapshotError::WrongFormat(e) => {
                write!(f, "the saved data is not a KV Lab snapshot ({e})")
            }
        }
    }
}

const FORMAT_NAME: &str = "kvlab-snapshot";

impl Engine {
    /// The whole keyspace and the modifiable configuration.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot_where(|_| true)
    }

    /// What an RDB image leaves out: the modifiable configuration (Redis keeps it in
    /// redis.conf, not in dump.rdb), as a snapshot without keys. The browser keeps this
    /// beside its RDB image and merges it back with [`Engine::merge_json`] after
    /// `load_rdb`. (Before RDB files held the probabilistic family as RedisBloom module
    /// values, the sidecar carried those keys too; `merge_json` still reads such a
    /// sidecar, and puts its keys back.)
    pub fn sidecar_json(&self) -> String {
        serde_json::to_string(&self.snapshot_where(|_| false)).unwrap_or_default()
    }

    /// The keys whose value `keep` accepts, and the modifiable configuration.
    fn snapshot_where(&self, keep: impl Fn(&Value) -> bool) -> Snapshot {
        let dbs = self
            .core
            .dbs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.keys.iter().any(|(_, o)| keep(&o.value)))
            .map(|(i, d)| SavedDb {
                db: i,
                keys: d
                    .keys
                    .iter()
                    .filter(|(_, o)| keep(&o.value))
                    .map(|(k, o)| SavedKey {
                        key: Bytes(k.to_vec()),
                        value: match &o.value {
                            Value::Str { bytes, enc } => SavedValue::String {
                                enc: *enc,
                                data: Bytes(bytes.clone()),
                            },
                            Value::ZSet(z) => SavedValue::Zset {
                                listpack: z.listpack,
                                members: z
                                    .zsl
                                    .iter()
                                    .map(|(m, s)| (Bytes(m.to_vec()), format_double_g17(s)))
                                    .collect(),
                            },
                            Value::Stream(s) => SavedValue::Stream { stream: s.clone() },
                            Value::Bloom(b) => SavedValue::Bloom { bloom: b.clone() },
                            Value::Cuckoo(c) => SavedValue::Cuckoo { cuckoo: c.clone() },
                            Value::Cms(c) => SavedValue::Cms { cms: c.clone() },
                            Value::TopK(t) => SavedValue::Topk { topk: t.clone() },
                            Value::TDigest(t) => SavedValue::Tdigest { tdigest: t.clone() },
                            Value::List(l) => SavedValue::List {
                                items: l.iter().map(|v| Bytes(v.clone())).collect(),
                            },
                            Value::Set(s) => SavedValue::Set {
                                intset: s.intset,
                                members: s
                                    .ordered()
                                    .into_iter()
                                    .map(|m| Bytes(m.clone()))
                                    .collect(),
                            },
                            Value::Hash(h) => SavedValue::Hash {
                                listpack: h.listpack,
                                fields: h
                                    .iter()
                                    .map(|(f, v)| (Bytes(f.clone()), Bytes(v.clone())))
                                    .collect(),
                            },
                        },
                        expires_at: d.expires.get(k).copied(),
                    })
                    .collect(),
            })
            .collect();
        let config = PARAMS
            .iter()
            .filter(|p| !p.immutable())
            .filter_map(|p| {
                let v = self.core.config.get(p.name)?;
                (v != p.default).then(|| (p.name.to_string(), v))
            })
            .collect();
        Snapshot {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            saved_at: self.now_ms(),
            dbs,
            config,
        }
    }

    pub fn snapshot_json(&self) -> String {
        serde_json::to_string(&self.snapshot()).unwrap_or_default()
    }

    /// Replaces the keyspace with a snapshot's. Keys whose deadline has passed are left
    /// out (and counted as expired); databases beyond this engine's count are ignored.
    /// Returns how many keys were loaded.
    pub fn restore(&mut self, snap: &Snapshot) -> usize {
        self.restore_into(snap, true)
    }

    /// Adds a snapshot's keys (replacing keys of the same name) and configuration to the
    /// keyspace, keeping the other keys: how the browser puts back, after loading its RDB
    /// image, what that image leaves out (the configuration; the probabilistic keys too,
    /// in a sidecar saved by an older version). On error the keyspace is left untouched.
    pub fn merge_json(&mut self, text: &str) -> Result<usize, SnapshotError> {
        let snap = parse_snapshot(text)?;
        Ok(self.restore_into(&snap, false))
    }

    fn restore_into(&mut self, snap: &Snapshot, clear: bool) -> usize {
        let now = self.now_ms();
        self.core.now = now;
        if clear {
            for db in &mut self.core.dbs {
                db.clear();
            }
        }
        for (name, value) in &snap.config {
            let _ = self.core.config.set_startup(name, value);
        }
        let access = self.core.new_access();
        let mut loaded = 0;
        for sdb in &snap.dbs {
            let Some(db) = self.core.dbs.get_mut(sdb.db) else {
                continue;
            };
            for k in &sdb.keys {
                if k.expires_at.is_some_and(|t| t <= now) {
                    self.core.stats.expired_keys += 1;
                    continue;
                }
                let value = match &k.value {
                    SavedValue::String { enc, data } => Value::Str {
                        bytes: data.0.clone(),
                        enc: *enc,
                    },
                    SavedValue::Zset { listpack, members } => {
                        let mut z = ZSet::new(*listpack);
                        for (m, s) in members {
                            let score = parse_score(s.as_bytes()).unwrap_or(0.0);
                            if z.score(&m.0).is_none() {
                                z.insert(&m.0, score, &mut self.core.rng);
                            }
                        }
                        Value::ZSet(Box::new(z))
                    }
                    SavedValue::Bloom { bloom } => Value::Bloom(bloom.clone()),
                    SavedValue::Cuckoo { cuckoo } => Value::Cuckoo(cuckoo.clone()),
                    SavedValue::Cms { cms } => Value::Cms(cms.clone()),
                    SavedValue::Topk { topk } => Value::TopK(topk.clone()),
                    // A digest that could not have been made (edited by hand) is skipped.
                    SavedValue::Tdigest { tdigest } if !tdigest.is_consistent() => continue,
                    SavedValue::Tdigest { tdigest } => Value::TDigest(tdigest.clone()),
                    SavedValue::Stream { stream } => {
                        let mut s = stream.clone();
                        s.recount();
                        Value::Stream(s)
                    }
                    SavedValue::List { items } => {
                        let mut l = crate::engine::list::List::default();
                        for v in items {
                            l.push(crate::engine::list::End::Right, v.0.clone());
                        }
                        Value::List(Box::new(l))
                    }
                    SavedValue::Set { intset, members } => {
                        let mut s = crate::engine::set::Set::for_first(b"0");
                        for m in members {
                            s.add(&m.0, usize::MAX);
                        }
                        s.intset = *intset && s.intset;
                        Value::Set(Box::new(s))
                    }
                    SavedValue::Hash { listpack, fields } => {
                        let mut h = Hash::new(*listpack);
                        for (f, v) in fields {
                            h.set(&f.0, v.0.clone(), usize::MAX, usize::MAX);
                        }
                        Value::Hash(Box::new(h))
                    }
                };
                db.remove(&k.key.0);
                db.insert(&k.key.0, Obj::new(value, access));
                if let Some(t) = k.expires_at {
                    db.expires.insert(&k.key.0, t);
                }
                loaded += 1;
            }
        }
        loaded
    }

    /// Parses and restores a JSON snapshot; on error the keyspace is left untouched.
    pub fn restore_json(&mut self, text: &str) -> Result<usize, SnapshotError> {
        let snap = parse_snapshot(text)?;
        Ok(self.restore(&snap))
    }
}

/// Parses a snapshot, telling unreadable JSON apart from JSON of the wrong shape.
pub fn parse_snapshot(text: &str) -> Result<Snapshot, SnapshotError> {
    // One pass, straight into the snapshot's types (no JSON tree in between): a syntax
    // error is unreadable JSON, a data error JSON of the wrong shape.
    let snap: Snapshot = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => SnapshotError::WrongFormat(e.to_string()),
        _ => SnapshotError::Unreadable(e.to_string()),
    })?;
    if snap.format != FORMAT_NAME {
        return Err(SnapshotError::WrongFormat(
            "no kvlab-snapshot header".into(),
        ));
    }
    if snap.version > FORMAT_VERSION {
        return Err(SnapshotError::WrongFormat(format!(
            "version {} is newer than this app understands ({FORMAT_VERSION})",
            snap.version
        )));
    }
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ManualClock, Reply};

    #[test]
    fn rdb_image_plus_sidecar_keeps_everything() {
        let clock = ManualClock::new(1_000_000);
        let mut a = Engine::new(Box::new(clock.clone()), 1);
        let id = a.connect("t", "t");
        for line in [
            "SET s 1",
            "HSET h f v",
            "BF.ADD bf item",
            "CMS.INITBYDIM cms 10 2",
            "TDIGEST.CREATE td",
            "CONFIG SET maxmemory-policy allkeys-lru",
            "SELECT 1",
            "TOPK.RESERVE tk 3",
            "RPUSH l a b",
        ] {
            assert!(!a.exec_words(id, line).is_error(), "{line}");
        }
        // The image holds every key (the probabilistic ones as module values); the
        // sidecar only the configuration.
        let sidecar = a.sidecar_json();
        let snap = parse_snapshot(&sidecar).unwrap();
        assert!(snap.dbs.is_empty());
        let image = a.save_rdb();

        let mut b = Engine::new(Box::new(clock.clone()), 2);
        let bid = b.connect("t", "t");
        b.exec_words(bid, "SET stale x");
        assert_eq!(b.load_rdb(&image).unwrap(), 7);
        assert_eq!(b.merge_json(&sidecar).unwrap(), 0);
        assert_eq!(b.exec_words(bid, "EXISTS stale"), Reply::Int(0));
        assert_eq!(b.exec_words(bid, "DBSIZE"), Reply::Int(5));
        assert_eq!(b.exec_words(bid, "BF.EXISTS bf item"), Reply::Int(1));
        assert_eq!(b.exec_words(bid, "HGET h f"), Reply::bulk("v"));
        b.exec_words(bid, "SELECT 1");
        assert_eq!(b.exec_words(bid, "DBSIZE"), Reply::Int(2));
        assert_eq!(
            b.exec_words(bid, "TYPE tk"),
            Reply::Status("TopK-TYPE".into())
        );
        // Every key comes back the same (Top-K aside: its generator is reseeded and its
        // decay table recomputed), in whatever order the tables hold them.
        let keys = |e: &Engine| {
            let mut v: Vec<(usize, SavedKey)> = e
                .snapshot()
                .dbs
                .into_iter()
                .flat_map(|d| d.keys.into_iter().map(move |k| (d.db, k)))
                .filter(|(_, k)| !matches!(k.value, SavedValue::Topk { .. }))
                .collect();
            v.sort_by(|x, y| (x.0, &x.1.key.0).cmp(&(y.0, &y.1.key.0)));
            v
        };
        assert_eq!(keys(&a), keys(&b));
        assert_eq!(keys(&b).len(), 6);
        assert_eq!(b.snapshot().config, a.snapshot().config);
        // A malformed sidecar changes nothing.
        assert!(b.merge_json("{oops").is_err());
        assert_eq!(b.exec_words(bid, "DBSIZE"), Reply::Int(2));
    }

    /// A sidecar saved by an older version held the probabilistic keys its image lacked:
    /// merged after the image, they come back.
    #[test]
    fn an_older_sidecar_still_puts_its_keys_back() {
        let clock = ManualClock::new(1_000_000);
        let mut a = Engine::new(Box::new(clock.clone()), 1);
        let id = a.connect("t", "t");
        for line in ["SET s 1", "BF.ADD bf item", "TDIGEST.CREATE td"] {
            assert!(!a.exec_words(id, line).is_error(), "{line}");
        }
        // The old sidecar: the probabilistic keys and the configuration, as JSON.
        let old = a.snapshot_where(|v| {
            matches!(
                v,
                Value::Bloom(_)
                    | Value::Cuckoo(_)
                    | Value::Cms(_)
                    | Value::TopK(_)
                    | Value::TDigest(_)
            )
        });
        let old = serde_json::to_string(&old).unwrap();
        let mut b = Engine::new(Box::new(clock.clone()), 2);
        let bid = b.connect("t", "t");
        b.exec_words(bid, "SET s 1");
        assert_eq!(b.merge_json(&old).unwrap(), 2);
        assert_eq!(b.exec_words(bid, "BF.EXISTS bf item"), Reply::Int(1));
        assert_eq!(b.exec_words(bid, "DBSIZE"), Reply::Int(3));
    }

    #[test]
    fn round_trip_keeps_values_ttls_and_config() {
        let clock = ManualClock::new(1_000_000);
        let mut a = Engine::new(Box::new(clock.clone()), 1);
        let id = a.connect("t", "t");
        a.exec_words(id, "SET plain hello");
        a.execute(
            id,
            &[
                b"SET".to_vec(),
                b"bin".to_vec(),
                vec![0, 159, 146, 150, 255],
            ],
        );
        a.exec_words(id, "SET soon v PX 500");
        a.exec_words(id, "SET later v EX 100");
        a.exec_words(id, "SELECT 3");
        a.exec_words(id, "SET in3 x");
        a.exec_words(id, "APPEND in3 y");
        a.exec_words(id, "CONFIG SET maxmemory 2mb");
        let json = a.snapshot_json();

        clock.advance(1000);
        let mut b = Engine::new(Box::new(clock.clone()), 2);
        let loaded = b.restore_json(&json).unwrap();
        assert_eq!(loaded, 4, "the key whose TTL ran out is not restored");
        let id = b.connect("t", "t");
        assert_eq!(b.exec_words(id, "GET plain"), Reply::bulk("hello"));
        assert_eq!(
            b.execute(id, &[b"GET".to_vec(), b"bin".to_vec()]),
            Reply::Bulk(vec![0, 159, 146, 150, 255])
        );
        assert_eq!(b.exec_words(id, "EXISTS soon"), Reply::Int(0));
        assert_eq!(b.exec_words(id, "TTL later"), Reply::Int(99));
        b.exec_words(id, "SELECT 3");
        assert_eq!(b.exec_words(id, "OBJECT ENCODING in3"), Reply::bulk("raw"));
        assert_eq!(b.core.config.maxmemory, 2 * 1024 * 1024);
    }

    #[test]
    fn streams_round_trip_with_nodes_groups_and_pending_entries() {
        let clock = ManualClock::new(1_000_000);
        let mut a = Engine::new(Box::new(clock.clone()), 1);
        let id = a.connect("t", "t");
        a.exec_words(id, "CONFIG SET stream-node-max-entries 3");
        for i in 1..=10 {
            a.exec_words(id, &format!("XADD s {i}-0 f v{i}"));
        }
        a.exec_words(id, "XADD s 11-0 other x");
        a.exec_words(id, "XDEL s 2-0 5-0");
        a.exec_words(id, "XGROUP CREATE s g 0");
        a.exec_words(id, "XREADGROUP GROUP g alice COUNT 4 STREAMS s >");
        a.exec_words(id, "XGROUP CREATECONSUMER s g bob");
        let full = |e: &mut Engine| e.exec_words(id, "XINFO STREAM s FULL");
        let want = full(&mut a);
        let mem = a.exec_words(id, "MEMORY USAGE s");
        let json = a.snapshot_json();

        let mut b = Engine::new(Box::new(clock.clone()), 2);
        assert_eq!(b.restore_json(&json).unwrap(), 1);
        let id = b.connect("t", "t");
        assert_eq!(full(&mut b), want);
        assert_eq!(b.exec_words(id, "MEMORY USAGE s"), mem);
        // The restored stream keeps working: its nodes, IDs and groups.
        assert_eq!(
            b.exec_words(id, "XADD s 11-0 f v"),
            Reply::err(
                "ERR The ID specified in XADD is equal or smaller than the target stream top item"
            )
        );
        assert_eq!(b.exec_words(id, "XACK s g 1-0 3-0"), Reply::Int(2));
        assert_eq!(b.exec_words(id, "XLEN s"), Reply::Int(9));
    }

    #[test]
    fn tdigests_round_trip_with_their_buffer_and_extreme_means() {
        let clock = ManualClock::new(1_000_000);
        let mut a = Engine::new(Box::new(clock.clone()), 1);
        let id = a.connect("t", "t");
        a.exec_words(id, "TDIGEST.CREATE t COMPRESSION 1");
        a.exec_words(
            id,
            "TDIGEST.ADD t 1.7e308 -1.7e308 1.7e308 -1.7e308 5 6 7 1e308",
        );
        a.exec_words(id, "TDIGEST.QUANTILE t 0.5");
        // Some samples merged, some still buffered; a mean that is NaN.
        a.exec_words(id, "TDIGEST.ADD t 1 2");
        let info = |e: &mut Engine| e.exec_words(id, "TDIGEST.INFO t");
        let want = info(&mut a);
        let json = a.snapshot_json();
        let q = |e: &mut Engine| format!("{:?}", e.exec_words(id, "TDIGEST.QUANTILE t 0.2 0.9"));
        let mut b = Engine::new(Box::new(clock.clone()), 2);
        assert_eq!(b.restore_json(&json).unwrap(), 1);
        let id2 = b.connect("t", "t");
        assert_eq!(id2, id);
        assert_eq!(info(&mut b), want);
        assert_eq!(q(&mut b), q(&mut a));
        assert_eq!(
            b.exec_words(id, "TYPE t"),
            Reply::Status("TDIS-TYPE".into())
        );
        // A digest whose counts disagree with its nodes is left out, not trusted.
        let broken = json.replace("\"merged_nodes\":", "\"merged_nodes\":7");
        let mut c = Engine::new(Box::new(clock), 3);
        assert_eq!(c.restore_json(&broken).unwrap(), 0);
    }

    #[test]
    fn bad_snapshots_are_rejected_without_damage() {
        let mut e = Engine::new(Box::new(ManualClock::new(0)), 1);
        let id = e.connect("t", "t");
        e.exec_words(id, "SET keep me");
        assert!(matches!(
            e.restore_json("{not json"),
            Err(SnapshotError::Unreadable(_))
        ));
        assert!(matches!(
            e.restore_json(r#"{"hello": 1}"#),
            Err(SnapshotError::WrongFormat(_))
        ));
        assert!(matches!(
            e.restore_json(r#"{"format":"kvlab-snapshot","version":1,"saved_at":0,"dbs":[{"db":0,"keys":[{"key":"k","type":"string","enc":"raw","data":{"hex":"zz"}}]}]}"#),
            Err(SnapshotError::WrongFormat(_))
        ));
        assert_eq!(e.exec_words(id, "GET keep"), Reply::bulk("me"));
    }
}
