//! The slow-log view: the entries of the last `SLOWLOG GET` (id, time, duration,
//! arguments, client), read from the reply's data, and the last `SLOWLOG LEN`. Its
//! buttons run SLOWLOG GET/LEN/RESET in the console, so the learner sees the commands;
//! the panel follows their replies on the feed.
//!
//! The demo makes a slow command for real: `DEBUG POPULATE 100000` fills 100k keys and
//! `KEYS *` walks them all; the browser's clock measures it, and the entry shows how
//! long it took. The threshold is 1 ms (`slowlog-log-slower-than 1000`), not Redis's
//! default 10 ms: the engine walks 100k keys in about 4 to 8 ms in the browser, so at
//! 10 ms the entry would appear only on a slow machine.

use yew::prelude::*;

use super::exec::{use_model, Feed};
use super::session::{PanelKind, PanelProps};
use crate::console::repr;
use crate::engine::slowlog::{entries_from_reply, Entry};
use crate::engine::Reply;

#[derive(Default)]
struct Slow {
    /// The last SLOWLOG GET's entries, None before the first.
    entries: Option<Vec<Entry>>,
    /// The last SLOWLOG LEN.
    len: Option<i64>,
}

fn sub(o: &super::exec::Outcome) -> String {
    o.argv
        .get(1)
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .unwrap_or_default()
}

fn observe(m: &mut Slow, f: &Feed) -> bool {
    let Feed::Ran(o) = f else {
        return false;
    };
    if !o.is(&["slowlog"]) || !o.ok() {
        return false;
    }
    match (sub(o).as_str(), &o.reply) {
        ("get", Some(r)) => match entries_from_reply(r) {
            Some(e) => {
                m.entries = Some(e);
                true
            }
            None => false,
        },
        ("len", Some(Reply::Int(n))) => {
            m.len = Some(*n);
            true
        }
        ("reset", _) => {
            m.entries = Some(Vec::new());
            m.len = Some(0);
            true
        }
        _ => false,
    }
}

/// A Unix time in seconds as `YYYY-MM-DD HH:MM:SS` UTC.
fn utc(secs: i64) -> String {
    // Beyond what a JS Date holds (±8.64e15 ms): the number as it is.
    if secs.unsigned_abs() > 8_000_000_000_000 {
        return secs.to_string();
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1000.0));
    let iso: String = d.to_iso_string().into();
    iso.get(..19).map_or(iso.clone(), |s| s.replace('T', " "))
}

const DEMO: &[&str] = &[
    "CONFIG SET slowlog-log-slower-than 1000",
    "DEBUG POPULATE 100000",
    "KEYS *",
    "SLOWLOG GET 10",
    "SLOWLOG LEN",
];

#[function_component(SlowLogPanel)]
pub fn slowlog_panel(props: &PanelProps) -> Html {
    let model = use_model(Slow::default, observe, props.visible);
    if !props.visible {
        return html! {};
    }
    let session = &props.session;
    let m = model.get();
    // As a tab that is not reading messages (a subscribed tab may not run them).
    let runs = |lines: &'static [&'static str]| {
        let session = session.clone();
        Callback::from(move |_: MouseEvent| {
            session.run_free(lines);
            session.show.emit(PanelKind::SlowLog);
        })
    };
    let refresh = runs(&["SLOWLOG GET 10", "SLOWLOG LEN"]);
    let reset = runs(&["SLOWLOG RESET", "SLOWLOG LEN"]);
    let demo = runs(DEMO);
    let threshold = super::engine().borrow().core.config.slowlog_slower_than;
    let rows = m.entries.iter().flatten().map(|e| {
        let args = e.argv.iter().map(|a| repr(a)).collect::<Vec<_>>().join(" ");
        let client = if e.name.is_empty() {
            e.addr.clone()
        } else {
            format!("{} ({})", e.addr, String::from_utf8_lossy(&e.name))
        };
        html! {
            <tr class="slowrow" key={e.id}>
                <td class="num">{ e.id }</td>
                <td>{ utc(e.time) }</td>
                <td class="num dur">{ format!("{} µs", e.duration_us) }</td>
                <td><code>{ args }</code></td>
                <td>{ client }</td>
            </tr>
        }
    });
    html! {
        <div class="slowp">
            <p class="explain">{ format!("The slow log keeps every command that took at least slowlog-log-slower-than µs (now {threshold}; negative turns it off), newest first, up to slowlog-max-len entries. Durations are measured for real by the browser's clock. 실행 시간이 기준보다 긴 명령을 기록합니다.") }</p>
            <div class="toolbar">
                <button class="slow-refresh" onclick={refresh}>{ "SLOWLOG GET 10 (새로 고침)" }</button>
                <button class="slow-reset" onclick={reset}>{ "SLOWLOG RESET (초기화)" }</button>
                <span class="slowlen">{ match m.len {
                    Some(n) => format!("SLOWLOG LEN: {n}"),
                    None => "SLOWLOG LEN: run it to see".into(),
                } }</span>
            </div>
            { match &m.entries {
                None => html! { <p class="muted small">{ "No SLOWLOG GET yet: press the button or type SLOWLOG GET. (아직 조회하지 않았습니다)" }</p> },
                Some(e) if e.is_empty() => html! { <p class="muted small">{ "The slow log is empty: nothing took that long. (느린 명령 없음)" }</p> },
                Some(_) => html! {
                    <table class="slowlog" aria-label="Slow log entries">
                        <thead><tr><th>{ "id" }</th><th>{ "time (UTC)" }</th><th>{ "duration" }</th><th>{ "arguments" }</th><th>{ "client" }</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                },
            } }
            <div class="demo">
                <button class="demo-slow" onclick={demo}>{ "Demo: a slow KEYS * over 100k keys" }</button>
                <p class="muted small">{ "CONFIG SET slowlog-log-slower-than 1000 (1 ms: Redis's default is 10 ms, but here 100k keys take only a few ms), DEBUG POPULATE 100000, KEYS *, then SLOWLOG GET: KEYS walks every key in one go and blocks everyone meanwhile. Use SCAN in production. (100k keys are more than the browser's storage keeps: they stay in memory for this visit.) KEYS는 모든 키를 한 번에 훑어 서버를 멈추게 합니다. 운영 환경에서는 SCAN을 쓰세요." }</p>
            </div>
        </div>
    }
}
