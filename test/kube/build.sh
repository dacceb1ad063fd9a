#!/usr/bin/env bash
# Builds kube-apiserver from the k8s.io/kubernetes module through the Go module
# proxy, once per machine: the binary is cached under
# ${KILN_TEST_CACHE:-~/.cache/kiln-test}/kube/<version>/kube-apiserver and this
# script prints its path. A cold build takes minutes; a cached run is instant.
set -euo pipefail

KUBE_VERSION=v1.36.3 # keep in step with go.mod
here="$(cd "$(dirname "$0")" && pwd)"
cache="${KILN_TEST_CACHE:-$HOME/.cache/kiln-test}/kube/$KUBE_VERSION"
bin="$cache/kube-apiserver"

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # two suites starting at once build it once

if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "build.sh: go is not installed (needed to build kube-apiserver $KUBE_VERSION)" >&2; exit 1; }
  # go.mod says go 1.26.0: Go 1.21+ fetches that toolchain through the proxy by itself; older Go cannot.
  minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
  if [ "${minor:-0}" -lt 21 ] 2>/dev/null; then
    echo "build.sh: $(go env GOVERSION) is too old to build kube-apiserver $KUBE_VERSION (needs Go 1.21+, which fetches Go 1.26)" >&2
    exit 1
  fi
  work="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  cp "$here/go.mod" "$here/tools.go" "$work/"
  [ -f "$here/go.sum" ] && cp "$here/go.sum" "$work/"
  start=$(date +%s)
  echo "build.sh: building kube-apiserver $KUBE_VERSION (first run on this machine; takes a while)" >&2
  (
    cd "$work"
    # -mod=mod fills in go.sum/indirect requirements when go.sum is missing or stale.
    GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 \
      go build -p "${KILN_GO_PARALLEL:-2}" -trimpath \
      -ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)" \
      -o "$work/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  )
  mv "$work/kube-apiserver" "$bin"
  echo "build.sh: built $bin in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin"
