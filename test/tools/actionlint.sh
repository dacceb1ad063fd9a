#!/usr/bin/env bash
# Builds actionlint from its Go module (github.com/rhysd/actionlint) through the Go module
# proxy, once per machine (go-tool.sh: pinned go.sum hash, cached under
# ${KILN_TEST_CACHE:-~/.cache/kiln-test}/actionlint/<version>/actionlint) and prints its path.
# Cold: under a minute; cached: instant.
exec bash "$(dirname "$0")/go-tool.sh" actionlint github.com/rhysd/actionlint v1.7.12 \
  "h1:vQ4GeJN86C0QH+gTUQcs8McmK62OLT3kmakPMtEWYnY=" cmd/actionlint
