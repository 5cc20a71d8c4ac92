//! The memory estimate is kept as running sums (each database adds and takes back object
//! sizes as keys change). Replaying every differential script, with the clock moving and
//! active expiry running between commands, the running figure must equal a full recount
//! after every single command.

#![cfg(not(target_arch = "wasm32"))]

use kvlab::console::{script_lines, tokenize};
use kvlab::engine::{Engine, ManualClock};

fn replay(path: &std::path::Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let clock = ManualClock::new(1_700_000_000_000);
    let mut e = Engine::new(Box::new(clock.clone()), 7);
    let id = e.connect("127.0.0.1:5000", "127.0.0.1:6379");
    let mut n = 0;
    for (i, line) in script_lines(&text).iter().enumerate() {
        let Ok(argv) = tokenize(line) else { continue };
        if argv.is_empty() {
            continue;
        }
        e.execute(id, &argv);
        n += 1;
        assert_eq!(
            e.core.used_memory(),
            e.core.used_memory_by_scan(),
            "{}: after `{line}`",
            path.display()
        );
        // Let TTLs run out now and then, lazily and through the active cycle.
        if i % 7 == 0 {
            clock.advance(250);
            e.tick();
            assert_eq!(
                e.core.used_memory(),
                e.core.used_memory_by_scan(),
                "{}: after expiry following `{line}`",
                path.display()
            );
        }
    }
    n
}

#[test]
fn running_memory_sums_match_a_recount_after_every_command() {
    let mut total = 0;
    for dir in ["tests/diff", "tests/diff-debug"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "redis"))
            .collect();
        paths.sort();
        for p in paths {
            total += replay(&p);
        }
    }
    assert!(total > 1500, "replayed only {total} commands");
}
