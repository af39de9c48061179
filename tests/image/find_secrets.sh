#!/usr/bin/env bash
# Run inside a container of the session pod by tests/image/pod_secrets.test.mjs
# (`podman exec -i --user <uid> -e CANARY_FILE=<path> <container> bash -c "$(cat find_secrets.sh)"`):
# looks for the values given on stdin (one a line; the first one is a canary this script plants
# in CANARY_FILE, so the file search must find it) in its own environment, in /proc/*/environ
# and /proc/*/cmdline of every process it can see, in every file it can read, and in the answers
# of the streamer's ports on the pod's loopback. The values stay in this shell's memory: never in
# an argv or an environment (where the search would find itself) nor in a file other than the
# canary; grep reads them from a pipe (-f /dev/fd/N). Output: one finding a line, tagged
# ID / ENV / COMM / PROC / PROCS / FILES / FILE / NET / NETHIT, then DONE.
set -u
: "${CANARY_FILE:?}"
mapfile -t C
pats() { printf '%s\n' "${C[@]}"; }
echo "ID $(id -u) $(id -G | tr ' ' ,)"
# A canary planted by this shell (first value): the file search must find it.
printf '%s\n' "${C[0]}" > "$CANARY_FILE"
env | grep -aoFf <(pats) | sed 's/^/ENV /'
procs=0; unreadable=0
for d in /proc/[0-9]*; do
  [ -d "$d" ] || continue
  procs=$((procs + 1))
  echo "COMM ${d#/proc/} $(cat "$d/comm" 2>/dev/null) uid=$(awk '/^Uid:/{print $2}' "$d/status" 2>/dev/null)"
  for f in environ cmdline; do
    if ! tr '\0' '\n' < "$d/$f" > /dev/null 2>&1; then unreadable=$((unreadable + 1)); continue; fi
    tr '\0' '\n' < "$d/$f" 2>/dev/null | grep -aoFf <(pats) | sed "s|^|PROC $d/$f |"
  done
done
echo "PROCS $procs unreadable=$unreadable"
files=$(find / \( -path /proc -o -path /sys \) -prune -o -type f -readable -print 2>/dev/null | wc -l)
echo "FILES $files"
grep -raosF -D skip --exclude-dir=proc --exclude-dir=sys -f <(pats) / 2>/dev/null | head -100 | sed 's/^/FILE /'
http() {  # http <port> <path>: status line and body over the pod's loopback
  exec 3<>"/dev/tcp/127.0.0.1/$1" || { echo "NET $1 $2 unreachable"; return; }
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  resp=$(timeout 10 cat <&3); exec 3>&-
  echo "NET $1 $2 $(printf '%s' "$resp" | head -1 | tr -d '\r') bytes=${#resp}"
  printf '%s' "$resp" | grep -aoFf <(pats) | sed "s|^|NETHIT $1 $2 |"
}
http 8080 /turn
http 8080 /health
http 8000 /metrics
rm -f "$CANARY_FILE"
echo "DONE"
