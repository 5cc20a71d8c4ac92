//! The page: header with the app's actions, notices, the share-link prompt, and the
//! console beside the panels. Background work (ticks, samples, saving) starts here.

use gloo::timers::callback::{Interval, Timeout};
use yew::prelude::*;

use super::console::Console;
use super::panels::Panels;
use super::state::{tick, Action, AppState, Level};
use super::{engine, persist};

/// Quiet time after the last change before the state is written to localStorage.
const SAVE_DEBOUNCE_MS: u32 = 600;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::boot);

    // Active expiry at the engine's hz; countdowns and live panels from what it produced.
    {
        let state = state.clone();
        let db = state.db();
        use_effect_with(db, move |&db| {
            let hz = engine().borrow().core.config.hz.max(1) as u32;
            let iv = Interval::new(1000 / hz, move || {
                if let Some((now, events)) = tick(db) {
                    state.dispatch(Action::Tick(now, events));
                }
            });
            move || drop(iv)
        });
    }
    // One statistics sample a second.
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let iv = Interval::new(1000, move || state.dispatch(Action::Sample));
            move || drop(iv)
        });
    }
    // The simulator: one slice per task, so the page keeps painting between slices.
    {
        let state = state.clone();
        let key = (state.sim.running, state.sim.steps);
        use_effect_with(key, move |&(running, _)| {
            let t = running.then(|| Timeout::new(0, move || state.dispatch(Action::SimStep)));
            move || drop(t)
        });
    }
    // Save, debounced, whenever the keyspace or a transcript changed.
    {
        let state = state.clone();
        let key = (
            state.version,
            state.tabs.iter().map(|t| t.transcript.len()).sum::<usize>(),
            state.tabs.len(),
        );
        use_effect_with(key, move |_| {
            let t = Timeout::new(SAVE_DEBOUNCE_MS, move || {
                let result = persist::save(&state.tabs);
                if result.is_err() || state.save_failed {
                    state.dispatch(Action::Saved(result));
                }
            });
            move || drop(t)
        });
    }

    html! {
        <div class="app">
            <Header state={state.clone()} />
            <Notices state={state.clone()} />
            <SharePrompt state={state.clone()} />
            <main class="layout">
                <Console state={state.clone()} />
                <Panels state={state.clone()} />
            </main>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct Props {
    state: UseReducerHandle<AppState>,
}

#[function_component(Header)]
fn header(props: &Props) -> Html {
    let state = &props.state;
    let file_input = use_node_ref();
    // Keeps the file reader alive while it reads.
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);

    let export = Callback::from(|_| {
        let json = engine().borrow().snapshot_json();
        persist::download("kvlab-snapshot.json", &json);
    });
    let import_click = {
        let file_input = file_input.clone();
        Callback::from(move |_| {
            if let Some(el) = file_input.cast::<web_sys::HtmlInputElement>() {
                el.click();
            }
        })
    };
    let import_change = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = el.files().and_then(|f| f.get(0)) else {
                return;
            };
            let state = state.clone();
            let task = gloo::file::callbacks::read_as_text(
                &gloo::file::File::from(file),
                move |r| match r {
                    Ok(text) => state.dispatch(Action::Import(text)),
                    Err(e) => state.dispatch(Action::Notify(
                        Level::Error,
                        format!("Could not read that file: {e}"),
                        None,
                    )),
                },
            );
            *reader.borrow_mut() = Some(task);
            el.set_value("");
        })
    };
    let share = {
        let state = state.clone();
        Callback::from(move |_| {
            let lines: Vec<String> = state
                .tab()
                .transcript
                .iter()
                .filter(|e| !e.summarised && !e.input.trim().is_empty())
                .map(|e| e.input.clone())
                .collect();
            if lines.is_empty() {
                state.dispatch(Action::Notify(
                    Level::Info,
                    "Run a few commands first: the share link replays this tab's commands.".into(),
                    None,
                ));
                return;
            }
            let link = persist::share_link(&lines);
            persist::copy_to_clipboard(&link);
            state.dispatch(Action::Notify(
                Level::Info,
                format!("Share link (copied): {link}"),
                None,
            ));
        })
    };
    let reset = {
        let state = state.clone();
        Callback::from(move |_| {
            let ok = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(
                        "Reset KV Lab? This empties the keyspace and the transcripts.",
                    )
                    .ok()
                })
                .unwrap_or(false);
            if ok {
                state.dispatch(Action::Reset);
            }
        })
    };
    let theme = {
        let state = state.clone();
        Callback::from(move |_| {
            let next = match state.theme.as_str() {
                "dark" => "light",
                "light" => "",
                _ => "dark",
            };
            state.dispatch(Action::SetTheme(next.into()));
        })
    };
    let theme_label = match state.theme.as_str() {
        "dark" => "theme: dark",
        "light" => "theme: light",
        _ => "theme: system",
    };
    html! {
        <header class="top">
            <h1>{ "KV Lab" }</h1>
            <span class="tagline">{ "Redis 7.0 in your browser: type a command, watch the insides." }</span>
            <nav class="actions" aria-label="App actions">
                <button onclick={export} title="Download the keyspace as a snapshot file">{ "Export" }</button>
                <button onclick={import_click} title="Load a snapshot file">{ "Import" }</button>
                <input ref={file_input} type="file" accept=".json,application/json" class="hidden" onchange={import_change} aria-label="Snapshot file" />
                <button onclick={share} title="Copy a link that replays this tab's commands">{ "Share" }</button>
                <button onclick={reset}>{ "Reset" }</button>
                <button onclick={theme} class="theme">{ theme_label }</button>
            </nav>
        </header>
    }
}

#[function_component(Notices)]
fn notices(props: &Props) -> Html {
    let state = &props.state;
    html! {
        <div class="notices" role="status" aria-live="polite">
            { for state.notices.iter().map(|n| {
                let dismiss = {
                    let state = state.clone();
                    let id = n.id;
                    Callback::from(move |_| state.dispatch(Action::Dismiss(id)))
                };
                let class = match n.level {
                    Level::Info => "info",
                    Level::Warn => "warn",
                    Level::Error => "error",
                };
                let download = n.download.clone().map(|(name, content)| {
                    let onclick = Callback::from(move |_| persist::download(&name, &content));
                    html! { <button class="download" {onclick}>{ "Download it" }</button> }
                });
                html! {
                    <div class={classes!("notice", class)}>
                        <span class="text">{ &n.text }</span>
                        { for download }
                        <button class="dismiss" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
                    </div>
                }
            }) }
        </div>
    }
}

#[function_component(SharePrompt)]
fn share_prompt(props: &Props) -> Html {
    let state = &props.state;
    let Some(lines) = &state.pending_script else {
        return html! {};
    };
    let run = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::AcceptScript))
    };
    let no = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::RejectScript))
    };
    html! {
        <div class="share-prompt" role="dialog" aria-label="Shared script">
            <p>{ format!("This link carries {} command(s). Nothing has run yet. Run them in the console?", lines.len()) }</p>
            <pre class="script">{ lines.join("\n") }</pre>
            <button class="run" onclick={run}>{ "Run them" }</button>
            <button onclick={no}>{ "Dismiss" }</button>
        </div>
    }
}
