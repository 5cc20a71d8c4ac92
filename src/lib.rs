//! KV Lab: a Redis 7.0-compatible playground.
//!
//! * [`engine`]: the keyspace and every command, pure Rust, deterministic.
//! * [`console`]: redis-cli's tokenizer and reply printer.
//! * [`resp`]: the wire protocol, for `kvlab-server`.
//! * `ui` (wasm only): the Yew app.

pub mod console;
pub mod engine;
pub mod resp;
pub mod sim;

#[cfg(target_arch = "wasm32")]
pub mod ui;
