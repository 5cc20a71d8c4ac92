//! The probabilistic family in RDB files and DUMP payloads, as redis-server with
//! RedisBloom 2.6 writes them: module values.
//!
//! # The record
//! ```text
//! 7                                  RDB_TYPE_MODULE_2 (the type byte)
//! <module type id>                   an RDB length (64 bits): 9 × 6 bits of the type
//!                                    name, then 10 bits of encoding version
//! <opcode> <field>, …                what the type's rdb_save writes, each field behind
//!                                    its opcode: 1 SINT and 2 UINT (a length, the signed
//!                                    one as its two's complement), 4 DOUBLE (8 bytes LE),
//!                                    5 STRING (an RDB string: plain, int-encoded or LZF,
//!                                    as `rdbSaveRawString` picks); 3 FLOAT is unused here
//! 0                                  EOF
//! ```
//! The id's name characters index `A–Z a–z 0–9 - _` (`moduleTypeEncodeId`); Redis finds
//! the type by the 54 name bits and hands the low 10 bits to `rdb_load` as `encver`.
//! The older RDB_TYPE_MODULE (6) is the same without opcodes and EOF; it is read too.
//!
//! # The types (RedisBloom 2.6.12's rdb_save, field by field)
//! - `MBbloom--`, encver 4 (`BFRdbSave`): UINT size (items added), UINT nfilters, UINT
//!   options, UINT growth; per link UINT entries, DOUBLE error, UINT hashes, DOUBLE bpe,
//!   UINT bits, UINT n2, STRING the bit array, UINT size of the link. encver 0–3 files
//!   lack options (< 2, then 0: 32-bit MurmurHash2), growth (< 4, then 2) and bits/n2
//!   (encver 0: `bits` is entries × bpe and n2 is 0). As `BFRdbLoad` does, a link's bit
//!   array is as long as its string: files of RedisBloom before 1.0 hold
//!   `ceil(bits / 8)` bytes, and those of 1.0–2.0 power-of-two links whose `bits` is 0
//!   (`Link::loadable` says what is still required).
//! - `MBbloomCF`, encver 4 (`CFRdbSave`): UINT numFilters, numBuckets, numItems,
//!   numDeletes, bucketSize, maxIterations, expansion; per sub-filter UINT numBuckets and
//!   STRING its slots (numBuckets × bucketSize bytes). encver < 4: only the first three
//!   (then bucket size 2, 20 iterations, expansion 1, every sub-filter numBuckets).
//! - `CMSk-TYPE`, encver 0 (`CMSRdbSave`): UINT width, depth, counter; STRING the
//!   counters (u32 LE, row after row).
//! - `TopK-TYPE`, encver 0 (`TopKRdbSave`): UINT k, width, depth; DOUBLE decay; STRING
//!   the buckets (width × depth × {u32 fp, u32 count}); STRING the heap as the C array
//!   of k `HeapBucket`s (24 bytes each: u32 fp, u32 itemlen, the item pointer (8 bytes;
//!   its value is meaningless in a file, we write 0), u32 count, 4 bytes padding); then
//!   per heap slot STRING the item as a C string with its NUL (`"\0"` for an empty slot).
//! - `TDIS-TYPE`, encver 0 (`TDigestRdbSave`, after `td_compress`): DOUBLE compression,
//!   min, max; SINT cap, merged_nodes, unmerged_nodes, total_compressions; DOUBLE
//!   merged_weight, unmerged_weight; DOUBLE × merged_nodes means, then weights.
//!
//! # Where the live value changes, and where bytes differ
//! - `TDigestRdbSave` runs `td_compress` on the live digest first. A foreground save
//!   (SAVE, DEBUG RELOAD, shutdown) and DUMP therefore compress the keyspace's digests
//!   in place, as Redis does (`Core::compress_digests`); a BGSAVE compresses only the
//!   copy it writes, as Redis's fork does. Only TDIGEST.INFO's node counts show it.
//! - The Top-K heap's item pointers are written as zeros (Redis writes its own addresses,
//!   which its loader overwrites), so Top-K payloads differ from Redis's in those bytes.
//!
//! # Hostile input
//! Every count is checked against what it must describe before anything is allocated:
//! a bit array, a counter array, a bucket or heap blob is the RDB string itself (bounded
//! by the input, see `Reader::string`) and must have exactly the length its header
//! implies; link and sub-filter counts are capped (1000 links, as RedisBloom's loader
//! asserts; 65535 sub-filters, its field width); every structure is held to the same
//! invariants the commands rely on (no zero widths or bucket counts, t-digest node
//! counts within its capacity …) and to `sketch_cap`, the size limit of the commands
//! that make them. A value that fails is an error naming the type, never a panic.

use super::bloom::{self, Chain, Link};
use super::cms::Cms;
use super::cuckoo::{Cuckoo, SubFilter};
use super::object::Value;
use super::rdb::{save_len, save_string, Reader};
use super::tdigest::TDigest;
use super::topk::{HeapSlot, TopK};
use rand::RngExt;

pub const OPCODE_EOF: u64 = 0;
pub const OPCODE_SINT: u64 = 1;
pub const OPCODE_UINT: u64 = 2;
pub const OPCODE_FLOAT: u64 = 3;
pub const OPCODE_DOUBLE: u64 = 4;
pub const OPCODE_STRING: u64 = 5;

pub const BLOOM_NAME: &str = "MBbloom--";
pub const CUCKOO_NAME: &str = "MBbloomCF";
pub const CMS_NAME: &str = "CMSk-TYPE";
pub const TOPK_NAME: &str = "TopK-TYPE";
pub const TDIGEST_NAME: &str = "TDIS-TYPE";

/// The encoding versions RedisBloom 2.6 registers (and writes).
pub const BLOOM_ENCVER: u64 = 4;
pub const CUCKOO_ENCVER: u64 = 4;
pub const CMS_ENCVER: u64 = 0;
pub const TOPK_ENCVER: u64 = 0;
pub const TDIGEST_ENCVER: u64 = 0;

/// RedisBloom's loader asserts fewer than 1000 links.
const MAX_BLOOM_LINKS: u64 = 1000;
/// `sizeof(HeapBucket)` on a 64-bit build.
const HEAP_BUCKET: usize = 24;

const CHARSET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `moduleTypeEncodeId`: the 64-bit id of a 9-character type name and an encoding
/// version.
pub fn type_id(name: &str, encver: u64) -> u64 {
    let mut id = 0u64;
    for c in name.bytes().take(9) {
        let i = CHARSET.iter().position(|&x| x == c).unwrap_or(0) as u64;
        id = (id << 6) | i;
    }
    (id << 10) | (encver & 1023)
}

/// `moduleTypeNameByID`: the type name an id carries.
pub fn type_name(id: u64) -> String {
    let mut id = id >> 10;
    let mut name = [0u8; 9];
    for j in (0..9).rev() {
        name[j] = CHARSET[(id & 63) as usize];
        id >>= 6;
    }
    String::from_utf8_lossy(&name).into_owned()
}

/// The type name and encoding version a value is saved under, or None for the
/// built-in types.
pub fn module_of(v: &Value) -> Option<(&'static str, u64)> {
    Some(match v {
        Value::Bloom(_) => (BLOOM_NAME, BLOOM_ENCVER),
        Value::Cuckoo(_) => (CUCKOO_NAME, CUCKOO_ENCVER),
        Value::Cms(_) => (CMS_NAME, CMS_ENCVER),
        Value::TopK(_) => (TOPK_NAME, TOPK_ENCVER),
        Value::TDigest(_) => (TDIGEST_NAME, TDIGEST_ENCVER),
        _ => return None,
    })
}

/// `RedisModule_Save*` into an RDB buffer.
struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn uint(&mut self, v: u64) {
        save_len(self.0, OPCODE_UINT);
        save_len(self.0, v);
    }
    /// `RM_SaveSigned` is `RM_SaveUnsigned` of the two's complement: a UINT opcode.
    fn sint(&mut self, v: i64) {
        save_len(self.0, OPCODE_UINT);
        save_len(self.0, v as u64);
    }
    fn double(&mut self, v: f64) {
        save_len(self.0, OPCODE_DOUBLE);
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn string(&mut self, s: &[u8]) {
        save_len(self.0, OPCODE_STRING);
        save_string(self.0, s);
    }
}

/// `rdbSaveObject` for a module value: the type id, the type's fields, EOF. False (and
/// nothing written) for a built-in type.
pub fn save(out: &mut Vec<u8>, v: &Value) -> bool {
    let Some((name, encver)) = module_of(v) else {
        return false;
    };
    save_len(out, type_id(name, encver));
    let mut w = Writer(out);
    match v {
        Value::Bloom(b) => save_bloom(&mut w, b),
        Value::Cuckoo(c) => save_cuckoo(&mut w, c),
        Value::Cms(c) => save_cms(&mut w, c),
        Value::TopK(t) => save_topk(&mut w, t),
        Value::TDigest(t) => save_tdigest(&mut w, t),
        _ => {}
    }
    save_len(out, OPCODE_EOF);
    true
}

fn save_bloom(w: &mut Writer, b: &Chain) {
    w.uint(b.size);
    w.uint(b.links.len() as u64);
    w.uint(b.options as u64);
    w.uint(b.growth as u64);
    for l in &b.links {
        w.uint(l.entries);
        w.double(l.error);
        w.uint(l.hashes as u64);
        w.double(l.bpe);
        w.uint(l.bits);
        w.uint(l.n2 as u64);
        w.string(&l.bf);
        w.uint(l.size);
    }
}

fn save_cuckoo(w: &mut Writer, c: &Cuckoo) {
    w.uint(c.filters.len() as u64);
    w.uint(c.num_buckets);
    w.uint(c.num_items);
    w.uint(c.num_deletes);
    w.uint(c.bucket_size as u64);
    w.uint(c.max_iterations as u64);
    w.uint(c.expansion as u64);
    for f in &c.filters {
        w.uint(f.num_buckets);
        w.string(&f.data);
    }
}

fn save_cms(w: &mut Writer, c: &Cms) {
    w.uint(c.width);
    w.uint(c.depth);
    w.uint(c.count);
    let mut blob = Vec::with_capacity(c.counters.len() * 4);
    for x in &c.counters {
        blob.extend_from_slice(&x.to_le_bytes());
    }
    w.string(&blob);
}

fn save_topk(w: &mut Writer, t: &TopK) {
    w.uint(t.k as u64);
    w.uint(t.width as u64);
    w.uint(t.depth as u64);
    w.double(t.decay);
    let mut data = Vec::with_capacity(t.buckets.len() * 8);
    for &(fp, count) in &t.buckets {
        data.extend_from_slice(&fp.to_le_bytes());
        data.extend_from_slice(&count.to_le_bytes());
    }
    w.string(&data);
    let mut heap = Vec::with_capacity(t.heap.len() * HEAP_BUCKET);
    for h in &t.heap {
        let len = h.item.as_ref().map_or(0, |i| i.len()) as u32;
        heap.extend_from_slice(&h.fp.to_le_bytes());
        heap.extend_from_slice(&len.to_le_bytes());
        heap.extend_from_slice(&[0; 8]);
        heap.extend_from_slice(&h.count.to_le_bytes());
        heap.extend_from_slice(&[0; 4]);
    }
    w.string(&heap);
    for h in &t.heap {
        // `strlen(item) + 1`: the item up to its first NUL, and the NUL.
        let mut s = h
            .item
            .as_deref()
            .map(super::topk::c_string)
            .unwrap_or_default();
        s.push(0);
        w.string(&s);
    }
}

fn save_tdigest(w: &mut Writer, t: &TDigest) {
    // `td_compress` first, as `TDigestRdbSave` does (a no-op when the caller already
    // compressed the live value).
    let mut t = t.clone();
    let _ = t.compress();
    w.double(t.compression);
    w.double(t.min);
    w.double(t.max);
    w.sint(t.cap);
    w.sint(t.merged_nodes);
    w.sint(t.unmerged_nodes);
    w.sint(t.total_compressions);
    w.double(t.merged_weight as f64);
    w.double(t.unmerged_weight as f64);
    let n = (t.merged_nodes.max(0) as usize).min(t.means.len());
    for m in &t.means[..n] {
        w.double(*m);
    }
    for x in &t.weights[..n] {
        w.double(*x as f64);
    }
}

type Res<T> = Result<T, String>;

/// `RedisModule_Load*` from an RDB reader; `v2` when each field has its opcode.
struct Fields<'r, 'a> {
    r: &'r mut Reader<'a>,
    v2: bool,
}

impl Fields<'_, '_> {
    fn opcode(&mut self, want: u64, what: &str) -> Res<()> {
        if !self.v2 {
            return Ok(());
        }
        let at = self.r.pos;
        let op = self.r.length()?;
        if op == want {
            Ok(())
        } else {
            Err(format!(
                "a {what} field was expected at byte {at}, found module opcode {op}"
            ))
        }
    }
    fn uint(&mut self) -> Res<u64> {
        self.opcode(OPCODE_UINT, "unsigned")?;
        self.r.length()
    }
    /// An unsigned field that must fit `max`.
    fn uint_max(&mut self, max: u64, what: &str) -> Res<u64> {
        let v = self.uint()?;
        if v > max {
            return Err(format!("{what} {v} is out of range"));
        }
        Ok(v)
    }
    fn sint(&mut self) -> Res<i64> {
        // Redis reads SINT and UINT alike (`RM_LoadSigned` is `RM_LoadUnsigned`).
        if self.v2 {
            let at = self.r.pos;
            let op = self.r.length()?;
            if op != OPCODE_SINT && op != OPCODE_UINT {
                return Err(format!(
                    "a signed field was expected at byte {at}, found module opcode {op}"
                ));
            }
        }
        Ok(self.r.length()? as i64)
    }
    fn double(&mut self) -> Res<f64> {
        self.opcode(OPCODE_DOUBLE, "double")?;
        let b = self.r.take(8)?;
        Ok(f64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    fn string(&mut self) -> Res<Vec<u8>> {
        self.opcode(OPCODE_STRING, "string")?;
        self.r.string()
    }
    /// A string that must be exactly `len` bytes long.
    fn blob(&mut self, len: u64, what: &str) -> Res<Vec<u8>> {
        let s = self.string()?;
        if s.len() as u64 != len {
            return Err(format!(
                "{what} is {} bytes where {len} were expected",
                s.len()
            ));
        }
        Ok(s)
    }
}

fn over_cap(need: u64, cap: u64) -> Res<()> {
    if need > cap {
        Err(bloom::too_big(need, cap))
    } else {
        Ok(())
    }
}

/// `rdbLoadObject` for RDB_TYPE_MODULE(_2): the module type id, the value, and (v2) the
/// EOF mark. `cap` is the largest structure a command may make (`sketch_cap`).
pub fn load(r: &mut Reader, v2: bool, cap: u64, rng: &mut impl rand::Rng) -> Res<Value> {
    let id = r.length()?;
    let name = type_name(id);
    let encver = id & 1023;
    let mut f = Fields { r, v2 };
    let loaded = match name.as_str() {
        BLOOM_NAME if encver <= BLOOM_ENCVER => load_bloom(&mut f, encver, cap),
        CUCKOO_NAME if encver <= CUCKOO_ENCVER => load_cuckoo(&mut f, encver, cap),
        CMS_NAME if encver == CMS_ENCVER => load_cms(&mut f, cap),
        TOPK_NAME if encver == TOPK_ENCVER => load_topk(&mut f, cap, rng),
        TDIGEST_NAME if encver == TDIGEST_ENCVER => load_tdigest(&mut f, cap),
        BLOOM_NAME | CUCKOO_NAME | CMS_NAME | TOPK_NAME | TDIGEST_NAME => Err(format!(
            "encoding version {encver} is newer than RedisBloom 2.6's"
        )),
        _ => {
            return Err(format!(
                "The RDB file contains module data I can't load: no matching module type '{name}'"
            ))
        }
    };
    let v = loaded.map_err(|e| format!("module type '{name}': {e}"))?;
    if v2 {
        let at = f.r.pos;
        if f.r.length()? != OPCODE_EOF {
            return Err(format!(
                "The RDB file contains module data for the module type '{name}' that is not \
                 terminated by the proper module value EOF marker (byte {at})"
            ));
        }
    }
    Ok(v)
}

fn load_bloom(f: &mut Fields, encver: u64, cap: u64) -> Res<Value> {
    let size = f.uint()?;
    let nfilters = f.uint()?;
    let options = if encver >= 2 {
        f.uint_max(u32::MAX as u64, "options")?
    } else {
        0
    } as u32;
    let growth = if encver >= 4 {
        f.uint_max(u32::MAX as u64, "growth")?
    } else {
        2
    } as u32;
    if nfilters == 0 || nfilters >= MAX_BLOOM_LINKS {
        return Err(format!("{nfilters} links"));
    }
    let known =
        bloom::OPT_NOROUND | bloom::OPT_ENTS_IS_BITS | bloom::OPT_FORCE64 | bloom::OPT_NO_SCALING;
    if options & !known != 0 {
        return Err(format!("unknown options {options}"));
    }
    let mut links = Vec::new();
    let (mut total, mut sum) = (0u64, 0u64);
    for _ in 0..nfilters {
        let entries = f.uint()?;
        let error = f.double()?;
        let hashes = f.uint_max(u32::MAX as u64, "hashes")? as u32;
        let bpe = f.double()?;
        // `bm->bits = (double)bm->entries * bm->bpe` for encver 0 (a C conversion; here
        // it saturates where C's would be undefined).
        let (bits, n2) = if encver == 0 {
            ((entries as f64 * bpe) as u64, 0)
        } else {
            (f.uint()?, f.uint_max(63, "n2")? as u8)
        };
        // The bit array is as long as the file says (`bm->bytes = sztmp`).
        let bf = f.string()?;
        let bytes = bf.len() as u64;
        total = total.saturating_add(bytes);
        over_cap(total, cap)?;
        let lsize = f.uint()?;
        sum = sum.checked_add(lsize).ok_or("link sizes overflow")?;
        let link = Link {
            hashes,
            force64: options & bloom::OPT_FORCE64 != 0,
            n2,
            entries,
            error,
            bpe,
            bytes,
            bits,
            size: lsize,
            bf,
        };
        if !link.loadable() {
            return Err("a link's geometry is inconsistent".into());
        }
        links.push(link);
    }
    if sum != size {
        return Err(format!("{size} items but its links hold {sum}"));
    }
    Ok(Value::Bloom(Box::new(Chain {
        links,
        size,
        options,
        growth,
    })))
}

fn load_cuckoo(f: &mut Fields, encver: u64, cap: u64) -> Res<Value> {
    let nfilters = f.uint_max(u16::MAX as u64, "numFilters")?;
    let num_buckets = f.uint()?;
    let num_items = f.uint()?;
    let (num_deletes, bucket_size, max_iterations, expansion) = if encver < 4 {
        (
            0,
            super::cuckoo::DEFAULT_BUCKETSIZE,
            super::cuckoo::DEFAULT_MAX_ITERATIONS,
            super::cuckoo::DEFAULT_EXPANSION,
        )
    } else {
        (
            f.uint()?,
            f.uint_max(super::cuckoo::MAX_BUCKET_SIZE as u64, "bucketSize")?,
            f.uint_max(u16::MAX as u64, "maxIterations")?,
            f.uint_max(u16::MAX as u64, "expansion")?,
        )
    };
    if nfilters == 0 || bucket_size == 0 || num_buckets == 0 {
        return Err("an empty geometry".into());
    }
    let mut filters = Vec::new();
    let mut total = 0u64;
    for _ in 0..nfilters {
        let nb = if encver < 4 { num_buckets } else { f.uint()? };
        let bytes = nb
            .checked_mul(bucket_size)
            .filter(|_| nb > 0)
            .ok_or_else(|| format!("a sub-filter of {nb} buckets"))?;
        total = total.saturating_add(bytes);
        over_cap(total, cap)?;
        let data = f.blob(bytes, "a sub-filter")?;
        filters.push(SubFilter {
            num_buckets: nb,
            data,
        });
    }
    Ok(Value::Cuckoo(Box::new(Cuckoo {
        num_buckets,
        num_items,
        num_deletes,
        bucket_size: bucket_size as u16,
        max_iterations: max_iterations as u16,
        expansion: expansion as u16,
        filters,
    })))
}

fn load_cms(f: &mut Fields, cap: u64) -> Res<Value> {
    let width = f.uint()?;
    let depth = f.uint()?;
    let count = f.uint()?;
    let cells = width
        .checked_mul(depth)
        .filter(|&c| c > 0 && c <= u32::MAX as u64)
        .ok_or_else(|| format!("a {width} × {depth} sketch"))?;
    over_cap(cells * 4, cap)?;
    let blob = f.blob(cells * 4, "the counters")?;
    let counters = blob
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    Ok(Value::Cms(Box::new(Cms {
        width,
        depth,
        count,
        counters,
    })))
}

fn load_topk(f: &mut Fields, cap: u64, rng: &mut impl rand::Rng) -> Res<Value> {
    let k = f.uint_max(u32::MAX as u64, "k")? as u32;
    let width = f.uint_max(u32::MAX as u64, "width")? as u32;
    let depth = f.uint_max(u32::MAX as u64, "depth")? as u32;
    let decay = f.double()?;
    if k == 0 || width == 0 || depth == 0 {
        return Err(format!("k {k}, width {width}, depth {depth}"));
    }
    let cells = width as u64 * depth as u64;
    over_cap(
        cells
            .saturating_mul(8)
            .saturating_add(k as u64 * HEAP_BUCKET as u64),
        cap,
    )?;
    let data = f.blob(cells * 8, "the buckets")?;
    let heap_blob = f.blob(k as u64 * HEAP_BUCKET as u64, "the heap")?;
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4"));
    let buckets = data
        .chunks_exact(8)
        .map(|c| (u32_at(c, 0), u32_at(c, 4)))
        .collect();
    let mut heap = Vec::with_capacity(k as usize);
    for slot in heap_blob.chunks_exact(HEAP_BUCKET) {
        let mut item = f.string()?;
        // `itemSize == 1` (just the NUL) is an empty slot.
        if item.last() == Some(&0) {
            item.pop();
        }
        heap.push(HeapSlot {
            fp: u32_at(slot, 0),
            item: (!item.is_empty()).then_some(item),
            count: u32_at(slot, 16),
        });
    }
    let seed = rng.random_range(0..=u32::MAX);
    Ok(Value::TopK(Box::new(TopK::from_parts(
        k, width, depth, decay, buckets, heap, seed,
    ))))
}

/// A t-digest weight: a double holding a non-negative integer (`long long` in the C
/// struct, converted on load).
fn weight(d: f64, what: &str) -> Res<i64> {
    if (0.0..9.223_372_036_854_775e18).contains(&d) {
        Ok(d as i64)
    } else {
        Err(format!("{what} {d} is out of range"))
    }
}

fn load_tdigest(f: &mut Fields, cap: u64) -> Res<Value> {
    let compression = f.double()?;
    let min = f.double()?;
    let max = f.double()?;
    let tcap = f.sint()?;
    let merged_nodes = f.sint()?;
    let unmerged_nodes = f.sint()?;
    let total_compressions = f.sint()?;
    let merged_weight = weight(f.double()?, "merged weight")?;
    let unmerged_weight = weight(f.double()?, "unmerged weight")?;
    if !(compression >= 1.0 && compression.fract() == 0.0) {
        return Err(format!("compression {compression}"));
    }
    match TDigest::bytes_for(compression as i64) {
        Some(b) => over_cap(b, cap)?,
        None => return Err(format!("compression {compression}")),
    }
    // `td_compress` leaves unmerged nodes only when the total weight is at most 1 (one
    // sample) or would overflow; their means and weights are not saved, and Redis's
    // loader leaves them as `td_new` made them: 0 and 0. More than one is refused (it
    // would be an allocation no input backs).
    if merged_nodes < 0 || merged_nodes > tcap || !(0..=1).contains(&unmerged_nodes) {
        return Err(format!(
            "{merged_nodes} merged and {unmerged_nodes} unmerged nodes"
        ));
    }
    // Each node takes two 9-byte fields: no more than the input holds.
    if merged_nodes as u64 > f.r.remaining() as u64 / 18 {
        return Err(format!("{merged_nodes} nodes exceed the data that remains"));
    }
    let n = merged_nodes as usize;
    let mut means = Vec::with_capacity(n);
    for _ in 0..n {
        means.push(f.double()?);
    }
    let mut weights = Vec::with_capacity(n);
    for _ in 0..n {
        weights.push(weight(f.double()?, "a node's weight")?);
    }
    for _ in 0..unmerged_nodes {
        means.push(0.0);
        weights.push(0);
    }
    let t = TDigest {
        compression,
        min,
        max,
        cap: tcap,
        merged_nodes,
        unmerged_nodes,
        total_compressions,
        merged_weight,
        unmerged_weight,
        means,
        weights,
    };
    if !t.is_consistent() {
        return Err("its node counts and weights are inconsistent".into());
    }
    Ok(Value::TDigest(Box::new(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_ids_are_redis_ones() {
        for (name, ver) in [
            (BLOOM_NAME, BLOOM_ENCVER),
            (CUCKOO_NAME, CUCKOO_ENCVER),
            (CMS_NAME, 0),
            (TOPK_NAME, 0),
            (TDIGEST_NAME, 0),
        ] {
            let id = type_id(name, ver);
            assert_eq!(type_name(id), name);
            assert_eq!(id & 1023, ver);
        }
    }

    /// A Bloom record at `encver` with one link, its fields as `BFRdbLoad` reads them
    /// (hashes from the reference's truncated ln 2).
    #[allow(clippy::approx_constant)]
    fn bloom_record(encver: u64, bits_n2: Option<(u64, u64)>, entries: u64, bf: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        save_len(&mut out, type_id(BLOOM_NAME, encver));
        let mut w = Writer(&mut out);
        w.uint(1); // size
        w.uint(1); // nfilters
        if encver >= 2 {
            w.uint(0); // options: 32-bit hashes
        }
        if encver >= 4 {
            w.uint(2);
        }
        let bpe = -(0.01f64.ln()) / 0.480453013918201;
        w.uint(entries);
        w.double(0.01);
        w.uint((0.693147180559945 * bpe).ceil() as u64);
        w.double(bpe);
        if let Some((bits, n2)) = bits_n2 {
            w.uint(bits);
            w.uint(n2);
        }
        w.string(bf);
        w.uint(1); // the link's size
        save_len(&mut out, OPCODE_EOF);
        out
    }

    fn load_bytes(b: &[u8]) -> Res<Value> {
        use rand::SeedableRng;
        let mut r = Reader::new(b);
        load(
            &mut r,
            true,
            1 << 30,
            &mut rand::rngs::StdRng::seed_from_u64(1),
        )
    }

    #[test]
    fn older_bloom_links_load_as_bfrdbload_reads_them() {
        // encver 0: bits = entries × bpe = 958 for 100 entries, in ceil(958 / 8) bytes.
        let v = load_bytes(&bloom_record(0, None, 100, &[0; 120])).unwrap();
        let Value::Bloom(c) = v else { panic!() };
        assert_eq!(
            (c.links[0].bits, c.links[0].bytes, c.links[0].n2),
            (958, 120, 0)
        );
        assert_eq!(c.links[0].modulus(), 958);
        // encver 1–3: a power-of-two link saved with bits 0.
        let v = load_bytes(&bloom_record(1, Some((0, 10)), 106, &[0; 128])).unwrap();
        let Value::Bloom(c) = v else { panic!() };
        assert_eq!((c.links[0].bits, c.links[0].modulus()), (0, 1024));
        // Positions past the bit array, or no positions at all, are refused.
        for rec in [
            bloom_record(0, None, 100, &[0; 119]),
            bloom_record(1, Some((0, 11)), 106, &[0; 128]),
            bloom_record(4, Some((0, 0)), 106, &[0; 128]),
            bloom_record(4, Some((2048, 0)), 106, &[0; 128]),
        ] {
            let e = load_bytes(&rec).unwrap_err();
            assert!(e.contains("inconsistent"), "{e}");
        }
    }
}
