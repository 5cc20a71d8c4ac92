//! The transactions and scripts panel (트랜잭션과 스크립트).
//!
//! For each console tab (each its own client): the commands it queued since MULTI, and
//! whether one failed to queue so that EXEC will abort (EXECABORT); the keys it WATCHes,
//! and the moment the watch breaks ("dirty") because some client wrote one of them, with
//! who did it: the next EXEC answers (nil) and runs nothing.
//!
//! The trace of the last script (EVAL, EVALSHA, FCALL): every `redis.call` / `redis.pcall`
//! with its arguments and reply, the error where it stopped, and the writes that had
//! already happened: a script is atomic but has no rollback.
//!
//! The lock demo plays two console tabs against each other through the console's own
//! path ([`Session::run_as`]): both race for `SET lock <token> NX PX 3000`, the loser
//! retries with backoff, the owner releases with a compare-and-DEL script; then the
//! owner stalls past the TTL, and a compare-and-DEL leaves the new owner's lock alone
//! while a plain DEL deletes it. Its timing reads the engine's clock.

use std::collections::BTreeMap;

use gloo::timers::callback::Interval;
use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed, Model, Outcome};
use super::panels::cli_arg;
use super::session::{with_rng, PanelKind, PanelProps, Session};
use crate::engine::Reply;

/// The commands this panel follows (and that bring it forward).
pub const TX_COMMANDS: &[&str] = &[
    "multi",
    "exec",
    "discard",
    "watch",
    "unwatch",
    "eval",
    "evalsha",
    "eval_ro",
    "evalsha_ro",
    "script",
    "function",
    "fcall",
    "fcall_ro",
];

/// The lock's time to live in the demo, and how often the demo looks at the clock.
const LOCK_TTL_MS: i64 = 3000;
const DEMO_TICK_MS: u32 = 50;
/// The loser's first backoff (doubled on every miss), and when the first owner releases.
const FIRST_BACKOFF_MS: i64 = 250;
const HOLD_MS: i64 = 1200;
/// How long past the TTL a stalled owner wakes up, and how long a step takes after that.
const STALL_PAST_TTL_MS: i64 = 200;
const STEP_MS: i64 = 300;

/// The compare-and-DEL release: delete the lock only if it still holds our token.
pub const RELEASE_LUA: &str =
    "if redis.call('GET',KEYS[1])==ARGV[1] then return redis.call('DEL',KEYS[1]) else return 0 end";

/// Who broke a watch, and how.
#[derive(Clone)]
struct Broke {
    by: Option<u64>,
    line: String,
    /// The watched keys the breaking command touched (empty: not known, e.g. FLUSHALL).
    keys: Vec<Vec<u8>>,
}

/// A client's watches as the panel remembers them: Redis drops the watched keys of a
/// client the moment its watch breaks, the panel keeps showing them, marked dirty.
#[derive(Clone, Default)]
struct Watch {
    keys: Vec<(usize, Vec<u8>)>,
    dirty: bool,
    broke: Option<Broke>,
}

/// One line of the lock demo's log.
#[derive(Clone, PartialEq)]
struct LogLine {
    /// Milliseconds since the demo started (engine clock).
    at: i64,
    /// 0 or 1 (the two tabs), None for the narrator.
    who: Option<usize>,
    command: String,
    reply: String,
    note: String,
    class: &'static str,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Ev {
    Race,
    Retry { backoff: i64, tries: u32 },
    Release { who: usize, act: u8 },
    Take { who: usize, act: u8 },
    PlainDel { who: usize },
    Peek { who: usize, act: u8 },
}

struct LockDemo {
    clients: [u64; 2],
    start: i64,
    tokens: [String; 2],
    /// Pending steps with their due times (engine clock).
    due: Vec<(i64, Ev)>,
    log: Vec<LogLine>,
}

impl LockDemo {
    fn running(&self) -> bool {
        !self.due.is_empty()
    }
}

#[derive(Default)]
struct TxTrack {
    watch: BTreeMap<u64, Watch>,
    /// What the last EXEC or DISCARD of each client did.
    verdict: BTreeMap<u64, (String, &'static str)>,
    lock: Option<LockDemo>,
    /// The demo was asked for while only one tab was open: it starts once the second
    /// tab exists.
    lock_pending: bool,
}

fn argv_line(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| cli_arg(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A reply on one line, as redis-cli prints it (lines joined).
fn reply_line(argv: &[Vec<u8>], reply: &Reply) -> String {
    crate::console::format_reply(argv, reply, 2)
        .trim_end()
        .lines()
        .collect::<Vec<_>>()
        .join("  ")
}

impl TxTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Ran(o) => {
                if o.reply.is_some() && o.is(&["exec", "discard"]) {
                    self.judge(o);
                }
                let keys = o.events.iter().map(|e| (e.db, e.key.clone())).collect();
                self.sync(Some(o.client), &o.line, keys);
                true
            }
            Feed::Background(evs) => {
                let keys = evs.iter().map(|e| (e.db, e.key.clone())).collect();
                self.sync(None, "expiry or eviction", keys);
                true
            }
            Feed::Delivered { client, argv, .. } => {
                self.sync(Some(*client), &argv_line(argv), Vec::new());
                true
            }
            Feed::Replaced => {
                self.watch.clear();
                self.verdict.clear();
                self.sync(None, "the keyspace was replaced", Vec::new());
                true
            }
            Feed::Before { .. } | Feed::Pushed { .. } => false,
        }
    }

    /// What an EXEC or DISCARD did, said once it ran.
    fn judge(&mut self, o: &Outcome) {
        let Some(reply) = &o.reply else { return };
        let prior = self.watch.get(&o.client);
        let v = if o.is(&["discard"]) {
            if reply.is_error() {
                return;
            }
            (
                "DISCARD: the queue was thrown away, nothing ran.".to_string(),
                "discarded",
            )
        } else {
            match reply {
                Reply::NilArray => {
                    let why = prior
                        .and_then(|w| w.broke.as_ref())
                        .map(|b| {
                            let keys = if b.keys.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    " on {}",
                                    b.keys
                                        .iter()
                                        .map(|k| cli_arg(k))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            };
                            let who = b
                                .by
                                .map_or("the server".to_string(), |c| format!("{{client {c}}}"));
                            format!(" The watch{keys} broke: {who} ran {}.", b.line)
                        })
                        .unwrap_or_default();
                    (
                        format!("EXEC → (nil): a watched key changed, so nothing ran.{why} Read again and retry. (감시 실패: 다시 시도)"),
                        "aborted",
                    )
                }
                Reply::Error(e) => (format!("EXEC → {e}: nothing ran."), "aborted"),
                Reply::Array(items) => {
                    let errors = items.iter().filter(|r| r.is_error()).count();
                    let text = if errors > 0 {
                        format!("EXEC ran {} commands; {errors} failed in place and the others stayed done (no rollback).", items.len())
                    } else {
                        format!(
                            "EXEC ran {} commands, one after another, nothing in between.",
                            items.len()
                        )
                    };
                    (text, "committed")
                }
                _ => return,
            }
        };
        self.verdict.insert(o.client, v);
    }

    /// Compares the watches with the engine's after something happened.
    fn sync(&mut self, by: Option<u64>, line: &str, touched: Vec<(usize, Vec<u8>)>) {
        let eng = engine();
        let eng = eng.borrow();
        let ids: Vec<u64> = eng.clients().map(|c| c.id).collect();
        self.watch.retain(|id, _| ids.contains(id));
        self.verdict.retain(|id, _| ids.contains(id));
        let w = &eng.core.watches;
        for id in ids {
            let live = w.watched_by(id);
            let dirty = w.is_dirty(id);
            if live.is_empty() && !dirty {
                self.watch.remove(&id);
                continue;
            }
            let mine = self.watch.entry(id).or_default();
            if !live.is_empty() {
                mine.keys = live.iter().map(|x| (x.db, x.key.clone())).collect();
            }
            if dirty && !mine.dirty {
                let keys = mine
                    .keys
                    .iter()
                    .filter(|k| touched.contains(k))
                    .map(|(_, k)| k.clone())
                    .collect();
                mine.broke = Some(Broke {
                    by,
                    line: line.to_string(),
                    keys,
                });
            }
            mine.dirty = dirty;
            if !dirty {
                mine.broke = None;
            }
        }
    }
}

fn token(who: usize) -> String {
    use rand::RngExt;
    let n: u32 = with_rng(|r| r.random());
    format!("{}-{:06x}", ["A", "B"][who], n & 0xff_ffff)
}

/// Runs one line of the demo as tab `who` and returns (line, reply text, reply).
fn demo_run(session: &Session, client: u64, line: &str) -> (String, Option<Reply>) {
    let done = session.run_as(client, &[line]);
    let o = &done[0];
    (o.text.trim_end().to_string(), o.reply.clone())
}

/// Runs the demo's steps that are due.
fn demo_step(model: &Model<TxTrack>, session: &Session) {
    let now = engine().borrow().now_ms();
    // A tab of the demo was closed: it stops (its client is gone).
    {
        let mut m = model.get_mut();
        if let Some(d) = m.lock.as_mut() {
            let eng = engine();
            let gone = d.clients.iter().any(|&c| eng.borrow().client(c).is_none());
            if gone && d.running() {
                d.due.clear();
                d.log.push(LogLine {
                    at: now - d.start,
                    who: None,
                    command: String::new(),
                    reply: String::new(),
                    note: "Stopped: one of the two client tabs was closed.".into(),
                    class: "act",
                });
            }
        }
    }
    let mut ran = false;
    loop {
        // Never hold the model while a command runs: the feed updates it.
        let next = {
            let mut m = model.get_mut();
            let Some(d) = m.lock.as_mut() else { break };
            d.due.sort_by_key(|(t, _)| *t);
            match d.due.first() {
                Some(&(t, _)) if t <= now => {
                    let (_, ev) = d.due.remove(0);
                    Some((ev, d.clients, d.tokens.clone(), d.start))
                }
                _ => None,
            }
        };
        let Some((ev, clients, mut tokens, start)) = next else {
            break;
        };
        ran = true;
        let name = |who: usize| session.label_of(clients[who]);
        let set = |t: &str| format!("SET lock {t} NX PX {LOCK_TTL_MS}");
        let mut lines: Vec<(Option<usize>, String, String, String, &'static str)> = Vec::new();
        let mut then: Vec<(i64, Ev)> = Vec::new();
        let run = |who: usize, line: String| {
            let (text, reply) = demo_run(session, clients[who], &line);
            (line, text, reply)
        };
        match ev {
            Ev::Race => {
                tokens = [token(0), token(1)];
                let (la, ta, _) = run(0, set(&tokens[0]));
                let (lb, tb, _) = run(1, set(&tokens[1]));
                lines.push((Some(0), la, ta, format!("{} won the race: Redis runs one command at a time, so exactly one SET NX succeeds", name(0)), "won"));
                lines.push((
                    Some(1),
                    lb,
                    tb,
                    format!(
                        "{} lost: the key exists. It backs off {FIRST_BACKOFF_MS} ms and retries",
                        name(1)
                    ),
                    "lost",
                ));
                then.push((
                    now + FIRST_BACKOFF_MS,
                    Ev::Retry {
                        backoff: FIRST_BACKOFF_MS * 2,
                        tries: 1,
                    },
                ));
                then.push((now + HOLD_MS, Ev::Release { who: 0, act: 1 }));
            }
            Ev::Retry { backoff, tries } => {
                let (l, t, r) = run(1, set(&tokens[1]));
                if r.as_ref().is_some_and(|r| *r == Reply::ok()) {
                    lines.push((
                        Some(1),
                        l,
                        t,
                        format!("retry {tries}: {} has the lock now", name(1)),
                        "won",
                    ));
                    lines.push((None, String::new(), String::new(), format!("Act 2: {} stalls (a long GC pause, a slow network) for more than the lock's {} s TTL. The lock expires under it. 락이 만료됩니다.", name(1), LOCK_TTL_MS / 1000), "act"));
                    then.push((
                        now + LOCK_TTL_MS + STALL_PAST_TTL_MS,
                        Ev::Take { who: 0, act: 2 },
                    ));
                } else {
                    lines.push((
                        Some(1),
                        l,
                        t,
                        format!("retry {tries}: still taken, backs off {} ms", backoff),
                        "lost",
                    ));
                    then.push((
                        now + backoff,
                        Ev::Retry {
                            backoff: backoff * 2,
                            tries: tries + 1,
                        },
                    ));
                }
            }
            Ev::Release { who, act } => {
                let line = format!("EVAL \"{RELEASE_LUA}\" 1 lock {}", tokens[who]);
                let (l, t, _) = run(who, line);
                let note = if act == 1 {
                    format!(
                        "compare-and-DEL: the token is still {}'s, so the lock is released (1)",
                        name(who)
                    )
                } else {
                    format!("compare-and-DEL: the token no longer matches (0), so {}'s lock is left alone. Safe.", name(1 - who))
                };
                lines.push((Some(who), l, t, note, "safe"));
                if act == 2 {
                    then.push((
                        now,
                        Ev::Peek {
                            who: 1 - who,
                            act: 2,
                        },
                    ));
                }
            }
            Ev::Take { who, act } => {
                tokens[who] = token(who);
                let (l, t, _) = run(who, set(&tokens[who]));
                lines.push((
                    Some(who),
                    l,
                    t,
                    format!(
                        "the lock expired while {} stalled: {} takes it",
                        name(1 - who),
                        name(who)
                    ),
                    "won",
                ));
                then.push((
                    now + STEP_MS,
                    if act == 2 {
                        Ev::Release {
                            who: 1 - who,
                            act: 2,
                        }
                    } else {
                        Ev::PlainDel { who: 1 - who }
                    },
                ));
            }
            Ev::PlainDel { who } => {
                let (l, t, _) = run(who, "DEL lock".to_string());
                lines.push((Some(who), l, t, format!("plain DEL: {} woke up and deleted {}'s lock! It was not {}'s any more. 다른 클라이언트의 락을 지웠습니다!", name(who), name(1 - who), name(who)), "clobbered"));
                then.push((
                    now + STEP_MS,
                    Ev::Peek {
                        who: 1 - who,
                        act: 3,
                    },
                ));
            }
            Ev::Peek { who, act } => {
                let (l, t, _) = run(who, "GET lock".to_string());
                if act == 2 {
                    lines.push((
                        Some(who),
                        l,
                        t,
                        format!("{} still holds its lock", name(who)),
                        "safe",
                    ));
                    lines.push((None, String::new(), String::new(), format!("Act 3: now {} stalls past the TTL, and releases with a plain DEL instead of the script.", name(who)), "act"));
                    then.push((
                        now + LOCK_TTL_MS + STALL_PAST_TTL_MS - STEP_MS,
                        Ev::Take {
                            who: 1 - who,
                            act: 3,
                        },
                    ));
                } else {
                    lines.push((Some(who), l, t, format!("{} thinks it holds the lock, but the key is gone: a third client could take it now. Release with compare-and-DEL, never a plain DEL.", name(who)), "clobbered"));
                }
            }
        }
        let mut m = model.get_mut();
        if let Some(d) = m.lock.as_mut() {
            d.tokens = tokens;
            for (who, command, reply, note, class) in lines {
                d.log.push(LogLine {
                    at: now - start,
                    who,
                    command,
                    reply,
                    note,
                    class,
                });
            }
            d.due.extend(then);
        }
    }
    if ran {
        session.show.emit(PanelKind::Tx);
    }
    model.redraw();
}

/// Starts the lock demo with the first two tabs' clients.
fn demo_start(model: &Model<TxTrack>, session: &Session) {
    let [(a, _), (b, _), ..] = session.tabs.as_slice() else {
        return;
    };
    let (a, b) = (*a, *b);
    session.run_as(a, &["DEL lock"]);
    session.show.emit(PanelKind::Tx);
    let now = engine().borrow().now_ms();
    model.update(|m| {
        m.lock_pending = false;
        m.lock = Some(LockDemo {
            clients: [a, b],
            start: now,
            tokens: [String::new(), String::new()],
            due: vec![(now, Ev::Race)],
            log: vec![LogLine {
                at: 0,
                who: None,
                command: String::new(),
                reply: String::new(),
                note: format!(
                    "Act 1: {} and {} race for the lock, each with its own random token. 두 클라이언트가 락을 두고 경쟁합니다.",
                    session.label_of(a),
                    session.label_of(b)
                ),
                class: "act",
            }],
        });
    });
}

#[function_component(TxPanel)]
pub fn tx_panel(props: &PanelProps) -> Html {
    let model = use_model(TxTrack::default, TxTrack::feed, props.visible);
    let session = &props.session;
    let running = model.get().lock.as_ref().is_some_and(LockDemo::running);
    // The demo's clock: it steps while it runs, shown or not.
    {
        let (model, session) = (model.clone(), session.clone());
        use_effect_with(running, move |&running| {
            let iv =
                running.then(|| Interval::new(DEMO_TICK_MS, move || demo_step(&model, &session)));
            move || drop(iv)
        });
    }
    // Asked for with one tab open: starts once "+ client" made the second.
    {
        let (model, session) = (model.clone(), session.clone());
        let tabs = session.tabs.len();
        use_effect_with(tabs, move |&tabs| {
            if tabs >= 2 && model.get().lock_pending {
                demo_start(&model, &session);
            }
        });
    }
    if !props.visible {
        return html! {};
    }
    let start_lock = {
        let (model, session) = (model.clone(), session.clone());
        Callback::from(move |_: MouseEvent| {
            if session.tabs.len() < 2 {
                model.get_mut().lock_pending = true;
                session.new_tab.emit(());
            } else {
                demo_start(&model, &session);
            }
        })
    };
    let m = model.get();
    let eng = engine();
    let eng = eng.borrow();

    let clients = session.tabs.iter().map(|(id, label)| {
        let c = eng.client(*id);
        let queued = c.and_then(|c| c.multi.as_ref());
        let abort = c.is_some_and(|c| c.multi_error);
        let watch = m.watch.get(id);
        // "{client N}" in a verdict is that client's tab label.
        let verdict = m.verdict.get(id).map(|(text, class)| {
            let mut text = text.clone();
            for (c, l) in session.tabs.iter() {
                text = text.replace(&format!("{{client {c}}}"), l);
            }
            (text, *class)
        });
        let state = if queued.is_some() { "in MULTI (TX)" } else { "not in a transaction" };
        html! {
            <section class={classes!("txclient", (*id == session.client).then_some("current"))} data-client={id.to_string()} aria-label={format!("{label} transaction")}>
                <div class="toolbar"><b>{ label }</b>
                    <span class={classes!("txstate", queued.is_some().then_some("multi"))}>{ state }</span></div>
                { for queued.map(|q| html! {
                    <>
                    <ol class="queued" aria-label={format!("{label} queue")}>
                        { for q.iter().map(|argv| html! { <li class="qcmd"><code>{ argv_line(argv) }</code></li> }) }
                    </ol>
                    { if q.is_empty() { html! { <p class="muted small">{ "MULTI: nothing queued yet. Commands answer QUEUED and run at EXEC. (명령이 큐에 쌓입니다)" }</p> } } else { html! {} } }
                    </>
                }) }
                { if abort { html! { <p class="abort">{ "A command failed to queue: EXEC will abort with EXECABORT and run nothing. (큐 오류: EXEC 중단)" }</p> } } else { html! {} } }
                { for watch.map(|w| html! {
                    <div class="watches">
                        <span>{ "WATCH: " }</span>
                        { for w.keys.iter().map(|(db, k)| {
                            let hit = w.broke.as_ref().is_some_and(|b| b.keys.iter().any(|x| x == k));
                            html! { <span class={classes!("wkey", w.dirty.then_some("dirty"), hit.then_some("hit"))}
                                title={format!("db{db}")}>{ cli_arg(k) }</span> }
                        }) }
                        { if w.dirty {
                            let by = w.broke.as_ref().map(|b| {
                                let who = b.by.map_or("the server".to_string(), |c| session.label_of(c));
                                format!(" {who} ran {}.", b.line)
                            }).unwrap_or_default();
                            html! { <p class="broken">{ format!("dirty: the watch broke.{by} The next EXEC returns (nil) and runs nothing. (감시 키 변경됨)") }</p> }
                        } else {
                            html! { <span class="muted small">{ " clean: EXEC will run if nobody writes these keys first" }</span> }
                        } }
                    </div>
                }) }
                { for verdict.map(|(text, class)| html! { <p class={classes!("verdict", class)}>{ text }</p> }) }
            </section>
        }
    });

    let trace = eng.core.last_script.as_ref().map(|t| {
        let failed = t.reply.is_error();
        let last = t.calls.len().saturating_sub(1);
        let stopped_at = (failed && t.calls.last().is_some_and(|c| c.reply.is_error())).then_some(last);
        let writes = t.calls.iter().filter(|c| c.wrote).count();
        let name = if t.name.len() == 40 { format!("{}…", &t.name[..8]) } else { t.name.clone() };
        let rows = t.calls.iter().enumerate().map(|(i, c)| {
            let err = c.reply.is_error();
            let stop = stopped_at == Some(i);
            html! {
                <li class={classes!("call", c.wrote.then_some("wrote"), err.then_some("error"), stop.then_some("stopped"))}>
                    <code class="args">{ argv_line(&c.argv) }</code>
                    <span class="arrow">{ " → " }</span>
                    <span class="creply">{ reply_line(&c.argv, &c.reply) }</span>
                    { if c.wrote { html! { <span class="badge written">{ "written: stays (no rollback)" }</span> } } else { html! {} } }
                    { if stop { html! { <span class="badge stop">{ "the script stopped here (redis.call raised the error)" }</span> } }
                      else if err { html! { <span class="badge caught">{ "error returned to the script (redis.pcall), which went on" }</span> } }
                      else { html! {} } }
                </li>
            }
        });
        html! {
            <section class="trace" aria-label="Script trace">
                <div class="toolbar"><b>{ format!("Last script: {} {name}", t.command) }</b>
                    <span class="muted">{ format!("by {}, {} call(s)", session.label_of(t.client), t.total_calls) }</span></div>
                { if t.calls.is_empty() { html! { <p class="muted small">{ "It made no redis.call." }</p> } } else { html! {} } }
                <ol class="calls">{ for rows }</ol>
                { if t.total_calls > t.calls.len() { html! { <p class="muted small">{ format!("… {} more calls not kept", t.total_calls - t.calls.len()) }</p> } } else { html! {} } }
                <p class={classes!("sreply", failed.then_some("error"))}>{ "Script reply: " }<code>{ reply_line(&[], &t.reply) }</code></p>
                { if failed && writes > 0 { html! {
                    <p class="norollback">{ format!("No rollback: the script failed, but its {writes} write(s) before the error stay written. A script is atomic (nothing runs in between), not transactional. 롤백은 없습니다.") }</p>
                } } else { html! {} } }
            </section>
        }
    });

    let lock_now = eng
        .peek_string(session.db, b"lock")
        .map(|v| {
            let ttl = eng.key_info(session.db, b"lock").and_then(|i| i.ttl_ms);
            let owner = m.lock.as_ref().and_then(|d| {
                d.tokens
                    .iter()
                    .position(|t| t.as_bytes() == v)
                    .map(|i| session.label_of(d.clients[i]))
            });
            format!(
                "lock = {}{}{}",
                crate::console::repr(v),
                owner.map_or(String::new(), |o| format!(" (held by {o})")),
                ttl.map_or(String::new(), |t| format!(", PTTL {} ms", t.max(0)))
            )
        })
        .unwrap_or_else(|| "lock: free (no key)".to_string());
    let log = m.lock.as_ref().map(|d| html! {
        <ol class="locklog" aria-label="Lock demo log">
            { for d.log.iter().map(|l| html! {
                <li class={classes!("lockline", l.class)}>
                    <span class="at">{ format!("+{:.2}s", l.at as f64 / 1000.0) }</span>
                    { for l.who.map(|w| html! { <span class="who">{ session.label_of(d.clients[w]) }</span> }) }
                    { if l.command.is_empty() { html! {} } else { html! { <code class="lcmd">{ &l.command }</code> } } }
                    { if l.reply.is_empty() { html! {} } else { html! { <span class="lreply">{ format!("→ {}", l.reply) }</span> } } }
                    <span class="note">{ &l.note }</span>
                </li>
            }) }
        </ol>
    });
    let done = m.lock.as_ref().is_some_and(|d| !d.running());

    html! {
        <div class="txp">
            <p class="muted small">{ "Each console tab is its own client. MULTI queues, EXEC runs the queue at once; WATCH makes EXEC fail if a watched key changed. 각 탭은 별도의 클라이언트입니다." }</p>
            { for clients }
            <div class="demo">
                <button onclick={session.runs(CAS_DEMO)}>{ "Demo: check-and-set with WATCH" }</button>
                <p class="muted small">{ "Leaves this tab inside MULTI with balance watched. Open another client tab (+ client), run SET balance 0 there, come back and EXEC: (nil). 다른 탭에서 키를 바꾸면 EXEC가 실패합니다." }</p>
            </div>
            { for trace }
            <div class="demo">
                <button onclick={session.runs(NO_ROLLBACK_DEMO)}>{ "Demo: a script fails halfway (no rollback)" }</button>
                <button onclick={session.runs(PCALL_DEMO)}>{ "Demo: redis.pcall carries on" }</button>
                <p class="muted small">{ "redis.call raises the error and the script stops; redis.pcall hands it back as a value. Either way what was written stays. 스크립트 오류에도 이미 쓴 값은 남습니다." }</p>
            </div>
            <section class="lockdemo" aria-label="Lock demo">
                <div class="toolbar"><b>{ "A lock between two clients (분산 락)" }</b>
                    <span class="lockstate">{ lock_now }</span></div>
                <button class="lockstart" onclick={start_lock} disabled={running}>{ if running { "Lock demo running…" } else { "Demo: two tabs race for a lock" } }</button>
                <p class="muted small">{ "SET lock <token> NX PX 3000 takes it; release with a script that deletes the key only if it still holds your token. Uses the first two client tabs (opens a second one if needed)." }</p>
                { for log }
                { if done { html! { <p class="lockdone">{ "Demo finished. The transcripts of both tabs have every command." }</p> } } else { html! {} } }
            </section>
        </div>
    }
}

/// Check-and-set: read, then queue the writes under WATCH; stays in MULTI for the
/// learner to break the watch from another tab.
const CAS_DEMO: &[&str] = &[
    "SET balance 100",
    "WATCH balance",
    "GET balance",
    "MULTI",
    "DECRBY balance 30",
    "INCRBY spent 30",
];

/// A script whose third call fails: the first two writes stay.
const NO_ROLLBACK_DEMO: &[&str] = &[
    "DEL stock orders",
    "EVAL \"redis.call('SET', KEYS[1], 10)\nredis.call('INCR', KEYS[2])\nredis.call('LPUSH', KEYS[1], 'x')\nreturn 'done'\" 2 stock orders",
];

/// The same failing call through redis.pcall: the script sees the error and goes on.
const PCALL_DEMO: &[&str] = &[
    "EVAL \"local r = redis.pcall('LPUSH', KEYS[1], 'x')\nredis.call('INCR', KEYS[2])\nreturn r.err and ('caught: ' .. r.err) or 'pushed'\" 2 stock orders",
];
