//! Lists: sequences with cheap pushes and pops at both ends.
//!
//! Redis 7.0 keeps every list as a quicklist (`quicklist` in OBJECT ENCODING): a doubly
//! linked list of nodes, each a listpack of up to `list-max-listpack-size` bytes (8 KB
//! at the default -2), so memory stays compact and both ends stay O(1).
//!
//! Here the elements live in a ring buffer ([`std::collections::VecDeque`]), which gives
//! the same costs at both ends; the quicklist is modelled for memory only: the running
//! sum of the elements' listpack entries, split into 8 KB nodes, each with its node
//! header, as `MEMORY USAGE` counts them.

use std::collections::VecDeque;

use super::inspect::listpack_entry;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct List {
    items: VecDeque<Vec<u8>>,
    /// The elements' listpack entries, in bytes (kept as elements come and go).
    entries: u64,
}

/// Which end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

impl End {
    pub fn parse(a: &[u8]) -> Option<End> {
        if a.eq_ignore_ascii_case(b"left") {
            Some(End::Left)
        } else if a.eq_ignore_ascii_case(b"right") {
            Some(End::Right)
        } else {
            None
        }
    }

    /// The keyspace event of a push or pop at this end.
    pub fn push_event(self) -> &'static str {
        match self {
            End::Left => "lpush",
            End::Right => "rpush",
        }
    }

    pub fn pop_event(self) -> &'static str {
        match self {
            End::Left => "lpop",
            End::Right => "rpop",
        }
    }
}

/// A quicklist node's listpack holds at most this many bytes (list-max-listpack-size -2).
const NODE_BYTES: u64 = 8192;

impl List {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn push(&mut self, end: End, v: Vec<u8>) {
        self.entries += listpack_entry(&v);
        match end {
            End::Left => self.items.push_front(v),
            End::Right => self.items.push_back(v),
        }
    }

    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let v = match end {
            End::Left => self.items.pop_front(),
            End::Right => self.items.pop_back(),
        }?;
        self.entries -= listpack_entry(&v);
        Some(v)
    }

    pub fn get(&self, i: usize) -> Option<&Vec<u8>> {
        self.items.get(i)
    }

    pub fn set(&mut self, i: usize, v: Vec<u8>) {
        if let Some(old) = self.items.get_mut(i) {
            self.entries -= listpack_entry(old);
            self.entries += listpack_entry(&v);
            *old = v;
        }
    }

    pub fn insert(&mut self, i: usize, v: Vec<u8>) {
        self.entries += listpack_entry(&v);
        self.items.insert(i, v);
    }

    pub fn remove(&mut self, i: usize) -> Option<Vec<u8>> {
        let v = self.items.remove(i)?;
        self.entries -= listpack_entry(&v);
        Some(v)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vec<u8>> + ExactSizeIterator {
        self.items.iter()
    }

    /// Keeps the elements from `start` to `end` inclusive (already clamped).
    pub fn keep(&mut self, start: usize, end_incl: usize) {
        let tail: Vec<Vec<u8>> = self.items.drain(end_incl + 1..).collect();
        let head: Vec<Vec<u8>> = self.items.drain(..start).collect();
        for v in tail.iter().chain(&head) {
            self.entries -= listpack_entry(v);
        }
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.entries = 0;
    }

    /// What the quicklist costs: its struct, and per 8 KB node the node header and the
    /// listpack (a 7-byte header and end, and the entries) as the allocator rounds it.
    pub fn bytes(&self) -> u64 {
        use super::inspect::alloc_size;
        const QUICKLIST: u64 = 40;
        const NODE: u64 = 40;
        let payload = self.entries.max(1);
        let nodes = payload.div_ceil(NODE_BYTES - 7).max(1);
        QUICKLIST + nodes * (NODE + alloc_size(7 + payload / nodes))
    }
}
