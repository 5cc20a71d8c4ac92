#!/usr/bin/env bash
# Builds RedisBloom (the reference for BF/CF/CMS/TOPK/TDIGEST) as one shared object, with
# one gcc line, from sources you fetched yourself (nothing is downloaded here):
#
#   scripts/build-redisbloom.sh REDISBLOOM_DIR TDIGEST_DIR REDISMODULE_H OUT.so
#
#   REDISBLOOM_DIR  a checkout of github.com/RedisBloom/RedisBloom at tag v2.6.12
#                   (its src/ and deps/bloom, deps/murmur2, deps/rmutil are used)
#   TDIGEST_DIR     github.com/RedisBloom/t-digest-c at the commit v2.6.12 pins
#                   (9dcd73d876308a76e10dd0fc5a0a669b264898aa; the tag's deps/t-digest-c)
#   REDISMODULE_H   redis's src/redismodule.h at 7.0.15
#                   (git -C redis show 7.0.15:src/redismodule.h > redismodule.h)
#   OUT.so          where to write the module
#
# Then: redis-server --port 22201 --loadmodule OUT.so --save '' and
# scripts/record-bloom.sh OUT.so re-records tests/diff-bloom/*.expected.
set -euo pipefail
if [ $# -ne 4 ]; then
    sed -n '2,16p' "$0"
    exit 2
fi
rb=$(cd "$1" && pwd)
td=$(cd "$2" && pwd)
hdr=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
out=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# redismodule.h is included as "redismodule.h" from src/ and deps/.
cp "$hdr" "$work/redismodule.h"
gcc -D_GNU_SOURCE -DREDIS_MODULE_TARGET -DREDISMODULE_SDK_RLEC -DNDEBUG \
    -I"$work" -I"$rb/src" -I"$rb/deps" -I"$rb/deps/murmur2" -I"$td/src" \
    -fPIC -shared -O2 -w -o "$out" \
    "$rb/deps/bloom/bloom.c" "$rb/deps/murmur2/MurmurHash2.c" "$rb/deps/rmutil/util.c" \
    "$rb/src/rebloom.c" "$rb/src/sb.c" "$rb/src/cf.c" "$rb/src/rm_topk.c" \
    "$rb/src/rm_tdigest.c" "$rb/src/topk.c" "$rb/src/rm_cms.c" "$rb/src/cms.c" \
    "$td/src/tdigest.c" -lm
echo "built $out"
