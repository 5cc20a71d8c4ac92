# Shared by serve.sh, test.sh and bench.sh: install whatever is missing, from package
# registries only (rustup's wasm target, crates.io, Debian, npm). Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

TRUNK_VERSION=0.21.14
# Runs the wasm tests in headless Chromium with the system chromedriver and the pinned
# wasm-bindgen-cli found on PATH (it downloads nothing when both are there).
WASM_PACK_VERSION=0.15.1
CARGO_FUZZ_VERSION=0.13.2

say() { printf '\n== %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (apt)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

wasm_bindgen_version() {
  # The version Cargo.lock pins; the CLI must match it exactly.
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

ensure_web_toolchain() {
  command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
  if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    say "installing trunk $TRUNK_VERSION (crates.io)"
    cargo install --locked trunk --version "$TRUNK_VERSION"
  fi
  local wbv
  wbv="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$wbv"; then
    say "installing wasm-bindgen-cli $wbv (crates.io)"
    # Not --locked: its lockfile asks for a crate version the registry no longer has.
    cargo install wasm-bindgen-cli --version "$wbv"
  fi
  if ! wasm-pack --version 2>/dev/null | grep -q "$WASM_PACK_VERSION"; then
    say "installing wasm-pack $WASM_PACK_VERSION (crates.io)"
    cargo install --locked wasm-pack --version "$WASM_PACK_VERSION"
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/@playwright/test ]; then
    say "installing npm packages (binaryen for wasm-opt, Playwright)"
    npm ci --no-audit --no-fund
  fi
  cargo fetch --quiet
}

ensure_test_tools() {
  apt_install redis-server redis-tools chromium chromium-driver
}

# cargo-fuzz (libFuzzer) for the fuzz targets in fuzz/; they build on stable through
# RUSTC_BOOTSTRAP=1, which lets cargo-fuzz pass its -Z flags.
ensure_cargo_fuzz() {
  if ! command -v cargo-fuzz >/dev/null; then
    say "installing cargo-fuzz $CARGO_FUZZ_VERSION (crates.io)"
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  fi
}

# The benchmark scripts' comparison: for each test named, three alternating runs on
# redis-server ($RPORT, $rpid) and kvlab-server ($KPORT, $kpid) through the caller's
# `run PORT PID TEST` (which prints "requests/s cpu-µs-per-request"); the best run of
# each is kept. Prints one table row per test and leaves them all in $rows.
compare_servers() {
  rows=""
  local t best_r best_k cpu_r cpu_k r rc k kc line
  for t in "$@"; do
    best_r=0; best_k=0; cpu_r=0; cpu_k=0
    for _ in 1 2 3; do
      read -r r rc <<<"$(run "$RPORT" "$rpid" "$t")"
      read -r k kc <<<"$(run "$KPORT" "$kpid" "$t")"
      if awk -v a="$r" -v b="$best_r" 'BEGIN{exit !(a>b)}'; then best_r=$r; cpu_r=$rc; fi
      if awk -v a="$k" -v b="$best_k" 'BEGIN{exit !(a>b)}'; then best_k=$k; cpu_k=$kc; fi
    done
    line=$(awk -v t="$t" -v r="$best_r" -v k="$best_k" -v rc="$cpu_r" -v kc="$cpu_k" \
      'BEGIN{printf "| %s | %d | %d | %.2f× | %.2f | %.2f | %s |", t, r, k, k/r, rc, kc, (kc>0 ? sprintf("%.2f×", rc/kc) : "-")}')
    echo "$line"
    rows+="$line"$'\n'
  done
}

# Starts redis-server on $RPORT and the release kvlab-server on $KPORT (pids in $rpid and
# $kpid, both stopped when the script exits) and waits until both answer.
# BENCH_PROFILE=perf builds with the quicker-to-build profile (for trying changes; the
# figures in docs/ come from the release profile). Honours CARGO_TARGET_DIR.
start_bench_servers() {
  local profile=${BENCH_PROFILE:-release}
  cargo build --profile "$profile" --quiet --bin kvlab-server
  redis-server --port "$RPORT" --save "" --appendonly no >/dev/null 2>&1 &
  rpid=$!
  "${CARGO_TARGET_DIR:-target}/$profile/kvlab-server" --port "$KPORT" --save "" >/dev/null 2>&1 &
  kpid=$!
  trap 'kill $rpid $kpid 2>/dev/null' EXIT
  for p in $RPORT $KPORT; do
    for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
}

# Replaces the "## TITLE" section of docs/BENCHMARKS.md (kept before "## Browser") with
# the description read from stdin, then the comparison table in $rows; prints it.
write_bench_section() {
  local title=$1 desc
  desc=$(cat)
  {
    sed "/^## $title/,/^## /{/^## $title/d;/^## /!d}" docs/BENCHMARKS.md | sed '/^## Browser/,$d'
    echo "## $title"
    echo
    printf '%s\n' "$desc"
    echo
    echo "| test | redis-server req/s | kvlab-server req/s | kvlab / redis | redis µs CPU/req | kvlab µs CPU/req | CPU redis / kvlab |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$rows"
    echo
    sed -n '/^## Browser/,$p' docs/BENCHMARKS.md
  } > docs/BENCHMARKS.md.new
  mv docs/BENCHMARKS.md.new docs/BENCHMARKS.md
  sed -n "/^## $title/,/^## Browser/p" docs/BENCHMARKS.md
}
