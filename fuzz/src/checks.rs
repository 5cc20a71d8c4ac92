//! The checks behind the fuzz targets, shared with `tests/fuzz_corpus.rs`, which replays
//! the kept corpus (fuzz/seeds/) on every `cargo test` without a nightly toolchain.
#![allow(dead_code)]

/// redis-cli's tokenizer (`console::split_args`): any bytes, never a panic; what it
/// returns, printed back the way redis-cli would quote each argument, tokenizes to
/// the same arguments.
pub mod tokenizer {

    /// Quotes an argument so that the tokenizer reads it back unchanged.
    fn quote(arg: &[u8]) -> Vec<u8> {
        let mut q = b"\"".to_vec();
        for &c in arg {
            match c {
                b'"' => q.extend_from_slice(b"\\\""),
                b'\\' => q.extend_from_slice(b"\\\\"),
                0x20..=0x7e => q.push(c),
                _ => q.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
            }
        }
        q.push(b'"');
        q
    }

    pub fn check(data: &[u8]) {
        if let Ok(args) = kvlab::console::split_args(data) {
            let line: Vec<u8> = args
                .iter()
                .map(|a| quote(a))
                .collect::<Vec<_>>()
                .join(&b' ');
            let again = kvlab::console::split_args(&line).expect("quoted arguments tokenize");
            assert_eq!(
                again,
                args,
                "round trip of {:?}",
                String::from_utf8_lossy(&line)
            );
        }
    }
}

/// The RESP request reader (`resp::RequestReader`): any bytes, never a panic, and input
/// cut into pieces anywhere reads as the same commands (or the same protocol error) as
/// input that arrives whole. The first byte picks the piece size.
pub mod resp {

    use kvlab::resp::RequestReader;

    /// Small, so that the bulk-length check is reached.
    const MAX_BULK: i64 = 1 << 16;

    type Outcome = (Vec<Vec<Vec<u8>>>, Option<String>);

    fn feed(input: &[u8], step: usize) -> Outcome {
        let mut r = RequestReader::new();
        let (mut buf, mut cmds) = (Vec::new(), Vec::new());
        for piece in input.chunks(step.max(1)) {
            buf.extend_from_slice(piece);
            loop {
                match r.read(&buf, MAX_BULK) {
                    Err(e) => return (cmds, Some(e.text())),
                    Ok((used, done)) => {
                        assert!(used <= buf.len());
                        buf.drain(..used);
                        if !done {
                            break;
                        }
                        if !r.argv().is_empty() {
                            cmds.push(r.argv().to_vec());
                        }
                    }
                }
            }
        }
        (cmds, None)
    }

    pub fn check(data: &[u8]) {
        let Some((&first, input)) = data.split_first() else {
            return;
        };
        let whole = feed(input, input.len());
        let pieces = feed(input, first as usize % 17 + 1);
        // A NUL may make Redis (and the reader) wait where whole input would not, and a
        // line past 64 KB is refused or not depending on where reads end, in Redis too.
        if !input.contains(&0) && input.len() <= kvlab::resp::INLINE_MAX {
            assert_eq!(whole, pieces);
        }
        let mut out = Vec::new();
        for argv in &whole.0 {
            kvlab::resp::encode(
                &kvlab::engine::Reply::Array(
                    argv.iter()
                        .map(|a| kvlab::engine::Reply::Bulk(a.clone()))
                        .collect(),
                ),
                2,
                &mut out,
            );
        }
        // What we read, written back as multibulk requests, reads the same.
        assert_eq!(feed(&out, out.len().max(1)).0, whole.0);
    }
}

/// The engine on sequences of random commands. The bytes drive a generator that knows
/// the command table: it picks a command or subcommand, gives it about its arity in
/// arguments, drawn from a small keyspace (so types collide), numbers at the edges,
/// the option words of the command's own syntax, and odd bytes. Three clients share
/// the engine; the clock moves and the active expire cycle runs now and then.
///
/// Never a panic, and after every command the running memory sums equal a recount.
pub mod engine {

    use kvlab::engine::table::{self, CommandSpec};
    use kvlab::engine::{Engine, ManualClock};

    /// Commands that would only spend the fuzzer's time: PFSELFTEST runs for seconds,
    /// DEBUG is refused natively anyway, SHUTDOWN-like ones do not exist here.
    const SKIP: &[&str] = &["pfselftest", "debug", "monitor"];

    const KEYS: &[&[u8]] = &[b"k0", b"k1", b"k2", b"{t}a", b"{t}b", b"", b"k\x00\xff"];
    const NUMBERS: &[&[u8]] = &[
        b"0",
        b"1",
        b"2",
        b"3",
        b"5",
        b"10",
        b"100",
        b"-1",
        b"-2",
        b"-100",
        b"1.5",
        b"-0.5",
        b"inf",
        b"-inf",
        b"+inf",
        b"nan",
        b"1e3",
        b"9223372036854775807",
        b"-9223372036854775808",
        b"9223372036854775808",
        b"18446744073709551615",
        b"0x10",
        b" 1",
        b"01",
        b"",
    ];
    const ODD: &[&[u8]] = &[
        b"*",
        b"$",
        b"+",
        b"-",
        b"(1",
        b"[a",
        b"(a",
        b"0-0",
        b"0-1",
        b"1-1",
        b"*",
        b">",
        b"~",
        b"=",
        b"#",
        b"?",
        b"h*llo",
        b"[",
        b"\\",
        b"\xff\xfe",
        b"a b",
        b"\r\n",
        b"%R~*",
        b"return 1",
        b"return redis.call('get', KEYS[1])",
        b"return redis.pcall('incr', KEYS[1])",
        b"error(",
        b"return {1,2,{3,'x'}}",
        b"#!lua name=lib\nredis.register_function('f', function(k, a) return 1 end)",
        b"u8",
        b"i16",
        b"#1",
        b"GET",
        b"SET",
        b"OBJECT",
    ];

    struct Src<'a>(&'a [u8]);

    impl Src<'_> {
        fn byte(&mut self) -> u8 {
            match self.0.split_first() {
                Some((&b, rest)) => {
                    self.0 = rest;
                    b
                }
                None => 0,
            }
        }
        fn below(&mut self, n: usize) -> usize {
            if n == 0 {
                return 0;
            }
            let v = u16::from_le_bytes([self.byte(), self.byte()]) as usize;
            v % n
        }
        fn pick<'b>(&mut self, v: &[&'b [u8]]) -> &'b [u8] {
            v[self.below(v.len())]
        }
    }

    /// Every runnable command and subcommand, with the option words of its syntax line.
    fn catalogue() -> Vec<(&'static CommandSpec, Vec<&'static [u8]>)> {
        let mut out = Vec::new();
        for c in table::commands() {
            if SKIP.contains(&c.name) {
                continue;
            }
            let mut specs = vec![c];
            specs.extend(c.subcommands.iter());
            for s in specs {
                let words = s
                    .syntax
                    .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
                    .filter(|w| w.len() > 1 && w.bytes().all(|b| !b.is_ascii_lowercase()))
                    .map(str::as_bytes)
                    .collect();
                out.push((s, words));
            }
        }
        out
    }

    fn command(src: &mut Src, cat: &[(&'static CommandSpec, Vec<&'static [u8]>)]) -> Vec<Vec<u8>> {
        let (spec, words) = &cat[src.below(cat.len())];
        let mut argv: Vec<Vec<u8>> = Vec::new();
        match spec.container {
            Some(c) => {
                argv.push(c.as_bytes().to_vec());
                argv.push(spec.name.as_bytes().to_vec());
            }
            None => argv.push(spec.name.as_bytes().to_vec()),
        }
        let fixed = spec.arity.unsigned_abs() as usize;
        let mut n = fixed.saturating_sub(argv.len());
        if spec.arity < 0 {
            n += src.below(6);
        }
        // Now and then one argument too few or too many.
        match src.below(16) {
            0 => n = n.saturating_sub(1),
            1 => n += 1,
            _ => {}
        }
        for i in 0..n {
            let pos = argv.len();
            let is_key = spec.first_key > 0 && pos as i32 >= spec.first_key && i < 3;
            let arg: Vec<u8> = match (is_key, src.below(10)) {
                (true, 0..=6) => src.pick(KEYS).to_vec(),
                (_, 0..=2) => src.pick(NUMBERS).to_vec(),
                (_, 3..=4) if !words.is_empty() => words[src.below(words.len())].to_vec(),
                (_, 5) => src.pick(ODD).to_vec(),
                (_, 6) => {
                    let len = src.below(12);
                    (0..len).map(|_| src.byte()).collect()
                }
                (_, 7) => src.pick(KEYS).to_vec(),
                _ => format!("v{}", src.below(8)).into_bytes(),
            };
            argv.push(arg);
        }
        argv
    }

    pub fn check(data: &[u8]) {
        thread_local! {
            static CAT: Vec<(&'static CommandSpec, Vec<&'static [u8]>)> = catalogue();
        }
        CAT.with(|cat| {
            let clock = ManualClock::new(1_700_000_000_000);
            let mut e = Engine::new(Box::new(clock.clone()), 1);
            let ids = [
                e.connect("127.0.0.1:5001", "127.0.0.1:6379"),
                e.connect("127.0.0.1:5002", "127.0.0.1:6379"),
                e.connect("[::1]:5003", "[::1]:6379"),
            ];
            let mut src = Src(data);
            let mut steps = 0;
            while !src.0.is_empty() && steps < 64 {
                steps += 1;
                let id = ids[src.below(ids.len())];
                let argv = command(&mut src, cat);
                let _ = e.execute(id, &argv);
                if src.below(8) == 0 {
                    clock.advance(src.below(3000) as i64);
                    e.tick();
                }
                e.serve_blocked();
                e.expire_blocked();
                for id in ids {
                    e.take_pushes(id);
                    e.take_after_reply(id);
                    e.take_ready(id);
                }
                assert_eq!(
                    e.core.used_memory(),
                    e.core.used_memory_by_scan(),
                    "memory sums drifted after {:?}",
                    argv.iter()
                        .map(|a| String::from_utf8_lossy(a))
                        .collect::<Vec<_>>()
                );
            }
        });
    }
}

/// The RDB loader and RESTORE (fuzz target `rdb_load`): whatever the bytes, no panic, no
/// unbounded allocation, and a value that loads can be used (dumped, read, written to,
/// the probabilistic family's module values included) and saved and loaded again.
/// The first byte picks the mode: even, the rest is an RDB file body after "REDIS0010"
/// (EOF appended when missing); odd, a DUMP payload body. Checksums are computed for
/// the input so the parser is reached.
pub mod rdb {
    use kvlab::engine::util::crc64;
    use kvlab::engine::{Engine, ManualClock, Reply};

    fn exercise(e: &mut Engine, id: u64) {
        for db in 0..16 {
            e.exec_words(id, &format!("SELECT {db}"));
            let Reply::Array(keys) = e.exec_words(id, "KEYS *") else {
                continue;
            };
            for k in keys.into_iter().take(20) {
                let Reply::Bulk(k) = k else { continue };
                let k = String::from_utf8_lossy(&k).into_owned();
                if k.contains(char::is_whitespace) || k.is_empty() {
                    continue;
                }
                for cmd in [
                    "DUMP",
                    "TYPE",
                    "OBJECT ENCODING",
                    "MEMORY USAGE",
                    "LRANGE",
                    "SMEMBERS",
                    "ZRANGE",
                    "HGETALL",
                    "XRANGE",
                    "XINFO STREAM",
                    "LPOP",
                    "SPOP",
                    "ZPOPMIN",
                    "HDEL",
                    "XTRIM",
                ] {
                    let line = match cmd {
                        "LRANGE" | "ZRANGE" => format!("{cmd} {k} 0 -1"),
                        "XRANGE" => format!("{cmd} {k} - +"),
                        "XINFO STREAM" => format!("{cmd} {k} FULL"),
                        "HDEL" => format!("{cmd} {k} f"),
                        "XTRIM" => format!("{cmd} {k} MAXLEN 1"),
                        _ => format!("{cmd} {k}"),
                    };
                    e.exec_words(id, &line);
                }
                // The probabilistic family (module values): reads, and writes that grow,
                // delete, merge and compress what was loaded.
                for cmd in [
                    "BF.MADD {k} a b c d e f g h i j",
                    "BF.EXISTS {k} a",
                    "BF.INFO {k}",
                    "BF.DEBUG {k}",
                    "BF.CARD {k}",
                    "BF.SCANDUMP {k} 0",
                    "BF.SCANDUMP {k} 1",
                    "CF.ADD {k} a",
                    "CF.ADDNX {k} b",
                    "CF.DEL {k} a",
                    "CF.COUNT {k} b",
                    "CF.INFO {k}",
                    "CF.SCANDUMP {k} 0",
                    "CF.SCANDUMP {k} 1",
                    "CMS.INCRBY {k} a 1 b 4294967295",
                    "CMS.QUERY {k} a b",
                    "CMS.INFO {k}",
                    "CMS.MERGE {k} 2 {k} {k}",
                    "TOPK.ADD {k} a b c a",
                    "TOPK.INCRBY {k} a 1000",
                    "TOPK.LIST {k} WITHCOUNT",
                    "TOPK.QUERY {k} a",
                    "TOPK.COUNT {k} a",
                    "TOPK.INFO {k}",
                    "TDIGEST.ADD {k} 1 2 3",
                    "TDIGEST.QUANTILE {k} 0 0.5 1",
                    "TDIGEST.CDF {k} 1",
                    "TDIGEST.RANK {k} 2",
                    "TDIGEST.BYRANK {k} 0 1",
                    "TDIGEST.TRIMMED_MEAN {k} 0.1 0.9",
                    "TDIGEST.INFO {k}",
                    "TDIGEST.MERGE {k} 1 {k}",
                    "TDIGEST.MIN {k}",
                    "TDIGEST.RESET {k}",
                ] {
                    e.exec_words(id, &cmd.replace("{k}", &k));
                }
                e.exec_words(id, &format!("XADD {k} * f v"));
                e.exec_words(id, &format!("RPUSH {k} x"));
            }
        }
        let image = e.save_rdb();
        let mut again = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 1);
        again.load_rdb(&image).expect("what we save loads back");
    }

    pub fn check(data: &[u8]) {
        let Some((&mode, rest)) = data.split_first() else {
            return;
        };
        let mut e = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 1);
        let id = e.connect("fuzz:1", "fuzz:0");
        if mode & 1 == 0 {
            let mut file = b"REDIS0010".to_vec();
            file.extend_from_slice(rest);
            if !rest.ends_with(&[0xff]) {
                file.push(0xff);
            }
            let c = crc64(0, &file);
            file.extend_from_slice(&c.to_le_bytes());
            if e.load_rdb(&file).is_ok() {
                exercise(&mut e, id);
            }
        } else {
            let mut p = rest.to_vec();
            p.extend_from_slice(&10u16.to_le_bytes());
            let c = crc64(0, &p);
            p.extend_from_slice(&c.to_le_bytes());
            let argv = vec![b"RESTORE".to_vec(), b"k".to_vec(), b"0".to_vec(), p];
            if e.execute(id, &argv) == Reply::ok() {
                exercise(&mut e, id);
            }
        }
    }
}
