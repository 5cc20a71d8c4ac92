//! RDB version 10, as redis-server 7.0 writes and reads it: DUMP payloads and dump.rdb.
//!
//! # The file
//! ```text
//! "REDIS0010"                       magic and version, 9 bytes
//! AUX redis-ver 7.0.15 … aof-base 0 0xFA key value (strings), several
//! FUNCTION2 <library code>          0xF5, one per FUNCTION LOAD library
//! SELECTDB n                        0xFE len, then for that database:
//! RESIZEDB keys expires             0xFB len len (table sizes, a hint for the loader)
//! [EXPIRETIME_MS t] [IDLE s|FREQ f] 0xFC 8-byte LE ms; 0xF8 len; 0xF9 one byte
//! <type> <key> <value>              one record per key
//! …
//! EOF                               0xFF
//! CRC64                             8 bytes LE, over everything before it
//! ```
//! IDLE is written when the eviction policy is an LRU one (seconds idle), FREQ when it is
//! an LFU one (the decayed counter), as `rdbSaveKeyValuePair` does.
//!
//! # Lengths and strings
//! A length is 6 bits in one byte (`00xxxxxx`), 14 bits in two (`01xxxxxx yyyyyyyy`,
//! big endian), or `0x80` + 4 bytes / `0x81` + 8 bytes, big endian. A string is a length
//! and its bytes, or a special form flagged `11xxxxxx`: an integer (`0xC0` int8, `0xC1`
//! int16, `0xC2` int32, little endian) or LZF (`0xC3`, compressed length, original
//! length, data). `rdbSaveRawString` picks: a string of at most 11 bytes that is a
//! canonical integer fitting 32 bits is saved as an integer; one longer than 20 bytes is
//! LZF-compressed when that saves at least 4 bytes (`rdbcompression yes`); anything else
//! verbatim. The compressor here is liblzf's `lzf_compress` step by step (HLOG 16,
//! VERY_FAST, the same hash, the same "ref > start of input" rule and the same output
//! limits), so the compressed bytes are Redis's. One caveat: liblzf does not clear its
//! hash table (INIT_HTAB 0), so a stale slot from an earlier compression on the same
//! stack can, rarely, offer Redis a match inside a region it skipped; we start from an
//! empty table, which is what Redis sees whenever those slots are unused.
//!
//! # Values, by the encodings Redis 7.0 writes
//! - `0` STRING: a string as above.
//! - `18` LIST_QUICKLIST_2: the node count, then per node its container (2 = packed) and
//!   its listpack as a string. The node boundaries are the quicklist's (see `list.rs`).
//! - `11` SET_INTSET: the intset blob as a string: encoding (2, 4 or 8, u32 LE), count
//!   (u32 LE), the integers ascending, little endian. `2` SET: count, members.
//! - `17` ZSET_LISTPACK: the listpack of member, score pairs in score order; a score is an
//!   integer entry when it is an integral double within ±2^62 (`double2ll`), else its
//!   `%.17g` text (`inf`, `-inf`). `5` ZSET_2: count, then from the highest to the lowest
//!   member and score as an 8-byte LE double.
//! - `16` HASH_LISTPACK: the listpack of field, value pairs. `4` HASH: count, pairs.
//! - `19` STREAM_LISTPACKS_2: the node count; per node its master ID (16 bytes, big
//!   endian ms and seq) and its listpack (master entry, entries with flags and ID deltas,
//!   see `stream.rs`); then length, last ID, first ID, max deleted ID, entries added; the
//!   groups by name: last ID, entries read, the PEL (raw IDs, delivery time, count), the
//!   consumers by name: seen time and their PEL's IDs.
//!
//! A listpack is its total size (u32 LE), element count (u16 LE), the entries and 0xFF.
//! An entry is an encoding with its data, then its size backwards (`lpEncodeBacklen`).
//! A string that `lpStringToInt64` reads as an integer is stored as one: 7-bit unsigned,
//! 13-, 16-, 24-, 32- or 64-bit signed; other strings as 6-bit, 12-bit or 32-bit length
//! strings. Module types do not exist in KV Lab (its Bloom filters and friends are not
//! here yet), so none are written; a file holding one is refused with a clear error.
//!
//! # DUMP payloads
//! The type byte, the value as above, the RDB version (u16 LE) and the CRC64 of all that
//! (u64 LE). RESTORE checks the version (at most 10) and the checksum first.
//!
//! # Loading hostile input
//! Every length is checked against the bytes that remain before anything is allocated
//! (a count of n elements needs at least n bytes; an LZF string can expand at most ~90×),
//! so a forged length cannot make the loader reserve gigabytes, and every listpack and
//! intset is validated entry by entry. Errors are strings that say what was wrong and
//! where; nothing panics. Loading applies Redis's conversions: a set of integers within
//! `set-max-intset-entries` is an intset, hashes and sorted sets are listpacks within
//! their limits; a list keeps its saved nodes.

use super::hash::Hash;
use super::list::List;
use super::object::Value;
use super::set::Set;
use super::stream::{Consumer, Group, Nack, Node, NodeEntry, Stream, StreamId};
use super::util::crc64;
use super::zset::ZSet;

pub const RDB_VERSION: u16 = 10;

pub const TYPE_STRING: u8 = 0;
pub const TYPE_LIST: u8 = 1;
pub const TYPE_SET: u8 = 2;
pub const TYPE_ZSET: u8 = 3;
pub const TYPE_HASH: u8 = 4;
pub const TYPE_ZSET_2: u8 = 5;
pub const TYPE_MODULE: u8 = 6;
pub const TYPE_MODULE_2: u8 = 7;
pub const TYPE_HASH_ZIPMAP: u8 = 9;
pub const TYPE_LIST_ZIPLIST: u8 = 10;
pub const TYPE_SET_INTSET: u8 = 11;
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
pub const TYPE_HASH_ZIPLIST: u8 = 13;
pub const TYPE_LIST_QUICKLIST: u8 = 14;
pub const TYPE_HASH_LISTPACK: u8 = 16;
pub const TYPE_ZSET_LISTPACK: u8 = 17;
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;

pub const OP_FUNCTION2: u8 = 245;
pub const OP_FUNCTION_PRE_GA: u8 = 246;
pub const OP_MODULE_AUX: u8 = 247;
pub const OP_IDLE: u8 = 248;
pub const OP_FREQ: u8 = 249;
pub const OP_AUX: u8 = 250;
pub const OP_RESIZEDB: u8 = 251;
pub const OP_EXPIRETIME_MS: u8 = 252;
pub const OP_EXPIRETIME: u8 = 253;
pub const OP_SELECTDB: u8 = 254;
pub const OP_EOF: u8 = 255;

const QUICKLIST_NODE_PLAIN: u64 = 1;
const QUICKLIST_NODE_PACKED: u64 = 2;

// ---------------------------------------------------------------------------------------
// LZF
// ---------------------------------------------------------------------------------------

const LZF_HLOG: u32 = 16;
const LZF_HSIZE: usize = 1 << LZF_HLOG;
const LZF_MAX_LIT: usize = 1 << 5;
const LZF_MAX_OFF: usize = 1 << 13;
const LZF_MAX_REF: usize = (1 << 8) + (1 << 3);

#[inline]
fn lzf_idx(h: u32) -> usize {
    // VERY_FAST: ((h >> (3*8 - HLOG)) - h*5) & (HSIZE - 1), in 32-bit arithmetic.
    ((h >> (24 - LZF_HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (LZF_HSIZE - 1)
}

/// liblzf's `lzf_compress` into at most `out_len` bytes; None when the data does not fit
/// (as it returns 0). Byte for byte what Redis 7.0's copy produces from a clear table.
pub fn lzf_compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let in_len = input.len();
    if in_len == 0 || out_len == 0 {
        return None;
    }
    // Offsets into `input`, 0 meaning empty (position 0 can never be a reference).
    let mut htab = vec![0u32; LZF_HSIZE];
    // One spare byte, as Redis allocates `outlen + 1`.
    let mut out = vec![0u8; out_len + 1];
    let out_end = out_len;
    let mut ip = 0usize;
    let mut op = 1usize; // start run
    let mut lit: usize = 0;
    let at = |i: usize| input.get(i).copied().unwrap_or(0) as u32;
    let mut hval: u32 = (at(0) << 8) | at(1);
    while in_len >= 3 && ip < in_len - 2 {
        hval = (hval << 8) | at(ip + 2);
        let slot = lzf_idx(hval);
        let r = htab[slot] as usize;
        htab[slot] = ip as u32;
        let matched = r > 0
            && r < ip
            && ip - r - 1 < LZF_MAX_OFF
            && input[r + 2] == input[ip + 2]
            && input[r] == input[ip]
            && input[r + 1] == input[ip + 1];
        if matched {
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (in_len - ip - len).min(LZF_MAX_REF);
            if op + 3 + 1 >= out_end && op - usize::from(lit == 0) + 3 + 1 >= out_end {
                return None;
            }
            out[op - lit - 1] = (lit as u8).wrapping_sub(1); // stop run
            op -= usize::from(lit == 0); // undo run if length is zero
                                         // liblzf checks 16 bytes unrolled (without the bound) when more than 16
                                         // may match, then goes on byte by byte up to the bound.
            let mut stopped = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        stopped = true;
                        break;
                    }
                }
            }
            if !stopped {
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2; // len is now #octets - 1
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 1;
            lit = 0;
            op += 1; // start run
            ip += len + 1;
            if ip >= in_len - 2 {
                break;
            }
            // VERY_FAST: hash the last two positions of the match.
            ip -= 2;
            hval = (at(ip) << 8) | at(ip + 1);
            hval = (hval << 8) | at(ip + 2);
            htab[lzf_idx(hval)] = ip as u32;
            ip += 1;
            hval = (hval << 8) | at(ip + 2);
            htab[lzf_idx(hval)] = ip as u32;
            ip += 1;
        } else {
            if op >= out_end {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == LZF_MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_end {
        return None;
    }
    while ip < in_len {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == LZF_MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1); // end run
    op -= usize::from(lit == 0);
    out.truncate(op);
    Some(out)
}

pub use super::util::lzf_decompress;

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// `rdbSaveLen`.
pub fn save_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if len <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// Redis's `string2ll` as `rdbTryIntegerEncoding` and `lpStringToInt64` use it: a
/// canonical decimal `long long` (no sign but `-`, no leading zeros, no `-0`).
fn canonical_i64(s: &[u8]) -> Option<i64> {
    super::util::parse_i64(s)
}

/// `rdbEncodeInteger`: the special integer forms, for values that fit 32 bits.
fn encode_int(out: &mut Vec<u8>, v: i64) -> bool {
    if let Ok(b) = i8::try_from(v) {
        out.push(0xC0);
        out.push(b as u8);
    } else if let Ok(h) = i16::try_from(v) {
        out.push(0xC1);
        out.extend_from_slice(&h.to_le_bytes());
    } else if let Ok(w) = i32::try_from(v) {
        out.push(0xC2);
        out.extend_from_slice(&w.to_le_bytes());
    } else {
        return false;
    }
    true
}

thread_local! {
    /// `rdbcompression`: whether strings over 20 bytes are tried with LZF.
    static COMPRESS: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Runs `f` with LZF compression on or off (`rdbcompression yes|no`).
pub fn with_compression<R>(on: bool, f: impl FnOnce() -> R) -> R {
    let old = COMPRESS.with(|c| c.replace(on));
    let r = f();
    COMPRESS.with(|c| c.set(old));
    r
}

/// `rdbSaveRawString`: integer form, LZF, or verbatim.
pub fn save_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 11 {
        if let Some(v) = canonical_i64(s) {
            if encode_int(out, v) {
                return;
            }
        }
    }
    if s.len() > 20 && COMPRESS.with(|c| c.get()) {
        if let Some(c) = lzf_compress(s, s.len() - 4) {
            out.push(0xC3);
            save_len(out, c.len() as u64);
            save_len(out, s.len() as u64);
            out.extend_from_slice(&c);
            return;
        }
    }
    save_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// A listpack under construction (`lpNew` then `lpAppend`/`lpAppendInteger`).
pub struct ListpackBuilder {
    buf: Vec<u8>,
    count: u32,
}

impl Default for ListpackBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ListpackBuilder {
    pub fn new() -> ListpackBuilder {
        ListpackBuilder {
            buf: vec![0; 6],
            count: 0,
        }
    }

    fn backlen(&mut self, l: u64) {
        let b = &mut self.buf;
        if l <= 127 {
            b.push(l as u8);
        } else if l < 16383 {
            b.push((l >> 7) as u8);
            b.push((l & 127) as u8 | 128);
        } else if l < 2097151 {
            b.push((l >> 14) as u8);
            b.push(((l >> 7) & 127) as u8 | 128);
            b.push((l & 127) as u8 | 128);
        } else if l < 268435455 {
            b.push((l >> 21) as u8);
            b.push(((l >> 14) & 127) as u8 | 128);
            b.push(((l >> 7) & 127) as u8 | 128);
            b.push((l & 127) as u8 | 128);
        } else {
            b.push((l >> 28) as u8);
            b.push(((l >> 21) & 127) as u8 | 128);
            b.push(((l >> 14) & 127) as u8 | 128);
            b.push(((l >> 7) & 127) as u8 | 128);
            b.push((l & 127) as u8 | 128);
        }
    }

    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        let b = &mut self.buf;
        if (0..=127).contains(&v) {
            b.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = if v < 0 { (1 << 13) + v } else { v } as u64;
            b.push((u >> 8) as u8 | 0xC0);
            b.push(u as u8);
        } else if (-32768..=32767).contains(&v) {
            b.push(0xF1);
            b.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8388608..=8388607).contains(&v) {
            b.push(0xF2);
            b.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if let Ok(w) = i32::try_from(v) {
            b.push(0xF3);
            b.extend_from_slice(&w.to_le_bytes());
        } else {
            b.push(0xF4);
            b.extend_from_slice(&v.to_le_bytes());
        }
        let l = (self.buf.len() - start) as u64;
        self.backlen(l);
        self.count += 1;
    }

    /// Appends a string, stored as an integer when `lpStringToInt64` reads it as one.
    pub fn push(&mut self, s: &[u8]) {
        if let Some(v) = canonical_i64(s) {
            return self.push_int(v);
        }
        let start = self.buf.len();
        let len = s.len();
        let b = &mut self.buf;
        if len < 64 {
            b.push(len as u8 | 0x80);
        } else if len < 4096 {
            b.push((len >> 8) as u8 | 0xE0);
            b.push(len as u8);
        } else {
            b.push(0xF0);
            b.extend_from_slice(&(len as u32).to_le_bytes());
        }
        b.extend_from_slice(s);
        let l = (self.buf.len() - start) as u64;
        self.backlen(l);
        self.count += 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let n = self.count.min(65535) as u16;
        self.buf[4..6].copy_from_slice(&n.to_le_bytes());
        self.buf
    }
}

/// `double2ll`: an integral double well inside the `long long` range.
fn double2ll(d: f64) -> Option<i64> {
    const LIM: f64 = (i64::MAX / 2) as f64;
    if !(-LIM..=LIM).contains(&d) {
        return None;
    }
    let l = d as i64;
    (l as f64 == d).then_some(l)
}

/// `d2string` for a score that is not `double2ll`-integral.
fn d2string(d: f64) -> Vec<u8> {
    if d.is_nan() {
        b"nan".to_vec()
    } else if d.is_infinite() {
        if d < 0.0 {
            b"-inf".to_vec()
        } else {
            b"inf".to_vec()
        }
    } else {
        super::reply::format_double_g17(d).into_bytes()
    }
}

/// The intset blob of a set of integers (`intsetBlobLen` bytes).
pub fn intset_blob(set: &Set) -> Vec<u8> {
    let mut vals: Vec<i64> = set
        .ordered()
        .iter()
        .filter_map(|m| canonical_i64(m))
        .collect();
    vals.sort_unstable();
    let width = set.intset_width() as usize;
    let mut out = Vec::with_capacity(8 + width * vals.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(vals.len() as u32).to_le_bytes());
    for v in vals {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

fn stream_node_listpack(n: &Node) -> Vec<u8> {
    let mut lp = ListpackBuilder::new();
    lp.push_int(n.live as i64);
    lp.push_int(n.deleted as i64);
    lp.push_int(n.master_fields.len() as i64);
    for f in &n.master_fields {
        lp.push(f);
    }
    lp.push_int(0);
    for e in &n.entries {
        lp.push_int(e.flags as i64);
        lp.push_int(e.id.ms.wrapping_sub(n.master_id.ms) as i64);
        lp.push_int(e.id.seq.wrapping_sub(n.master_id.seq) as i64);
        let nv = e.values.len() as i64;
        if e.samefields() {
            for v in &e.values {
                lp.push(v);
            }
            lp.push_int(nv + 3);
        } else {
            lp.push_int(nv);
            for (f, v) in e.fields.iter().zip(&e.values) {
                lp.push(f);
                lp.push(v);
            }
            lp.push_int(nv + 3 + nv + 1);
        }
    }
    lp.finish()
}

/// The type byte Redis writes for a value (`rdbSaveObjectType`); the probabilistic
/// family are RedisBloom's module types (see `rdb_module`).
pub fn type_byte(v: &Value) -> u8 {
    match v {
        Value::Str { .. } => TYPE_STRING,
        Value::List(_) => TYPE_LIST_QUICKLIST_2,
        Value::Set(s) if s.intset => TYPE_SET_INTSET,
        Value::Set(_) => TYPE_SET,
        Value::ZSet(z) if z.listpack => TYPE_ZSET_LISTPACK,
        Value::ZSet(_) => TYPE_ZSET_2,
        Value::Hash(h) if h.listpack => TYPE_HASH_LISTPACK,
        Value::Hash(_) => TYPE_HASH,
        Value::Stream(_) => TYPE_STREAM_LISTPACKS_2,
        Value::Bloom(_) | Value::Cuckoo(_) | Value::Cms(_) | Value::TopK(_) | Value::TDigest(_) => {
            TYPE_MODULE_2
        }
    }
}

/// `rdbSaveObject`: the value, without its type byte.
pub fn save_object(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str { bytes, .. } => save_string(out, bytes),
        Value::List(l) => {
            let nodes = l.node_items();
            save_len(out, nodes.len() as u64);
            for node in nodes {
                save_len(out, QUICKLIST_NODE_PACKED);
                let mut lp = ListpackBuilder::new();
                for e in node {
                    lp.push(e);
                }
                save_string(out, &lp.finish());
            }
        }
        Value::Set(s) if s.intset => save_string(out, &intset_blob(s)),
        Value::Set(s) => {
            save_len(out, s.len() as u64);
            for m in s.ordered() {
                save_string(out, m);
            }
        }
        Value::ZSet(z) if z.listpack => {
            let mut lp = ListpackBuilder::new();
            for (m, score) in z.zsl.iter() {
                lp.push(m);
                match double2ll(score) {
                    Some(i) => lp.push_int(i),
                    None => lp.push(&d2string(score)),
                }
            }
            save_string(out, &lp.finish());
        }
        Value::ZSet(z) => {
            save_len(out, z.len() as u64);
            let all: Vec<(&[u8], f64)> = z.zsl.iter().collect();
            for (m, score) in all.into_iter().rev() {
                save_string(out, m);
                out.extend_from_slice(&score.to_le_bytes());
            }
        }
        Value::Hash(h) if h.listpack => {
            let mut lp = ListpackBuilder::new();
            for (f, v) in h.iter() {
                lp.push(f);
                lp.push(v);
            }
            save_string(out, &lp.finish());
        }
        Value::Hash(h) => {
            save_len(out, h.len() as u64);
            for (f, v) in h.iter() {
                save_string(out, f);
                save_string(out, v);
            }
        }
        Value::Stream(s) => save_stream(out, s),
        Value::Bloom(_) | Value::Cuckoo(_) | Value::Cms(_) | Value::TopK(_) | Value::TDigest(_) => {
            super::rdb_module::save(out, v);
        }
    }
}

fn save_stream(out: &mut Vec<u8>, s: &Stream) {
    save_len(out, s.nodes.len() as u64);
    for (id, n) in &s.nodes {
        save_string(out, &id.key());
        save_string(out, &stream_node_listpack(n));
    }
    save_len(out, s.length);
    save_len(out, s.last_id.ms);
    save_len(out, s.last_id.seq);
    save_len(out, s.first_id.ms);
    save_len(out, s.first_id.seq);
    save_len(out, s.max_deleted_entry_id.ms);
    save_len(out, s.max_deleted_entry_id.seq);
    save_len(out, s.entries_added);
    save_len(out, s.groups.len() as u64);
    for (name, g) in &s.groups {
        save_string(out, name);
        save_len(out, g.last_id.ms);
        save_len(out, g.last_id.seq);
        save_len(out, g.entries_read as u64);
        save_len(out, g.pel.len() as u64);
        for (id, nack) in &g.pel {
            out.extend_from_slice(&id.key());
            out.extend_from_slice(&nack.delivery_time.to_le_bytes());
            save_len(out, nack.delivery_count);
        }
        save_len(out, g.consumers.len() as u64);
        for (cname, c) in &g.consumers {
            save_string(out, cname);
            out.extend_from_slice(&c.seen_time.to_le_bytes());
            save_len(out, c.pel.len() as u64);
            for id in &c.pel {
                out.extend_from_slice(&id.key());
            }
        }
    }
}

/// A DUMP payload: type, value, RDB version, CRC64 (`createDumpPayload`).
pub fn dump_payload(v: &Value) -> Vec<u8> {
    let mut out = vec![type_byte(v)];
    save_object(&mut out, v);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// The encoding limits that decide what a loaded value becomes (from the config).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub set_max_intset_entries: usize,
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    pub list_fill: i32,
    /// The largest probabilistic structure a key may hold (the commands' `sketch_cap`).
    pub sketch_cap: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            set_max_intset_entries: 512,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_fill: -2,
            sketch_cap: 1 << 30,
        }
    }
}

impl Limits {
    pub fn from_config(c: &super::config::Config) -> Limits {
        let u = |v: i64| v.max(0) as usize;
        Limits {
            set_max_intset_entries: u(c.set_max_intset_entries),
            hash_max_listpack_entries: u(c.hash_max_listpack_entries),
            hash_max_listpack_value: u(c.hash_max_listpack_value),
            zset_max_listpack_entries: u(c.zset_max_listpack_entries),
            zset_max_listpack_value: u(c.zset_max_listpack_value),
            list_fill: c
                .get("list-max-listpack-size")
                .and_then(|v| v.parse().ok())
                .unwrap_or(-2),
            sketch_cap: super::bloom::structure_cap(c.playground_value_cap),
        }
    }
}

/// A cursor over untrusted bytes. Every read is bounds-checked.
pub struct Reader<'a> {
    buf: &'a [u8],
    pub pos: usize,
}

type Res<T> = Result<T, String>;

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn truncated(&self) -> String {
        format!("unexpected end of data at byte {}", self.pos)
    }

    pub fn byte(&mut self) -> Res<u8> {
        let b = *self.buf.get(self.pos).ok_or_else(|| self.truncated())?;
        self.pos += 1;
        Ok(b)
    }

    pub fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.truncated());
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u64_le(&mut self) -> Res<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    fn i64_le(&mut self) -> Res<i64> {
        Ok(self.u64_le()? as i64)
    }

    /// A length, or the special-form code with `true`.
    fn len_or_enc(&mut self) -> Res<(u64, bool)> {
        let first = self.byte()?;
        Ok(match first >> 6 {
            0 => ((first & 0x3f) as u64, false),
            1 => ((((first & 0x3f) as u64) << 8) | self.byte()? as u64, false),
            2 if first == 0x80 => (
                u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")) as u64,
                false,
            ),
            2 if first == 0x81 => (
                u64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes")),
                false,
            ),
            2 => return Err(format!("unknown length encoding 0x{first:02x}")),
            _ => ((first & 0x3f) as u64, true),
        })
    }

    pub fn length(&mut self) -> Res<u64> {
        match self.len_or_enc()? {
            (l, false) => Ok(l),
            _ => Err(format!(
                "a length was expected at byte {}, found a string encoding",
                self.pos - 1
            )),
        }
    }

    /// A count of items that each take at least one byte: no more than what remains.
    fn count(&mut self, what: &str) -> Res<usize> {
        let n = self.length()?;
        if n > self.remaining() as u64 {
            return Err(format!(
                "{what} count {n} exceeds the {} bytes that remain",
                self.remaining()
            ));
        }
        Ok(n as usize)
    }

    /// A string in any of its forms.
    pub fn string(&mut self) -> Res<Vec<u8>> {
        match self.len_or_enc()? {
            (len, false) => {
                if len > self.remaining() as u64 {
                    return Err(format!(
                        "string of {len} bytes exceeds the {} bytes that remain",
                        self.remaining()
                    ));
                }
                Ok(self.take(len as usize)?.to_vec())
            }
            (0, true) => Ok((self.byte()? as i8).to_string().into_bytes()),
            (1, true) => Ok(i16::from_le_bytes(self.take(2)?.try_into().expect("2"))
                .to_string()
                .into_bytes()),
            (2, true) => Ok(i32::from_le_bytes(self.take(4)?.try_into().expect("4"))
                .to_string()
                .into_bytes()),
            (3, true) => {
                let clen = self.length()?;
                let ulen = self.length()?;
                if clen > self.remaining() as u64 {
                    return Err(format!(
                        "compressed string of {clen} bytes exceeds the {} bytes that remain",
                        self.remaining()
                    ));
                }
                // A 3-byte back reference expands to at most 264 bytes.
                if ulen > clen.saturating_mul(90).saturating_add(64) || ulen == 0 {
                    return Err(format!(
                        "compressed string claims {ulen} bytes from {clen}: impossible"
                    ));
                }
                let c = self.take(clen as usize)?;
                lzf_decompress(c, ulen as usize)
                    .ok_or_else(|| "invalid LZF compressed string".to_string())
            }
            (e, true) => Err(format!("unknown string encoding {e}")),
        }
    }

    fn double_bin(&mut self) -> Res<f64> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().expect("8")))
    }

    /// The old text double (`rdbLoadDoubleValue`, ZSET version 1).
    fn double_text(&mut self) -> Res<f64> {
        match self.byte()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let t = self.take(n as usize)?;
                std::str::from_utf8(t)
                    .ok()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .ok_or_else(|| "unreadable score".to_string())
            }
        }
    }

    fn stream_id_raw(&mut self) -> Res<StreamId> {
        let b = self.take(16)?;
        Ok(StreamId::new(
            u64::from_be_bytes(b[..8].try_into().expect("8")),
            u64::from_be_bytes(b[8..].try_into().expect("8")),
        ))
    }
}

/// One listpack element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LpVal<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl LpVal<'_> {
    pub fn to_bytes(self) -> Vec<u8> {
        match self {
            LpVal::Int(v) => v.to_string().into_bytes(),
            LpVal::Str(s) => s.to_vec(),
        }
    }
    fn int(self) -> Option<i64> {
        match self {
            LpVal::Int(v) => Some(v),
            LpVal::Str(s) => canonical_i64(s),
        }
    }
}

/// Parses and validates a listpack: header size, every entry and its back-length, the
/// terminator, and the element count.
pub fn parse_listpack(lp: &[u8]) -> Res<Vec<LpVal<'_>>> {
    let bad = |why: &str| Err(format!("invalid listpack: {why}"));
    if lp.len() < 7 {
        return bad("shorter than its header");
    }
    let total = u32::from_le_bytes(lp[..4].try_into().expect("4")) as usize;
    if total != lp.len() {
        return bad("its size field disagrees with its length");
    }
    let count = u16::from_le_bytes(lp[4..6].try_into().expect("2")) as usize;
    if lp[lp.len() - 1] != 0xFF {
        return bad("no end byte");
    }
    let end = lp.len() - 1;
    let mut out = Vec::with_capacity(count.min(end));
    let mut p = 6;
    while p < end {
        let b = lp[p];
        let need = |n: usize| -> Res<()> {
            if p + n > end {
                Err("an entry runs past the end".to_string())
            } else {
                Ok(())
            }
        };
        let (val, size) = if b & 0x80 == 0 {
            (LpVal::Int((b & 0x7f) as i64), 1)
        } else if b & 0xC0 == 0x80 {
            let l = (b & 0x3f) as usize;
            need(1 + l)?;
            (LpVal::Str(&lp[p + 1..p + 1 + l]), 1 + l)
        } else if b & 0xE0 == 0xC0 {
            need(2)?;
            let u = (((b & 0x1f) as u64) << 8) | lp[p + 1] as u64;
            let v = if u >= 1 << 12 {
                u as i64 - (1 << 13)
            } else {
                u as i64
            };
            (LpVal::Int(v), 2)
        } else if b & 0xF0 == 0xE0 {
            need(2)?;
            let l = (((b & 0x0f) as usize) << 8) | lp[p + 1] as usize;
            need(2 + l)?;
            (LpVal::Str(&lp[p + 2..p + 2 + l]), 2 + l)
        } else {
            match b {
                0xF1 => {
                    need(3)?;
                    let v = i16::from_le_bytes([lp[p + 1], lp[p + 2]]) as i64;
                    (LpVal::Int(v), 3)
                }
                0xF2 => {
                    need(4)?;
                    let u = u32::from_le_bytes([lp[p + 1], lp[p + 2], lp[p + 3], 0]);
                    let v = ((u << 8) as i32 >> 8) as i64;
                    (LpVal::Int(v), 4)
                }
                0xF3 => {
                    need(5)?;
                    let v = i32::from_le_bytes(lp[p + 1..p + 5].try_into().expect("4")) as i64;
                    (LpVal::Int(v), 5)
                }
                0xF4 => {
                    need(9)?;
                    let v = i64::from_le_bytes(lp[p + 1..p + 9].try_into().expect("8"));
                    (LpVal::Int(v), 9)
                }
                0xF0 => {
                    need(5)?;
                    let l = u32::from_le_bytes(lp[p + 1..p + 5].try_into().expect("4")) as usize;
                    if l > end - p - 5 {
                        return bad("a string runs past the end");
                    }
                    (LpVal::Str(&lp[p + 5..p + 5 + l]), 5 + l)
                }
                _ => return bad("unknown entry encoding"),
            }
        };
        // The back-length: the entry's size, most significant 7 bits first.
        let mut bl = ListpackBuilder {
            buf: Vec::new(),
            count: 0,
        };
        bl.backlen(size as u64);
        let q = p + size;
        if q + bl.buf.len() > end || lp[q..q + bl.buf.len()] != bl.buf[..] {
            return bad("an entry's back-length is wrong");
        }
        out.push(val);
        p = q + bl.buf.len();
    }
    if count != 65535 && count != out.len() {
        return bad("its element count is wrong");
    }
    Ok(out)
}

/// Parses and validates a ziplist (the encoding before listpacks, in RDB files of Redis
/// 6.2 and older): header, every entry's previous-length and encoding, the end byte.
pub fn parse_ziplist(z: &[u8]) -> Res<Vec<LpVal<'_>>> {
    let bad = |why: &str| Err(format!("invalid ziplist: {why}"));
    if z.len() < 11 {
        return bad("shorter than its header");
    }
    let total = u32::from_le_bytes(z[..4].try_into().expect("4")) as usize;
    if total != z.len() || z[z.len() - 1] != 0xFF {
        return bad("its size field or end byte is wrong");
    }
    let count = u16::from_le_bytes(z[8..10].try_into().expect("2")) as usize;
    let end = z.len() - 1;
    let mut out = Vec::with_capacity(count.min(end));
    let mut p = 10;
    let mut prev_len = 0usize;
    while p < end {
        let start = p;
        let prev = if z[p] < 254 {
            p += 1;
            z[start] as usize
        } else {
            if p + 5 > end {
                return bad("an entry runs past the end");
            }
            p += 5;
            u32::from_le_bytes(z[start + 1..start + 5].try_into().expect("4")) as usize
        };
        if prev != prev_len {
            return bad("an entry's previous length is wrong");
        }
        let b = *z
            .get(p)
            .filter(|_| p < end)
            .ok_or("invalid ziplist: truncated")?;
        let take = |from: usize, n: usize| -> Res<&[u8]> {
            if from + n > end {
                Err("invalid ziplist: an entry runs past the end".to_string())
            } else {
                Ok(&z[from..from + n])
            }
        };
        let (val, next) = match b >> 6 {
            0 => {
                let l = (b & 0x3f) as usize;
                (LpVal::Str(take(p + 1, l)?), p + 1 + l)
            }
            1 => {
                let l =
                    (((b & 0x3f) as usize) << 8) | *take(p + 1, 1)?.first().expect("1") as usize;
                (LpVal::Str(take(p + 2, l)?), p + 2 + l)
            }
            2 => {
                let l = u32::from_be_bytes(take(p + 1, 4)?.try_into().expect("4")) as usize;
                if l > end {
                    return bad("a string runs past the end");
                }
                (LpVal::Str(take(p + 5, l)?), p + 5 + l)
            }
            _ => match b {
                0xC0 => {
                    let v = i16::from_le_bytes(take(p + 1, 2)?.try_into().expect("2"));
                    (LpVal::Int(v as i64), p + 3)
                }
                0xD0 => {
                    let v = i32::from_le_bytes(take(p + 1, 4)?.try_into().expect("4"));
                    (LpVal::Int(v as i64), p + 5)
                }
                0xE0 => {
                    let v = i64::from_le_bytes(take(p + 1, 8)?.try_into().expect("8"));
                    (LpVal::Int(v), p + 9)
                }
                0xF0 => {
                    let t = take(p + 1, 3)?;
                    let u = u32::from_le_bytes([t[0], t[1], t[2], 0]);
                    (LpVal::Int(((u << 8) as i32 >> 8) as i64), p + 4)
                }
                0xFE => (LpVal::Int(take(p + 1, 1)?[0] as i8 as i64), p + 2),
                0xF1..=0xFD => (LpVal::Int((b & 0x0f) as i64 - 1), p + 1),
                _ => return bad("unknown entry encoding"),
            },
        };
        out.push(val);
        prev_len = next - start;
        p = next;
    }
    if count != 65535 && count != out.len() {
        return bad("its element count is wrong");
    }
    Ok(out)
}

/// Parses a zipmap (hashes in RDB files before Redis 2.6): a count byte, then per pair
/// the field's length and bytes, the value's length, a free-bytes count, the value and
/// its free bytes; 0xFF ends it. A length is one byte, or 254 and four bytes.
pub fn parse_zipmap(z: &[u8]) -> Res<Vec<(Vec<u8>, Vec<u8>)>> {
    let bad = || "invalid zipmap".to_string();
    let mut p = 1usize;
    let mut out = Vec::new();
    let len_at = |p: &mut usize| -> Res<usize> {
        let b = *z.get(*p).ok_or_else(bad)?;
        if b < 254 {
            *p += 1;
            Ok(b as usize)
        } else if b == 254 {
            let v = z.get(*p + 1..*p + 5).ok_or_else(bad)?;
            *p += 5;
            Ok(u32::from_le_bytes(v.try_into().expect("4")) as usize)
        } else {
            Err(bad())
        }
    };
    loop {
        if *z.get(p).ok_or_else(bad)? == 0xFF {
            break;
        }
        let fl = len_at(&mut p)?;
        let f = z
            .get(p..p.checked_add(fl).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        p += fl;
        let vl = len_at(&mut p)?;
        let free = *z.get(p).ok_or_else(bad)? as usize;
        p += 1;
        let v = z
            .get(p..p.checked_add(vl).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        p += vl + free;
        out.push((f.to_vec(), v.to_vec()));
    }
    Ok(out)
}

/// Parses and validates an intset blob: encoding, count, ascending distinct values.
pub fn parse_intset(b: &[u8]) -> Res<Vec<i64>> {
    if b.len() < 8 {
        return Err("invalid intset: shorter than its header".into());
    }
    let enc = u32::from_le_bytes(b[..4].try_into().expect("4")) as usize;
    let n = u32::from_le_bytes(b[4..8].try_into().expect("4")) as usize;
    if !matches!(enc, 2 | 4 | 8) {
        return Err("invalid intset: bad encoding".into());
    }
    if n.checked_mul(enc).and_then(|x| x.checked_add(8)) != Some(b.len()) {
        return Err("invalid intset: its size disagrees with its count".into());
    }
    let mut out: Vec<i64> = Vec::with_capacity(n);
    for c in b[8..].chunks_exact(enc) {
        let v = match enc {
            2 => i16::from_le_bytes([c[0], c[1]]) as i64,
            4 => i32::from_le_bytes(c.try_into().expect("4")) as i64,
            _ => i64::from_le_bytes(c.try_into().expect("8")),
        };
        if out.last().is_some_and(|&l| l >= v) {
            return Err("invalid intset: values not ascending".into());
        }
        out.push(v);
    }
    Ok(out)
}

fn set_from_members(members: Vec<Vec<u8>>, lim: &Limits) -> Res<Set> {
    let first = members.first().cloned().unwrap_or_default();
    let mut s = if members.len() > lim.set_max_intset_entries {
        let mut s = Set::for_first(b"x");
        s.intset = false;
        s
    } else {
        Set::for_first(&first)
    };
    for m in members {
        if !s.add(&m, lim.set_max_intset_entries) {
            return Err("duplicate set members".into());
        }
    }
    Ok(s)
}

fn zset_from(pairs: Vec<(Vec<u8>, f64)>, listpack: bool, rng: &mut impl rand::Rng) -> Res<ZSet> {
    let mut z = ZSet::new(listpack);
    for (m, s) in pairs {
        if s.is_nan() {
            return Err("sorted set with a NaN score".into());
        }
        if z.score(&m).is_some() {
            return Err("duplicate sorted set members".into());
        }
        z.insert(&m, s, rng);
    }
    Ok(z)
}

fn hash_from(pairs: Vec<(Vec<u8>, Vec<u8>)>, listpack: bool) -> Res<Hash> {
    let mut h = Hash::new(listpack);
    for (f, v) in pairs {
        if !h.set(&f, v, usize::MAX, usize::MAX) {
            return Err("duplicate hash fields".into());
        }
    }
    Ok(h)
}

fn pairs_of(vals: &[LpVal]) -> Res<Vec<(Vec<u8>, Vec<u8>)>> {
    if vals.len() % 2 != 0 {
        return Err("a listpack of pairs has an odd element count".into());
    }
    Ok(vals
        .chunks_exact(2)
        .map(|c| (c[0].to_bytes(), c[1].to_bytes()))
        .collect())
}

/// The error of a collection saved empty: RESTORE refuses it, a file load skips the key
/// (as Redis does with `RDB_LOAD_ERR_EMPTY_KEY`).
const EMPTY_KEY: &str = "an empty collection";

/// `rdbLoadObject`: a value of type `t`.
pub fn load_object(r: &mut Reader, t: u8, lim: &Limits, rng: &mut impl rand::Rng) -> Res<Value> {
    let empty = || Err::<Value, String>(EMPTY_KEY.into());
    Ok(match t {
        TYPE_STRING => Value::string(r.string()?),
        TYPE_LIST => {
            let n = r.count("list element")?;
            if n == 0 {
                return empty();
            }
            let mut l = List::default();
            l.set_fill(lim.list_fill);
            for _ in 0..n {
                l.push(super::list::End::Right, r.string()?);
            }
            Value::List(Box::new(l))
        }
        TYPE_LIST_QUICKLIST_2 => {
            let n = r.count("quicklist node")?;
            let mut nodes = Vec::with_capacity(n);
            for _ in 0..n {
                let container = r.length()?;
                if container != QUICKLIST_NODE_PACKED && container != QUICKLIST_NODE_PLAIN {
                    return Err("quicklist integrity check failed".into());
                }
                let data = r.string()?;
                if data.is_empty() {
                    return Err("an empty quicklist node".into());
                }
                if container == QUICKLIST_NODE_PLAIN {
                    nodes.push(vec![data]);
                } else {
                    let vals = parse_listpack(&data)?;
                    nodes.push(vals.iter().map(|v| v.to_bytes()).collect());
                }
            }
            let mut l = List::from_nodes(nodes);
            if l.is_empty() {
                return empty();
            }
            l.set_fill(lim.list_fill);
            Value::List(Box::new(l))
        }
        TYPE_SET => {
            let n = r.count("set member")?;
            if n == 0 {
                return empty();
            }
            let mut members = Vec::with_capacity(n);
            for _ in 0..n {
                members.push(r.string()?);
            }
            Value::Set(Box::new(set_from_members(members, lim)?))
        }
        TYPE_SET_INTSET => {
            let vals = parse_intset(&r.string()?)?;
            if vals.is_empty() {
                return empty();
            }
            let members = vals.iter().map(|v| v.to_string().into_bytes()).collect();
            Value::Set(Box::new(set_from_members(members, lim)?))
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = r.count("sorted set member")?;
            if n == 0 {
                return empty();
            }
            let mut pairs = Vec::with_capacity(n);
            let (mut maxlen, mut total) = (0usize, 0usize);
            for _ in 0..n {
                let m = r.string()?;
                let s = if t == TYPE_ZSET_2 {
                    r.double_bin()?
                } else {
                    r.double_text()?
                };
                maxlen = maxlen.max(m.len());
                total += m.len();
                pairs.push((m, s));
            }
            let lp = n <= lim.zset_max_listpack_entries
                && maxlen <= lim.zset_max_listpack_value
                && total < (1 << 30);
            Value::ZSet(Box::new(zset_from(pairs, lp, rng)?))
        }
        TYPE_ZSET_LISTPACK => {
            let blob = r.string()?;
            let vals = parse_listpack(&blob)?;
            if vals.is_empty() {
                return empty();
            }
            if vals.len() % 2 != 0 {
                return Err("a sorted set listpack has an odd element count".into());
            }
            let mut pairs = Vec::with_capacity(vals.len() / 2);
            for c in vals.chunks_exact(2) {
                let score = match c[1] {
                    LpVal::Int(i) => i as f64,
                    LpVal::Str(s) => super::zset::parse_score(s)
                        .ok_or_else(|| "an unreadable score in a listpack".to_string())?,
                };
                pairs.push((c[0].to_bytes(), score));
            }
            let lp = pairs.len() <= lim.zset_max_listpack_entries;
            Value::ZSet(Box::new(zset_from(pairs, lp, rng)?))
        }
        TYPE_HASH => {
            let n = r.count("hash field")?;
            if n == 0 {
                return empty();
            }
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let f = r.string()?;
                let v = r.string()?;
                pairs.push((f, v));
            }
            let lp = n <= lim.hash_max_listpack_entries
                && pairs.iter().all(|(f, v)| {
                    f.len() <= lim.hash_max_listpack_value && v.len() <= lim.hash_max_listpack_value
                });
            Value::Hash(Box::new(hash_from(pairs, lp)?))
        }
        TYPE_HASH_LISTPACK => {
            let blob = r.string()?;
            let vals = parse_listpack(&blob)?;
            if vals.is_empty() {
                return empty();
            }
            let pairs = pairs_of(&vals)?;
            let lp = pairs.len() <= lim.hash_max_listpack_entries;
            Value::Hash(Box::new(hash_from(pairs, lp)?))
        }
        TYPE_STREAM_LISTPACKS_2 => Value::Stream(Box::new(load_stream(r, true)?)),
        TYPE_STREAM_LISTPACKS => Value::Stream(Box::new(load_stream(r, false)?)),
        TYPE_MODULE | TYPE_MODULE_2 => {
            super::rdb_module::load(r, t == TYPE_MODULE_2, lim.sketch_cap, rng)?
        }
        TYPE_LIST_ZIPLIST => {
            let blob = r.string()?;
            let vals = parse_ziplist(&blob)?;
            if vals.is_empty() {
                return empty();
            }
            let mut l = List::default();
            l.set_fill(lim.list_fill);
            for v in vals {
                l.push(super::list::End::Right, v.to_bytes());
            }
            Value::List(Box::new(l))
        }
        TYPE_LIST_QUICKLIST => {
            let n = r.count("quicklist node")?;
            let mut nodes = Vec::with_capacity(n);
            for _ in 0..n {
                let blob = r.string()?;
                let vals = parse_ziplist(&blob)?;
                nodes.push(vals.iter().map(|v| v.to_bytes()).collect());
            }
            let mut l = List::from_nodes(nodes);
            if l.is_empty() {
                return empty();
            }
            l.set_fill(lim.list_fill);
            Value::List(Box::new(l))
        }
        TYPE_ZSET_ZIPLIST => {
            let blob = r.string()?;
            let vals = parse_ziplist(&blob)?;
            if vals.is_empty() {
                return empty();
            }
            let mut pairs = Vec::with_capacity(vals.len() / 2);
            for (m, sc) in pairs_of(&vals)? {
                let score = super::zset::parse_score(&sc)
                    .ok_or_else(|| "an unreadable score in a ziplist".to_string())?;
                pairs.push((m, score));
            }
            let lp = pairs.len() <= lim.zset_max_listpack_entries;
            Value::ZSet(Box::new(zset_from(pairs, lp, rng)?))
        }
        TYPE_HASH_ZIPLIST => {
            let blob = r.string()?;
            let vals = parse_ziplist(&blob)?;
            if vals.is_empty() {
                return empty();
            }
            let pairs = pairs_of(&vals)?;
            let lp = pairs.len() <= lim.hash_max_listpack_entries;
            Value::Hash(Box::new(hash_from(pairs, lp)?))
        }
        TYPE_HASH_ZIPMAP => {
            let blob = r.string()?;
            let pairs = parse_zipmap(&blob)?;
            if pairs.is_empty() {
                return empty();
            }
            let lp = pairs.len() <= lim.hash_max_listpack_entries
                && pairs.iter().all(|(f, v)| {
                    f.len() <= lim.hash_max_listpack_value && v.len() <= lim.hash_max_listpack_value
                });
            Value::Hash(Box::new(hash_from(pairs, lp)?))
        }
        _ => return Err(format!("unknown value type {t}")),
    })
}

/// A stream; `v2` is 7.0's type (19). The older type (15, Redis <= 6.2) has no first ID,
/// max deleted ID, entries added or group read counters: they are derived as Redis 7.0
/// derives them (first live entry, 0-0, the length, the estimated distance).
fn load_stream(r: &mut Reader, v2: bool) -> Res<Stream> {
    let mut s = Stream::new();
    let nodes = r.count("stream node")?;
    for _ in 0..nodes {
        let key = r.string()?;
        if key.len() != 16 {
            return Err("a stream node key is not 16 bytes".into());
        }
        let master = StreamId::new(
            u64::from_be_bytes(key[..8].try_into().expect("8")),
            u64::from_be_bytes(key[8..].try_into().expect("8")),
        );
        let blob = r.string()?;
        let vals = parse_listpack(&blob)?;
        if vals.is_empty() {
            return Err("an empty stream listpack".into());
        }
        let node = stream_node_from(master, &vals)?;
        if let Some((_, prev)) = s.nodes.iter().next_back() {
            if prev.last_id() >= master {
                return Err("stream nodes out of order".into());
            }
        }
        s.nodes.insert(master, node);
    }
    s.length = r.length()?;
    s.last_id = StreamId::new(r.length()?, r.length()?);
    if v2 {
        s.first_id = StreamId::new(r.length()?, r.length()?);
        s.max_deleted_entry_id = StreamId::new(r.length()?, r.length()?);
        s.entries_added = r.length()?;
    }
    let live = s
        .nodes
        .values()
        .try_fold(0u64, |a, n| a.checked_add(n.live));
    if live != Some(s.length) {
        return Err("the stream length disagrees with its nodes".into());
    }
    if s.nodes
        .values()
        .next_back()
        .is_some_and(|n| n.last_id() > s.last_id)
    {
        return Err("a stream entry is past the stream's last ID".into());
    }
    if !v2 {
        s.max_deleted_entry_id = StreamId::MIN;
        s.entries_added = s.length;
        s.first_id = s.edge_id(true).unwrap_or(StreamId::MIN);
    }
    let groups = r.count("consumer group")?;
    for _ in 0..groups {
        let name = r.string()?;
        let last = StreamId::new(r.length()?, r.length()?);
        let entries_read = if v2 {
            r.length()? as i64
        } else {
            s.estimate_distance(last)
        };
        let mut g = Group::new(last, entries_read);
        let pel = r.count("pending entry")?;
        for _ in 0..pel {
            let id = r.stream_id_raw()?;
            let delivery_time = r.i64_le()?;
            let delivery_count = r.length()?;
            let nack = Nack {
                consumer: Vec::new(),
                delivery_time,
                delivery_count,
            };
            if g.pel.insert(id, nack).is_some() {
                return Err("duplicate ID in a group's pending entries".into());
            }
        }
        let consumers = r.count("consumer")?;
        for _ in 0..consumers {
            let cname = r.string()?;
            let seen_time = r.i64_le()?;
            let mut c = Consumer {
                seen_time,
                pel: Default::default(),
            };
            let n = r.count("consumer pending entry")?;
            for _ in 0..n {
                let id = r.stream_id_raw()?;
                match g.pel.get_mut(&id) {
                    Some(nack) if nack.consumer.is_empty() => nack.consumer = cname.clone(),
                    _ => {
                        return Err(
                            "a consumer's pending entry is not in its group's, or is taken".into(),
                        )
                    }
                }
                c.pel.insert(id);
            }
            if g.consumers.insert(cname, c).is_some() {
                return Err("duplicate consumer".into());
            }
        }
        if g.pel.values().any(|n| n.consumer.is_empty()) {
            return Err("a pending entry has no consumer".into());
        }
        if s.groups.insert(name, g).is_some() {
            return Err("duplicate consumer group".into());
        }
    }
    s.recount();
    Ok(s)
}

fn stream_node_from(master: StreamId, vals: &[LpVal]) -> Res<Node> {
    let bad = || "invalid stream listpack".to_string();
    let mut it = vals.iter().copied();
    let int = |it: &mut dyn Iterator<Item = LpVal>| -> Res<i64> {
        it.next().and_then(|v| v.int()).ok_or_else(bad)
    };
    let live = int(&mut it)?;
    let deleted = int(&mut it)?;
    let nfields = int(&mut it)?;
    if live < 0 || deleted < 0 || nfields < 0 || nfields as usize > vals.len() {
        return Err(bad());
    }
    let mut master_fields = Vec::with_capacity(nfields as usize);
    for _ in 0..nfields {
        master_fields.push(it.next().ok_or_else(bad)?.to_bytes());
    }
    if int(&mut it)? != 0 {
        return Err(bad());
    }
    let mut entries = Vec::new();
    let (mut seen_live, mut seen_deleted) = (0i64, 0i64);
    let mut prev: Option<StreamId> = None;
    while let Some(f) = it.next() {
        let flags = f.int().ok_or_else(bad)?;
        if !(0..=3).contains(&flags) {
            return Err(bad());
        }
        let ms = master.ms.wrapping_add(int(&mut it)? as u64);
        let seq = master.seq.wrapping_add(int(&mut it)? as u64);
        let id = StreamId::new(ms, seq);
        if id < master || prev.is_some_and(|p| p >= id) {
            return Err("stream entries out of order".into());
        }
        prev = Some(id);
        let flags = flags as u8;
        let same = flags & super::stream::FLAG_SAMEFIELDS != 0;
        let (fields, values, n) = if same {
            let n = master_fields.len();
            let mut values = Vec::with_capacity(n);
            for _ in 0..n {
                values.push(it.next().ok_or_else(bad)?.to_bytes());
            }
            (Vec::new(), values, n as i64)
        } else {
            let n = int(&mut it)?;
            if n < 0 || n as usize > vals.len() {
                return Err(bad());
            }
            let mut fields = Vec::with_capacity(n as usize);
            let mut values = Vec::with_capacity(n as usize);
            for _ in 0..n {
                fields.push(it.next().ok_or_else(bad)?.to_bytes());
                values.push(it.next().ok_or_else(bad)?.to_bytes());
            }
            (fields, values, n)
        };
        let lp_count = int(&mut it)?;
        let want = if same { n + 3 } else { n + 3 + n + 1 };
        if lp_count != want {
            return Err(bad());
        }
        if flags & super::stream::FLAG_DELETED != 0 {
            seen_deleted += 1;
        } else {
            seen_live += 1;
        }
        entries.push(NodeEntry {
            id,
            flags,
            fields,
            values,
        });
    }
    // A node whose entries are all deleted stays (XTRIM flags entries inside a node).
    if seen_live != live || seen_deleted != deleted {
        return Err("a stream node's counters disagree with its entries".into());
    }
    Ok(Node::from_parts(
        master,
        master_fields,
        entries,
        live as u64,
        deleted as u64,
    ))
}

/// Checks a DUMP payload's footer (`verifyDumpPayload`); the body without it.
pub fn verify_payload(p: &[u8]) -> Option<&[u8]> {
    if p.len() < 10 {
        return None;
    }
    let footer = &p[p.len() - 10..];
    let ver = u16::from_le_bytes([footer[0], footer[1]]);
    if ver > RDB_VERSION {
        return None;
    }
    let crc = crc64(0, &p[..p.len() - 8]);
    (crc.to_le_bytes() == footer[2..]).then_some(&p[..p.len() - 10])
}

/// Why RESTORE refused a payload.
#[derive(Debug, PartialEq)]
pub enum PayloadError {
    /// The footer's version or checksum is wrong.
    Footer,
    /// The body does not decode (the reason, for logs and tests).
    Format(String),
}

/// Decodes a DUMP payload into a value.
pub fn restore_payload(
    p: &[u8],
    lim: &Limits,
    rng: &mut impl rand::Rng,
) -> Result<Value, PayloadError> {
    verify_payload(p).ok_or(PayloadError::Footer)?;
    // Redis reads the value from the whole buffer, footer included: a value that runs
    // into the footer's bytes is read from them (so "\x00\x05hel" + footer restores
    // "hel\n\x00"), as `rioInitWithBuffer` over the argument does.
    let mut r = Reader::new(p);
    let t = r.byte().map_err(PayloadError::Format)?;
    load_object(&mut r, t, lim, rng).map_err(PayloadError::Format)
}

// ---------------------------------------------------------------------------------------
// Whole files
// ---------------------------------------------------------------------------------------

/// One key of a loaded file.
#[derive(Debug)]
pub struct LoadedKey {
    pub key: Vec<u8>,
    pub value: Value,
    pub expire_ms: Option<i64>,
    /// IDLE (seconds) and FREQ, when the file had them.
    pub idle: Option<u64>,
    pub freq: Option<u8>,
}

/// What a file held.
#[derive(Debug, Default)]
pub struct Loaded {
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// The library code of every FUNCTION2 record.
    pub functions: Vec<Vec<u8>>,
    /// Keys by database index.
    pub dbs: Vec<(usize, Vec<LoadedKey>)>,
}

/// Parses a whole RDB file (version 1 to 10), checking its checksum when it has one.
pub fn load_file(buf: &[u8], lim: &Limits, rng: &mut impl rand::Rng) -> Res<Loaded> {
    if buf.len() < 9 || &buf[..5] != b"REDIS" {
        return Err("not an RDB file (no REDIS signature)".into());
    }
    let ver: u32 = std::str::from_utf8(&buf[5..9])
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or("not an RDB file (bad version field)")?;
    if !(1..=RDB_VERSION as u32).contains(&ver) {
        return Err(format!("can't handle RDB format version {ver}"));
    }
    let mut r = Reader::new(buf);
    r.pos = 9;
    let mut out = Loaded::default();
    let mut db: Option<usize> = None;
    let mut expire: Option<i64> = None;
    let (mut idle, mut freq) = (None, None);
    loop {
        let at = r.pos;
        let t = r.byte()?;
        match t {
            OP_EXPIRETIME => {
                let b = r.take(4)?;
                expire = Some(i32::from_le_bytes(b.try_into().expect("4")) as i64 * 1000);
                continue;
            }
            OP_EXPIRETIME_MS => {
                expire = Some(r.i64_le()?);
                continue;
            }
            OP_FREQ => {
                freq = Some(r.byte()?);
                continue;
            }
            OP_IDLE => {
                idle = Some(r.length()?);
                continue;
            }
            OP_EOF => break,
            OP_SELECTDB => {
                let n = r.length()?;
                if n >= 1 << 20 {
                    return Err(format!("database index {n} out of range"));
                }
                db = Some(n as usize);
                if !out.dbs.iter().any(|(d, _)| *d == n as usize) {
                    out.dbs.push((n as usize, Vec::new()));
                }
                continue;
            }
            OP_RESIZEDB => {
                r.length()?;
                r.length()?;
                continue;
            }
            OP_AUX => {
                let k = r.string()?;
                let v = r.string()?;
                out.aux.push((k, v));
                continue;
            }
            OP_MODULE_AUX => return Err("module auxiliary data is not supported".into()),
            OP_FUNCTION_PRE_GA => {
                return Err("pre-release function records are not supported".into())
            }
            OP_FUNCTION2 => {
                out.functions.push(r.string()?);
                continue;
            }
            _ => {}
        }
        let key = r.string()?;
        let value = match load_object(&mut r, t, lim, rng) {
            Ok(v) => v,
            Err(e) if e == EMPTY_KEY => {
                (expire, idle, freq) = (None, None, None);
                continue;
            }
            Err(e) => {
                return Err(format!(
                    "key at byte {at} ({}): {e}",
                    super::util::repr(&key)
                ))
            }
        };
        let d = match db {
            Some(d) => d,
            None => {
                out.dbs.push((0, Vec::new()));
                db = Some(0);
                0
            }
        };
        let slot = out
            .dbs
            .iter_mut()
            .find(|(i, _)| *i == d)
            .expect("the database was registered");
        slot.1.push(LoadedKey {
            key,
            value,
            expire_ms: expire.take(),
            idle: idle.take(),
            freq: freq.take(),
        });
    }
    if ver >= 5 {
        let end = r.pos;
        let want = r.u64_le()?;
        if want != 0 && crc64(0, &buf[..end]) != want {
            return Err("wrong RDB checksum".into());
        }
    }
    Ok(out)
}

/// What a file records besides the keys.
pub struct SaveInfo<'a> {
    pub ctime_secs: i64,
    pub used_mem: u64,
    pub functions: Vec<&'a [u8]>,
    /// Write IDLE (LRU policies) or FREQ (LFU policies) before each key.
    pub lru: bool,
    pub lfu: bool,
    /// `rdbchecksum no` writes a zero checksum (which loaders skip).
    pub checksum: bool,
    /// The image is an AOF base (the `aof-base` aux field says 1).
    pub aof_base: bool,
}

/// One key to save.
pub struct SaveKey<'a> {
    pub key: &'a [u8],
    pub value: &'a Value,
    pub expire_ms: Option<i64>,
    pub idle_secs: u64,
    pub freq: u8,
}

/// Writes a whole file (`rdbSaveRio`): `dbs` yields each non-empty database's index,
/// key count, volatile-key count and keys.
pub fn save_file<'a>(
    info: &SaveInfo,
    dbs: impl IntoIterator<Item = (usize, usize, usize, Vec<SaveKey<'a>>)>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 12);
    out.extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
    let aux = |out: &mut Vec<u8>, k: &str, v: &str| {
        out.push(OP_AUX);
        save_string(out, k.as_bytes());
        save_string(out, v.as_bytes());
    };
    aux(&mut out, "redis-ver", super::VERSION);
    aux(&mut out, "redis-bits", "64");
    aux(&mut out, "ctime", &info.ctime_secs.to_string());
    aux(&mut out, "used-mem", &info.used_mem.to_string());
    aux(&mut out, "aof-base", if info.aof_base { "1" } else { "0" });
    for code in &info.functions {
        out.push(OP_FUNCTION2);
        save_string(&mut out, code);
    }
    for (i, n, nexp, keys) in dbs {
        if n == 0 {
            continue;
        }
        out.push(OP_SELECTDB);
        save_len(&mut out, i as u64);
        out.push(OP_RESIZEDB);
        save_len(&mut out, n as u64);
        save_len(&mut out, nexp as u64);
        for k in keys {
            if let Some(t) = k.expire_ms {
                out.push(OP_EXPIRETIME_MS);
                out.extend_from_slice(&t.to_le_bytes());
            }
            if info.lru {
                out.push(OP_IDLE);
                save_len(&mut out, k.idle_secs);
            }
            if info.lfu {
                out.push(OP_FREQ);
                out.push(k.freq);
            }
            out.push(type_byte(k.value));
            save_string(&mut out, k.key);
            save_object(&mut out, k.value);
        }
    }
    out.push(OP_EOF);
    let crc = if info.checksum { crc64(0, &out) } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Every probabilistic type is written and read back to an equal value (a t-digest
    /// is compressed when saved, as RedisBloom does; Top-K's generator is reseeded), and
    /// DUMP/RESTORE gives the same value too.
    #[test]
    fn probabilistic_values_round_trip_equal() {
        let (mut a, ia) = populated();
        let image = a.save_rdb();
        let (mut b, _) = engine();
        b.load_rdb(&image).unwrap();
        let lim = Limits::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for key in ["bf", "cf", "cms", "tk", "td", "td1"] {
            let va = &a.core.dbs[0].keys.get(key.as_bytes()).unwrap().value;
            let vb = &b.core.dbs[0].keys.get(key.as_bytes()).unwrap().value;
            let via_dump = restore_payload(&dump_payload(va), &lim, &mut rng).unwrap();
            for v in [vb, &via_dump] {
                match (va, v) {
                    (Value::TDigest(x), Value::TDigest(y)) => {
                        let mut x = x.clone();
                        x.compress().unwrap();
                        // A lone sample stays unmerged and is not saved: Redis's loader
                        // leaves its node at mean 0, weight 0 (seen on redis-server).
                        let m = x.merged_nodes as usize;
                        for i in m..x.means.len() {
                            x.means[i] = 0.0;
                            x.weights[i] = 0;
                        }
                        assert_eq!(&x, y, "{key}");
                    }
                    (Value::TopK(x), Value::TopK(y)) => {
                        assert_eq!(
                            (x.k, x.width, x.depth, x.decay, &x.buckets, &x.heap),
                            (y.k, y.width, y.depth, y.decay, &y.buckets, &y.heap),
                            "{key}"
                        );
                    }
                    (x, y) => assert_eq!(x, y, "{key}"),
                }
            }
            assert_eq!(type_byte(va), TYPE_MODULE_2);
        }
        assert_eq!(b.exec_words(0, "PTTL cms"), a.exec_words(ia, "PTTL cms"));
    }

    /// A module type KV Lab does not know is refused as Redis refuses it (a file does
    /// not load, RESTORE says "Bad data format"); a newer encoding version too.
    #[test]
    fn unknown_module_types_are_refused() {
        let (mut e, id) = engine();
        let lim = Limits::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let payload = |id: u64| {
            let mut p = vec![TYPE_MODULE_2];
            save_len(&mut p, id);
            save_len(&mut p, 2);
            save_len(&mut p, 7);
            save_len(&mut p, 0);
            p.extend_from_slice(&RDB_VERSION.to_le_bytes());
            let c = crc64(0, &p);
            p.extend_from_slice(&c.to_le_bytes());
            p
        };
        let unknown = payload(super::super::rdb_module::type_id("ReJSON-RL", 3));
        match restore_payload(&unknown, &lim, &mut rng) {
            Err(PayloadError::Format(m)) => assert_eq!(
                m,
                "The RDB file contains module data I can't load: no matching module type 'ReJSON-RL'"
            ),
            r => panic!("{r:?}"),
        }
        let argv = |p: &[u8]| {
            vec![
                b"RESTORE".to_vec(),
                b"j".to_vec(),
                b"0".to_vec(),
                p.to_vec(),
            ]
        };
        assert_eq!(
            e.execute(id, &argv(&unknown)),
            Reply::err("ERR Bad data format")
        );
        let newer = payload(super::super::rdb_module::type_id("MBbloom--", 5));
        assert!(matches!(
            restore_payload(&newer, &lim, &mut rng),
            Err(PayloadError::Format(m)) if m.contains("encoding version 5")
        ));
        // In a file: the load fails and says why.
        let mut file = b"REDIS0010".to_vec();
        file.push(TYPE_MODULE_2);
        save_string(&mut file, b"j");
        file.extend_from_slice(&unknown[1..unknown.len() - 10]);
        file.push(OP_EOF);
        let c = crc64(0, &file);
        file.extend_from_slice(&c.to_le_bytes());
        let err = e.load_rdb(&file).unwrap_err();
        assert!(err.contains("no matching module type 'ReJSON-RL'"), "{err}");
    }

    /// Forged module values: huge counts, lengths that disagree with the geometry,
    /// missing EOF, wrong opcodes. Each is an error; nothing big is allocated.
    #[test]
    fn forged_module_values_are_errors() {
        use super::super::rdb_module::*;
        let lim = Limits::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let build = |name: &str, ver: u64, fields: &[(u64, Vec<u8>)], eof: bool| {
            let mut p = vec![TYPE_MODULE_2];
            save_len(&mut p, type_id(name, ver));
            for (op, bytes) in fields {
                save_len(&mut p, *op);
                p.extend_from_slice(bytes);
            }
            if eof {
                save_len(&mut p, OPCODE_EOF);
            }
            p.extend_from_slice(&RDB_VERSION.to_le_bytes());
            let c = crc64(0, &p);
            p.extend_from_slice(&c.to_le_bytes());
            p
        };
        let u = |v: u64| {
            let mut b = Vec::new();
            save_len(&mut b, v);
            (OPCODE_UINT, b)
        };
        let d = |v: f64| (OPCODE_DOUBLE, v.to_le_bytes().to_vec());
        let s = |v: &[u8]| {
            let mut b = Vec::new();
            save_string(&mut b, v);
            (OPCODE_STRING, b)
        };
        let cases: Vec<Vec<u8>> = vec![
            // A CMS of 2^32 × 2^32 counters, and one whose counters are short.
            build(CMS_NAME, 0, &[u(1 << 32), u(1 << 32), u(0), s(b"")], true),
            build(CMS_NAME, 0, &[u(10), u(2), u(0), s(&[0; 79])], true),
            // Right fields, no EOF; a UINT where a DOUBLE belongs.
            build(CMS_NAME, 0, &[u(1), u(1), u(0), s(&[0; 4])], false),
            build(TOPK_NAME, 0, &[u(1), u(1), u(1), u(1)], true),
            // A Bloom filter of 999 links with no data, and one with 0 links.
            build(BLOOM_NAME, 4, &[u(0), u(999), u(0), u(2)], true),
            build(BLOOM_NAME, 4, &[u(0), u(0), u(0), u(2)], true),
            // A link whose bit array disagrees with its bit count.
            build(
                BLOOM_NAME,
                4,
                &[
                    u(0),
                    u(1),
                    u(0),
                    u(2),
                    u(10),
                    d(0.01),
                    u(7),
                    d(9.585),
                    u(1 << 40),
                    u(0),
                    s(&[0; 8]),
                    u(0),
                ],
                true,
            ),
            // A cuckoo filter of 65535 sub-filters with no data; one of 0 buckets.
            build(
                CUCKOO_NAME,
                4,
                &[u(65535), u(4), u(0), u(0), u(2), u(20), u(1)],
                true,
            ),
            build(
                CUCKOO_NAME,
                4,
                &[u(1), u(4), u(0), u(0), u(2), u(20), u(1), u(0), s(b"")],
                true,
            ),
            // A Top-K with a heap of 2^32 - 1 slots.
            build(
                TOPK_NAME,
                0,
                &[u(u32::MAX as u64), u(1), u(1), d(0.9), s(&[0; 8]), s(b"")],
                true,
            ),
            // A t-digest claiming a billion merged nodes, and one with compression 1e300.
            build(
                TDIGEST_NAME,
                0,
                &[
                    d(100.0),
                    d(0.0),
                    d(1.0),
                    u(610),
                    u(1 << 30),
                    u(0),
                    u(0),
                    d(1.0),
                    d(0.0),
                ],
                true,
            ),
            build(
                TDIGEST_NAME,
                0,
                &[
                    d(1e300),
                    d(0.0),
                    d(1.0),
                    u(610),
                    u(0),
                    u(0),
                    u(0),
                    d(0.0),
                    d(0.0),
                ],
                true,
            ),
        ];
        for (i, p) in cases.iter().enumerate() {
            let r = restore_payload(p, &lim, &mut rng);
            assert!(matches!(r, Err(PayloadError::Format(_))), "case {i}: {r:?}");
        }
    }

    #[test]
    fn lzf_round_trips_and_matches_liblzf_on_a_known_input() {
        let s = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let c = lzf_compress(s, s.len() - 4).expect("compresses");
        // What redis-server 7.0.15 DUMPs for SET k <78 a's>: 0xC3, clen 9, len 78,
        // then these bytes: "aa", a back reference of 74 at distance 1, "aa".
        assert_eq!(c, [0x01, 0x61, 0x61, 0xe0, 0x41, 0x00, 0x01, 0x61, 0x61]);
        let v = Value::string(s.to_vec());
        assert_eq!(
            dump_payload(&v).as_slice(),
            &b"\x00\xc3\t@N\x01aa\xe0A\x00\x01aa\n\x00\x11\xb6\xc8\xf1\x8f\"r-"[..]
        );
        assert_eq!(lzf_decompress(&c, s.len()).as_deref(), Some(&s[..]));
        let mut x: u64 = 7;
        for len in [21usize, 100, 1000, 20000] {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b"abcab"[(x % 5) as usize]
                })
                .collect();
            if let Some(c) = lzf_compress(&data, data.len() - 4) {
                assert_eq!(lzf_decompress(&c, len).as_deref(), Some(&data[..]));
            }
        }
    }

    use crate::engine::{Engine, ManualClock, Reply};

    fn engine() -> (Engine, u64) {
        let mut e = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 7);
        let id = e.connect("test:1", "test:0");
        (e, id)
    }

    /// A keyspace with every type and encoding, TTLs, two databases, consumer groups.
    fn populated() -> (Engine, u64) {
        let (mut e, id) = engine();
        let mut lines: Vec<String> = vec![
            "SET s1 12345".into(),
            "SET s2 hello".into(),
            format!("SET s3 {}", "abc".repeat(50)),
            "SET s4 ttl PX 100000".into(),
            "RPUSH l1 a b 1 2".into(),
            "SADD i1 1 2 3 70000".into(),
            "SADD t1 a b c".into(),
            "ZADD z1 1 a 2.5 b".into(),
            "HSET h1 f v g 1".into(),
            format!("HSET h2 f {}", "x".repeat(100)),
            "XADD x1 1-1 a 1".into(),
            "XADD x1 1-2 a 2".into(),
            "XADD x1 2-0 b 3".into(),
            "XDEL x1 1-2".into(),
            "XGROUP CREATE x1 g 0".into(),
            "XREADGROUP GROUP g alice COUNT 1 STREAMS x1 >".into(),
            "SELECT 5".into(),
            "SET other db5".into(),
            "SELECT 0".into(),
            // The probabilistic family (RedisBloom module values).
            "BF.RESERVE bf 0.01 20".into(),
            "CF.RESERVE cf 8 BUCKETSIZE 2 EXPANSION 2".into(),
            "CMS.INITBYDIM cms 20 3".into(),
            "CMS.INCRBY cms a 3 b 5".into(),
            "TOPK.RESERVE tk 3 10 3 0.9".into(),
            "TOPK.ADD tk a b c a a d".into(),
            "TDIGEST.CREATE td COMPRESSION 50".into(),
            "TDIGEST.CREATE td1".into(),
            "TDIGEST.ADD td1 5".into(),
            "EXPIRE cms 1000".into(),
        ];
        lines.push(format!(
            "BF.MADD bf {}",
            (0..100)
                .map(|i| format!("i{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        for i in 0..40 {
            lines.push(format!("CF.ADD cf c{i}"));
        }
        lines.push("CF.DEL cf c3".into());
        lines.push(format!(
            "TDIGEST.ADD td {}",
            (0..300)
                .map(|i| format!("{}", i * 7 % 101))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        lines.push(format!(
            "RPUSH l2 {}",
            (0..2000)
                .map(|i| format!("item{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        lines.push(format!(
            "ZADD z2 {}",
            (0..200)
                .map(|i| format!("{i}.5 m{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        lines.push(format!(
            "HSET h3 {}",
            (0..600)
                .map(|i| format!("f{i} v{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        for l in &lines {
            let r = e.exec_words(id, l);
            assert!(!matches!(r, Reply::Error(_)), "{l}: {r:?}");
        }
        (e, id)
    }

    fn dumps(e: &mut Engine, id: u64) -> Vec<(String, Reply)> {
        let mut out = Vec::new();
        for db in [0, 5] {
            e.exec_words(id, &format!("SELECT {db}"));
            let Reply::Array(keys) = e.exec_words(id, "KEYS *") else {
                panic!("KEYS")
            };
            let mut keys: Vec<String> = keys
                .into_iter()
                .map(|k| match k {
                    Reply::Bulk(b) => String::from_utf8(b).unwrap(),
                    other => panic!("{other:?}"),
                })
                .collect();
            keys.sort();
            for k in keys {
                let d = e.exec_words(id, &format!("DUMP {k}"));
                let t = e.exec_words(id, &format!("PTTL {k}"));
                out.push((format!("{db}:{k} {t:?}"), d));
            }
        }
        e.exec_words(id, "SELECT 0");
        out
    }

    #[test]
    fn save_and_load_keep_every_key_and_ttl() {
        let (mut a, ia) = populated();
        let image = a.save_rdb();
        assert_eq!(&image[..9], b"REDIS0010");
        let (mut b, ib) = engine();
        assert_eq!(b.load_rdb(&image), Ok(21));
        // Hash tables dump in our table order, which a reload keeps: compare all.
        assert_eq!(dumps(&mut a, ia), dumps(&mut b, ib));
        // The image of the loaded keyspace is the same file (same clock).
        assert_eq!(b.save_rdb(), image);
    }

    #[test]
    fn a_bad_image_leaves_the_keyspace_alone() {
        let (mut a, ia) = populated();
        let before = dumps(&mut a, ia);
        let mut image = a.save_rdb();
        for bad in [
            Vec::new(),
            b"REDIS0011".to_vec(),
            b"REDIS0010".to_vec(),
            image[..image.len() / 2].to_vec(),
        ] {
            assert!(a.load_rdb(&bad).is_err());
        }
        let n = image.len();
        image[n / 2] ^= 0x40;
        let e = a.load_rdb(&image).unwrap_err();
        assert!(!e.is_empty());
        assert_eq!(dumps(&mut a, ia), before);
    }

    /// xorshift64*, seeded: the mutations are the same on every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Truncations, bit flips, byte runs and forged lengths: the loader answers every one
    /// with a value or an error, never a panic, and never reserves more than a small
    /// multiple of its input. The checksum is fixed up after mutating, so the parser
    /// itself sees the damage (not just the CRC check).
    #[test]
    fn hostile_images_and_payloads_never_panic() {
        let (mut e, id) = populated();
        let image = e.save_rdb();
        let mut payloads: Vec<Vec<u8>> = Vec::new();
        for (_, d) in dumps(&mut e, id) {
            if let Reply::Bulk(b) = d {
                payloads.push(b);
            }
        }
        let fix_crc = |v: &mut Vec<u8>| {
            if v.len() >= 8 {
                let n = v.len() - 8;
                let c = crc64(0, &v[..n]);
                v[n..].copy_from_slice(&c.to_le_bytes());
            }
        };
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let lim = Limits::default();
        let mut zrng = rand::rngs::StdRng::seed_from_u64(1);
        let (mut ok, mut err) = (0, 0);
        for round in 0..3000 {
            let base = if round % 3 == 0 {
                image.clone()
            } else {
                payloads[rng.below(payloads.len())].clone()
            };
            let mut v = base;
            match rng.below(5) {
                0 => {
                    let cut = rng.below(v.len());
                    v.truncate(cut);
                }
                1 => {
                    for _ in 0..1 + rng.below(8) {
                        let i = rng.below(v.len());
                        v[i] ^= 1 << rng.below(8);
                    }
                }
                2 => {
                    let i = rng.below(v.len());
                    let b = [0x80, 0x81, 0xff, 0xc3, 0x00][rng.below(5)];
                    for k in 0..1 + rng.below(9) {
                        if i + k < v.len() {
                            v[i + k] = b;
                        }
                    }
                }
                3 => {
                    let i = rng.below(v.len());
                    let junk: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
                    v.splice(i..i, junk);
                }
                _ => {
                    let i = rng.below(v.len());
                    v[i] = rng.next() as u8;
                }
            }
            if round % 2 == 0 {
                fix_crc(&mut v);
            }
            let r = if v.starts_with(b"REDIS") {
                load_file(&v, &lim, &mut zrng).map(|_| ())
            } else {
                restore_payload(&v, &lim, &mut zrng)
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}"))
            };
            match r {
                Ok(()) => ok += 1,
                Err(m) => {
                    assert!(!m.is_empty());
                    err += 1;
                }
            }
        }
        assert!(err > 1000 && ok > 0, "ok {ok} err {err}");
        // Forged lengths: a string of 2^64-1 bytes, a set of 4 billion members, an LZF
        // string claiming a gigabyte from a few bytes.
        let forged: [&[u8]; 4] = [
            b"\x00\x81\xff\xff\xff\xff\xff\xff\xff\xffabc",
            b"\x02\x80\xff\xff\xff\xf0abc",
            b"\x00\xc3\x03\x80\x40\x00\x00\x00\x01\x61\x61",
            b"\x12\x80\x7f\xff\xff\xff\x02",
        ];
        for f in forged {
            let mut v = f.to_vec();
            v.extend_from_slice(&RDB_VERSION.to_le_bytes());
            v.extend_from_slice(&[0; 8]);
            fix_crc(&mut v);
            assert!(matches!(
                restore_payload(&v, &lim, &mut zrng),
                Err(PayloadError::Format(_))
            ));
        }
    }

    #[test]
    fn files_carry_lfu_counters_and_idle_times() {
        let (mut a, ia) = engine();
        a.exec_words(ia, "CONFIG SET maxmemory-policy allkeys-lfu");
        a.exec_words(ia, "SET k v");
        let Reply::Bulk(p) = a.exec_words(ia, "DUMP k") else {
            panic!()
        };
        let argv: Vec<Vec<u8>> = vec![
            b"RESTORE".to_vec(),
            b"hot".to_vec(),
            b"0".to_vec(),
            p,
            b"FREQ".to_vec(),
            b"200".to_vec(),
        ];
        assert_eq!(a.execute(ia, &argv), Reply::ok());
        let image = a.save_rdb();
        let (mut b, ib) = engine();
        b.exec_words(ib, "CONFIG SET maxmemory-policy allkeys-lfu");
        b.load_rdb(&image).unwrap();
        assert_eq!(b.exec_words(ib, "OBJECT FREQ hot"), Reply::Int(200));
        // Under an LRU policy the file records idle seconds instead.
        let clock = ManualClock::new(1_700_000_000_000);
        let mut c = Engine::new(Box::new(clock.clone()), 3);
        let ic = c.connect("t:1", "t:0");
        c.exec_words(ic, "CONFIG SET maxmemory-policy allkeys-lru");
        c.exec_words(ic, "SET old v");
        clock.advance(500_000);
        let image = c.save_rdb();
        let (mut d, id) = engine();
        d.load_rdb(&image).unwrap();
        assert_eq!(d.exec_words(id, "OBJECT IDLETIME old"), Reply::Int(500));
    }

    #[test]
    fn restore_answers_as_redis() {
        let (mut e, id) = engine();
        e.exec_words(id, "SET k hello");
        let Reply::Bulk(p) = e.exec_words(id, "DUMP k") else {
            panic!()
        };
        let restore = |e: &mut Engine, args: &[&[u8]]| {
            let mut argv: Vec<Vec<u8>> = vec![b"RESTORE".to_vec()];
            argv.extend(args.iter().map(|a| a.to_vec()));
            e.execute(id, &argv)
        };
        assert_eq!(
            restore(&mut e, &[b"k", b"0", &p]),
            Reply::err("BUSYKEY Target key name already exists.")
        );
        assert_eq!(restore(&mut e, &[b"k2", b"0", &p]), Reply::ok());
        assert_eq!(e.exec_words(id, "GET k2"), Reply::bulk("hello"));
        let mut bad = p.clone();
        bad[1] ^= 1;
        assert_eq!(
            restore(&mut e, &[b"k3", b"0", &bad]),
            Reply::err("ERR DUMP payload version or checksum are wrong")
        );
        assert_eq!(
            restore(&mut e, &[b"k4", b"0", &p, b"IDLETIME", b"3600"]),
            Reply::ok()
        );
        assert_eq!(e.exec_words(id, "OBJECT IDLETIME k4"), Reply::Int(3600));
    }

    #[test]
    fn listpacks_round_trip_with_every_encoding() {
        let items: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"127".to_vec(),
            b"-1".to_vec(),
            b"4095".to_vec(),
            b"-4096".to_vec(),
            b"32767".to_vec(),
            b"8388607".to_vec(),
            b"-2147483648".to_vec(),
            b"9223372036854775807".to_vec(),
            b"-0".to_vec(),
            b"007".to_vec(),
            vec![b'x'; 63],
            vec![b'y'; 64],
            vec![b'z'; 4096],
            Vec::new(),
        ];
        let mut b = ListpackBuilder::new();
        for i in &items {
            b.push(i);
        }
        let lp = b.finish();
        let back: Vec<Vec<u8>> = parse_listpack(&lp)
            .unwrap()
            .into_iter()
            .map(|v| v.to_bytes())
            .collect();
        assert_eq!(back, items);
    }
}
