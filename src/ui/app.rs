//! The page: header with the app's actions, notices, the share-link prompt, and the
//! console beside the panels. Background work (ticks, samples, saving) starts here.

use std::rc::Rc;

use gloo::timers::callback::Interval;
use yew::prelude::*;

use super::console::Console;
use super::exec::{self, Feed, Outcome};
use super::i18n::{tr, trf, Lang};
use super::lessons::LessonPane;
use super::panels::Panels;
use super::session::{PanelKind, Session};
use super::state::{both, Action, AppState, Level};
use super::{engine, persist};

/// How often the app checks whether there is something new to save.
const SAVE_EVERY_MS: u32 = 500;
/// After a failed save (a full quota), how long before trying again.
const RETRY_FAILED_SAVE_MS: f64 = 30_000.0;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::boot);

    // What the app's panels may ask of it, as stable callbacks.
    let (record, fill, show, pin, new_tab, select) = {
        let d = state.dispatcher();
        let callbacks = use_memo((), move |_| {
            let (d1, d2, d3, d4, d5, d6) =
                (d.clone(), d.clone(), d.clone(), d.clone(), d.clone(), d);
            (
                Callback::from(move |done: Vec<Rc<Outcome>>| d1.dispatch(Action::Record(done))),
                Callback::from(move |text: String| d2.dispatch(Action::Fill(text))),
                Callback::from(move |kind: PanelKind| d3.dispatch(Action::Show(kind))),
                Callback::from(move |_: ()| d4.dispatch(Action::TogglePin)),
                Callback::from(move |_: ()| d5.dispatch(Action::NewTab)),
                Callback::from(move |i: usize| d6.dispatch(Action::SelectTab(i))),
            )
        });
        (*callbacks).clone()
    };
    let tabs: Vec<(u64, String)> = state
        .tabs
        .iter()
        .map(|t| (t.client, t.label.clone()))
        .collect();
    let session = Session {
        client: state.tab().client,
        db: state.db(),
        record,
        fill,
        show,
        tabs: Rc::new(tabs),
        new_tab,
        select,
    };

    // Active expiry at the engine's hz; what it does reaches the panels through the feed.
    use_effect_with((), move |_| {
        let hz = engine().borrow().core.config.hz.max(1) as u32;
        let iv = Interval::new(1000 / hz, exec::tick);
        move || drop(iv)
    });
    // Late replies of blocked commands go into their tab's transcript; anything that may
    // have changed the keyspace marks it for saving.
    let changed = use_mut_ref(|| 0u64);
    {
        let d = state.dispatcher();
        let changed = changed.clone();
        let _sub = use_mut_ref(move || {
            exec::subscribe(Rc::new(move |f: &Feed| match f {
                Feed::Delivered {
                    client,
                    reply,
                    text,
                    ..
                } => {
                    *changed.borrow_mut() += 1;
                    d.dispatch(Action::Deliver {
                        client: *client,
                        text: text.to_string(),
                        is_error: reply.is_error(),
                        paused: false,
                        parked: false,
                    })
                }
                Feed::Pushed {
                    client,
                    replies,
                    text,
                } => d.dispatch(Action::Stream {
                    client: *client,
                    text: text.to_string(),
                    count: replies.len().max(1),
                }),
                // A command a pause held ran: its reply fills its pending entry (or,
                // if it blocked, the entry waits on for the reply as a blocked one's).
                Feed::Ran(o) if o.resumed => {
                    *changed.borrow_mut() += 1;
                    d.dispatch(Action::Deliver {
                        client: o.client,
                        text: o.text.clone(),
                        is_error: o.is_error(),
                        paused: true,
                        parked: o.pending,
                    })
                }
                Feed::Ran(_) | Feed::Background(_) | Feed::Replaced => *changed.borrow_mut() += 1,
                Feed::Before { .. } => {}
            }))
        });
    }
    // Save when something changed: checked twice a second, never inside a render, and
    // after a failure (a full quota) only every half minute.
    let tabs = use_mut_ref(Vec::new);
    *tabs.borrow_mut() = state.tabs.clone();
    {
        let d = state.dispatcher();
        let failed = state.save_failed;
        use_effect_with(failed, move |&failed| {
            let saved = std::cell::Cell::new((u64::MAX, 0usize, 0f64));
            let iv = Interval::new(SAVE_EVERY_MS, move || {
                let tabs = tabs.borrow();
                let mark = (
                    *changed.borrow(),
                    tabs.iter().map(|t| t.transcript.len() + 1).sum::<usize>(),
                );
                let (last_change, last_len, at) = saved.get();
                let now = js_sys::Date::now();
                if (mark.0, mark.1) == (last_change, last_len)
                    || (failed && now - at < RETRY_FAILED_SAVE_MS)
                    || persist::saving()
                {
                    return;
                }
                saved.set((mark.0, mark.1, now));
                // IndexedDB writes asynchronously; the transcripts follow the keyspace.
                let save = persist::save(persist::transcripts_json(&tabs));
                let d = d.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = save.await;
                    if result.is_err() != failed {
                        d.dispatch(Action::Saved(result));
                    }
                });
            });
            move || drop(iv)
        });
    }

    let close_lessons = {
        let d = state.dispatcher();
        Callback::from(move |_| d.dispatch(Action::Lessons(false)))
    };
    html! {
        <ContextProvider<Lang> context={state.lang}>
        <div class="app">
            <Header state={state.clone()} />
            <Notices state={state.clone()} />
            <SharePrompt state={state.clone()} session={session.clone()} />
            <main class="layout">
                <div class="leftcol">
                    if state.lessons {
                        <LessonPane session={session.clone()} on_close={close_lessons} />
                    }
                    <Console state={state.clone()} />
                </div>
                <Panels front={state.front} pinned={state.pinned} {pin} session={session} />
            </main>
        </div>
        </ContextProvider<Lang>>
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

    let export = Callback::from(move |_| {
        // Every key, the probabilistic ones as RedisBloom module values: the file
        // redis-server with RedisBloom loads.
        let image = engine().borrow().save_rdb();
        persist::download_bytes("dump.rdb", &image);
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
            let task =
                gloo::file::callbacks::read_as_bytes(&gloo::file::File::from(file), move |r| {
                    let (level, text) = match r
                        .map_err(|e| {
                            both(
                                format!("Could not read that file: {e}"),
                                format!("파일을 읽지 못했습니다: {e}"),
                            )
                        })
                        .and_then(|bytes| import(&bytes))
                    {
                        Ok(n) => {
                            exec::publish(&Feed::Replaced);
                            (
                                Level::Info,
                                both(
                                    format!("Imported {n} keys."),
                                    format!("키 {n}개를 가져왔습니다."),
                                ),
                            )
                        }
                        Err(why) => (Level::Error, why),
                    };
                    state.dispatch(Action::Notify(level, text, None));
                });
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
                    both(
                        "Run a few commands first: the share link replays this tab's commands.",
                        "먼저 명령을 몇 개 실행하세요: 공유 링크는 이 탭의 명령을 다시 실행합니다.",
                    ),
                    None,
                ));
                return;
            }
            let link = persist::share_link(&lines);
            persist::copy_to_clipboard(&link);
            state.dispatch(Action::Notify(
                Level::Info,
                both(
                    format!("Share link (copied): {link}"),
                    format!("공유 링크 (복사됨): {link}"),
                ),
                None,
            ));
        })
    };
    let reset = {
        let state = state.clone();
        Callback::from(move |_| {
            let ok = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(tr(
                        state.lang,
                        "Reset KV Lab? This empties the keyspace and the transcripts.",
                        "KV Lab을 초기화할까요? 키스페이스와 콘솔 기록이 모두 비워집니다.",
                    ))
                    .ok()
                })
                .unwrap_or(false);
            if ok {
                engine().borrow_mut().reset_all();
                exec::publish(&Feed::Replaced);
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
    let lang = state.lang;
    let theme_label = match state.theme.as_str() {
        "dark" => tr(lang, "theme: dark", "테마: 어두움"),
        "light" => tr(lang, "theme: light", "테마: 밝음"),
        _ => tr(lang, "theme: system", "테마: 시스템"),
    };
    let lessons = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::Lessons(!state.lessons)))
    };
    let switch_lang = {
        let state = state.clone();
        Callback::from(move |_| {
            state.dispatch(Action::SetLang(match state.lang {
                Lang::En => Lang::Ko,
                Lang::Ko => Lang::En,
            }))
        })
    };
    html! {
        <header class="top">
            <h1>{ "KV Lab" }</h1>
            <span class="tagline">{ tr(lang, "Redis 7.0 in your browser: type a command, watch the insides.", "브라우저 속 Redis 7.0: 명령을 입력하고 내부를 들여다보세요.") }</span>
            <nav class="actions" aria-label={tr(lang, "App actions", "앱 동작")}>
                <button class={classes!("lessons-toggle", state.lessons.then_some("on"))} onclick={lessons} aria-pressed={state.lessons.to_string()}>{ tr(lang, "Lessons", "강의") }</button>
                <button onclick={export} title={tr(lang, "Download the keyspace as dump.rdb (RDB version 10, as redis-server 7.0 writes it)", "키스페이스를 dump.rdb로 내려받기 (redis-server 7.0과 같은 RDB 버전 10)")}>{ tr(lang, "Export", "내보내기") }</button>
                <button onclick={import_click} title={tr(lang, "Replace the keyspace with a dump.rdb (from KV Lab or redis-server) or a JSON snapshot", "키스페이스를 dump.rdb(KV Lab이나 redis-server의 파일) 또는 JSON 스냅숏으로 바꾸기")}>{ tr(lang, "Import", "가져오기") }</button>
                <input ref={file_input} type="file" accept=".rdb,.json,application/json,application/octet-stream" class="hidden" onchange={import_change} aria-label={tr(lang, "Snapshot file", "스냅숏 파일")} />
                <button onclick={share} title={tr(lang, "Copy a link that replays this tab's commands", "이 탭의 명령을 다시 실행하는 링크 복사")}>{ tr(lang, "Share", "공유") }</button>
                <button onclick={reset}>{ tr(lang, "Reset", "초기화") }</button>
                <button onclick={theme} class="theme">{ theme_label }</button>
                <button onclick={switch_lang} class="lang" lang={match lang { Lang::En => "ko", Lang::Ko => "en" }}>{ match lang { Lang::En => "한국어", Lang::Ko => "English" } }</button>
            </nav>
        </header>
    }
}

/// Replaces the keyspace with a file's: a dump.rdb (from KV Lab or redis-server), or
/// a JSON snapshot of earlier versions. On error the keyspace is unchanged.
fn import(bytes: &[u8]) -> Result<usize, crate::lessons::Text> {
    let refused = |why: String| {
        both(
            format!("That file could not be imported: {why}. The keyspace is unchanged."),
            format!("이 파일은 가져올 수 없습니다: {why}. 키스페이스는 그대로입니다."),
        )
    };
    if bytes.starts_with(b"REDIS") {
        return engine()
            .borrow_mut()
            .load_rdb(bytes)
            .map_err(|e| refused(format!("not a readable RDB file ({e})")));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if text.trim_start().starts_with('{') => engine()
            .borrow_mut()
            .restore_json(text)
            .map_err(|e| refused(e.to_string())),
        _ => Err(refused(
            "it is neither an RDB file (dump.rdb, starting with REDIS) nor a KV Lab JSON snapshot"
                .into(),
        )),
    }
}

#[function_component(Notices)]
fn notices(props: &Props) -> Html {
    let state = &props.state;
    let lang = state.lang;
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
                    html! { <button class="download" {onclick}>{ tr(lang, "Download it", "내려받기") }</button> }
                });
                html! {
                    <div class={classes!("notice", class)}>
                        <span class="text">{ n.text.get(lang) }</span>
                        { for download }
                        <button class="dismiss" onclick={dismiss} aria-label={tr(lang, "Dismiss", "닫기")}>{ "×" }</button>
                    </div>
                }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ShareProps {
    state: UseReducerHandle<AppState>,
    session: Session,
}

#[function_component(SharePrompt)]
fn share_prompt(props: &ShareProps) -> Html {
    let state = &props.state;
    let lang = state.lang;
    let Some(lines) = state.pending_script.clone() else {
        return html! {};
    };
    let run = {
        let state = state.clone();
        let session = props.session.clone();
        let lines = lines.clone();
        Callback::from(move |_| {
            state.dispatch(Action::CloseScript);
            session.run_lines(&lines);
        })
    };
    let no = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::CloseScript))
    };
    html! {
        <div class="share-prompt" role="dialog" aria-label={tr(lang, "Shared script", "공유된 스크립트")}>
            <p>{ { let n = lines.len(); trf!(lang, "This link carries {n} command(s). Nothing has run yet. Run them in the console?", "이 링크에는 명령 {n}개가 들어 있습니다. 아직 아무것도 실행하지 않았습니다. 콘솔에서 실행할까요?") } }</p>
            <pre class="script">{ lines.join("\n") }</pre>
            <button class="run" onclick={run}>{ tr(lang, "Run them", "모두 실행") }</button>
            <button onclick={no}>{ tr(lang, "Dismiss", "닫기") }</button>
        </div>
    }
}
