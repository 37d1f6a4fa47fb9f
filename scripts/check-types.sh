#!/usr/bin/env bash
# Regenerate types/leads.d.ts from openapi/leads.yaml (openapi-typescript; the file is gitignored)
# and type-check types/usage.ts against it (tsc, strict). Fails if either step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-deps.sh
ensure_node_deps

echo "== openapi-typescript openapi/leads.yaml -> types/leads.d.ts" >&2
node_modules/.bin/openapi-typescript openapi/leads.yaml -o types/leads.d.ts
echo "== tsc -p types/tsconfig.json" >&2
node_modules/.bin/tsc -p types/tsconfig.json
echo "types OK" >&2
