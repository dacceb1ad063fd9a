#!/usr/bin/env bash
# Builds crane from its Go module (github.com/google/go-containerregistry, cmd/crane) through the
# Go module proxy, once per machine: the module is checked against its pinned go.sum hash, the
# binary cached under ${KILN_TEST_CACHE:-~/.cache/kiln-test}/crane/<version>/crane, and this
# script prints its path. The bake benchmark's peer. Cold: under a minute; cached: instant.
set -euo pipefail

CRANE_MODULE=github.com/google/go-containerregistry
CRANE_VERSION=v0.22.1
CRANE_SUM="h1:RZuuSYhTvlDvtsK+NkutoCZ//C0X2ebLK8X8l3ULs84="

cache="${KILN_TEST_CACHE:-$HOME/.cache/kiln-test}/crane/$CRANE_VERSION"
bin="$cache/crane"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "crane.sh: go is not installed (needed to build crane)" >&2; exit 1; }
  work="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  download="$(cd "$work" && go mod download -json "$CRANE_MODULE@$CRANE_VERSION")" || {
    echo "crane.sh: go mod download failed: $download" >&2
    exit 1
  }
  sum="$(printf '%s' "$download" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p')"
  if [ "$sum" != "$CRANE_SUM" ]; then
    echo "crane.sh: $CRANE_MODULE@$CRANE_VERSION has hash '$sum', not $CRANE_SUM" >&2
    exit 1
  fi
  start=$(date +%s)
  (cd "$work" && GOBIN="$work/bin" CGO_ENABLED=0 GOFLAGS="-buildvcs=false" \
    go install -trimpath -ldflags="-s -w" "$CRANE_MODULE/cmd/crane@$CRANE_VERSION") >&2
  mv "$work/bin/crane" "$bin"
  echo "crane.sh: built $bin in $(($(date +%s) - start))s" >&2
fi
echo "$bin"
