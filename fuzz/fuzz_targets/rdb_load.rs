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

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::rdb::check(data));
