//! The probabilistic family, as RedisBloom 2.6.12 answers it: BF.* (Bloom filters),
//! CF.* (cuckoo filters), CMS.* (Count-Min Sketch) and TOPK.* (Top-K). The structures
//! are in `engine::bloom`, `engine::cuckoo`, `engine::cms` and `engine::topk`. TDIGEST.*
//! is in `cmd::tdigest`, sharing the helpers here.
//!
//! These are module commands in the reference: registered with arity -1, each handler
//! checks its own argument count (Redis's "wrong number of arguments" error, with the
//! lower-case name), parses in the module's order and replies with the module's error
//! strings, several without the `ERR ` prefix ("Bad capacity", "TopK: invalid k").
//! Keyword arguments are found as `RMUtil_ArgIndex` finds them: anywhere in the argument
//! vector, the command name and key included. A key of another type is WRONGTYPE, except
//! where the module reads it as missing (BF.EXISTS, CF.EXISTS … answer 0).
//!
//! Sizes: the reference allocates whatever it is asked for and aborts redis-server when
//! the allocation fails (BF.RESERVE k 0.01 1000000000000 asks for 1.2 TB). The native
//! server does the same up to the point of failure: any size RedisBloom 2.6 accepts is
//! allocated (zeroed and mapped lazily, as `calloc` does), and one the allocator refuses
//! is an error ("ERR Insufficient memory to create filter", the wording of later
//! RedisBloom versions) instead of an abort. Two limits come first (`sketch_cap`): a
//! structure bigger than `maxmemory`, when set, and in the browser one over 1 GiB or
//! `kvlab-max-value-bytes` (32 MiB by default), are refused with a clear error.

use super::{eq, wrongtype};
use crate::engine::bloom::{self, AddResult, Chain};
use crate::engine::cms::Cms;
use crate::engine::cuckoo::{self, Cuckoo, Insert};
use crate::engine::object::Value;
use crate::engine::topk::{c_string, TopK};
use crate::engine::util::parse_i64;
use crate::engine::zset::parse_score;
use crate::engine::{Ctx, Reply};
use rand::RngExt;

/// The largest structure one command may allocate: `bloom::structure_cap` (no limit on
/// the native server but what `kvlab-max-value-bytes` sets; 1 GiB at most in the
/// browser), and no more than `maxmemory` when it is set.
pub fn sketch_cap(ctx: &Ctx) -> u64 {
    let c = &ctx.core.config;
    let cap = bloom::structure_cap(c.playground_value_cap);
    if c.maxmemory > 0 {
        cap.min(c.maxmemory)
    } else {
        cap
    }
}

/// The allocator refused a sketch (CMS, Top-K, t-digest).
pub const NO_MEMORY_SKETCH: &str = "ERR Insufficient memory to create the sketch";

pub(super) fn arity(argv: &[Vec<u8>]) -> Reply {
    Reply::Error(format!(
        "ERR wrong number of arguments for '{}' command",
        String::from_utf8_lossy(&argv[0]).to_ascii_lowercase()
    ))
}

pub(super) fn resp3(ctx: &Ctx) -> bool {
    ctx.client_ref().resp == 3
}

/// The client's database and whether it speaks RESP3, from one client lookup (the write
/// commands' hot path asks for both).
fn db_resp3(ctx: &Ctx) -> (usize, bool) {
    let c = ctx.client_ref();
    (c.db, c.resp == 3)
}

/// RESP3 boolean or RESP2 integer, as `_is_resp3 ? ReplyWithBool : ReplyWithLongLong`.
fn flag(ctx: &Ctx, b: bool) -> Reply {
    if resp3(ctx) {
        Reply::Bool(b)
    } else {
        Reply::Int(b as i64)
    }
}

/// `RMUtil_ArgIndex`: the first argument equal to `word` (any case), or None.
pub(super) fn arg_index(argv: &[Vec<u8>], word: &str) -> Option<usize> {
    argv.iter().position(|a| eq(a, word))
}

pub(super) fn ll(a: &[u8]) -> Option<i64> {
    parse_i64(a)
}

pub(super) fn dbl(a: &[u8]) -> Option<f64> {
    parse_score(a).filter(|v| !v.is_nan())
}

/// A map in RESP3, a flat array in RESP2 (`RedisModule_ReplyWithMapOrArray(…, true)`).
pub(super) fn info_map(pairs: Vec<(&str, Reply)>) -> Reply {
    Reply::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (Reply::Status(k.to_string().into()), v))
            .collect(),
    )
}

/// One field of an info reply: a one-pair map in RESP3, a one-element array in RESP2.
fn info_one(ctx: &Ctx, name: &str, v: Reply) -> Reply {
    if resp3(ctx) {
        Reply::Map(vec![(Reply::Status(name.to_string().into()), v)])
    } else {
        Reply::Array(vec![v])
    }
}

/// The state of a key for a module command (`getValue`): missing, or holding the type
/// `pick` accepts, or another type.
pub(super) enum Slot {
    Empty,
    Ok,
    Mismatch,
}

/// Which of the module's types a command works on.
#[derive(Clone, Copy)]
pub(super) enum Family {
    Bf,
    Cf,
    Cms,
    TopK,
    TDigest,
}

impl Family {
    fn holds(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (Family::Bf, Value::Bloom(_))
                | (Family::Cf, Value::Cuckoo(_))
                | (Family::Cms, Value::Cms(_))
                | (Family::TopK, Value::TopK(_))
                | (Family::TDigest, Value::TDigest(_))
        )
    }

    fn name(self) -> &'static str {
        match self {
            Family::Bf => "bf",
            Family::Cf => "cf",
            Family::Cms => "cms",
            Family::TopK => "topk",
            Family::TDigest => "tdigest",
        }
    }
}

pub(super) fn status(ctx: &mut Ctx, key: &[u8], read: bool, fam: Family) -> Slot {
    let db = ctx.db();
    status_in(ctx, db, key, read, fam)
}

/// `status` in a database the caller already knows (one client lookup fewer).
pub(super) fn status_in(ctx: &mut Ctx, db: usize, key: &[u8], read: bool, fam: Family) -> Slot {
    let found = if read {
        ctx.core.lookup_read(db, key).map(|o| fam.holds(&o.value))
    } else {
        let found = ctx.core.lookup_write(db, key).map(|o| fam.holds(&o.value));
        // RM_CloseKey of a key opened for writing: signalModifiedKey.
        ctx.core.module_touched(db, key, fam.name());
        found
    };
    match found {
        None => Slot::Empty,
        Some(true) => Slot::Ok,
        Some(false) => Slot::Mismatch,
    }
}

/// The value of a key `status_in` just opened for writing (and so marked for re-counting)
/// or a command just made: one table lookup, no second mark.
pub(super) fn opened<'a>(ctx: &'a mut Ctx, db: usize, key: &[u8]) -> Option<&'a mut Value> {
    ctx.core.dbs[db].keys.get_mut(key).map(|o| &mut o.value)
}

/// `statusStrerror`.
fn status_err(s: Slot) -> Reply {
    match s {
        Slot::Empty => Reply::err("ERR not found"),
        Slot::Mismatch => wrongtype(),
        Slot::Ok => Reply::err("ERR item exists"),
    }
}

fn bf_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut Chain> {
    let db = ctx.db();
    match ctx.core.value_mut(db, key) {
        Some(Value::Bloom(b)) => Some(b),
        _ => None,
    }
}

fn bf_ref<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a Chain> {
    let db = ctx.db();
    match ctx.core.dbs[db].keys.get(key).map(|o| &o.value) {
        Some(Value::Bloom(b)) => Some(b),
        _ => None,
    }
}

/// Marks a write for replication and persistence (`RedisModule_ReplicateVerbatim`).
pub(super) fn dirty(ctx: &mut Ctx) {
    ctx.core.stats.dirty += 1;
}

// ---------------------------------------------------------------- Bloom filters

const BF_DEFAULT_ERROR: f64 = 0.01;
const BF_DEFAULT_CAPACITY: i64 = 100;
const BF_DEFAULT_EXPANSION: i64 = 2;

fn bf_create(
    ctx: &mut Ctx,
    key: &[u8],
    error: f64,
    capacity: u64,
    expansion: u32,
    nonscaling: bool,
) -> Result<(), Reply> {
    let options = bloom::OPT_FORCE64
        | bloom::OPT_NOROUND
        | if nonscaling { bloom::OPT_NO_SCALING } else { 0 };
    let cap = sketch_cap(ctx);
    if let Some(b) = Chain::first_link_bytes(capacity, error, options) {
        if b > cap {
            return Err(Reply::Error(bloom::too_big(b, cap)));
        }
    }
    let Some(chain) = Chain::new(capacity, error, options, expansion) else {
        // A geometry `bloom_init` accepts, refused by the allocator.
        if Chain::first_link_bytes(capacity, error, options).is_some_and(|b| b > 0) {
            return Err(Reply::err(bloom::NO_MEMORY));
        }
        return Err(Reply::err("ERR could not create filter"));
    };
    let db = ctx.db();
    ctx.core.add(db, key, Value::Bloom(Box::new(chain)));
    Ok(())
}

pub fn bf_reserve(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    if !(4..=7).contains(&argc) {
        return arity(argv);
    }
    let Some(error) = dbl(&argv[2]) else {
        return Reply::err("ERR bad error rate");
    };
    if !(error > 0.0 && error < 1.0) {
        return Reply::err("ERR (0 < error rate range < 1) ");
    }
    let Some(capacity) = ll(&argv[3]) else {
        return Reply::err("ERR bad capacity");
    };
    if capacity <= 0 {
        return Reply::err("ERR (capacity should be larger than 0)");
    }
    let nonscaling = arg_index(argv, "NONSCALING").is_some();
    let mut expansion = BF_DEFAULT_EXPANSION;
    let ex = arg_index(argv, "EXPANSION");
    if ex.map(|e| e + 1) == Some(argc) {
        return Reply::err("ERR no expansion");
    }
    if let Some(e) = ex {
        if nonscaling {
            return Reply::err("Nonscaling filters cannot expand");
        }
        match ll(&argv[e + 1]) {
            None => return Reply::err("ERR bad expansion"),
            Some(v) if v < 1 => return Reply::err("ERR expansion should be greater or equal to 1"),
            Some(v) => expansion = v,
        }
    }
    match status(ctx, &argv[1], false, Family::Bf) {
        Slot::Empty => {}
        s => return status_err(s),
    }
    if let Err(e) = bf_create(
        ctx,
        &argv[1],
        error,
        capacity as u64,
        expansion as u32,
        nonscaling,
    ) {
        return e;
    }
    dirty(ctx);
    Reply::ok()
}

struct BfInsert {
    capacity: i64,
    error: f64,
    autocreate: bool,
    multi: bool,
    expansion: i64,
    nonscaling: bool,
}

fn bf_insert_common(ctx: &mut Ctx, key: &[u8], items: &[Vec<u8>], o: &BfInsert) -> Reply {
    let (db, r3) = db_resp3(ctx);
    match status_in(ctx, db, key, false, Family::Bf) {
        Slot::Empty if o.autocreate => {
            if let Err(e) = bf_create(
                ctx,
                key,
                o.error,
                o.capacity as u64,
                o.expansion as u32,
                o.nonscaling,
            ) {
                return e;
            }
        }
        Slot::Ok => {}
        s => return status_err(s),
    }
    let cap = sketch_cap(ctx);
    let flag = |b: bool| {
        if r3 {
            Reply::Bool(b)
        } else {
            Reply::Int(b as i64)
        }
    };
    let Some(Value::Bloom(chain)) = opened(ctx, db, key) else {
        return Reply::Nil;
    };
    let mut one = None;
    let mut out = Vec::new();
    for item in items {
        let r = chain.add(item, cap);
        let reply = match r {
            AddResult::Added => flag(true),
            AddResult::Exists => flag(false),
            AddResult::Full => Reply::err("ERR non scaling filter is full"),
            AddResult::Failed => match chain.next_link_bytes() {
                Some(b) if b > cap => Reply::Error(bloom::too_big(b, cap)),
                _ => Reply::err("ERR problem inserting into filter"),
            },
        };
        if o.multi {
            out.push(reply);
        } else {
            one = Some(reply);
        }
        if r == AddResult::Full {
            break;
        }
    }
    dirty(ctx);
    if o.multi {
        Reply::Array(out)
    } else {
        one.unwrap_or(Reply::Nil)
    }
}

fn is_multi(argv: &[Vec<u8>]) -> bool {
    argv[0]
        .get(3)
        .is_some_and(|c| c.eq_ignore_ascii_case(&b'm'))
}

/// BF.ADD and BF.MADD.
pub fn bf_add(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let multi = is_multi(argv);
    if (multi && argv.len() < 3) || (!multi && argv.len() != 3) {
        return arity(argv);
    }
    let o = BfInsert {
        capacity: BF_DEFAULT_CAPACITY,
        error: BF_DEFAULT_ERROR,
        autocreate: true,
        multi,
        expansion: BF_DEFAULT_EXPANSION,
        nonscaling: false,
    };
    bf_insert_common(ctx, &argv[1], &argv[2..], &o)
}

pub fn bf_insert(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    if argc < 4 {
        return arity(argv);
    }
    let mut o = BfInsert {
        capacity: BF_DEFAULT_CAPACITY,
        error: BF_DEFAULT_ERROR,
        autocreate: true,
        multi: true,
        expansion: BF_DEFAULT_EXPANSION,
        nonscaling: false,
    };
    let mut items = None;
    let mut pos = 2;
    while pos < argc && items.is_none() {
        let a = &argv[pos];
        let at = |i: usize| a.get(i).map_or(0, |c| c.to_ascii_lowercase());
        match at(0) {
            b'i' => {
                pos += 1;
                items = Some(pos);
            }
            b'e' => {
                pos += 1;
                if pos == argc {
                    return arity(argv);
                }
                if at(1) == b'r' {
                    match dbl(&argv[pos]) {
                        Some(v) => o.error = v,
                        None => return Reply::err("Bad error rate"),
                    }
                } else {
                    match ll(&argv[pos]) {
                        Some(v) => o.expansion = v,
                        None => return Reply::err("Bad expansion"),
                    }
                }
                pos += 1;
            }
            b'c' => {
                pos += 1;
                if pos == argc {
                    return arity(argv);
                }
                match ll(&argv[pos]) {
                    Some(v) => o.capacity = v,
                    None => return Reply::err("Bad capacity"),
                }
                pos += 1;
            }
            b'n' => {
                if at(2) == b'c' {
                    o.autocreate = false;
                } else {
                    o.nonscaling = true;
                }
                pos += 1;
            }
            _ => return Reply::err("Unknown argument received"),
        }
    }
    let Some(items) = items.filter(|&i| i != argc) else {
        return arity(argv);
    };
    if o.error <= 0.0 || o.error >= 1.0 || o.capacity < 1 || o.expansion < 1 {
        return Reply::err("Bad argument received");
    }
    bf_insert_common(ctx, &argv[1], &argv[items..], &o)
}

/// BF.EXISTS and BF.MEXISTS: a missing key, or one of another type, answers 0. One
/// client lookup and one key lookup (`lookup_read`, which counts the hit or miss as the
/// module's `RedisModule_OpenKey` does), no vector for a single answer.
pub fn bf_exists(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let multi = is_multi(argv);
    if (!multi && argv.len() != 3) || (multi && argv.len() < 3) {
        return arity(argv);
    }
    let (db, r3) = db_resp3(ctx);
    let flag = |b: bool| {
        if r3 {
            Reply::Bool(b)
        } else {
            Reply::Int(b as i64)
        }
    };
    let chain = match ctx.core.lookup_read(db, &argv[1]).map(|o| &o.value) {
        Some(Value::Bloom(c)) => Some(&**c),
        _ => None,
    };
    let answer = |item: &[u8]| flag(chain.is_some_and(|c| c.check(item)));
    if multi {
        Reply::Array(argv[2..].iter().map(|i| answer(i)).collect())
    } else {
        answer(&argv[2])
    }
}

pub fn bf_info(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 && argv.len() != 3 {
        return arity(argv);
    }
    match status(ctx, &argv[1], true, Family::Bf) {
        Slot::Ok => {}
        s => return status_err(s),
    }
    let Some(c) = bf_ref(ctx, &argv[1]) else {
        return Reply::err("ERR not found");
    };
    let capacity = Reply::Int(c.capacity() as i64);
    let size = Reply::Int(c.mem_usage() as i64);
    let filters = Reply::Int(c.links.len() as i64);
    let items = Reply::Int(c.size as i64);
    let expansion = if c.options & bloom::OPT_NO_SCALING != 0 {
        Reply::Nil
    } else {
        Reply::Int(c.growth as i64)
    };
    if argv.len() == 3 {
        let a = &argv[2];
        let (name, v) = if eq(a, "capacity") {
            ("Capacity", capacity)
        } else if eq(a, "size") {
            ("Size", size)
        } else if eq(a, "filters") {
            ("Number of filters", filters)
        } else if eq(a, "items") {
            ("Number of items inserted", items)
        } else if eq(a, "expansion") {
            ("Expansion rate", expansion)
        } else {
            return Reply::err("Invalid information value");
        };
        return info_one(ctx, name, v);
    }
    info_map(vec![
        ("Capacity", capacity),
        ("Size", size),
        ("Number of filters", filters),
        ("Number of items inserted", items),
        ("Expansion rate", expansion),
    ])
}

/// BF.DEBUG: the chain's item count, then one line per link (`BFDebug_RedisCommand`).
pub fn bf_debug(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    match status(ctx, &argv[1], true, Family::Bf) {
        Slot::Ok => {}
        s => return status_err(s),
    }
    let Some(c) = bf_ref(ctx, &argv[1]) else {
        return Reply::err("ERR not found");
    };
    let width = if c.options & bloom::OPT_FORCE64 != 0 {
        64
    } else {
        32
    };
    let mut lines = vec![Reply::Bulk(format!("size:{}", c.size).into_bytes())];
    for l in &c.links {
        // `bits ? bits : 1 << n2`: a link always has its bits here.
        lines.push(Reply::Bulk(
            format!(
                "bytes:{} bits:{} hashes:{} hashwidth:{width} capacity:{} size:{} ratio:{}",
                l.bytes,
                l.bits,
                l.hashes,
                l.entries,
                l.size,
                crate::engine::lua::fmt_g(l.error, 6)
            )
            .into_bytes(),
        ));
    }
    Reply::Array(lines)
}

pub fn bf_card(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    match status(ctx, &argv[1], true, Family::Bf) {
        Slot::Empty => Reply::Int(0),
        Slot::Mismatch => wrongtype(),
        Slot::Ok => Reply::Int(bf_ref(ctx, &argv[1]).map_or(0, |c| c.size as i64)),
    }
}

pub fn bf_scandump(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 3 {
        return arity(argv);
    }
    match status(ctx, &argv[1], true, Family::Bf) {
        Slot::Ok => {}
        s => return status_err(s),
    }
    let Some(iter) = ll(&argv[2]) else {
        return Reply::err("Second argument must be numeric");
    };
    let Some(c) = bf_ref(ctx, &argv[1]) else {
        return Reply::err("ERR not found");
    };
    if iter == 0 {
        return Reply::Array(vec![Reply::Int(1), Reply::Bulk(c.encode_header())]);
    }
    let (next, chunk) = c.chunk(iter);
    Reply::Array(vec![Reply::Int(next), Reply::Bulk(chunk.to_vec())])
}

pub fn bf_loadchunk(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 4 {
        return arity(argv);
    }
    let Some(iter) = ll(&argv[2]) else {
        return Reply::err("ERR Second argument must be numeric");
    };
    let key = &argv[1];
    match status(ctx, key, false, Family::Bf) {
        Slot::Empty if iter == 1 => {
            let cap = sketch_cap(ctx);
            match Chain::from_header(&argv[3], cap) {
                Ok(c) => {
                    let db = ctx.db();
                    ctx.core.add(db, key, Value::Bloom(Box::new(c)));
                    dirty(ctx);
                    Reply::ok()
                }
                Err(e) => Reply::Error(e),
            }
        }
        Slot::Ok => {
            let Some(c) = bf_mut(ctx, key) else {
                return Reply::err("ERR not found");
            };
            match c.load_chunk(iter, &argv[3]) {
                Ok(()) => {
                    dirty(ctx);
                    Reply::ok()
                }
                Err(e) => Reply::Error(e),
            }
        }
        s => status_err(s),
    }
}

// ---------------------------------------------------------------- Cuckoo filters

const CF_DEFAULT_CAPACITY: i64 = 1024;

fn cf_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut Cuckoo> {
    let db = ctx.db();
    match ctx.core.value_mut(db, key) {
        Some(Value::Cuckoo(c)) => Some(c),
        _ => None,
    }
}

fn cf_ref<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a Cuckoo> {
    let db = ctx.db();
    match ctx.core.dbs[db].keys.get(key).map(|o| &o.value) {
        Some(Value::Cuckoo(c)) => Some(c),
        _ => None,
    }
}

/// `cfCreate`, with the size cap.
fn cf_create(
    ctx: &mut Ctx,
    key: &[u8],
    capacity: u64,
    bucket_size: u16,
    max_iterations: u16,
    expansion: u16,
) -> Result<(), Reply> {
    if capacity < bucket_size as u64 * 2 {
        return Err(Reply::err("Couldn't create Cuckoo Filter"));
    }
    let cap = sketch_cap(ctx);
    let need = Cuckoo::init_bytes(capacity, bucket_size);
    if need > cap {
        return Err(Reply::Error(bloom::too_big(need, cap)));
    }
    let Some(c) = Cuckoo::new(capacity, bucket_size, max_iterations, expansion) else {
        return Err(Reply::err(bloom::NO_MEMORY));
    };
    let db = ctx.db();
    ctx.core.add(db, key, Value::Cuckoo(Box::new(c)));
    Ok(())
}

pub fn cf_reserve(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    if argc < 3 || argc % 2 == 0 {
        return arity(argv);
    }
    let Some(capacity) = ll(&argv[2]) else {
        return Reply::err("Bad capacity");
    };
    let opt = |word: &str, default: i64, lo: i64, hi: i64, range_msg: &str| {
        let Some(at) = arg_index(argv, word) else {
            return Ok(default);
        };
        match argv.get(at + 1).and_then(|a| ll(a)) {
            None => Err(Reply::Error(format!("Couldn't parse {word}"))),
            Some(v) if v < lo || v > hi => Err(Reply::err(range_msg)),
            Some(v) => Ok(v),
        }
    };
    let max_iterations = match opt(
        "MAXITERATIONS",
        cuckoo::DEFAULT_MAX_ITERATIONS as i64,
        1,
        cuckoo::MAX_ITERATIONS,
        "MAXITERATIONS: value must be an integer between 1 and 65535, inclusive.",
    ) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let bucket_size = match opt(
        "BUCKETSIZE",
        cuckoo::DEFAULT_BUCKETSIZE as i64,
        1,
        cuckoo::MAX_BUCKET_SIZE,
        "BUCKETSIZE: value must be an integer between 1 and 255, inclusive.",
    ) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let expansion = match opt(
        "EXPANSION",
        cuckoo::DEFAULT_EXPANSION as i64,
        0,
        cuckoo::MAX_EXPANSION,
        "EXPANSION: value must be an integer between 0 and 32768, inclusive.",
    ) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if bucket_size * 2 > capacity {
        return Reply::err("Capacity must be at least (BucketSize * 2)");
    }
    match status(ctx, &argv[1], false, Family::Cf) {
        Slot::Empty => {}
        s => return status_err(s),
    }
    if let Err(e) = cf_create(
        ctx,
        &argv[1],
        capacity as u64,
        bucket_size as u16,
        max_iterations as u16,
        expansion as u16,
    ) {
        return e;
    }
    dirty(ctx);
    Reply::ok()
}

struct CfInsert {
    nx: bool,
    autocreate: bool,
    multi: bool,
    capacity: i64,
}

fn cf_insert_common(ctx: &mut Ctx, key: &[u8], items: &[Vec<u8>], o: &CfInsert) -> Reply {
    let (db, r3) = db_resp3(ctx);
    match status_in(ctx, db, key, false, Family::Cf) {
        Slot::Empty if o.autocreate => {
            if let Err(e) = cf_create(
                ctx,
                key,
                o.capacity as u64,
                cuckoo::DEFAULT_BUCKETSIZE as u16,
                cuckoo::DEFAULT_MAX_ITERATIONS as u16,
                cuckoo::DEFAULT_EXPANSION as u16,
            ) {
                return e;
            }
        }
        Slot::Ok => {}
        s => return status_err(s),
    }
    let cap = sketch_cap(ctx);
    let Some(Value::Cuckoo(c)) = opened(ctx, db, key) else {
        return Reply::Nil;
    };
    if c.filters.len() as u16 >= cuckoo::MAX_EXPANSIONS {
        return Reply::err("Maximum expansions reached");
    }
    let mut out = Vec::new();
    for item in items {
        let st = c.insert(cuckoo::hash(item), o.nx, cap);
        let boolish = r3 && (!o.nx || !o.multi);
        let r = match st {
            Insert::Inserted | Insert::Exists => {
                let v = st == Insert::Inserted;
                if boolish {
                    Reply::Bool(v)
                } else {
                    Reply::Int(v as i64)
                }
            }
            Insert::NoSpace => {
                if !o.multi {
                    return Reply::err("Filter is full");
                }
                if r3 && !o.nx {
                    Reply::Bool(false)
                } else {
                    Reply::Int(-1)
                }
            }
            Insert::NoMemory => {
                let e = Reply::err("Memory allocation failure");
                if !o.multi {
                    return e;
                }
                e
            }
            Insert::TooBig => {
                let need = c.grow_bytes();
                let e = Reply::Error(bloom::too_big(need, cap));
                if !o.multi {
                    return e;
                }
                e
            }
        };
        if o.multi {
            out.push(r);
        } else {
            out = vec![r];
        }
    }
    dirty(ctx);
    if o.multi {
        Reply::Array(out)
    } else {
        out.pop().unwrap_or(Reply::Nil)
    }
}

fn ends_with_x(argv: &[Vec<u8>]) -> bool {
    argv[0]
        .last()
        .is_some_and(|c| c.eq_ignore_ascii_case(&b'x'))
}

/// CF.ADD and CF.ADDNX.
pub fn cf_add(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let o = CfInsert {
        nx: ends_with_x(argv),
        autocreate: true,
        multi: false,
        capacity: CF_DEFAULT_CAPACITY,
    };
    if argv.len() != 3 {
        return arity(argv);
    }
    cf_insert_common(ctx, &argv[1], &argv[2..3], &o)
}

/// CF.INSERT and CF.INSERTNX.
pub fn cf_insert(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut o = CfInsert {
        nx: ends_with_x(argv),
        autocreate: true,
        multi: true,
        capacity: CF_DEFAULT_CAPACITY,
    };
    let argc = argv.len();
    if argc < 4 {
        return arity(argv);
    }
    let mut pos = 2;
    let mut items = None;
    while pos < argc && items.is_none() {
        match argv[pos].first().map(|c| c.to_ascii_lowercase()) {
            Some(b'c') => {
                pos += 1;
                if pos == argc {
                    return arity(argv);
                }
                match ll(&argv[pos]) {
                    Some(v) => o.capacity = v,
                    None => return Reply::err("Bad capacity"),
                }
                pos += 1;
                if 2 * (cuckoo::DEFAULT_BUCKETSIZE as i64) > o.capacity {
                    return Reply::err("Capacity must be at least (BucketSize * 2)");
                }
            }
            Some(b'i') => {
                pos += 1;
                items = Some(pos);
            }
            Some(b'n') => {
                o.autocreate = false;
                pos += 1;
            }
            _ => return Reply::err("Unknown argument received"),
        }
    }
    let Some(items) = items.filter(|&i| i != argc) else {
        return arity(argv);
    };
    cf_insert_common(ctx, &argv[1], &argv[items..], &o)
}

/// CF.EXISTS, CF.MEXISTS and CF.COUNT.
pub fn cf_check(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let multi = is_multi(argv);
    let count = argv[0]
        .last()
        .is_some_and(|c| c.eq_ignore_ascii_case(&b't'));
    if (!multi && argv.len() != 3) || (multi && argv.len() < 3) {
        return arity(argv);
    }
    let ok = matches!(status(ctx, &argv[1], true, Family::Cf), Slot::Ok);
    let r3 = resp3(ctx);
    let values: Vec<u64> = match cf_ref(ctx, &argv[1]).filter(|_| ok) {
        Some(c) => argv[2..]
            .iter()
            .map(|i| {
                let h = cuckoo::hash(i);
                if count {
                    c.count(h)
                } else {
                    c.check(h) as u64
                }
            })
            .collect(),
        None => vec![0; argv.len() - 2],
    };
    let mut out: Vec<Reply> = values
        .into_iter()
        .map(|v| {
            if r3 && !count {
                Reply::Bool(v != 0)
            } else {
                Reply::Int(v as i64)
            }
        })
        .collect();
    if multi {
        Reply::Array(out)
    } else {
        out.pop().unwrap_or(Reply::Nil)
    }
}

pub fn cf_del(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 3 {
        return arity(argv);
    }
    if !matches!(status(ctx, &argv[1], false, Family::Cf), Slot::Ok) {
        return Reply::err("Not found");
    }
    dirty(ctx);
    let Some(c) = cf_mut(ctx, &argv[1]) else {
        return Reply::err("Not found");
    };
    let rv = c.delete(cuckoo::hash(&argv[2]));
    flag(ctx, rv)
}

/// CF.COMPACT: move fingerprints into older sub-filters and free the newest ones that
/// empty (`CuckooFilter_Compact(cf, true)`); it also forgets the count of deletes.
pub fn cf_compact(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    if !matches!(status(ctx, &argv[1], false, Family::Cf), Slot::Ok) {
        return Reply::err("Cuckoo filter was not found");
    }
    dirty(ctx);
    let Some(c) = cf_mut(ctx, &argv[1]) else {
        return Reply::err("Cuckoo filter was not found");
    };
    c.compact(true);
    Reply::ok()
}

/// CF.DEBUG: the filter's header as one line (`CFDebug_RedisCommand`).
pub fn cf_debug(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    match status(ctx, &argv[1], true, Family::Cf) {
        Slot::Ok => {}
        s => return status_err(s),
    }
    let Some(c) = cf_ref(ctx, &argv[1]) else {
        return Reply::err("ERR not found");
    };
    Reply::Bulk(
        format!(
            "bktsize:{} buckets:{} items:{} deletes:{} filters:{} max_iterations:{} expansion:{}",
            c.bucket_size,
            c.num_buckets,
            c.num_items,
            c.num_deletes,
            c.filters.len(),
            c.max_iterations,
            c.expansion
        )
        .into_bytes(),
    )
}

pub fn cf_info(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    match status(ctx, &argv[1], true, Family::Cf) {
        Slot::Ok => {}
        s => return status_err(s),
    }
    let Some(c) = cf_ref(ctx, &argv[1]) else {
        return Reply::err("ERR not found");
    };
    info_map(vec![
        ("Size", Reply::Int(c.mem_usage() as i64)),
        ("Number of buckets", Reply::Int(c.num_buckets as i64)),
        ("Number of filters", Reply::Int(c.filters.len() as i64)),
        ("Number of items inserted", Reply::Int(c.num_items as i64)),
        ("Number of items deleted", Reply::Int(c.num_deletes as i64)),
        ("Bucket size", Reply::Int(c.bucket_size as i64)),
        ("Expansion rate", Reply::Int(c.expansion as i64)),
        ("Max iterations", Reply::Int(c.max_iterations as i64)),
    ])
}

pub fn cf_scandump(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 3 {
        return arity(argv);
    }
    let pos = match ll(&argv[2]) {
        Some(p) if p >= 0 => p,
        _ => return Reply::err("Invalid position"),
    };
    match status(ctx, &argv[1], true, Family::Cf) {
        Slot::Ok => {}
        s => return status_err(s),
    }
    let Some(c) = cf_ref(ctx, &argv[1]) else {
        return Reply::err("ERR not found");
    };
    let done = Reply::Array(vec![Reply::Int(0), Reply::Nil]);
    if c.num_items == 0 {
        return done;
    }
    if pos == 0 {
        return Reply::Array(vec![Reply::Int(1), Reply::Bulk(c.header())]);
    }
    match c.chunk(pos, bloom::MAX_SCANDUMP_SIZE) {
        None => done,
        Some((next, chunk)) => Reply::Array(vec![Reply::Int(next), Reply::Bulk(chunk.to_vec())]),
    }
}

pub fn cf_loadchunk(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 4 {
        return arity(argv);
    }
    let key = &argv[1];
    let st = status(ctx, key, false, Family::Cf);
    let pos = match ll(&argv[2]) {
        Some(p) if p != 0 => p,
        _ => return Reply::err("Invalid position"),
    };
    let blob = &argv[3];
    if pos == 1 {
        match st {
            Slot::Empty => {}
            s => return status_err(s),
        }
        if blob.len() != cuckoo::HEADER_LEN {
            return Reply::err("Invalid header");
        }
        let cap = sketch_cap(ctx);
        return match Cuckoo::from_header(blob, cap) {
            Ok(c) => {
                let db = ctx.db();
                ctx.core.add(db, key, Value::Cuckoo(Box::new(c)));
                dirty(ctx);
                Reply::ok()
            }
            Err(e) => Reply::Error(e),
        };
    }
    match st {
        Slot::Ok => {}
        s => return status_err(s),
    }
    let Some(c) = cf_mut(ctx, key) else {
        return Reply::err("ERR not found");
    };
    if !c.load_chunk(pos, blob) {
        return Reply::err("Couldn't load chunk!");
    }
    Reply::ok()
}

// ---------------------------------------------------------------- Count-Min Sketch

fn cms_err_key(ctx: &mut Ctx, key: &[u8], read: bool) -> Option<Reply> {
    match status(ctx, key, read, Family::Cms) {
        Slot::Ok => None,
        Slot::Empty => Some(Reply::err("CMS: key does not exist")),
        Slot::Mismatch => Some(wrongtype()),
    }
}

fn cms_ref<'a>(ctx: &'a Ctx, key: &[u8]) -> Option<&'a Cms> {
    let db = ctx.db();
    match ctx.core.dbs[db].keys.get(key).map(|o| &o.value) {
        Some(Value::Cms(c)) => Some(c),
        _ => None,
    }
}

fn cms_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut Cms> {
    let db = ctx.db();
    match ctx.core.value_mut(db, key) {
        Some(Value::Cms(c)) => Some(c),
        _ => None,
    }
}

/// CMS.INITBYDIM and CMS.INITBYPROB.
pub fn cms_init(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 4 {
        return arity(argv);
    }
    if !matches!(status(ctx, &argv[1], false, Family::Cms), Slot::Empty) {
        return Reply::err("CMS: key already exists");
    }
    let (width, depth) = if eq(&argv[0], "cms.initbydim") {
        let w = match ll(&argv[2]) {
            Some(w) if w >= 1 => w as u64,
            _ => return Reply::err("CMS: invalid width"),
        };
        let d = match ll(&argv[3]) {
            Some(d) if d >= 1 => d as u64,
            _ => return Reply::err("CMS: invalid depth"),
        };
        (w, d)
    } else {
        let e = match dbl(&argv[2]) {
            Some(e) if e > 0.0 && e < 1.0 => e,
            _ => return Reply::err("CMS: invalid overestimation value"),
        };
        let p = match dbl(&argv[3]) {
            Some(p) if p > 0.0 && p < 1.0 => p,
            _ => return Reply::err("CMS: invalid prob value"),
        };
        Cms::dims_from_prob(e, p)
    };
    let cap = sketch_cap(ctx);
    let need = width.checked_mul(depth).and_then(|n| n.checked_mul(4));
    match need {
        Some(n) if n <= cap && width > 0 && depth > 0 => {}
        _ => {
            return Reply::Error(bloom::too_big(
                need.unwrap_or(u64::MAX).max(width.saturating_mul(4)),
                cap,
            ))
        }
    }
    let Some(c) = Cms::new(width, depth) else {
        return Reply::err(NO_MEMORY_SKETCH);
    };
    let db = ctx.db();
    ctx.core.add(db, &argv[1], Value::Cms(Box::new(c)));
    dirty(ctx);
    Reply::ok()
}

pub fn cms_incrby(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    if argc < 4 || argc % 2 == 1 {
        return arity(argv);
    }
    let db = ctx.db();
    match status_in(ctx, db, &argv[1], true, Family::Cms) {
        Slot::Ok => {}
        Slot::Empty => return Reply::err("CMS: key does not exist"),
        Slot::Mismatch => return wrongtype(),
    }
    let mut pairs = Vec::with_capacity((argc - 2) / 2);
    for p in argv[2..].chunks(2) {
        match ll(&p[1]) {
            None => return Reply::err("CMS: Cannot parse number"),
            Some(v) if v < 0 => return Reply::err("CMS: Number cannot be negative"),
            Some(v) => pairs.push((&p[0], v as u64)),
        }
    }
    let Some(Value::Cms(c)) = ctx.core.value_mut(db, &argv[1]) else {
        return Reply::err("CMS: key does not exist");
    };
    let out = pairs
        .into_iter()
        .map(|(item, v)| {
            let n = c.incr(item, v);
            if n != u32::MAX as u64 {
                Reply::Int(n as i64)
            } else {
                Reply::err("CMS: INCRBY overflow")
            }
        })
        .collect();
    dirty(ctx);
    Reply::Array(out)
}

pub fn cms_query(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    if let Some(e) = cms_err_key(ctx, &argv[1], true) {
        return e;
    }
    let Some(c) = cms_ref(ctx, &argv[1]) else {
        return Reply::err("CMS: key does not exist");
    };
    Reply::Array(
        argv[2..]
            .iter()
            .map(|i| Reply::Int(c.query(i) as i64))
            .collect(),
    )
}

pub fn cms_merge(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 4 {
        return arity(argv);
    }
    let dest = &argv[1];
    if let Some(e) = cms_err_key(ctx, dest, false) {
        return e;
    }
    let Some(num_keys) = ll(&argv[2]) else {
        return Reply::err("CMS: invalid numkeys");
    };
    let rest = &argv[3..];
    let argc = rest.len() as i64;
    let pos = arg_index(rest, "WEIGHTS");
    match pos {
        None if num_keys != argc => return Reply::err("CMS: wrong number of keys"),
        Some(p) if p as i64 != num_keys || argc != num_keys.saturating_mul(2).saturating_add(1) => {
            return Reply::err("CMS: wrong number of keys/weights")
        }
        _ => {}
    }
    let (width, depth) = match cms_ref(ctx, dest) {
        Some(c) => (c.width, c.depth),
        None => return Reply::err("CMS: key does not exist"),
    };
    let n = num_keys as usize;
    let mut weights = Vec::with_capacity(n);
    for i in 0..n {
        match pos {
            None => weights.push(1i64),
            Some(_) => match ll(&rest[n + 1 + i]) {
                Some(w) => weights.push(w),
                None => return Reply::err("CMS: invalid weight value"),
            },
        }
        if let Some(e) = cms_err_key(ctx, &rest[i], true) {
            return e;
        }
        match cms_ref(ctx, &rest[i]) {
            Some(c) if c.width == width && c.depth == depth => {}
            _ => return Reply::err("CMS: width/depth is not equal"),
        }
    }
    let srcs: Vec<Cms> = rest[..n]
        .iter()
        .filter_map(|k| cms_ref(ctx, k).cloned())
        .collect();
    let refs: Vec<&Cms> = srcs.iter().collect();
    if let Some(d) = cms_mut(ctx, dest) {
        d.merge(&refs, &weights);
    }
    dirty(ctx);
    Reply::ok()
}

pub fn cms_info(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    if let Some(e) = cms_err_key(ctx, &argv[1], true) {
        return e;
    }
    let Some(c) = cms_ref(ctx, &argv[1]) else {
        return Reply::err("CMS: key does not exist");
    };
    info_map(vec![
        ("width", Reply::Int(c.width as i64)),
        ("depth", Reply::Int(c.depth as i64)),
        ("count", Reply::Int(c.count as i64)),
    ])
}

// ---------------------------------------------------------------- Top-K

fn topk_err_key(ctx: &mut Ctx, key: &[u8], read: bool) -> Option<Reply> {
    match status(ctx, key, read, Family::TopK) {
        Slot::Ok => None,
        Slot::Empty => Some(Reply::err("TopK: key does not exist")),
        Slot::Mismatch => Some(wrongtype()),
    }
}

fn topk_ref<'a>(ctx: &'a Ctx, key: &[u8]) -> Option<&'a TopK> {
    let db = ctx.db();
    match ctx.core.dbs[db].keys.get(key).map(|o| &o.value) {
        Some(Value::TopK(t)) => Some(t),
        _ => None,
    }
}

fn topk_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a mut TopK> {
    let db = ctx.db();
    match ctx.core.value_mut(db, key) {
        Some(Value::TopK(t)) => Some(t),
        _ => None,
    }
}

pub fn topk_reserve(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    if argc != 3 && argc != 6 {
        return arity(argv);
    }
    if !matches!(status(ctx, &argv[1], false, Family::TopK), Slot::Empty) {
        return Reply::err("TopK: key already exists");
    }
    // The reference checks k, width and depth as 64-bit numbers (≥ 1) and keeps them as
    // 32-bit ones (`TopK_Create(uint32_t …)`): a bigger one is cut to its low 32 bits,
    // as here (k 4294967297 is k 1). One cut to 0 is accepted there and crashes
    // redis-server at the next TOPK.ADD (k 0 reads past an empty heap, width or depth 0
    // divides by zero): here it is refused as invalid (tests/diff-bloom/README.md).
    let k = match ll(&argv[2]) {
        Some(k) if k >= 1 && k as u32 != 0 => k as u32,
        _ => return Reply::err("TopK: invalid k"),
    };
    let (width, depth, decay) = if argc == 6 {
        let w = match ll(&argv[3]) {
            Some(w) if w >= 1 && w as u32 != 0 => w as u32,
            _ => return Reply::err("TopK: invalid width"),
        };
        let d = match ll(&argv[4]) {
            Some(d) if d >= 1 && d as u32 != 0 => d as u32,
            _ => return Reply::err("TopK: invalid depth"),
        };
        let decay = match dbl(&argv[5]) {
            Some(v) if v > 0.0 && v <= 1.0 => v,
            _ => return Reply::err("TopK: invalid decay value. must be '<= 1' & '> 0'"),
        };
        (w, d, decay)
    } else {
        (8, 7, 0.9)
    };
    let need = (width as u64 * depth as u64)
        .saturating_mul(8)
        .saturating_add(k as u64 * 24);
    let cap = sketch_cap(ctx);
    if need > cap {
        return Reply::Error(bloom::too_big(need, cap));
    }
    let seed = ctx.core.rng.random_range(0..=u32::MAX);
    let Some(t) = TopK::new(k, width, depth, decay, seed) else {
        return Reply::err(NO_MEMORY_SKETCH);
    };
    let db = ctx.db();
    ctx.core.add(db, &argv[1], Value::TopK(Box::new(t)));
    dirty(ctx);
    Reply::ok()
}

/// The item an add expelled, as the reference replies it (`ReplyWithCString`: up to its
/// first NUL byte), in the item's own buffer.
fn expelled(e: Option<Vec<u8>>) -> Reply {
    match e {
        Some(mut item) => {
            if let Some(nul) = item.iter().position(|&b| b == 0) {
                item.truncate(nul);
            }
            Reply::Bulk(item)
        }
        None => Reply::Nil,
    }
}

/// TOPK.ADD: one client lookup and one key lookup to open the key (`status_in`, which
/// marks it for re-counting, then `opened`).
pub fn topk_add(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    let db = ctx.db();
    match status_in(ctx, db, &argv[1], false, Family::TopK) {
        Slot::Ok => {}
        Slot::Empty => return Reply::err("TopK: key does not exist"),
        Slot::Mismatch => return wrongtype(),
    }
    let Some(Value::TopK(t)) = opened(ctx, db, &argv[1]) else {
        return Reply::err("TopK: key does not exist");
    };
    let out = argv[2..].iter().map(|i| expelled(t.add(i, 1))).collect();
    dirty(ctx);
    Reply::Array(out)
}

/// TOPK.INCRBY. An invalid increment ends the reply there: the reference declares the
/// full array length and then stops (a reply the client cannot parse); we send the
/// shorter array, error last.
pub fn topk_incrby(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let argc = argv.len();
    if argc < 4 || argc % 2 == 1 {
        return arity(argv);
    }
    if let Some(e) = topk_err_key(ctx, &argv[1], false) {
        return e;
    }
    let Some(t) = topk_mut(ctx, &argv[1]) else {
        return Reply::err("TopK: key does not exist");
    };
    let mut out = Vec::new();
    for p in argv[2..].chunks(2) {
        match ll(&p[1]) {
            Some(v) if (0..=100_000).contains(&v) => out.push(expelled(t.add(&p[0], v as u32))),
            _ => {
                out.push(Reply::err(
                    "TopK: increment must be an integer greater or equal to 0                            and smaller or equal to 100,000",
                ));
                break;
            }
        }
    }
    dirty(ctx);
    Reply::Array(out)
}

pub fn topk_query(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    if let Some(e) = topk_err_key(ctx, &argv[1], true) {
        return e;
    }
    let r3 = resp3(ctx);
    let Some(t) = topk_ref(ctx, &argv[1]) else {
        return Reply::err("TopK: key does not exist");
    };
    Reply::Array(
        argv[2..]
            .iter()
            .map(|i| {
                let q = t.query(i);
                if r3 {
                    Reply::Bool(q)
                } else {
                    Reply::Int(q as i64)
                }
            })
            .collect(),
    )
}

pub fn topk_count(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() < 3 {
        return arity(argv);
    }
    if let Some(e) = topk_err_key(ctx, &argv[1], true) {
        return e;
    }
    let Some(t) = topk_ref(ctx, &argv[1]) else {
        return Reply::err("TopK: key does not exist");
    };
    Reply::Array(
        argv[2..]
            .iter()
            .map(|i| Reply::Int(t.count(i) as i64))
            .collect(),
    )
}

pub fn topk_list(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 && argv.len() != 3 {
        return arity(argv);
    }
    let mut with_count = false;
    if let Some(a) = argv.get(2) {
        // strncasecmp(arg, "WITHCOUNT", len(arg)): any prefix of the word, even "".
        let word = b"WITHCOUNT";
        if a.len() <= word.len() && a.eq_ignore_ascii_case(&word[..a.len()]) {
            with_count = true;
        } else {
            return Reply::err("WITHCOUNT keyword expected");
        }
    }
    if let Some(e) = topk_err_key(ctx, &argv[1], true) {
        return e;
    }
    let Some(t) = topk_ref(ctx, &argv[1]) else {
        return Reply::err("TopK: key does not exist");
    };
    let mut out = Vec::new();
    for (item, count) in t.list() {
        out.push(Reply::Bulk(c_string(item)));
        if with_count {
            out.push(Reply::Int(count as i64));
        }
    }
    Reply::Array(out)
}

pub fn topk_info(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() != 2 {
        return arity(argv);
    }
    if let Some(e) = topk_err_key(ctx, &argv[1], true) {
        return e;
    }
    let Some(t) = topk_ref(ctx, &argv[1]) else {
        return Reply::err("TopK: key does not exist");
    };
    info_map(vec![
        ("k", Reply::Int(t.k as i64)),
        ("width", Reply::Int(t.width as i64)),
        ("depth", Reply::Int(t.depth as i64)),
        ("decay", Reply::Double(t.decay)),
    ])
}
