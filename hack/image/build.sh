#!/usr/bin/env bash
# Builds the controller image with no registry: assembles its root file system into out/image/rootfs (the
# pinned Node binary with the libraries ldd names, capo-ts without its tests, the production node_modules,
# /etc/passwd for uid 65532, /etc/hosts), then builds ./Dockerfile FROM scratch over it with buildah (Debian's, installed
# when missing) or, where there is one, docker. Writes out/capo-ts-controller-<version>.oci.tar.
#
#   hack/image/build.sh [--rootfs-only] [--tag localhost/capo-ts-controller:v0.1.0] [--out DIR (default out)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source hack/lib.sh
LOG_TAG=image
ensure_node_modules >&2
version="$(node_modules/.bin/node -p 'require("./package.json").version')"
tag="localhost/capo-ts-controller:v$version"
rootfs_only=""
out=out
while [ $# -gt 0 ]; do
  case "$1" in
    --rootfs-only) rootfs_only=1 ;;
    --tag) tag="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) log "unknown argument $1"; exit 2 ;;
  esac
  shift
done

ctx="$out/image"
root="$ctx/rootfs"
rm -rf "$ctx"
mkdir -p "$root/usr/local/bin" "$root/app" "$root/etc" "$root/tmp"

node_bin="$(readlink -f node_modules/.bin/node)"
cp "$node_bin" "$root/usr/local/bin/node"
# The loader and every library the binary links, at the paths it asks for (no host file at run time).
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

cp package.json package-lock.json "$root/app/"
cp -r src "$root/app/src"
find "$root/app/src" \( -name '*.test.ts' -o -name '*.test-helper.ts' \) -delete
# Production dependencies only, from the npm cache the developer install filled.
npm ci --prefix "$root/app" --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2
rm -f "$root/app/package-lock.json"
# Type declarations, source maps and docs are half of node_modules and nothing runs them; licenses stay.
find "$root/app/node_modules" \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
  -o -name '*.md' \) -delete
rm -rf "$root/app/node_modules/@types"

write_image_users "$root"
# Runtimes mount their own /etc/hosts; these are for a bare run (chroot), and the order is glibc's for files first.
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
chmod 1777 "$root/tmp"
log "root file system: $(du -sh "$root" | cut -f1) in $root"
[ -z "$rootfs_only" ] || exit 0

archive="$out/capo-ts-controller-v$version.oci.tar"
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  docker build -f Dockerfile -t "$tag" "$ctx" >&2
  docker save "$tag" -o "$archive"
else
  command -v buildah >/dev/null || apt_install buildah
  # vfs: no overlay mount needed, so this works in an unprivileged or nested container too.
  export STORAGE_DRIVER=vfs
  buildah bud --quiet --layers=false -f Dockerfile -t "$tag" "$ctx" >&2
  rm -f "$archive"
  buildah push --quiet "$tag" "oci-archive:$archive:$tag" >&2
fi
log "image $tag: $(du -h "$archive" | cut -f1) archive at $archive"
echo "$archive"
