//! The activity feed: the key events of the last commands, of active expiry and of
//! eviction, named as keyspace notifications name them (`set`, `expire`, `expired`,
//! `evicted`, `zadd` …), as a small live log under the panels. It reads only the feed
//! ([`super::exec`]), so any panel could show the same log.

use std::collections::VecDeque;

use yew::prelude::*;

use super::exec::{use_model, Feed};
use crate::engine::KeyEvent;

/// Lines kept.
const KEPT: usize = 30;

/// One line of the log: what caused the events, and the events.
#[derive(Clone, PartialEq)]
struct Line {
    seq: u64,
    /// The command that caused them, or "active expiry" for the background cycle.
    cause: String,
    events: Vec<KeyEvent>,
}

#[derive(Default)]
struct Log {
    lines: VecDeque<Line>,
    seq: u64,
}

impl Log {
    fn push(&mut self, cause: String, events: &[KeyEvent]) {
        self.seq += 1;
        // Events of one command: at most a dozen, then a count.
        self.lines.push_front(Line {
            seq: self.seq,
            cause,
            events: events.iter().take(12).cloned().collect(),
        });
        if let Some(l) = self.lines.front_mut() {
            if events.len() > 12 {
                l.cause.push_str(&format!(" (+{} more events)", events.len() - 12));
            }
        }
        self.lines.truncate(KEPT);
    }
}

fn observe(log: &mut Log, f: &Feed) -> bool {
    match f {
        Feed::Ran(o) if !o.events.is_empty() => {
            let mut cause = o.name().to_ascii_uppercase();
            if let Some(k) = o.argv.get(1) {
                cause.push(' ');
                cause.push_str(&String::from_utf8_lossy(&k[..k.len().min(40)]));
            }
            log.push(cause, &o.events);
            true
        }
        Feed::Background(events) => {
            log.push("active expiry".into(), events);
            true
        }
        Feed::Replaced => {
            log.lines.clear();
            true
        }
        _ => false,
    }
}

#[function_component(ActivityFeed)]
pub fn activity_feed() -> Html {
    let log = use_model(Log::default, observe);
    let log = log.get();
    html! {
        <section class="activity" aria-label="Activity">
            <h4>{ "Activity (key events, as keyspace notifications name them)" }</h4>
            { if log.lines.is_empty() {
                html! { <p class="muted small">{ "Nothing yet: write a key and its events show here." }</p> }
            } else {
                html! {
                    <ol class="feed">
                        { for log.lines.iter().map(|l| html! {
                            <li key={l.seq} class="feedline">
                                <span class="cause">{ &l.cause }</span>
                                { for l.events.iter().map(|e| html! {
                                    <span class={classes!("kev", e.event)} title={format!("__keyevent@{}__:{}", e.db, e.event)}>
                                        <span class="evname">{ e.event }</span>{ " " }{ String::from_utf8_lossy(&e.key).into_owned() }
                                    </span>
                                }) }
                            </li>
                        }) }
                    </ol>
                }
            } }
        </section>
    }
}
