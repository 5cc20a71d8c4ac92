//! How commands run in the page, and the feed that carries what they did.
//!
//! Every command (typed in the console, made by a panel's button, sent from devtools)
//! runs through [`run_line`] or [`run_argv`]: the engine executes it, and the result is an
//! [`Outcome`] that holds the engine's [`Reply`] as data, the key events the command
//! produced, and the text redis-cli would print (the console's view of the reply, and the
//! only place text is made). The outcome is published on the feed, so each panel sees it
//! and updates its own state ([`use_model`]); the caller hands it to the app, which puts
//! it in a transcript. Background work (active expiry, a blocked client's late reply)
//! goes on the feed too.
//!
//! CLIENT PAUSE holds a tab's command as Redis postpones a connection's: [`execute`]
//! asks `Engine::postponed` first, and a held command waits (its tab pending, its input
//! closed) until a tick or another tab's command finds the pause over or lifted under
//! the engine's clock; it then runs and is published as a `resumed` outcome.
//!
//! Data flows one way: input → `Engine::execute` → outcome → feed → panels. Nothing here
//! runs inside a reducer, so a subscriber may dispatch to its own reducer freely.

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

use yew::prelude::*;

use super::engine;
use super::i18n::Lang;
use crate::engine::{KeyEvent, Reply};

/// One command run in the page.
#[derive(Debug)]
pub struct Outcome {
    pub client: u64,
    /// The client's database when the command started.
    pub db: usize,
    /// Whether the client was inside MULTI when the command started (redis-cli's
    /// `(TX)` prompt).
    pub tx: bool,
    pub argv: Vec<Vec<u8>>,
    /// The engine's reply, or None for a line the console answers itself (HELP, a
    /// tokenizer error, a blank line).
    pub reply: Option<Reply>,
    /// What redis-cli prints for it.
    pub text: String,
    /// The key events it caused, in order, with their keyspace-notification names.
    pub events: Vec<KeyEvent>,
    /// The line as the transcript shows it (a summary for a panel's long commands).
    pub line: String,
    /// A panel's command shown summarised: not replayable, so kept out of the history.
    pub summarised: bool,
    /// A blocking command that parked: its reply comes later as [`Feed::Delivered`].
    /// Or a command CLIENT PAUSE holds (`held`): it runs later, as a `resumed` outcome.
    pub pending: bool,
    /// Held by CLIENT PAUSE: not run yet (no reply, no events, not on the feed).
    pub held: bool,
    /// A held command that ran once the pause let it: its reply belongs in the pending
    /// transcript entry its `held` outcome left (the app puts it there).
    pub resumed: bool,
}

impl Outcome {
    pub fn is_error(&self) -> bool {
        matches!(self.reply, Some(Reply::Error(_)))
    }

    /// The command's name, lowercased ("" for none).
    pub fn name(&self) -> String {
        self.argv
            .first()
            .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// Whether the command is one of `names` (lowercase), without allocating: panels
    /// ask this of every command, so it must cost next to nothing.
    pub fn is(&self, names: &[&str]) -> bool {
        is_command(&self.argv, names)
    }

    /// Whether the command's name starts with `prefix` (lowercase), without allocating.
    pub fn starts(&self, prefix: &str) -> bool {
        self.argv.first().is_some_and(|a| {
            a.len() >= prefix.len() && a[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        })
    }

    /// Whether it changed the keyspace (it caused key events).
    pub fn wrote(&self) -> bool {
        !self.events.is_empty()
    }

    /// Whether it ran and succeeded (an engine reply that is not an error).
    pub fn ok(&self) -> bool {
        matches!(&self.reply, Some(r) if !r.is_error() && *r != Reply::Blocked)
    }
}

/// Whether `argv` names one of `names` (lowercase), without allocating.
pub fn is_command(argv: &[Vec<u8>], names: &[&str]) -> bool {
    argv.first()
        .is_some_and(|a| names.iter().any(|n| a.eq_ignore_ascii_case(n.as_bytes())))
}

/// What the feed carries.
pub enum Feed<'a> {
    /// A command is about to run (a panel that animates a change reads "before" here).
    Before {
        client: u64,
        db: usize,
        argv: &'a [Vec<u8>],
    },
    /// A command ran.
    Ran(&'a Rc<Outcome>),
    /// A parked blocking command got its reply: served by another client's write, or
    /// timed out.
    Delivered {
        client: u64,
        argv: &'a [Vec<u8>],
        reply: &'a Reply,
        text: &'a str,
    },
    /// Key events from the background: the active expire cycle.
    Background(&'a [KeyEvent]),
    /// What a client received without running a command: Pub/Sub messages (another
    /// client's PUBLISH, a keyspace notification, active expiry's `expired`), MONITOR
    /// lines, or the note that its connection was closed and made anew. `text` is what
    /// redis-cli prints for them (the console's printer made it).
    Pushed {
        client: u64,
        replies: &'a [Reply],
        text: &'a str,
    },
    /// The whole keyspace was replaced (import, reset).
    Replaced,
}

type Subscriber = Rc<dyn Fn(&Feed)>;

thread_local! {
    static SUBSCRIBERS: RefCell<Vec<(u64, Subscriber)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

/// Stops the subscription when dropped.
pub struct Subscription(u64);

impl Drop for Subscription {
    fn drop(&mut self) {
        let id = self.0;
        SUBSCRIBERS.with(|s| s.borrow_mut().retain(|(i, _)| *i != id));
    }
}

pub fn subscribe(f: Subscriber) -> Subscription {
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    SUBSCRIBERS.with(|s| s.borrow_mut().push((id, f)));
    Subscription(id)
}

pub fn publish(item: &Feed) {
    // One subscriber at a time, the list not borrowed while it runs: a subscriber may
    // subscribe or unsubscribe (a panel mounting or going away).
    let mut i = 0;
    while let Some(f) = SUBSCRIBERS.with(|s| s.borrow().get(i).map(|(_, f)| f.clone())) {
        f(item);
        i += 1;
    }
}

/// The prompt redis-cli shows for `client`: its selected database, and `(TX)` while it
/// is inside MULTI.
pub fn prompt_for(client: u64) -> String {
    prompt_in(db_of(client), in_multi(client))
}

/// The prompt redis-cli shows in database `db`, inside MULTI or not.
pub fn prompt_in(db: usize, tx: bool) -> String {
    let tx = if tx { "(TX)" } else { "" };
    match db {
        0 => format!("127.0.0.1:6379{tx}>"),
        db => format!("127.0.0.1:6379[{db}]{tx}>"),
    }
}

/// Whether `client` is inside MULTI (its commands are queued).
pub fn in_multi(client: u64) -> bool {
    engine()
        .borrow()
        .client(client)
        .is_some_and(|c| c.multi.is_some())
}

/// The database `client` has selected.
pub fn db_of(client: u64) -> usize {
    engine().borrow().client(client).map_or(0, |c| c.db)
}

/// Runs one console line for `client`. `HELP` is answered by the console itself, as
/// redis-cli does.
pub fn run_line(client: u64, line: &str) -> Rc<Outcome> {
    let db = db_of(client);
    let argv = match crate::console::tokenize(line) {
        Ok(a) => a,
        Err(e) => return answered(client, db, line, Vec::new(), format!("{e}\n")),
    };
    if argv.is_empty() {
        return answered(client, db, line, argv, String::new());
    }
    if argv[0].eq_ignore_ascii_case(b"help") {
        let args: Vec<String> = argv[1..]
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let text = crate::console::help::help_text(&args);
        return answered(client, db, line, argv, text);
    }
    execute(client, db, line.to_string(), argv, false)
}

/// Runs a command a panel made, shown in the transcript as `shown`.
pub fn run_argv(client: u64, shown: String, argv: Vec<Vec<u8>>) -> Rc<Outcome> {
    let db = db_of(client);
    execute(client, db, shown, argv, true)
}

fn answered(client: u64, db: usize, line: &str, argv: Vec<Vec<u8>>, text: String) -> Rc<Outcome> {
    let o = Rc::new(Outcome {
        client,
        db,
        tx: in_multi(client),
        argv,
        reply: None,
        text,
        events: Vec::new(),
        line: line.to_string(),
        summarised: false,
        pending: false,
        held: false,
        resumed: false,
    });
    publish(&Feed::Ran(&o));
    o
}

/// A command CLIENT PAUSE holds (Redis's BLOCKED_POSTPONE), waiting in arrival order.
struct Held {
    client: u64,
    db: usize,
    line: String,
    argv: Vec<Vec<u8>>,
    summarised: bool,
}

thread_local! {
    static HELD: RefCell<std::collections::VecDeque<Held>> = RefCell::default();
}

/// Whether `client` has a command CLIENT PAUSE holds (its tab waits, as a blocked one).
pub fn is_held(client: u64) -> bool {
    HELD.with(|h| h.borrow().iter().any(|c| c.client == client))
}

/// Runs the held commands the pause lets run now (it ended, was lifted, or became a
/// WRITE pause that lets reads through), each client's in order: a client whose first
/// held command still waits keeps the rest waiting too, as a connection's later
/// requests wait behind a postponed one. Called after every command and every tick.
fn release_held() {
    loop {
        let next = HELD.with(|h| {
            let mut h = h.borrow_mut();
            if h.is_empty() {
                return None;
            }
            let eng = engine();
            let mut eng = eng.borrow_mut();
            // A tab closed, or everything reset: its commands go with its client.
            h.retain(|c| eng.client(c.client).is_some());
            let mut waiting = Vec::new();
            let i = h.iter().position(|c| {
                if waiting.contains(&c.client) {
                    return false;
                }
                // One that ran and blocked (BLPOP …) keeps its client's next ones waiting.
                let still = eng.is_blocked(c.client) || eng.postponed(c.client, &c.argv).is_some();
                if still {
                    waiting.push(c.client);
                }
                !still
            })?;
            h.remove(i)
        });
        let Some(c) = next else {
            return;
        };
        run(c.client, c.db, c.line, c.argv, c.summarised, true);
    }
}

fn execute(
    client: u64,
    db: usize,
    line: String,
    argv: Vec<Vec<u8>>,
    summarised: bool,
) -> Rc<Outcome> {
    // CLIENT PAUSE: the command waits (after any of this client's that already wait),
    // shown pending in its tab until the pause ends or CLIENT UNPAUSE lifts it (under an
    // ALL pause Redis 7.0 postpones CLIENT UNPAUSE too, and the pausing client's own).
    if is_held(client) || engine().borrow_mut().postponed(client, &argv).is_some() {
        let tx = in_multi(client);
        HELD.with(|h| {
            h.borrow_mut().push_back(Held {
                client,
                db,
                line: line.clone(),
                argv: argv.clone(),
                summarised,
            })
        });
        return Rc::new(Outcome {
            client,
            db,
            tx,
            argv,
            reply: Some(Reply::Blocked),
            text: String::new(),
            events: Vec::new(),
            line,
            summarised,
            pending: true,
            held: true,
            resumed: false,
        });
    }
    let o = run(client, db, line, argv, summarised, false);
    release_held();
    o
}

/// Runs a command now and publishes what it did; `resumed` for one a pause held.
fn run(
    client: u64,
    db: usize,
    line: String,
    argv: Vec<Vec<u8>>,
    summarised: bool,
    resumed: bool,
) -> Rc<Outcome> {
    publish(&Feed::Before {
        client,
        db,
        argv: &argv,
    });
    let tx = in_multi(client);
    let (reply, text, events) = {
        let eng = engine();
        let mut eng = eng.borrow_mut();
        // The console is this client's connection: its request counts as the RESP bytes
        // redis-cli would send (INFO total_net_input_bytes, read before the command runs).
        eng.net_read(client, crate::resp::request_len(&argv));
        let reply = eng.execute(client, &argv);
        if reply == Reply::Closed {
            // redis-cli reconnects on the next command.
            eng.reopen_client(client);
        }
        let resp = eng.client(client).map_or(2, |c| c.resp);
        // The reply as the RESP bytes the server would write (the request was counted
        // as read before it ran).
        let mut wire = Vec::new();
        crate::resp::encode(&reply, resp, &mut wire);
        eng.net_written(client, wire.len());
        // Messages that reached this client while its command ran (one it published
        // itself, over RESP3) are written before the reply, as Redis writes them; a
        // monitor's line about its own command comes after it.
        let before = eng.take_pushes(client);
        let after = eng.take_after_reply(client);
        let mut text = pushes_text(&before, resp);
        text.push_str(&crate::console::format_reply(&argv, &reply, resp));
        text.push_str(&pushes_text(&after, resp));
        (reply, text, eng.drain_events())
    };
    let o = Rc::new(Outcome {
        client,
        db,
        tx,
        pending: reply == Reply::Blocked,
        argv,
        reply: Some(reply),
        text,
        events,
        line,
        summarised,
        held: false,
        resumed,
    });
    publish(&Feed::Ran(&o));
    // DEBUG CRASH-AND-RECOVER and SHUTDOWN restarted the engine from its files: the
    // whole keyspace may have changed.
    if o.reply == Some(Reply::Closed)
        && (o.is(&["shutdown"])
            || (o.is(&["debug"])
                && o.argv
                    .get(1)
                    .is_some_and(|a| a.eq_ignore_ascii_case(b"crash-and-recover"))))
    {
        publish(&Feed::Replaced);
    }
    deliver_blocked();
    deliver_pushes();
    o
}

/// What redis-cli prints for replies that arrive on their own (messages, MONITOR lines).
fn pushes_text(replies: &[Reply], resp: u8) -> String {
    replies
        .iter()
        .map(|r| crate::console::format_reply(&[], r, resp))
        .collect()
}

/// Gives every client the messages waiting for it ([`Feed::Pushed`]): after each command
/// and each background step. A subscriber over `client-output-buffer-limit pubsub` is
/// disconnected by Redis and redis-cli reconnects: here its client is RESET, and its tab
/// says so.
fn deliver_pushes() {
    let batches: Vec<(u64, Vec<Reply>, String)> = {
        let eng = engine();
        let mut eng = eng.borrow_mut();
        let mut out = Vec::new();
        // Redis frees a client over its limit with what it had not written yet: its
        // tab gets the connection error, not the messages.
        let overflowed = eng.overflowed_clients();
        for id in eng.fresh_pushes() {
            if overflowed.contains(&id) {
                continue;
            }
            let replies = eng.take_pushes(id);
            if replies.is_empty() {
                continue;
            }
            let resp = eng.client(id).map_or(2, |c| c.resp);
            let text = pushes_text(&replies, resp);
            out.push((id, replies, text));
        }
        for id in overflowed {
            if eng.client(id).is_none() {
                continue;
            }
            let dropped = eng.take_pushes(id).len();
            eng.execute(id, &[b"RESET".to_vec()]);
            let _ = eng.take_pushes(id);
            let text = match super::i18n::current() {
                Lang::En => format!("{OVERFLOW_NOTE}{OVERFLOW_EN}({dropped} undelivered message(s) dropped with the connection.)\n"),
                Lang::Ko => format!("{OVERFLOW_NOTE}{OVERFLOW_KO}(전달되지 않은 메시지 {dropped}개는 연결과 함께 버려졌습니다.)\n"),
            };
            out.push((id, Vec::new(), text));
        }
        out
    };
    for (client, replies, text) in batches {
        publish(&Feed::Pushed {
            client,
            replies: &replies,
            text: &text,
        });
    }
}

/// Said in a tab whose subscriber went over its output buffer limit.
const OVERFLOW_NOTE: &str = "Error: Server closed the connection\n";
const OVERFLOW_EN: &str = "(client-output-buffer-limit pubsub: this subscriber read too slowly. KV Lab reconnected the tab: its client was RESET and holds no subscriptions now.)\n";
const OVERFLOW_KO: &str = "(client-output-buffer-limit pubsub: 이 구독자가 너무 느리게 읽어 출력 버퍼 한도를 넘었습니다. KV Lab이 탭을 다시 연결했습니다: 클라이언트는 RESET되었고 이제 구독이 없습니다.)\n";

/// Whether `client` is in one of redis-cli's reading modes: "subscribed" (Pub/Sub) or
/// "monitor" (MONITOR), None otherwise.
pub fn reading_mode(client: u64) -> Option<&'static str> {
    let eng = engine();
    let eng = eng.borrow();
    if eng.core.monitors.contains(&client) {
        Some("monitor")
    } else if eng.core.pubsub.subscribed(client) {
        Some("subscribed")
    } else {
        None
    }
}

/// Ctrl-C in a reading tab. redis-cli leaves its reading loop by reconnecting, which
/// drops the subscriptions (or the MONITOR); the equivalent here is RESET for the tab's
/// client. Returns the RESET's outcome and the note the tab shows about it.
pub fn stop_reading(client: u64) -> Option<(Rc<Outcome>, String)> {
    let mode = reading_mode(client)?;
    let o = run_argv(client, "RESET".into(), vec![b"RESET".to_vec()]);
    let lang = super::i18n::current();
    let note = match mode {
        "monitor" => lang.pick("^C — left MONITOR: redis-cli reconnects; here the tab's client ran RESET (no longer monitoring).\n", "^C — MONITOR 종료: redis-cli는 다시 접속하지만, 여기서는 탭의 클라이언트가 RESET을 실행했습니다(더 이상 모니터링하지 않음).\n"),
        _ => lang.pick("^C — left subscribed mode: redis-cli reconnects; here the tab's client ran RESET (every subscription dropped).\n", "^C — 구독 모드 종료: redis-cli는 다시 접속하지만, 여기서는 탭의 클라이언트가 RESET을 실행했습니다(모든 구독 해제).\n"),
    };
    Some((o, note.to_string()))
}

/// Gives parked blocking commands (of any client) their replies once a write served
/// them or their timeout passed.
fn deliver_blocked() {
    let ready: Vec<(u64, Vec<Vec<u8>>, Reply, String)> = {
        let eng = engine();
        let mut eng = eng.borrow_mut();
        if !eng.any_blocked() {
            return;
        }
        let mut ids = eng.serve_blocked();
        ids.extend(eng.expire_blocked());
        ids.into_iter()
            .filter_map(|id| {
                let (argv, reply) = eng.take_ready(id)?;
                let resp = eng.client(id).map_or(2, |c| c.resp);
                let mut text = crate::console::format_reply(&argv, &reply, resp);
                // Its own tracking invalidations follow its reply.
                text.push_str(&pushes_text(&eng.take_after_reply(id), resp));
                Some((id, argv, reply, text))
            })
            .collect()
    };
    for (client, argv, reply, text) in ready {
        publish(&Feed::Delivered {
            client,
            argv: &argv,
            reply: &reply,
            text: &text,
        });
    }
}

/// One background step, `hz` times a second: the active expire cycle, the replies of
/// blocked clients whose timeout passed, and the commands a pause that ended held.
pub fn tick() {
    let events = {
        let eng = engine();
        let mut eng = eng.borrow_mut();
        eng.tick();
        eng.drain_events()
    };
    if !events.is_empty() {
        publish(&Feed::Background(&events));
    }
    deliver_blocked();
    deliver_pushes();
    release_held();
}

/// A panel's own model: kept across renders and never cloned (a panel may hold large
/// data, such as the exact sets behind the HyperLogLog error), updated by the feed
/// through `observe` and by the panel's own controls through [`Model::update`]; the
/// panel re-renders when `observe` says the model changed (only while it is shown: a
/// hidden panel is drawn afresh when it comes forward), or after an update.
pub struct Model<M> {
    cell: Rc<RefCell<M>>,
    redraw: UseForceUpdateHandle,
}

impl<M> Clone for Model<M> {
    fn clone(&self) -> Self {
        Model {
            cell: self.cell.clone(),
            redraw: self.redraw.clone(),
        }
    }
}

impl<M> Model<M> {
    pub fn get(&self) -> Ref<'_, M> {
        self.cell.borrow()
    }

    /// Changes the model and re-renders the panel. (Not to be called while a [`get`]
    /// borrow is held.)
    pub fn update(&self, f: impl FnOnce(&mut M)) {
        f(&mut self.cell.borrow_mut());
        self.redraw.force_update();
    }

    pub fn get_mut(&self) -> RefMut<'_, M> {
        self.cell.borrow_mut()
    }

    pub fn redraw(&self) {
        self.redraw.force_update();
    }
}

/// A panel's model, fed by the feed from the panel's first render on. `shown` says
/// whether the panel draws now (a change seen while hidden costs no render).
#[hook]
pub fn use_model<M: 'static>(
    init: impl FnOnce() -> M,
    observe: fn(&mut M, &Feed) -> bool,
    shown: bool,
) -> Model<M> {
    let cell = use_mut_ref(init);
    let redraw = use_force_update();
    // Shown now, and a redraw already asked for since the last render (a burst of
    // commands asks once).
    let state = use_mut_ref(|| (shown, false));
    *state.borrow_mut() = (shown, false);
    {
        let (cell, redraw) = (cell.clone(), redraw.clone());
        // Subscribed while rendering for the first time, not in an effect, so that a
        // command run before the first paint is not missed.
        let _sub = use_mut_ref(move || {
            subscribe(Rc::new(move |f: &Feed| {
                let changed = observe(&mut cell.borrow_mut(), f);
                let mut st = state.borrow_mut();
                if changed && st.0 && !st.1 {
                    st.1 = true;
                    redraw.force_update();
                }
            }))
        });
    }
    Model { cell, redraw }
}
