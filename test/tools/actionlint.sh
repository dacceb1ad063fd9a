#!/usr/bin/env bash
# Builds actionlint from its Go module (github.com/rhysd/actionlint) through the Go module
# proxy, once per machine: the module is checked against its pinned go.sum hash, the binary
# cached under ${KILN_TEST_CACHE:-~/.cache/kiln-test}/actionlint/<version>/actionlint, and this
# script prints its path. Cold: under a minute; cached: instant.
set -euo pipefail

ACTIONLINT_MODULE=github.com/rhysd/actionlint
ACTIONLINT_VERSION=v1.7.12
ACTIONLINT_SUM="h1:vQ4GeJN86C0QH+gTUQcs8McmK62OLT3kmakPMtEWYnY="

cache="${KILN_TEST_CACHE:-$HOME/.cache/kiln-test}/actionlint/$ACTIONLINT_VERSION"
bin="$cache/actionlint"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "actionlint.sh: go is not installed (needed to build actionlint)" >&2; exit 1; }
  work="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  download="$(cd "$work" && go mod download -json "$ACTIONLINT_MODULE@$ACTIONLINT_VERSION")" || {
    echo "actionlint.sh: go mod download failed: $download" >&2
    exit 1
  }
  sum="$(printf '%s' "$download" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p')"
  if [ "$sum" != "$ACTIONLINT_SUM" ]; then
    echo "actionlint.sh: $ACTIONLINT_MODULE@$ACTIONLINT_VERSION has hash '$sum', not $ACTIONLINT_SUM" >&2
    exit 1
  fi
  start=$(date +%s)
  (cd "$work" && GOBIN="$work/bin" CGO_ENABLED=0 GOFLAGS="-buildvcs=false" \
    go install -trimpath -ldflags="-s -w" "$ACTIONLINT_MODULE/cmd/actionlint@$ACTIONLINT_VERSION") >&2
  mv "$work/bin/actionlint" "$bin"
  echo "actionlint.sh: built $bin in $(($(date +%s) - start))s" >&2
fi
echo "$bin"
