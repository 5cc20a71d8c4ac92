//! kvlab-server's append-only files: a Redis 7.0 multi-part AOF directory
//! (`dir`/`appenddirname`) with its manifest, an RDB base (`aof-use-rdb-preamble yes`)
//! and incremental files of RESP commands. The engine says what to append
//! (`kvlab::engine::aof`); this module does the files: opening and loading them at
//! start, appending with `appendfsync always|everysec|no`, BGREWRITEAOF, and
//! `CONFIG SET appendonly yes|no` at run time.
//!
//! Writes go to the file after each client's batch of commands (before its replies are
//! sent), as Redis's beforeSleep writes its buffer each event-loop turn. `everysec`
//! leaves the sync to a thread that runs once a second (Redis's bio fsync); `no` leaves
//! it to the kernel.
//!
//! `always` is a group commit. Redis fsyncs once per event-loop turn, for the writes of
//! every client served in that turn, and sends none of their replies before it. Here
//! each connection is a task and a turn has no edge to hook, so the same happens by
//! offsets: every byte written is counted (`written`), a write under `always` asks the
//! fsync thread to cover everything written so far, and a connection sends replies only
//! once the last finished fsync covers all that was written when its commands ran
//! ([`Gate::wait`]). While one fsync is under way the loop goes on serving the other
//! clients, whose writes the next fsync then covers together: one fsync per group of
//! clients, as one per turn in Redis. A client that only read waits too when writes it
//! may have seen are not on disk yet (in Redis its reply waits for the same beforeSleep),
//! so no reply ever shows what a crash of the machine could take back.

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};

use tokio::sync::watch;

use kvlab::engine::aof::{parse_commands, Argv, Feed, Manifest, Tail};
use kvlab::engine::cmd::persist::SaveJob;
use kvlab::engine::Engine;

fn log(msg: &str) {
    eprintln!("kvlab-server: {msg}");
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fsync {
    Always,
    Everysec,
    No,
}

pub struct Aof {
    dir: PathBuf,
    prefix: String,
    pub on: bool,
    manifest: Manifest,
    file: Option<File>,
    feed: Feed,
    buf: Vec<u8>,
    fsync: Fsync,
    /// The incremental file the everysec thread syncs, and whether it has unsynced data.
    sync_target: Arc<Mutex<Option<File>>>,
    unsynced: Arc<AtomicBool>,
    /// Bytes written to the AOF files since the server started (all files in a row).
    written: u64,
    /// The `always` group commit: the fsync thread's orders and its progress.
    group: Arc<GroupSync>,
    /// What the connections wait on before they send replies.
    gate: Rc<Gate>,
    incr_size: u64,
    base_size: u64,
    rewrite: Option<mpsc::Receiver<Result<PathBuf, String>>>,
}

fn config(eng: &Engine, name: &str) -> String {
    eng.core.config.get(name).unwrap_or_default()
}

/// Writes the manifest as Redis does: a temporary file, synced, renamed over, and the
/// directory synced.
fn write_manifest(dir: &Path, prefix: &str, m: &Manifest) -> std::io::Result<()> {
    let name = format!("{prefix}.manifest");
    let tmp = dir.join(format!("temp-{name}"));
    let mut f = File::create(&tmp)?;
    f.write_all(m.render().as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(&name))?;
    File::open(dir)?.sync_all()
}

impl Aof {
    pub fn new(eng: &Engine) -> Aof {
        let dir = PathBuf::from(config(eng, "dir")).join(config(eng, "appenddirname"));
        let fsync = match config(eng, "appendfsync").as_str() {
            "always" => Fsync::Always,
            "no" => Fsync::No,
            _ => Fsync::Everysec,
        };
        let target: Arc<Mutex<Option<File>>> = Arc::new(Mutex::new(None));
        let unsynced = Arc::new(AtomicBool::new(false));
        let (t, u) = (target.clone(), unsynced.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if u.swap(false, Ordering::AcqRel) {
                if let Some(f) = t.lock().ok().and_then(|g| g.as_ref()?.try_clone().ok()) {
                    let _ = f.sync_data();
                }
            }
        });
        let (done, synced) = watch::channel(0u64);
        let group = Arc::new(GroupSync {
            want: Mutex::new(0),
            cv: Condvar::new(),
            done,
        });
        let (g, t) = (group.clone(), target.clone());
        std::thread::spawn(move || g.run(&t));
        Aof {
            dir,
            prefix: config(eng, "appendfilename"),
            on: false,
            manifest: Manifest::default(),
            file: None,
            feed: Feed::new(),
            buf: Vec::new(),
            fsync,
            sync_target: target,
            unsynced,
            written: 0,
            group,
            gate: Rc::new(Gate {
                wanted: Cell::new(0),
                synced,
            }),
            incr_size: 0,
            base_size: 0,
            rewrite: None,
        }
    }

    /// What a connection waits on before it sends replies (see [`Gate::wait`]).
    pub fn gate(&self) -> Rc<Gate> {
        self.gate.clone()
    }

    /// Everything written so far is on disk (an fsync done here, in the loop): no
    /// reply needs to wait for the fsync thread for it any more.
    fn synced_all(&self) {
        let w = self.written;
        self.group.done.send_if_modified(|d| {
            let older = *d < w;
            *d = (*d).max(w);
            older
        });
    }

    pub fn set_fsync(&mut self, policy: &str) {
        self.fsync = match policy {
            "always" => Fsync::Always,
            "no" => Fsync::No,
            _ => Fsync::Everysec,
        };
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join(format!("{}.manifest", self.prefix))
    }

    /// Reads the manifest if there is one (None: no AOF yet).
    fn read_manifest(&self) -> Result<Option<Manifest>, String> {
        match std::fs::read(self.manifest_path()) {
            Ok(text) => Manifest::parse(&text).map(Some).map_err(|e| {
                format!("*** FATAL AOF MANIFEST FILE ERROR *** Reading the manifest file, {e}")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!(
                "Fatal error: can't open the AOF manifest file {} for reading: {e}",
                self.manifest_path().display()
            )),
        }
    }

    /// `loadAppendOnlyFiles`: the base, then each incremental file in manifest order.
    /// A truncated tail is cut off and loaded under `aof-load-truncated yes` when it is
    /// in the last file; anything else that is wrong stops the server. Returns the keys
    /// in the keyspace afterwards, or None when there was no AOF.
    pub fn load(&mut self, eng: &mut Engine) -> Result<Option<usize>, String> {
        let Some(m) = self.read_manifest()? else {
            return Ok(None);
        };
        let load_truncated = config(eng, "aof-load-truncated") == "yes";
        let files: Vec<_> = m.base.iter().chain(&m.incrs).cloned().collect();
        for (i, f) in files.iter().enumerate() {
            let last = i + 1 == files.len();
            let path = self.dir.join(&f.name);
            let bytes = std::fs::read(&path)
                .map_err(|e| format!("Can't open the append-only file {}: {e}", f.name))?;
            let started = std::time::Instant::now();
            let mut rest = &bytes[..];
            if f.kind == 'b' && bytes.starts_with(b"REDIS") {
                log("Reading RDB base file on AOF loading...");
                eng.load_rdb(&bytes).map_err(|e| {
                    format!(
                        "Error reading the RDB base file {}, AOF loading aborted: {e}",
                        f.name
                    )
                })?;
                rest = &[];
                if f.kind == 'b' {
                    self.base_size = bytes.len() as u64;
                }
            }
            let (cmds, tail) = parse_commands(rest);
            eng.replay_aof(&cmds)
                .map_err(|e| format!("{e} {}. Exiting.", f.name))?;
            match tail {
                Tail::Complete => {}
                Tail::BadFormat { .. } => {
                    return Err(format!("Bad file format reading the append only file {}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", f.name));
                }
                Tail::Truncated { valid_len } => {
                    if !load_truncated {
                        return Err(format!("Unexpected end of file reading the append only file {}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", f.name));
                    }
                    log(&format!(
                        "!!! Warning: short read while loading the AOF file {}!!!",
                        f.name
                    ));
                    log(&format!(
                        "!!! Truncating the AOF {} at offset {valid_len} !!!",
                        f.name
                    ));
                    let fh = OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .and_then(|fh| fh.set_len(valid_len as u64));
                    if let Err(e) = fh {
                        return Err(format!("Error truncating the AOF file {}: {e}", f.name));
                    }
                    log(&format!(
                        "AOF {} loaded anyway because aof-load-truncated is enabled",
                        f.name
                    ));
                    if !last {
                        return Err("Fatal error: the truncated file is not the last file".into());
                    }
                }
            }
            let kind = if f.kind == 'b' { "base" } else { "incr" };
            log(&format!(
                "DB loaded from {kind} file {}: {:.3} seconds",
                f.name,
                started.elapsed().as_secs_f64()
            ));
        }
        self.manifest = m;
        let keys = eng.core.dbs.iter().map(|d| d.keys.len()).sum();
        Ok(Some(keys))
    }

    /// `aofOpenIfNeededOnServerStart`: with no base and no incremental file, a base is
    /// written from the keyspace first; then the last incremental file is opened for
    /// appending (or a new one created). History files left over are removed.
    pub fn open_at_start(&mut self, eng: &mut Engine) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            format!(
                "Can't open or create append-only dir {}: {e}",
                self.dir.display()
            )
        })?;
        if self.manifest.base.is_none() && self.manifest.incrs.is_empty() {
            let name = self.manifest.new_base(&self.prefix, self.rdb_preamble(eng));
            let mut job = eng.core.save_job();
            job.aof_base = true;
            let image = job.run();
            write_synced(&self.dir.join(&name), &image).map_err(|e| e.to_string())?;
            self.base_size = image.len() as u64;
            log(&format!("Creating AOF base file {name} on server start"));
        }
        let name = match self.manifest.incrs.last() {
            Some(f) => {
                log(&format!("Opening AOF incr file {} on server start", f.name));
                f.name.clone()
            }
            None => {
                let n = self.manifest.new_incr(&self.prefix);
                log(&format!("Creating AOF incr file {n} on server start"));
                n
            }
        };
        self.open_incr(&name)?;
        self.persist_manifest()?;
        self.delete_history();
        self.on = true;
        eng.core.prop.on = true;
        self.update_status(eng);
        Ok(())
    }

    fn rdb_preamble(&self, eng: &Engine) -> bool {
        config(eng, "aof-use-rdb-preamble") == "yes"
    }

    fn open_incr(&mut self, name: &str) -> Result<(), String> {
        let path = self.dir.join(name);
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("Can't open the append-only file {name}: {e}"))?;
        self.incr_size = f.metadata().map(|m| m.len()).unwrap_or(0);
        if let Ok(mut t) = self.sync_target.lock() {
            *t = f.try_clone().ok();
        }
        self.file = Some(f);
        self.feed = Feed::new();
        Ok(())
    }

    fn persist_manifest(&self) -> Result<(), String> {
        write_manifest(&self.dir, &self.prefix, &self.manifest)
            .map_err(|e| format!("Error writing the AOF manifest: {e}"))
    }

    fn delete_history(&mut self) {
        for f in std::mem::take(&mut self.manifest.history) {
            log(&format!(
                "Removing the history file {} in the background",
                f.name
            ));
            let _ = std::fs::remove_file(self.dir.join(&f.name));
        }
        let _ = self.persist_manifest();
    }

    /// After a load or a rewrite: the sizes, and the size growth is measured from.
    fn update_status(&self, eng: &mut Engine) {
        let size = self.base_size + self.incr_size + self.buf.len() as u64;
        eng.core.aof.current_size = size;
        eng.core.aof.base_size = self.base_size;
        eng.core.aof.rewrite_base_size = size;
    }

    /// Buffers the propagated commands for the current incremental file.
    pub fn append(&mut self, cmds: &[(i64, Argv)]) -> Result<u64, String> {
        if self.file.is_none() {
            return Ok(self.base_size + self.incr_size);
        }
        for (db, argv) in cmds {
            self.feed.append(*db, argv, &mut self.buf);
        }
        Ok(self.base_size + self.incr_size + self.buf.len() as u64)
    }

    /// Writes the buffer (beforeSleep's flushAppendOnlyFile); under `always` orders an
    /// fsync of it from the fsync thread (replies wait for it at the [`Gate`]), under
    /// `everysec` flags it for the once-a-second thread.
    pub fn write_buffer(&mut self) -> Result<(), String> {
        let Some(f) = self.file.as_mut() else {
            self.buf.clear();
            return Ok(());
        };
        if self.buf.is_empty() {
            return Ok(());
        }
        if let Err(e) = f.write_all(&self.buf) {
            log(&format!("Error writing to the AOF file: {e}"));
            return Err(e.to_string());
        }
        self.incr_size += self.buf.len() as u64;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        match self.fsync {
            Fsync::Always => {
                // Replies wait until an fsync covers this; the fsync thread is told.
                self.gate.wanted.set(self.written);
                self.group.order(self.written);
            }
            Fsync::Everysec => self.unsynced.store(true, Ordering::Release),
            Fsync::No => {}
        }
        Ok(())
    }

    /// BGREWRITEAOF: a new incremental file from now on (in the manifest right away, so
    /// a crash meanwhile loads old base + all incrs), and the new base written from the
    /// keyspace copy on a thread.
    pub fn start_rewrite(&mut self, job: SaveJob) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
        if self.on {
            let _ = self.write_buffer();
            if let Some(f) = self.file.as_mut() {
                if f.sync_data().is_ok() {
                    self.synced_all();
                }
            }
            let name = self.manifest.new_incr(&self.prefix);
            self.open_incr(&name)?;
            self.persist_manifest()?;
            log(&format!(
                "Creating AOF incr file {name} on background rewrite"
            ));
        }
        log("Background append only file rewriting started");
        let tmp = self
            .dir
            .join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()));
        let (tx, rx) = mpsc::channel();
        self.rewrite = Some(rx);
        std::thread::spawn(move || {
            let image = job.run();
            drop(job);
            let r = write_synced(&tmp, &image)
                .map(|()| tmp.clone())
                .map_err(|e| e.to_string());
            let _ = tx.send(r);
        });
        Ok(())
    }

    /// `backgroundRewriteDoneHandler`: the new base takes its name, the incremental
    /// files it covers and the old base become history and are removed.
    pub fn poll_rewrite(&mut self, eng: &mut Engine) {
        let Some(rx) = &self.rewrite else { return };
        let r = match rx.try_recv() {
            Ok(r) => r,
            Err(mpsc::TryRecvError::Empty) => return,
            Err(mpsc::TryRecvError::Disconnected) => Err("rewrite thread died".into()),
        };
        self.rewrite = None;
        let done = r.and_then(|tmp| {
            let name = self.manifest.new_base(&self.prefix, self.rdb_preamble(eng));
            let size = std::fs::metadata(&tmp).map(|m| m.len()).unwrap_or(0);
            std::fs::rename(&tmp, self.dir.join(&name)).map_err(|e| e.to_string())?;
            if self.on {
                self.manifest.mark_rewritten_incrs_as_history();
            } else {
                let incrs = std::mem::take(&mut self.manifest.incrs);
                self.manifest.history.extend(incrs.into_iter().map(|mut f| {
                    f.kind = 'h';
                    f
                }));
            }
            self.persist_manifest()?;
            self.base_size = size;
            log("Background AOF rewrite terminated with success");
            log("Background AOF rewrite finished successfully");
            self.delete_history();
            Ok(())
        });
        if let Err(e) = &done {
            log(&format!("Background AOF rewrite failed: {e}"));
        }
        self.update_status(eng);
        eng.aof_rewrite_done(done.is_ok());
    }

    /// CONFIG SET appendonly: turns the AOF on (a rewrite makes the new base, as
    /// `startAppendOnly`) or off (the file is synced and closed, as `stopAppendOnly`).
    /// True when a rewrite must start (the caller starts it once this borrow ends).
    pub fn follow_config(&mut self, eng: &mut Engine) -> bool {
        self.set_fsync(&config(eng, "appendfsync"));
        let want = config(eng, "appendonly") == "yes";
        if want == self.on {
            return false;
        }
        if want {
            match self.read_manifest() {
                Ok(m) => self.manifest = m.unwrap_or_default(),
                Err(e) => {
                    log(&e);
                    return false;
                }
            }
            self.on = true;
            eng.core.prop.on = true;
            return true;
        } else {
            let _ = self.write_buffer();
            if let Some(f) = self.file.take() {
                if f.sync_data().is_ok() {
                    self.synced_all();
                }
            }
            if let Ok(mut t) = self.sync_target.lock() {
                *t = None;
            }
            self.on = false;
            eng.core.prop.on = eng.core.repl.backlog_on;
        }
        false
    }

    /// The everysec thread's sync, done now (shutdown).
    pub fn sync(&mut self) {
        let _ = self.write_buffer();
        if let Some(f) = self.file.as_mut() {
            if f.sync_data().is_ok() {
                self.synced_all();
            }
        }
    }
}

/// The `always` group commit's shared state: the loop orders an fsync up to an offset,
/// the fsync thread does it and says how far it got.
struct GroupSync {
    /// The offset (bytes written since start) the next fsync must cover.
    want: Mutex<u64>,
    cv: Condvar,
    /// The offset the last finished fsync covered (never goes back).
    done: watch::Sender<u64>,
}

impl GroupSync {
    /// Asks for an fsync covering `offset` (the loop's side; it does not wait).
    fn order(&self, offset: u64) {
        if let Ok(mut w) = self.want.lock() {
            if *w < offset {
                *w = offset;
                self.cv.notify_one();
            }
        }
    }

    /// The fsync thread: one fsync for everything ordered since the last one began.
    /// The file is the current incremental one; when the loop switches files it syncs
    /// the old one itself first (and says so through `done`), so bytes ordered in the
    /// old file are covered either way.
    fn run(&self, file: &Mutex<Option<File>>) {
        loop {
            let target = {
                let Ok(mut w) = self.want.lock() else { return };
                while *w <= *self.done.borrow() {
                    w = match self.cv.wait(w) {
                        Ok(w) => w,
                        Err(_) => return,
                    };
                }
                *w
            };
            let f = file.lock().ok().and_then(|g| g.as_ref()?.try_clone().ok());
            if let Some(f) = f {
                if let Err(e) = f.sync_data() {
                    // As Redis: under `always` a failed fsync stops the server (the
                    // replies waiting for it must never claim the data is safe).
                    log(&format!(
                        "Can't persist the AOF buffer to disk (fsync failed): {e}. Exiting..."
                    ));
                    std::process::exit(1);
                }
            }
            self.done.send_if_modified(|d| {
                let older = *d < target;
                *d = (*d).max(target);
                older
            });
        }
    }
}

/// What a connection waits on before it sends replies under `appendfsync always`.
pub struct Gate {
    /// Bytes written when the last write under `always` happened: replies sent from
    /// now on wait until an fsync covers them.
    wanted: Cell<u64>,
    /// How far the fsyncs got.
    synced: watch::Receiver<u64>,
}

impl Gate {
    /// Returns once every AOF byte written under `always` so far is on disk: at once
    /// when nothing is waiting for an fsync (always under `everysec` and `no`).
    pub async fn wait(&self) {
        let want = self.wanted.get();
        if *self.synced.borrow() >= want {
            return;
        }
        let mut rx = self.synced.clone();
        let _ = rx.wait_for(|d| *d >= want).await;
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The engine's view of the files: appends and rewrites go to the shared `Aof`.
pub struct Host {
    pub aof: std::rc::Rc<std::cell::RefCell<Aof>>,
}

impl kvlab::engine::aof::AofHost for Host {
    fn rewrite(&mut self, job: SaveJob) -> Result<(), String> {
        self.aof.borrow_mut().start_rewrite(job)
    }

    fn append(&mut self, cmds: Vec<(i64, Argv)>) -> Result<u64, String> {
        self.aof.borrow_mut().append(&cmds)
    }

    fn before_replies(&mut self) -> Result<(), String> {
        self.aof.borrow_mut().write_buffer()
    }

    fn flush_for_shutdown(&mut self) -> Result<(), String> {
        self.aof.borrow_mut().sync();
        Ok(())
    }

    fn load_again(&mut self, eng: &mut Engine) -> Result<(), String> {
        let mut aof = self.aof.borrow_mut();
        if aof.on {
            aof.write_buffer()?;
        }
        match aof.load(eng)? {
            Some(_) => Ok(()),
            None => Err("no append only file".into()),
        }
    }
}
