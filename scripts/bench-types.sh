#!/usr/bin/env bash
# redis-benchmark's own tests for lists, sets and hashes (and MSET), kvlab-server against
# redis-server in the same run: requests per second (best of three alternating runs) and
# each server's CPU time per request (utime+stime from /proc, over the best run).
# Writes the "## Lists, sets and hashes" section of docs/BENCHMARKS.md.
#
#   bash scripts/bench-types.sh [requests per test]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_test_tools
N=${1:-200000}
TESTS=(lpush rpush lpop rpop sadd hset spop lrange_100 lrange_300 lrange_600 mset)
RPORT=${RPORT:-6391}
KPORT=${KPORT:-6392}

start_bench_servers

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# One run of one test: "requests/s cpu-µs-per-request". The pop tests start from a list
# (or set) the matching push filled, untimed; the LRANGE tests read a list of 600
# elements with the command itself (redis-benchmark's own lrange tests would push N
# elements first, inside the timed run).
run() { # port pid test
  local port=$1 pid=$2 t=$3 t0 t1 rps args
  redis-cli -p "$port" flushall >/dev/null
  case $t in
    lpop|rpop) redis-benchmark -p "$port" -P 16 -c 50 -n "$N" -t lpush >/dev/null 2>&1 ;;
    spop) redis-benchmark -p "$port" -P 16 -c 50 -n "$N" -r 1000000 sadd myset element:__rand_int__ >/dev/null 2>&1 ;;
    lrange_*) for _ in $(seq 6); do redis-cli -p "$port" rpush mylist $(seq 100) >/dev/null; done ;;
  esac
  case $t in
    lrange_*) args=(lrange mylist 0 $((${t#lrange_} - 1))) ;;
    *) args=(-t "$t") ;;
  esac
  t0=$(ticks "$pid")
  rps=$(redis-benchmark -p "$port" -P 16 -c 50 -n "$N" --csv "${args[@]}" 2>/dev/null | awk -F'"' 'NR>1 && $4 != "" {r=$4} END{print r}')
  t1=$(ticks "$pid")
  awk -v r="$rps" -v d="$((t1 - t0))" -v hz="$hz" -v n="$N" 'BEGIN{printf "%.0f %.2f", r, d * 1e6 / hz / n}'
}

compare_servers "${TESTS[@]}"

write_bench_section "Lists, sets and hashes" <<EOF
Produced by \`bash scripts/bench-types.sh $N\` on $(date -u +%Y-%m-%d), $(nproc) cores:
\`redis-benchmark -p PORT -P 16 -c 50 -n $N -t TEST --csv\` against each server (the
LRANGE tests as \`LRANGE mylist 0 99|299|599\` on a 600-element list, the pops after the
matching push filled the key, untimed), three
alternating runs, the best kept; CPU is the server process's user+system time per
request during that run, from /proc (steadier than requests/s on 2 shared cores, where
redis-benchmark itself needs a core).
EOF
