//! Cluster mode: the engine as a single-node Redis Cluster (`cluster-enabled yes`).
//!
//! # What a learner sees
//!
//! Redis Cluster splits the keyspace into 16384 hash slots. A key's slot is the CRC16
//! (XMODEM: polynomial 0x1021, initial value 0, no reflection) of the key, modulo 16384
//! (`& 0x3FFF`). A *hash tag* lets several keys share a slot: if the key contains a `{`
//! and, somewhere after it, a `}`, and at least one byte lies between them, only those
//! bytes are hashed. Exactly as Redis's `keyHashSlot` reads a key:
//!
//! - the first `{` counts, and the first `}` after it: `a{b}{c}` hashes `b`,
//!   `{a}}` hashes `a`, `{{a}` hashes `{a`;
//! - `{}` (nothing between) disables the tag and the whole key is hashed, even when a
//!   later pair would have had content: `a{}b{c}` hashes all of `a{}b{c}`;
//! - a `{` with no `}` after it hashes the whole key (`{a`); so does a key without `{`;
//! - the empty key is slot 0 (CRC16 of nothing is 0).
//!
//! A command may touch several keys only if they all hash to one slot (the same key
//! repeated is fine); otherwise the node refuses it before it runs with
//! `-CROSSSLOT Keys in request don't hash to the same slot`. That is the whole lesson of
//! hash tags: `MSET {user:1}:name a {user:1}:mail b` works, `MSET name a mail b` does not.
//!
//! # How Redis 7.0.15 decides (src/cluster.c `getNodeByQuery`, src/server.c)
//!
//! `processCommand` runs the check after the unknown-command, arity, DEBUG-protection
//! and "not allowed inside a transaction" checks, and before OOM and Pub/Sub-context
//! checks, for every command with key specs (or movable keys) and for EXEC. The keys are
//! found by `getKeysFromCommand`: the command's own key finder where it has one (EVAL,
//! ZUNIONSTORE, XREAD, SORT, SET, GEORADIUS … see [`command_keys`]), otherwise the legacy
//! first/last/step range. EXEC is checked as one request made of all queued commands.
//! For each key in order: the first key's slot must be served (else
//! `-CLUSTERDOWN Hash slot not served`), every other *different* key must hash to the
//! same slot (else `-CROSSSLOT …`). If there were keys and the cluster state is `fail`
//! (not every slot assigned), `-CLUSTERDOWN The cluster is down`. Refused, a command
//! counts as a rejected call; inside MULTI it flags the transaction (EXEC then answers
//! EXECABORT), and a refused EXEC discards the transaction and answers the cluster error
//! itself (not EXECABORT). Commands inside EXEC and scripts are not checked again by
//! `processCommand`; a script's `redis.call` is checked by `scriptVerifyClusterState`:
//! a key in another slot than the script's declared keys (or than its first accessed
//! key) fails with "Script attempted to access keys that do not hash to the same slot".
//!
//! Elsewhere cluster mode only narrows things: SELECT of a db other than 0, MOVE,
//! SWAPDB, COPY … DB, SORT … BY pattern and SORT … GET are refused with Redis's errors;
//! INFO says `redis_mode:cluster` and `cluster_enabled:1`, HELLO says `mode cluster`.
//!
//! # The node
//!
//! One master that knows only itself: a 40-hex-digit node id drawn from the engine's seed
//! (Redis draws it at random when it creates nodes.conf), epochs (BUMPEPOCH,
//! SET-CONFIG-EPOCH), and the slot map as a 16384-bit bitmap. The engine starts owning
//! every slot (the state a real node reaches after `CLUSTER ADDSLOTSRANGE 0 16383`), so
//! a learner can start typing at once; DELSLOTS/FLUSHSLOTS/ADDSLOTS work on the map, and
//! the state is `ok` exactly when all 16384 slots are assigned (Redis's default
//! `cluster-require-full-coverage yes`). There is no cluster bus, so no MEET and no other
//! nodes; the node's IP is empty, as on a real node that never met another one.
//!
//! # Keys by slot
//!
//! `CLUSTER COUNTKEYSINSLOT` and `GETKEYSINSLOT` need the keys of a slot without a scan.
//! In cluster mode, database 0 keeps a [`SlotIndex`] updated by the one write path in
//! `db.rs` (insert, remove, clear): a count per slot and the keys of each slot newest
//! first, as Redis links a new key at the head of its slot's list (an overwrite keeps
//! its place). Redis charges each key 16 bytes for those links (its dict entry metadata,
//! 40 bytes in jemalloc's 48-byte class instead of 24 in the 32-byte one); so do we, in
//! used_memory and MEMORY USAGE. The browser's keyspace panel can group keys by slot
//! with [`key_slot`] and `Engine::slot_counts` (which works in either mode).

use std::collections::BTreeMap;

use super::dict::FastMap;
use super::table::{self, CommandSpec};

/// Number of hash slots.
pub const SLOTS: usize = 16384;

/// Extra bytes Redis allocates per key in cluster mode (the slot list's links push the
/// dict entry from the 32-byte class to the 48-byte one).
pub const PER_KEY_SLOT_OVERHEAD: u32 = 16;

/// CRC16/XMODEM's table (polynomial 0x1021), computed at compile time.
const CRC16_TABLE: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut b = 0;
        while b < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            b += 1;
        }
        t[i] = crc;
        i += 1;
    }
    t
};

/// CRC16/XMODEM of `data`, as Redis's crc16.c computes it.
pub fn crc16(data: &[u8]) -> u16 {
    data.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ CRC16_TABLE[(((crc >> 8) as u8) ^ b) as usize]
    })
}

/// The part of `key` that is hashed: the bytes of its first hash tag, or the whole key
/// (see the module notes for the rules).
pub fn hash_tag(key: &[u8]) -> &[u8] {
    let Some(s) = key.iter().position(|&c| c == b'{') else {
        return key;
    };
    match key[s + 1..].iter().position(|&c| c == b'}') {
        Some(len) if len > 0 => &key[s + 1..s + 1 + len],
        _ => key,
    }
}

/// The hash slot of a key (Redis's `keyHashSlot`).
pub fn key_slot(key: &[u8]) -> u16 {
    crc16(hash_tag(key)) & 0x3FFF
}

/// The single node's view of the cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub node_id: String,
    /// Bit `s` set when this node serves slot `s`.
    owned: Vec<u64>,
    assigned: usize,
    pub current_epoch: u64,
    pub config_epoch: u64,
    /// The client port and the cluster bus port (`port + 10000`), as CLUSTER NODES shows.
    pub port: u16,
    pub bus_port: u32,
    /// A counter for the node ids drawn after the first (CLUSTER RESET HARD).
    resets: u64,
    seed: u64,
}

/// Why a request was refused (Redis's `CLUSTER_REDIR_*`, the single-node ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    CrossSlot,
    Unbound,
    Down,
}

impl Refusal {
    /// The error as `clusterRedirectClient` words it.
    pub fn error(self) -> &'static str {
        match self {
            Refusal::CrossSlot => "CROSSSLOT Keys in request don't hash to the same slot",
            Refusal::Unbound => "CLUSTERDOWN Hash slot not served",
            Refusal::Down => "CLUSTERDOWN The cluster is down",
        }
    }
}

impl Cluster {
    /// A node serving every slot (the state after `CLUSTER ADDSLOTSRANGE 0 16383`).
    pub fn new(seed: u64, port: u16) -> Cluster {
        let mut c = Cluster {
            node_id: String::new(),
            owned: vec![u64::MAX; SLOTS / 64],
            assigned: SLOTS,
            current_epoch: 0,
            config_epoch: 0,
            port,
            bus_port: port as u32 + 10000,
            resets: 0,
            seed,
        };
        c.node_id = c.draw_id();
        c
    }

    fn draw_id(&mut self) -> String {
        use rand::rngs::StdRng;
        use rand::{RngExt, SeedableRng};
        // Its own generator, so the engine's random sequence is left as it was.
        let mut r = StdRng::seed_from_u64(self.seed ^ 0x0043_6c75_7374_6572 ^ self.resets);
        self.resets += 1;
        (0..40)
            .map(|_| char::from(b"0123456789abcdef"[r.random_range(0..16)]))
            .collect()
    }

    pub fn owns(&self, slot: usize) -> bool {
        slot < SLOTS && self.owned[slot / 64] & (1 << (slot % 64)) != 0
    }

    pub fn assigned(&self) -> usize {
        self.assigned
    }

    /// `ok` when every slot is served (cluster-require-full-coverage yes).
    pub fn state_ok(&self) -> bool {
        self.assigned == SLOTS
    }

    /// Masters serving at least one slot.
    pub fn size(&self) -> usize {
        usize::from(self.assigned > 0)
    }

    pub fn set_slot(&mut self, slot: usize, on: bool) {
        if slot >= SLOTS || self.owns(slot) == on {
            return;
        }
        let bit = 1u64 << (slot % 64);
        if on {
            self.owned[slot / 64] |= bit;
            self.assigned += 1;
        } else {
            self.owned[slot / 64] &= !bit;
            self.assigned -= 1;
        }
    }

    /// The served slots as inclusive ranges, ascending.
    pub fn ranges(&self) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for s in 0..SLOTS {
            if !self.owns(s) {
                continue;
            }
            match out.last_mut() {
                Some((_, end)) if *end + 1 == s => *end = s,
                _ => out.push((s, s)),
            }
        }
        out
    }

    /// CLUSTER BUMPEPOCH: true for BUMPED, false for STILL.
    pub fn bump_epoch(&mut self) -> bool {
        let max = self.current_epoch.max(self.config_epoch);
        if self.config_epoch == 0 || self.config_epoch != max {
            self.current_epoch += 1;
            self.config_epoch = self.current_epoch;
            true
        } else {
            false
        }
    }

    /// CLUSTER RESET: every slot unassigned; a hard reset also zeroes the epochs and
    /// draws a new node id.
    pub fn reset(&mut self, hard: bool) {
        self.owned.iter_mut().for_each(|w| *w = 0);
        self.assigned = 0;
        if hard {
            self.current_epoch = 0;
            self.config_epoch = 0;
            self.node_id = self.draw_id();
        }
    }

    /// Redis's `getNodeByQuery` for one node: the slot of the request's keys (None when
    /// it has none), or why it is refused. `requests` are the commands checked together
    /// (one, or EXEC's queue).
    pub fn route<'a>(
        &self,
        requests: impl IntoIterator<Item = (&'static CommandSpec, &'a [Vec<u8>])>,
    ) -> Result<Option<u16>, Refusal> {
        let mut first: Option<(&[u8], u16)> = None;
        for (spec, argv) in requests {
            for pos in command_keys(spec, argv) {
                let key = &argv[pos][..];
                let slot = key_slot(key);
                match first {
                    None => {
                        if !self.owns(slot as usize) {
                            return Err(Refusal::Unbound);
                        }
                        first = Some((key, slot));
                    }
                    Some((k, s)) => {
                        if k != key && s != slot {
                            return Err(Refusal::CrossSlot);
                        }
                    }
                }
            }
        }
        match first {
            None => Ok(None),
            Some(_) if !self.state_ok() => Err(Refusal::Down),
            Some((_, s)) => Ok(Some(s)),
        }
    }
}

/// Whether `processCommand` checks a command's keys at all: it has key specs (or movable
/// keys), or it is EXEC.
pub fn is_checked(spec: &CommandSpec) -> bool {
    (spec.container.is_none() && spec.name == "exec")
        || spec.flags.contains(table::Flags::MOVABLEKEYS)
        || !spec.key_specs().is_empty()
}

/// The positions of a command's keys as Redis's `getKeysFromCommand` finds them: the
/// command's key finder where it has one, else the legacy first/last/step range (which
/// yields nothing when the arguments are too few for it).
pub fn command_keys(spec: &CommandSpec, argv: &[Vec<u8>]) -> Vec<usize> {
    let argc = argv.len();
    let eq = |i: usize, w: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    // genericGetKeys: `num` from atoi (0 when not a number); no keys unless
    // 1 <= num <= argc - first.
    let numkeys = |store: usize, count: usize, first: usize| -> Vec<usize> {
        let num = atoi(argv.get(count).map_or(&[][..], |a| &a[..]));
        if num < 1 || num > (argc as i64 - first as i64) {
            return Vec::new();
        }
        let mut out: Vec<usize> = (0..num as usize).map(|i| first + i).collect();
        if store > 0 {
            out.push(store);
        }
        out
    };
    if spec.container.is_none() {
        match spec.name {
            "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" | "blmpop"
            | "bzmpop" => return numkeys(0, 2, 3),
            "sintercard" | "zunion" | "zinter" | "zdiff" | "zintercard" | "lmpop" | "zmpop" => {
                return numkeys(0, 1, 2)
            }
            "zunionstore" | "zinterstore" | "zdiffstore" => return numkeys(1, 2, 3),
            "set" | "bitfield" | "sort_ro" => return vec![1],
            "migrate" => return super::table::migrate_keys(argv),
            "sort" => {
                let mut store = None;
                let mut i = 2;
                while i < argc {
                    if eq(i, "limit") {
                        i += 2;
                    } else if eq(i, "get") || eq(i, "by") {
                        i += 1;
                    } else if eq(i, "store") && i + 1 < argc {
                        store = Some(i + 1);
                    }
                    i += 1;
                }
                let mut out = vec![1];
                out.extend(store);
                return out;
            }
            "georadius" | "georadiusbymember" => {
                let mut out = vec![1];
                let mut stored = None;
                let mut i = 5;
                while i < argc {
                    if (eq(i, "store") || eq(i, "storedist")) && i + 1 < argc {
                        stored = Some(i + 1);
                        i += 1;
                    }
                    i += 1;
                }
                out.extend(stored);
                return out;
            }
            "xread" | "xreadgroup" => {
                let mut streams = None;
                let mut i = 1;
                while i < argc {
                    if eq(i, "block") || eq(i, "count") {
                        i += 1;
                    } else if eq(i, "group") {
                        i += 2;
                    } else if eq(i, "noack") {
                    } else if eq(i, "streams") {
                        streams = Some(i);
                        break;
                    } else {
                        break;
                    }
                    i += 1;
                }
                let Some(at) = streams else {
                    return Vec::new();
                };
                let num = argc - at - 1;
                if num == 0 || num % 2 != 0 {
                    return Vec::new();
                }
                return (at + 1..at + 1 + num / 2).collect();
            }
            _ => {}
        }
    }
    legacy_range(spec, argc)
}

/// `getKeysUsingLegacyRangeSpec`.
fn legacy_range(spec: &CommandSpec, argc: usize) -> Vec<usize> {
    if spec.first_key <= 0 {
        return Vec::new();
    }
    let first = spec.first_key as i64;
    let argc = argc as i64;
    let last = if spec.last_key < 0 {
        argc + spec.last_key as i64
    } else {
        spec.last_key as i64
    };
    let step = spec.step.max(1) as i64;
    let mut out = Vec::new();
    let mut j = first;
    while j <= last {
        if j >= argc {
            return Vec::new();
        }
        out.push(j as usize);
        j += step;
    }
    out
}

/// C's `atoi`: leading spaces, a sign, digits; 0 when there are none (saturating where
/// C would be undefined).
pub(crate) fn atoi(a: &[u8]) -> i64 {
    let mut i = 0;
    while i < a.len() && matches!(a[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let neg = match a.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    while let Some(d) = a.get(i).filter(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add((d - b'0') as i64);
        i += 1;
    }
    // atoi returns an int: keep within i32 as a 64-bit build would wrap.
    let v = if neg { -v } else { v };
    v as i32 as i64
}

/// The keys of one database by slot: a count per slot and each slot's keys newest first
/// (what COUNTKEYSINSLOT and GETKEYSINSLOT read). Kept for database 0 in cluster mode.
#[derive(Default, Clone, Debug)]
pub struct SlotIndex {
    counts: Vec<u32>,
    /// Insertion sequence of each key.
    seq: FastMap<Vec<u8>, u64>,
    /// (slot, reversed sequence) → key: ascending order is newest first within a slot.
    by_slot: BTreeMap<(u16, u64), Vec<u8>>,
    next: u64,
}

impl SlotIndex {
    pub fn new() -> SlotIndex {
        SlotIndex {
            counts: vec![0; SLOTS],
            ..Default::default()
        }
    }

    /// A key was added (not for an overwrite, which keeps its place).
    pub fn add(&mut self, key: &[u8]) {
        if self.seq.contains_key(key) {
            return;
        }
        let slot = key_slot(key);
        self.next += 1;
        let n = self.next;
        self.seq.insert(key.to_vec(), n);
        self.by_slot.insert((slot, u64::MAX - n), key.to_vec());
        self.counts[slot as usize] += 1;
    }

    pub fn remove(&mut self, key: &[u8]) {
        if let Some(n) = self.seq.remove(key) {
            let slot = key_slot(key);
            self.by_slot.remove(&(slot, u64::MAX - n));
            self.counts[slot as usize] -= 1;
        }
    }

    pub fn clear(&mut self) {
        *self = SlotIndex::new();
    }

    pub fn count(&self, slot: u16) -> u32 {
        self.counts.get(slot as usize).copied().unwrap_or(0)
    }

    /// Up to `max` keys of a slot, newest first.
    pub fn keys(&self, slot: u16, max: usize) -> Vec<Vec<u8>> {
        self.by_slot
            .range((slot, 0)..=(slot, u64::MAX))
            .take(max)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// Every non-empty slot with its key count, ascending.
    pub fn counts(&self) -> Vec<(u16, u32)> {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(s, &n)| (s as u16, n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slots as redis-server 7.0.15 answers CLUSTER KEYSLOT for them.
    #[test]
    fn keyslot_matches_redis() {
        let cases: &[(&[u8], u16)] = &[
            (b"", 0),
            (b"a", 15495),
            (b"foo", 12182),
            (b"bar", 5061),
            (b"hello", 866),
            (b"123456789", 12739),
            (b"{}", 15257),
            (b"{a", 10276),
            (b"a{}b{c}", 7353),
            (b"{a}", 15495),
            (b"{user1000}.following", 3443),
            (b"{user1000}.followers", 3443),
            (b"foo{}{bar}", 8363),
            (b"foo{{bar}}zap", 4015),
            (b"foo{bar}{zap}", 5061),
            (b"{{a}", 10276),
            (b"a}b{", 6027),
        ];
        for (key, slot) in cases {
            assert_eq!(
                key_slot(key),
                *slot,
                "slot of {:?}",
                String::from_utf8_lossy(key)
            );
        }
    }

    #[test]
    fn crc16_check_value() {
        // The CRC-16/XMODEM check value.
        assert_eq!(crc16(b"123456789"), 0x31C3);
    }

    #[test]
    fn hash_tags() {
        assert_eq!(hash_tag(b"a{b}{c}"), b"b");
        assert_eq!(hash_tag(b"{a}}"), b"a");
        assert_eq!(hash_tag(b"{{a}"), b"{a");
        assert_eq!(hash_tag(b"a{}b{c}"), b"a{}b{c}");
        assert_eq!(hash_tag(b"{a"), b"{a");
        assert_eq!(hash_tag(b"}a{"), b"}a{");
    }

    #[test]
    fn slot_index_newest_first() {
        let mut ix = SlotIndex::new();
        for k in ["{t}1", "{t}2", "{t}3", "x"] {
            ix.add(k.as_bytes());
        }
        ix.add(b"{t}1"); // an overwrite keeps its place
        let s = key_slot(b"t");
        assert_eq!(ix.count(s), 3);
        assert_eq!(ix.keys(s, 2), vec![b"{t}3".to_vec(), b"{t}2".to_vec()]);
        ix.remove(b"{t}3");
        ix.remove(b"{t}3");
        assert_eq!(ix.count(s), 2);
        assert_eq!(ix.keys(s, 10), vec![b"{t}2".to_vec(), b"{t}1".to_vec()]);
        assert_eq!(ix.counts().len(), 2);
    }

    #[test]
    fn slot_map() {
        let mut c = Cluster::new(1, 6379);
        assert!(c.state_ok());
        assert_eq!(c.ranges(), vec![(0, 16383)]);
        c.set_slot(100, false);
        c.set_slot(101, false);
        assert_eq!(c.ranges(), vec![(0, 99), (102, 16383)]);
        assert!(!c.state_ok());
        assert_eq!(c.assigned(), 16382);
        assert!(c.bump_epoch());
        assert!(!c.bump_epoch());
        let id = c.node_id.clone();
        c.reset(true);
        assert_ne!(c.node_id, id);
        assert_eq!((c.assigned(), c.size(), c.config_epoch), (0, 0, 0));
    }
}

/// Read-only views for the app (the keyspace browser groups keys by slot).
impl super::Engine {
    /// Whether the engine runs as a (single-node) cluster.
    pub fn cluster_enabled(&self) -> bool {
        self.core.cluster.is_some()
    }

    /// The non-empty hash slots of database `db` with how many keys each holds,
    /// ascending by slot. In cluster mode this reads the slot index (no scan); otherwise
    /// it hashes every key of the database once, so a standalone keyspace can be shown
    /// by slot too. Keys whose TTL passed but were not yet removed are counted, as
    /// CLUSTER COUNTKEYSINSLOT counts them.
    pub fn slot_counts(&self, db: usize) -> Vec<(u16, u32)> {
        let Some(d) = self.core.dbs.get(db) else {
            return Vec::new();
        };
        if let Some(ix) = &d.slots {
            return ix.counts();
        }
        let mut counts: BTreeMap<u16, u32> = BTreeMap::new();
        for (k, _) in d.keys.iter() {
            *counts.entry(key_slot(k)).or_default() += 1;
        }
        counts.into_iter().collect()
    }

    /// Up to `max` keys of database `db` in `slot`: newest first in cluster mode (as
    /// CLUSTER GETKEYSINSLOT), in table order otherwise.
    pub fn keys_in_slot(&self, db: usize, slot: u16, max: usize) -> Vec<Vec<u8>> {
        let Some(d) = self.core.dbs.get(db) else {
            return Vec::new();
        };
        if let Some(ix) = &d.slots {
            return ix.keys(slot, max);
        }
        d.keys
            .iter()
            .filter(|(k, _)| key_slot(k) == slot)
            .take(max)
            .map(|(k, _)| k.to_vec())
            .collect()
    }
}

#[cfg(test)]
mod engine_tests {
    use super::key_slot;
    use crate::engine::{Config, Engine, ManualClock, Reply};

    fn cluster_engine() -> (Engine, u64) {
        let mut cfg = Config::default();
        cfg.set_startup("cluster-enabled", "yes").unwrap();
        let mut e = Engine::with_config(Box::new(ManualClock::new(1_700_000_000_000)), 7, cfg);
        let id = e.connect("test:1", "test:0");
        (e, id)
    }

    #[test]
    fn slot_views_agree_in_both_modes() {
        let (mut c, cid) = cluster_engine();
        let mut s = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 7);
        let sid = s.connect("test:1", "test:0");
        for line in [
            "MSET {u}a 1 {u}b 2",
            "SET x 1",
            "SET y 1",
            "DEL y",
            "SET {u}c 3",
        ] {
            c.exec_words(cid, line);
            s.exec_words(sid, line);
        }
        let u = key_slot(b"u");
        assert_eq!(c.slot_counts(0), s.slot_counts(0));
        assert!(c.slot_counts(0).contains(&(u, 3)));
        assert_eq!(c.slot_counts(0).iter().map(|p| p.1).sum::<u32>(), 4);
        assert_eq!(
            c.keys_in_slot(0, u, 10),
            vec![b"{u}c".to_vec(), b"{u}b".to_vec(), b"{u}a".to_vec()]
        );
        let mut standalone = s.keys_in_slot(0, u, 10);
        standalone.sort();
        assert_eq!(standalone.len(), 3);
        assert!(c.cluster_enabled() && !s.cluster_enabled());
    }

    #[test]
    fn node_commands_name_this_node() {
        let (mut e, id) = cluster_engine();
        let me = match e.exec_words(id, "CLUSTER MYID") {
            Reply::Bulk(b) => String::from_utf8(b).unwrap(),
            r => panic!("{r:?}"),
        };
        assert_eq!(me.len(), 40);
        let cases = [
            (format!("CLUSTER FORGET {me}"), Reply::err("ERR I tried hard but I can't forget myself...")),
            (format!("CLUSTER REPLICATE {me}"), Reply::err("ERR Can't replicate myself")),
            (format!("CLUSTER REPLICAS {me}"), Reply::Array(vec![])),
            (format!("CLUSTER COUNT-FAILURE-REPORTS {me}"), Reply::Int(0)),
            ("CLUSTER DELSLOTS 9".to_string(), Reply::ok()),
            (format!("CLUSTER SETSLOT 9 NODE {me}"), Reply::ok()),
            ("CLUSTER DELSLOTS 9".to_string(), Reply::ok()),
            (format!("CLUSTER SETSLOT 9 IMPORTING {me}"), Reply::err("ERR KV Lab runs a single-node cluster: there is no other node to move a slot to or from")),
            ("CLUSTER ADDSLOTS 9".to_string(), Reply::ok()),
        ];
        for (line, want) in cases {
            assert_eq!(e.exec_words(id, &line), want, "{line}");
        }
        assert_eq!(e.core.cluster.as_ref().unwrap().assigned(), 16384);
    }

    #[test]
    fn slot_index_follows_every_write_path() {
        let (mut e, id) = cluster_engine();
        for line in [
            "SET a 1",
            "SET b 1 PX 10",
            "RPUSH l x",
            "LPOP l",
            "SADD s m",
            "RENAME s s2",
            "COPY a {a}c",
            "GETDEL b",
            "HSET h f v",
            "HDEL h f",
        ] {
            e.exec_words(id, line);
        }
        // What the index says is what the keyspace holds, slot by slot.
        let mut want: Vec<(u16, u32)> = Vec::new();
        let mut keys: Vec<Vec<u8>> = e.core.dbs[0].keys.iter().map(|(k, _)| k.to_vec()).collect();
        keys.sort_by_key(|k| key_slot(k));
        for k in keys {
            match want.last_mut() {
                Some((s, n)) if *s == key_slot(&k) => *n += 1,
                _ => want.push((key_slot(&k), 1)),
            }
        }
        assert_eq!(e.slot_counts(0), want);
        assert_eq!(e.core.dbs[0].keys.len(), 3); // a, s2, {a}c
        e.exec_words(id, "FLUSHALL");
        assert!(e.slot_counts(0).is_empty());
        // used_memory's running sum (with the 16 bytes a key) equals a full recount.
        e.exec_words(id, "MSET {k}1 a {k}2 b");
        assert_eq!(e.core.used_memory(), e.core.used_memory_by_scan());
    }
}
