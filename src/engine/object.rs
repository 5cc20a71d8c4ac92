//! Values and their encodings.
//!
//! Redis keeps a string as one of three encodings, and `OBJECT ENCODING` shows which:
//! `int` when the text is a canonical 64-bit integer of at most 20 characters, `embstr` when
//! it is at most 44 bytes (the object header and the bytes share one 64-byte allocation),
//! and `raw` otherwise. Commands that edit a string in place (APPEND, SETRANGE) always leave
//! it `raw`. We store the bytes and remember the encoding Redis would have chosen.

use super::util::parse_i64;

/// The longest string that Redis stores as `embstr` (64-byte jemalloc bin minus header).
pub const EMBSTR_MAX: usize = 44;
/// Integers 0..10000 are shared objects in Redis (refcount reported as INT_MAX).
pub const SHARED_INTEGERS: i64 = 10000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StrEnc {
    Int,
    Embstr,
    Raw,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str {
        bytes: Vec<u8>,
        enc: StrEnc,
    },
    ZSet(Box<super::zset::ZSet>),
    Hash(Box<super::hash::Hash>),
    Set(Box<super::set::Set>),
    List(Box<super::list::List>),
    Stream(Box<super::stream::Stream>),
    /// RedisBloom's module types (BF, CF, CMS, TOPK).
    Bloom(Box<super::bloom::Chain>),
    Cuckoo(Box<super::cuckoo::Cuckoo>),
    Cms(Box<super::cms::Cms>),
    TopK(Box<super::topk::TopK>),
    TDigest(Box<super::tdigest::TDigest>),
}

impl Value {
    /// A string as SET stores it: the encoding `tryObjectEncoding` would pick.
    pub fn string(bytes: Vec<u8>) -> Value {
        let enc = if bytes.len() <= 20 && parse_i64(&bytes).is_some() {
            StrEnc::Int
        } else if bytes.len() <= EMBSTR_MAX {
            StrEnc::Embstr
        } else {
            StrEnc::Raw
        };
        Value::Str { bytes, enc }
    }

    /// A string made by formatting (INCRBYFLOAT): embstr or raw, never int.
    pub fn string_no_int(bytes: Vec<u8>) -> Value {
        let enc = if bytes.len() <= EMBSTR_MAX {
            StrEnc::Embstr
        } else {
            StrEnc::Raw
        };
        Value::Str { bytes, enc }
    }

    pub fn from_i64(v: i64) -> Value {
        Value::Str {
            bytes: v.to_string().into_bytes(),
            enc: StrEnc::Int,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str { .. } => "string",
            Value::ZSet(_) => "zset",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::List(_) => "list",
            Value::Stream(_) => "stream",
            Value::Bloom(_) => "MBbloom--",
            Value::Cuckoo(_) => "MBbloomCF",
            Value::Cms(_) => "CMSk-TYPE",
            Value::TopK(_) => "TopK-TYPE",
            Value::TDigest(_) => "TDIS-TYPE",
        }
    }

    /// A module type: TYPE shows its name, OBJECT ENCODING says "raw".
    pub fn is_module(&self) -> bool {
        matches!(
            self,
            Value::Bloom(_) | Value::Cuckoo(_) | Value::Cms(_) | Value::TopK(_) | Value::TDigest(_)
        )
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str { enc, .. } => match enc {
                StrEnc::Int => "int",
                StrEnc::Embstr => "embstr",
                StrEnc::Raw => "raw",
            },
            Value::ZSet(z) => {
                if z.listpack {
                    "listpack"
                } else {
                    "skiplist"
                }
            }
            Value::Hash(h) => {
                if h.listpack {
                    "listpack"
                } else {
                    "hashtable"
                }
            }
            Value::Set(s) => {
                if s.intset {
                    "intset"
                } else {
                    "hashtable"
                }
            }
            Value::List(_) => "quicklist",
            Value::Stream(_) => "stream",
            Value::Bloom(_)
            | Value::Cuckoo(_)
            | Value::Cms(_)
            | Value::TopK(_)
            | Value::TDigest(_) => "raw",
        }
    }

    /// Redis's `lazyfreeGetFreeEffort`: about how many allocations freeing the value
    /// takes. UNLINK (and DEL, expiry, eviction under the lazyfree-lazy-* settings)
    /// hands a value over LAZYFREE_THRESHOLD to Redis's background thread, which counts
    /// it in INFO's lazyfreed_objects. One for strings, compact encodings and module
    /// values; quicklist nodes for a list; elements for a hash table or skiplist; for a
    /// stream its rax nodes, plus each group and (estimated from the first group) its
    /// pending entries.
    pub fn free_effort(&self) -> u64 {
        match self {
            Value::List(l) => l.nodes().len() as u64,
            Value::Set(s) if self.encoding_name() == "hashtable" => s.len() as u64,
            Value::ZSet(z) if !z.listpack => z.len() as u64,
            Value::Hash(h) if !h.listpack => h.len() as u64,
            Value::Stream(s) => {
                let groups = s.groups.len() as u64;
                let pel = s.groups.values().next().map_or(0, |g| g.pel.len() as u64);
                s.rax_nodes_n() + groups * (1 + pel)
            }
            _ => 1,
        }
    }

    /// A value's size as `redis-cli --bigkeys` measures it: bytes for a string, elements
    /// (members, fields, items) for a collection.
    pub fn size(&self) -> u64 {
        match self {
            Value::Str { bytes, .. } => bytes.len() as u64,
            Value::ZSet(z) => z.len() as u64,
            Value::Hash(h) => h.len() as u64,
            Value::Set(s) => s.len() as u64,
            Value::List(l) => l.len() as u64,
            Value::Stream(s) => s.len(),
            Value::Bloom(b) => b.size,
            Value::Cuckoo(c) => c.num_items,
            Value::Cms(c) => c.count,
            Value::TopK(t) => t.list().len() as u64,
            Value::TDigest(t) => t.size().max(0) as u64,
        }
    }

    pub fn as_hash(&self) -> Option<&super::hash::Hash> {
        match self {
            Value::Hash(h) => Some(h),
            _ => None,
        }
    }
    pub fn as_hash_mut(&mut self) -> Option<&mut super::hash::Hash> {
        match self {
            Value::Hash(h) => Some(h),
            _ => None,
        }
    }
    pub fn as_set(&self) -> Option<&super::set::Set> {
        match self {
            Value::Set(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_set_mut(&mut self) -> Option<&mut super::set::Set> {
        match self {
            Value::Set(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<&super::list::List> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
    pub fn as_list_mut(&mut self) -> Option<&mut super::list::List> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_stream(&self) -> Option<&super::stream::Stream> {
        match self {
            Value::Stream(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_stream_mut(&mut self) -> Option<&mut super::stream::Stream> {
        match self {
            Value::Stream(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&Vec<u8>> {
        match self {
            Value::Str { bytes, .. } => Some(bytes),
            _ => None,
        }
    }
}

/// What the eviction policies know about a key's use.
///
/// Redis keeps one 24-bit field per object and reads it as either an LRU clock or an LFU
/// counter, depending on the policy in force. We keep both, always: the policy still
/// decides which one eviction, OBJECT IDLETIME and OBJECT FREQ consult (with Redis's
/// errors for the other), but the memory panel can plot every key by idle time *and*
/// frequency, and switching policy at run time starts from real data instead of the
/// other policy's bits read the wrong way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// The 24-bit LRU clock (seconds) at the last access.
    pub clock: u32,
    /// The LFU field: last-decrement minute (high 16 bits) and log counter (low 8).
    pub lfu: u32,
}

/// A value in the keyspace plus its access metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Obj {
    pub value: Value,
    pub access: Access,
    /// The size estimate this object is counted at in its database's `used` (kept by
    /// `Db`; whatever a new object starts with is overwritten on insert). 64 bits: a
    /// value may be charged beyond 4 GiB (a big Bloom filter or sketch), and the field
    /// sits in what was padding after `access` (`Obj` is no bigger for it).
    pub acct: u64,
}

impl Obj {
    pub fn new(value: Value, access: Access) -> Obj {
        Obj {
            value,
            access,
            acct: 0,
        }
    }
}

/// Whether Redis keeps this value as one of its shared integer objects (refcount
/// INT_MAX in OBJECT REFCOUNT, "shared" in DEBUG OBJECT): a small integer string, unless
/// maxmemory with an LRU/LFU policy needs each key to carry its own access data.
pub fn is_shared_integer(v: &Value, maxmemory: u64, lru_or_lfu: bool) -> bool {
    match v {
        Value::Str {
            bytes,
            enc: StrEnc::Int,
        } => {
            let n = super::util::parse_i64(bytes).unwrap_or(-1);
            (0..SHARED_INTEGERS).contains(&n) && (maxmemory == 0 || !lru_or_lfu)
        }
        _ => false,
    }
}
