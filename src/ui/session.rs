//! What the app shares with its panels: which client and database the console is on,
//! what each panel is called, which panel suits a command, and the few things a panel
//! may ask of the app (record commands it ran, fill the input line, come forward).
//!
//! Nothing here knows a panel's insides, and panels know nothing of the app's reducer:
//! the app builds a [`Session`] and passes it down.

use std::rc::Rc;

use yew::prelude::*;

use super::engine;
use super::exec::{self, Outcome};
use crate::engine::table;

/// The console's current client, and the app's hands a panel may use.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// The active tab's client.
    pub client: u64,
    /// Its selected database.
    pub db: usize,
    /// Puts commands a panel ran into the active tab's transcript.
    pub record: Callback<Vec<Rc<Outcome>>>,
    /// Puts a command in the console's input line, for the learner to edit and run.
    pub fill: Callback<String>,
    /// Brings a panel forward.
    pub show: Callback<PanelKind>,
    /// Every console tab: its client and its label, in tab order.
    pub tabs: Rc<Vec<(u64, String)>>,
    /// Opens another console tab (another client), as "+ client" does.
    pub new_tab: Callback<()>,
    /// Brings console tab `i` (from 0) to the front.
    pub select: Callback<usize>,
}

impl Session {
    /// Runs console lines as the active tab's client and records them.
    pub fn run_lines<S: AsRef<str>>(&self, lines: &[S]) {
        let done = lines
            .iter()
            .map(|l| exec::run_line(self.client, l.as_ref()))
            .collect();
        self.record.emit(done);
    }

    /// A click handler that runs a panel's demo lines as [`Session::run_lines`] does.
    pub fn runs(&self, lines: &'static [&'static str]) -> Callback<MouseEvent> {
        let session = self.clone();
        Callback::from(move |_| session.run_lines(lines))
    }

    /// Runs console lines as another tab's client (a demo playing two clients) and
    /// records them in that tab's transcript.
    pub fn run_as<S: AsRef<str>>(&self, client: u64, lines: &[S]) -> Vec<Rc<Outcome>> {
        let done: Vec<Rc<Outcome>> = lines
            .iter()
            .map(|l| exec::run_line(client, l.as_ref()))
            .collect();
        self.record.emit(done.clone());
        done
    }

    /// The client a panel's button should run its commands as: the active tab's, or,
    /// while that one is reading (subscribed, MONITOR), the first tab that is not; with
    /// every tab reading, the active one (whose replies then show why not).
    pub fn free_client(&self) -> u64 {
        if exec::reading_mode(self.client).is_none() {
            return self.client;
        }
        self.tabs
            .iter()
            .map(|(c, _)| *c)
            .find(|&c| exec::reading_mode(c).is_none())
            .unwrap_or(self.client)
    }

    /// Runs console lines as [`Session::free_client`] and records them.
    pub fn run_free<S: AsRef<str>>(&self, lines: &[S]) {
        self.run_as(self.free_client(), lines);
    }

    /// The label of `client`'s console tab ("client N" for one without a tab).
    pub fn label_of(&self, client: u64) -> String {
        self.tabs
            .iter()
            .find(|(c, _)| *c == client)
            .map_or_else(|| format!("client {client}"), |(_, l)| l.clone())
    }

    /// Runs a command a panel made (shown as `shown`) and records it.
    pub fn run_argv(&self, shown: String, argv: Vec<Vec<u8>>) {
        self.record
            .emit(vec![exec::run_argv(self.client, shown, argv)]);
    }
}

/// What every panel receives: the session, and whether it is the one in front (a
/// hidden panel keeps following the feed but draws nothing).
#[derive(Properties, Clone, PartialEq)]
pub struct PanelProps {
    pub session: Session,
    pub visible: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PanelKind {
    Keyspace,
    Ttl,
    Stats,
    Hll,
    Bits,
    Zset,
    Geo,
    Memory,
    List,
    Hash,
    Set,
    Stream,
    Tx,
    Messaging,
    SlowLog,
    Bloom,
    Cuckoo,
    Cms,
    TopK,
    TDigest,
    Sketches,
    Rdb,
    Persistence,
}

impl PanelKind {
    pub const ALL: [PanelKind; 23] = [
        PanelKind::Keyspace,
        PanelKind::Ttl,
        PanelKind::Stats,
        PanelKind::Memory,
        PanelKind::List,
        PanelKind::Hash,
        PanelKind::Set,
        PanelKind::Stream,
        PanelKind::Tx,
        PanelKind::Messaging,
        PanelKind::SlowLog,
        PanelKind::Zset,
        PanelKind::Geo,
        PanelKind::Hll,
        PanelKind::Bits,
        PanelKind::Bloom,
        PanelKind::Cuckoo,
        PanelKind::Cms,
        PanelKind::TopK,
        PanelKind::TDigest,
        PanelKind::Sketches,
        PanelKind::Rdb,
        PanelKind::Persistence,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PanelKind::Keyspace => "Keyspace",
            PanelKind::Ttl => "TTL",
            PanelKind::Stats => "Stats",
            PanelKind::Hll => "HyperLogLog",
            PanelKind::Bits => "Bitmap",
            PanelKind::Zset => "Sorted set",
            PanelKind::Geo => "Geo",
            PanelKind::Memory => "Memory",
            PanelKind::List => "List",
            PanelKind::Hash => "Hash",
            PanelKind::Set => "Set",
            PanelKind::Stream => "Stream",
            PanelKind::Tx => "Transactions & scripts",
            PanelKind::Messaging => "Pub/Sub",
            PanelKind::SlowLog => "Slow log",
            PanelKind::Bloom => "Bloom",
            PanelKind::Cuckoo => "Cuckoo",
            PanelKind::Cms => "Count-Min",
            PanelKind::TopK => "Top-K",
            PanelKind::TDigest => "t-digest",
            PanelKind::Sketches => "Sketches compared",
            PanelKind::Rdb => "RDB explorer",
            PanelKind::Persistence => "Persistence",
        }
    }

    /// The title shown on the panel's tab, in the learner's language (`title` stays the
    /// panel's English name, used to address it).
    pub fn label(self, lang: super::i18n::Lang) -> &'static str {
        let ko = match self {
            PanelKind::Keyspace => "키스페이스",
            PanelKind::Ttl => "TTL",
            PanelKind::Stats => "통계",
            PanelKind::Hll => "HyperLogLog",
            PanelKind::Bits => "비트맵",
            PanelKind::Zset => "정렬 집합",
            PanelKind::Geo => "지오",
            PanelKind::Memory => "메모리",
            PanelKind::List => "리스트",
            PanelKind::Hash => "해시",
            PanelKind::Set => "집합",
            PanelKind::Stream => "스트림",
            PanelKind::Tx => "트랜잭션과 스크립트",
            PanelKind::Messaging => "Pub/Sub",
            PanelKind::SlowLog => "슬로 로그",
            PanelKind::Bloom => "Bloom 필터",
            PanelKind::Cuckoo => "Cuckoo 필터",
            PanelKind::Cms => "Count-Min",
            PanelKind::TopK => "Top-K",
            PanelKind::TDigest => "t-digest",
            PanelKind::Sketches => "스케치 비교",
            PanelKind::Rdb => "RDB 탐색기",
            PanelKind::Persistence => "영속성",
        };
        lang.pick(self.title(), ko)
    }
}

/// Pub/Sub commands bring the messaging panel forward.
const PUBSUB_COMMANDS: &[&str] = &[
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "unsubscribe",
    "punsubscribe",
    "sunsubscribe",
    "publish",
    "spublish",
    "pubsub",
];

/// Commands about time to live bring the TTL panel forward.
const TTL_COMMANDS: &[&str] = &[
    "expire",
    "pexpire",
    "expireat",
    "pexpireat",
    "ttl",
    "pttl",
    "expiretime",
    "pexpiretime",
    "persist",
    "setex",
    "psetex",
    "getex",
];

/// Which panel best shows what a command did: TTL commands (and SET with a TTL) the
/// timeline, INFO/CONFIG the stats, anything touching keys the panel of their type.
pub fn panel_for(argv: &[Vec<u8>], db: usize) -> Option<PanelKind> {
    let name = String::from_utf8_lossy(argv.first()?).to_ascii_lowercase();
    if super::tx_panel::TX_COMMANDS.contains(&name.as_str()) {
        return Some(PanelKind::Tx);
    }
    if PUBSUB_COMMANDS.contains(&name.as_str()) {
        return Some(PanelKind::Messaging);
    }
    if matches!(name.as_str(), "slowlog" | "latency") {
        return Some(PanelKind::SlowLog);
    }
    if name.starts_with("pf") {
        return Some(PanelKind::Hll);
    }
    // The probabilistic family, each with its panel.
    if name.starts_with("bf.") {
        return Some(PanelKind::Bloom);
    }
    if name.starts_with("cf.") {
        return Some(PanelKind::Cuckoo);
    }
    if name.starts_with("cms.") {
        return Some(PanelKind::Cms);
    }
    if name.starts_with("tdigest.") {
        return Some(PanelKind::TDigest);
    }
    if name.starts_with("topk.") {
        return Some(PanelKind::TopK);
    }
    if name.starts_with("geo") {
        return Some(PanelKind::Geo);
    }
    if (name.starts_with('z') || name.starts_with("bz")) && table::find(name.as_bytes()).is_some() {
        return Some(PanelKind::Zset);
    }
    if matches!(
        name.as_str(),
        "setbit" | "getbit" | "bitcount" | "bitpos" | "bitop" | "bitfield" | "bitfield_ro"
    ) {
        return Some(PanelKind::Bits);
    }
    if TTL_COMMANDS.contains(&name.as_str()) {
        return Some(PanelKind::Ttl);
    }
    if super::list_panel::LIST_COMMANDS.contains(&name.as_str()) {
        return Some(PanelKind::List);
    }
    if super::hash_panel::HASH_COMMANDS.contains(&name.as_str()) {
        return Some(PanelKind::Hash);
    }
    if super::stream_panel::STREAM_COMMANDS.contains(&name.as_str()) {
        return Some(PanelKind::Stream);
    }
    if super::set_panel::SET_COMMANDS.contains(&name.as_str()) {
        return Some(PanelKind::Set);
    }
    if name == "set"
        && argv[1..].iter().any(|a| {
            ["ex", "px", "exat", "pxat"]
                .iter()
                .any(|w| a.eq_ignore_ascii_case(w.as_bytes()))
        })
    {
        return Some(PanelKind::Ttl);
    }
    // Memory and eviction: MEMORY, OBJECT FREQ/IDLETIME, and CONFIG of maxmemory*.
    let arg = |i: usize| {
        argv.get(i)
            .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
            .unwrap_or_default()
    };
    if name == "memory"
        || (name == "object" && matches!(arg(1).as_str(), "freq" | "idletime"))
        || (name == "config" && arg(2).starts_with("maxmemory"))
        || (name == "info" && arg(1) == "memory")
    {
        return Some(PanelKind::Memory);
    }
    // Persistence: SAVE & co., CONFIG of save/append*/aof*, INFO persistence, DEBUG
    // RELOAD and CRASH-AND-RECOVER.
    if super::persist_panel::PERSIST_COMMANDS.contains(&name.as_str())
        || (name == "config" && super::persist_panel::is_persist_config(&arg(2)))
        || (name == "info" && arg(1) == "persistence")
        || (name == "debug" && matches!(arg(1).as_str(), "reload" | "crash-and-recover"))
    {
        return Some(PanelKind::Persistence);
    }
    if matches!(name.as_str(), "info" | "config" | "debug") {
        return Some(PanelKind::Stats);
    }
    let spec = table::lookup(argv).ok()?;
    let first = *table::key_positions(spec, argv.len()).first()?;
    // A string holding an HLL is shown as one; other strings in the keyspace browser.
    let is_hll = engine()
        .borrow()
        .peek_string(db, &argv[first])
        .is_some_and(crate::engine::hll::is_valid);
    Some(if is_hll {
        PanelKind::Hll
    } else {
        PanelKind::Keyspace
    })
}

thread_local! {
    /// Random demo data (panels' buttons): seeded from the clock, no OS entropy needed.
    static RNG: std::cell::RefCell<rand::rngs::StdRng> = std::cell::RefCell::new(
        <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(js_sys::Date::now() as u64),
    );
}

/// The page's generator for demo data.
pub fn with_rng<T>(f: impl FnOnce(&mut rand::rngs::StdRng) -> T) -> T {
    RNG.with(|r| f(&mut r.borrow_mut()))
}
