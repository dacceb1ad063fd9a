#!/usr/bin/env bash
# Builds crane from its Go module (github.com/google/go-containerregistry, cmd/crane) through the
# Go module proxy, once per machine (test/tools/go-tool.sh: pinned go.sum hash, cached under
# ${KILN_TEST_CACHE:-~/.cache/kiln-test}/crane/<version>/crane) and prints its path. The bake
# benchmark's peer. Cold: under a minute; cached: instant.
exec bash "$(dirname "$0")/../../test/tools/go-tool.sh" crane github.com/google/go-containerregistry v0.22.1 \
  "h1:RZuuSYhTvlDvtsK+NkutoCZ//C0X2ebLK8X8l3ULs84=" cmd/crane
