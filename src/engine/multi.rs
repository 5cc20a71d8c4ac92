//! WATCH: optimistic locking for MULTI/EXEC, as Redis's `multi.c` does it.
//!
//! A client WATCHes keys, then queues commands after MULTI. If any watched key was
//! modified before EXEC (by any client, by expiry, by eviction, by FLUSHDB/FLUSHALL or
//! SWAPDB), EXEC runs nothing and answers with a null array: the client re-reads and
//! tries again. This is check-and-set without a lock.
//!
//! The index lives in the core (not in the clients), because the write path that touches
//! a key knows the key, not who watches it:
//!
//! - `by_key`: (db, key) → the clients watching it, in the order they started;
//! - `by_client`: client → the keys it watches, each with Redis's `expired` flag (the key
//!   was already logically expired when WATCH was called, so its deletion by expiry is no
//!   change);
//! - `dirty`: the clients whose watch broke (Redis's `CLIENT_DIRTY_CAS`).
//!
//! Once a client is dirty its watches are dropped at once (nothing more can happen to it
//! before EXEC), as `touchWatchedKey` does.
//!
//! The queue of commands itself belongs to the client (`Client::multi`); the commands
//! MULTI, EXEC, DISCARD, WATCH and UNWATCH are in `cmd/multi.rs`.

use super::dict::FastMap;
use super::table::CommandSpec;

/// The commands a client queued after MULTI, one per entry of `Client::multi`, as
/// looked up when queued (Redis keeps `mc->cmd` with each queued command).
#[derive(Clone, Default)]
pub struct QueuedSpecs(pub Vec<&'static CommandSpec>);

impl std::fmt::Debug for QueuedSpecs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|s| s.full_name()))
            .finish()
    }
}

/// Argument buffers of commands a client queued in an earlier transaction, kept for the
/// next one: queueing copies each command's arguments into one of these instead of
/// allocating a vector per argument (the connection's reader reuses its own buffers the
/// same way). Bounded by [`Spare::MAX_ARGVS`] and [`Spare::MAX_BYTES`], so a client that
/// once queued a huge transaction does not keep its memory.
/// The queue itself (emptied) is kept too, for the next MULTI.
#[derive(Clone, Default)]
pub struct Spare(Vec<Vec<Vec<u8>>>, Vec<Vec<Vec<u8>>>);

impl std::fmt::Debug for Spare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Spare({})", self.0.len())
    }
}

impl Spare {
    /// Queued commands kept at most.
    pub const MAX_ARGVS: usize = 64;
    /// The largest argument buffer kept.
    pub const MAX_BYTES: usize = 1024;

    /// `argv`, copied into spare buffers where there are some.
    pub fn copy(&mut self, argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let Some(mut v) = self.0.pop() else {
            return argv.to_vec();
        };
        v.truncate(argv.len());
        for (i, a) in argv.iter().enumerate() {
            match v.get_mut(i) {
                Some(buf) => {
                    buf.clear();
                    buf.extend_from_slice(a);
                }
                None => v.push(a.clone()),
            }
        }
        v
    }

    /// Keeps the buffers of a queue that ran (or was discarded), within the bounds.
    pub fn keep(&mut self, mut queue: Vec<Vec<Vec<u8>>>) {
        for mut argv in queue.drain(..) {
            if self.0.len() >= Self::MAX_ARGVS {
                break;
            }
            argv.retain(|a| a.capacity() <= Self::MAX_BYTES);
            self.0.push(argv);
        }
        if queue.capacity() <= Self::MAX_ARGVS {
            self.1 = queue;
        }
    }

    /// An empty queue for MULTI (the last one's, when kept).
    pub fn queue(&mut self) -> Vec<Vec<Vec<u8>>> {
        std::mem::take(&mut self.1)
    }
}

/// Whether a key is in (or expired in) a database.
pub type KeyTest<'a> = &'a dyn Fn(&[u8]) -> bool;

#[derive(Clone, Debug)]
pub struct Watched {
    pub db: usize,
    pub key: Vec<u8>,
    /// The key existed but had already expired when it was watched.
    pub expired: bool,
}

#[derive(Default)]
pub struct Watches {
    by_key: FastMap<(usize, Vec<u8>), Vec<u64>>,
    by_client: FastMap<u64, Vec<Watched>>,
    dirty: FastMap<u64, ()>,
}

impl Watches {
    /// Whether nobody watches anything (the write path's fast exit).
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// WATCH one key for `client` (again is a no-op).
    pub fn watch(&mut self, client: u64, db: usize, key: &[u8], expired: bool) {
        let mine = self.by_client.entry(client).or_default();
        if mine.iter().any(|w| w.db == db && w.key == key) {
            return;
        }
        mine.push(Watched {
            db,
            key: key.to_vec(),
            expired,
        });
        self.by_key
            .entry((db, key.to_vec()))
            .or_default()
            .push(client);
    }

    /// Drops every watch of `client` (UNWATCH, EXEC, DISCARD, disconnect).
    pub fn unwatch_all(&mut self, client: u64) {
        // (Every EXEC and DISCARD ends here: nothing to hash when nobody watches.)
        if self.by_client.is_empty() {
            return;
        }
        let Some(mine) = self.by_client.remove(&client) else {
            return;
        };
        for w in mine {
            let k = (w.db, w.key);
            if let Some(list) = self.by_key.get_mut(&k) {
                list.retain(|&c| c != client);
                if list.is_empty() {
                    self.by_key.remove(&k);
                }
            }
        }
    }

    pub fn is_dirty(&self, client: u64) -> bool {
        self.dirty.contains_key(&client)
    }

    pub fn clear_dirty(&mut self, client: u64) {
        if !self.dirty.is_empty() {
            self.dirty.remove(&client);
        }
    }

    /// The keys `client` watches, in WATCH order.
    pub fn watched_by(&self, client: u64) -> &[Watched] {
        self.by_client.get(&client).map_or(&[], |v| v.as_slice())
    }

    /// How many keys are watched, over all clients (INFO's watching_clients and the like).
    pub fn watched_keys(&self) -> usize {
        self.by_key.len()
    }

    /// How many clients watch at least one key.
    pub fn watching_clients(&self) -> usize {
        self.by_client.len()
    }

    /// Client `c`'s watch of `key` in `db`.
    fn watched_mut(&mut self, c: u64, db: usize, key: &[u8]) -> Option<&mut Watched> {
        self.by_client
            .get_mut(&c)?
            .iter_mut()
            .find(|w| w.db == db && w.key == key)
    }

    /// Redis's `touchWatchedKey`: `key` in `db` was modified. `exists` says whether it is
    /// in the database now (its value, expired or not).
    pub fn touch(&mut self, db: usize, key: &[u8], exists: bool) {
        let Some(clients) = self.by_key.get(&(db, key.to_vec())) else {
            return;
        };
        let clients = clients.clone();
        for c in clients {
            let Some(w) = self.watched_mut(c, db, key) else {
                continue;
            };
            if w.expired {
                if !exists {
                    // The already expired key is gone: logically nothing changed.
                    w.expired = false;
                    continue;
                }
                // Redis 7.0.15 leaves the loop here (a `break`), so clients after this
                // one in the list are not flagged by this touch.
                break;
            }
            self.dirty.insert(c, ());
            self.unwatch_all(c);
        }
    }

    /// Redis's `touchAllWatchedKeysInDb`: `db` is being emptied (FLUSHDB, FLUSHALL) or
    /// swapped with `replaced` (SWAPDB). `in_db(key)` and `in_replaced(key)` say whether a
    /// key is there, `expired_in_replaced(key)` whether it is there but expired.
    pub fn touch_all_in_db(
        &mut self,
        db: usize,
        in_db: &dyn Fn(&[u8]) -> bool,
        replaced: Option<(KeyTest, KeyTest)>,
    ) {
        let keys: Vec<(Vec<u8>, Vec<u64>)> = self
            .by_key
            .iter()
            .filter(|((d, _), _)| *d == db)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect();
        for (key, clients) in keys {
            let exists_in_emptied = in_db(&key);
            let in_replaced = replaced.is_some_and(|(has, _)| has(&key));
            if !exists_in_emptied && !in_replaced {
                continue;
            }
            let expired_in_replaced = replaced.is_some_and(|(_, exp)| exp(&key));
            for c in clients {
                let Some(w) = self.watched_mut(c, db, &key) else {
                    continue;
                };
                if w.expired {
                    if !in_replaced {
                        w.expired = false;
                        continue;
                    } else if expired_in_replaced {
                        continue;
                    }
                } else if !exists_in_emptied && expired_in_replaced {
                    w.expired = true;
                    continue;
                }
                // Redis flags the client but keeps its watches here.
                self.dirty.insert(c, ());
            }
        }
    }
}
