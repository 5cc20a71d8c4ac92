//! The activity feed: the key events of the last commands, of active expiry and of
//! eviction, named as keyspace notifications name them (`set`, `expire`, `expired`,
//! `evicted`, `zadd` …), as a small live log under the panels. It reads only the feed
//! ([`super::exec`]), so any panel could show the same log.

use std::collections::VecDeque;
use std::rc::Rc;

use yew::prelude::*;

use super::exec::{use_model, Feed, Outcome};
use crate::engine::KeyEvent;

/// Lines kept.
const KEPT: usize = 30;

/// One line of the log: a command and its events, or a round of active expiry. Kept as
/// the feed gave it (no copying per command); the text is made when drawn.
enum Cause {
    Command(Rc<Outcome>),
    Expiry(Rc<[KeyEvent]>),
}

struct Line {
    seq: u64,
    cause: Cause,
}

impl Line {
    fn title(&self) -> String {
        match &self.cause {
            Cause::Command(o) => {
                let mut t = String::from_utf8_lossy(o.argv.first().map_or(&[][..], |a| a))
                    .to_ascii_uppercase();
                if let Some(k) = o.argv.get(1) {
                    t.push(' ');
                    t.push_str(&String::from_utf8_lossy(&k[..k.len().min(40)]));
                }
                t
            }
            Cause::Expiry(_) => "active expiry".into(),
        }
    }

    fn events(&self) -> &[KeyEvent] {
        match &self.cause {
            Cause::Command(o) => &o.events,
            Cause::Expiry(e) => e,
        }
    }
}

#[derive(Default)]
struct Log {
    lines: VecDeque<Line>,
    seq: u64,
}

impl Log {
    fn push(&mut self, cause: Cause) {
        self.seq += 1;
        self.lines.push_front(Line {
            seq: self.seq,
            cause,
        });
        self.lines.truncate(KEPT);
    }
}

fn observe(log: &mut Log, f: &Feed) -> bool {
    match f {
        Feed::Ran(o) if o.wrote() => {
            log.push(Cause::Command(Rc::clone(o)));
            true
        }
        Feed::Background(events) => {
            log.push(Cause::Expiry(events.to_vec().into()));
            true
        }
        Feed::Replaced => {
            log.lines.clear();
            true
        }
        _ => false,
    }
}

/// Events shown per line; the rest are counted.
const EVENTS_SHOWN: usize = 12;

#[function_component(ActivityFeed)]
pub fn activity_feed() -> Html {
    let log = use_model(Log::default, observe, true);
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
                                <span class="cause">{ l.title() }</span>
                                { for l.events().iter().take(EVENTS_SHOWN).map(|e| html! {
                                    <span class={classes!("kev", e.event)} title={format!("__keyevent@{}__:{}", e.db, e.event)}>
                                        <span class="evname">{ e.event }</span>{ " " }{ String::from_utf8_lossy(&e.key).into_owned() }
                                    </span>
                                }) }
                                { if l.events().len() > EVENTS_SHOWN {
                                    html! { <span class="muted">{ format!("+{} more", l.events().len() - EVENTS_SHOWN) }</span> }
                                } else { html! {} } }
                            </li>
                        }) }
                    </ol>
                }
            } }
        </section>
    }
}
