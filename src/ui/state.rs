//! The app's reducer: only what the whole page shares. Console tabs and their
//! transcripts, the input history, the panel in front, notices, the share-link prompt,
//! the theme. Panels keep their own state (see [`super::exec::use_model`]); commands run
//! outside any reducer ([`super::exec`]) and arrive here as finished [`Outcome`]s.

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use yew::prelude::*;

use super::exec::Outcome;
use super::session::{panel_for, PanelKind};
use super::{engine, persist};
pub use crate::lessons::Text;

/// Transcript entries kept in memory per tab.
const TRANSCRIPT_KEPT: usize = 1000;
const HISTORY_KEPT: usize = 500;

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
    /// Pending because CLIENT PAUSE holds it (not run yet), not blocked on a key.
    #[serde(default)]
    pub paused: bool,
    /// Not a command: what the client received on its own (Pub/Sub messages, MONITOR
    /// lines) or a note about its connection. Shown without a command line.
    #[serde(default)]
    pub stream: bool,
}

#[derive(Clone, PartialEq)]
pub struct Tab {
    pub client: u64,
    pub label: String,
    pub transcript: Vec<Rc<Entry>>,
    /// Messages that arrived while another tab was in front (the tab header's badge).
    pub unread: usize,
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
    /// In both languages, so a notice follows a switch of language.
    pub text: Text,
    /// A file the notice offers to download: (file name, content).
    pub download: Option<(String, String)>,
}

#[derive(Clone, PartialEq)]
pub struct AppState {
    pub tabs: Vec<Tab>,
    pub active: usize,
    next_tab_no: usize,
    pub history: Rc<Vec<String>>,
    pub front: PanelKind,
    pub pinned: bool,
    pub notices: Vec<Notice>,
    next_notice: u64,
    /// A script from a share link, waiting for the user's consent.
    pub pending_script: Option<Rc<Vec<String>>>,
    /// Text for the console input line, with a sequence number so equal texts refill.
    pub fill: Option<(u64, String)>,
    fill_seq: u64,
    pub theme: String,
    /// Whether the last save to localStorage failed (to report a full quota once).
    pub save_failed: bool,
    pub lang: super::i18n::Lang,
    /// The lessons pane is open.
    pub lessons: bool,
}

pub enum Action {
    /// Commands that ran (typed, pasted, or made by a panel): into their client's
    /// transcript, the history, and the panel that suits them comes forward.
    Record(Vec<Rc<Outcome>>),
    /// A parked command's late reply, for its client's pending entry.
    Deliver {
        client: u64,
        text: String,
        is_error: bool,
        /// For a command CLIENT PAUSE held (its entry is `paused`).
        paused: bool,
        /// The held command ran and parked (a blocking command): its entry stays
        /// pending, no longer paused, for the reply that comes later.
        parked: bool,
    },
    /// What a client received on its own (messages, MONITOR lines, a note): appended
    /// to its tab's transcript, and counted unread if that tab is not in front.
    Stream {
        client: u64,
        text: String,
        /// How many messages (or lines) it holds, for the unread count.
        count: usize,
    },
    NewTab,
    CloseTab(usize),
    SelectTab(usize),
    Clear,
    Show(PanelKind),
    TogglePin,
    Notify(Level, Text, Option<(String, String)>),
    Dismiss(u64),
    /// The share-link prompt was answered (its commands, if accepted, already ran).
    CloseScript,
    Fill(String),
    SetTheme(String),
    /// Everything was reset: transcripts go too.
    Reset,
    Saved(Result<(), String>),
    SetLang(super::i18n::Lang),
    /// Opens or closes the lessons pane.
    Lessons(bool),
}

impl AppState {
    /// The state at page load: the saved keyspace and transcripts, any share link.
    pub fn boot() -> AppState {
        let mut s = AppState {
            tabs: Vec::new(),
            active: 0,
            next_tab_no: 1,
            history: Rc::new(
                persist::get(persist::HISTORY_KEY)
                    .and_then(|h| serde_json::from_str(&h).ok())
                    .unwrap_or_default(),
            ),
            front: PanelKind::Keyspace,
            pinned: false,
            notices: Vec::new(),
            next_notice: 1,
            pending_script: persist::shared_script().map(Rc::new),
            fill: None,
            fill_seq: 0,
            theme: persist::get(persist::THEME_KEY).unwrap_or_default(),
            save_failed: false,
            lang: super::i18n::initial(),
            lessons: super::lessons::route().is_some(),
        };
        persist::apply_theme(&s.theme);
        if persist::cluster_setting() {
            engine().borrow_mut().restart_in_cluster_mode(true);
        }
        match persist::load_keyspace() {
            persist::Boot::Nothing => {}
            persist::Boot::Restored(n) => {
                if n > 0 {
                    s.notify(
                        Level::Info,
                        both(
                            format!("Restored {n} keys from your last visit (keys whose TTL ran out meanwhile are gone)."),
                            format!("지난번 방문 때의 키 {n}개를 복원했습니다 (그사이 TTL이 다 된 키는 사라졌습니다)."),
                        ),
                        None,
                    );
                }
            }
            persist::Boot::RestoredFromAof(n) => s.notify(
                Level::Info,
                both(
                    format!("Restored {n} keys from your last visit, from the AOF: with appendonly yes Redis starts from its append-only file, not from dump.rdb."),
                    format!("지난번 방문 때의 키 {n}개를 AOF에서 복원했습니다: appendonly yes이면 Redis는 dump.rdb가 아니라 AOF로 시작합니다."),
                ),
                None,
            ),
            persist::Boot::AofRefused(why, n) => s.notify(
                Level::Error,
                both(
                    format!("Your stored AOF could not be loaded: {why}. KV Lab started from the stored RDB image instead ({n} keys); the AOF starts again from it."),
                    format!("저장된 AOF를 불러오지 못했습니다: {why}. KV Lab은 대신 저장된 RDB 이미지로 시작했고 (키 {n}개), AOF는 거기서 다시 시작합니다."),
                ),
                None,
            ),
            persist::Boot::Migrated(n) => s.notify(
                Level::Info,
                both(
                    format!("Restored {n} keys from your last visit. KV Lab now keeps your keyspace as an RDB image, as Redis does (dump.rdb)."),
                    format!("지난번 방문 때의 키 {n}개를 복원했습니다. 이제 KV Lab은 Redis처럼 키스페이스를 RDB 이미지(dump.rdb)로 보관합니다."),
                ),
                None,
            ),
            persist::Boot::Corrupt(why, raw, file) => s.notify(
                Level::Error,
                both(
                    format!("Your saved keyspace could not be loaded: {why}. KV Lab started without it; the unreadable data is kept so you can download it."),
                    format!("저장된 키스페이스를 불러오지 못했습니다: {why}. KV Lab은 그것 없이 시작했고, 읽지 못한 데이터는 내려받을 수 있도록 남겨 두었습니다."),
                ),
                Some((file, raw)),
            ),
        }
        for (label, transcript) in persist::load_transcripts() {
            s.add_tab(Some(label), transcript.into_iter().map(Rc::new).collect());
        }
        if s.tabs.is_empty() {
            s.add_tab(None, Vec::new());
        }
        s
    }

    fn add_tab(&mut self, label: Option<String>, transcript: Vec<Rc<Entry>>) {
        let no = self.next_tab_no;
        self.next_tab_no += 1;
        let client = engine()
            .borrow_mut()
            .connect(&format!("console:{no}"), "browser:0");
        self.tabs.push(Tab {
            client,
            label: label.unwrap_or_else(|| format!("Client {no}")),
            transcript,
            unread: 0,
        });
        self.active = self.tabs.len() - 1;
    }

    fn notify(&mut self, level: Level, text: Text, download: Option<(String, String)>) {
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
        super::exec::db_of(self.tab().client)
    }

    fn record(&mut self, done: Vec<Rc<Outcome>>) {
        let mut history_changed = false;
        for o in done {
            let Some(tab) = self.tabs.iter_mut().find(|t| t.client == o.client) else {
                continue;
            };
            tab.transcript.push(Rc::new(Entry {
                prompt: super::exec::prompt_in(o.db, o.tx),
                input: o.line.clone(),
                output: o.text.clone(),
                is_error: o.is_error(),
                summarised: o.summarised,
                pending: o.pending,
                paused: o.held,
                stream: false,
            }));
            trim(&mut tab.transcript);
            if !o.summarised && !o.line.trim().is_empty() && self.history.last() != Some(&o.line) {
                let h = Rc::make_mut(&mut self.history);
                h.push(o.line.clone());
                let n = h.len();
                if n > HISTORY_KEPT {
                    h.drain(..n - HISTORY_KEPT);
                }
                history_changed = true;
            }
            if !self.pinned && o.reply.is_some() {
                // A command queued inside MULTI shows in the transactions panel.
                let kind = if o.tx {
                    Some(PanelKind::Tx)
                } else {
                    panel_for(&o.argv, o.db)
                };
                if let Some(kind) = kind {
                    self.front = kind;
                }
            }
        }
        if history_changed {
            let _ = persist::set(
                persist::HISTORY_KEY,
                &serde_json::to_string(&*self.history).unwrap_or_default(),
            );
        }
    }
}

/// A notice's text in English and Korean.
pub fn both(en: impl Into<String>, ko: impl Into<String>) -> Text {
    Text {
        en: en.into(),
        ko: ko.into(),
    }
}

fn trim(transcript: &mut Vec<Rc<Entry>>) {
    let n = transcript.len();
    if n > TRANSCRIPT_KEPT {
        transcript.drain(..n - TRANSCRIPT_KEPT);
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = Rc::unwrap_or_clone(self);
        match action {
            Action::Record(done) => s.record(done),
            Action::Deliver {
                client,
                text,
                is_error,
                paused,
                parked,
            } => {
                if let Some(entry) = s
                    .tabs
                    .iter_mut()
                    .find(|t| t.client == client)
                    .and_then(|t| {
                        if paused {
                            // The oldest held one: a client's held commands run in order.
                            t.transcript.iter_mut().find(|e| e.pending && e.paused)
                        } else {
                            t.transcript.iter_mut().rev().find(|e| e.pending)
                        }
                    })
                {
                    let e = Rc::make_mut(entry);
                    e.paused = false;
                    if !parked {
                        e.output = text;
                        e.is_error = is_error;
                        e.pending = false;
                    }
                }
            }
            Action::Stream {
                client,
                text,
                count,
            } => {
                let active = s.tab().client;
                if let Some(tab) = s.tabs.iter_mut().find(|t| t.client == client) {
                    tab.transcript.push(Rc::new(Entry {
                        prompt: String::new(),
                        input: String::new(),
                        output: text,
                        is_error: false,
                        summarised: true,
                        pending: false,
                        paused: false,
                        stream: true,
                    }));
                    trim(&mut tab.transcript);
                    if tab.client != active {
                        tab.unread += count;
                    }
                }
            }
            Action::NewTab => s.add_tab(None, Vec::new()),
            Action::CloseTab(i) if s.tabs.len() > 1 && i < s.tabs.len() => {
                let tab = s.tabs.remove(i);
                engine().borrow_mut().disconnect(tab.client);
                s.active = s.active.min(s.tabs.len() - 1);
            }
            Action::CloseTab(_) => {}
            Action::SelectTab(i) => {
                s.active = i.min(s.tabs.len() - 1);
                let a = s.active;
                s.tabs[a].unread = 0;
            }
            Action::Clear => {
                let i = s.active;
                s.tabs[i].transcript.clear();
            }
            Action::Show(kind) => s.front = kind,
            Action::TogglePin => s.pinned = !s.pinned,
            Action::Notify(level, text, download) => s.notify(level, text, download),
            Action::Dismiss(id) => s.notices.retain(|n| n.id != id),
            Action::CloseScript => {
                s.pending_script = None;
                persist::clear_shared_script();
            }
            Action::Fill(text) => {
                s.fill_seq += 1;
                s.fill = Some((s.fill_seq, text));
            }
            Action::SetLang(l) => {
                super::i18n::save(l);
                s.lang = l;
            }
            Action::Lessons(open) => s.lessons = open,
            Action::SetTheme(t) => {
                persist::apply_theme(&t);
                let _ = persist::set(persist::THEME_KEY, &t);
                s.theme = t;
            }
            Action::Reset => {
                for t in &mut s.tabs {
                    t.transcript.clear();
                }
                s.notify(
                    Level::Info,
                    both(
                        "Everything was reset: an empty keyspace, default configuration, fresh statistics.",
                        "모두 초기화했습니다: 빈 키스페이스, 기본 설정, 새 통계.",
                    ),
                    None,
                );
            }
            Action::Saved(Ok(())) => s.save_failed = false,
            Action::Saved(Err(why)) => {
                if !s.save_failed {
                    s.notify(
                        Level::Warn,
                        both(
                            format!("Could not save to browser storage ({why}): it is probably full. Everything is still here in memory; export a snapshot to keep it."),
                            format!("브라우저 저장소에 저장하지 못했습니다 ({why}): 아마 가득 찼을 겁니다. 모든 것이 아직 메모리에 있으니, 남기려면 스냅숏을 내보내세요."),
                        ),
                        None,
                    );
                }
                s.save_failed = true;
            }
        }
        Rc::new(s)
    }
}
