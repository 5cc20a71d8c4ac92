//! The engine inside a real browser (headless Chromium through wasm-bindgen-test): the
//! same commands as natively, the wasm clock, and the playground's allocation cap.

#![cfg(target_arch = "wasm32")]

use kvlab::console::{format_reply, tokenize};
use kvlab::engine::{Engine, ManualClock, SystemClock};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn run(e: &mut Engine, id: u64, line: &str) -> String {
    let argv = tokenize(line).unwrap();
    let r = e.execute(id, &argv);
    format_reply(&argv, &r, 2)
}

#[wasm_bindgen_test]
fn strings_and_errors_in_the_browser() {
    let mut e = Engine::new(Box::new(SystemClock), 7);
    let id = e.connect("wasm:1", "wasm:0");
    assert_eq!(run(&mut e, id, "SET greeting hello"), "OK\n");
    assert_eq!(run(&mut e, id, "GET greeting"), "\"hello\"\n");
    assert_eq!(run(&mut e, id, "SET big 1000"), "OK\n");
    // 80-bit long double arithmetic, in wasm too.
    assert_eq!(
        run(&mut e, id, "INCRBYFLOAT big 1.6"),
        "\"1001.59999999999999998\"\n"
    );
    assert_eq!(
        run(&mut e, id, "INCR greeting"),
        "(error) ERR value is not an integer or out of range\n"
    );
    assert_eq!(
        run(&mut e, id, "NOPE x"),
        "(error) ERR unknown command 'NOPE', with args beginning with: 'x' \n"
    );
}

#[wasm_bindgen_test]
fn wall_clock_is_date_now() {
    let e = Engine::new(Box::new(SystemClock), 7);
    let now = js_sys::Date::now() as i64;
    assert!((e.now_ms() - now).abs() < 5_000);
}

#[wasm_bindgen_test]
fn ttl_under_a_manual_clock() {
    let clock = ManualClock::new(1_000_000);
    let mut e = Engine::new(Box::new(clock.clone()), 7);
    let id = e.connect("wasm:1", "wasm:0");
    run(&mut e, id, "SET k v EX 10");
    clock.advance(10_001);
    assert_eq!(e.tick(), 1);
    assert_eq!(run(&mut e, id, "EXISTS k"), "(integer) 0\n");
}

#[wasm_bindgen_test]
fn huge_values_are_refused_not_fatal() {
    // In the browser a 512 MB string would kill the tab: the playground cap refuses it
    // with a clear error and the key is left as it was.
    let mut e = Engine::new(Box::new(SystemClock), 7);
    let id = e.connect("wasm:1", "wasm:0");
    run(&mut e, id, "SET k abc");
    let out = run(&mut e, id, "SETRANGE k 536870000 x");
    assert!(out.contains("playground's value size limit"), "{out}");
    assert_eq!(run(&mut e, id, "GET k"), "\"abc\"\n");
    assert_eq!(run(&mut e, id, "SETRANGE k 1000 x"), "(integer) 1001\n");
    let out = run(&mut e, id, "SETBIT k 4294967295 1");
    assert!(out.contains("playground's value size limit"), "{out}");
    assert_eq!(run(&mut e, id, "STRLEN k"), "(integer) 1001\n");
    let out = run(&mut e, id, "BITFIELD fresh SET i64 4294967200 1");
    assert!(out.contains("playground's value size limit"), "{out}");
    assert_eq!(run(&mut e, id, "EXISTS fresh"), "(integer) 0\n");
    // Raising the cap is the learner's choice.
    assert_eq!(
        run(&mut e, id, "CONFIG SET kvlab-max-value-bytes 64mb"),
        "OK\n"
    );
    assert_eq!(run(&mut e, id, "SETBIT k 400000000 1"), "(integer) 0\n");
    assert_eq!(run(&mut e, id, "STRLEN k"), "(integer) 50000001\n");
}
