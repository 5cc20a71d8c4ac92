//! Streams: append-only logs of field-value entries, with consumer groups.
//!
//! Redis 7.0 keeps a stream (`t_stream.c`, `stream.h`) as a radix tree (rax) whose keys
//! are 128-bit entry IDs (milliseconds and sequence, big endian) and whose values are
//! listpacks, each holding a run of consecutive entries: a *node*. A node starts with a
//! master entry — the live and deleted counters and the field names of the node's first
//! entry — and each entry after it stores its flags, its ID as a delta from the node's
//! master ID, and either only its values (flag SAMEFIELDS, when its fields are the master
//! fields) or its own field count, fields and values; then a back count so the listpack
//! can be walked backwards. A deleted entry is only flagged (DELETED) and the counters
//! move; a node whose live count drops to zero is freed. A new node begins once the tail
//! node holds `stream-node-max-entries` entries (live and deleted) or its bytes plus the
//! new entry's reach `stream-node-max-bytes`.
//!
//! Here the rax is a [`BTreeMap`] from a node's master ID to the node: the same order,
//! the same seeks ("the last node whose master ID is at most X"), and the node model is
//! kept whole: each node has its master fields, its entries in ID order with their flags
//! (SAMEFIELDS entries keep only their values), its live and deleted counts, and its
//! listpack size in bytes as Redis would encode it (integers in their compact encodings,
//! the IDs as deltas), which is what decides where nodes split, what MEMORY USAGE charges
//! and what the stream panel draws. Each entry also keeps its full ID, a cache the
//! listpack derives from the master ID and the deltas. XINFO's `radix-tree-nodes` is
//! computed from the master IDs as the node count of the compressed radix tree over
//! their 16-byte keys.
//!
//! Trimming follows `streamTrim`: whole nodes go first (MAXLEN: while the stream minus
//! the node is still at least the limit; MINID: while the node's last ID is below it);
//! with `~` it stops at the first node it cannot drop whole, otherwise it flags entries
//! deleted inside that node. LIMIT caps how many entries one trim removes.
//!
//! Consumer groups (`streamCG`) live in a map ordered by name, as the rax of groups
//! iterates: last delivered ID, the logical read counter (`entries_read`, -1 when
//! unknown), the group PEL (ID → consumer, last delivery time, delivery count) and the
//! consumers, each with its seen time and its own PEL (the IDs it owns).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::inspect::{alloc_size, listpack_entry, listpack_int_entry, sds_size};

/// An entry's fields and values, in order.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// An entry ID: milliseconds and sequence number, ordered as Redis compares them.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID (`streamIncrID`); None past the maximum.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                None
            } else {
                Some(StreamId::new(self.ms + 1, 0))
            }
        } else {
            Some(StreamId::new(self.ms, self.seq + 1))
        }
    }

    /// The previous ID (`streamDecrID`); None below 0-0.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                None
            } else {
                Some(StreamId::new(self.ms - 1, u64::MAX))
            }
        } else {
            Some(StreamId::new(self.ms, self.seq - 1))
        }
    }

    pub fn is_zero(self) -> bool {
        self.ms == 0 && self.seq == 0
    }

    /// The rax key: ms and seq, big endian.
    pub fn key(self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&self.ms.to_be_bytes());
        k[8..].copy_from_slice(&self.seq.to_be_bytes());
        k
    }

    pub fn text(self) -> Vec<u8> {
        format!("{}-{}", self.ms, self.seq).into_bytes()
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Redis's `string2ull`: a strict decimal `long long` when it is one (negative is
/// invalid), else what `strtoull` accepts: leading spaces, a sign (`-` wraps), digits,
/// nothing after them, no overflow.
pub fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = super::util::parse_i64(s) {
        return (v >= 0).then_some(v as u64);
    }
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    if i >= s.len() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &s[i..] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// How an ID argument was written (`streamGenericParseIDOrReply`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedId {
    pub id: StreamId,
    /// False for the `<ms>-*` form (only where allowed).
    pub seq_given: bool,
}

/// Parses `<ms>[-<seq>]`, `-` and `+` (unless `strict`), and `<ms>-*` when `allow_star`.
/// A missing sequence is `missing_seq`. None is Redis's "Invalid stream ID".
pub fn parse_id(a: &[u8], missing_seq: u64, strict: bool, allow_star: bool) -> Option<ParsedId> {
    if a.len() > 127 {
        return None;
    }
    // C reads the argument as a NUL-terminated string.
    let a = match a.iter().position(|&c| c == 0) {
        Some(n) => &a[..n],
        None => a,
    };
    if strict && (a == b"-" || a == b"+") {
        return None;
    }
    let given = |id| {
        Some(ParsedId {
            id,
            seq_given: true,
        })
    };
    if a == b"-" {
        return given(StreamId::MIN);
    }
    if a == b"+" {
        return given(StreamId::MAX);
    }
    match a.iter().position(|&c| c == b'-') {
        None => given(StreamId::new(string2ull(a)?, missing_seq)),
        Some(dash) => {
            let ms = string2ull(&a[..dash])?;
            let rest = &a[dash + 1..];
            if allow_star && rest == b"*" {
                return Some(ParsedId {
                    id: StreamId::new(ms, 0),
                    seq_given: false,
                });
            }
            given(StreamId::new(ms, string2ull(rest)?))
        }
    }
}

pub const FLAG_DELETED: u8 = 1;
pub const FLAG_SAMEFIELDS: u8 = 2;

/// One entry of a node's listpack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeEntry {
    /// The full ID (the listpack stores it as deltas from the master ID).
    pub id: StreamId,
    pub flags: u8,
    /// The entry's own field names; empty when SAMEFIELDS (the master fields apply).
    pub fields: Vec<Vec<u8>>,
    pub values: Vec<Vec<u8>>,
}

impl NodeEntry {
    pub fn deleted(&self) -> bool {
        self.flags & FLAG_DELETED != 0
    }
    pub fn samefields(&self) -> bool {
        self.flags & FLAG_SAMEFIELDS != 0
    }
}

/// One listpack node of the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub master_id: StreamId,
    pub master_fields: Vec<Vec<u8>>,
    /// Every entry, live and flagged deleted, in ID order.
    pub entries: Vec<NodeEntry>,
    pub live: u64,
    pub deleted: u64,
    /// The listpack's bytes except the two counters at its head (which change size as
    /// they grow); see [`Node::lp_bytes`].
    fixed_bytes: u64,
    /// What the node is counted at in the stream's allocation sum.
    #[serde(skip)]
    charged: u64,
}

impl Node {
    /// A node as loaded from an RDB: its master entry, entries and counters, with its
    /// listpack size computed as `add` keeps it.
    pub fn from_parts(
        master_id: StreamId,
        master_fields: Vec<Vec<u8>>,
        entries: Vec<NodeEntry>,
        live: u64,
        deleted: u64,
    ) -> Node {
        let mut n = Node {
            master_id,
            fixed_bytes: 7
                + int_entry(master_fields.len() as u64)
                + master_fields.iter().map(|f| listpack_entry(f)).sum::<u64>()
                + int_entry(0),
            master_fields,
            entries: Vec::new(),
            live,
            deleted,
            charged: 0,
        };
        let extra: u64 = entries.iter().map(|e| n.entry_bytes(e)).sum();
        n.fixed_bytes += extra;
        n.entries = entries;
        n
    }

    /// The listpack's size in bytes, as `lpBytes` reports it.
    pub fn lp_bytes(&self) -> u64 {
        self.fixed_bytes + int_entry(self.live) + int_entry(self.deleted)
    }

    /// An entry's fields and values as pairs.
    pub fn pairs(&self, e: &NodeEntry) -> Pairs {
        let names = if e.samefields() {
            &self.master_fields
        } else {
            &e.fields
        };
        names
            .iter()
            .cloned()
            .zip(e.values.iter().cloned())
            .collect()
    }

    fn entry_bytes(&self, e: &NodeEntry) -> u64 {
        let n = e.values.len() as u64;
        let mut b = int_entry(e.flags as u64)
            + listpack_int_entry(e.id.ms.wrapping_sub(self.master_id.ms) as i64)
            + listpack_int_entry(e.id.seq.wrapping_sub(self.master_id.seq) as i64);
        let mut lp_count = n + 3;
        if !e.samefields() {
            b += int_entry(n);
            b += e.fields.iter().map(|f| listpack_entry(f)).sum::<u64>();
            lp_count += n + 1;
        }
        b += e.values.iter().map(|v| listpack_entry(v)).sum::<u64>();
        b + int_entry(lp_count)
    }

    /// The position of the first entry with an ID at least `id`.
    fn lower_bound(&self, id: StreamId) -> usize {
        self.entries.partition_point(|e| e.id < id)
    }

    /// The highest ID in the node, deleted or not (`lpGetEdgeStreamID`).
    pub fn last_id(&self) -> StreamId {
        self.entries.last().map_or(self.master_id, |e| e.id)
    }
}

fn int_entry(v: u64) -> u64 {
    listpack_int_entry(v as i64)
}

/// A pending entry in a group: who has it, since when, how many deliveries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Nack {
    pub consumer: Vec<u8>,
    pub delivery_time: i64,
    pub delivery_count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Consumer {
    pub seen_time: i64,
    #[serde(with = "as_seq")]
    pub pel: BTreeSet<StreamId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub last_id: StreamId,
    /// The logical read counter, -1 when unknown (`SCG_INVALID_ENTRIES_READ`).
    pub entries_read: i64,
    #[serde(with = "as_pairs")]
    pub pel: BTreeMap<StreamId, Nack>,
    #[serde(with = "as_pairs")]
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Removes a pending entry from the group and from its consumer; true if it was there.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(n) => {
                if let Some(c) = self.consumers.get_mut(&n.consumer) {
                    c.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Creates a consumer if missing; true if it was created.
    pub fn create_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            name.to_vec(),
            Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            },
        );
        true
    }

    /// Deletes a consumer and its pending entries; how many it had, None if missing.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<u64> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len() as u64)
    }

    /// Gives pending entry `id` to consumer `name` (which exists), moving it from its
    /// previous owner.
    pub fn assign(&mut self, id: StreamId, name: &[u8]) {
        let Some(n) = self.pel.get_mut(&id) else {
            return;
        };
        if n.consumer != name {
            let old = std::mem::replace(&mut n.consumer, name.to_vec());
            if let Some(c) = self.consumers.get_mut(&old) {
                c.pel.remove(&id);
            }
        }
        if let Some(c) = self.consumers.get_mut(name) {
            c.pel.insert(id);
        }
    }
}

/// The trimming a command asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    MaxLen(u64),
    MinId(StreamId),
}

/// Why an entry could not be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddError {
    /// The ID is not above the top item (`EDOM`).
    NotGreater,
    /// The ms-* form on a top item whose sequence is exhausted.
    SeqExhausted,
    /// Fields and values over the listpack limit (`ERANGE`).
    TooLarge,
}

/// Redis's STREAM_LISTPACK_MAX_SIZE: no node grows past 1 GB.
const LISTPACK_MAX_SIZE: u64 = 1 << 30;
/// A new node's listpack is allocated this big (STREAM_LISTPACK_MAX_PRE_ALLOCATE).
const PREALLOC: u64 = 4096;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stream {
    #[serde(with = "as_pairs")]
    pub nodes: BTreeMap<StreamId, Node>,
    pub length: u64,
    pub last_id: StreamId,
    pub first_id: StreamId,
    pub max_deleted_entry_id: StreamId,
    pub entries_added: u64,
    #[serde(with = "as_pairs")]
    pub groups: BTreeMap<Vec<u8>, Group>,
    /// The node listpacks' allocations summed, kept as nodes change.
    node_alloc: u64,
    /// stream-node-max-bytes when the tail node was made (its preallocation).
    tail_prealloc: u64,
    /// The rax's node count, re-counted when a node comes or goes.
    #[serde(skip)]
    rax_nodes_n: u64,
    /// The branching depths on the path of the greatest node key (see
    /// `RaxSpine`), so appending a node updates `rax_nodes_n` without a re-count.
    #[serde(skip)]
    rax_spine: RaxSpine,
}

impl Stream {
    pub fn new() -> Stream {
        Stream::default()
    }

    pub fn len(&self) -> u64 {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// What one node's listpack allocation is charged: the tail node keeps its
    /// preallocation, closed ones are shrunk to fit.
    fn node_alloc_of(&self, key: StreamId) -> u64 {
        let Some(n) = self.nodes.get(&key) else {
            return 0;
        };
        let tail = self.nodes.keys().next_back() == Some(&key);
        if tail {
            alloc_size(n.lp_bytes().max(self.tail_prealloc))
        } else {
            alloc_size(n.lp_bytes())
        }
    }

    /// Re-counts node `key`'s allocation into the sum.
    fn recharge(&mut self, key: StreamId) {
        let a = self.node_alloc_of(key);
        if let Some(n) = self.nodes.get_mut(&key) {
            self.node_alloc = self.node_alloc.saturating_sub(n.charged).saturating_add(a);
            n.charged = a;
        }
    }

    /// Runs `f` on node `key`, keeping the allocation sum right.
    fn with_node<R>(&mut self, key: StreamId, f: impl FnOnce(&mut Node) -> R) -> Option<R> {
        let r = f(self.nodes.get_mut(&key)?);
        self.recharge(key);
        Some(r)
    }

    fn remove_node(&mut self, key: StreamId) -> Option<Node> {
        let n = self.nodes.remove(&key)?;
        self.node_alloc = self.node_alloc.saturating_sub(n.charged);
        // The new tail (if the removed node was the tail) keeps its allocation as it is.
        Some(n)
    }

    /// The ID an XADD would use (`streamNextID` / the explicit-ID rules).
    fn next_id(&self, use_id: Option<ParsedId>, now_ms: u64) -> Result<StreamId, AddError> {
        let id = match use_id {
            Some(p) if p.seq_given => p.id,
            Some(p) => {
                if self.last_id.ms == p.id.ms {
                    if self.last_id.seq == u64::MAX {
                        return Err(AddError::SeqExhausted);
                    }
                    StreamId::new(p.id.ms, self.last_id.seq + 1)
                } else {
                    p.id
                }
            }
            None => {
                if now_ms > self.last_id.ms {
                    StreamId::new(now_ms, 0)
                } else {
                    self.last_id.incr().unwrap_or(self.last_id)
                }
            }
        };
        if id <= self.last_id {
            return Err(AddError::NotGreater);
        }
        Ok(id)
    }

    /// Appends an entry (`streamAppendItem`). `pairs` alternates fields and values.
    pub fn add(
        &mut self,
        pairs: &[Vec<u8>],
        use_id: Option<ParsedId>,
        now_ms: u64,
        node_max_bytes: i64,
        node_max_entries: i64,
    ) -> Result<StreamId, AddError> {
        let id = self.next_id(use_id, now_ms)?;
        let total: u64 = pairs.iter().map(|p| p.len() as u64).sum();
        if total > LISTPACK_MAX_SIZE {
            return Err(AddError::TooLarge);
        }
        let max_bytes = if node_max_bytes <= 0 || node_max_bytes as u64 > LISTPACK_MAX_SIZE {
            LISTPACK_MAX_SIZE
        } else {
            node_max_bytes as u64
        };
        let fields: Vec<Vec<u8>> = pairs.iter().step_by(2).cloned().collect();
        let values: Vec<Vec<u8>> = pairs.iter().skip(1).step_by(2).cloned().collect();
        let tail = self.nodes.iter().next_back().map(|(k, n)| {
            let full = n.lp_bytes() + total >= max_bytes
                || (node_max_entries > 0 && n.live + n.deleted >= node_max_entries as u64);
            (*k, full)
        });
        let key = match tail {
            Some((k, false)) => k,
            other => {
                // Close the tail (shrink it to fit), open a node with this entry's fields
                // as the master entry.
                let closed = other.map(|(k, _)| k);
                let fixed = 7
                    + int_entry(fields.len() as u64)
                    + fields.iter().map(|f| listpack_entry(f)).sum::<u64>()
                    + int_entry(0);
                self.nodes.insert(
                    id,
                    Node {
                        master_id: id,
                        master_fields: fields.clone(),
                        entries: Vec::new(),
                        live: 0,
                        deleted: 0,
                        fixed_bytes: fixed,
                        charged: 0,
                    },
                );
                if let Some(k) = closed {
                    self.recharge(k);
                }
                self.tail_prealloc = if node_max_bytes > 0 && (node_max_bytes as u64) < PREALLOC {
                    node_max_bytes as u64
                } else {
                    PREALLOC
                };
                self.recharge(id);
                // XADD always appends the greatest key: the count changes only along
                // the rightmost path.
                let prev = other.map(|(k, _)| k.key());
                self.rax_nodes_n = match (prev, self.rax_spine.valid) {
                    (Some(l), true) if self.nodes.len() > 1 => {
                        self.rax_spine.append(self.rax_nodes_n, &l, &id.key())
                    }
                    _ => self.recount_rax(),
                };
                id
            }
        };
        self.with_node(key, |n| {
            let same = n.master_fields == fields;
            let e = NodeEntry {
                id,
                flags: if same { FLAG_SAMEFIELDS } else { 0 },
                fields: if same { Vec::new() } else { fields },
                values,
            };
            n.fixed_bytes += n.entry_bytes(&e);
            n.entries.push(e);
            n.live += 1;
        });
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(id)
    }

    /// The key of the node that may hold `id`: the last one whose master ID is at most it.
    fn node_for(&self, id: StreamId) -> Option<StreamId> {
        self.nodes.range(..=id).next_back().map(|(k, _)| *k)
    }

    /// The live entry with this ID, as pairs.
    pub fn get(&self, id: StreamId) -> Option<Pairs> {
        let n = &self.nodes[&self.node_for(id)?];
        let e = n.entries.get(n.lower_bound(id))?;
        (e.id == id && !e.deleted()).then(|| n.pairs(e))
    }

    pub fn exists(&self, id: StreamId) -> bool {
        self.get(id).is_some()
    }

    /// Live entries from `start` to `end` inclusive, at most `count` (0: all), oldest
    /// first or, with `rev`, newest first.
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        count: usize,
    ) -> Vec<(StreamId, Pairs)> {
        let mut out = Vec::new();
        if start > end {
            return out;
        }
        let full = |out: &Vec<_>| count != 0 && out.len() >= count;
        if !rev {
            let from = self.node_for(start).unwrap_or(StreamId::MIN);
            for (_, n) in self.nodes.range(from..) {
                if n.master_id > end {
                    break;
                }
                for e in &n.entries[n.lower_bound(start)..] {
                    if e.id > end {
                        return out;
                    }
                    if !e.deleted() {
                        out.push((e.id, n.pairs(e)));
                        if full(&out) {
                            return out;
                        }
                    }
                }
            }
        } else {
            for (_, n) in self.nodes.range(..=end).rev() {
                let upto = n.entries.partition_point(|e| e.id <= end);
                for e in n.entries[..upto].iter().rev() {
                    if e.id < start {
                        return out;
                    }
                    if !e.deleted() {
                        out.push((e.id, n.pairs(e)));
                        if full(&out) {
                            return out;
                        }
                    }
                }
                if n.master_id < start {
                    break;
                }
            }
        }
        out
    }

    /// The first (or last) live ID (`streamGetEdgeID` skipping tombstones); None when
    /// the stream is empty.
    pub fn edge_id(&self, first: bool) -> Option<StreamId> {
        if first {
            self.range(StreamId::MIN, StreamId::MAX, false, 1)
        } else {
            self.range(StreamId::MIN, StreamId::MAX, true, 1)
        }
        .first()
        .map(|(id, _)| *id)
    }

    /// `streamLastValidID`: the last live ID, 0-0 when empty.
    pub fn last_valid_id(&self) -> StreamId {
        self.edge_id(false).unwrap_or(StreamId::MIN)
    }

    /// Flags one entry deleted (`streamDeleteItem`); frees its node once it has no live
    /// entries. Does not touch first_id / max_deleted_entry_id (XDEL does).
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some(key) = self.node_for(id) else {
            return false;
        };
        let found = self.with_node(key, |n| {
            let i = n.lower_bound(id);
            match n.entries.get_mut(i) {
                Some(e) if e.id == id && !e.deleted() => {
                    e.flags |= FLAG_DELETED;
                    n.live -= 1;
                    n.deleted += 1;
                    true
                }
                _ => false,
            }
        });
        if found != Some(true) {
            return false;
        }
        if self.nodes[&key].live == 0 {
            self.remove_node(key);
            self.rax_nodes_n = self.recount_rax();
        }
        self.length -= 1;
        true
    }

    /// `streamTrim`: returns how many entries were removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted: u64 = 0;
        let mut removed_nodes = false;
        while let Some((&key, node)) = self.nodes.iter().next() {
            if let Trim::MaxLen(max) = how {
                if self.length <= max {
                    break;
                }
            }
            let entries = node.live;
            if limit != 0 && deleted + entries > limit {
                break;
            }
            let remove = match how {
                Trim::MaxLen(max) => self.length - entries >= max,
                Trim::MinId(min) => node.last_id() < min,
            };
            if remove {
                self.remove_node(key);
                removed_nodes = true;
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            let mut length = self.length;
            let removed = self
                .with_node(key, |n| {
                    let mut removed = 0;
                    for e in n.entries.iter_mut() {
                        let stop = match how {
                            Trim::MaxLen(max) => length <= max,
                            Trim::MinId(min) => e.id >= min,
                        };
                        if stop {
                            break;
                        }
                        if !e.deleted() {
                            e.flags |= FLAG_DELETED;
                            removed += 1;
                            length -= 1;
                        }
                    }
                    n.live -= removed;
                    n.deleted += removed;
                    removed
                })
                .unwrap_or(0);
            self.length = length;
            deleted += removed;
            break;
        }
        if removed_nodes {
            self.rax_nodes_n = self.recount_rax();
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if deleted > 0 {
            self.first_id = self.edge_id(true).unwrap_or(StreamId::MIN);
        }
        deleted
    }

    /// XDEL's bookkeeping after deleting `id` (which was live).
    pub fn note_deleted(&mut self, id: StreamId) {
        if id > self.max_deleted_entry_id {
            self.max_deleted_entry_id = id;
        }
    }

    /// `streamRangeHasTombstones` from `start` to the end.
    pub fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_entry_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_entry_id {
            return false;
        }
        start <= self.max_deleted_entry_id
    }

    /// `streamEstimateDistanceFromFirstEverEntry`: the logical read counter of `id`, or
    /// -1 when it cannot be known.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        let added = self.entries_added as i64;
        if self.length == 0 && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        }
        if id > self.last_id {
            return -1;
        }
        if self.max_deleted_entry_id.is_zero() || self.max_deleted_entry_id < self.first_id {
            if id < self.first_id {
                return added - self.length as i64;
            } else if id == self.first_id {
                return added - self.length as i64 + 1;
            }
        }
        -1
    }

    /// A group's lag (`streamReplyWithCGLag`); None when it cannot be known.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        let added = self.entries_added as i64;
        if g.entries_read != -1 && !self.has_tombstones_from(g.last_id) {
            return Some(added.wrapping_sub(g.entries_read));
        }
        match self.estimate_distance(g.last_id) {
            -1 => None,
            read => Some(added - read),
        }
    }

    /// A group read moved past `id` (`streamReplyWithRange` with a group): the read
    /// counter follows and the last delivered ID moves up.
    pub fn deliver_past(&self, g: &mut Group, id: StreamId) {
        if id > g.last_id {
            if g.entries_read != -1 && !self.has_tombstones_from(id) {
                g.entries_read += 1;
            } else if self.entries_added > 0 {
                g.entries_read = self.estimate_distance(id);
            }
            g.last_id = id;
        }
    }

    /// Counts the rax again and rebuilds the rightmost path for later appends.
    fn recount_rax(&mut self) -> u64 {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|k| k.key()).collect();
        self.rax_spine = RaxSpine::of(&keys);
        rax_nodes(&keys)
    }

    /// The rax's node count as kept up to date (`rax->numnodes`).
    pub fn rax_nodes_n(&self) -> u64 {
        self.rax_nodes_n
    }

    /// The number of nodes of the rax holding the node keys (`rax->numnodes`), counted
    /// as the compressed radix tree over the 16-byte keys.
    pub fn rax_nodes(&self) -> u64 {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|k| k.key()).collect();
        rax_nodes(&keys)
    }

    /// What MEMORY USAGE charges the value, after the object header: the stream struct,
    /// the rax, the node listpacks and the groups (`objectComputeSize`).
    pub fn mem_bytes(&self) -> u64 {
        let nodes = self.nodes.len() as u64;
        // A rax (`streamRadixTreeMemoryUsage`): each element's key, and per node a header
        // and Redis's fixed estimate of 30 pointers. The node rax's node count is known;
        // for the PELs it is estimated at two nodes an element.
        const RAX_NODE: u64 = 4 + 8 * 30;
        let rax = |elems: u64| elems * 16 + (elems * 2 + 1) * RAX_NODE;
        let mut b = 80 + nodes * 16 + self.rax_nodes_n.max(1) * RAX_NODE + self.node_alloc;
        for g in self.groups.values() {
            b += 40 + rax(g.pel.len() as u64) + 24 * g.pel.len() as u64;
            for (name, c) in &g.consumers {
                b += 24 + sds_size(name.len() as u64) + rax(c.pel.len() as u64);
            }
        }
        b
    }

    /// A copy with the node allocations re-counted (after deserializing).
    pub fn recount(&mut self) {
        self.node_alloc = 0;
        self.rax_nodes_n = self.recount_rax();
        let keys: Vec<StreamId> = self.nodes.keys().copied().collect();
        if self.tail_prealloc == 0 {
            self.tail_prealloc = PREALLOC;
        }
        for k in keys {
            if let Some(n) = self.nodes.get_mut(&k) {
                n.charged = 0;
            }
            self.recharge(k);
        }
    }
}

/// The rightmost path of the tree `rax_nodes` counts: the depths of the branching nodes
/// on the greatest key's path. A node there is real (a branch, or the key's end at 16);
/// the edge from one real node to the next is one compressed node when it skips bytes.
/// Appending a greater key K whose common prefix with the old greatest L is `p` bytes
/// either adds a child to the branch at depth `p`, or splits the edge that spans `p`
/// with a new branch there; either way only that spot changes, and K's path keeps L's
/// branching depths below `p`, then `p`. (For X < L < K, lcp(X, K) = min(lcp(X, L), p).)
#[derive(Clone, Debug, Default, PartialEq)]
struct RaxSpine {
    depths: Vec<usize>,
    valid: bool,
}

impl RaxSpine {
    fn of(keys: &[[u8; 16]]) -> RaxSpine {
        let Some(last) = keys.last() else {
            return RaxSpine::default();
        };
        let mut depths: Vec<usize> = keys[..keys.len() - 1]
            .iter()
            .map(|k| lcp16(k, last))
            .collect();
        depths.sort_unstable();
        depths.dedup();
        RaxSpine {
            depths,
            valid: true,
        }
    }

    /// The new count after appending `k` (greater than every key) to a tree of `count`
    /// nodes whose greatest key is `l`.
    fn append(&mut self, count: u64, l: &[u8; 16], k: &[u8; 16]) -> u64 {
        let p = lcp16(l, k);
        let gap = |from: isize, to: usize| (to as isize > from + 1) as u64;
        let new = if self.depths.contains(&p) {
            // A branch at p gains K's end as a child.
            count + 1 + gap(p as isize, 16)
        } else {
            // The edge a → b around p splits at a new branch.
            let a = self
                .depths
                .iter()
                .rev()
                .find(|&&d| d < p)
                .map_or(-1, |&d| d as isize);
            let b = self.depths.iter().find(|&&d| d > p).copied().unwrap_or(16);
            count + 2 + gap(a, p) + gap(p as isize, b) + gap(p as isize, 16) - gap(a, b)
        };
        self.depths.retain(|&d| d < p);
        self.depths.push(p);
        new
    }
}

fn lcp16(a: &[u8; 16], b: &[u8; 16]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The node count of a compressed radix tree (Redis's rax) holding `keys` (sorted,
/// distinct, all the same length): a node per branching point or key end, and one
/// compressed node per run of single-child steps.
pub fn rax_nodes(keys: &[[u8; 16]]) -> u64 {
    fn count(keys: &[[u8; 16]], depth: usize) -> u64 {
        if keys.is_empty() {
            return 1;
        }
        if depth >= 16 {
            return 1;
        }
        let first = &keys[0];
        let last = &keys[keys.len() - 1];
        // Keys are sorted: the common prefix of all is that of the first and the last.
        let mut lcp = depth;
        while lcp < 16 && first[lcp] == last[lcp] {
            lcp += 1;
        }
        if lcp > depth {
            // A compressed node for the shared bytes, then the node after them.
            return 1 + count(keys, lcp);
        }
        // A branching node: one child per distinct next byte.
        let mut n = 1;
        let mut i = 0;
        while i < keys.len() {
            let b = keys[i][depth];
            let j = i + keys[i..].partition_point(|k| k[depth] == b);
            n += count(&keys[i..j], depth + 1);
            i = j;
        }
        n
    }
    if keys.is_empty() {
        return 1;
    }
    count(keys, 0)
}

/// Serializes a map as a sequence of pairs (JSON maps need string keys).
mod as_pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer, K: Serialize, V: Serialize>(
        m: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    pub fn deserialize<
        'de,
        D: Deserializer<'de>,
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
    >(
        d: D,
    ) -> Result<BTreeMap<K, V>, D::Error> {
        let v: Vec<(K, V)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

mod as_seq {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeSet;

    pub fn serialize<S: Serializer, K: Serialize>(
        m: &BTreeSet<K>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, K: Deserialize<'de> + Ord>(
        d: D,
    ) -> Result<BTreeSet<K>, D::Error> {
        let v: Vec<K> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    fn given(ms: u64, seq: u64) -> Option<ParsedId> {
        Some(ParsedId {
            id: id(ms, seq),
            seq_given: true,
        })
    }

    fn kv(f: &str, v: &str) -> Vec<Vec<u8>> {
        vec![f.as_bytes().to_vec(), v.as_bytes().to_vec()]
    }

    fn filled(n: u64, max_entries: i64) -> Stream {
        let mut s = Stream::new();
        for i in 1..=n {
            s.add(&kv("f", &i.to_string()), given(i, 0), 0, 4096, max_entries)
                .unwrap();
        }
        s
    }

    #[test]
    fn ids_parse_as_redis_reads_them() {
        let p = |s: &str| parse_id(s.as_bytes(), 0, false, false).map(|p| p.id);
        assert_eq!(p("5"), Some(id(5, 0)));
        assert_eq!(p("5-3"), Some(id(5, 3)));
        assert_eq!(p("-"), Some(StreamId::MIN));
        assert_eq!(p("+"), Some(StreamId::MAX));
        assert_eq!(
            p("18446744073709551615-18446744073709551615"),
            Some(StreamId::MAX)
        );
        assert_eq!(p("18446744073709551616-0"), None);
        assert_eq!(p("-1"), None);
        assert_eq!(p("1-x"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("1-"), None);
        assert_eq!(p("+5"), Some(id(5, 0)));
        assert_eq!(p("007-1"), Some(id(7, 1)));
        assert_eq!(
            parse_id(b"5", u64::MAX, false, false).map(|p| p.id),
            Some(id(5, u64::MAX))
        );
        assert_eq!(parse_id(b"-", 0, true, false), None);
        let star = parse_id(b"5-*", 0, true, true).unwrap();
        assert_eq!((star.id, star.seq_given), (id(5, 0), false));
        assert_eq!(parse_id(b"5-*", 0, true, false), None);
        assert_eq!(id(1, u64::MAX).incr(), Some(id(2, 0)));
        assert_eq!(StreamId::MAX.incr(), None);
        assert_eq!(id(2, 0).decr(), Some(id(1, u64::MAX)));
        assert_eq!(StreamId::MIN.decr(), None);
    }

    #[test]
    fn nodes_split_at_max_entries_and_bytes() {
        let s = filled(250, 100);
        assert_eq!(s.nodes.len(), 3);
        let counts: Vec<u64> = s.nodes.values().map(|n| n.live).collect();
        assert_eq!(counts, vec![100, 100, 50]);
        // Same fields as the master entry: values only.
        assert!(s
            .nodes
            .values()
            .all(|n| n.entries.iter().all(|e| e.samefields())));
        // A byte cap splits sooner.
        let mut b = Stream::new();
        for i in 1..=20u64 {
            b.add(&kv("field", &"x".repeat(30)), given(i, 0), 0, 200, 100)
                .unwrap();
        }
        assert!(b.nodes.len() > 1);
        assert!(b.nodes.values().all(|n| n.lp_bytes() < 200 + 40));
        // Different fields are stored with the entry.
        let mut d = Stream::new();
        d.add(&kv("a", "1"), given(1, 0), 0, 4096, 100).unwrap();
        d.add(&kv("b", "2"), given(2, 0), 0, 4096, 100).unwrap();
        let n = d.nodes.values().next().unwrap();
        assert!(!n.entries[1].samefields());
        assert_eq!(d.get(id(2, 0)), Some(vec![(b"b".to_vec(), b"2".to_vec())]));
    }

    #[test]
    fn listpack_bytes_match_redis_layout() {
        // One entry "f"="1" at 1-0: header 6 + end 1, master count 1, deleted 0,
        // num-fields 1, "f" (3 bytes), terminator 0; entry flags, 2 deltas, value "1"
        // (an integer), lp-count: 2 bytes each for the integers.
        let s = filled(1, 100);
        let n = s.nodes.values().next().unwrap();
        assert_eq!(n.lp_bytes(), 7 + 2 + 2 + 2 + 3 + 2 + (2 + 2 + 2 + 2 + 2));
    }

    #[test]
    fn ids_must_grow() {
        let mut s = filled(3, 100);
        assert_eq!(
            s.add(&kv("f", "v"), given(3, 0), 0, 4096, 100),
            Err(AddError::NotGreater)
        );
        let star = Some(ParsedId {
            id: id(3, 0),
            seq_given: false,
        });
        assert_eq!(s.add(&kv("f", "v"), star, 0, 4096, 100), Ok(id(3, 1)));
        // Auto IDs: the clock, or the last ID plus one when the clock is behind.
        assert_eq!(s.add(&kv("f", "v"), None, 2, 4096, 100), Ok(id(3, 2)));
        assert_eq!(s.add(&kv("f", "v"), None, 10, 4096, 100), Ok(id(10, 0)));
        assert_eq!(s.entries_added, 6);
    }

    #[test]
    fn deletion_flags_entries_and_frees_empty_nodes() {
        let mut s = filled(150, 100);
        assert!(s.delete(id(1, 0)));
        assert!(!s.delete(id(1, 0)));
        assert!(!s.delete(id(999, 0)));
        let first = s.nodes.values().next().unwrap();
        assert_eq!((first.live, first.deleted), (99, 1));
        assert_eq!(first.entries.len(), 100);
        assert_eq!(s.len(), 149);
        assert_eq!(s.edge_id(true), Some(id(2, 0)));
        for i in 101..=150 {
            assert!(s.delete(id(i, 0)));
        }
        assert_eq!(s.nodes.len(), 1);
        assert_eq!(s.last_valid_id(), id(100, 0));
        assert_eq!(s.last_id, id(150, 0));
        let r = s.range(StreamId::MIN, StreamId::MAX, true, 2);
        assert_eq!(r[0].0, id(100, 0));
        assert_eq!(r[1].0, id(99, 0));
    }

    #[test]
    fn approximate_trim_drops_whole_nodes_only() {
        let mut s = filled(250, 100);
        // ~ 180: dropping the first node leaves 150 >= 180? No: 250-100 = 150 < 180.
        assert_eq!(s.trim(Trim::MaxLen(180), true, 10_000), 0);
        assert_eq!(s.trim(Trim::MaxLen(140), true, 10_000), 100);
        assert_eq!(s.len(), 150);
        assert_eq!(s.first_id, id(101, 0));
        // Exact trimming flags entries inside the first node.
        assert_eq!(s.trim(Trim::MaxLen(120), false, 0), 30);
        assert_eq!(s.len(), 120);
        let first = s.nodes.values().next().unwrap();
        assert_eq!((first.live, first.deleted), (70, 30));
        assert_eq!(s.first_id, id(131, 0));
        // MINID drops nodes whose last ID is below it, then flags entries.
        assert_eq!(s.trim(Trim::MinId(id(205, 0)), false, 0), 74);
        assert_eq!(s.first_id, id(205, 0));
        // LIMIT stops before a node that would exceed it.
        let mut l = filled(250, 100);
        assert_eq!(l.trim(Trim::MaxLen(0), true, 150), 100);
        assert_eq!(l.trim(Trim::MaxLen(0), false, 0), 150);
        assert!(l.is_empty());
        assert_eq!(l.first_id, StreamId::MIN);
    }

    #[test]
    fn ranges_cross_nodes_both_ways() {
        let s = filled(250, 100);
        let ids = |v: Vec<(StreamId, _)>| v.into_iter().map(|(i, _)| i.ms).collect::<Vec<_>>();
        assert_eq!(
            ids(s.range(id(99, 0), id(102, 0), false, 0)),
            vec![99, 100, 101, 102]
        );
        assert_eq!(
            ids(s.range(id(99, 0), id(102, 0), true, 3)),
            vec![102, 101, 100]
        );
        assert_eq!(
            ids(s.range(id(300, 0), StreamId::MAX, false, 0)),
            Vec::<u64>::new()
        );
        assert_eq!(ids(s.range(id(5, 1), id(6, 0), false, 0)), vec![6]);
        assert_eq!(s.range(id(6, 0), id(5, 0), false, 0).len(), 0);
    }

    #[test]
    fn node_allocations_stay_consistent() {
        let mut s = filled(350, 100);
        // The running sum is what the nodes are charged, whatever left or joined.
        let check = |s: &Stream| {
            assert_eq!(
                s.node_alloc,
                s.nodes.values().map(|n| n.charged).sum::<u64>()
            );
            assert!(s.nodes.values().all(|n| n.charged >= n.lp_bytes()));
        };
        check(&s);
        // Delete the tail node whole, then a middle one, then trim.
        for i in 301..=350 {
            s.delete(id(i, 0));
        }
        check(&s);
        for i in 101..=200 {
            s.delete(id(i, 0));
        }
        check(&s);
        s.trim(Trim::MaxLen(50), false, 0);
        check(&s);
        s.add(&kv("f", "v"), given(999, 0), 0, 4096, 100).unwrap();
        check(&s);
        s.trim(Trim::MaxLen(0), false, 0);
        assert_eq!(s.node_alloc, 0);
    }

    #[test]
    fn rax_node_counts() {
        // One key: a compressed node and the key's leaf.
        assert_eq!(rax_nodes(&[id(1, 0).key()]), 2);
        assert_eq!(rax_nodes(&[]), 1);
        // Two keys differing in the last byte: compressed prefix, branch, two leaves.
        assert_eq!(rax_nodes(&[id(1, 0).key(), id(1, 1).key()]), 4);
        // Appending keys one at a time keeps the count equal to a full re-count.
        let mut rng: u64 = 0x9e3779b97f4a7c15;
        for trial in 0..200 {
            let mut keys: Vec<[u8; 16]> = Vec::new();
            let (mut ms, mut seq) = (trial as u64 * 7, 0u64);
            let mut spine = RaxSpine::default();
            let mut count = 1;
            for _ in 0..60 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                match rng % 4 {
                    0 => seq += 1 + rng % 3,
                    1 => seq += 1 + (rng >> 8) % 300,
                    2 => {
                        ms += 1 + (rng >> 16) % 1000;
                        seq = 0
                    }
                    _ => {
                        ms += 1 + (rng >> 16) % (1 << 20);
                        seq = (rng >> 40) % 5
                    }
                }
                let k = id(ms, seq).key();
                count = if keys.is_empty() {
                    spine = RaxSpine::of(&[k]);
                    rax_nodes(&[k])
                } else {
                    let l = *keys.last().unwrap();
                    spine.append(count, &l, &k)
                };
                keys.push(k);
                assert_eq!(
                    count,
                    rax_nodes(&keys),
                    "trial {trial}, {} keys",
                    keys.len()
                );
                assert_eq!(spine, RaxSpine::of(&keys));
            }
        }
    }

    #[test]
    fn group_read_counters_and_lag() {
        let mut s = filled(5, 100);
        let mut g = Group::new(StreamId::MIN, 0);
        assert_eq!(s.lag(&g), Some(5));
        s.deliver_past(&mut g, id(1, 0));
        s.deliver_past(&mut g, id(2, 0));
        assert_eq!((g.entries_read, s.lag(&g)), (2, Some(3)));
        // A tombstone ahead makes the counter unknown until the group passes it.
        s.delete(id(4, 0));
        s.note_deleted(id(4, 0));
        assert_eq!(s.lag(&g), None);
        s.deliver_past(&mut g, id(3, 0));
        assert_eq!(g.entries_read, -1);
        s.deliver_past(&mut g, id(5, 0));
        assert_eq!((g.entries_read, s.lag(&g)), (5, Some(0)));
    }
}
