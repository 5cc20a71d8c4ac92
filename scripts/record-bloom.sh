#!/usr/bin/env bash
# Re-records tests/diff-bloom/*.expected from the reference: redis-server 7.0.15 with
# RedisBloom loaded (build it with scripts/build-redisbloom.sh), then checks
# kvlab-server against them.
#
#   scripts/record-bloom.sh /path/to/redisbloom.so
set -euo pipefail
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 /path/to/redisbloom.so" >&2
    exit 2
fi
module=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."
KVLAB_REDISBLOOM="$module" cargo test --test diff_bloom -- --nocapture
