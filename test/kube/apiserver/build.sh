#!/usr/bin/env bash
# Builds etcd and kube-apiserver for the kube tier from the wrapper modules next to this script
# (versions and every module checksum pinned by their go.mod and go.sum) into a cache outside
# the repository, keyed by version and reused when present: a cold build takes minutes, a
# cached one nothing. Needs only Go and the Go module proxy.
#
#   build.sh          build when missing; the last line printed is the directory of the binaries
#   build.sh --check  build nothing: print that directory and exit 0 when both binaries are
#                     there, else say why on stderr and exit 3
set -euo pipefail

kube_version=v1.35.0
etcd_version=v3.6.5
here="$(cd "$(dirname "$0")" && pwd)"
wrapper="$here/wrapper"
cache_root="${VCP_KUBE_TIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vault-csi-provider-ts}"
out="$cache_root/kube-$kube_version-etcd-$etcd_version"

# The stamp ties a cached build to the exact wrapper sources, so a changed pin rebuilds.
stamp="$(cd "$wrapper" && cat etcd/go.mod etcd/go.sum etcd/main.go \
  kube-apiserver/go.mod kube-apiserver/go.sum kube-apiserver/main.go | sha256sum | cut -d' ' -f1)"

is_built() {
  [[ -x "$out/bin/etcd" && -x "$out/bin/kube-apiserver" && -f "$out/stamp" ]] &&
    [[ "$(cat "$out/stamp")" == "$stamp" ]]
}

if [[ "${1:-}" == "--check" ]]; then
  if is_built; then
    echo "$out"
    exit 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "Go is not installed, so kube-apiserver $kube_version and etcd $etcd_version cannot be built (install Go, then run test/kube/apiserver/build.sh)" >&2
  else
    echo "kube-apiserver $kube_version and etcd $etcd_version are not built in $out (run test/kube/apiserver/build.sh, about 3 minutes)" >&2
  fi
  exit 3
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: Go is not installed; it is needed to build kube-apiserver $kube_version and etcd $etcd_version" >&2
  exit 3
fi

mkdir -p "$out"
# Two worktrees may build at once: one builds, the other waits and reuses the result.
exec 9>"$out/.lock"
flock 9

if is_built; then
  echo "== kube tier binaries: cached"
  echo "$out"
  exit 0
fi

started=$SECONDS
staging="$(mktemp -d "$out/.build.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

# Module downloads must match go.sum; the build never edits the committed wrapper.
export GOFLAGS=-mod=readonly GOWORK=off CGO_ENABLED=0

echo "== building etcd $etcd_version ($(go version))"
(cd "$wrapper/etcd" && go build -trimpath -ldflags "-s -w" -o "$staging/etcd" .)

echo "== building kube-apiserver $kube_version"
# The release build's tags and version stamps, so /version answers $kube_version.
version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=35"
  version_flags+=" -X $pkg.gitTreeState=clean"
done
(cd "$wrapper/kube-apiserver" && go build -trimpath -tags selinux,notest,grpcnotrace \
  -ldflags "-s -w$version_flags" -o "$staging/kube-apiserver" .)

"$staging/etcd" --version | grep -q "etcd Version: ${etcd_version#v}" ||
  { echo "build.sh: etcd does not report version $etcd_version" >&2; exit 1; }
"$staging/kube-apiserver" --version | grep -qx "Kubernetes $kube_version" ||
  { echo "build.sh: kube-apiserver does not report version $kube_version" >&2; exit 1; }

mkdir -p "$out/bin"
mv -f "$staging/etcd" "$staging/kube-apiserver" "$out/bin/"
echo "$stamp" >"$out/stamp"
echo "== kube tier binaries built in $((SECONDS - started)) s"
echo "$out"
