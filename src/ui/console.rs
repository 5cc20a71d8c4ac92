//! The console: client tabs, the transcript, and the input line with redis-cli-style
//! hints, Tab completion, history, Ctrl+L, and multi-line paste.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::exec;
use super::i18n::{tr, trf, use_lang};
use super::state::{Action, AppState, Entry};
use super::{perf_now, persist, publish};
use crate::console::help;

/// Replies longer than this many lines start collapsed.
const COLLAPSE_LINES: usize = 24;

thread_local! {
    /// When the last Enter was pressed, to measure the time to a rendered reply.
    static ENTER_AT: RefCell<Option<f64>> = const { RefCell::new(None) };
}

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    pub state: UseReducerHandle<AppState>,
}

#[function_component(Console)]
pub fn console(props: &ConsoleProps) -> Html {
    let state = &props.state;
    let input = use_node_ref();
    let end = use_node_ref();
    let typed = use_state(String::new);
    // Browsing history with the arrows: the index shown, None while editing a new line.
    let hist_pos = use_mut_ref(|| None::<usize>);
    // Tab completion in progress: the line it started from and how many Tabs so far.
    let completing: Rc<RefCell<Option<(String, usize)>>> = use_mut_ref(|| None);

    let lang = state.lang;
    let tab = state.tab();
    let entries = tab.transcript.len();
    {
        let end = end.clone();
        use_effect_with((state.active, entries), move |_| {
            if let Some(el) = end.cast::<web_sys::Element>() {
                el.scroll_into_view();
            }
            if let Some(t0) = ENTER_AT.with(|t| t.borrow_mut().take()) {
                publish("lastReplyMs", perf_now() - t0);
            }
        });
    }
    {
        // A panel asked to put a command in the input line.
        let typed = typed.clone();
        let input = input.clone();
        use_effect_with(state.fill.clone(), move |fill| {
            if let Some((_, text)) = fill {
                typed.set(text.clone());
                if let Some(el) = input.cast::<HtmlInputElement>() {
                    let _ = el.focus();
                }
            }
        });
    }

    let oninput = {
        let typed = typed.clone();
        let completing = completing.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            *completing.borrow_mut() = None;
            typed.set(el.value());
        })
    };

    let onkeydown = {
        let state = state.clone();
        let typed = typed.clone();
        let hist_pos = hist_pos.clone();
        let completing = completing.clone();
        Callback::from(move |e: KeyboardEvent| {
            let history = &state.history;
            let key = e.key();
            if key != "Tab" {
                *completing.borrow_mut() = None;
            }
            match key.as_str() {
                "Enter" => {
                    e.prevent_default();
                    ENTER_AT.with(|t| *t.borrow_mut() = Some(perf_now()));
                    *hist_pos.borrow_mut() = None;
                    let line = (*typed).clone();
                    typed.set(String::new());
                    let done = exec::run_line(state.tab().client, &line);
                    state.dispatch(Action::Record(vec![done]));
                }
                "Tab" => {
                    e.prevent_default();
                    let mut c = completing.borrow_mut();
                    let (base, n) = match c.take() {
                        Some((base, n)) => (base, n + 1),
                        None => ((*typed).clone(), 0),
                    };
                    if let Some(line) = help::complete(&base, n) {
                        typed.set(line);
                        *c = Some((base, n));
                    }
                }
                "ArrowUp" if !history.is_empty() => {
                    e.prevent_default();
                    let mut p = hist_pos.borrow_mut();
                    let i = p.map_or(history.len() - 1, |i| i.saturating_sub(1));
                    *p = Some(i);
                    typed.set(history[i].clone());
                }
                "ArrowDown" => {
                    e.prevent_default();
                    let mut p = hist_pos.borrow_mut();
                    match *p {
                        Some(i) if i + 1 < history.len() => {
                            *p = Some(i + 1);
                            typed.set(history[i + 1].clone());
                        }
                        _ => {
                            *p = None;
                            typed.set(String::new());
                        }
                    }
                }
                "l" | "L" if e.ctrl_key() => {
                    e.prevent_default();
                    state.dispatch(Action::Clear);
                }
                // redis-cli's way out of SUBSCRIBE and MONITOR (only while reading, and
                // with no text selected in the input line: otherwise Ctrl-C copies).
                "c" | "C"
                    if e.ctrl_key()
                        && !input_selection(&e)
                        && exec::reading_mode(state.tab().client).is_some() =>
                {
                    e.prevent_default();
                    stop_reading(&state);
                }
                _ => {}
            }
        })
    };

    let onpaste = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let Ok(e) = e.dyn_into::<web_sys::ClipboardEvent>() else {
                return;
            };
            let text = e
                .clipboard_data()
                .and_then(|d| d.get_data("text").ok())
                .unwrap_or_default();
            if text.contains('\n') {
                e.prevent_default();
                let client = state.tab().client;
                let done = crate::console::script_lines(&text)
                    .iter()
                    .map(|l| exec::run_line(client, l))
                    .collect();
                state.dispatch(Action::Record(done));
            }
        })
    };

    let focus = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            let selecting = web_sys::window()
                .and_then(|w| w.get_selection().ok().flatten())
                .is_some_and(|s| !s.is_collapsed());
            if !selecting {
                if let Some(el) = input.cast::<HtmlInputElement>() {
                    let _ = el.focus();
                }
            }
        })
    };

    let tabs = state.tabs.iter().enumerate().map(|(i, t)| {
        let select = {
            let state = state.clone();
            Callback::from(move |_| state.dispatch(Action::SelectTab(i)))
        };
        let close = {
            let state = state.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                state.dispatch(Action::CloseTab(i));
            })
        };
        let active = i == state.active;
        let mode = exec::reading_mode(t.client);
        // The ACL user the tab is logged in as, when it is not `default` (AUTH, HELLO).
        let user = super::engine()
            .borrow()
            .client(t.client)
            .map(|c| String::from_utf8_lossy(&c.user).into_owned())
            .filter(|u| u != "default");
        html! {
            <div class={classes!("ctab", active.then_some("active"))} role="tab"
                aria-selected={active.to_string()} onclick={select} data-client={t.client.to_string()}>
                <span>{ &t.label }</span>
                { for user.map(|u| html! { <span class="user" title={tr(lang, "Logged in as this ACL user (ACL WHOAMI)", "이 ACL 사용자로 로그인됨 (ACL WHOAMI)")}>{ format!("@{u}") }</span> }) }
                { for mode.map(|m| html! { <span class="mode" title={if m == "monitor" { tr(lang, "MONITOR: every command shows here", "MONITOR 중: 모든 명령이 여기에 나옵니다") } else { tr(lang, "Subscribed: messages arrive here", "구독 중: 메시지가 여기로 도착합니다") }}>{ if m == "monitor" { "MON" } else { "SUB" } }</span> }) }
                { if t.unread > 0 {
                    let n = t.unread;
                    html! { <span class="unread" aria-label={trf!(lang, "{n} unread", "읽지 않은 메시지 {n}개")} title={tr(lang, "New messages since you last looked", "마지막으로 본 뒤 새로 온 메시지")}>{ t.unread }</span> }
                } else { html! {} } }
                { if state.tabs.len() > 1 {
                    let label = &t.label;
                    html! { <button class="close" onclick={close} aria-label={trf!(lang, "Close {label}", "{label} 닫기")}>{ "×" }</button> }
                } else { html! {} } }
            </div>
        }
    });
    let new_tab = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::NewTab))
    };

    // A click on a SCRIPT LOAD reply's SHA-1 fills EVALSHA.
    let fill = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(Action::Fill(text)))
    };
    let hint = help::hint(&typed);
    let prompt = exec::prompt_for(tab.client);
    let held = exec::is_held(tab.client);
    let blocked = held || super::engine().borrow().is_blocked(tab.client);
    let reading = exec::reading_mode(tab.client);
    let stop = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| stop_reading(&state))
    };
    let placeholder = match (blocked, reading) {
        (true, _) if held => tr(
            lang,
            "paused: CLIENT PAUSE holds this client's command until the pause ends (another tab's CLIENT UNPAUSE lifts a WRITE pause)",
            "일시 정지: CLIENT PAUSE가 끝날 때까지 이 클라이언트의 명령이 기다립니다 (WRITE 일시 정지는 다른 탭의 CLIENT UNPAUSE로 풀립니다)",
        ),
        (true, _) => tr(
            lang,
            "blocked: waiting for data or the timeout (another client tab can push)",
            "블로킹: 데이터나 타임아웃을 기다리는 중 (다른 클라이언트 탭에서 넣을 수 있습니다)",
        ),
        (_, Some("monitor")) => tr(
            lang,
            "MONITOR: commands from every tab show here. Ctrl-C or Stop leaves",
            "MONITOR 중: 모든 탭의 명령이 여기에 나옵니다. Ctrl-C나 중지로 빠져나옵니다",
        ),
        (_, Some(_)) => tr(
            lang,
            "subscribed: messages show as they arrive. Ctrl-C or Stop leaves",
            "구독 중: 메시지가 도착하는 대로 나옵니다. Ctrl-C나 중지로 빠져나옵니다",
        ),
        _ => "",
    };

    html! {
        <section class="console" aria-label={tr(lang, "Redis console", "Redis 콘솔")}>
            <div class="ctabs" role="tablist" aria-label={tr(lang, "Clients", "클라이언트")}>
                { for tabs }
                <button class="newtab" onclick={new_tab} title={tr(lang, "Open another client connection (its own selected db and name, same keyspace)", "클라이언트 연결을 하나 더 엽니다 (선택한 db와 이름은 따로, 키스페이스는 같음)")}>{ tr(lang, "+ client", "+ 클라이언트") }</button>
            </div>
            <div class="transcript" role="log" aria-live="polite" onclick={focus}>
                <div class="banner">{ tr(lang, "KV Lab speaks Redis 7.0. Try SET greeting hello, then GET greeting. HELP lists what is here; Tab completes.", "KV Lab은 Redis 7.0으로 대화합니다. SET greeting hello를 입력하고 GET greeting을 해 보세요. HELP는 쓸 수 있는 명령을 보여 주고, Tab은 자동 완성합니다.") }</div>
                { for tab.transcript.iter().enumerate().map(|(i, e)| html! { <EntryView key={i} entry={e.clone()} fill={fill.clone()} /> }) }
                <div ref={end}></div>
            </div>
            <div class="inputline">
                <label class="prompt" for="console-input">{ prompt }</label>
                <div class="inputwrap">
                    <div class="ghost" aria-hidden="true"><span class="typed">{ (*typed).clone() }</span><span class="hint">{ hint }</span></div>
                    <input id="console-input" ref={input} value={(*typed).clone()} {oninput} {onkeydown} {onpaste}
                        disabled={blocked}
                        {placeholder}
                        type="text" autocomplete="off" spellcheck="false" autofocus=true
                        aria-label={tr(lang, "Command", "명령")} aria-describedby="console-help" />
                </div>
            </div>
            { for reading.map(|m| html! {
                <div class="reading" role="status">
                    <span>{ if m == "monitor" { tr(lang, "Reading MONITOR lines…", "MONITOR 출력을 읽는 중…") } else { tr(lang, "Reading messages…", "메시지를 기다리는 중…") } }</span>
                    <button class="stopread" onclick={stop.clone()} title={tr(lang, "Leave this mode as redis-cli's Ctrl-C does: the tab's client is RESET", "redis-cli의 Ctrl-C처럼 이 모드를 빠져나옵니다: 탭의 클라이언트를 RESET합니다")}>{ tr(lang, "Stop (Ctrl-C) 중지", "중지 (Ctrl-C)") }</button>
                </div>
            }) }
            <LuaEditor state={state.clone()} />
            <div id="console-help" class="visually-hidden">{ tr(lang, "Enter runs the command. Tab completes. Up and down arrows browse history. Control L clears. Control C leaves subscribed or MONITOR mode.", "Enter는 명령을 실행합니다. Tab은 자동 완성합니다. 위아래 화살표로 기록을 넘깁니다. Control L은 화면을 지웁니다. Control C는 구독 모드나 MONITOR 모드에서 빠져나옵니다.") }</div>
        </section>
    }
}

/// Whether the input line the key went to has text selected.
fn input_selection(e: &KeyboardEvent) -> bool {
    let el: HtmlInputElement = e.target_unchecked_into();
    matches!(
        (el.selection_start(), el.selection_end()),
        (Ok(Some(a)), Ok(Some(b))) if a != b
    )
}

/// Ctrl-C or the Stop button in a reading tab: RESET its client and say so there.
fn stop_reading(state: &UseReducerHandle<AppState>) {
    let client = state.tab().client;
    if let Some((done, note)) = exec::stop_reading(client) {
        state.dispatch(Action::Record(vec![done]));
        state.dispatch(Action::Stream {
            client,
            text: note,
            count: 1,
        });
    }
}

#[derive(Properties, PartialEq)]
struct EntryProps {
    entry: Rc<Entry>,
    fill: Callback<String>,
}

/// The SHA-1 a SCRIPT LOAD answered, if this entry is one.
fn loaded_sha(e: &Entry) -> Option<String> {
    let argv = crate::console::tokenize(&e.input).ok()?;
    let is = |i: usize, w: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    if !(is(0, "script") && is(1, "load")) {
        return None;
    }
    let sha = e.output.trim().strip_prefix('"')?.strip_suffix('"')?;
    (sha.len() == 40 && sha.bytes().all(|c| c.is_ascii_hexdigit())).then(|| sha.to_string())
}

/// A box for multi-line Lua: the script keeps its newlines, and EVAL or SCRIPT LOAD
/// runs it in the active tab as a console line (so it is in the history and replayable).
#[function_component(LuaEditor)]
fn lua_editor(props: &ConsoleProps) -> Html {
    let lang = props.state.lang;
    let body = use_state(|| "local v = redis.call('GET', KEYS[1])\nreturn v".to_string());
    let rest = use_state(|| "1 greeting".to_string());
    let run = {
        let (state, body, rest) = (props.state.clone(), body.clone(), rest.clone());
        Callback::from(move |load: bool| {
            let script = crate::console::repr(body.as_bytes());
            let line = if load {
                format!("SCRIPT LOAD {script}")
            } else {
                let r = rest.trim();
                format!("EVAL {script} {}", if r.is_empty() { "0" } else { r })
            };
            let done = exec::run_line(state.tab().client, &line);
            state.dispatch(Action::Record(vec![done]));
        })
    };
    let onbody = {
        let body = body.clone();
        Callback::from(move |e: InputEvent| {
            // A textarea: `value` is read as a property, as it is on an input.
            body.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onrest = {
        let rest = rest.clone();
        Callback::from(move |e: InputEvent| {
            rest.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onkeydown = {
        let run = run.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                run.emit(false);
            }
        })
    };
    html! {
        <details class="luaed">
            <summary>{ tr(lang, "Lua script editor", "Lua 스크립트 편집기") }</summary>
            <textarea aria-label={tr(lang, "Lua script", "Lua 스크립트")} spellcheck="false" value={(*body).clone()} oninput={onbody} {onkeydown} />
            <div class="row">
                <span class="muted">{ "numkeys keys… args…" }</span>
                <input type="text" aria-label={tr(lang, "Script keys and arguments", "스크립트 키와 인자")} value={(*rest).clone()} oninput={onrest} placeholder="0" />
                <button onclick={run.reform(|_| false)} title={tr(lang, "Run it (Ctrl+Enter)", "실행 (Ctrl+Enter)")}>{ "EVAL" }</button>
                <button onclick={run.reform(|_| true)} title={tr(lang, "Cache it: the reply's SHA-1 is clickable", "캐시에 올립니다: 응답의 SHA-1을 누를 수 있습니다")}>{ "SCRIPT LOAD" }</button>
            </div>
        </details>
    }
}

#[function_component(EntryView)]
fn entry_view(props: &EntryProps) -> Html {
    let lang = use_lang();
    let e = &props.entry;
    let expanded = use_state(|| false);
    let lines = e.output.lines().count();
    let long = lines > COLLAPSE_LINES;
    let shown: String = if long && !*expanded {
        e.output
            .lines()
            .take(COLLAPSE_LINES)
            .map(|l| format!("{l}\n"))
            .collect()
    } else {
        e.output.clone()
    };
    let toggle = {
        let expanded = expanded.clone();
        Callback::from(move |_| expanded.set(!*expanded))
    };
    let copy = {
        let text = e.output.clone();
        Callback::from(move |_| persist::copy_to_clipboard(&text))
    };
    // "… N more lines (show all)" / "show less" under a long reply.
    let more = if long {
        html! { <button class="more" onclick={toggle}>{
            if *expanded { tr(lang, "show less", "접기").to_string() } else { let n = lines - COLLAPSE_LINES; trf!(lang, "… {n} more lines (show all)", "… {n}줄 더 (모두 보기)") }
        }</button> }
    } else {
        html! {}
    };
    if e.stream {
        return html! {
            <div class="entry stream">
                <pre class="reply push">{ shown.trim_end_matches('\n') }</pre>
                { more.clone() }
            </div>
        };
    }
    html! {
        <div class="entry">
            <div class="cmdline"><span class="prompt">{ &e.prompt }</span>{ " " }{ &e.input }
                { if !e.output.is_empty() {
                    html! { <button class="copy" onclick={copy} title={tr(lang, "Copy the reply", "응답 복사")} aria-label={tr(lang, "Copy the reply", "응답 복사")}>{ tr(lang, "copy", "복사") }</button> }
                } else { html! {} } }
            </div>
            { if e.pending && e.paused {
                html! { <pre class="reply pending">{ tr(lang, "(paused… CLIENT PAUSE holds it; it runs when the pause ends, or when another client's CLIENT UNPAUSE lifts a WRITE pause: under a plain pause CLIENT UNPAUSE waits too)", "(일시 정지… CLIENT PAUSE가 붙잡고 있습니다. 일시 정지가 끝나거나, WRITE 일시 정지를 다른 클라이언트의 CLIENT UNPAUSE가 풀면 실행됩니다. 모든 명령을 멈추는 일시 정지에서는 CLIENT UNPAUSE도 기다립니다)") }</pre> }
            } else if e.pending {
                html! { <pre class="reply pending">{ tr(lang, "(waiting… another client can wake this one)", "(대기 중… 다른 클라이언트가 깨울 수 있습니다)") }</pre> }
            } else {
                match loaded_sha(e) {
                    Some(sha) => {
                        let onclick = props.fill.reform(move |_| format!("EVALSHA {sha} 0"));
                        html! { <pre class="reply"><button class="sha" {onclick} title={tr(lang, "Fill EVALSHA with this SHA-1", "이 SHA-1로 EVALSHA 채우기")}>{ e.output.trim_end() }</button></pre> }
                    }
                    None => html! { <pre class={classes!("reply", e.is_error.then_some("error"))}>{ shown.trim_end_matches('\n') }</pre> },
                }
            } }
            { more }
        </div>
    }
}
