//! The app's single reducer: the console transcript, the input history and what the
//! panels show, all derived from engine replies and key events.

use std::cell::Cell;
use std::rc::Rc;

use yew::prelude::*;

use super::{engine, run_line};
use crate::engine::KeyEvent;

/// How many key events the activity panel keeps.
const EVENTS_KEPT: usize = 50;
/// How many transcript entries are kept in memory.
const TRANSCRIPT_KEPT: usize = 1000;
pub const HISTORY_KEY: &str = "kvlab.history";
const HISTORY_KEPT: usize = 500;

#[derive(Clone, PartialEq)]
pub struct Entry {
    pub prompt: String,
    pub input: String,
    pub output: String,
    pub is_error: bool,
}

#[derive(Clone, PartialEq)]
pub struct AppState {
    pub client: u64,
    pub db: usize,
    pub transcript: Vec<Entry>,
    pub history: Vec<String>,
    pub events: Vec<KeyEvent>,
    pub dbsize: usize,
    pub expired: u64,
}

pub enum Action {
    /// Run one console line.
    Run(String),
    /// Key events from active expiry or from the devtools hook.
    Events(Vec<KeyEvent>),
    Clear,
}

impl AppState {
    pub fn new() -> AppState {
        let client = engine().borrow_mut().connect("console:1", "browser:0");
        let history =
            gloo::storage::LocalStorage::get::<Vec<String>>(HISTORY_KEY).unwrap_or_default();
        AppState {
            client,
            db: 0,
            transcript: Vec::new(),
            history,
            events: Vec::new(),
            dbsize: 0,
            expired: 0,
        }
    }

    pub fn prompt(&self) -> String {
        if self.db == 0 {
            "kvlab>".to_string()
        } else {
            format!("kvlab[{}]>", self.db)
        }
    }

    fn absorb(&mut self, events: Vec<KeyEvent>) {
        self.events.extend(events);
        let n = self.events.len();
        if n > EVENTS_KEPT {
            self.events.drain(..n - EVENTS_KEPT);
        }
        let eng = engine();
        let eng = eng.borrow();
        self.db = eng.client(self.client).map_or(0, |c| c.db);
        self.dbsize = eng.core.dbs.get(self.db).map_or(0, |d| d.keys.len());
        self.expired = eng.core.stats.expired_keys;
    }
}

use gloo::storage::Storage;

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Run(line) => {
                let prompt = s.prompt();
                let output = run_line(s.client, &line);
                let is_error = output.starts_with("(error)");
                if !line.trim().is_empty() && s.history.last() != Some(&line) {
                    s.history.push(line.clone());
                    let n = s.history.len();
                    if n > HISTORY_KEPT {
                        s.history.drain(..n - HISTORY_KEPT);
                    }
                    let _ = gloo::storage::LocalStorage::set(HISTORY_KEY, &s.history);
                }
                s.transcript.push(Entry {
                    prompt,
                    input: line,
                    output,
                    is_error,
                });
                let n = s.transcript.len();
                if n > TRANSCRIPT_KEPT {
                    s.transcript.drain(..n - TRANSCRIPT_KEPT);
                }
                let events = engine().borrow_mut().drain_events();
                s.absorb(events);
            }
            Action::Events(events) => s.absorb(events),
            Action::Clear => s.transcript.clear(),
        }
        Rc::new(s)
    }
}

thread_local! {
    static EXTERNAL_CHANGE: Cell<bool> = const { Cell::new(false) };
}

/// Marks that something outside the reducer (the devtools hook) changed the keyspace, so
/// the next tick refreshes the panels.
pub fn notify_external_change() {
    EXTERNAL_CHANGE.with(|c| c.set(true));
}

/// One background step: active expiry, then the events it (or anyone) produced.
pub fn tick() -> Option<Vec<KeyEvent>> {
    let eng = engine();
    let mut eng = eng.borrow_mut();
    eng.tick();
    let events = eng.drain_events();
    let external = EXTERNAL_CHANGE.with(|c| c.replace(false));
    if events.is_empty() && !external {
        None
    } else {
        Some(events)
    }
}
