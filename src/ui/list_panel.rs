//! The list panel: a list as a queue, head on the left, tail on the right. Elements a
//! command pushed are marked at the end they entered, elements a command popped are
//! shown leaving from their end, and the clients blocked on the key (BLPOP, BLMOVE …)
//! are listed in the order Redis will serve them, with the moment one is served.

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{self, tr, trf, use_lang, Lang};
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
                let lang = i18n::current();
                let what = match reply {
                    Reply::NilArray | Reply::Nil => tr(lang, "timed out", "타임아웃").to_string(),
                    Reply::Error(e) => e.clone(),
                    r => {
                        let got = popped(r)
                            .iter()
                            .map(|v| repr(v))
                            .collect::<Vec<_>>()
                            .join(", ");
                        trf!(lang, "got {got}", "{got} 받음")
                    }
                };
                let who = engine()
                    .borrow()
                    .client(*client)
                    .map_or(format!("client {client}"), |c| c.addr.clone());
                self.served.insert(
                    0,
                    match lang {
                        Lang::En => format!("{who} {what}"),
                        Lang::Ko => format!("{who}: {what}"),
                    },
                );
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
    let lang = use_lang();
    let model = use_model(ListTrack::default, ListTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let track = model.get();
    let db = props.session.db;
    let demo = props.session.runs(JOB_QUEUE);
    let served = html! {
        { for (!track.served.is_empty()).then(|| html! {
            <div class="served"><b>{ tr(lang, "Served after waiting: ", "기다린 뒤 전달됨: ") }</b>
                { for track.served.iter().map(|s| html! { <span class="servedline">{ s }</span> }) }</div>
        }) }
    };
    let Some(key) = track.key.clone() else {
        return html! {
            <div class="listp">
                <p>{ tr(lang, "No list yet. Try ", "아직 리스트가 없습니다. ") }<code>{ "RPUSH jobs a b c" }</code>{ tr(lang, ", then ", "를 실행하고 다른 클라이언트 탭에서 ") }<code>{ "BLPOP jobs 0" }</code>{ tr(lang, " in another client tab, or:", "을 실행해 보거나:") }</p>
                <button onclick={demo}>{ tr(lang, "Demo: a job queue", "데모: 작업 큐") }</button>
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
                { if gap { html! { <span class="qgap">{ { let n = len - SHOWN; trf!(lang, "… {n} more …", "… {n}개 더 …") } }</span> } } else { html! {} } }
                <span class={classes!("qitem", fresh.then_some("fresh"))} title={trf!(lang, "index {i}", "인덱스 {i}")}>{ repr(&v[..v.len().min(24)]) }</span>
            </>
        }
    });
    let leaving = match &track.change {
        Some(Change::Popped(end, vs)) if !vs.is_empty() => html! {
            <div class={classes!("leaving", if *end == End::Left { "left" } else { "right" })}>
                { { let n = vs.len(); if *end == End::Left { trf!(lang, "{n} popped from the head (left): ", "머리(왼쪽)에서 {n}개 꺼냄: ") } else { trf!(lang, "{n} popped from the tail (right): ", "꼬리(오른쪽)에서 {n}개 꺼냄: ") } } }
                { for vs.iter().map(|v| html! { <span class="qitem gone">{ repr(v) }</span> }) }
            </div>
        },
        _ => html! {},
    };
    html! {
        <div class="listp">
            <div class="toolbar"><span><b>{ String::from_utf8_lossy(&key).into_owned() }</b>{ trf!(lang, " — {len} elements", " — 원소 {len}개") }</span>
                <span class="muted">{ tr(lang, "head (LPUSH/LPOP) ← → tail (RPUSH/RPOP)", "머리 (LPUSH/LPOP) ← → 꼬리 (RPUSH/RPOP)") }</span></div>
            <div class="queue" aria-label={tr(lang, "list elements", "리스트 원소")}>{ for cells }</div>
            { if len == 0 { html! { <p class="muted small">{ tr(lang, "empty: the key is gone (Redis deletes an empty list)", "비었습니다: 키가 사라졌습니다 (Redis는 빈 리스트를 지웁니다)") }</p> } } else { html! {} } }
            { leaving }
            <div class="waiters"><b>{ { let k = String::from_utf8_lossy(&key); trf!(lang, "Blocked on {k}: ", "{k}에서 블로킹 중: ") } }</b>
                { if waiting.is_empty() { html! { <span class="muted">{ tr(lang, "nobody", "없음") }</span> } } else { html! {
                    <ol class="waitlist">{ for waiting.iter().map(|w| html! { <li class="waiter">{ w }</li> }) }</ol>
                } } }
                <span class="muted small">{ tr(lang, " (served first come, first served; each push serves one)", " (먼저 온 순서대로 전달, 푸시 하나가 한 클라이언트에게)") }</span>
            </div>
            { served }
            <div class="demo"><button onclick={demo}>{ tr(lang, "Demo: a job queue", "데모: 작업 큐") }</button>
                <p class="muted small">{ tr(lang, "A producer LPUSHes jobs, a worker RPOPs the oldest: first in, first out. With BRPOP the worker waits instead of polling.", "생산자가 LPUSH로 작업을 넣고 워커가 RPOP으로 가장 오래된 것을 꺼냅니다: 선입선출. BRPOP을 쓰면 워커가 폴링하지 않고 기다립니다.") }</p></div>
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
