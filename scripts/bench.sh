#!/usr/bin/env bash
# Benchmarks kvlab-server against redis-server in the same run, with redis-benchmark on
# loopback, and writes docs/BENCHMARKS.md. Usage: bash scripts/bench.sh [requests]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_test_tools
N="${1:-500000}"
ARGS=(-t set,get -P 16 -c 50 -n "$N" -r 100000 --csv)

cargo build --release --quiet --bin kvlab-server
RPORT=16379 KPORT=16380
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
RPID=$!
target/release/kvlab-server --port $KPORT >/dev/null 2>&1 &
KPID=$!
trap 'kill $RPID $KPID 2>/dev/null || true' EXIT
for p in $RPORT $KPORT; do
  for _ in $(seq 50); do redis-cli -p $p ping >/dev/null 2>&1 && break; sleep 0.1; done
done

run() { redis-benchmark -p "$1" "${ARGS[@]}" | tr -d '"' | awk -F, -v who="$2" 'NR>1 {print who, $1, $2}'; }
# Alternate the servers three times and keep each one's best figure per test, so neither
# is favoured by what else the machine was doing at that moment.
results=$(for round in 1 2 3; do run $RPORT redis; run $KPORT kvlab; done)
best() { echo "$results" | awk -v who="$1" -v t="$2" '$1==who && $2==t && $3>m {m=$3} END {print m+0}'; }
tests=$(echo "$results" | awk '{print $2}' | sort -u)

ensure_web_toolchain
trunk build --release --offline >/dev/null 2>&1
wasm_raw=$(stat -c %s dist/*.wasm); wasm_gz=$(gzip -9c dist/*.wasm | wc -c)
# Enter to rendered reply in headless Chromium with 100k keys (the e2e test prints it).
latency=$(npx playwright test -g "100k keys" 2>&1 | grep -o 'Enter to rendered reply with 100k keys: .*' || echo "not measured")

{
  echo "# Benchmarks"
  echo
  echo "Produced by \`bash scripts/bench.sh $N\` on $(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(redis-server --version | awk '{print $1, $2, $3}'), kvlab-server release build."
  echo "Both servers run in the same session on loopback; each figure is the best of three"
  echo "alternating runs of:"
  echo
  echo '```'
  echo "redis-benchmark -p PORT ${ARGS[*]}"
  echo '```'
  echo
  echo "| test | redis-server req/s | kvlab-server req/s | kvlab / redis |"
  echo "|---|---:|---:|---:|"
  for t in $tests; do
    r=$(best redis "$t"); k=$(best kvlab "$t")
    printf '| %s | %.0f | %.0f | %.2f× |\n' "$t" "$r" "$k" "$(awk "BEGIN{print $k/$r}")"
  done
  echo
  echo "## Browser bundle"
  echo
  echo "Release build (\`trunk build --release\`, wasm-opt -Oz): ${wasm_raw} bytes of wasm,"
  echo "${wasm_gz} bytes gzipped (\`gzip -9\`)."
  echo
  echo "## Browser latency"
  echo
  echo "Measured in headless Chromium by \`npx playwright test -g \"100k keys\"\` (after"
  echo "\`DEBUG POPULATE 100000\`, five GETs; the time from the Enter keydown to the effect that"
  echo "runs once the reply is in the DOM):"
  echo
  echo "    ${latency}"
} > docs/BENCHMARKS.md
cat docs/BENCHMARKS.md
