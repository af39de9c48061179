#!/usr/bin/env bash
# Run by tests/image/pod_secrets.test.mjs in a throwaway container that joins the streamer's PID
# namespace as the desktop user (uid 1000, no capabilities): what `shareProcessNamespace: true`
# would give the desktop. Tries deskstream's /proc/<pid>/environ, maps and mem and prints
# PID <pid>, READ|DENIED <file> <error>, CMDLINE <its command line>.
set -u
pid=""
for p in /proc/[0-9]*; do
  [ "$(cat "$p/comm" 2>/dev/null)" = deskstream ] && { pid=${p#/proc/}; break; }
done
echo "PID $pid"
[ -n "$pid" ] || exit 0
for f in environ maps mem; do
  if [ "$f" = mem ]; then
    dd if="/proc/$pid/mem" bs=1 count=1 skip=4194304 >/dev/null 2>/tmp/err
  else
    cat "/proc/$pid/$f" >/dev/null 2>/tmp/err
  fi && echo "READ $f" || echo "DENIED $f $(tr -d '\n' </tmp/err | sed 's/.*: //')"
done
echo "CMDLINE $(tr '\0' ' ' <"/proc/$pid/cmdline")"
