//! One logical database: its keys and, beside them, the deadlines of the volatile ones.
//!
//! Redis keeps expiries in a second table (`db->expires`) rather than in the value, so that
//! active expiry and the `volatile-*` eviction policies can sample volatile keys directly.
//! We do the same.

use super::dict::Dict;
use super::object::Obj;

#[derive(Default)]
pub struct Db {
    pub keys: Dict<Obj>,
    /// Absolute Unix time in milliseconds at which each volatile key expires.
    pub expires: Dict<i64>,
}

impl Db {
    /// Removes a key and its TTL.
    pub fn remove(&mut self, key: &[u8]) -> Option<Obj> {
        let o = self.keys.remove(key)?;
        self.expires.remove(key);
        Some(o)
    }

    pub fn ttl_of(&self, key: &[u8]) -> Option<i64> {
        self.expires.get(key).copied()
    }

    pub fn clear(&mut self) {
        self.keys.clear();
        self.expires.clear();
    }
}
