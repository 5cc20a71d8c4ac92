//! The lesson runner: the lesson list with progress, and the lesson in progress (its
//! story, the step to do, hints from a nudge to the command, the goal, the reference
//! solution, reset and undo, and "what just happened" after each success).
//!
//! The runner owns its state. It follows the feed like a panel: every command a lesson
//! tab runs (and every message a tab receives) goes to [`Progress`], which checks the
//! step's goal against the engine after each one. Commands are never parsed from text:
//! the runner gets the engine's `Reply` values.
//!
//! Starting a lesson keeps the free-play keyspace aside (in localStorage) and builds the
//! lesson's start state on an empty one; leaving the lessons puts the free-play keyspace
//! back. Undo rebuilds the start state and replays the lesson's commands but the last.
//! Deep links (`#/lessons/<id>/<step>`) open a lesson at a step, with the reference
//! solutions of the steps before it replayed.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use yew::prelude::*;

use super::exec::{self, Feed};
use super::i18n::{tr, use_lang};
use super::session::{PanelKind, Session};
use super::{engine, persist};
use crate::engine::Reply;
use crate::lessons::{self, pipeline, Lesson, Line, Progress, Seen};

const PROGRESS_KEY: &str = "kvlab:lessons";
const FREEPLAY_KEY: &str = "kvlab:freeplay";
const ROUTE_PREFIX: &str = "#/lessons";
/// The simulated round trip of the pipelining lab.
const LAB_RTT_MS: f64 = 1.0;

/// Per lesson id: how far the learner got.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
struct Saved {
    /// Steps completed (the furthest reached).
    steps: usize,
    finished: bool,
}

fn load_saved() -> BTreeMap<String, Saved> {
    persist::get(PROGRESS_KEY)
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn store_saved(s: &BTreeMap<String, Saved>) {
    if let Ok(t) = serde_json::to_string(s) {
        let _ = persist::set(PROGRESS_KEY, &t);
    }
}

/// `#/lessons/<id>/<step>` (step from 1), or `#/lessons` for the list.
pub fn route() -> Option<(Option<String>, usize)> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let rest = hash.strip_prefix(ROUTE_PREFIX)?;
    let mut parts = rest.trim_start_matches('/').split('/');
    let id = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
    let step = parts
        .next()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1);
    Some((id, step.max(1)))
}

fn set_route(path: &str) {
    if let Some(w) = web_sys::window() {
        let loc = w.location();
        let base = format!(
            "{}{}",
            loc.pathname().unwrap_or_default(),
            loc.search().unwrap_or_default()
        );
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("{base}{path}")),
            );
        }
    }
}

pub fn panel_named(name: &str) -> Option<PanelKind> {
    Some(match name {
        "keyspace" => PanelKind::Keyspace,
        "ttl" => PanelKind::Ttl,
        "stats" => PanelKind::Stats,
        "memory" => PanelKind::Memory,
        "list" => PanelKind::List,
        "hash" => PanelKind::Hash,
        "set" => PanelKind::Set,
        "stream" => PanelKind::Stream,
        "tx" => PanelKind::Tx,
        "messaging" => PanelKind::Messaging,
        "slowlog" => PanelKind::SlowLog,
        "zset" => PanelKind::Zset,
        "geo" => PanelKind::Geo,
        "hll" => PanelKind::Hll,
        "bits" => PanelKind::Bits,
        "bloom" => PanelKind::Bloom,
        "tdigest" => PanelKind::TDigest,
        "cuckoo" => PanelKind::Cuckoo,
        "cms" => PanelKind::Cms,
        "topk" => PanelKind::TopK,
        "sketches" => PanelKind::Sketches,
        "rdb" => PanelKind::Rdb,
        "persistence" => PanelKind::Persistence,
        _ => return None,
    })
}

#[derive(Clone)]
struct Lab {
    n: String,
    batch: String,
    command: String,
    report: Option<Result<pipeline::Report, String>>,
}

/// The runner's state (owned here, never in the app's reducer).
struct Runner {
    progress: Option<Progress>,
    /// Index of the lesson in progress.
    lesson: usize,
    /// The tabs' clients while the lesson started (tab 1 first).
    clients: Vec<u64>,
    /// Lines run in this lesson, with their tab and the step they were run in.
    history: Vec<(usize, String, usize)>,
    hints: usize,
    show_goal: bool,
    show_solution: bool,
    /// What the last completed step explained (lesson index, step index).
    just_done: Option<(usize, usize)>,
    /// While the runner replays lines itself, the feed is not followed.
    replaying: bool,
    /// A lesson waiting for more tabs to be opened, and the step to open it at.
    pending: Option<(usize, usize)>,
    saved: BTreeMap<String, Saved>,
    lab: Lab,
    /// Results of the current step's checks, for the goal list.
    checks: Vec<bool>,
}

impl Runner {
    fn new() -> Runner {
        Runner {
            progress: None,
            lesson: 0,
            clients: Vec::new(),
            history: Vec::new(),
            hints: 0,
            show_goal: false,
            show_solution: false,
            just_done: None,
            replaying: false,
            pending: None,
            saved: load_saved(),
            lab: Lab {
                n: "10000".into(),
                batch: "1".into(),
                command: "INCR hits".into(),
                report: None,
            },
            checks: Vec::new(),
        }
    }

    fn tab_of(&self, client: u64) -> Option<usize> {
        self.clients
            .iter()
            .position(|&c| c == client)
            .map(|i| i + 1)
    }

    fn lesson(&self) -> Option<&'static Lesson> {
        self.progress.as_ref().map(|p| p.lesson)
    }

    /// Re-checks the step; on success moves on, remembers it, and says which panel to
    /// show next. Returns whether a step was completed.
    fn check(&mut self, session: &Session) -> bool {
        let Some(p) = self.progress.as_mut() else {
            return false;
        };
        let handle = engine();
        let Ok(mut eng) = handle.try_borrow_mut() else {
            return false;
        };
        let done = p.advance(&mut eng, &self.clients);
        self.checks = p.check(&mut eng, &self.clients);
        drop(eng);
        let Some(step) = done else {
            return false;
        };
        let lesson = p.lesson;
        self.just_done = Some((self.lesson, step));
        self.hints = 0;
        self.show_solution = false;
        self.show_goal = false;
        let entry = self.saved.entry(lesson.id.clone()).or_default();
        entry.steps = entry.steps.max(step + 1);
        if step + 1 >= lesson.steps.len() {
            entry.finished = true;
        }
        store_saved(&self.saved);
        set_route(&format!("{ROUTE_PREFIX}/{}/{}", lesson.id, step + 2));
        if let Some(kind) = lesson
            .steps
            .get(step + 1)
            .and_then(|s| s.panel.as_deref())
            .and_then(panel_named)
        {
            session.show.emit(kind);
        }
        self.prefill_lab();
        true
    }

    /// The lab's command from the step's reference solution (the learner picks the
    /// counts).
    fn prefill_lab(&mut self) {
        let Some(step) = self.progress.as_ref().and_then(|p| p.current()) else {
            return;
        };
        for raw in &step.solution {
            if let Ok(Line::Pipeline { n, command, .. }) = Line::parse(raw) {
                self.lab.n = n.to_string();
                self.lab.batch = "1".into();
                if self.lab.command != command {
                    self.lab.report = None;
                }
                self.lab.command = command;
                return;
            }
        }
    }

    fn step_has_lab(&self) -> bool {
        self.progress
            .as_ref()
            .and_then(|p| p.current())
            .is_some_and(|s| {
                s.solution
                    .iter()
                    .any(|l| matches!(Line::parse(l), Ok(Line::Pipeline { .. })))
            })
    }
}

/// Runs a line straight on the engine for the lesson's tabs, with no transcript and no
/// feed (setup and replays): returns the replies of the commands it sent, with their
/// argv. A wait does nothing here.
fn run_silently(clients: &[u64], raw: &str) -> Vec<(usize, Vec<Vec<u8>>, Reply)> {
    let Ok(line) = Line::parse(raw) else {
        return Vec::new();
    };
    let eng = engine();
    let mut eng = eng.borrow_mut();
    let client = |tab: usize| clients.get(tab - 1).copied();
    let mut out = Vec::new();
    match line {
        Line::Wait(_) => {}
        Line::Command { tab, text } => {
            if let (Some(id), Ok(argv)) = (client(tab), crate::console::tokenize(&text)) {
                if !argv.is_empty() {
                    let reply = eng.execute(id, &argv);
                    out.push((tab, argv, reply));
                }
            }
        }
        Line::Scan {
            tab,
            pattern,
            count,
        } => {
            if let Some(id) = client(tab) {
                lessons::scan_all(&pattern, count, 100_000, |argv| {
                    let r = eng.execute(id, argv);
                    out.push((tab, argv.to_vec(), r.clone()));
                    r
                });
            }
        }
        Line::Pipeline {
            tab,
            n,
            batch,
            command,
        } => {
            if let Some(id) = client(tab) {
                let _ = pipeline::run(n, batch, &command, LAB_RTT_MS, |argv| eng.execute(id, argv));
            }
        }
    }
    eng.drain_events();
    for &c in clients {
        eng.take_pushes(c);
        eng.take_after_reply(c);
    }
    out
}

/// Empties the keyspace and the tabs' client state, and builds the lesson's start.
fn build_start(lesson: &Lesson, clients: &[u64]) {
    {
        let eng = engine();
        let mut eng = eng.borrow_mut();
        eng.restart_in_cluster_mode(lesson.cluster);
        for &c in clients {
            eng.execute(c, &[b"RESET".to_vec()]);
            eng.take_pushes(c);
        }
    }
    for l in &lesson.setup {
        run_silently(clients, l);
    }
    engine().borrow_mut().drain_events();
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub session: Session,
    /// Leaves the lessons (back to free play).
    pub on_close: Callback<()>,
}

#[function_component(LessonPane)]
pub fn lesson_pane(props: &Props) -> Html {
    let lang = use_lang();
    let runner = use_mut_ref(Runner::new);
    let redraw = use_force_update();
    // The latest session, for the feed's subscriber.
    let session_ref = use_mut_ref(|| props.session.clone());
    *session_ref.borrow_mut() = props.session.clone();

    // Follow the feed: commands and messages of the lesson's tabs.
    {
        let runner = runner.clone();
        let redraw = redraw.clone();
        let session_ref = session_ref.clone();
        let _sub = use_mut_ref(move || {
            exec::subscribe(Rc::new(move |f: &Feed| {
                let mut r = runner.borrow_mut();
                if r.replaying || r.progress.is_none() {
                    return;
                }
                let step = r.progress.as_ref().map_or(0, |p| p.step);
                let seen: Vec<Seen> = match f {
                    Feed::Ran(o) => {
                        let (Some(tab), Some(reply)) = (r.tab_of(o.client), o.reply.clone()) else {
                            return;
                        };
                        if !o.summarised {
                            r.history.push((tab, o.line.clone(), step));
                        }
                        vec![Seen::Ran {
                            tab,
                            argv: o.argv.clone(),
                            reply,
                        }]
                    }
                    Feed::Delivered {
                        client,
                        argv,
                        reply,
                        ..
                    } => match r.tab_of(*client) {
                        Some(tab) => vec![Seen::Ran {
                            tab,
                            argv: argv.to_vec(),
                            reply: (*reply).clone(),
                        }],
                        None => return,
                    },
                    Feed::Pushed {
                        client, replies, ..
                    } => match r.tab_of(*client) {
                        Some(tab) => replies
                            .iter()
                            .flat_map(|m| match m {
                                Reply::Seq(v) => v.clone(),
                                m => vec![m.clone()],
                            })
                            .map(|message| Seen::Received { tab, message })
                            .collect(),
                        None => return,
                    },
                    Feed::Background(_) => Vec::new(),
                    Feed::Before { .. } | Feed::Replaced => return,
                };
                if let Some(p) = r.progress.as_mut() {
                    for s in seen {
                        p.observe(s);
                    }
                }
                let session = session_ref.borrow().clone();
                r.check(&session);
                drop(r);
                redraw.force_update();
            }))
        });
    }

    // Opening a lesson: with enough tabs, build its start (and replay the steps before
    // the one asked for); else ask for tabs and come back on the next render.
    let open = {
        let runner = runner.clone();
        let redraw = redraw.clone();
        Rc::new(move |session: &Session, idx: usize, at_step: usize| {
            let Some(lesson) = lessons::all().get(idx) else {
                return;
            };
            let mut r = runner.borrow_mut();
            if session.tabs.len() < lesson.tabs {
                r.pending = Some((idx, at_step));
                drop(r);
                for _ in session.tabs.len()..lesson.tabs {
                    session.new_tab.emit(());
                }
                return;
            }
            r.pending = None;
            if r.progress.is_none() && persist::get(FREEPLAY_KEY).is_none() {
                let snap = engine().borrow().snapshot_json();
                let _ = persist::set(FREEPLAY_KEY, &snap);
            }
            let clients: Vec<u64> = session.tabs.iter().map(|(c, _)| *c).collect();
            r.replaying = true;
            build_start(lesson, &clients);
            let mut p = Progress::new(lesson);
            let at = at_step.min(lesson.steps.len().saturating_sub(1));
            for s in lesson.steps.iter().take(at) {
                for l in &s.solution {
                    run_silently(&clients, l);
                }
            }
            p.goto(at);
            r.replaying = false;
            r.progress = Some(p);
            r.lesson = idx;
            r.clients = clients;
            r.history.clear();
            r.hints = 0;
            r.show_goal = false;
            r.show_solution = false;
            r.just_done = None;
            r.prefill_lab();
            {
                let handle = engine();
                let mut eng = handle.borrow_mut();
                let clients = r.clients.clone();
                if let Some(p) = r.progress.as_ref() {
                    r.checks = p.check(&mut eng, &clients);
                }
            }
            set_route(&format!("{ROUTE_PREFIX}/{}/{}", lesson.id, at + 1));
            let panel = lesson
                .steps
                .get(at)
                .and_then(|s| s.panel.as_deref())
                .or(lesson.panel.as_deref())
                .and_then(panel_named);
            drop(r);
            exec::publish(&Feed::Replaced);
            if let Some(kind) = panel {
                session.show.emit(kind);
            }
            // The lesson starts in tab 1, and the console redraws its tabs (a replayed
            // AUTH shows on tab 2's label).
            session.select.emit(0);
            redraw.force_update();
        })
    };

    // A deep link followed later (the address bar's fragment changed).
    {
        let open = open.clone();
        let runner = runner.clone();
        let session_ref = session_ref.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "hashchange", move |_| {
                    let Some((Some(id), step)) = route() else {
                        return;
                    };
                    let Some((idx, _)) = lessons::find(&id) else {
                        return;
                    };
                    let current = runner
                        .borrow()
                        .progress
                        .as_ref()
                        .map(|p| (p.lesson.id.clone(), p.step + 1));
                    if current != Some((id, step)) {
                        let session = session_ref.borrow().clone();
                        open(&session, idx, step - 1);
                    }
                })
            });
            move || drop(listener)
        });
    }

    // A deep link at first render; a lesson waiting for tabs once they exist.
    {
        let open = open.clone();
        let session = props.session.clone();
        let first = use_mut_ref(|| true);
        let pending = runner.borrow().pending;
        if std::mem::take(&mut *first.borrow_mut()) {
            if let Some((Some(id), step)) = route() {
                if let Some((idx, _)) = lessons::find(&id) {
                    open(&session, idx, step - 1);
                }
            }
        } else if let Some((idx, step)) = pending {
            let needed = lessons::all().get(idx).map_or(1, |l| l.tabs);
            if session.tabs.len() >= needed {
                open(&session, idx, step);
            }
        }
    }

    let r = runner.borrow();
    let Some(progress) = r.progress.as_ref() else {
        return html! { <LessonList saved={Rc::new(r.saved.clone())} on_open={{
            let open = open.clone();
            let session = props.session.clone();
            Callback::from(move |idx: usize| open(&session, idx, 0))
        }} on_close={props.on_close.clone()} /> };
    };
    let lesson = progress.lesson;
    let idx = r.lesson;
    let total = lesson.steps.len();

    let leave = {
        let runner = runner.clone();
        let on_close = props.on_close.clone();
        Callback::from(move |_| {
            let mut r = runner.borrow_mut();
            r.progress = None;
            r.clients.clear();
            drop(r);
            // The free-play keyspace comes back.
            {
                let eng = engine();
                let mut eng = eng.borrow_mut();
                eng.restart_in_cluster_mode(persist::cluster_setting());
                if let Some(snap) = persist::get(FREEPLAY_KEY) {
                    let _ = eng.restore_json(&snap);
                }
            }
            persist::remove(FREEPLAY_KEY);
            exec::publish(&Feed::Replaced);
            set_route(ROUTE_PREFIX);
            on_close.emit(());
        })
    };
    let to_list = {
        let runner = runner.clone();
        let redraw = redraw.clone();
        Callback::from(move |_| {
            runner.borrow_mut().progress = None;
            set_route(ROUTE_PREFIX);
            redraw.force_update();
        })
    };
    let restart = {
        let open = open.clone();
        let session = props.session.clone();
        Callback::from(move |_| open(&session, idx, 0))
    };
    let undo = {
        let runner = runner.clone();
        let redraw = redraw.clone();
        let session = props.session.clone();
        Callback::from(move |_| {
            let mut r = runner.borrow_mut();
            let Some(last) = r.history.pop() else {
                return;
            };
            let Some(lesson) = r.lesson() else {
                return;
            };
            let clients = r.clients.clone();
            r.replaying = true;
            build_start(lesson, &clients);
            let step = last.2;
            let mut seen = Vec::new();
            for (tab, line, at) in r.history.clone() {
                let raw = if tab == 1 {
                    line
                } else {
                    format!("@{tab} {line}")
                };
                let ran = run_silently(&clients, &raw);
                if at == step {
                    seen.extend(ran);
                }
            }
            r.replaying = false;
            if let Some(p) = r.progress.as_mut() {
                p.goto(step);
                for (tab, argv, reply) in seen {
                    p.observe(Seen::Ran { tab, argv, reply });
                }
            }
            r.just_done = None;
            {
                let handle = engine();
                let mut eng = handle.borrow_mut();
                if let Some(p) = r.progress.as_ref() {
                    r.checks = p.check(&mut eng, &clients);
                }
            }
            if let Some(l) = r.lesson() {
                set_route(&format!("{ROUTE_PREFIX}/{}/{}", l.id, step + 1));
            }
            drop(r);
            exec::publish(&Feed::Replaced);
            let _ = &session;
            redraw.force_update();
        })
    };

    let toggle = |f: fn(&mut Runner)| {
        let runner = runner.clone();
        let redraw = redraw.clone();
        Callback::from(move |_: MouseEvent| {
            f(&mut runner.borrow_mut());
            redraw.force_update();
        })
    };
    let more_hint = toggle(|r| r.hints += 1);
    let show_goal = toggle(|r| r.show_goal = !r.show_goal);
    let show_solution = toggle(|r| r.show_solution = !r.show_solution);

    let just_done = r.just_done.and_then(|(li, si)| {
        (li == idx).then(|| lesson.steps.get(si)).flatten().map(|s| {
            html! {
                <div class="lesson-done" role="status">
                    <strong>{ tr(lang, "✓ Step done. What just happened:", "✓ 단계 완료. 방금 일어난 일:") }</strong>
                    <p>{ s.done.get(lang) }</p>
                </div>
            }
        })
    });

    let body = match progress.current() {
        None => html! {
            <div class="lesson-finished">
                <p><strong>{ tr(lang, "Lesson complete!", "강의 완료!") }</strong></p>
                { for lessons::all().get(idx + 1).map(|next| {
                    let open = open.clone();
                    let session = props.session.clone();
                    let onclick = Callback::from(move |_| open(&session, idx + 1, 0));
                    html! { <button class="next-lesson" {onclick}>{ format!("{} {}", tr(lang, "Next lesson:", "다음 강의:"), next.title.get(lang)) }</button> }
                }) }
            </div>
        },
        Some(step) => {
            let hints = step
                .hints
                .iter()
                .take(r.hints)
                .map(|h| html! { <li>{ h.get(lang) }</li> });
            let goal = r.show_goal.then(|| {
                let met = r.checks.iter().filter(|&&ok| ok).count();
                html! {
                    <div class="lesson-goal">
                        <p>{ step.goal_text.get(lang) }</p>
                        <p class="checks">{ format!("{met} / {} {}", step.goal.len(), tr(lang, "checks met", "조건 충족")) }</p>
                    </div>
                }
            });
            let solution = r.show_solution.then(|| {
                let lines = step.solution.iter().map(|raw| {
                    let line = Line::parse(raw);
                    let (label, fill) = match &line {
                        Ok(Line::Command { tab, text }) => (
                            if *tab == 1 { text.clone() } else { format!("[{} {tab}] {text}", tr(lang, "tab", "탭")) },
                            Some((*tab, text.clone())),
                        ),
                        Ok(Line::Wait(ms)) => (format!("({} {:.1} s)", tr(lang, "wait", "대기"), *ms as f64 / 1000.0), None),
                        Ok(Line::Pipeline { n, batch, command, .. }) => (
                            format!("{}: {n} × {command}, {} {batch}", tr(lang, "lab", "실험실"), tr(lang, "batch", "배치")),
                            None,
                        ),
                        Ok(Line::Scan { pattern, count, .. }) => (
                            format!("SCAN 0 MATCH {pattern} COUNT {count} … {}", tr(lang, "(follow the cursor to 0)", "(커서가 0이 될 때까지)")),
                            Some((1, format!("SCAN 0 MATCH {pattern} COUNT {count}"))),
                        ),
                        Err(e) => (e.clone(), None),
                    };
                    let fill_btn = fill.map(|(tab, text)| {
                        let session = props.session.clone();
                        let onclick = Callback::from(move |_| {
                            session.select.emit(tab - 1);
                            session.fill.emit(text.clone());
                        });
                        html! { <button class="fill" {onclick} title={tr(lang, "Put it in the console's input line", "콘솔 입력줄에 넣기")}>{ tr(lang, "type it", "입력") }</button> }
                    });
                    html! { <li><code>{ label }</code>{ for fill_btn }</li> }
                });
                let run = {
                    let runner = runner.clone();
                    let redraw = redraw.clone();
                    let session = props.session.clone();
                    let lines = step.solution.clone();
                    Callback::from(move |_| run_solution(runner.clone(), redraw.clone(), session.clone(), lines.clone(), 0))
                };
                html! {
                    <div class="lesson-solution">
                        <ol>{ for lines }</ol>
                        <button class="run-solution" onclick={run}>{ tr(lang, "Run the solution", "해답 실행") }</button>
                    </div>
                }
            });
            let lab = r.step_has_lab().then(|| html! { <LabView runner={RunnerHandle(runner.clone())} redraw={{ let redraw = redraw.clone(); Callback::from(move |_| redraw.force_update()) }} session={props.session.clone()} /> });
            let more = (r.hints < step.hints.len()).then(|| html! {
                <button class="hint" onclick={more_hint.clone()}>{ if r.hints == 0 { tr(lang, "Hint", "힌트") } else { tr(lang, "Another hint", "힌트 더 보기") } }</button>
            });
            html! {
                <div class="lesson-step">
                    <h4>{ format!("{} {} / {total}", tr(lang, "Step", "단계"), progress.step + 1) }</h4>
                    <p class="task">{ step.task.get(lang) }</p>
                    <ul class="hints">{ for hints }</ul>
                    { for lab }
                    <div class="lesson-actions">
                        { for more }
                        <button class="show-goal" onclick={show_goal}>{ if r.show_goal { tr(lang, "Hide goal", "목표 숨기기") } else { tr(lang, "Show goal", "목표 보기") } }</button>
                        <button class="show-solution" onclick={show_solution}>{ if r.show_solution { tr(lang, "Hide solution", "해답 숨기기") } else { tr(lang, "Show solution", "해답 보기") } }</button>
                    </div>
                    { for goal }
                    { for solution }
                </div>
            }
        }
    };

    let dots = (0..total).map(|i| {
        let class = if i < progress.step {
            "done"
        } else if i == progress.step {
            "now"
        } else {
            ""
        };
        html! { <span class={classes!("dot", class)}></span> }
    });
    html! {
        <section class="lessons" aria-label={tr(lang, "Lesson", "강의")} data-lesson={lesson.id.clone()} data-step={(progress.step + 1).to_string()}>
            <header>
                <button class="back" onclick={to_list}>{ tr(lang, "← Lessons", "← 강의 목록") }</button>
                <h3>{ format!("{}. {}", idx + 1, lesson.title.get(lang)) }</h3>
                <span class="dots">{ for dots }</span>
                <span class="grow"></span>
                <button class="undo" onclick={undo} disabled={r.history.is_empty()}>{ tr(lang, "Undo", "되돌리기") }</button>
                <button class="restart" onclick={restart}>{ tr(lang, "Reset lesson", "강의 초기화") }</button>
                <button class="leave" onclick={leave}>{ tr(lang, "Free play", "자유 실습") }</button>
            </header>
            <p class="topic">{ lesson.topic.get(lang) }</p>
            { if progress.step == 0 && r.history.is_empty() { html! { <p class="story">{ lesson.story.get(lang) }</p> } } else { html! {} } }
            { for just_done }
            { body }
        </section>
    }
}

/// Runs the step's reference solution visibly, line by line in the right tabs; a wait
/// really waits.
fn run_solution(
    runner: Rc<RefCell<Runner>>,
    redraw: UseForceUpdateHandle,
    session: Session,
    lines: Vec<String>,
    from: usize,
) {
    let clients = runner.borrow().clients.clone();
    for i in from..lines.len() {
        match Line::parse(&lines[i]) {
            Ok(Line::Command { tab, text }) => {
                if let Some(&c) = clients.get(tab - 1) {
                    session.run_as(c, &[text]);
                }
            }
            Ok(Line::Wait(ms)) => {
                let (runner, redraw, session, lines) = (
                    runner.clone(),
                    redraw.clone(),
                    session.clone(),
                    lines.clone(),
                );
                gloo::timers::callback::Timeout::new(ms.clamp(0, 60_000) as u32, move || {
                    // Active expiry has had its chance meanwhile (the app's interval).
                    run_solution(runner, redraw, session, lines, i + 1)
                })
                .forget();
                return;
            }
            Ok(Line::Scan {
                tab,
                pattern,
                count,
            }) => {
                if let Some(&c) = clients.get(tab - 1) {
                    let mut outcomes = Vec::new();
                    lessons::scan_all(&pattern, count, 100_000, |argv| {
                        let o = exec::run_argv(c, lines_of(argv), argv.to_vec());
                        let r = o.reply.clone().unwrap_or(Reply::Nil);
                        outcomes.push(o);
                        r
                    });
                    session.record.emit(outcomes);
                }
            }
            Ok(Line::Pipeline {
                tab,
                n,
                batch,
                command,
            }) => {
                run_lab(&runner, tab, n, batch, &command);
                runner.borrow_mut().check(&session);
            }
            Err(_) => {}
        }
    }
    redraw.force_update();
}

fn lines_of(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs the pipelining lab on the engine (the panels refresh once at the end) and puts
/// its figures into the lesson's facts.
fn run_lab(runner: &Rc<RefCell<Runner>>, tab: usize, n: usize, batch: usize, command: &str) {
    let client = runner.borrow().clients.get(tab - 1).copied();
    let Some(client) = client else {
        return;
    };
    let report = {
        let eng = engine();
        let mut eng = eng.borrow_mut();
        let r = pipeline::run(n, batch, command, LAB_RTT_MS, |argv| {
            eng.execute(client, argv)
        });
        eng.drain_events();
        eng.take_pushes(client);
        r
    };
    let mut r = runner.borrow_mut();
    if let Ok(rep) = &report {
        let step = r.progress.as_ref().map_or(0, |p| p.step);
        r.history
            .push((tab, format!("#pipeline {n} {batch} {command}"), step));
        if let Some(p) = r.progress.as_mut() {
            for (k, v) in rep.facts() {
                p.facts.insert(k.to_string(), v);
            }
        }
    }
    r.lab.report = Some(report);
    drop(r);
    exec::publish(&Feed::Replaced);
}

/// The runner, shared with the lab's view.
#[derive(Clone)]
struct RunnerHandle(Rc<RefCell<Runner>>);

impl PartialEq for RunnerHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
struct LabProps {
    runner: RunnerHandle,
    redraw: Callback<()>,
    session: Session,
}

#[function_component(LabView)]
fn lab_view(props: &LabProps) -> Html {
    let lang = use_lang();
    let runner = props.runner.0.clone();
    let lab = runner.borrow().lab.clone();
    let input = |set: fn(&mut Lab, String)| {
        let runner = runner.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            set(&mut runner.borrow_mut().lab, el.value());
        })
    };
    let run = {
        let runner = runner.clone();
        let redraw = props.redraw.clone();
        let session = props.session.clone();
        Callback::from(move |_| {
            let lab = runner.borrow().lab.clone();
            let n = lab.n.trim().parse::<usize>().unwrap_or(0);
            let batch = lab.batch.trim().parse::<usize>().unwrap_or(0);
            run_lab(&runner, 1, n, batch, &lab.command);
            runner.borrow_mut().check(&session);
            redraw.emit(());
        })
    };
    let report = lab.report.as_ref().map(|r| match r {
        Ok(rep) => {
            let last = rep
                .last
                .as_ref()
                .map(|l| crate::console::format_reply(&[], l, 2))
                .unwrap_or_default();
            html! {
                <p class="lab-report">
                    { format!(
                        "{} {} · {} {} · {} {:.1} ms ({} ms {}) · {} {}",
                        rep.commands, tr(lang, "commands", "명령"),
                        rep.round_trips, tr(lang, "round trips", "왕복"),
                        tr(lang, "network", "네트워크"), rep.network_ms, LAB_RTT_MS, tr(lang, "each", "씩"),
                        tr(lang, "errors", "오류"), rep.errors,
                    ) }
                    <br/><code>{ format!("{} {}", tr(lang, "last reply:", "마지막 응답:"), last.trim_end()) }</code>
                </p>
            }
        }
        Err(e) => html! { <p class="lab-report error">{ e.clone() }</p> },
    });
    html! {
        <div class="lab" aria-label={tr(lang, "Pipelining lab", "파이프라이닝 실험실")}>
            <strong>{ tr(lang, "Pipelining lab", "파이프라이닝 실험실") }</strong>
            <span class="muted">{ tr(lang, " — a simulated 1 ms round trip; {i} becomes 0, 1, 2 …", " — 1ms 왕복을 흉내 냅니다. {i}는 0, 1, 2 …가 됩니다") }</span>
            <div class="lab-row">
                <label>{ tr(lang, "commands", "명령 수") }<input class="lab-n" type="number" min="1" value={lab.n.clone()} oninput={input(|l, v| l.n = v)} /></label>
                <label>{ tr(lang, "batch", "배치") }<input class="lab-batch" type="number" min="1" value={lab.batch.clone()} oninput={input(|l, v| l.batch = v)} /></label>
                <label class="grow">{ tr(lang, "command", "명령") }<input class="lab-command" type="text" value={lab.command.clone()} oninput={input(|l, v| l.command = v)} /></label>
                <button class="lab-run" onclick={run}>{ tr(lang, "Run", "실행") }</button>
            </div>
            { for report }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ListProps {
    saved: Rc<BTreeMap<String, Saved>>,
    on_open: Callback<usize>,
    on_close: Callback<()>,
}

#[function_component(LessonList)]
fn lesson_list(props: &ListProps) -> Html {
    let lang = use_lang();
    let all = lessons::all();
    let done = all
        .iter()
        .filter(|l| props.saved.get(&l.id).is_some_and(|s| s.finished))
        .count();
    let items = all.iter().enumerate().map(|(i, l)| {
        let s = props.saved.get(&l.id).cloned().unwrap_or_default();
        let mark = if s.finished {
            "✓".to_string()
        } else if s.steps > 0 {
            format!("{}/{}", s.steps, l.steps.len())
        } else {
            String::new()
        };
        let on_open = props.on_open.clone();
        let onclick = Callback::from(move |_| on_open.emit(i));
        html! {
            <li class={classes!(s.finished.then_some("finished"))}>
                <button class="open-lesson" data-id={l.id.clone()} {onclick}>
                    <span class="no">{ i + 1 }</span>
                    <span class="title">{ l.title.get(lang) }</span>
                    <span class="mark">{ mark }</span>
                </button>
                <span class="topic">{ l.topic.get(lang) }</span>
            </li>
        }
    });
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    html! {
        <section class="lessons list" aria-label={tr(lang, "Lessons", "강의")}>
            <header>
                <h3>{ tr(lang, "Lessons", "강의") }</h3>
                <span class="muted">{ format!("{done} / {} {}", all.len(), tr(lang, "done", "완료")) }</span>
                <span class="grow"></span>
                <button class="leave" onclick={close}>{ tr(lang, "Close", "닫기") }</button>
            </header>
            <p class="muted">{ tr(lang, "Each lesson starts on its own keyspace; your free-play keys come back when you leave.", "강의마다 자기 키스페이스에서 시작합니다. 강의를 나가면 자유 실습 키가 돌아옵니다.") }</p>
            <ol class="lesson-list">{ for items }</ol>
        </section>
    }
}
