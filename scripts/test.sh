#!/usr/bin/env bash
# One command: install what is missing, build, run every test (unit, component, integration,
# browser end-to-end, manifests), then the sanitizer stage (ASan+LSan+UBSan, docs/testing.md).
# ctest prints the summary lines. Extra args go to ctest and leave the sanitizer stage out
# (e.g. scripts/test.sh -L unit); so does DS_SKIP_SANITIZERS=1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh"
cd "$root/build"
# 2 cores: run the heavy browser/GStreamer tests one at a time, the rest in parallel.
ctest --output-on-failure --timeout 900 -LE 'e2e|image|component|fuzz|bench|security' -j2 "$@"
ctest --output-on-failure --timeout 900 -L 'e2e|image|component|fuzz|bench|security' "$@"
# The sanitizer stage: its own instrumented build (build-asan/), every unit, component and
# integration test, two browser tests and a 25-cycle soak, all clean of sanitizer reports.
if [ $# -eq 0 ] && [ "${DS_SKIP_SANITIZERS:-0}" != 1 ]; then
  "$root/scripts/test_sanitize.sh" asan-ci
fi
