#!/usr/bin/env bash
# Runs every test (installs what is missing): formatting and lints, native unit tests,
# the differential suite against the real redis-server, kvlab-server integration tests,
# wasm-bindgen tests in headless Chromium, and Playwright end-to-end tests on the
# release build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_web_toolchain
ensure_test_tools

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

say "native tests: unit, differential (vs redis-server $(redis-server --version | awk '{print $3}')), server integration"
cargo test --quiet -- --nocapture 2>&1 | grep -v '^$'
test "${PIPESTATUS[0]}" -eq 0

# A short libFuzzer run of each target (fuzz/, docs/FUZZING.md): a fixed number of
# executions, not a time, so it asks the same of any machine; a fixed seed, so a failure
# comes back when run again. It starts from a copy of the kept corpus (fuzz/seeds/, which
# the run never grows); a crash fails the run and leaves its input in fuzz/artifacts/.
say "fuzz targets: cargo fuzz, a fixed number of executions each"
ensure_cargo_fuzz
(
  export RUSTC_BOOTSTRAP=1
  cd fuzz
  # Executions per target: each well under a minute on CI's two cores.
  declare -A runs=([console_tokenizer]=200000 [resp_parser]=100000 [engine_commands]=10000)
  for t in console_tokenizer resp_parser engine_commands; do
    cargo fuzz build -O -a -s none "$t"
  done
  for t in console_tokenizer resp_parser engine_commands; do
    corpus=$(mktemp -d)
    cp "seeds/$t"/* "$corpus"/
    mkdir -p artifacts
    if ! cargo fuzz run -O -a -s none "$t" "$corpus" -- -runs="${runs[$t]}" -seed=1 \
      -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=artifacts/ \
      >"$corpus.log" 2>&1; then
      tail -n 40 "$corpus.log"
      echo "fuzz target $t failed: its input is in fuzz/artifacts/"
      exit 1
    fi
    echo "$t: $(grep -m1 '^Done' "$corpus.log"), no crash"
    rm -rf "$corpus" "$corpus.log"
  done
)

say "wasm tests in headless Chromium (wasm-pack test)"
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver

say "release build (trunk)"
trunk build --release --offline
gz=$(gzip -9c dist/*.wasm | wc -c)
echo "wasm: $(stat -c %s dist/*.wasm) bytes raw, $gz bytes gzip"

say "Playwright end-to-end tests"
npx playwright test
