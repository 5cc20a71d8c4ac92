//! The engine on sequences of random commands. The bytes drive a generator that knows
//! the command table: it picks a command or subcommand, gives it about its arity in
//! arguments, drawn from a small keyspace (so types collide), numbers at the edges,
//! the option words of the command's own syntax, and odd bytes. Three clients share
//! the engine; the clock moves and the active expire cycle runs now and then.
//!
//! Never a panic, and after every command the running memory sums equal a recount.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::engine::check(data));
