#!/usr/bin/env bash
# Where does deskstream's CPU go? Runs one scenario (default 1080p30-motion-x264) with perf
# sampling the deskstream process during the measurement window, then prints perf's view by
# thread, by shared object and by symbol.   usage: bench/latency/profile.sh [SCENARIO]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scenario="${1:-1080p30-motion-x264}"
dir="$(mktemp -d /tmp/ds-perf.XXXXXX)"
DS_BENCH_PERF="$dir" DS_BENCH_ISOLATION="host loopback (profiling)" \
  node "$here/bench.mjs" --scenario "$scenario" --runs 1 --warmup 2 --measure 10 --ab none --out "$dir"
data="$dir/$scenario-ours.data"
echo "== by thread"; perf report -i "$data" --stdio --no-children --sort comm 2>/dev/null | grep -E '^ +[0-9]' | head -15
echo "== by shared object"; perf report -i "$data" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9]' | head -15
echo "== by symbol"; perf report -i "$data" --stdio --no-children -g none --sort dso,sym 2>/dev/null | grep -E '^ +[0-9]' | head -30
echo "perf data: $data"
