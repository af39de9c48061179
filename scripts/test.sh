#!/usr/bin/env bash
# One command: install what is missing, build, run every test (unit, component, integration,
# browser end-to-end, manifests). ctest prints the summary line. Extra args go to ctest
# (e.g. scripts/test.sh -L unit). The sanitizer stage, scripts/test_sanitize.sh asan-ci, is not
# called from here yet (docs/testing.md, "The sanitizer stage").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh"
cd "$root/build"
# 2 cores: run the heavy browser/GStreamer tests one at a time, the rest in parallel.
ctest --output-on-failure --timeout 900 -LE 'e2e|image|component|fuzz|bench|security' -j2 "$@"
ctest --output-on-failure --timeout 900 -L 'e2e|image|component|fuzz|bench|security' "$@"
