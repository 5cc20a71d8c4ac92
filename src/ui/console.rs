//! The console: client tabs, the transcript, and the input line with redis-cli-style
//! hints, Tab completion, history, Ctrl+L, and multi-line paste.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::exec;
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
        html! {
            <div class={classes!("ctab", active.then_some("active"))} role="tab"
                aria-selected={active.to_string()} onclick={select} data-client={t.client.to_string()}>
                <span>{ &t.label }</span>
                { for mode.map(|m| html! { <span class="mode" title={if m == "monitor" { "MONITOR: every command shows here (모니터 중)" } else { "Subscribed: messages arrive here (구독 중)" }}>{ if m == "monitor" { "MON" } else { "SUB" } }</span> }) }
                { if t.unread > 0 {
                    html! { <span class="unread" aria-label={format!("{} unread", t.unread)} title="New messages since you last looked (새 메시지)">{ t.unread }</span> }
                } else { html! {} } }
                { if state.tabs.len() > 1 {
                    html! { <button class="close" onclick={close} aria-label={format!("Close {}", t.label)}>{ "×" }</button> }
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
    let blocked = super::engine().borrow().is_blocked(tab.client);
    let reading = exec::reading_mode(tab.client);
    let stop = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| stop_reading(&state))
    };
    let placeholder = match (blocked, reading) {
        (true, _) => "blocked: waiting for data or the timeout (another client tab can push)",
        (_, Some("monitor")) => {
            "MONITOR: commands from every tab show here. Ctrl-C or Stop leaves (모니터 중)"
        }
        (_, Some(_)) => "subscribed: messages show as they arrive. Ctrl-C or Stop leaves (구독 중)",
        _ => "",
    };

    html! {
        <section class="console" aria-label="Redis console">
            <div class="ctabs" role="tablist" aria-label="Clients">
                { for tabs }
                <button class="newtab" onclick={new_tab} title="Open another client connection (its own selected db and name, same keyspace)">{ "+ client" }</button>
            </div>
            <div class="transcript" role="log" aria-live="polite" onclick={focus}>
                <div class="banner">{ "KV Lab speaks Redis 7.0. Try SET greeting hello, then GET greeting. HELP lists what is here; Tab completes." }</div>
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
                        aria-label="Command" aria-describedby="console-help" />
                </div>
            </div>
            { for reading.map(|m| html! {
                <div class="reading" role="status">
                    <span>{ if m == "monitor" { "Reading MONITOR lines… (모니터 출력 읽는 중)" } else { "Reading messages… (메시지 수신 대기 중)" } }</span>
                    <button class="stopread" onclick={stop.clone()} title="Leave this mode as redis-cli's Ctrl-C does: the tab's client is RESET">{ "Stop (Ctrl-C) 중지" }</button>
                </div>
            }) }
            <LuaEditor state={state.clone()} />
            <div id="console-help" class="visually-hidden">{ "Enter runs the command. Tab completes. Up and down arrows browse history. Control L clears. Control C leaves subscribed or MONITOR mode." }</div>
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
            <summary>{ "Lua script editor (스크립트 편집기)" }</summary>
            <textarea aria-label="Lua script" spellcheck="false" value={(*body).clone()} oninput={onbody} {onkeydown} />
            <div class="row">
                <span class="muted">{ "numkeys keys… args…" }</span>
                <input type="text" aria-label="Script keys and arguments" value={(*rest).clone()} oninput={onrest} placeholder="0" />
                <button onclick={run.reform(|_| false)} title="Run it (Ctrl+Enter)">{ "EVAL" }</button>
                <button onclick={run.reform(|_| true)} title="Cache it: the reply's SHA-1 is clickable">{ "SCRIPT LOAD" }</button>
            </div>
        </details>
    }
}

#[function_component(EntryView)]
fn entry_view(props: &EntryProps) -> Html {
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
            if *expanded { "show less".to_string() } else { format!("… {} more lines (show all)", lines - COLLAPSE_LINES) }
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
                    html! { <button class="copy" onclick={copy} title="Copy the reply" aria-label="Copy the reply">{ "copy" }</button> }
                } else { html! {} } }
            </div>
            { if e.pending {
                html! { <pre class="reply pending">{ "(waiting… another client can wake this one)" }</pre> }
            } else {
                match loaded_sha(e) {
                    Some(sha) => {
                        let onclick = props.fill.reform(move |_| format!("EVALSHA {sha} 0"));
                        html! { <pre class="reply"><button class="sha" {onclick} title="Fill EVALSHA with this SHA-1">{ e.output.trim_end() }</button></pre> }
                    }
                    None => html! { <pre class={classes!("reply", e.is_error.then_some("error"))}>{ shown.trim_end_matches('\n') }</pre> },
                }
            } }
            { more }
        </div>
    }
}
