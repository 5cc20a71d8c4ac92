//! Components: the page layout, the console, and the activity panel.

use gloo::timers::callback::Interval;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::state::{tick, Action, AppState};

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::new);

    // Active expiry at the engine's hz, and live panels from the events it produces.
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let hz = super::engine().borrow().core.config.hz.max(1) as u32;
            let iv = Interval::new(1000 / hz, move || {
                if let Some(events) = tick() {
                    state.dispatch(Action::Events(events));
                }
            });
            move || drop(iv)
        });
    }

    html! {
        <div class="app">
            <header class="top">
                <h1>{ "KV Lab" }</h1>
                <span class="tagline">{ "Redis 7.0 in your browser: type a command, watch the keyspace." }</span>
            </header>
            <main class="layout">
                <Console state={state.clone()} />
                <ActivityPanel state={state.clone()} />
            </main>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct StateProps {
    pub state: UseReducerHandle<AppState>,
}

#[function_component(Console)]
fn console(props: &StateProps) -> Html {
    let state = &props.state;
    let input = use_node_ref();
    // Position while browsing history with the arrow keys (None = editing a new line).
    let cursor = use_mut_ref(|| None::<usize>);
    let end = use_node_ref();

    {
        let end = end.clone();
        let len = state.transcript.len();
        use_effect_with(len, move |_| {
            if let Some(el) = end.cast::<web_sys::Element>() {
                el.scroll_into_view();
            }
        });
    }

    let onkeydown = {
        let state = state.clone();
        let input = input.clone();
        let cursor = cursor.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(el) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let history = &state.history;
            match e.key().as_str() {
                "Enter" => {
                    let line = el.value();
                    el.set_value("");
                    *cursor.borrow_mut() = None;
                    state.dispatch(Action::Run(line));
                }
                "ArrowUp" if !history.is_empty() => {
                    e.prevent_default();
                    let mut c = cursor.borrow_mut();
                    let i = match *c {
                        None => history.len() - 1,
                        Some(i) => i.saturating_sub(1),
                    };
                    *c = Some(i);
                    el.set_value(&history[i]);
                }
                "ArrowDown" => {
                    e.prevent_default();
                    let mut c = cursor.borrow_mut();
                    match *c {
                        Some(i) if i + 1 < history.len() => {
                            *c = Some(i + 1);
                            el.set_value(&history[i + 1]);
                        }
                        _ => {
                            *c = None;
                            el.set_value("");
                        }
                    }
                }
                "l" if e.ctrl_key() => {
                    e.prevent_default();
                    state.dispatch(Action::Clear);
                }
                _ => {}
            }
        })
    };

    let focus = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                let _ = el.focus();
            }
        })
    };

    html! {
        <section class="console" onclick={focus} aria-label="Redis console">
            <div class="transcript" role="log" aria-live="polite">
                <div class="banner">{ "Connected to KV Lab (Redis 7.0.15 compatible). Try: SET greeting hello" }</div>
                { for state.transcript.iter().map(|e| html! {
                    <div class="entry">
                        <div class="cmdline"><span class="prompt">{ &e.prompt }</span>{ " " }{ &e.input }</div>
                        <pre class={classes!("reply", e.is_error.then_some("error"))}>{ &e.output }</pre>
                    </div>
                }) }
                <div ref={end}></div>
            </div>
            <div class="inputline">
                <label class="prompt" for="console-input">{ state.prompt() }</label>
                <input id="console-input" ref={input} {onkeydown} type="text"
                    autocomplete="off" spellcheck="false" autofocus=true
                    aria-label="Command" placeholder="type a Redis command and press Enter" />
            </div>
        </section>
    }
}

#[function_component(ActivityPanel)]
fn activity_panel(props: &StateProps) -> Html {
    let s = &props.state;
    html! {
        <aside class="panel" aria-label="Keyspace activity">
            <h2>{ "Keyspace" }</h2>
            <dl class="stats">
                <dt>{ "keys in db " }{ s.db }</dt><dd class="dbsize">{ s.dbsize }</dd>
                <dt>{ "expired keys" }</dt><dd class="expired">{ s.expired }</dd>
            </dl>
            <h3>{ "Recent key events" }</h3>
            <ol class="events" reversed=true>
                { for s.events.iter().rev().map(|ev| html! {
                    <li><span class={classes!("ev", ev.event)}>{ ev.event }</span>{ " " }
                        <code>{ String::from_utf8_lossy(&ev.key).into_owned() }</code>
                        { if ev.db != 0 { format!(" (db {})", ev.db) } else { String::new() } }</li>
                }) }
            </ol>
        </aside>
    }
}
