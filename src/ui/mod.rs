//! The browser app: Yew function components over one reducer.
//!
//! Data flows one way. A console tab dispatches `Action::Run(line)`; the reducer
//! tokenizes the line, runs it through `Engine::execute` for that tab's client, formats
//! the reply exactly as `redis-cli --no-raw` would, and folds the engine's key events into
//! the state. Panels re-render from that state (its `version` moves on every keyspace
//! change) and read the engine through its read-only views. A gloo interval calls
//! `Engine::tick` `hz` times a second (active expiry) and dispatches what it produced.
//!
//! The engine lives in a thread-local so that the reducer, the panels and the devtools
//! hook `window.kvlab.exec("SET a 1")` all see the same keyspace.

mod app;
mod bits_panel;
mod console;
mod geo_panel;
mod hll_panel;
mod memory_panel;
mod panels;
mod persist;
mod state;
mod zset_panel;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::engine::{Engine, SystemClock};

thread_local! {
    static ENGINE: Rc<RefCell<Engine>> = Rc::new(RefCell::new(Engine::new(
        Box::new(SystemClock),
        js_sys::Date::now() as u64,
    )));
}

/// The page's engine.
pub fn engine() -> Rc<RefCell<Engine>> {
    ENGINE.with(Rc::clone)
}

/// Runs one console line for `client` and returns what redis-cli would print, with the
/// parsed arguments. `HELP` is answered by the console itself, as redis-cli does.
pub fn run_line(client: u64, line: &str) -> (Vec<Vec<u8>>, String) {
    let argv = match crate::console::tokenize(line) {
        Ok(a) => a,
        Err(e) => return (Vec::new(), format!("{e}\n")),
    };
    if argv.is_empty() {
        return (argv, String::new());
    }
    if argv[0].eq_ignore_ascii_case(b"help") {
        let args: Vec<String> = argv[1..]
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        return (argv, crate::console::help::help_text(&args));
    }
    let eng = engine();
    let mut eng = eng.borrow_mut();
    let reply = eng.execute(client, &argv);
    let resp = eng.client(client).map_or(2, |c| c.resp);
    let out = crate::console::format_reply(&argv, &reply, resp);
    (argv, out)
}

/// `performance.now()`, for measuring the time from Enter to a rendered reply.
pub fn perf_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Installs `window.kvlab.exec(line)`, which returns the formatted reply, for people who
/// prefer the browser's devtools console.
fn install_devtools_hook() {
    let client = engine().borrow_mut().connect("devtools:0", "browser:0");
    let exec = Closure::<dyn Fn(String) -> String>::new(move |line: String| {
        let (_, out) = run_line(client, &line);
        state::notify_external_change();
        out
    });
    let obj = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&obj, &"exec".into(), exec.as_ref());
    exec.forget();
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"kvlab".into(), &obj);
    }
}

/// Publishes a figure on `window.kvlab` (for people and for the end-to-end tests).
pub fn publish(name: &str, value: f64) {
    if let Some(obj) =
        web_sys::window().and_then(|w| js_sys::Reflect::get(&w, &"kvlab".into()).ok())
    {
        let _ = js_sys::Reflect::set(&obj, &name.into(), &value.into());
    }
}

/// Mounts the app; called by the `kvlab-web` binary's `main`.
pub fn start() {
    install_devtools_hook();
    yew::Renderer::<app::App>::new().render();
}
