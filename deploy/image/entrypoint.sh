#!/usr/bin/env bash
# deskstream container entrypoint. Runs under tini (PID 1). DS_ROLE picks what this container
# runs (docs/decisions/0005-streamer-container.md):
#   all      (default) X server -> PulseAudio -> desktop -> deskstream in this one container, as
#            one user. No secret isolation: the desktop's processes share deskstream's uid and
#            can read its /proc/<pid>/environ. For a single user on their own machine.
#   desktop  X server -> PulseAudio -> desktop (the desktop user's container of the session
#            pod). Refuses to start when a deskstream secret is in its environment.
#   streamer waits for the desktop container's X and PulseAudio sockets (shared volumes), then
#            runs deskstream (the pod's other container, another uid, holding the secrets).
# Each child is waited for before the next starts. No SELKIES_*/DESKSTREAM_* variable reaches
# the X server, PulseAudio, the desktop or its apps (they have no use for them).
# - SIGTERM/SIGINT: stop the children in reverse order (TERM, then KILL after
#   DS_STOP_TIMEOUT seconds each) and exit 0.
# - Any child dying on its own: stop the others, exit with its status (1 if it exited 0);
#   except deskstream exiting 75 (X lost) in the streamer role: it is started again once X answers.
# Env: DS_ROLE (all|desktop|streamer), DISPLAY (:0), X_SERVER (xvfb|xorg), DISPLAY_SIZEW/H
#      (1920x1080), DISPLAY_CDEPTH (24), DISPLAY_DPI (96), PULSE_SERVER (/run/pulse/native),
#      DESKTOP_CMD (openbox), DESKTOP_APP (xterm; started in the desktop, not monitored;
#      empty = none), DS_STOP_TIMEOUT (8), DS_WAIT_TIMEOUT (streamer: seconds to wait for X and
#      PulseAudio, 90), DESKSTREAM_CMD (deskstream) and DESKSTREAM_ARGS (extra args).
set -uo pipefail

log() { echo "entrypoint: $*" >&2; }
: "${DISPLAY:=:0}" "${X_SERVER:=xvfb}" "${DISPLAY_SIZEW:=1920}" "${DISPLAY_SIZEH:=1080}"
: "${DISPLAY_CDEPTH:=24}" "${DISPLAY_DPI:=96}" "${PULSE_SERVER:=/run/pulse/native}"
: "${DESKTOP_CMD:=openbox --config-file /etc/deskstream/openbox-rc.xml}" "${DESKTOP_APP=xterm}"
: "${DS_STOP_TIMEOUT:=8}" "${DESKSTREAM_CMD:=deskstream}" "${DESKSTREAM_ARGS:=}"
: "${DS_ROLE:=all}" "${DS_WAIT_TIMEOUT:=90}"
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

case "$DS_ROLE" in
  all | desktop | streamer) ;;
  *) log "unknown DS_ROLE=$DS_ROLE (all|desktop|streamer)"; exit 2 ;;
esac
# deskstream's secrets (config options marked secret, and the JWT HMAC key file).
secret_vars=(SELKIES_TURN_SHARED_SECRET SELKIES_TURN_PASSWORD SELKIES_BASIC_AUTH_PASSWORD
  SELKIES_CLOUDFLARE_TURN_API_TOKEN DESKSTREAM_JWT_HMAC_SECRET_FILE)
present=()
for v in "${secret_vars[@]}"; do [ -n "${!v+x}" ] && present+=("$v"); done
if [ "$DS_ROLE" = desktop ] && [ ${#present[@]} -gt 0 ]; then
  log "DS_ROLE=desktop: ${present[*]} must not be in the desktop container (the desktop user could read it); give it to the streamer container only"
  exit 1
fi
if [ "$DS_ROLE" = all ] && [ ${#present[@]} -gt 0 ]; then
  log "WARNING: DS_ROLE=all runs the desktop as deskstream's own user: its apps can read ${present[*]} from /proc; run the two-container pod (DS_ROLE=desktop + DS_ROLE=streamer) where users are not trusted"
fi
# The desktop side's environment: everything but deskstream's settings.
desk_env=(env)
while IFS= read -r v; do
  case "$v" in SELKIES_* | DESKSTREAM_*) desk_env+=(-u "$v") ;; esac
done < <(compgen -e)

mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
dnum=${DISPLAY#*:}; dnum=${dnum%%.*}
pulse_sock=${PULSE_SERVER#unix:}

if [ "$DS_ROLE" != streamer ]; then
  mkdir -p "$(dirname "$pulse_sock")" 2>/dev/null || true
  # 1. X server. The socket goes to /tmp/.X11-unix (an emptyDir in Kubernetes, shared with the
  # streamer container); a non-root X server cannot create that folder itself.
  rm -f "/tmp/.X${dnum}-lock" "/tmp/.X11-unix/X${dnum}"
  mkdir -p /tmp/.X11-unix 2>/dev/null && chmod 1777 /tmp/.X11-unix 2>/dev/null
  case "$X_SERVER" in
    xvfb)
      start X "${desk_env[@]}" Xvfb "$DISPLAY" -screen 0 "${DISPLAY_SIZEW}x${DISPLAY_SIZEH}x${DISPLAY_CDEPTH}" \
        -dpi "$DISPLAY_DPI" -nolisten tcp +extension RANDR +extension XTEST -noreset ;;
    xorg)
      # The real server binary, not Debian's Xorg.wrap (which only lets console users start X).
      xorg_bin=/usr/lib/xorg/Xorg
      [ -x "$xorg_bin" ] || fail_start "X_SERVER=xorg but Xorg is not in this image (build with --xorg)"
      start X "${desk_env[@]}" "$xorg_bin" "$DISPLAY" -config /etc/deskstream/xorg-dummy.conf -noreset -nolisten tcp \
        -logfile "$XDG_RUNTIME_DIR/Xorg.log" -dpi "$DISPLAY_DPI" ;;
    *) fail_start "unknown X_SERVER=$X_SERVER (xvfb|xorg)" ;;
  esac
  wait_for X 30 xdpyinfo -display "$DISPLAY"

  # 2. PulseAudio in user mode, socket at $PULSE_SERVER, a null sink whose monitor is captured.
  # No D-Bus in the container: no session bus autolaunch, no rtkit (realtime) requests.
  export DBUS_SESSION_BUS_ADDRESS=${DBUS_SESSION_BUS_ADDRESS:-disabled:}
  start PulseAudio "${desk_env[@]}" pulseaudio --daemonize=no --exit-idle-time=-1 --disallow-exit --disable-shm=false \
    --system=false --realtime=false --high-priority=false --use-pid-file=false -n --log-target=stderr \
    --load="module-native-protocol-unix socket=$pulse_sock auth-anonymous=1" \
    --load="module-null-sink sink_name=desk sink_properties=device.description=deskstream" \
    --load="module-always-sink"
  wait_for PulseAudio 20 pactl --server "unix:$pulse_sock" info
  pactl --server "unix:$pulse_sock" set-default-sink desk >/dev/null 2>&1 || true

  # 3. Desktop: a window manager; the first app is started but not monitored.
  # shellcheck disable=SC2086
  start desktop "${desk_env[@]}" $DESKTOP_CMD
  # An EWMH window manager announces itself on the root window; other desktops get 10 s.
  wait_for --soft desktop 10 wm_ready
  # shellcheck disable=SC2086
  [ -n "$DESKTOP_APP" ] && { (cd "$HOME" && exec "${desk_env[@]}" $DESKTOP_APP) >/dev/null 2>&1 & }
else
  # The desktop container owns X and PulseAudio; wait until both answer on the shared sockets.
  deadline=$((SECONDS + DS_WAIT_TIMEOUT))
  until xdpyinfo -display "$DISPLAY" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && { log "X display $DISPLAY not reachable after ${DS_WAIT_TIMEOUT}s"; exit 1; }
    sleep 0.2
  done
  log "X ($DISPLAY) reachable"
  until pactl --server "unix:$pulse_sock" info >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && { log "PulseAudio ($pulse_sock) not reachable after ${DS_WAIT_TIMEOUT}s"; exit 1; }
    sleep 0.2
  done
  log "PulseAudio ($pulse_sock) reachable"
fi

# 4. deskstream.
if [ "$DS_ROLE" != desktop ]; then
  # shellcheck disable=SC2086
  start deskstream $DESKSTREAM_CMD $DESKSTREAM_ARGS
fi

# Supervise: the first child to exit brings the container down, except in the streamer role
# when deskstream lost the X display (status 75, docs/decisions/0008-x-server-lost.md): then
# wait for the desktop container's X server to answer again (the kubelet restarts that
# container) and start deskstream anew, in this container, without a restart back-off.
while :; do
  wait -n "${pids[@]}"
  rc=$?
  [ $stopping = 1 ] && exit 0
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
      wait "${pids[i]}" 2>/dev/null; rc_i=$?
      [ "$rc_i" = 127 ] && rc_i=$rc
      if [ "$DS_ROLE" = streamer ] && [ "${names[i]}" = deskstream ] && [ "$rc_i" = 75 ]; then
        log "deskstream lost X ($DISPLAY); waiting up to ${DS_WAIT_TIMEOUT}s for it to come back"
        unset 'pids[i]' 'names[i]'
        pids=("${pids[@]}"); names=("${names[@]}")
        deadline=$((SECONDS + DS_WAIT_TIMEOUT))
        until xdpyinfo -display "$DISPLAY" >/dev/null 2>&1; do
          [ $stopping = 1 ] && exit 0
          [ $SECONDS -ge $deadline ] && { log "X display $DISPLAY not back after ${DS_WAIT_TIMEOUT}s"; exit 75; }
          sleep 0.2
        done
        log "X ($DISPLAY) reachable again"
        # shellcheck disable=SC2086
        start deskstream $DESKSTREAM_CMD $DESKSTREAM_ARGS
        continue 2
      fi
      log "${names[i]} exited (status $rc_i); stopping the others"
      unset 'pids[i]' 'names[i]'
      pids=("${pids[@]}"); names=("${names[@]}")
      stop_all
      [ "$rc_i" = 0 ] && rc_i=1
      exit "$rc_i"
    fi
  done
done
