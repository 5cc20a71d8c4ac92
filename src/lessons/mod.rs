//! Guided lessons: the seed's roadmap as hands-on steps, checked against the keyspace.
//!
//! # The format
//!
//! A lesson is data, one TOML file in `lessons/` (the build packs them all into one JSON
//! string, so the app carries no TOML parser). Every text comes in English and Korean
//! (`{ en = "…", ko = "…" }`). A lesson has an id (its deep link:
//! `#/lessons/<id>/<step>`), the seed topic it teaches, a short story, how many client
//! tabs it needs, the commands that set up its start state, and steps.
//!
//! A step says what to do, gives hints that go from a nudge to the full command, keeps a
//! reference solution and a plausible wrong answer, names the panel that shows its point,
//! and explains what just happened once it is done. Its goal is a list of [`Check`]s that
//! must all hold. A check looks at the engine's state (keys, TTLs, values, configuration,
//! INFO fields, the slow log, subscriptions, stream groups) or at the replies the step's
//! commands got (for example "the last EXEC returned nil"), never at the typed text: any
//! command that reaches the goal passes.
//!
//! Solution lines run in tab 1 unless they start with `@N ` (tab N). Two lines are not
//! commands: `#wait MS` lets MS milliseconds pass (the lesson on expiry waits for a TTL),
//! `#pipeline N BATCH COMMAND…` runs the pipelining lab ([`pipeline`]), and
//! `#scan PATTERN COUNT` follows SCAN's cursor from 0 back to 0, as
//! `redis-cli --scan --pattern PATTERN --count COUNT` does.
//!
//! # Checking
//!
//! [`Progress`] follows one lesson: it is told every command a tab ran (with its reply)
//! and every message a tab received, and [`Progress::check`] evaluates the current step's
//! goal with read-only views of the engine (no LRU touch, no hit or miss counted, no key
//! expired by looking), so checking never changes what the learner sees. CI replays every
//! lesson (tests/lessons.rs): from its start state the reference solutions satisfy each
//! step in order, and each step's wrong answer does not.

mod check;
pub mod pipeline;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::engine::{Engine, Reply};

pub use check::Check;

/// The app's two languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    /// From a browser language tag (`ko-KR` → Korean; anything else → English).
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, en: &'a str, ko: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// A text in both languages.
#[derive(Clone, Debug, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub ko: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.ko)
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// The slug in deep links.
    pub id: String,
    pub title: Text,
    /// The seed topic it teaches (the notes' section).
    pub topic: Text,
    pub story: Text,
    /// Whether the lesson runs the engine as a single-node Redis Cluster
    /// (`cluster-enabled yes`).
    #[serde(default)]
    pub cluster: bool,
    /// Client tabs the lesson needs (a lock needs two).
    #[serde(default = "one")]
    pub tabs: usize,
    /// Commands that build the start state on a fresh keyspace (run in tab 1; `@N`
    /// prefixes and `#` lines as in solutions).
    #[serde(default)]
    pub setup: Vec<String>,
    /// The panel shown at the start.
    #[serde(default)]
    pub panel: Option<String>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

fn one() -> usize {
    1
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What to do.
    #[serde(rename = "do")]
    pub task: Text,
    /// From a nudge to the full command.
    pub hints: Vec<Text>,
    /// The reference solution: lines as typed (see the module's notes).
    pub solution: Vec<String>,
    /// A plausible wrong answer: replayed in CI, it must not satisfy the goal.
    pub wrong: Vec<String>,
    /// What just happened, shown once the goal is met.
    pub done: Text,
    /// The panel that shows the point (opens by itself).
    #[serde(default)]
    pub panel: Option<String>,
    /// Every check must hold.
    pub goal: Vec<Check>,
    /// How the goal reads to the learner ("show goal").
    pub goal_text: Text,
}

/// The panels a lesson may open, by the names lesson files use.
pub const PANELS: [&str; 22] = [
    "keyspace",
    "ttl",
    "stats",
    "memory",
    "list",
    "hash",
    "set",
    "stream",
    "tx",
    "messaging",
    "slowlog",
    "zset",
    "geo",
    "hll",
    "bits",
    "bloom",
    "cuckoo",
    "cms",
    "topk",
    "tdigest",
    "sketches",
    "persistence",
];

/// The lessons as packed into this build (a JSON array).
const PACKED: &str = include_str!(concat!(env!("OUT_DIR"), "/lessons.json"));

/// Reads the packed lessons again, with the first error if one does not fit the format.
pub fn load() -> Result<Vec<Lesson>, String> {
    parse(PACKED)
}

/// Every lesson, in order. A lesson that does not fit the format is left out (the
/// lesson tests fail on it); the others still load, so the app never loses them all.
pub fn all() -> &'static [Lesson] {
    static LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    LESSONS.get_or_init(|| {
        let values: Vec<serde_json::Value> = serde_json::from_str(PACKED).unwrap_or_default();
        values
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect()
    })
}

/// Reads the packed lessons (a JSON array), reporting the first that does not fit.
pub fn parse(json: &str) -> Result<Vec<Lesson>, String> {
    let values: Vec<serde_json::Value> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let id = v
                .get("id")
                .and_then(|x| x.as_str())
                .unwrap_or("?")
                .to_string();
            serde_json::from_value(v).map_err(|e| format!("lesson {} ({id}): {e}", i + 1))
        })
        .collect()
}

/// The lesson with this id, and its index.
pub fn find(id: &str) -> Option<(usize, &'static Lesson)> {
    all().iter().enumerate().find(|(_, l)| l.id == id)
}

/// One line of a solution or setup, parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// A command for tab `tab` (1-based).
    Command { tab: usize, text: String },
    /// Let this many milliseconds pass.
    Wait(i64),
    /// Follow SCAN's cursor to the end, as `redis-cli --scan` does.
    Scan {
        tab: usize,
        pattern: String,
        count: usize,
    },
    /// Run the pipelining lab: `n` commands in batches of `batch`.
    Pipeline {
        tab: usize,
        n: usize,
        batch: usize,
        command: String,
    },
}

impl Line {
    pub fn parse(raw: &str) -> Result<Line, String> {
        let raw = raw.trim();
        let (tab, rest) = match raw.strip_prefix('@') {
            Some(r) => {
                let (n, rest) = r
                    .split_once(' ')
                    .ok_or(format!("'{raw}': a tab and a command"))?;
                let tab: usize = n.parse().map_err(|_| format!("'{raw}': bad tab"))?;
                if tab == 0 {
                    return Err(format!("'{raw}': tabs count from 1"));
                }
                (tab, rest.trim())
            }
            None => (1, raw),
        };
        if let Some(ms) = rest.strip_prefix("#wait ") {
            return ms
                .trim()
                .parse()
                .map(Line::Wait)
                .map_err(|_| format!("'{raw}': #wait takes milliseconds"));
        }
        if let Some(args) = rest.strip_prefix("#pipeline ") {
            let mut words = args.trim().splitn(3, ' ');
            let n = words.next().and_then(|w| w.parse().ok());
            let batch = words.next().and_then(|w| w.parse().ok());
            let command = words.next().map(str::to_string);
            return match (n, batch, command) {
                (Some(n), Some(batch), Some(command)) if batch > 0 => Ok(Line::Pipeline {
                    tab,
                    n,
                    batch,
                    command,
                }),
                _ => Err(format!("'{raw}': #pipeline N BATCH COMMAND")),
            };
        }
        if let Some(args) = rest.strip_prefix("#scan ") {
            let mut words = args.split_whitespace();
            let pattern = words.next().map(str::to_string);
            let count = words.next().and_then(|w| w.parse().ok());
            return match (pattern, count, words.next()) {
                (Some(pattern), Some(count), None) if count > 0 => Ok(Line::Scan {
                    tab,
                    pattern,
                    count,
                }),
                _ => Err(format!("'{raw}': #scan PATTERN COUNT")),
            };
        }
        if rest.starts_with('#') {
            return Err(format!("'{raw}': unknown directive"));
        }
        Ok(Line::Command {
            tab,
            text: rest.to_string(),
        })
    }

    /// The tab the line runs in (waits: none).
    pub fn tab(&self) -> Option<usize> {
        match self {
            Line::Command { tab, .. } | Line::Pipeline { tab, .. } | Line::Scan { tab, .. } => {
                Some(*tab)
            }
            Line::Wait(_) => None,
        }
    }
}

/// The SCAN commands `#scan` sends: the first from cursor 0, then one per cursor the
/// previous reply returned, until it returns 0 (at most `limit` commands). `run` is the
/// caller's way into the engine; every command and reply is passed to `seen` too.
pub fn scan_all(
    pattern: &str,
    count: usize,
    limit: usize,
    mut run: impl FnMut(&[Vec<u8>]) -> Reply,
) -> usize {
    let mut cursor = b"0".to_vec();
    for sent in 1..=limit {
        let argv = vec![
            b"SCAN".to_vec(),
            cursor,
            b"MATCH".to_vec(),
            pattern.as_bytes().to_vec(),
            b"COUNT".to_vec(),
            count.to_string().into_bytes(),
        ];
        let next = match run(&argv) {
            Reply::Array(items) => match items.first() {
                Some(Reply::Bulk(c)) => c.clone(),
                _ => return sent,
            },
            _ => return sent,
        };
        if next == b"0" {
            return sent;
        }
        cursor = next;
    }
    limit
}

/// What the runner is told: a command a tab ran, or something a tab received.
#[derive(Clone, Debug)]
pub enum Seen {
    Ran {
        tab: usize,
        argv: Vec<Vec<u8>>,
        reply: Reply,
    },
    Received {
        tab: usize,
        message: Reply,
    },
}

/// One lesson in progress: which step, and what the step has seen so far.
#[derive(Clone, Debug)]
pub struct Progress {
    pub lesson: &'static Lesson,
    pub step: usize,
    /// Commands and messages since the current step began.
    pub seen: Vec<Seen>,
    /// Figures from the labs (the pipelining lab's last run …), by name.
    pub facts: BTreeMap<String, f64>,
}

impl Progress {
    pub fn new(lesson: &'static Lesson) -> Progress {
        Progress {
            lesson,
            step: 0,
            seen: Vec::new(),
            facts: BTreeMap::new(),
        }
    }

    pub fn finished(&self) -> bool {
        self.step >= self.lesson.steps.len()
    }

    pub fn current(&self) -> Option<&'static Step> {
        self.lesson.steps.get(self.step)
    }

    pub fn observe(&mut self, seen: Seen) {
        // A step rarely needs more than its last few hundred events; a big paste must
        // not make checking slow.
        if self.seen.len() >= 2000 {
            self.seen.drain(..1000);
        }
        self.seen.push(seen);
    }

    /// Whether each check of the current step holds (empty when the lesson is done).
    pub fn check(&self, engine: &mut Engine, clients: &[u64]) -> Vec<bool> {
        let Some(step) = self.current() else {
            return Vec::new();
        };
        let cx = check::Cx {
            seen: &self.seen,
            clients,
            facts: &self.facts,
        };
        step.goal.iter().map(|c| c.holds(engine, &cx)).collect()
    }

    /// Checks the current step and, if its goal is met, moves to the next one. Returns
    /// the step that was completed.
    pub fn advance(&mut self, engine: &mut Engine, clients: &[u64]) -> Option<usize> {
        let results = self.check(engine, clients);
        if results.is_empty() || !results.iter().all(|&ok| ok) {
            return None;
        }
        let done = self.step;
        self.step += 1;
        self.seen.clear();
        Some(done)
    }

    /// Back to a given step (the runner replays the lines before it).
    pub fn goto(&mut self, step: usize) {
        self.step = step.min(self.lesson.steps.len());
        self.seen.clear();
    }
}
