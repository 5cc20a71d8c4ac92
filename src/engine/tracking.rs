//! Client-side caching: server-assisted tracking (Redis 6+'s `CLIENT TRACKING`).
//!
//! A client that turns tracking on caches what it reads; the server remembers which
//! client may hold which key and tells it when the key changes, so that it drops its
//! copy. Redis's `tracking.c` does this with two radix trees, and so do we, with maps:
//!
//! - the tracking table, key → the clients that read it (default mode). Keys are
//!   remembered after every read-only command the client runs (`trackingRememberKeys`:
//!   the command's keys, as COMMAND GETKEYS finds them; a script's declared keys when the
//!   script runs a read). A key leaves the table when it is modified: each client listed
//!   gets one invalidation, then must read the key again to hear of the next change.
//!   The table is global across databases, as in Redis: keys are names, not (db, name).
//! - the prefix table (BCAST mode), prefix → the clients subscribed and the keys
//!   modified since the last broadcast (with who modified each, for NOLOOP). Broadcasts
//!   go out once per event-loop turn (Redis's beforeSleep; here when the host asks for
//!   [`crate::engine::Engine::fresh_pushes`]), one array of keys per prefix.
//!
//! The invalidation itself (`sendTrackingMessage`): a RESP3 client gets the push
//! `>2 invalidate [key …]`; with REDIRECT, the message goes to the other client, as a
//! push if it speaks RESP3, else as a Pub/Sub message on `__redis__:invalidate` if it is
//! in Pub/Sub mode (any subscription), else not at all. A redirect to a client that has
//! gone marks the tracking client `R` (broken redirect) and sends it, in RESP3, a
//! `tracking-redir-broken` push. FLUSHDB/FLUSHALL/SWAPDB invalidate everything with a
//! null in place of the keys and empty the table.
//!
//! Ordering (Redis 7.0's `tracking_pending_keys`): an invalidation for the client that is
//! running the command is held until the command (or the whole EXEC, or script) is done,
//! so that it follows the reply; invalidations for other clients go out at once.
//!
//! The module is pure bookkeeping plus the messages it queues on the Pub/Sub outboxes
//! (the path every push takes to a client); the engine calls it from the write path
//! (`Core::notify`, Redis's signalModifiedKey), after read-only commands, on flushes and
//! when clients come and go.

use std::collections::BTreeMap;

use super::dict::FastMap;
use super::pubsub::PubSub;
use super::reply::Reply;

/// The channel a RESP2 client redirecting its invalidations subscribes to.
pub const CHANNEL: &[u8] = b"__redis__:invalidate";

/// One client's tracking mode (Redis's `CLIENT_TRACKING_*` flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    /// The client invalidations go to (0: this one).
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command.
    pub caching: bool,
    /// The redirect client went away (the `R` flag).
    pub broken_redirect: bool,
    /// BCAST prefixes, in byte order (a client with no PREFIX has the empty one).
    pub prefixes: Vec<Vec<u8>>,
}

/// What an invalidation names: keys, or everything (a flush's null).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keys {
    One(Vec<u8>),
    Many(Vec<Vec<u8>>),
    All,
}

impl Keys {
    fn reply(&self) -> Reply {
        match self {
            Keys::One(k) => Reply::Array(vec![Reply::Bulk(k.clone())]),
            Keys::Many(ks) => Reply::Array(ks.iter().map(|k| Reply::Bulk(k.clone())).collect()),
            Keys::All => Reply::Nil,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Bcast {
    /// Keys modified since the last broadcast, with the client that modified each
    /// last (0: none, as for expiry), for NOLOOP.
    keys: BTreeMap<Vec<u8>, u64>,
    /// The clients subscribed to the prefix, in the order they subscribed.
    clients: Vec<u64>,
}

/// The tracking state of the whole server.
#[derive(Default)]
pub struct Tracking {
    /// The protocol of every connected client (for redirect targets: whether they
    /// exist and how they read a message). Kept by connect/disconnect/HELLO/RESET.
    conns: FastMap<u64, u8>,
    /// Clients with tracking on.
    modes: BTreeMap<u64, Mode>,
    /// Key → the clients that may cache it (default mode). None until a client first
    /// turns tracking on (Redis allocates its table then).
    table: Option<FastMap<Vec<u8>, Vec<u64>>>,
    /// Entries across the table (INFO's tracking_total_items).
    items: u64,
    prefixes: BTreeMap<Vec<u8>, Bcast>,
    /// The client running the command now (Redis's current_client while in call()).
    pub current: Option<u64>,
    /// Invalidations for `current`, sent once its command is done (None: a flush).
    pending: Vec<Option<Vec<u8>>>,
    /// How many times in a row the table was found over `tracking-table-max-keys`.
    over_limit_runs: u32,
}

/// The message for the tracking client `client` about `keys`, and who gets it (None:
/// nobody, a RESP2 client without a redirect). Marks a broken redirect.
fn message(
    conns: &FastMap<u64, u8>,
    modes: &mut BTreeMap<u64, Mode>,
    pubsub: &PubSub,
    client: u64,
    keys: &Keys,
) -> Option<(u64, Reply)> {
    let own_resp = *conns.get(&client)?;
    let mode = modes.get_mut(&client)?;
    let mut target = client;
    let mut redirected = false;
    if mode.redirect != 0 {
        if !conns.contains_key(&mode.redirect) {
            mode.broken_redirect = true;
            if own_resp > 2 {
                return Some((
                    client,
                    Reply::Push(vec![
                        Reply::Bulk(b"tracking-redir-broken".to_vec()),
                        Reply::Int(mode.redirect as i64),
                    ]),
                ));
            }
            return None;
        }
        target = mode.redirect;
        redirected = true;
    }
    let resp = conns.get(&target).copied().unwrap_or(2);
    if resp > 2 {
        Some((
            target,
            Reply::Push(vec![Reply::Bulk(b"invalidate".to_vec()), keys.reply()]),
        ))
    } else if redirected && pubsub.subscribed(target) {
        Some((
            target,
            Reply::Push(vec![
                Reply::Bulk(b"message".to_vec()),
                Reply::Bulk(CHANNEL.to_vec()),
                keys.reply(),
            ]),
        ))
    } else {
        None
    }
}

impl Tracking {
    pub fn connected(&mut self, id: u64) {
        self.conns.insert(id, 2);
    }

    /// A client left (freeClient): tracking off. Table entries naming it are dropped
    /// lazily, when their key is invalidated, as Redis does.
    pub fn disconnected(&mut self, id: u64) {
        self.conns.remove(&id);
        self.disable(id);
        if self.current == Some(id) {
            self.pending.clear();
        }
    }

    /// HELLO or RESET changed the client's protocol.
    pub fn set_resp(&mut self, id: u64, resp: u8) {
        self.conns.insert(id, resp);
    }

    /// A restart (DEBUG CRASH-AND-RECOVER): the clients reconnect untracked.
    pub fn restart(&mut self) {
        let conns = std::mem::take(&mut self.conns);
        *self = Tracking {
            conns,
            ..Default::default()
        };
    }

    pub fn mode(&self, id: u64) -> Option<&Mode> {
        self.modes.get(&id)
    }

    pub fn mode_mut(&mut self, id: u64) -> Option<&mut Mode> {
        self.modes.get_mut(&id)
    }

    pub fn exists(&self, id: u64) -> bool {
        self.conns.contains_key(&id)
    }

    /// INFO's tracking_clients.
    pub fn clients(&self) -> usize {
        self.modes.len()
    }

    /// Whether anything needs the write path's attention (the common case: no).
    #[inline]
    pub fn active(&self) -> bool {
        self.table.is_some()
    }

    /// INFO's tracking_total_keys, tracking_total_items, tracking_total_prefixes.
    pub fn totals(&self) -> (u64, u64, u64) {
        (
            self.table.as_ref().map_or(0, |t| t.len() as u64),
            self.items,
            self.prefixes.len() as u64,
        )
    }

    /// CLIENT TRACKING OFF (and a client going away): out of every prefix it listens
    /// to.
    pub fn disable(&mut self, id: u64) {
        let Some(mode) = self.modes.remove(&id) else {
            return;
        };
        if mode.bcast {
            for p in &mode.prefixes {
                if let Some(b) = self.prefixes.get_mut(p) {
                    b.clients.retain(|&c| c != id);
                    if b.clients.is_empty() {
                        self.prefixes.remove(p);
                    }
                }
            }
        }
    }

    /// CLIENT TRACKING ON with checked options (Redis's enableTracking): the flags are
    /// replaced, CACHING kept, BCAST prefixes added to those the client had.
    #[allow(clippy::too_many_arguments)]
    pub fn enable(
        &mut self,
        id: u64,
        redirect: u64,
        bcast: bool,
        optin: bool,
        optout: bool,
        noloop: bool,
        prefixes: &[Vec<u8>],
    ) {
        self.table.get_or_insert_with(FastMap::default);
        let mode = self.modes.entry(id).or_default();
        mode.redirect = redirect;
        mode.broken_redirect = false;
        mode.bcast = bcast;
        mode.optin = optin;
        mode.optout = optout;
        mode.noloop = noloop;
        if bcast {
            let empty = [Vec::new()];
            let list = if prefixes.is_empty() {
                &empty[..]
            } else {
                prefixes
            };
            for p in list {
                let b = self.prefixes.entry(p.clone()).or_default();
                if !b.clients.contains(&id) {
                    b.clients.push(id);
                    if let Err(i) = mode.prefixes.binary_search(p) {
                        mode.prefixes.insert(i, p.clone());
                    }
                }
            }
        }
    }

    /// After a read-only command of a client in default (not BCAST) mode: remembers
    /// `keys` for it, unless OPTIN without CACHING YES or OPTOUT with CACHING NO.
    pub fn remember<'a>(&mut self, id: u64, keys: impl IntoIterator<Item = &'a [u8]>) {
        let Some(mode) = self.modes.get(&id) else {
            return;
        };
        if mode.bcast || (mode.optin && !mode.caching) || (mode.optout && mode.caching) {
            return;
        }
        let Some(table) = self.table.as_mut() else {
            return;
        };
        for k in keys {
            let ids = match table.get_mut(k) {
                Some(ids) => ids,
                None => table.entry(k.to_vec()).or_default(),
            };
            if !ids.contains(&id) {
                ids.push(id);
                self.items += 1;
            }
        }
    }

    /// Whether client `id` is in default tracking mode (its reads are remembered).
    pub fn remembers(&self, id: u64) -> bool {
        self.modes.get(&id).is_some_and(|m| !m.bcast)
    }

    /// Sends (queues) one invalidation for tracking client `client`.
    fn send(&mut self, pubsub: &mut PubSub, client: u64, keys: &Keys, after: bool) {
        if let Some((to, msg)) = message(&self.conns, &mut self.modes, pubsub, client, keys) {
            if after && Some(to) == self.current {
                pubsub.push_after(to, msg);
            } else {
                pubsub.push_to(to, msg);
            }
        }
    }

    /// Redis's trackingInvalidateKey: `key` was modified (by client `actor`, 0 for none:
    /// expiry, eviction). Schedules it for BCAST clients whose prefix matches (when
    /// `bcast`), and invalidates it for every client in the table, then forgets it.
    pub fn invalidate_key(&mut self, pubsub: &mut PubSub, key: &[u8], actor: u64, bcast: bool) {
        if self.table.is_none() {
            return;
        }
        if bcast && !self.prefixes.is_empty() {
            for (p, b) in self.prefixes.iter_mut() {
                if key.starts_with(p) {
                    b.keys.insert(key.to_vec(), actor);
                }
            }
        }
        let Some(ids) = self.table.as_mut().and_then(|t| t.remove(key)) else {
            return;
        };
        self.items -= ids.len() as u64;
        let msg = Keys::One(key.to_vec());
        for id in ids {
            let Some(mode) = self.modes.get(&id) else {
                continue;
            };
            if mode.bcast {
                continue;
            }
            let is_current = Some(id) == self.current;
            if mode.noloop && is_current {
                continue;
            }
            if is_current {
                self.pending.push(Some(key.to_vec()));
            } else {
                self.send(pubsub, id, &msg, false);
            }
        }
    }

    /// Redis's trackingInvalidateKeysOnFlush: every tracking client is told that all
    /// its keys are invalid (a null), and the table is emptied.
    pub fn invalidate_all(&mut self, pubsub: &mut PubSub) {
        let ids: Vec<u64> = self.modes.keys().copied().collect();
        for id in ids {
            if Some(id) == self.current {
                self.pending.push(None);
            } else {
                self.send(pubsub, id, &Keys::All, false);
            }
        }
        if let Some(t) = self.table.as_mut() {
            *t = FastMap::default();
            self.items = 0;
        }
    }

    /// Redis's trackingHandlePendingKeyInvalidations: the running command is done;
    /// what it invalidated for its own client goes out (after its reply).
    pub fn flush_pending(&mut self, pubsub: &mut PubSub) {
        if self.pending.is_empty() {
            return;
        }
        let Some(id) = self.current else {
            self.pending.clear();
            return;
        };
        for k in std::mem::take(&mut self.pending) {
            let keys = match k {
                Some(k) => Keys::One(k),
                None => Keys::All,
            };
            self.send(pubsub, id, &keys, true);
        }
    }

    /// Redis's trackingBroadcastInvalidationMessages (beforeSleep): for each prefix
    /// with modified keys, one array of them to each subscribed client (without the
    /// keys it modified itself, under NOLOOP; nothing if that leaves none).
    pub fn broadcast(&mut self, pubsub: &mut PubSub) {
        if self.modes.is_empty() || self.prefixes.values().all(|b| b.keys.is_empty()) {
            return;
        }
        let mut sends = Vec::new();
        for b in self.prefixes.values_mut() {
            if b.keys.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut b.keys);
            let all: Vec<Vec<u8>> = keys.keys().cloned().collect();
            for &c in &b.clients {
                if self.modes.get(&c).is_some_and(|m| m.noloop) {
                    let own: Vec<Vec<u8>> = keys
                        .iter()
                        .filter(|(_, &who)| who != c)
                        .map(|(k, _)| k.clone())
                        .collect();
                    if !own.is_empty() {
                        sends.push((c, Keys::Many(own)));
                    }
                } else {
                    sends.push((c, Keys::Many(all.clone())));
                }
            }
        }
        for (c, keys) in sends {
            self.send(pubsub, c, &keys, false);
        }
    }

    /// Redis's trackingLimitUsedSlots: over `max` keys (0: no limit), keys picked at
    /// random are invalidated for their clients as if modified (not broadcast), with an
    /// effort that grows each time the limit is still exceeded.
    pub fn limit(&mut self, pubsub: &mut PubSub, max: u64, pick: &mut impl FnMut(usize) -> usize) {
        let Some(t) = self.table.as_ref() else {
            return;
        };
        if max == 0 {
            return;
        }
        if t.len() as u64 <= max {
            self.over_limit_runs = 0;
            return;
        }
        let mut effort = 100 * (self.over_limit_runs as u64 + 1);
        while effort > 0 {
            effort -= 1;
            let Some(t) = self.table.as_ref() else {
                return;
            };
            if t.is_empty() {
                break;
            }
            let i = pick(t.len());
            let Some(key) = t.keys().nth(i).cloned() else {
                break;
            };
            self.invalidate_key(pubsub, &key, 0, false);
            if self.table.as_ref().map_or(0, |t| t.len()) as u64 <= max {
                self.over_limit_runs = 0;
                return;
            }
        }
        self.over_limit_runs += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Tracking, PubSub) {
        let mut t = Tracking::default();
        for id in 1..=3 {
            t.connected(id);
        }
        (t, PubSub::default())
    }

    fn invalidate(keys: &[&str]) -> Reply {
        Reply::Push(vec![
            Reply::Bulk(b"invalidate".to_vec()),
            Reply::Array(
                keys.iter()
                    .map(|k| Reply::Bulk(k.as_bytes().to_vec()))
                    .collect(),
            ),
        ])
    }

    #[test]
    fn remembered_key_is_invalidated_once() {
        let (mut t, mut ps) = setup();
        t.set_resp(1, 3);
        t.enable(1, 0, false, false, false, false, &[]);
        t.remember(1, [b"k".as_slice()]);
        assert_eq!(t.totals(), (1, 1, 0));
        t.invalidate_key(&mut ps, b"k", 2, true);
        assert_eq!(ps.take(1), vec![invalidate(&["k"])]);
        assert_eq!(t.totals(), (0, 0, 0));
        // Not remembered any more: a second change says nothing.
        t.invalidate_key(&mut ps, b"k", 2, true);
        assert!(ps.take(1).is_empty());
    }

    #[test]
    fn resp2_without_redirect_gets_nothing_and_redirect_to_subscriber_gets_message() {
        let (mut t, mut ps) = setup();
        t.enable(1, 0, false, false, false, false, &[]);
        t.remember(1, [b"k".as_slice()]);
        t.invalidate_key(&mut ps, b"k", 2, true);
        assert!(ps.take(1).is_empty());
        ps.subscribe(2, CHANNEL, super::super::pubsub::Kind::Plain);
        t.enable(1, 2, false, false, false, false, &[]);
        t.remember(1, [b"k".as_slice()]);
        t.invalidate_key(&mut ps, b"k", 3, true);
        assert_eq!(
            ps.take(2),
            vec![Reply::Push(vec![
                Reply::Bulk(b"message".to_vec()),
                Reply::Bulk(CHANNEL.to_vec()),
                Reply::Array(vec![Reply::Bulk(b"k".to_vec())]),
            ])]
        );
    }

    #[test]
    fn broken_redirect_is_reported_in_resp3() {
        let (mut t, mut ps) = setup();
        t.set_resp(1, 3);
        t.enable(1, 2, false, false, false, false, &[]);
        t.disconnected(2);
        t.remember(1, [b"k".as_slice()]);
        t.invalidate_key(&mut ps, b"k", 3, true);
        assert_eq!(
            ps.take(1),
            vec![Reply::Push(vec![
                Reply::Bulk(b"tracking-redir-broken".to_vec()),
                Reply::Int(2)
            ])]
        );
        assert!(t.mode(1).unwrap().broken_redirect);
    }

    #[test]
    fn current_client_hears_after_its_command_and_noloop_not_at_all() {
        let (mut t, mut ps) = setup();
        t.set_resp(1, 3);
        t.enable(1, 0, false, false, false, false, &[]);
        t.remember(1, [b"k".as_slice()]);
        t.current = Some(1);
        t.invalidate_key(&mut ps, b"k", 1, true);
        assert!(ps.take(1).is_empty());
        t.flush_pending(&mut ps);
        assert_eq!(ps.take_after(1), vec![invalidate(&["k"])]);
        t.enable(1, 0, false, false, false, true, &[]);
        t.remember(1, [b"k".as_slice()]);
        t.invalidate_key(&mut ps, b"k", 1, true);
        t.flush_pending(&mut ps);
        assert!(ps.take_after(1).is_empty());
    }

    #[test]
    fn optin_remembers_only_after_caching_yes() {
        let (mut t, _) = setup();
        t.enable(1, 0, false, true, false, false, &[]);
        t.remember(1, [b"a".as_slice()]);
        assert_eq!(t.totals().0, 0);
        t.mode_mut(1).unwrap().caching = true;
        t.remember(1, [b"a".as_slice()]);
        assert_eq!(t.totals().0, 1);
    }

    #[test]
    fn bcast_sends_one_array_per_prefix_and_noloop_skips_own_keys() {
        let (mut t, mut ps) = setup();
        t.set_resp(1, 3);
        t.set_resp(2, 3);
        t.enable(1, 0, true, false, false, false, &[b"a:".to_vec()]);
        t.enable(2, 0, true, false, false, true, &[]);
        t.invalidate_key(&mut ps, b"a:2", 2, true);
        t.invalidate_key(&mut ps, b"a:1", 3, true);
        t.invalidate_key(&mut ps, b"b", 2, true);
        t.broadcast(&mut ps);
        assert_eq!(ps.take(1), vec![invalidate(&["a:1", "a:2"])]);
        assert_eq!(ps.take(2), vec![invalidate(&["a:1"])]);
        assert_eq!(t.totals().2, 2);
        t.disable(1);
        t.disable(2);
        assert_eq!(t.totals().2, 0);
    }

    #[test]
    fn flush_sends_null_and_empties_the_table() {
        let (mut t, mut ps) = setup();
        t.set_resp(1, 3);
        t.enable(1, 0, false, false, false, false, &[]);
        t.remember(1, [b"a".as_slice(), b"b".as_slice()]);
        t.invalidate_all(&mut ps);
        assert_eq!(
            ps.take(1),
            vec![Reply::Push(vec![
                Reply::Bulk(b"invalidate".to_vec()),
                Reply::Nil
            ])]
        );
        assert_eq!(t.totals(), (0, 0, 0));
    }

    #[test]
    fn limit_evicts_keys_down_to_max() {
        let (mut t, mut ps) = setup();
        t.set_resp(1, 3);
        t.enable(1, 0, false, false, false, false, &[]);
        for k in ["a", "b", "c", "d"] {
            t.remember(1, [k.as_bytes()]);
        }
        t.limit(&mut ps, 1, &mut |n| n - 1);
        assert_eq!(t.totals().0, 1);
        assert_eq!(ps.take(1).len(), 3);
    }
}
