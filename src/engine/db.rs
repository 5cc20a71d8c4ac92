//! One logical database: its keys and, beside them, the deadlines of the volatile ones.
//!
//! Redis keeps expiries in a second table (`db->expires`) rather than in the value, so that
//! active expiry and the `volatile-*` eviction policies can sample volatile keys directly.
//! We do the same.

//!
//! Each database also keeps `used`, the estimated bytes of its keys and values, up to date
//! as keys come and go, so INFO and the `maxmemory` check never scan the keyspace. Every
//! object remembers the estimate it was last counted at (`Obj::acct`); inserting adds it,
//! removing takes that same figure back, and a value changed in place is re-counted by
//! `settle` once its command is done. See `inspect.rs` for the estimate itself.

use super::cluster::{SlotIndex, PER_KEY_SLOT_OVERHEAD};
use super::dict::Dict;
use super::inspect::{obj_size, PER_TTL_OVERHEAD};
use super::object::{Access, Obj, Value};

#[derive(Default)]
pub struct Db {
    pub keys: Dict<Obj>,
    /// Absolute Unix time in milliseconds at which each volatile key expires.
    pub expires: Dict<i64>,
    /// The sum of `acct` over all objects in `keys`.
    used: u64,
    /// Cluster mode only (database 0): the keys by hash slot (see `cluster.rs`).
    pub slots: Option<Box<SlotIndex>>,
}

impl Db {
    /// A database that also keeps its keys by hash slot (database 0 in cluster mode).
    pub fn with_slot_index() -> Db {
        Db {
            slots: Some(Box::new(SlotIndex::new())),
            ..Db::default()
        }
    }

    /// What a key costs: the estimate, plus the slot list's links in cluster mode.
    fn size_of(&self, key: &[u8], value: &Value) -> u32 {
        let n = obj_size(key.len(), value);
        match self.slots {
            Some(_) => n.saturating_add(PER_KEY_SLOT_OVERHEAD),
            None => n,
        }
    }

    /// Stores an object under `key` (replacing any old one, whose TTL is left alone) and
    /// counts its size.
    pub fn insert(&mut self, key: &[u8], mut obj: Obj) {
        obj.acct = self.size_of(key, &obj.value);
        self.used += u64::from(obj.acct);
        match self.keys.insert(key, obj) {
            Some(old) => self.used -= u64::from(old.acct),
            None => {
                if let Some(ix) = self.slots.as_mut() {
                    ix.add(key);
                }
            }
        }
    }

    /// Stores `value` under `key` with one table lookup: a new key gets `access(None)`, an
    /// existing one is replaced in place with `access(Some(its old access))`. Its TTL is
    /// left alone.
    pub fn upsert(
        &mut self,
        key: &[u8],
        value: Value,
        access: impl FnOnce(Option<Access>) -> Access,
    ) {
        let acct = self.size_of(key, &value);
        self.used += u64::from(acct);
        match self.keys.get_mut(key) {
            Some(o) => {
                self.used -= u64::from(o.acct);
                o.access = access(Some(o.access));
                o.value = value;
                o.acct = acct;
            }
            None => {
                let mut obj = Obj::new(value, access(None));
                obj.acct = acct;
                self.keys.insert_absent(key, obj);
                if let Some(ix) = self.slots.as_mut() {
                    ix.add(key);
                }
            }
        }
    }

    /// Removes a key and its TTL.
    pub fn remove(&mut self, key: &[u8]) -> Option<Obj> {
        let o = self.keys.remove(key)?;
        self.expires.remove(key);
        self.used -= u64::from(o.acct);
        if let Some(ix) = self.slots.as_mut() {
            ix.remove(key);
        }
        Some(o)
    }

    /// Removes a key and its TTL, returning the bytes that frees (its estimate plus the
    /// expires entry, if it had one).
    pub fn remove_freeing(&mut self, key: &[u8]) -> Option<u64> {
        let o = self.keys.remove(key)?;
        let ttl = self.expires.remove(key).map_or(0, |_| PER_TTL_OVERHEAD);
        self.used -= u64::from(o.acct);
        if let Some(ix) = self.slots.as_mut() {
            ix.remove(key);
        }
        Some(u64::from(o.acct) + ttl)
    }

    /// Re-counts a key whose value was changed in place.
    pub fn settle(&mut self, key: &[u8]) {
        let extra = if self.slots.is_some() {
            PER_KEY_SLOT_OVERHEAD
        } else {
            0
        };
        if let Some(o) = self.keys.get_mut(key) {
            let now = obj_size(key.len(), &o.value).saturating_add(extra);
            self.used = self.used - u64::from(o.acct) + u64::from(now);
            o.acct = now;
        }
    }

    /// Estimated bytes of the keys and values (TTL entries not included).
    pub fn used(&self) -> u64 {
        self.used
    }

    /// How many keys an eviction policy may pick from: all, or only the volatile ones.
    pub fn evictable_len(&self, volatile: bool) -> usize {
        if volatile {
            self.expires.len()
        } else {
            self.keys.len()
        }
    }

    /// The evictable key at a dense index (see `Dict::at`).
    pub fn evictable_at(&self, volatile: bool, i: usize) -> &[u8] {
        if volatile {
            self.expires.at(i).0
        } else {
            self.keys.at(i).0
        }
    }

    /// Samples evictable keys from neighbouring buckets (see `Dict::some_keys`).
    pub fn sample_evictable(
        &self,
        volatile: bool,
        random: &mut impl FnMut() -> u64,
        count: usize,
        out: &mut Vec<usize>,
    ) {
        if volatile {
            self.expires.some_keys(random, count, out);
        } else {
            self.keys.some_keys(random, count, out);
        }
    }

    /// Whether `key` is still there for a policy to evict.
    pub fn is_evictable(&self, volatile: bool, key: &[u8]) -> bool {
        if volatile {
            self.expires.contains(key)
        } else {
            self.keys.contains(key)
        }
    }

    pub fn ttl_of(&self, key: &[u8]) -> Option<i64> {
        self.expires.get(key).copied()
    }

    pub fn clear(&mut self) {
        self.keys.clear();
        self.expires.clear();
        self.used = 0;
        if let Some(ix) = self.slots.as_mut() {
            ix.clear();
        }
    }
}
