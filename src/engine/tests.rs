//! Engine tests under a manual clock: behaviour that the differential suite cannot pin
//! down because it depends on time passing.

use super::*;

fn engine() -> (Engine, ManualClock, u64) {
    let clock = ManualClock::new(1_700_000_000_000);
    let mut e = Engine::new(Box::new(clock.clone()), 42);
    let id = e.connect("test:1", "test:0");
    (e, clock, id)
}

fn run(e: &mut Engine, id: u64, line: &str) -> Reply {
    e.exec_words(id, line)
}

#[test]
fn set_get_roundtrip() {
    let (mut e, _, id) = engine();
    assert_eq!(run(&mut e, id, "SET greeting hello"), Reply::ok());
    assert_eq!(run(&mut e, id, "GET greeting"), Reply::bulk("hello"));
    assert_eq!(run(&mut e, id, "GET missing"), Reply::Nil);
}

#[test]
fn keys_expire_lazily_when_time_passes() {
    let (mut e, clock, id) = engine();
    run(&mut e, id, "SET k v PX 1500");
    assert_eq!(run(&mut e, id, "PTTL k"), Reply::Int(1500));
    assert_eq!(run(&mut e, id, "TTL k"), Reply::Int(2));
    clock.advance(1499);
    assert_eq!(run(&mut e, id, "GET k"), Reply::bulk("v"));
    clock.advance(1);
    assert_eq!(run(&mut e, id, "GET k"), Reply::Nil);
    assert_eq!(e.core.stats.expired_keys, 1);
    let ev = e.drain_events();
    assert!(ev.iter().any(|k| k.event == "expired" && k.key == b"k"));
}

#[test]
fn active_expiry_removes_keys_nobody_reads() {
    let (mut e, clock, id) = engine();
    for i in 0..500 {
        run(&mut e, id, &format!("SET k{i} v PX {}", 100 + i));
    }
    for i in 0..100 {
        run(&mut e, id, &format!("SET keep{i} v"));
    }
    clock.advance(10_000);
    let mut rounds = 0;
    while !e.core.dbs[0].expires.is_empty() && rounds < 100 {
        e.tick();
        rounds += 1;
    }
    assert_eq!(
        e.core.dbs[0].keys.len(),
        100,
        "only the persistent keys remain"
    );
    assert_eq!(e.core.stats.expired_keys, 500);
    assert!(rounds >= 1);
}

#[test]
fn active_expiry_stops_when_few_keys_are_stale() {
    // 1 stale key in 1000 volatile ones: one sampling round finds < 10% stale and stops,
    // so a single tick must not scan the whole table.
    let (mut e, clock, id) = engine();
    for i in 0..1000 {
        run(&mut e, id, &format!("SET k{i} v EX 1000"));
    }
    run(&mut e, id, "SET stale v PX 1");
    clock.advance(5);
    e.tick();
    assert!(e.core.dbs[0].keys.len() >= 1000);
}

#[test]
fn clients_have_their_own_db() {
    let (mut e, _, a) = engine();
    let b = e.connect("test:2", "test:0");
    run(&mut e, a, "SELECT 3");
    run(&mut e, a, "SET x in3");
    assert_eq!(run(&mut e, b, "GET x"), Reply::Nil);
    run(&mut e, b, "SELECT 3");
    assert_eq!(run(&mut e, b, "GET x"), Reply::bulk("in3"));
}

#[test]
fn lru_idle_time_follows_the_clock() {
    let (mut e, clock, id) = engine();
    run(&mut e, id, "SET k v");
    clock.advance(12_000);
    assert_eq!(run(&mut e, id, "OBJECT IDLETIME k"), Reply::Int(12));
    run(&mut e, id, "GET k");
    assert_eq!(run(&mut e, id, "OBJECT IDLETIME k"), Reply::Int(0));
}

#[test]
fn lfu_counter_starts_at_five_and_grows() {
    let (mut e, _, id) = engine();
    run(&mut e, id, "CONFIG SET maxmemory-policy allkeys-lfu");
    run(&mut e, id, "SET k v");
    assert_eq!(run(&mut e, id, "OBJECT FREQ k"), Reply::Int(5));
    run(&mut e, id, "GET k");
    // The first access from the initial value always increments.
    assert_eq!(run(&mut e, id, "OBJECT FREQ k"), Reply::Int(6));
    for _ in 0..1000 {
        run(&mut e, id, "GET k");
    }
    match run(&mut e, id, "OBJECT FREQ k") {
        Reply::Int(n) => assert!((7..40).contains(&n), "logarithmic growth, got {n}"),
        r => panic!("{r:?}"),
    }
}

#[test]
fn both_lru_and_lfu_data_are_kept_whatever_the_policy() {
    let (mut e, clock, id) = engine();
    run(&mut e, id, "SET hot v");
    run(&mut e, id, "SET cold v");
    for _ in 0..200 {
        run(&mut e, id, "GET hot");
    }
    clock.advance(5_000);
    run(&mut e, id, "GET hot");
    // Under LRU, OBJECT FREQ is refused as in Redis...
    assert!(matches!(
        run(&mut e, id, "OBJECT FREQ hot"),
        Reply::Error(_)
    ));
    assert_eq!(run(&mut e, id, "OBJECT IDLETIME cold"), Reply::Int(5));
    // ...but the counters were kept, so switching to LFU starts from real frequencies.
    run(&mut e, id, "CONFIG SET maxmemory-policy allkeys-lfu");
    assert_eq!(run(&mut e, id, "OBJECT FREQ cold"), Reply::Int(5));
    match run(&mut e, id, "OBJECT FREQ hot") {
        Reply::Int(n) => assert!(n > 6, "hot key counter {n}"),
        r => panic!("{r:?}"),
    }
    assert!(matches!(
        run(&mut e, id, "OBJECT IDLETIME cold"),
        Reply::Error(_)
    ));
    // And back: the idle times are still there.
    run(&mut e, id, "CONFIG SET maxmemory-policy volatile-lru");
    assert_eq!(run(&mut e, id, "OBJECT IDLETIME cold"), Reply::Int(5));
}

#[test]
fn key_events_name_what_changed() {
    let (mut e, _, id) = engine();
    run(&mut e, id, "SET a 1");
    run(&mut e, id, "INCR a");
    run(&mut e, id, "EXPIRE a 100");
    run(&mut e, id, "RENAME a b");
    run(&mut e, id, "DEL b");
    let names: Vec<_> = e.drain_events().iter().map(|k| k.event).collect();
    assert_eq!(
        names,
        ["set", "incrby", "expire", "rename_from", "rename_to", "del"]
    );
}

#[test]
fn commandstats_count_calls() {
    let (mut e, _, id) = engine();
    run(&mut e, id, "SET a 1");
    run(&mut e, id, "GET a");
    run(&mut e, id, "GET a b");
    let st = e.core.cmdstats.get(&(None, "get")).unwrap();
    assert_eq!((st.calls, st.rejected_calls), (1, 1));
}

/// A script's reply errors fail its call as Redis counts them (the figures are
/// redis-server 7.0.15's for the same commands): a command's error returned by pcall
/// fails the EVAL once for each place it appears (not counted again in errorstats),
/// errors the script built fail it once however many.
#[test]
fn script_reply_errors_fail_the_call_as_redis_counts() {
    let (mut e, _, id) = engine();
    run(&mut e, id, "SET s x");
    let failed = |e: &Engine| {
        e.core
            .cmdstats
            .get(&(None, "eval"))
            .map_or(0, |s| s.failed_calls)
    };
    let cases: [(&str, &[&str], u64, u64); 5] = [
        ("return {{err='x'}, {err='y'}, 1}", &["0"], 1, 2),
        (
            "return {redis.pcall('incr', KEYS[1]), redis.pcall('incr', KEYS[1])}",
            &["1", "s"],
            2,
            2,
        ),
        (
            "return {redis.pcall('incr', KEYS[1]), {err='z'}}",
            &["1", "s"],
            2,
            2,
        ),
        ("redis.call('incr', KEYS[1])", &["1", "s"], 1, 1),
        ("return 1", &["0"], 0, 0),
    ];
    for (body, rest, fails, errors) in cases {
        let (f0, t0) = (failed(&e), e.core.stats.total_error_replies);
        let mut argv = vec![b"EVAL".to_vec(), body.as_bytes().to_vec()];
        argv.extend(rest.iter().map(|a| a.as_bytes().to_vec()));
        e.execute(id, &argv);
        assert_eq!(failed(&e) - f0, fails, "failed_calls after {body}");
        assert_eq!(
            e.core.stats.total_error_replies - t0,
            errors,
            "errors after {body}"
        );
    }
}

/// One `field:value` line of an INFO reply.
fn info_field(e: &mut Engine, id: u64, section: &str, field: &str) -> String {
    let Reply::Verbatim(_, text) = run(e, id, &format!("INFO {section}")) else {
        panic!("INFO is a verbatim string");
    };
    let text = String::from_utf8(text).unwrap();
    let prefix = format!("{field}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
        .to_string()
}

/// instantaneous_ops_per_sec is Redis's: a rate sampled every 100 ms by the cron,
/// the last 16 samples averaged.
#[test]
fn instantaneous_ops_are_sampled_every_100ms() {
    let (mut e, clock, id) = engine();
    e.tick(); // the baseline
    for sample in 1..=16 {
        for _ in 0..50 {
            run(&mut e, id, "PING");
        }
        clock.advance(100);
        e.tick();
        // 50 commands in 100 ms: 500 a second (510 after the first: the INFO below
        // counts in the next sample), in `sample` of the 16 slots.
        let want = (500 + 510 * (sample - 1)) / 16;
        assert_eq!(
            info_field(&mut e, id, "stats", "instantaneous_ops_per_sec"),
            want.to_string()
        );
    }
    // A tick sooner than 100 ms later takes no sample.
    clock.advance(50);
    e.tick();
    assert_eq!(
        info_field(&mut e, id, "stats", "instantaneous_ops_per_sec"),
        "509"
    );
    // Idle: the samples fall to 0 one by one (the INFO commands count).
    for _ in 0..16 {
        clock.advance(100);
        e.tick();
    }
    let idle: i64 = info_field(&mut e, id, "stats", "instantaneous_ops_per_sec")
        .parse()
        .unwrap();
    assert!(idle < 20, "{idle}");
}

/// The bytes a host reports go to the net counters (a master's and a replica's apart),
/// the rates follow them, and CONFIG RESETSTAT clears them.
#[test]
fn net_counters_and_resetstat() {
    let (mut e, clock, id) = engine();
    e.tick();
    e.net_read(id, 1000);
    e.net_written(id, 300);
    e.net_written(id, 200);
    clock.advance(100);
    e.tick();
    // 1000 bytes in 100 ms: 10000 B/s in one of 16 samples, in KB/s.
    for (field, want) in [
        ("total_net_input_bytes", "1000"),
        ("total_net_output_bytes", "500"),
        ("total_reads_processed", "1"),
        ("total_writes_processed", "2"),
        ("total_net_repl_output_bytes", "0"),
        ("instantaneous_input_kbps", "0.61"),
    ] {
        assert_eq!(info_field(&mut e, id, "stats", field), want, "{field}");
    }
    run(&mut e, id, "CONFIG RESETSTAT");
    assert_eq!(
        info_field(&mut e, id, "stats", "total_net_input_bytes"),
        "0"
    );
    assert_eq!(
        info_field(&mut e, id, "stats", "instantaneous_input_kbps"),
        "0.00"
    );
}

/// expired_stale_perc: each active expire cycle's share of stale keys among those it
/// sampled weighs 5% of the estimate.
#[test]
fn expired_stale_perc_follows_the_cycle() {
    let (mut e, clock, id) = engine();
    for i in 0..50 {
        run(&mut e, id, &format!("SET k{i} v PX 100"));
    }
    clock.advance(1000);
    e.tick();
    // Every key sampled was stale: 100% weighing 5%.
    assert_eq!(
        info_field(&mut e, id, "stats", "expired_stale_perc"),
        "5.00"
    );
    e.tick();
    // Nothing sampled: 0% weighing 5%.
    assert_eq!(
        info_field(&mut e, id, "stats", "expired_stale_perc"),
        "4.75"
    );
}

#[test]
fn unknown_client_id_does_not_panic() {
    let (mut e, _, _) = engine();
    assert_eq!(e.exec_words(999, "PING"), Reply::Status("PONG".into()));
    assert!(e.execute(1, &[]).is_error());
}

/// Fills the keyspace with `n` 1000-byte strings named `k0`.. under a limit that holds
/// about 100 of them, one second apart so LRU idle times differ.
fn fill(e: &mut Engine, clock: &ManualClock, id: u64, n: usize, ttl_every: usize) {
    let limit = inspect::BASELINE_MEMORY + 100 * 1100;
    run(e, id, &format!("CONFIG SET maxmemory {limit}"));
    let v = "x".repeat(1000);
    for i in 0..n {
        if ttl_every > 0 && i % ttl_every == 0 {
            run(e, id, &format!("SET k{i} {v} EX {}", 20_000 - 2 * i));
        } else {
            run(e, id, &format!("SET k{i} {v}"));
        }
        clock.advance(1000);
    }
}

fn evicted(e: &Engine) -> Vec<usize> {
    e.core
        .evictions
        .iter()
        .map(|ev| std::str::from_utf8(&ev.key[1..]).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn noeviction_refuses_denyoom_commands_but_not_reads_or_deletes() {
    let (mut e, clock, id) = engine();
    fill(&mut e, &clock, id, 150, 0);
    // A command's arguments count too: this one no longer fits.
    assert_eq!(
        run(&mut e, id, &format!("SET more {}", "z".repeat(2000))),
        Reply::Error("OOM command not allowed when used memory > 'maxmemory'.".into())
    );
    assert!(matches!(run(&mut e, id, "GET k0"), Reply::Bulk(_)));
    assert_eq!(run(&mut e, id, "DEL k0"), Reply::Int(1));
    assert_eq!(e.core.stats.evicted_keys, 0);
}

#[test]
fn allkeys_lru_evicts_mostly_the_longest_idle_keys() {
    let (mut e, clock, id) = engine();
    run(&mut e, id, "CONFIG SET maxmemory-policy allkeys-lru");
    fill(&mut e, &clock, id, 300, 0);
    assert!(!e.core.over_maxmemory(0));
    let gone = evicted(&e);
    assert!(gone.len() >= 190, "evicted {}", gone.len());
    // Sampling is approximate, but the oldest half should dominate what went.
    let old = gone.iter().filter(|&&i| i < 150).count();
    assert!(
        old * 10 >= gone.len() * 7,
        "{old} of {} were old",
        gone.len()
    );
    assert_eq!(e.core.stats.evicted_keys as usize, gone.len());
    assert!(e.drain_events().iter().any(|k| k.event == "evicted"));
}

#[test]
fn volatile_ttl_evicts_the_soonest_to_expire_and_spares_persistent_keys() {
    let (mut e, clock, id) = engine();
    run(&mut e, id, "CONFIG SET maxmemory-policy volatile-ttl");
    // Every other key has a TTL, later keys expiring sooner.
    fill(&mut e, &clock, id, 160, 2);
    let gone = evicted(&e);
    assert!(!gone.is_empty());
    assert!(gone.iter().all(|i| i % 2 == 0), "{gone:?}");
    // k0 has the longest TTL of all: the last volatile key this policy would pick.
    assert_eq!(run(&mut e, id, "EXISTS k0"), Reply::Int(1));
    // Out of volatile keys entirely: writes are refused.
    run(&mut e, id, "CONFIG SET maxmemory-policy volatile-lru");
    for i in 0..400 {
        let _ = run(&mut e, id, &format!("SET p{i} {}", "y".repeat(1000)));
    }
    assert_eq!(
        run(&mut e, id, &format!("SET last {}", "z".repeat(2000))),
        Reply::Error("OOM command not allowed when used memory > 'maxmemory'.".into())
    );
    assert_eq!(run(&mut e, id, "EXISTS k1"), Reply::Int(1));
}

#[test]
fn random_and_lfu_policies_keep_memory_under_the_limit() {
    for policy in [
        "allkeys-random",
        "volatile-random",
        "allkeys-lfu",
        "volatile-lfu",
    ] {
        let (mut e, clock, id) = engine();
        run(&mut e, id, &format!("CONFIG SET maxmemory-policy {policy}"));
        fill(&mut e, &clock, id, 300, 1);
        assert!(!e.core.over_maxmemory(0), "{policy}");
        assert!(e.core.stats.evicted_keys >= 190, "{policy}");
    }
}

#[test]
fn fragmentation_rises_after_deletes_until_purge_and_the_doctor_says_why() {
    let (mut e, _, id) = engine();
    e.core
        .config
        .set_startup("enable-debug-command", "yes")
        .unwrap();
    let info = |e: &mut Engine, field: &str| -> String {
        let Reply::Verbatim(_, text) = run(e, id, "INFO memory") else {
            panic!("INFO is verbatim text");
        };
        let text = String::from_utf8(text).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .unwrap()
            .to_string()
    };
    let doctor = |e: &mut Engine| match run(e, id, "MEMORY DOCTOR") {
        Reply::Verbatim(_, t) => String::from_utf8(t).unwrap(),
        r => panic!("{r:?}"),
    };
    assert!(doctor(&mut e).contains("this instance is empty"));
    run(&mut e, id, "DEBUG POPULATE 40000 k 500");
    assert_eq!(info(&mut e, "mem_fragmentation_ratio"), "1.00");
    assert!(doctor(&mut e).contains("can't find any memory issue"));
    // Deleting most keys frees memory the allocator keeps: RSS stays at the peak.
    for i in 0..30000 {
        run(&mut e, id, &format!("DEL k:{i}"));
    }
    let ratio: f64 = info(&mut e, "mem_fragmentation_ratio").parse().unwrap();
    assert!(ratio > 3.0, "ratio {ratio}");
    let report = doctor(&mut e);
    assert!(report.contains("* Peak memory"), "{report}");
    assert!(report.contains("* High total RSS"), "{report}");
    // New data reuses the kept pages before the RSS grows again.
    run(&mut e, id, "DEBUG POPULATE 10000 n 500");
    let ratio: f64 = info(&mut e, "mem_fragmentation_ratio").parse().unwrap();
    assert!((1.5..3.0).contains(&ratio), "ratio {ratio}");
    assert_eq!(run(&mut e, id, "MEMORY PURGE"), Reply::ok());
    assert_eq!(info(&mut e, "mem_fragmentation_ratio"), "1.00");
    // The peak stays until CONFIG RESETSTAT.
    assert!(doctor(&mut e).contains("* Peak memory"));
    run(&mut e, id, "CONFIG RESETSTAT");
    run(&mut e, id, "PING");
    assert!(doctor(&mut e).contains("can't find any memory issue"));
}

#[test]
fn big_keys_are_found_by_the_notes_thresholds() {
    let (mut e, _clock, id) = engine();
    e.exec_words(id, "SET small x");
    let big = "x".repeat(10 * 1024 + 1);
    e.execute(id, &[b"SET".to_vec(), b"bigstr".to_vec(), big.into_bytes()]);
    let mut argv = vec![b"SADD".to_vec(), b"bigset".to_vec()];
    argv.extend((0..5001).map(|i| format!("m{i}").into_bytes()));
    e.execute(id, &argv);
    e.exec_words(id, "SADD smallset a b");
    let r = e.big_keys(0, 10);
    assert_eq!(r.scanned, 4);
    let names: Vec<&[u8]> = r.over.iter().map(|b| &b.key[..]).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&&b"bigstr"[..]) && names.contains(&&b"bigset"[..]));
    let set = r.biggest.iter().find(|b| b.type_name == "set").unwrap();
    assert_eq!((set.key.as_slice(), set.size), (&b"bigset"[..], 5001));
    let string = r.biggest.iter().find(|b| b.type_name == "string").unwrap();
    assert_eq!(string.size, 10 * 1024 + 1);
}

fn nil_exec(e: &mut Engine, id: u64) -> bool {
    run(e, id, "MULTI");
    run(e, id, "PING");
    match run(e, id, "EXEC") {
        Reply::NilArray => true,
        Reply::Array(_) => false,
        r => panic!("EXEC answered {r:?}"),
    }
}

#[test]
fn a_write_from_another_client_breaks_a_watch() {
    let (mut e, _, a) = engine();
    let b = e.connect("test:2", "test:0");
    run(&mut e, a, "SET balance 100");
    run(&mut e, a, "WATCH balance");
    assert_eq!(run(&mut e, a, "MULTI"), Reply::ok());
    assert_eq!(
        run(&mut e, a, "DECRBY balance 30"),
        Reply::Status("QUEUED".into())
    );
    // Another client writes in between: the transaction runs nothing.
    run(&mut e, b, "INCRBY balance 5");
    assert_eq!(run(&mut e, a, "EXEC"), Reply::NilArray);
    assert_eq!(run(&mut e, a, "GET balance"), Reply::bulk("105"));
    // A read by the other client does not break it; the retry succeeds.
    run(&mut e, a, "WATCH balance");
    run(&mut e, b, "GET balance");
    run(&mut e, a, "MULTI");
    run(&mut e, a, "DECRBY balance 30");
    assert_eq!(run(&mut e, a, "EXEC"), Reply::Array(vec![Reply::Int(75)]));
    // A watch in another database is another key.
    run(&mut e, a, "WATCH balance");
    run(&mut e, b, "SELECT 1");
    run(&mut e, b, "SET balance 1");
    assert!(!nil_exec(&mut e, a));
}

#[test]
fn expiry_and_eviction_break_a_watch() {
    let (mut e, clock, id) = engine();
    run(&mut e, id, "SET k v PX 100");
    run(&mut e, id, "WATCH k");
    clock.advance(200);
    // Nobody touched the key, but it expired after WATCH: EXEC fails.
    assert!(nil_exec(&mut e, id));
    // A key that had already expired when it was watched, then deleted by expiry, is
    // logically unchanged.
    run(&mut e, id, "DEBUG SET-ACTIVE-EXPIRE 0");
    run(&mut e, id, "SET k2 v PX 100");
    clock.advance(200);
    run(&mut e, id, "WATCH k2");
    assert_eq!(run(&mut e, id, "EXISTS k2"), Reply::Int(0));
    assert!(!nil_exec(&mut e, id));
    // Eviction.
    run(&mut e, id, "SET big v");
    run(&mut e, id, "WATCH big");
    run(&mut e, id, "CONFIG SET maxmemory-policy allkeys-random");
    run(&mut e, id, "CONFIG SET maxmemory 1");
    run(&mut e, id, "GET nothing");
    run(&mut e, id, "CONFIG SET maxmemory 0");
    assert_eq!(run(&mut e, id, "EXISTS big"), Reply::Int(0));
    assert!(nil_exec(&mut e, id));
}

#[test]
fn blocking_commands_do_not_block_inside_exec_and_disconnect_forgets_watches() {
    let (mut e, _, id) = engine();
    run(&mut e, id, "MULTI");
    run(&mut e, id, "BLPOP q 0");
    run(&mut e, id, "BLMOVE q r LEFT LEFT 0");
    assert_eq!(
        run(&mut e, id, "EXEC"),
        Reply::Array(vec![Reply::NilArray, Reply::Nil])
    );
    assert!(!e.is_blocked(id));
    run(&mut e, id, "WATCH x y");
    assert_eq!(e.core.watches.watched_keys(), 2);
    e.disconnect(id);
    assert_eq!(e.core.watches.watched_keys(), 0);
    assert_eq!(e.core.watches.watching_clients(), 0);
}

/// CLIENT PAUSE as the page drives it (src/ui/exec.rs): before running a tab's command
/// it asks [`Engine::postponed`]; a held command is asked about again on each tick,
/// under the engine's clock, and runs once the pause ends or is lifted.
#[test]
fn client_pause_holds_writes_until_it_ends_under_the_clock() {
    let (mut e, clock, a) = engine();
    let b = e.connect("test:2", "test:0");
    let words = |l: &str| {
        l.split(' ')
            .map(|w| w.as_bytes().to_vec())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(&mut e, a, "CLIENT PAUSE 1000 WRITE"), Reply::ok());
    let end = clock.now_ms() + 1000;
    assert_eq!(e.postponed(b, &words("SET k v")), Some(end));
    // Reads go through a WRITE pause; the pausing client's own writes wait too.
    assert_eq!(e.postponed(b, &words("GET k")), None);
    assert_eq!(e.postponed(a, &words("DEL k")), Some(end));
    assert!(!e.pause_lifted());
    // Still paused at the end's very millisecond (Redis unpauses once end < now).
    clock.advance(1000);
    assert_eq!(e.postponed(b, &words("SET k v")), Some(end));
    clock.advance(1);
    assert_eq!(e.postponed(b, &words("SET k v")), None);
    assert!(e.pause_lifted());
    // Lifted early by another client.
    assert_eq!(run(&mut e, a, "CLIENT PAUSE 100000"), Reply::ok());
    assert!(e.postponed(b, &words("GET k")).is_some());
    assert_eq!(run(&mut e, b, "CLIENT UNPAUSE"), Reply::ok());
    assert_eq!(e.postponed(b, &words("GET k")), None);
}

/// A script that declares `no-writes` is no write for CLIENT PAUSE WRITE (Redis's
/// getCommandFlags, TCL unit/pause "Test RO scripts are not blocked by pause RO"):
/// EVAL with the shebang (cached or not), EVALSHA of it, FCALL of a no-writes function,
/// and EXEC of a transaction holding only those run; a script without a shebang, one
/// that may write, or an unknown sha waits.
#[test]
fn client_pause_write_lets_no_writes_scripts_through() {
    let (mut e, _, a) = engine();
    let b = e.connect("test:2", "test:0");
    let v = |args: &[&str]| {
        args.iter()
            .map(|w| w.as_bytes().to_vec())
            .collect::<Vec<_>>()
    };
    let ro = "#!lua flags=no-writes\nreturn 1";
    let rw = "#!lua\nreturn 1";
    let lib = "#!lua name=l\nredis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes'}}\nredis.register_function('f2', function() return 2 end)";
    assert!(!e.execute(a, &v(&["FUNCTION", "LOAD", lib])).is_error());
    let sha = match e.execute(a, &v(&["SCRIPT", "LOAD", ro])) {
        Reply::Bulk(s) => String::from_utf8(s).unwrap(),
        r => panic!("{r:?}"),
    };
    assert_eq!(run(&mut e, a, "CLIENT PAUSE 100000 WRITE"), Reply::ok());
    let unseen = "#!lua flags=no-writes\nreturn 'unique'";
    assert_eq!(e.postponed(b, &v(&["EVAL", unseen, "0"])), None);
    assert_eq!(e.postponed(b, &v(&["EVAL", ro, "0"])), None);
    assert_eq!(e.postponed(b, &v(&["EVALSHA", &sha, "0"])), None);
    assert_eq!(e.postponed(b, &v(&["EVAL_RO", ro, "0"])), None);
    assert_eq!(e.postponed(b, &v(&["FCALL", "F1", "0"])), None);
    assert_eq!(e.postponed(b, &v(&["FCALL_RO", "f1", "0"])), None);
    assert!(e.postponed(b, &v(&["EVAL", "return 1", "0"])).is_some());
    assert!(e.postponed(b, &v(&["EVAL", rw, "0"])).is_some());
    assert!(e
        .postponed(b, &v(&["EVALSHA", &"0".repeat(40), "0"]))
        .is_some());
    assert!(e.postponed(b, &v(&["FCALL", "f2", "0"])).is_some());
    assert!(e.postponed(b, &v(&["FCALL", "nosuch", "0"])).is_some());
    // A transaction of no-writes scripts runs; one with a write waits.
    assert_eq!(run(&mut e, b, "MULTI"), Reply::ok());
    assert!(!e.execute(b, &v(&["EVAL", ro, "0"])).is_error());
    assert!(!e.execute(b, &v(&["FCALL", "f1", "0"])).is_error());
    assert_eq!(e.postponed(b, &v(&["EXEC"])), None);
    assert!(!e.execute(b, &v(&["FCALL", "f2", "0"])).is_error());
    assert!(e.postponed(b, &v(&["EXEC"])).is_some());
}

/// During CLIENT PAUSE the dataset stays still (TCL unit/pause "Test both active and
/// passive expires are skipped during client pause"): stale keys read as missing but
/// are neither deleted nor counted as expired, by lookups or the active cycle; once the
/// pause ends they expire for real.
#[test]
fn client_pause_skips_lazy_and_active_expiry() {
    let (mut e, clock, a) = engine();
    assert_eq!(run(&mut e, a, "SET foo bar PX 10"), Reply::ok());
    assert_eq!(run(&mut e, a, "SET bar foo PX 10"), Reply::ok());
    assert_eq!(run(&mut e, a, "CLIENT PAUSE 50000 WRITE"), Reply::ok());
    clock.advance(20);
    assert_eq!(run(&mut e, a, "GET foo"), Reply::Nil);
    assert_eq!(run(&mut e, a, "EXISTS foo bar"), Reply::Int(0));
    assert_eq!(e.core.active_expire_cycle(), 0);
    assert_eq!(e.core.stats.expired_keys, 0);
    assert_eq!(run(&mut e, a, "DBSIZE"), Reply::Int(2));
    assert_eq!(run(&mut e, a, "CLIENT UNPAUSE"), Reply::ok());
    assert_eq!(run(&mut e, a, "GET foo"), Reply::Nil);
    assert_eq!(e.core.stats.expired_keys, 1);
    assert_eq!(e.core.active_expire_cycle(), 1);
    assert_eq!(run(&mut e, a, "DBSIZE"), Reply::Int(0));
}

/// INFO's lazyfreed_objects counts what Redis's lazyfree thread would free: UNLINK of a
/// value over 64 allocations (a hash table of 600 fields, not a 3-field listpack), DEL
/// only under lazyfree-lazy-user-del, and every key of FLUSHALL ASYNC.
#[test]
fn lazyfreed_objects_counts_what_redis_frees_in_the_background() {
    let (mut e, _, a) = engine();
    let lazyfreed = |e: &mut Engine| e.core.stats.lazyfreed_objects;
    let mut big = vec!["HSET".to_string(), "big".to_string()];
    for i in 0..600 {
        big.push(format!("f{i}"));
        big.push("v".to_string());
    }
    let big: Vec<Vec<u8>> = big.into_iter().map(String::into_bytes).collect();
    e.execute(a, &big);
    run(&mut e, a, "HSET small a 1 b 2 c 3");
    assert_eq!(run(&mut e, a, "UNLINK small"), Reply::Int(1));
    assert_eq!(lazyfreed(&mut e), 0);
    assert_eq!(run(&mut e, a, "UNLINK big"), Reply::Int(1));
    assert_eq!(lazyfreed(&mut e), 1);
    e.execute(a, &big);
    assert_eq!(run(&mut e, a, "DEL big"), Reply::Int(1));
    assert_eq!(lazyfreed(&mut e), 1);
    run(&mut e, a, "CONFIG SET lazyfree-lazy-user-del yes");
    e.execute(a, &big);
    assert_eq!(run(&mut e, a, "DEL big"), Reply::Int(1));
    assert_eq!(lazyfreed(&mut e), 2);
    run(&mut e, a, "MSET x 1 y 2 z 3");
    assert_eq!(run(&mut e, a, "FLUSHALL ASYNC"), Reply::ok());
    assert_eq!(lazyfreed(&mut e), 5);
    assert_eq!(run(&mut e, a, "CONFIG RESETSTAT"), Reply::ok());
    assert_eq!(lazyfreed(&mut e), 0);
}

/// On a server (no instruction budget, SCRIPT KILL instead), a script stopped by SCRIPT
/// KILL leaves the VM as it found it: the same script run again is busy again until it
/// too is killed, and other scripts run whole (TCL unit/multi "EXEC and script
/// timeout", which runs `while true do end` after the test before killed it).
#[test]
fn script_kill_leaves_the_next_run_unbudgeted() {
    struct KillOnce {
        killer: u64,
        polls: u32,
        replies: std::rc::Rc<std::cell::RefCell<Vec<Reply>>>,
    }
    impl BusyIo for KillOnce {
        fn poll(&mut self, _running: u64, engine: &mut dyn BusyEngine) {
            self.polls += 1;
            if self.polls == 3 {
                let (reply, _, _) =
                    engine.run(self.killer, &[b"SCRIPT".to_vec(), b"KILL".to_vec()]);
                self.replies.borrow_mut().push(reply);
            }
        }
    }
    let (mut e, _, a) = engine();
    let b = e.connect("test:2", "test:0");
    e.core.script_limits.instructions = 0;
    e.core.script_limits.ticks = true;
    run(&mut e, a, "CONFIG SET busy-reply-threshold 0");
    let replies = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    for round in 0..3 {
        e.core.busy_io = Some(Box::new(KillOnce {
            killer: b,
            polls: 0,
            replies: replies.clone(),
        }));
        let eval = |body: &str| vec![b"EVAL".to_vec(), body.as_bytes().to_vec(), b"0".to_vec()];
        let r = e.execute(a, &eval("while true do end"));
        assert!(
            matches!(&r, Reply::Error(m) if m.starts_with("ERR Script killed by user with SCRIPT KILL")),
            "round {round}: {r:?}"
        );
        assert_eq!(
            replies.borrow_mut().pop(),
            Some(Reply::ok()),
            "round {round}"
        );
        assert_eq!(
            e.execute(a, &eval("local i=0 while i<100000 do i=i+1 end return i")),
            Reply::Int(100000)
        );
    }
}

/// SHUTDOWN in the page (no files but memory): Redis's argument errors, then a restart
/// from what was saved. With no save points, NOSAVE or not, what changed since the last
/// SAVE is gone; with save points (or SAVE) it is saved first.
#[test]
fn shutdown_in_the_page_restarts_from_what_was_saved() {
    let (mut e, _, a) = engine();
    let syntax = Reply::err("ERR syntax error");
    assert_eq!(run(&mut e, a, "SHUTDOWN NOSAVE SAVE"), syntax);
    assert_eq!(run(&mut e, a, "SHUTDOWN ABORT NOW"), syntax);
    assert_eq!(run(&mut e, a, "SHUTDOWN BYE"), syntax);
    assert_eq!(
        run(&mut e, a, "SHUTDOWN ABORT"),
        Reply::err("ERR No shutdown in progress.")
    );
    let no_save_points = vec![
        b"CONFIG".to_vec(),
        b"SET".to_vec(),
        b"save".to_vec(),
        Vec::new(),
    ];
    assert_eq!(e.execute(a, &no_save_points), Reply::ok());
    run(&mut e, a, "SET kept 1");
    assert_eq!(run(&mut e, a, "SAVE"), Reply::ok());
    run(&mut e, a, "SET lost 1");
    assert_eq!(run(&mut e, a, "SHUTDOWN"), Reply::Closed);
    assert_eq!(run(&mut e, a, "EXISTS kept lost"), Reply::Int(1));
    run(&mut e, a, "SET saved 1");
    assert_eq!(run(&mut e, a, "SHUTDOWN SAVE"), Reply::Closed);
    assert_eq!(run(&mut e, a, "EXISTS kept saved"), Reply::Int(2));
    let save_points = vec![
        b"CONFIG".to_vec(),
        b"SET".to_vec(),
        b"save".to_vec(),
        b"3600 1".to_vec(),
    ];
    assert_eq!(e.execute(a, &save_points), Reply::ok());
    run(&mut e, a, "SET later 1");
    assert_eq!(run(&mut e, a, "SHUTDOWN NOSAVE"), Reply::Closed);
    assert_eq!(run(&mut e, a, "EXISTS later"), Reply::Int(0));
    run(&mut e, a, "SET later 1");
    assert_eq!(run(&mut e, a, "SHUTDOWN"), Reply::Closed);
    assert_eq!(run(&mut e, a, "EXISTS later"), Reply::Int(1));
    // Not inside MULTI (no_multi).
    run(&mut e, a, "MULTI");
    assert_eq!(
        run(&mut e, a, "SHUTDOWN"),
        Reply::err("ERR Command not allowed inside a transaction")
    );
}

/// CLIENT LIST's argv-mem and multi-mem as redis-server 7.0.15 reports them for the
/// same steps (checked against it: 89, 10 and 7): queued commands' argument bytes plus a
/// pointer per argument; the running command's own arguments; a blocked client's
/// held command.
#[test]
fn client_list_counts_argument_and_transaction_memory() {
    let (mut e, _, a) = engine();
    let b = e.connect("test:2", "test:0");
    let c = e.connect("test:3", "test:0");
    run(&mut e, a, "MULTI");
    run(&mut e, a, "SET key value");
    run(&mut e, a, "LPUSH mylist a b c");
    assert_eq!(run(&mut e, c, "BLPOP q 0"), Reply::Blocked);
    let Reply::Verbatim(_, list) = run(&mut e, b, "CLIENT LIST") else {
        panic!()
    };
    let list = String::from_utf8(list).unwrap();
    let field = |id: u64| {
        let line = list
            .lines()
            .find(|l| l.starts_with(&format!("id={id} ")))
            .unwrap();
        let at = line.find("argv-mem=").unwrap();
        line[at..].split(' ').take(2).collect::<Vec<_>>().join(" ")
    };
    assert_eq!(field(a), "argv-mem=0 multi-mem=89");
    assert_eq!(field(b), "argv-mem=10 multi-mem=0");
    assert_eq!(field(c), "argv-mem=7 multi-mem=0");
}

/// DEBUG HELP lists Redis 7.0.15's own text for each subcommand KV Lab implements: every
/// entry is a block of lines of redis-server's DEBUG HELP (recorded in tests/fixtures),
/// in Redis's order, and every subcommand it names is one DEBUG accepts.
#[test]
fn debug_help_is_redis_text_for_the_subcommands_kept() {
    let (mut e, _, id) = engine();
    e.core
        .config
        .set_startup("enable-debug-command", "yes")
        .unwrap();
    let redis: Vec<&str> = include_str!("../../tests/fixtures/redis-7.0.15-debug-help.txt")
        .lines()
        .collect();
    let Reply::Array(items) = run(&mut e, id, "DEBUG HELP") else {
        panic!("DEBUG HELP is an array");
    };
    let ours: Vec<String> = items
        .iter()
        .map(|r| match r {
            Reply::Status(s) => s.to_string(),
            r => panic!("{r:?}"),
        })
        .collect();
    assert_eq!(ours[0], redis[0]);
    assert_eq!(ours.last().map(String::as_str), redis.last().copied());
    // Each of our lines is found in Redis's, after the previous one, and an entry's
    // description lines follow their heading directly.
    let mut at = 1;
    let mut names = Vec::new();
    for line in &ours[1..] {
        let found = redis[at..]
            .iter()
            .position(|r| r == line)
            .unwrap_or_else(|| panic!("not in Redis's DEBUG HELP (in order): {line}"));
        if line.starts_with(' ') {
            assert_eq!(found, 0, "{line} does not follow its heading");
        } else {
            names.push(line.split(' ').next().unwrap().to_string());
        }
        at += found + 1;
    }
    assert!(names.contains(&"CRASH-AND-RECOVER".to_string()));
    // With one argument each (CRASH-AND-RECOVER last: it closes the client).
    names.retain(|n| n != "HELP");
    names.sort_by_key(|n| n == "CRASH-AND-RECOVER");
    for name in &names {
        if let Reply::Error(m) = run(&mut e, id, &format!("DEBUG {name} 0")) {
            assert!(!m.contains("unknown subcommand"), "{name}: {m}");
        }
    }
}

fn invalidate(keys: Option<&[&str]>) -> Reply {
    Reply::Push(vec![
        Reply::bulk("invalidate"),
        match keys {
            Some(ks) => Reply::Array(ks.iter().copied().map(Reply::bulk).collect()),
            None => Reply::Nil,
        },
    ])
}

#[test]
fn tracking_invalidates_on_other_clients_writes_and_on_active_expiry() {
    let (mut e, clock, me) = engine();
    let other = e.connect("test:2", "test:0");
    run(&mut e, me, "HELLO 3");
    assert_eq!(run(&mut e, me, "CLIENT TRACKING on"), Reply::ok());
    run(&mut e, other, "SET k v PX 1000");
    run(&mut e, me, "GET k");
    assert_eq!(e.core.tracking.totals(), (1, 1, 0));
    // The key expires by itself: the active cycle tells the client, at once.
    clock.advance(2000);
    e.tick();
    assert_eq!(e.fresh_pushes(), vec![me]);
    assert_eq!(e.take_pushes(me), vec![invalidate(Some(&["k"]))]);
    assert_eq!(e.core.tracking.totals(), (0, 0, 0));
    // A write by another client: before that client's reply even goes out.
    run(&mut e, me, "GET j");
    run(&mut e, other, "SET j 1");
    assert_eq!(e.take_pushes(me), vec![invalidate(Some(&["j"]))]);
    assert!(e.take_after_reply(other).is_empty());
}

#[test]
fn tracking_own_invalidations_follow_the_reply_even_in_exec() {
    let (mut e, _, me) = engine();
    run(&mut e, me, "HELLO 3");
    run(&mut e, me, "CLIENT TRACKING on");
    run(&mut e, me, "MULTI");
    run(&mut e, me, "GET a");
    run(&mut e, me, "SET a 1");
    run(&mut e, me, "GET a");
    run(&mut e, me, "EXEC");
    assert!(e.take_pushes(me).is_empty());
    assert_eq!(e.take_after_reply(me), vec![invalidate(Some(&["a"]))]);
    // GET a in the transaction tracked it again.
    run(&mut e, me, "FLUSHALL");
    assert!(e.take_pushes(me).is_empty());
    assert_eq!(e.take_after_reply(me), vec![invalidate(None)]);
    assert_eq!(e.core.tracking.totals(), (0, 0, 0));
}

#[test]
fn tracking_scripts_track_declared_keys_and_caching_lasts_one_command() {
    let (mut e, _, me) = engine();
    let other = e.connect("test:2", "test:0");
    run(&mut e, me, "HELLO 3");
    run(&mut e, me, "CLIENT TRACKING on OPTIN");
    let eval_get: Vec<Vec<u8>> = ["EVAL", "return redis.call('get', KEYS[1])", "2", "x", "y"]
        .iter()
        .map(|a| a.as_bytes().to_vec())
        .collect();
    e.execute(me, &eval_get);
    assert_eq!(e.core.tracking.totals().0, 0);
    run(&mut e, me, "CLIENT CACHING yes");
    e.execute(me, &eval_get);
    assert_eq!(e.core.tracking.totals().0, 2);
    run(&mut e, me, "GET z");
    assert_eq!(e.core.tracking.totals().0, 2);
    run(&mut e, other, "MSET y 1 z 1");
    assert_eq!(e.take_pushes(me), vec![invalidate(Some(&["y"]))]);
    // Tracking off and a client gone: nothing left to count.
    run(&mut e, me, "CLIENT TRACKING off");
    e.disconnect(other);
    assert_eq!(e.core.tracking.clients(), 0);
}

#[test]
fn tracking_bcast_goes_out_at_the_end_of_the_turn_and_limit_evicts() {
    let (mut e, _, me) = engine();
    let other = e.connect("test:2", "test:0");
    run(&mut e, me, "HELLO 3");
    run(&mut e, me, "CLIENT TRACKING on BCAST PREFIX a");
    run(&mut e, other, "SET a1 1");
    run(&mut e, other, "SET b1 1");
    run(&mut e, other, "SET a2 1");
    assert!(e.take_pushes(me).is_empty());
    assert_eq!(e.fresh_pushes(), vec![me]);
    assert_eq!(e.take_pushes(me), vec![invalidate(Some(&["a1", "a2"]))]);
    let line = match run(&mut e, me, "CLIENT INFO") {
        Reply::Verbatim(_, b) => String::from_utf8(b).unwrap(),
        r => panic!("{r:?}"),
    };
    assert!(line.contains(" flags=tB "), "{line}");
    // tracking-table-max-keys: over it, keys are dropped with an invalidation.
    run(&mut e, other, "HELLO 3");
    run(&mut e, other, "CLIENT TRACKING on");
    run(&mut e, other, "MGET k1 k2 k3");
    run(&mut e, other, "CONFIG SET tracking-table-max-keys 1");
    run(&mut e, me, "PING");
    assert_eq!(e.core.tracking.totals().0, 1);
    assert_eq!(e.take_pushes(other).len(), 2);
}

#[test]
fn topk_sizes_cut_to_zero_are_refused_and_others_keep_their_low_32_bits() {
    let (mut e, _, id) = engine();
    // Cut to 0, each crashes redis-server with RedisBloom at the next TOPK.ADD.
    for (line, err) in [
        ("TOPK.RESERVE t 4294967296", "TopK: invalid k"),
        ("TOPK.RESERVE t 8589934592", "TopK: invalid k"),
        ("TOPK.RESERVE t 10 4294967296 7 0.9", "TopK: invalid width"),
        ("TOPK.RESERVE t 10 8 4294967296 0.9", "TopK: invalid depth"),
    ] {
        assert_eq!(run(&mut e, id, line), Reply::err(err), "{line}");
    }
    assert_eq!(run(&mut e, id, "EXISTS t"), Reply::Int(0));
    assert_eq!(
        run(&mut e, id, "TOPK.RESERVE t 4294967298 4294967299 1 1"),
        Reply::ok()
    );
    let Reply::Map(info) = run(&mut e, id, "TOPK.INFO t") else {
        panic!("TOPK.INFO is a map");
    };
    let ints: Vec<_> = info.iter().map(|(_, v)| v.clone()).take(3).collect();
    assert_eq!(ints, [Reply::Int(2), Reply::Int(3), Reply::Int(1)]);
}

#[test]
fn bf_exists_counts_one_keyspace_hit_or_miss_and_reads_other_types_as_absent() {
    let (mut e, _, id) = engine();
    run(&mut e, id, "BF.ADD f a");
    run(&mut e, id, "SET s x");
    let (hits, misses) = (e.core.stats.keyspace_hits, e.core.stats.keyspace_misses);
    assert_eq!(run(&mut e, id, "BF.EXISTS f a"), Reply::Int(1));
    assert_eq!(run(&mut e, id, "BF.EXISTS f b"), Reply::Int(0));
    assert_eq!(run(&mut e, id, "BF.EXISTS s a"), Reply::Int(0));
    assert_eq!(run(&mut e, id, "BF.EXISTS nokey a"), Reply::Int(0));
    assert_eq!(
        run(&mut e, id, "BF.MEXISTS f b a"),
        Reply::Array(vec![Reply::Int(0), Reply::Int(1)])
    );
    assert_eq!(
        run(&mut e, id, "BF.MEXISTS nokey a b"),
        Reply::Array(vec![Reply::Int(0), Reply::Int(0)])
    );
    assert_eq!(e.core.stats.keyspace_hits, hits + 4);
    assert_eq!(e.core.stats.keyspace_misses, misses + 2);
}

#[test]
fn tdigest_add_checks_every_value_before_adding_any() {
    let (mut e, _, id) = engine();
    run(&mut e, id, "TDIGEST.CREATE td");
    assert_eq!(
        run(&mut e, id, "TDIGEST.ADD td 1 x"),
        Reply::err("ERR T-Digest: error parsing val parameter")
    );
    assert_eq!(
        run(&mut e, id, "TDIGEST.ADD td 1 inf"),
        Reply::err("ERR T-Digest: val parameter needs to be a finite number")
    );
    // Nothing was added.
    assert!(matches!(run(&mut e, id, "TDIGEST.MIN td"), Reply::Double(v) if v.is_nan()));
    assert_eq!(
        run(&mut e, id, "TDIGEST.ADD td 3 -2 000000000012"),
        Reply::ok()
    );
    assert_eq!(run(&mut e, id, "TDIGEST.ADD td 5"), Reply::ok());
    assert_eq!(run(&mut e, id, "TDIGEST.MIN td"), Reply::Double(-2.0));
    assert_eq!(run(&mut e, id, "TDIGEST.MAX td"), Reply::Double(12.0));
    assert_eq!(
        run(&mut e, id, "TDIGEST.ADD nokey 1"),
        Reply::err("ERR T-Digest: key does not exist")
    );
}

#[test]
fn client_lookups_follow_connects_and_disconnects() {
    // The client map remembers where it last found a client: connecting and
    // disconnecting others shifts positions, and every lookup must still find its own.
    let (mut e, _, a) = engine();
    run(&mut e, a, "CLIENT SETNAME first");
    let ids: Vec<u64> = (0..20)
        .map(|i| e.connect(&format!("t:{i}"), "t:0"))
        .collect();
    for (i, &id) in ids.iter().enumerate() {
        assert_eq!(
            run(&mut e, id, &format!("CLIENT SETNAME c{i}")),
            Reply::ok()
        );
    }
    // Drop every other one, looking up a later client first each time.
    for (i, &id) in ids.iter().enumerate().step_by(2) {
        assert_eq!(run(&mut e, ids[19], "CLIENT GETNAME"), Reply::bulk("c19"));
        e.disconnect(id);
        assert!(e.client(id).is_none(), "client {i} is gone");
    }
    let late = e.connect("t:late", "t:0");
    run(&mut e, late, "CLIENT SETNAME late");
    for (i, &id) in ids.iter().enumerate() {
        let want = if i % 2 == 0 {
            None
        } else {
            Some(format!("c{i}"))
        };
        assert_eq!(
            e.client(id).and_then(|c| c.name.clone()),
            want.map(String::into_bytes)
        );
    }
    assert_eq!(run(&mut e, a, "CLIENT GETNAME"), Reply::bulk("first"));
    assert_eq!(run(&mut e, late, "CLIENT GETNAME"), Reply::bulk("late"));
}

#[test]
fn queued_commands_keep_their_own_arguments_across_transactions() {
    // Queueing reuses the argument buffers of the client's earlier transactions: a
    // shorter command queued after a longer one must not keep the longer one's tail.
    let (mut e, _, id) = engine();
    run(&mut e, id, "MULTI");
    run(&mut e, id, "SET k1 a-long-value-for-the-first-key EX 100");
    run(&mut e, id, "RPUSH l x y z w");
    run(&mut e, id, "MSET m1 1 m2 2 m3 3");
    assert_eq!(
        run(&mut e, id, "EXEC"),
        Reply::Array(vec![Reply::ok(), Reply::Int(4), Reply::ok()])
    );
    run(&mut e, id, "MULTI");
    assert_eq!(run(&mut e, id, "GET k1"), Reply::status("QUEUED"));
    assert_eq!(run(&mut e, id, "SET k2 b"), Reply::status("QUEUED"));
    run(&mut e, id, "LLEN l");
    run(&mut e, id, "TTL k2");
    run(&mut e, id, "GET m2");
    assert_eq!(
        run(&mut e, id, "EXEC"),
        Reply::Array(vec![
            Reply::bulk("a-long-value-for-the-first-key"),
            Reply::ok(),
            Reply::Int(4),
            Reply::Int(-1),
            Reply::bulk("2"),
        ])
    );
    // A discarded queue's buffers serve too, and a big argument is not kept.
    run(&mut e, id, "MULTI");
    let big = "v".repeat(4096);
    e.execute(
        id,
        &[b"SET".to_vec(), b"big".to_vec(), big.clone().into_bytes()],
    );
    run(&mut e, id, "DISCARD");
    run(&mut e, id, "MULTI");
    run(&mut e, id, "SET big small");
    run(&mut e, id, "STRLEN big");
    assert_eq!(
        run(&mut e, id, "EXEC"),
        Reply::Array(vec![Reply::ok(), Reply::Int(5)])
    );
    let c = e.client(id).unwrap();
    assert!(c.multi.is_none());
}

#[test]
fn reads_keep_the_memory_peak_of_clients_that_connected_meanwhile() {
    // A read-only command that changed nothing skips re-taking the high-water marks,
    // unless clients connected since they were taken.
    let (mut e, _, id) = engine();
    run(&mut e, id, "SET k v");
    let before = e.core.stats.peak_memory;
    let others: Vec<u64> = (0..50)
        .map(|i| e.connect(&format!("t:{i}"), "t:0"))
        .collect();
    run(&mut e, id, "GET k");
    let with_clients = e.core.stats.peak_memory;
    assert!(with_clients > before, "{with_clients} > {before}");
    for o in others {
        e.disconnect(o);
    }
    run(&mut e, id, "GET k");
    run(&mut e, id, "EXISTS k");
    assert_eq!(e.core.stats.peak_memory, with_clients);
    // A write that grows the dataset past it raises it again.
    let big = "x".repeat(with_clients as usize);
    e.execute(id, &[b"SET".to_vec(), b"big".to_vec(), big.into_bytes()]);
    assert!(e.core.stats.peak_memory > with_clients);
    assert_eq!(e.core.stats.peak_memory, e.used_memory());
}

/// The Lua debugger talks with its client from inside the script: an engine without a
/// host that has sockets (the browser) refuses SCRIPT DEBUG YES/SYNC with a clear
/// error, accepts NO, and EVAL runs as usual.
#[test]
fn script_debug_needs_a_host_with_sockets() {
    let (mut e, _clock, id) = engine();
    let refusal = Reply::err(
        "ERR The Lua debugger needs kvlab-server (redis-cli --ldb): here use redis.log, or the scripts panel's trace of every redis.call",
    );
    assert_eq!(run(&mut e, id, "SCRIPT DEBUG YES"), refusal);
    assert_eq!(run(&mut e, id, "SCRIPT DEBUG sync"), refusal);
    assert_eq!(run(&mut e, id, "SCRIPT DEBUG NO"), Reply::ok());
    assert_eq!(
        run(&mut e, id, "SCRIPT DEBUG maybe"),
        Reply::err("ERR Use SCRIPT DEBUG YES/SYNC/NO")
    );
    assert_eq!(
        e.execute(id, &[b"EVAL".to_vec(), b"return 1".to_vec(), b"0".to_vec()]),
        Reply::Int(1)
    );
}

/// Timeouts at the edge of i64 (found by the engine fuzzer): the deadline saturates
/// instead of overflowing, and the client blocks as redis-server's does.
#[test]
fn huge_blocking_timeouts_do_not_overflow() {
    let (mut e, _clock, id) = engine();
    assert_eq!(
        run(&mut e, id, "WAIT 1 9223372036854775807"),
        Reply::Blocked
    );
    let (mut e, _clock, id) = engine();
    assert_eq!(run(&mut e, id, "BLPOP k 9223372036854000"), Reply::Blocked);
}
