#!/usr/bin/env bash
# One command: install what is missing, build, start a virtual desktop (Xvfb + a clock and an
# xterm) and stream it at http://127.0.0.1:8080/. Ctrl+C stops everything.
# Set DISPLAY_TO_STREAM=:0 to stream an existing display instead of starting Xvfb.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" --runtime-only
"$root/scripts/build.sh"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
display=${DISPLAY_TO_STREAM:-}
if [ -z "$display" ]; then
  n=99
  while [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
  display=":$n"
  Xvfb "$display" -screen 0 1280x720x24 -nolisten tcp -noreset >"${BUILD_DIR:-$root/build}/demo-xvfb.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
  DISPLAY=$display xsetroot -solid '#204a87'
  DISPLAY=$display xclock -update 1 -geometry 220x220+40+40 >/dev/null 2>&1 & pids+=($!)
  DISPLAY=$display xterm -geometry 90x24+300+60 -e 'while true; do date; sleep 0.5; done' >/dev/null 2>&1 & pids+=($!)
fi
echo "Streaming $display at http://127.0.0.1:${SELKIES_PORT:-8080}/ (basic auth off for the demo; Ctrl+C stops)"
DISPLAY=$display SELKIES_ENABLE_BASIC_AUTH=${SELKIES_ENABLE_BASIC_AUTH:-false} SELKIES_ADDR=${SELKIES_ADDR:-127.0.0.1} \
  SELKIES_STUN_HOST=${SELKIES_STUN_HOST:-} SELKIES_TURN_HOST=${SELKIES_TURN_HOST:-} \
  SELKIES_FRAMERATE=${SELKIES_FRAMERATE:-30} SELKIES_WEB_ROOT=${SELKIES_WEB_ROOT:-$root/web} \
  "${BUILD_DIR:-$root/build}/apps/deskstream/deskstream" "$@" &
pids+=($!)
wait "${pids[-1]}"
