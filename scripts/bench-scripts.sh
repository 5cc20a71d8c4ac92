#!/usr/bin/env bash
# Scripts and transactions, kvlab-server against redis-server in the same run:
#   evalsha  EVALSHA <sha of "return redis.call('GET', KEYS[1])"> 1 key   (redis-benchmark)
#   eval     EVAL "return 1" 0                                           (redis-benchmark)
#   multi    MULTI / SET key value / EXEC, 50 connections each pipelining 16 transactions
#            (redis-benchmark sends one command per request, so tools/multi_bench.py
#            drives this one; it counts a whole transaction as one request)
# Requests per second (best of three alternating runs) and each server's CPU time per
# request (utime+stime from /proc, over the best run). Writes the "## Scripts and
# transactions" section of docs/BENCHMARKS.md.
#
#   bash scripts/bench-scripts.sh [requests per test]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_test_tools
N=${1:-100000}
RPORT=${RPORT:-6393}
KPORT=${KPORT:-6394}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

start_bench_servers

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
GET_SCRIPT="return redis.call('GET', KEYS[1])"

run() { # port pid test -> "requests/s cpu-µs-per-request"
  local port=$1 pid=$2 t=$3 t0 t1 rps sha
  redis-cli -p "$port" flushall >/dev/null
  redis-cli -p "$port" set key value >/dev/null
  t0=$(ticks "$pid")
  case $t in
    evalsha)
      sha=$(redis-cli -p "$port" script load "$GET_SCRIPT")
      rps=$(redis-benchmark -p "$port" -P 16 -c 50 -n "$N" --csv evalsha "$sha" 1 key 2>/dev/null | awk -F'"' 'NR>1 && $4 != "" {r=$4} END{print r}') ;;
    eval)
      rps=$(redis-benchmark -p "$port" -P 16 -c 50 -n "$N" --csv eval "return 1" 0 2>/dev/null | awk -F'"' 'NR>1 && $4 != "" {r=$4} END{print r}') ;;
    multi)
      rps=$(python3 "$ROOT/scripts/multi_bench.py" "$port" "$N") ;;
  esac
  t1=$(ticks "$pid")
  awk -v r="$rps" -v d="$((t1 - t0))" -v hz="$hz" -v n="$N" 'BEGIN{printf "%.0f %.2f", r, d * 1e6 / hz / n}'
}

compare_servers evalsha eval multi

write_bench_section "Scripts and transactions" <<EOF
Produced by \`bash scripts/bench-scripts.sh $N\` on $(date -u +%Y-%m-%d), $(nproc) cores:
\`redis-benchmark -p PORT -P 16 -c 50 -n $N --csv EVALSHA <sha> 1 key\` (the script
\`return redis.call('GET', KEYS[1])\`) and \`... EVAL "return 1" 0\`; \`multi\` is
\`python3 scripts/multi_bench.py PORT $N\`: 50 connections, each pipelining MULTI / SET /
EXEC 16 transactions at a time, a transaction counted as one request. Three alternating
runs, the best kept; CPU is the server's user+system time per request during that run.
EOF
