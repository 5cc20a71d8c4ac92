//! Read-only views of the keyspace for the panels: key summaries, SCAN-style pages,
//! the soonest deadlines, and a memory estimate. None of these touch LRU/LFU data, count
//! hits or misses, or delete anything, so looking never changes what is looked at.
//!
//! # The memory model
//!
//! We do not measure our own heap (a browser tab cannot, and our layout differs from
//! Redis's anyway). Instead each key is charged what redis-server 7.0 would allocate for
//! it, allocation by allocation, each rounded up to jemalloc's size classes:
//!
//! - the main table's entry (24 bytes, a 32-byte class) and its share of the bucket
//!   array (8 bytes a key at load factor ~1),
//! - the key as an sds string (header + bytes + NUL),
//! - the value: a small integer is just the 16-byte object header; a string of up to 44
//!   bytes is one "embstr" allocation (header, sds header and bytes together); a longer
//!   one is the header plus a separate sds. A sorted set costs a header plus, as a
//!   listpack, its bytes (about 2 bytes of framing per entry and a short score), or as a
//!   skip list, for each member a node, a table entry, a bucket and the member's sds.
//! - a key with a TTL also has an entry and a bucket in the expires table.
//!
//! MEMORY STATS splits the total as Redis's `getMemoryOverheadData` does: the server at
//! startup, the clients, and per database the tables' own overhead (an entry, an object
//! header and a bucket a key in the main table; an entry and a bucket a key in the
//! expires table); the rest is the dataset.
//!
//! A browser has no resident set size to read, so "RSS" here is a model of the one
//! allocator behaviour a learner needs to know: memory freed by deleting keys is kept by
//! the allocator for reuse, not returned to the system. Our RSS is the highest
//! `used_memory` since start (or since `MEMORY PURGE`, which gives those pages back), and
//! `mem_fragmentation_ratio` is RSS over `used_memory`. Fill to 10 MB, delete half, and
//! the ratio reads 2.0 until new data fills the holes or a purge releases them, as in a
//! real Redis after a peak.
//!
//! Checked against redis-server 7.0.15: 1000 SETs of 100..900-byte values, half with a
//! TTL, grow its `used_memory` by 642 bytes a key; this model gives 642. The figure is
//! kept as running sums (see `db.rs`), never recomputed by scanning.

use super::object::{StrEnc, Value};
use super::util::glob_match;
use super::{Core, Engine};

/// A table entry: key, value and next pointers.
pub const DICT_ENTRY: u64 = 24;
/// A table entry (allocated in jemalloc's 32-byte class) plus a bucket pointer.
pub const PER_KEY_OVERHEAD: u64 = 32 + 8;
/// Extra bytes for a key with a TTL: its entry and bucket in the expires table.
pub const PER_TTL_OVERHEAD: u64 = 32 + 8;
/// Redis's object header (`robj`): type, encoding, LRU, refcount and pointer.
const OBJ_HEADER: u64 = 16;
/// Strings up to this length share one allocation with their object header ("embstr").
const EMBSTR_MAX: u64 = 44;
/// What redis-server reports as used memory with an empty data set and one client.
pub const BASELINE_MEMORY: u64 = 860_000;
/// Each further client that has sent a command: redis-server 7.0.15 grows by 38,090
/// bytes a client with 50 idle connections open (its 16 KB reply buffer, query buffer
/// and client structure). A learner sees why many connections eat into `maxmemory`.
pub const PER_CLIENT_MEMORY: u64 = 38_000;

/// The memory breakdown behind MEMORY STATS, MEMORY DOCTOR and INFO memory.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryReport {
    pub total: u64,
    pub peak: u64,
    pub startup: u64,
    pub clients_normal: u64,
    pub functions: u64,
    /// Databases with keys: table overheads.
    pub dbs: Vec<DbOverhead>,
    /// Everything that is not the dataset.
    pub overhead: u64,
    pub keys: u64,
    /// The modelled resident size (at least `total`).
    pub rss: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DbOverhead {
    pub db: usize,
    pub main: u64,
    pub expires: u64,
}

impl MemoryReport {
    pub fn dataset(&self) -> u64 {
        self.total.saturating_sub(self.overhead)
    }
    /// Memory above startup (at least 1, as Redis divides by it).
    pub fn net_usage(&self) -> u64 {
        self.total.saturating_sub(self.startup).max(1)
    }
}

/// What Redis reports for an empty function library (part of our baseline).
pub const FUNCTIONS_MEMORY: u64 = 200;
/// Redis's table entry and object header, as its overhead figures count them.
const ROBJ: u64 = 16;
const BUCKET: u64 = 8;

/// One key as the eviction policies see it (see [`Engine::access_sample`]).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyAccess {
    pub key: Vec<u8>,
    /// Idle time by the LRU clock (1 s resolution), in ms.
    pub idle_ms: u64,
    /// The LFU log counter after decay, 0..=255.
    pub freq: u32,
    pub ttl_ms: Option<i64>,
    pub bytes: u64,
    /// Sits in the eviction pool: one of the next victims under an LRU/LFU/TTL policy.
    pub pooled: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KeyInfo {
    pub key: Vec<u8>,
    pub type_name: &'static str,
    pub encoding: &'static str,
    /// Milliseconds left, if the key is volatile.
    pub ttl_ms: Option<i64>,
    /// Estimated bytes, as MEMORY USAGE would approximate them.
    pub bytes: u64,
    /// Bytes for a string, elements for a collection.
    pub size: u64,
}

/// Big keys as the learner's notes define them: a string over 10 KB, a collection over
/// 5,000 elements.
pub const BIG_STRING_BYTES: u64 = 10 * 1024;
pub const BIG_COLLECTION_ELEMENTS: u64 = 5000;

/// One key of a big-keys scan.
#[derive(Clone, Debug, PartialEq)]
pub struct BigKey {
    pub key: Vec<u8>,
    pub type_name: &'static str,
    /// Bytes for a string, elements for a collection (what `--bigkeys` compares).
    pub size: u64,
    /// What MEMORY USAGE would estimate.
    pub bytes: u64,
}

/// What a big-keys scan found: the keys over the thresholds (largest first, memory
/// deciding), the largest key of each type, and how many keys it read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BigKeys {
    pub over: Vec<BigKey>,
    pub biggest: Vec<BigKey>,
    pub scanned: usize,
}

/// Whether a key of this type and size is big by the notes' definition.
pub fn is_big(type_name: &str, size: u64) -> bool {
    if type_name == "string" {
        size > BIG_STRING_BYTES
    } else {
        size > BIG_COLLECTION_ELEMENTS
    }
}

/// The size jemalloc really hands out for a request of `n` bytes: its size classes are
/// multiples of 8 and 16 up to 128, then four classes per doubling (160, 192, 224, 256,
/// 320, ...), so a request wastes up to a fifth of itself.
pub fn alloc_size(n: u64) -> u64 {
    if n <= 8 {
        8
    } else if n <= 128 {
        n.div_ceil(16) * 16
    } else {
        let spacing = 1u64 << (63 - (n - 1).leading_zeros() - 2);
        n.div_ceil(spacing) * spacing
    }
}

/// An sds string of `len` bytes: header (its width grows with the length), bytes, NUL.
pub fn sds_size(len: u64) -> u64 {
    let header = match len {
        0..256 => 3,
        256..65_536 => 5,
        65_536..4_294_967_296 => 9,
        _ => 17,
    };
    alloc_size(header + len + 1)
}

/// A listpack entry's back-length field: 7 bits of length per byte.
fn listpack_backlen(entry: u64) -> u64 {
    match entry {
        0..128 => 1,
        128..16_384 => 2,
        16_384..2_097_152 => 3,
        2_097_152..268_435_456 => 4,
        _ => 5,
    }
}

/// A listpack entry for `bytes`: a string that reads as an integer is stored in one of
/// the integer encodings (`lpStringToInt64`), anything else as a string.
pub fn listpack_entry(bytes: &[u8]) -> u64 {
    match crate::engine::util::parse_i64(bytes) {
        Some(v) => listpack_int_entry(v),
        None => listpack_str_entry(bytes.len() as u64),
    }
}

/// A listpack integer entry: the smallest of the 7, 13, 16, 24, 32 and 64-bit encodings,
/// and a one-byte back-length.
pub fn listpack_int_entry(v: i64) -> u64 {
    let body = match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32_768..=32_767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    };
    body + 1
}

/// A listpack string entry of `len` bytes: encoding byte(s), bytes, back-length.
pub fn listpack_str_entry(len: u64) -> u64 {
    let head = match len {
        0..64 => 1,
        64..4096 => 2,
        _ => 5,
    };
    head + len + listpack_backlen(head + len)
}

/// A score in a listpack: integers get the compact integer encodings (a geohash takes
/// the 8-byte one), anything else is stored as its 17-digit text.
fn listpack_score_entry(score: f64) -> u64 {
    if score.fract() == 0.0 && score.abs() < 9.0e15 {
        listpack_int_entry(score as i64)
    } else {
        listpack_str_entry(crate::engine::reply::format_double_g17(score).len() as u64)
    }
}

/// A key's sds: keys under 32 bytes use the one-byte header type.
pub fn key_sds_size(len: u64) -> u64 {
    if len < 32 {
        alloc_size(1 + len + 1)
    } else {
        sds_size(len)
    }
}

/// What a value costs Redis, by encoding (see the module comment).
pub fn value_bytes(v: &Value) -> u64 {
    match v {
        Value::Str { bytes, enc } => {
            let len = bytes.len() as u64;
            match enc {
                StrEnc::Int => OBJ_HEADER,
                _ if len <= EMBSTR_MAX => alloc_size(OBJ_HEADER + 3 + len + 1),
                _ => OBJ_HEADER + sds_size(len),
            }
        }
        Value::ZSet(z) => {
            let n = z.len() as u64;
            let members = z.member_bytes() as u64;
            if z.listpack {
                // A 6-byte header, an end byte, and an entry per member and per score.
                // A listpack is small (128 entries by default), so walking it is cheap.
                let entries: u64 = z
                    .dict
                    .iter()
                    .map(|(m, &s)| listpack_str_entry(m.len() as u64) + listpack_score_entry(s))
                    .sum();
                OBJ_HEADER + alloc_size(7 + entries)
            } else {
                // The zset, its dict and skip list headers, then per member: a node
                // (1.33 levels on average, ~52 bytes once rounded), a dict entry, a bucket
                // and the member's sds (header, NUL and rounding, ~8 bytes).
                OBJ_HEADER + 16 + 96 + 64 + n * (52 + 24 + 8 + 8) + members
            }
        }
        Value::Hash(h) => {
            // A listpack: a 6-byte header, an end byte and an entry per field and value.
            // A hash table: the dict and its buckets, then per field a dict entry and the
            // field's and value's sds. Both sums are kept as the hash changes.
            if h.listpack {
                OBJ_HEADER + alloc_size(7 + h.listpack_bytes())
            } else {
                OBJ_HEADER
                    + dict_table_bytes(h.len() as u64)
                    + h.len() as u64 * DICT_ENTRY
                    + h.sds_bytes()
            }
        }
        Value::List(l) => OBJ_HEADER + l.bytes(),
        Value::Stream(s) => OBJ_HEADER + s.mem_bytes(),
        // Module types: what the module's `mem_usage` callback reports, as MEMORY USAGE
        // shows it (redis-server adds no object header for them).
        Value::Bloom(b) => b.mem_usage(),
        Value::Cuckoo(c) => c.mem_usage(),
        Value::Cms(c) => c.mem_usage(),
        Value::TopK(t) => t.mem_usage(),
        Value::TDigest(t) => t.mem_usage(),
        Value::Set(s) => {
            // An intset: an 8-byte header and the members at their common width. A hash
            // table: the dict and buckets, a dict entry and an sds per member.
            if s.intset {
                OBJ_HEADER + alloc_size(8 + s.len() as u64 * s.intset_width())
            } else {
                OBJ_HEADER
                    + dict_table_bytes(s.len() as u64)
                    + s.len() as u64 * DICT_ENTRY
                    + s.sds_bytes()
            }
        }
    }
}

/// A hash table's own cost: the dict struct and its bucket array (a power of two, at
/// least 4, no smaller than the number of entries), without the entries.
pub fn dict_table_bytes(entries: u64) -> u64 {
    56 + 8 * entries.next_power_of_two().max(4)
}

/// The estimate a key and its value are counted at (without its TTL entry), in O(1).
/// Saturates at `u32::MAX`, which `Obj::acct` can hold.
pub fn obj_size(key_len: usize, v: &Value) -> u64 {
    PER_KEY_OVERHEAD
        .saturating_add(key_sds_size(key_len as u64))
        .saturating_add(value_bytes(v))
}

impl Engine {
    fn live(&self, db: usize, key: &[u8]) -> bool {
        let now = self.now_ms();
        self.core.dbs[db]
            .expires
            .get(key)
            .is_none_or(|&when| when > now)
    }

    /// `redis-cli --bigkeys`, as a read-only view: every live key of `db` read once, the
    /// largest of each type kept, and those over the big-key thresholds listed (up to
    /// `limit`, by memory). On demand only: it reads the whole database.
    pub fn big_keys(&self, db: usize, limit: usize) -> BigKeys {
        let mut out = BigKeys::default();
        let Some(d) = self.core.dbs.get(db) else {
            return out;
        };
        let mut biggest: Vec<BigKey> = Vec::new();
        for (k, o) in d.keys.iter() {
            if !self.live(db, k) {
                continue;
            }
            out.scanned += 1;
            let b = BigKey {
                key: k.to_vec(),
                type_name: o.value.type_name(),
                size: o.value.size(),
                bytes: o.acct,
            };
            match biggest.iter_mut().find(|x| x.type_name == b.type_name) {
                Some(x) if x.size >= b.size => {}
                Some(x) => *x = b.clone(),
                None => biggest.push(b.clone()),
            }
            if is_big(b.type_name, b.size) {
                out.over.push(b);
            }
        }
        out.over
            .sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.key.cmp(&b.key)));
        out.over.truncate(limit);
        biggest.sort_by_key(|b| b.type_name);
        out.biggest = biggest;
        out
    }

    /// A summary of one key, or `None` if it is missing or its TTL has passed.
    pub fn key_info(&self, db: usize, key: &[u8]) -> Option<KeyInfo> {
        let d = self.core.dbs.get(db)?;
        let o = d.keys.get(key)?;
        if !self.live(db, key) {
            return None;
        }
        let ttl_ms = d.expires.get(key).map(|&w| w - self.now_ms());
        Some(KeyInfo {
            key: key.to_vec(),
            type_name: o.value.type_name(),
            encoding: o.value.encoding_name(),
            ttl_ms,
            bytes: o.acct
                + if ttl_ms.is_some() {
                    PER_TTL_OVERHEAD
                } else {
                    0
                },
            size: o.value.size(),
        })
    }

    /// A sorted set (or geo set), for display.
    pub fn peek_zset(&self, db: usize, key: &[u8]) -> Option<&crate::engine::zset::ZSet> {
        if !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::ZSet(z) => Some(z),
            _ => None,
        }
    }

    /// A hash, read-only (no expiry, no touch), or None if missing, expired or another
    /// type: for the panels, which show a window of its fields.
    pub fn peek_hash(&self, db: usize, key: &[u8]) -> Option<&crate::engine::hash::Hash> {
        if !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::Hash(h) => Some(h),
            _ => None,
        }
    }

    /// A set, read-only (no expiry, no touch), or None if missing, expired or another type.
    pub fn peek_set(&self, db: usize, key: &[u8]) -> Option<&crate::engine::set::Set> {
        if !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::Set(s) => Some(s),
            _ => None,
        }
    }

    /// A list, read-only (no expiry, no touch), or None if missing, expired or another type.
    pub fn peek_list(&self, db: usize, key: &[u8]) -> Option<&crate::engine::list::List> {
        if !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// A stream, read-only (no expiry, no touch), or None if missing, expired or another
    /// type: for the stream panel.
    pub fn peek_stream(&self, db: usize, key: &[u8]) -> Option<&crate::engine::stream::Stream> {
        if !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::Stream(s) => Some(s),
            _ => None,
        }
    }

    /// A Bloom filter (BF.*), read-only (no expiry, no touch, no hit counted), or None
    /// if missing, expired or another type: for the Bloom panel.
    pub fn peek_bloom(&self, db: usize, key: &[u8]) -> Option<&crate::engine::bloom::Chain> {
        if db >= self.core.dbs.len() || !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::Bloom(b) => Some(b),
            _ => None,
        }
    }

    /// A cuckoo filter (CF.*), read-only, for the Cuckoo panel.
    pub fn peek_cuckoo(&self, db: usize, key: &[u8]) -> Option<&crate::engine::cuckoo::Cuckoo> {
        if db >= self.core.dbs.len() || !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::Cuckoo(c) => Some(c),
            _ => None,
        }
    }

    /// A Count-Min Sketch (CMS.*), read-only, for the Count-Min panel.
    pub fn peek_cms(&self, db: usize, key: &[u8]) -> Option<&crate::engine::cms::Cms> {
        if db >= self.core.dbs.len() || !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::Cms(c) => Some(c),
            _ => None,
        }
    }

    /// A t-digest (TDIGEST.*), read-only, for the t-digest panel.
    pub fn peek_tdigest(&self, db: usize, key: &[u8]) -> Option<&crate::engine::tdigest::TDigest> {
        if db >= self.core.dbs.len() || !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::TDigest(t) => Some(t),
            _ => None,
        }
    }

    /// A Top-K (TOPK.*), read-only, for the Top-K panel.
    pub fn peek_topk(&self, db: usize, key: &[u8]) -> Option<&crate::engine::topk::TopK> {
        if db >= self.core.dbs.len() || !self.live(db, key) {
            return None;
        }
        match &self.core.dbs.get(db)?.keys.get(key)?.value {
            Value::TopK(t) => Some(t),
            _ => None,
        }
    }

    /// The LFU counter of a key as OBJECT FREQ would report it, read-only (the decay is
    /// computed, not stored; no touch), or None when missing or the policy is not LFU.
    pub fn peek_lfu(&self, db: usize, key: &[u8]) -> Option<u32> {
        if db >= self.core.dbs.len() || !self.live(db, key) || !self.core.config.policy.is_lfu() {
            return None;
        }
        let obj = self.core.dbs.get(db)?.keys.get(key)?;
        Some(self.core.lfu_decayed(obj.access.lfu))
    }

    /// The value of a string key, for display.
    pub fn peek_string(&self, db: usize, key: &[u8]) -> Option<&[u8]> {
        if !self.live(db, key) {
            return None;
        }
        self.core
            .dbs
            .get(db)?
            .keys
            .get(key)?
            .value
            .as_str()
            .map(|v| &v[..])
    }

    /// One page of keys in SCAN order from `cursor`, at least `count` buckets' worth,
    /// filtered by a glob. Returns the next cursor (0 at the end) and the keys.
    pub fn scan_page(
        &self,
        db: usize,
        cursor: u64,
        pattern: &[u8],
        count: usize,
    ) -> (u64, Vec<Vec<u8>>) {
        let Some(d) = self.core.dbs.get(db) else {
            return (0, Vec::new());
        };
        let all = pattern.is_empty() || pattern == b"*";
        let mut out = Vec::new();
        let mut c = cursor;
        let mut visits = 0;
        loop {
            c = d.keys.scan(c, |k, _| {
                if (all || glob_match(pattern, k, false)) && self.live(db, k) {
                    out.push(k.to_vec());
                }
            });
            visits += 1;
            if c == 0 || out.len() >= count || visits >= count * 10 {
                break;
            }
        }
        (c, out)
    }

    /// What the eviction policies see of up to `limit` keys of `db` (every k-th key of
    /// the table when there are more): idle time, LFU counter, TTL, size, and whether the
    /// key waits in the eviction pool as one of the next victims.
    pub fn access_sample(&self, db: usize, limit: usize) -> Vec<KeyAccess> {
        let Some(d) = self.core.dbs.get(db) else {
            return Vec::new();
        };
        let n = d.keys.len();
        let take = n.min(limit);
        let pool = self.core.eviction_pool();
        (0..take)
            .map(|j| j * n / take)
            .filter_map(|i| {
                let (key, obj) = d.keys.at(i);
                let deadline = d.expires.get(key).copied();
                if deadline.is_some_and(|t| t <= self.core.now) {
                    return None;
                }
                Some(KeyAccess {
                    key: key.to_vec(),
                    idle_ms: self.core.idle_ms(obj.access.clock),
                    freq: self.core.lfu_decayed(obj.access.lfu),
                    ttl_ms: deadline.map(|t| t - self.core.now),
                    bytes: obj.acct,
                    pooled: pool.iter().any(|c| c.db == db && c.key == key),
                })
            })
            .collect()
    }

    /// Up to `limit` volatile keys of `db` with the nearest deadlines, soonest first.
    pub fn soonest_deadlines(&self, db: usize, limit: usize) -> Vec<(Vec<u8>, i64)> {
        let Some(d) = self.core.dbs.get(db) else {
            return Vec::new();
        };
        let mut v: Vec<(&[u8], i64)> = d.expires.iter().map(|(k, &w)| (k, w)).collect();
        if v.len() > limit {
            v.select_nth_unstable_by_key(limit, |e| e.1);
            v.truncate(limit);
        }
        v.sort_by_key(|e| e.1);
        v.into_iter().map(|(k, w)| (k.to_vec(), w)).collect()
    }

    /// Estimated memory in use: a baseline plus every key's estimate.
    pub fn used_memory(&self) -> u64 {
        self.core.used_memory()
    }
}

impl Core {
    /// See [`Engine::used_memory`]. O(number of databases): each keeps its sum.
    pub fn used_memory(&self) -> u64 {
        self.fixed_memory() + self.dataset_memory()
    }

    /// Records the high-water marks after a command: the peak (INFO's used_memory_peak)
    /// and the modelled resident size.
    pub fn note_memory(&mut self) {
        let used = self.used_memory();
        self.stats.peak_memory = self.stats.peak_memory.max(used);
        self.rss_mark = self.rss_mark.max(used);
        self.noted_clients = self.connected_clients;
    }

    /// MEMORY PURGE: the allocator returns what it kept beyond what is in use.
    pub fn purge_memory(&mut self) {
        self.rss_mark = self.used_memory();
    }

    /// The breakdown of `used_memory` (see the module's notes).
    pub fn memory_report(&self) -> MemoryReport {
        let total = self.used_memory();
        // Every connected client's buffers, as Redis counts them (BASELINE_MEMORY holds
        // the first one's: the server at startup is what is left of it).
        let clients_normal = self.connected_clients as u64 * PER_CLIENT_MEMORY;
        let startup = (self.fixed_memory() - FUNCTIONS_MEMORY).saturating_sub(clients_normal);
        let mut overhead = startup + clients_normal + FUNCTIONS_MEMORY;
        let mut dbs = Vec::new();
        let mut keys = 0;
        for (i, d) in self.dbs.iter().enumerate() {
            let n = d.keys.len() as u64;
            if n == 0 {
                continue;
            }
            keys += n;
            let main = n * (DICT_ENTRY + ROBJ) + d.keys.buckets() as u64 * BUCKET;
            let expires = d.expires.len() as u64 * DICT_ENTRY + d.expires.buckets() as u64 * BUCKET;
            overhead += main + expires;
            dbs.push(DbOverhead {
                db: i,
                main,
                expires,
            });
        }
        MemoryReport {
            total,
            peak: self.stats.peak_memory.max(total),
            startup,
            clients_normal,
            functions: FUNCTIONS_MEMORY,
            dbs,
            overhead,
            keys,
            rss: self.rss_mark.max(total),
        }
    }

    /// What is used whatever the data: the server itself and its clients.
    pub fn fixed_memory(&self) -> u64 {
        BASELINE_MEMORY + self.connected_clients.saturating_sub(1) as u64 * PER_CLIENT_MEMORY
    }

    /// The part of `used_memory` spent on keys and values.
    pub fn dataset_memory(&self) -> u64 {
        self.dbs
            .iter()
            .map(|db| db.used() + db.expires.len() as u64 * PER_TTL_OVERHEAD)
            .sum()
    }

    /// The same figure recomputed by walking every key: what the running sums must equal.
    pub fn used_memory_by_scan(&self) -> u64 {
        let mut n = self.fixed_memory();
        for db in &self.dbs {
            let extra = if db.slots.is_some() {
                u64::from(super::cluster::PER_KEY_SLOT_OVERHEAD)
            } else {
                0
            };
            for (k, o) in db.keys.iter() {
                n += obj_size(k.len(), &o.value) + extra;
            }
            n += db.expires.len() as u64 * PER_TTL_OVERHEAD;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, ManualClock};

    #[test]
    fn views_do_not_change_the_keyspace() {
        let clock = ManualClock::new(10_000);
        let mut e = Engine::new(Box::new(clock.clone()), 1);
        let id = e.connect("t", "t");
        for i in 0..300 {
            e.exec_words(id, &format!("SET key:{i} v"));
        }
        e.exec_words(id, "SET gone v PX 10");
        e.exec_words(id, "SET soon v PX 5000");
        e.exec_words(id, "SET later v PX 9000");
        clock.advance(20);
        let hits = e.core.stats.keyspace_hits;
        let mut cursor = 0;
        let mut seen = 0;
        loop {
            let (next, keys) = e.scan_page(0, cursor, b"key:*", 50);
            seen += keys.len();
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen, 300);
        assert_eq!(e.key_info(0, b"gone"), None, "expired keys are not shown");
        let info = e.key_info(0, b"soon").unwrap();
        assert_eq!(
            (info.type_name, info.encoding, info.ttl_ms),
            ("string", "embstr", Some(4980))
        );
        let soonest = e.soonest_deadlines(0, 2);
        assert_eq!(soonest[0].0, b"gone");
        assert_eq!(soonest[1].0, b"soon");
        assert_eq!(e.core.stats.keyspace_hits, hits);
        assert_eq!(
            e.core.dbs[0].keys.len(),
            303,
            "nothing was deleted by looking"
        );
    }
}
