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
use super::i18n::{self, tr, trf, use_lang};
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
                self.sync(
                    None,
                    tr(i18n::current(), "expiry or eviction", "만료 또는 축출"),
                    keys,
                );
                true
            }
            Feed::Delivered { client, argv, .. } => {
                self.sync(Some(*client), &argv_line(argv), Vec::new());
                true
            }
            Feed::Replaced => {
                self.watch.clear();
                self.verdict.clear();
                self.sync(
                    None,
                    tr(
                        i18n::current(),
                        "the keyspace was replaced",
                        "키스페이스 교체",
                    ),
                    Vec::new(),
                );
                true
            }
            Feed::Before { .. } | Feed::Pushed { .. } => false,
        }
    }

    /// What an EXEC or DISCARD did, said once it ran.
    fn judge(&mut self, o: &Outcome) {
        let Some(reply) = &o.reply else { return };
        let lang = i18n::current();
        let prior = self.watch.get(&o.client);
        let v = if o.is(&["discard"]) {
            if reply.is_error() {
                return;
            }
            (
                tr(
                    lang,
                    "DISCARD: the queue was thrown away, nothing ran.",
                    "DISCARD: 큐를 버렸습니다. 아무것도 실행되지 않았습니다.",
                )
                .to_string(),
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
                            let who =
                                b.by.map_or(tr(lang, "the server", "서버").to_string(), |c| {
                                    format!("{{client {c}}}")
                                });
                            let line = &b.line;
                            trf!(
                                lang,
                                " The watch{keys} broke: {who} ran {line}.",
                                " 감시가 깨졌습니다{keys}: {who}에서 {line} 실행."
                            )
                        })
                        .unwrap_or_default();
                    (
                        trf!(lang, "EXEC → (nil): a watched key changed, so nothing ran.{why} Read again and retry.", "EXEC → (nil): 감시하던 키가 바뀌어 아무것도 실행되지 않았습니다.{why} 다시 읽고 재시도하세요."),
                        "aborted",
                    )
                }
                Reply::Error(e) => (
                    trf!(
                        lang,
                        "EXEC → {e}: nothing ran.",
                        "EXEC → {e}: 아무것도 실행되지 않았습니다."
                    ),
                    "aborted",
                ),
                Reply::Array(items) => {
                    let errors = items.iter().filter(|r| r.is_error()).count();
                    let n = items.len();
                    let text = if errors > 0 {
                        trf!(lang, "EXEC ran {n} commands; {errors} failed in place and the others stayed done (no rollback).", "EXEC가 명령 {n}개를 실행했습니다. {errors}개는 그 자리에서 실패했고 나머지는 실행된 그대로입니다 (롤백 없음).")
                    } else {
                        trf!(lang, "EXEC ran {n} commands, one after another, nothing in between.", "EXEC가 명령 {n}개를 차례로, 중간에 아무것도 끼어들지 않게 실행했습니다.")
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
    let lang = i18n::current();
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
                    note: tr(
                        lang,
                        "Stopped: one of the two client tabs was closed.",
                        "중단: 두 클라이언트 탭 중 하나가 닫혔습니다.",
                    )
                    .into(),
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
                let (a, b) = (name(0), name(1));
                lines.push((Some(0), la, ta, trf!(lang, "{a} won the race: Redis runs one command at a time, so exactly one SET NX succeeds", "{a} 승리: Redis는 명령을 한 번에 하나씩 실행하므로 SET NX는 정확히 하나만 성공합니다"), "won"));
                lines.push((
                    Some(1),
                    lb,
                    tb,
                    trf!(lang, "{b} lost: the key exists. It backs off {FIRST_BACKOFF_MS} ms and retries", "{b} 패배: 키가 이미 있습니다. {FIRST_BACKOFF_MS}ms 물러났다가 다시 시도합니다"),
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
                    let (b, secs) = (name(1), LOCK_TTL_MS / 1000);
                    lines.push((
                        Some(1),
                        l,
                        t,
                        trf!(
                            lang,
                            "retry {tries}: {b} has the lock now",
                            "재시도 {tries}: 이제 락은 {b}의 것입니다"
                        ),
                        "won",
                    ));
                    lines.push((None, String::new(), String::new(), trf!(lang, "Act 2: {b} stalls (a long GC pause, a slow network) for more than the lock's {secs} s TTL. The lock expires under it.", "2막: {b}이(가) 락의 TTL {secs}초보다 오래 멈춥니다 (긴 GC 일시 정지, 느린 네트워크). 그사이 락이 만료됩니다."), "act"));
                    then.push((
                        now + LOCK_TTL_MS + STALL_PAST_TTL_MS,
                        Ev::Take { who: 0, act: 2 },
                    ));
                } else {
                    lines.push((
                        Some(1),
                        l,
                        t,
                        trf!(
                            lang,
                            "retry {tries}: still taken, backs off {backoff} ms",
                            "재시도 {tries}: 아직 잡혀 있습니다. {backoff}ms 물러납니다"
                        ),
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
                let (me, other) = (name(who), name(1 - who));
                let note = if act == 1 {
                    trf!(
                        lang,
                        "compare-and-DEL: the token is still {me}'s, so the lock is released (1)",
                        "compare-and-DEL: 토큰이 아직 {me}의 것이므로 락이 해제됩니다 (1)"
                    )
                } else {
                    trf!(lang, "compare-and-DEL: the token no longer matches (0), so {other}'s lock is left alone. Safe.", "compare-and-DEL: 토큰이 더는 맞지 않으므로 (0) {other}의 락은 그대로 둡니다. 안전합니다.")
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
                    {
                        let (other, me) = (name(1 - who), name(who));
                        trf!(
                            lang,
                            "the lock expired while {other} stalled: {me} takes it",
                            "{other}이(가) 멈춘 사이 락이 만료되었습니다: {me}이(가) 락을 잡습니다"
                        )
                    },
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
                let (me, other) = (name(who), name(1 - who));
                lines.push((Some(who), l, t, trf!(lang, "plain DEL: {me} woke up and deleted {other}'s lock! It was not {me}'s any more.", "그냥 DEL: 깨어난 {me}이(가) {other}의 락을 지웠습니다! 이미 {me}의 락이 아니었습니다."), "clobbered"));
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
                let me = name(who);
                if act == 2 {
                    lines.push((
                        Some(who),
                        l,
                        t,
                        trf!(
                            lang,
                            "{me} still holds its lock",
                            "락은 아직 {me}의 것입니다"
                        ),
                        "safe",
                    ));
                    lines.push((None, String::new(), String::new(), trf!(lang, "Act 3: now {me} stalls past the TTL, and releases with a plain DEL instead of the script.", "3막: 이번엔 {me}이(가) TTL을 넘겨 멈추고, 스크립트 대신 그냥 DEL로 해제합니다."), "act"));
                    then.push((
                        now + LOCK_TTL_MS + STALL_PAST_TTL_MS - STEP_MS,
                        Ev::Take {
                            who: 1 - who,
                            act: 3,
                        },
                    ));
                } else {
                    lines.push((Some(who), l, t, trf!(lang, "{me} thinks it holds the lock, but the key is gone: a third client could take it now. Release with compare-and-DEL, never a plain DEL.", "{me}은(는) 락을 잡고 있다고 생각하지만 키가 없습니다: 지금은 세 번째 클라이언트가 잡을 수 있습니다. 해제는 그냥 DEL이 아니라 compare-and-DEL로 하세요."), "clobbered"));
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
                note: {
                    let (a, b) = (session.label_of(a), session.label_of(b));
                    trf!(
                        i18n::current(),
                        "Act 1: {a} and {b} race for the lock, each with its own random token.",
                        "1막: {a}와(과) {b}이(가) 각자 무작위 토큰을 들고 락을 두고 경쟁합니다."
                    )
                },
                class: "act",
            }],
        });
    });
}

#[function_component(TxPanel)]
pub fn tx_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
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
        let state = if queued.is_some() { tr(lang, "in MULTI (TX)", "MULTI 중 (TX)") } else { tr(lang, "not in a transaction", "트랜잭션 밖") };
        html! {
            <section class={classes!("txclient", (*id == session.client).then_some("current"))} data-client={id.to_string()} aria-label={trf!(lang, "{label} transaction", "{label} 트랜잭션")}>
                <div class="toolbar"><b>{ label }</b>
                    <span class={classes!("txstate", queued.is_some().then_some("multi"))}>{ state }</span></div>
                { for queued.map(|q| html! {
                    <>
                    <ol class="queued" aria-label={trf!(lang, "{label} queue", "{label} 큐")}>
                        { for q.iter().map(|argv| html! { <li class="qcmd"><code>{ argv_line(argv) }</code></li> }) }
                    </ol>
                    { if q.is_empty() { html! { <p class="muted small">{ tr(lang, "MULTI: nothing queued yet. Commands answer QUEUED and run at EXEC.", "MULTI: 아직 큐에 쌓인 명령이 없습니다. 명령은 QUEUED로 답하고 EXEC 때 실행됩니다.") }</p> } } else { html! {} } }
                    </>
                }) }
                { if abort { html! { <p class="abort">{ tr(lang, "A command failed to queue: EXEC will abort with EXECABORT and run nothing.", "명령 하나가 큐에 들어가지 못했습니다: EXEC는 EXECABORT로 중단되고 아무것도 실행하지 않습니다.") }</p> } } else { html! {} } }
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
                                let who = b.by.map_or(tr(lang, "the server", "서버").to_string(), |c| session.label_of(c));
                                let line = &b.line;
                                trf!(lang, " {who} ran {line}.", " {who}에서 {line} 실행.")
                            }).unwrap_or_default();
                            html! { <p class="broken">{ trf!(lang, "dirty: the watch broke.{by} The next EXEC returns (nil) and runs nothing.", "더티: 감시가 깨졌습니다.{by} 다음 EXEC는 (nil)을 돌려주고 아무것도 실행하지 않습니다.") }</p> }
                        } else {
                            html! { <span class="muted small">{ tr(lang, " clean: EXEC will run if nobody writes these keys first", " 깨끗함: 그 전에 아무도 이 키에 쓰지 않으면 EXEC가 실행됩니다") }</span> }
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
                    { if c.wrote { html! { <span class="badge written">{ tr(lang, "written: stays (no rollback)", "쓰기: 남음 (롤백 없음)") }</span> } } else { html! {} } }
                    { if stop { html! { <span class="badge stop">{ tr(lang, "the script stopped here (redis.call raised the error)", "스크립트가 여기서 멈췄습니다 (redis.call이 오류를 던짐)") }</span> } }
                      else if err { html! { <span class="badge caught">{ tr(lang, "error returned to the script (redis.pcall), which went on", "오류가 값으로 스크립트에 돌아갔고 (redis.pcall) 스크립트는 계속 실행했습니다") }</span> } }
                      else { html! {} } }
                </li>
            }
        });
        html! {
            <section class="trace" aria-label={tr(lang, "Script trace", "스크립트 추적")}>
                <div class="toolbar"><b>{ { let cmd = &t.command; trf!(lang, "Last script: {cmd} {name}", "마지막 스크립트: {cmd} {name}") } }</b>
                    <span class="muted">{ { let (by, n) = (session.label_of(t.client), t.total_calls); trf!(lang, "by {by}, {n} call(s)", "{by}, 호출 {n}번") } }</span></div>
                { if t.calls.is_empty() { html! { <p class="muted small">{ tr(lang, "It made no redis.call.", "redis.call을 하지 않았습니다.") }</p> } } else { html! {} } }
                <ol class="calls">{ for rows }</ol>
                { if t.total_calls > t.calls.len() { html! { <p class="muted small">{ { let n = t.total_calls - t.calls.len(); trf!(lang, "… {n} more calls not kept", "… 나머지 호출 {n}개는 보관하지 않았습니다") } }</p> } } else { html! {} } }
                <p class={classes!("sreply", failed.then_some("error"))}>{ tr(lang, "Script reply: ", "스크립트 응답: ") }<code>{ reply_line(&[], &t.reply) }</code></p>
                { if failed && writes > 0 { html! {
                    <p class="norollback">{ trf!(lang, "No rollback: the script failed, but its {writes} write(s) before the error stay written. A script is atomic (nothing runs in between), not transactional.", "롤백은 없습니다: 스크립트는 실패했지만 오류 전에 한 쓰기 {writes}건은 그대로 남습니다. 스크립트는 원자적이지만 (중간에 아무것도 끼어들지 않음) 트랜잭션처럼 되돌리지는 않습니다.") }</p>
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
                owner.map_or(String::new(), |o| trf!(
                    lang,
                    " (held by {o})",
                    " ({o} 소유)"
                )),
                ttl.map_or(String::new(), |t| format!(", PTTL {} ms", t.max(0)))
            )
        })
        .unwrap_or_else(|| {
            tr(lang, "lock: free (no key)", "lock: 비어 있음 (키 없음)").to_string()
        });
    let log = m.lock.as_ref().map(|d| html! {
        <ol class="locklog" aria-label={tr(lang, "Lock demo log", "락 데모 기록")}>
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
            <p class="muted small">{ tr(lang, "Each console tab is its own client. MULTI queues, EXEC runs the queue at once; WATCH makes EXEC fail if a watched key changed.", "콘솔 탭마다 별도의 클라이언트입니다. MULTI는 명령을 큐에 쌓고, EXEC는 큐를 한 번에 실행합니다. WATCH는 감시하던 키가 바뀌면 EXEC를 실패하게 합니다.") }</p>
            { for clients }
            <div class="demo">
                <button onclick={session.runs(CAS_DEMO)}>{ tr(lang, "Demo: check-and-set with WATCH", "데모: WATCH로 check-and-set") }</button>
                <p class="muted small">{ tr(lang, "Leaves this tab inside MULTI with balance watched. Open another client tab (+ client), run SET balance 0 there, come back and EXEC: (nil).", "이 탭을 balance를 감시하는 MULTI 상태로 둡니다. 다른 클라이언트 탭을 열고 (+ 클라이언트) 거기서 SET balance 0을 실행한 뒤 돌아와 EXEC하면: (nil).") }</p>
            </div>
            { for trace }
            <div class="demo">
                <button onclick={session.runs(NO_ROLLBACK_DEMO)}>{ tr(lang, "Demo: a script fails halfway (no rollback)", "데모: 중간에 실패하는 스크립트 (롤백 없음)") }</button>
                <button onclick={session.runs(PCALL_DEMO)}>{ tr(lang, "Demo: redis.pcall carries on", "데모: redis.pcall은 계속 진행") }</button>
                <p class="muted small">{ tr(lang, "redis.call raises the error and the script stops; redis.pcall hands it back as a value. Either way what was written stays.", "redis.call은 오류를 던져 스크립트를 멈추고, redis.pcall은 오류를 값으로 돌려줍니다. 어느 쪽이든 이미 쓴 것은 남습니다.") }</p>
            </div>
            <section class="lockdemo" aria-label={tr(lang, "Lock demo", "락 데모")}>
                <div class="toolbar"><b>{ tr(lang, "A lock between two clients", "두 클라이언트 사이의 분산 락") }</b>
                    <span class="lockstate">{ lock_now }</span></div>
                <button class="lockstart" onclick={start_lock} disabled={running}>{ if running { tr(lang, "Lock demo running…", "락 데모 실행 중…") } else { tr(lang, "Demo: two tabs race for a lock", "데모: 두 탭이 락을 두고 경쟁") } }</button>
                <p class="muted small">{ tr(lang, "SET lock <token> NX PX 3000 takes it; release with a script that deletes the key only if it still holds your token. Uses the first two client tabs (opens a second one if needed).", "SET lock <token> NX PX 3000으로 락을 잡고, 키에 아직 내 토큰이 있을 때만 지우는 스크립트로 해제합니다. 처음 두 클라이언트 탭을 씁니다 (필요하면 두 번째 탭을 엽니다).") }</p>
                { for log }
                { if done { html! { <p class="lockdone">{ tr(lang, "Demo finished. The transcripts of both tabs have every command.", "데모가 끝났습니다. 두 탭의 기록에 모든 명령이 남아 있습니다.") }</p> } } else { html! {} } }
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
