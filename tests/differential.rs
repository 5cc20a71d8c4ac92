//! The differential suite: every script under `tests/diff/` is fed through
//! `redis-cli --no-raw` to the real redis-server 7.0 and to kvlab-server, and the two
//! transcripts must match byte for byte.
//!
//! Scripts are plain redis-cli input, one command per line; lines starting with `#` are
//! comments. Each script runs on one fresh connection, with an `ECHO` marker after every
//! command so the transcript can be cut into one reply per command. A command followed
//! by `#unordered` has a reply whose order Redis leaves to its hash function (KEYS,
//! SCAN): its lines are compared as a sorted multiset, index prefixes removed.
//!
//! `tests/diff-debug/` runs the same way against servers that allow DEBUG, and
//! `tests/diff-cluster/` against both servers in cluster mode (see
//! `cluster_transcripts_match_redis_server`).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::PathBuf;

const MARK: &str = "--kvlab-next--";

struct Line {
    command: String,
    unordered: bool,
}

fn commands(script: &str) -> Vec<Line> {
    script
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| match l.strip_suffix("#unordered") {
            Some(c) => Line {
                command: c.trim_end().to_string(),
                unordered: true,
            },
            None => Line {
                command: l.to_string(),
                unordered: false,
            },
        })
        .collect()
}

/// Whether a marker may follow each line: not inside MULTI (it would be queued), so the
/// lines from MULTI up to EXEC, DISCARD or RESET share one reply text, given to the last.
fn marked(lines: &[Line]) -> Vec<bool> {
    let mut in_multi = false;
    lines
        .iter()
        .map(|l| {
            let word = l
                .command
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            match word.as_str() {
                "multi" => in_multi = true,
                "exec" | "discard" | "reset" => in_multi = false,
                _ => {}
            }
            !in_multi
        })
        .collect()
}

/// Runs a script with a marker after each command and returns one reply text per command.
fn replies(port: u16, lines: &[Line], extra: &[&str]) -> Vec<String> {
    let marks = marked(lines);
    let script: String = lines
        .iter()
        .zip(&marks)
        .map(|(l, &m)| {
            if m {
                format!("{}\nECHO {MARK}\n", l.command)
            } else {
                format!("{}\n", l.command)
            }
        })
        .collect();
    let out = support::redis_cli(port, &script, extra);
    let mark = format!("\"{MARK}\"\n");
    let mut parts = out.split(&mark).map(String::from);
    // After QUIT nothing more is answered; missing parts are empty.
    lines
        .iter()
        .zip(&marks)
        .map(|(l, &m)| {
            let p = if m {
                parts.next().unwrap_or_default()
            } else {
                String::new()
            };
            if l.unordered {
                normalise(&p)
            } else {
                p
            }
        })
        .collect()
}

/// An order-free form of a reply: its lines without `1) `, `1# ` or `1~ ` prefixes, sorted.
fn normalise(reply: &str) -> String {
    let mut v: Vec<String> = reply
        .lines()
        .map(|l| {
            let mut t = l.trim_start();
            // Array (`1) `), map (`1# `) and set (`1~ `) item prefixes, nested too.
            while let Some(at) = t.find([')', '#', '~']) {
                let (n, rest) = t.split_at(at);
                if n.is_empty()
                    || !n.chars().all(|c| c.is_ascii_digit())
                    || !rest[1..].starts_with(' ')
                {
                    break;
                }
                t = rest[2..].trim_start();
            }
            t.to_string()
        })
        .collect();
    v.sort();
    v.join("\n")
}

#[test]
fn transcripts_match_redis_server() {
    run_dir("tests/diff", &[]);
}

/// Scripts that need DEBUG, against servers that allow it.
#[test]
fn debug_transcripts_match_redis_server() {
    run_dir("tests/diff-debug", &["--enable-debug-command", "yes"]);
}

/// Cluster mode (`tests/diff-cluster/`): both servers started with `--cluster-enabled
/// yes`. redis-server starts owning no slot, so it is given all of them
/// (`CLUSTER ADDSLOTSRANGE 0 16383`) and awaited until CLUSTER INFO says
/// `cluster_state:ok` (it waits 2 s after start, and 5 s after it served no slot at all,
/// before it turns ok); kvlab-server starts owning every slot. Before each script (and
/// each protocol's run of it) redis-server is awaited the same way, so a script may end
/// by reassigning every slot. Node ids and ports differ between the servers: transcripts
/// are compared with them masked (see `mask_cluster`).
#[test]
fn cluster_transcripts_match_redis_server() {
    let args = ["--cluster-enabled", "yes"];
    let real = support::redis_server(&args);
    support::redis_cli(real.port, "CLUSTER ADDSLOTSRANGE 0 16383\n", &[]);
    let ours = support::kvlab_server(&args);
    let wait = |port: u16| support::await_cluster_ok(port);
    run_scripts("tests/diff-cluster", &real, &ours, &wait, &mask_cluster);
}

/// A cluster transcript with what differs by server masked: 40-hex-digit node ids
/// (`<id>`), and the server's port and cluster bus port (`<port>`, `<bus-port>`).
fn mask_cluster(text: &str, port: u16) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    let mut i = 0;
    while i < b.len() {
        let run = b[i..].iter().take_while(|&&c| hex(c)).count();
        let bounded = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let ends = b.get(i + run).is_none_or(|c| !c.is_ascii_alphanumeric());
        if run == 40 && bounded && ends {
            out.push_str("<id>");
            i += run;
        } else if run > 0 {
            out.push_str(&text[i..i + run]);
            i += run;
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    // Then the ports, where a whole number is one of them.
    let (port, bus) = (port.to_string(), (port as u32 + 10000).to_string());
    let mut masked = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(at) = rest.find(|c: char| c.is_ascii_digit()) {
        masked.push_str(&rest[..at]);
        let n = rest[at..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at);
        let number = &rest[at..at + n];
        masked.push_str(if number == port {
            "<port>"
        } else if number == bus {
            "<bus-port>"
        } else {
            number
        });
        rest = &rest[at + n..];
    }
    masked.push_str(rest);
    masked
}

#[test]
fn cluster_masking_hides_only_ids_and_ports() {
    let id = "4603a16442665c96ec9b270364e00f2b23cf7913";
    assert_eq!(
        mask_cluster(
            &format!("{id} :22101@32101 myself,master - 0 0 0 connected 0-16383"),
            22101
        ),
        "<id> :<port>@<bus-port> myself,master - 0 0 0 connected 0-16383"
    );
    // 39 or 41 hex digits are left alone.
    assert_eq!(mask_cluster(&id[1..], 22101), &id[1..]);
    assert_eq!(mask_cluster(&format!("{id}0"), 22101), format!("{id}0"));
    // Only whole numbers are ports.
    assert_eq!(
        mask_cluster("(integer) 22101\n(integer) 221010\n", 22101),
        "(integer) <port>\n(integer) 221010\n"
    );
}

fn run_dir(dir: &str, server_args: &[&str]) {
    let real = support::redis_server(server_args);
    let ours = support::kvlab_server(server_args);
    run_scripts(dir, &real, &ours, &|_| {}, &|t, _| t.to_string());
}

/// Runs every script of `dir` against both servers and compares the transcripts:
/// `before` is called with redis-server's port before each run, `mask` turns a reply
/// into what is compared (given the port of the server that answered).
fn run_scripts(
    dir: &str,
    real: &support::Server,
    ours: &support::Server,
    before: &dyn Fn(u16),
    mask: &dyn Fn(&str, u16) -> String,
) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/diff")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "redis"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scripts in {}", dir.display());
    let mut cases = 0;
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read script");
        let lines = commands(&text);
        cases += lines.len();
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // Each script runs twice: as RESP2 and, through `redis-cli -3`, as RESP3.
        for proto in [None, Some("-3")] {
            let extra: Vec<&str> = proto.into_iter().collect();
            before(real.port);
            let a = replies(real.port, &lines, &extra);
            let b = replies(ours.port, &lines, &extra);
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                let (x, y) = (mask(x, real.port), mask(y, ours.port));
                if x != y {
                    failures.push(format!(
                        "{name} {} command #{}: {}\n--- redis-server\n{x}\n--- kvlab-server\n{y}",
                        proto.unwrap_or("-2"),
                        i + 1,
                        lines[i].command
                    ));
                }
            }
        }
    }
    println!(
        "differential {}: {cases} commands in {} scripts, each under RESP2 and RESP3",
        dir.display(),
        files.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn timing_lines_are_dropped_and_nothing_else() {
    assert_eq!(
        support::without_timings("OK\n(0.76s)\n\"(0.76s)\"\n(12.50s)\n(integer) 1\n(1.5s)\n"),
        "OK\n\"(0.76s)\"\n(integer) 1\n(1.5s)\n"
    );
}

/// The Lua probes (`tests/diff/lua_probes.txt`: redis-cli argument lines recorded
/// against redis-server 7.0.15) replayed against both servers, fresh, in order: each
/// reply must match. The few known differences are listed with their reason.
#[test]
fn lua_probes_match_redis_server() {
    // Probes whose command contains one of these differ, for the reason given.
    const KNOWN: &[(&str, &str)] = &[
        ("big_number", "Reply has no RESP3 big number"),
        ("function list", "library order is Redis's dict order"),
    ];
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diff/lua_probes.txt"),
    )
    .expect("probes");
    let probes: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("> ")).collect();
    let real = support::redis_server(&[]);
    let ours = support::kvlab_server(&[]);
    let run = |port: u16, probe: &str| {
        let (proto, args) = match probe.strip_prefix("(RESP3) ") {
            Some(a) => ("-3", a),
            None => ("", probe),
        };
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("redis-cli --no-raw -p {port} {proto} {args}"))
            .output()
            .expect("redis-cli");
        support::without_timings(&String::from_utf8_lossy(&out.stdout))
    };
    let mut failures = Vec::new();
    let mut compared = 0;
    for p in &probes {
        let (a, b) = (run(real.port, p), run(ours.port, p));
        if KNOWN.iter().any(|(k, _)| p.contains(k)) {
            continue;
        }
        compared += 1;
        if a != b {
            failures.push(format!("> {p}\n--- redis-server\n{a}--- kvlab-server\n{b}"));
        }
    }
    println!(
        "lua probes: {compared} of {} compared, {} differ",
        probes.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
