#!/usr/bin/env bash
# The probabilistic family, kvlab-server against redis-server 7.0.15 with RedisBloom
# 2.6.12 loaded, in the same run: BF.ADD, BF.EXISTS, CF.ADD, CMS.INCRBY, TOPK.ADD and
# TDIGEST.ADD on random integers (redis-benchmark -r). Requests per second (best of
# three alternating runs) and each server's CPU time per request (utime+stime from /proc,
# over the best run). Writes the "## Probabilistic" section of docs/BENCHMARKS.md.
#
#   bash scripts/bench-bloom.sh /path/to/redisbloom.so [requests per test]
#
# Build the module with scripts/build-redisbloom.sh (see tests/diff-bloom/README.md).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_test_tools
SO=${1:?usage: bench-bloom.sh /path/to/redisbloom.so [requests]}
N=${2:-100000}
RPORT=${RPORT:-6397}
KPORT=${KPORT:-6398}

# BENCH_PROFILE=perf builds the quicker-to-build profile, as start_bench_servers does.
profile=${BENCH_PROFILE:-release}
cargo build --profile "$profile" --quiet --bin kvlab-server
redis-server --port "$RPORT" --save "" --appendonly no --loadmodule "$SO" >/dev/null 2>&1 &
rpid=$!
"${CARGO_TARGET_DIR:-target}/$profile/kvlab-server" --port "$KPORT" --save "" >/dev/null 2>&1 &
kpid=$!
trap 'kill $rpid $kpid 2>/dev/null' EXIT
for p in $RPORT $KPORT; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

bench() { # port args... -> requests/s
  redis-benchmark -p "$1" -P 16 -c 50 -n "$N" -r 1000000 --csv "${@:2}" 2>/dev/null |
    awk -F'"' 'NR>1 && $4 != "" {r=$4} END{print r+0}'
}

run() { # port pid test -> "requests/s cpu-µs-per-request"
  local port=$1 pid=$2 t=$3 t0 t1 rps
  redis-cli -p "$port" flushall >/dev/null
  redis-cli -p "$port" bf.reserve bf 0.01 1000000 >/dev/null
  redis-cli -p "$port" cf.reserve cf 1000000 >/dev/null
  redis-cli -p "$port" cms.initbydim cms 2000 5 >/dev/null
  redis-cli -p "$port" topk.reserve topk 10 >/dev/null
  redis-cli -p "$port" tdigest.create td >/dev/null
  t0=$(ticks "$pid")
  case $t in
    bf.add) rps=$(bench "$port" bf.add bf __rand_int__) ;;
    bf.exists) rps=$(bench "$port" bf.exists bf __rand_int__) ;;
    cf.add) rps=$(bench "$port" cf.add cf __rand_int__) ;;
    cms.incrby) rps=$(bench "$port" cms.incrby cms __rand_int__ 1) ;;
    topk.add) rps=$(bench "$port" topk.add topk __rand_int__) ;;
    tdigest.add) rps=$(bench "$port" tdigest.add td __rand_int__) ;;
  esac
  t1=$(ticks "$pid")
  awk -v r="$rps" -v d="$((t1 - t0))" -v hz="$hz" -v n="$N" 'BEGIN{printf "%.0f %.2f", r, d * 1e6 / hz / n}'
}

compare_servers bf.add bf.exists cf.add cms.incrby topk.add tdigest.add

write_bench_section "Probabilistic" <<EOF2
Produced by \`bash scripts/bench-bloom.sh redisbloom.so $N\` on $(date -u +%Y-%m-%d), $(nproc) cores:
redis-server 7.0.15 with RedisBloom 2.6.12 (\`--loadmodule\`) against kvlab-server, each
\`redis-benchmark -p PORT -P 16 -c 50 -n $N -r 1000000 --csv CMD key __rand_int__\` on a
key made first with BF.RESERVE bf 0.01 1000000, CF.RESERVE cf 1000000, CMS.INITBYDIM cms
2000 5, TOPK.RESERVE topk 10, TDIGEST.CREATE td.
EOF2
