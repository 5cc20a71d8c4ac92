//! The RDB explorer: what a dump.rdb holds, for the current keyspace (the image SAVE would
//! write) or a file the learner opens (read here, never uploaded, never loaded into the
//! keyspace): totals by type and encoding, the biggest keys, memory by key prefix split
//! on `:` to a chosen depth, and the keys without a TTL. The analysis is
//! [`crate::rdb_explore`], on a private engine; this panel only draws its report.

use std::rc::Rc;

use yew::prelude::*;

use super::engine;
use super::i18n::{tr, trf, use_lang};
use super::panels::cli_arg;
use super::session::PanelProps;
use crate::engine::util::bytes_human;
use crate::rdb_explore::{explore, KeyRow, Report};

/// Rows shown in each list.
const ROWS: usize = 15;

#[derive(Clone, PartialEq)]
enum Source {
    Keyspace,
    File(String),
}

#[derive(Clone, PartialEq)]
struct Loaded {
    source: Source,
    report: Rc<Report>,
}

fn ttl_text(ms: Option<i64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) if ms < 10_000 => format!("{:.1}s", ms as f64 / 1000.0),
        Some(ms) => format!("{}s", (ms + 500) / 1000),
    }
}

#[function_component(RdbPanel)]
pub fn rdb_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let loaded = use_state(|| None::<Loaded>);
    let error = use_state(|| None::<String>);
    let depth = use_state(|| 1usize);
    let file_input = use_node_ref();
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    if !props.visible {
        return html! {};
    }
    let now = js_sys::Date::now() as i64;

    let current = {
        let loaded = loaded.clone();
        let error = error.clone();
        Callback::from(move |_: MouseEvent| {
            let image = engine().borrow().save_rdb();
            match explore(&image, now) {
                Ok(r) => {
                    loaded.set(Some(Loaded {
                        source: Source::Keyspace,
                        report: Rc::new(r),
                    }));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let open_click = {
        let file_input = file_input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = file_input.cast::<web_sys::HtmlInputElement>() {
                el.click();
            }
        })
    };
    let open_change = {
        let loaded = loaded.clone();
        let error = error.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = el.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            let loaded = loaded.clone();
            let error = error.clone();
            let task =
                gloo::file::callbacks::read_as_bytes(&gloo::file::File::from(file), move |r| {
                    let now = js_sys::Date::now() as i64;
                    match r.map_err(|e| e.to_string()).and_then(|b| explore(&b, now)) {
                        Ok(rep) => {
                            loaded.set(Some(Loaded {
                                source: Source::File(name),
                                report: Rc::new(rep),
                            }));
                            error.set(None);
                        }
                        Err(e) => error.set(Some(format!("{name}: {e}"))),
                    }
                });
            *reader.borrow_mut() = Some(task);
            el.set_value("");
        })
    };
    let on_depth = {
        let depth = depth.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            depth.set(el.value().parse().unwrap_or(1));
        })
    };

    let toolbar = html! {
        <div class="toolbar">
            <button class="rdb-current" onclick={current}>{ tr(lang, "Explore the current keyspace", "지금 키스페이스 살펴보기") }</button>
            <button class="rdb-open" onclick={open_click}>{ tr(lang, "Open a dump.rdb…", "dump.rdb 열기…") }</button>
            <input ref={file_input} type="file" accept=".rdb,application/octet-stream" class="hidden" onchange={open_change} aria-label={tr(lang, "RDB file to explore", "살펴볼 RDB 파일")} />
        </div>
    };
    let explain = html! {
        <p class="explain">{ tr(lang,
            "What a dump.rdb holds, as a memory analysis shows it. A file you open is read here, in your browser: it is not uploaded anywhere and does not replace your keyspace. Sizes are MEMORY USAGE as redis-server 7.0 would report them after loading the file.",
            "dump.rdb에 무엇이 들어 있는지 메모리 분석처럼 보여 줍니다. 여는 파일은 이 브라우저 안에서만 읽습니다: 어디에도 올라가지 않고 지금 키스페이스를 바꾸지도 않습니다. 크기는 그 파일을 읽은 redis-server 7.0이 알려 줄 MEMORY USAGE입니다.") }</p>
    };
    let err = (*error).clone().map(|e| {
        html! { <p class="rdb-error error" role="alert">{ trf!(lang, "This file cannot be read as an RDB file: {e}", "이 파일은 RDB 파일로 읽을 수 없습니다: {e}") }</p> }
    });
    let Some(l) = (*loaded).clone() else {
        return html! {
            <div class="rdbp">
                { explain }
                { toolbar }
                { for err }
                <p class="muted small">{ tr(lang, "Choose what to explore: the current keyspace, or a dump.rdb from KV Lab or redis-server.", "살펴볼 대상을 고르세요: 지금 키스페이스, 또는 KV Lab이나 redis-server의 dump.rdb.") }</p>
            </div>
        };
    };
    let r = &l.report;
    let source = match &l.source {
        Source::Keyspace => tr(
            lang,
            "the current keyspace (the image SAVE would write)",
            "지금 키스페이스 (SAVE가 쓸 이미지)",
        )
        .to_string(),
        Source::File(name) => trf!(lang, "the file {name}", "파일 {name}"),
    };
    let (nkeys, total, file, no_ttl, no_ttl_bytes) = (
        r.keys.len(),
        bytes_human(r.total_bytes),
        bytes_human(r.file_bytes as u64),
        r.without_ttl,
        bytes_human(r.without_ttl_bytes),
    );
    let dbs = r
        .per_db
        .iter()
        .map(|(db, n)| format!("db{db}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let share = |b: u64| {
        if r.total_bytes == 0 {
            0.0
        } else {
            b as f64 * 100.0 / r.total_bytes as f64
        }
    };
    let bar = |b: u64| {
        html! { <span class="bar" style={format!("display:inline-block;height:0.6em;background:var(--accent,#c33);width:{:.1}%", share(b).max(0.5))}></span> }
    };
    let types = r.by_type.iter().map(|t| {
        html! {
            <tr class="rdb-type">
                <td>{ t.type_name }</td><td>{ t.encoding }</td>
                <td class="num">{ t.keys }</td>
                <td class="num">{ bytes_human(t.bytes) }</td>
                <td class="num">{ format!("{:.1}%", share(t.bytes)) }</td>
            </tr>
        }
    });
    let prefixes = r.prefixes(b':', *depth);
    let nprefixes = prefixes.len();
    let prefix_rows = prefixes.iter().take(ROWS).map(|p| {
        html! {
            <tr class="rdb-prefix">
                <td><code>{ &p.prefix }</code></td>
                <td class="num">{ p.keys }</td>
                <td class="num">{ bytes_human(p.bytes) }</td>
                <td class="num">{ p.without_ttl }</td>
                <td class="barcell">{ bar(p.bytes) }{ format!(" {:.1}%", share(p.bytes)) }</td>
            </tr>
        }
    });
    let key_row = |k: &KeyRow| {
        html! {
            <tr class="rdb-key">
                <td class="num">{ k.db }</td>
                <td><code>{ cli_arg(&k.key) }</code></td>
                <td>{ format!("{} ({})", k.type_name, k.encoding) }</td>
                <td class="num">{ bytes_human(k.bytes) }</td>
                <td class="num">{ ttl_text(k.ttl_ms) }</td>
            </tr>
        }
    };
    let key_head = html! {
        <thead><tr><th>{ "db" }</th><th>{ tr(lang, "key", "키") }</th><th>{ tr(lang, "type (encoding)", "자료형 (인코딩)") }</th><th>{ tr(lang, "memory", "메모리") }</th><th>{ "TTL" }</th></tr></thead>
    };
    let biggest = r.biggest(ROWS).iter().map(key_row).collect::<Html>();
    let no_ttl_rows = r
        .biggest_without_ttl(ROWS)
        .into_iter()
        .map(key_row)
        .collect::<Html>();
    let depths = (1..=4).map(|d| {
        html! { <option value={d.to_string()} selected={*depth == d}>{ d }</option> }
    });
    html! {
        <div class="rdbp">
            { explain }
            { toolbar }
            { for err }
            <p class="rdb-summary">{ trf!(lang,
                "Exploring {source}: {nkeys} keys ({dbs}), {total} of memory, a {file} file. {no_ttl} keys have no TTL ({no_ttl_bytes}).",
                "살펴보는 대상: {source}. 키 {nkeys}개 ({dbs}), 메모리 {total}, 파일 크기 {file}. TTL이 없는 키 {no_ttl}개 ({no_ttl_bytes}).") }</p>
            <h3>{ tr(lang, "By type and encoding", "자료형과 인코딩별") }</h3>
            <table class="rdb-types" aria-label={tr(lang, "Keys by type and encoding", "자료형과 인코딩별 키")}>
                <thead><tr><th>{ tr(lang, "type", "자료형") }</th><th>{ tr(lang, "encoding", "인코딩") }</th><th>{ tr(lang, "keys", "키") }</th><th>{ tr(lang, "memory", "메모리") }</th><th>{ tr(lang, "share", "비율") }</th></tr></thead>
                <tbody>{ for types }</tbody>
            </table>
            <h3>{ tr(lang, "Memory by key prefix", "키 접두사별 메모리") }</h3>
            <label class="rdb-depth">{ tr(lang, "split on ':' to depth ", "':'로 나눌 깊이 ") }
                <select onchange={on_depth} aria-label={tr(lang, "Prefix depth", "접두사 깊이")}>{ for depths }</select>
            </label>
            <table class="rdb-prefixes" aria-label={tr(lang, "Memory by key prefix", "키 접두사별 메모리")}>
                <thead><tr><th>{ tr(lang, "prefix", "접두사") }</th><th>{ tr(lang, "keys", "키") }</th><th>{ tr(lang, "memory", "메모리") }</th><th>{ tr(lang, "no TTL", "TTL 없음") }</th><th>{ tr(lang, "share", "비율") }</th></tr></thead>
                <tbody>{ for prefix_rows }</tbody>
            </table>
            if nprefixes > ROWS {
                <p class="muted small">{ { let more = nprefixes - ROWS; trf!(lang, "… and {more} more prefixes.", "… 접두사 {more}개 더.") } }</p>
            }
            <h3>{ tr(lang, "Biggest keys", "가장 큰 키") }</h3>
            <table class="rdb-biggest" aria-label={tr(lang, "Biggest keys", "가장 큰 키")}>{ key_head.clone() }<tbody>{ biggest }</tbody></table>
            <h3>{ tr(lang, "Biggest keys without a TTL", "TTL이 없는 가장 큰 키") }</h3>
            <table class="rdb-nottl" aria-label={tr(lang, "Keys without TTL", "TTL이 없는 키")}>{ key_head }<tbody>{ no_ttl_rows }</tbody></table>
        </div>
    }
}
