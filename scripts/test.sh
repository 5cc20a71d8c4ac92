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

say "wasm tests in headless Chromium (wasm-pack test)"
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver

say "release build (trunk)"
trunk build --release --offline
gz=$(gzip -9c dist/*.wasm | wc -c)
echo "wasm: $(stat -c %s dist/*.wasm) bytes raw, $gz bytes gzip"

say "Playwright end-to-end tests"
npx playwright test
