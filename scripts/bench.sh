#!/usr/bin/env bash
# Benchmarks kvlab-server against redis-server in the same run with redis-benchmark on
# loopback, measures the browser build (scripts/bench-browser.sh), and writes docs/BENCHMARKS.md.
# Usage: bash scripts/bench.sh [requests per case]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_test_tools
N="${1:-500000}"
COMMON=(-P 16 -c 50 --csv)

cargo build --release --quiet --bin kvlab-server
RPORT=16379 KPORT=16380
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
RPID=$!
"${CARGO_TARGET_DIR:-target}/release/kvlab-server" --port $KPORT --save "" >/dev/null 2>&1 &
KPID=$!
trap 'kill $RPID $KPID 2>/dev/null || true' EXIT
for p in $RPORT $KPORT; do
  for _ in $(seq 50); do redis-cli -p $p ping >/dev/null 2>&1 && break; sleep 0.1; done
done

# Data the cases read: three dense HyperLogLogs of 20 000 elements each.
setup() {
  for k in 1 2 3; do
    seq 1 20000 | sed "s/^/e$k:/" | xargs -n 1000 | sed "s/^/PFADD hll:d$k /"
  done | redis-cli -p "$1" >/dev/null
  redis-cli -p "$1" pfadd hll:bench seed >/dev/null
  # A leaderboard of 1 000 000 members m:000000000000 … m:000000999999, score = index.
  seq 0 999999 | awk '{printf "%d m:%012d ", $1, $1} NR % 1000 == 0 {print ""}' \
    | sed 's/^/ZADD lb /' | redis-cli -p "$1" >/dev/null
  # 1 000 000 points p:000000000000 … scattered over the globe (same seed on both servers).
  awk 'BEGIN { srand(7); for (i = 0; i < 1000000; i++) {
         if (i % 1000 == 0) printf "\nGEOADD geo:pts";
         printf " %.6f %.6f p:%012d", rand() * 360 - 180, rand() * 170 - 85, i } print "" }' \
    | redis-cli -p "$1" >/dev/null
  # Two 1 MB bitmaps (8 388 608 bits) with a regular pattern of set bits.
  for k in a b; do
    redis-cli -p "$1" setbit "bm:$k" 8388607 1 >/dev/null
    seq 0 997 8388607 | sed "s/^/SETBIT bm:$k /; s/\$/ 1/" | redis-cli -p "$1" >/dev/null
  done
}
setup $RPORT
setup $KPORT

# name | requests (- for the default) | redis-benchmark arguments
CASES=(
  "SET|-|-r 100000 -t set"
  "GET|-|-r 100000 -t get"
  "PFADD (random elements)|-|-r 100000 PFADD hll:bench __rand_int__"
  "PFCOUNT (1 key)|-|PFCOUNT hll:bench"
  "PFCOUNT (3 dense keys)|50000|PFCOUNT hll:d1 hll:d2 hll:d3"
  "PFMERGE (3 dense keys)|50000|PFMERGE hll:dst hll:d1 hll:d2 hll:d3"
  "SETBIT (1 MB bitmap)|-|SETBIT bm:a 4194301 1"
  "GETBIT (1 MB bitmap)|-|GETBIT bm:a 7340031"
  "BITCOUNT (1 MB)|20000|BITCOUNT bm:a"
  "BITOP AND (two 1 MB)|5000|BITOP AND bm:dst bm:a bm:b"
  "ZADD (random members)|-|-r 1000000 ZADD zs:bench __rand_int__ m:__rand_int__"
  "ZINCRBY (1M members)|-|-r 1000000 ZINCRBY lb 1 m:__rand_int__"
  "ZRANK (1M members)|-|-r 1000000 ZRANK lb m:__rand_int__"
  "ZRANGE 0 99 WITHSCORES (1M)|100000|ZRANGE lb 0 99 WITHSCORES"
  "ZRANGEBYSCORE, 100 results (1M)|100000|ZRANGEBYSCORE lb 500000 500099"
  "GEOADD|-|-r 1000000 GEOADD geo:bench 13.361389 38.115556 m:__rand_int__"
  "GEOPOS (1M points)|-|-r 1000000 GEOPOS geo:pts p:__rand_int__"
  "GEODIST (1M points)|-|-r 1000000 GEODIST geo:pts p:__rand_int__ p:000000000001 km"
  "GEOSEARCH 50 km COUNT 10 (1M points)|100000|GEOSEARCH geo:pts FROMLONLAT 13.36 38.11 BYRADIUS 50 km COUNT 10"
)

rps() {  # port, args...
  local port=$1; shift
  # shellcheck disable=SC2086
  redis-benchmark -p "$port" "${COMMON[@]}" $* | tr -d '"' | awk -F, 'NR>1 {print $2; exit}'
}

rows=""
for c in "${CASES[@]}"; do
  IFS='|' read -r name n args <<<"$c"
  [ "$n" = "-" ] && n=$N
  args="-n $n $args"
  # Alternate the servers three times and keep each one's best figure, so neither is
  # favoured by what else the machine was doing at that moment.
  best_r=0; best_k=0
  for _ in 1 2 3; do
    r=$(rps $RPORT "$args"); k=$(rps $KPORT "$args")
    best_r=$(awk -v a="$best_r" -v b="$r" 'BEGIN{print (b>a)?b:a}')
    best_k=$(awk -v a="$best_k" -v b="$k" 'BEGIN{print (b>a)?b:a}')
  done
  rows+=$(printf '| %s | `%s` | %.0f | %.0f | %.2f× |' "$name" "$args" "$best_r" "$best_k" "$(awk -v k="$best_k" -v r="$best_r" 'BEGIN{print k/r}')")$'\n'
  echo "$name: redis $best_r, kvlab $best_k"
done

# Eviction: fresh servers limited to 4 MB under allkeys-lru, so that once full every SET
# evicts (sampling, the eviction pool, deleting) before it runs.
kill $RPID $KPID 2>/dev/null || true
wait $RPID $KPID 2>/dev/null || true
EVICT=(--maxmemory 4mb --maxmemory-policy allkeys-lru)
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no "${EVICT[@]}" >/dev/null &
RPID=$!
"${CARGO_TARGET_DIR:-target}/release/kvlab-server" --port $KPORT --save "" "${EVICT[@]}" >/dev/null 2>&1 &
KPID=$!
for p in $RPORT $KPORT; do
  for _ in $(seq 50); do redis-cli -p $p ping >/dev/null 2>&1 && break; sleep 0.1; done
done
ev_args="-n $N -r 1000000 -d 100 -t set"
best_r=0; best_k=0
for _ in 1 2 3 4 5; do
  r=$(rps $RPORT "$ev_args"); k=$(rps $KPORT "$ev_args")
  best_r=$(awk -v a="$best_r" -v b="$r" 'BEGIN{print (b>a)?b:a}')
  best_k=$(awk -v a="$best_k" -v b="$k" 'BEGIN{print (b>a)?b:a}')
done
ev_row=$(printf '| SET, every write evicts | `%s` | %.0f | %.0f | %.2f× |' "$ev_args" "$best_r" "$best_k" "$(awk -v k="$best_k" -v r="$best_r" 'BEGIN{print k/r}')")
ev_keys="$(redis-cli -p $RPORT dbsize) keys left in redis-server, $(redis-cli -p $KPORT dbsize) in kvlab-server; evicted: $(redis-cli -p $RPORT info stats | grep -o 'evicted_keys:[0-9]*' | cut -d: -f2) and $(redis-cli -p $KPORT info stats | grep -o 'evicted_keys:[0-9]*' | cut -d: -f2)"
echo "eviction: redis $best_r, kvlab $best_k ($ev_keys)"
fidelity=$(cargo test --release --quiet --test eviction_fidelity -- --nocapture 2>/dev/null | grep '^|')

{
  echo "# Benchmarks"
  echo
  echo "Produced by \`bash scripts/bench.sh $N\` on $(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(redis-server --version | awk '{print $1, $2, $3}') against a release build of kvlab-server."
  echo "Both servers run in the same session on loopback. Each case is"
  echo "\`redis-benchmark -p PORT ${COMMON[*]} <arguments>\`, run three times per server"
  echo "alternately; the table keeps each server's best. redis-benchmark itself needs a core,"
  echo "so on this 2-core machine both servers compete with it: ratios move by ±10% between runs."
  echo
  echo "| case | arguments | redis-server req/s | kvlab-server req/s | kvlab / redis |"
  echo "|---|---|---:|---:|---:|"
  printf '%s' "$rows"
  echo
  echo "The HyperLogLog cases read three dense HLLs of 20 000 elements each (set up with PFADD"
  echo "before the run). Single-key PFCOUNT is served from the cached cardinality, as in Redis."
  echo "The sorted-set cases read a 1 000 000-member set (members m:000000000000 …, score ="
  echo "index); \`__rand_int__\` picks members across it, and ZADD grows a second set."
  echo "The geo cases read 1 000 000 random points; GEOADD adds one place under random names."
  echo "The bitmap cases read two 1 MB bitmaps with every 997th bit set. SETBIT and GETBIT use a"
  echo "fixed offset: redis-benchmark's \`__rand_int__\` is zero-padded, which Redis (and KV Lab)"
  echo "reject as a bit offset."
  echo
  echo "## Eviction"
  echo
  echo "Both servers restarted with \`${EVICT[*]}\`; same method (five alternating runs, best"
  echo "kept). Once memory is full every SET first evicts a key chosen by sampling 5 keys into"
  echo "the 16-entry pool."
  echo
  echo "| case | arguments | redis-server req/s | kvlab-server req/s | kvlab / redis |"
  echo "|---|---|---:|---:|---:|"
  echo "$ev_row"
  echo
  echo "Afterwards: ${ev_keys}. Our memory model charges each of the 50 connections 38,000"
  echo "bytes, as measured on redis-server; Redis's real client buffers vary with traffic."
  echo
  echo "Hit rates of a Zipf cache-aside trace (12,000 requests over 3,000 keys, 90% reads, half"
  echo "the keys with a TTL, 600 KB of room) replayed in lockstep against both servers under each"
  echo "policy, from \`cargo test --release --test eviction_fidelity -- --nocapture\`:"
  echo
  echo "$fidelity"
  echo
} > docs/BENCHMARKS.md
# redis-benchmark's list, set and hash tests, scripts and transactions, messaging, then
# the browser figures (bundle, wasm against native, frames per second, latency).
bash scripts/bench-types.sh
bash scripts/bench-scripts.sh
bash scripts/bench-messaging.sh
bash scripts/bench-browser.sh
cat docs/BENCHMARKS.md
