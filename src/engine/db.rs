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
    fn size_of(&self, key: &[u8], value: &Value) -> u64 {
        let n = obj_size(key.len(), value);
        match self.slots {
            Some(_) => n.saturating_add(u64::from(PER_KEY_SLOT_OVERHEAD)),
            None => n,
        }
    }

    /// Stores an object under `key` (replacing any old one, whose TTL is left alone) and
    /// counts its size.
    pub fn insert(&mut self, key: &[u8], mut obj: Obj) {
        obj.acct = self.size_of(key, &obj.value);
        self.used += obj.acct;
        match self.keys.insert(key, obj) {
            Some(old) => self.used -= old.acct,
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
        self.used += acct;
        match self.keys.get_mut(key) {
            Some(o) => {
                self.used -= o.acct;
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
        self.used -= o.acct;
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
        self.used -= o.acct;
        if let Some(ix) = self.slots.as_mut() {
            ix.remove(key);
        }
        Some(o.acct + ttl)
    }

    /// Re-counts a key whose value was changed in place.
    pub fn settle(&mut self, key: &[u8]) {
        let extra = if self.slots.is_some() {
            u64::from(PER_KEY_SLOT_OVERHEAD)
        } else {
            0
        };
        if let Some(o) = self.keys.get_mut(key) {
            let now = obj_size(key.len(), &o.value).saturating_add(extra);
            self.used = self.used - o.acct + now;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cms::Cms;
    use crate::engine::inspect::{key_sds_size, PER_KEY_OVERHEAD};

    /// A Count-Min Sketch that reports `width × 8` bytes of counters (the module's
    /// MEMORY USAGE reads width × depth) without holding any: a big size, nothing
    /// allocated.
    fn sketch_of(width: u64) -> Value {
        Value::Cms(Box::new(Cms {
            width,
            depth: 1,
            count: 0,
            counters: Vec::new(),
        }))
    }

    fn obj(v: Value) -> Obj {
        Obj::new(v, Access { clock: 0, lfu: 0 })
    }

    /// What a key named `k` holding `sketch_of(width)` costs, counted here.
    fn charge(width: u64) -> u64 {
        PER_KEY_OVERHEAD + key_sds_size(1) + 8 + width * 8
    }

    #[test]
    fn a_key_past_4_gib_is_charged_exactly() {
        let gib = 1u64 << 30;
        let mut db = Db::default();
        // 5 GiB of counters: more than a u32 can count.
        let w = 5 * gib / 8;
        db.insert(b"k", obj(sketch_of(w)));
        assert!(charge(w) > u64::from(u32::MAX));
        assert_eq!(db.keys.get(b"k").unwrap().acct, charge(w));
        assert_eq!(db.used(), charge(w));
        // A second big key: the total is the exact sum.
        db.upsert(b"j", sketch_of(w + 1), |_| Access { clock: 0, lfu: 0 });
        assert_eq!(db.used(), charge(w) + charge(w + 1));
        // Grown in place to 9 GiB and re-counted.
        if let Some(Value::Cms(c)) = db.keys.get_mut(b"k").map(|o| &mut o.value) {
            c.width = 9 * gib / 8;
        }
        db.settle(b"k");
        assert_eq!(db.used(), charge(9 * gib / 8) + charge(w + 1));
        // Removing gives back exactly what was charged, to zero.
        assert_eq!(db.remove_freeing(b"k"), Some(charge(9 * gib / 8)));
        assert_eq!(db.remove(b"j").map(|o| o.acct), Some(charge(w + 1)));
        assert_eq!(db.used(), 0);
    }

    /// `acct` went from u32 to u64 in what was padding: an object is no bigger.
    #[test]
    fn a_64_bit_charge_keeps_obj_its_size() {
        #[allow(dead_code)]
        struct Narrow {
            value: Value,
            access: Access,
            acct: u32,
        }
        assert_eq!(std::mem::size_of::<Obj>(), std::mem::size_of::<Narrow>());
    }
}
