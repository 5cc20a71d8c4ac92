//! The RESP request reader (`resp::RequestReader`): any bytes, never a panic, and input
//! cut into pieces anywhere reads as the same commands (or the same protocol error) as
//! input that arrives whole. The first byte picks the piece size.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::resp::check(data));
