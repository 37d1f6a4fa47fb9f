#!/usr/bin/env bash
# Lint openapi/leads.yaml with Spectral (.spectral.yaml: spectral:oas) and Redocly CLI
# (redocly.yaml: recommended-strict). Any finding, warning or error, fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-deps.sh
ensure_node_deps

spec=openapi/leads.yaml
status=0
echo "== spectral lint $spec" >&2
node_modules/.bin/spectral lint "$spec" --ruleset .spectral.yaml --fail-severity=warn || status=1
echo "== redocly lint $spec" >&2
node_modules/.bin/redocly lint "$spec" --config redocly.yaml --lint-config=error || status=1
exit "$status"
