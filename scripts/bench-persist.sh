#!/usr/bin/env bash
# SAVE, BGSAVE and loading at start, kvlab-server against redis-server, on the same
# keyspace: DEBUG POPULATE N (default 1,000,000 string keys) plus a few big collections.
#
#   bash scripts/bench-persist.sh [N]
#
# Prints, for each server: SAVE's time (the command, file written), the file's size,
# BGSAVE's reply time (what blocks the clients: Redis forks, kvlab-server copies the
# keyspace) and the time until the background save is done, and the time from start to
# the first PONG when the server loads the file. Both servers' files are checked with
# redis-check-rdb, and each loads the other's file.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-1000000}
PORT_R=${BENCH_PORT_R:-22350}
PORT_K=${BENCH_PORT_K:-22351}
cargo build --release --quiet --bin kvlab-server
KV="${CARGO_TARGET_DIR:-target}/release/kvlab-server"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/r" "$work/k"

ms() { date +%s%3N; }
wait_up() { for _ in $(seq 600); do redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return; sleep 0.05; done; }
wait_bgsave() { while redis-cli -p "$1" info persistence | grep -q 'rdb_bgsave_in_progress:1'; do sleep 0.02; done; }

start() { # kind dir -> pid
  if [ "$1" = redis ]; then
    redis-server --port "$PORT_R" --save "" --appendonly no --dir "$2" --enable-debug-command yes >/dev/null 2>&1 &
  else
    "$KV" --port "$PORT_K" --save "" --dir "$2" --enable-debug-command yes >/dev/null 2>&1 &
  fi
  echo $!
}

fill() {
  redis-cli -p "$1" debug populate "$N" key 16 >/dev/null
  for i in $(seq 0 99); do
    redis-cli -p "$1" rpush list $(seq $((i * 100)) $((i * 100 + 99))) >/dev/null
    redis-cli -p "$1" hset hash $(for j in $(seq 0 99); do echo "f$((i * 100 + j)) v$j"; done) >/dev/null
    redis-cli -p "$1" zadd zset $(for j in $(seq 0 99); do echo "$j m$((i * 100 + j))"; done) >/dev/null
  done
}

for kind in redis kvlab; do
  [ "$kind" = redis ] && port=$PORT_R || port=$PORT_K
  dir="$work/${kind:0:1}"
  pid=$(start $kind "$dir"); wait_up "$port"
  fill "$port"
  t0=$(ms); redis-cli -p "$port" save >/dev/null; t1=$(ms)
  size=$(stat -c %s "$dir/dump.rdb")
  t2=$(ms); redis-cli -p "$port" bgsave >/dev/null; t3=$(ms); wait_bgsave "$port"; t4=$(ms)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  redis-check-rdb "$dir/dump.rdb" 2>&1 | grep -q 'RDB looks OK' || { echo "$kind: redis-check-rdb failed"; exit 1; }
  t5=$(ms); pid=$(start $kind "$dir"); wait_up "$port"; t6=$(ms)
  keys=$(redis-cli -p "$port" dbsize)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$kind: SAVE $((t1 - t0)) ms, file $size bytes; BGSAVE reply $((t3 - t2)) ms, done after $((t4 - t2)) ms; load at start $((t6 - t5)) ms ($keys keys)"
done

# Each loads the other's file.
cp "$work/r/dump.rdb" "$work/k/dump.rdb.redis"; cp "$work/k/dump.rdb" "$work/r/dump.rdb.kvlab"
mv "$work/k/dump.rdb.redis" "$work/k/dump.rdb"; mv "$work/r/dump.rdb.kvlab" "$work/r/dump.rdb"
pid=$(start kvlab "$work/k"); wait_up $PORT_K; echo "kvlab-server loaded redis-server's file: $(redis-cli -p $PORT_K dbsize) keys"; kill "$pid"; wait "$pid" 2>/dev/null || true
pid=$(start redis "$work/r"); wait_up $PORT_R; echo "redis-server loaded kvlab-server's file: $(redis-cli -p $PORT_R dbsize) keys"; kill "$pid"; wait "$pid" 2>/dev/null || true
