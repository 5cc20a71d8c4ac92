//! The app's single reducer: console tabs and transcripts, input history, the panels'
//! focus, statistics samples, notices, and the version that tells panels to re-read the
//! engine. Every change to the keyspace goes through here.

use std::cell::Cell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use yew::prelude::*;

use super::bits_panel::BitTrack;
use super::geo_panel::GeoTrack;
use super::hll_panel::HllTrack;
use super::memory_panel::SimView;
use super::panels::{panel_for, PanelKind};
use super::zset_panel::ZTrack;
use super::{engine, persist, run_line};
use crate::engine::KeyEvent;

/// How many key events the activity list keeps.
const EVENTS_KEPT: usize = 40;
/// Transcript entries kept in memory per tab.
const TRANSCRIPT_KEPT: usize = 1000;
const HISTORY_KEPT: usize = 500;
/// Statistics samples kept (one a second).
pub const SAMPLES_KEPT: usize = 60;

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub prompt: String,
    pub input: String,
    pub output: String,
    pub is_error: bool,
    /// Run by a panel with a summarised command line: not replayable, so kept out of
    /// the history and share links.
    #[serde(default)]
    pub summarised: bool,
    /// A blocking command still waiting for its reply.
    #[serde(default)]
    pub pending: bool,
}

#[derive(Clone, PartialEq)]
pub struct Tab {
    pub client: u64,
    pub label: String,
    pub transcript: Vec<Entry>,
}

/// One statistics sample, read from the engine's counters.
#[derive(Clone, PartialEq)]
pub struct Sample {
    pub at_ms: i64,
    pub commands: u64,
    pub hits: u64,
    pub misses: u64,
    pub used_memory: u64,
    pub expired: u64,
    pub evicted: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Clone, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub level: Level,
    pub text: String,
    /// A file the notice offers to download: (file name, content).
    pub download: Option<(String, String)>,
}

#[derive(Clone, PartialEq)]
pub struct AppState {
    pub tabs: Vec<Tab>,
    pub active: usize,
    next_tab_no: usize,
    pub history: Vec<String>,
    pub events: Vec<KeyEvent>,
    /// Moves whenever the keyspace may have changed; panels re-read the engine then.
    pub version: u64,
    /// The time of the last tick, for countdowns.
    pub now: i64,
    pub front: PanelKind,
    pub pinned: bool,
    pub samples: Vec<Sample>,
    pub notices: Vec<Notice>,
    next_notice: u64,
    /// A script from a share link, waiting for the user's consent.
    pub pending_script: Option<Vec<String>>,
    /// Text for the console input line, with a sequence number so equal texts refill.
    pub fill: Option<(u64, String)>,
    fill_seq: u64,
    /// The key open in the keyspace browser.
    pub selected: Option<Vec<u8>>,
    pub filter: String,
    /// SCAN cursors of the keyspace browser's pages (the last is the current page).
    pub pages: Vec<u64>,
    pub theme: String,
    pub jitter: bool,
    /// Whether the last save to localStorage failed (to report a full quota once).
    pub save_failed: bool,
    /// What the HyperLogLog panel follows.
    pub hll: HllTrack,
    /// What the bitmap panel follows.
    pub bits: BitTrack,
    /// What the sorted-set panel follows.
    pub zset: ZTrack,
    /// What the geo panel follows.
    pub geo: GeoTrack,
    /// The eviction simulator's settings and figures.
    pub sim: SimView,
    /// The member whose rank the next recorded command may change (for the animation).
    zset_before: Option<(Vec<u8>, Option<u64>)>,
}

pub enum Action {
    /// Runs one console line in the active tab.
    Run(String),
    /// Runs several lines in order in the active tab (a paste, a demo, a share link).
    RunScript(Vec<String>),
    NewTab,
    CloseTab(usize),
    SelectTab(usize),
    /// A background tick: the time, and key events from active expiry or devtools.
    Tick(i64, Vec<KeyEvent>),
    Sample,
    Clear,
    Show(PanelKind),
    TogglePin,
    Notify(Level, String, Option<(String, String)>),
    Dismiss(u64),
    AcceptScript,
    RejectScript,
    Fill(String),
    Select(Option<Vec<u8>>),
    Filter(String),
    NextPage(u64),
    FirstPage,
    PrevPage,
    SetTheme(String),
    SetJitter(bool),
    /// A snapshot file's text, to import.
    Import(String),
    Reset,
    Saved(Result<(), String>),
    /// Adds this many random elements to an HLL key (the panel's buttons).
    HllAddRandom(Vec<u8>, usize),
    /// The second key of the HLL panel's PFMERGE view.
    HllCompare(String),
    /// Zooms the bit grid into a window of bits (None: the whole string).
    BitsZoom(Option<(u64, u64)>),
    /// Loads the "daily active users" bitmap demo.
    BitsDemo,
    /// Moves the leaderboard window by this many ranks.
    ZsetScroll(i64),
    /// Loads the game leaderboard demo.
    ZsetDemo,
    /// Whether a click on the map fills GEOSEARCH (else GEOADD).
    GeoClickSearches(bool),
    /// Loads the world cities demo.
    GeoDemo,
    /// The simulator's settings changed.
    SimConfigure(crate::sim::SimConfig),
    /// Starts a simulation (true: every policy in turn).
    SimStart(bool),
    /// Runs the simulation for one slice of time.
    SimStep,
    SimStop,
    /// Loads keys, heats some, and lowers maxmemory under allkeys-lfu.
    MemoryDemo,
}

impl AppState {
    /// The state at page load: the saved keyspace and transcripts, any share link.
    pub fn boot() -> AppState {
        let mut s = AppState {
            tabs: Vec::new(),
            active: 0,
            next_tab_no: 1,
            history: persist::get(persist::HISTORY_KEY)
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default(),
            events: Vec::new(),
            version: 0,
            now: js_sys::Date::now() as i64,
            front: PanelKind::Keyspace,
            pinned: false,
            samples: Vec::new(),
            notices: Vec::new(),
            next_notice: 1,
            pending_script: persist::shared_script(),
            fill: None,
            fill_seq: 0,
            selected: None,
            filter: String::new(),
            pages: vec![0],
            theme: persist::get(persist::THEME_KEY).unwrap_or_default(),
            jitter: true,
            save_failed: false,
            hll: HllTrack::default(),
            bits: BitTrack::default(),
            zset: ZTrack::default(),
            geo: GeoTrack::default(),
            sim: SimView::default(),
            zset_before: None,
        };
        persist::apply_theme(&s.theme);
        match persist::load_keyspace() {
            persist::Boot::Nothing => {}
            persist::Boot::Restored(n) => {
                if n > 0 {
                    s.notify(
                        Level::Info,
                        format!("Restored {n} keys from your last visit (keys whose TTL ran out meanwhile are gone)."),
                        None,
                    );
                }
            }
            persist::Boot::Corrupt(why, raw) => s.notify(
                Level::Error,
                format!("Your saved keyspace could not be loaded: {why}. KV Lab started with an empty keyspace; the unreadable snapshot is kept so you can download it."),
                Some(("kvlab-unreadable-snapshot.json".into(), raw)),
            ),
        }
        for (label, transcript) in persist::load_transcripts() {
            s.add_tab(Some(label), transcript);
        }
        if s.tabs.is_empty() {
            s.add_tab(None, Vec::new());
        }
        s.sample();
        s
    }

    fn add_tab(&mut self, label: Option<String>, transcript: Vec<Entry>) {
        let no = self.next_tab_no;
        self.next_tab_no += 1;
        let client = engine()
            .borrow_mut()
            .connect(&format!("console:{no}"), "browser:0");
        self.tabs.push(Tab {
            client,
            label: label.unwrap_or_else(|| format!("Client {no}")),
            transcript,
        });
        self.active = self.tabs.len() - 1;
    }

    fn notify(&mut self, level: Level, text: String, download: Option<(String, String)>) {
        let id = self.next_notice;
        self.next_notice += 1;
        self.notices.push(Notice {
            id,
            level,
            text,
            download,
        });
    }

    pub fn tab(&self) -> &Tab {
        &self.tabs[self.active.min(self.tabs.len() - 1)]
    }

    /// The database selected by the active tab's client.
    pub fn db(&self) -> usize {
        engine()
            .borrow()
            .client(self.tab().client)
            .map_or(0, |c| c.db)
    }

    pub fn prompt_for(&self, client: u64) -> String {
        let eng = engine();
        let eng = eng.borrow();
        match eng.client(client).map_or(0, |c| c.db) {
            0 => "127.0.0.1:6379>".to_string(),
            db => format!("127.0.0.1:6379[{db}]>"),
        }
    }

    fn absorb(&mut self, events: Vec<KeyEvent>) {
        if events.is_empty() {
            return;
        }
        self.version += 1;
        self.events.extend(events);
        let n = self.events.len();
        if n > EVENTS_KEPT {
            self.events.drain(..n - EVENTS_KEPT);
        }
    }

    fn run(&mut self, line: String) {
        let client = self.tab().client;
        // The prompt shows the database before the command runs (SELECT changes it).
        let prompt = self.prompt_for(client);
        if let Ok(argv) = crate::console::tokenize(&line) {
            self.zset_before = ZTrack::before(&argv, self.db());
        }
        let (argv, output) = run_line(client, &line);
        self.record(prompt, line, argv, output, false);
    }

    /// Runs a command given as arguments, shown in the transcript as `shown`.
    fn run_argv(&mut self, shown: String, argv: Vec<Vec<u8>>) {
        let client = self.tab().client;
        let prompt = self.prompt_for(client);
        self.zset_before = ZTrack::before(&argv, self.db());
        let output = {
            let eng = engine();
            let mut eng = eng.borrow_mut();
            let reply = eng.execute(client, &argv);
            let resp = eng.client(client).map_or(2, |c| c.resp);
            crate::console::format_reply(&argv, &reply, resp)
        };
        self.record(prompt, shown, argv, output, true);
    }

    /// Puts a command and its reply in the transcript and updates what follows from it.
    fn record(
        &mut self,
        prompt: String,
        line: String,
        argv: Vec<Vec<u8>>,
        output: String,
        summarised: bool,
    ) {
        let tab_ix = self.active.min(self.tabs.len() - 1);
        let is_error = output.starts_with("(error)");
        let pending = engine().borrow().is_blocked(self.tabs[tab_ix].client);
        if !summarised && !line.trim().is_empty() && self.history.last() != Some(&line) {
            self.history.push(line.clone());
            let n = self.history.len();
            if n > HISTORY_KEPT {
                self.history.drain(..n - HISTORY_KEPT);
            }
            let _ = persist::set(
                persist::HISTORY_KEY,
                &serde_json::to_string(&self.history).unwrap_or_default(),
            );
        }
        let tab = &mut self.tabs[tab_ix];
        tab.transcript.push(Entry {
            prompt,
            is_error,
            input: line,
            output,
            summarised,
            pending,
        });
        let n = tab.transcript.len();
        if n > TRANSCRIPT_KEPT {
            tab.transcript.drain(..n - TRANSCRIPT_KEPT);
        }
        let db = self.db();
        let before = self.zset_before.take();
        if !is_error {
            self.zset.observe(&argv, db, before);
            self.geo.observe(&argv, db);
            self.hll.observe(&argv, db);
            self.bits.observe(
                &argv,
                &self.tabs[tab_ix]
                    .transcript
                    .last()
                    .map(|e| e.output.clone())
                    .unwrap_or_default(),
                db,
            );
        }
        if !self.pinned {
            if let Some(kind) = panel_for(&argv, db) {
                self.front = kind;
            }
        }
        self.deliver_blocked();
        let events = engine().borrow_mut().drain_events();
        self.absorb(events);
        // Every command counts for persistence and for the stats panel.
        self.version += 1;
    }

    /// Gives parked blocking commands (in any tab) their replies once they are served
    /// by another tab's write or time out.
    fn deliver_blocked(&mut self) {
        let eng = engine();
        let mut eng = eng.borrow_mut();
        let mut ids = eng.serve_blocked();
        ids.extend(eng.expire_blocked());
        for id in ids {
            let Some((argv, reply)) = eng.take_ready(id) else {
                continue;
            };
            let resp = eng.client(id).map_or(2, |c| c.resp);
            let text = crate::console::format_reply(&argv, &reply, resp);
            if let Some(entry) = self
                .tabs
                .iter_mut()
                .find(|t| t.client == id)
                .and_then(|t| t.transcript.iter_mut().rev().find(|e| e.pending))
            {
                entry.is_error = text.starts_with("(error)");
                entry.output = text;
                entry.pending = false;
            }
        }
    }

    fn sample(&mut self) {
        let eng = engine();
        let eng = eng.borrow();
        let st = &eng.core.stats;
        self.samples.push(Sample {
            at_ms: js_sys::Date::now() as i64,
            commands: st.total_commands_processed,
            hits: st.keyspace_hits,
            misses: st.keyspace_misses,
            used_memory: eng.used_memory(),
            expired: st.expired_keys,
            evicted: st.evicted_keys,
        });
        let n = self.samples.len();
        if n > SAMPLES_KEPT {
            self.samples.drain(..n - SAMPLES_KEPT);
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Run(line) => s.run(line),
            Action::RunScript(lines) => {
                for l in lines {
                    s.run(l);
                }
            }
            Action::NewTab => s.add_tab(None, Vec::new()),
            Action::CloseTab(i) if s.tabs.len() > 1 && i < s.tabs.len() => {
                let tab = s.tabs.remove(i);
                engine().borrow_mut().disconnect(tab.client);
                s.active = s.active.min(s.tabs.len() - 1);
                s.version += 1;
            }
            Action::CloseTab(_) => {}
            Action::SelectTab(i) => {
                s.active = i.min(s.tabs.len() - 1);
                s.pages = vec![0];
            }
            Action::Tick(now, events) => {
                s.now = now;
                s.deliver_blocked();
                s.absorb(events);
            }
            Action::Sample => s.sample(),
            Action::Clear => {
                let i = s.active;
                s.tabs[i].transcript.clear();
            }
            Action::Show(kind) => s.front = kind,
            Action::TogglePin => s.pinned = !s.pinned,
            Action::Notify(level, text, download) => s.notify(level, text, download),
            Action::Dismiss(id) => s.notices.retain(|n| n.id != id),
            Action::AcceptScript => {
                if let Some(lines) = s.pending_script.take() {
                    persist::clear_shared_script();
                    for l in lines {
                        s.run(l);
                    }
                }
            }
            Action::RejectScript => {
                s.pending_script = None;
                persist::clear_shared_script();
            }
            Action::Fill(text) => {
                s.fill_seq += 1;
                s.fill = Some((s.fill_seq, text));
            }
            Action::Select(key) => s.selected = key,
            Action::Filter(f) => {
                s.filter = f;
                s.pages = vec![0];
            }
            Action::NextPage(cursor) => s.pages.push(cursor),
            Action::PrevPage => {
                if s.pages.len() > 1 {
                    s.pages.pop();
                }
            }
            Action::FirstPage => s.pages = vec![0],
            Action::SetTheme(t) => {
                persist::apply_theme(&t);
                let _ = persist::set(persist::THEME_KEY, &t);
                s.theme = t;
            }
            Action::SetJitter(on) => s.jitter = on,
            Action::Import(text) => {
                let result = engine().borrow_mut().restore_json(&text);
                match result {
                    Ok(n) => s.notify(Level::Info, format!("Imported {n} keys."), None),
                    Err(e) => s.notify(
                        Level::Error,
                        format!("That file could not be imported: {e}. The keyspace is unchanged."),
                        None,
                    ),
                }
                let events = engine().borrow_mut().drain_events();
                s.absorb(events);
                s.version += 1;
            }
            Action::Reset => {
                engine().borrow_mut().reset_all();
                for t in &mut s.tabs {
                    t.transcript.clear();
                }
                s.events.clear();
                s.samples.clear();
                s.selected = None;
                s.pages = vec![0];
                s.version += 1;
                s.notify(Level::Info, "Everything was reset: an empty keyspace, default configuration, fresh statistics.".into(), None);
            }
            Action::HllAddRandom(key, n) => {
                use rand::RngExt;
                let mut argv = vec![b"PFADD".to_vec(), key.clone()];
                RNG.with(|r| {
                    let mut r = r.borrow_mut();
                    for _ in 0..n {
                        argv.push(format!("visitor:{}", r.random::<u64>()).into_bytes());
                    }
                });
                let shown = if n == 1 {
                    format!(
                        "PFADD {} {}",
                        String::from_utf8_lossy(&key),
                        String::from_utf8_lossy(&argv[2])
                    )
                } else {
                    format!(
                        "PFADD {} <{n} random elements>",
                        String::from_utf8_lossy(&key)
                    )
                };
                s.run_argv(shown, argv);
            }
            Action::HllCompare(k) => s.hll.other = k,
            Action::BitsZoom(w) => s.bits.zoom = w,
            Action::GeoClickSearches(on) => s.geo.click_searches = on,
            Action::GeoDemo => {
                // Approximate city centres (public knowledge), longitude first as Redis wants.
                const CITIES: &[(&str, f64, f64)] = &[
                    ("Paris", 2.3522, 48.8566),
                    ("London", -0.1276, 51.5072),
                    ("Berlin", 13.405, 52.52),
                    ("Madrid", -3.7038, 40.4168),
                    ("Rome", 12.4964, 41.9028),
                    ("Vienna", 16.3738, 48.2082),
                    ("Warsaw", 21.0122, 52.2297),
                    ("Stockholm", 18.0686, 59.3293),
                    ("Oslo", 10.7522, 59.9139),
                    ("Lisbon", -9.1393, 38.7223),
                    ("Athens", 23.7275, 37.9838),
                    ("Istanbul", 28.9784, 41.0082),
                    ("Moscow", 37.6173, 55.7558),
                    ("Cairo", 31.2357, 30.0444),
                    ("Lagos", 3.3792, 6.5244),
                    ("Nairobi", 36.8219, -1.2921),
                    ("Johannesburg", 28.0473, -26.2041),
                    ("Dubai", 55.2708, 25.2048),
                    ("Mumbai", 72.8777, 19.076),
                    ("Delhi", 77.1025, 28.7041),
                    ("Bangkok", 100.5018, 13.7563),
                    ("Singapore", 103.8198, 1.3521),
                    ("Jakarta", 106.8456, -6.2088),
                    ("Beijing", 116.4074, 39.9042),
                    ("Shanghai", 121.4737, 31.2304),
                    ("Seoul", 126.978, 37.5665),
                    ("Tokyo", 139.6503, 35.6762),
                    ("Sydney", 151.2093, -33.8688),
                    ("Auckland", 174.7633, -36.8485),
                    ("Honolulu", -157.8583, 21.3069),
                    ("Anchorage", -149.9003, 61.2181),
                    ("Vancouver", -123.1207, 49.2827),
                    ("San Francisco", -122.4194, 37.7749),
                    ("Los Angeles", -118.2437, 34.0522),
                    ("Mexico City", -99.1332, 19.4326),
                    ("Chicago", -87.6298, 41.8781),
                    ("New York", -74.006, 40.7128),
                    ("Bogota", -74.0721, 4.711),
                    ("Lima", -77.0428, -12.0464),
                    ("Sao Paulo", -46.6333, -23.5505),
                ];
                let mut argv = vec![b"GEOADD".to_vec(), b"cities".to_vec()];
                for (name, lon, lat) in CITIES {
                    argv.push(lon.to_string().into_bytes());
                    argv.push(lat.to_string().into_bytes());
                    argv.push(name.as_bytes().to_vec());
                }
                s.run_argv(format!("GEOADD cities <{} cities>", CITIES.len()), argv);
                s.run("GEOSEARCH cities FROMMEMBER Paris BYRADIUS 1500 km ASC WITHDIST".into());
            }
            Action::ZsetScroll(d) => {
                s.zset.offset = (s.zset.offset as i64 + d).max(0) as usize;
            }
            Action::ZsetDemo => {
                use rand::RngExt;
                let mut argv = vec![b"ZADD".to_vec(), b"game:scores".to_vec()];
                RNG.with(|r| {
                    let mut r = r.borrow_mut();
                    for p in 1..=100 {
                        argv.push(r.random_range(0..1000u32).to_string().into_bytes());
                        argv.push(format!("player:{p}").into_bytes());
                    }
                });
                s.run_argv(
                    "ZADD game:scores <100 players with random scores>".into(),
                    argv,
                );
                let updates: Vec<String> = RNG.with(|r| {
                    let mut r = r.borrow_mut();
                    (0..5)
                        .map(|_| {
                            format!(
                                "ZINCRBY game:scores {} player:{}",
                                r.random_range(10..300u32),
                                r.random_range(1..=100u32)
                            )
                        })
                        .collect()
                });
                for u in updates {
                    s.run(u);
                }
                s.run("ZREVRANK game:scores player:42".into());
                s.run("ZSCORE game:scores player:42".into());
                s.run("ZREVRANGE game:scores 0 9 WITHSCORES".into());
            }
            Action::BitsDemo => {
                use rand::RngExt;
                // Three days of 1000 users: about 30% active each day, and most of a day's
                // users come back the next day.
                let days = ["dau:2024-06-01", "dau:2024-06-02", "dau:2024-06-03"];
                let mut active: Vec<bool> = vec![false; 1000];
                for (d, day) in days.iter().enumerate() {
                    RNG.with(|r| {
                        let mut r = r.borrow_mut();
                        for a in active.iter_mut() {
                            *a = if d == 0 || !*a {
                                r.random_bool(0.3)
                            } else {
                                r.random_bool(0.7)
                            };
                        }
                    });
                    let mut argv = vec![b"BITFIELD".to_vec(), day.as_bytes().to_vec()];
                    let mut users = 0;
                    for (uid, _) in active.iter().enumerate().filter(|(_, a)| **a) {
                        argv.extend([
                            b"SET".to_vec(),
                            b"u1".to_vec(),
                            uid.to_string().into_bytes(),
                            b"1".to_vec(),
                        ]);
                        users += 1;
                    }
                    s.run_argv(
                        format!("BITFIELD {day} SET u1 <user id> 1 … ({users} users)"),
                        argv,
                    );
                }
                for day in days {
                    s.run(format!("BITCOUNT {day}"));
                }
                s.run(format!("BITOP AND dau:retained {}", days.join(" ")));
                s.run("BITCOUNT dau:retained".into());
            }
            Action::SimConfigure(cfg) if !s.sim.running => s.sim.cfg = cfg,
            Action::SimConfigure(_) => {}
            Action::SimStart(compare) => s.sim.start(compare),
            Action::SimStep if s.sim.running => s.sim.step(),
            Action::SimStep => {}
            Action::SimStop => s.sim.stop(),
            Action::MemoryDemo => {
                // Room for about 500 of the 1500 keys above what is in use now.
                let used = engine().borrow().used_memory();
                s.run("CONFIG SET maxmemory 0".into());
                s.run("CONFIG SET maxmemory-policy allkeys-lfu".into());
                s.run("DEBUG POPULATE 1500 page 100".into());
                let hot: Vec<String> = (0..10).map(|i| format!("page:{}", i * 150)).collect();
                // TOUCH reads a key as GET would (bumping its LFU counter) without printing it.
                for _ in 0..4 {
                    s.run(format!("TOUCH {}", hot.join(" ")));
                }
                s.run(format!("OBJECT FREQ {}", hot[0]));
                s.run("OBJECT FREQ page:1".into());
                s.run(format!("CONFIG SET maxmemory {}", used + 500 * 180));
                s.run("SET page:new fresh".into());
                s.run(format!("EXISTS {}", hot.join(" ")));
                s.run("DBSIZE".into());
                s.front = PanelKind::Memory;
            }
            Action::Saved(Ok(())) => s.save_failed = false,
            Action::Saved(Err(why)) => {
                if !s.save_failed {
                    s.notify(
                        Level::Warn,
                        format!("Could not save to browser storage ({why}): it is probably full. Everything is still here in memory; export a snapshot to keep it."),
                        None,
                    );
                }
                s.save_failed = true;
            }
        }
        Rc::new(s)
    }
}

thread_local! {
    static EXTERNAL_CHANGE: Cell<bool> = const { Cell::new(false) };
    /// The app's random elements (demo data): seeded from the clock, no OS entropy needed.
    static RNG: std::cell::RefCell<rand::rngs::StdRng> = std::cell::RefCell::new(
        <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(js_sys::Date::now() as u64),
    );
}

/// Marks that something outside the reducer (the devtools hook) changed the keyspace.
pub fn notify_external_change() {
    EXTERNAL_CHANGE.with(|c| c.set(true));
}

/// One background step: active expiry, then the events it (or devtools) produced.
/// `None` when nothing happened and no countdown is running.
pub fn tick(db: usize) -> Option<(i64, Vec<KeyEvent>)> {
    let eng = engine();
    let mut eng = eng.borrow_mut();
    eng.tick();
    let mut events = eng.drain_events();
    if EXTERNAL_CHANGE.with(|c| c.replace(false)) && events.is_empty() {
        events.push(KeyEvent {
            db,
            key: Vec::new(),
            event: "devtools",
        });
    }
    let counting_down = eng.core.dbs.get(db).is_some_and(|d| !d.expires.is_empty());
    let waiting = eng.clients().any(|c| c.blocked.is_some());
    if events.is_empty() && !counting_down && !waiting {
        return None;
    }
    Some((eng.now_ms(), events))
}
