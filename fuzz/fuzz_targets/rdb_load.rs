//! Fuzzes the RDB loader and RESTORE: whatever the bytes, no panic, no unbounded
//! allocation, and a value that loads can be used (dumped, read, written to, the
//! probabilistic family's module values included).
//!
//! The first byte picks the mode; the checksum is computed for the input, so the fuzzer
//! reaches the parser instead of stopping at the CRC check:
//! - even: the rest is an RDB file body after "REDIS0010"; EOF and CRC are appended
//!   when missing (the CRC is fixed up either way).
//! - odd: the rest is a DUMP payload body; RDB version and CRC are appended.
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run rdb_load -- -max_total_time=60`

#![no_main]

use kvlab::engine::util::crc64;
use kvlab::engine::{Engine, ManualClock, Reply};
use libfuzzer_sys::fuzz_target;

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
                "DUMP", "TYPE", "OBJECT ENCODING", "MEMORY USAGE", "LRANGE", "SMEMBERS",
                "ZRANGE", "HGETALL", "XRANGE", "XINFO STREAM", "LPOP", "SPOP", "ZPOPMIN",
                "HDEL", "XTRIM",
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
                "BF.MADD {k} a b c d e f g h i j", "BF.EXISTS {k} a", "BF.INFO {k}",
                "BF.DEBUG {k}", "BF.CARD {k}", "BF.SCANDUMP {k} 0", "BF.SCANDUMP {k} 1",
                "CF.ADD {k} a", "CF.ADDNX {k} b", "CF.DEL {k} a", "CF.COUNT {k} b",
                "CF.INFO {k}", "CF.SCANDUMP {k} 0", "CF.SCANDUMP {k} 1",
                "CMS.INCRBY {k} a 1 b 4294967295", "CMS.QUERY {k} a b", "CMS.INFO {k}",
                "CMS.MERGE {k} 2 {k} {k}", "TOPK.ADD {k} a b c a", "TOPK.INCRBY {k} a 1000",
                "TOPK.LIST {k} WITHCOUNT", "TOPK.QUERY {k} a", "TOPK.COUNT {k} a",
                "TOPK.INFO {k}", "TDIGEST.ADD {k} 1 2 3", "TDIGEST.QUANTILE {k} 0 0.5 1",
                "TDIGEST.CDF {k} 1", "TDIGEST.RANK {k} 2", "TDIGEST.BYRANK {k} 0 1",
                "TDIGEST.TRIMMED_MEAN {k} 0.1 0.9", "TDIGEST.INFO {k}",
                "TDIGEST.MERGE {k} 1 {k}", "TDIGEST.MIN {k}", "TDIGEST.RESET {k}",
            ] {
                e.exec_words(id, &cmd.replace("{k}", &k));
            }
            e.exec_words(id, &format!("XADD {k} * f v"));
            e.exec_words(id, &format!("RPUSH {k} x"));
        }
    }
    let image = e.save_rdb();
    let mut again = Engine::new(Box::new(ManualClock::new(1_700_000_000_000)), 1);
    again
        .load_rdb(&image)
        .expect("what we save loads back");
}

fuzz_target!(|data: &[u8]| {
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
});
