#!/usr/bin/env bash
# Runs the three cargo-fuzz targets (fuzz/) for SECONDS each (default 300), one after
# the other, on stable Rust (RUSTC_BOOTSTRAP=1 lets it take cargo-fuzz's -Z flags) or
# nightly. Installs cargo-fuzz from crates.io if it is missing. The growing corpus is
# kept in fuzz/corpus/ (not committed); crashes land in fuzz/artifacts/. Prints each
# run's execution count; docs/FUZZING.md records the last ones.
# Usage: bash scripts/fuzz.sh [SECONDS] [TARGET ...]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECONDS_EACH="${1:-300}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(console_tokenizer resp_parser engine_commands)
ensure_cargo_fuzz
export RUSTC_BOOTSTRAP=1
cd fuzz
# -a: debug assertions and overflow checks; no sanitizer (the engine is safe Rust).
cargo fuzz build -O -a -s none
for t in "${TARGETS[@]}"; do
  say "fuzzing $t for ${SECONDS_EACH}s"
  mkdir -p "corpus/$t" artifacts
  cargo fuzz run -O -a -s none "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -timeout=30 \
    -print_final_stats=1 -artifact_prefix=artifacts/ 2>&1 \
    | grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)|panicked|SUMMARY|ERROR'
done
