#!/usr/bin/env bash
# One command: install what is missing, build, start a virtual desktop (Xvfb + a clock, an
# xterm and a "Play a tone" button) with its own PulseAudio, and stream both at
# http://127.0.0.1:8080/ (click the page's speaker button to hear the tone). Ctrl+C stops
# everything. Set DISPLAY_TO_STREAM=:0 to stream an existing display (and PULSE_SERVER to stream
# an existing PulseAudio) instead of starting Xvfb and PulseAudio.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" --runtime-only
"$root/scripts/build.sh"
pids=()
pulse_dir=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$pulse_dir" ]; then sleep 0.2; rm -rf "$pulse_dir"; fi
}
trap cleanup EXIT INT TERM
# PulseAudio: a private, per-user daemon with its own runtime dir and socket (nothing shared with
# a desktop session's own PulseAudio), a null sink whose monitor deskstream captures.
if [ -z "${PULSE_SERVER:-}" ] && command -v pulseaudio >/dev/null; then
  pulse_dir=$(mktemp -d "${TMPDIR:-/tmp}/deskstream-demo-pulse.XXXXXX")
  mkdir -p "$pulse_dir/run" "$pulse_dir/home" "$pulse_dir/state"
  HOME=$pulse_dir/home XDG_RUNTIME_DIR=$pulse_dir/run PULSE_RUNTIME_PATH=$pulse_dir/run PULSE_STATE_PATH=$pulse_dir/state \
    pulseaudio --daemonize=no --exit-idle-time=-1 --system=false --disallow-exit --use-pid-file=false -n \
    --load="module-null-sink sink_name=demo" \
    --load="module-native-protocol-unix socket=$pulse_dir/native auth-anonymous=1" \
    >"${BUILD_DIR:-$root/build}/demo-pulseaudio.log" 2>&1 &
  pids+=($!)
  export PULSE_SERVER=unix:$pulse_dir/native
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
fi
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
  # Something audible on demand: each click on the button plays a one-second 440 Hz tone.
  if [ -n "${PULSE_SERVER:-}" ]; then
    DISPLAY=$display bash -c 'while xmessage -geometry +40+320 -buttons "Play a tone:0" \
      "Desktop audio: click the page'"'"'s speaker button, then this one."; do
        gst-launch-1.0 -q audiotestsrc freq=440 volume=0.4 num-buffers=44 ! audioconvert ! pulsesink >/dev/null 2>&1
      done' >/dev/null 2>&1 & pids+=($!)
  fi
fi
echo "Streaming $display at http://127.0.0.1:${SELKIES_PORT:-8080}/ (basic auth off for the demo; Ctrl+C stops)"
DISPLAY=$display SELKIES_ENABLE_BASIC_AUTH=${SELKIES_ENABLE_BASIC_AUTH:-false} SELKIES_ADDR=${SELKIES_ADDR:-127.0.0.1} \
  SELKIES_STUN_HOST=${SELKIES_STUN_HOST:-} SELKIES_TURN_HOST=${SELKIES_TURN_HOST:-} \
  SELKIES_FRAMERATE=${SELKIES_FRAMERATE:-30} SELKIES_WEB_ROOT=${SELKIES_WEB_ROOT:-$root/web} \
  "${BUILD_DIR:-$root/build}/apps/deskstream/deskstream" "$@" &
pids+=($!)
wait "${pids[-1]}"
