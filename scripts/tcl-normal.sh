#!/usr/bin/env bash
# Runs units of Redis's own TCL suite (redis/redis tag 7.0.15, tests/) in its normal
# mode, where the suite starts its own servers: `src/redis-server <config file> [--name
# value ...]` from tests/assets/default.conf and each test's overrides, waits for " PID:
# <pid>" and "Ready to accept connections" in the server's stdout, restarts servers,
# changes their port and bind, reads their logs. This reaches the tests tagged
# external:skip (unit/info, limits, networking, querybuf, acl, auth, introspection ...)
# that scripts/tcl.sh (external mode, one server started beforehand) cannot run.
#
#   bash scripts/tcl-normal.sh REDIS_TESTS_DIR [unit ...]
#
# REDIS_TESTS_DIR holds Redis's `runtest` and `tests/` at tag 7.0.15 (not part of this
# repository). The suite is copied (the copy is changed, never the original) and run
# twice per unit: with `src/redis-server` a link to kvlab-server, then to the installed
# redis-server 7.0.15. No code of Redis is kept here.
#
# Env: KVLAB_BIN (default: a perf build of kvlab-server), REDIS_BIN (default:
# `command -v redis-server`), TCL_BASEPORT (servers on TCL_BASEPORT .. +13, the test
# server's own port in the 4 below it; default 22806), KINDS ("kvlab redis").
# Only one runtest may run at a time on the machine: each run holds /tmp/runtest.lock.
# Prints one line per unit and server: ok, err, exception counts and the first exception.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SUITE=${1:?usage: bash scripts/tcl-normal.sh REDIS_TESTS_DIR [unit ...]}
shift
UNITS=("$@")
[ ${#UNITS[@]} -gt 0 ] || UNITS=(unit/info unit/limits unit/networking unit/querybuf unit/introspection unit/acl unit/auth)
BASEPORT=${TCL_BASEPORT:-22806}
KINDS=${KINDS:-kvlab redis}
TAGS=${TCL_TAGS:-"-needs:debug -needs:repl -needs:pfdebug"}
REDIS_BIN=${REDIS_BIN:-$(command -v redis-server)}
if [ -z "${KVLAB_BIN:-}" ]; then
  cargo build --profile perf --quiet --bin kvlab-server
  KVLAB_BIN="${CARGO_TARGET_DIR:-target}/perf/kvlab-server"
fi
KVLAB_BIN=$(realpath "$KVLAB_BIN")
OUT=${TCL_OUT:-$(mktemp -d)}
mkdir -p "$OUT"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$SUITE"/runtest "$SUITE"/tests "$work"/
mkdir -p "$work/src"
# The test server's own port: the 4 ports below the servers' range (the suite looks in
# the 32 below it), so that a run stays within its ports.
sed -i 's/find_available_port \[expr {\$::baseport - 32}\] 32/find_available_port [expr {$::baseport - 4}] 4/' \
  "$work"/tests/test_helper.tcl
ln -sf "$(command -v redis-cli)" "$work/src/redis-cli"
ln -sf "$(command -v redis-benchmark)" "$work/src/redis-benchmark"
# helpers such as `redis-check-aof` are not linked: the units run here do not use them.

count() { # log file -> "ok err exception"
  sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '/^\[ok\]/{o++} /^\[err\]/{e++} /^\[exception\]/{x++} END{printf "%d %d %d", o, e, x}'
}

for unit in "${UNITS[@]}"; do
  for kind in $KINDS; do
    if [ "$kind" = kvlab ]; then
      bin=$KVLAB_BIN
    else
      bin=$REDIS_BIN
    fi
    ln -sf "$bin" "$work/src/redis-server"
    log="$OUT/$kind-${unit//\//_}.log"
    (cd "$work" && flock /tmp/runtest.lock timeout 1500 ./runtest --single "$unit" \
        --baseport "$BASEPORT" --portcount 14 --tags "$TAGS" \
        --ignore-encoding --ignore-digest --clients 1 >"$log" 2>&1) || true
    read -r o e x <<<"$(count "$log")"
    stop=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -a -m1 -A2 '^\[exception\]' | tr '\n' ' ' | cut -c1-160 || true)
    echo "$unit $kind: $o ok, $e err, $x exception ${stop:+($stop)} log=$log"
  done
done
