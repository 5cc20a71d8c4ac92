//! DUMP, RESTORE, SAVE, BGSAVE, LASTSAVE (see `rdb.rs` for the format).
//!
//! The engine makes the bytes; where they go is the host's business. A host that keeps
//! files (kvlab-server) installs an [`RdbHost`] in `core.persist.host`: SAVE hands it the
//! image to write, BGSAVE hands it a [`SaveJob`] (an owned copy of the keyspace) to
//! serialize and write off the command path, and the host reports the outcome with
//! `Engine::bgsave_done`. Without a host (the browser) both keep the image in memory
//! (`last_image`) and count as saved.

use super::{eq, int_arg, syntax};
use crate::engine::rdb::{self, PayloadError, SaveInfo, SaveKey};
use crate::engine::{Core, Ctx, Reply};

/// Where SAVE and BGSAVE images go.
pub trait RdbHost {
    /// Writes an image to `file` (`dir`/`dbfilename`) now; Err says why not.
    fn save(&mut self, file: &str, image: &[u8]) -> Result<(), String>;
    /// Takes a background save; the host runs `job.run()` elsewhere, writes the bytes
    /// to `file`, then calls `Engine::bgsave_done`.
    fn background(&mut self, file: String, job: SaveJob);
    /// Reads the file back (DEBUG RELOAD NOSAVE).
    fn load(&mut self, file: &str) -> Result<Vec<u8>, String> {
        let _ = file;
        Err("this host keeps no files".into())
    }
}

/// The persistence state INFO reports.
pub struct Persist {
    /// Unix seconds of the last successful save (start time until then).
    pub lastsave: i64,
    pub bgsave_in_progress: bool,
    pub bgsave_started_ms: i64,
    pub last_bgsave_ok: bool,
    pub last_bgsave_secs: i64,
    /// The dirty counter when the running BGSAVE started.
    pub dirty_before_bgsave: u64,
    /// When the last BGSAVE was tried (save points wait 5 s after a failure).
    pub last_bgsave_try_ms: i64,
    pub saves: u64,
    /// Background jobs started on a host's thread: what Redis forks for (INFO's
    /// total_forks).
    pub forks: u64,
    /// How long the last of them took to take its image of the keyspace, the work that
    /// stands in for fork() here (INFO latest_fork_usec).
    pub latest_fork_us: u64,
    pub last_load_keys_loaded: u64,
    pub last_load_keys_expired: u64,
    pub host: Option<Box<dyn RdbHost>>,
    /// The last image made without a host.
    pub last_image: Option<Vec<u8>>,
}

impl Persist {
    pub fn new(now_ms: i64) -> Persist {
        Persist {
            lastsave: now_ms.div_euclid(1000),
            bgsave_in_progress: false,
            bgsave_started_ms: 0,
            last_bgsave_ok: true,
            last_bgsave_secs: -1,
            dirty_before_bgsave: 0,
            last_bgsave_try_ms: 0,
            saves: 0,
            forks: 0,
            latest_fork_us: 0,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
            host: None,
            last_image: None,
        }
    }
}

/// One key of a background save, owned.
pub struct JobKey {
    pub key: Vec<u8>,
    pub value: crate::engine::object::Value,
    pub expire_ms: Option<i64>,
    pub idle_secs: u64,
    pub freq: u8,
}

/// An owned copy of the keyspace to serialize away from the command path.
pub struct SaveJob {
    pub ctime_secs: i64,
    pub used_mem: u64,
    pub functions: Vec<Vec<u8>>,
    pub lru: bool,
    pub lfu: bool,
    pub compress: bool,
    pub checksum: bool,
    /// Per non-empty database: index, key count, volatile count, keys.
    pub dbs: Vec<(usize, usize, usize, Vec<JobKey>)>,
    /// For an AOF base (`aof-base 1` in the image).
    pub aof_base: bool,
}

impl SaveJob {
    /// The RDB image.
    pub fn run(&self) -> Vec<u8> {
        let info = SaveInfo {
            ctime_secs: self.ctime_secs,
            used_mem: self.used_mem,
            functions: self.functions.iter().map(|f| f.as_slice()).collect(),
            lru: self.lru,
            lfu: self.lfu,
            checksum: self.checksum,
            aof_base: self.aof_base,
        };
        rdb::with_compression(self.compress, || {
            rdb::save_file(
                &info,
                self.dbs.iter().map(|(i, n, e, keys)| {
                    (
                        *i,
                        *n,
                        *e,
                        keys.iter()
                            .map(|k| SaveKey {
                                key: &k.key,
                                value: &k.value,
                                expire_ms: k.expire_ms,
                                idle_secs: k.idle_secs,
                                freq: k.freq,
                            })
                            .collect(),
                    )
                }),
            )
        })
    }
}

impl Core {
    /// `rdbcompression yes`.
    pub fn rdb_compression(&self) -> bool {
        self.config.get("rdbcompression").is_none_or(|v| v == "yes")
    }

    fn save_info(&self, now: i64) -> SaveInfo<'_> {
        SaveInfo {
            ctime_secs: now.div_euclid(1000),
            used_mem: self.used_memory(),
            functions: self.libraries.values().map(|l| l.code.as_slice()).collect(),
            lru: self.config.policy.is_lru(),
            lfu: self.config.policy.is_lfu(),
            checksum: self.config.get("rdbchecksum").is_none_or(|v| v == "yes"),
            aof_base: false,
        }
    }

    /// A key's IDLE seconds and decayed LFU counter at `now`.
    fn key_meta(&self, access: crate::engine::object::Access, now: i64) -> (u64, u8) {
        let clock = crate::engine::lru_clock_at(now);
        let idle = if clock >= access.clock {
            clock - access.clock
        } else {
            0xFF_FFFF - access.clock + clock
        };
        (
            idle as u64,
            (crate::engine::lfu_decay(&self.config, now, access.lfu) & 0xff) as u8,
        )
    }

    /// The whole keyspace as an RDB file, as of the clock's time now.
    pub fn rdb_image(&self) -> Vec<u8> {
        let now = self.wall_ms();
        let info = self.save_info(now);
        let compress = self.rdb_compression();
        rdb::with_compression(compress, || {
            rdb::save_file(
                &info,
                self.dbs.iter().enumerate().map(|(i, d)| {
                    let keys = d
                        .keys
                        .iter()
                        .map(|(k, o)| {
                            let (idle_secs, freq) = self.key_meta(o.access, now);
                            SaveKey {
                                key: k,
                                value: &o.value,
                                expire_ms: d.expires.get(k).copied(),
                                idle_secs,
                                freq,
                            }
                        })
                        .collect();
                    (i, d.keys.len(), d.expires.len(), keys)
                }),
            )
        })
    }

    /// An owned copy of the keyspace for a background save.
    pub fn save_job(&self) -> SaveJob {
        let now = self.wall_ms();
        let info = self.save_info(now);
        SaveJob {
            ctime_secs: info.ctime_secs,
            used_mem: info.used_mem,
            functions: info.functions.iter().map(|f| f.to_vec()).collect(),
            lru: info.lru,
            lfu: info.lfu,
            compress: self.rdb_compression(),
            checksum: info.checksum,
            aof_base: false,
            dbs: self
                .dbs
                .iter()
                .enumerate()
                .filter(|(_, d)| !d.keys.is_empty())
                .map(|(i, d)| {
                    let keys = d
                        .keys
                        .iter()
                        .map(|(k, o)| {
                            let (idle_secs, freq) = self.key_meta(o.access, now);
                            JobKey {
                                key: k.to_vec(),
                                value: o.value.clone(),
                                expire_ms: d.expires.get(k).copied(),
                                idle_secs,
                                freq,
                            }
                        })
                        .collect();
                    (i, d.keys.len(), d.expires.len(), keys)
                })
                .collect(),
        }
    }

    /// Where the RDB file goes: `dir`/`dbfilename`.
    pub fn rdb_path(&self) -> String {
        let dir = self.config.get("dir").unwrap_or_default();
        let name = self
            .config
            .get("dbfilename")
            .unwrap_or_else(|| "dump.rdb".into());
        if dir.is_empty() {
            name
        } else {
            format!("{}/{name}", dir.trim_end_matches('/'))
        }
    }

    /// `td_compress` on every t-digest, in place: what RedisBloom's rdb_save does to the
    /// live value in a foreground save (SAVE, DEBUG RELOAD, shutdown; a BGSAVE does it
    /// in the fork's copy). It changes no answer, only TDIGEST.INFO's node counts.
    pub fn compress_digests(&mut self) {
        for db in &mut self.dbs {
            let keys: Vec<Vec<u8>> = db
                .keys
                .iter()
                .filter(|(_, o)| matches!(o.value, crate::engine::object::Value::TDigest(_)))
                .map(|(k, _)| k.to_vec())
                .collect();
            for k in keys {
                if let Some(o) = db.keys.get_mut(&k) {
                    if let crate::engine::object::Value::TDigest(t) = &mut o.value {
                        let _ = t.compress();
                    }
                }
            }
        }
    }

    /// SAVE: writes the image through the host (or keeps it); Err when the host failed.
    pub fn save_now(&mut self) -> Result<(), String> {
        self.compress_digests();
        let image = self.rdb_image();
        let file = self.rdb_path();
        let result = match self.persist.host.as_mut() {
            Some(h) => h.save(&file, &image),
            None => {
                self.persist.last_image = Some(image);
                Ok(())
            }
        };
        if result.is_ok() {
            self.stats.dirty = 0;
            self.persist.lastsave = self.now.div_euclid(1000);
            self.persist.saves += 1;
            self.persist.last_bgsave_ok = true;
        }
        result
    }

    /// Starts a background save (BGSAVE, a save point).
    pub fn start_bgsave(&mut self) {
        self.persist.last_bgsave_try_ms = self.now;
        self.persist.dirty_before_bgsave = self.stats.dirty;
        self.persist.bgsave_started_ms = self.now;
        let started = crate::engine::clock::stamp();
        let job = self.save_job();
        let took = crate::engine::clock::elapsed_us(started);
        let file = self.rdb_path();
        match self.persist.host.as_mut() {
            Some(h) => {
                self.persist.bgsave_in_progress = true;
                self.persist.forks += 1;
                self.persist.latest_fork_us = took;
                h.background(file, job);
            }
            None => {
                self.persist.last_image = Some(job.run());
                self.bgsave_finished(true);
            }
        }
    }

    /// A background save ended (`backgroundSaveDoneHandler`).
    pub fn bgsave_finished(&mut self, ok: bool) {
        let now = self.wall_ms();
        self.persist.bgsave_in_progress = false;
        self.persist.last_bgsave_ok = ok;
        self.persist.last_bgsave_secs = (now - self.persist.bgsave_started_ms).div_euclid(1000);
        if ok {
            self.stats.dirty = self
                .stats
                .dirty
                .saturating_sub(self.persist.dirty_before_bgsave);
            self.persist.lastsave = now.div_euclid(1000);
            self.persist.saves += 1;
        }
    }

    /// Whether a `save <seconds> <changes>` point is due (serverCron's check). Without a
    /// host the image is kept in memory, as SAVE keeps it.
    pub fn save_point_due(&self) -> bool {
        if self.persist.bgsave_in_progress {
            return false;
        }
        let Some(points) = self.config.get("save") else {
            return false;
        };
        let nums: Vec<i64> = points
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let now_secs = self.now.div_euclid(1000);
        nums.chunks_exact(2).any(|p| {
            let (secs, changes) = (p[0], p[1]);
            self.stats.dirty >= changes.max(0) as u64
                && now_secs - self.persist.lastsave > secs
                && (self.now - self.persist.last_bgsave_try_ms > 5000
                    || self.persist.last_bgsave_ok)
        })
    }

    /// The INFO persistence section.
    pub fn info_persistence(&self) -> String {
        let p = &self.persist;
        let current = if p.bgsave_in_progress {
            (self.now - p.bgsave_started_ms).div_euclid(1000)
        } else {
            -1
        };
        format!(
            "# Persistence\r\nloading:{}\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\n{}module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
            u8::from(self.loading),
            self.stats.dirty,
            u8::from(p.bgsave_in_progress),
            p.lastsave,
            if p.last_bgsave_ok { "ok" } else { "err" },
            p.last_bgsave_secs,
            current,
            p.saves,
            p.last_load_keys_expired,
            p.last_load_keys_loaded,
            self.info_aof(),
        )
    }

    /// INFO persistence's aof_* lines (the sizes only while the AOF is on, as Redis).
    fn info_aof(&self) -> String {
        let a = &self.aof;
        let on = self.config.get("appendonly").as_deref() == Some("yes");
        let current = if a.rewrite_in_progress {
            (self.now - a.rewrite_started_ms).div_euclid(1000)
        } else {
            -1
        };
        let mut s = format!(
            "aof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\naof_last_cow_size:0\r\n",
            u8::from(on),
            u8::from(a.rewrite_in_progress),
            u8::from(a.rewrite_scheduled),
            a.last_rewrite_secs,
            current,
            if a.last_bgrewrite_ok { "ok" } else { "err" },
            a.rewrites,
            a.consecutive_failures,
            if a.last_write_ok { "ok" } else { "err" },
        );
        if on {
            s.push_str(&format!(
                "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:{}\r\naof_buffer_length:0\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:{}\r\n",
                a.current_size,
                a.base_size,
                u8::from(a.rewrite_scheduled),
                a.delayed_fsync
            ));
        }
        s
    }

    /// Whether the AOF has grown enough for a rewrite of its own (serverCron's check):
    /// `appendonly yes`, `auto-aof-rewrite-percentage` not 0, the AOF over
    /// `auto-aof-rewrite-min-size`, and grown by at least that percentage past its size
    /// after the last rewrite or load (`aof_rewrite_base_size`, taken as 1 when 0). The
    /// same check for kvlab-server's files and the browser's in-memory AOF.
    pub fn aof_rewrite_due(&self) -> bool {
        let num = |name: &str| {
            self.config
                .get(name)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let perc = num("auto-aof-rewrite-percentage");
        let min = num("auto-aof-rewrite-min-size");
        let a = &self.aof;
        let on = self.config.get("appendonly").as_deref() == Some("yes");
        if !on || perc == 0 || a.current_size <= min {
            return false;
        }
        let base = a.rewrite_base_size.max(1);
        let growth = (a.current_size.saturating_mul(100) / base).saturating_sub(100);
        growth >= perc
    }

    /// Starts an AOF rewrite (BGREWRITEAOF, CONFIG SET appendonly yes): the host gets an
    /// owned copy of the keyspace for the new base. Without a host (the browser) there
    /// is no file: the rewrite is counted as done.
    pub fn start_aof_rewrite(&mut self) -> Result<(), String> {
        self.aof.rewrite_scheduled = false;
        self.aof.rewrite_started_ms = self.now;
        let started = crate::engine::clock::stamp();
        let mut job = self.save_job();
        let took = crate::engine::clock::elapsed_us(started);
        job.aof_base = true;
        let Some(host) = self.aof_host.as_mut() else {
            self.mem_aof_rewrite(&job);
            self.aof_rewrite_finished(true);
            return Ok(());
        };
        self.aof.rewrite_in_progress = true;
        self.persist.forks += 1;
        self.persist.latest_fork_us = took;
        let r = host.rewrite(job);
        if r.is_err() {
            self.aof_rewrite_finished(false);
        }
        r
    }

    /// A rewrite ended (`backgroundRewriteDoneHandler`).
    pub fn aof_rewrite_finished(&mut self, ok: bool) {
        self.aof.rewrite_in_progress = false;
        self.aof.last_bgrewrite_ok = ok;
        self.aof.last_rewrite_secs = (self.now - self.aof.rewrite_started_ms).div_euclid(1000);
        if ok {
            self.aof.rewrites += 1;
            self.aof.consecutive_failures = 0;
        } else {
            self.aof.consecutive_failures += 1;
        }
    }
}

/// BGREWRITEAOF.
pub fn bgrewriteaof(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    if ctx.core.aof.rewrite_in_progress {
        return Reply::err("ERR Background append only file rewriting already in progress");
    }
    if ctx.core.persist.bgsave_in_progress || ctx.core.nested > 0 {
        ctx.core.aof.rewrite_scheduled = true;
        return Reply::Status("Background append only file rewriting scheduled".into());
    }
    match ctx.core.start_aof_rewrite() {
        Ok(()) => Reply::Status("Background append only file rewriting started".into()),
        Err(_) => Reply::err(
            "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
        ),
    }
}

pub fn dump(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let db = ctx.db();
    if ctx.core.lookup_read(db, &argv[1]).is_none() {
        return Reply::Nil;
    }
    match payload_of(ctx.core, db, &argv[1]) {
        Some(p) => Reply::Bulk(p),
        None => Reply::Nil,
    }
}

/// A key's DUMP payload (`createDumpPayload`), without a lookup (DUMP and MIGRATE have
/// looked it up).
pub(crate) fn payload_of(core: &mut Core, db: usize, key: &[u8]) -> Option<Vec<u8>> {
    let compress = core.rdb_compression();
    let o = core.dbs[db].keys.get_mut(key)?;
    // RedisBloom's rdb_save compresses a t-digest in place (see `compress_digests`).
    if let crate::engine::object::Value::TDigest(t) = &mut o.value {
        let _ = t.compress();
    }
    Some(rdb::with_compression(compress, || {
        rdb::dump_payload(&o.value)
    }))
}

pub fn restore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (mut replace, mut absttl) = (false, false);
    let (mut freq, mut idle): (i64, i64) = (-1, -1);
    let mut j = 4;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if eq(&argv[j], "replace") {
            replace = true;
        } else if eq(&argv[j], "absttl") {
            absttl = true;
        } else if eq(&argv[j], "idletime") && more >= 1 && freq == -1 {
            idle = match int_arg(&argv[j + 1]) {
                Ok(v) => v,
                Err(e) => return e,
            };
            if idle < 0 {
                return Reply::err("ERR Invalid IDLETIME value, must be >= 0");
            }
            j += 1;
        } else if eq(&argv[j], "freq") && more >= 1 && idle == -1 {
            freq = match int_arg(&argv[j + 1]) {
                Ok(v) => v,
                Err(e) => return e,
            };
            if !(0..=255).contains(&freq) {
                return Reply::err("ERR Invalid FREQ value, must be >= 0 and <= 255");
            }
            j += 1;
        } else {
            return syntax();
        }
        j += 1;
    }
    let db = ctx.db();
    let key = &argv[1];
    if !replace && ctx.core.lookup_write(db, key).is_some() {
        return Reply::err("BUSYKEY Target key name already exists.");
    }
    let mut ttl = match int_arg(&argv[2]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if ttl < 0 {
        return Reply::err("ERR Invalid TTL value, must be >= 0");
    }
    let lim = rdb::Limits::from_config(&ctx.core.config);
    let value = match rdb::restore_payload(&argv[3], &lim, &mut ctx.core.rng) {
        Ok(v) => v,
        Err(PayloadError::Footer) => {
            return Reply::err("ERR DUMP payload version or checksum are wrong")
        }
        Err(PayloadError::Format(_)) => return Reply::err("ERR Bad data format"),
    };
    let deleted = replace && ctx.core.lookup_write(db, key).is_some() && ctx.core.delete(db, key);
    if ttl != 0 && !absttl {
        ttl = ttl.saturating_add(ctx.core.now);
    }
    if ttl != 0 && ttl <= ctx.core.now {
        if deleted {
            ctx.core.notify(db, key, "del");
            ctx.core.stats.dirty += 1;
        }
        return Reply::ok();
    }
    ctx.core.add(db, key, value);
    if ttl != 0 {
        ctx.core.set_expire(db, key, ttl);
    }
    ctx.core.set_access_hint(db, key, freq, idle);
    ctx.core.notify(db, key, "restore");
    ctx.core.stats.dirty += 1;
    Reply::ok()
}

pub fn save(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    if ctx.core.persist.bgsave_in_progress {
        return Reply::err("ERR Background save already in progress");
    }
    match ctx.core.save_now() {
        Ok(()) => Reply::ok(),
        Err(_) => Reply::err("ERR"),
    }
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (Redis's shutdownCommand and
/// finishShutdown): saves the RDB when save points are set (unless NOSAVE) or SAVE asks,
/// refusing to stop if that fails (unless FORCE); the AOF is written and fsynced; then
/// the connection closes without a reply. A server exits. The browser, whose files are
/// its memory, restarts from them, as a redis-server started again would: what was not
/// saved (or appended) is gone. No replicas here, so NOW and FORCE's waiting part do
/// nothing, and no shutdown is ever in progress for ABORT.
pub fn shutdown(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (mut nosave, mut save, mut now, mut force, mut abort) = (false, false, false, false, false);
    for a in &argv[1..] {
        if eq(a, "nosave") {
            nosave = true;
        } else if eq(a, "save") {
            save = true;
        } else if eq(a, "now") {
            now = true;
        } else if eq(a, "force") {
            force = true;
        } else if eq(a, "abort") {
            abort = true;
        } else {
            return syntax();
        }
    }
    if (abort && (nosave || save || now || force)) || (nosave && save) {
        return syntax();
    }
    if abort {
        return Reply::err("ERR No shutdown in progress.");
    }
    // Called while a script is busy: only NOSAVE may stop the server (the script's
    // changes are not to be saved half done).
    if let Some(run) = ctx.core.running_script.as_ref() {
        if !nosave && run.client != ctx.id {
            return Reply::err(super::scripting::busy_error(ctx));
        }
    }
    let save_points = ctx
        .core
        .config
        .get("save")
        .is_some_and(|s| !s.trim().is_empty());
    if ((save_points && !nosave) || save) && ctx.core.save_now().is_err() && !force {
        return Reply::err("ERR Errors trying to SHUTDOWN. Check logs.");
    }
    if let Some(host) = ctx.core.aof_host.as_mut() {
        if host.flush_for_shutdown().is_err() && !force {
            return Reply::err("ERR Errors trying to SHUTDOWN. Check logs.");
        }
    }
    if ctx.core.persist.host.is_some() || ctx.core.aof_host.is_some() {
        ctx.core.shutdown_pending = true;
        // A busy script (SHUTDOWN NOSAVE from another client) stops at its next tick.
        if let Some(run) = ctx.core.running_script.as_mut() {
            run.kill = true;
        }
    } else {
        ctx.core.restart_pending = Some(crate::engine::memaof::Crash::Process);
    }
    Reply::Closed
}

pub fn bgsave(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 1 && !(argv.len() == 2 && eq(&argv[1], "schedule")) {
        return syntax();
    }
    if ctx.core.persist.bgsave_in_progress {
        return Reply::err("ERR Background save already in progress");
    }
    ctx.core.start_bgsave();
    if ctx.core.nested > 0 {
        // Inside MULTI Redis schedules it for after the transaction.
        return Reply::Status("Background saving scheduled".into());
    }
    Reply::Status("Background saving started".into())
}

pub fn lastsave(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Int(ctx.core.persist.lastsave)
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save (unless NOSAVE), empty the keyspace
/// (unless NOFLUSH), load the file back (MERGE lets its keys replace existing ones).
pub fn debug_reload(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (mut merge, mut flush, mut save) = (false, true, true);
    for opt in &argv[2..] {
        if eq(opt, "merge") {
            merge = true;
        } else if eq(opt, "noflush") {
            flush = false;
        } else if eq(opt, "nosave") {
            save = false;
        } else {
            return Reply::err(
                "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            );
        }
    }
    ctx.core.now = ctx.core.wall_ms();
    if save && ctx.core.save_now().is_err() {
        return Reply::err("ERR");
    }
    let file = ctx.core.rdb_path();
    let image = match ctx.core.persist.host.as_mut() {
        Some(h) => h.load(&file),
        None => ctx
            .core
            .persist
            .last_image
            .clone()
            .ok_or_else(|| "nothing saved".to_string()),
    };
    if flush && image.is_ok() {
        // emptyData → signalFlushedDb: tracking clients drop every key.
        ctx.core.invalidate_tracked_all();
    }
    let loaded = image.and_then(|img| ctx.core.load_image_into(&img, flush, merge));
    match loaded {
        Ok(_) => Reply::ok(),
        Err(_) => Reply::err("ERR Error trying to load the RDB dump"),
    }
}

impl Core {
    /// Sets a restored or loaded key's access data from IDLETIME / FREQ
    /// (`objectSetLRUOrLFU`: FREQ under an LFU policy, IDLETIME otherwise).
    pub fn set_access_hint(&mut self, db: usize, key: &[u8], freq: i64, idle_secs: i64) {
        let lfu_policy = self.config.policy.is_lfu();
        let lru_clock = self.lru_clock() as i64;
        let minutes = self.new_access().lfu >> 8;
        let Some(o) = self.dbs[db].keys.get_mut(key) else {
            return;
        };
        if lfu_policy {
            if freq >= 0 {
                o.access.lfu = (minutes << 8) | (freq as u32 & 0xff);
            }
        } else if idle_secs >= 0 {
            const LRU_CLOCK_MAX: i64 = (1 << 24) - 1;
            let mut abs = lru_clock - idle_secs;
            if abs < 0 {
                abs = (lru_clock + LRU_CLOCK_MAX / 2) % LRU_CLOCK_MAX;
            }
            o.access.clock = abs as u32;
        }
    }

    /// Replaces the keyspace with an RDB image's; on error nothing changes. Returns the
    /// keys loaded and the library code the file held (for the caller to load).
    pub fn load_image(&mut self, image: &[u8]) -> Result<(usize, Vec<Vec<u8>>), String> {
        self.load_image_into(image, true, false)
    }

    /// Loads an image over the keyspace (`flush`) or into it; a key already there is an
    /// error unless `merge` lets the file's replace it. Nothing changes on error.
    pub fn load_image_into(
        &mut self,
        image: &[u8],
        flush: bool,
        merge: bool,
    ) -> Result<(usize, Vec<Vec<u8>>), String> {
        let lim = rdb::Limits::from_config(&self.config);
        let loaded = rdb::load_file(image, &lim, &mut self.rng)?;
        if let Some((d, _)) = loaded.dbs.iter().find(|(d, _)| *d >= self.dbs.len()) {
            return Err(format!(
                "the file has database {d}, this server has {} databases",
                self.dbs.len()
            ));
        }
        if flush {
            for db in &mut self.dbs {
                db.clear();
            }
        } else if !merge {
            for (d, keys) in &loaded.dbs {
                if let Some(k) = keys.iter().find(|k| self.dbs[*d].keys.contains(&k.key)) {
                    return Err(format!(
                        "duplicate key {} in database {d}",
                        crate::engine::util::repr(&k.key)
                    ));
                }
            }
        }
        let (mut n, mut expired) = (0usize, 0u64);
        for (d, keys) in loaded.dbs {
            for k in keys {
                if self.insert_loaded(d, k) {
                    n += 1;
                } else {
                    expired += 1;
                }
            }
        }
        self.persist.last_load_keys_loaded = n as u64;
        self.persist.last_load_keys_expired = expired;
        Ok((n, loaded.functions))
    }

    /// One key of a file being loaded: false when it had already expired (dropped).
    fn insert_loaded(&mut self, d: usize, k: rdb::LoadedKey) -> bool {
        if k.expire_ms.is_some_and(|t| t <= self.now) {
            return false;
        }
        let access = self.new_access();
        self.dbs[d].remove(&k.key);
        self.dbs[d].insert(&k.key, crate::engine::object::Obj::new(k.value, access));
        if let Some(t) = k.expire_ms {
            self.dbs[d].expires.insert(&k.key, t);
        }
        let freq = k.freq.map_or(-1, i64::from);
        let idle = k.idle.map_or(-1, |v| v.min(i64::MAX as u64) as i64);
        if freq >= 0 || idle >= 0 {
            self.set_access_hint(d, &k.key, freq, idle);
        }
        true
    }
}

impl crate::engine::Engine {
    /// The whole keyspace as an RDB file (what SAVE writes).
    pub fn save_rdb(&self) -> Vec<u8> {
        self.core.rdb_image()
    }

    /// Replaces the keyspace and the function libraries with an RDB file's; on error the
    /// current keyspace is kept. Returns the keys loaded.
    pub fn load_rdb(&mut self, image: &[u8]) -> Result<usize, String> {
        self.load_rdb_slowly(image, &mut |_| {})
    }

    /// [`Self::load_rdb`], calling `between` after each key with INFO's `loading:1`
    /// (Redis's rdbLoad with `key-load-delay`, processing events while it loads: the
    /// host sleeps there and serves its clients, who get LOADING for most commands).
    pub fn load_rdb_slowly(
        &mut self,
        image: &[u8],
        between: &mut dyn FnMut(&mut crate::engine::Engine),
    ) -> Result<usize, String> {
        self.core.now = self.now_ms();
        self.core.loading = true;
        self.core.replica_expires.clear();
        let loaded = self.load_keys(image, between);
        self.core.loading = false;
        let (n, functions) = loaded?;
        if functions.is_empty() {
            // The file's libraries (none) replace ours, as a server starting on it has.
            self.core.libraries.clear();
            self.core.functions = None;
        } else {
            let mut payload = Vec::new();
            for code in &functions {
                payload.push(rdb::OP_FUNCTION2);
                rdb::save_string(&mut payload, code);
            }
            payload.extend_from_slice(&rdb::RDB_VERSION.to_le_bytes());
            let crc = crate::engine::util::crc64(0, &payload);
            payload.extend_from_slice(&crc.to_le_bytes());
            let argv = vec![
                b"function".to_vec(),
                b"restore".to_vec(),
                payload,
                b"flush".to_vec(),
            ];
            if let Reply::Error(e) =
                self.with_ctx(0, |ctx| super::scripting::function_restore(ctx, &argv))
            {
                return Err(format!("the file's functions do not load: {e}"));
            }
        }
        Ok(n)
    }

    /// The keys of an RDB file over the keyspace, `between` called after each.
    fn load_keys(
        &mut self,
        image: &[u8],
        between: &mut dyn FnMut(&mut crate::engine::Engine),
    ) -> Result<(usize, Vec<Vec<u8>>), String> {
        let lim = rdb::Limits::from_config(&self.core.config);
        let loaded = rdb::load_file(image, &lim, &mut self.core.rng)?;
        if let Some((d, _)) = loaded.dbs.iter().find(|(d, _)| *d >= self.core.dbs.len()) {
            return Err(format!(
                "the file has database {d}, this server has {} databases",
                self.core.dbs.len()
            ));
        }
        for db in &mut self.core.dbs {
            db.clear();
        }
        let (mut n, mut expired) = (0usize, 0u64);
        for (d, keys) in loaded.dbs {
            for k in keys {
                if self.core.insert_loaded(d, k) {
                    n += 1;
                } else {
                    expired += 1;
                }
                between(self);
            }
        }
        self.core.persist.last_load_keys_loaded = n as u64;
        self.core.persist.last_load_keys_expired = expired;
        Ok((n, loaded.functions))
    }

    /// Replays an AOF's commands (after its base, if any, went through `load_rdb`), as
    /// Redis's fake AOF client runs them: replies are dropped, nothing blocks, nothing is
    /// propagated. An unknown command stops the load, as it stops redis-server.
    pub fn replay_aof(&mut self, cmds: &[Vec<Vec<u8>>]) -> Result<usize, String> {
        let was_on = std::mem::replace(&mut self.core.prop.on, false);
        let id = self.connect("aof:0", "aof:0");
        if let Some(c) = self.clients.get_mut(&id) {
            c.authenticated = true;
        }
        let mut result = Ok(cmds.len());
        for argv in cmds {
            if crate::engine::table::lookup(argv).is_err() {
                result = Err(format!(
                    "Unknown command '{}' reading the append only file",
                    String::from_utf8_lossy(&argv[0])
                ));
                break;
            }
            if self.execute(id, argv) == Reply::Blocked {
                self.unblock(id, false);
                self.take_ready(id);
            }
        }
        self.disconnect(id);
        self.core.prop.on = was_on;
        result
    }

    /// The host's AOF rewrite ended.
    pub fn aof_rewrite_done(&mut self, ok: bool) {
        self.core.now = self.now_ms();
        self.core.aof_rewrite_finished(ok);
    }

    /// serverCron's AOF part: a scheduled rewrite starts once no background save runs,
    /// and one starts by itself when the AOF has grown `auto-aof-rewrite-percentage`
    /// past its size after the last rewrite, once over `auto-aof-rewrite-min-size`.
    pub fn run_aof_schedule(&mut self) {
        self.core.now = self.now_ms();
        let a = &self.core.aof;
        if a.rewrite_in_progress || self.core.persist.bgsave_in_progress {
            return;
        }
        if a.rewrite_scheduled {
            let _ = self.core.start_aof_rewrite();
            return;
        }
        if self.core.aof_host.is_some() && self.core.aof_rewrite_due() {
            let _ = self.core.start_aof_rewrite();
        }
    }

    /// The host finished a background save (written or not).
    pub fn bgsave_done(&mut self, ok: bool) {
        self.core.bgsave_finished(ok);
    }

    /// Starts a background save if a `save` point is due; true if it did.
    pub fn run_save_points(&mut self) -> bool {
        self.core.now = self.now_ms();
        if self.core.save_point_due() {
            self.core.start_bgsave();
            true
        } else {
            false
        }
    }
}

/// DEBUG OBJECT: the object's address (a fixed stand-in: there is no pointer to show),
/// refcount, encoding, its serialized length (what DUMP's value takes) and LRU data,
/// with the quicklist's node figures for lists.
pub fn debug_object(ctx: &mut Ctx, key: &[u8]) -> Reply {
    use crate::engine::object::Value;
    let db = ctx.db();
    let (policy, maxmemory) = (ctx.core.config.policy, ctx.core.config.maxmemory);
    let Some(o) = ctx.core.dbs[db].keys.get(key) else {
        return Reply::err("ERR no such key");
    };
    let shared = crate::engine::object::is_shared_integer(
        &o.value,
        maxmemory,
        policy.is_lru() || policy.is_lfu(),
    );
    let mut ser = Vec::new();
    rdb::with_compression(ctx.core.rdb_compression(), || {
        rdb::save_object(&mut ser, &o.value)
    });
    let mut extra = String::new();
    if let Value::List(l) = &o.value {
        let nodes = l.nodes().len().max(1);
        let size: u64 = l.nodes().map(|n| n.sz).sum();
        extra = format!(
            " ql_nodes:{} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:0 ql_uncompressed_size:{size}",
            l.nodes().len(),
            l.len() as f64 / nodes as f64,
            l.fill()
        );
    }
    let lru = if policy.is_lfu() {
        o.access.lfu
    } else {
        o.access.clock
    };
    let idle = ctx.core.idle_ms(o.access.clock) / 1000;
    Reply::Status(format!(
        "Value at:0x7f0000000000 refcount:{} encoding:{} serializedlength:{} lru:{lru} lru_seconds_idle:{idle}{extra}",
        if shared { i32::MAX as i64 } else { 1 },
        o.value.encoding_name(),
        ser.len()
    ).into())
}
