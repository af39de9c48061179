#!/usr/bin/env bash
# Builds the deskstream image (default localhost/deskstream:dev) with podman --pull=never.
#   deploy/image/build.sh [--no-base] [--xorg] [--no-cache] [--prebuilt BUILD_DIR] [--prune] [--tag IMAGE]
#   --no-base: do not build the base even if missing; --no-cache: cold app build (timing);
#   --prune: afterwards remove dangling images (stale layer caches, e.g. of an older base;
#     also the builder stage cache, so the next full build re-installs the build packages);
#   --prebuilt BUILD_DIR: skip the builder stage and package `cmake --install BUILD_DIR`
#     (a tree configured from this repo on Debian 12, e.g. CI's build folder).
# 1. localhost/base:bookworm via build-base.sh unless already present (cached across CI runs:
#    storage lives in $DS_CONTAINER_DIR, default /var/tmp/deskstream-containers).
# 2. A clean build context (tracked + untracked-not-ignored files, so no build dirs or
#    node_modules) in build-image/context, then `podman build --pull=never`.
# Prints how long each step took. Needs root (rootful podman; see containers.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/podman-env.sh"
root=$ds_root
base=1 xorg=false nocache="" prebuilt="" prune=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-base) base=0 ;;
    --xorg) xorg=true ;;
    --no-cache) nocache=--no-cache ;;
    --prune) prune=1 ;;
    --tag) DS_IMAGE=$2; shift ;;
    --prebuilt) prebuilt=$(cd "$2" && pwd); shift ;;
    *) echo "usage: $0 [--no-base] [--xorg] [--no-cache] [--prebuilt BUILD_DIR] [--prune] [--tag IMAGE]" >&2; exit 2 ;;
  esac
  shift
done
t0=$(date +%s)
if [ $base = 1 ]; then "$here/build-base.sh"; fi
podman image exists "$DS_BASE_IMAGE" || { echo "build: $DS_BASE_IMAGE missing (run build-base.sh)" >&2; exit 1; }
t1=$(date +%s)
ctx="$root/build-image/context"
rm -rf "$ctx" && mkdir -p "$ctx"
(cd "$root" && git ls-files -z -co --exclude-standard | tar --null -T - -cf - 2>/dev/null) | tar -C "$ctx" -xf -
mkdir -p "$ctx/.prebuilt"
stage=builder
if [ -n "$prebuilt" ]; then
  stage=prebuilt
  cmake --install "$prebuilt" --prefix "$ctx/.prebuilt" --strip >/dev/null
  [ -x "$ctx/.prebuilt/bin/deskstream" ] || { echo "build: no bin/deskstream installed from $prebuilt" >&2; exit 1; }
  # Same computation as the builder stage: the Debian packages owning the linked libraries.
  # (dpkg -S knows either the /lib or the /usr/lib spelling on a merged-/usr system: try both.)
  for lib in $(ldd "$ctx/.prebuilt/bin/deskstream" | awk '/=> \//{print $3}'); do
    dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null || echo "build: warning: no package owns $lib" >&2
  done | cut -d: -f1 | sort -u | grep -v -- '-dev$' >"$ctx/.prebuilt/runtime-libs.txt" || true
  [ -s "$ctx/.prebuilt/runtime-libs.txt" ] || { echo "build: could not map the libraries to packages" >&2; exit 1; }
fi
echo "build: context $(du -sh "$ctx" | cut -f1), building $DS_IMAGE (WITH_XORG=$xorg, app from $stage)"
log="$root/build-image/podman-build.log"
if ! podman build --pull=never --layers --force-rm $nocache -f "$ctx/deploy/image/Dockerfile" \
    --build-arg BASE_IMAGE="$DS_BASE_IMAGE" --build-arg WITH_XORG=$xorg --build-arg APP_STAGE=$stage \
    --build-arg BUILD_JOBS="$(nproc)" -t "$DS_IMAGE" "$ctx" >"$log" 2>&1; then
  tail -40 "$log"; echo "build: FAILED (full log: $log)" >&2; exit 1
fi
t2=$(date +%s)
if [ -n "$prebuilt" ]; then
  echo "build: runtime libs: $(tr '\n' ' ' <"$ctx/.prebuilt/runtime-libs.txt")"
else
  sed -n '/^runtime libs:/,/^\(STEP\|-->\|\[\)/p' "$log" | grep -v '^\(STEP\|-->\|\[\)' | tr '\n' ' ' | sed 's/^/build: /'; echo
fi
size=$(podman image inspect "$DS_IMAGE" --format '{{.Size}}')
echo "build: $DS_IMAGE built; base step $((t1 - t0)) s, app step $((t2 - t1)) s, total $((t2 - t0)) s, image $((size / 1000000)) MB"
if [ $prune = 1 ]; then
  podman image prune -f >/dev/null
  echo "build: pruned dangling images; storage $(du -sh "$DS_CONTAINER_DIR" | cut -f1)"
fi
