//! Fuzzes the AOF reader: the manifest parser and the incremental-file reader, then the
//! replay of whatever commands were read into an engine that propagates (as
//! kvlab-server's loading at start does, then appends). Whatever the bytes: no panic, a
//! truncated tail's complete part ends inside the input, and what the replay propagated
//! replays on a second engine.
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run aof_load -- -max_total_time=60`

#![no_main]

use kvlab::engine::aof::{parse_commands, Feed, Manifest, Tail};
use kvlab::engine::{Engine, ManualClock};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::parse(data) {
        // A manifest that parses renders to one that parses the same.
        assert_eq!(Manifest::parse(m.render().as_bytes()).ok(), Some(m));
    }
    let (cmds, tail) = parse_commands(data);
    match tail {
        Tail::Truncated { valid_len } => assert!(valid_len <= data.len()),
        Tail::BadFormat { offset } => assert!(offset <= data.len()),
        Tail::Complete => {}
    }
    let cmds: Vec<_> = cmds.into_iter().take(200).collect();
    let mut e = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 1);
    let _ = e.replay_aof(&cmds);
    e.core.prop.on = true;
    let id = e.connect("fuzz:1", "fuzz:0");
    for argv in &cmds {
        e.execute(id, argv);
    }
    let mut feed = Feed::new();
    let mut file = Vec::new();
    for (db, argv) in e.take_propagated() {
        feed.append(db, &argv, &mut file);
    }
    let (again, tail) = parse_commands(&file);
    assert_eq!(tail, Tail::Complete, "what we append reads back whole");
    let mut e2 = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 1);
    let _ = e2.replay_aof(&again);
});
