# Sourced by lint-spec.sh and check-types.sh (from the repository root): installs the Node tools
# pinned in package-lock.json with `npm ci` when node_modules is missing or older than the lock file.
# A lock serialises concurrent installs (e.g. `make -j` running both scripts at once).

node_deps_stale() {
  # npm writes node_modules/.package-lock.json on every install; -nt is also true when it is missing.
  [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]
}

ensure_node_deps() {
  command -v npm >/dev/null || { echo "npm not found: install Node.js 20.19+ or 22.12+" >&2; return 1; }
  node_deps_stale || return 0
  if command -v flock >/dev/null; then
    local lock="${TMPDIR:-/tmp}/leads-kit-npm-ci.$(printf '%s' "$PWD" | cksum | cut -d' ' -f1).lock"
    exec 9>"$lock"
    flock 9
  fi
  if node_deps_stale; then
    echo "npm ci (node_modules missing or older than package-lock.json)" >&2
    npm ci --no-audit --no-fund --loglevel=error
  fi
  if command -v flock >/dev/null; then exec 9>&-; fi
}

# No telemetry and no update checks from the tools.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npm_config_update_notifier=false
