//! redis-cli's tokenizer (`console::split_args`): any bytes, never a panic; what it
//! returns, printed back the way redis-cli would quote each argument, tokenizes to
//! the same arguments.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::tokenizer::check(data));
