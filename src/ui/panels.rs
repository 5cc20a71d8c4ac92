//! The panel framework and the general panels: keyspace browser, TTL timeline, stats.
//!
//! Panels never poll the keyspace with KEYS: each follows the feed of outcomes and key
//! events ([`super::exec`]), keeps its own model, and when in front reads the engine's
//! read-only views, a page at a time. The panel that suits the last command comes forward
//! unless one is pinned. Data-type panels (HyperLogLog, bitmaps, sorted sets, geo,
//! memory) join [`PanelKind`].

use gloo::timers::callback::Interval;
use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{tr, trf, use_lang, Lang};
use super::session::{PanelKind, PanelProps, Session};
use crate::console::repr;

#[derive(Properties, PartialEq)]
pub struct PanelsProps {
    pub front: PanelKind,
    pub pinned: bool,
    pub pin: Callback<()>,
    pub session: Session,
}

/// The panel tabs and every panel. All panels stay mounted, so each keeps following the
/// feed while another is in front; only the one in front draws.
#[function_component(Panels)]
pub fn panels(props: &PanelsProps) -> Html {
    let lang = use_lang();
    let tabs = PanelKind::ALL.iter().map(|&k| {
        let show = props.session.show.clone();
        let onclick = Callback::from(move |_| show.emit(k));
        let selected = props.front == k;
        html! {
            <button role="tab" aria-selected={selected.to_string()}
                class={classes!("ptab", selected.then_some("active"))}
                data-panel={k.title()} {onclick}>{ k.label(lang) }</button>
        }
    });
    let pin = props.pin.reform(|_: MouseEvent| ());
    let panel = |k: PanelKind| {
        let p = PanelProps {
            session: props.session.clone(),
            visible: props.front == k,
        };
        match k {
            PanelKind::Keyspace => html! { <KeyspacePanel ..p /> },
            PanelKind::Ttl => html! { <TtlPanel ..p /> },
            PanelKind::Stats => html! { <StatsPanel ..p /> },
            PanelKind::Hll => html! { <super::hll_panel::HllPanel ..p /> },
            PanelKind::Bits => html! { <super::bits_panel::BitsPanel ..p /> },
            PanelKind::Zset => html! { <super::zset_panel::ZsetPanel ..p /> },
            PanelKind::Geo => html! { <super::geo_panel::GeoPanel ..p /> },
            PanelKind::Memory => html! { <super::memory_panel::MemoryPanel ..p /> },
            PanelKind::List => html! { <super::list_panel::ListPanel ..p /> },
            PanelKind::Hash => html! { <super::hash_panel::HashPanel ..p /> },
            PanelKind::Stream => html! { <super::stream_panel::StreamPanel ..p /> },
            PanelKind::Set => html! { <super::set_panel::SetPanel ..p /> },
            PanelKind::Tx => html! { <super::tx_panel::TxPanel ..p /> },
            PanelKind::Messaging => html! { <super::msg_panel::MessagingPanel ..p /> },
            PanelKind::SlowLog => html! { <super::slowlog_panel::SlowLogPanel ..p /> },
            PanelKind::Bloom => html! { <super::bloom_panel::BloomPanel ..p /> },
            PanelKind::TDigest => html! { <super::tdigest_panel::TDigestPanel ..p /> },
            PanelKind::Cuckoo => html! { <super::cuckoo_panel::CuckooPanel ..p /> },
            PanelKind::Cms => html! { <super::cms_panel::CmsPanel ..p /> },
            PanelKind::TopK => html! { <super::topk_panel::TopKPanel ..p /> },
            PanelKind::Sketches => html! { <super::compare_panel::ComparePanel ..p /> },
            PanelKind::Rdb => html! { <super::rdb_panel::RdbPanel ..p /> },
            PanelKind::Persistence => html! { <super::persist_panel::PersistPanel ..p /> },
        }
    };
    html! {
        <aside class="panels" aria-label={tr(lang, "Panels", "패널")}>
            <div class="ptabs" role="tablist">
                { for tabs }
                <button class={classes!("pin", props.pinned.then_some("on"))} onclick={pin}
                    aria-pressed={props.pinned.to_string()}
                    title={tr(lang, "Keep this panel in front instead of following the commands", "명령을 따라가지 않고 이 패널을 앞에 고정")}>
                    { if props.pinned { tr(lang, "pinned", "고정됨") } else { tr(lang, "pin", "고정") } }
                </button>
            </div>
            <div class="panel" role="tabpanel" data-panel={props.front.title()}>
                { for PanelKind::ALL.iter().map(|&k| panel(k)) }
            </div>
            <super::activity::ActivityFeed session={props.session.clone()} />
        </aside>
    }
}

/// Whether a feed item may have changed what a keyspace-reading panel shows.
pub fn touches_keyspace(f: &Feed) -> bool {
    match f {
        Feed::Ran(o) => o.reply.is_some(),
        Feed::Background(_) | Feed::Replaced | Feed::Delivered { .. } => true,
        Feed::Before { .. } | Feed::Pushed { .. } => false,
    }
}

/// A key as redis-cli would need it typed: bare if it is plain, quoted otherwise.
pub fn cli_arg(key: &[u8]) -> String {
    let plain = !key.is_empty()
        && key
            .iter()
            .all(|&c| c.is_ascii_graphic() && c != b'"' && c != b'\'' && c != b'\\');
    if plain {
        String::from_utf8_lossy(key).into_owned()
    } else {
        repr(key)
    }
}

fn fmt_ttl(ms: Option<i64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) if ms < 10_000 => format!("{:.1}s", ms.max(0) as f64 / 1000.0),
        Some(ms) => format!("{}s", (ms + 500) / 1000),
    }
}

/// The key detail of a hash, list or set: a heading, the first rows, and how many more.
fn collection_detail(
    name: &str,
    what: &str,
    rows: Html,
    len: usize,
    rest: &str,
    lang: Lang,
) -> Html {
    html! {
        <div class="keydetail" aria-label={tr(lang, "Selected key", "선택한 키")}>
            <div><b>{ name }</b>{ format!(" — {what}") }</div>
            <table class="fields"><tbody>{ rows }</tbody></table>
            { if len > DETAIL_FIELDS {
                html! { <p class="muted small">{ trf!(lang, "first {DETAIL_FIELDS} of {len} {rest}", "{len}개 중 처음 {DETAIL_FIELDS}개 {rest}") }</p> }
            } else { html! {} } }
        </div>
    }
}

/// Fields of a hash shown in the key detail.
const DETAIL_FIELDS: usize = 50;

/// The keyspace browser's own state: the filter, the SCAN cursors of the pages seen
/// (the last is the current page), the key opened.
#[derive(Default)]
struct Browse {
    filter: String,
    pages: Vec<u64>,
    selected: Option<Vec<u8>>,
    /// The last big-keys scan, while shown.
    big: Option<crate::engine::inspect::BigKeys>,
}

#[function_component(KeyspacePanel)]
fn keyspace_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(
        || Browse {
            pages: vec![0],
            ..Browse::default()
        },
        |m, f| {
            if let Feed::Replaced = f {
                m.pages = vec![0];
                m.selected = None;
            }
            touches_keyspace(f)
        },
        props.visible,
    );
    // Another tab or database: back to the first page.
    {
        let model = model.clone();
        use_effect_with((props.session.client, props.session.db), move |_| {
            model.get_mut().pages = vec![0];
        });
    }
    if !props.visible {
        return html! {};
    }
    let db = props.session.db;
    let m = model.get();
    let eng = engine();
    let eng = eng.borrow();
    let cluster = eng.cluster_enabled();
    let cursor = *m.pages.last().unwrap_or(&0);
    let pattern = if m.filter.is_empty() { "*" } else { &m.filter };
    let (next, keys) = eng.scan_page(db, cursor, pattern.as_bytes(), 20);
    let dbsize = eng.core.dbs.get(db).map_or(0, |d| d.keys.len());
    let onfilter = {
        let model = model.clone();
        Callback::from(move |e: InputEvent| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value();
            model.update(|m| {
                m.filter = v;
                m.pages = vec![0];
            });
        })
    };
    let rows = keys.iter().filter_map(|k| eng.key_info(db, k)).map(|info| {
        let onclick = {
            let model = model.clone();
            let fill = props.session.fill.clone();
            let key = info.key.clone();
            // A command that reads it the way the notes recommend: collections a piece at
            // a time, never whole.
            let read = match info.type_name {
                "hash" => "HSCAN {} 0",
                "set" => "SSCAN {} 0",
                "list" => "LRANGE {} 0 9",
                "zset" => "ZRANGE {} 0 9 WITHSCORES",
                "stream" => "XRANGE {} - + COUNT 10",
                _ => "GET {}",
            };
            Callback::from(move |_| {
                model.update(|m| m.selected = Some(key.clone()));
                fill.emit(read.replace("{}", &cli_arg(&key)));
            })
        };
        let selected = m.selected.as_deref() == Some(&info.key[..]);
        let big = crate::engine::inspect::is_big(info.type_name, info.size);
        html! {
            <tr class={classes!("keyrow", selected.then_some("selected"), big.then_some("big"))} {onclick} tabindex="0">
                <td class="key">{ String::from_utf8_lossy(&info.key).into_owned() }
                    { if big { html! { <span class="bigflag" title={tr(lang, "A big key: a string over 10 KB or a collection over 5,000 elements. Read it in pieces (GETRANGE, HSCAN, SSCAN, LRANGE windows).", "빅 키: 10 KB가 넘는 문자열이나 원소가 5,000개가 넘는 컬렉션입니다. 나눠서 읽으세요 (GETRANGE, HSCAN, SSCAN, LRANGE 구간).")}>{ tr(lang, "big", "빅 키") }</span> } } else { html! {} } }</td>
                { if cluster { html! { <td class="num slot">{ crate::engine::cluster::key_slot(&info.key) }</td> } } else { html! {} } }
                <td>{ info.type_name }</td>
                <td>{ info.encoding }</td>
                <td class="num">{ fmt_ttl(info.ttl_ms) }</td>
                <td class="num">{ info.bytes }</td>
            </tr>
        }
    });
    let detail = m.selected.as_ref().and_then(|k| eng.key_info(db, k)).map(|info| {
        let name = String::from_utf8_lossy(&info.key).into_owned();
        // A collection shows a window of its head only: a big key is never drawn whole.
        let ttl = fmt_ttl(info.ttl_ms);
        let clip = |v: &[u8]| repr(&v[..v.len().min(200)]);
        if let Some(h) = eng.peek_hash(db, &info.key) {
            let rows = h.iter().take(DETAIL_FIELDS).map(|(f, v)| html! {
                <tr><td class="key">{ repr(f) }</td><td>{ clip(v) }</td></tr>
            });
            let (enc, n) = (info.encoding, h.len());
            return collection_detail(&name, &trf!(lang, "hash ({enc}), {n} fields, TTL {ttl}", "해시 ({enc}), 필드 {n}개, TTL {ttl}"), rows.collect::<Html>(), n, tr(lang, "fields (HSCAN walks the rest)", "필드 (나머지는 HSCAN으로)"), lang);
        }
        if let Some(l) = eng.peek_list(db, &info.key) {
            let rows = l.iter().take(DETAIL_FIELDS).enumerate().map(|(i, v)| html! {
                <tr><td class="num">{ i }</td><td>{ clip(v) }</td></tr>
            });
            let (enc, n) = (info.encoding, l.len());
            return collection_detail(&name, &trf!(lang, "list ({enc}), {n} elements, TTL {ttl}", "리스트 ({enc}), 원소 {n}개, TTL {ttl}"), rows.collect::<Html>(), n, tr(lang, "elements (LRANGE pages through the rest)", "원소 (나머지는 LRANGE로 나눠 보기)"), lang);
        }
        if let Some(s) = eng.peek_set(db, &info.key) {
            // In the order SMEMBERS gives them.
            let rows = s.ordered().into_iter().take(DETAIL_FIELDS).map(|m| html! {
                <tr><td class="key">{ repr(m) }</td></tr>
            });
            let (enc, n) = (info.encoding, s.len());
            return collection_detail(&name, &trf!(lang, "set ({enc}), {n} members, TTL {ttl}", "집합 ({enc}), 멤버 {n}개, TTL {ttl}"), rows.collect::<Html>(), n, tr(lang, "members (SSCAN walks the rest)", "멤버 (나머지는 SSCAN으로)"), lang);
        }
        let value = eng.peek_string(db, &info.key).unwrap_or_default();
        let shown = &value[..value.len().min(400)];
        html! {
            <div class="keydetail" aria-label={tr(lang, "Selected key", "선택한 키")}>
                <div><b>{ name }</b>
                    { { let (t, enc, n, ttl) = (info.type_name, info.encoding, value.len(), fmt_ttl(info.ttl_ms)); trf!(lang, " — {t} ({enc}), {n} bytes, TTL {ttl}", " — {t} ({enc}), {n}바이트, TTL {ttl}") } }</div>
                <pre class="value">{ repr(shown) }{ if value.len() > shown.len() { "…" } else { "" } }</pre>
            </div>
        }
    });
    let nav = |label: &'static str, enabled: bool, go: fn(&mut Vec<u64>, u64)| {
        let model = model.clone();
        let onclick = Callback::from(move |_| model.update(|m| go(&mut m.pages, next)));
        html! { <button disabled={!enabled} {onclick}>{ label }</button> }
    };
    let paged = m.pages.len() > 1;
    let toggle_cluster = Callback::from(move |_| {
        let on = !engine().borrow().cluster_enabled();
        let ok = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(if on {
                    tr(lang, "Restart as a single-node Redis Cluster (cluster-enabled yes)? The keyspace is emptied, as when redis-server restarts without a dump.", "단일 노드 Redis 클러스터로 다시 시작할까요(cluster-enabled yes)? redis-server가 덤프 없이 재시작할 때처럼 키스페이스가 비워집니다.")
                } else {
                    tr(lang, "Restart as a standalone Redis (cluster-enabled no)? The keyspace is emptied.", "단독 Redis로 다시 시작할까요(cluster-enabled no)? 키스페이스가 비워집니다.")
                })
                .ok()
            })
            .unwrap_or(false);
        if ok {
            engine().borrow_mut().restart_in_cluster_mode(on);
            let _ = super::persist::set(super::persist::CLUSTER_KEY, if on { "yes" } else { "no" });
            super::exec::publish(&Feed::Replaced);
        }
    });
    // In cluster mode: the busiest slots, grouped from the engine's slot index.
    let slots = cluster.then(|| {
        let mut counts = eng.slot_counts(db);
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let used = counts.len();
        let rows = counts.iter().take(8).map(|(slot, n)| {
            let filter = {
                let fill = props.session.fill.clone();
                let slot = *slot;
                Callback::from(move |_| fill.emit(format!("CLUSTER GETKEYSINSLOT {slot} 10")))
            };
            html! { <button class="slotchip" onclick={filter}>{ format!("{slot}: {n}") }</button> }
        });
        html! {
            <div class="slots" aria-label={tr(lang, "Keys by hash slot", "해시 슬롯별 키")}>
                <span class="muted">{ format!("{} {used} / 16384 · {}", tr(lang, "slots in use:", "사용 중인 슬롯:"), tr(lang, "busiest:", "가장 많은 슬롯:")) }</span>
                { for rows }
            </div>
        }
    });
    let scan_big = {
        let model = model.clone();
        Callback::from(move |_| {
            let found = engine().borrow().big_keys(db, 20);
            model.update(|m| m.big = Some(found));
        })
    };
    let big_report = m.big.as_ref().map(|b| {
        let close = {
            let model = model.clone();
            Callback::from(move |_| model.update(|m| m.big = None))
        };
        let unit = |t: &str| if t == "string" { tr(lang, "bytes", "바이트") } else { tr(lang, "elements", "원소") };
        let (scanned, over) = (b.scanned, b.over.len());
        html! {
            <section class="bigkeys" aria-label={tr(lang, "Big keys", "빅 키")}>
                <div class="toolbar"><b>{ trf!(lang, "Big keys in db{db}", "db{db}의 빅 키") }</b>
                    <span class="muted">{ trf!(lang, "{scanned} keys scanned, {over} over the thresholds (string > 10 KB, collection > 5,000 elements)", "키 {scanned}개를 훑었고, {over}개가 기준을 넘었습니다 (문자열 > 10 KB, 컬렉션 > 원소 5,000개)") }</span>
                    <button onclick={close}>{ tr(lang, "close", "닫기") }</button></div>
                <table class="keys">
                    <thead><tr><th>{ tr(lang, "key", "키") }</th><th>{ tr(lang, "type", "타입") }</th><th>{ tr(lang, "size", "크기") }</th><th>{"MEMORY USAGE"}</th></tr></thead>
                    <tbody>{ for b.over.iter().map(|k| html! {
                        <tr class="bigrow"><td class="key">{ String::from_utf8_lossy(&k.key).into_owned() }</td><td>{ k.type_name }</td>
                            <td class="num">{ format!("{} {}", k.size, unit(k.type_name)) }</td><td class="num">{ crate::engine::util::bytes_human(k.bytes) }</td></tr>
                    }) }</tbody>
                </table>
                <p class="muted small">{ tr(lang, "Biggest of each type, as redis-cli --bigkeys reports: ", "타입별 가장 큰 키 (redis-cli --bigkeys처럼): ") }
                    { b.biggest.iter().map(|k| format!("{} {} ({} {})", k.type_name, String::from_utf8_lossy(&k.key), k.size, unit(k.type_name))).collect::<Vec<_>>().join(" · ") }</p>
            </section>
        }
    });
    html! {
        <div class="keyspace">
            <div class="toolbar">
                <input class="filter" type="search" placeholder={tr(lang, "filter: user:*", "필터: user:*")} aria-label={tr(lang, "Key filter (glob pattern)", "키 필터(glob 패턴)")}
                    value={m.filter.clone()} oninput={onfilter} />
                <span class="muted">{ format!("db{db}: {dbsize} {}", tr(lang, "keys", "키")) }</span>
                <button onclick={scan_big} title={tr(lang, "Read every key once and list the big ones, as redis-cli --bigkeys does (on a live server, run it on a replica)", "모든 키를 한 번씩 읽어 빅 키를 보여 줍니다. redis-cli --bigkeys와 같습니다(운영 서버라면 레플리카에서 실행하세요)")}>{ tr(lang, "Find big keys", "빅 키 찾기") }</button>
                <button class={classes!("cluster-mode", cluster.then_some("on"))} onclick={toggle_cluster} aria-pressed={cluster.to_string()}
                    title={tr(lang, "Run as a single-node Redis Cluster owning all 16384 slots (cluster-enabled yes). Switching restarts with an empty keyspace.", "모든 16384 슬롯을 가진 단일 노드 Redis 클러스터로 실행합니다(cluster-enabled yes). 바꾸면 빈 키스페이스로 다시 시작합니다.")}>
                    { if cluster { tr(lang, "cluster mode: on", "클러스터 모드: 켬") } else { tr(lang, "cluster mode: off", "클러스터 모드: 끔") } }</button>
            </div>
            { for big_report }
            { for slots }
            <table class="keys">
                <thead><tr><th>{ tr(lang, "key", "키") }</th>{ if cluster { html! { <th>{ tr(lang, "slot", "슬롯") }</th> } } else { html! {} } }<th>{ tr(lang, "type", "타입") }</th><th>{ tr(lang, "encoding", "인코딩") }</th><th>{"TTL"}</th><th>{ tr(lang, "bytes", "바이트") }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <div class="pager">
                { nav(tr(lang, "first", "처음"), paged, |p, _| p.truncate(1)) }
                { nav(tr(lang, "previous", "이전"), paged, |p, _| { p.pop(); }) }
                { nav(tr(lang, "next", "다음"), next != 0, |p, next| p.push(next)) }
                <span class="muted">{ trf!(lang, "SCAN cursor {cursor} → {next}", "SCAN 커서 {cursor} → {next}") }</span>
            </div>
            { for detail }
        </div>
    }
}

/// Countdown refresh while the TTL panel is in front.
const TTL_REFRESH_MS: u32 = 200;

#[function_component(TtlPanel)]
fn ttl_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    // Whether the demo spreads its TTLs (the panel's one setting).
    let model = use_model(|| true, |_, f| touches_keyspace(f), props.visible);
    // Countdowns move on their own, while the panel is shown and something counts down.
    {
        let (model, db) = (model.clone(), props.session.db);
        use_effect_with((props.visible, db), move |&(visible, db)| {
            let iv = visible.then(|| {
                Interval::new(TTL_REFRESH_MS, move || {
                    let counting = engine()
                        .borrow()
                        .core
                        .dbs
                        .get(db)
                        .is_some_and(|d| !d.expires.is_empty());
                    if counting {
                        model.redraw();
                    }
                })
            });
            move || drop(iv)
        });
    }
    if !props.visible {
        return html! {};
    }
    let jitter = *model.get();
    let db = props.session.db;
    let eng = engine();
    let eng = eng.borrow();
    let now = eng.now_ms();
    let soon = eng.soonest_deadlines(db, 40);
    let volatile = eng.core.dbs.get(db).map_or(0, |d| d.expires.len());
    // Bars share one scale: the 75th percentile of the times left (at least 10 s), so one
    // key with an hour to go does not flatten all the others; longer ones show full.
    let horizon = soon
        .get(soon.len() * 3 / 4)
        .map_or(0, |(_, w)| w - now)
        .max(10_000) as f64;
    let rows = soon.iter().map(|(k, when)| {
        let left = when - now;
        let width = (left.max(0) as f64 / horizon * 100.0).clamp(0.0, 100.0);
        let overdue = left <= 0;
        html! {
            <li class={classes!("ttlrow", overdue.then_some("overdue"))}>
                <span class="key">{ String::from_utf8_lossy(k).into_owned() }</span>
                <span class="bar"><span class="fill" style={format!("width:{width:.1}%")}></span></span>
                <span class="num">{ if overdue { tr(lang, "stale", "만료 대기").to_string() } else { fmt_ttl(Some(left)) } }</span>
            </li>
        }
    });
    let demo = {
        let session = props.session.clone();
        Callback::from(move |_| {
            let lines: Vec<String> = (0..20)
                .map(|i| {
                    let base = 10_000i64;
                    let spread = if jitter {
                        (js_sys::Math::random() * 6000.0) as i64 - 3000
                    } else {
                        0
                    };
                    format!("SET cache:item:{i} value PX {}", base + spread)
                })
                .collect();
            session.run_lines(&lines);
        })
    };
    let toggle = {
        let model = model.clone();
        Callback::from(move |e: Event| {
            let on = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .checked();
            model.update(|j| *j = on);
        })
    };
    html! {
        <div class="ttl">
            <div class="toolbar">
                <span>{ trf!(lang, "{volatile} volatile keys in db{db}", "db{db}의 만료 설정 키 {volatile}개") }</span>
                <span class="muted">{ "expired_keys: " }<b class="expired-count">{ eng.core.stats.expired_keys }</b></span>
            </div>
            <p class="muted small">{ tr(lang, "Each bar is the time left. Stale keys linger until the active expire cycle (10 times a second, 20 random volatile keys per round) samples them, or until someone reads them.", "막대는 남은 시간입니다. 시간이 다 된 키는 능동 만료 주기(초당 10번, 한 번에 만료 설정 키 20개를 무작위로)가 뽑아 가거나 누군가 읽을 때까지 남아 있습니다.") }</p>
            <ul class="ttllist">{ for rows }</ul>
            <div class="demo">
                <button onclick={demo}>{ tr(lang, "Demo: 20 cache keys with a 10 s TTL", "데모: TTL 10초인 캐시 키 20개") }</button>
                <label><input type="checkbox" checked={jitter} onchange={toggle} />{ tr(lang, " TTL jitter (±3 s)", " TTL 지터 (±3초)") }</label>
                <p class="muted small">{ tr(lang, "Without jitter every key expires in the same instant, as a cache stampede would hit your database; with jitter the expiries spread out.", "지터가 없으면 모든 키가 같은 순간에 만료되어, 캐시 스탬피드처럼 데이터베이스를 한꺼번에 때립니다. 지터를 주면 만료 시점이 흩어집니다.") }</p>
            </div>
        </div>
    }
}

fn sparkline(values: &[f64], class: &'static str) -> Html {
    if values.len() < 2 {
        return html! { <svg class={classes!("spark", class)} viewBox="0 0 120 24"></svg> };
    }
    let max = values.iter().cloned().fold(f64::MIN, f64::max).max(1e-9);
    let min = values.iter().cloned().fold(f64::MAX, f64::min).min(0.0);
    let span = (max - min).max(1e-9);
    let step = 120.0 / (values.len() - 1) as f64;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                22.0 - (v - min) / span * 20.0
            )
        })
        .collect();
    html! {
        <svg class={classes!("spark", class)} viewBox="0 0 120 24" preserveAspectRatio="none" aria-hidden="true">
            <polyline points={points.join(" ")} />
        </svg>
    }
}

/// One statistics sample, read from the engine's counters.
#[derive(Clone, PartialEq)]
pub struct Sample {
    pub at_ms: i64,
    pub commands: u64,
    pub hits: u64,
    pub misses: u64,
    pub used_memory: u64,
    pub expired: u64,
    pub evicted: u64,
    /// INFO's own figures: instantaneous_ops_per_sec, and the console's bytes in and
    /// out a second (instantaneous_input_kbps / output_kbps, in bytes).
    pub inst_ops: i64,
    pub inst_in: i64,
    pub inst_out: i64,
}

/// Statistics samples kept (one a second).
const SAMPLES_KEPT: usize = 60;

fn sample() -> Sample {
    let eng = engine();
    let eng = eng.borrow();
    let st = &eng.core.stats;
    Sample {
        at_ms: js_sys::Date::now() as i64,
        commands: st.total_commands_processed,
        hits: st.keyspace_hits,
        misses: st.keyspace_misses,
        used_memory: eng.used_memory(),
        expired: st.expired_keys,
        evicted: st.evicted_keys,
        inst_ops: st.inst[crate::engine::inst::COMMANDS].get(),
        inst_in: st.inst[crate::engine::inst::NET_INPUT].get(),
        inst_out: st.inst[crate::engine::inst::NET_OUTPUT].get(),
    }
}

/// Operations per second between consecutive samples.
fn ops_series(samples: &[Sample]) -> Vec<f64> {
    samples
        .windows(2)
        .map(|w| {
            let dt = (w[1].at_ms - w[0].at_ms).max(1) as f64 / 1000.0;
            (w[1].commands.saturating_sub(w[0].commands)) as f64 / dt
        })
        .collect()
}

#[function_component(StatsPanel)]
fn stats_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    // The samples: one a second, kept while the panel is hidden too (the charts show the
    // last minute whenever it comes forward). Events do not change them.
    let model = use_model(|| vec![sample()], |_, _| false, props.visible);
    {
        let model = model.clone();
        use_effect_with((), move |_| {
            let iv = Interval::new(1000, move || {
                model.update(|s| {
                    s.push(sample());
                    let n = s.len();
                    if n > SAMPLES_KEPT {
                        s.drain(..n - SAMPLES_KEPT);
                    }
                })
            });
            move || drop(iv)
        });
    }
    if !props.visible {
        return html! {};
    }
    let s = model.get();
    let Some(last) = s.last() else {
        return html! {};
    };
    let ops = ops_series(&s);
    let hit_rate = |x: &Sample| {
        let total = x.hits + x.misses;
        (total > 0).then(|| x.hits as f64 / total as f64 * 100.0)
    };
    let rate = hit_rate(last);
    let low = rate.is_some_and(|r| r < 80.0);
    let rates: Vec<f64> = s.iter().filter_map(hit_rate).collect();
    let mem: Vec<f64> = s.iter().map(|x| x.used_memory as f64).collect();
    let expired: Vec<f64> = s.iter().map(|x| x.expired as f64).collect();
    let evicted: Vec<f64> = s.iter().map(|x| x.evicted as f64).collect();
    html! {
        <div class="stats">
            <div class="stat"><span class="label">{ tr(lang, "ops/sec", "초당 명령 수") }</span>
                <span class="value ops">{ format!("{:.0}", ops.last().copied().unwrap_or(0.0)) }</span>{ sparkline(&ops, "ops") }</div>
            <div class={classes!("stat", low.then_some("warn"))}><span class="label">{ tr(lang, "keyspace hit rate", "키스페이스 적중률") }</span>
                <span class="value hitrate">{ rate.map_or("-".to_string(), |r| format!("{r:.1}%")) }</span>{ sparkline(&rates, "hits") }</div>
            { if low { html! { <p class="warn small">{ tr(lang, "Below 80%: most reads miss the cache. Check your TTLs, key names and maxmemory-policy.", "80% 미만: 읽기가 캐시를 자주 놓칩니다. TTL, 키 이름, maxmemory-policy를 확인하세요.") }</p> } } else { html! {} } }
            <div class="stat"><span class="label">{ tr(lang, "used memory", "사용 메모리") }</span>
                <span class="value mem">{ crate::engine::util::bytes_human(last.used_memory) }</span>{ sparkline(&mem, "mem") }</div>
            <div class="stat"><span class="label">{ tr(lang, "expired keys", "만료된 키") }</span>
                <span class="value expired">{ last.expired }</span>{ sparkline(&expired, "expired") }</div>
            <div class="stat"><span class="label">{ tr(lang, "evicted keys", "축출된 키") }</span>
                <span class="value evicted">{ last.evicted }</span>{ sparkline(&evicted, "evicted") }</div>
            <p class="muted small">{ { let (hits, misses, n) = (last.hits, last.misses, s.len()); trf!(lang, "hits {hits} / misses {misses}, one sample a second, last {n} s (INFO stats)", "적중 {hits} / 실패 {misses}, 1초에 한 번 측정, 최근 {n}초 (INFO stats)") } }</p>
            <p class="muted small inst">{ { let (ops, kin, kout) = (last.inst_ops, format!("{:.2}", last.inst_in as f64 / 1024.0), format!("{:.2}", last.inst_out as f64 / 1024.0)); trf!(lang, "INFO's own view (16 samples of 100 ms): instantaneous_ops_per_sec {ops}, input {kin} kbps, output {kout} kbps", "INFO가 보는 값 (100ms 표본 16개 평균): instantaneous_ops_per_sec {ops}, 입력 {kin} kbps, 출력 {kout} kbps") } }</p>
        </div>
    }
}
