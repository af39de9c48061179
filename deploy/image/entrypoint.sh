#!/usr/bin/env bash
# deskstream container entrypoint: X server -> PulseAudio -> desktop -> deskstream, in order,
# each one waited for before the next starts. Runs under tini (PID 1).
# - SIGTERM/SIGINT: stop the children in reverse order (TERM, then KILL after
#   DS_STOP_TIMEOUT seconds each) and exit 0.
# - Any child dying on its own: stop the others, exit with its status (1 if it exited 0).
# Env: DISPLAY (:0), X_SERVER (xvfb|xorg), DISPLAY_SIZEW/H (1920x1080), DISPLAY_CDEPTH (24),
#      DISPLAY_DPI (96), PULSE_SERVER (/run/pulse/native), DESKTOP_CMD (openbox),
#      DESKTOP_APP (xterm; started in the desktop, not monitored; empty = none), DS_STOP_TIMEOUT (8),
#      DESKSTREAM_CMD (deskstream) and DESKSTREAM_ARGS (extra args).
set -uo pipefail

log() { echo "entrypoint: $*" >&2; }
: "${DISPLAY:=:0}" "${X_SERVER:=xvfb}" "${DISPLAY_SIZEW:=1920}" "${DISPLAY_SIZEH:=1080}"
: "${DISPLAY_CDEPTH:=24}" "${DISPLAY_DPI:=96}" "${PULSE_SERVER:=/run/pulse/native}"
: "${DESKTOP_CMD:=openbox --config-file /etc/deskstream/openbox-rc.xml}" "${DESKTOP_APP=xterm}"
: "${DS_STOP_TIMEOUT:=8}" "${DESKSTREAM_CMD:=deskstream}" "${DESKSTREAM_ARGS:=}"
: "${XDG_RUNTIME_DIR:=/tmp/runtime-$(id -u)}" "${HOME:=/tmp}"
export DISPLAY PULSE_SERVER XDG_RUNTIME_DIR HOME

names=() pids=()
stopping=0

stop_all() {  # reverse start order
  local i pid deadline
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -0 "$pid" 2>/dev/null || continue
    log "stopping ${names[i]} (pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    deadline=$((SECONDS + DS_STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "${names[i]} ignored SIGTERM, killing"; kill -KILL "$pid" 2>/dev/null; fi
    wait "$pid" 2>/dev/null
  done
}
on_signal() {
  [ $stopping = 1 ] && return
  stopping=1
  log "received $1, shutting down"
  stop_all
  exit 0
}
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT
trap 'on_signal SIGHUP' HUP

start() {  # start <name> <command...>
  local name=$1; shift
  "$@" &
  names+=("$name"); pids+=($!)
  log "started $name (pid $!): $*"
}
fail_start() { log "$1"; stop_all; exit 1; }
wait_for() {  # wait_for [--soft] <name> <timeout-s> <check command...>; fails if the process died
  local soft=0; [ "$1" = --soft ] && { soft=1; shift; }
  local name=$1 timeout=$2 pid=${pids[-1]}; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; fail_start "$name exited during start-up (status $?)"; }
    if [ $SECONDS -ge $deadline ]; then
      [ $soft = 1 ] && { log "$name: no readiness signal after ${timeout}s, continuing"; return 0; }
      fail_start "$name not ready after ${timeout}s"
    fi
    sleep 0.2
  done
  log "$name ready"
}
wm_ready() { xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id'; }

mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
mkdir -p "$(dirname "$PULSE_SERVER")" 2>/dev/null || true
dnum=${DISPLAY#*:}; dnum=${dnum%%.*}

# 1. X server. The socket goes to /tmp/.X11-unix (an emptyDir in Kubernetes); a non-root X
# server cannot create that folder itself.
rm -f "/tmp/.X${dnum}-lock" "/tmp/.X11-unix/X${dnum}"
mkdir -p /tmp/.X11-unix 2>/dev/null && chmod 1777 /tmp/.X11-unix 2>/dev/null
case "$X_SERVER" in
  xvfb)
    start X Xvfb "$DISPLAY" -screen 0 "${DISPLAY_SIZEW}x${DISPLAY_SIZEH}x${DISPLAY_CDEPTH}" \
      -dpi "$DISPLAY_DPI" -nolisten tcp +extension RANDR +extension XTEST -noreset ;;
  xorg)
    # The real server binary, not Debian's Xorg.wrap (which only lets console users start X).
    xorg_bin=/usr/lib/xorg/Xorg
    [ -x "$xorg_bin" ] || fail_start "X_SERVER=xorg but Xorg is not in this image (build with --xorg)"
    start X "$xorg_bin" "$DISPLAY" -config /etc/deskstream/xorg-dummy.conf -noreset -nolisten tcp \
      -logfile "$XDG_RUNTIME_DIR/Xorg.log" -dpi "$DISPLAY_DPI" ;;
  *) fail_start "unknown X_SERVER=$X_SERVER (xvfb|xorg)" ;;
esac
wait_for X 30 xdpyinfo -display "$DISPLAY"

# 2. PulseAudio in user mode, socket at $PULSE_SERVER, a null sink whose monitor is captured.
pulse_sock=${PULSE_SERVER#unix:}
# No D-Bus in the container: no session bus autolaunch, no rtkit (realtime) requests.
export DBUS_SESSION_BUS_ADDRESS=${DBUS_SESSION_BUS_ADDRESS:-disabled:}
start PulseAudio pulseaudio --daemonize=no --exit-idle-time=-1 --disallow-exit --disable-shm=false \
  --system=false --realtime=false --high-priority=false --use-pid-file=false -n --log-target=stderr \
  --load="module-native-protocol-unix socket=$pulse_sock auth-anonymous=1" \
  --load="module-null-sink sink_name=desk sink_properties=device.description=deskstream" \
  --load="module-always-sink"
wait_for PulseAudio 20 pactl --server "unix:$pulse_sock" info
pactl --server "unix:$pulse_sock" set-default-sink desk >/dev/null 2>&1 || true

# 3. Desktop: a window manager; the first app is started but not monitored.
# shellcheck disable=SC2086
start desktop $DESKTOP_CMD
# An EWMH window manager announces itself on the root window; other desktops get 10 s.
wait_for --soft desktop 10 wm_ready
[ -n "$DESKTOP_APP" ] && { (cd "$HOME" && exec $DESKTOP_APP) >/dev/null 2>&1 & }

# 4. deskstream.
# shellcheck disable=SC2086
start deskstream $DESKSTREAM_CMD $DESKSTREAM_ARGS

# Supervise: the first child to exit brings the container down.
while :; do
  wait -n "${pids[@]}"
  rc=$?
  [ $stopping = 1 ] && exit 0
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
      wait "${pids[i]}" 2>/dev/null; rc_i=$?
      [ "$rc_i" = 127 ] && rc_i=$rc
      log "${names[i]} exited (status $rc_i); stopping the others"
      unset 'pids[i]' 'names[i]'
      pids=("${pids[@]}"); names=("${names[@]}")
      stop_all
      [ "$rc_i" = 0 ] && rc_i=1
      exit "$rc_i"
    fi
  done
done
