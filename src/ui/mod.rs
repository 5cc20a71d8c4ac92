//! The browser app: Yew function components over one reducer.
//!
//! Data flows one way. The console dispatches `Action::Run(line)`; the reducer tokenizes
//! the line, runs it through `Engine::execute`, formats the reply exactly as
//! `redis-cli --no-raw` would, and folds the engine's key events into the state that the
//! panels render. A gloo interval calls `Engine::tick` `hz` times a second (active expiry)
//! and dispatches the events it produced.
//!
//! The engine itself lives in a thread-local so that the reducer and the devtools hook
//! `window.kvlab.exec("SET a 1")` drive the very same keyspace.

mod app;
mod state;

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

/// Runs one console line for `client` and returns what redis-cli would print.
pub fn run_line(client: u64, line: &str) -> String {
    let argv = match crate::console::tokenize(line) {
        Ok(a) => a,
        Err(e) => return format!("{e}\n"),
    };
    if argv.is_empty() {
        return String::new();
    }
    let eng = engine();
    let mut eng = eng.borrow_mut();
    let reply = eng.execute(client, &argv);
    let resp = eng.client(client).map_or(2, |c| c.resp);
    crate::console::format_reply(&argv, &reply, resp)
}

/// Installs `window.kvlab.exec(line)`, which returns the formatted reply, for people who
/// prefer the browser's devtools console.
fn install_devtools_hook() {
    let client = engine().borrow_mut().connect("devtools:0", "browser:0");
    let exec = Closure::<dyn Fn(String) -> String>::new(move |line: String| {
        let out = run_line(client, &line);
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

/// Mounts the app; called by the `kvlab-web` binary's `main`.
pub fn start() {
    install_devtools_hook();
    yew::Renderer::<app::App>::new().render();
}
