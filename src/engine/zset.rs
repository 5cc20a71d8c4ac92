//! Sorted sets: a skip list ordered by (score, member) plus a member → score map.
//!
//! # Why a skip list
//! A skip list keeps elements in order like a balanced tree, but is simpler to get right:
//! every node is on level 1, and each node also appears on level k+1 with probability
//! P = 1/4, so higher levels are express lanes that skip most nodes. A search walks right
//! along the top lane while the next node is still smaller, then drops a level; on
//! average that visits O(log n) nodes. Every forward link also records its *span*, the
//! number of level-1 steps it jumps, so adding spans along a search gives an element's
//! rank in O(log n) (ZRANK), and walking by spans finds the element at a rank
//! (ZRANGE 1000 1010).
//!
//! The map answers ZSCORE and membership in O(1), and tells ZADD which node to move when
//! a score changes.
//!
//! # Encodings
//! Redis keeps small sets (at most `zset-max-listpack-entries` members, none longer than
//! `zset-max-listpack-value` bytes) in a flat listpack and switches to the skip list
//! for good once either limit is passed. We always use the skip list, and remember which
//! encoding Redis would report (OBJECT ENCODING), including one visible quirk: a listpack
//! stores a score of -0 as 0.
//!
//! Nodes live in one arena (`Vec`) and link by index; freed slots are reused.

use rand::RngExt;

/// Most levels a node can have (enough for 4^32 elements).
pub const MAX_LEVEL: usize = 32;
/// The chance that a node reaching level k also reaches level k + 1 is 1/4 (two random
/// bits both zero, in `random_level`).
const NIL: u32 = u32::MAX;
const HEAD: u32 = 0;

/// One forward link of one node. Besides the target and the span, it caches the target's
/// score and where the target's own links start, so a search step reads this one record
/// and touches the target node only to break a tie on equal scores.
#[derive(Clone, Copy, Debug)]
struct Link {
    forward: u32,
    fwd_links: u32,
    span: u64,
    fwd_score: f64,
}

const NO_LINK: Link = Link {
    forward: NIL,
    fwd_links: 0,
    span: 0,
    fwd_score: 0.0,
};

#[derive(Clone, Debug)]
struct Node {
    member: Vec<u8>,
    score: f64,
    backward: u32,
    /// Index of this node's level-1 link in `links`; its levels follow contiguously.
    first: u32,
    level: u8,
}

/// (score, member) ordering: by score, then by member bytes.
fn before(score: f64, member: &[u8], s2: f64, m2: &[u8]) -> bool {
    score < s2 || (score == s2 && member < m2)
}

#[derive(Clone, Debug)]
pub struct SkipList {
    nodes: Vec<Node>,
    links: Vec<Link>,
    free_nodes: Vec<u32>,
    /// Freed link runs, by level count.
    free_links: Vec<Vec<u32>>,
    tail: u32,
    level: usize,
    len: usize,
    /// xorshift64* state for node levels: cheap, and deterministic from its seed.
    seed: u64,
}

impl Default for SkipList {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a search stopped on each level: the node, and where its links start.
#[derive(Clone, Copy)]
struct Pos {
    node: u32,
    links: u32,
}

impl SkipList {
    pub fn new() -> SkipList {
        SkipList {
            nodes: vec![Node {
                member: Vec::new(),
                score: 0.0,
                backward: NIL,
                first: 0,
                level: MAX_LEVEL as u8,
            }],
            links: vec![NO_LINK; MAX_LEVEL],
            free_nodes: Vec::new(),
            free_links: vec![Vec::new(); MAX_LEVEL + 1],
            tail: NIL,
            level: 1,
            len: 0,
            seed: 0x2545_f491_4f6c_dd1d,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Levels in use (the height of the tallest node).
    pub fn levels(&self) -> usize {
        self.level
    }

    /// A node's level: 1, then one more with probability P = 1/4 each time (two random
    /// bits both zero) from a xorshift64* generator.
    fn random_level(&mut self) -> usize {
        let mut x = self.seed;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.seed = x;
        let mut bits = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let mut lvl = 1;
        while lvl < MAX_LEVEL && bits & 3 == 0 {
            lvl += 1;
            bits >>= 2;
        }
        lvl
    }

    /// Seeds the level generator (the engine does so from its RNG).
    pub fn reseed(&mut self, seed: u64) {
        self.seed = seed | 1;
    }

    fn link(&self, base: u32, i: usize) -> &Link {
        &self.links[base as usize + i]
    }

    /// Walks down from the top level, advancing while `go(score, node)` holds, and
    /// returns where it stopped on each level and the rank reached on each level.
    fn descend(&self, go: impl Fn(f64, u32) -> bool) -> ([Pos; MAX_LEVEL], [u64; MAX_LEVEL]) {
        let mut update = [Pos {
            node: HEAD,
            links: 0,
        }; MAX_LEVEL];
        let mut rank = [0u64; MAX_LEVEL];
        let mut x = Pos {
            node: HEAD,
            links: 0,
        };
        let mut r = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x.links, i);
                if l.forward == NIL || !go(l.fwd_score, l.forward) {
                    break;
                }
                r += l.span;
                x = Pos {
                    node: l.forward,
                    links: l.fwd_links,
                };
            }
            update[i] = x;
            rank[i] = r;
        }
        (update, rank)
    }

    /// Inserts a member that is not present yet.
    pub fn insert(&mut self, score: f64, member: Vec<u8>) {
        let (mut update, mut rank) = self
            .descend(|s, n| s < score || (s == score && self.nodes[n as usize].member < member));
        let lvl = self.random_level();
        if lvl > self.level {
            for i in self.level..lvl {
                rank[i] = 0;
                update[i] = Pos {
                    node: HEAD,
                    links: 0,
                };
                self.links[i].span = self.len as u64;
            }
            self.level = lvl;
        }
        let base = match self.free_links[lvl].pop() {
            Some(b) => b,
            None => {
                self.links.extend(std::iter::repeat_n(NO_LINK, lvl));
                (self.links.len() - lvl) as u32
            }
        };
        let node = Node {
            member,
            score,
            backward: if update[0].node == HEAD {
                NIL
            } else {
                update[0].node
            },
            first: base,
            level: lvl as u8,
        };
        let id = match self.free_nodes.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        for i in 0..lvl {
            let u = update[i].links as usize + i;
            let ul = self.links[u];
            self.links[base as usize + i] = Link {
                span: ul.span - (rank[0] - rank[i]),
                ..ul
            };
            self.links[u] = Link {
                forward: id,
                fwd_links: base,
                span: (rank[0] - rank[i]) + 1,
                fwd_score: score,
            };
        }
        for (i, u) in update.iter().enumerate().take(self.level).skip(lvl) {
            self.links[u.links as usize + i].span += 1;
        }
        let next = self.links[base as usize].forward;
        if next == NIL {
            self.tail = id;
        } else {
            self.nodes[next as usize].backward = id;
        }
        self.len += 1;
    }

    /// Removes (score, member); false if it is not there.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let (update, _) = self.descend(|s, n| {
            s < score || (s == score && self.nodes[n as usize].member[..] < *member)
        });
        let target = self.link(update[0].links, 0).forward;
        if target == NIL {
            return false;
        }
        let t = &self.nodes[target as usize];
        if t.score != score || t.member != member {
            return false;
        }
        let (tfirst, tlevel) = (t.first, t.level as usize);
        for (i, u) in update.iter().enumerate().take(self.level) {
            let u = u.links as usize + i;
            if self.links[u].forward == target {
                let tl = self.links[tfirst as usize + i];
                self.links[u] = Link {
                    span: self.links[u].span + tl.span - 1,
                    ..tl
                };
            } else {
                self.links[u].span -= 1;
            }
        }
        let next = self.links[tfirst as usize].forward;
        let back = self.nodes[target as usize].backward;
        if next == NIL {
            self.tail = back;
        } else {
            self.nodes[next as usize].backward = back;
        }
        while self.level > 1 && self.links[self.level - 1].forward == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        self.nodes[target as usize].member = Vec::new();
        self.free_nodes.push(target);
        self.free_links[tlevel].push(tfirst);
        true
    }

    /// Changes the score of (old, member) to `new`. When the node stays between its
    /// neighbours it is updated in place (one descent, as Redis's `zslUpdateScore`);
    /// otherwise it is removed and inserted again. False if the member is not there.
    pub fn update_score(&mut self, old: f64, member: &[u8], new: f64) -> bool {
        let (update, _) = self
            .descend(|s, n| s < old || (s == old && self.nodes[n as usize].member[..] < *member));
        let target = self.link(update[0].links, 0).forward;
        if target == NIL {
            return false;
        }
        let t = &self.nodes[target as usize];
        if t.score != old || t.member != member {
            return false;
        }
        let back_ok = t.backward == NIL || {
            let b = &self.nodes[t.backward as usize];
            before(b.score, &b.member, new, member)
        };
        let next = self.links[t.first as usize].forward;
        let next_ok = next == NIL || {
            let f = &self.nodes[next as usize];
            before(new, member, f.score, &f.member)
        };
        if back_ok && next_ok {
            self.nodes[target as usize].score = new;
            for (i, u) in update.iter().enumerate().take(self.level) {
                let l = &mut self.links[u.links as usize + i];
                if l.forward == target {
                    l.fwd_score = new;
                }
            }
            return true;
        }
        let owned = self.nodes[target as usize].member.clone();
        self.remove(old, member);
        self.insert(new, owned);
        true
    }

    /// 0-based rank of (score, member), if present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<u64> {
        let (update, rank) = self.descend(|s, n| {
            s < score || (s == score && self.nodes[n as usize].member[..] <= *member)
        });
        let x = update[0].node;
        (x != HEAD
            && self.nodes[x as usize].score == score
            && self.nodes[x as usize].member == member)
            .then(|| rank[0] - 1)
    }

    /// The node at 0-based rank `r`.
    fn node_at(&self, r: u64) -> u32 {
        let target = r + 1;
        let mut x = Pos {
            node: HEAD,
            links: 0,
        };
        let mut traversed = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x.links, i);
                if l.forward == NIL || traversed + l.span > target {
                    break;
                }
                traversed += l.span;
                x = Pos {
                    node: l.forward,
                    links: l.fwd_links,
                };
            }
            if traversed == target {
                return x.node;
            }
        }
        NIL
    }

    /// The path a search for (score, member) takes: (level, rank of the node reached)
    /// per step, for the panel's drawing of how ZRANK and ZSCORE walk the levels.
    pub fn search_path(&self, score: f64, member: &[u8]) -> Vec<(usize, Option<u64>)> {
        let mut path = Vec::new();
        let mut x = Pos {
            node: HEAD,
            links: 0,
        };
        let mut rank = 0u64;
        for i in (0..self.level).rev() {
            let mut moved = false;
            loop {
                let l = self.link(x.links, i);
                if l.forward == NIL {
                    break;
                }
                let n = &self.nodes[l.forward as usize];
                if !(before(n.score, &n.member, score, member)
                    || (n.score == score && n.member == member))
                {
                    break;
                }
                rank += l.span;
                x = Pos {
                    node: l.forward,
                    links: l.fwd_links,
                };
                path.push((i, Some(rank - 1)));
                moved = true;
            }
            if !moved {
                path.push((i, (x.node != HEAD).then(|| rank - 1)));
            }
        }
        path
    }

    /// Every element in order with its level count, for drawing small skip lists.
    pub fn levels_in_order(&self) -> Vec<(&[u8], f64, usize)> {
        let mut out = Vec::with_capacity(self.len);
        let mut x = self.links[0].forward;
        while x != NIL {
            let n = &self.nodes[x as usize];
            out.push((&n.member[..], n.score, n.level as usize));
            x = self.links[n.first as usize].forward;
        }
        out
    }

    fn next(&self, x: u32, reverse: bool) -> u32 {
        let n = &self.nodes[x as usize];
        if reverse {
            n.backward
        } else {
            self.links[n.first as usize].forward
        }
    }

    /// Elements from 0-based rank `start`, `count` of them, forwards or backwards.
    pub fn range_by_rank(&self, start: u64, count: u64, reverse: bool) -> Vec<(&[u8], f64)> {
        let mut out = Vec::with_capacity(count.min(1 << 16) as usize);
        if start >= self.len as u64 {
            return out;
        }
        let mut x = if reverse {
            self.node_at(self.len as u64 - 1 - start)
        } else {
            self.node_at(start)
        };
        while x != NIL && (out.len() as u64) < count {
            let n = &self.nodes[x as usize];
            out.push((&n.member[..], n.score));
            x = self.next(x, reverse);
        }
        out
    }

    /// Iterates from the first element for which `below` is false (or, in reverse, from
    /// the last element for which `above` is false). The tests get the score and the
    /// node, so score ranges never touch members.
    fn walk<'a>(
        &'a self,
        reverse: bool,
        below: impl Fn(f64, u32) -> bool,
        above: impl Fn(f64, u32) -> bool,
    ) -> impl Iterator<Item = (&'a [u8], f64)> + 'a {
        let mut x = if !reverse {
            let (update, _) = self.descend(below);
            self.link(update[0].links, 0).forward
        } else {
            let (update, _) = self.descend(|s, n| !above(s, n));
            if update[0].node == HEAD {
                NIL
            } else {
                update[0].node
            }
        };
        std::iter::from_fn(move || {
            if x == NIL {
                return None;
            }
            let n = &self.nodes[x as usize];
            x = self.next(x, reverse);
            Some((&n.member[..], n.score))
        })
    }

    fn member(&self, n: u32) -> &[u8] {
        &self.nodes[n as usize].member
    }

    /// Elements whose score lies in `r`, in order (or reversed).
    pub fn iter_score<'a>(
        &'a self,
        r: &'a ScoreRange,
        reverse: bool,
    ) -> impl Iterator<Item = (&'a [u8], f64)> + 'a {
        let it = self.walk(reverse, |s, _| !r.gte_min(s), |s, _| !r.lte_max(s));
        it.take_while(move |&(_, s)| if reverse { r.gte_min(s) } else { r.lte_max(s) })
    }

    /// Walks down from the top level while `go(score)` holds on the next node; the node
    /// it stops at and its rank from 1 (the head: 0), that is how many nodes `go` holds
    /// for. The search of [`descend`](Self::descend) without the path.
    fn seek(&self, go: impl Fn(f64) -> bool) -> (u32, u64) {
        let mut x = HEAD;
        let mut links = 0;
        let mut r = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(links, i);
                if l.forward == NIL || !go(l.fwd_score) {
                    break;
                }
                r += l.span;
                x = l.forward;
                links = l.fwd_links;
            }
        }
        (x, r)
    }

    /// The elements whose score lies in `r`: how many there are, and an iterator over
    /// them in order (or reversed). Two descents find the first and the last, so the
    /// count comes before the walk (a reply is sized once; ZCOUNT needs no walk, as
    /// Redis's zslGetRank-based count).
    pub fn score_span<'a>(
        &'a self,
        r: &ScoreRange,
        reverse: bool,
    ) -> (usize, impl Iterator<Item = (&'a [u8], f64)> + 'a) {
        let (below, below_rank) = self.seek(|s| !r.gte_min(s));
        let (upto, upto_rank) = self.seek(|s| r.lte_max(s));
        let count = upto_rank.saturating_sub(below_rank) as usize;
        let start = if count == 0 {
            NIL
        } else if reverse {
            upto
        } else {
            self.links[self.nodes[below as usize].first as usize].forward
        };
        (count, self.iter_from(start, reverse).take(count))
    }

    /// Where Redis starts a lexical range walk, and the walk from there on, forwards
    /// (or backwards), element after element with no range check: the caller skips its
    /// offset and stops at the first element out of range ([`LexRange::holds_end`]), as
    /// Redis's ZRANGEBYLEX does.
    ///
    /// Lex ranges assume one score for all members; on a set with several scores Redis
    /// answers from how it finds the start, and so does this. Both encodings first check
    /// the range against the first and last elements and give up when it misses them
    /// (`zslIsInLexRange`/`zzlIsInLexRange`). A listpack (`linear`) is then scanned from
    /// its head (or tail) to the first element past the range's near end; a skip list is
    /// descended level by level. Either way, a start beyond the far end means no match.
    pub fn iter_lex<'a>(
        &'a self,
        r: &'a LexRange,
        reverse: bool,
        linear: bool,
    ) -> impl Iterator<Item = (&'a [u8], f64)> + 'a {
        let start = if self.lex_reachable(r) {
            self.lex_start(r, reverse, linear)
        } else {
            NIL
        };
        self.iter_from(start, reverse)
    }

    /// The start of ZREMRANGEBYLEX's walk on a skip list: Redis descends to the first
    /// element not below the minimum without the first/last check of the range queries.
    pub fn iter_lex_unchecked<'a>(
        &'a self,
        r: &'a LexRange,
    ) -> impl Iterator<Item = (&'a [u8], f64)> + 'a {
        let (update, _) = self.descend(|_, n| !r.gte_min(self.member(n)));
        self.iter_from(self.link(update[0].links, 0).forward, false)
    }

    /// ZLEXCOUNT as Redis counts it: a listpack counts from the first element in range
    /// while elements stay in range; a skip list subtracts the ranks of the first and
    /// last elements in range.
    pub fn lex_count(&self, r: &LexRange, linear: bool) -> i64 {
        if linear {
            return self
                .iter_lex(r, false, true)
                .take_while(|&(m, _)| r.lte_max(m))
                .count() as i64;
        }
        if !self.lex_reachable(r) {
            return 0;
        }
        let rank_of = |x: u32| {
            let n = &self.nodes[x as usize];
            self.rank(n.score, &n.member).map_or(0, |r| r as i64 + 1)
        };
        let first = self.lex_start(r, false, false);
        if first == NIL {
            return 0;
        }
        let len = self.len as i64;
        let mut count = len - (rank_of(first) - 1);
        let last = self.lex_start(r, true, false);
        if last != NIL {
            count -= len - rank_of(last);
        }
        count
    }

    /// zslIsInLexRange: the range is not empty, the last element is not below its
    /// minimum and the first is not above its maximum.
    fn lex_reachable(&self, r: &LexRange) -> bool {
        let first = self.links[0].forward;
        if r.is_empty() || first == NIL {
            return false;
        }
        r.gte_min(self.member(self.tail)) && r.lte_max(self.member(first))
    }

    /// The first element in range (the last, `reverse`), found as Redis finds it, or NIL.
    fn lex_start(&self, r: &LexRange, reverse: bool, linear: bool) -> u32 {
        let x = match (linear, reverse) {
            (true, false) => self
                .nodes_from(self.links[0].forward, false)
                .find(|&x| r.gte_min(self.member(x)))
                .unwrap_or(NIL),
            (true, true) => self
                .nodes_from(self.tail, true)
                .find(|&x| r.lte_max(self.member(x)))
                .unwrap_or(NIL),
            (false, false) => {
                let (update, _) = self.descend(|_, n| !r.gte_min(self.member(n)));
                self.link(update[0].links, 0).forward
            }
            (false, true) => {
                let (update, _) = self.descend(|_, n| r.lte_max(self.member(n)));
                match update[0].node {
                    HEAD => NIL,
                    x => x,
                }
            }
        };
        if x == NIL {
            return NIL;
        }
        let m = self.member(x);
        let inside = if reverse { r.gte_min(m) } else { r.lte_max(m) };
        if inside {
            x
        } else {
            NIL
        }
    }

    /// Node indexes from `x` on, forwards or backwards.
    fn nodes_from(&self, mut x: u32, reverse: bool) -> impl Iterator<Item = u32> + '_ {
        std::iter::from_fn(move || {
            if x == NIL {
                return None;
            }
            let here = x;
            x = self.next(x, reverse);
            Some(here)
        })
    }

    /// Elements from node `x` on, forwards or backwards.
    fn iter_from(&self, x: u32, reverse: bool) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        self.nodes_from(x, reverse).map(|x| {
            let n = &self.nodes[x as usize];
            (&n.member[..], n.score)
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> {
        self.range_by_rank(0, self.len as u64, false).into_iter()
    }

    /// Checks every invariant (order, spans, cached scores, back links, length); for
    /// tests.
    pub fn check(&self) -> Result<(), String> {
        let mut count = 0u64;
        let mut x = self.links[0].forward;
        let mut prev = NIL;
        while x != NIL {
            let n = &self.nodes[x as usize];
            if n.backward != prev {
                return Err(format!("bad backward link at rank {count}"));
            }
            if prev != NIL {
                let p = &self.nodes[prev as usize];
                if !before(p.score, &p.member, n.score, &n.member) {
                    return Err(format!("out of order at rank {count}"));
                }
            }
            prev = x;
            x = self.links[n.first as usize].forward;
            count += 1;
        }
        if count != self.len as u64 || self.tail != prev {
            return Err("length or tail mismatch".into());
        }
        for i in 0..self.level {
            let mut base = 0u32;
            let mut rank = 0u64;
            loop {
                let l = *self.link(base, i);
                if l.forward == NIL {
                    break;
                }
                rank += l.span;
                let f = &self.nodes[l.forward as usize];
                if l.fwd_score != f.score || l.fwd_links != f.first {
                    return Err(format!("stale cached link on level {i}"));
                }
                if self.rank(f.score, &f.member) != Some(rank - 1) {
                    return Err(format!("bad span on level {i}"));
                }
                base = l.fwd_links;
            }
        }
        Ok(())
    }
}

/// A score interval, ends open or closed (`(1.5` is open).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub minex: bool,
    pub maxex: bool,
}

impl ScoreRange {
    pub fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }
    pub fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lexical range: `-`, `+`, `[x` or `(x`.
#[derive(Clone, Debug, PartialEq)]
pub enum LexBound {
    MinusInf,
    PlusInf,
    Incl(Vec<u8>),
    Excl(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

impl LexBound {
    pub fn parse(a: &[u8]) -> Option<LexBound> {
        match a.first()? {
            // Redis tests `c[1] != '\0'` on the C string: "+\0..." is "+".
            b'+' if a.get(1).is_none_or(|&c| c == 0) => Some(LexBound::PlusInf),
            b'-' if a.get(1).is_none_or(|&c| c == 0) => Some(LexBound::MinusInf),
            b'[' => Some(LexBound::Incl(a[1..].to_vec())),
            b'(' => Some(LexBound::Excl(a[1..].to_vec())),
            _ => None,
        }
    }
}

impl LexRange {
    /// Redis's test for "always empty" (`sdscmplex(min, max) > 0`, or equal with an
    /// exclusive end). `-` and `+` count as exclusive.
    pub fn is_empty(&self) -> bool {
        use std::cmp::Ordering::*;
        use LexBound::*;
        let (cmp, ex) = match (&self.min, &self.max) {
            (MinusInf, MinusInf) | (PlusInf, PlusInf) => (Equal, true),
            (MinusInf, _) | (_, PlusInf) => (Less, false),
            (PlusInf, _) | (_, MinusInf) => (Greater, false),
            (Incl(a) | Excl(a), Incl(b) | Excl(b)) => (
                a.cmp(b),
                matches!(self.min, Excl(_)) || matches!(self.max, Excl(_)),
            ),
        };
        cmp == Greater || (cmp == Equal && ex)
    }

    /// Whether `m` is still inside the far end of a walk: below the maximum going
    /// forwards, above the minimum going backwards.
    pub fn holds_end(&self, m: &[u8], reverse: bool) -> bool {
        if reverse {
            self.gte_min(m)
        } else {
            self.lte_max(m)
        }
    }

    pub fn gte_min(&self, m: &[u8]) -> bool {
        match &self.min {
            LexBound::MinusInf => true,
            LexBound::PlusInf => false,
            LexBound::Incl(x) => m >= &x[..],
            LexBound::Excl(x) => m > &x[..],
        }
    }
    pub fn lte_max(&self, m: &[u8]) -> bool {
        match &self.max {
            LexBound::MinusInf => false,
            LexBound::PlusInf => true,
            LexBound::Incl(x) => m <= &x[..],
            LexBound::Excl(x) => m < &x[..],
        }
    }
}

/// A sorted set value.
#[derive(Clone, Debug, Default)]
pub struct ZSet {
    pub dict: std::collections::HashMap<Vec<u8>, f64, super::dict::KeyBuildHasher>,
    pub zsl: SkipList,
    /// Whether Redis would still hold this set as a listpack.
    pub listpack: bool,
    /// The summed length of all members, kept so the memory estimate is O(1).
    member_bytes: usize,
}

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        self.dict == other.dict
    }
}

/// What ZADD did to one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    Updated,
    Nop,
}

impl ZSet {
    pub fn new(listpack: bool) -> ZSet {
        ZSet {
            listpack,
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.dict.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.dict.get(member).copied()
    }

    /// A score as replies show it: a listpack stores -0 as 0.
    pub fn shown(&self, score: f64) -> f64 {
        if self.listpack && score == 0.0 {
            0.0
        } else {
            score
        }
    }

    /// Leaves the listpack encoding once the set grows past the configured limits.
    pub fn convert_if_needed(&mut self, max_entries: usize, max_value: usize, member_len: usize) {
        if self.listpack && (self.len() > max_entries || member_len > max_value) {
            self.listpack = false;
        }
    }

    pub fn insert(&mut self, member: &[u8], score: f64, rng: &mut impl rand::Rng) {
        if self.zsl.is_empty() {
            self.zsl.reseed(rng.random());
        }
        if self.dict.insert(member.to_vec(), score).is_none() {
            self.member_bytes += member.len();
        }
        self.zsl.insert(score, member.to_vec());
    }

    /// The summed length of all members.
    pub fn member_bytes(&self) -> usize {
        self.member_bytes
    }

    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let score = self.dict.remove(member)?;
        self.member_bytes -= member.len();
        self.zsl.remove(score, member);
        Some(score)
    }

    /// Sets a member's score (moving its node only if it must) and returns the old one.
    pub fn set_score(
        &mut self,
        member: &[u8],
        score: f64,
        rng: &mut impl rand::Rng,
    ) -> Option<f64> {
        match self.dict.get_mut(member) {
            Some(cur) => {
                let old = *cur;
                *cur = score;
                self.zsl.update_score(old, member, score);
                Some(old)
            }
            None => {
                self.insert(member, score, rng);
                None
            }
        }
    }

    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<u64> {
        let score = self.score(member)?;
        let r = self.zsl.rank(score, member)?;
        Some(if reverse {
            self.len() as u64 - 1 - r
        } else {
            r
        })
    }
}

/// Parses a score as Redis's `string2d` (C's strtod with Redis's checks): decimal or
/// hexadecimal, `inf`/`infinity` with a sign, no leading space, no NaN, and neither
/// overflow to infinity nor underflow to zero.
pub fn parse_score(a: &[u8]) -> Option<f64> {
    // Digits only, at most 15 of them (an optional sign first): an integer below 2⁵³,
    // exact as a double, so strtod's value without the float parser (the common case of
    // ZADD scores and TDIGEST.ADD values).
    let (neg, digits) = match a.first()? {
        b'-' => (true, &a[1..]),
        b'+' => (false, &a[1..]),
        _ => (false, a),
    };
    if !digits.is_empty() && digits.len() <= 15 {
        let mut n = 0u64;
        let mut all_digits = true;
        for &c in digits {
            let d = c.wrapping_sub(b'0');
            all_digits &= d <= 9;
            n = n * 10 + u64::from(d);
        }
        if all_digits {
            let v = n as f64;
            return Some(if neg { -v } else { v });
        }
    }
    let text = std::str::from_utf8(a).ok()?;
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // Plain decimal text, the usual case: Rust's parser rounds correctly, as strtod does.
    let b = body.as_bytes();
    if b.first().is_some_and(|c| c.is_ascii_digit() || *c == b'.')
        && b.iter().all(|c| c.is_ascii_digit() || b".eE+-".contains(c))
    {
        let v: f64 = body.parse().ok()?;
        let mantissa = body.split(['e', 'E']).next().unwrap_or("");
        // strtod's range errors: overflow, or a non-zero number that underflows to 0.
        if v.is_infinite() || (v == 0.0 && mantissa.bytes().any(|c| (b'1'..=b'9').contains(&c))) {
            return None;
        }
        return Some(if neg { -v } else { v });
    }
    let v = strtod_exact(body)?;
    Some(if neg { -v } else { v })
}

/// The general case of [`parse_score`] for unsigned text: hexadecimal, `inf`, and
/// decimal too, by exact software arithmetic (slower, so decimal text takes the fast path
/// above; a test checks that both agree).
fn strtod_exact(body: &str) -> Option<f64> {
    use rustc_apfloat::ieee::Double;
    use rustc_apfloat::{Float, Round, Status};
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(f64::INFINITY);
    }
    let ok = if let Some(hex) = lower.strip_prefix("0x") {
        !hex.is_empty()
            && hex
                .bytes()
                .all(|c| c.is_ascii_hexdigit() || c == b'.' || c == b'p' || c == b'-' || c == b'+')
    } else {
        !lower.is_empty()
            && lower
                .bytes()
                .all(|c| c.is_ascii_digit() || b".e+-".contains(&c))
            && lower
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == b'.')
    };
    if !ok {
        return None;
    }
    let src = if lower.starts_with("0x") && !lower.contains('p') {
        format!("{lower}p0")
    } else {
        lower
    };
    let r = Double::from_str_r(&src, Round::NearestTiesToEven).ok()?;
    if r.status.contains(Status::OVERFLOW)
        || (r.status.contains(Status::UNDERFLOW) && r.value.is_zero())
    {
        return None;
    }
    Some(f64::from_bits(r.value.to_bits() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn decimal_fast_path_agrees_with_exact_parsing() {
        use rand::RngExt;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let digits = |rng: &mut rand::rngs::StdRng, n: usize| -> String {
            (0..n)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect()
        };
        for _ in 0..20_000 {
            let int_len = rng.random_range(0..25);
            let frac_len = rng.random_range(0..25);
            let mut t = digits(&mut rng, int_len);
            if rng.random_bool(0.6) || t.is_empty() {
                t.push('.');
                t += &digits(&mut rng, frac_len);
            }
            if rng.random_bool(0.5) {
                t += &format!("e{}", rng.random_range(-340..340));
            }
            let fast = parse_score(t.as_bytes());
            let exact = strtod_exact(&t);
            assert_eq!(fast.map(f64::to_bits), exact.map(f64::to_bits), "{t}");
        }
    }

    #[test]
    fn integer_fast_path_agrees_with_exact_parsing() {
        use rand::RngExt;
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for len in 1..=18 {
            for _ in 0..500 {
                let body: String = (0..len)
                    .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                    .collect();
                let exact = strtod_exact(&body).unwrap();
                for (sign, want) in [("", exact), ("+", exact), ("-", -exact)] {
                    let t = format!("{sign}{body}");
                    let got = parse_score(t.as_bytes());
                    assert_eq!(got.map(f64::to_bits), Some(want.to_bits()), "{t}");
                }
            }
        }
        assert_eq!(
            parse_score(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(parse_score(b"999999999999999"), Some(999_999_999_999_999.0));
        assert_eq!(parse_score(b"-"), None);
        assert_eq!(parse_score(b"+"), None);
    }

    #[test]
    fn scores_parse_like_strtod() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"0x10"), Some(16.0));
        assert_eq!(parse_score(b".5"), Some(0.5));
        assert_eq!(parse_score(b"1e3"), Some(1000.0));
        assert_eq!(parse_score(b"4.9e-324"), Some(f64::from_bits(1)));
        for bad in [
            &b"nan"[..],
            b" 1",
            b"1 ",
            b"",
            b"1e400",
            b"1e-400",
            b"abc",
            b"--1",
            b"1..2",
        ] {
            assert_eq!(parse_score(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse_score(b"0e-400"), Some(0.0));
    }

    #[test]
    fn skiplist_ranks_and_ranges() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut z = ZSet::new(false);
        for i in 0..1000 {
            z.insert(format!("m{i:04}").as_bytes(), (i % 100) as f64, &mut rng);
        }
        z.zsl.check().unwrap();
        assert_eq!(z.rank(b"m0000", false), Some(0));
        assert_eq!(z.rank(b"m0100", false), Some(1));
        assert_eq!(z.rank(b"m0099", false), Some(990));
        assert_eq!(z.rank(b"m0999", false), Some(999));
        assert_eq!(z.rank(b"m0999", true), Some(0));
        for i in (0..1000).step_by(3) {
            z.remove(format!("m{i:04}").as_bytes());
        }
        z.zsl.check().unwrap();
        let r = ScoreRange {
            min: 5.0,
            max: 6.0,
            minex: false,
            maxex: true,
        };
        let v: Vec<_> = z.zsl.iter_score(&r, false).collect();
        assert!(v.iter().all(|(_, s)| *s == 5.0));
        assert_eq!(v.len(), z.dict.values().filter(|&&s| s == 5.0).count());
        let back: Vec<_> = z.zsl.iter_score(&r, true).collect();
        assert_eq!(back.len(), v.len());
        assert_eq!(back.first(), v.last());
        // The counted span holds the same elements, either way, for open and closed
        // ends, ranges past either end, empty and inverted ranges.
        let ends = [-1.0, 0.0, 2.5, 5.0, 6.0, 9.0, 99.0, 1e9];
        for &min in &ends {
            for &max in &ends {
                for (minex, maxex) in [(false, false), (true, false), (false, true), (true, true)] {
                    let r = ScoreRange {
                        min,
                        max,
                        minex,
                        maxex,
                    };
                    for reverse in [false, true] {
                        let want: Vec<_> = z.zsl.iter_score(&r, reverse).collect();
                        let (n, it) = z.zsl.score_span(&r, reverse);
                        let got: Vec<_> = it.collect();
                        assert_eq!(n, want.len(), "{r:?} {reverse}");
                        assert_eq!(got, want, "{r:?} {reverse}");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod level_tests {
    use super::*;

    #[test]
    fn levels_follow_a_quarter_geometric_law() {
        for seed in [1u64, 42, 0xdead_beef] {
            let mut sl = SkipList::new();
            sl.reseed(seed);
            let mut counts = [0usize; MAX_LEVEL + 1];
            for _ in 0..40_000 {
                counts[sl.random_level()] += 1;
            }
            // Expect about 30000, 7500, 1875, 470 at levels 1..4.
            assert!((28_500..31_500).contains(&counts[1]), "{counts:?}");
            assert!((6_800..8_200).contains(&counts[2]), "{counts:?}");
            assert!((1_600..2_200).contains(&counts[3]), "{counts:?}");
        }
    }
}
