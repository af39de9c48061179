#!/usr/bin/env bash
# 1. Every shell script of deploy/image and tests/image parses (bash -n; shellcheck when present).
# 2. deploy/image/entrypoint.sh supervision, without a container: fake Xvfb/pulseaudio/openbox/
#    deskstream on PATH. Asserts start order, SIGTERM -> exit 0 with every child gone, and a
#    dying child -> the others stopped and a non-zero exit. DS_ROLE: no SELKIES_*/DESKSTREAM_*
#    variable reaches the desktop side (all), desktop starts no deskstream and refuses a secret
#    in its env, streamer waits for X and PulseAudio and starts only deskstream.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fail=0
scripts=()
for f in "$root"/deploy/image/*.sh "$root"/tests/image/*.sh; do [ -f "$f" ] && scripts+=("$f"); done
for f in "${scripts[@]}"; do
  if bash -n "$f"; then echo "[ok] bash -n ${f#$root/}"; else echo "[FAIL] bash -n ${f#$root/}"; fail=1; fi
done
if command -v shellcheck >/dev/null; then
  if shellcheck -S error "${scripts[@]}"; then echo "[ok] shellcheck -S error"; else echo "[FAIL] shellcheck"; fail=1; fi
fi

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/run"
for b in Xvfb pulseaudio openbox xterm; do
  # "<name> <pid> <number of SELKIES_*/DESKSTREAM_* variables it got>"
  printf '#!/bin/sh\necho "$(basename "$0") $$ $(env | grep -c -e ^SELKIES_ -e ^DESKSTREAM_)" >> "%s/order"\nexec sleep 1000\n' "$tmp" >"$tmp/bin/$b"
done
# Readiness checks succeed only once the fake process has really started (as the real ones do).
# (For DS_ROLE=streamer, the files x-up / pulse-up stand for the other container's servers.)
printf '#!/bin/sh\ngrep -q Xvfb "%s/order" || [ -e "%s/x-up" ]\n' "$tmp" "$tmp" >"$tmp/bin/xdpyinfo"
printf '#!/bin/sh\ngrep -q pulseaudio "%s/order" || [ -e "%s/pulse-up" ]\n' "$tmp" "$tmp" >"$tmp/bin/pactl"
printf '#!/bin/sh\ngrep -q openbox "%s/order" && echo "_NET_SUPPORTING_WM_CHECK(WINDOW): window id # 0x1"\n' "$tmp" >"$tmp/bin/xprop"
cat >"$tmp/bin/fake-deskstream" <<'EOS'
#!/bin/sh
echo "deskstream $$ $(env | grep -c -e ^SELKIES_ -e ^DESKSTREAM_)" >> "$FAKE_DIR/order"
if [ -n "${FAKE_EXIT_AFTER:-}" ]; then sleep "$FAKE_EXIT_AFTER"; exit "${FAKE_EXIT_CODE:-0}"; fi
exec sleep 1000
EOS
chmod +x "$tmp"/bin/*
run_ep() {  # run_ep <extra env...>; leaves $ep_pid
  : >"$tmp/order"
  env PATH="$tmp/bin:$PATH" FAKE_DIR="$tmp" DESKSTREAM_CMD=fake-deskstream DESKTOP_APP= \
    XDG_RUNTIME_DIR="$tmp/run/xdg" PULSE_SERVER="$tmp/run/pulse/native" HOME="$tmp" DS_STOP_TIMEOUT=3 \
    "$@" bash "$root/deploy/image/entrypoint.sh" >"$tmp/log" 2>&1 &
  ep_pid=$!
}
wait_lines() { for _ in $(seq 50); do [ "$(wc -l <"$tmp/order")" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
leftovers() { ps -o pid= -p "$(cut -d' ' -f2 "$tmp/order" | paste -sd, -)" 2>/dev/null | wc -l; }
vars_of() { awk -v n="$1" '$1==n{print $3}' "$tmp/order"; }  # SELKIES_*/DESKSTREAM_* count

# a) start order and SIGTERM
run_ep
wait_lines 4 || { echo "[FAIL] entrypoint did not start 4 children"; cat "$tmp/log"; exit 1; }
order=$(cut -d' ' -f1 "$tmp/order" | paste -sd' ' -)
[ "$order" = "Xvfb pulseaudio openbox deskstream" ] && echo "[ok] start order: $order" || { echo "[FAIL] start order: $order"; fail=1; }
t0=$(date +%s%N); kill -TERM $ep_pid; wait $ep_pid; rc=$?; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc = 0 ] && echo "[ok] SIGTERM -> exit 0 in ${ms} ms" || { echo "[FAIL] SIGTERM -> exit $rc"; fail=1; }
[ "$(leftovers)" = 0 ] && echo "[ok] no child left after SIGTERM" || { echo "[FAIL] children left after SIGTERM"; fail=1; }
grep -q "stopping deskstream" "$tmp/log" && [ "$(grep -o 'stopping [A-Za-z]*' "$tmp/log" | head -1)" = "stopping deskstream" ] \
  && echo "[ok] stop order begins with deskstream" || { echo "[FAIL] stop order"; cat "$tmp/log"; fail=1; }

# b) deskstream dies with status 3 -> entrypoint exits 3, the rest stopped
run_ep FAKE_EXIT_AFTER=1 FAKE_EXIT_CODE=3
wait $ep_pid; rc=$?
[ $rc = 3 ] && echo "[ok] deskstream exit 3 -> entrypoint exit 3" || { echo "[FAIL] deskstream exit 3 -> entrypoint exit $rc"; cat "$tmp/log"; fail=1; }
[ "$(leftovers)" = 0 ] && echo "[ok] no child left after a child died" || { echo "[FAIL] children left"; fail=1; }

# c) deskstream exits 0 on its own -> still non-zero (a session container must not look "done")
run_ep FAKE_EXIT_AFTER=1 FAKE_EXIT_CODE=0
wait $ep_pid; rc=$?
[ $rc != 0 ] && echo "[ok] deskstream exit 0 -> entrypoint exit $rc (non-zero)" || { echo "[FAIL] entrypoint exit 0 after a child ended"; fail=1; }

# d) X server dies -> non-zero exit
run_ep
wait_lines 4
kill -KILL "$(awk '$1=="Xvfb"{print $2}' "$tmp/order")"
wait $ep_pid; rc=$?
[ $rc != 0 ] && echo "[ok] X killed -> entrypoint exit $rc" || { echo "[FAIL] X killed -> exit 0"; fail=1; }

# e) DS_ROLE=all: deskstream gets its settings and secret, the desktop side gets none of them
run_ep DESKTOP_APP=xterm SELKIES_TURN_SHARED_SECRET=s3cret SELKIES_PORT=1 DESKSTREAM_JWT_TYP=x
wait_lines 5
got="Xvfb=$(vars_of Xvfb) pulseaudio=$(vars_of pulseaudio) openbox=$(vars_of openbox) xterm=$(vars_of xterm) deskstream=$(vars_of deskstream)"
# deskstream also sees DESKSTREAM_CMD (set by the test): 4 variables
[ "$got" = "Xvfb=0 pulseaudio=0 openbox=0 xterm=0 deskstream=4" ] && echo "[ok] all: SELKIES_*/DESKSTREAM_* only in deskstream's env ($got)" \
  || { echo "[FAIL] all: env scrubbing ($got)"; fail=1; }
grep -q "WARNING: DS_ROLE=all.*SELKIES_TURN_SHARED_SECRET" "$tmp/log" && echo "[ok] all: warns that the secret is not isolated" \
  || { echo "[FAIL] all: no warning about the secret"; cat "$tmp/log"; fail=1; }
kill -TERM $ep_pid; wait $ep_pid

# f) DS_ROLE=desktop: X, PulseAudio, desktop; no deskstream; SIGTERM -> 0
run_ep DS_ROLE=desktop
wait_lines 3; sleep 0.5
order=$(cut -d' ' -f1 "$tmp/order" | paste -sd' ' -)
[ "$order" = "Xvfb pulseaudio openbox" ] && echo "[ok] desktop: starts $order" || { echo "[FAIL] desktop: started $order"; fail=1; }
kill -TERM $ep_pid; wait $ep_pid; rc=$?
[ $rc = 0 ] && [ "$(leftovers)" = 0 ] && echo "[ok] desktop: SIGTERM -> exit 0, no child left" || { echo "[FAIL] desktop: SIGTERM -> $rc"; fail=1; }

# g) DS_ROLE=desktop refuses a secret in its environment (and starts nothing)
run_ep DS_ROLE=desktop SELKIES_BASIC_AUTH_PASSWORD=pw
wait $ep_pid; rc=$?
[ $rc != 0 ] && [ ! -s "$tmp/order" ] && grep -q "SELKIES_BASIC_AUTH_PASSWORD must not be in the desktop container" "$tmp/log" \
  && echo "[ok] desktop: a secret in its env -> exit $rc, nothing started" || { echo "[FAIL] desktop with a secret: exit $rc"; cat "$tmp/log"; fail=1; }

# h) DS_ROLE=streamer: gives up when X never comes; else waits for X and PulseAudio, runs only deskstream
run_ep DS_ROLE=streamer DS_WAIT_TIMEOUT=1
wait $ep_pid; rc=$?
[ $rc != 0 ] && [ ! -s "$tmp/order" ] && grep -q "not reachable after 1s" "$tmp/log" \
  && echo "[ok] streamer: no X -> exit $rc, deskstream not started" || { echo "[FAIL] streamer without X: exit $rc"; cat "$tmp/log"; fail=1; }
run_ep DS_ROLE=streamer SELKIES_TURN_SHARED_SECRET=s3cret
sleep 0.5
[ ! -s "$tmp/order" ] && echo "[ok] streamer: waits while X is missing" || { echo "[FAIL] streamer started before X"; fail=1; }
touch "$tmp/x-up" "$tmp/pulse-up"
wait_lines 1; sleep 0.3
order=$(cut -d' ' -f1 "$tmp/order" | paste -sd' ' -)
[ "$order" = deskstream ] && [ "$(vars_of deskstream)" = 2 ] && echo "[ok] streamer: starts only deskstream, with its settings" \
  || { echo "[FAIL] streamer: started '$order' ($(vars_of deskstream) vars)"; cat "$tmp/log"; fail=1; }
kill -TERM $ep_pid; wait $ep_pid; rc=$?
[ $rc = 0 ] && [ "$(leftovers)" = 0 ] && echo "[ok] streamer: SIGTERM -> exit 0" || { echo "[FAIL] streamer: SIGTERM -> $rc"; fail=1; }
rm -f "$tmp/x-up" "$tmp/pulse-up"

# i) DS_ROLE=streamer, deskstream exits 75 (X lost, docs/decisions/0008-x-server-lost.md): the
#    entrypoint keeps running, waits for X and starts deskstream again; other statuses still end it.
touch "$tmp/x-up" "$tmp/pulse-up"
run_ep DS_ROLE=streamer FAKE_EXIT_AFTER=0.3 FAKE_EXIT_CODE=75
wait_lines 1; rm -f "$tmp/x-up"; sleep 1
[ "$(wc -l <"$tmp/order")" = 1 ] && kill -0 $ep_pid 2>/dev/null && grep -q "deskstream lost X" "$tmp/log" \
  && echo "[ok] streamer: deskstream exit 75 -> waits for X, container stays" || { echo "[FAIL] streamer after 75"; cat "$tmp/log"; fail=1; }
touch "$tmp/x-up"
wait_lines 2 && grep -q "reachable again" "$tmp/log" && echo "[ok] streamer: X back -> deskstream started again" \
  || { echo "[FAIL] streamer: not restarted after X came back"; cat "$tmp/log"; fail=1; }
kill -TERM $ep_pid; wait $ep_pid; rc=$?
[ $rc = 0 ] && [ "$(leftovers)" = 0 ] && echo "[ok] streamer: SIGTERM while restarting -> exit 0" || { echo "[FAIL] streamer: SIGTERM -> $rc"; fail=1; }
run_ep DS_ROLE=streamer FAKE_EXIT_AFTER=0.3 FAKE_EXIT_CODE=3
wait $ep_pid; rc=$?
[ $rc = 3 ] && [ "$(wc -l <"$tmp/order")" = 1 ] && echo "[ok] streamer: deskstream exit 3 -> exit 3, no restart" \
  || { echo "[FAIL] streamer: exit 3 -> $rc"; cat "$tmp/log"; fail=1; }
rm -f "$tmp/x-up" "$tmp/pulse-up"
exit $fail
