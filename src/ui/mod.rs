//! The browser app: Yew function components.
//!
//! Data flows one way. The console (or a panel's button, or devtools) runs a line
//! through [`exec`]: `Engine::execute` answers with a `Reply` and key events, which become
//! an `Outcome` published on the feed. Each panel follows the feed into its own model
//! and reads the engine's read-only views when it draws; the console's transcript gets
//! the text redis-cli would print. The app's reducer ([`state`]) holds only what is
//! shared: tabs and transcripts, the panel in front, notices. A gloo interval runs
//! active expiry `hz` times a second, and its key events go on the feed too.
//!
//! The engine lives in a thread-local so that the reducer, the panels and the devtools
//! hook `window.kvlab.exec("SET a 1")` all see the same keyspace.

mod activity;
mod app;
mod bits_panel;
mod bloom_panel;
mod cms_panel;
mod compare_panel;
mod console;
mod cuckoo_panel;
pub mod exec;
mod geo_panel;
mod hash_panel;
mod hll_panel;
mod i18n;
mod idb;
mod lessons;
mod list_panel;
mod memory_panel;
mod msg_panel;
mod panels;
mod persist;
mod persist_panel;
mod rdb_panel;
mod session;
mod set_panel;
mod sketch;
mod slowlog_panel;
mod state;
mod stream_panel;
mod tdigest_panel;
mod topk_panel;
mod tx_panel;
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
        // Through the same runner as the console: the panels see it on the feed.
        exec::run_line(client, &line).text.clone()
    });
    // A whole script in one call (one line per command), for benchmarks: what the
    // engine costs without a JS → wasm crossing per command. Returns how many bytes of
    // replies were printed.
    let exec_many = Closure::<dyn Fn(String) -> f64>::new(move |script: String| {
        script
            .lines()
            .map(|l| exec::run_line(client, l).text.len())
            .sum::<usize>() as f64
    });
    // The engine alone, in wasm, on the benchmark mix: no UI, no crossing per command.
    // Returns the milliseconds it took (generating the lines is not counted).
    let bench_engine = Closure::<dyn Fn(u32) -> f64>::new(|n: u32| {
        let lines: Vec<String> = (0..n as usize).map(crate::workload::mix_line).collect();
        let t0 = perf_now();
        crate::workload::run_mix(&lines);
        perf_now() - t0
    });
    let obj = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&obj, &"exec".into(), exec.as_ref());
    let _ = js_sys::Reflect::set(&obj, &"execMany".into(), exec_many.as_ref());
    exec.forget();
    exec_many.forget();
    let _ = js_sys::Reflect::set(&obj, &"benchEngine".into(), bench_engine.as_ref());
    bench_engine.forget();
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

/// Mounts the app; called by the `kvlab-web` binary's `main`. The keyspace an earlier
/// visit stored is read first (IndexedDB answers asynchronously), so the app starts
/// with it.
pub fn start() {
    install_devtools_hook();
    wasm_bindgen_futures::spawn_local(async {
        persist::read_stored().await;
        yew::Renderer::<app::App>::new().render();
    });
}
