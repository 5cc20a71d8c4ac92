//! The list panel: a list as a queue, head on the left, tail on the right. Elements a
//! command pushed are marked at the end they entered, elements a command popped are
//! shown leaving from their end, and the clients blocked on the key (BLPOP, BLMOVE …)
//! are listed in the order Redis will serve them, with the moment one is served.

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::session::PanelProps;
use crate::console::repr;
use crate::engine::list::End;
use crate::engine::Reply;

/// The commands this panel follows (and that bring it forward).
pub const LIST_COMMANDS: &[&str] = &[
    "lpush",
    "rpush",
    "lpushx",
    "rpushx",
    "lpop",
    "rpop",
    "lrange",
    "llen",
    "lindex",
    "lset",
    "linsert",
    "lrem",
    "ltrim",
    "lpos",
    "lmove",
    "rpoplpush",
    "lmpop",
    "blpop",
    "brpop",
    "blmove",
    "brpoplpush",
    "blmpop",
];

/// Elements drawn at most.
const SHOWN: usize = 24;

/// What the last command did to the list shown.
#[derive(Clone, PartialEq)]
enum Change {
    Pushed(End, usize),
    Popped(End, Vec<Vec<u8>>),
}

#[derive(Default)]
struct ListTrack {
    key: Option<Vec<u8>>,
    change: Option<Change>,
    /// The latest clients served after blocking: (client, what they got).
    served: Vec<String>,
}

fn lower(a: &[u8]) -> String {
    String::from_utf8_lossy(a).to_ascii_lowercase()
}

/// The elements a pop's reply carries (a bulk, an array, or [key, elements]).
fn popped(reply: &Reply) -> Vec<Vec<u8>> {
    match reply {
        Reply::Bulk(v) => vec![v.clone()],
        Reply::Array(items) => match items.as_slice() {
            [Reply::Bulk(_), inner @ Reply::Array(_)] => inner.bulk_items(),
            [Reply::Bulk(_), Reply::Bulk(v)] => vec![v.clone()],
            _ => reply.bulk_items(),
        },
        _ => Vec::new(),
    }
}

impl ListTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Ran(o) if o.is(LIST_COMMANDS) && o.argv.len() >= 2 => {
                let name = o.name();
                let end = |i: usize| o.argv.get(i).and_then(|a| End::parse(a));
                let first_key = match name.as_str() {
                    "lmpop" => o.argv.get(2).cloned(),
                    "blmpop" => o.argv.get(3).cloned(),
                    _ => o.argv.get(1).cloned(),
                };
                self.key = first_key;
                self.change = match (&o.reply, name.as_str()) {
                    (Some(r), _) if r.is_error() || o.pending => None,
                    (Some(_), "lpush" | "lpushx") => {
                        Some(Change::Pushed(End::Left, o.argv.len() - 2))
                    }
                    (Some(_), "rpush" | "rpushx") => {
                        Some(Change::Pushed(End::Right, o.argv.len() - 2))
                    }
                    (Some(r), "lpop" | "blpop") => Some(Change::Popped(End::Left, popped(r))),
                    (Some(r), "rpop" | "brpop" | "rpoplpush" | "brpoplpush") => {
                        Some(Change::Popped(End::Right, popped(r)))
                    }
                    (Some(r), "lmove" | "blmove") => {
                        Some(Change::Popped(end(3).unwrap_or(End::Left), popped(r)))
                    }
                    (Some(r), "lmpop" | "blmpop") => {
                        // LEFT|RIGHT follows the keys: numkeys is argument 1 (2 for BLMPOP).
                        let at = if name == "lmpop" { 1 } else { 2 };
                        let n = o
                            .argv
                            .get(at)
                            .and_then(|a| crate::engine::util::parse_i64(a))
                            .unwrap_or(0)
                            .max(0) as usize;
                        Some(Change::Popped(
                            end(at + 1 + n).unwrap_or(End::Left),
                            popped(r),
                        ))
                    }
                    _ => None,
                };
                true
            }
            Feed::Delivered {
                client,
                argv,
                reply,
                ..
            } if argv
                .first()
                .is_some_and(|a| lower(a).starts_with("bl") || lower(a).starts_with("brpop")) =>
            {
                let what = match reply {
                    Reply::NilArray | Reply::Nil => "timed out".to_string(),
                    Reply::Error(e) => e.clone(),
                    r => format!(
                        "got {}",
                        popped(r)
                            .iter()
                            .map(|v| repr(v))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let who = engine()
                    .borrow()
                    .client(*client)
                    .map_or(format!("client {client}"), |c| c.addr.clone());
                self.served.insert(0, format!("{who} {what}"));
                self.served.truncate(5);
                true
            }
            Feed::Replaced => {
                *self = ListTrack::default();
                true
            }
            Feed::Background(_) => self.key.is_some(),
            Feed::Ran(o) => self.key.is_some() && o.wrote(),
            _ => false,
        }
    }
}

#[function_component(ListPanel)]
pub fn list_panel(props: &PanelProps) -> Html {
    let model = use_model(ListTrack::default, ListTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let track = model.get();
    let db = props.session.db;
    let demo = props.session.runs(JOB_QUEUE);
    let served = html! {
        { for (!track.served.is_empty()).then(|| html! {
            <div class="served"><b>{ "Served after waiting (대기 후 전달): " }</b>
                { for track.served.iter().map(|s| html! { <span class="servedline">{ s }</span> }) }</div>
        }) }
    };
    let Some(key) = track.key.clone() else {
        return html! {
            <div class="listp">
                <p>{ "No list yet (아직 리스트가 없습니다). Try " }<code>{ "RPUSH jobs a b c" }</code>{ ", then " }<code>{ "BLPOP jobs 0" }</code>{ " in another client tab, or:" }</p>
                <button onclick={demo}>{ "Demo: a job queue · 데모: 작업 큐" }</button>
                { served }
            </div>
        };
    };
    let eng = engine();
    let eng = eng.borrow();
    let items: Vec<Vec<u8>> = eng
        .peek_list(db, &key)
        .map(|l| l.iter().cloned().collect())
        .unwrap_or_default();
    let len = items.len();
    let waiting: Vec<String> = eng
        .core
        .blocking
        .waiting_on(db, &key)
        .into_iter()
        .map(|id| {
            eng.client(id)
                .map_or(format!("client {id}"), |c| c.addr.clone())
        })
        .collect();
    let (new_left, new_right) = match &track.change {
        Some(Change::Pushed(End::Left, n)) => (*n, 0),
        Some(Change::Pushed(End::Right, n)) => (0, *n),
        _ => (0, 0),
    };
    let cells = items.iter().enumerate().filter(|(i, _)| *i < SHOWN / 2 || *i >= len.saturating_sub(SHOWN / 2)).map(|(i, v)| {
        let fresh = i < new_left || i >= len - new_right.min(len);
        let gap = i == SHOWN / 2 && len > SHOWN;
        html! {
            <>
                { if gap { html! { <span class="qgap">{ format!("… {} more …", len - SHOWN) }</span> } } else { html! {} } }
                <span class={classes!("qitem", fresh.then_some("fresh"))} title={format!("index {i}")}>{ repr(&v[..v.len().min(24)]) }</span>
            </>
        }
    });
    let leaving = match &track.change {
        Some(Change::Popped(end, vs)) if !vs.is_empty() => html! {
            <div class={classes!("leaving", if *end == End::Left { "left" } else { "right" })}>
                { format!("{} popped from the {}: ", vs.len(), if *end == End::Left { "head (left)" } else { "tail (right)" }) }
                { for vs.iter().map(|v| html! { <span class="qitem gone">{ repr(v) }</span> }) }
            </div>
        },
        _ => html! {},
    };
    html! {
        <div class="listp">
            <div class="toolbar"><span><b>{ String::from_utf8_lossy(&key).into_owned() }</b>{ format!(" — {len} elements") }</span>
                <span class="muted">{ "head (LPUSH/LPOP) ← → tail (RPUSH/RPOP)" }</span></div>
            <div class="queue" aria-label="list elements">{ for cells }</div>
            { if len == 0 { html! { <p class="muted small">{ "empty: the key is gone (Redis deletes an empty list)" }</p> } } else { html! {} } }
            { leaving }
            <div class="waiters"><b>{ format!("Blocked on {}: ", String::from_utf8_lossy(&key)) }</b>
                { if waiting.is_empty() { html! { <span class="muted">{ "nobody" }</span> } } else { html! {
                    <ol class="waitlist">{ for waiting.iter().map(|w| html! { <li class="waiter">{ w }</li> }) }</ol>
                } } }
                <span class="muted small">{ " (served first come, first served; each push serves one)" }</span>
            </div>
            { served }
            <div class="demo"><button onclick={demo}>{ "Demo: a job queue · 데모: 작업 큐" }</button>
                <p class="muted small">{ "A producer LPUSHes jobs, a worker RPOPs the oldest: first in, first out. With BRPOP the worker waits instead of polling. 생산자가 LPUSH로 작업을 넣고 워커가 RPOP으로 가장 오래된 것을 꺼냅니다 (선입선출). BRPOP이면 폴링 대신 기다립니다." }</p></div>
        </div>
    }
}

/// The job-queue demo: jobs pushed at the head, the oldest taken from the tail.
const JOB_QUEUE: &[&str] = &[
    "DEL jobs",
    "LPUSH jobs job:1 job:2 job:3 job:4",
    "RPOP jobs",
    "LRANGE jobs 0 -1",
];
