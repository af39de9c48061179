#!/usr/bin/env bash
# One command: install what is missing, build, run every test (unit, component, integration,
# browser end-to-end, manifests). ctest prints the summary line. Extra args go to ctest
# (e.g. scripts/test.sh -L unit); with none, the sanitizer stages (scripts/test_sanitize.sh asan-ci
# and tsan, docs/testing.md) follow the ordinary suite. DS_SKIP_SANITIZERS=1 leaves them out.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh"
cd "$root/build"
# 2 cores: run the heavy browser/GStreamer tests one at a time, the rest in parallel.
ctest --output-on-failure --timeout 900 -LE 'e2e|image|component|fuzz|bench|security' -j2 "$@"
ctest --output-on-failure --timeout 900 -L 'e2e|image|component|fuzz|bench|security' "$@"
# The sanitizer stages: an ASan+LSan+UBSan build of its own (build-asan/) and the tiers that go
# through the most of our code under it, then a TSan build (build-tsan/) of deskstream and the
# tests that run GStreamer's and webrtcbin's threads through our callbacks. Only for the whole
# suite, not for a chosen subset.
if [ $# -eq 0 ] && [ "${DS_SKIP_SANITIZERS:-0}" != 1 ]; then
  "$root/scripts/test_sanitize.sh" asan-ci
  "$root/scripts/test_sanitize.sh" tsan
fi
