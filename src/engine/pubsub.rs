//! Pub/Sub: channels, patterns and shard channels, and the messages waiting for each
//! subscriber.
//!
//! Redis keeps two views of every subscription, and so do we: the server's (channel →
//! the clients subscribed, in the order they subscribed, which is the order a message is
//! delivered in) and each client's (its channels, patterns and shard channels, which
//! give the counts in the `subscribe` replies and what a bare UNSUBSCRIBE drops).
//!
//! Delivery is at-most-once: PUBLISH appends the message to each subscriber's outbox
//! (Redis's client output buffer) and forgets it. Nobody listening means the message is
//! gone, and the reply (how many received it) says so. The host drains outboxes: the
//! server writes them to the sockets, the app prints them in the subscribed tab. A
//! subscriber that does not read lets its outbox grow; `client-output-buffer-limit
//! pubsub <hard> <soft> <seconds>` disconnects it, as Redis does.
//!
//! A message is encoded once per PUBLISH (once per matching pattern for `pmessage`) and
//! the bytes are shared by every outbox it goes to ([`Pending::Wire`]): fan-out to ten
//! subscribers costs ten reference counts, not ten copies of three strings. The server
//! copies the bytes to the socket in the client's protocol (`take_wire`: RESP3 differs
//! only in the first byte, `>` for `*`); the app takes them back as reply values.
//!
//! Messages are replies of their own kind ([`Reply::Push`]): RESP3 clients get them as
//! push frames (`>3`), RESP2 clients as plain arrays. Confirmations (`subscribe`,
//! `unsubscribe` …) have the same shape, and a command that confirms several channels
//! answers with several of them in a row ([`Reply::Seq`]).
//!
//! Patterns match with Redis's glob (`stringmatchlen`, case-sensitive). Keyspace
//! notifications publish through [`PubSub::publish`] too (see `Core::notify`).

use std::collections::HashMap;
use std::rc::Rc;

use super::dict::FastMap;
use super::reply::Reply;
use super::util::glob_match;

/// Plain channels or shard channels (SSUBSCRIBE / SPUBLISH): separate namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plain,
    Shard,
}

impl Kind {
    fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Plain => ("subscribe", "unsubscribe", "message"),
            Kind::Shard => ("ssubscribe", "sunsubscribe", "smessage"),
        }
    }
}

/// One client's subscriptions, each list in subscription order.
#[derive(Clone, Debug, Default)]
pub struct ClientSubs {
    pub channels: Vec<Vec<u8>>,
    pub patterns: Vec<Vec<u8>>,
    pub shard: Vec<Vec<u8>>,
}

impl ClientSubs {
    fn list(&mut self, kind: Kind) -> &mut Vec<Vec<u8>> {
        match kind {
            Kind::Plain => &mut self.channels,
            Kind::Shard => &mut self.shard,
        }
    }
    fn total(&self) -> usize {
        self.channels.len() + self.patterns.len() + self.shard.len()
    }
}

/// Something waiting for a client: a message, encoded once for every subscriber it
/// goes to, or any other reply (MONITOR's lines).
#[derive(Clone, Debug)]
pub enum Pending {
    /// A `message`/`smessage`/`pmessage` push as a RESP2 client reads it (`*3\r\n$7\r\n
    /// message\r\n…`, bulk strings only); a RESP3 client gets the same bytes with `>`
    /// in place of the leading `*`. Shared: one PUBLISH to ten subscribers encodes once.
    Wire(Rc<[u8]>),
    Reply(Reply),
}

impl Pending {
    /// The message as a reply value (for hosts that show replies rather than bytes).
    fn into_reply(self) -> Reply {
        match self {
            Pending::Reply(r) => r,
            Pending::Wire(w) => decode_push(&w),
        }
    }

    /// Appends the wire form for a client speaking RESP `resp`; `encode` writes any
    /// other reply (the host's RESP encoder).
    fn write(&self, resp: u8, out: &mut Vec<u8>, encode: &mut impl FnMut(&Reply, &mut Vec<u8>)) {
        match self {
            Pending::Wire(w) => {
                let start = out.len();
                out.extend_from_slice(w);
                if resp >= 3 {
                    out[start] = b'>';
                }
            }
            Pending::Reply(r) => encode(r, out),
        }
    }
}

/// Appends a RESP header: the type byte, the number, CRLF.
fn wire_header(w: &mut Vec<u8>, kind: u8, n: usize) {
    w.push(kind);
    if n < 10 {
        w.push(b'0' + n as u8);
    } else if n < 100 {
        w.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
    } else {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = n;
        while v > 0 {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        w.extend_from_slice(&digits[i..]);
    }
    w.extend_from_slice(b"\r\n");
}

/// Encodes a push of bulk strings as RESP2 writes it (`*N`, then each `$len`), in `w`
/// (a buffer reused from one message to the next), and returns it to be shared.
fn encode_push(w: &mut Vec<u8>, parts: &[&[u8]]) -> Rc<[u8]> {
    w.clear();
    wire_header(w, b'*', parts.len());
    for p in parts {
        wire_header(w, b'$', p.len());
        w.extend_from_slice(p);
        w.extend_from_slice(b"\r\n");
    }
    Rc::from(&w[..])
}

/// The push `encode_push` encoded, back as a reply value.
fn decode_push(w: &[u8]) -> Reply {
    // Reads the number after the type byte at `pos`, up to its CRLF.
    fn number(w: &[u8], pos: &mut usize) -> usize {
        let mut n = 0;
        *pos += 1;
        while w[*pos] != b'\r' {
            n = n * 10 + (w[*pos] - b'0') as usize;
            *pos += 1;
        }
        *pos += 2;
        n
    }
    let mut pos = 0;
    let count = number(w, &mut pos);
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        let len = number(w, &mut pos);
        items.push(Reply::Bulk(w[pos..pos + len].to_vec()));
        pos += len + 2;
    }
    Reply::Push(items)
}

/// A client's undelivered messages.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    pub queue: Vec<Pending>,
    /// What the queue would take on the wire (RESP2 sizes), for the output buffer limit.
    pub bytes: u64,
    /// Since when the queue has been over the soft limit (ms), if it is.
    pub soft_since: Option<i64>,
}

/// The output buffer limit for Pub/Sub clients (`client-output-buffer-limit pubsub`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

impl Default for BufferLimit {
    fn default() -> Self {
        BufferLimit {
            hard: 32 << 20,
            soft: 8 << 20,
            soft_seconds: 60,
        }
    }
}

pub struct PubSub {
    channels: HashMap<Vec<u8>, Vec<u64>>,
    shard: HashMap<Vec<u8>, Vec<u64>>,
    /// Pattern → subscribers, patterns in the order first subscribed.
    patterns: Vec<(Vec<u8>, Vec<u64>)>,
    clients: HashMap<u64, ClientSubs>,
    outbox: FastMap<u64, Outbox>,
    /// Clients whose outbox got something since the host last asked.
    fresh: Vec<u64>,
    /// Clients over their output buffer limit, for the host to disconnect.
    overflowed: Vec<u64>,
    /// Lines for the running command's own client, written after its reply.
    after: Vec<(u64, Reply)>,
    /// Messages delivered (each copy counts), for the panels and INFO.
    pub delivered: u64,
    /// The latest messages published, newest last (bounded), for the messaging panel.
    pub recent: Vec<Published>,
    /// Whether `recent` is kept (the browser's panel reads it; a server turns it off).
    pub keep_recent: bool,
    /// Messages published so far (received or not): the last entry of `recent` is
    /// number `published`, so a host can tell which entries are new since it last looked.
    pub published: u64,
    /// Where keyspace notifications build their channel names (reused).
    pub(crate) channel_buf: Vec<u8>,
    /// Where a message is encoded before it is shared (reused).
    wire_buf: Vec<u8>,
}

impl Default for PubSub {
    fn default() -> Self {
        PubSub {
            channels: HashMap::new(),
            shard: HashMap::new(),
            patterns: Vec::new(),
            clients: HashMap::new(),
            outbox: FastMap::default(),
            fresh: Vec::new(),
            overflowed: Vec::new(),
            after: Vec::new(),
            delivered: 0,
            recent: Vec::new(),
            keep_recent: true,
            published: 0,
            channel_buf: Vec::new(),
            wire_buf: Vec::new(),
        }
    }
}

/// One PUBLISH as the messaging panel shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    pub channel: Vec<u8>,
    pub message: Vec<u8>,
    pub shard: bool,
    /// Who got it, and through which pattern (None: subscribed to the channel itself).
    pub receivers: Vec<(u64, Option<Vec<u8>>)>,
}

const RECENT_MAX: usize = 64;

/// Channels (or patterns) with the clients listening to each.
pub type Listeners = Vec<(Vec<u8>, Vec<u64>)>;

fn bulk(b: &[u8]) -> Reply {
    Reply::Bulk(b.to_vec())
}

fn word(w: &str) -> Reply {
    Reply::Bulk(w.as_bytes().to_vec())
}

/// The size of a message of these bulk strings as the output buffer limit counts it.
fn wire_size(parts: &[&[u8]]) -> u64 {
    4 + parts.iter().map(|p| p.len() as u64 + 16).sum::<u64>()
}

/// The outboxes, borrowed apart from the subscription tables while a message goes out.
struct Mail<'a> {
    outbox: &'a mut FastMap<u64, Outbox>,
    fresh: &'a mut Vec<u64>,
    overflowed: &'a mut Vec<u64>,
    now_ms: i64,
    limit: BufferLimit,
}

impl Mail<'_> {
    /// Queues an encoded message of `size` (as the limit counts it) for a client.
    fn deliver(&mut self, client: u64, wire: &Rc<[u8]>, size: u64) {
        let (now_ms, limit) = (self.now_ms, self.limit);
        let out = self.outbox.entry(client).or_default();
        if out.queue.is_empty() {
            self.fresh.push(client);
        }
        out.queue.push(Pending::Wire(wire.clone()));
        out.bytes += size;
        // Redis's checkClientOutputBufferLimits: over the hard limit at once, over the
        // soft limit for longer than its seconds.
        let over_hard = limit.hard > 0 && out.bytes >= limit.hard;
        let over_soft = limit.soft > 0 && out.bytes >= limit.soft;
        let mut close = over_hard;
        if over_soft {
            let since = *out.soft_since.get_or_insert(now_ms);
            if now_ms - since > (limit.soft_seconds as i64) * 1000 {
                close = true;
            }
        } else {
            out.soft_since = None;
        }
        if close && !self.overflowed.contains(&client) {
            self.overflowed.push(client);
        }
    }
}

impl PubSub {
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.shard.is_empty() && self.patterns.is_empty()
    }

    /// The client's subscriptions (none: an empty set).
    pub fn of(&self, client: u64) -> Option<&ClientSubs> {
        self.clients.get(&client)
    }

    /// Whether the client is in Pub/Sub mode (subscribed to anything).
    pub fn subscribed(&self, client: u64) -> bool {
        self.clients.get(&client).is_some_and(|s| s.total() > 0)
    }

    /// Redis's clientSubscriptionsCount (channels and patterns) or, for shard channels,
    /// the shard count.
    fn count(&self, client: u64, kind: Kind) -> i64 {
        self.clients.get(&client).map_or(0, |s| match kind {
            Kind::Plain => s.channels.len() + s.patterns.len(),
            Kind::Shard => s.shard.len(),
        }) as i64
    }

    fn server_map(&mut self, kind: Kind) -> &mut HashMap<Vec<u8>, Vec<u64>> {
        match kind {
            Kind::Plain => &mut self.channels,
            Kind::Shard => &mut self.shard,
        }
    }

    /// SUBSCRIBE / SSUBSCRIBE one channel; the confirmation.
    pub fn subscribe(&mut self, client: u64, channel: &[u8], kind: Kind) -> Reply {
        let subs = self.clients.entry(client).or_default().list(kind);
        if !subs.iter().any(|c| c == channel) {
            subs.push(channel.to_vec());
            self.server_map(kind)
                .entry(channel.to_vec())
                .or_default()
                .push(client);
        }
        let count = self.count(client, kind);
        Reply::Push(vec![word(kind.words().0), bulk(channel), Reply::Int(count)])
    }

    /// UNSUBSCRIBE / SUNSUBSCRIBE one channel; the confirmation.
    pub fn unsubscribe(&mut self, client: u64, channel: &[u8], kind: Kind) -> Reply {
        self.drop_channel(client, channel, kind);
        let count = self.count(client, kind);
        Reply::Push(vec![word(kind.words().1), bulk(channel), Reply::Int(count)])
    }

    fn drop_channel(&mut self, client: u64, channel: &[u8], kind: Kind) -> bool {
        let Some(subs) = self.clients.get_mut(&client) else {
            return false;
        };
        let list = subs.list(kind);
        let Some(i) = list.iter().position(|c| c == channel) else {
            return false;
        };
        list.remove(i);
        let map = self.server_map(kind);
        if let Some(who) = map.get_mut(channel) {
            who.retain(|&c| c != client);
            if who.is_empty() {
                map.remove(channel);
            }
        }
        true
    }

    /// A bare UNSUBSCRIBE / SUNSUBSCRIBE: every channel, one confirmation each (or one
    /// with a nil channel when there were none).
    pub fn unsubscribe_all(&mut self, client: u64, kind: Kind) -> Vec<Reply> {
        let list = self
            .clients
            .get_mut(&client)
            .map(|s| s.list(kind).clone())
            .unwrap_or_default();
        let mut out: Vec<Reply> = list
            .iter()
            .map(|ch| self.unsubscribe(client, ch, kind))
            .collect();
        if out.is_empty() {
            let count = self.count(client, kind);
            out.push(Reply::Push(vec![
                word(kind.words().1),
                Reply::Nil,
                Reply::Int(count),
            ]));
        }
        out
    }

    /// PSUBSCRIBE one pattern; the confirmation.
    pub fn psubscribe(&mut self, client: u64, pattern: &[u8]) -> Reply {
        let subs = self.clients.entry(client).or_default();
        if !subs.patterns.iter().any(|p| p == pattern) {
            subs.patterns.push(pattern.to_vec());
            match self.patterns.iter_mut().find(|(p, _)| p == pattern) {
                Some((_, who)) => who.push(client),
                None => self.patterns.push((pattern.to_vec(), vec![client])),
            }
        }
        let count = self.count(client, Kind::Plain);
        Reply::Push(vec![word("psubscribe"), bulk(pattern), Reply::Int(count)])
    }

    fn drop_pattern(&mut self, client: u64, pattern: &[u8]) {
        let Some(subs) = self.clients.get_mut(&client) else {
            return;
        };
        let Some(i) = subs.patterns.iter().position(|p| p == pattern) else {
            return;
        };
        subs.patterns.remove(i);
        if let Some(j) = self.patterns.iter().position(|(p, _)| p == pattern) {
            self.patterns[j].1.retain(|&c| c != client);
            if self.patterns[j].1.is_empty() {
                self.patterns.remove(j);
            }
        }
    }

    /// PUNSUBSCRIBE one pattern; the confirmation.
    pub fn punsubscribe(&mut self, client: u64, pattern: &[u8]) -> Reply {
        self.drop_pattern(client, pattern);
        let count = self.count(client, Kind::Plain);
        Reply::Push(vec![word("punsubscribe"), bulk(pattern), Reply::Int(count)])
    }

    /// A bare PUNSUBSCRIBE.
    pub fn punsubscribe_all(&mut self, client: u64) -> Vec<Reply> {
        let list = self
            .clients
            .get(&client)
            .map(|s| s.patterns.clone())
            .unwrap_or_default();
        let mut out: Vec<Reply> = list.iter().map(|p| self.punsubscribe(client, p)).collect();
        if out.is_empty() {
            let count = self.count(client, Kind::Plain);
            out.push(Reply::Push(vec![
                word("punsubscribe"),
                Reply::Nil,
                Reply::Int(count),
            ]));
        }
        out
    }

    /// Drops every subscription of a client (it disconnected, or sent RESET) and its
    /// undelivered messages.
    pub fn forget(&mut self, client: u64) {
        if let Some(subs) = self.clients.get(&client).cloned() {
            for ch in &subs.channels {
                self.drop_channel(client, ch, Kind::Plain);
            }
            for ch in &subs.shard {
                self.drop_channel(client, ch, Kind::Shard);
            }
            for p in &subs.patterns {
                self.drop_pattern(client, p);
            }
        }
        self.clients.remove(&client);
        self.outbox.remove(&client);
        self.after.retain(|(c, _)| *c != client);
        self.fresh.retain(|&c| c != client);
        self.overflowed.retain(|&c| c != client);
    }

    /// PUBLISH / SPUBLISH: queues the message for every subscriber of the channel and,
    /// for plain channels, of every matching pattern. Returns how many got it.
    ///
    /// The message is encoded once (once per matching pattern for `pmessage`) and the
    /// encoded bytes shared by every subscriber's outbox.
    pub fn publish(
        &mut self,
        channel: &[u8],
        message: &[u8],
        kind: Kind,
        now_ms: i64,
        limit: BufferLimit,
    ) -> i64 {
        let mut n = 0;
        let mut mail = Mail {
            outbox: &mut self.outbox,
            fresh: &mut self.fresh,
            overflowed: &mut self.overflowed,
            now_ms,
            limit,
        };
        // Channel subscribers first, in the order they subscribed, then each matching
        // pattern's.
        let map = match kind {
            Kind::Plain => &self.channels,
            Kind::Shard => &self.shard,
        };
        if let Some(who) = map.get(channel) {
            let parts = [kind.words().2.as_bytes(), channel, message];
            let wire = encode_push(&mut self.wire_buf, &parts);
            let size = wire_size(&parts);
            for &client in who {
                mail.deliver(client, &wire, size);
            }
            n += who.len();
        }
        if kind == Kind::Plain {
            for (pattern, who) in &self.patterns {
                if glob_match(pattern, channel, false) {
                    let parts = [b"pmessage".as_slice(), pattern, channel, message];
                    let wire = encode_push(&mut self.wire_buf, &parts);
                    let size = wire_size(&parts);
                    for &client in who {
                        mail.deliver(client, &wire, size);
                    }
                    n += who.len();
                }
            }
        }
        self.delivered += n as u64;
        self.published += 1;
        // The panel's history: only where somebody shows it (a server does not).
        if self.keep_recent {
            if self.recent.len() >= RECENT_MAX {
                self.recent.remove(0);
            }
            let mut receivers: Vec<(u64, Option<Vec<u8>>)> = map
                .get(channel)
                .map(|who| who.iter().map(|&c| (c, None)).collect())
                .unwrap_or_default();
            if kind == Kind::Plain {
                for (pattern, who) in &self.patterns {
                    if glob_match(pattern, channel, false) {
                        receivers.extend(who.iter().map(|&c| (c, Some(pattern.clone()))));
                    }
                }
            }
            self.recent.push(Published {
                channel: channel.to_vec(),
                message: message.to_vec(),
                shard: kind == Kind::Shard,
                receivers,
            });
        }
        n as i64
    }

    /// Whether publishing to this channel would reach anyone (keyspace notifications
    /// skip building their channel names when nobody listens).
    pub fn has_listeners(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty()
    }

    /// Queues any reply for a client outside of Pub/Sub (MONITOR's lines): no limit.
    pub fn push_to(&mut self, client: u64, reply: Reply) {
        let out = self.outbox.entry(client).or_default();
        if out.queue.is_empty() {
            self.fresh.push(client);
        }
        out.queue.push(Pending::Reply(reply));
    }

    /// Queues a line for the client that is running the command it shows (a monitor
    /// watching itself): Redis writes it after the command's reply.
    pub fn push_after(&mut self, client: u64, reply: Reply) {
        self.after.push((client, reply));
    }

    /// Takes what `push_after` queued for a client.
    pub fn take_after(&mut self, client: u64) -> Vec<Reply> {
        if self.after.is_empty() {
            return Vec::new();
        }
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.after)
            .into_iter()
            .partition(|(c, _)| *c == client);
        self.after = rest;
        mine.into_iter().map(|(_, r)| r).collect()
    }

    /// Takes the client's undelivered messages, oldest first.
    pub fn take(&mut self, client: u64) -> Vec<Reply> {
        match self.outbox.get_mut(&client) {
            Some(out) if !out.queue.is_empty() => {
                out.bytes = 0;
                out.soft_since = None;
                std::mem::take(&mut out.queue)
                    .into_iter()
                    .map(Pending::into_reply)
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Takes the client's undelivered messages, oldest first, as the bytes a client
    /// speaking RESP `resp` reads: appended to `out`, other replies through `encode`.
    /// (What `take` gives as values, for a host that writes to sockets.)
    pub fn take_wire(
        &mut self,
        client: u64,
        resp: u8,
        out: &mut Vec<u8>,
        mut encode: impl FnMut(&Reply, &mut Vec<u8>),
    ) {
        if let Some(ob) = self.outbox.get_mut(&client) {
            if ob.queue.is_empty() {
                return;
            }
            ob.bytes = 0;
            ob.soft_since = None;
            for m in ob.queue.drain(..) {
                m.write(resp, out, &mut encode);
            }
            // A subscriber that fell behind once does not keep its peak queue.
            if ob.queue.capacity() > 1024 {
                ob.queue = Vec::new();
            }
        }
    }

    /// The bytes waiting in a client's outbox (CLIENT LIST's omem, roughly).
    pub fn pending_bytes(&self, client: u64) -> u64 {
        self.outbox.get(&client).map_or(0, |o| o.bytes)
    }

    /// The clients that got messages since the last call.
    pub fn take_fresh(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.fresh)
    }

    /// Asks the host to close a client (one whose ACL user went away), through the same
    /// path as a subscriber over its output buffer limit.
    pub fn schedule_close(&mut self, client: u64) {
        if !self.overflowed.contains(&client) {
            self.overflowed.push(client);
        }
    }

    /// The clients over their output buffer limit since the last call.
    pub fn take_overflowed(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.overflowed)
    }

    /// Active channels (PUBSUB CHANNELS / SHARDCHANNELS), optionally matching a pattern.
    pub fn channel_names(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let map = match kind {
            Kind::Plain => &self.channels,
            Kind::Shard => &self.shard,
        };
        let mut names: Vec<Vec<u8>> = map
            .keys()
            .filter(|ch| pattern.is_none_or(|p| glob_match(p, ch, false)))
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// How many clients subscribe to a channel (not counting patterns).
    pub fn numsub(&self, channel: &[u8], kind: Kind) -> i64 {
        let map = match kind {
            Kind::Plain => &self.channels,
            Kind::Shard => &self.shard,
        };
        map.get(channel).map_or(0, |v| v.len() as i64)
    }

    /// How many distinct patterns have subscribers (PUBSUB NUMPAT).
    pub fn numpat(&self) -> i64 {
        self.patterns.len() as i64
    }

    /// Every channel with its subscribers, and every pattern with its subscribers, for
    /// the messaging panel.
    pub fn overview(&self) -> (Listeners, Listeners) {
        let mut ch: Listeners = self
            .channels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        ch.sort();
        (ch, self.patterns.clone())
    }
}

/// `notify-keyspace-events` classes as flags (Redis's NOTIFY_* bits).
pub mod flags {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const KEYEVENT: u32 = 1 << 1;
    pub const GENERIC: u32 = 1 << 2;
    pub const STRING: u32 = 1 << 3;
    pub const LIST: u32 = 1 << 4;
    pub const SET: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const ZSET: u32 = 1 << 7;
    pub const EXPIRED: u32 = 1 << 8;
    pub const EVICTED: u32 = 1 << 9;
    pub const STREAM: u32 = 1 << 10;
    pub const KEY_MISS: u32 = 1 << 11;
    pub const MODULE: u32 = 1 << 13;
    pub const NEW: u32 = 1 << 14;
    /// `A`: every class but key-miss and new.
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

    /// The flag of a class letter (as `keyspaceEventsStringToFlags` reads it).
    pub fn of_letter(c: char) -> Option<u32> {
        Some(match c {
            'A' => ALL,
            'g' => GENERIC,
            '$' => STRING,
            'l' => LIST,
            's' => SET,
            'h' => HASH,
            'z' => ZSET,
            'x' => EXPIRED,
            'e' => EVICTED,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            't' => STREAM,
            'm' => KEY_MISS,
            'd' => MODULE,
            'n' => NEW,
            _ => return None,
        })
    }

    /// Parses a `notify-keyspace-events` value; None on a letter Redis does not know.
    pub fn parse(text: &str) -> Option<u32> {
        text.chars()
            .try_fold(0, |acc, c| of_letter(c).map(|f| acc | f))
    }

    /// The canonical text CONFIG GET shows (`keyspaceEventsFlagsToString`).
    pub fn to_text(flags: u32) -> String {
        let mut s = String::new();
        if flags & ALL == ALL {
            s.push('A');
        } else {
            for (f, c) in [
                (GENERIC, 'g'),
                (STRING, '$'),
                (LIST, 'l'),
                (SET, 's'),
                (HASH, 'h'),
                (ZSET, 'z'),
                (EXPIRED, 'x'),
                (EVICTED, 'e'),
                (STREAM, 't'),
                (MODULE, 'd'),
                (NEW, 'n'),
            ] {
                if flags & f != 0 {
                    s.push(c);
                }
            }
        }
        for (f, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
            if flags & f != 0 {
                s.push(c);
            }
        }
        s
    }
}

/// A RESP2 client in Pub/Sub mode may only (un)subscribe, PING, QUIT and RESET: the
/// error for any other command `spec` (processCommand's check), or `None`.
pub fn resp2_subscriber_refusal(spec: &crate::engine::table::CommandSpec) -> Option<String> {
    const ALLOWED: [&str; 9] = [
        "ping",
        "subscribe",
        "ssubscribe",
        "unsubscribe",
        "sunsubscribe",
        "psubscribe",
        "punsubscribe",
        "quit",
        "reset",
    ];
    if spec.container.is_none() && ALLOWED.contains(&spec.name) {
        return None;
    }
    Some(format!(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
        spec.full_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim() -> BufferLimit {
        BufferLimit::default()
    }

    #[test]
    fn subscribe_counts_channels_and_patterns_but_not_shards() {
        let mut ps = PubSub::default();
        assert_eq!(
            ps.subscribe(1, b"a", Kind::Plain),
            Reply::Push(vec![word("subscribe"), bulk(b"a"), Reply::Int(1)])
        );
        assert_eq!(
            ps.psubscribe(1, b"n*"),
            Reply::Push(vec![word("psubscribe"), bulk(b"n*"), Reply::Int(2)])
        );
        assert_eq!(
            ps.subscribe(1, b"s", Kind::Shard),
            Reply::Push(vec![word("ssubscribe"), bulk(b"s"), Reply::Int(1)])
        );
        // Subscribing twice changes nothing.
        ps.subscribe(1, b"a", Kind::Plain);
        assert_eq!(ps.numsub(b"a", Kind::Plain), 1);
        assert!(ps.subscribed(1));
        ps.forget(1);
        assert!(!ps.subscribed(1));
        assert!(ps.is_empty());
    }

    #[test]
    fn publish_reaches_channel_then_pattern_subscribers_in_order() {
        let mut ps = PubSub::default();
        ps.subscribe(2, b"news", Kind::Plain);
        ps.subscribe(1, b"news", Kind::Plain);
        ps.psubscribe(1, b"ne*");
        ps.psubscribe(3, b"x*");
        assert_eq!(ps.publish(b"news", b"hi", Kind::Plain, 0, lim()), 3);
        assert_eq!(ps.take_fresh(), vec![2, 1]);
        let got = ps.take(1);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[1],
            Reply::Push(vec![
                word("pmessage"),
                bulk(b"ne*"),
                bulk(b"news"),
                bulk(b"hi")
            ])
        );
        assert!(ps.take(3).is_empty());
        // Shard channels are another namespace, and patterns do not see them.
        assert_eq!(ps.publish(b"news", b"x", Kind::Shard, 0, lim()), 0);
    }

    #[test]
    fn encoded_messages_read_as_the_replies_they_stand_for() {
        let mut ps = PubSub::default();
        ps.subscribe(1, b"news", Kind::Plain);
        ps.psubscribe(1, b"n*");
        ps.subscribe(2, b"news", Kind::Shard);
        let long = vec![b'x'; 1234];
        ps.publish(b"news", &long, Kind::Plain, 0, lim());
        ps.publish(b"news", b"", Kind::Shard, 0, lim());
        ps.push_to(1, Reply::Status("+1.5 [0 lua] \"ping\"".into()));
        let want1 = vec![
            Reply::Push(vec![word("message"), bulk(b"news"), bulk(&long)]),
            Reply::Push(vec![
                word("pmessage"),
                bulk(b"n*"),
                bulk(b"news"),
                bulk(&long),
            ]),
            Reply::Status("+1.5 [0 lua] \"ping\"".into()),
        ];
        let want2 = vec![Reply::Push(vec![
            word("smessage"),
            bulk(b"news"),
            bulk(b""),
        ])];
        // The bytes a host writes are those of the replies, in either protocol.
        for resp in [2, 3] {
            let mut copy = PubSub {
                outbox: ps.outbox.clone(),
                ..PubSub::default()
            };
            for (id, want) in [(1, &want1), (2, &want2)] {
                let mut got = Vec::new();
                copy.take_wire(id, resp, &mut got, |r, o| crate::resp::encode(r, resp, o));
                let mut expected = Vec::new();
                for r in want.iter() {
                    crate::resp::encode(r, resp, &mut expected);
                }
                assert_eq!(got, expected, "client {id}, RESP{resp}");
            }
            assert_eq!(copy.pending_bytes(1), 0);
        }
        assert_eq!(ps.take(1), want1);
        assert_eq!(ps.take(2), want2);
        assert!(ps.take(1).is_empty());
    }

    #[test]
    fn bare_unsubscribe_with_nothing_answers_nil() {
        let mut ps = PubSub::default();
        assert_eq!(
            ps.unsubscribe_all(9, Kind::Plain),
            vec![Reply::Push(vec![
                word("unsubscribe"),
                Reply::Nil,
                Reply::Int(0)
            ])]
        );
        ps.subscribe(9, b"a", Kind::Plain);
        ps.subscribe(9, b"b", Kind::Plain);
        let r = ps.unsubscribe_all(9, Kind::Plain);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[1],
            Reply::Push(vec![word("unsubscribe"), bulk(b"b"), Reply::Int(0)])
        );
        assert!(ps.channel_names(Kind::Plain, None).is_empty());
    }

    #[test]
    fn a_subscriber_that_does_not_read_overflows() {
        let mut ps = PubSub::default();
        ps.subscribe(1, b"c", Kind::Plain);
        let limit = BufferLimit {
            hard: 1000,
            soft: 0,
            soft_seconds: 0,
        };
        for _ in 0..10 {
            ps.publish(b"c", &[b'x'; 50], Kind::Plain, 0, limit);
        }
        assert_eq!(ps.take_overflowed(), vec![1]);
        // Soft limit: only after its seconds.
        let mut ps = PubSub::default();
        ps.subscribe(1, b"c", Kind::Plain);
        let limit = BufferLimit {
            hard: 0,
            soft: 100,
            soft_seconds: 2,
        };
        ps.publish(b"c", &[b'x'; 200], Kind::Plain, 0, limit);
        ps.publish(b"c", b"y", Kind::Plain, 1000, limit);
        assert!(ps.take_overflowed().is_empty());
        ps.publish(b"c", b"y", Kind::Plain, 2500, limit);
        assert_eq!(ps.take_overflowed(), vec![1]);
    }

    #[test]
    fn notify_flags_round_trip_as_redis_prints_them() {
        use flags::*;
        assert_eq!(to_text(parse("KEA").unwrap()), "AKE");
        assert_eq!(to_text(parse("Ex").unwrap()), "xE");
        assert_eq!(to_text(parse("KEAmn").unwrap()), "AKEm");
        assert_eq!(to_text(parse("Kg$lshzxetdn").unwrap()), "AK");
        assert_eq!(to_text(parse("nE").unwrap()), "nE");
        assert_eq!(parse("KEq"), None);
        assert_eq!(to_text(parse("").unwrap()), "");
    }
}
