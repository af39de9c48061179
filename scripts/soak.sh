#!/usr/bin/env bash
# The soak (tests/soak/soak.mjs, docs/reliability.md): connect/disconnect cycles of real Chromium
# viewers against deskstream, then fds, threads, RSS and pipelines at start and end as JSON.
#   scripts/soak.sh [--cycles 1000] [--warmup 10] [--check] [--rss-growth-mb 40] [--out file.json]
# DESKSTREAM_BIN picks the binary (default: build/apps/deskstream/deskstream).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export DESKSTREAM_BIN=${DESKSTREAM_BIN:-$root/build/apps/deskstream/deskstream}
exec node "$root/tests/soak/soak.mjs" "$@"
