//! A connection that speaks RESP, and a description of a keyspace key by key (type,
//! encoding, contents, TTL) for comparing two servers: shared by the persistence tests
//! (DUMP/RESTORE and RDB files in tests/persist.rs, AOF directories in tests/aof.rs).

use std::io::{BufReader, Write};
use std::net::TcpStream;

pub struct Conn {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Conn {
    pub fn new(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        Conn {
            w: s.try_clone().unwrap(),
            r: BufReader::new(s),
        }
    }

    pub fn raw<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Vec<u8> {
        self.w.write_all(&super::encode(argv)).unwrap();
        let mut out = Vec::new();
        super::read_reply(&mut self.r, &mut out).unwrap();
        out
    }

    pub fn cmd(&mut self, line: &str) -> Vec<u8> {
        let argv: Vec<&str> = line.split_whitespace().collect();
        self.raw(&argv)
    }

    /// A bulk reply's payload (None for a nil).
    pub fn bulk<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Option<Vec<u8>> {
        let r = self.raw(argv);
        if r.starts_with(b"$-1") {
            return None;
        }
        assert_eq!(
            r[0],
            b'$',
            "not a bulk reply: {}",
            String::from_utf8_lossy(&r)
        );
        let nl = r.windows(2).position(|w| w == b"\r\n").unwrap();
        Some(r[nl + 2..r.len() - 2].to_vec())
    }

    /// The lines of a flat array reply's items (sorted when the order is the table's).
    pub fn items(&mut self, line: &str, sorted: bool) -> Vec<String> {
        let r = String::from_utf8_lossy(&self.cmd(line)).into_owned();
        let mut v: Vec<String> = r
            .split("\r\n")
            .filter(|l| !l.starts_with('$') && !l.starts_with('*'))
            .map(String::from)
            .collect();
        if sorted {
            v.sort();
        }
        v
    }

    pub fn keys(&mut self) -> Vec<String> {
        self.items("KEYS *", true)
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect()
    }
}

/// Everything observable about one key, in a form both servers must print alike. A
/// string's encoding is left out unless `string_enc`: loading re-encodes a string as
/// SET would (PFADD's raw string comes back embstr, on both servers).
pub fn describe(c: &mut Conn, key: &str, string_enc: bool) -> String {
    let t = String::from_utf8_lossy(&c.cmd(&format!("TYPE {key}"))).into_owned();
    let mut enc = String::from_utf8_lossy(&c.cmd(&format!("OBJECT ENCODING {key}"))).into_owned();
    if t.trim() == "+string" && !string_enc {
        enc = "(string)".into();
    }
    let ttl = String::from_utf8_lossy(&c.cmd(&format!("PTTL {key}"))).into_owned();
    let has_ttl = !ttl.starts_with(":-");
    let body = match t.trim() {
        "+string" => vec![String::from_utf8_lossy(&c.cmd(&format!("GET {key}"))).into_owned()],
        "+list" => c.items(&format!("LRANGE {key} 0 -1"), false),
        "+set" => c.items(&format!("SMEMBERS {key}"), true),
        "+zset" => c.items(&format!("ZRANGE {key} 0 -1 WITHSCORES"), false),
        "+hash" => {
            let v = c.items(&format!("HGETALL {key}"), false);
            let mut pairs: Vec<String> = v.chunks(2).map(|p| p.join("=")).collect();
            pairs.sort();
            pairs
        }
        "+stream" => {
            let mut v = c.items(&format!("XRANGE {key} - +"), false);
            v.push(
                String::from_utf8_lossy(&c.cmd(&format!("XINFO STREAM {key} FULL"))).into_owned(),
            );
            v
        }
        other => panic!("unexpected type {other} for {key}"),
    };
    format!(
        "{key} {} {} ttl:{has_ttl}\n{}",
        t.trim(),
        enc.trim(),
        body.join("\n")
    )
}

/// The dataset: every type and encoding, TTLs, consumer groups with pending entries.
pub fn dataset() -> Vec<String> {
    let mut c: Vec<String> = vec![
        "SET s:int 12345".into(),
        "SET s:neg -9223372036854775808".into(),
        "SET s:emb hello".into(),
        format!("SET s:raw {}", "r".repeat(100)),
        format!("SET s:lzf {}", "abcabcabd".repeat(40)),
        "SET s:ttl volatile EX 1000".into(),
        "PFADD s:hll a b c d e".into(),
        "SETBIT s:bits 1000 1".into(),
        "RPUSH l:small a 1 b 2 c -3".into(),
        "SADD set:int 1 2 3 -5 70000".into(),
        "SADD set:str a b c d".into(),
        "ZADD z:lp 1 a 2.5 b -3 c inf d".into(),
        "HSET h:lp f1 v1 f2 2".into(),
        format!("HSET h:long f {}", "v".repeat(100)),
        "XADD x:plain 1-1 a 1".into(),
        "XADD x:plain 2-1 a 2 b 3".into(),
        "XADD x:g 1-0 f v".into(),
        "XADD x:g 2-0 f w".into(),
        "XADD x:g 3-0 g x".into(),
        "XADD x:g 4-0 f y".into(),
        "XDEL x:g 2-0".into(),
        "XGROUP CREATE x:g grp 0".into(),
        "XGROUP CREATE x:g empty $".into(),
        "XREADGROUP GROUP grp alice COUNT 2 STREAMS x:g >".into(),
        "XREADGROUP GROUP grp bob COUNT 1 STREAMS x:g >".into(),
        "XACK x:g grp 1-0".into(),
        "XGROUP CREATECONSUMER x:g grp carol".into(),
        "PEXPIRE x:g 5000000".into(),
    ];
    let mut big = String::from("RPUSH l:big");
    for i in 0..3000 {
        big.push_str(&format!(" item{i}-{}", "x".repeat(i % 40)));
    }
    c.push(big);
    c.push("LINSERT l:big BEFORE item1500- inserted".into());
    c.push("LREM l:big 0 item7-xxxxxxx".into());
    let mut s = String::from("SADD set:ht");
    for i in 0..600 {
        s.push_str(&format!(" {i}"));
    }
    c.push(s);
    let mut s = String::from("SADD set:htstr");
    for i in 0..100 {
        s.push_str(&format!(" m{i}"));
    }
    c.push(s);
    let mut z = String::from("ZADD z:sl");
    for i in 0..300 {
        z.push_str(&format!(" {}.{} member{i}", i * 3, i % 10));
    }
    c.push(z);
    let mut h = String::from("HSET h:ht");
    for i in 0..300 {
        h.push_str(&format!(" field{i} value{}", i * 7));
    }
    c.push(h);
    for i in 0..250 {
        c.push(format!(
            "XADD x:big {}-{} n {i} v s{}",
            1000 + i / 3,
            i % 3,
            "s".repeat(i % 50)
        ));
    }
    c.push("XTRIM x:big MINID 1010".into());
    c
}

pub fn load(c: &mut Conn, cmds: &[String]) {
    for line in cmds {
        let r = c.cmd(line);
        assert!(
            !r.starts_with(b"-"),
            "{line}: {}",
            String::from_utf8_lossy(&r)
        );
    }
}
/// Unix-millisecond integers (`:1796162713944`) replaced by `:<ms>`.
pub fn mask_times(s: &str) -> String {
    s.split("\r\n")
        .map(|l| {
            let digits = l.strip_prefix(':').unwrap_or("");
            if digits.len() == 13 && digits.bytes().all(|b| b.is_ascii_digit()) {
                ":<ms>"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Compares two descriptions, showing the first differing line on failure.
pub fn assert_same(a: &str, b: &str) {
    if a != b {
        let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        let i = la
            .iter()
            .zip(&lb)
            .position(|(x, y)| x != y)
            .unwrap_or(la.len().min(lb.len()));
        panic!(
            "differ at line {i}:\n  {:?}\n  {:?}\n(first lines: {:?} / {:?})",
            la.get(i),
            lb.get(i),
            la.first(),
            lb.first()
        );
    }
}
