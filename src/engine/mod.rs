//! The KV Lab engine: a Redis 7.0-compatible keyspace in pure Rust.
//!
//! Nothing here touches the network, the DOM or an async runtime. The host (the browser
//! app or `kvlab-server`) owns an [`Engine`], registers one [`Client`] per console tab or
//! connection, passes each command's arguments to [`Engine::execute`] and renders the
//! [`Reply`]. It also calls [`Engine::tick`] `hz` times a second for active expiry, and
//! drains [`KeyEvent`]s to learn which keys changed, as Redis's keyspace notifications
//! would tell a subscriber.
//!
//! Time comes from an injected [`Clock`] and randomness from a seeded generator, so a test
//! that fixes both sees the same results on every run.
//!
//! Layout: `dict` (the hash table), `db` (one database: keys, expiries, lookups with lazy
//! expiry), `object` (values and encodings), `table` (the command table), and one module
//! per command family under `cmd`.

pub mod acl;
pub mod aof;
pub mod bitmap;
pub mod blocking;
pub mod bloom;
pub mod clock;
pub mod cluster;
pub mod cmd;
pub mod cms;
pub mod config;
pub mod cuckoo;
pub mod db;
pub mod dict;
pub mod evict;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod hostinfo;
pub mod inspect;
pub mod list;
pub mod lua;
pub mod memaof;
pub mod multi;
pub mod notify;
pub mod object;
pub mod pubsub;
pub mod querybuf;
pub mod rdb;
pub mod rdb_module;
pub mod repl;
pub mod reply;
pub mod set;
pub mod slowlog;
pub mod snapshot;
pub mod stream;
pub mod table;
pub mod tdigest;
pub mod topk;
pub mod tracking;
pub mod util;
pub mod zset;

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::SeedableRng;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use db::Db;
pub use reply::Reply;

pub const VERSION: &str = "7.0.15";
pub const DEFAULT_DBS: usize = 16;

/// A change to one key, named as Redis's keyspace notifications name it
/// (`set`, `del`, `expire`, `expired`, `rename_from`, `incrby` …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    pub db: usize,
    pub key: Vec<u8>,
    pub event: &'static str,
}

impl KeyEvent {
    /// The event's notification class, the letter `notify-keyspace-events` turns it on
    /// with (`$` for `set`, `g` for `del` …; see [`notify`]).
    pub fn class(&self) -> char {
        notify::class_of(self.event).unwrap_or('?')
    }
}

/// Server-wide counters, as INFO stats reports them.
#[derive(Default, Clone, Debug)]
pub struct Stats {
    pub total_commands_processed: u64,
    pub total_connections_received: u64,
    /// Connections refused (maxclients, protected mode): the host counts them.
    pub rejected_connections: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub expired_keys: u64,
    pub evicted_keys: u64,
    pub total_error_replies: u64,
    /// INFO errorstats: error replies by code (`ERR`, `WRONGTYPE` …).
    pub errorstats: BTreeMap<String, u64>,
    /// The highest used_memory seen (INFO used_memory_peak; CONFIG RESETSTAT clears it).
    pub peak_memory: u64,
    pub dirty: u64,
    /// INFO's lazyfreed_objects: what Redis would have freed in its lazyfree thread
    /// (values over the threshold deleted lazily, keys of an async flush, big script
    /// caches). KV Lab frees at once, so lazyfree_pending_objects stays 0.
    pub lazyfreed_objects: u64,
    /// Bytes the host read from and wrote to clients' connections (INFO
    /// total_net_input_bytes and total_net_output_bytes count both kinds), those from
    /// a master and to replicas apart, and the reads and writes that moved them.
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub net_repl_input_bytes: u64,
    pub net_repl_output_bytes: u64,
    pub reads_processed: u64,
    pub writes_processed: u64,
    /// Replicas served a full resynchronisation, and PSYNCs that continued or could not.
    pub sync_full: u64,
    pub sync_partial_ok: u64,
    pub sync_partial_err: u64,
    /// The active expire cycle's running estimate of the share of volatile keys that
    /// are stale (each cycle's sample weighs 5%, as Redis's), and the time it took.
    pub expired_stale_perc: f64,
    pub expire_cycle_us: u64,
    /// Error replies to a master or a replica (INFO unexpected_error_replies).
    pub unexpected_error_replies: u64,
    /// INFO's instantaneous figures: commands, bytes in and out (all, and replication's).
    pub inst: [InstMetric; 5],
}

/// One of INFO's instantaneous figures (Redis's `inst_metric`): a rate sampled every
/// 100 ms by the cron, the last 16 samples averaged.
#[derive(Default, Clone, Copy, Debug)]
pub struct InstMetric {
    samples: [i64; 16],
    idx: usize,
    /// When the last sample was taken (None: since start or CONFIG RESETSTAT, which
    /// take the first reading as the baseline), and the counter then.
    last: Option<(i64, u64)>,
}

impl InstMetric {
    /// Redis's `trackInstantaneousMetric`: the rate since the last sample.
    fn track(&mut self, now: i64, reading: u64) {
        let (t, count) = self.last.unwrap_or((now, reading));
        let dt = now - t;
        let ops = reading.wrapping_sub(count) as i64;
        self.samples[self.idx] = if dt > 0 {
            ops.saturating_mul(1000) / dt
        } else {
            0
        };
        self.idx = (self.idx + 1) % self.samples.len();
        self.last = Some((now, reading));
    }

    /// Redis's `getInstantaneousMetric`: the samples' mean.
    pub fn get(&self) -> i64 {
        self.samples.iter().sum::<i64>() / self.samples.len() as i64
    }
}

/// INFO client_recent_max_input_buffer and client_recent_max_output_buffer: the
/// biggest query buffer and output backlog a client had when the cron looked, in each
/// of the last 8 seconds (Redis's CLIENTS_PEAK_MEM_USAGE_SLOTS).
#[derive(Default, Clone, Debug)]
pub struct ClientPeaks {
    /// (second, input, output) per second modulo 8.
    slots: [(i64, u64, u64); 8],
}

impl ClientPeaks {
    fn note(&mut self, now_s: i64, input: u64, output: u64) {
        let slot = &mut self.slots[now_s.rem_euclid(8) as usize];
        if slot.0 != now_s {
            *slot = (now_s, 0, 0);
        }
        slot.1 = slot.1.max(input);
        slot.2 = slot.2.max(output);
    }

    /// The peaks of the last 8 seconds before `now_ms`.
    pub fn recent(&self, now_ms: i64) -> (u64, u64) {
        let now_s = now_ms.div_euclid(1000);
        self.slots
            .iter()
            .filter(|s| s.0 <= now_s && now_s - s.0 < 8)
            .fold((0, 0), |(i, o), s| (i.max(s.1), o.max(s.2)))
    }
}

/// Which of [`Stats::inst`] is which.
pub mod inst {
    pub const COMMANDS: usize = 0;
    pub const NET_INPUT: usize = 1;
    pub const NET_OUTPUT: usize = 2;
    pub const NET_REPL_INPUT: usize = 3;
    pub const NET_REPL_OUTPUT: usize = 4;
}

/// Per-command counters for INFO commandstats.
#[derive(Default, Clone, Debug)]
pub struct CmdStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
    /// LATENCY HISTOGRAM's counts, per power-of-two bucket (see `slowlog::bucket_of`).
    pub histogram: [u64; slowlog::BUCKETS],
}

/// The (container, name) pair a command is known by in statistics: `(None, "get")`,
/// `(Some("object"), "encoding")`.
pub type StatKey = (Option<&'static str>, &'static str);

/// INFO commandstats and LATENCY HISTOGRAM's counters, one per command that ran or was
/// refused. Found by the command table row's address (the rows are statics, one per
/// command), so that counting a call, once per command executed, hashes one word and
/// compares no names.
#[derive(Default)]
pub struct CmdStats {
    map: std::collections::HashMap<
        usize,
        (StatKey, CmdStat),
        std::hash::BuildHasherDefault<NameHasher>,
    >,
}

impl CmdStats {
    /// The counters of `spec`, created at zero on first use.
    pub fn of(&mut self, spec: &'static table::CommandSpec) -> &mut CmdStat {
        let addr = spec as *const table::CommandSpec as usize;
        &mut self
            .map
            .entry(addr)
            .or_insert_with(|| (spec.key(), CmdStat::default()))
            .1
    }

    /// The counters of the command known as `key`, if it has any.
    pub fn get(&self, key: &StatKey) -> Option<&CmdStat> {
        self.map.values().find(|(k, _)| k == key).map(|(_, st)| st)
    }

    /// Every command's counters, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&StatKey, &CmdStat)> {
        self.map.values().map(|(k, st)| (k, st))
    }

    pub fn keys(&self) -> impl Iterator<Item = &StatKey> {
        self.map.values().map(|(k, _)| k)
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }
}

/// Redis's LAZYFREE_THRESHOLD: values that take more allocations than this to free go
/// to the lazyfree thread.
pub const LAZYFREE_THRESHOLD: u64 = 64;

/// What redis-server logs (at most once a minute) when it drops a connection that sent
/// `POST` or `Host:`.
pub const SECURITY_WARNING: &str = "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.";

/// The connected clients, by id. Every command looks its client up several times (its
/// checks, its context, the server's reply), so the ids are kept sorted in an array of
/// their own, searched by halving in a few cache lines, beside the boxed clients in the
/// same order: iteration is in id order, as CLIENT LIST shows them. A new client has the
/// highest id yet, so adding one appends; removing one shifts the later pointers.
///
/// The position of the last client found is remembered: one command looks the same
/// client up several times in a row (and a pipeline runs many commands of one client),
/// so most lookups compare one id instead of halving. (An atomic only so that the map
/// stays `Sync`: relaxed loads and stores are plain moves.)
#[derive(Default)]
pub struct ClientMap {
    ids: Vec<u64>,
    /// Boxed: a client is several hundred bytes, and removing one shifts those after it.
    #[allow(clippy::vec_box)]
    clients: Vec<Box<Client>>,
    /// Where the last lookup found its client (checked, never trusted: an insertion or
    /// removal may have moved the ids since).
    last: std::sync::atomic::AtomicUsize,
}

impl ClientMap {
    /// The index of client `id`, if connected.
    #[inline]
    fn index(&self, id: u64) -> Option<usize> {
        use std::sync::atomic::Ordering::Relaxed;
        let last = self.last.load(Relaxed);
        if self.ids.get(last) == Some(&id) {
            return Some(last);
        }
        let i = self.ids.binary_search(&id).ok()?;
        self.last.store(i, Relaxed);
        Some(i)
    }

    pub fn get(&self, id: &u64) -> Option<&Client> {
        let i = self.index(*id)?;
        Some(&self.clients[i])
    }

    pub fn get_mut(&mut self, id: &u64) -> Option<&mut Client> {
        let i = self.index(*id)?;
        Some(&mut self.clients[i])
    }

    pub fn contains_key(&self, id: &u64) -> bool {
        self.index(*id).is_some()
    }

    /// Adds (or replaces) the client `id`; the one it replaced, if any.
    pub fn insert(&mut self, id: u64, c: Client) -> Option<Client> {
        match self.ids.binary_search(&id) {
            Ok(i) => Some(*std::mem::replace(&mut self.clients[i], Box::new(c))),
            Err(i) => {
                self.ids.insert(i, id);
                self.clients.insert(i, Box::new(c));
                None
            }
        }
    }

    pub fn remove(&mut self, id: &u64) -> Option<Client> {
        let i = self.ids.binary_search(id).ok()?;
        self.ids.remove(i);
        Some(*self.clients.remove(i))
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The clients in id order.
    pub fn values(&self) -> impl Iterator<Item = &Client> {
        self.clients.iter().map(|c| &**c)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Client> {
        self.clients.iter_mut().map(|c| &mut **c)
    }
}

/// One connection's state. Everything that belongs to a client and not to the keyspace
/// lives here, so console tabs and TCP connections can share one engine.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: u64,
    pub db: usize,
    pub name: Option<Vec<u8>>,
    /// 2 or 3, as chosen by HELLO.
    pub resp: u8,
    pub addr: String,
    pub laddr: String,
    pub created_ms: i64,
    pub last_ms: i64,
    /// The last command run, as (container, name).
    pub last_cmd: (Option<&'static str>, &'static str),
    /// Set by QUIT: the host closes the connection once the reply is written.
    pub close_after_reply: bool,
    /// A blocking command waiting for data (BZPOPMIN …).
    pub blocked: Option<Blocked>,
    /// Set by a blocking command's handler: its deadline (Unix ms), None for forever.
    pub block_deadline: Option<i64>,
    /// Set by a blocking command's handler that must be parked with other arguments than
    /// it was called with (XREAD BLOCK parks with `$` replaced by the stream's last ID).
    pub block_argv: Option<Vec<Vec<u8>>>,
    /// Inside MULTI: the commands queued for EXEC.
    pub multi: Option<Vec<Vec<Vec<u8>>>>,
    /// The command of each entry of `multi`, as looked up when it was queued (Redis's
    /// `mc->cmd`): EXEC runs them without looking them up again.
    pub multi_specs: multi::QueuedSpecs,
    /// Argument buffers of an earlier transaction's queue, reused by the next.
    pub multi_spare: multi::Spare,
    /// A command failed to queue (unknown, wrong arity, refused): EXEC will abort
    /// (Redis's `CLIENT_DIRTY_EXEC`).
    pub multi_error: bool,
    /// CLIENT REPLY OFF: no replies until ON (Pub/Sub messages still go out).
    pub reply_off: bool,
    /// CLIENT REPLY SKIP: no reply to the command running now …
    pub reply_skip: bool,
    /// The ACL user this client acts as (`default` until AUTH or HELLO … AUTH).
    pub user: Vec<u8>,
    /// Whether it has authenticated (or needed not: the default user was `nopass`
    /// when it connected).
    pub authenticated: bool,
    /// … set by SKIP for the command after it.
    pub reply_skip_next: bool,
    /// SCRIPT DEBUG: 0 off, 1 YES (the session's writes are undone), 2 SYNC.
    pub ldb: u8,
    /// CLIENT NO-EVICT ON (the `e` flag).
    pub no_evict: bool,
    /// Its query buffer's figures, as the host reports its reads (CLIENT LIST's `qbuf`
    /// and `qbuf-free`; see [`querybuf`]).
    pub qbuf: querybuf::QueryBuf,
    /// CLIENT LIST's replication flag: `S` for a replica of this server, `M` for the
    /// master this replica follows.
    pub repl_flag: Option<char>,
}

impl Client {
    /// A loopback peer, or one in the page itself (console tabs, devtools), as Redis's
    /// islocalClient for `enable-*-command local` and `enable-protected-configs local`.
    pub fn is_local(&self) -> bool {
        let host = self
            .addr
            .rsplit_once(':')
            .map_or(self.addr.as_str(), |(h, _)| h);
        match host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => true,
        }
    }
}

/// A parked blocking command.
#[derive(Clone, Debug)]
pub struct Blocked {
    pub argv: Vec<Vec<u8>>,
    pub deadline: Option<i64>,
    /// The database and keys it waits on.
    pub db: usize,
    pub keys: Vec<Vec<u8>>,
    /// Order of blocking: the longest-waiting client is served first, as in Redis.
    pub seq: u64,
}

/// Everything shared by all clients: the databases, configuration, counters, clock, RNG.
pub struct Core {
    pub dbs: Vec<Db>,
    pub config: Config,
    /// `rename-command` directives (set by the host at start; empty in the browser).
    pub renames: table::Renames,
    /// A file is being loaded while clients are served (INFO's `loading:1`; commands
    /// not flagged `loading` get LOADING).
    pub loading: bool,
    pub stats: Stats,
    pub cmdstats: CmdStats,
    pub rng: StdRng,
    clock: Box<dyn Clock>,
    /// The time of the command being executed (Redis caches it per command, so one
    /// command sees one instant).
    pub now: i64,
    /// When the running top-level command started, for timing only (EXEC's first
    /// queued command is timed from it: one clock reading fewer per transaction).
    pub cmd_started: clock::Stamp,
    pub start_ms: i64,
    events: Vec<KeyEvent>,
    /// Whether key events are kept for `drain_events` (a host with no panels turns it off).
    pub record_events: bool,
    /// The active expire cycle runs on `tick` (DEBUG SET-ACTIVE-EXPIRE turns it off).
    pub active_expire: bool,
    expire_db_cursor: usize,
    /// Keys a writable replica's own clients gave a TTL (Redis's slaveKeysWithExpire):
    /// the databases each is in, as bits (0..63). Its master never sends their DELs,
    /// so the replica expires them itself (`expire_replica_keys`).
    pub replica_expires: std::collections::BTreeMap<Vec<u8>, u64>,
    /// Keys whose values the running command may have changed in place:
    /// `dirty[..dirty_len]` (the entries after are spare key buffers, reused so that a
    /// write does not allocate for this).
    dirty: Vec<(usize, Vec<u8>)>,
    dirty_len: usize,
    /// Eviction candidates kept between rounds (see `evict.rs`).
    evict_pool: Vec<evict::Candidate>,
    /// How many clients are connected: each one's buffers count as used memory.
    pub connected_clients: usize,
    /// Scratch space for the sampled entry indexes.
    evict_sample: Vec<usize>,
    /// The database the random policies try next.
    evict_next_db: usize,
    /// Key buffers to reuse for pooled candidates.
    evict_spare: Vec<Vec<u8>>,
    /// The latest evictions, newest last, for the panels (bounded).
    pub evictions: Vec<evict::Eviction>,
    /// The modelled resident size: the highest used_memory since start or MEMORY PURGE.
    rss_mark: u64,
    /// `connected_clients` when the marks above were last taken (`note_memory`).
    noted_clients: usize,
    /// Clients parked in blocking commands, by the keys they wait on.
    pub blocking: blocking::Blocking,
    /// CLIENT UNBLOCK requests of the running command: (client, with an error).
    pub unblock_requests: Vec<(u64, bool)>,
    /// The replication ID INFO reports (40 hex digits, drawn at start, as Redis does).
    pub replid: String,
    /// INFO run_id: this run's random identity (drawn at start, as Redis's).
    pub run_id: String,
    pub client_peaks: ClientPeaks,
    /// Who WATCHes which keys, and whose watch broke.
    pub watches: multi::Watches,
    /// Whether memory was over maxmemory when the running command started (Redis's
    /// `pre_command_oom_state`, which scripts consult).
    pub oom_at_start: bool,
    /// EVAL's script cache and VM, made on first use (taken out while a script runs).
    pub scripts: Option<lua::Scripts>,
    /// FUNCTION's VM, made on first use.
    pub functions: Option<lua::Functions>,
    /// The libraries loaded with FUNCTION LOAD, by name.
    pub libraries: std::collections::BTreeMap<String, cmd::scripting::Library>,
    /// math.random's generator, one for EVAL and FCALL as in Redis.
    pub lua_prng: lua::Prng,
    /// Every script run's instruction budget and memory ceiling.
    pub script_limits: lua::Limits,
    /// What the last script did, call by call (the scripts panel shows it).
    pub last_script: Option<cmd::scripting::Trace>,
    /// The script running now (SCRIPT KILL and FUNCTION STATS read it, from the clients
    /// a busy script lets in).
    pub running_script: Option<cmd::scripting::RunningScript>,
    /// How a server hears other clients while a script runs past busy-reply-threshold
    /// (None in the browser, where a script runs within its budget).
    pub busy_io: Option<Box<dyn BusyIo>>,
    /// The id the next client gets (CLIENT ID), here so that a busy script's host can
    /// register a connection it accepts meanwhile.
    next_client_id: u64,
    /// Channels, patterns, subscribers and their undelivered messages.
    pub pubsub: pubsub::PubSub,
    /// Above 0 while a command runs inside another (EXEC, a script): Redis's
    /// `CLIENT_DENY_BLOCKING`, which SSUBSCRIBE refuses.
    pub nested: u32,
    /// Set once any client turns replies off or skips one (CLIENT REPLY): until then
    /// no command needs its client's reply mode looked up.
    pub reply_modes_used: bool,
    /// Clients in MONITOR mode, in the order they started.
    pub monitors: Vec<u64>,
    /// The error replies in the last script's reply (INFO errorstats counts them when
    /// the script's command is counted).
    pub script_errors: Option<crate::engine::lua::ReplyErrors>,
    /// SLOWLOG's entries.
    pub slowlog: slowlog::SlowLog,
    /// LATENCY's samples.
    pub latency: slowlog::Latency,
    /// Cluster mode (`cluster-enabled yes`): the node and its slot map.
    pub cluster: Option<cluster::Cluster>,
    /// In cluster mode, the hash slot of the running top-level command's keys (Redis's
    /// `c->slot`): a script's commands must stay in it.
    pub cluster_slot: Option<u16>,
    /// SAVE/BGSAVE state and the host that writes the images.
    pub persist: cmd::persist::Persist,
    /// What the commands propagate (the AOF's stream; kept only while `prop.on`).
    pub prop: aof::Prop,
    /// Replication, the master's side: the stream, the backlog, the replicas.
    pub repl: repl::Repl,
    /// INFO persistence's aof_* fields, kept by the host.
    pub aof: aof::AofStatus,
    /// The host that writes the AOF (BGREWRITEAOF goes to it).
    pub aof_host: Option<Box<dyn aof::AofHost>>,
    /// Where the server's log lines go (level 0..=3: debug, verbose, notice, warning):
    /// the server's log file; None in the browser.
    pub logger: Option<fn(u8, &str)>,
    /// What CONFIG SET asks of the host outside the engine (the server re-binds its
    /// listeners and changes directory); None in the browser.
    pub config_host: Option<Box<dyn config::ConfigHost>>,
    /// MIGRATE's host (the server's TCP connections; None in the browser) and its
    /// cached connections.
    pub migrate: cmd::migrate::Migrate,
    /// Without a host (the browser), the AOF kept in memory.
    pub mem_aof: memaof::MemAof,
    /// DEBUG CRASH-AND-RECOVER asked for a restart, done once its command returns.
    pub restart_pending: Option<memaof::Crash>,
    /// DEBUG LOADAOF ran: the AOF is loaded again once the command is done.
    pub loadaof_pending: bool,
    /// SHUTDOWN saved what it had to: the host (a server with files) exits now.
    pub shutdown_pending: bool,
    /// ACL users, the ACL log, and the ACL file's store (see `acl.rs`).
    pub acl: acl::Acl,
    /// CLIENT PAUSE's pause and CLIENT KILL's victims, for the host.
    pub admin: cmd::clients::Admin,
    /// Client-side caching: who may cache which key (CLIENT TRACKING).
    pub tracking: tracking::Tracking,
}

/// The hasher of INFO commandstats' table, which every command updates: a name is
/// hashed by its length and first eight bytes in one multiplication (command names are
/// short and few, and equal names still hash alike, as a `Hash` must).
#[derive(Default, Clone, Copy)]
pub struct NameHasher(u64);

impl NameHasher {
    fn mix(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(23) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl std::hash::Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut w = [0u8; 8];
        let n = bytes.len().min(8);
        w[..n].copy_from_slice(&bytes[..n]);
        self.mix(u64::from_le_bytes(w) ^ (bytes.len() as u64).rotate_right(8));
    }
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
    fn write_isize(&mut self, n: isize) {
        self.mix(n as u64);
    }
    fn finish(&self) -> u64 {
        (self.0 ^ (self.0 >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9)
    }
}

/// A server's connections, reachable from inside a long script (Redis's
/// `processEventsWhileBlocked`): the host reads what other clients sent, under the
/// same limits and with the same protocol errors as always, and has the engine answer
/// each request (BUSY, or one of the few commands allowed then).
pub trait BusyIo {
    /// Serves the clients other than `running` once: what they sent since the last
    /// poll, each request through `engine`.
    fn poll(&mut self, running: u64, engine: &mut dyn BusyEngine);
    /// The Lua debugger's output to `client`, written in full (blocking); false when
    /// the client is gone.
    fn ldb_send(&mut self, _client: u64, _bytes: &[u8]) -> bool {
        false
    }
    /// Waits for `client` to send more, appended to `buf`; false when it is gone.
    fn ldb_recv(&mut self, _client: u64, _buf: &mut Vec<u8>) -> bool {
        false
    }
}

/// The engine's side of [`BusyIo::poll`].
pub trait BusyEngine {
    /// What `client`'s next request is held to ([`Core::read_limits`]).
    fn read_limits(&self, client: u64) -> crate::resp::ReadLimits;
    /// Runs one request of `client`: its reply, the client's protocol, and whether the
    /// connection closes after the reply.
    fn run(&mut self, client: u64, argv: &[Vec<u8>]) -> (Reply, u8, bool);
    /// The host closes `client` (a protocol error, its query buffer limit).
    fn close(&mut self, client: u64);
    /// The core, for the host's admission checks of a connection it accepts (and
    /// its count of refused connections).
    fn core(&mut self) -> &mut Core;
    /// Registers a connection the host accepted meanwhile ([`Engine::connect`]).
    fn connect(&mut self, addr: &str, laddr: &str) -> u64;
    /// [`Engine::query_buffer_read`], for what the host read meanwhile.
    fn query_buffer_read(&mut self, client: u64, n: usize, big_bulk: Option<usize>);
    /// [`Engine::query_buffer_consumed`], for what the commands run meanwhile used.
    fn query_buffer_consumed(&mut self, client: u64, n: usize, pending_bulk: Option<usize>);
}

impl Core {
    /// A replica attached: from now on every write is propagated (the stream is on for
    /// good, as the backlog stays).
    pub fn repl_started(&mut self) {
        self.prop.on = true;
    }

    /// What a command that just ran propagates of its own (`dirty` was the change
    /// counter before it ran): what changed the dataset goes where the running
    /// script's `redis.set_repl` lets it (everywhere otherwise); PUBLISH goes to the
    /// replicas and FLUSHALL/FLUSHDB everywhere even when they changed nothing.
    fn propagate_own(
        &mut self,
        spec: &'static table::CommandSpec,
        db: usize,
        argv: &[Vec<u8>],
        reply: &Reply,
        dirty: u64,
    ) {
        let to = self.prop.command_targets();
        if self.stats.dirty != dirty {
            for v in aof::propagated(self, db, spec, argv, reply) {
                self.prop.push_to(db, v, to);
            }
        } else if !reply.is_error() {
            let forced = aof::forced_targets(spec, self.cluster.is_some());
            if forced != 0 {
                self.prop.push_to(db, argv.to_vec(), to & forced);
            }
        }
    }

    /// A line for the server's log (level 0..=3: debug, verbose, notice, warning);
    /// nothing without a logger (the browser).
    pub fn log(&self, level: u8, msg: &str) {
        if let Some(log) = self.logger {
            log(level, msg);
        }
    }

    /// `repl-backlog-size`, in bytes.
    pub fn repl_backlog_size(&self) -> usize {
        self.config
            .get("repl-backlog-size")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1 << 20)
    }

    /// Registers a client in `clients` ([`Engine::connect`]; a busy script's host too).
    pub fn connect_client(&mut self, clients: &mut ClientMap, addr: &str, laddr: &str) -> u64 {
        let id = self.next_client_id;
        self.next_client_id += 1;
        self.stats.total_connections_received += 1;
        let now = self.clock.now_ms();
        let authenticated = !self.acl.auth_required();
        clients.insert(
            id,
            Client {
                authenticated,
                addr: addr.to_string(),
                laddr: laddr.to_string(),
                created_ms: now,
                last_ms: now,
                ..blank_client(id)
            },
        );
        self.connected_clients = clients.len();
        self.tracking.connected(id);
        id
    }

    /// What a client's next request is held to, Redis's way: `proto-max-bulk-len`,
    /// `client-query-buffer-limit`, and small requests only until it authenticates
    /// (authRequired). `client` None (an id the engine does not know): no login limit.
    pub fn read_limits(&self, client: Option<&Client>) -> crate::resp::ReadLimits {
        crate::resp::ReadLimits {
            max_bulk: self.config.proto_max_bulk_len,
            query_buffer: usize::try_from(self.config.client_query_buffer_limit)
                .unwrap_or(usize::MAX),
            unauthenticated: client.is_some_and(|c| !c.authenticated) && self.acl.auth_required(),
        }
    }
}

/// What a command handler gets: the shared core and the calling client.
pub struct Ctx<'a> {
    pub core: &'a mut Core,
    pub clients: &'a mut ClientMap,
    pub id: u64,
    /// A client record for an id the engine does not know (made on first use: nearly
    /// every command's client is there).
    fallback: std::cell::OnceCell<Box<Client>>,
}

impl Ctx<'_> {
    /// The same core and clients, acting for another client (a command a busy script
    /// lets in).
    pub fn for_client(&mut self, id: u64) -> Ctx<'_> {
        Ctx {
            core: &mut *self.core,
            clients: &mut *self.clients,
            id,
            fallback: Default::default(),
        }
    }

    pub fn client(&mut self) -> &mut Client {
        let id = self.id;
        match self.clients.get_mut(&id) {
            Some(c) => c,
            None => {
                self.fallback.get_or_init(|| Box::new(blank_client(id)));
                self.fallback.get_mut().expect("made just above")
            }
        }
    }
    pub fn client_ref(&self) -> &Client {
        match self.clients.get(&self.id) {
            Some(c) => c,
            None => self
                .fallback
                .get_or_init(|| Box::new(blank_client(self.id))),
        }
    }
    /// The selected database index.
    pub fn db(&self) -> usize {
        self.client_ref().db
    }

    /// Runs one command from inside another: a queued command in EXEC, or (later)
    /// `redis.call` in a script. The caller has looked it up and checked its arity. The
    /// command runs on the write path and counts in the statistics as a top-level one
    /// would; a blocking command does not block here but answers as on a timeout (Redis's
    /// `CLIENT_DENY_BLOCKING`).
    pub fn call(&mut self, spec: &'static table::CommandSpec, argv: &[Vec<u8>]) -> Reply {
        self.call_from(spec, argv, timer::start()).0
    }

    /// `call`, timed from `started`, also answering when it ended: EXEC chains its
    /// queued commands so that one clock reading ends one command and starts the next.
    pub fn call_from(
        &mut self,
        spec: &'static table::CommandSpec,
        argv: &[Vec<u8>],
        started: timer::Stamp,
    ) -> (Reply, timer::Stamp) {
        self.core.nested += 1;
        // (The database, before the command runs, matters only to what is propagated.)
        let dirty = self.core.stats.dirty;
        let db = if self.core.prop.on { self.db() } else { 0 };
        let reply = (spec.handler)(self, argv);
        self.core.nested -= 1;
        if self.core.tracking.active() {
            let id = self.id;
            self.core.remember_reads(id, spec, argv);
        }
        if self.core.prop.on && !aof::is_container(spec) {
            self.core.propagate_own(spec, db, argv, &reply, dirty);
        }
        let reply = match reply {
            Reply::Blocked => {
                self.client().block_deadline = None;
                self.client().block_argv = None;
                if spec.container.is_none() && matches!(spec.name, "blmove" | "brpoplpush") {
                    Reply::Nil
                } else {
                    Reply::NilArray
                }
            }
            r => r,
        };
        self.core.settle();
        self.core.note_memory();
        let ended = timer::start();
        let usec = timer::between_us(started, ended);
        self.core.count_call(spec, usec, &reply);
        // A script's commands come from Redis's Lua client: no address, no name.
        let script = self.core.running_script.is_some();
        if self.core.records(usec) {
            let client = self.clients.get(&self.id);
            let (addr, name): (&str, &[u8]) = match client {
                Some(c) if !script => (&c.addr, c.name.as_deref().unwrap_or_default()),
                _ => ("?:0", b""),
            };
            self.core.log_slow(spec, argv, usec, addr, name);
        }
        if !self.core.monitors.is_empty() {
            let who = match self.clients.get(&self.id) {
                Some(c) if !script => c.addr.clone(),
                _ if script => "lua".to_string(),
                _ => "?:0".to_string(),
            };
            let db = self.db();
            let actor = self.id;
            self.core.feed_monitors(actor, spec, db, &who, argv);
        }
        (reply, ended)
    }
}

pub struct Engine {
    pub core: Core,
    clients: ClientMap,
    /// Replies for clients whose blocking command was served or timed out, with the
    /// command they had sent.
    ready: BTreeMap<u64, (Vec<Vec<u8>>, Reply)>,
    /// Clients CLIENT UNBLOCK ended, for the next `serve_blocked` to report.
    unblocked: Vec<u64>,
    block_seq: u64,
}

impl Engine {
    /// A new engine reading time from `clock` and drawing randomness from `seed`.
    pub fn new(clock: Box<dyn Clock>, seed: u64) -> Engine {
        Self::with_config(clock, seed, Config::default())
    }

    pub fn with_config(clock: Box<dyn Clock>, seed: u64, config: Config) -> Engine {
        let now = clock.now_ms();
        let ndb = config
            .get("databases")
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_DBS)
            .clamp(1, 1024);
        let cluster = (config.get("cluster-enabled").as_deref() == Some("yes")).then(|| {
            let port = config
                .get("port")
                .and_then(|p| p.parse().ok())
                .unwrap_or(6379);
            cluster::Cluster::new(seed, port)
        });
        let mut dbs: Vec<Db> = (0..ndb).map(|_| Db::default()).collect();
        let mut acl = acl::Acl::default();
        if let Some(p) = config.get("requirepass").filter(|p| !p.is_empty()) {
            acl.set_requirepass(Some(p.as_bytes()));
        }
        if cluster.is_some() {
            dbs[0] = Db::with_slot_index();
        }
        Engine {
            core: Core {
                dbs,
                config,
                renames: Default::default(),
                loading: false,
                stats: Stats::default(),
                cmdstats: Default::default(),
                rng: StdRng::seed_from_u64(seed),
                clock,
                now,
                cmd_started: Default::default(),
                start_ms: now,
                events: Vec::new(),
                record_events: true,
                active_expire: true,
                expire_db_cursor: 0,
                replica_expires: Default::default(),
                dirty: Vec::new(),
                dirty_len: 0,
                evict_pool: Vec::new(),
                evict_next_db: 0,
                evict_sample: Vec::new(),
                connected_clients: 0,
                evictions: Vec::new(),
                evict_spare: Vec::new(),
                rss_mark: 0,
                noted_clients: 0,
                blocking: blocking::Blocking::default(),
                unblock_requests: Vec::new(),
                replid: hex40(seed ^ 0x5265_706c_6964),
                run_id: hex40(seed ^ 0x0052_756e_4964),
                client_peaks: ClientPeaks::default(),
                watches: multi::Watches::default(),
                oom_at_start: false,
                scripts: None,
                functions: None,
                libraries: Default::default(),
                lua_prng: lua::Prng::new(),
                script_limits: lua::Limits {
                    // In the page a script holds the tab: stop it sooner (about a second).
                    instructions: if cfg!(target_arch = "wasm32") {
                        20_000_000
                    } else {
                        100_000_000
                    },
                    ..lua::Limits::default()
                },
                last_script: None,
                running_script: None,
                busy_io: None,
                next_client_id: 1,
                pubsub: pubsub::PubSub::default(),
                nested: 0,
                reply_modes_used: false,
                monitors: Vec::new(),
                script_errors: None,
                slowlog: slowlog::SlowLog::default(),
                latency: slowlog::Latency::default(),
                cluster,
                cluster_slot: None,
                persist: cmd::persist::Persist::new(now),
                prop: aof::Prop::default(),
                aof: aof::AofStatus::default(),
                aof_host: None,
                logger: None,
                repl: repl::Repl::default(),
                config_host: None,
                migrate: Default::default(),
                mem_aof: Default::default(),
                restart_pending: None,
                loadaof_pending: false,
                shutdown_pending: false,
                acl,
                admin: Default::default(),
                tracking: Default::default(),
            },
            clients: ClientMap::default(),
            ready: BTreeMap::new(),
            unblocked: Vec::new(),
            block_seq: 0,
        }
    }

    /// Registers a client (a console tab, a TCP connection) and returns its id.
    pub fn connect(&mut self, addr: &str, laddr: &str) -> u64 {
        self.core.connect_client(&mut self.clients, addr, laddr)
    }

    /// The connection to this replica's master, as a client of its own that runs the
    /// stream (authenticated: Redis's master client is never asked to AUTH).
    pub fn connect_master(&mut self, addr: &str, laddr: &str) -> u64 {
        let id = self.connect(addr, laddr);
        if let Some(c) = self.clients.get_mut(&id) {
            c.authenticated = true;
            c.repl_flag = Some('M');
        }
        let now = self.core.clock.now_ms();
        if let Some(m) = self.core.repl.master.as_mut() {
            m.client = Some(id);
            m.state = "connected";
            m.last_io_ms = now;
        }
        id
    }

    /// The link to the master is down (its state as ROLE shows it, or `connect`).
    pub fn master_link(&mut self, gen: u64, state: &'static str) {
        if self.core.repl.master_gen != gen {
            return;
        }
        let now = self.core.clock.now_ms();
        let old = self.core.repl.master.as_ref().and_then(|m| m.client);
        if let Some(m) = self.core.repl.master.as_mut() {
            if m.state == "connected" {
                m.down_since_ms = now;
            }
            m.state = state;
            m.client = None;
        }
        if let Some(id) = old {
            self.disconnect(id);
        }
    }

    pub fn disconnect(&mut self, id: u64) {
        if let Some(b) = self.clients.get_mut(&id).and_then(|c| c.blocked.take()) {
            self.core.blocking.unpark(id, b.db, &b.keys, b.deadline);
        }
        self.clients.remove(&id);
        self.core.pubsub.forget(id);
        self.core.monitors.retain(|&m| m != id);
        self.core.admin.postponed.remove(&id);
        self.core.watches.unwatch_all(id);
        self.core.watches.clear_dirty(id);
        self.core.tracking.disconnected(id);
        self.core.repl.forget(id);
        self.core.connected_clients = self.clients.len();
        self.ready.remove(&id);
    }

    /// Whether any client is parked in a blocking command
    /// (or has a late reply waiting to be reported).
    pub fn any_blocked(&self) -> bool {
        !self.core.blocking.is_empty() || !self.unblocked.is_empty()
    }

    pub fn is_blocked(&self, id: u64) -> bool {
        self.clients.get(&id).is_some_and(|c| c.blocked.is_some())
    }

    /// The deadline of a parked client (Unix ms), if it has one.
    pub fn block_deadline(&self, id: u64) -> Option<i64> {
        self.clients.get(&id)?.blocked.as_ref()?.deadline
    }

    /// Serves the clients waiting on keys that writes made ready, key by key in the order
    /// they were written, longest-waiting client first, each once, with its own command
    /// (so a BLMOVE that pushes onto another waited-on key readies that one in turn).
    /// Returns the ids served; their replies wait in `take_ready`. Hosts call this after
    /// commands.
    pub fn serve_blocked(&mut self) -> Vec<u64> {
        let mut served = std::mem::take(&mut self.unblocked);
        // WAITs that the replicas' acknowledgements satisfied.
        if std::mem::take(&mut self.core.repl.acks_changed) && !self.core.repl.waiting.is_empty() {
            let waiting = self.core.repl.waiting.clone();
            for (id, off, num) in waiting {
                let acked = self.core.repl.acked(off);
                if acked >= num {
                    self.core.repl.waiting.retain(|w| w.0 != id);
                    self.finish_blocked(id, Reply::Int(acked));
                    served.push(id);
                }
            }
        }
        loop {
            let ready = self.core.blocking.take_ready();
            if ready.is_empty() {
                return served;
            }
            self.core.now = self.core.clock.now_ms();
            for (db, key) in ready {
                // A key that is no longer a list or sorted set (LPUSH, DEL, SET in one
                // EXEC) wakes no list or zset waiter: Redis serves a waiter only from a
                // key of its type. Stream readers are served (or, for XREADGROUP, failed
                // when the key or group went) by the stream module.
                let servable = self.core.dbs[db].keys.get(&key).is_some_and(|o| {
                    matches!(o.value, object::Value::List(_) | object::Value::ZSet(_))
                });
                for id in self.core.blocking.waiting_on(db, &key) {
                    let Some(argv) = self
                        .clients
                        .get(&id)
                        .and_then(|c| c.blocked.as_ref())
                        .map(|b| b.argv.clone())
                    else {
                        continue;
                    };
                    // The served client is the current one meanwhile (Redis sets
                    // current_client to the receiver): what it invalidates for itself
                    // follows its reply (`take_after_reply`).
                    let tracking = self.core.tracking.active();
                    if tracking {
                        self.core.tracking.current = Some(id);
                    }
                    if cmd::stream::is_stream_read(&argv) {
                        let served_reply =
                            self.with_ctx(id, |ctx| cmd::stream::serve_blocked(ctx, &argv, &key));
                        if tracking {
                            self.core.flush_tracking();
                        }
                        self.core.settle();
                        self.core.note_memory();
                        if let Some(reply) = served_reply {
                            self.finish_blocked(id, reply);
                            served.push(id);
                        }
                        continue;
                    }
                    if !servable {
                        self.core.tracking.current = None;
                        continue;
                    }
                    let started = timer::start();
                    let spec = table::lookup(&argv);
                    let reply = match spec {
                        Ok(spec) => self.run(spec, id, &argv),
                        Err(ref e) => Reply::Error(e.clone()),
                    };
                    if tracking {
                        self.core.flush_tracking();
                    }
                    if reply != Reply::Blocked {
                        // Logged when served, as Redis logs a blocked command.
                        if let (Ok(spec), Some(c)) = (spec, self.clients.get(&id)) {
                            let usec = timer::elapsed_us(started);
                            let name = c.name.as_deref().unwrap_or_default();
                            self.core.log_slow(spec, &argv, usec, &c.addr, name);
                        }
                        self.finish_blocked(id, reply);
                        served.push(id);
                    }
                }
            }
        }
    }

    /// Takes a parked client out of the index and files its final reply.
    fn finish_blocked(&mut self, id: u64, reply: Reply) {
        if let Some(b) = self.clients.get_mut(&id).and_then(|c| c.blocked.take()) {
            // A blocked command counts as a call when it ends (Redis's
            // updateStatsOnUnblock), failed if it ends in an error (NOGROUP, UNBLOCKED …).
            if let Ok(spec) = table::lookup(&b.argv) {
                self.core.count_call(spec, 0, &reply);
            }
            self.core.blocking.unpark(id, b.db, &b.keys, b.deadline);
            self.ready.insert(id, (b.argv, reply));
        }
    }

    /// Times out parked clients whose deadline has passed (their reply is a null array)
    /// and returns their ids.
    pub fn expire_blocked(&mut self) -> Vec<u64> {
        // (Hosts ask after every batch of commands: no clock read when nobody waits.)
        if self.core.blocking.with_deadline() == 0 {
            return Vec::new();
        }
        let now = self.core.clock.now_ms();
        let ids = self.core.blocking.expired(now);
        for &id in &ids {
            // WAIT times out with the count of replicas that acknowledged.
            let reply = match self.core.repl.waiting.iter().position(|w| w.0 == id) {
                Some(i) => {
                    let (_, off, _) = self.core.repl.waiting.remove(i);
                    Reply::Int(self.core.repl.acked(off))
                }
                None => Reply::NilArray,
            };
            self.finish_blocked(id, reply);
        }
        ids
    }

    /// CLIENT UNBLOCK: ends a parked client's wait as a timeout would, or with an error;
    /// the host hears of it from the next `serve_blocked`. False if it was not blocked.
    pub fn unblock(&mut self, id: u64, error: bool) -> bool {
        if !self.is_blocked(id) {
            return false;
        }
        let reply = if error {
            Reply::err("UNBLOCKED client unblocked via CLIENT UNBLOCK")
        } else {
            Reply::NilArray
        };
        self.finish_blocked(id, reply);
        self.unblocked.push(id);
        true
    }

    /// Moves what the replication stream holds for replica `id` to `out` (the host
    /// writes it to the replica's socket).
    pub fn take_repl_output(&mut self, id: u64, out: &mut Vec<u8>) {
        if let Some(r) = self.core.repl.replicas.iter_mut().find(|r| r.id == id) {
            if out.is_empty() {
                std::mem::swap(out, &mut r.out);
            } else {
                out.append(&mut r.out);
            }
        }
    }

    /// Runs one command of the master's stream as the master client (no reply; the
    /// replica's offset moves by its `bytes`, which its own replicas get verbatim).
    pub fn apply_from_master(&mut self, id: u64, argv: &[Vec<u8>], raw: &[u8]) {
        self.core.repl.applying = true;
        let reply = self.execute(id, argv);
        self.core.repl.applying = false;
        // An error for the master is never sent, but Redis logs and counts it.
        if let Reply::Error(e) = &reply {
            self.core.stats.unexpected_error_replies += 1;
            let name =
                String::from_utf8_lossy(argv.first().map_or(&b""[..], |a| a)).to_ascii_lowercase();
            self.core.log(
                3,
                &format!(
                    "== CRITICAL == This replica is sending an error to its master: '{}' after processing the command '{name}'",
                    e.chars().take(4096).collect::<String>()
                ),
            );
        }
        let size = self.core.repl_backlog_size();
        self.core.repl.proxy(raw, size);
        let now = self.core.clock.now_ms();
        if let Some(m) = self.core.repl.master.as_mut() {
            m.last_io_ms = now;
        }
    }

    /// A full synchronisation's image is loaded: the keyspace is the master's, at
    /// `offset` of the stream of `replid`.
    pub fn load_master_image(
        &mut self,
        image: &[u8],
        replid: &str,
        offset: u64,
    ) -> Result<usize, String> {
        let n = self.load_rdb(image)?;
        // This server's own replicas follow another history now: they sync again (Redis's
        // disconnectSlaves after a full sync).
        for id in self
            .core
            .repl
            .replicas
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
        {
            if self.close_client(id) {
                self.core.admin.killed.push(id);
            }
        }
        self.core.replid = replid.to_string();
        self.core.repl.reset_stream(offset);
        Ok(n)
    }

    /// The replicas with stream bytes waiting for their sockets.
    pub fn repl_pending(&self) -> Vec<u64> {
        self.core
            .repl
            .replicas
            .iter()
            .filter(|r| !r.out.is_empty())
            .map(|r| r.id)
            .collect()
    }

    /// The reply a parked client ended with, once it is ready.
    pub fn take_ready(&mut self, id: u64) -> Option<(Vec<Vec<u8>>, Reply)> {
        self.ready.remove(&id)
    }

    pub fn client(&self, id: u64) -> Option<&Client> {
        self.clients.get(&id)
    }

    /// What client `id`'s next request is held to ([`Core::read_limits`]).
    pub fn read_limits(&self, id: u64) -> crate::resp::ReadLimits {
        self.core.read_limits(self.clients.get(&id))
    }

    pub fn clients(&self) -> impl Iterator<Item = &Client> {
        self.clients.values()
    }

    pub fn now_ms(&self) -> i64 {
        self.core.clock.now_ms()
    }

    /// Takes the Pub/Sub messages waiting for client `id`, oldest first. A host writes
    /// them before the reply of the command it just ran (a message the command itself
    /// published comes first, as in Redis), and whenever `fresh_pushes` names the client.
    pub fn take_pushes(&mut self, id: u64) -> Vec<Reply> {
        self.core.pubsub.take(id)
    }

    /// What `take_pushes` takes, as the bytes the client reads in its protocol (`resp`):
    /// Pub/Sub messages are copied as they were encoded once at PUBLISH, any other reply
    /// goes through `encode` (the host's RESP encoder).
    pub fn write_pushes(
        &mut self,
        id: u64,
        resp: u8,
        out: &mut Vec<u8>,
        encode: impl FnMut(&Reply, &mut Vec<u8>),
    ) {
        self.core.pubsub.take_wire(id, resp, out, encode);
    }

    /// The browser's console reconnecting after the server closed its connection (an
    /// HTTP line), as redis-cli does on the next command: the client runs commands
    /// again. (A native host drops such a client instead.)
    pub fn reopen_client(&mut self, id: u64) {
        if let Some(c) = self.clients.get_mut(&id) {
            c.close_after_reply = false;
        }
    }

    /// Marks a client to be closed by its host (an output buffer over its limit). False
    /// when it was already marked or is gone.
    pub fn close_client(&mut self, id: u64) -> bool {
        match self.clients.get_mut(&id) {
            Some(c) if !c.close_after_reply => {
                c.close_after_reply = true;
                true
            }
            _ => false,
        }
    }

    /// Clients CLIENT KILL closed since the last call, for the host to drop now (their
    /// `close_after_reply` is set).
    pub fn take_killed(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.core.admin.killed)
    }

    /// Whether client `id` must wait before running `argv` (CLIENT PAUSE): the pause's
    /// end (Unix ms). The host waits until then, or until [`Engine::pause_lifted`], and
    /// asks again.
    pub fn postponed(&mut self, id: u64, argv: &[Vec<u8>]) -> Option<i64> {
        if self.core.admin.pause.is_none() && self.core.admin.postponed.is_empty() {
            return None;
        }
        let now = self.core.clock.now_ms();
        let core = &mut self.core;
        let (admin, scripts, libraries) = (&mut core.admin, &core.scripts, &core.libraries);
        let flags_of = |spec: &table::CommandSpec, argv: &[Vec<u8>]| {
            cmd::scripting::call_flags(scripts.as_ref(), libraries, spec, argv)
        };
        let held = cmd::clients::postponed(admin, now, self.clients.get(&id), argv, flags_of);
        if held.is_some() {
            self.core.admin.postponed.insert(id);
            // CLIENT LIST's cmd= names the held command, as Redis set it on lookup.
            if let (Ok(spec), Some(c)) = (table::lookup(argv), self.clients.get_mut(&id)) {
                c.last_cmd = spec.key();
            }
        } else {
            self.core.admin.postponed.remove(&id);
        }
        held
    }

    /// Whether a pause ended or was lifted since the last call.
    pub fn pause_lifted(&mut self) -> bool {
        if self.core.admin.pause.is_some() {
            let now = self.core.clock.now_ms();
            self.core.admin.pause_at(now);
        }
        std::mem::take(&mut self.core.admin.pause_changed)
    }

    /// Whether clients are paused now (active expiry waits meanwhile, as in Redis).
    pub fn paused(&mut self) -> bool {
        let now = self.core.clock.now_ms();
        self.core.admin.pause_at(now).is_some()
    }

    /// Clients idle longer than `timeout` seconds (the `timeout` setting): not
    /// subscribers, monitors or clients blocked in a command, as Redis's
    /// clientsCronHandleTimeout spares them.
    pub fn idle_clients(&self, timeout_s: i64) -> Vec<u64> {
        if timeout_s <= 0 {
            return Vec::new();
        }
        let now = self.core.clock.now_ms();
        self.clients
            .values()
            .filter(|c| {
                c.blocked.is_none()
                    && !self.core.admin.postponed.contains(&c.id)
                    && !self.core.pubsub.subscribed(c.id)
                    && !self.core.monitors.contains(&c.id)
                    && !self.core.repl.is_replica(c.id)
                    && (now - c.last_ms) / 1000 > timeout_s
            })
            .map(|c| c.id)
            .collect()
    }

    /// Notes activity of client `id` (input read), for `timeout` and CLIENT LIST's idle.
    pub fn touch_client(&mut self, id: u64) {
        let now = self.core.clock.now_ms();
        if let Some(c) = self.clients.get_mut(&id) {
            c.last_ms = now;
        }
    }

    /// Client `id`'s host read `n` bytes into its query buffer; `big_bulk`: the length
    /// (CRLF included) of a bulk argument of 32 KB or more under way, if any
    /// ([`querybuf::QueryBuf::read`]). Call it before running the commands read, so
    /// that CLIENT LIST and CLIENT INFO count them.
    pub fn query_buffer_read(&mut self, id: u64, n: usize, big_bulk: Option<usize>) {
        if let Some(c) = self.clients.get_mut(&id) {
            c.qbuf.read(n, big_bulk);
        }
        self.net_read(id, n);
    }

    /// The host read `n` bytes from client `id`'s connection (INFO
    /// total_net_input_bytes, total_reads_processed; from a master,
    /// total_net_repl_input_bytes). [`Engine::query_buffer_read`] counts its bytes.
    pub fn net_read(&mut self, id: u64, n: usize) {
        let st = &mut self.core.stats;
        st.reads_processed += 1;
        if self.core.repl.master_client() == Some(id) {
            st.net_repl_input_bytes += n as u64;
        } else {
            st.net_input_bytes += n as u64;
        }
    }

    /// The host wrote `n` bytes of replies to client `id`'s connection, in one write
    /// (INFO total_net_output_bytes, total_writes_processed; to a replica,
    /// total_net_repl_output_bytes).
    pub fn net_written(&mut self, id: u64, n: usize) {
        let st = &mut self.core.stats;
        st.writes_processed += 1;
        if self.core.repl.is_replica(id) {
            st.net_repl_output_bytes += n as u64;
        } else {
            st.net_output_bytes += n as u64;
        }
    }

    /// Client `id`'s commands consumed `n` bytes of its query buffer; `pending_bulk`:
    /// the length of a bulk argument under way ([`querybuf::QueryBuf::consumed`]).
    pub fn query_buffer_consumed(&mut self, id: u64, n: usize, pending_bulk: Option<usize>) {
        if let Some(c) = self.clients.get_mut(&id) {
            c.qbuf.consumed(n, pending_bulk);
        }
    }

    /// What goes out after the reply of the command client `id` just ran (a monitor
    /// seeing its own command). Hosts write it right after that reply.
    pub fn take_after_reply(&mut self, id: u64) -> Vec<Reply> {
        self.core.pubsub.take_after(id)
    }

    /// Whether other clients' commands can send this one something (it subscribes to a
    /// channel or pattern, or runs MONITOR), or it already has something waiting.
    pub fn receives_pushes(&self, id: u64) -> bool {
        self.core.pubsub.subscribed(id)
            || self.core.monitors.contains(&id)
            || self.core.pubsub.pending_bytes(id) > 0
    }

    /// The clients that have messages waiting since the last call.
    pub fn fresh_pushes(&mut self) -> Vec<u64> {
        // The end of an event-loop turn: BCAST tracking clients hear of the keys
        // modified meanwhile (Redis's beforeSleep).
        if self.core.tracking.active() {
            let Core {
                tracking, pubsub, ..
            } = &mut self.core;
            tracking.broadcast(pubsub);
        }
        self.core.pubsub.take_fresh()
    }

    /// Subscribers over `client-output-buffer-limit pubsub`, for the host to disconnect
    /// (Redis frees them asynchronously).
    pub fn overflowed_clients(&mut self) -> Vec<u64> {
        self.core.pubsub.take_overflowed()
    }

    /// Takes the key events produced since the last call.
    /// Hands what was propagated to the AOF host (the server's files).
    pub fn flush_propagated(&mut self) {
        if self.core.aof_host.is_none() && self.core.mem_aof.on {
            self.core.mem_aof_append();
            return;
        }
        // Without a host the stream stays for `take_propagated` (tests, embedders).
        if (self.core.aof_host.is_none() && !self.core.repl.backlog_on)
            || (self.core.prop.pending.is_empty() && self.core.prop.out.is_empty())
        {
            return;
        }
        self.core.prop.flush_loose();
        let ops = std::mem::take(&mut self.core.prop.out);
        // One stream, two readers: the replicas (and the backlog), then the AOF, each
        // taking the entries meant for it.
        // (What a replica's master sent is proxied verbatim instead: `apply_from_master`.)
        // A replica's own writes (lazy expiry) never enter the stream it passes on.
        if self.core.repl.backlog_on && !self.core.repl.applying && self.core.repl.master.is_none()
        {
            let size = self.core.repl_backlog_size();
            let to_repl = ops.iter().filter(|op| op.2 & aof::TO_REPL != 0);
            self.core
                .repl
                .feed(to_repl.map(|(db, argv, _)| (*db, argv)), size);
        }
        if let Some(h) = self.core.aof_host.as_mut() {
            match h.append(aof::for_aof(ops)) {
                Ok(size) => {
                    self.core.aof.current_size = size;
                    self.core.aof.last_write_ok = true;
                }
                Err(_) => self.core.aof.last_write_ok = false,
            }
        }
    }

    /// What the host does before replies go out (Redis's beforeSleep): the AOF buffer
    /// written, and synced under `appendfsync always`.
    pub fn before_replies(&mut self) {
        self.flush_propagated();
        // WAIT blocked a client: the replicas are asked for their offsets (Redis's
        // beforeSleep, get_ack_from_slaves).
        if std::mem::take(&mut self.core.repl.want_getack) {
            let size = self.core.repl_backlog_size();
            self.core
                .repl
                .send_to_all(&["REPLCONF", "GETACK", "*"], size);
        }
        if let Some(h) = self.core.aof_host.as_mut() {
            if h.before_replies().is_err() {
                self.core.aof.last_write_ok = false;
            }
        }
    }

    /// What the commands run since the last call propagated to the AOF, as `(db, argv)`
    /// pairs in order (db -1: MULTI/EXEC, no SELECT needed). Empty unless
    /// `core.prop.on`. (What went to the replicas only, PUBLISH, is dropped.)
    pub fn take_propagated(&mut self) -> Vec<(i64, aof::Argv)> {
        aof::for_aof(self.take_propagated_ops())
    }

    /// What was propagated since the last call, each with its targets.
    pub fn take_propagated_ops(&mut self) -> Vec<aof::Op> {
        self.core.prop.flush_loose();
        std::mem::take(&mut self.core.prop.out)
    }

    pub fn drain_events(&mut self) -> Vec<KeyEvent> {
        std::mem::take(&mut self.core.events)
    }

    /// Runs one command for client `id`. `argv[0]` is the command name. A client that
    /// turned replies off (CLIENT REPLY) gets an empty [`Reply::Seq`].
    pub fn execute(&mut self, id: u64, argv: &[Vec<u8>]) -> Reply {
        // rename-command: a new name runs its command under the command's own name; an
        // old one (or a disabled command) is unknown.
        let Some(renamed) = self.core.renames.apply(argv) else {
            let e = table::unknown_command(argv);
            self.core.count_error(&e);
            self.flag_transaction(id);
            return Reply::Error(e);
        };
        let argv = &renamed[..];
        let reply = self.execute_command(id, argv);
        if self.core.tracking.active() {
            self.after_tracking_command(id, argv);
        }
        if self.core.prop.on {
            let before = self.core.repl.offset;
            self.flush_propagated();
            // The offset this client's writes reach (Redis's `c->woff`, which WAIT uses).
            if self.core.repl.offset != before {
                self.core.repl.woff.insert(id, self.core.repl.offset);
            }
        }
        if let Some(kind) = self.core.restart_pending.take() {
            let _ = self.crash_restart(kind);
        }
        let reply = if std::mem::take(&mut self.core.loadaof_pending) {
            match self.load_aof_again(id) {
                Ok(()) => reply,
                Err(e) => Reply::Error(format!("ERR Error loading the append only file: {e}")),
            }
        } else {
            reply
        };
        if !self.core.reply_modes_used {
            return reply;
        }
        match self.clients.get_mut(&id) {
            Some(c) if c.reply_off || c.reply_skip || c.reply_skip_next => {
                let silent = c.reply_off || c.reply_skip;
                // Redis's resetClient: SKIP silences the command after it only.
                c.reply_skip = std::mem::take(&mut c.reply_skip_next);
                if !silent {
                    return reply;
                }
                // Pub/Sub confirmations are pushes: they go out even so (Redis's
                // CLIENT_PUSHING), the rest of the reply does not.
                match reply {
                    Reply::Blocked | Reply::Closed | Reply::Push(_) => reply,
                    Reply::Seq(items) => Reply::Seq(
                        items
                            .into_iter()
                            .filter(|r| matches!(r, Reply::Push(_)))
                            .collect(),
                    ),
                    _ => Reply::Seq(Vec::new()),
                }
            }
            _ => reply,
        }
    }

    /// Redis's resetClient for tracking: CLIENT CACHING applies to the next command (or
    /// transaction) only; any CLIENT subcommand in between keeps it.
    fn after_tracking_command(&mut self, id: u64, argv: &[Vec<u8>]) {
        let in_multi = self.clients.get(&id).is_some_and(|c| c.multi.is_some());
        if let Some(m) = self.core.tracking.mode_mut(id) {
            if m.caching
                && !in_multi
                && !argv
                    .first()
                    .is_some_and(|a| a.eq_ignore_ascii_case(b"client"))
            {
                m.caching = false;
            }
        }
    }

    fn execute_command(&mut self, id: u64, argv: &[Vec<u8>]) -> Reply {
        if argv.is_empty() {
            return Reply::err("ERR empty command");
        }
        // Redis's processCommand, before the command lookup: an HTTP request line or
        // header is a cross-protocol attack; the connection is dropped unanswered.
        if argv[0].eq_ignore_ascii_case(b"post") || argv[0].eq_ignore_ascii_case(b"host:") {
            if let Some(c) = self.clients.get_mut(&id) {
                c.close_after_reply = true;
            }
            return Reply::Closed;
        }
        // What the checks below need of the client, looked up once; and its activity
        // noted (CLIENT LIST's idle, `timeout`) at the time of the last command, as Redis
        // notes the cached time when input comes (a command that runs notes its own).
        let cached = self.core.now;
        let note = |c: &mut Client| {
            c.last_ms = c.last_ms.max(cached);
            (
                c.close_after_reply,
                c.authenticated,
                c.multi.is_some(),
                c.resp,
            )
        };
        let known = self.clients.get_mut(&id).map(note);
        let (closing, authenticated, in_multi, resp) = match known {
            Some(state) => state,
            None => {
                // An unknown id still gets a working (fresh) client rather than a panic.
                let fresh = self.connect("?:0", "?:0");
                if let Some(mut c) = self.clients.remove(&fresh) {
                    c.id = id;
                    self.clients.insert(id, c);
                }
                self.clients
                    .get_mut(&id)
                    .map_or((false, true, false, 2), note)
            }
        };
        let spec = match table::lookup(argv) {
            Ok(s) => s,
            Err(e) => {
                self.core.count_error(&e);
                self.flag_transaction(id);
                return Reply::Error(e);
            }
        };
        // One clock read: the command's time, and the start of its timing (the checks
        // before it runs are counted in, as they take next to nothing beside a read of
        // the system clock; evictions, which may not, restart the timer below). A
        // command queued for EXEC reads none: as in Redis, the checks before queueing
        // see the time of the last command (Redis's cached `server.mstime`).
        let mut started = None;
        if !in_multi || cmd::multi::runs_in_multi(spec) {
            let (now, stamp) = self.core.clock.now_with_stamp();
            self.core.now = now;
            started = Some(stamp);
        }
        if closing {
            // A client the server is closing (its ACL user was deleted) runs nothing more.
            return Reply::Seq(Vec::new());
        }
        if !table::arity_ok(spec, argv.len()) {
            return self.reject(
                id,
                spec,
                format!(
                    "ERR wrong number of arguments for '{}' command",
                    spec.full_name()
                ),
            );
        }
        if spec.flags.contains(crate::engine::table::Flags::PROTECTED)
            && !self.protected_allowed(id)
        {
            self.core.count_error("ERR");
            self.flag_transaction(id);
            return Reply::Error(format!(
                "ERR {0} command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
                spec.name.to_ascii_uppercase()
            ));
        }
        // Redis's authRequired: until it authenticates, a client may only run the
        // commands flagged no_auth (AUTH, HELLO, QUIT, RESET).
        if !authenticated
            && !spec.flags.contains(table::Flags::NO_AUTH)
            && self.core.acl.auth_required()
        {
            return self.reject(id, spec, "NOAUTH Authentication required.".into());
        }
        let top = |names: &[&str]| spec.container.is_none() && names.contains(&spec.name);
        if in_multi && spec.flags.contains(table::Flags::NO_MULTI) {
            return self.reject(
                id,
                spec,
                "ERR Command not allowed inside a transaction".into(),
            );
        }
        if let Some(refused) = self.acl_check(id, spec, argv, in_multi) {
            return refused;
        }
        if self.core.cluster.is_some() {
            if let Some(refused) = self.cluster_check(id, spec, argv) {
                return refused;
            }
        }
        // The flags this call has: EVAL and FCALL take their script's (getCommandFlags),
        // so a script without `no-writes` is a write for the checks below. Looked up
        // only when one of those checks can refuse (an EVAL's lookup hashes its body).
        let flags = if cmd::scripting::takes_script_flags(spec)
            && (self.core.config.maxmemory > 0
                || self.core.repl.master.is_some()
                || self.core.config.min_replicas_on
                || self.core.writes_denied_by_disk())
        {
            cmd::scripting::call_flags(self.core.scripts.as_ref(), &self.core.libraries, spec, argv)
        } else {
            spec.flags
        };
        // Redis frees memory before every command once maxmemory is set, and refuses the
        // commands that may grow memory if it could not: inside MULTI every command but
        // EXEC and DISCARD (queueing could grow without bound), and EXEC when it holds
        // such a command.
        if self.core.config.maxmemory > 0 {
            let deny = flags.contains(table::Flags::DENYOOM)
                || (top(&["exec"]) && self.queued_flags(id).contains(table::Flags::DENYOOM))
                || (in_multi && !top(&["exec", "discard", "quit", "reset"]));
            let oom = !self
                .core
                .perform_evictions(argv.iter().map(|a| a.len() as u64).sum());
            if started.is_some() {
                started = Some(timer::start());
            }
            self.core.oom_at_start = oom;
            if oom && deny {
                return self.reject(id, spec, evict::OOM_ERROR.to_string());
            }
        } else {
            self.core.oom_at_start = false;
        }
        // After a failed background save, with save points set and
        // stop-writes-on-bgsave-error on, writes (and PING) get MISCONF until a save
        // succeeds (Redis's writeCommandsDeniedByDiskError).
        if self.core.writes_denied_by_disk()
            && (flags.contains(table::Flags::WRITE)
                || top(&["ping"])
                || (top(&["exec"]) && self.queued_flags(id).contains(table::Flags::WRITE)))
        {
            return self.reject(id, spec, MISCONF_RDB.to_string());
        }
        // Writes need good replicas when min-replicas-to-write asks for them.
        // (Asked first: the queued commands' flags are looked up only when it matters.)
        if self.core.lacks_good_replicas()
            && (flags.contains(table::Flags::WRITE)
                || (top(&["exec"]) && self.queued_flags(id).contains(table::Flags::WRITE)))
        {
            return self.reject(id, spec, NOREPLICAS.to_string());
        }
        // A read-only replica takes writes from its master only.
        if self.core.read_only_replica_refuses(id)
            && (flags.contains(table::Flags::WRITE)
                || (top(&["exec"]) && self.queued_flags(id).contains(table::Flags::WRITE)))
        {
            return self.reject(
                id,
                spec,
                "READONLY You can't write against a read only replica.".to_string(),
            );
        }
        // A replica whose link is down, with replica-serve-stale-data no, answers only the
        // commands flagged `stale` (an EXEC only when all it queued are).
        if self.core.serving_stale_refused()
            && (!flags.contains(table::Flags::STALE)
                || (top(&["exec"]) && !self.queued_all(id, table::Flags::STALE)))
        {
            return self.reject(
                id,
                spec,
                "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
                    .to_string(),
            );
        }
        // A RESP2 client in Pub/Sub mode may only (un)subscribe, PING, QUIT and RESET.
        if !self.core.pubsub.is_empty() && self.core.pubsub.subscribed(id) && resp == 2 {
            if let Some(e) = pubsub::resp2_subscriber_refusal(spec) {
                return self.reject(id, spec, e);
            }
        }
        // While a file loads, only the commands flagged `loading` run (EXEC only if all
        // it holds are).
        if self.core.loading
            && (!spec.flags.contains(table::Flags::LOADING)
                || (top(&["exec"]) && !self.queued_all(id, table::Flags::LOADING)))
        {
            return self.reject(id, spec, LOADING_ERR.to_string());
        }
        // Keep the tracking table within tracking-table-max-keys.
        if self.core.tracking.clients() > 0 {
            self.core.limit_tracking();
        }
        if in_multi && !cmd::multi::runs_in_multi(spec) {
            return self.with_ctx(id, |ctx| cmd::multi::queue(ctx, spec, argv));
        }
        let now = self.core.now;
        if let Some(c) = self.clients.get_mut(&id) {
            c.last_ms = now;
            c.last_cmd = spec.key();
        }
        // Scripts are shown to monitors before the commands they run, the rest after.
        let script_first = !self.core.monitors.is_empty() && is_script_command(spec);
        if script_first {
            // (EVAL and FCALL are flagged skip_monitor so that call() does not show
            // them again after: Redis's processCommand shows them up front.)
            if let Some(c) = self.clients.get(&id) {
                let (db, addr) = (c.db, c.addr.clone());
                self.core.show_to_monitors(id, db, &addr, argv);
            }
        }
        let started = started.unwrap_or_else(timer::start);
        self.core.cmd_started = started;
        let tracking = self.core.tracking.active();
        if tracking {
            self.core.tracking.current = Some(id);
        }
        let reply = self.run(spec, id, argv);
        if tracking || self.core.tracking.active() {
            // Keys it read are remembered for it; what it invalidated for itself goes
            // out after its reply (Redis's call() and afterCommand).
            self.core.remember_reads(id, spec, argv);
            self.core.flush_tracking();
        }
        if !script_first && !self.core.monitors.is_empty() {
            self.feed_monitors_for(id, spec, argv);
        }
        if matches!(reply, Reply::Blocked) {
            self.block_seq += 1;
            let seq = self.block_seq;
            if let Some(c) = self.clients.get_mut(&id) {
                let keys = blocking::keys_of(argv);
                let deadline = c.block_deadline.take();
                let parked = c.block_argv.take().unwrap_or_else(|| argv.to_vec());
                self.core.blocking.park(id, c.db, &keys, deadline);
                c.blocked = Some(Blocked {
                    argv: parked,
                    deadline,
                    seq,
                    db: c.db,
                    keys,
                });
            }
        }
        for (target, error) in std::mem::take(&mut self.core.unblock_requests) {
            self.unblock(target, error);
        }
        let usec = timer::elapsed_us(started);
        if !matches!(reply, Reply::Blocked) {
            self.core.count_call(spec, usec, &reply);
            if !self.core.records(usec) {
                return reply;
            }
            if let Some(c) = self.clients.get(&id) {
                let name = c.name.as_deref().unwrap_or_default();
                self.core.log_slow(spec, argv, usec, &c.addr, name);
            }
        }
        reply
    }

    fn feed_monitors_for(&mut self, id: u64, spec: &'static table::CommandSpec, argv: &[Vec<u8>]) {
        if let Some(c) = self.clients.get(&id) {
            let (db, addr) = (c.db, c.addr.clone());
            self.core.feed_monitors(id, spec, db, &addr, argv);
        }
    }

    /// Runs `f` with the context of client `id`.
    fn with_ctx<R>(&mut self, id: u64, f: impl FnOnce(&mut Ctx) -> R) -> R {
        let mut ctx = Ctx {
            core: &mut self.core,
            clients: &mut self.clients,
            id,
            fallback: Default::default(),
        };
        f(&mut ctx)
    }

    /// The ACL check of processCommand: None to go on, or the NOPERM refusal (logged).
    fn acl_check(
        &mut self,
        id: u64,
        spec: &'static table::CommandSpec,
        argv: &[Vec<u8>],
        in_multi: bool,
    ) -> Option<Reply> {
        let user = self.clients.get(&id).map(|c| c.user.as_slice())?;
        let denied = cmd::acl::user_of(&self.core, user)
            .check(spec, argv)
            .err()?;
        let context = if in_multi {
            acl::Context::Multi
        } else {
            acl::Context::Toplevel
        };
        self.with_ctx(id, |ctx| {
            cmd::acl::log_denied(ctx, denied, context, spec, argv)
        });
        Some(self.reject(id, spec, denied.error(spec)))
    }

    fn flag_transaction(&mut self, id: u64) {
        self.with_ctx(id, cmd::multi::flag);
    }

    /// Refuses a command before it runs (Redis's `rejectCommand`): the error, counted as
    /// a rejected call, and the transaction flagged (or ended, for EXEC).
    fn reject(&mut self, id: u64, spec: &'static table::CommandSpec, error: String) -> Reply {
        self.core.count_error(&error);
        self.core.cmdstats.of(spec).rejected_calls += 1;
        self.with_ctx(id, |ctx| cmd::multi::reject(ctx, spec, error))
    }

    /// Cluster mode's check before a command runs (Redis's `getNodeByQuery` in
    /// `processCommand`, see `cluster.rs`): None to go on, or the refusal.
    fn cluster_check(
        &mut self,
        id: u64,
        spec: &'static table::CommandSpec,
        argv: &[Vec<u8>],
    ) -> Option<Reply> {
        self.core.cluster_slot = None;
        let cl = self.core.cluster.as_ref()?;
        if !cluster::is_checked(spec) {
            return None;
        }
        let exec = spec.container.is_none() && spec.name == "exec";
        let routed = if exec {
            // EXEC is checked as one request made of every queued command.
            match self.clients.get(&id).and_then(|c| c.multi.as_ref()) {
                None => Ok(None),
                Some(queue) => cl.route(
                    queue
                        .iter()
                        .filter_map(|a| table::lookup(a).ok().map(|s| (s, &a[..]))),
                ),
            }
        } else {
            cl.route([(spec, argv)])
        };
        match routed {
            Ok(slot) => {
                self.core.cluster_slot = slot;
                None
            }
            Err(refusal) => {
                let error = refusal.error().to_string();
                self.core.count_error(&error);
                self.core.cmdstats.of(spec).rejected_calls += 1;
                // A refused EXEC ends the transaction; anything else inside MULTI makes
                // EXEC abort.
                if exec {
                    self.with_ctx(id, cmd::multi::discard_transaction);
                } else {
                    self.flag_transaction(id);
                }
                Some(Reply::Error(error))
            }
        }
    }

    /// Whether every command client `id` queued has `flag` (what Redis's `cmd_inv_flags`
    /// tells).
    fn queued_all(&self, id: u64, flag: table::Flags) -> bool {
        self.clients
            .get(&id)
            .and_then(|c| c.multi.as_ref())
            .into_iter()
            .flatten()
            .all(|argv| {
                table::lookup(argv).is_ok_and(|s| {
                    cmd::scripting::call_flags(
                        self.core.scripts.as_ref(),
                        &self.core.libraries,
                        s,
                        argv,
                    )
                    .contains(flag)
                })
            })
    }

    /// The union of the flags of the commands a client has queued.
    fn queued_flags(&self, id: u64) -> table::Flags {
        let mut flags = table::Flags::default();
        for argv in self
            .clients
            .get(&id)
            .and_then(|c| c.multi.as_ref())
            .into_iter()
            .flatten()
        {
            if let Ok(s) = table::lookup(argv) {
                flags = flags.union(cmd::scripting::call_flags(
                    self.core.scripts.as_ref(),
                    &self.core.libraries,
                    s,
                    argv,
                ));
            }
        }
        flags
    }

    /// Runs a command's handler (lookup and arity already checked by the caller, or known
    /// good for a parked command being retried).
    fn run(&mut self, spec: &'static table::CommandSpec, id: u64, argv: &[Vec<u8>]) -> Reply {
        // The caller has set `core.now` (one clock read per command, as Redis caches it).
        let propagate = self.core.prop.on;
        // (The database matters only to what is propagated: no client lookup otherwise.)
        let dirty = self.core.stats.dirty;
        let db = if propagate {
            self.clients.get(&id).map_or(0, |c| c.db)
        } else {
            0
        };
        if propagate {
            // What ran outside any command (active expiry, eviction) goes first, alone.
            self.core.prop.flush_loose();
        }
        let reply = self.with_ctx(id, |ctx| (spec.handler)(ctx, argv));
        if propagate {
            if !aof::is_container(spec) && !matches!(reply, Reply::Blocked) {
                self.core.propagate_own(spec, db, argv, &reply, dirty);
            }
            self.core.prop.flush();
        }
        self.core.settle();
        // The high-water marks can only have risen if the command may write, or if
        // clients connected since they were last taken: a read-only command that
        // changed nothing (a lazy expiry only frees) leaves them as they are, and skips
        // summing every database's size.
        if !spec.flags.contains(table::Flags::READONLY)
            || self.core.stats.dirty != dirty
            || self.core.connected_clients > self.core.noted_clients
        {
            self.core.note_memory();
        }
        reply
    }

    /// Whether a protected command (DEBUG) may run for this client under
    /// `enable-debug-command`: `yes`, or `local` for loopback and in-page clients.
    fn protected_allowed(&self, id: u64) -> bool {
        match self.core.config.get("enable-debug-command").as_deref() {
            Some("yes") => true,
            Some("local") => self.clients.get(&id).is_some_and(Client::is_local),
            _ => false,
        }
    }

    /// Convenience for hosts and tests: runs a command given as text split on spaces.
    pub fn exec_words(&mut self, id: u64, line: &str) -> Reply {
        let argv: Vec<Vec<u8>> = line
            .split_whitespace()
            .map(|w| w.as_bytes().to_vec())
            .collect();
        self.execute(id, &argv)
    }

    /// INFO's text, every section, for read-only views (the lessons' checks): it runs
    /// no command, so nothing counts it.
    pub fn info_text(&mut self) -> String {
        let argv = [b"info".to_vec(), b"everything".to_vec()];
        match self.with_ctx(0, |ctx| cmd::server::info(ctx, &argv)) {
            Reply::Bulk(b) | Reply::Verbatim(_, b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        }
    }

    /// As if the server restarted with (or without) `cluster-enabled yes`: a fresh start
    /// ([`Engine::reset_all`]) in the chosen mode. Redis cannot switch at run time
    /// (CONFIG SET refuses), but the app's setting and the lesson on hash slots can.
    pub fn restart_in_cluster_mode(&mut self, on: bool) {
        if on != self.core.cluster.is_some() {
            self.core.cluster = if on {
                let port = self
                    .core
                    .config
                    .get("port")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(6379);
                let seed = {
                    use rand::RngExt;
                    self.core.rng.random::<u64>()
                };
                Some(cluster::Cluster::new(seed, port))
            } else {
                None
            };
            self.core.dbs[0] = if on {
                Db::with_slot_index()
            } else {
                Db::default()
            };
        }
        self.reset_all();
        if !on {
            let _ = self.core.config.set_startup("cluster-enabled", "no");
        }
    }

    /// Back to a fresh start: empty databases, default configuration, zeroed statistics.
    /// Connected clients stay, moved back to database 0.
    pub fn reset_all(&mut self) {
        for db in &mut self.core.dbs {
            db.clear();
        }
        self.core.invalidate_tracked_all();
        self.core.config = Config::default();
        if self.core.cluster.is_some() {
            let _ = self.core.config.set_startup("cluster-enabled", "yes");
        }
        self.core.stats = Stats::default();
        self.core.cmdstats.clear();
        let store = self.core.acl.store.take();
        self.core.acl = acl::Acl {
            store,
            ..Default::default()
        };
        self.core.slowlog = Default::default();
        self.core.latency = Default::default();
        self.core.active_expire = true;
        if self.core.persist.host.is_none() {
            let now = self.core.now;
            self.core.persist = cmd::persist::Persist::new(now);
        }
        if self.core.aof_host.is_none() {
            self.core.aof = Default::default();
            self.core.mem_aof = Default::default();
            self.core.prop = Default::default();
        }
        for c in self.clients.values_mut() {
            c.db = 0;
            c.user = b"default".to_vec();
            c.authenticated = true;
        }
    }

    /// Background work, called `hz` times a second by the host: Redis's active expire
    /// cycle. Returns how many keys it expired.
    pub fn tick(&mut self) -> usize {
        self.core.now = self.core.clock.now_ms();
        let started = timer::start();
        // A replica waits for its master's DELs (Redis's activeExpireCycle runs on
        // masters only), but expires what its own clients wrote with a TTL.
        let n = if self.core.repl.master.is_some() {
            self.core.expire_replica_keys()
        } else {
            self.core.active_expire_cycle()
        };
        // The cycle's time is a latency event of its own (Redis's `expire-cycle`).
        let us = timer::elapsed_us(started);
        self.core.stats.expire_cycle_us += us;
        let ms = us / 1000;
        let (threshold, now_s) = (
            self.core.config.latency_threshold,
            self.core.now.div_euclid(1000),
        );
        self.core
            .latency
            .add_if_needed(threshold, "expire-cycle", ms, now_s);
        self.core.hostless_cron();
        self.core.track_instantaneous();
        // replicationCron: a PING in the stream every repl-ping-replica-period seconds.
        // (A replica only passes its master's stream on, PINGs included.)
        if !self.core.repl.replicas.is_empty() && self.core.repl.master.is_none() {
            let period: i64 = self
                .core
                .config
                .get("repl-ping-replica-period")
                .and_then(|p| p.parse().ok())
                .unwrap_or(10);
            if self.core.now - self.core.repl.last_ping_ms >= period * 1000 {
                self.core.repl.last_ping_ms = self.core.now;
                let size = self.core.repl_backlog_size();
                self.core.repl.send_to_all(&["PING"], size);
            }
        }
        // serverCron closes the MIGRATE connections unused for 10 seconds.
        let now_s = self.core.now.div_euclid(1000);
        self.core.migrate.close_idle(now_s);
        // clientsCron's query buffer resizing (every client at each tick, as Redis does
        // for a few clients).
        for c in self.clients.values_mut() {
            let idle = now_s - c.last_ms.div_euclid(1000);
            c.qbuf.cron(idle, None);
            // clientsCronTrackExpansiveClients.
            let input = (c.qbuf.len() + c.qbuf.free()) as u64;
            let output = self.core.pubsub.pending_bytes(c.id);
            self.core.client_peaks.note(now_s, input, output);
        }
        // serverCron keeps the tracking table within tracking-table-max-keys too.
        if self.core.tracking.clients() > 0 {
            self.core.limit_tracking();
        }
        n
    }
}

/// EVAL, EVALSHA, FCALL and their read-only forms: the commands that run a script.
fn is_script_command(spec: &table::CommandSpec) -> bool {
    spec.container.is_none()
        && matches!(
            spec.name,
            "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
        )
}

/// 40 hex digits drawn from a generator of their own (so drawing them leaves the
/// engine's sequence as it was): a replication ID or a run ID.
fn hex40(seed: u64) -> String {
    use rand::RngExt;
    let mut r = StdRng::seed_from_u64(seed);
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[r.random_range(0..16)]))
        .collect()
}

fn blank_client(id: u64) -> Client {
    Client {
        id,
        repl_flag: None,
        db: 0,
        name: None,
        resp: 2,
        addr: String::new(),
        laddr: String::new(),
        created_ms: 0,
        last_ms: 0,
        last_cmd: (None, "NULL"),
        close_after_reply: false,
        blocked: None,
        block_deadline: None,
        block_argv: None,
        multi: None,
        multi_specs: Default::default(),
        multi_spare: Default::default(),
        multi_error: false,
        reply_off: false,
        reply_skip: false,
        reply_skip_next: false,
        ldb: 0,
        user: b"default".to_vec(),
        authenticated: true,
        no_evict: false,
        qbuf: Default::default(),
    }
}

/// Real time spent in a command, for INFO commandstats only (never for behaviour).
mod timer {
    pub use super::clock::{between_us, elapsed_us, stamp as start, Stamp};
}

/// Active expiry tuning, as in Redis's expire.c: keys sampled per database per loop, and
/// the share of stale keys above which a database is sampled again.
const ACTIVE_EXPIRE_KEYS_PER_LOOP: usize = 20;
const ACTIVE_EXPIRE_ACCEPTABLE_STALE: usize = 10;
/// Databases visited per cycle.
const ACTIVE_EXPIRE_DBS_PER_CALL: usize = 16;
/// Our stand-in for Redis's CPU-time budget: loops per database per cycle. Redis stops
/// after 25% of a tick's time; an engine under a manual clock has no elapsed time, so we
/// bound the work by count instead.
const ACTIVE_EXPIRE_MAX_LOOPS: usize = 64;

/// Redis's reply when `min-replicas-to-write` asks for replicas that are not there.
pub const LOADING_ERR: &str = "LOADING Redis is loading the dataset in memory";
pub const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";

/// Redis's `shared.bgsaveerr`.
pub const MISCONF_RDB: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

impl Core {
    /// The last background save failed while save points are set and
    /// `stop-writes-on-bgsave-error` is on.
    pub fn writes_denied_by_disk(&self) -> bool {
        !self.persist.last_bgsave_ok
            && self.config.get("stop-writes-on-bgsave-error").as_deref() == Some("yes")
            && self
                .config
                .get("save")
                .is_some_and(|s| !s.trim().is_empty())
    }

    /// Redis's mustObeyClient: the master's link (and the AOF while it loads), whose
    /// writes a replica takes whatever its state.
    pub fn must_obey(&self, client: u64) -> bool {
        self.loading || self.repl.master_client() == Some(client)
    }

    /// A read-only replica refuses `client`'s writes (`replica-read-only yes`, the
    /// default): everyone's but its master's.
    pub fn read_only_replica_refuses(&self, client: u64) -> bool {
        self.repl.master.is_some()
            && !self.must_obey(client)
            && self.config.get("replica-read-only").as_deref() != Some("no")
    }

    /// A replica whose link to its master is down, with replica-serve-stale-data no:
    /// only the commands flagged `stale` run (Redis's `running_stale`).
    pub fn serving_stale_refused(&self) -> bool {
        self.repl
            .master
            .as_ref()
            .is_some_and(|m| m.state != "connected")
            && self.config.get("replica-serve-stale-data").as_deref() == Some("no")
    }

    /// Redis's `checkGoodReplicasStatus` failing: a master's writes need
    /// `min-replicas-to-write` good replicas (with `min-replicas-max-lag` on).
    pub fn lacks_good_replicas(&self) -> bool {
        self.config.min_replicas_on
            && self.repl.master.is_none()
            && (self.good_replicas() as i64) < self.config.min_replicas_to_write
    }

    /// Replicas that acknowledged within `min-replicas-max-lag` seconds (Redis's
    /// refreshGoodSlavesCount, which compares whole seconds).
    pub fn good_replicas(&self) -> usize {
        let now_s = self.now.div_euclid(1000);
        self.repl
            .replicas
            .iter()
            .filter(|r| now_s - r.ack_ms.div_euclid(1000) <= self.config.min_replicas_max_lag)
            .count()
    }

    pub(crate) fn notify(&mut self, db: usize, key: &[u8], event: &'static str) {
        // Every key event passes here: a key somebody blocks on becomes ready, and a
        // watched key breaks its watchers' transactions (Redis's signalModifiedKey).
        self.blocking.signal(db, key);
        if !self.watches.is_empty() {
            let exists = self.dbs[db].keys.get(key).is_some();
            self.watches.touch(db, key, exists);
        }
        // Tracking invalidation (the rest of signalModifiedKey) comes before the key
        // event, but after it for expiry (Redis's deleteExpiredKeyAndPropagate).
        let expired = event == "expired";
        if self.tracking.active() && !expired {
            self.invalidate_tracked(key, event != "evicted");
        }
        self.announce(db, key, event);
        if expired && self.tracking.active() {
            self.invalidate_tracked(key, false);
        }
        if !self.record_events {
            return;
        }
        self.events.push(KeyEvent {
            db,
            key: key.to_vec(),
            event,
        });
    }

    /// A module command opened a key for writing (RedisBloom's types): Redis signals
    /// the key as modified when the module closes it (WATCH breaks, a blocked client
    /// looks again), but publishes no keyspace notification, as RedisBloom sends none.
    /// The change still reaches the app's event feed, named by the type's family.
    pub(crate) fn module_touched(&mut self, db: usize, key: &[u8], family: &'static str) {
        self.blocking.signal(db, key);
        if !self.watches.is_empty() {
            let exists = self.dbs[db].keys.get(key).is_some();
            self.watches.touch(db, key, exists);
        }
        if self.tracking.active() {
            self.invalidate_tracked(key, true);
        }
        if self.record_events {
            self.events.push(KeyEvent {
                db,
                key: key.to_vec(),
                event: family,
            });
        }
    }

    /// Redis's trackingInvalidateKey from signalModifiedKey: `key` changed, by the
    /// running client (`by_client`) or not (expiry, eviction: no client, as in Redis).
    /// A script's writes come from its own client (Redis's Lua client), for NOLOOP.
    pub(crate) fn invalidate_tracked(&mut self, key: &[u8], by_client: bool) {
        let actor = match (by_client, self.tracking.current) {
            (false, _) | (true, None) => 0,
            (true, Some(_)) if self.running_script.is_some() => u64::MAX,
            (true, Some(id)) => id,
        };
        let Core {
            tracking, pubsub, ..
        } = self;
        tracking.invalidate_key(pubsub, key, actor, true);
    }

    /// Redis's afterCommand for tracking: the running client's own invalidations go
    /// out after its reply, and no client is current any more.
    pub(crate) fn flush_tracking(&mut self) {
        let Core {
            tracking, pubsub, ..
        } = self;
        tracking.flush_pending(pubsub);
        tracking.current = None;
    }

    /// Redis's trackingInvalidateKeysOnFlush (FLUSHDB, FLUSHALL).
    pub(crate) fn invalidate_tracked_all(&mut self) {
        let Core {
            tracking, pubsub, ..
        } = self;
        tracking.invalidate_all(pubsub);
    }

    /// Redis's trackingLimitUsedSlots, with `tracking-table-max-keys`.
    pub(crate) fn limit_tracking(&mut self) {
        use rand::RngExt;
        let max = self.config.tracking_table_max_keys;
        let Core {
            tracking,
            pubsub,
            rng,
            ..
        } = self;
        tracking.limit(pubsub, max, &mut |n| rng.random_range(0..n));
    }

    /// Redis's trackingRememberKeys after a read-only command of client `id` (in a
    /// script: the script's declared keys, for the script's caller). EVAL_RO and the
    /// like remember through the reads they run, not themselves.
    pub(crate) fn remember_reads(
        &mut self,
        id: u64,
        spec: &'static table::CommandSpec,
        argv: &[Vec<u8>],
    ) {
        if !spec.flags.contains(table::Flags::READONLY)
            || spec.flags.contains(table::Flags::PUBSUB)
            || (spec.container.is_none()
                && matches!(spec.name, "eval_ro" | "evalsha_ro" | "fcall_ro"))
        {
            return;
        }
        let Core {
            tracking,
            running_script,
            ..
        } = self;
        if let Some(rs) = running_script {
            if tracking.remembers(rs.client) {
                tracking.remember(rs.client, rs.keys.iter().map(|k| &k[..]));
            }
            return;
        }
        if !tracking.remembers(id) {
            return;
        }
        if let Some(pos) = table::keys_in(spec, argv) {
            tracking.remember(id, pos.iter().filter_map(|&i| argv.get(i)).map(|k| &k[..]));
        }
    }

    /// Publishes a key event as a keyspace notification, when `notify-keyspace-events`
    /// turns its class on: `__keyspace@<db>__:<key>` with the event, then
    /// `__keyevent@<db>__:<event>` with the key (Redis's notifyKeyspaceEvent).
    pub(crate) fn announce(&mut self, db: usize, key: &[u8], event: &'static str) {
        let nf = self.config.notify_flags;
        if nf == 0 || !self.pubsub.has_listeners() {
            return;
        }
        if nf & notify::class_flag(event) == 0 {
            return;
        }
        let limit = self.config.pubsub_limit;
        let now = self.now;
        // The channel names are built in one buffer kept for the purpose (an event is
        // announced on every write while notifications are on).
        let mut ch = std::mem::take(&mut self.pubsub.channel_buf);
        if nf & pubsub::flags::KEYSPACE != 0 {
            notify::channel(&mut ch, true, db, key);
            self.pubsub
                .publish(&ch, event.as_bytes(), pubsub::Kind::Plain, now, limit);
        }
        if nf & pubsub::flags::KEYEVENT != 0 {
            notify::channel(&mut ch, false, db, event.as_bytes());
            self.pubsub
                .publish(&ch, key, pubsub::Kind::Plain, now, limit);
        }
        self.pubsub.channel_buf = ch;
    }

    /// Whether a command that took `usec` enters the slow log or the latency monitor
    /// (most do not: the caller then skips looking up who ran it).
    pub(crate) fn records(&self, usec: u64) -> bool {
        let slower = self.config.slowlog_slower_than;
        let threshold = self.config.latency_threshold;
        (slower >= 0 && usec as i64 >= slower)
            || (threshold > 0 && (usec / 1000) as i64 >= threshold)
            || self.slowlog.entries.len() > self.config.slowlog_max_len
    }

    /// The slow log and the latency monitor's view of one command that ran (Redis's
    /// call(): EXEC is `skip_slowlog`; a blocked command is logged when served, here not).
    pub(crate) fn log_slow(
        &mut self,
        spec: &table::CommandSpec,
        argv: &[Vec<u8>],
        usec: u64,
        addr: &str,
        name: &[u8],
    ) {
        let threshold = self.config.latency_threshold;
        if threshold > 0 && (usec / 1000) as i64 >= threshold {
            let fast = spec.flags.contains(table::Flags::FAST);
            let now_s = self.clock.now_ms().div_euclid(1000);
            self.latency.add_if_needed(
                threshold,
                if fast { "fast-command" } else { "command" },
                usec / 1000,
                now_s,
            );
        }
        if spec.flags.contains(table::Flags::SKIP_SLOWLOG) {
            return;
        }
        let (slower, max_len) = (self.config.slowlog_slower_than, self.config.slowlog_max_len);
        if slower < 0 || (usec as i64) < slower {
            if self.slowlog.entries.len() > max_len {
                self.slowlog.entries.truncate(max_len);
            }
            return;
        }
        // (The clock is read only for what gets logged: most commands are not.)
        let now_s = self.clock.now_ms().div_euclid(1000);
        let shown = slowlog::redacted(spec, argv);
        let argv = shown.as_deref().unwrap_or(argv);
        self.slowlog
            .push_if_needed(slower, max_len, argv, usec, now_s, addr, name);
    }

    /// Shows a command to the clients in MONITOR mode (not admin commands, nor those
    /// flagged skip_monitor), as Redis's replicationFeedMonitors prints it.
    pub(crate) fn feed_monitors(
        &mut self,
        actor: u64,
        spec: &table::CommandSpec,
        db: usize,
        who: &str,
        argv: &[Vec<u8>],
    ) {
        if spec.flags.contains(table::Flags::ADMIN)
            || spec.flags.contains(table::Flags::SKIP_MONITOR)
        {
            return;
        }
        match slowlog::redacted(spec, argv) {
            Some(shown) => self.show_to_monitors(actor, db, who, &shown),
            None => self.show_to_monitors(actor, db, who, argv),
        }
    }

    fn show_to_monitors(&mut self, actor: u64, db: usize, who: &str, argv: &[Vec<u8>]) {
        let us = self.clock.now_us();
        let mut line = format!(
            "{}.{:06} [{db} {who}]",
            us.div_euclid(1_000_000),
            us.rem_euclid(1_000_000)
        );
        for a in argv {
            line.push(' ');
            line.push_str(&util::repr(a));
        }
        for &m in &self.monitors.clone() {
            if m == actor {
                self.pubsub
                    .push_after(m, Reply::Status(line.clone().into()));
            } else {
                self.pubsub.push_to(m, Reply::Status(line.clone().into()));
            }
        }
    }

    /// Counts one command that ran: INFO commandstats and the server's totals.
    pub(crate) fn count_call(
        &mut self,
        spec: &'static table::CommandSpec,
        usec: u64,
        reply: &Reply,
    ) {
        let st = self.cmdstats.of(spec);
        st.calls += 1;
        st.usec += usec;
        if self.config.latency_tracking {
            st.histogram[slowlog::bucket_of(usec.saturating_mul(1000))] += 1;
        }
        // A script's reply: the errors in it, each counted unless a command's error
        // reply counted it already (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE).
        let script_errors = self
            .script_errors
            .take()
            .filter(|_| is_script_command(spec));
        match script_errors {
            Some(errs) => {
                st.failed_calls += u64::from(errs.flagged) + u64::from(!errs.counted.is_empty());
                for e in &errs.counted {
                    self.count_error(e);
                }
            }
            None => {
                if let Reply::Error(e) = reply {
                    st.failed_calls += 1;
                    self.count_error(e);
                }
            }
        }
        self.stats.total_commands_processed += 1;
    }

    /// One error reply: INFO's total_error_replies and errorstats, by the error's code
    /// (its first word), at most 128 codes as Redis keeps.
    pub(crate) fn count_error(&mut self, text: &str) {
        self.stats.total_error_replies += 1;
        // Its first word, when a space ends it within Redis's 32 bytes of "-CODE ",
        // else ERR (as afterErrorReply falls back).
        let code = match text.find(' ') {
            Some(n) if n < 31 => &text[..n],
            _ => "ERR",
        };
        let n = self.stats.errorstats.len();
        match self.stats.errorstats.get_mut(code) {
            Some(c) => *c += 1,
            None if n < 128 => {
                self.stats.errorstats.insert(code.to_string(), 1);
            }
            None => {}
        }
    }

    /// The clock's time now (not the command's cached `now`): how long a script runs.
    pub fn wall_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Redis's 24-bit LRU clock, in seconds.
    pub fn lru_clock(&self) -> u32 {
        lru_clock_at(self.now)
    }

    /// Minutes, 16 bits, as the LFU field keeps its last-decrement time.
    fn lfu_minutes(&self) -> u32 {
        lfu_minutes_at(self.now)
    }

    /// The access metadata of a new object: the clock now and LFU's starting counter
    /// (so a new key is not evicted before it had a chance to be used twice).
    pub fn new_access(&self) -> Access {
        Access {
            clock: self.lru_clock(),
            lfu: (self.lfu_minutes() << 8) | LFU_INIT_VAL,
        }
    }

    /// The LFU counter after decay (what OBJECT FREQ shows): one step down for every
    /// `lfu-decay-time` minutes since the counter was last decremented.
    pub fn lfu_decayed(&self, lfu: u32) -> u32 {
        lfu_decay(&self.config, self.now, lfu)
    }

    /// Idle time in milliseconds from an LRU stamp (wrapping at 2^24 s, as Redis).
    pub fn idle_ms(&self, lru: u32) -> u64 {
        let now = self.lru_clock();
        let secs = if now >= lru {
            now - lru
        } else {
            0xFF_FFFF - lru + now
        };
        secs as u64 * 1000
    }

    /// Counts `key`'s value in lazyfreed_objects if Redis would free it in the background
    /// (`freeObjAsync`): called just before a lazy delete.
    pub fn count_lazyfree(&mut self, db: usize, key: &[u8]) {
        if let Some(o) = self.dbs[db].keys.get(key) {
            if o.value.free_effort() > LAZYFREE_THRESHOLD {
                self.stats.lazyfreed_objects += 1;
            }
        }
    }

    /// Deletes `key` from `db` if its TTL has passed; true if it did (or, during CLIENT
    /// PAUSE, would have: the key is then logically expired but still in the table).
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        let Some(&when) = self.dbs[db].expires.get(key) else {
            return false;
        };
        if when > self.now {
            return false;
        }
        // A replica waits for its master's DEL: a stale key reads as gone to its clients
        // but stays, and its master's own commands still see it (Redis's expireIfNeeded
        // with `masterhost` set).
        if self.repl.master.is_some() {
            return !self.repl.applying;
        }
        // During CLIENT PAUSE the dataset stays still: a stale key reads as gone but is
        // not deleted (Redis's checkClientPauseTimeoutAndReturnIfPaused); it expires
        // once the pause ends.
        if self.admin.pause_at(self.now).is_some() {
            return true;
        }
        self.delete_expired(db, key);
        true
    }

    /// Deletes a key whose TTL has passed: counted, propagated as DEL (or UNLINK), and
    /// announced as `expired`.
    fn delete_expired(&mut self, db: usize, key: &[u8]) {
        let lazy = self.config.lazyfree_expire;
        if lazy {
            self.count_lazyfree(db, key);
        }
        self.dbs[db].remove(key);
        self.stats.expired_keys += 1;
        if self.prop.on {
            let unlink = lazy;
            let cmd: &[u8] = if unlink { b"UNLINK" } else { b"DEL" };
            self.prop.push(db, vec![cmd.to_vec(), key.to_vec()]);
        }
        self.notify(db, key, "expired");
    }

    /// A TTL set on a writable replica by one of its own clients (not its master):
    /// remembered, for the replica expires such keys itself (Redis's
    /// rememberSlaveKeyWithExpire; databases past 63 are not tracked, as there).
    fn remember_replica_expire(&mut self, db: usize, key: &[u8]) {
        if self.repl.master.is_none() || self.repl.applying || db > 63 {
            return;
        }
        if self.config.get("replica-read-only").as_deref() != Some("no") {
            return;
        }
        *self.replica_expires.entry(key.to_vec()).or_insert(0) |= 1 << db;
    }

    /// Redis's expireSlaveKeys, a replica's part of the cron: each tracked key whose
    /// TTL has passed is deleted; one that lost its TTL or its key is forgotten.
    /// Returns how many keys expired.
    pub fn expire_replica_keys(&mut self) -> usize {
        if self.replica_expires.is_empty() || self.admin.pause_at(self.now).is_some() {
            return 0;
        }
        let mut expired = 0;
        let tracked = std::mem::take(&mut self.replica_expires);
        for (key, dbs) in tracked {
            let mut left = 0;
            for db in 0..self.dbs.len().min(64) {
                if dbs & (1 << db) == 0 {
                    continue;
                }
                match self.dbs[db].expires.get(&key) {
                    Some(&when) if when <= self.now => {
                        self.delete_expired(db, &key);
                        expired += 1;
                    }
                    Some(_) => left |= 1 << db,
                    None => {}
                }
            }
            if left != 0 {
                self.replica_expires.insert(key, left);
            }
        }
        expired
    }

    /// serverCron's `run_with_period(100)`: a sample of each instantaneous figure every
    /// 100 ms (at most once a tick).
    fn track_instantaneous(&mut self) {
        let now = self.now;
        let st = &mut self.stats;
        if st.inst[inst::COMMANDS]
            .last
            .is_some_and(|(t, _)| now - t < 100)
        {
            return;
        }
        let readings = [
            st.total_commands_processed,
            st.net_input_bytes + st.net_repl_input_bytes,
            st.net_output_bytes + st.net_repl_output_bytes,
            st.net_repl_input_bytes,
            st.net_repl_output_bytes,
        ];
        for (m, r) in st.inst.iter_mut().zip(readings) {
            m.track(now, r);
        }
    }

    /// Redis's `activeExpireCycle`: sample volatile keys at random in each database and
    /// delete the expired ones, going round again while more than 10% of a sample was stale.
    pub fn active_expire_cycle(&mut self) -> usize {
        use rand::RngExt;
        if !self.active_expire || self.admin.pause_at(self.now).is_some() {
            return 0;
        }
        let effort = (self.config.active_expire_effort - 1).max(0) as usize;
        let per_loop = ACTIVE_EXPIRE_KEYS_PER_LOOP + ACTIVE_EXPIRE_KEYS_PER_LOOP / 4 * effort;
        let stale_pct = ACTIVE_EXPIRE_ACCEPTABLE_STALE.saturating_sub(effort);
        let ndb = self.dbs.len();
        let mut total = 0;
        let mut total_sampled = 0;
        for _ in 0..ACTIVE_EXPIRE_DBS_PER_CALL.min(ndb) {
            let db = self.expire_db_cursor % ndb;
            self.expire_db_cursor = (self.expire_db_cursor + 1) % ndb;
            for _ in 0..ACTIVE_EXPIRE_MAX_LOOPS {
                let n = self.dbs[db].expires.len();
                if n == 0 {
                    break;
                }
                let samples = per_loop.min(n);
                let mut sampled = 0;
                let mut expired = 0;
                for _ in 0..samples {
                    let n = self.dbs[db].expires.len();
                    if n == 0 {
                        break;
                    }
                    let i = self.rng.random_range(0..n);
                    let (key, &when) = self.dbs[db].expires.at(i);
                    sampled += 1;
                    if when <= self.now {
                        let key = key.to_vec();
                        if self.expire_if_needed(db, &key) {
                            expired += 1;
                        }
                    }
                }
                total += expired;
                total_sampled += sampled;
                if sampled == 0 || expired * 100 / sampled <= stale_pct {
                    break;
                }
            }
        }
        // The estimate of stale keys: this cycle's share weighs 5%.
        let current = if total_sampled > 0 {
            total as f64 / total_sampled as f64
        } else {
            0.0
        };
        self.stats.expired_stale_perc = current * 0.05 + self.stats.expired_stale_perc * 0.95;
        total
    }

    /// Looks a key up for reading: lazy expiry, hit/miss counting, LRU/LFU touch.
    pub fn lookup_read(&mut self, db: usize, key: &[u8]) -> Option<&Obj> {
        self.touch_key(db, key, true).map(|o| &*o)
    }

    /// Whether a key exists (after lazy expiry), touching it as a write lookup does, for
    /// a command about to replace its value whole (SET): nothing to re-count after.
    pub fn touch_for_overwrite(&mut self, db: usize, key: &[u8]) -> bool {
        self.touch_key(db, key, false).is_some()
    }

    /// Lazy expiry, then one table lookup that records the access (and, for reads, the
    /// keyspace hit or miss).
    fn touch_key(&mut self, db: usize, key: &[u8], read: bool) -> Option<&mut Obj> {
        if self.expire_if_needed(db, key) && self.dbs[db].keys.contains(key) {
            // Stale but kept during a pause: a miss.
            if read {
                self.stats.keyspace_misses += 1;
                self.announce(db, key, "keymiss");
            }
            return None;
        }
        // A read that misses is a `keymiss` event (class m, off unless asked for: only
        // then is the key looked up twice).
        if read
            && self.config.notify_flags & pubsub::flags::KEY_MISS != 0
            && self.dbs[db].keys.get(key).is_none()
        {
            self.stats.keyspace_misses += 1;
            self.announce(db, key, "keymiss");
            return None;
        }
        let Core {
            dbs,
            config,
            rng,
            now,
            stats,
            ..
        } = self;
        let found = dbs[db].keys.get_mut(key);
        if read {
            match found {
                Some(_) => stats.keyspace_hits += 1,
                None => stats.keyspace_misses += 1,
            }
        }
        let o = found?;
        o.access = touch_access(config, *now, rng, o.access);
        Some(o)
    }

    /// Notes that a key's value may change in place, so its size is re-counted when the
    /// command finishes (`settle`).
    pub fn mark_dirty(&mut self, db: usize, key: &[u8]) {
        let n = self.dirty_len;
        if n > 0 && self.dirty[n - 1].0 == db && self.dirty[n - 1].1 == key {
            return;
        }
        match self.dirty.get_mut(n) {
            Some((d, k)) => {
                *d = db;
                k.clear();
                k.extend_from_slice(key);
            }
            None => self.dirty.push((db, key.to_vec())),
        }
        self.dirty_len = n + 1;
    }

    /// Re-counts the sizes of the keys changed in place by the command just run.
    pub fn settle(&mut self) {
        let n = std::mem::take(&mut self.dirty_len);
        for (db, key) in &self.dirty[..n] {
            self.dbs[*db].settle(key);
        }
        // Spare buffers stay few and small (a command may touch many keys, or a long one).
        if self.dirty.len() > 16 || self.dirty[..n].iter().any(|(_, k)| k.capacity() > 256) {
            self.dirty = Vec::new();
        }
    }

    /// Adds a key that is missing (a collection a write creates), with fresh access data,
    /// marked for re-counting.
    pub fn add(&mut self, db: usize, key: &[u8], value: Value) {
        let access = self.new_access();
        self.dbs[db].insert(key, Obj::new(value, access));
        self.mark_dirty(db, key);
        self.announce(db, key, "new");
    }

    /// Moves a key with its value, access data and TTL to another name or database
    /// (RENAME, MOVE); the destination must be free. False when `from` is missing.
    pub fn relocate(&mut self, src: usize, from: &[u8], dst: usize, to: &[u8]) -> bool {
        let ttl = self.dbs[src].ttl_of(from);
        let Some(obj) = self.dbs[src].remove(from) else {
            return false;
        };
        self.dbs[dst].insert(to, obj);
        if let Some(t) = ttl {
            self.dbs[dst].expires.insert(to, t);
            self.remember_replica_expire(dst, to);
        }
        self.announce(dst, to, "new");
        true
    }

    /// A value to change in place (no expiry check, no touch), marked for re-counting.
    pub fn value_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        self.mark_dirty(db, key);
        self.dbs[db].keys.get_mut(key).map(|o| &mut o.value)
    }

    /// Looks a key up for writing: lazy expiry and touch, no hit/miss counting. The key is
    /// marked for re-counting, as the caller may change its value in place.
    pub fn lookup_write(&mut self, db: usize, key: &[u8]) -> Option<&mut Obj> {
        // (Marked first, so that the lookup that touches the key is the one returned; a
        // missing key's mark costs its settle a lookup that finds nothing.)
        self.mark_dirty(db, key);
        self.touch_key(db, key, false)
    }

    /// `lookup_write` for a command that creates its key when missing (SADD, RPUSH,
    /// HSET …): a missing key gets `make()` first, added as `add` adds it. One table
    /// lookup when the key is there (the common case), two when it is created.
    pub fn lookup_write_or_add(
        &mut self,
        db: usize,
        key: &[u8],
        make: impl FnOnce() -> Value,
    ) -> Option<&mut Obj> {
        self.mark_dirty(db, key);
        // A key expired during CLIENT PAUSE stays in the table but counts as missing.
        let stale = self.expire_if_needed(db, key) && self.dbs[db].keys.contains(key);
        let found = if stale {
            None
        } else {
            self.dbs[db].keys.index_of(key)
        };
        let i = match found {
            Some(i) => {
                let Core {
                    dbs,
                    config,
                    rng,
                    now,
                    ..
                } = self;
                let o = dbs[db].keys.val_at_mut(i);
                o.access = touch_access(config, *now, rng, o.access);
                i
            }
            None => {
                let access = self.new_access();
                self.dbs[db].insert(key, Obj::new(make(), access));
                self.announce(db, key, "new");
                // (Not there only if the table is full: four billion keys.)
                self.dbs[db].keys.index_of(key)?
            }
        };
        Some(self.dbs[db].keys.val_at_mut(i))
    }

    /// Whether a key exists (after lazy expiry), without touching it.
    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        !self.expire_if_needed(db, key) && self.dbs[db].keys.contains(key)
    }

    /// Redis's `setKey`: stores a value, dropping any TTL unless `keep_ttl`.
    /// An overwritten key keeps its (touched) access counter, as Redis 7.0's `dbOverwrite`
    /// does under LFU, so a hot key stays hot when it is rewritten; its LRU clock is now.
    pub fn set_key(&mut self, db: usize, key: &[u8], value: Value, keep_ttl: bool) {
        self.store(db, key, value, keep_ttl, true);
    }

    /// SET's half of `set_key`, after `touch_for_overwrite` already touched the key:
    /// the new value takes the old access data as it is (Redis's `dbOverwrite`).
    pub fn set_key_touched(&mut self, db: usize, key: &[u8], value: Value, keep_ttl: bool) {
        self.store(db, key, value, keep_ttl, false);
    }

    fn store(&mut self, db: usize, key: &[u8], value: Value, keep_ttl: bool, touch: bool) {
        let fresh = self.new_access();
        let Core {
            dbs,
            config,
            rng,
            now,
            ..
        } = self;
        let d = &mut dbs[db];
        let mut created = false;
        d.upsert(key, value, |old| match old {
            Some(old) if touch => touch_access(config, *now, rng, old),
            Some(old) => Access {
                clock: fresh.clock,
                lfu: old.lfu,
            },
            None => {
                created = true;
                fresh
            }
        });
        if !keep_ttl {
            d.expires.remove(key);
        }
        if created {
            self.announce(db, key, "new");
        }
    }

    /// Replaces a value keeping its TTL (Redis's `dbOverwrite`).
    pub fn overwrite(&mut self, db: usize, key: &[u8], value: Value) {
        self.set_key(db, key, value, true);
    }

    pub fn delete(&mut self, db: usize, key: &[u8]) -> bool {
        self.dbs[db].remove(key).is_some()
    }

    /// Drops a key's TTL (PERSIST, GETEX PERSIST); false when it had none.
    pub fn persist(&mut self, db: usize, key: &[u8]) -> bool {
        self.dbs[db].expires.remove(key).is_some()
    }

    pub fn set_expire(&mut self, db: usize, key: &[u8], when_ms: i64) {
        if self.dbs[db].keys.contains(key) {
            self.dbs[db].expires.insert(key, when_ms);
            self.remember_replica_expire(db, key);
        }
    }
}

use object::{Access, Obj, Value};

/// LFU counter of a new object, so that fresh keys are not evicted at once.
pub const LFU_INIT_VAL: u32 = 5;

#[cfg(test)]
mod tests;

/// Redis's 24-bit LRU clock (seconds) at `now_ms`.
fn lru_clock_at(now_ms: i64) -> u32 {
    ((now_ms / 1000) as u64 & 0xFF_FFFF) as u32
}

/// The LFU field's 16-bit minute clock at `now_ms`.
fn lfu_minutes_at(now_ms: i64) -> u32 {
    ((now_ms / 60000) as u64 & 0xFFFF) as u32
}

/// An LFU field's counter after decay at `now_ms`.
fn lfu_decay(config: &Config, now_ms: i64, lfu: u32) -> u32 {
    let last = lfu >> 8;
    let counter = lfu & 0xFF;
    let now = lfu_minutes_at(now_ms);
    let elapsed = if now >= last {
        now - last
    } else {
        65535 - last + now
    };
    let periods = if config.lfu_decay_time > 0 {
        elapsed as i64 / config.lfu_decay_time
    } else {
        0
    };
    counter.saturating_sub(periods.clamp(0, u32::MAX as i64) as u32)
}

/// Records an access at `now_ms`: the LRU clock moves to now, and the LFU counter
/// decays, then grows by one with probability 1 / ((counter - 5) * lfu-log-factor + 1),
/// so it takes about a million accesses to reach 255 at the default factor of 10.
/// A free function so that callers can hold a key's object and the random source at once.
fn touch_access(config: &Config, now_ms: i64, rng: &mut StdRng, old: Access) -> Access {
    let mut counter = lfu_decay(config, now_ms, old.lfu);
    if counter < 255 {
        let base = counter.saturating_sub(LFU_INIT_VAL);
        // With base 0 the probability is 1: no need to draw.
        if base == 0 {
            counter += 1;
        } else {
            use rand::RngExt;
            let r: f64 = rng.random();
            let p = 1.0 / (base as f64 * config.lfu_log_factor as f64 + 1.0);
            if r < p {
                counter += 1;
            }
        }
    }
    Access {
        clock: lru_clock_at(now_ms),
        lfu: (lfu_minutes_at(now_ms) << 8) | counter,
    }
}
