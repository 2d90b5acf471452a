#!/usr/bin/env bash
# The image tier's tools (test/image/image.test.ts) from Debian, pinned by version (apt checks
# every package against the archive's signed checksums): buildah builds and runs the image with
# chroot isolation, debootstrap makes the stand-in base, iproute2 and util-linux give the
# container a network namespace of its own. Installs only what is missing; .ci/run calls it, so
# CI never skips the tier. Without root it says what to run.
set -euo pipefail

declare -A pinned=(
  [buildah]=1.28.2+ds1-3+deb12u1+b3
  [debootstrap]=1.0.128+nmu2+deb12u2
  [iproute2]=6.1.0-3
  [util-linux]=2.38.1-5+deb12u3
)
declare -A provides=([buildah]=buildah [debootstrap]=debootstrap [iproute2]=ip [util-linux]=nsenter)

missing=()
for package in buildah debootstrap iproute2 util-linux; do
  command -v "${provides[$package]}" >/dev/null || missing+=("$package=${pinned[$package]}")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "image tier tools: $(buildah --version), debootstrap $(dpkg-query -W -f='${Version}' debootstrap)"
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "image tier tools missing: run as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
