#!/usr/bin/env bash
# Runs units of Redis's own TCL suite (redis/redis at tag 7.0.15, tests/) against
# kvlab-server and against redis-server 7.0.15, and writes the counts to docs/TCL.md.
#
#   bash scripts/tcl.sh /path/to/redis-7.0.15-tests [unit ...]
#
# The first argument is a directory holding Redis's `runtest` and `tests/` at tag 7.0.15
# (not part of this repository: fetch redis/redis and `git archive 7.0.15 tests runtest`).
# The suite calls FUNCTION FLUSH before every server block; the copy this script uses
# wraps that call in `catch` (from before KV Lab had FUNCTION; it now succeeds on both).
# A unit stops at its first exception (an unknown command): the counts are what ran.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_test_tools

SUITE=${1:?usage: bash scripts/tcl.sh REDIS_TESTS_DIR [unit ...]}
shift
UNITS=("$@")
[ ${#UNITS[@]} -gt 0 ] || UNITS=(unit/dump unit/type/hash unit/type/set unit/type/list unit/type/incr unit/type/string unit/keyspace unit/expire unit/scan unit/type/zset unit/geo unit/hyperloglog unit/bitops unit/type/stream unit/type/stream-cgroups)
PORT=${TCL_PORT:-21111}
TAGS="-needs:debug -needs:repl -needs:pfdebug -needs:config-maxmemory -needs:save"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$SUITE"/runtest "$SUITE"/tests "$work"/
sed -i 's/^\(\s*\)r function flush$/\1catch {r function flush}/' "$work"/tests/support/server.tcl

cargo build --release --quiet --bin kvlab-server

count() { # log file -> "ok err exception"
  sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '/^\[ok\]/{o++} /^\[err\]/{e++} /^\[exception\]/{x++} END{printf "%d %d %d", o, e, x}'
}

run_unit() { # server-kind unit -> log path
  local kind=$1 unit=$2 log="$work/$1-${2//\//_}.log" pid
  if [ "$kind" = kvlab ]; then
    "${CARGO_TARGET_DIR:-target}/release/kvlab-server" --port "$PORT" --save "" >/dev/null 2>&1 & pid=$!
  else
    redis-server --port "$PORT" --save "" --appendonly no --enable-debug-command yes >/dev/null 2>&1 & pid=$!
  fi
  for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  (cd "$work" && timeout 900 ./runtest --host 127.0.0.1 --port "$PORT" --single "$unit" \
      --tags "$TAGS" --ignore-encoding --ignore-digest --clients 1 >"$log" 2>&1) || true
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  echo "$log"
}

rows=""
for unit in "${UNITS[@]}"; do
  say "$unit"
  read -r ko ke kx <<<"$(count "$(run_unit kvlab "$unit")")"
  stop=$(sed 's/\x1b\[[0-9;]*m//g' "$work/kvlab-${unit//\//_}.log" | grep -a -m1 '^\[exception\]' | sed 's/.*Executing test client: //; s/|/\\|/g' | cut -c1-90 || true)
  read -r ro re rx <<<"$(count "$(run_unit redis "$unit")")"
  echo "kvlab: $ko ok, $ke err, $kx exception ($stop); redis-server: $ro ok, $re err, $rx exception"
  rows+="| $unit | $ko | $ke | ${stop:-} | $ro | $re |"$'\n'
done

{
  echo "# Redis's TCL suite against kvlab-server"
  echo
  echo "Produced by \`bash scripts/tcl.sh <redis 7.0.15 tests> ${UNITS[*]}\` on $(date -u +%Y-%m-%d),"
  echo "redis/redis tag 7.0.15 \`tests/\`, external-server mode: \`./runtest --host 127.0.0.1"
  echo "--port P --single UNIT --tags \"$TAGS\" --ignore-encoding --ignore-digest\`."
  echo "Both servers run the same copy of the suite, in which \`r function flush\` (called before"
  echo "every server block) is wrapped in \`catch\` (from before KV Lab had FUNCTION; it now succeeds on both servers)."
  echo "A unit stops at its first exception (usually a command KV Lab does not have yet);"
  echo "the tests after it did not run."
  echo
  echo "| unit | kvlab ok | kvlab err | kvlab stopped at | redis-server ok | redis-server err |"
  echo "|---|---:|---:|---|---:|---:|"
  printf '%s' "$rows"
} > docs/TCL.md
cat docs/TCL.md
