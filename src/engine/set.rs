//! Sets: unordered collections of distinct strings.
//!
//! Redis 7.0 keeps a set whose members are all integers (as `string2ll` reads them: no
//! `+`, no leading zero), and no more than `set-max-intset-entries` of them, as an intset:
//! a sorted array of 16-, 32- or 64-bit integers, the narrowest that fits them all. A
//! member that is not such an integer, or one too many, converts it for good to a hash
//! table (`hashtable` in OBJECT ENCODING), whose order is the table's.
//!
//! One insertion-ordered set ([`indexmap::IndexSet`]) serves both encodings here; `intset`
//! records which one Redis would use. An intset is read in ascending numeric order, as
//! Redis reads it; a hash table in our order, which differs from Redis's (its order
//! depends on its hash function), so tests compare those replies as sets.

use indexmap::IndexSet;

use super::dict::KeyBuildHasher;
use super::inspect::sds_size;
use super::util::parse_i64;

#[derive(Clone, Debug, Default)]
pub struct Set {
    members: IndexSet<Vec<u8>, KeyBuildHasher>,
    /// Whether Redis would hold this set as an intset.
    pub intset: bool,
    /// The members' sds allocations (a hash table's cost besides its entries), kept as
    /// members come and go.
    sds: u64,
}

impl PartialEq for Set {
    fn eq(&self, o: &Set) -> bool {
        self.intset == o.intset && self.members == o.members
    }
}

impl Set {
    /// An empty set in the encoding Redis creates for a first member `first`
    /// (`setTypeCreate`): an intset if it reads as an integer.
    pub fn for_first(first: &[u8]) -> Set {
        Set {
            intset: parse_i64(first).is_some(),
            ..Set::default()
        }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        self.members.contains(m)
    }

    /// Adds a member; true if it is new. A non-integer member, or an intset grown past
    /// `max_intset`, converts to a hash table.
    pub fn add(&mut self, m: &[u8], max_intset: usize) -> bool {
        if self.members.contains(m) {
            return false;
        }
        if self.intset && parse_i64(m).is_none() {
            self.intset = false;
        }
        self.members.insert(m.to_vec());
        self.sds += sds_size(m.len() as u64);
        if self.intset && self.members.len() > max_intset {
            self.intset = false;
        }
        true
    }

    /// Removes a member; true if it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        if self.members.swap_remove(m) {
            self.sds -= sds_size(m.len() as u64);
            true
        } else {
            false
        }
    }

    /// The member at position `i` of our storage order (for random picks).
    pub fn get_index(&self, i: usize) -> Option<&Vec<u8>> {
        self.members.get_index(i)
    }

    /// The members in the order Redis iterates them: ascending for an intset, the
    /// table's order otherwise.
    pub fn ordered(&self) -> Vec<&Vec<u8>> {
        let mut v: Vec<&Vec<u8>> = self.members.iter().collect();
        if self.intset {
            v.sort_by_key(|m| parse_i64(m).unwrap_or(0));
        }
        v
    }

    /// The intset's width: 2, 4 or 8 bytes a member, the narrowest that holds them all.
    pub fn intset_width(&self) -> u64 {
        self.members
            .iter()
            .filter_map(|m| parse_i64(m))
            .map(|v| {
                if i16::try_from(v).is_ok() {
                    2
                } else if i32::try_from(v).is_ok() {
                    4
                } else {
                    8
                }
            })
            .max()
            .unwrap_or(2)
    }

    pub fn sds_bytes(&self) -> u64 {
        self.sds
    }
}
