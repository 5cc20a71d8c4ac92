//! The stream panel: a stream as Redis stores it, a timeline of entries grouped by
//! listpack node (each node's master ID, live and deleted counts, and bytes against
//! `stream-node-max-bytes`; entries as deltas from the master ID, deleted ones struck
//! through, the entry the last XADD made marked), then the consumer groups with their
//! last delivered ID, entries read and lag, and each consumer's pending entries with
//! their idle time and delivery count, and the clients blocked on the key.

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{self, tr, trf, use_lang, Lang};
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
                let lang = i18n::current();
                let what = match reply {
                    Reply::NilArray | Reply::Nil => tr(lang, "timed out", "타임아웃").to_string(),
                    Reply::Error(e) => e.clone(),
                    r => {
                        let n = entries_in(r);
                        trf!(lang, "got {n} entries", "항목 {n}개 받음")
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

fn nodes_html(
    s: &Stream,
    added: Option<&[u8]>,
    max_bytes: i64,
    max_entries: i64,
    lang: Lang,
) -> Html {
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
                html! { <div class="qgap">{ { let more = n - NODES_SHOWN; trf!(lang, "… {more} more nodes …", "… 노드 {more}개 더 …") } }</div> },
            );
        }
        let total = node.entries.len();
        let entries = node.entries.iter().enumerate().filter(|(j, _)| *j < ENTRIES_SHOWN / 2 || *j >= total.saturating_sub(ENTRIES_SHOWN / 2)).map(|(j, e)| {
            let fresh = added == Some(&e.id.text()[..]);
            let pairs = node.pairs(e);
            let title = format!(
                "{}{}{}: {}",
                e.id,
                if e.samefields() { tr(lang, " (same fields as the master entry: values only)", " (마스터 항목과 같은 필드: 값만 저장)") } else { tr(lang, " (own fields)", " (자기 필드)") },
                if e.deleted() { tr(lang, ", deleted", ", 삭제됨") } else { "" },
                pairs.iter().map(|(f, v)| format!("{}={}", repr(f), repr(&v[..v.len().min(24)]))).collect::<Vec<_>>().join(" ")
            );
            let gap = j == ENTRIES_SHOWN / 2 && total > ENTRIES_SHOWN;
            html! {
                <>
                    { if gap { html! { <span class="qgap">{ { let more = total - ENTRIES_SHOWN; trf!(lang, "… {more} more …", "… {more}개 더 …") } }</span> } } else { html! {} } }
                    <span class={classes!("qitem", fresh.then_some("fresh"), e.deleted().then_some("gone"), (!e.samefields()).then_some("own"))} title={title}>{ if j == 0 { e.id.to_string() } else { delta(node.master_id, e.id) } }</span>
                </>
            }
        });
        let full_entries = max_entries > 0 && node.live + node.deleted >= max_entries as u64;
        out.push(html! {
            <div class="snode" aria-label={tr(lang, "listpack node", "listpack 노드")}>
                <div class="muted small">
                    { {
                        let (master, fields, live, deleted, bytes) = (node.master_id, node.master_fields.iter().map(|f| repr(f)).collect::<Vec<_>>().join(" "), node.live, node.deleted, node.lp_bytes());
                        let full = if full_entries { tr(lang, " (full)", " (가득 참)") } else { "" };
                        trf!(lang, "node {master} · master fields [{fields}] · {live} live, {deleted} deleted{full} · {bytes} bytes of {max_bytes}", "노드 {master} · 마스터 필드 [{fields}] · 살아 있음 {live}, 삭제됨 {deleted}{full} · {max_bytes}바이트 중 {bytes}바이트")
                    } }
                </div>
                <div class="queue">{ for entries }</div>
            </div>
        });
    }
    html! { <div class="snodes">{ for out }</div> }
}

fn groups_html(s: &Stream, now: i64, lang: Lang) -> Html {
    if s.groups.is_empty() {
        return html! { <p class="muted small">{ tr(lang, "No consumer groups. XGROUP CREATE key group $ makes one that reads only new entries.", "컨슈머 그룹이 없습니다. XGROUP CREATE key group $로 새 항목만 읽는 그룹을 만드세요.") }</p> };
    }
    let groups = s.groups.iter().map(|(name, g)| {
        let lag = s.lag(g).map_or(tr(lang, "unknown (a deleted entry lies ahead)", "알 수 없음 (앞에 삭제된 항목이 있음)").to_string(), |l| l.to_string());
        let read = if g.entries_read == -1 { tr(lang, "unknown", "알 수 없음").to_string() } else { g.entries_read.to_string() };
        let consumers = g.consumers.iter().map(|(cname, c)| {
            let pending = c.pel.iter().take(PENDING_SHOWN).map(|id| {
                let (t, n) = g.pel.get(id).map_or((now, 0), |n| (n.delivery_time, n.delivery_count));
                html! { <span class="qitem" title={{ let ago = idle(now, t); trf!(lang, "delivered {n} times, last {ago} ago", "{n}번 전달, 마지막은 {ago} 전") }}>{ format!("{id} · {} · ×{n}", idle(now, t)) }</span> }
            });
            html! {
                <li>
                    <b>{ repr(cname) }</b>{ { let (ago, n) = (idle(now, c.seen_time), c.pel.len()); trf!(lang, " — seen {ago} ago, {n} pending ", " — {ago} 전에 활동, 대기 {n}개 ") } }
                    <span class="queue">{ for pending }</span>
                    { if c.pel.len() > PENDING_SHOWN { html! { <span class="muted small">{ { let more = c.pel.len() - PENDING_SHOWN; trf!(lang, " … {more} more", " … 외 {more}개") } }</span> } } else { html! {} } }
                </li>
            }
        });
        html! {
            <div class="sgroup">
                <div><b>{ repr(name) }</b>{ { let (last, n) = (g.last_id, g.pel.len()); trf!(lang, " — last delivered {last} · entries read {read} · lag {lag} · {n} pending", " — 마지막 전달 {last} · 읽은 항목 {read} · 지연 {lag} · 대기 {n}개") } }</div>
                { if g.consumers.is_empty() { html! { <p class="muted small">{ tr(lang, "no consumers yet (XREADGROUP makes them)", "아직 컨슈머가 없습니다 (XREADGROUP이 만듭니다)") }</p> } } else { html! { <ul class="consumers">{ for consumers }</ul> } } }
            </div>
        }
    });
    html! { <div class="sgroups">{ for groups }</div> }
}

#[function_component(StreamPanel)]
pub fn stream_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(StreamTrack::default, StreamTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let track = model.get();
    let db = props.session.db;
    let demo = props.session.runs(DEMO);
    let demo_html = html! {
        <div class="demo"><button onclick={demo}>{ tr(lang, "Demo: a consumer group", "데모: 컨슈머 그룹") }</button>
            <p class="muted small">{ tr(lang, "Orders appended with XADD, two workers of a group reading with XREADGROUP, their pending entries, and one worker claiming the other's entry with XAUTOCLAIM (at-least-once).", "XADD로 주문을 쌓고, 한 그룹의 두 워커가 XREADGROUP으로 읽고, 대기 항목을 보고, XACK 전에 멈춘 워커의 항목을 다른 워커가 XAUTOCLAIM으로 가져옵니다 (최소 한 번 전달).") }</p></div>
    };
    let served = html! {
        { for (!track.served.is_empty()).then(|| html! {
            <div class="served"><b>{ tr(lang, "Served after waiting: ", "기다린 뒤 전달됨: ") }</b>
                { for track.served.iter().map(|s| html! { <span class="servedline">{ s }</span> }) }</div>
        }) }
    };
    let Some(key) = track.key.clone() else {
        return html! {
            <div class="listp streamp">
                <p>{ tr(lang, "No stream yet. Try ", "아직 스트림이 없습니다. ") }<code>{ "XADD orders * item book" }</code>{ tr(lang, ", then ", "를 실행하고 다른 클라이언트 탭에서 ") }<code>{ "XREAD BLOCK 0 STREAMS orders $" }</code>{ tr(lang, " in another client tab, or:", "를 실행해 보거나:") }</p>
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
                <p><b>{ name }</b>{ tr(lang, " is not a stream now (missing, or another type).", ": 지금은 스트림이 아닙니다 (없거나 다른 타입).") }</p>
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
            <div class="toolbar"><span><b>{ name.clone() }</b>{ { let (n, nodes) = (s.len(), s.nodes.len()); trf!(lang, " — {n} entries in {nodes} listpack nodes", " — listpack 노드 {nodes}개에 항목 {n}개") } }</span>
                <span class="muted">{ { let (last, added, maxdel) = (s.last_id, s.entries_added, s.max_deleted_entry_id); trf!(lang, "last ID {last} · {added} added ever · max deleted {maxdel}", "마지막 ID {last} · 지금까지 추가 {added}개 · 삭제된 최대 ID {maxdel}") } }</span></div>
            <p class="muted small">{ { let (entries, bytes) = (cfg.stream_node_max_entries, cfg.stream_node_max_bytes); trf!(lang, "A node holds up to {entries} entries (stream-node-max-entries) or {bytes} bytes (stream-node-max-bytes). Each entry stores its ID as a delta from the node's master ID; an entry with the master entry's fields stores only its values (outlined ones carry their own fields). XDEL only flags an entry deleted; a node goes when its last live entry does. XTRIM with ~ drops whole nodes only.", "노드 하나에는 항목이 최대 {entries}개 (stream-node-max-entries) 또는 {bytes}바이트 (stream-node-max-bytes)까지 들어갑니다. 각 항목은 ID를 노드의 마스터 ID와의 차이로 저장하고, 마스터 항목과 필드가 같은 항목은 값만 저장합니다 (테두리가 있는 항목은 자기 필드를 가집니다). XDEL은 항목에 삭제 표시만 하고, 노드는 마지막 살아 있는 항목이 사라질 때 없어집니다. ~를 쓴 XTRIM은 노드 단위로만 잘라 냅니다.") } }</p>
            { nodes_html(s, track.added.as_deref(), cfg.stream_node_max_bytes, cfg.stream_node_max_entries, lang) }
            <h4>{ tr(lang, "Consumer groups", "컨슈머 그룹") }</h4>
            { groups_html(s, now, lang) }
            <div class="waiters"><b>{ trf!(lang, "Blocked on {name}: ", "{name}에서 블로킹 중: ") }</b>
                { if waiting.is_empty() { html! { <span class="muted">{ tr(lang, "nobody", "없음") }</span> } } else { html! {
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
