#!/usr/bin/env bash
# The whole suite, as README.md documents it: provision, then build, lint,
# typecheck and test every workspace (the real-peer suites in test/ start and
# stop their services themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/provision.sh
npx biome check .
npx turbo run build typecheck test --output-logs=new-only
