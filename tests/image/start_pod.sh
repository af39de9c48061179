#!/usr/bin/env bash
# Hook for the e2e harness: start the deskstream image as the rendered pod would run.
#   tests/image/start_pod.sh <cpu|nvidia|example|cpu-nvenc> <port> [--no-wait]
# Prints the URL (http://127.0.0.1:<port>/) on stdout once the startup probe passes.
# Stop it with tests/image/stop_pod.sh <same target> <port>. Needs root and the image
# (DS_IMAGE, default localhost/deskstream:dev; deploy/image/build.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 <cpu|nvidia|example|cpu-nvenc> <port> [--no-wait]" >&2; exit 2; }
py=python3
python3 -c 'import yaml' 2>/dev/null || py=/usr/bin/python3
exec "$py" "$here/run_pod_test.py" start "$@"
