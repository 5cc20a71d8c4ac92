#!/usr/bin/env bash
# Load and attack, full size, against redis-server and kvlab-server in the same run
# (tests/load.rs, in release mode): 1,000 and, if `ulimit -n` allows, 10,000 concurrent
# clients; malformed requests; clients vanishing mid-command; a slow reader of big
# replies; a pipeline of 1,000,000 commands. Writes the RSS tables to docs/LOAD.md.
# Usage: bash scripts/load-test.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
apt_install redis-server redis-tools

# As many descriptors as allowed: each side of 10,000 connections needs one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FDS=$(ulimit -n)
SIZES=(1000)
if [ "$FDS" != unlimited ] && [ "$FDS" -lt 10200 ]; then
  echo "ulimit -n is $FDS: the 10,000-client run is skipped"
else
  SIZES+=(10000)
fi

OUT=docs/LOAD.md
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
{
  echo "# Load and attack: kvlab-server beside redis-server"
  echo
  echo "Written by \`bash scripts/load-test.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(redis-server --version | grep -o 'v=[0-9.]*'), kvlab-server release build). Both"
  echo "servers get the same clients and requests in the same run (\`tests/load.rs\`); every"
  echo "figure is the server's resident memory (VmRSS from /proc/PID/status) after the phase."
  echo "Every good client was answered by both servers and both kept running; after each"
  echo "phase connected_clients fell back to 1 (what bad clients held was given back)."
  echo
} > "$TMP"
for n in "${SIZES[@]}"; do
  say "load test: $n clients"
  KVLAB_LOAD_CLIENTS=$n KVLAB_LOAD_PIPELINE=1000000 KVLAB_LOAD_BIG_MB=10 \
    KVLAB_LOAD_BIG_COUNT=50 KVLAB_LOAD_VANISH=2000 \
    cargo test --release --quiet --test load -- --nocapture --test-threads 1 2>&1 \
    | tee /dev/stderr | sed -n '/^| phase/,/^test result/p' | grep -v '^test \|^$' > "$TMP.run"
  {
    echo "## $n concurrent clients"
    echo
    grep '^|' "$TMP.run"
    echo
    grep -v '^|' "$TMP.run" | sed 's/^/    /'
    echo
  } >> "$TMP"
done
rm -f "$TMP.run"
mv "$TMP" "$OUT"
trap - EXIT
say "wrote $OUT"
