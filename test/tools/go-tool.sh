#!/usr/bin/env bash
# Builds one command of a Go module through the Go module proxy, once per machine: the module is
# checked against its pinned go.sum hash, the binary cached under
# ${KILN_TEST_CACHE:-~/.cache/kiln-test}/<name>/<version>/<name>, and this script prints its path.
#   go-tool.sh <name> <module> <version> <go.sum hash> <package inside the module>
set -euo pipefail

name="$1"
module="$2"
version="$3"
want_sum="$4"
package="$5"

cache="${KILN_TEST_CACHE:-$HOME/.cache/kiln-test}/$name/$version"
bin="$cache/$name"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "$name: go is not installed (needed to build $name)" >&2; exit 1; }
  work="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  download="$(cd "$work" && go mod download -json "$module@$version")" || {
    echo "$name: go mod download failed: $download" >&2
    exit 1
  }
  sum="$(printf '%s' "$download" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p')"
  if [ "$sum" != "$want_sum" ]; then
    echo "$name: $module@$version has hash '$sum', not $want_sum" >&2
    exit 1
  fi
  start=$(date +%s)
  (cd "$work" && GOBIN="$work/bin" CGO_ENABLED=0 GOFLAGS="-buildvcs=false" \
    go install -trimpath -ldflags="-s -w" "$module/$package@$version") >&2
  mv "$work/bin/$(basename "$package")" "$bin"
  echo "$name: built $bin in $(($(date +%s) - start))s" >&2
fi
echo "$bin"
