//! Configuration parameters: the ones the engine honours, with redis-server's names,
//! defaults, ranges and CONFIG SET error texts.
//!
//! Values are kept as text (what CONFIG GET prints) next to a typed copy of the few that
//! the hot path reads (maxmemory, the policy, sample counts), refreshed on every set.

use super::util::{glob_match, parse_i64, parse_memory};

/// Redis's config flags (server.h `*_CONFIG`), as its standardConfig table sets them.
pub const IMMUTABLE: u16 = 1;
/// The value is redacted from SLOWLOG and MONITOR (`requirepass`, `masterauth` …).
pub const SENSITIVE: u16 = 2;
/// Redis marks these "useful for debugging"; nothing here depends on it.
pub const DEBUG: u16 = 4;
/// The value is several words (`save 900 1`, `bind a b`).
pub const MULTI_ARG: u16 = 8;
/// Not listed by a CONFIG GET pattern, only by its exact name.
pub const HIDDEN: u16 = 16;
/// Settable only with `enable-protected-configs` yes (or local, from a local client).
pub const PROTECTED: u16 = 32;
/// Refused while a dataset loads (never the case here: loading is synchronous).
pub const DENY_LOADING: u16 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Integer within [min, max]
    Int(i64, i64),
    /// Memory amount (accepts 1mb, 10k …) within [min, max]
    Memory(i64, i64),
    /// Memory amount or a percentage of maxmemory (`maxmemory-clients 10%`).
    MemoryPercent(i64, i64),
    /// Octal number (`unixsocketperm 700`), shown in octal.
    Octal(i64, i64),
    Enum(&'static [&'static str]),
    /// Several enum words at once (`shutdown-on-sigint nosave now`).
    EnumFlags(&'static [&'static str]),
    Bool,
    /// Free text (kept as given)
    Text,
    /// Text with Redis's check of its form.
    Checked(Check),
    /// `notify-keyspace-events` class letters, shown in Redis's canonical order.
    NotifyEvents,
    /// `client-output-buffer-limit`: `<class> <hard> <soft> <seconds>` groups, each
    /// replacing its class's limits.
    ObufLimits,
    /// `save`: `<seconds> <changes>` pairs, or "" for none.
    Save,
    /// `bind`: addresses (the server re-binds through its `ConfigHost`).
    Bind,
    /// `replicaof <host> <port>` (or `no one`).
    ReplicaOf,
    /// `oom-score-adj-values`: three integers in [-2000, 2000].
    OomValues,
    /// `latency-tracking-info-percentiles`: numbers in [0, 100].
    Percentiles,
    /// `dir`: the working directory (the server changes to it through its `ConfigHost`).
    Dir,
}

/// Redis's is_valid functions of string configs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// `dbfilename`: a file name, not a path.
    BaseName,
    AofFile,
    AofDir,
    /// `cluster-announce-hostname`.
    Hostname,
    /// `proc-title-template`.
    ProcTitle,
}

pub struct Param {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub kind: Kind,
    pub default: &'static str,
    pub flags: u16,
}

impl Param {
    const fn alias(mut self, alias: &'static str) -> Param {
        self.alias = Some(alias);
        self
    }
    const fn flags(mut self, flags: u16) -> Param {
        self.flags = flags;
        self
    }
    pub fn immutable(&self) -> bool {
        self.flags & IMMUTABLE != 0
    }
    pub fn sensitive(&self) -> bool {
        self.flags & SENSITIVE != 0
    }
}

pub const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];
const SUPERVISED: &[&str] = &["upstart", "systemd", "auto", "no"];
const SYSLOG_FACILITIES: &[&str] = &[
    "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
];
const DISKLESS_LOAD: &[&str] = &["disabled", "on-empty-db", "swapdb"];
pub const LOGLEVELS: &[&str] = &["debug", "verbose", "notice", "warning"];
const FSYNC: &[&str] = &["everysec", "always", "no"];
/// `yes` and `relative` are one value (CONFIG GET shows `yes`).
const OOM_SCORE_ADJ: &[&str] = &["no", "yes", "relative", "absolute"];
const PUBSUB_DEFAULT: &[&str] = &["allchannels", "resetchannels"];
const SANITIZE: &[&str] = &["no", "yes", "clients"];
const PROTECTED_ACTION: &[&str] = &["no", "yes", "local"];
const ENDPOINT_TYPES: &[&str] = &["ip", "hostname", "unknown-endpoint"];
const PROPAGATION_ERROR: &[&str] = &["ignore", "panic", "panic-on-replicas"];
/// Bit flags in this order (`default` is none of them).
const SHUTDOWN_FLAGS: &[&str] = &["default", "save", "nosave", "now", "force"];
const TLS_AUTH: &[&str] = &["no", "yes", "optional"];

const fn p(name: &'static str, kind: Kind, default: &'static str) -> Param {
    Param {
        name,
        alias: None,
        kind,
        default,
        flags: 0,
    }
}

/// The browser is a local client of its own engine, so DEBUG is allowed there.
#[cfg(target_arch = "wasm32")]
const DEBUG_DEFAULT: &str = "local";
#[cfg(not(target_arch = "wasm32"))]
const DEBUG_DEFAULT: &str = "no";

/// redis-server's save points, for kvlab-server. The browser has none by default: a
/// learner's tab makes no background saves unless asked (`CONFIG SET save`).
#[cfg(target_arch = "wasm32")]
const SAVE_DEFAULT: &str = "";
#[cfg(not(target_arch = "wasm32"))]
const SAVE_DEFAULT: &str = "3600 1 300 100 60 10000";

#[cfg(target_arch = "wasm32")]
const VALUE_CAP_DEFAULT: &str = "33554432";
#[cfg(not(target_arch = "wasm32"))]
const VALUE_CAP_DEFAULT: &str = "0";

const LMAX: i64 = i64::MAX;
const IMAX: i64 = i32::MAX as i64;
const IMIN: i64 = i32::MIN as i64;
const UMAX: i64 = u32::MAX as i64;

/// Every parameter of Redis 7.0.15's config table (src/config.c `static_configs`, with
/// the TLS ones of a TLS build), in its order, with its names, aliases, ranges, defaults
/// and flags, plus KV Lab's own `kvlab-max-value-bytes`.
///
/// What the engine or kvlab-server acts on: memory and eviction, encodings' thresholds,
/// expiry, slowlog/latency, keyspace events, ACL (`requirepass`, `aclfile`, …), client
/// limits (`maxclients`, `timeout`, `client-output-buffer-limit` normal/pubsub,
/// `client-query-buffer-limit`, `proto-max-bulk-len`, `tcp-keepalive`), persistence
/// (`save`, `dir`, `dbfilename`, `appendonly` and the AOF settings,
/// `stop-writes-on-bgsave-error`), the `lazyfree-lazy-*` choice of DEL or UNLINK, `port`
/// and `bind` (re-bound on CONFIG SET), `pidfile`, `loglevel`, `logfile`,
/// `always-show-logo`, `protected-mode`, `enable-*-command`, `enable-protected-configs`,
/// `databases`, `hz`, `cluster-enabled`.
///
/// Accepted and shown, without effect (KV Lab is one node over plain TCP, on one
/// thread, with its own allocator): TLS (`tls-*`), replication (`replica*`, `repl-*`,
/// `masterauth`, `masteruser`, `min-replicas-*` beyond refusing writes),
/// cluster bus and announce settings (`cluster-*` but `cluster-enabled`),
/// `io-threads*`, the `*_cpulist`s, `syslog-*`, `supervised`, `daemonize`,
/// `oom-score-adj*`, `set-proc-title`, `proc-title-template`, `unixsocket*`,
/// `tcp-backlog`, `socket-mark-id`, `bind-source-addr`, `activedefrag` and
/// `active-defrag-*`, `jemalloc-bg-thread`, `activerehashing`, `dynamic-hz`,
/// `disable-thp` (THP is always off), `crash-*`, `latency-tracking*`,
/// `rdb-del-sync-files`, `rdb-save-incremental-fsync`, `sanitize-dump-payload`,
/// `shutdown-*`, `maxmemory-clients`, `tracking-table-max-keys`, `ignore-warnings`,
/// `propagation-error-behavior`, and the hidden test hooks (`rdb-key-save-delay`,
/// `key-load-delay`, `watchdog-period`, …).
pub static PARAMS: &[Param] = &[
    p("rdbchecksum", Kind::Bool, "yes").flags(IMMUTABLE),
    p("daemonize", Kind::Bool, "no").flags(IMMUTABLE),
    p("io-threads-do-reads", Kind::Bool, "no").flags(DEBUG | IMMUTABLE),
    p("always-show-logo", Kind::Bool, "no").flags(IMMUTABLE),
    p("protected-mode", Kind::Bool, "yes"),
    p("rdbcompression", Kind::Bool, "yes"),
    p("rdb-del-sync-files", Kind::Bool, "no"),
    p("activerehashing", Kind::Bool, "yes"),
    p("stop-writes-on-bgsave-error", Kind::Bool, "yes"),
    p("set-proc-title", Kind::Bool, "yes").flags(IMMUTABLE),
    p("dynamic-hz", Kind::Bool, "yes"),
    p("lazyfree-lazy-eviction", Kind::Bool, "no").flags(DEBUG),
    p("lazyfree-lazy-expire", Kind::Bool, "no").flags(DEBUG),
    p("lazyfree-lazy-server-del", Kind::Bool, "no").flags(DEBUG),
    p("lazyfree-lazy-user-del", Kind::Bool, "no").flags(DEBUG),
    p("lazyfree-lazy-user-flush", Kind::Bool, "no").flags(DEBUG),
    p("repl-disable-tcp-nodelay", Kind::Bool, "no"),
    p("repl-diskless-sync", Kind::Bool, "yes").flags(DEBUG),
    p("aof-rewrite-incremental-fsync", Kind::Bool, "yes"),
    p("no-appendfsync-on-rewrite", Kind::Bool, "no"),
    p("cluster-require-full-coverage", Kind::Bool, "yes"),
    p("rdb-save-incremental-fsync", Kind::Bool, "yes"),
    p("aof-load-truncated", Kind::Bool, "yes"),
    p("aof-use-rdb-preamble", Kind::Bool, "yes"),
    p("aof-timestamp-enabled", Kind::Bool, "no"),
    p("cluster-replica-no-failover", Kind::Bool, "no").alias("cluster-slave-no-failover"),
    p("replica-lazy-flush", Kind::Bool, "no").alias("slave-lazy-flush"),
    p("replica-serve-stale-data", Kind::Bool, "yes").alias("slave-serve-stale-data"),
    p("replica-read-only", Kind::Bool, "yes")
        .alias("slave-read-only")
        .flags(DEBUG),
    p("replica-ignore-maxmemory", Kind::Bool, "yes").alias("slave-ignore-maxmemory"),
    p("jemalloc-bg-thread", Kind::Bool, "yes"),
    p("activedefrag", Kind::Bool, "no").flags(DEBUG),
    p("syslog-enabled", Kind::Bool, "no").flags(IMMUTABLE),
    p("cluster-enabled", Kind::Bool, "no").flags(IMMUTABLE),
    p("appendonly", Kind::Bool, "no").flags(DENY_LOADING),
    p("cluster-allow-reads-when-down", Kind::Bool, "no"),
    p("cluster-allow-pubsubshard-when-down", Kind::Bool, "yes"),
    p("crash-log-enabled", Kind::Bool, "yes"),
    p("crash-memcheck-enabled", Kind::Bool, "yes"),
    p("use-exit-on-panic", Kind::Bool, "no").flags(HIDDEN),
    p("disable-thp", Kind::Bool, "yes").flags(IMMUTABLE),
    p("cluster-allow-replica-migration", Kind::Bool, "yes"),
    p("replica-announced", Kind::Bool, "yes"),
    p("latency-tracking", Kind::Bool, "yes"),
    p("aof-disable-auto-gc", Kind::Bool, "no"),
    p("replica-ignore-disk-write-errors", Kind::Bool, "no"),
    p("aclfile", Kind::Text, "").flags(IMMUTABLE),
    p("unixsocket", Kind::Text, "").flags(IMMUTABLE),
    p("pidfile", Kind::Text, "").flags(IMMUTABLE),
    p("replica-announce-ip", Kind::Text, "").alias("slave-announce-ip"),
    p("masteruser", Kind::Text, "").flags(SENSITIVE),
    p("cluster-announce-ip", Kind::Text, ""),
    p("cluster-config-file", Kind::Text, "nodes.conf").flags(IMMUTABLE),
    p(
        "cluster-announce-hostname",
        Kind::Checked(Check::Hostname),
        "",
    ),
    p("syslog-ident", Kind::Text, "redis").flags(IMMUTABLE),
    p("dbfilename", Kind::Checked(Check::BaseName), "dump.rdb").flags(PROTECTED),
    p(
        "appendfilename",
        Kind::Checked(Check::AofFile),
        "appendonly.aof",
    )
    .flags(IMMUTABLE),
    p(
        "appenddirname",
        Kind::Checked(Check::AofDir),
        "appendonlydir",
    )
    .flags(IMMUTABLE),
    p("server_cpulist", Kind::Text, "").flags(IMMUTABLE),
    p("bio_cpulist", Kind::Text, "").flags(IMMUTABLE),
    p("aof_rewrite_cpulist", Kind::Text, "").flags(IMMUTABLE),
    p("bgsave_cpulist", Kind::Text, "").flags(IMMUTABLE),
    p("ignore-warnings", Kind::Text, ""),
    p(
        "proc-title-template",
        Kind::Checked(Check::ProcTitle),
        "{title} {listen-addr} {server-mode}",
    ),
    p("bind-source-addr", Kind::Text, ""),
    p("logfile", Kind::Text, "").flags(IMMUTABLE),
    p("masterauth", Kind::Text, "").flags(SENSITIVE),
    p("requirepass", Kind::Text, "").flags(SENSITIVE),
    p("supervised", Kind::Enum(SUPERVISED), "no").flags(IMMUTABLE),
    p("syslog-facility", Kind::Enum(SYSLOG_FACILITIES), "local0").flags(IMMUTABLE),
    p("repl-diskless-load", Kind::Enum(DISKLESS_LOAD), "disabled").flags(DEBUG | DENY_LOADING),
    p("loglevel", Kind::Enum(LOGLEVELS), "notice"),
    p("maxmemory-policy", Kind::Enum(POLICIES), "noeviction"),
    p("appendfsync", Kind::Enum(FSYNC), "everysec"),
    p("oom-score-adj", Kind::Enum(OOM_SCORE_ADJ), "no"),
    p(
        "acl-pubsub-default",
        Kind::Enum(PUBSUB_DEFAULT),
        "resetchannels",
    ),
    p("sanitize-dump-payload", Kind::Enum(SANITIZE), "no").flags(DEBUG),
    p(
        "enable-protected-configs",
        Kind::Enum(PROTECTED_ACTION),
        "no",
    )
    .flags(IMMUTABLE),
    p(
        "enable-debug-command",
        Kind::Enum(PROTECTED_ACTION),
        DEBUG_DEFAULT,
    )
    .flags(IMMUTABLE),
    p("enable-module-command", Kind::Enum(PROTECTED_ACTION), "no").flags(IMMUTABLE),
    p(
        "cluster-preferred-endpoint-type",
        Kind::Enum(ENDPOINT_TYPES),
        "ip",
    ),
    p(
        "propagation-error-behavior",
        Kind::Enum(PROPAGATION_ERROR),
        "ignore",
    ),
    p(
        "shutdown-on-sigint",
        Kind::EnumFlags(SHUTDOWN_FLAGS),
        "default",
    )
    .flags(MULTI_ARG),
    p(
        "shutdown-on-sigterm",
        Kind::EnumFlags(SHUTDOWN_FLAGS),
        "default",
    )
    .flags(MULTI_ARG),
    p("databases", Kind::Int(1, IMAX), "16").flags(IMMUTABLE),
    p("port", Kind::Int(0, 65535), "22800"),
    p("io-threads", Kind::Int(1, 128), "1").flags(DEBUG | IMMUTABLE),
    p("auto-aof-rewrite-percentage", Kind::Int(0, IMAX), "100"),
    p("cluster-replica-validity-factor", Kind::Int(0, IMAX), "10")
        .alias("cluster-slave-validity-factor"),
    p("list-max-listpack-size", Kind::Int(IMIN, IMAX), "-2").alias("list-max-ziplist-size"),
    p("tcp-keepalive", Kind::Int(0, IMAX), "300"),
    p("cluster-migration-barrier", Kind::Int(0, IMAX), "1"),
    p("active-defrag-cycle-min", Kind::Int(1, 99), "1"),
    p("active-defrag-cycle-max", Kind::Int(1, 99), "25"),
    p("active-defrag-threshold-lower", Kind::Int(0, 1000), "10"),
    p("active-defrag-threshold-upper", Kind::Int(0, 1000), "100"),
    p("lfu-log-factor", Kind::Int(0, IMAX), "10"),
    p("lfu-decay-time", Kind::Int(0, IMAX), "1"),
    p("replica-priority", Kind::Int(0, IMAX), "100").alias("slave-priority"),
    p("repl-diskless-sync-delay", Kind::Int(0, IMAX), "5"),
    p("maxmemory-samples", Kind::Int(1, IMAX), "5"),
    p("maxmemory-eviction-tenacity", Kind::Int(0, 100), "10"),
    p("timeout", Kind::Int(0, IMAX), "0"),
    p("replica-announce-port", Kind::Int(0, 65535), "0").alias("slave-announce-port"),
    p("tcp-backlog", Kind::Int(0, IMAX), "511").flags(IMMUTABLE),
    p("cluster-port", Kind::Int(0, 65535), "0").flags(IMMUTABLE),
    p("cluster-announce-bus-port", Kind::Int(0, 65535), "0"),
    p("cluster-announce-port", Kind::Int(0, 65535), "0"),
    p("cluster-announce-tls-port", Kind::Int(0, 65535), "0"),
    p("repl-timeout", Kind::Int(1, IMAX), "60"),
    p("repl-ping-replica-period", Kind::Int(1, IMAX), "10").alias("repl-ping-slave-period"),
    p("list-compress-depth", Kind::Int(0, IMAX), "0").flags(DEBUG),
    p("rdb-key-save-delay", Kind::Int(IMIN, IMAX), "0").flags(HIDDEN),
    p("key-load-delay", Kind::Int(IMIN, IMAX), "0").flags(HIDDEN),
    p("active-expire-effort", Kind::Int(1, 10), "1"),
    p("hz", Kind::Int(0, IMAX), "10"),
    p("min-replicas-to-write", Kind::Int(0, IMAX), "0").alias("min-slaves-to-write"),
    p("min-replicas-max-lag", Kind::Int(0, IMAX), "10").alias("min-slaves-max-lag"),
    p("watchdog-period", Kind::Int(0, IMAX), "0").flags(HIDDEN),
    p("shutdown-timeout", Kind::Int(0, IMAX), "10"),
    p("repl-diskless-sync-max-replicas", Kind::Int(0, IMAX), "0"),
    p("maxclients", Kind::Int(1, UMAX), "10000"),
    p("unixsocketperm", Kind::Octal(0, 511), "0").flags(IMMUTABLE),
    p("socket-mark-id", Kind::Int(0, UMAX), "0").flags(IMMUTABLE),
    p("active-defrag-max-scan-fields", Kind::Int(1, LMAX), "1000"),
    p("slowlog-max-len", Kind::Int(0, LMAX), "128"),
    p("acllog-max-len", Kind::Int(0, LMAX), "128"),
    p("busy-reply-threshold", Kind::Int(0, LMAX), "5000").alias("lua-time-limit"),
    p("cluster-node-timeout", Kind::Int(0, LMAX), "15000"),
    p("slowlog-log-slower-than", Kind::Int(-1, LMAX), "10000"),
    p("latency-monitor-threshold", Kind::Int(0, LMAX), "0"),
    p(
        "proto-max-bulk-len",
        Kind::Memory(1048576, LMAX),
        "536870912",
    )
    .flags(DEBUG),
    p("stream-node-max-entries", Kind::Int(0, LMAX), "100"),
    p("repl-backlog-size", Kind::Memory(1, LMAX), "1048576"),
    p("maxmemory", Kind::Memory(0, LMAX), "0"),
    p("cluster-link-sendbuf-limit", Kind::Memory(0, LMAX), "0"),
    p("hash-max-listpack-entries", Kind::Int(0, LMAX), "512").alias("hash-max-ziplist-entries"),
    p("set-max-intset-entries", Kind::Int(0, LMAX), "512"),
    p("zset-max-listpack-entries", Kind::Int(0, LMAX), "128").alias("zset-max-ziplist-entries"),
    p(
        "active-defrag-ignore-bytes",
        Kind::Memory(1, LMAX),
        "104857600",
    ),
    p("hash-max-listpack-value", Kind::Memory(0, LMAX), "64").alias("hash-max-ziplist-value"),
    p("stream-node-max-bytes", Kind::Memory(0, LMAX), "4096"),
    p("zset-max-listpack-value", Kind::Memory(0, LMAX), "64").alias("zset-max-ziplist-value"),
    p("hll-sparse-max-bytes", Kind::Memory(0, LMAX), "3000"),
    p("tracking-table-max-keys", Kind::Int(0, LMAX), "1000000"),
    p(
        "client-query-buffer-limit",
        Kind::Memory(1048576, LMAX),
        "1073741824",
    )
    .flags(DEBUG),
    p("maxmemory-clients", Kind::MemoryPercent(-100, LMAX), "0"),
    p("repl-backlog-ttl", Kind::Int(0, LMAX), "3600"),
    p(
        "auto-aof-rewrite-min-size",
        Kind::Memory(0, LMAX),
        "67108864",
    ),
    p(
        "loading-process-events-interval-bytes",
        Kind::Int(1024, IMAX),
        "2097152",
    )
    .flags(HIDDEN),
    p("tls-port", Kind::Int(0, 65535), "0"),
    p("tls-session-cache-size", Kind::Int(0, IMAX), "20480"),
    p("tls-session-cache-timeout", Kind::Int(0, IMAX), "300"),
    p("tls-cluster", Kind::Bool, "no"),
    p("tls-replication", Kind::Bool, "no"),
    p("tls-auth-clients", Kind::Enum(TLS_AUTH), "yes"),
    p("tls-prefer-server-ciphers", Kind::Bool, "no"),
    p("tls-session-caching", Kind::Bool, "yes"),
    p("tls-cert-file", Kind::Text, ""),
    p("tls-key-file", Kind::Text, ""),
    p("tls-key-file-pass", Kind::Text, ""),
    p("tls-client-cert-file", Kind::Text, ""),
    p("tls-client-key-file", Kind::Text, ""),
    p("tls-client-key-file-pass", Kind::Text, ""),
    p("tls-dh-params-file", Kind::Text, ""),
    p("tls-ca-cert-file", Kind::Text, ""),
    p("tls-ca-cert-dir", Kind::Text, ""),
    p("tls-protocols", Kind::Text, ""),
    p("tls-ciphers", Kind::Text, ""),
    p("tls-ciphersuites", Kind::Text, ""),
    p("dir", Kind::Dir, "").flags(PROTECTED | DENY_LOADING),
    p("save", Kind::Save, SAVE_DEFAULT).flags(MULTI_ARG),
    p(
        "client-output-buffer-limit",
        Kind::ObufLimits,
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    )
    .flags(MULTI_ARG),
    p("oom-score-adj-values", Kind::OomValues, "0 200 800").flags(MULTI_ARG),
    p("notify-keyspace-events", Kind::NotifyEvents, ""),
    p("bind", Kind::Bind, "127.0.0.1").flags(MULTI_ARG),
    p("replicaof", Kind::ReplicaOf, "")
        .alias("slaveof")
        .flags(IMMUTABLE | MULTI_ARG),
    p(
        "latency-tracking-info-percentiles",
        Kind::Percentiles,
        "50 99 99.9",
    )
    .flags(MULTI_ARG),
    // Not a Redis parameter: the playground's cap on one value, so that a single
    // `SETRANGE k 500000000 x` cannot exhaust a browser tab. 0 means no cap (the native
    // server's default, which keeps Redis's limits).
    p(
        "kvlab-max-value-bytes",
        Kind::Memory(0, LMAX),
        VALUE_CAP_DEFAULT,
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllkeysLru,
    AllkeysLfu,
    AllkeysRandom,
    NoEviction,
}

impl Policy {
    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::VolatileLfu | Policy::AllkeysLfu)
    }
    /// Whether the policy only evicts keys with a TTL.
    pub fn is_volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }
    pub fn is_lru(self) -> bool {
        matches!(self, Policy::VolatileLru | Policy::AllkeysLru)
    }
    /// The name CONFIG uses.
    pub fn name(self) -> &'static str {
        match self {
            Policy::VolatileLru => "volatile-lru",
            Policy::VolatileLfu => "volatile-lfu",
            Policy::VolatileRandom => "volatile-random",
            Policy::VolatileTtl => "volatile-ttl",
            Policy::AllkeysLru => "allkeys-lru",
            Policy::AllkeysLfu => "allkeys-lfu",
            Policy::AllkeysRandom => "allkeys-random",
            Policy::NoEviction => "noeviction",
        }
    }
}

#[derive(Clone)]
pub struct Config {
    values: Vec<String>,
    pub maxmemory: u64,
    pub policy: Policy,
    pub maxmemory_samples: usize,
    pub lfu_log_factor: i64,
    pub lfu_decay_time: i64,
    pub hz: i64,
    pub active_expire_effort: i64,
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: i64,
    pub hll_sparse_max_bytes: i64,
    pub zset_max_listpack_entries: i64,
    pub zset_max_listpack_value: i64,
    pub hash_max_listpack_entries: i64,
    pub hash_max_listpack_value: i64,
    pub set_max_intset_entries: i64,
    pub stream_node_max_bytes: i64,
    pub stream_node_max_entries: i64,
    /// Bytes; `u64::MAX` when uncapped.
    pub playground_value_cap: u64,
    /// `notify-keyspace-events` as flags (see `pubsub::flags`).
    pub notify_flags: u32,
    pub slowlog_slower_than: i64,
    /// `busy-reply-threshold` (`lua-time-limit`), ms.
    pub busy_reply_threshold: i64,
    pub slowlog_max_len: usize,
    /// `latency-monitor-threshold`, ms (0: off).
    pub latency_threshold: i64,
    /// The `pubsub` class of `client-output-buffer-limit`.
    pub pubsub_limit: super::pubsub::BufferLimit,
    /// The `normal` class of `client-output-buffer-limit` (the server applies it).
    pub normal_limit: super::pubsub::BufferLimit,
    /// `list-max-listpack-size`, the fill factor new lists are made with.
    pub list_max_listpack_size: i32,
    /// `latency-tracking`: per-command latency histograms (LATENCY HISTOGRAM, INFO
    /// latencystats) are kept.
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`, as numbers.
    pub latency_percentiles: Vec<f64>,
    /// `min-replicas-to-write` and `min-replicas-max-lag` both on: every write asks
    /// for good replicas (looked at on each write command, so kept ready here).
    pub min_replicas_on: bool,
    /// `min-replicas-to-write` and `min-replicas-max-lag` (seconds).
    pub min_replicas_to_write: i64,
    pub min_replicas_max_lag: i64,
    /// `tracking-table-max-keys` (0: no limit).
    pub tracking_table_max_keys: u64,
    /// `lazyfree-lazy-user-del`, `-expire`, `-eviction` and `-user-flush`, read on
    /// every delete of their kind.
    pub lazyfree_user_del: bool,
    pub lazyfree_expire: bool,
    pub lazyfree_eviction: bool,
    pub lazyfree_user_flush: bool,
}

impl Default for Config {
    fn default() -> Self {
        let mut c = Config {
            values: PARAMS.iter().map(|p| p.default.to_string()).collect(),
            maxmemory: 0,
            policy: Policy::NoEviction,
            maxmemory_samples: 5,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            hz: 10,
            active_expire_effort: 1,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            hll_sparse_max_bytes: 3000,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            playground_value_cap: u64::MAX,
            list_max_listpack_size: -2,
            min_replicas_on: false,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
            tracking_table_max_keys: 1_000_000,
            lazyfree_user_del: false,
            lazyfree_expire: false,
            lazyfree_eviction: false,
            lazyfree_user_flush: false,
            latency_tracking: true,
            latency_percentiles: Vec::new(),
            notify_flags: 0,
            slowlog_slower_than: 10000,
            busy_reply_threshold: 5000,
            slowlog_max_len: 128,
            latency_threshold: 0,
            pubsub_limit: super::pubsub::BufferLimit::default(),
            normal_limit: super::pubsub::BufferLimit {
                hard: 0,
                soft: 0,
                soft_seconds: 0,
            },
        };
        c.refresh();
        c
    }
}

/// Whether `name` is a parameter whose value SLOWLOG and MONITOR redact.
pub fn is_sensitive(name: &[u8]) -> bool {
    std::str::from_utf8(name)
        .ok()
        .and_then(find)
        .is_some_and(|i| PARAMS[i].sensitive())
}

fn find(name: &str) -> Option<usize> {
    PARAMS.iter().position(|p| {
        p.name.eq_ignore_ascii_case(name) || p.alias.is_some_and(|a| a.eq_ignore_ascii_case(name))
    })
}

impl Config {
    fn int(&self, name: &str) -> i64 {
        find(name)
            .and_then(|i| self.values[i].parse().ok())
            .unwrap_or(0)
    }

    fn refresh(&mut self) {
        self.maxmemory = self.int("maxmemory").max(0) as u64;
        self.policy = match self.get("maxmemory-policy").as_deref() {
            Some("volatile-lru") => Policy::VolatileLru,
            Some("volatile-lfu") => Policy::VolatileLfu,
            Some("volatile-random") => Policy::VolatileRandom,
            Some("volatile-ttl") => Policy::VolatileTtl,
            Some("allkeys-lru") => Policy::AllkeysLru,
            Some("allkeys-lfu") => Policy::AllkeysLfu,
            Some("allkeys-random") => Policy::AllkeysRandom,
            _ => Policy::NoEviction,
        };
        self.maxmemory_samples = self.int("maxmemory-samples").max(1) as usize;
        self.lfu_log_factor = self.int("lfu-log-factor");
        self.lfu_decay_time = self.int("lfu-decay-time");
        self.hz = self.int("hz").clamp(1, 500);
        self.active_expire_effort = self.int("active-expire-effort");
        self.proto_max_bulk_len = self.int("proto-max-bulk-len");
        self.client_query_buffer_limit = self.int("client-query-buffer-limit");
        self.hll_sparse_max_bytes = self.int("hll-sparse-max-bytes");
        self.zset_max_listpack_entries = self.int("zset-max-listpack-entries");
        self.zset_max_listpack_value = self.int("zset-max-listpack-value");
        self.hash_max_listpack_entries = self.int("hash-max-listpack-entries");
        self.hash_max_listpack_value = self.int("hash-max-listpack-value");
        self.set_max_intset_entries = self.int("set-max-intset-entries");
        self.slowlog_slower_than = self.int("slowlog-log-slower-than");
        self.busy_reply_threshold = self.int("busy-reply-threshold");
        self.slowlog_max_len = self.int("slowlog-max-len").clamp(0, 1 << 32) as usize;
        self.latency_threshold = self.int("latency-monitor-threshold");
        self.notify_flags = self
            .get("notify-keyspace-events")
            .and_then(|t| super::pubsub::flags::parse(&t))
            .unwrap_or(0);
        let obuf = self.get("client-output-buffer-limit").unwrap_or_default();
        let words: Vec<&str> = obuf.split_whitespace().collect();
        for g in words.chunks(4) {
            if let [class, hard, soft, secs] = g {
                let limit = super::pubsub::BufferLimit {
                    hard: hard.parse().unwrap_or(0),
                    soft: soft.parse().unwrap_or(0),
                    soft_seconds: secs.parse().unwrap_or(0),
                };
                if class.eq_ignore_ascii_case("pubsub") {
                    self.pubsub_limit = limit;
                } else if class.eq_ignore_ascii_case("normal") {
                    self.normal_limit = limit;
                }
            }
        }
        self.list_max_listpack_size = self
            .get("list-max-listpack-size")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(-2);
        self.latency_tracking = self.get("latency-tracking").as_deref() == Some("yes");
        self.latency_percentiles = self
            .get("latency-tracking-info-percentiles")
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        self.min_replicas_to_write = self.int("min-replicas-to-write");
        self.min_replicas_max_lag = self.int("min-replicas-max-lag");
        self.min_replicas_on = self.min_replicas_to_write > 0 && self.min_replicas_max_lag > 0;
        self.tracking_table_max_keys = self.int("tracking-table-max-keys").max(0) as u64;
        let yes = |c: &Config, name: &str| c.get(name).as_deref() == Some("yes");
        self.lazyfree_user_del = yes(self, "lazyfree-lazy-user-del");
        self.lazyfree_expire = yes(self, "lazyfree-lazy-expire");
        self.lazyfree_eviction = yes(self, "lazyfree-lazy-eviction");
        self.lazyfree_user_flush = yes(self, "lazyfree-lazy-user-flush");
        self.stream_node_max_bytes = self.int("stream-node-max-bytes");
        self.stream_node_max_entries = self.int("stream-node-max-entries");
        self.playground_value_cap = match self.int("kvlab-max-value-bytes") {
            0 => u64::MAX,
            n => n as u64,
        };
    }

    /// The current text of one parameter (canonical or alias name, any case).
    pub fn get(&self, name: &str) -> Option<String> {
        find(name).map(|i| self.values[i].clone())
    }

    /// `(name, value)` for every parameter matching a glob. A plain name (no glob
    /// characters) is looked up directly and echoed as the caller spelled it, as Redis does;
    /// hidden parameters answer only to their exact name.
    pub fn matching(&self, pattern: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !pattern.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) {
            let name = String::from_utf8_lossy(pattern).into_owned();
            if let Some(i) = find(&name) {
                out.push((name, self.values[i].clone()));
            }
            return out;
        }
        for (i, p) in PARAMS.iter().enumerate() {
            if p.flags & HIDDEN != 0 {
                continue;
            }
            for name in std::iter::once(p.name).chain(p.alias) {
                if glob_match(pattern, name.as_bytes(), true) {
                    out.push((name.to_string(), self.values[i].clone()));
                }
            }
        }
        out
    }

    /// The parameter a name (or alias) stands for.
    pub fn param(name: &str) -> Option<&'static Param> {
        find(name).map(|i| &PARAMS[i])
    }

    /// Whether CONFIG SET may change PROTECTED parameters (`dir`, `dbfilename`) for a
    /// client: `enable-protected-configs` yes, or local and the client is local.
    pub fn allows_protected(&self, local_client: bool) -> bool {
        match self.get("enable-protected-configs").as_deref() {
            Some("yes") => true,
            Some("local") => local_client,
            _ => false,
        }
    }

    /// Validates one value; returns the canonical text to store, or Redis's reason.
    fn validate(p: &Param, value: &[u8]) -> Result<String, String> {
        let text = String::from_utf8_lossy(value).to_string();
        let range =
            |min: i64, max: i64| format!("argument must be between {min} and {max} inclusive");
        // MULTI_ARG values are split on single spaces (sdssplitlen), empty words kept.
        let words: Vec<&str> = if text.is_empty() {
            Vec::new()
        } else {
            text.split(' ').collect()
        };
        match p.kind {
            Kind::Int(min, max) => {
                let v = parse_i64(value)
                    .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
                if v < min || v > max {
                    return Err(range(min, max));
                }
                Ok(v.to_string())
            }
            Kind::Memory(min, max) => {
                // memtoull: no sign.
                let v = parse_memory(value)
                    .filter(|_| !value.starts_with(b"-"))
                    .ok_or_else(|| "argument must be a memory value".to_string())?;
                if v < min || v > max {
                    return Err(range(min, max));
                }
                Ok(v.to_string())
            }
            Kind::MemoryPercent(min, max) => {
                if let Some(v) = parse_memory(value).filter(|v| *v >= 0) {
                    if v > max {
                        return Err(range(min, max));
                    }
                    return Ok(v.to_string());
                }
                let pct = text
                    .strip_suffix('%')
                    .filter(|n| !n.is_empty())
                    .and_then(|n| parse_i64(n.as_bytes()))
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| "argument must be a memory or percent value".to_string())?;
                if -pct < min {
                    return Err(format!(
                        "percentage argument must be less or equal to {}",
                        -min
                    ));
                }
                Ok(format!("{pct}%"))
            }
            Kind::Octal(min, max) => {
                let v = (!text.is_empty())
                    .then(|| i64::from_str_radix(text.strip_prefix('+').unwrap_or(&text), 8).ok())
                    .flatten()
                    .ok_or_else(|| "argument couldn't be parsed as an octal number".to_string())?;
                if v < min || v > max {
                    return Err(format!(
                        "argument must be between {min:o} and {max:o} inclusive"
                    ));
                }
                Ok(format!("{v:o}"))
            }
            Kind::Enum(names) => {
                let found = names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(&text))
                    .map(|n| n.to_string());
                match found.as_deref() {
                    // oom-score-adj: `relative` is `yes`'s value, shown by its first name.
                    Some("relative") if names == OOM_SCORE_ADJ => Ok("yes".into()),
                    Some(n) => Ok(n.to_string()),
                    None => Err(enum_error(names)),
                }
            }
            Kind::EnumFlags(names) => {
                let mut bits = 0u32;
                if words.is_empty() {
                    return Err(enum_error(names));
                }
                for w in &words {
                    let i = names
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(w))
                        .ok_or_else(|| enum_error(names))?;
                    if i > 0 {
                        bits |= 1 << (i - 1);
                    }
                }
                if bits & 3 == 3 {
                    return Err(
                        "shutdown options SAVE and NOSAVE can't be used simultaneously".into(),
                    );
                }
                if bits == 0 {
                    return Ok(names[0].to_string());
                }
                let set: Vec<&str> = (1..names.len())
                    .filter(|i| bits & (1 << (i - 1)) != 0)
                    .map(|i| names[i])
                    .collect();
                Ok(set.join(" "))
            }
            Kind::Bool => match text.to_ascii_lowercase().as_str() {
                "yes" => Ok("yes".into()),
                "no" => Ok("no".into()),
                _ => Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Text | Kind::Dir => Ok(text),
            Kind::Checked(check) => check_text(check, &text).map(|()| text),
            Kind::NotifyEvents => super::pubsub::flags::parse(&text)
                .map(super::pubsub::flags::to_text)
                .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
            Kind::ObufLimits => Err("internal: use merge_obuf".into()),
            Kind::Save => {
                let bad = || "Invalid save parameters".to_string();
                if words.len() % 2 != 0 {
                    return Err(bad());
                }
                let mut out = Vec::new();
                for (j, w) in words.iter().enumerate() {
                    let v = if w.is_empty() {
                        0
                    } else {
                        parse_i64(w.as_bytes()).ok_or_else(bad)?
                    };
                    if (j % 2 == 0 && v < 1) || (j % 2 == 1 && v < 0) {
                        return Err(bad());
                    }
                    out.push(if j % 2 == 1 { v as i32 as i64 } else { v }.to_string());
                }
                Ok(out.join(" "))
            }
            Kind::Bind => {
                if words.len() > 16 {
                    return Err("Too many bind addresses specified.".into());
                }
                Ok(text)
            }
            Kind::ReplicaOf => {
                if words.len() != 2 {
                    return Err("wrong number of arguments".into());
                }
                if words[0].eq_ignore_ascii_case("no") && words[1].eq_ignore_ascii_case("one") {
                    return Ok(String::new());
                }
                match words[1].parse::<i64>() {
                    Ok(port) if (0..=65535).contains(&port) => Ok(format!("{} {port}", words[0])),
                    _ => Err("Invalid master port".into()),
                }
            }
            Kind::OomValues => {
                if words.len() != 3 {
                    return Err("wrong number of arguments".into());
                }
                let mut out = Vec::new();
                for w in &words {
                    match parse_i64(w.as_bytes()) {
                        Some(v) if (-2000..=2000).contains(&v) => out.push(v.to_string()),
                        _ => {
                            return Err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into())
                        }
                    }
                }
                Ok(out.join(" "))
            }
            Kind::Percentiles => {
                if words.len() == 1 && words[0].is_empty() || words.is_empty() {
                    return Ok(String::new());
                }
                let mut out = Vec::new();
                for w in &words {
                    let v = w
                        .parse::<f64>()
                        .ok()
                        .filter(|v| !v.is_nan() && !w.starts_with(['+', ' ']))
                        .ok_or_else(|| {
                            "Invalid latency-tracking-info-percentiles parameters".to_string()
                        })?;
                    if !(0.0..=100.0).contains(&v) {
                        return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
                    }
                    let f = format!("{v:.6}");
                    out.push(f.trim_end_matches('0').trim_end_matches('.').to_string());
                }
                Ok(out.join(" "))
            }
        }
    }

    /// A `client-output-buffer-limit` value applied over the current one: each class
    /// given replaces that class's limits (Redis's updateClientOutputBufferLimit).
    fn merge_obuf(current: &str, value: &[u8]) -> Result<String, String> {
        let text = String::from_utf8_lossy(value);
        let args: Vec<&str> = text.split_whitespace().collect();
        if args.len() % 4 != 0 {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let cur: Vec<&str> = current.split_whitespace().collect();
        let mut classes: Vec<[String; 4]> = ["normal", "slave", "pubsub"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let g = cur.get(i * 4..i * 4 + 4).unwrap_or(&["", "0", "0", "0"]);
                [name.to_string(), g[1].into(), g[2].into(), g[3].into()]
            })
            .collect();
        let mut staged = Vec::new();
        for g in args.chunks(4) {
            let idx = match g[0].to_ascii_lowercase().as_str() {
                "normal" => 0,
                "slave" | "replica" => 1,
                "pubsub" => 2,
                _ => {
                    return Err(
                        "Invalid client class specified in buffer limit configuration.".into(),
                    )
                }
            };
            let bad = || {
                "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                    .to_string()
            };
            let mem = |a: &str| parse_memory(a.as_bytes()).filter(|v| *v >= 0);
            let hard = mem(g[1]).ok_or_else(bad)?;
            let soft = mem(g[2]).ok_or_else(bad)?;
            let secs: i64 = g[3].parse().map_err(|_| bad())?;
            if secs < 0 {
                return Err(bad());
            }
            staged.push((idx, hard, soft, secs));
        }
        for (idx, hard, soft, secs) in staged {
            classes[idx][1] = (hard as u64).to_string();
            classes[idx][2] = (soft as u64).to_string();
            classes[idx][3] = secs.to_string();
        }
        Ok(classes
            .iter()
            .map(|c| c.join(" "))
            .collect::<Vec<_>>()
            .join(" "))
    }

    fn checked_value(&self, i: usize, value: &[u8]) -> Result<String, String> {
        if PARAMS[i].kind == Kind::ObufLimits {
            Self::merge_obuf(&self.values[i], value)
        } else {
            Self::validate(&PARAMS[i], value)
        }
    }

    /// CONFIG SET of several pairs, all or nothing, with Redis's error texts and its
    /// order of checks (configSetCommand): unknown names, then immutable, protected and
    /// duplicate names, then each value. `protected_ok` is `allows_protected` for the
    /// calling client. Returns what changed, for the host's apply step and `restore`.
    pub fn set_many(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        protected_ok: bool,
    ) -> Result<Vec<Change>, String> {
        let mut idx: Vec<usize> = Vec::new();
        for (name, _) in pairs {
            match find(&String::from_utf8_lossy(name)) {
                Some(i) => idx.push(i),
                None => {
                    return Err(format!(
                        "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                        String::from_utf8_lossy(name)
                    ))
                }
            }
        }
        for (k, (name, _)) in pairs.iter().enumerate() {
            let name_s = String::from_utf8_lossy(name);
            let p = &PARAMS[idx[k]];
            let why = if p.immutable() {
                "can't set immutable config"
            } else if p.flags & PROTECTED != 0 && !protected_ok {
                "can't set protected config"
            } else if pairs[..k].iter().any(|(n, _)| {
                // The same table entry twice (an alias is an entry of its own, so
                // `slave-read-only` and `replica-read-only` together are no duplicate).
                let n = String::from_utf8_lossy(n);
                find(&n) == Some(idx[k]) && entry_name(&n) == entry_name(&name_s)
            }) {
                "duplicate parameter"
            } else {
                continue;
            };
            return Err(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name_s}') - {why}"
            ));
        }
        let mut staged: Vec<(usize, String)> = Vec::new();
        for (k, (name, value)) in pairs.iter().enumerate() {
            let i = idx[k];
            match self.checked_value(i, value) {
                Ok(v) => staged.push((i, v)),
                Err(why) => {
                    // The entry's name (an alias is its own entry in Redis's table).
                    return Err(format!(
                        "ERR CONFIG SET failed (possibly related to argument '{}') - {why}",
                        entry_name(&String::from_utf8_lossy(name))
                    ));
                }
            }
        }
        let mut changes = Vec::new();
        for (i, v) in staged {
            let old = std::mem::replace(&mut self.values[i], v);
            changes.push(Change {
                name: PARAMS[i].name,
                changed: old != self.values[i],
                old,
            });
        }
        self.refresh();
        Ok(changes)
    }

    /// Puts back the values a `set_many` replaced (its apply step failed).
    pub fn restore(&mut self, changes: &[Change]) {
        for c in changes.iter().rev() {
            if let Some(i) = find(c.name) {
                self.values[i] = c.old.clone();
            }
        }
        self.refresh();
    }

    /// Replaces a value as the host applied it (`dir` made absolute), unchecked.
    pub fn set_applied(&mut self, name: &str, value: String) {
        if let Some(i) = find(name) {
            self.values[i] = value;
            self.refresh();
        }
    }

    /// Sets a value from the command line or a config file (startup: immutables
    /// allowed). The error is Redis's reason, without the CONFIG SET prefix.
    pub fn set_startup(&mut self, name: &str, value: &str) -> Result<(), String> {
        let i = find(name).ok_or_else(|| format!("unknown config '{name}'"))?;
        let v = self.checked_value(i, value.as_bytes())?;
        self.values[i] = v;
        self.refresh();
        Ok(())
    }
}

/// What a host does when CONFIG SET changes a parameter that lives outside the engine:
/// kvlab-server re-binds its listeners (`port`, `bind`) and changes directory (`dir`).
/// The engine stays free of sockets and files; the browser installs none.
pub trait ConfigHost {
    /// Applies `name`'s new value (the whole config as it now is). `Err` is Redis's
    /// reason (the CONFIG SET is then rolled back); `Ok(Some(v))` is the value to show
    /// instead (`dir` made absolute).
    fn apply(&mut self, name: &str, config: &Config) -> Result<Option<String>, String>;
    /// The configuration file the server was started with, if any (CONFIG REWRITE).
    fn config_file(&self) -> Option<String> {
        None
    }
    /// Reads the configuration file (missing: empty).
    fn read_config_file(&mut self, _path: &str) -> Result<String, String> {
        Err("no file".into())
    }
    /// Replaces the configuration file with `text` (a temporary file renamed over it).
    fn write_config_file(&mut self, _path: &str, _text: &str) -> Result<(), String> {
        Err("no file".into())
    }
}

/// One parameter a CONFIG SET replaced.
#[derive(Clone, Debug)]
pub struct Change {
    pub name: &'static str,
    pub old: String,
    /// The new value differs (Redis applies only changed numeric/enum/bool values).
    pub changed: bool,
}

/// The name of the table entry a name finds: the alias when it is the alias.
pub fn entry_name(name: &str) -> &'static str {
    match find(name) {
        Some(i) => match PARAMS[i].alias {
            Some(a) if a.eq_ignore_ascii_case(name) => a,
            _ => PARAMS[i].name,
        },
        None => "",
    }
}

fn enum_error(names: &[&str]) -> String {
    format!(
        "argument(s) must be one of the following: {}",
        names.join(", ")
    )
}

/// Redis's is_valid checks of string configs.
fn check_text(check: Check, text: &str) -> Result<(), String> {
    let err = |s: &str| Err(s.to_string());
    match check {
        Check::BaseName if text.contains('/') => err("dbfilename can't be a path, just a filename"),
        Check::AofFile if text.is_empty() => err("appendfilename can't be empty"),
        Check::AofFile if text.contains('/') => {
            err("appendfilename can't be a path, just a filename")
        }
        Check::AofDir if text.is_empty() => err("appenddirname can't be empty"),
        Check::AofDir if text.contains('/') => err("appenddirname can't be a path, just a dirname"),
        Check::Hostname if text.len() >= 256 => err("Hostnames must be less than 256 characters"),
        Check::Hostname
            if !text
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.') =>
        {
            err("Hostnames may only contain alphanumeric characters, hyphens or dots")
        }
        Check::ProcTitle if !proc_title_ok(text) => {
            err("template format is invalid or contains unknown variables")
        }
        _ => Ok(()),
    }
}

/// Redis's validateProcTitleTemplate: `{var}`s known, braces closed, and something left
/// once expanded with an empty title.
fn proc_title_ok(template: &str) -> bool {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if after.is_empty() {
            return false;
        }
        if let Some(r) = after.strip_prefix('{') {
            out.push('{');
            rest = r;
            continue;
        }
        let Some(close) = after.find('}') else {
            return false;
        };
        out.push_str(match &after[..close] {
            "title" | "server-mode" | "unixsocket" => "",
            "listen-addr" => "*:6379",
            "config-file" => "-",
            "port" | "tls-port" => "0",
            _ => return false,
        });
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    !out.trim_matches(' ').is_empty()
}

/// Redis's REDIS_CONFIG_REWRITE_SIGNATURE.
const REWRITE_SIGNATURE: &str = "# Generated by CONFIG REWRITE";

/// String parameters whose empty value is "not set" (EMPTY_STRING_IS_NULL): not written.
const EMPTY_IS_NULL: &[&str] = &[
    "unixsocket",
    "pidfile",
    "replica-announce-ip",
    "masteruser",
    "cluster-announce-ip",
    "cluster-announce-hostname",
    "server_cpulist",
    "bio_cpulist",
    "aof_rewrite_cpulist",
    "bgsave_cpulist",
    "bind-source-addr",
    "masterauth",
    "requirepass",
];

/// sdscatrepr: a string quoted as Redis writes it back.
pub fn repr(s: &str) -> String {
    let mut out = String::from("\"");
    for &b in s.as_bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            c if c.is_ascii_graphic() || c == b' ' => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('"');
    out
}

/// rewriteConfigFormatMemory.
fn format_memory(v: i64) -> String {
    const KB: i64 = 1024;
    match v {
        0 => "0".into(),
        v if v % (KB * KB * KB) == 0 => format!("{}gb", v / (KB * KB * KB)),
        v if v % (KB * KB) == 0 => format!("{}mb", v / (KB * KB)),
        v if v % KB == 0 => format!("{}kb", v / KB),
        v => v.to_string(),
    }
}

/// Redis's rewriteConfigState: the old file's lines, and where each option was.
struct Rewrite {
    lines: Vec<String>,
    at: std::collections::HashMap<String, std::collections::VecDeque<usize>>,
    done: std::collections::HashSet<String>,
    needs_signature: bool,
    force_all: bool,
}

impl Rewrite {
    fn line(&mut self, option: &str, line: String, force: bool) {
        self.done.insert(option.to_string());
        let reuse = self.at.get_mut(option).and_then(|l| l.pop_front());
        match reuse {
            Some(n) => self.lines[n] = line,
            None if force || self.force_all => {
                if self.needs_signature {
                    self.lines.push(REWRITE_SIGNATURE.to_string());
                    self.needs_signature = false;
                }
                self.lines.push(line);
            }
            None => {}
        }
    }
}

/// CONFIG REWRITE (Redis's rewriteConfig): the old file's text with every parameter's
/// lines replaced in place, new non-default ones appended after the signature line,
/// the lines of parameters no longer set blanked, unknown lines kept as `# ??? ` comments.
/// `users` are the `user` lines to write (None when an ACL file holds them);
/// `force_all` writes every parameter (DEBUG CONFIG-REWRITE-FORCE-ALL).
pub fn rewrite_file(
    old: &str,
    config: &Config,
    users: Option<&[String]>,
    force_all: bool,
) -> String {
    let mut st = Rewrite {
        lines: Vec::new(),
        at: Default::default(),
        done: Default::default(),
        needs_signature: true,
        force_all,
    };
    if !old.is_empty() {
        for raw in old.split('\n') {
            let line = raw.trim_matches(['\r', '\n', '\t', ' ']);
            if line.is_empty() || line.starts_with('#') {
                if line == REWRITE_SIGNATURE {
                    st.needs_signature = false;
                }
                st.lines.push(line.to_string());
                continue;
            }
            let words = crate::console::split_args(line.as_bytes()).ok();
            let first = words
                .as_ref()
                .and_then(|w| w.first())
                .map(|w| String::from_utf8_lossy(w).to_ascii_lowercase());
            let known = first.as_deref().is_some_and(|f| {
                find(f).is_some()
                    || [
                        "include",
                        "rename-command",
                        "user",
                        "loadmodule",
                        "sentinel",
                    ]
                    .contains(&f)
            });
            match first {
                Some(f) if known => {
                    let option = Config::param(&f).map_or(f, |p| p.name.to_string());
                    st.at.entry(option).or_default().push_back(st.lines.len());
                    st.lines.push(line.to_string());
                }
                _ => st.lines.push(format!("# ??? {line}")),
            }
        }
    }
    for (i, p) in PARAMS.iter().enumerate() {
        let v = &config.values[i];
        let name = p.name;
        let differs = *v != p.default;
        match p.kind {
            Kind::Bool | Kind::Int(..) | Kind::Octal(..) | Kind::Enum(_) | Kind::EnumFlags(_) => {
                st.line(name, format!("{name} {v}"), differs)
            }
            Kind::Memory(..) => {
                let n: i64 = v.parse().unwrap_or(0);
                st.line(name, format!("{name} {}", format_memory(n)), differs)
            }
            Kind::MemoryPercent(..) => {
                let shown = if v.ends_with('%') {
                    v.clone()
                } else {
                    format_memory(v.parse().unwrap_or(0))
                };
                st.line(name, format!("{name} {shown}"), differs)
            }
            Kind::Text | Kind::Checked(_) => {
                if v.is_empty() && EMPTY_IS_NULL.contains(&name) {
                    st.done.insert(name.to_string());
                } else {
                    st.line(name, format!("{name} {}", repr(v)), differs)
                }
            }
            Kind::Dir => st.line(name, format!("{name} {}", repr(v)), true),
            Kind::NotifyEvents => st.line(name, format!("{name} {}", repr(v)), !v.is_empty()),
            Kind::Save => {
                let w: Vec<&str> = v.split_whitespace().collect();
                if w.is_empty() {
                    st.line(name, "save \"\"".into(), true);
                } else {
                    for pair in w.chunks(2) {
                        st.line(name, format!("save {}", pair.join(" ")), true);
                    }
                }
                st.done.insert(name.to_string());
            }
            Kind::ObufLimits => {
                let cur: Vec<&str> = v.split_whitespace().collect();
                let def: Vec<&str> = p.default.split_whitespace().collect();
                for (c, d) in cur.chunks(4).zip(def.chunks(4)) {
                    if let [class, hard, soft, secs] = c {
                        let class = if *class == "slave" { "replica" } else { class };
                        let mem = |s: &str| format_memory(s.parse().unwrap_or(0));
                        let line = format!("{name} {class} {} {} {secs}", mem(hard), mem(soft));
                        st.line(name, line, c[1..] != d[1..]);
                    }
                }
            }
            Kind::OomValues => st.line(name, format!("{name} {v}"), differs),
            Kind::Bind => {
                // Redis's own default (`* -::*`) is left out, as Redis does.
                if v == "* -::*" {
                    st.done.insert(name.to_string());
                } else if v.is_empty() {
                    st.line(name, format!("{name} \"\""), true);
                } else {
                    st.line(name, format!("{name} {v}"), true);
                }
            }
            Kind::ReplicaOf => {
                if v.is_empty() {
                    st.done.insert(name.to_string());
                } else {
                    st.line(name, format!("{name} {v}"), true);
                }
            }
            Kind::Percentiles => {
                let shown = if v.is_empty() { "\"\"" } else { v.as_str() };
                st.line(name, format!("{name} {shown}"), true)
            }
        }
    }
    if let Some(users) = users {
        for u in users {
            st.line("user", u.clone(), true);
        }
    }
    st.done.insert("user".into());
    st.done.insert("loadmodule".into());
    for (option, left) in std::mem::take(&mut st.at) {
        if st.done.contains(&option) {
            for n in left {
                st.lines[n].clear();
            }
        }
    }
    let mut out = String::new();
    let mut was_empty = false;
    for l in &st.lines {
        if l.is_empty() {
            if was_empty {
                continue;
            }
            was_empty = true;
        } else {
            was_empty = false;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_defaults_are_valid_values() {
        // Every default passes its own check and reads back unchanged (what CONFIG SET
        // of CONFIG GET's value does in TCL's "CONFIG sanity").
        for p in PARAMS {
            // Not values CONFIG SET takes back: obuf merges, replicaof "" is "not set".
            if matches!(p.kind, Kind::ObufLimits | Kind::ReplicaOf) {
                continue;
            }
            let v = Config::validate(p, p.default.as_bytes());
            assert_eq!(v.as_deref(), Ok(p.default), "{}", p.name);
        }
    }

    #[test]
    fn special_values_canonical_as_redis_shows_them() {
        let mut c = Config::default();
        c.set_startup("latency-tracking-info-percentiles", "50.50 99 100")
            .unwrap();
        assert_eq!(
            c.get("latency-tracking-info-percentiles").unwrap(),
            "50.5 99 100"
        );
        c.set_startup("shutdown-on-sigint", "force NOW").unwrap();
        assert_eq!(c.get("shutdown-on-sigint").unwrap(), "now force");
        c.set_startup("oom-score-adj", "relative").unwrap();
        assert_eq!(c.get("oom-score-adj").unwrap(), "yes");
        c.set_startup("unixsocketperm", "0700").unwrap();
        assert_eq!(c.get("unixsocketperm").unwrap(), "700");
        c.set_startup("maxmemory-clients", "5%").unwrap();
        assert_eq!(c.get("maxmemory-clients").unwrap(), "5%");
        assert!(c.set_startup("save", "10").is_err());
        assert!(proc_title_ok("{title} {{literal"));
        assert!(!proc_title_ok("{title}"));
        assert!(c.matching(b"*").iter().all(|(n, _)| n != "watchdog-period"));
        assert_eq!(c.matching(b"watchdog-period").len(), 1);
    }

    #[test]
    fn rewrite_keeps_comments_replaces_in_place_and_appends() {
        let mut c = Config::default();
        c.set_startup("maxmemory", "2mb").unwrap();
        c.set_startup("save", "900 1").unwrap();
        c.set_startup("dir", "/data").unwrap();
        let old = "# my comment\nmaxmemory 1mb\nslave-read-only yes\nsave 1 1\nsave 2 2\nbogus x\n";
        let out = rewrite_file(old, &c, None, false);
        assert_eq!(
            out,
            "# my comment\nmaxmemory 2mb\nreplica-read-only yes\nsave 900 1\n\n# ??? bogus x\n\n\
             # Generated by CONFIG REWRITE\ndir \"/data\"\nbind 127.0.0.1\n\
             latency-tracking-info-percentiles 50 99 99.9\n"
        );
        let mut c2 = Config::default();
        c2.set_startup("maxmemory", "2mb").unwrap();
        c2.set_startup("save", "900 1").unwrap();
        c2.set_startup("dir", "/data").unwrap();
        // The old file's last newline leaves an empty last line, kept as Redis keeps
        // it (one blank line at the end), and from then on nothing moves.
        let again = rewrite_file(&out, &c2, None, false);
        assert_eq!(again, format!("{out}\n"));
        assert_eq!(rewrite_file(&again, &c2, None, false), again);
    }
}
