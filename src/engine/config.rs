//! Configuration parameters: the ones the engine honours, with redis-server's names,
//! defaults, ranges and CONFIG SET error texts.
//!
//! Values are kept as text (what CONFIG GET prints) next to a typed copy of the few that
//! the hot path reads (maxmemory, the policy, sample counts), refreshed on every set.

use super::util::{glob_match, parse_i64, parse_memory};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Integer within [min, max]
    Int(i64, i64),
    /// Memory amount (accepts 1mb, 10k …) within [min, max]
    Memory(i64, i64),
    Enum(&'static [&'static str]),
    Bool,
    /// Free text (kept as given)
    Text,
    /// `notify-keyspace-events` class letters, shown in Redis's canonical order.
    NotifyEvents,
    /// `client-output-buffer-limit`: `<class> <hard> <soft> <seconds>` groups, each
    /// replacing its class's limits.
    ObufLimits,
}

pub struct Param {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub kind: Kind,
    pub default: &'static str,
    pub immutable: bool,
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

const fn p(name: &'static str, kind: Kind, default: &'static str) -> Param {
    Param {
        name,
        alias: None,
        kind,
        default,
        immutable: false,
    }
}

/// The browser is a local client of its own engine, so DEBUG is allowed there.
#[cfg(target_arch = "wasm32")]
const DEBUG_DEFAULT: &str = "local";
#[cfg(not(target_arch = "wasm32"))]
const DEBUG_DEFAULT: &str = "no";

#[cfg(target_arch = "wasm32")]
const VALUE_CAP_DEFAULT: &str = "33554432";
#[cfg(not(target_arch = "wasm32"))]
const VALUE_CAP_DEFAULT: &str = "0";

const LMAX: i64 = i64::MAX;
const IMAX: i64 = i32::MAX as i64;

/// Every parameter CONFIG GET/SET knows about.
pub static PARAMS: &[Param] = &[
    p("maxmemory", Kind::Memory(0, LMAX), "0"),
    p("maxmemory-policy", Kind::Enum(POLICIES), "noeviction"),
    p("maxmemory-samples", Kind::Int(1, IMAX), "5"),
    p("maxmemory-eviction-tenacity", Kind::Int(0, 100), "10"),
    p("lfu-log-factor", Kind::Int(0, IMAX), "10"),
    p("lfu-decay-time", Kind::Int(0, IMAX), "1"),
    p("hz", Kind::Int(0, IMAX), "10"),
    p("active-expire-effort", Kind::Int(1, 10), "1"),
    p(
        "proto-max-bulk-len",
        Kind::Memory(1024 * 1024, LMAX),
        "536870912",
    ),
    p(
        "client-query-buffer-limit",
        Kind::Memory(1024 * 1024, LMAX),
        "1073741824",
    ),
    p("hll-sparse-max-bytes", Kind::Memory(0, LMAX), "3000"),
    // Kept for CONFIG and the test suite; scripts here stop on an instruction budget
    // instead (see engine::lua::Limits).
    Param {
        name: "busy-reply-threshold",
        alias: Some("lua-time-limit"),
        kind: Kind::Int(0, LMAX),
        default: "5000",
        immutable: false,
    },
    Param {
        name: "hash-max-listpack-entries",
        alias: Some("hash-max-ziplist-entries"),
        kind: Kind::Int(0, LMAX),
        default: "512",
        immutable: false,
    },
    Param {
        name: "hash-max-listpack-value",
        alias: Some("hash-max-ziplist-value"),
        kind: Kind::Memory(0, LMAX),
        default: "64",
        immutable: false,
    },
    p("set-max-intset-entries", Kind::Int(0, LMAX), "512"),
    Param {
        name: "list-max-listpack-size",
        alias: Some("list-max-ziplist-size"),
        kind: Kind::Int(i32::MIN as i64, i32::MAX as i64),
        default: "-2",
        immutable: false,
    },
    p("list-compress-depth", Kind::Int(0, i32::MAX as i64), "0"),
    Param {
        name: "zset-max-listpack-entries",
        alias: Some("zset-max-ziplist-entries"),
        kind: Kind::Int(0, LMAX),
        default: "128",
        immutable: false,
    },
    Param {
        name: "zset-max-listpack-value",
        alias: Some("zset-max-ziplist-value"),
        kind: Kind::Memory(0, LMAX),
        default: "64",
        immutable: false,
    },
    p("notify-keyspace-events", Kind::NotifyEvents, ""),
    p(
        "client-output-buffer-limit",
        Kind::ObufLimits,
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    ),
    p("stream-node-max-entries", Kind::Int(0, i64::MAX), "100"),
    // Replication settings KV Lab (one node, no replicas) keeps for CONFIG: with no
    // replicas, a non-zero min-replicas-to-write would refuse writes in Redis; here the
    // value is only stored.
    Param {
        name: "min-replicas-to-write",
        alias: Some("min-slaves-to-write"),
        kind: Kind::Int(0, IMAX),
        default: "0",
        immutable: false,
    },
    Param {
        name: "min-replicas-max-lag",
        alias: Some("min-slaves-max-lag"),
        kind: Kind::Int(0, IMAX),
        default: "10",
        immutable: false,
    },
    p("stream-node-max-bytes", Kind::Memory(0, LMAX), "4096"),
    Param {
        name: "enable-debug-command",
        alias: None,
        kind: Kind::Enum(&["no", "yes", "local"]),
        default: DEBUG_DEFAULT,
        immutable: true,
    },
    // Not a Redis parameter: the playground's cap on one value, so that a single
    // `SETRANGE k 500000000 x` cannot exhaust a browser tab. 0 means no cap (the native
    // server's default, which keeps Redis's limits).
    p(
        "kvlab-max-value-bytes",
        Kind::Memory(0, LMAX),
        VALUE_CAP_DEFAULT,
    ),
    p("slowlog-log-slower-than", Kind::Int(-1, LMAX), "10000"),
    p("slowlog-max-len", Kind::Int(0, LMAX), "128"),
    p("latency-monitor-threshold", Kind::Int(0, LMAX), "0"),
    p("timeout", Kind::Int(0, IMAX), "0"),
    p("tracking-table-max-keys", Kind::Int(0, LMAX), "1000000"),
    p("maxclients", Kind::Int(1, u32::MAX as i64), "10000"),
    // The server answers only loopback clients while it is on and no password is set.
    p("protected-mode", Kind::Bool, "yes"),
    p("lazyfree-lazy-eviction", Kind::Bool, "no"),
    p("lazyfree-lazy-expire", Kind::Bool, "no"),
    p("lazyfree-lazy-user-del", Kind::Bool, "no"),
    p("appendonly", Kind::Bool, "no"),
    p(
        "appendfsync",
        Kind::Enum(&["always", "everysec", "no"]),
        "everysec",
    ),
    Param {
        name: "appenddirname",
        alias: None,
        kind: Kind::Text,
        default: "appendonlydir",
        immutable: true,
    },
    Param {
        name: "appendfilename",
        alias: None,
        kind: Kind::Text,
        default: "appendonly.aof",
        immutable: true,
    },
    p("aof-use-rdb-preamble", Kind::Bool, "yes"),
    p("aof-load-truncated", Kind::Bool, "yes"),
    p("aof-timestamp-enabled", Kind::Bool, "no"),
    p("aof-disable-auto-gc", Kind::Bool, "no"),
    p("aof-rewrite-incremental-fsync", Kind::Bool, "yes"),
    p("no-appendfsync-on-rewrite", Kind::Bool, "no"),
    p("auto-aof-rewrite-percentage", Kind::Int(0, IMAX), "100"),
    p(
        "auto-aof-rewrite-min-size",
        Kind::Memory(0, LMAX),
        "67108864",
    ),
    p("save", Kind::Text, ""),
    p("dir", Kind::Text, ""),
    p("dbfilename", Kind::Text, "dump.rdb"),
    p("rdbcompression", Kind::Bool, "yes"),
    p("rdbchecksum", Kind::Bool, "yes"),
    Param {
        name: "databases",
        alias: None,
        kind: Kind::Int(1, IMAX),
        default: "16",
        immutable: true,
    },
    // Cluster mode is chosen at start (see `cluster.rs`); the file is accepted and
    // shown, never written.
    Param {
        name: "cluster-enabled",
        alias: None,
        kind: Kind::Bool,
        default: "no",
        immutable: true,
    },
    Param {
        name: "cluster-config-file",
        alias: None,
        kind: Kind::Text,
        default: "nodes.conf",
        immutable: true,
    },
    Param {
        name: "port",
        alias: None,
        kind: Kind::Int(0, 65535),
        default: "6379",
        immutable: true,
    },
    Param {
        name: "bind",
        alias: None,
        kind: Kind::Text,
        default: "127.0.0.1",
        immutable: true,
    },
    // ACL (see `acl.rs`): requirepass is the default user's password.
    p("requirepass", Kind::Text, ""),
    p("acllog-max-len", Kind::Int(0, LMAX), "128"),
    p(
        "acl-pubsub-default",
        Kind::Enum(&["allchannels", "resetchannels"]),
        "resetchannels",
    ),
    Param {
        name: "aclfile",
        alias: None,
        kind: Kind::Text,
        default: "",
        immutable: true,
    },
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
    /// `min-replicas-to-write` and `min-replicas-max-lag` both on: every write asks
    /// for good replicas (looked at on each write command, so kept ready here).
    pub min_replicas_on: bool,
    /// `tracking-table-max-keys` (0: no limit).
    pub tracking_table_max_keys: u64,
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
            tracking_table_max_keys: 1_000_000,
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
        self.min_replicas_on =
            self.int("min-replicas-to-write") > 0 && self.int("min-replicas-max-lag") > 0;
        self.tracking_table_max_keys = self.int("tracking-table-max-keys").max(0) as u64;
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
    /// characters) is looked up directly and echoed as the caller spelled it, as Redis does.
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
            for name in std::iter::once(p.name).chain(p.alias) {
                if glob_match(pattern, name.as_bytes(), true) {
                    out.push((name.to_string(), self.values[i].clone()));
                }
            }
        }
        out
    }

    /// Validates one value; returns the canonical text to store, or Redis's reason.
    fn validate(p: &Param, value: &[u8]) -> Result<String, String> {
        let text = String::from_utf8_lossy(value).to_string();
        match p.kind {
            Kind::Int(min, max) => {
                let v = parse_i64(value)
                    .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
                if v < min || v > max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                Ok(v.to_string())
            }
            Kind::Memory(min, max) => {
                let v = parse_memory(value)
                    .ok_or_else(|| "argument must be a memory value".to_string())?;
                if v < min || v > max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                Ok(v.to_string())
            }
            Kind::Enum(names) => names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(&text))
                .map(|n| n.to_string())
                .ok_or_else(|| {
                    format!(
                        "argument(s) must be one of the following: {}",
                        names.join(", ")
                    )
                }),
            Kind::Bool => match text.to_ascii_lowercase().as_str() {
                "yes" => Ok("yes".into()),
                "no" => Ok("no".into()),
                _ => Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Text => Ok(text),
            Kind::NotifyEvents => super::pubsub::flags::parse(&text)
                .map(super::pubsub::flags::to_text)
                .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
            Kind::ObufLimits => Err("internal: use merge_obuf".into()),
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

    /// CONFIG SET of several pairs, all or nothing, with Redis's error texts.
    pub fn set_many(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), String> {
        let mut staged: Vec<(usize, String)> = Vec::new();
        for (name, _) in pairs {
            if find(&String::from_utf8_lossy(name)).is_none() {
                return Err(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                    String::from_utf8_lossy(name)
                ));
            }
        }
        for (name, value) in pairs {
            let name_s = String::from_utf8_lossy(name).to_string();
            let i = find(&name_s).unwrap_or(0);
            let p = &PARAMS[i];
            if p.immutable {
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name_s}') - can't set immutable config"
                ));
            }
            if staged.iter().any(|(j, _)| *j == i) {
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name_s}') - duplicate parameter"
                ));
            }
            let checked = if p.kind == Kind::ObufLimits {
                Self::merge_obuf(&self.values[i], value)
            } else {
                Self::validate(p, value)
            };
            match checked {
                Ok(v) => staged.push((i, v)),
                Err(why) => {
                    return Err(format!(
                        "ERR CONFIG SET failed (possibly related to argument '{name_s}') - {why}"
                    ))
                }
            }
        }
        for (i, v) in staged {
            self.values[i] = v;
        }
        self.refresh();
        Ok(())
    }

    /// Sets a value from the command line or a host (startup: immutables allowed).
    pub fn set_startup(&mut self, name: &str, value: &str) -> Result<(), String> {
        let i = find(name).ok_or_else(|| format!("unknown config '{name}'"))?;
        let v = if PARAMS[i].kind == Kind::ObufLimits {
            Self::merge_obuf(&self.values[i], value.as_bytes())?
        } else {
            Self::validate(&PARAMS[i], value.as_bytes())?
        };
        self.values[i] = v;
        self.refresh();
        Ok(())
    }
}
