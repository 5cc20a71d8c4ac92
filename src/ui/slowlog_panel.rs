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
use super::i18n::{tr, trf, use_lang};
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
    let lang = use_lang();
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
            <p class="explain">{ trf!(lang, "The slow log keeps every command that took at least slowlog-log-slower-than µs (now {threshold}; negative turns it off), newest first, up to slowlog-max-len entries. Durations are measured for real by the browser's clock.", "슬로 로그는 slowlog-log-slower-than µs(지금 {threshold}, 음수면 꺼짐) 이상 걸린 명령을 최신 순으로 slowlog-max-len개까지 남깁니다. 실행 시간은 브라우저의 시계로 실제로 잰 값입니다.") }</p>
            <div class="toolbar">
                <button class="slow-refresh" onclick={refresh}>{ "SLOWLOG GET 10 (새로 고침)" }</button>
                <button class="slow-reset" onclick={reset}>{ "SLOWLOG RESET (초기화)" }</button>
                <span class="slowlen">{ match m.len {
                    Some(n) => format!("SLOWLOG LEN: {n}"),
                    None => tr(lang, "SLOWLOG LEN: run it to see", "SLOWLOG LEN: 실행하면 보입니다").into(),
                } }</span>
            </div>
            { match &m.entries {
                None => html! { <p class="muted small">{ tr(lang, "No SLOWLOG GET yet: press the button or type SLOWLOG GET.", "아직 SLOWLOG GET을 하지 않았습니다: 버튼을 누르거나 SLOWLOG GET을 입력하세요.") }</p> },
                Some(e) if e.is_empty() => html! { <p class="muted small">{ tr(lang, "The slow log is empty: nothing took that long.", "슬로 로그가 비어 있습니다: 그만큼 오래 걸린 명령이 없습니다.") }</p> },
                Some(_) => html! {
                    <table class="slowlog" aria-label={tr(lang, "Slow log entries", "슬로 로그 항목")}>
                        <thead><tr><th>{ "id" }</th><th>{ tr(lang, "time (UTC)", "시각 (UTC)") }</th><th>{ tr(lang, "duration", "실행 시간") }</th><th>{ tr(lang, "arguments", "인자") }</th><th>{ tr(lang, "client", "클라이언트") }</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                },
            } }
            <div class="demo">
                <button class="demo-slow" onclick={demo}>{ tr(lang, "Demo: a slow KEYS * over 100k keys", "데모: 키 10만 개에 느린 KEYS *") }</button>
                <p class="muted small">{ tr(lang, "CONFIG SET slowlog-log-slower-than 1000 (1 ms: Redis's default is 10 ms, but here 100k keys take only a few ms), DEBUG POPULATE 100000, KEYS *, then SLOWLOG GET: KEYS walks every key in one go and blocks everyone meanwhile. Use SCAN in production. (100k keys are more than the browser's storage keeps: they stay in memory for this visit.)", "CONFIG SET slowlog-log-slower-than 1000 (1ms: Redis 기본값은 10ms지만 여기서는 키 10만 개도 몇 ms면 끝납니다), DEBUG POPULATE 100000, KEYS *, 그리고 SLOWLOG GET: KEYS는 모든 키를 한 번에 훑으며 그동안 다른 모든 클라이언트를 막습니다. 운영 환경에서는 SCAN을 쓰세요. (키 10만 개는 브라우저 저장소에 다 담기지 않아 이번 방문 동안 메모리에만 남습니다.)") }</p>
            </div>
        </div>
    }
}
