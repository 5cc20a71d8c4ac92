//! KV Lab: a Redis 7.0-compatible playground.
//!
//! * [`engine`]: the keyspace and every command, pure Rust, deterministic.
//! * [`console`]: redis-cli's tokenizer and reply printer.
//! * [`lessons`]: the guided lessons (data in `lessons/*.toml`) and their checks.
//! * [`resp`]: the wire protocol, for `kvlab-server`.
//! * [`rdb_explore`]: what a dump.rdb holds (types, big keys, memory by prefix).
//! * [`workload`]: the command mix the browser and native benchmarks share.
//! * `ui` (wasm only): the Yew app.

pub mod base64;
pub mod compare;
pub mod console;
pub mod engine;
pub mod lessons;
pub mod rdb_explore;
pub mod resp;
pub mod sim;
pub mod workload;

#[cfg(target_arch = "wasm32")]
pub mod ui;
