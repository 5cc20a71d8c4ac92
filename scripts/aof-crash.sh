#!/usr/bin/env bash
# The AOF crash test: kill -9 under a write load, restart, count what was lost, under
# each appendfsync setting, for redis-server and kvlab-server on the same machine.
#
#   bash scripts/aof-crash.sh [SECONDS_OF_LOAD]
#
# For each server and each of always, everysec, no: the server starts with
# `--appendonly yes --appendfsync X` in an empty directory; redis-benchmark writes
# (`-t set`, 20 clients, pipelines of 16) while a counting client sends INCR ack in
# pipelines of 50 and remembers the last value the server acknowledged. After the load
# time the server is killed with SIGKILL mid-stream, restarted on its AOF directory,
# and `GET ack` is compared with the last acknowledged value: the difference is the
# acknowledged writes that were lost. (A write the server applied but whose reply the
# client never read may come back too: recovered > acknowledged is not a loss.)
#
# Also: redis-benchmark SET (-n 200000 -c 50, no pipelining) with appendonly yes and
# appendfsync everysec against both servers, in the same run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOAD_SECS=${1:-3}
PORT=${CRASH_PORT:-23150}
# KVLAB_SERVER=path uses that binary instead of building the release one.
if [ -z "${KVLAB_SERVER:-}" ]; then
  cargo build --release --quiet --bin kvlab-server
fi
KV="${KVLAB_SERVER:-${CARGO_TARGET_DIR:-target}/release/kvlab-server}"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_up() {
  for _ in $(seq 1200); do
    redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && return
    sleep 0.05
  done
  echo "server did not come up" >&2
  exit 1
}

# Until nothing answers on the port (the killed server is gone; `wait` cannot tell, the
# server being a child of start's subshell).
wait_down() {
  while redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done
  while kill -0 "$1" 2>/dev/null; do sleep 0.05; done
}

start() { # kind dir fsync -> pid
  if [ "$1" = redis ]; then
    redis-server --port "$PORT" --save "" --appendonly yes --appendfsync "$3" --dir "$2" \
      --logfile "$2/log" >/dev/null 2>&1 &
  else
    "$KV" --port "$PORT" --save "" --appendonly yes --appendfsync "$3" --dir "$2" >"$2/log" 2>&1 &
  fi
  echo $!
}

# The counting client: INCR ack in pipelines, writing the last acknowledged value to $1
# after every batch, until the connection dies.
counter() {
  python3 - "$PORT" "$1" <<'EOF'
import socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
batch = b"*2\r\n$4\r\nINCR\r\n$3\r\nack\r\n" * 50
last = 0
try:
    while True:
        s.sendall(batch)
        for _ in range(50):
            line = f.readline()
            if not line.startswith(b":"):
                raise EOFError
            last = int(line[1:])
        with open(out, "w") as o:
            o.write(str(last))
except Exception:
    pass
EOF
}

printf '%-13s %-9s %12s %12s %6s %14s\n' server appendfsync acknowledged recovered lost "load (sets)"
for kind in redis kvlab; do
  for fsync in always everysec no; do
    dir="$work/$kind-$fsync"
    mkdir -p "$dir"
    pid=$(start "$kind" "$dir" "$fsync")
    pids+=("$pid")
    wait_up
    echo 0 >"$dir/acked"
    redis-benchmark -p "$PORT" -t set -n 100000000 -c 20 -P 16 -r 100000 -q >/dev/null 2>&1 &
    bench=$!
    counter "$dir/acked" &
    cnt=$!
    sleep "$LOAD_SECS"
    sets=$(redis-cli -p "$PORT" info commandstats | sed -n 's/^cmdstat_set:calls=\([0-9]*\).*/\1/p')
    kill -9 "$pid"
    wait "$cnt" 2>/dev/null || true
    kill "$bench" 2>/dev/null || true
    wait "$bench" 2>/dev/null || true
    wait_down "$pid"
    acked=$(cat "$dir/acked")
    pid=$(start "$kind" "$dir" "$fsync")
    pids+=("$pid")
    wait_up
    got=$(redis-cli -p "$PORT" get ack)
    got=${got:-0}
    lost=$((acked > got ? acked - got : 0))
    printf '%-13s %-9s %12s %12s %6s %14s\n' "$kind-server" "$fsync" "$acked" "$got" "$lost" "${sets:-?}"
    kill -9 "$pid"
    wait_down "$pid"
  done
done

echo
echo "redis-benchmark -t set -n 200000 -c 50 -q, appendonly yes, appendfsync everysec:"
for kind in redis kvlab; do
  dir="$work/bench-$kind"
  mkdir -p "$dir"
  pid=$(start "$kind" "$dir" everysec)
  pids+=("$pid")
  wait_up
  printf '%-13s ' "$kind-server"
  redis-benchmark -p "$PORT" -t set -n 200000 -c 50 -q | tr '\r' '\n' | grep -a 'requests per second' | tail -1
  kill "$pid"
  wait_down "$pid"
done
