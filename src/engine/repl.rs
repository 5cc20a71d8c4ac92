//! Replication, the master's side, as Redis 7.0's replication.c does it.
//!
//! A replica connects as a client, announces itself with REPLCONF (listening-port,
//! ip-address, capa) and asks for the stream with PSYNC (or the old SYNC). The master
//! answers `+FULLRESYNC <replid> <offset>` and the RDB image of the keyspace as a bulk
//! (`$<len>\r\n<bytes>`, no trailing CRLF), or, when the replica names this master's
//! replication ID and an offset the backlog still holds, `+CONTINUE <replid>` and the
//! bytes it missed. From then on it gets every write the master propagates: the very
//! stream the AOF gets (`Prop` in aof.rs, one propagation path), RESP-encoded with a
//! SELECT whenever the database changes (Redis's `slaveseldb`, reset by each full sync).
//!
//! `master_repl_offset` counts the bytes of that stream, as Redis's does: only once a
//! backlog exists (created by the first replica, kept afterwards: the TTL that frees it
//! in Redis is not modelled). The backlog keeps the last `repl-backlog-size` bytes for
//! partial resynchronisation.
//!
//! The image is made at once (no fork here: the event loop is busy meanwhile, which a
//! teaching server can afford), so the replica is `online` as soon as PSYNC returns, and
//! the stream that follows starts exactly at the image's offset.
//!
//! The engine keeps each replica's pending output (`Replica::out`); the host writes it
//! to the socket ([`super::Engine::take_repl_output`]). REPLCONF ACK moves a replica's
//! acknowledged offset, which WAIT counts.

use std::collections::{HashMap, VecDeque};

use super::aof::{Argv, Feed};

/// One connected replica, as the master sees it.
#[derive(Debug, Clone)]
pub struct Replica {
    pub id: u64,
    pub ip: String,
    pub port: u16,
    /// The offset it acknowledged last (REPLCONF ACK).
    pub ack_off: u64,
    /// When it acknowledged last (Unix ms), for INFO's `lag`.
    pub ack_ms: i64,
    /// Bytes for its socket not yet taken by the host.
    pub out: Vec<u8>,
}

/// The replica's side: the master it follows and the state of the link, which the host
/// (the server's connection to the master) keeps up to date.
#[derive(Debug, Clone, Default)]
pub struct MasterLink {
    pub host: String,
    pub port: u16,
    /// ROLE's state: connect, connecting, sync, connected.
    pub state: &'static str,
    /// The master client (the connection the stream comes on), once synced.
    pub client: Option<u64>,
    /// When the master was last heard from (Unix ms).
    pub last_io_ms: i64,
    /// When the link went down (Unix ms; 0: never up).
    pub down_since_ms: i64,
}

/// What REPLCONF announced before PSYNC.
#[derive(Debug, Clone, Default)]
pub struct Announce {
    pub port: u16,
    pub ip: Option<String>,
}

#[derive(Default, Debug)]
pub struct Repl {
    /// Bytes of the replication stream so far (INFO `master_repl_offset`).
    pub offset: u64,
    /// Whether the backlog exists (the first replica made it).
    pub backlog_on: bool,
    /// The last bytes of the stream; `backlog_start` is the offset of its first byte
    /// (Redis counts from 1: the byte after offset N is N+1).
    pub backlog: VecDeque<u8>,
    pub backlog_start: u64,
    pub replicas: Vec<Replica>,
    /// REPLCONF listening-port / ip-address, by client, until its PSYNC.
    pub announced: HashMap<u64, Announce>,
    /// Which database the stream has selected.
    feed: Feed,
    /// Clients blocked in WAIT: (client, offset to reach, replicas wanted).
    pub waiting: Vec<(u64, u64, i64)>,
    /// The offset each client's last write reached (Redis's `c->woff`).
    pub woff: HashMap<u64, u64>,
    /// A REPLCONF ACK arrived since the blocked WAITs were looked at.
    pub acks_changed: bool,
    /// WAIT blocked since the last GETACK was sent (beforeSleep's get_ack_from_slaves).
    pub want_getack: bool,
    /// When the master last pinged its replicas (Unix ms).
    pub last_ping_ms: i64,
    /// The master this server replicates (REPLICAOF host port), if any.
    pub master: Option<MasterLink>,
    /// Moves at each REPLICAOF: the host drops its link and starts the one asked for.
    pub master_gen: u64,
    /// The master's stream is being applied (its commands are not fed again).
    pub applying: bool,
    /// The replication ID before the last REPLICAOF NO ONE (`master_replid2`).
    pub replid2: Option<String>,
    pub second_offset: Option<i64>,
}

impl Repl {
    pub fn is_replica(&self, id: u64) -> bool {
        self.replicas.iter().any(|r| r.id == id)
    }

    /// The master client's id, when this server is a replica with its link up.
    pub fn master_client(&self) -> Option<u64> {
        self.master.as_ref()?.client
    }

    /// Bytes of the master's stream, applied: counted, and passed on as they are.
    pub fn proxy(&mut self, raw: &[u8], backlog_size: usize) {
        if self.backlog_on {
            self.feed_bytes(raw, backlog_size);
        } else {
            self.offset += raw.len() as u64;
        }
    }

    /// A full synchronisation: the stream starts again at `offset` (a new backlog; the
    /// replicas of this server must sync again, which their next PSYNC does).
    pub fn reset_stream(&mut self, offset: u64) {
        self.offset = offset;
        self.backlog.clear();
        self.backlog_start = offset + 1;
        self.feed = Feed::new();
    }

    /// Appends propagated commands to the stream: the backlog and every replica.
    pub fn feed<'a>(
        &mut self,
        cmds: impl IntoIterator<Item = (i64, &'a Argv)>,
        backlog_size: usize,
    ) {
        if !self.backlog_on {
            return;
        }
        let mut bytes = Vec::new();
        for (db, argv) in cmds {
            self.feed.append(db, argv, &mut bytes);
        }
        if !bytes.is_empty() {
            self.feed_bytes(&bytes, backlog_size);
        }
    }

    fn feed_bytes(&mut self, bytes: &[u8], backlog_size: usize) {
        self.offset += bytes.len() as u64;
        self.backlog.extend(bytes.iter().copied());
        let excess = self.backlog.len().saturating_sub(backlog_size.max(1));
        if excess > 0 {
            self.backlog.drain(..excess);
            self.backlog_start += excess as u64;
        }
        for r in &mut self.replicas {
            r.out.extend_from_slice(bytes);
        }
    }

    /// Creates the backlog (the first replica's sync), as Redis's createReplicationBacklog.
    fn start_backlog(&mut self) {
        if !self.backlog_on {
            self.backlog_on = true;
            self.backlog.clear();
            self.backlog_start = self.offset + 1;
        }
    }

    /// The backlog's bytes from offset `from` (1-based), if it still holds them all.
    pub fn backlog_from(&self, from: u64) -> Option<Vec<u8>> {
        if !self.backlog_on
            || from < self.backlog_start
            || from > self.backlog_start + self.backlog.len() as u64
        {
            return None;
        }
        let skip = (from - self.backlog_start) as usize;
        Some(self.backlog.iter().skip(skip).copied().collect())
    }

    /// Registers client `id` as an online replica whose stream starts with `first`.
    pub fn attach(&mut self, id: u64, peer_ip: String, first: Vec<u8>, now_ms: i64, full: bool) {
        self.start_backlog();
        // The first PING comes a period after the first replica (Redis pings on its
        // cron's multiples of repl-ping-replica-period, not at once).
        if self.last_ping_ms == 0 {
            self.last_ping_ms = now_ms;
        }
        if full {
            // The next command names its database (Redis sets slaveseldb to -1).
            self.feed = Feed::new();
        }
        let a = self.announced.remove(&id).unwrap_or_default();
        self.replicas.retain(|r| r.id != id);
        self.replicas.push(Replica {
            id,
            ip: a.ip.unwrap_or(peer_ip),
            port: a.port,
            ack_off: 0,
            ack_ms: now_ms,
            out: first,
        });
    }

    /// A client went away.
    pub fn forget(&mut self, id: u64) {
        self.replicas.retain(|r| r.id != id);
        self.announced.remove(&id);
        self.waiting.retain(|w| w.0 != id);
        self.woff.remove(&id);
    }

    /// How many replicas acknowledged `offset` or more.
    pub fn acked(&self, offset: u64) -> i64 {
        self.replicas.iter().filter(|r| r.ack_off >= offset).count() as i64
    }

    /// The stream's PING (every `repl-ping-replica-period` seconds) or REPLCONF GETACK *
    /// (for WAIT), as Redis's replicationCron and beforeSleep send them to all replicas.
    pub fn send_to_all(&mut self, argv: &[&str], backlog_size: usize) {
        if !self.backlog_on || self.replicas.is_empty() {
            return;
        }
        let argv: Argv = argv.iter().map(|a| a.as_bytes().to_vec()).collect();
        let mut bytes = Vec::new();
        // Not database-bound: no SELECT.
        self.feed.append(-1, &argv, &mut bytes);
        self.feed_bytes(&bytes, backlog_size);
    }
}

impl super::Core {
    /// REPLICAOF host port: the link starts (the host sees `master_gen` move).
    pub fn set_master(&mut self, host: String, port: u16, now_ms: i64) {
        self.repl.master = Some(MasterLink {
            host,
            port,
            state: "connect",
            client: None,
            last_io_ms: now_ms,
            down_since_ms: 0,
        });
        self.repl.master_gen += 1;
    }

    /// REPLICAOF NO ONE: a master again, with a new replication ID (the old one is
    /// `master_replid2`, valid up to the offset reached), as Redis's shiftReplicationId.
    pub fn become_master(&mut self) {
        self.repl.master = None;
        self.repl.master_gen += 1;
        let old = std::mem::take(&mut self.replid);
        self.replid = {
            use rand::RngExt;
            (0..40)
                .map(|_| char::from(b"0123456789abcdef"[self.rng.random_range(0..16)]))
                .collect()
        };
        self.repl.replid2 = Some(old);
        self.repl.second_offset = Some(self.repl.offset as i64 + 1);
        self.repl.feed = Feed::new();
    }

    /// INFO replication, as a master's replicationInfo section.
    pub fn info_replication(&self) -> String {
        let r = &self.repl;
        let mut s = String::from("# Replication\r\n");
        match &r.master {
            None => s.push_str("role:master\r\n"),
            Some(m) => {
                let up = m.state == "connected";
                s.push_str(&format!(
                    "role:slave\r\nmaster_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\nmaster_last_io_seconds_ago:{}\r\nmaster_sync_in_progress:{}\r\nslave_read_repl_offset:{}\r\nslave_repl_offset:{}\r\n",
                    m.host,
                    m.port,
                    if up { "up" } else { "down" },
                    if m.client.is_some() { (self.now - m.last_io_ms).max(0) / 1000 } else { -1 },
                    u8::from(m.state == "sync"),
                    r.offset,
                    r.offset,
                ));
                if !up {
                    s.push_str(&format!(
                        "master_link_down_since_seconds:{}\r\n",
                        if m.down_since_ms > 0 {
                            (self.now - m.down_since_ms).max(0) / 1000
                        } else {
                            -1
                        }
                    ));
                }
                s.push_str(&format!(
                    "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
                    self.config
                        .get("replica-priority")
                        .unwrap_or_else(|| "100".into()),
                    u8::from(self.config.get("replica-read-only").as_deref() != Some("no")),
                    u8::from(self.config.get("replica-announced").as_deref() != Some("no")),
                ));
            }
        }
        s.push_str(&format!("connected_slaves:{}\r\n", r.replicas.len()));
        if self.config.min_replicas_on {
            s.push_str(&format!(
                "min_slaves_good_slaves:{}\r\n",
                self.good_replicas()
            ));
        }
        for (i, rep) in r.replicas.iter().enumerate() {
            s.push_str(&format!(
                "slave{i}:ip={},port={},state=online,offset={},lag={}\r\n",
                rep.ip,
                rep.port,
                rep.ack_off,
                (self.now - rep.ack_ms).max(0) / 1000
            ));
        }
        s.push_str(&format!(
            "master_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\nmaster_repl_offset:{}\r\nsecond_repl_offset:{}\r\nrepl_backlog_active:{}\r\nrepl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
            self.replid,
            r.replid2.as_deref().unwrap_or("0000000000000000000000000000000000000000"),
            r.offset,
            r.second_offset.unwrap_or(-1),
            u8::from(r.backlog_on),
            self.repl_backlog_size(),
            if r.backlog_on { r.backlog_start } else { 0 },
            r.backlog.len()
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Argv {
        s.split(' ').map(|a| a.as_bytes().to_vec()).collect()
    }

    #[test]
    fn stream_counts_bytes_and_selects() {
        let mut r = Repl::default();
        r.feed([(0, &argv("SET a 1"))], 1024);
        assert_eq!(r.offset, 0, "no backlog, no offset (as Redis)");
        r.attach(7, "127.0.0.1".into(), Vec::new(), 0, true);
        r.feed([(0, &argv("SET a 1")), (0, &argv("INCR a"))], 1024);
        let want = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n";
        assert_eq!(r.replicas[0].out, want.to_vec());
        assert_eq!(r.offset, want.len() as u64);
        assert_eq!(r.backlog_from(1).unwrap(), want.to_vec());
        assert_eq!(r.backlog_from(r.offset + 1).unwrap(), Vec::<u8>::new());
        assert!(r.backlog_from(r.offset + 2).is_none());
    }

    #[test]
    fn backlog_keeps_the_last_bytes() {
        let mut r = Repl::default();
        r.attach(1, "h".into(), Vec::new(), 0, true);
        for _ in 0..10 {
            r.feed([(-1, &argv("PING"))], 20);
        }
        assert_eq!(r.backlog.len(), 20);
        assert_eq!(r.backlog_start, r.offset - 19);
        assert!(r.backlog_from(1).is_none());
        assert_eq!(
            r.backlog_from(r.offset - 13).unwrap(),
            b"*1\r\n$4\r\nPING\r\n"
        );
    }

    #[test]
    fn acks() {
        let mut r = Repl::default();
        r.attach(1, "h".into(), Vec::new(), 0, true);
        r.attach(2, "h".into(), Vec::new(), 0, true);
        r.replicas[0].ack_off = 10;
        assert_eq!(r.acked(10), 1);
        assert_eq!(r.acked(0), 2);
        r.forget(1);
        assert_eq!(r.acked(10), 0);
    }

    /// Without a host (the browser) REPLICAOF is accepted and the link stays down, as
    /// a Redis that cannot reach its master; the replica is read-only until NO ONE.
    #[test]
    fn replicaof_without_a_host() {
        use crate::engine::clock::ManualClock;
        use crate::engine::{Engine, Reply};
        let clock = ManualClock::new(1_700_000_000_000);
        let mut e = Engine::new(Box::new(clock.clone()), 7);
        let id = e.connect("test:1", "test:0");
        assert_eq!(e.exec_words(id, "REPLICAOF 127.0.0.1 6379"), Reply::ok());
        assert_eq!(
            e.exec_words(id, "REPLICAOF 127.0.0.1 6379"),
            Reply::Status("OK Already connected to specified master".into())
        );
        assert_eq!(
            e.exec_words(id, "REPLICAOF 127.0.0.1 70000"),
            Reply::err("ERR Invalid master port")
        );
        let info = e.info_text();
        assert!(info.contains("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\n"), "{info}");
        assert_eq!(
            e.exec_words(id, "SET a 1"),
            Reply::err("READONLY You can't write against a read only replica.")
        );
        assert_eq!(
            e.exec_words(id, "ROLE"),
            Reply::Array(vec![
                Reply::bulk("slave"),
                Reply::bulk("127.0.0.1"),
                Reply::Int(6379),
                Reply::bulk("connect"),
                Reply::Int(-1),
            ])
        );
        // A stale key reads as gone but stays until the master's DEL (here a write from
        // the master client; a command of the master sees the key still).
        let m = e.connect("master:1", "test:0");
        e.core.repl.master.as_mut().unwrap().client = Some(m);
        e.apply_from_master(
            m,
            &[
                b"SET".to_vec(),
                b"k".to_vec(),
                b"v".to_vec(),
                b"PX".to_vec(),
                b"5".to_vec(),
            ],
            b"",
        );
        clock.advance(10);
        assert_eq!(e.exec_words(id, "GET k"), Reply::Nil);
        assert_eq!(e.exec_words(id, "DBSIZE"), Reply::Int(1));
        e.tick();
        assert_eq!(e.exec_words(id, "DBSIZE"), Reply::Int(1));
        e.apply_from_master(m, &[b"DEL".to_vec(), b"k".to_vec()], b"");
        assert_eq!(e.exec_words(id, "DBSIZE"), Reply::Int(0));
        e.core.repl.master.as_mut().unwrap().client = None;
        // replica-serve-stale-data no: only `stale` commands while the link is down.
        assert_eq!(
            e.exec_words(id, "CONFIG SET replica-serve-stale-data no"),
            Reply::ok()
        );
        let down = Reply::err(
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        );
        assert_eq!(e.exec_words(id, "GET k"), down);
        assert!(matches!(
            e.exec_words(id, "INFO replication"),
            Reply::Bulk(_) | Reply::Verbatim(..)
        ));
        assert_eq!(
            e.exec_words(id, "CONFIG SET replica-serve-stale-data yes"),
            Reply::ok()
        );
        let old = e.core.replid.clone();
        assert_eq!(e.exec_words(id, "SLAVEOF NO ONE"), Reply::ok());
        assert_eq!(e.exec_words(id, "SET a 1"), Reply::ok());
        assert_ne!(e.core.replid, old);
        assert!(e.info_text().contains(&format!("master_replid2:{old}\r\n")));
    }
}
