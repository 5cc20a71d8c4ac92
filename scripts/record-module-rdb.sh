#!/usr/bin/env bash
# Re-records tests/fixtures/redisbloom.rdb (what redis-server 7.0.15 with RedisBloom
# 2.6.12 SAVEs after tests/fixtures/redisbloom.redis) and redisbloom-queries.expected
# (its answers to redisbloom-queries.redis when started on that file), then checks
# kvlab-server against them and against the live module (tests/module_rdb.rs).
# Build the module first with scripts/build-redisbloom.sh.
#
#   scripts/record-module-rdb.sh /path/to/redisbloom.so
set -euo pipefail
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 /path/to/redisbloom.so" >&2
    exit 2
fi
module=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."
KVLAB_RECORD_MODULE_RDB="$module" KVLAB_REDISBLOOM="$module" \
    cargo test --test module_rdb -- --nocapture --test-threads 1 2>&1 | grep -v '^> '
