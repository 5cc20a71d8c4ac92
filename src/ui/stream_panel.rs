//! The stream panel: a stream as Redis stores it, a timeline of entries grouped by
//! listpack node (each node's master ID, live and deleted counts, and bytes against
//! `stream-node-max-bytes`; entries as deltas from the master ID, deleted ones struck
//! through, the entry the last XADD made marked), then the consumer groups with their
//! last delivered ID, entries read and lag, and each consumer's pending entries with
//! their idle time and delivery count, and the clients blocked on the key.

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::session::PanelProps;
use crate::console::repr;
use crate::engine::stream::{Stream, StreamId};
use crate::engine::Reply;

/// The commands this panel follows (and that bring it forward).
pub const STREAM_COMMANDS: &[&str] = &[
    "xadd",
    "xlen",
    "xrange",
    "xrevrange",
    "xdel",
    "xtrim",
    "xread",
    "xreadgroup",
    "xgroup",
    "xack",
    "xpending",
    "xclaim",
    "xautoclaim",
    "xinfo",
    "xsetid",
];

/// Nodes drawn at most (the first and the last ones), and entries per node.
const NODES_SHOWN: usize = 6;
const ENTRIES_SHOWN: usize = 16;
/// Pending entries listed per consumer.
const PENDING_SHOWN: usize = 8;

#[derive(Default)]
struct StreamTrack {
    key: Option<Vec<u8>>,
    /// The ID the last XADD on the key made.
    added: Option<Vec<u8>>,
    /// The latest readers served after blocking: (client, what they got).
    served: Vec<String>,
}

/// The key a stream command is about: after STREAMS for XREAD/XREADGROUP, after the
/// subcommand for XGROUP/XINFO, else the first argument.
fn key_of(argv: &[Vec<u8>]) -> Option<Vec<u8>> {
    let name = String::from_utf8_lossy(argv.first()?).to_ascii_lowercase();
    match name.as_str() {
        "xread" | "xreadgroup" => crate::engine::cmd::stream::blocking_keys(argv)
            .into_iter()
            .next(),
        "xgroup" | "xinfo" => argv.get(2).cloned(),
        _ => argv.get(1).cloned(),
    }
}

/// How many entries a read reply carries (XREAD's per-stream arrays or map).
fn entries_in(reply: &Reply) -> usize {
    match reply {
        Reply::Array(streams) => streams
            .iter()
            .map(|s| match s {
                Reply::Array(kv) => match kv.get(1) {
                    Some(Reply::Array(e)) => e.len(),
                    _ => 0,
                },
                _ => 0,
            })
            .sum(),
        Reply::Map(streams) => streams
            .iter()
            .map(|(_, e)| match e {
                Reply::Array(e) => e.len(),
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}

impl StreamTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Ran(o) if o.is(STREAM_COMMANDS) && o.argv.len() >= 2 => {
                let key = key_of(&o.argv);
                if key != self.key {
                    self.added = None;
                }
                self.key = key.or(self.key.take());
                if o.name() == "xadd" {
                    if let Some(Reply::Bulk(id)) = &o.reply {
                        self.added = Some(id.clone());
                    }
                }
                true
            }
            Feed::Delivered {
                client,
                argv,
                reply,
                ..
            } if argv.first().is_some_and(|a| {
                a.eq_ignore_ascii_case(b"xread") || a.eq_ignore_ascii_case(b"xreadgroup")
            }) =>
            {
                let what = match reply {
                    Reply::NilArray | Reply::Nil => "timed out".to_string(),
                    Reply::Error(e) => e.clone(),
                    r => format!("got {} entries", entries_in(r)),
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
                *self = StreamTrack::default();
                true
            }
            Feed::Background(_) => self.key.is_some(),
            Feed::Ran(o) => self.key.is_some() && o.wrote(),
            _ => false,
        }
    }
}

fn idle(now: i64, then: i64) -> String {
    let ms = now.saturating_sub(then).max(0);
    if ms < 10_000 {
        format!("{ms} ms")
    } else {
        format!("{} s", ms / 1000)
    }
}

/// An entry's ID as the listpack stores it: the delta from its node's master ID.
fn delta(master: StreamId, id: StreamId) -> String {
    format!(
        "+{}-{}",
        id.ms.wrapping_sub(master.ms) as i64,
        id.seq.wrapping_sub(master.seq) as i64
    )
}

fn nodes_html(s: &Stream, added: Option<&[u8]>, max_bytes: i64, max_entries: i64) -> Html {
    let n = s.nodes.len();
    let shown = s
        .nodes
        .values()
        .enumerate()
        .filter(|(i, _)| *i < NODES_SHOWN / 2 || *i >= n.saturating_sub(NODES_SHOWN / 2));
    let mut out = Vec::new();
    for (i, node) in shown {
        if i == NODES_SHOWN / 2 && n > NODES_SHOWN {
            out.push(
                html! { <div class="qgap">{ format!("… {} more nodes …", n - NODES_SHOWN) }</div> },
            );
        }
        let total = node.entries.len();
        let entries = node.entries.iter().enumerate().filter(|(j, _)| *j < ENTRIES_SHOWN / 2 || *j >= total.saturating_sub(ENTRIES_SHOWN / 2)).map(|(j, e)| {
            let fresh = added == Some(&e.id.text()[..]);
            let pairs = node.pairs(e);
            let title = format!(
                "{}{}{}: {}",
                e.id,
                if e.samefields() { " (same fields as the master entry: values only)" } else { " (own fields)" },
                if e.deleted() { ", deleted" } else { "" },
                pairs.iter().map(|(f, v)| format!("{}={}", repr(f), repr(&v[..v.len().min(24)]))).collect::<Vec<_>>().join(" ")
            );
            let gap = j == ENTRIES_SHOWN / 2 && total > ENTRIES_SHOWN;
            html! {
                <>
                    { if gap { html! { <span class="qgap">{ format!("… {} more …", total - ENTRIES_SHOWN) }</span> } } else { html! {} } }
                    <span class={classes!("qitem", fresh.then_some("fresh"), e.deleted().then_some("gone"), (!e.samefields()).then_some("own"))} title={title}>{ if j == 0 { e.id.to_string() } else { delta(node.master_id, e.id) } }</span>
                </>
            }
        });
        let full_entries = max_entries > 0 && node.live + node.deleted >= max_entries as u64;
        out.push(html! {
            <div class="snode" aria-label="listpack node">
                <div class="muted small">
                    { format!("node {} · master fields [{}] · {} live, {} deleted{} · {} bytes of {}",
                        node.master_id,
                        node.master_fields.iter().map(|f| repr(f)).collect::<Vec<_>>().join(" "),
                        node.live, node.deleted,
                        if full_entries { " (full)" } else { "" },
                        node.lp_bytes(), max_bytes) }
                </div>
                <div class="queue">{ for entries }</div>
            </div>
        });
    }
    html! { <div class="snodes">{ for out }</div> }
}

fn groups_html(s: &Stream, now: i64) -> Html {
    if s.groups.is_empty() {
        return html! { <p class="muted small">{ "No consumer groups. XGROUP CREATE key group $ makes one that reads only new entries. 컨슈머 그룹이 없습니다: XGROUP CREATE로 만드세요." }</p> };
    }
    let groups = s.groups.iter().map(|(name, g)| {
        let lag = s.lag(g).map_or("unknown (a deleted entry lies ahead)".to_string(), |l| l.to_string());
        let read = if g.entries_read == -1 { "unknown".to_string() } else { g.entries_read.to_string() };
        let consumers = g.consumers.iter().map(|(cname, c)| {
            let pending = c.pel.iter().take(PENDING_SHOWN).map(|id| {
                let (t, n) = g.pel.get(id).map_or((now, 0), |n| (n.delivery_time, n.delivery_count));
                html! { <span class="qitem" title={format!("delivered {n} times, last {} ago", idle(now, t))}>{ format!("{id} · {} · ×{n}", idle(now, t)) }</span> }
            });
            html! {
                <li>
                    <b>{ repr(cname) }</b>{ format!(" — seen {} ago, {} pending ", idle(now, c.seen_time), c.pel.len()) }
                    <span class="queue">{ for pending }</span>
                    { if c.pel.len() > PENDING_SHOWN { html! { <span class="muted small">{ format!(" … {} more", c.pel.len() - PENDING_SHOWN) }</span> } } else { html! {} } }
                </li>
            }
        });
        html! {
            <div class="sgroup">
                <div><b>{ repr(name) }</b>{ format!(" — last delivered {} · entries read {read} · lag {lag} · {} pending", g.last_id, g.pel.len()) }</div>
                { if g.consumers.is_empty() { html! { <p class="muted small">{ "no consumers yet (XREADGROUP makes them)" }</p> } } else { html! { <ul class="consumers">{ for consumers }</ul> } } }
            </div>
        }
    });
    html! { <div class="sgroups">{ for groups }</div> }
}

#[function_component(StreamPanel)]
pub fn stream_panel(props: &PanelProps) -> Html {
    let model = use_model(StreamTrack::default, StreamTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let track = model.get();
    let db = props.session.db;
    let demo = props.session.runs(DEMO);
    let demo_html = html! {
        <div class="demo"><button onclick={demo}>{ "Demo: a consumer group · 데모: 컨슈머 그룹" }</button>
            <p class="muted small">{ "Orders appended with XADD, two workers of a group reading with XREADGROUP, their pending entries, and one worker claiming the other's entry with XAUTOCLAIM (at-least-once). XADD로 주문을 쌓고, 그룹의 두 워커가 XREADGROUP으로 읽고, XACK 전에 멈춘 워커의 메시지를 다른 워커가 XAUTOCLAIM으로 가져옵니다 (최소 한 번 전달)." }</p></div>
    };
    let served = html! {
        { for (!track.served.is_empty()).then(|| html! {
            <div class="served"><b>{ "Served after waiting (대기 후 전달): " }</b>
                { for track.served.iter().map(|s| html! { <span class="servedline">{ s }</span> }) }</div>
        }) }
    };
    let Some(key) = track.key.clone() else {
        return html! {
            <div class="listp streamp">
                <p>{ "No stream yet (아직 스트림이 없습니다). Try " }<code>{ "XADD orders * item book" }</code>{ ", then " }<code>{ "XREAD BLOCK 0 STREAMS orders $" }</code>{ " in another client tab, or:" }</p>
                { demo_html }
                { served }
            </div>
        };
    };
    let eng = engine();
    let eng = eng.borrow();
    let name = String::from_utf8_lossy(&key).into_owned();
    let Some(s) = eng.peek_stream(db, &key) else {
        return html! {
            <div class="listp streamp">
                <p><b>{ name }</b>{ " is not a stream now (missing, or another type). 지금은 스트림이 아닙니다." }</p>
                { served }
                { demo_html }
            </div>
        };
    };
    let now = eng.now_ms();
    let cfg = &eng.core.config;
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
    html! {
        <div class="listp streamp">
            <div class="toolbar"><span><b>{ name.clone() }</b>{ format!(" — {} entries in {} listpack nodes", s.len(), s.nodes.len()) }</span>
                <span class="muted">{ format!("last ID {} · {} added ever · max deleted {}", s.last_id, s.entries_added, s.max_deleted_entry_id) }</span></div>
            <p class="muted small">{ format!("A node holds up to {} entries (stream-node-max-entries) or {} bytes (stream-node-max-bytes). Each entry stores its ID as a delta from the node's master ID; an entry with the master entry's fields stores only its values (outlined ones carry their own fields). XDEL only flags an entry deleted; a node goes when its last live entry does. XTRIM with ~ drops whole nodes only. 노드 하나에 항목이 최대 {}개(stream-node-max-entries) 또는 {}바이트까지 들어갑니다.", cfg.stream_node_max_entries, cfg.stream_node_max_bytes, cfg.stream_node_max_entries, cfg.stream_node_max_bytes) }</p>
            { nodes_html(s, track.added.as_deref(), cfg.stream_node_max_bytes, cfg.stream_node_max_entries) }
            <h4>{ "Consumer groups · 컨슈머 그룹" }</h4>
            { groups_html(s, now) }
            <div class="waiters"><b>{ format!("Blocked on {name}: ") }</b>
                { if waiting.is_empty() { html! { <span class="muted">{ "nobody (없음)" }</span> } } else { html! {
                    <ol class="waitlist">{ for waiting.iter().map(|w| html! { <li class="waiter">{ w }</li> }) }</ol>
                } } }
            </div>
            { served }
            { demo_html }
        </div>
    }
}

/// An order queue read by a consumer group of two workers; bob reads first, so the
/// oldest pending entry is his, and alice's XAUTOCLAIM takes it over (as if bob crashed
/// before XACK: at-least-once).
const DEMO: &[&str] = &[
    "DEL orders",
    "XGROUP CREATE orders workers $ MKSTREAM",
    "XADD orders * item book qty 1",
    "XADD orders * item pen qty 3",
    "XADD orders * item lamp qty 1",
    "XREADGROUP GROUP workers bob COUNT 1 STREAMS orders >",
    "XREADGROUP GROUP workers alice COUNT 2 STREAMS orders >",
    "XPENDING orders workers",
    "XAUTOCLAIM orders workers alice 0 0 COUNT 1",
    "XINFO GROUPS orders",
];
