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
//!
//! The node boundaries themselves are modelled too, because DUMP and SAVE write a list
//! node by node (one listpack each): `nodes` holds each node's element count and
//! listpack size, kept by the rules of `quicklist.c` at the default
//! `list-max-listpack-size` -2 (a push joins the end node while its size plus the new
//! element's length plus 8 stays within 8 KB, else opens a node; LINSERT into a full
//! node goes to the neighbour, a new node, or splits the node and merges around it;
//! deletions drop emptied nodes and never merge). A list loaded from an RDB keeps the
//! nodes it was saved with, as Redis does.

use std::collections::VecDeque;

use super::inspect::listpack_entry;

#[derive(Clone, Debug, PartialEq)]
pub struct List {
    items: VecDeque<Vec<u8>>,
    /// The elements' listpack entries, in bytes (kept as elements come and go).
    entries: u64,
    /// The quicklist's nodes, head first: how many elements each holds and its
    /// listpack's size in bytes.
    nodes: VecDeque<QNode>,
    /// The quicklist's fill factor (`list-max-listpack-size` when it was made).
    fill: i32,
}

impl Default for List {
    fn default() -> List {
        List {
            items: VecDeque::new(),
            entries: 0,
            nodes: VecDeque::new(),
            fill: -2,
        }
    }
}

/// One quicklist node: its element count and listpack bytes (`node->count`, `node->sz`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QNode {
    pub count: u32,
    pub sz: u64,
}

/// An empty listpack: the 6-byte header and the end byte.
const LP_EMPTY: u64 = 7;
/// `optimization_level`: the size limits of fill -1 … -5.
const OPT_LEVEL: [u64; 5] = [4096, 8192, 16384, 32768, 65536];
/// `SIZE_SAFETY_LIMIT`: the most a count-limited node may hold.
const SAFETY_LIMIT: u64 = 8192;
/// `packed_threshold`: elements this long go in plain nodes.
const PACKED_THRESHOLD: u64 = 1 << 30;

fn meets_opt(sz: u64, fill: i32) -> bool {
    if fill >= 0 {
        return false;
    }
    let off = (-(fill as i64) - 1) as usize;
    off < OPT_LEVEL.len() && sz <= OPT_LEVEL[off]
}

/// `_quicklistNodeAllowInsert`: whether an element of `len` bytes may join `node`.
fn allow_insert(node: Option<&QNode>, fill: i32, len: u64) -> bool {
    let Some(n) = node else { return false };
    if len >= PACKED_THRESHOLD {
        return false;
    }
    let new_sz = n.sz + len + 8;
    if meets_opt(new_sz, fill) {
        true
    } else if new_sz > SAFETY_LIMIT {
        false
    } else {
        (n.count as i64) < fill as i64
    }
}

/// `_quicklistNodeAllowMerge`.
fn allow_merge(a: Option<&QNode>, b: Option<&QNode>, fill: i32) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    let merge_sz = (a.sz + b.sz).saturating_sub(11);
    if meets_opt(merge_sz, fill) {
        true
    } else if merge_sz > SAFETY_LIMIT {
        false
    } else {
        (a.count as i64 + b.count as i64) <= fill as i64
    }
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
        let e = listpack_entry(&v);
        self.entries += e;
        let len = v.len() as u64;
        match end {
            End::Left => {
                if allow_insert(self.nodes.front(), self.fill, len) {
                    let n = &mut self.nodes[0];
                    n.count += 1;
                    n.sz += e;
                } else {
                    self.nodes.push_front(QNode {
                        count: 1,
                        sz: LP_EMPTY + e,
                    });
                }
                self.items.push_front(v)
            }
            End::Right => {
                if allow_insert(self.nodes.back(), self.fill, len) {
                    let n = self.nodes.back_mut().expect("a node");
                    n.count += 1;
                    n.sz += e;
                } else {
                    self.nodes.push_back(QNode {
                        count: 1,
                        sz: LP_EMPTY + e,
                    });
                }
                self.items.push_back(v)
            }
        }
    }

    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let v = match end {
            End::Left => self.items.pop_front(),
            End::Right => self.items.pop_back(),
        }?;
        let e = listpack_entry(&v);
        self.entries -= e;
        let ni = match end {
            End::Left => 0,
            End::Right => self.nodes.len() - 1,
        };
        self.shrink_node(ni, e);
        Some(v)
    }

    /// Takes one element of `e` bytes out of node `ni`, dropping the node if emptied.
    fn shrink_node(&mut self, ni: usize, e: u64) {
        let n = &mut self.nodes[ni];
        n.count -= 1;
        n.sz -= e;
        if n.count == 0 {
            self.nodes.remove(ni);
        }
    }

    /// The node holding element `i`, and `i`'s offset in it.
    fn locate(&self, mut i: usize) -> (usize, usize) {
        for (ni, n) in self.nodes.iter().enumerate() {
            if i < n.count as usize {
                return (ni, i);
            }
            i -= n.count as usize;
        }
        (self.nodes.len().saturating_sub(1), i)
    }

    /// The quicklist's nodes, head first.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &QNode> {
        self.nodes.iter()
    }

    /// The elements node by node, head first (what DUMP writes, one listpack each).
    pub fn node_items(&self) -> Vec<Vec<&Vec<u8>>> {
        let mut it = self.items.iter();
        self.nodes
            .iter()
            .map(|n| it.by_ref().take(n.count as usize).collect())
            .collect()
    }

    /// A list made of the given nodes (as loaded from an RDB); empty nodes are skipped.
    pub fn from_nodes(nodes: Vec<Vec<Vec<u8>>>) -> List {
        let mut l = List::default();
        for node in nodes {
            if node.is_empty() {
                continue;
            }
            let mut q = QNode {
                count: 0,
                sz: LP_EMPTY,
            };
            for v in node {
                let e = listpack_entry(&v);
                l.entries += e;
                q.count += 1;
                q.sz += e;
                l.items.push_back(v);
            }
            l.nodes.push_back(q);
        }
        l
    }

    /// The fill factor (`list-max-listpack-size` when the list was made).
    pub fn fill(&self) -> i32 {
        self.fill
    }

    /// Sets the fill factor (`list-max-listpack-size`) new nodes are made under.
    pub fn set_fill(&mut self, fill: i32) {
        self.fill = fill.clamp(-5, (1 << 15) - 1);
    }

    pub fn get(&self, i: usize) -> Option<&Vec<u8>> {
        self.items.get(i)
    }

    pub fn set(&mut self, i: usize, v: Vec<u8>) {
        let (ni, _) = self.locate(i);
        if let Some(old) = self.items.get_mut(i) {
            let (was, now) = (listpack_entry(old), listpack_entry(&v));
            self.entries = self.entries - was + now;
            let n = &mut self.nodes[ni];
            n.sz = n.sz - was + now;
            *old = v;
        }
    }

    /// Inserts `v` next to element `pivot` (after it, or before), as LINSERT does
    /// (`_quicklistInsert`: into the pivot's node, its neighbour, a new node, or a split
    /// of the node followed by merges around it).
    pub fn insert_at(&mut self, pivot: usize, after: bool, v: Vec<u8>) {
        if pivot >= self.items.len() {
            return;
        }
        let e = listpack_entry(&v);
        let len = v.len() as u64;
        let fill = self.fill;
        let (ni, off) = self.locate(pivot);
        let node = self.nodes[ni];
        let full = !allow_insert(Some(&node), fill, len);
        let at_tail = after && off + 1 == node.count as usize;
        let at_head = !after && off == 0;
        let avail_next = at_tail && allow_insert(self.nodes.get(ni + 1), fill, len);
        let avail_prev = at_head && ni > 0 && allow_insert(self.nodes.get(ni - 1), fill, len);
        self.entries += e;
        self.items.insert(pivot + after as usize, v);
        let grow = |n: &mut QNode| {
            n.count += 1;
            n.sz += e;
        };
        if !full {
            grow(&mut self.nodes[ni]);
        } else if at_tail && avail_next {
            grow(&mut self.nodes[ni + 1]);
        } else if at_head && avail_prev {
            grow(&mut self.nodes[ni - 1]);
        } else if at_tail || at_head {
            let fresh = QNode {
                count: 1,
                sz: LP_EMPTY + e,
            };
            self.nodes.insert(if after { ni + 1 } else { ni }, fresh);
        } else {
            // Split the node around the pivot; the new half takes the element.
            let start = pivot - off;
            let sizes: Vec<u64> = self
                .items
                .iter()
                .skip(start)
                .take(node.count as usize + 1)
                .map(|x| listpack_entry(x))
                .collect();
            // `sizes` covers the node's elements with the new one at `new_at`; the
            // others split around the pivot (after: it stays; before: it moves on).
            let new_at = off + after as usize;
            let (mut keep, mut moved) = (
                QNode {
                    count: 0,
                    sz: LP_EMPTY,
                },
                QNode {
                    count: 0,
                    sz: LP_EMPTY,
                },
            );
            for (k, s) in sizes.iter().enumerate().filter(|(k, _)| *k != new_at) {
                let k = if k > new_at { k - 1 } else { k };
                let stays = if after { k <= off } else { k >= off };
                let side = if stays { &mut keep } else { &mut moved };
                side.count += 1;
                side.sz += s;
            }
            let orig = keep;
            let fresh = QNode {
                count: moved.count + 1,
                sz: moved.sz + e,
            };
            self.nodes[ni] = orig;
            let center = if after {
                self.nodes.insert(ni + 1, fresh);
                ni
            } else {
                self.nodes.insert(ni, fresh);
                ni + 1
            };
            self.merge_around(center);
        }
    }

    /// Merges nodes `a` and `a + 1` into one (`_quicklistListpackMerge`).
    fn merge_pair(&mut self, a: usize) {
        let b = self.nodes.remove(a + 1).expect("a next node");
        let n = &mut self.nodes[a];
        n.count += b.count;
        n.sz = n.sz + b.sz - LP_EMPTY;
    }

    /// `_quicklistMergeNodes` around node `c`.
    fn merge_around(&mut self, mut c: usize) {
        let fill = self.fill;
        let get = |s: &Self, i: isize| -> Option<QNode> {
            if i < 0 {
                None
            } else {
                s.nodes.get(i as usize).copied()
            }
        };
        let ci = c as isize;
        if allow_merge(get(self, ci - 1).as_ref(), get(self, ci - 2).as_ref(), fill) {
            self.merge_pair(c - 2);
            c -= 1;
        }
        let ci = c as isize;
        if allow_merge(get(self, ci + 1).as_ref(), get(self, ci + 2).as_ref(), fill) {
            self.merge_pair(c + 1);
        }
        let ci = c as isize;
        let target = if allow_merge(get(self, ci).as_ref(), get(self, ci - 1).as_ref(), fill) {
            self.merge_pair(c - 1);
            c - 1
        } else {
            c
        };
        let ti = target as isize;
        if allow_merge(get(self, ti).as_ref(), get(self, ti + 1).as_ref(), fill) {
            self.merge_pair(target);
        }
    }

    pub fn remove(&mut self, i: usize) -> Option<Vec<u8>> {
        let (ni, _) = self.locate(i);
        let v = self.items.remove(i)?;
        let e = listpack_entry(&v);
        self.entries -= e;
        self.shrink_node(ni, e);
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
        for v in head {
            self.shrink_node(0, listpack_entry(&v));
        }
        for v in tail.iter().rev() {
            let last = self.nodes.len() - 1;
            self.shrink_node(last, listpack_entry(v));
        }
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.entries = 0;
        self.nodes.clear();
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
