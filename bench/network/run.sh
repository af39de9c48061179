#!/usr/bin/env bash
# Impaired-network scenarios (docs/network.md, "Measuring it"). One command:
#   bench/network/run.sh [--scenario cap3|cap300|step|loss2|rtt100|twoviewers|twoviewers-ws]... [--smoke] [--transport websocket] [--encoder NAME] [--out DIR]
# Runs bench/network/scenarios.mjs in a private network namespace (unshare -n: only lo, MTU 1500
# so tbf works on it), where its tc/iptables impairments cannot touch the machine's network, then
# draws one PNG per scenario JSON with plot.py. Needs root (network namespace, tc, iptables).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/bench/results/network"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --out) out="${args[$((i + 1))]}" ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
  esac
done
build="${DS_BENCH_BUILD:-$root/build}"
export DESKSTREAM_BIN="${DESKSTREAM_BIN:-$build/apps/deskstream/deskstream}"
export DS_PAINTER="${DS_PAINTER:-$build/bench/ds_painter}"
[[ -x $DESKSTREAM_BIN && -x $DS_PAINTER ]] || { echo "run.sh: build first (scripts/build.sh)" >&2; exit 2; }
if ! unshare -n true 2>/dev/null; then
  echo "SKIPPED: bench/network needs a private network namespace (unshare -n, root) for tc and iptables" >&2
  exit 77
fi
mkdir -p "$out"
marker="$(mktemp)"
trap 'rm -f "$marker"' EXIT
rc=0
timeout --kill-after=30 1800 unshare -n bash -c \
  'ip link set lo up && ip link set lo mtu 1500 && exec node "$0" "$@"' "$here/scenarios.mjs" "$@" --out "$out" || rc=$?
# Plot what was written, also when a scenario failed.
py=/usr/bin/python3
[[ -x $py ]] || py=python3
find "$out" -name '*.json' -newer "$marker" -print0 | xargs -0 -r "$py" "$here/plot.py"
exit $rc
