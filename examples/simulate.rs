//! The memory panel's eviction simulator from the command line: replays one cache-aside
//! trace under every `maxmemory-policy` (or the ones named) and prints the hit rates.
//!
//!     cargo run --release --example simulate -- --maxmemory 1536kb --keys 5000 \
//!         --zipf 0.9 --reads 90 --ttl-pct 50 --ttl 300 --jitter 10 --value 400 \
//!         --requests 30000 --rate 1000 --seed 2026 [--policy allkeys-lru ...]
//!
//! Every flag is optional; the defaults are the panel's.

use std::rc::Rc;

use kvlab::sim::{trace, Op, Sim, SimConfig, POLICIES};

fn main() {
    let mut cfg = SimConfig {
        maxmemory: 1536 * 1024,
        requests: 30_000,
        ..SimConfig::default()
    };
    let mut policies: Vec<String> = Vec::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let [flag, value] = pair else {
            eprintln!("{} needs a value", pair[0]);
            std::process::exit(2);
        };
        let num = || -> f64 {
            value.parse().unwrap_or_else(|_| {
                eprintln!("{flag}: not a number: {value}");
                std::process::exit(2)
            })
        };
        match flag.as_str() {
            "--maxmemory" => {
                cfg.maxmemory = kvlab::engine::util::parse_memory(value.as_bytes())
                    .filter(|&b| b > 0)
                    .unwrap_or_else(|| {
                        eprintln!("--maxmemory: not a size: {value}");
                        std::process::exit(2)
                    }) as u64
            }
            "--policy" => policies.push(value.clone()),
            "--keys" => cfg.keys = num() as usize,
            "--zipf" => cfg.zipf_s = num(),
            "--reads" => cfg.read_pct = num() as u32,
            "--ttl-pct" => cfg.ttl_pct = num() as u32,
            "--ttl" => cfg.ttl_secs = num() as u64,
            "--jitter" => cfg.jitter_pct = num() as u32,
            "--value" => cfg.value_bytes = num() as usize,
            "--requests" => cfg.requests = num() as usize,
            "--rate" => cfg.rate = num() as u32,
            "--seed" => cfg.seed = num() as u64,
            _ => {
                eprintln!("unknown flag {flag}");
                std::process::exit(2);
            }
        }
    }
    if policies.is_empty() {
        policies = POLICIES.iter().map(|p| p.to_string()).collect();
    }
    let ops: Rc<[Op]> = trace(&cfg).into();
    println!("{cfg:?}\n");
    println!("| policy | hit rate | evicted | OOM errors | keys at end |");
    println!("|---|---:|---:|---:|---:|");
    for policy in policies {
        let run = SimConfig {
            policy: policy.clone(),
            ..cfg.clone()
        };
        let mut sim = match Sim::new(run, ops.clone()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{policy}: {e}");
                std::process::exit(2);
            }
        };
        while !sim.step(10_000) {}
        println!(
            "| {policy} | {:.1}% | {} | {} | {} |",
            sim.hit_rate(),
            sim.evicted(),
            sim.oom,
            sim.engine.core.dbs[0].keys.len()
        );
    }
}
