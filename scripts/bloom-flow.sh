#!/usr/bin/env bash
# Runs RedisBloom's own Python flow tests (tests/flow at tag v2.6.12, driven by RLTest)
# against redis-server 7.0.15 with the module loaded and against kvlab-server, both as
# RLTest "existing envs", and writes the counts to docs/BLOOM-FLOW.md.
#
#   bash scripts/bloom-flow.sh FLOW_DIR MODULE_SO [KVLAB_SERVER]
#
# FLOW_DIR     RedisBloom's tests/flow at v2.6.12, e.g. from a clone:
#              git archive v2.6.12 tests | tar -x -C /tmp/rb   (then /tmp/rb/tests/flow)
# MODULE_SO    redisbloom.so built by scripts/build-redisbloom.sh
# KVLAB_SERVER a kvlab-server binary (default: build the release one with cargo)
#
# RLTest 0.7.5 (the version the tag's requirements.txt names) and numpy < 2 (the tests
# import numpy.NaN, gone in numpy 2) are installed from PyPI into a virtualenv under the
# scratch directory ($BLOOM_FLOW_WORK, default a fresh temporary one). Nothing comes from
# GitHub. Each test file runs against a fresh server of each kind; ports are
# $BLOOM_FLOW_PORT (default 22901) for the reference and the next one for kvlab-server.
#
# Four shims, the same for both servers, make the suite run outside RedisBloom's tree
# and run all of it, each written into the scratch directory:
# - common.py imports `paella` (RedisBloom's deps/readies submodule) for the platform's
#   name only: a stub module answers linux/debian/<machine>.
# - RLTest reuses one connection for every Env that compares equal and leaves
#   decodeResponses out of the comparison, so a class asking Env(decodeResponses=False)
#   would get the previous class's decoding connection; the runner compares it too.
# - An existing env ignores Env(protocol=3); the runner's connection honours it.
# - Five tests hold a `yield` (an older RLTest idiom: a step before and after a reload).
#   RLTest 0.7.5 calls them, gets a generator and runs none of the body, so they would
#   pass on any server; the runner runs the generator to its end.
set -euo pipefail

FLOW=${1:?usage: bash scripts/bloom-flow.sh FLOW_DIR MODULE_SO [KVLAB_SERVER]}
MODULE=${2:?usage: bash scripts/bloom-flow.sh FLOW_DIR MODULE_SO [KVLAB_SERVER]}
FLOW=$(cd "$FLOW" && pwd)
MODULE=$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ $# -ge 3 ]; then
    KVLAB=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
else
    cargo build --release --quiet --bin kvlab-server
    KVLAB="${CARGO_TARGET_DIR:-$ROOT/target}/release/kvlab-server"
fi
[ -f "$FLOW/common.py" ] || { echo "$FLOW has no common.py: not RedisBloom's tests/flow" >&2; exit 2; }
[ -f "$MODULE" ] || { echo "no module at $MODULE" >&2; exit 2; }
[ -x "$KVLAB" ] || { echo "no kvlab-server at $KVLAB" >&2; exit 2; }

REF_PORT=${BLOOM_FLOW_PORT:-22901}
KV_PORT=$((REF_PORT + 1))
if [ -n "${BLOOM_FLOW_WORK:-}" ]; then
    WORK=$BLOOM_FLOW_WORK
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/shim" "$WORK/logs" "$WORK/data"

if [ ! -x "$WORK/venv/bin/python" ]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet 'RLTest==0.7.5' 'numpy<2'
fi
PY="$WORK/venv/bin/python"

cat > "$WORK/shim/paella.py" <<'EOF'
import platform
class Platform:
    def __init__(self):
        self.os = 'linux'
        self.osnick = 'debian'
        self.arch = platform.machine()
EOF
cat > "$WORK/shim/run_rltest.py" <<'EOF'
import redis
import RLTest.env
import RLTest.exists_redis as ex
RLTest.env.Env.EnvCompareParams.append('decodeResponses')
_init = ex.ExistsRedisEnv.__init__
def _init_with_protocol(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.protocol = kwargs.get('protocol') or 2
def _get_connection(self, shardId=1):
    return redis.StrictRedis(self.host, self.port, password=self.password,
                             decode_responses=self.decodeResponses, protocol=self.protocol)
ex.ExistsRedisEnv.__init__ = _init_with_protocol
ex.ExistsRedisEnv.getConnection = _get_connection
import functools, inspect
import RLTest.loader as loader
_method_init = loader.TestMethod.__init__
def _method_init_running_generators(self, obj, name):
    if inspect.isgeneratorfunction(obj):
        gen = obj
        @functools.wraps(gen)
        def obj():
            for _ in gen():
                pass
    _method_init(self, obj, name)
loader.TestMethod.__init__ = _method_init_running_generators
from RLTest.__main__ import main
main()
EOF

server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap 'stop_server; [ -z "${BLOOM_FLOW_WORK:-}" ] && rm -rf "$WORK"' EXIT

start_server() { # kind
    local port
    rm -f "$WORK"/data/*
    port=$REF_PORT
    [ "$1" = kvlab ] && port=$KV_PORT
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
        echo "port $port is taken by another server: set BLOOM_FLOW_PORT" >&2
        exit 1
    fi
    if [ "$1" = ref ]; then
        port=$REF_PORT
        redis-server --port "$port" --loadmodule "$MODULE" --save "" --appendonly no \
            --enable-debug-command yes --dir "$WORK/data" >"$WORK/logs/ref-server.log" 2>&1 &
    else
        port=$KV_PORT
        "$KVLAB" --port "$port" --save "" --enable-debug-command yes --dir "$WORK/data" \
            >"$WORK/logs/kvlab-server.log" 2>&1 &
    fi
    server_pid=$!
    for _ in $(seq 100); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "the $1 server did not start on port $port" >&2
    exit 1
}

FILES=()
for f in "$FLOW"/test_*.py; do FILES+=("$(basename "$f")"); done
for f in "${FILES[@]}"; do
    for kind in ref kvlab; do
        start_server "$kind"
        port=$REF_PORT
        [ "$kind" = kvlab ] && port=$KV_PORT
        echo "== $f on $kind"
        (cd "$FLOW" && PYTHONPATH="$WORK/shim" timeout 1800 "$PY" "$WORK/shim/run_rltest.py" \
            --env existing-env --existing-env-addr "127.0.0.1:$port" -t "$f" \
            --no-output-catch --log-dir "$WORK/logs/rltest" \
            >"$WORK/logs/$kind-$f.log" 2>&1) || true
        stop_server
    done
done

BLOOM_FLOW_VERSIONS="$(redis-server --version | grep -o 'v=[0-9.]*' | sed 's/v=/redis-server /'), $("$PY" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("RLTest", "redis", "numpy")))'), $("$PY" --version)" \
    python3 "$ROOT/scripts/bloom-flow-report.py" "$WORK/logs" "$ROOT/docs/BLOOM-FLOW.md" "$FLOW" "${FILES[@]}"
echo "wrote docs/BLOOM-FLOW.md"
