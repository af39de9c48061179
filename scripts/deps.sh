#!/usr/bin/env bash
# Installs whatever is missing from scripts/packages/*.txt (Debian 12, apt) and the npm packages
# of tests/e2e. Idempotent and quiet when everything is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lists=("$root"/scripts/packages/*.txt)
if [ "${1:-}" = "--runtime-only" ]; then lists=("$root/scripts/packages/build.txt" "$root/scripts/packages/runtime.txt"); fi
mapfile -t wanted < <(cat "${lists[@]}" | sed 's/#.*//' | awk 'NF{print $1}' | sort -u)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# apt's output goes to a private temp file (never a fixed /tmp name), kept only on failure.
log=$(mktemp -t deskstream-apt.XXXXXX)
trap 'rm -f "$log"' EXIT
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1 \
    || { tail -30 "$log"; trap - EXIT; echo "deps: apt log kept in $log" >&2; exit 1; }
fi
if [ "${1:-}" != "--runtime-only" ] && ! command -v npm >/dev/null; then
  echo "deps: installing Debian's nodejs and npm"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm >"$log" 2>&1 \
    || { tail -30 "$log"; trap - EXIT; echo "deps: apt log kept in $log" >&2; exit 1; }
fi
if [ "${1:-}" != "--runtime-only" ] && [ -f "$root/tests/e2e/package.json" ]; then
  if [ ! -d "$root/tests/e2e/node_modules/playwright-core" ] || [ ! -d "$root/tests/e2e/node_modules/puppeteer-core" ]; then
    echo "deps: npm ci in tests/e2e"
    (cd "$root/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
