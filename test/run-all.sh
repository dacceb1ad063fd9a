#!/usr/bin/env bash
# The whole suite, as README.md documents it: provision, then lint, build,
# typecheck and test every workspace (the real-peer suites in test/ start and
# stop their services themselves), then the unit tier on Node.js 22 and 24.
# Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/provision.sh
# Node trusts only its own CA list; on machines whose egress goes through a TLS
# proxy, the system bundle (where that proxy's CA is installed) must be added.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
npx biome check .
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --continue: a failing unit test must not keep the real-peer suites from running and reporting.
npx turbo run build typecheck test --concurrency=2 --continue --output-logs=new-only 2>&1 | tee "$log" || status=$?
# The unit tier again on each other Node.js line kiln supports (pinned binaries from the npm
# registry, test/tools/node.sh; npm and vitest then run on them). KILN_TEST_NODE keeps turbo's
# cached results per line. The real-peer suites' adoption test covers the packed kiln on each.
for major in 22 24; do
  node_bin="$(bash test/tools/node.sh "$major")"
  PATH="$node_bin:$PATH" KILN_TEST_NODE="$major" \
    npx turbo run test --filter='!@kiln/test' --concurrency=2 --output-logs=new-only 2>&1 | tee -a "$log" || status=$?
done
# Each workspace's vitest prints "Tests  N failed | N passed (N)"; add them up, after naming
# every failed test and task again so that the end of the log says what failed.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  / FAIL / || /^[^ ]+: +× / || /ERROR +run failed|services failed to start|exited \([1-9][0-9]*\)/ ||
  /Errors +[0-9]+ errors?/ {
    if (!seen[$0]++) failures[n++] = $0
    # A failed hook fails its whole file with no failed test to count: keep the reason beside it.
    if (/ FAIL /) detail = 4
    next
  }
  detail > 0 && /(Error|Exception)([: ]|$)|Caused by|❯ / {
    detail--
    if (!seen[$0]++) failures[n++] = "    " $0
  }
  # Vitest fails a run whose tests all passed on an unhandled error (a crashed worker, a late
  # rejection); name the error and where it came from, not only the exit code.
  /Unhandled (Error|Rejection)/ { unhandled = 8; next }
  unhandled > 0 && /Error|Caused by|❯ / {
    unhandled--
    if (!seen[$0]++) failures[n++] = $0
  }
  /Tests +[0-9]/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "passed") passed += $(i - 1)
      if ($i == "failed") failed += $(i - 1)
    }
  }
  END {
    if (n > 0) print "failed:"
    for (i = 0; i < n && i < 60; i++) print "  " failures[i]
    printf "tests: %d passed, %d failed\n", passed, failed
  }'
exit "$status"
