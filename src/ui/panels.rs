//! The panel framework and the general panels: keyspace browser, TTL timeline, stats.
//!
//! Panels never poll the keyspace with KEYS: they re-render when the reducer's `version`
//! moves (a key event or a command) and then read the engine's read-only views, a page at
//! a time. The panel that suits the last command comes forward unless one is pinned.
//! Data-type panels (HyperLogLog, bitmaps, sorted sets, geo, memory) join `PanelKind`.

use yew::prelude::*;

use super::engine;
use super::state::{Action, AppState, Sample};
use crate::console::repr;
use crate::engine::table;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PanelKind {
    Keyspace,
    Ttl,
    Stats,
    Hll,
    Bits,
    Zset,
    Geo,
    Memory,
}

impl PanelKind {
    pub const ALL: [PanelKind; 8] = [
        PanelKind::Keyspace,
        PanelKind::Ttl,
        PanelKind::Stats,
        PanelKind::Memory,
        PanelKind::Zset,
        PanelKind::Geo,
        PanelKind::Hll,
        PanelKind::Bits,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PanelKind::Keyspace => "Keyspace",
            PanelKind::Ttl => "TTL",
            PanelKind::Stats => "Stats",
            PanelKind::Hll => "HyperLogLog",
            PanelKind::Bits => "Bitmap",
            PanelKind::Zset => "Sorted set",
            PanelKind::Geo => "Geo",
            PanelKind::Memory => "Memory",
        }
    }
}

/// Commands about time to live bring the TTL panel forward.
const TTL_COMMANDS: &[&str] = &[
    "expire",
    "pexpire",
    "expireat",
    "pexpireat",
    "ttl",
    "pttl",
    "expiretime",
    "pexpiretime",
    "persist",
    "setex",
    "psetex",
    "getex",
];

/// Which panel best shows what a command did: TTL commands (and SET with a TTL) the
/// timeline, INFO/CONFIG the stats, anything touching keys the panel of their type.
pub fn panel_for(argv: &[Vec<u8>], db: usize) -> Option<PanelKind> {
    let name = String::from_utf8_lossy(argv.first()?).to_ascii_lowercase();
    if name.starts_with("pf") {
        return Some(PanelKind::Hll);
    }
    if name.starts_with("geo") {
        return Some(PanelKind::Geo);
    }
    if (name.starts_with('z') || name.starts_with("bz")) && table::find(name.as_bytes()).is_some() {
        return Some(PanelKind::Zset);
    }
    if matches!(
        name.as_str(),
        "setbit" | "getbit" | "bitcount" | "bitpos" | "bitop" | "bitfield" | "bitfield_ro"
    ) {
        return Some(PanelKind::Bits);
    }
    if TTL_COMMANDS.contains(&name.as_str()) {
        return Some(PanelKind::Ttl);
    }
    if name == "set"
        && argv[1..].iter().any(|a| {
            ["ex", "px", "exat", "pxat"]
                .iter()
                .any(|w| a.eq_ignore_ascii_case(w.as_bytes()))
        })
    {
        return Some(PanelKind::Ttl);
    }
    // Memory and eviction: MEMORY, OBJECT FREQ/IDLETIME, and CONFIG of maxmemory*.
    let arg = |i: usize| {
        argv.get(i)
            .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
            .unwrap_or_default()
    };
    if name == "memory"
        || (name == "object" && matches!(arg(1).as_str(), "freq" | "idletime"))
        || (name == "config" && arg(2).starts_with("maxmemory"))
        || (name == "info" && arg(1) == "memory")
    {
        return Some(PanelKind::Memory);
    }
    if matches!(name.as_str(), "info" | "config" | "debug") {
        return Some(PanelKind::Stats);
    }
    let spec = table::lookup(argv).ok()?;
    let first = *table::key_positions(spec, argv.len()).first()?;
    // A string holding an HLL is shown as one; other strings in the keyspace browser.
    let is_hll = engine()
        .borrow()
        .peek_string(db, &argv[first])
        .is_some_and(crate::engine::hll::is_valid);
    Some(if is_hll {
        PanelKind::Hll
    } else {
        PanelKind::Keyspace
    })
}

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub state: UseReducerHandle<AppState>,
}

#[function_component(Panels)]
pub fn panels(props: &PanelProps) -> Html {
    let state = &props.state;
    let tabs = PanelKind::ALL.iter().map(|&k| {
        let onclick = {
            let state = state.clone();
            Callback::from(move |_| state.dispatch(Action::Show(k)))
        };
        let selected = state.front == k;
        html! {
            <button role="tab" aria-selected={selected.to_string()}
                class={classes!("ptab", selected.then_some("active"))}
                data-panel={k.title()} {onclick}>{ k.title() }</button>
        }
    });
    let pin = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::TogglePin))
    };
    html! {
        <aside class="panels" aria-label="Panels">
            <div class="ptabs" role="tablist">
                { for tabs }
                <button class={classes!("pin", state.pinned.then_some("on"))} onclick={pin}
                    aria-pressed={state.pinned.to_string()}
                    title="Keep this panel in front instead of following the commands">
                    { if state.pinned { "pinned" } else { "pin" } }
                </button>
            </div>
            <div class="panel" role="tabpanel" data-panel={state.front.title()}>
                { match state.front {
                    PanelKind::Keyspace => html! { <KeyspacePanel state={state.clone()} /> },
                    PanelKind::Ttl => html! { <TtlPanel state={state.clone()} /> },
                    PanelKind::Stats => html! { <StatsPanel state={state.clone()} /> },
                    PanelKind::Hll => html! { <super::hll_panel::HllPanel state={state.clone()} /> },
                    PanelKind::Bits => html! { <super::bits_panel::BitsPanel state={state.clone()} /> },
                    PanelKind::Zset => html! { <super::zset_panel::ZsetPanel state={state.clone()} /> },
                    PanelKind::Geo => html! { <super::geo_panel::GeoPanel state={state.clone()} /> },
                    PanelKind::Memory => html! { <super::memory_panel::MemoryPanel state={state.clone()} /> },
                } }
            </div>
        </aside>
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

#[function_component(KeyspacePanel)]
fn keyspace_panel(props: &PanelProps) -> Html {
    let state = &props.state;
    let db = state.db();
    let eng = engine();
    let eng = eng.borrow();
    let cursor = *state.pages.last().unwrap_or(&0);
    let pattern = if state.filter.is_empty() {
        "*"
    } else {
        &state.filter
    };
    let (next, keys) = eng.scan_page(db, cursor, pattern.as_bytes(), 20);
    let dbsize = eng.core.dbs.get(db).map_or(0, |d| d.keys.len());
    let onfilter = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value();
            state.dispatch(Action::Filter(v));
        })
    };
    let rows = keys.iter().filter_map(|k| eng.key_info(db, k)).map(|info| {
        let onclick = {
            let state = state.clone();
            let key = info.key.clone();
            Callback::from(move |_| {
                state.dispatch(Action::Select(Some(key.clone())));
                state.dispatch(Action::Fill(format!("GET {}", cli_arg(&key))));
            })
        };
        let selected = state.selected.as_deref() == Some(&info.key[..]);
        html! {
            <tr class={classes!("keyrow", selected.then_some("selected"))} {onclick} tabindex="0">
                <td class="key">{ String::from_utf8_lossy(&info.key).into_owned() }</td>
                <td>{ info.type_name }</td>
                <td>{ info.encoding }</td>
                <td class="num">{ fmt_ttl(info.ttl_ms) }</td>
                <td class="num">{ info.bytes }</td>
            </tr>
        }
    });
    let detail = state.selected.as_ref().and_then(|k| eng.key_info(db, k)).map(|info| {
        let value = eng.peek_string(db, &info.key).unwrap_or_default();
        let shown = &value[..value.len().min(400)];
        html! {
            <div class="keydetail" aria-label="Selected key">
                <div><b>{ String::from_utf8_lossy(&info.key).into_owned() }</b>
                    { format!(" — {} ({}), {} bytes, TTL {}", info.type_name, info.encoding, value.len(), fmt_ttl(info.ttl_ms)) }</div>
                <pre class="value">{ repr(shown) }{ if value.len() > shown.len() { "…" } else { "" } }</pre>
            </div>
        }
    });
    let nav = |action: Action, label: &'static str, enabled: bool| {
        let state = state.clone();
        let action = std::cell::RefCell::new(Some(action));
        let onclick = Callback::from(move |_| {
            if let Some(a) = action.borrow_mut().take() {
                state.dispatch(a);
            }
        });
        html! { <button disabled={!enabled} {onclick}>{ label }</button> }
    };
    html! {
        <div class="keyspace">
            <div class="toolbar">
                <input class="filter" type="search" placeholder="filter: user:*" aria-label="Key filter (glob pattern)"
                    value={state.filter.clone()} oninput={onfilter} />
                <span class="muted">{ format!("db{db}: {dbsize} keys") }</span>
            </div>
            <table class="keys">
                <thead><tr><th>{"key"}</th><th>{"type"}</th><th>{"encoding"}</th><th>{"TTL"}</th><th>{"bytes"}</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <div class="pager">
                { nav(Action::FirstPage, "first", state.pages.len() > 1) }
                { nav(Action::PrevPage, "previous", state.pages.len() > 1) }
                { nav(Action::NextPage(next), "next", next != 0) }
                <span class="muted">{ format!("SCAN cursor {cursor} → {next}") }</span>
            </div>
            { for detail }
        </div>
    }
}

#[function_component(TtlPanel)]
fn ttl_panel(props: &PanelProps) -> Html {
    let state = &props.state;
    let db = state.db();
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
                <span class="num">{ if overdue { "stale".to_string() } else { fmt_ttl(Some(left)) } }</span>
            </li>
        }
    });
    let demo = {
        let state = state.clone();
        let jitter = state.jitter;
        Callback::from(move |_| {
            let lines = (0..20)
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
            state.dispatch(Action::RunScript(lines));
        })
    };
    let toggle = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let on = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .checked();
            state.dispatch(Action::SetJitter(on));
        })
    };
    html! {
        <div class="ttl">
            <div class="toolbar">
                <span>{ format!("{volatile} volatile keys in db{db}") }</span>
                <span class="muted">{ "expired_keys: " }<b class="expired-count">{ eng.core.stats.expired_keys }</b></span>
            </div>
            <p class="muted small">{ "Each bar is the time left. Stale keys linger until the active expire cycle (10 times a second, 20 random volatile keys per round) samples them, or until someone reads them." }</p>
            <ul class="ttllist">{ for rows }</ul>
            <div class="demo">
                <button onclick={demo}>{ "Demo: 20 cache keys with a 10 s TTL" }</button>
                <label><input type="checkbox" checked={state.jitter} onchange={toggle} />{ " TTL jitter (±3 s)" }</label>
                <p class="muted small">{ "Without jitter every key expires in the same instant, as a cache stampede would hit your database; with jitter the expiries spread out." }</p>
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
    let s = &props.state.samples;
    let Some(last) = s.last() else {
        return html! {};
    };
    let ops = ops_series(s);
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
            <div class="stat"><span class="label">{ "ops/sec" }</span>
                <span class="value ops">{ format!("{:.0}", ops.last().copied().unwrap_or(0.0)) }</span>{ sparkline(&ops, "ops") }</div>
            <div class={classes!("stat", low.then_some("warn"))}><span class="label">{ "keyspace hit rate" }</span>
                <span class="value hitrate">{ rate.map_or("-".to_string(), |r| format!("{r:.1}%")) }</span>{ sparkline(&rates, "hits") }</div>
            { if low { html! { <p class="warn small">{ "Below 80%: most reads miss the cache. Check your TTLs, key names and maxmemory-policy." }</p> } } else { html! {} } }
            <div class="stat"><span class="label">{ "used memory" }</span>
                <span class="value mem">{ crate::engine::util::bytes_human(last.used_memory) }</span>{ sparkline(&mem, "mem") }</div>
            <div class="stat"><span class="label">{ "expired keys" }</span>
                <span class="value expired">{ last.expired }</span>{ sparkline(&expired, "expired") }</div>
            <div class="stat"><span class="label">{ "evicted keys" }</span>
                <span class="value evicted">{ last.evicted }</span>{ sparkline(&evicted, "evicted") }</div>
            <p class="muted small">{ format!("hits {} / misses {}, one sample a second, last {} s (INFO stats)", last.hits, last.misses, s.len()) }</p>
        </div>
    }
}
