//! The activity feed: the key events of the last commands, of active expiry and of
//! eviction, named as keyspace notifications name them (`set`, `expire`, `expired`,
//! `evicted`, `zadd` …), as a small live log under the panels. It reads only the feed
//! ([`super::exec`]), so any panel could show the same log.

use std::collections::VecDeque;
use std::rc::Rc;

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed, Outcome};
use super::i18n::{tr, trf, use_lang, Lang};
use super::session::Session;
use crate::console::repr;
use crate::engine::pubsub::flags;
use crate::engine::{notify, KeyEvent};

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
    fn title(&self, lang: Lang) -> String {
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
            Cause::Expiry(_) => tr(lang, "active expiry", "능동 만료").into(),
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

/// One keyspace notification as it is published.
struct Note {
    seq: u64,
    channel: Vec<u8>,
    message: Vec<u8>,
}

/// The keyspace notifications the key events publish, under the `notify-keyspace-events`
/// in force when they happened (nothing while it is empty).
#[derive(Default)]
struct Notes {
    lines: VecDeque<Note>,
    seq: u64,
}

fn observe_notes(n: &mut Notes, f: &Feed) -> bool {
    let events: &[KeyEvent] = match f {
        Feed::Ran(o) => &o.events,
        Feed::Background(e) => e,
        Feed::Replaced => {
            n.lines.clear();
            return true;
        }
        // CONFIG SET changes what the feed says when empty.
        _ => return false,
    };
    let nf = engine().borrow().core.config.notify_flags;
    let mut added = false;
    // The newest KEPT events are all the feed can show: a burst (DEBUG POPULATE) costs
    // no more than that.
    for e in &events[events.len().saturating_sub(KEPT)..] {
        for (channel, message) in notify::messages(nf, e.db, &e.key, e.event) {
            n.seq += 1;
            n.lines.push_front(Note {
                seq: n.seq,
                channel,
                message,
            });
            added = true;
        }
    }
    n.lines.truncate(KEPT);
    added || matches!(f, Feed::Ran(o) if o.is(&["config"]))
}

/// Events shown per line; the rest are counted.
const EVENTS_SHOWN: usize = 12;

#[derive(Properties, PartialEq)]
pub struct ActivityProps {
    pub session: Session,
}

#[function_component(ActivityFeed)]
pub fn activity_feed(props: &ActivityProps) -> Html {
    let lang = use_lang();
    let log = use_model(Log::default, observe, true);
    let notes = use_model(Notes::default, observe_notes, true);
    let expiry_demo =
        super::msg_panel::use_two_tab_demo(&props.session, super::msg_panel::demo_expiry);
    let log = log.get();
    let notes = notes.get();
    let nf = engine().borrow().core.config.notify_flags;
    // Classes on, but neither K nor E: nothing is published either.
    let publishing = nf & (flags::KEYSPACE | flags::KEYEVENT) != 0
        && nf & !(flags::KEYSPACE | flags::KEYEVENT) != 0;
    let setting = if nf == 0 {
        "\"\"".to_string()
    } else {
        flags::to_text(nf)
    };
    html! {
        <>
        <section class="notifications" aria-label={tr(lang, "Keyspace notifications", "키스페이스 알림")}>
            <h4>{ trf!(lang, "Keyspace notifications · notify-keyspace-events {setting}", "키스페이스 알림 · notify-keyspace-events {setting}") }</h4>
            { if !publishing {
                html! { <p class="muted small notify-off">{ tr(lang, "Off: notify-keyspace-events names no class together with K or E, so nothing is published. Turn it on with CONFIG SET notify-keyspace-events KEA (every event) or Ex (expiries only), then SUBSCRIBE __keyevent@0__:expired in a tab.", "꺼져 있습니다: notify-keyspace-events에 K나 E와 함께 켜진 클래스가 없어 아무것도 발행되지 않습니다. CONFIG SET notify-keyspace-events KEA(모든 이벤트)나 Ex(만료만)로 켠 뒤, 탭 하나에서 SUBSCRIBE __keyevent@0__:expired를 실행해 보세요.") }</p> }
            } else if notes.lines.is_empty() {
                html! { <p class="muted small">{ tr(lang, "On. Nothing published yet: change a key of a class that is on.", "켜져 있습니다. 아직 발행된 알림이 없습니다: 켜진 클래스의 키를 바꿔 보세요.") }</p> }
            } else {
                html! {
                    <ol class="feed notes">
                        { for notes.lines.iter().map(|l| html! {
                            <li key={l.seq} class="noteline">
                                <code class="channel">{ repr(&l.channel) }</code>{ " " }<code class="message">{ repr(&l.message) }</code>
                            </li>
                        }) }
                    </ol>
                }
            } }
            <button class="demo-session" onclick={expiry_demo} title="CONFIG SET notify-keyspace-events Ex; Client 1: SUBSCRIBE __keyevent@0__:expired; Client 2: SET session:42 alice EX 3">{ tr(lang, "Demo: session expiry (세션 만료 알림)", "데모: 세션 만료 알림") }</button>
        </section>
        <section class="activity" aria-label={tr(lang, "Activity", "활동")}>
            <h4>{ tr(lang, "Activity (key events, as keyspace notifications name them)", "활동 (키 이벤트, 키스페이스 알림의 이름으로)") }</h4>
            { if log.lines.is_empty() {
                html! { <p class="muted small">{ tr(lang, "Nothing yet: write a key and its events show here.", "아직 없습니다: 키를 쓰면 그 이벤트가 여기에 나옵니다.") }</p> }
            } else {
                html! {
                    <ol class="feed">
                        { for log.lines.iter().map(|l| html! {
                            <li key={l.seq} class="feedline">
                                <span class="cause">{ l.title(lang) }</span>
                                { for l.events().iter().take(EVENTS_SHOWN).map(|e| html! {
                                    <span class={classes!("kev", e.event)} title={format!("__keyevent@{}__:{}", e.db, e.event)}>
                                        <span class="evname">{ e.event }</span>{ " " }{ String::from_utf8_lossy(&e.key).into_owned() }
                                    </span>
                                }) }
                                { if l.events().len() > EVENTS_SHOWN {
                                    html! { <span class="muted">{ { let n = l.events().len() - EVENTS_SHOWN; trf!(lang, "+{n} more", "외 {n}개") } }</span> }
                                } else { html! {} } }
                            </li>
                        }) }
                    </ol>
                }
            } }
        </section>
        </>
    }
}
