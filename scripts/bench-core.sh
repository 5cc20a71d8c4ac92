#!/usr/bin/env bash
# The two commands issue 14 asked to bring to ≥ 1.0× by CPU, kvlab-server against
# redis-server in the same run, with the server's CPU time per request (scripts/bench.sh's
# table has requests/s only):
#   set            redis-benchmark -P 16 -c 50 -n N -r 100000 -t set
#   get            redis-benchmark -P 16 -c 50 -n N -r 100000 -t get
#   zrangebyscore  ZRANGEBYSCORE lb 500000 500099 on a 1,000,000-member set (score = index),
#                  100 results per request
# Writes the "## Request path" section of docs/BENCHMARKS.md.
#
#   bash scripts/bench-core.sh [requests per test]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_test_tools
N=${1:-200000}
RPORT=${RPORT:-6395}
KPORT=${KPORT:-6396}

start_bench_servers

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# The leaderboard bench.sh reads too: m:000000000000 … m:000000999999, score = index.
for p in $RPORT $KPORT; do
  seq 0 999999 | awk '{printf "%d m:%012d ", $1, $1} NR % 1000 == 0 {print ""}' \
    | sed 's/^/ZADD lb /' | redis-cli -p "$p" >/dev/null
done

run() { # port pid test
  local port=$1 pid=$2 t=$3 t0 t1 rps args
  case $t in
    set) args=(-r 100000 -t set) ;;
    get) args=(-r 100000 -t get) ;;
    zrangebyscore) args=(zrangebyscore lb 500000 500099) ;;
  esac
  t0=$(ticks "$pid")
  rps=$(redis-benchmark -p "$port" -P 16 -c 50 -n "$N" --csv "${args[@]}" 2>/dev/null | awk -F'"' 'NR>1 && $4 != "" {r=$4} END{print r}')
  t1=$(ticks "$pid")
  awk -v r="$rps" -v d="$((t1 - t0))" -v hz="$hz" -v n="$N" 'BEGIN{printf "%.0f %.2f", r, d * 1e6 / hz / n}'
}

compare_servers set get zrangebyscore

write_bench_section "Request path" <<EOF2
Produced by \`bash scripts/bench-core.sh $N\` on $(date -u +%Y-%m-%d), $(nproc) cores:
\`redis-benchmark -p PORT -P 16 -c 50 -n $N --csv\` with \`-r 100000 -t set\`, \`-r 100000
-t get\` and \`ZRANGEBYSCORE lb 500000 500099\` (100 results from a 1,000,000-member set,
score = index). Three alternating runs, the best kept; CPU is the server's user+system
time per request during that run, from /proc.
EOF2
