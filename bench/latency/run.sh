#!/usr/bin/env bash
# Glass-to-glass latency benchmark (docs/performance.md). One command:
#   bench/latency/run.sh [--quick] [--smoke] [--scenario NAME]... [--encoders x264,...] [--runs N] [--measure S] [--ab x264|all|none]
# Builds deskstream and ds_painter if needed (into build/ unless DESKSTREAM_BIN / DS_PAINTER are set),
# runs the scenarios in a network namespace with only loopback up (unshare -n) when that works, and
# writes bench/results/<timestamp>.json, .md and a CDF plot (PNG). --smoke also checks the result.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/bench/results"
smoke=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --out) out="${args[$((i + 1))]}" ;;
    --smoke) smoke=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
  esac
done

build="${DS_BENCH_BUILD:-$root/build}"
if [[ -z "${DESKSTREAM_BIN:-}" || -z "${DS_PAINTER:-}" ]]; then
  if [[ ! -x "$build/apps/deskstream/deskstream" || ! -x "$build/bench/ds_painter" ]]; then
    cmake -S "$root" -B "$build" >/dev/null
    cmake --build "$build" -j"$(nproc)" --target deskstream ds_painter
  fi
fi
export DESKSTREAM_BIN="${DESKSTREAM_BIN:-$build/apps/deskstream/deskstream}"
export DS_PAINTER="${DS_PAINTER:-$build/bench/ds_painter}"
export DS_BENCH_COMMIT="${DS_BENCH_COMMIT:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
if [[ ! -d "$root/tests/e2e/node_modules/playwright-core" ]]; then
  (cd "$root/tests/e2e" && npm ci --no-audit --no-fund >/dev/null)
fi

mkdir -p "$out"
# The result is the JSON bench.mjs writes during this run: one modified after this marker (not
# the last name in the directory, which may be an older result named for a later time).
marker="$(mktemp)"
trap 'rm -f "$marker"' EXIT
# Network isolation: a fresh network namespace with only loopback (needs CAP_SYS_ADMIN).
if unshare -n true 2>/dev/null; then
  DS_BENCH_ISOLATION="unshare -n (own network namespace, loopback only)" \
    timeout --kill-after=30 3600 unshare -n bash -c 'ip link set lo up && exec node "$0" "$@"' "$here/bench.mjs" "$@"
else
  echo "run.sh: unshare -n is not permitted here; running on the host loopback" >&2
  DS_BENCH_ISOLATION="host loopback (unshare -n not permitted)" timeout --kill-after=30 3600 node "$here/bench.mjs" "$@"
fi
result="$(find "$out" -maxdepth 1 -name '*.json' -newer "$marker" | sort | tail -n1)"
[[ -n "$result" ]] || { echo "run.sh: no new result in $out" >&2; exit 1; }

if [[ $smoke == 1 ]]; then
  node "$here/check.mjs" "$result"
fi
# Markdown table + CDF plot; Debian's python3 has matplotlib (scripts/packages/bench.txt).
py=/usr/bin/python3
[[ -x $py ]] || py=python3
"$py" "$here/report.py" "$result"
