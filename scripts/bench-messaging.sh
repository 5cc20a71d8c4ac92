#!/usr/bin/env bash
# Messaging, kvlab-server against redis-server in the same run:
#   publish   PUBLISH news hello, with 10 connections subscribed to news reading
#             everything (redis-cli subscribers writing to /dev/null)
#   set-kea   redis-benchmark -t set while notify-keyspace-events is KEA and one
#             connection PSUBSCRIBEs to __key*__:* and reads
#   xadd      XADD stream * field value (skipped where the server lacks XADD)
# Requests per second (best of three alternating runs) and each server's CPU time per
# request (utime+stime from /proc, over the best run). Writes the "## Messaging" section
# of docs/BENCHMARKS.md.
#
#   bash scripts/bench-messaging.sh [requests per test]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_test_tools
N=${1:-100000}
RPORT=${RPORT:-6395}
KPORT=${KPORT:-6396}

start_bench_servers

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
subs=()
stop_subs() { for s in "${subs[@]}"; do kill "$s" 2>/dev/null; done; subs=(); }
trap 'stop_subs; kill $rpid $kpid 2>/dev/null' EXIT

# Waits until the server counts `n` Pub/Sub clients.
wait_subs() {
  local port=$1 n=$2
  for _ in $(seq 200); do
    [ "$(redis-cli -p "$port" client list type pubsub | grep -c .)" -ge "$n" ] && return
    sleep 0.05
  done
  echo "subscribers did not connect" >&2
  exit 1
}

bench() { # port args... -> requests/s
  redis-benchmark -p "$1" -P 16 -c 50 -n "$N" --csv "${@:2}" 2>/dev/null |
    awk -F'"' 'NR>1 && $4 != "" {r=$4} END{print r+0}'
}

run() { # port pid test -> "requests/s cpu-µs-per-request"
  local port=$1 pid=$2 t=$3 t0 t1 rps
  redis-cli -p "$port" flushall >/dev/null
  redis-cli -p "$port" config set notify-keyspace-events "" >/dev/null
  case $t in
    publish)
      for _ in $(seq 10); do
        redis-cli -p "$port" subscribe news >/dev/null & subs+=($!)
      done
      wait_subs "$port" 10 ;;
    set-kea)
      redis-cli -p "$port" config set notify-keyspace-events KEA >/dev/null
      redis-cli -p "$port" psubscribe '__key*__:*' >/dev/null & subs+=($!)
      wait_subs "$port" 1 ;;
  esac
  t0=$(ticks "$pid")
  case $t in
    publish) rps=$(bench "$port" publish news hello) ;;
    set-kea) rps=$(bench "$port" -t set) ;;
    xadd)
      if redis-cli -p "$port" xadd probe '*' f v | grep -q -- '-'; then
        rps=$(bench "$port" xadd stream '*' field value)
      else
        rps=0
      fi ;;
  esac
  t1=$(ticks "$pid")
  stop_subs
  awk -v r="$rps" -v d="$((t1 - t0))" -v hz="$hz" -v n="$N" 'BEGIN{printf "%.0f %.2f", r, d * 1e6 / hz / n}'
}

compare_servers publish set-kea xadd

write_bench_section "Messaging" <<EOF
Produced by \`bash scripts/bench-messaging.sh $N\` on $(date -u +%Y-%m-%d), $(nproc) cores:
\`redis-benchmark -p PORT -P 16 -c 50 -n $N --csv PUBLISH news hello\` with 10
\`redis-cli subscribe news\` connections reading; \`-t set\` with notify-keyspace-events
KEA and one \`redis-cli psubscribe '__key*__:*'\` reading; \`XADD stream * field value\`.
Three alternating runs, the best kept; CPU is the server's user+system time per request
during that run (for PUBLISH it includes writing each message to 10 sockets).
EOF
