//! The append-only file of an engine without an AOF host (the browser), kept in memory
//! the way SAVE's image is kept in `persist.last_image` there.
//!
//! It is the same AOF kvlab-server writes, only not on a disk: `CONFIG SET appendonly
//! yes` starts it with a rewrite (the base: an RDB image of the keyspace, as 7.0's
//! `aof-use-rdb-preamble yes` base), then every command appends what it propagates
//! (`aof.rs`'s rewrites: relative expires made absolute, SPOP as SREM …) as the RESP
//! text of an incremental file, SELECT included. BGREWRITEAOF makes a new base and
//! starts an empty incremental part.
//!
//! **fsync, simulated.** There is no disk, so "fsynced" is a mark in the incremental
//! text: what a machine crash (power loss) would leave. Under `appendfsync always` the
//! mark moves with every command, before its reply; under `everysec` the engine's
//! background tick moves it once a second has passed since the last sync (Redis's
//! background fsync); under `no` Redis never fsyncs and Linux writes dirty pages back
//! once they are about 30 seconds old (`vm.dirty_expire_centisecs`), so the tick moves
//! it after 30 seconds. A process crash (kill -9) loses nothing written; only a machine
//! crash loses what is past the mark. [`MemAof::recover`] is what a restart after a
//! machine crash reads: the base and the synced commands.

use std::collections::VecDeque;

use super::aof::{parse_commands, Argv, Feed};
use super::Core;

/// How many appended commands the AOF keeps for showing (the file keeps them all).
pub const RECENT: usize = 64;

/// Linux's `vm.dirty_expire_centisecs` (30 s): how old a dirty page gets before the
/// kernel writes it back, what `appendfsync no` relies on.
pub const KERNEL_WRITEBACK_MS: i64 = 30_000;

/// `appendfsync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fsync {
    Always,
    Everysec,
    No,
}

impl Fsync {
    pub fn parse(v: &str) -> Fsync {
        match v {
            "always" => Fsync::Always,
            "no" => Fsync::No,
            _ => Fsync::Everysec,
        }
    }
}

/// One command as appended: its RESP text (with the SELECT before it, if one was
/// needed) ends at `end` in the incremental part.
#[derive(Clone, Debug, PartialEq)]
pub struct Appended {
    pub at_ms: i64,
    pub db: i64,
    pub argv: Argv,
    /// The bytes appended for it (a SELECT first when the database changed).
    pub resp: Vec<u8>,
    /// Offset of its end in the incremental part.
    pub end: usize,
}

#[derive(Default, Debug)]
pub struct MemAof {
    pub on: bool,
    /// The base: an RDB image of the keyspace when the last rewrite started.
    pub base: Vec<u8>,
    pub base_made_ms: i64,
    /// The incremental part: RESP commands since the base.
    pub incr: Vec<u8>,
    feed: Feed,
    /// Bytes of `incr` fsynced (what survives a machine crash).
    pub synced: usize,
    pub last_sync_ms: i64,
    /// Commands appended since the base.
    pub appended: u64,
    /// The last [`RECENT`] commands appended.
    pub recent: VecDeque<Appended>,
    unsynced: u64,
}

impl MemAof {
    /// The AOF's size (`aof_current_size`).
    pub fn size(&self) -> u64 {
        (self.base.len() + self.incr.len()) as u64
    }

    /// A rewrite's new base: the incremental part starts empty.
    pub fn new_base(&mut self, image: Vec<u8>, now_ms: i64) {
        self.base = image;
        self.base_made_ms = now_ms;
        self.incr.clear();
        self.feed = Feed::new();
        self.synced = 0;
        self.last_sync_ms = now_ms;
        self.appended = 0;
        self.unsynced = 0;
        self.recent.clear();
    }

    /// Appends what commands propagated; under `always` it is synced at once.
    pub fn append(&mut self, cmds: Vec<(i64, Argv)>, now_ms: i64, policy: Fsync) {
        for (db, argv) in cmds {
            let start = self.incr.len();
            self.feed.append(db, &argv, &mut self.incr);
            self.appended += 1;
            self.unsynced += 1;
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(Appended {
                at_ms: now_ms,
                db,
                resp: self.incr[start..].to_vec(),
                argv,
                end: self.incr.len(),
            });
        }
        if policy == Fsync::Always {
            self.sync(now_ms);
        }
    }

    pub fn sync(&mut self, now_ms: i64) {
        self.synced = self.incr.len();
        self.last_sync_ms = now_ms;
        self.unsynced = 0;
    }

    /// The background part: `everysec` syncs once a second, `no` leaves it to the
    /// kernel's writeback.
    pub fn cron(&mut self, now_ms: i64, policy: Fsync) {
        let every = match policy {
            Fsync::Always => 0,
            Fsync::Everysec => 1000,
            Fsync::No => KERNEL_WRITEBACK_MS,
        };
        if self.synced < self.incr.len() && now_ms - self.last_sync_ms >= every {
            self.sync(now_ms);
        } else if self.synced == self.incr.len() {
            // Nothing dirty: the next write starts a fresh interval.
            self.last_sync_ms = self.last_sync_ms.max(now_ms - every);
        }
    }

    /// Commands appended but not yet synced.
    pub fn unsynced_commands(&self) -> u64 {
        self.unsynced
    }

    /// What a restart after a machine crash reads: the base and the synced commands.
    /// The unsynced tail is dropped from the AOF too (it never reached the disk).
    pub fn recover(&mut self) -> (Vec<u8>, Vec<Argv>) {
        self.incr.truncate(self.synced);
        self.recent.retain(|a| a.end <= self.synced);
        self.unsynced = 0;
        let (cmds, _) = parse_commands(&self.incr);
        // The file continues after a SELECT as the loader left it: the next command
        // names its database again.
        self.feed = Feed::new();
        (self.base.clone(), cmds)
    }
}

impl Core {
    /// `appendfsync` as configured.
    pub fn fsync_policy(&self) -> Fsync {
        Fsync::parse(&self.config.get("appendfsync").unwrap_or_default())
    }

    /// CONFIG SET appendonly without an AOF host: `yes` starts the in-memory AOF with a
    /// rewrite (Redis's `startAppendOnly`), `no` stops it after a last sync
    /// (`stopAppendOnly`).
    pub fn follow_appendonly(&mut self) {
        if self.aof_host.is_some() {
            return;
        }
        let want = self.config.get("appendonly").as_deref() == Some("yes");
        if want == self.mem_aof.on {
            return;
        }
        self.mem_aof.on = want;
        self.prop.on = want || self.repl.backlog_on;
        if want {
            let _ = self.start_aof_rewrite();
        } else {
            self.mem_aof.sync(self.now);
        }
    }

    /// The in-memory AOF's base is made at once (there is no fork to wait for).
    pub(crate) fn mem_aof_rewrite(&mut self, job: &crate::engine::cmd::persist::SaveJob) {
        if !self.mem_aof.on {
            return;
        }
        let image = job.run();
        self.mem_aof.new_base(image, self.now);
        self.aof.base_size = self.mem_aof.base.len() as u64;
        self.aof.current_size = self.mem_aof.size();
        self.aof.rewrite_base_size = self.aof.current_size;
    }

    /// Appends what was propagated to the in-memory AOF.
    pub(crate) fn mem_aof_append(&mut self) {
        self.prop.flush_loose();
        let cmds = super::aof::for_aof(std::mem::take(&mut self.prop.out));
        if cmds.is_empty() {
            return;
        }
        let policy = self.fsync_policy();
        self.mem_aof.append(cmds, self.now, policy);
        self.aof.current_size = self.mem_aof.size();
    }

    /// serverCron without a host: the `save` points (the image is kept in memory) and
    /// the in-memory AOF's fsync and automatic rewrite.
    pub(crate) fn hostless_cron(&mut self) {
        if self.persist.host.is_none() && self.save_point_due() {
            self.start_bgsave();
        }
        if self.aof_host.is_some() {
            return;
        }
        // Also catches a configuration restored without CONFIG SET.
        self.follow_appendonly();
        if !self.mem_aof.on {
            return;
        }
        self.mem_aof_append();
        let policy = self.fsync_policy();
        self.mem_aof.cron(self.now, policy);
        // The rewrite by size (serverCron's auto-aof-rewrite check), or one BGREWRITEAOF
        // scheduled while a save ran.
        if self.aof.rewrite_in_progress || self.persist.bgsave_in_progress {
            return;
        }
        if self.aof.rewrite_scheduled || self.aof_rewrite_due() {
            let _ = self.start_aof_rewrite();
        }
    }
}

/// What the page stores of its in-memory AOF, as the two files of 7.0's multi-part AOF
/// hold it: the base (an RDB image) and the incremental part (RESP commands).
pub struct AofParts<'a> {
    pub base: &'a [u8],
    pub incr: &'a [u8],
}

/// How the server went down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crash {
    /// The process died (kill -9, DEBUG CRASH-AND-RECOVER): what it had written to
    /// its files is in the kernel's page cache and survives.
    Process,
    /// The machine lost power: only what was fsynced survives.
    Power,
}

/// What a simulated crash and restart did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashReport {
    /// Loaded from the AOF (true) or from the last RDB image (false).
    pub from_aof: bool,
    /// Whether there was anything to load (no image: the keyspace starts empty).
    pub had_file: bool,
    pub keys_before: usize,
    pub keys_after: usize,
    /// Changes since the last save (RDB) lost.
    pub changes_lost: u64,
    /// Commands appended but not fsynced (AOF) lost.
    pub commands_lost: u64,
}

impl crate::engine::Engine {
    /// The in-memory AOF's files, while `appendonly` is on (what the page stores beside
    /// its RDB image).
    pub fn aof_parts(&self) -> Option<AofParts<'_>> {
        let m = &self.core.mem_aof;
        m.on.then_some(AofParts {
            base: &m.base,
            incr: &m.incr,
        })
    }

    /// Starts from stored AOF files as redis-server starts with `appendonly yes`
    /// (`loadAppendOnlyFiles`): the base (an RDB image) replaces the keyspace, then the
    /// incremental part's commands run. A tail cut inside a command is dropped under
    /// `aof-load-truncated yes` (from the stored files too) and refused otherwise, as is
    /// anything that is not RESP or a missing base: on those errors, and on a base that
    /// does not load, the keyspace is kept. An unknown command stops the replay with an
    /// error (the keyspace then holds what ran before it). The in-memory AOF goes on from these files, all of them
    /// counted as fsynced (they were on "disk"). Returns the keys loaded.
    pub fn load_aof_parts(&mut self, base: &[u8], incr: &[u8]) -> Result<usize, String> {
        if self.core.aof_host.is_some() {
            return Err("a server with files loads its own AOF".into());
        }
        let (cmds, tail) = parse_commands(incr);
        let valid = match tail {
            super::aof::Tail::Complete => incr.len(),
            super::aof::Tail::BadFormat { offset } => {
                return Err(format!(
                    "Bad file format reading the append only file (the incremental part, at byte {offset})"
                ))
            }
            super::aof::Tail::Truncated { valid_len } => {
                if self.core.config.get("aof-load-truncated").as_deref() != Some("yes") {
                    return Err("Unexpected end of file reading the append only file (aof-load-truncated is no)".into());
                }
                valid_len
            }
        };
        if base.is_empty() {
            return Err("the append only file has no base".into());
        }
        self.load_rdb(base)?;
        self.replay_aof(&cmds)?;
        let now = self.now_ms();
        let m = &mut self.core.mem_aof;
        m.new_base(base.to_vec(), now);
        m.incr = incr[..valid].to_vec();
        m.synced = valid;
        m.appended = cmds.len() as u64;
        m.on = true;
        self.core.prop.on = true;
        let size = self.core.mem_aof.size();
        self.core.aof.base_size = base.len() as u64;
        self.core.aof.current_size = size;
        self.core.aof.rewrite_base_size = size;
        Ok(self.core.dbs.iter().map(|d| d.keys.len()).sum())
    }

    /// The server crashes and starts again: with `appendonly yes` it loads the AOF (the
    /// base and the incremental part; after a power loss only what was fsynced),
    /// otherwise the last RDB image SAVE, BGSAVE or a save point made (none: an empty
    /// keyspace). As a new process it starts with fresh statistics; the configuration
    /// stays (as if CONFIG REWRITE had put it in the config file). Without a host only
    /// (the browser's files are the engine's memory).
    /// DEBUG LOADAOF (run by client `id`): what was appended is written out, every
    /// database and the functions are emptied (emptyData), and the AOF is loaded again,
    /// the server's files through its host, the page's in-memory file here. Redis
    /// exits when that fails; here the command answers with the error.
    pub(crate) fn load_aof_again(&mut self, id: u64) -> Result<(), String> {
        self.core.now = self.now_ms();
        let host = self.core.aof_host.take();
        if host.is_none() && !self.core.mem_aof.on {
            return Err("no append only file".into());
        }
        if host.is_none() {
            self.core.mem_aof_append();
            self.core.mem_aof.sync(self.core.now);
        }
        let dbs = self.core.dbs.len();
        self.with_ctx(id, |ctx| {
            for db in 0..dbs {
                crate::engine::cmd::keys::flush_db(ctx, db, false);
            }
        });
        self.core.invalidate_tracked_all();
        self.core.replica_expires.clear();
        self.core.libraries.clear();
        self.core.functions = None;
        let loaded = match host {
            Some(mut h) => {
                let r = h.load_again(self);
                self.core.aof_host = Some(h);
                r
            }
            None => {
                let (base, cmds) = self.core.mem_aof.recover();
                self.load_rdb(&base)
                    .and_then(|_| self.replay_aof(&cmds))
                    .map(|_| ())
            }
        };
        // What the load did is not propagated again, nor counted as changes.
        self.core.prop.pending.clear();
        self.core.prop.out.clear();
        self.core.stats.dirty = 0;
        if loaded.is_ok() {
            self.core.log(3, "Append Only File loaded by DEBUG LOADAOF");
        }
        loaded
    }

    pub fn crash_restart(&mut self, how: Crash) -> Result<CrashReport, String> {
        if self.core.aof_host.is_some() || self.core.persist.host.is_some() {
            return Err("a server with files crashes for real".into());
        }
        self.core.now = self.now_ms();
        let keys_before = self.core.dbs.iter().map(|d| d.keys.len()).sum();
        let changes_lost = self.core.stats.dirty;
        let from_aof = self.core.mem_aof.on;
        if from_aof && how == Crash::Process {
            // Everything appended was written before its reply went out.
            self.core.mem_aof_append();
            self.core.mem_aof.sync(self.core.now);
        }
        let commands_lost = if from_aof {
            self.core.mem_aof.unsynced_commands()
        } else {
            0
        };
        // What the commands already ran had propagated is in the file's unsynced tail.
        self.core.prop.pending.clear();
        self.core.prop.out.clear();
        let had_file;
        if from_aof {
            let (base, cmds) = self.core.mem_aof.recover();
            had_file = true;
            self.load_rdb(&base)?;
            self.replay_aof(&cmds)?;
            self.core.aof.current_size = self.core.mem_aof.size();
        } else if let Some(image) = self.core.persist.last_image.clone() {
            had_file = true;
            self.load_rdb(&image)?;
        } else {
            had_file = false;
            for db in &mut self.core.dbs {
                db.clear();
            }
            self.core.libraries.clear();
            self.core.functions = None;
        }
        // A new process: fresh statistics, and its data counts as saved (initServer);
        // no client tracks keys any more.
        self.core.tracking.restart();
        self.core.stats = Default::default();
        self.core.cmdstats.clear();
        let image = self.core.persist.last_image.take();
        let (loaded, expired) = (
            self.core.persist.last_load_keys_loaded,
            self.core.persist.last_load_keys_expired,
        );
        self.core.persist = crate::engine::cmd::persist::Persist::new(self.core.now);
        self.core.persist.last_image = image;
        self.core.persist.last_load_keys_loaded = loaded;
        self.core.persist.last_load_keys_expired = expired;
        let (current, base) = (self.core.aof.current_size, self.core.aof.base_size);
        self.core.aof = Default::default();
        self.core.aof.current_size = current;
        self.core.aof.base_size = base;
        self.core.aof.rewrite_base_size = current;
        let keys_after = self.core.dbs.iter().map(|d| d.keys.len()).sum();
        Ok(CrashReport {
            from_aof,
            had_file,
            keys_before,
            keys_after,
            changes_lost,
            commands_lost,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Argv {
        s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn everysec_syncs_after_a_second_and_recover_drops_the_rest() {
        let mut m = MemAof::default();
        m.new_base(b"REDIS".to_vec(), 0);
        m.append(vec![(0, argv("SET a 1"))], 100, Fsync::Everysec);
        assert_eq!(m.synced, 0);
        m.cron(900, Fsync::Everysec);
        assert_eq!(m.synced, 0);
        m.cron(1000, Fsync::Everysec);
        assert_eq!(m.synced, m.incr.len());
        m.append(vec![(0, argv("SET b 2"))], 1100, Fsync::Everysec);
        assert_eq!(m.unsynced_commands(), 1);
        let (base, cmds) = m.recover();
        assert_eq!(base, b"REDIS");
        assert_eq!(cmds, vec![argv("SELECT 0"), argv("SET a 1")]);
        assert_eq!(m.recent.len(), 1);
        // The next command selects its database again.
        m.append(vec![(0, argv("SET c 3"))], 1200, Fsync::Always);
        assert!(m
            .recent
            .back()
            .unwrap()
            .resp
            .starts_with(b"*2\r\n$6\r\nSELECT"));
        assert_eq!(m.synced, m.incr.len());
    }

    #[test]
    fn no_waits_for_the_kernel_and_always_syncs_at_once() {
        let mut m = MemAof::default();
        m.new_base(Vec::new(), 0);
        m.append(vec![(0, argv("SET a 1"))], 0, Fsync::No);
        m.cron(29_999, Fsync::No);
        assert_eq!(m.synced, 0);
        m.cron(30_000, Fsync::No);
        assert_eq!(m.synced, m.incr.len());
        m.append(vec![(1, argv("DEL a"))], 30_001, Fsync::Always);
        assert_eq!(m.synced, m.incr.len());
        assert_eq!(m.unsynced_commands(), 0);
        assert_eq!(m.appended, 2);
    }

    mod engine {
        use crate::engine::clock::ManualClock;
        use crate::engine::{Engine, Reply};

        fn setup(fsync: &str) -> (Engine, ManualClock, u64) {
            let clock = ManualClock::new(1_700_000_000_000);
            let mut e = Engine::new(Box::new(clock.clone()), 7);
            e.core
                .config
                .set_startup("enable-debug-command", "yes")
                .unwrap();
            let id = e.connect("test:1", "test:0");
            e.exec_words(id, &format!("CONFIG SET appendfsync {fsync}"));
            (e, clock, id)
        }

        fn keys(e: &mut Engine, id: u64) -> Reply {
            e.exec_words(id, "KEYS k*")
        }

        #[test]
        fn appendonly_yes_keeps_the_propagated_commands() {
            let (mut e, _clock, id) = setup("everysec");
            e.exec_words(id, "SET before 1");
            assert_eq!(e.exec_words(id, "CONFIG SET appendonly yes"), Reply::ok());
            assert!(e.core.mem_aof.on && e.core.prop.on);
            assert_eq!(e.core.aof.rewrites, 1);
            assert!(e.core.mem_aof.base.starts_with(b"REDIS0010"));
            e.exec_words(id, "SET k v EX 100");
            let last = e.core.mem_aof.recent.back().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&last.resp),
                "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$13\r\n1700000100000\r\n"
            );
            let info = String::from_utf8_lossy(&match e.exec_words(id, "INFO persistence") {
                Reply::Bulk(b) | Reply::Verbatim(_, b) => b,
                other => panic!("{other:?}"),
            })
            .into_owned();
            assert!(info.contains("aof_enabled:1\r\n"), "{info}");
            assert!(info.contains(&format!("aof_current_size:{}\r\n", e.core.mem_aof.size())));
            assert_eq!(e.exec_words(id, "CONFIG SET appendonly no"), Reply::ok());
            assert!(!e.core.prop.on);
        }

        #[test]
        fn a_crash_keeps_what_was_fsynced() {
            let (mut e, clock, id) = setup("everysec");
            e.exec_words(id, "CONFIG SET appendonly yes");
            e.exec_words(id, "SET k1 a");
            clock.advance(1000);
            e.tick();
            e.exec_words(id, "SET k2 b");
            let r = e.crash_restart(super::super::Crash::Power).unwrap();
            assert!(r.from_aof && r.had_file);
            assert_eq!((r.keys_before, r.keys_after, r.commands_lost), (2, 1, 1));
            assert_eq!(
                keys(&mut e, id),
                Reply::Array(vec![Reply::Bulk(b"k1".to_vec())])
            );
            // Under always nothing acknowledged is lost.
            e.exec_words(id, "CONFIG SET appendfsync always");
            e.exec_words(id, "SET k3 c");
            let r = e.crash_restart(super::super::Crash::Power).unwrap();
            assert_eq!((r.keys_after, r.commands_lost), (2, 0));
        }

        #[test]
        fn without_the_aof_a_crash_goes_back_to_the_last_save() {
            let (mut e, clock, id) = setup("everysec");
            e.exec_words(id, "SET k1 a");
            let r = e.crash_restart(super::super::Crash::Power).unwrap();
            assert!(!r.had_file);
            assert_eq!((r.keys_after, r.changes_lost), (0, 1));
            e.exec_words(id, "SET k1 a");
            e.exec_words(id, "BGSAVE");
            e.exec_words(id, "SET k2 b");
            e.exec_words(id, "SET k3 c");
            let r = e.crash_restart(super::super::Crash::Power).unwrap();
            assert_eq!((r.keys_after, r.changes_lost), (1, 2));
            // A save point fires from the background tick, with no host.
            let set_save = ["CONFIG", "SET", "save", "5 2"].map(|w| w.as_bytes().to_vec());
            assert_eq!(e.execute(id, &set_save), Reply::ok());
            e.exec_words(id, "SET k2 b");
            e.exec_words(id, "SET k3 c");
            clock.advance(6000);
            e.tick();
            assert_eq!(e.core.stats.dirty, 0);
            let r = e.crash_restart(super::super::Crash::Power).unwrap();
            assert_eq!((r.keys_after, r.changes_lost), (3, 0));
        }

        fn config_set(e: &mut Engine, id: u64, name: &str, value: &str) {
            let argv = ["CONFIG", "SET", name, value].map(|w| w.as_bytes().to_vec());
            assert_eq!(e.execute(id, &argv), Reply::ok(), "{name} {value}");
        }

        #[test]
        fn debug_loadaof_loads_what_the_aof_holds() {
            let (mut e, _clock, id) = setup("everysec");
            let run = |e: &mut Engine, line: &str| {
                let argv = crate::console::tokenize(line).expect("a valid line");
                e.execute(id, &argv)
            };
            // No AOF: Redis would exit; the command says why instead.
            assert_eq!(
                run(&mut e, "DEBUG LOADAOF"),
                Reply::err("ERR Error loading the append only file: no append only file")
            );
            config_set(&mut e, id, "appendonly", "yes");
            run(&mut e, "SET a 1");
            run(&mut e, "FUNCTION LOAD \"#!lua name=lib\nredis.register_function('f', function() return 1 end)\"");
            // What a script sends to the replicas only is not in the AOF.
            run(
                &mut e,
                "EVAL \"redis.set_repl(redis.REPL_REPLICA); redis.call('set','b','2')\" 0",
            );
            run(&mut e, "SET c 3");
            assert_eq!(run(&mut e, "DBSIZE"), Reply::Int(3));
            assert_eq!(run(&mut e, "DEBUG LOADAOF"), Reply::ok());
            assert_eq!(
                run(&mut e, "MGET a b c"),
                Reply::Array(vec![
                    Reply::Bulk(b"1".to_vec()),
                    Reply::Nil,
                    Reply::Bulk(b"3".to_vec()),
                ])
            );
            assert_eq!(run(&mut e, "FCALL f 0"), Reply::Int(1));
            // The load is not propagated again, nor counted as changes.
            assert!(e.take_propagated().is_empty());
            assert_eq!(e.core.stats.dirty, 0);
        }

        #[test]
        fn the_aof_rewrites_itself_when_it_has_grown_by_the_percentage() {
            let (mut e, _clock, id) = setup("everysec");
            config_set(&mut e, id, "appendonly", "yes");
            assert_eq!(e.core.aof.rewrites, 1);
            let base = e.core.aof.rewrite_base_size;
            assert_eq!(base, e.core.mem_aof.base.len() as u64);
            // The defaults: 100% growth, but not under 64mb.
            let get = |e: &Engine, name: &str| e.core.config.get(name).unwrap();
            assert_eq!(get(&e, "auto-aof-rewrite-min-size"), "67108864");
            assert_eq!(get(&e, "auto-aof-rewrite-percentage"), "100");
            let value = "x".repeat(64);
            let mut n = 0;
            while e.core.mem_aof.size() < 2 * base {
                e.exec_words(id, &format!("SET k{n} {value}"));
                n += 1;
            }
            e.tick();
            assert_eq!(e.core.aof.rewrites, 1, "under auto-aof-rewrite-min-size");
            config_set(&mut e, id, "auto-aof-rewrite-min-size", "1");
            config_set(&mut e, id, "auto-aof-rewrite-percentage", "0");
            e.tick();
            assert_eq!(e.core.aof.rewrites, 1, "a percentage of 0 turns it off");
            config_set(&mut e, id, "auto-aof-rewrite-percentage", "100");
            e.tick();
            assert_eq!(e.core.aof.rewrites, 2);
            assert!(e.core.mem_aof.incr.is_empty());
            let rebased = e.core.aof.rewrite_base_size;
            assert_eq!(rebased, e.core.mem_aof.size());
            assert!(rebased > base);
            // Growth is measured from the new base: one more write is not 100%.
            e.exec_words(id, "SET one more");
            e.tick();
            assert_eq!(e.core.aof.rewrites, 2);
            // 50% is enough once the AOF has grown by half.
            config_set(&mut e, id, "auto-aof-rewrite-percentage", "50");
            while e.core.mem_aof.size() * 100 < rebased * 150 {
                e.tick();
                assert_eq!(e.core.aof.rewrites, 2);
                e.exec_words(id, &format!("SET k{n} {value}"));
                n += 1;
            }
            e.tick();
            assert_eq!(e.core.aof.rewrites, 3);
            assert_eq!(e.exec_words(id, "DBSIZE"), Reply::Int(n + 1));
            // Off, nothing rewrites.
            config_set(&mut e, id, "appendonly", "no");
            e.core.aof.current_size = u64::MAX / 2;
            e.tick();
            assert_eq!(e.core.aof.rewrites, 3);
        }

        fn loaded_from(
            base: &[u8],
            incr: &[u8],
            truncated_ok: bool,
        ) -> (Engine, u64, Result<usize, String>) {
            let (mut e, _clock, id) = setup("everysec");
            config_set(
                &mut e,
                id,
                "aof-load-truncated",
                if truncated_ok { "yes" } else { "no" },
            );
            config_set(&mut e, id, "appendonly", "yes");
            e.exec_words(id, "SET mine 1");
            let r = e.load_aof_parts(base, incr);
            (e, id, r)
        }

        #[test]
        fn stored_aof_files_load_as_redis_loads_them_at_start() {
            let (mut e, _clock, id) = setup("always");
            e.exec_words(id, "SET before 1");
            config_set(&mut e, id, "appendonly", "yes");
            e.exec_words(id, "SET k v EX 100");
            e.exec_words(id, "SELECT 2");
            e.exec_words(id, "RPUSH k2 a b c");
            e.exec_words(id, "SELECT 0");
            e.exec_words(id, "DEL before");
            e.tick();
            let (base, incr) = {
                let p = e.aof_parts().unwrap();
                (p.base.to_vec(), p.incr.to_vec())
            };
            config_set(&mut e, id, "appendonly", "no");
            assert!(e.aof_parts().is_none());

            let (mut f, fid, r) = loaded_from(&base, &incr, true);
            assert_eq!(r, Ok(2));
            assert_eq!(f.exec_words(fid, "EXISTS before mine"), Reply::Int(0));
            assert_eq!(f.exec_words(fid, "TTL k"), Reply::Int(100));
            f.exec_words(fid, "SELECT 2");
            assert_eq!(f.exec_words(fid, "LLEN k2"), Reply::Int(3));
            assert!(f.core.mem_aof.on && f.core.prop.on);
            assert_eq!(f.core.mem_aof.synced, incr.len());
            assert_eq!(
                f.core.aof.rewrite_base_size,
                (base.len() + incr.len()) as u64
            );
            // It goes on from the stored files, and a tick keeps it on.
            f.exec_words(fid, "SET after 1");
            f.tick();
            assert!(f.core.mem_aof.on);
            assert!(f.core.mem_aof.incr.starts_with(&incr));
            assert!(f.core.mem_aof.incr.len() > incr.len());

            // A tail cut inside the last command: dropped under aof-load-truncated yes.
            let cut = &incr[..incr.len() - 3];
            let (mut f, fid, r) = loaded_from(&base, cut, true);
            assert_eq!(r, Ok(3));
            assert_eq!(f.exec_words(fid, "EXISTS before"), Reply::Int(1));
            assert!(f.core.mem_aof.incr.len() < cut.len());
            // Refused under no, and the keyspace is kept.
            let (mut f, fid, r) = loaded_from(&base, cut, false);
            assert!(r.unwrap_err().contains("Unexpected end of file"));
            assert_eq!(f.exec_words(fid, "GET mine"), Reply::Bulk(b"1".to_vec()));
            // Not RESP, or a base that is not an RDB image: refused, keyspace kept.
            let (mut f, fid, r) = loaded_from(&base, b"hello\r\n", true);
            assert!(r.unwrap_err().contains("Bad file format"));
            assert_eq!(f.exec_words(fid, "GET mine"), Reply::Bulk(b"1".to_vec()));
            let (mut f, fid, r) = loaded_from(&base[..base.len() / 2], &incr, true);
            assert!(r.is_err());
            assert_eq!(f.exec_words(fid, "GET mine"), Reply::Bulk(b"1".to_vec()));
        }

        #[test]
        fn debug_crash_and_recover_keeps_what_the_files_hold() {
            let (mut e, _clock, id) = setup("everysec");
            e.exec_words(id, "SET k1 a");
            assert_eq!(e.exec_words(id, "DEBUG CRASH-AND-RECOVER"), Reply::Closed);
            assert_eq!(e.exec_words(id, "EXISTS k1"), Reply::Int(0));
            assert_eq!(
                e.exec_words(id, "DEBUG CRASH-AND-RECOVER x"),
                Reply::err("ERR value is not an integer or out of range")
            );
            e.exec_words(id, "CONFIG SET appendonly yes");
            e.exec_words(id, "SET k2 b EX 100");
            assert_eq!(e.exec_words(id, "DEBUG CRASH-AND-RECOVER 0"), Reply::Closed);
            // Written, not yet fsynced: a process crash keeps it, TTL included.
            assert_eq!(e.exec_words(id, "TTL k2"), Reply::Int(100));
            assert_eq!(e.core.aof.rewrites, 0);
            assert_eq!(e.core.stats.dirty, 0);
        }
    }
}
