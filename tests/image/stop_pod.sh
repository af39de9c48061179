#!/usr/bin/env bash
# Stop (SIGTERM, then remove) a container started by tests/image/start_pod.sh.
#   tests/image/stop_pod.sh <target> <port>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: $0 <target> <port>" >&2; exit 2; }
py=python3
python3 -c 'import yaml' 2>/dev/null || py=/usr/bin/python3
exec "$py" "$here/run_pod_test.py" stop "$@"
