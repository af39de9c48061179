#!/usr/bin/env bash
# Builds localhost/base:bookworm from Debian packages only: debootstrap (minbase) + security and
# point-release updates, then buildah "from scratch" + commit. No registry is involved.
# Skips the work when the image already exists (use --force to rebuild). Needs root.
# Host packages: scripts/packages/k8s.txt (debootstrap buildah podman runc ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=podman-env.sh
. "$here/podman-env.sh"
force=0
[ "${1:-}" = "--force" ] && force=1
if [ $force = 0 ] && podman image exists "$DS_BASE_IMAGE"; then
  echo "build-base: $DS_BASE_IMAGE already present (cached), skipping; --force rebuilds"
  exit 0
fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
rootfs="$DS_CONTAINER_DIR/rootfs-bookworm"
t0=$(date +%s)
cleanup() {
  umount "$rootfs/proc" 2>/dev/null || true
  umount "$rootfs/dev" 2>/dev/null || true
}
# Remove a rootfs left by an interrupted run: unmount first, and never cross into a mount
# (a stale mount under it must not take anything of the host with it).
remove_rootfs() {
  cleanup
  if [ -d "$rootfs" ] && grep -q " $rootfs/" /proc/self/mounts; then
    echo "build-base: $rootfs still has mounts under it; refusing to delete it" >&2
    exit 1
  fi
  rm -rf --one-file-system "$rootfs"
}
trap cleanup EXIT
remove_rootfs
echo "build-base: debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$DS_CONTAINER_DIR/debootstrap.log" 2>&1 \
  || { tail -30 "$DS_CONTAINER_DIR/debootstrap.log"; exit 1; }
cat >"$rootfs/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SRC
# Keep images small: no docs/man pages, no recommends.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-nodoc" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
CFG
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/01-norecommends"
mount -t proc proc "$rootfs/proc"
# A private /dev for the chroot: a tmpfs with the few nodes apt and dpkg use. Never the host's
# /dev (a bind mount would let anything in the chroot replace the host's device nodes).
mount -t tmpfs -o mode=755,size=1m,nosuid,noexec tmpfs "$rootfs/dev"
for node in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
  set -- $node
  mknod -m 666 "$rootfs/dev/$1" c "$2" "$3"
done
ln -s /proc/self/fd "$rootfs/dev/fd"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
chroot "$rootfs" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade && apt-get clean && rm -rf /var/lib/apt/lists/*' \
  >"$DS_CONTAINER_DIR/base-upgrade.log" 2>&1 || { tail -30 "$DS_CONTAINER_DIR/base-upgrade.log"; exit 1; }
: >"$rootfs/etc/resolv.conf"
cleanup
t1=$(date +%s)
c=$(buildah from scratch)
m=$(buildah mount "$c")
cp -a "$rootfs/." "$m/"
buildah umount "$c" >/dev/null
buildah config --cmd '["/bin/bash"]' --env LANG=C.UTF-8 \
  --label org.opencontainers.image.title=base-bookworm \
  --label org.opencontainers.image.description="Debian 12 minbase from debootstrap (deskstream deploy/image/build-base.sh)" "$c"
buildah commit --rm -q "$c" "$DS_BASE_IMAGE" >/dev/null
remove_rootfs
t2=$(date +%s)
echo "build-base: $DS_BASE_IMAGE built in $((t2 - t0)) s (debootstrap+upgrade $((t1 - t0)) s, commit $((t2 - t1)) s)"
