//! Blocking that scales: who waits on which key, which keys are ready, whose time is up.
//!
//! As in Redis (`blocking_keys`, `ready_keys`, the timeout table), a client parked in a
//! blocking command (BLPOP, BLMOVE, BZPOPMIN, BLMPOP …) is filed under each key it waits
//! on, in the order clients blocked. Every key event passes through
//! [`Blocking::signal`]: a key somebody waits on becomes ready. After each command the
//! engine serves only the clients waiting on ready keys, longest-waiting first, each
//! once (`Engine::serve_blocked`), instead of retrying every parked command; timeouts
//! come from one ordered set of deadlines.

use std::collections::{BTreeSet, VecDeque};

use super::dict::FastMap;

#[derive(Default)]
pub struct Blocking {
    /// (db, key) → the clients waiting on it, longest-waiting first.
    by_key: FastMap<(usize, Vec<u8>), VecDeque<u64>>,
    /// Keys written while somebody waits on them, in the order they were written.
    ready: Vec<(usize, Vec<u8>)>,
    /// (deadline in ms, client) of the clients that wait with a timeout.
    deadlines: BTreeSet<(i64, u64)>,
}

impl Blocking {
    /// Files client `id` under each of `keys` in database `db`.
    pub fn park(&mut self, id: u64, db: usize, keys: &[Vec<u8>], deadline: Option<i64>) {
        for k in keys {
            let q = self.by_key.entry((db, k.clone())).or_default();
            if !q.contains(&id) {
                q.push_back(id);
            }
        }
        if let Some(d) = deadline {
            self.deadlines.insert((d, id));
        }
    }

    /// Takes client `id` off every list it was filed in.
    pub fn unpark(&mut self, id: u64, db: usize, keys: &[Vec<u8>], deadline: Option<i64>) {
        for k in keys {
            let slot = (db, k.clone());
            if let Some(q) = self.by_key.get_mut(&slot) {
                q.retain(|&c| c != id);
                if q.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
        if let Some(d) = deadline {
            self.deadlines.remove(&(d, id));
        }
    }

    /// A key changed: if somebody waits on it, it is ready (Redis's
    /// `signalKeyAsReady`). Cheap when nobody waits at all.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        let slot = (db, key.to_vec());
        if self.by_key.contains_key(&slot) && !self.ready.contains(&slot) {
            self.ready.push(slot);
        }
    }

    /// The keys clients wait on in `db`.
    pub fn keys_in(&self, db: usize) -> Vec<Vec<u8>> {
        self.by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// The keys that became ready since the last call.
    pub fn take_ready(&mut self) -> Vec<(usize, Vec<u8>)> {
        std::mem::take(&mut self.ready)
    }

    /// The clients waiting on a key, longest-waiting first.
    pub fn waiting_on(&self, db: usize, key: &[u8]) -> Vec<u64> {
        self.by_key
            .get(&(db, key.to_vec()))
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The clients whose deadline is at or before `now`.
    pub fn expired(&self, now: i64) -> Vec<u64> {
        self.deadlines
            .range(..=(now, u64::MAX))
            .map(|&(_, id)| id)
            .collect()
    }

    /// How many clients wait with a timeout (INFO's clients_in_timeout_table).
    pub fn with_deadline(&self) -> usize {
        self.deadlines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// The keys a blocking command waits on: BLPOP/BRPOP/BZPOPMIN/BZPOPMAX name them before
/// the timeout, BLMOVE/BRPOPLPUSH wait on their source, BLMPOP/BZMPOP on the keys after
/// their numkeys.
pub fn keys_of(argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let name = argv
        .first()
        .map(|a| a.to_ascii_lowercase())
        .unwrap_or_default();
    match name.as_slice() {
        b"blmove" | b"brpoplpush" => argv.get(1).cloned().into_iter().collect(),
        // WAIT waits on the replicas, not on keys.
        b"wait" => Vec::new(),
        b"xread" | b"xreadgroup" => super::cmd::stream::blocking_keys(argv),
        b"blmpop" | b"bzmpop" => {
            let n = argv
                .get(2)
                .and_then(|a| super::util::parse_i64(a))
                .unwrap_or(0)
                .max(0) as usize;
            argv.iter().skip(3).take(n).cloned().collect()
        }
        _ if argv.len() > 2 => argv[1..argv.len() - 1].to_vec(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_keys_serve_in_blocking_order() {
        let mut b = Blocking::default();
        let k = |s: &str| s.as_bytes().to_vec();
        b.park(7, 0, &[k("q"), k("r")], Some(100));
        b.park(3, 0, &[k("q")], None);
        b.signal(0, b"other");
        b.signal(0, b"q");
        b.signal(0, b"q");
        assert_eq!(b.take_ready(), vec![(0, k("q"))]);
        assert_eq!(b.waiting_on(0, b"q"), vec![7, 3]);
        assert_eq!(b.expired(99), Vec::<u64>::new());
        assert_eq!(b.expired(100), vec![7]);
        b.unpark(7, 0, &[k("q"), k("r")], Some(100));
        assert_eq!(b.waiting_on(0, b"q"), vec![3]);
        assert!(b.waiting_on(0, b"r").is_empty());
        assert_eq!(b.with_deadline(), 0);
        assert_eq!(
            keys_of(&[k("BLMPOP"), k("0"), k("2"), k("a"), k("b"), k("LEFT")]),
            vec![k("a"), k("b")]
        );
        assert_eq!(
            keys_of(&[k("BLPOP"), k("a"), k("b"), k("0")]),
            vec![k("a"), k("b")]
        );
        assert_eq!(
            keys_of(&[
                k("XREADGROUP"),
                k("GROUP"),
                k("streams"),
                k("streams"),
                k("BLOCK"),
                k("0"),
                k("STREAMS"),
                k("a"),
                k("b"),
                k(">"),
                k(">")
            ]),
            vec![k("a"), k("b")]
        );
        assert_eq!(
            keys_of(&[
                k("XREAD"),
                k("COUNT"),
                k("streams"),
                k("STREAMS"),
                k("s"),
                k("$")
            ]),
            vec![k("s")]
        );
        assert_eq!(
            keys_of(&[k("BLMOVE"), k("s"), k("d"), k("LEFT"), k("RIGHT"), k("0")]),
            vec![k("s")]
        );
    }
}
