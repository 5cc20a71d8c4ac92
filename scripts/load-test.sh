#!/usr/bin/env bash
# Load and attack, full size, against redis-server and kvlab-server in the same run
# (tests/load.rs, in release mode): 1,000 and, if `ulimit -n` allows, 10,000 concurrent
# clients; malformed requests; clients vanishing mid-command; a slow reader of big
# replies; a pipeline of 1,000,000 commands. Writes the RSS tables to docs/LOAD.md.
# Usage: bash scripts/load-test.sh        (PROFILE=debug for a quicker build)
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

PROFILE="${PROFILE:-release}"
CARGO_PROFILE=()
[ "$PROFILE" = release ] && CARGO_PROFILE=(--release)
OUT=docs/LOAD.md
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
{
  echo "# Load and attack: kvlab-server beside redis-server"
  echo
  echo "Written by \`bash scripts/load-test.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(redis-server --version | grep -o 'v=[0-9.]*'), kvlab-server $PROFILE build). Both"
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
    cargo test "${CARGO_PROFILE[@]}" --quiet --test load -- --nocapture --test-threads 1 2>&1 \
    | tee /dev/stderr | sed -n '/^| phase/,/^test result/p' | grep -v '^test \|^$' > "$TMP.run"
  {
    echo "## $n concurrent clients"
    echo
    grep '^|' "$TMP.run"
    echo
    grep -v '^|' "$TMP.run" | grep -v '^\.*$' | sed 's/^/    /'
    echo
  } >> "$TMP"
done
rm -f "$TMP.run"
cat >> "$TMP" <<'TEXT'
## Reading the tables

- Every client is answered by both, and the malformed requests get the same bytes from
  both (the notes above, compared by the test).
- A client costs kvlab-server about twice what it costs redis-server (the 10,000-client
  row, less the start row, over 10,000): a connection here is a tokio task with its
  future, a wake-up handle and the engine's client record; input and output buffers
  are allocated only while a request or reply is in flight. What the allocator
  (mimalloc) keeps after clients leave is reused, and given back to the system later
  (see the rows that follow).
- A slow reader: redis-server builds every reply it was asked for in its output list
  (50 × 10 MB, no limit for normal clients by default) while kvlab-server stops reading
  a client's requests while that client's replies wait, and sends a long pipeline's
  replies in 1 MB pieces, so it holds about one reply.
- Announcing a 512 MB bulk, or a 1 GB one, costs neither server anything: nothing is
  allocated before the bytes arrive (the 1 GB one is refused as over
  proto-max-bulk-len).
TEXT
mv "$TMP" "$OUT"
trap - EXIT
say "wrote $OUT"
