#!/usr/bin/env bash
# Builds the app and serves it on http://127.0.0.1:8080/ (installs what is missing).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_web_toolchain
say "building and serving KV Lab on http://127.0.0.1:${PORT:-8080}/"
exec trunk serve --release --offline --port "${PORT:-8080}"
