//! COMMAND INFO and COMMAND GETKEYS against the real redis-server 7.0: for every command
//! KV Lab implements, the whole COMMAND INFO reply (name, arity, flags in Redis's order,
//! first/last/step, ACL categories, tips, key specs with notes) must be the same bytes.
//! Containers (CLIENT, CONFIG …) list only the subcommands KV Lab has, so they are
//! compared without that list, and each subcommand is compared on its own. COMMAND
//! GETKEYS is compared on numkeys commands, two-spec commands, keyword specs (GEORADIUS
//! … STORE) and SORT's STORE, errors included.

mod support;

use support::keyspace::Conn;

/// The names in a flat RESP array of bulk strings.
fn names(reply: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(reply);
    let lines: Vec<&str> = text.split("\r\n").collect();
    lines
        .iter()
        .zip(lines.iter().skip(1))
        .filter(|(a, _)| a.starts_with('$'))
        .map(|(_, b)| b.to_string())
        .collect()
}

/// A COMMAND INFO reply without its last element (the subcommands): everything up to
/// the final `*N` header at the entry's nesting level. The entry is `*1 *10 …`, and the
/// subcommand array is the tenth element; cut it by re-reading the reply's structure.
fn without_subcommands(reply: &[u8]) -> Vec<u8> {
    // Walk RESP2 elements: returns the end offset of the element starting at `at`.
    fn skip(b: &[u8], at: usize) -> usize {
        let line_end = at + b[at..].windows(2).position(|w| w == b"\r\n").unwrap();
        let n: i64 = std::str::from_utf8(&b[at + 1..line_end])
            .unwrap()
            .parse()
            .unwrap_or(0);
        let mut p = line_end + 2;
        match b[at] {
            b'*' => {
                for _ in 0..n.max(0) {
                    p = skip(b, p);
                }
                p
            }
            b'$' if n >= 0 => p + n as usize + 2,
            _ => p,
        }
    }
    // reply = *1\r\n *10\r\n e1 … e10
    let outer = reply.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let inner = outer
        + reply[outer..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap()
        + 2;
    let mut p = inner;
    for _ in 0..9 {
        p = skip(reply, p);
    }
    reply[..p].to_vec()
}

#[test]
fn command_info_matches_redis_server_for_every_command() {
    // RedisBloom's commands (`bf.add` …) are compared only when the module is at hand
    // (KVLAB_REDISBLOOM=path/to/redisbloom.so, see tests/diff-bloom/README.md).
    let module = std::env::var("KVLAB_REDISBLOOM").ok();
    let real = match &module {
        Some(m) => support::redis_server(&["--loadmodule", m]),
        None => support::redis_server(&[]),
    };
    let ours = support::kvlab_server(&[]);
    let (mut a, mut b) = (Conn::new(real.port), Conn::new(ours.port));
    let list = names(&b.raw(&["COMMAND", "LIST"]));
    assert!(list.len() > 150, "COMMAND LIST: {list:?}");
    let mut failures = Vec::new();
    let mut compared = 0;
    for name in &list {
        if module.is_none() && name.contains('.') {
            continue;
        }
        let (x, y) = (
            a.raw(&["COMMAND", "INFO", name]),
            b.raw(&["COMMAND", "INFO", name]),
        );
        let subs: Vec<String> = names(&y)
            .into_iter()
            .filter(|n| n.starts_with(&format!("{name}|")))
            .collect();
        if subs.is_empty() {
            compared += 1;
            if x != y {
                failures.push(format!(
                    "{name}\n  redis-server: {}\n  kvlab-server: {}",
                    String::from_utf8_lossy(&x),
                    String::from_utf8_lossy(&y)
                ));
            }
            continue;
        }
        if without_subcommands(&x) != without_subcommands(&y) {
            failures.push(format!("{name} (container, subcommands aside)"));
        }
        for s in subs {
            compared += 1;
            let (x, y) = (
                a.raw(&["COMMAND", "INFO", &s]),
                b.raw(&["COMMAND", "INFO", &s]),
            );
            if x != y {
                failures.push(format!(
                    "{s}\n  redis-server: {}\n  kvlab-server: {}",
                    String::from_utf8_lossy(&x),
                    String::from_utf8_lossy(&y)
                ));
            }
        }
    }
    println!("COMMAND INFO: {compared} commands and subcommands compared");
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn command_getkeys_matches_redis_server() {
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let (mut a, mut b) = (Conn::new(real.port), Conn::new(ours.port));
    let cases: &[&str] = &[
        "GET k",
        "MSET a 1 b 2",
        "DEL a b c",
        "LMOVE src dst LEFT RIGHT",
        "RENAME old new",
        "SMOVE s d m",
        "COPY a b",
        "BITOP AND dest k1 k2",
        "ZUNION 2 a b",
        "ZUNION 3 a b",
        "ZUNION 0 a",
        "ZUNION x a",
        "ZUNIONSTORE dest 2 a b WEIGHTS 1 2",
        "ZINTERSTORE dest 1 a",
        "ZDIFF 2 a b WITHSCORES",
        "ZINTERCARD 2 a b LIMIT 1",
        "SINTERCARD 2 a b",
        "SINTERCARD 5 a b",
        "LMPOP 2 a b LEFT",
        "BLMPOP 0 2 a b LEFT",
        "ZMPOP 1 z MIN",
        "BZMPOP 1.5 2 a b MAX COUNT 2",
        "BLPOP a b 0",
        "GEORADIUS k 0 0 1 km STORE dst",
        "GEORADIUS k 0 0 1 km STOREDIST d2 STORE d1",
        "GEORADIUSBYMEMBER k m 1 km STORE dst",
        "GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km",
        "SORT abc",
        "SORT abc STORE def",
        "SORT abc STORE invalid STORE stillbad STORE def",
        "SORT abc LIMIT 0 1 GET store BY store STORE d",
        "SORT abc STORE",
        "SORT_RO abc",
        "SET k v GET",
        "BITFIELD k GET u8 0",
        "PFMERGE d a b",
        "EVAL_NOSUCH x",
        "PING",
        "GET",
        "GET a b",
        "OBJECT ENCODING k",
        "MEMORY USAGE k",
        "SET k v",
        "SET k v NX get PX 10",
        "BITFIELD k GET u8 0 OVERFLOW SAT GET i4 3",
        "BITFIELD k GET u8 0 INCRBY u8 0 1",
        "BITFIELD k GET u8",
        "BITFIELD_RO k GET u8 0",
        "EVAL x 2 a b",
        "FCALL_RO f 1 a",
        "XREAD COUNT 1 STREAMS a b 0 0",
        "XREADGROUP GROUP g c STREAMS a 0",
        "GETEX k PERSIST",
        "RENAMENX a b",
        "PFCOUNT a b",
        "SINTERSTORE d a b",
        "XADD s * f v",
        "EVAL x 9223372036854775807 a",
        "ZUNION 9223372036854775807 a",
        "LMPOP 9223372036854775807 a LEFT",
        // MIGRATE's key finder (`""` is the empty argument).
        "MIGRATE h 1 k 0 0",
        "MIGRATE h 1 \"\" 0 0 KEYS a b",
        "MIGRATE h 1 k 0 0 KEYS a b",
        "MIGRATE h 1 \"\" 0 0 AUTH keys x KEYS a",
        "MIGRATE h 1 \"\" 0 0 AUTH2 keys keys KEYS a",
        "MIGRATE h 1 \"\" 0 0 COPY REPLACE",
        "MIGRATE h 1 \"\" 0 0 KEYS",
        "MIGRATE h 1 k 0 0 AUTH",
        "MIGRATE h 1 k",
    ];
    let mut failures = Vec::new();
    for sub in ["GETKEYS", "GETKEYSANDFLAGS"] {
        for case in cases {
            let mut argv = vec!["COMMAND", sub];
            argv.extend(case.split(' ').map(|w| if w == "\"\"" { "" } else { w }));
            let (x, y) = (a.raw(&argv), b.raw(&argv));
            if x != y {
                failures.push(format!(
                    "COMMAND {sub} {case}\n  redis-server: {:?}\n  kvlab-server: {:?}",
                    String::from_utf8_lossy(&x),
                    String::from_utf8_lossy(&y)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
