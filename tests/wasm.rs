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

/// Hostile console lines through the page's own path (`exec::run_line`, what the
/// console and `window.kvlab.exec` call): a NUL once sent the tokenizer into an endless loop that
/// killed the wasm module. Every line must come back, and the engine must still answer.
#[wasm_bindgen_test]
fn hostile_console_lines_leave_the_engine_answering() {
    use kvlab::console::script_lines;
    use kvlab::ui::{engine, exec};
    let id = engine().borrow_mut().connect("wasm:hostile", "wasm:0");
    let out = |line: &str| exec::run_line(id, line).text.clone();
    // redis-cli reads a C string: a NUL ends the line.
    assert_eq!(out("PING\u{0}"), "PONG\n");
    assert_eq!(out("\u{0}\u{1}\u{2}"), "");
    assert_eq!(out("\u{0}"), "");
    assert_eq!(
        out("GET \u{0}\u{ff}"),
        "(error) ERR wrong number of arguments for 'get' command\n"
    );
    for lone in [
        "\"",
        "'",
        "SET a \"b",
        "SET a 'b",
        "ECHO \"a\"b",
        "SET x \"\u{0}\"",
    ] {
        assert_eq!(out(lone), "Invalid argument(s)\n", "{lone:?}");
    }
    assert_eq!(
        out("\u{b}PING\u{b}"),
        "(error) ERR unknown command 'PING\u{b}', with args beginning with: \n"
    );
    assert_eq!(out("PING\rX"), "\"X\"\n");
    assert_eq!(
        out("POST / HTTP/1.1"),
        "Error: Server closed the connection\n"
    );
    // Every control byte, alone and before a command.
    for c in (0u8..0x20).chain([0x7f]) {
        let ch = c as char;
        let _ = out(&format!("{ch}"));
        let _ = out(&format!("{ch}PING {ch}"));
    }
    // A 1 MB line.
    let big = "x".repeat(1 << 20);
    assert_eq!(out(&format!("SET big {big}")), "OK\n");
    assert_eq!(out("STRLEN big"), "(integer) 1048576\n");
    assert_eq!(out(&format!("ECHO {big}")).len(), (1 << 20) + 3);
    // A paste of 10,000 lines, some of them hostile.
    let paste: String = (0..10_000)
        .map(|i| match i % 1000 {
            7 => "SET x \"\u{0}\n".to_string(),
            8 => "\u{0}\u{1}\n".to_string(),
            _ => "INCR pasted\n".to_string(),
        })
        .collect();
    let lines = script_lines(&paste);
    assert_eq!(lines.len(), 10_000);
    let mut last = String::new();
    for l in &lines {
        last = out(l);
    }
    assert_eq!(last, "(integer) 9980\n");
    assert_eq!(out("PING"), "PONG\n");
}

#[wasm_bindgen_test]
fn scripts_call_back_into_the_engine_and_a_runaway_one_is_stopped() {
    let mut e = Engine::new(Box::new(SystemClock), 7);
    let id = e.connect("wasm:1", "wasm:0");
    assert_eq!(
        run(
            &mut e,
            id,
            "EVAL \"redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])\" 1 k v"
        ),
        "\"v\"\n"
    );
    let stopped = run(&mut e, id, "EVAL \"while true do end\" 0");
    assert!(
        stopped.starts_with("(error) ERR Script killed by the instruction budget"),
        "{stopped}"
    );
    // Deep recursion through a metamethod: an error reply, not a trap.
    let deep = run(
        &mut e,
        id,
        "EVAL \"return setmetatable({}, {__index=function(t,k) return t[k] end}).x\" 0",
    );
    assert!(deep.starts_with("(error) ERR"), "{deep}");
    let big = run(&mut e, id, "EVAL \"return string.rep('x', 1e9)\" 0");
    assert!(
        big.starts_with("(error) ERR Script killed by the memory limit"),
        "{big}"
    );
    // The engine and the VM still work.
    assert_eq!(
        run(&mut e, id, "EVAL \"return redis.call('GET', 'k')\" 0"),
        "\"v\"\n"
    );
    assert_eq!(run(&mut e, id, "GET k"), "\"v\"\n");
}

/// The lessons packed into the app load in the browser, and a lesson's steps are
/// checked there as natively: the hash-tag lesson runs on a cluster-mode engine.
#[wasm_bindgen_test]
fn lessons_load_and_check_in_the_browser() {
    use kvlab::lessons::{self, Line, Progress, Seen};
    let loaded = lessons::load();
    assert!(loaded.is_ok(), "{:?}", loaded.err());
    assert!(lessons::all().len() >= 24);
    let (_, lesson) = lessons::find("hash-tags").expect("the hash-tag lesson");
    let mut e = Engine::new(Box::new(ManualClock::new(1_767_225_600_000)), 7);
    e.restart_in_cluster_mode(lesson.cluster);
    let id = e.connect("wasm:1", "wasm:0");
    let mut p = Progress::new(lesson);
    for (i, step) in lesson.steps.iter().enumerate() {
        assert!(
            p.advance(&mut e, &[id]).is_none(),
            "step {} done too early",
            i + 1
        );
        for raw in &step.solution {
            let Ok(Line::Command { text, .. }) = Line::parse(raw) else {
                panic!("{raw}");
            };
            let argv = tokenize(&text).unwrap();
            let reply = e.execute(id, &argv);
            p.observe(Seen::Ran {
                tab: 1,
                argv,
                reply,
            });
        }
        assert_eq!(p.advance(&mut e, &[id]), Some(i));
    }
    assert!(p.finished());
}

/// The app's saved state: an RDB image (base64 in localStorage, every key, the Bloom
/// filter as a RedisBloom module value) and the JSON sidecar for the configuration,
/// back into a fresh engine in the browser; a redis-server file loads; a truncated one
/// is refused and the keyspace kept.
#[wasm_bindgen_test]
fn rdb_image_round_trips_in_the_browser() {
    let mut a = Engine::new(Box::new(SystemClock), 3);
    let id = a.connect("wasm:1", "wasm:0");
    for line in [
        "SET s hello",
        "SET n 12345",
        "SET ttl v EX 1000",
        "HSET h f v g w",
        "RPUSH l a b c",
        "SADD si 1 2 3",
        "ZADD z 1.5 m 2 n",
        "XADD st 1-1 f v",
        "PFADD hll a b c",
        "BF.ADD bf item",
        "SELECT 5",
        "SET other x",
    ] {
        assert!(!run(&mut a, id, line).starts_with("(error)"), "{line}");
    }
    let image = a.save_rdb();
    assert!(image.starts_with(b"REDIS0010"));
    let stored = kvlab::base64::encode(&image);
    let sidecar = a.sidecar_json();

    let mut b = Engine::new(Box::new(SystemClock), 4);
    let bid = b.connect("wasm:2", "wasm:0");
    run(&mut b, bid, "SET gone 1");
    let back = kvlab::base64::decode(&stored).unwrap();
    assert_eq!(back, image);
    assert_eq!(b.load_rdb(&back).unwrap(), 11);
    assert_eq!(b.merge_json(&sidecar).unwrap(), 0);
    assert_eq!(run(&mut b, bid, "EXISTS gone"), "(integer) 0\n");
    assert_eq!(run(&mut b, bid, "DBSIZE"), "(integer) 10\n");
    assert_eq!(run(&mut b, bid, "GET s"), "\"hello\"\n");
    assert_eq!(run(&mut b, bid, "OBJECT ENCODING n"), "\"int\"\n");
    assert_eq!(run(&mut b, bid, "HGET h g"), "\"w\"\n");
    assert_eq!(
        run(&mut b, bid, "LRANGE l 0 -1"),
        "1) \"a\"\n2) \"b\"\n3) \"c\"\n"
    );
    assert_eq!(run(&mut b, bid, "ZSCORE z m"), "\"1.5\"\n");
    assert_eq!(run(&mut b, bid, "PFCOUNT hll"), "(integer) 3\n");
    assert_eq!(run(&mut b, bid, "BF.EXISTS bf item"), "(integer) 1\n");
    assert_eq!(run(&mut b, bid, "XLEN st"), "(integer) 1\n");
    let ttl = run(&mut b, bid, "TTL ttl");
    assert!(
        ttl == "(integer) 1000\n" || ttl == "(integer) 999\n",
        "{ttl}"
    );
    // Saved again from the loaded keyspace: an image of the same size.
    let mut c = Engine::new(Box::new(SystemClock), 5);
    c.load_rdb(&b.save_rdb()).unwrap();
    assert_eq!(c.save_rdb().len(), b.save_rdb().len());

    // A truncated image is refused and the keyspace kept.
    assert!(b.load_rdb(&image[..image.len() / 2]).is_err());
    assert_eq!(run(&mut b, bid, "DBSIZE"), "(integer) 10\n");

    // A file written by redis-server 7.0.15.
    let real = include_bytes!("fixtures/redis-7.0.15.rdb");
    let mut d = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 6);
    let did = d.connect("wasm:3", "wasm:0");
    assert_eq!(d.load_rdb(real).unwrap(), 13);
    assert_eq!(run(&mut d, did, "GET app:user:1:name"), "\"alice\"\n");
    let report = kvlab::rdb_explore::explore(real, 1_700_000_000_000).unwrap();
    assert_eq!(report.keys.len(), 13);
}

/// What the page stores with `appendonly yes` (the in-memory AOF's base and incremental
/// part) brings the keyspace back in the browser, and the AOF rewrites itself by size.
#[wasm_bindgen_test]
fn the_in_memory_aof_reloads_and_rewrites_itself_in_the_browser() {
    let rewrites = |e: &mut Engine, id| {
        let info = run(e, id, "INFO persistence");
        info.lines()
            .find_map(|l| l.strip_prefix("aof_rewrites:"))
            .map(|v| v.trim().to_string())
            .unwrap()
    };
    let mut a = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 3);
    let id = a.connect("wasm:1", "wasm:0");
    assert_eq!(run(&mut a, id, "CONFIG SET appendonly yes"), "OK\n");
    assert_eq!(
        run(&mut a, id, "CONFIG SET auto-aof-rewrite-min-size 1"),
        "OK\n"
    );
    assert_eq!(run(&mut a, id, "SET k v EX 100"), "OK\n");
    assert_eq!(run(&mut a, id, "RPUSH l a b c"), "(integer) 3\n");
    a.tick();
    let before: u32 = rewrites(&mut a, id).parse().unwrap();
    let mut pad = 0;
    while a.core.mem_aof.size() < 2 * a.core.aof.rewrite_base_size {
        run(&mut a, id, &format!("SET pad:{pad} xxxxxxxxxxxxxxxx"));
        pad += 1;
    }
    a.tick();
    // The incremental part outgrew the (small) base: rewritten once more.
    assert_eq!(rewrites(&mut a, id), (before + 1).to_string());
    assert_eq!(run(&mut a, id, "INCR n"), "(integer) 1\n");
    a.tick();
    let (base, incr) = {
        let p = a.aof_parts().unwrap();
        (p.base.to_vec(), p.incr.to_vec())
    };
    let mut b = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 4);
    let bid = b.connect("wasm:2", "wasm:0");
    assert_eq!(run(&mut b, bid, "CONFIG SET appendonly yes"), "OK\n");
    assert_eq!(b.load_aof_parts(&base, &incr), Ok(3 + pad));
    assert_eq!(run(&mut b, bid, "TTL k"), "(integer) 100\n");
    assert_eq!(run(&mut b, bid, "LLEN l"), "(integer) 3\n");
    assert_eq!(run(&mut b, bid, "GET n"), "\"1\"\n");
    assert!(b.load_aof_parts(&base, b"nonsense\r\n").is_err());
    assert_eq!(
        run(&mut b, bid, "DBSIZE"),
        format!("(integer) {}\n", 3 + pad)
    );
}
