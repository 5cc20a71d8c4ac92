//! Hashes: field → value maps.
//!
//! Redis keeps a small hash (at most `hash-max-listpack-entries` fields, none of them and
//! no value longer than `hash-max-listpack-value` bytes) as a listpack: field and value
//! entries side by side in one allocation, in insertion order, looked up by a linear
//! scan. Past either limit it converts the hash, once and for good, to a hash table
//! (`hashtable` in OBJECT ENCODING), whose iteration order is the table's.
//!
//! Here one insertion-ordered map serves both encodings ([`indexmap::IndexMap`]: a hash
//! index over a dense vector), so lookups are O(1) either way; `listpack` records which
//! encoding Redis would be using, and so what OBJECT ENCODING, MEMORY USAGE and the
//! order of HGETALL/HKEYS/HVALS/HSCAN look like. In listpack encoding the order is
//! Redis's exactly: new fields are appended, updated fields keep their place, deleted
//! fields close the gap (`shift_remove`). In hashtable encoding Redis's order depends on
//! its hash function and table size; ours is insertion order with holes filled from the
//! end, so tests compare those replies as sets, as for KEYS and SCAN.

use indexmap::IndexMap;

use super::dict::KeyBuildHasher;
use super::inspect::{listpack_entry, sds_size};

#[derive(Clone, Debug, Default)]
pub struct Hash {
    map: IndexMap<Vec<u8>, Vec<u8>, KeyBuildHasher>,
    /// Whether Redis would still hold this hash as a listpack.
    pub listpack: bool,
    /// Running sums for the memory model, kept as fields come and go so that sizing a
    /// hash is O(1): its listpack entries, and its fields' and values' sds allocations.
    lp_bytes: u64,
    sds: u64,
}

impl PartialEq for Hash {
    fn eq(&self, o: &Hash) -> bool {
        self.listpack == o.listpack && self.map == o.map
    }
}

/// What one field/value pair adds to each running sum.
fn cost(field: &[u8], value: &[u8]) -> (u64, u64) {
    (
        listpack_entry(field) + listpack_entry(value),
        sds_size(field.len() as u64) + sds_size(value.len() as u64),
    )
}

impl Hash {
    pub fn new(listpack: bool) -> Hash {
        Hash {
            map: IndexMap::default(),
            listpack,
            lp_bytes: 0,
            sds: 0,
        }
    }

    /// Fields and values in the hash's order.
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Vec<u8>)> {
        self.map.iter()
    }

    /// The pair at a position of that order.
    pub fn get_index(&self, i: usize) -> Option<(&Vec<u8>, &Vec<u8>)> {
        self.map.get_index(i)
    }

    /// The listpack entries' bytes (what the listpack holds besides its header).
    pub fn listpack_bytes(&self) -> u64 {
        self.lp_bytes
    }

    /// The fields' and values' sds allocations (what a hash table holds besides entries).
    pub fn sds_bytes(&self) -> u64 {
        self.sds
    }

    fn add_cost(&mut self, field: &[u8], value: &[u8]) {
        let (lp, sds) = cost(field, value);
        self.lp_bytes += lp;
        self.sds += sds;
    }

    fn sub_cost(&mut self, field: &[u8], value: &[u8]) {
        let (lp, sds) = cost(field, value);
        self.lp_bytes -= lp;
        self.sds -= sds;
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn get(&self, field: &[u8]) -> Option<&Vec<u8>> {
        self.map.get(field)
    }

    /// Sets a field; true if it is new. A listpack converts to a hash table when the
    /// field or the value is longer than `max_value`, or the hash outgrows
    /// `max_entries` (Redis's `hashTypeTryConversion` and the length check after the
    /// insert).
    pub fn set(
        &mut self,
        field: &[u8],
        value: Vec<u8>,
        max_entries: usize,
        max_value: usize,
    ) -> bool {
        if self.listpack && (field.len() > max_value || value.len() > max_value) {
            self.listpack = false;
        }
        self.add_cost(field, &value);
        // A field already there keeps its place and its key (no copy of the name).
        let old = match self.map.get_mut(field) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => self.map.insert(field.to_vec(), value),
        };
        let new = match old {
            Some(old) => {
                self.sub_cost(field, &old);
                false
            }
            None => true,
        };
        if self.listpack && self.map.len() > max_entries {
            self.listpack = false;
        }
        new
    }

    /// Removes a field; true if it was there. Order is kept in a listpack; a hash table
    /// fills the hole with its last entry.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        let old = if self.listpack {
            self.map.shift_remove(field)
        } else {
            self.map.swap_remove(field)
        };
        match old {
            Some(v) => {
                self.sub_cost(field, &v);
                true
            }
            None => false,
        }
    }
}
