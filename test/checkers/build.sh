#!/usr/bin/env bash
# Builds the checker commands (netpol, dashboard) from this module through the Go module
# proxy, once per machine and source: the binaries are cached under
# ${KILN_TEST_CACHE:-~/.cache/kiln-test}/checkers/<hash of the sources>/ and this script
# prints that directory. A cold build takes a few minutes; a cached run is instant.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
key="$(cat "$here/go.mod" "$here/go.sum" "$here"/*/main.go | sha256sum | cut -c1-16)"
cache="${KILN_TEST_CACHE:-$HOME/.cache/kiln-test}/checkers/$key"

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # two suites starting at once build once

if [ ! -x "$cache/netpol" ] || [ ! -x "$cache/dashboard" ]; then
  command -v go >/dev/null || { echo "build.sh: go is not installed (needed to build the checkers)" >&2; exit 1; }
  start=$(date +%s)
  echo "build.sh: building the checkers (first run on this machine or after a change; takes a while)" >&2
  (
    cd "$here"
    GOFLAGS="-mod=readonly -buildvcs=false" \
      go build -p "${KILN_GO_PARALLEL:-2}" -o "$cache/" ./netpol ./dashboard
  )
  echo "build.sh: built $cache in $(( $(date +%s) - start ))s" >&2
fi
echo "$cache"
