# shellcheck shell=bash
# Sourced by deploy/image/*.sh and tests/image/*: points podman/buildah at a containers.conf and
# storage.conf generated into the repo's gitignored build-image/ folder, with the image storage
# itself outside the repo (default /var/tmp/deskstream-containers) so it survives fresh clones
# and CI can reuse the cached base image. See /work/shared/reference/containers.md:
# runc (crun fails on hybrid cgroups), explicit ulimits (podman's defaults cannot be set here),
# cgroupfs, file events logger, overlay storage.
ds_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DS_CONTAINER_DIR=${DS_CONTAINER_DIR:-/var/tmp/deskstream-containers}
DS_CONF_DIR=${DS_CONF_DIR:-$ds_root/build-image/containers}
DS_IMAGE=${DS_IMAGE:-localhost/deskstream:dev}
DS_BASE_IMAGE=${DS_BASE_IMAGE:-localhost/base:bookworm}
mkdir -p "$DS_CONF_DIR" "$DS_CONTAINER_DIR/storage" "$DS_CONTAINER_DIR/run" "$DS_CONTAINER_DIR/tmp"
cat >"$DS_CONF_DIR/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DS_CONTAINER_DIR/run/events.log"
CONF
cat >"$DS_CONF_DIR/storage.conf" <<CONF
[storage]
driver = "overlay"
runroot = "$DS_CONTAINER_DIR/run"
graphroot = "$DS_CONTAINER_DIR/storage"
CONF
export CONTAINERS_CONF="$DS_CONF_DIR/containers.conf"
export CONTAINERS_STORAGE_CONF="$DS_CONF_DIR/storage.conf"
export TMPDIR="$DS_CONTAINER_DIR/tmp"
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-oci}
export DS_CONTAINER_DIR DS_CONF_DIR DS_IMAGE DS_BASE_IMAGE
