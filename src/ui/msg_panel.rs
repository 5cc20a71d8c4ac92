//! The messaging panel: Pub/Sub as a flow. Publishers (console tabs, and the server
//! itself for keyspace notifications) → channels and patterns → the tabs subscribed to
//! them, live; and the recent messages with who received each. A message published
//! while nobody listens is marked lost: Pub/Sub delivers at most once.
//!
//! The panel reads the engine's own records (`core.pubsub.overview()`, each client's
//! subscriptions, `core.pubsub.recent`), never the console's text. Who published a
//! message is known from the feed: the command that ran when the engine's `published`
//! counter moved (its client), or the background step (active expiry); keyspace
//! notifications are the server's.
//!
//! Two demos play the first two console tabs (a second one is opened if needed):
//! delivered vs lost, and a session's expiry announced by a keyspace notification.

use std::collections::VecDeque;

use yew::prelude::*;

use super::engine;
use super::exec::{self, use_model, Feed};
use super::i18n::{tr, trf, use_lang, Lang};
use super::session::{PanelKind, PanelProps, Session};
use crate::console::repr;
use crate::engine::pubsub::Published;

/// Messages kept by the panel.
const KEPT: usize = 50;

/// Who published a message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Who {
    /// A console tab's client (PUBLISH, SPUBLISH, or a script calling them).
    Client(u64),
    /// The server: a keyspace notification caused by a command.
    Notification,
    /// The server: a keyspace notification from the active expire cycle.
    Expiry,
}

struct Msg {
    seq: u64,
    from: Who,
    p: Published,
}

#[derive(Default)]
struct Msgs {
    /// The engine's `published` count when the panel last looked.
    seen: u64,
    /// Newest first.
    log: VecDeque<Msg>,
}

fn is_notification(channel: &[u8]) -> bool {
    channel.starts_with(b"__keyspace@") || channel.starts_with(b"__keyevent@")
}

/// Commands that change who listens to what.
const SUB_COMMANDS: &[&str] = &[
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "unsubscribe",
    "punsubscribe",
    "sunsubscribe",
    "reset",
    "quit",
    "publish",
    "spublish",
    "pubsub",
];

fn observe(m: &mut Msgs, f: &Feed) -> bool {
    let who = match f {
        Feed::Ran(o) => Who::Client(o.client),
        Feed::Delivered { client, .. } => Who::Client(*client),
        Feed::Background(_) => Who::Expiry,
        Feed::Replaced => {
            m.log.clear();
            m.seen = engine().borrow().core.pubsub.published;
            return true;
        }
        // A tab whose connection was closed (and RESET): its subscriptions are gone.
        Feed::Pushed { replies, .. } => return replies.is_empty(),
        Feed::Before { .. } => return false,
    };
    let eng = engine();
    let eng = eng.borrow();
    let ps = &eng.core.pubsub;
    // A reset engine counts from zero again.
    if ps.published < m.seen {
        m.seen = 0;
    }
    let new = ((ps.published - m.seen) as usize).min(ps.recent.len());
    let first = ps.published - new as u64;
    m.seen = ps.published;
    for (i, p) in ps.recent[ps.recent.len() - new..].iter().enumerate() {
        let from = match (&who, is_notification(&p.channel)) {
            (Who::Expiry, _) => Who::Expiry,
            (_, true) => Who::Notification,
            (w, false) => w.clone(),
        };
        m.log.push_front(Msg {
            seq: first + i as u64 + 1,
            from,
            p: p.clone(),
        });
    }
    m.log.truncate(KEPT);
    new > 0 || matches!(f, Feed::Ran(o) if o.is(SUB_COMMANDS))
}

fn who_label(session: &Session, w: &Who, lang: Lang) -> String {
    match w {
        Who::Client(c) => session.label_of(*c),
        Who::Notification => tr(
            lang,
            "server: keyspace notification",
            "서버: 키스페이스 알림",
        )
        .into(),
        Who::Expiry => tr(lang, "server: active expiry", "서버: 능동 만료").into(),
    }
}

/// Plays the first two tabs: `a` subscribes, `b` publishes. A tab stuck in a reading
/// mode that the demo needs free is let out first, as Ctrl-C would.
fn free_tab(session: &Session, client: u64) {
    if let Some((done, _)) = exec::stop_reading(client) {
        session.record.emit(vec![done]);
    }
}

/// Demo: tab 1 subscribes to `news`; tab 2 publishes before (lost) and after
/// (delivered).
pub fn demo_news(session: &Session, a: u64, b: u64) {
    free_tab(session, b);
    let listening = engine()
        .borrow()
        .core
        .pubsub
        .of(a)
        .is_some_and(|s| s.channels.iter().any(|c| c == b"news"));
    if listening {
        session.run_as(a, &["UNSUBSCRIBE news"]);
    }
    session.run_as(b, &["PUBLISH news \"first: nobody is listening yet\""]);
    session.run_as(a, &["SUBSCRIBE news"]);
    session.run_as(b, &["PUBLISH news \"second: someone is listening now\""]);
    session.show.emit(PanelKind::Messaging);
}

/// Demo: a session key expires and a subscribed tab hears about it.
pub fn demo_expiry(session: &Session, a: u64, b: u64) {
    free_tab(session, b);
    session.run_as(b, &["CONFIG SET notify-keyspace-events Ex"]);
    session.run_as(a, &["SUBSCRIBE __keyevent@0__:expired"]);
    session.run_as(b, &["SET session:42 alice EX 3"]);
}

/// A demo button's handler that plays the first two console tabs, opening the second
/// one first when there is only one.
#[hook]
pub fn use_two_tab_demo(session: &Session, run: fn(&Session, u64, u64)) -> Callback<MouseEvent> {
    let pending = use_mut_ref(|| false);
    {
        let (pending, session) = (pending.clone(), session.clone());
        use_effect_with(session.tabs.len(), move |_| {
            if let [(a, _), (b, _), ..] = session.tabs.as_slice() {
                if std::mem::take(&mut *pending.borrow_mut()) {
                    run(&session, *a, *b);
                }
            }
        });
    }
    let session = session.clone();
    Callback::from(move |_| match session.tabs.as_slice() {
        [(a, _), (b, _), ..] => run(&session, *a, *b),
        _ => {
            *pending.borrow_mut() = true;
            session.new_tab.emit(());
        }
    })
}

fn chip(label: String, via: Option<&[u8]>, lang: Lang) -> Html {
    let text = match via {
        Some(p) => {
            let p = repr(p);
            trf!(lang, "{label} (via pattern {p})", "{label} (패턴 {p} 경유)")
        }
        None => label,
    };
    html! { <span class="subchip">{ text }</span> }
}

#[function_component(MessagingPanel)]
pub fn messaging_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(Msgs::default, observe, props.visible);
    let news = use_two_tab_demo(&props.session, demo_news);
    let expiry = use_two_tab_demo(&props.session, demo_expiry);
    if !props.visible {
        return html! {};
    }
    let session = &props.session;
    let m = model.get();
    let eng = engine();
    let eng = eng.borrow();
    let ps = &eng.core.pubsub;
    let (channels, patterns) = ps.overview();

    // Publishers, from the messages seen: who sent to which channels.
    let mut publishers: Vec<(Who, Vec<Vec<u8>>)> = Vec::new();
    for msg in m.log.iter().rev() {
        let i = match publishers.iter().position(|(w, _)| *w == msg.from) {
            Some(i) => i,
            None => {
                publishers.push((msg.from.clone(), Vec::new()));
                publishers.len() - 1
            }
        };
        if !publishers[i].1.contains(&msg.p.channel) {
            publishers[i].1.push(msg.p.channel.clone());
        }
    }
    let publisher_rows = publishers.iter().map(|(w, chans)| {
        html! {
            <li class="publisher"><b>{ who_label(session, w, lang) }</b>{ " → " }
                { chans.iter().map(|c| repr(c)).collect::<Vec<_>>().join(", ") }</li>
        }
    });
    let channel_rows = channels.iter().map(|(ch, subs)| {
        html! {
            <li class="channel" data-channel={String::from_utf8_lossy(ch).into_owned()}>
                <code>{ repr(ch) }</code>{ " → " }
                { for subs.iter().map(|c| chip(session.label_of(*c), None, lang)) }
            </li>
        }
    });
    let pattern_rows = patterns.iter().map(|(p, subs)| {
        html! {
            <li class="pattern"><code>{ repr(p) }</code><span class="muted">{ tr(lang, " (pattern)", " (패턴)") }</span>{ " → " }
                { for subs.iter().map(|c| chip(session.label_of(*c), None, lang)) }
            </li>
        }
    });
    let tab_rows = session.tabs.iter().map(|(id, label)| {
        let subs = ps.of(*id);
        let mut what: Vec<String> = Vec::new();
        if let Some(s) = subs {
            what.extend(s.channels.iter().map(|c| repr(c)));
            what.extend(
                s.patterns
                    .iter()
                    .map(|p| format!("{}{}", repr(p), tr(lang, " (pattern)", " (패턴)"))),
            );
            what.extend(
                s.shard
                    .iter()
                    .map(|c| format!("{}{}", repr(c), tr(lang, " (shard)", " (샤드)"))),
            );
        }
        let monitor = eng.core.monitors.contains(id);
        html! {
            <li class="subtab" data-client={id.to_string()}><b>{ label }</b>{ ": " }
                { if what.is_empty() && !monitor {
                    tr(lang, "not subscribed", "구독 없음").to_string()
                } else {
                    let mut t = what.join(", ");
                    if monitor {
                        if !t.is_empty() { t.push_str(", "); }
                        t.push_str("MONITOR");
                    }
                    t
                } }
            </li>
        }
    });
    let message_rows = m.log.iter().map(|msg| {
        let lost = msg.p.receivers.is_empty();
        html! {
            <tr key={msg.seq} class={classes!("msgrow", if lost { "lost" } else { "delivered" })}>
                <td class="num">{ msg.seq }</td>
                <td>{ who_label(session, &msg.from, lang) }</td>
                <td><code>{ repr(&msg.p.channel) }</code>{ if msg.p.shard { tr(lang, " (shard)", " (샤드)") } else { "" } }</td>
                <td><code>{ repr(&msg.p.message[..msg.p.message.len().min(200)]) }</code></td>
                <td class="to">{ if lost {
                    html! { <span class="lostmark" title={tr(lang, "Nobody was subscribed when it was published: Pub/Sub does not keep messages.", "발행 순간 구독자가 없었습니다: Pub/Sub는 메시지를 저장하지 않습니다.")}>{ tr(lang, "LOST: nobody listening", "유실: 구독자 없음") }</span> }
                } else {
                    html! { <>{ for msg.p.receivers.iter().map(|(c, via)| chip(session.label_of(*c), via.as_deref(), lang)) }</> }
                } }</td>
            </tr>
        }
    });
    html! {
        <div class="msgp">
            <p class="explain">{ tr(lang, "Pub/Sub delivers at most once: PUBLISH hands a message to whoever is subscribed at that moment and keeps nothing. With nobody listening the message is lost, and a subscriber that joins later never sees it (use a list or a stream when messages must wait).", "Pub/Sub는 최대 한 번(at-most-once) 전달합니다. PUBLISH는 그 순간 구독 중인 클라이언트에게만 메시지를 넘기고 아무것도 저장하지 않습니다. 구독자가 없으면 메시지는 사라지고, 나중에 구독한 클라이언트는 그 메시지를 볼 수 없습니다 (메시지가 기다려야 한다면 리스트나 스트림을 쓰세요).") }</p>
            <div class="flow" aria-label={tr(lang, "Message flow", "메시지 흐름")}>
                <section aria-label={tr(lang, "Publishers", "발행자")}><h5>{ tr(lang, "Publishers", "발행자") }</h5>
                    { if publishers.is_empty() { html! { <p class="muted small">{ tr(lang, "Nothing published yet. Try PUBLISH news hello.", "아직 발행된 것이 없습니다. PUBLISH news hello를 해 보세요.") }</p> } } else { html! {} } }
                    <ul>{ for publisher_rows }</ul></section>
                <section aria-label={tr(lang, "Channels and patterns", "채널과 패턴")}><h5>{ tr(lang, "Channels & patterns", "채널과 패턴") }</h5>
                    { if channels.is_empty() && patterns.is_empty() { html! { <p class="muted small">{ tr(lang, "No subscriptions. Try SUBSCRIBE news in a tab.", "구독이 없습니다. 탭 하나에서 SUBSCRIBE news를 해 보세요.") }</p> } } else { html! {} } }
                    <ul>{ for channel_rows }{ for pattern_rows }</ul></section>
                <section aria-label={tr(lang, "Subscribed tabs", "탭별 구독")}><h5>{ tr(lang, "Tabs", "탭별 구독") }</h5>
                    <ul>{ for tab_rows }</ul></section>
            </div>
            <p class="muted small">{ { let (numpat, delivered) = (ps.numpat(), ps.delivered); trf!(lang, "PUBSUB NUMPAT {numpat} · messages delivered (each copy) {delivered}", "PUBSUB NUMPAT {numpat} · 전달된 메시지 (사본마다) {delivered}") } }</p>
            <h5>{ tr(lang, "Recent messages", "최근 메시지") }</h5>
            { if m.log.is_empty() { html! { <p class="muted small">{ tr(lang, "No message published yet.", "아직 발행된 메시지가 없습니다.") }</p> } } else { html! {} } }
            <table class="msgs" aria-label={tr(lang, "Recent messages", "최근 메시지")}>
                <thead><tr><th>{ "#" }</th><th>{ tr(lang, "from", "보낸 쪽") }</th><th>{ tr(lang, "channel", "채널") }</th><th>{ tr(lang, "message", "메시지") }</th><th>{ tr(lang, "received by", "받은 쪽") }</th></tr></thead>
                <tbody>{ for message_rows }</tbody>
            </table>
            <div class="demo">
                <button class="demo-news" onclick={news}>{ tr(lang, "Demo: delivered vs lost", "데모: 전달과 유실") }</button>
                <p class="muted small">{ tr(lang, "Client 2 publishes to news before Client 1 subscribes (lost), then after (delivered).", "Client 2가 Client 1이 구독하기 전에 news에 발행하고(유실), 구독한 뒤에 다시 발행합니다(전달).") }</p>
                <button class="demo-expiry" onclick={expiry}>{ tr(lang, "Demo: session expiry notification", "데모: 세션 만료 알림") }</button>
                <p class="muted small">{ tr(lang, "CONFIG SET notify-keyspace-events Ex, Client 1 subscribes to __keyevent@0__:expired, Client 2 runs SET session:42 alice EX 3: about 3 s later the expired event arrives in Client 1.", "CONFIG SET notify-keyspace-events Ex 뒤 Client 1이 __keyevent@0__:expired를 구독하고 Client 2가 SET session:42 alice EX 3을 실행합니다: 약 3초 뒤 expired 이벤트가 Client 1에 도착합니다.") }</p>
            </div>
        </div>
    }
}
