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
/// The chance that a node reaching level k also reaches level k + 1.
const P: f64 = 0.25;
const NIL: u32 = u32::MAX;
const HEAD: u32 = 0;

#[derive(Clone, Copy, Debug)]
struct Link {
    forward: u32,
    span: u64,
}

#[derive(Clone, Debug)]
struct Node {
    member: Vec<u8>,
    score: f64,
    backward: u32,
    links: Vec<Link>,
}

/// (score, member) ordering: by score, then by member bytes.
fn before(score: f64, member: &[u8], s2: f64, m2: &[u8]) -> bool {
    score < s2 || (score == s2 && member < m2)
}

#[derive(Clone, Debug)]
pub struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
    tail: u32,
    level: usize,
    len: usize,
}

impl Default for SkipList {
    fn default() -> Self {
        Self::new()
    }
}

impl SkipList {
    pub fn new() -> SkipList {
        SkipList {
            nodes: vec![Node {
                member: Vec::new(),
                score: 0.0,
                backward: NIL,
                links: vec![
                    Link {
                        forward: NIL,
                        span: 0
                    };
                    MAX_LEVEL
                ],
            }],
            free: Vec::new(),
            tail: NIL,
            level: 1,
            len: 0,
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

    fn random_level(rng: &mut impl rand::Rng) -> usize {
        let mut lvl = 1;
        while lvl < MAX_LEVEL && rng.random::<f64>() < P {
            lvl += 1;
        }
        lvl
    }

    fn fwd(&self, x: u32, i: usize) -> u32 {
        self.nodes[x as usize].links[i].forward
    }

    /// Inserts a member that is not present yet.
    pub fn insert(&mut self, score: f64, member: Vec<u8>, rng: &mut impl rand::Rng) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u64; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = &self.nodes[f as usize];
                if !before(n.score, &n.member, score, &member) {
                    break;
                }
                rank[i] += self.nodes[x as usize].links[i].span;
                x = f;
            }
            update[i] = x;
        }
        let lvl = Self::random_level(rng);
        if lvl > self.level {
            for i in self.level..lvl {
                rank[i] = 0;
                update[i] = HEAD;
                self.nodes[HEAD as usize].links[i].span = self.len as u64;
            }
            self.level = lvl;
        }
        let node = Node {
            member,
            score,
            backward: if update[0] == HEAD { NIL } else { update[0] },
            links: vec![
                Link {
                    forward: NIL,
                    span: 0
                };
                lvl
            ],
        };
        let id = match self.free.pop() {
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
            let u = update[i] as usize;
            let ul = self.nodes[u].links[i];
            self.nodes[id as usize].links[i] = Link {
                forward: ul.forward,
                span: ul.span - (rank[0] - rank[i]),
            };
            self.nodes[u].links[i] = Link {
                forward: id,
                span: (rank[0] - rank[i]) + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(lvl) {
            self.nodes[u as usize].links[i].span += 1;
        }
        let next = self.fwd(id, 0);
        if next == NIL {
            self.tail = id;
        } else {
            self.nodes[next as usize].backward = id;
        }
        self.len += 1;
    }

    /// Removes (score, member); false if it is not there.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = &self.nodes[f as usize];
                if !before(n.score, &n.member, score, member) {
                    break;
                }
                x = f;
            }
            update[i] = x;
        }
        let target = self.fwd(x, 0);
        if target == NIL {
            return false;
        }
        let t = &self.nodes[target as usize];
        if t.score != score || t.member != member {
            return false;
        }
        self.unlink(target, &update);
        true
    }

    fn unlink(&mut self, target: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = u as usize;
            if self.nodes[u].links[i].forward == target {
                let tl = self.nodes[target as usize].links[i];
                self.nodes[u].links[i].span += tl.span;
                self.nodes[u].links[i].span -= 1;
                self.nodes[u].links[i].forward = tl.forward;
            } else {
                self.nodes[u].links[i].span -= 1;
            }
        }
        let next = self.fwd(target, 0);
        let back = self.nodes[target as usize].backward;
        if next == NIL {
            self.tail = back;
        } else {
            self.nodes[next as usize].backward = back;
        }
        while self.level > 1 && self.nodes[HEAD as usize].links[self.level - 1].forward == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let n = &mut self.nodes[target as usize];
        n.member = Vec::new();
        n.links = Vec::new();
        self.free.push(target);
    }

    /// 0-based rank of (score, member), if present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<u64> {
        let mut x = HEAD;
        let mut rank = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = &self.nodes[f as usize];
                if !(before(n.score, &n.member, score, member)
                    || (n.score == score && n.member == member))
                {
                    break;
                }
                rank += self.nodes[x as usize].links[i].span;
                x = f;
            }
            if x != HEAD
                && self.nodes[x as usize].member == member
                && self.nodes[x as usize].score == score
            {
                return Some(rank - 1);
            }
        }
        None
    }

    /// The node at 0-based rank `r`.
    fn node_at(&self, r: u64) -> u32 {
        let target = r + 1;
        let mut x = HEAD;
        let mut traversed = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL || traversed + self.nodes[x as usize].links[i].span > target {
                    break;
                }
                traversed += self.nodes[x as usize].links[i].span;
                x = f;
            }
            if traversed == target {
                return x;
            }
        }
        NIL
    }

    /// The path a search for (score, member) takes: (level, node rank) at each step, for
    /// the panel's drawing of how ZRANK/ZSCORE walk the levels.
    pub fn search_path(&self, score: f64, member: &[u8]) -> Vec<(usize, Option<u64>)> {
        let mut path = Vec::new();
        let mut x = HEAD;
        let mut rank = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = &self.nodes[f as usize];
                if !(before(n.score, &n.member, score, member)
                    || (n.score == score && n.member == member))
                {
                    break;
                }
                rank += self.nodes[x as usize].links[i].span;
                x = f;
                path.push((i, Some(rank - 1)));
            }
            if path.last().map(|p| p.0) != Some(i) {
                path.push((i, (x != HEAD).then(|| rank - 1)));
            }
        }
        path
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
            x = if reverse {
                n.backward
            } else {
                n.links[0].forward
            };
        }
        out
    }

    /// Iterates from the first element for which `below` is false (or, in reverse, from
    /// the last element for which `above` is false), while `keep` holds.
    fn walk<'a>(
        &'a self,
        reverse: bool,
        below: impl Fn(f64, &[u8]) -> bool,
        above: impl Fn(f64, &[u8]) -> bool,
    ) -> impl Iterator<Item = (&'a [u8], f64)> + 'a {
        let mut x = HEAD;
        if !reverse {
            for i in (0..self.level).rev() {
                loop {
                    let f = self.fwd(x, i);
                    if f == NIL
                        || !below(self.nodes[f as usize].score, &self.nodes[f as usize].member)
                    {
                        break;
                    }
                    x = f;
                }
            }
            x = self.fwd(x, 0);
        } else {
            for i in (0..self.level).rev() {
                loop {
                    let f = self.fwd(x, i);
                    if f == NIL
                        || above(self.nodes[f as usize].score, &self.nodes[f as usize].member)
                    {
                        break;
                    }
                    x = f;
                }
            }
            if x == HEAD {
                x = NIL;
            }
        }
        std::iter::from_fn(move || {
            if x == NIL {
                return None;
            }
            let n = &self.nodes[x as usize];
            x = if reverse {
                n.backward
            } else {
                n.links[0].forward
            };
            Some((&n.member[..], n.score))
        })
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

    /// Elements whose member lies in the lexical range `r` (all scores should be equal).
    pub fn iter_lex<'a>(
        &'a self,
        r: &'a LexRange,
        reverse: bool,
    ) -> impl Iterator<Item = (&'a [u8], f64)> + 'a {
        let it = self.walk(reverse, |_, m| !r.gte_min(m), |_, m| !r.lte_max(m));
        it.take_while(move |&(m, _)| if reverse { r.gte_min(m) } else { r.lte_max(m) })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> {
        self.range_by_rank(0, self.len as u64, false).into_iter()
    }

    /// Checks every invariant (order, spans, backward links, length); for tests.
    pub fn check(&self) -> Result<(), String> {
        let mut count = 0u64;
        let mut x = self.fwd(HEAD, 0);
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
            x = n.links[0].forward;
            count += 1;
        }
        if count != self.len as u64 || self.tail != prev {
            return Err("length or tail mismatch".into());
        }
        for i in 0..self.level {
            let mut x = HEAD;
            let mut rank = 0u64;
            while x != NIL {
                let l = self.nodes[x as usize].links[i];
                if l.forward == NIL {
                    break;
                }
                rank += l.span;
                let f = &self.nodes[l.forward as usize];
                if self.rank(f.score, &f.member) != Some(rank - 1) {
                    return Err(format!("bad span on level {i}"));
                }
                x = l.forward;
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
            b'+' if a.len() == 1 => Some(LexBound::PlusInf),
            b'-' if a.len() == 1 => Some(LexBound::MinusInf),
            b'[' => Some(LexBound::Incl(a[1..].to_vec())),
            b'(' => Some(LexBound::Excl(a[1..].to_vec())),
            _ => None,
        }
    }
}

impl LexRange {
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
    pub dict: std::collections::HashMap<Vec<u8>, f64>,
    pub zsl: SkipList,
    /// Whether Redis would still hold this set as a listpack.
    pub listpack: bool,
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
        self.dict.insert(member.to_vec(), score);
        self.zsl.insert(score, member.to_vec(), rng);
    }

    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let score = self.dict.remove(member)?;
        self.zsl.remove(score, member);
        Some(score)
    }

    /// Sets a member's score (moving its node) and returns the old one.
    pub fn set_score(
        &mut self,
        member: &[u8],
        score: f64,
        rng: &mut impl rand::Rng,
    ) -> Option<f64> {
        let old = self.remove(member);
        self.insert(member, score, rng);
        old
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
    use rustc_apfloat::ieee::Double;
    use rustc_apfloat::{Float, Round, Status};
    let text = std::str::from_utf8(a).ok()?;
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let v = if lower == "inf" || lower == "infinity" {
        f64::INFINITY
    } else {
        let ok = if let Some(hex) = lower.strip_prefix("0x") {
            !hex.is_empty()
                && hex.bytes().all(|c| {
                    c.is_ascii_hexdigit() || c == b'.' || c == b'p' || c == b'-' || c == b'+'
                })
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
        f64::from_bits(r.value.to_bits() as u64)
    };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

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
    }
}
