# Shared shell helpers for hack/ scripts. Source it; it defines functions only.

# The cache every build and environment step shares; CI and developers may point it elsewhere.
export CAPO_TS_CACHE="${CAPO_TS_CACHE:-$HOME/.cache/capo-ts}"

log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "${LOG_TAG:-hack}" "$*" >&2; }

# Installs the npm dependencies (and with them the pinned Node) unless the lock file is unchanged
# since the last install; `npm ci` on a warm cache still costs ~10 s, so skip it when nothing moved.
ensure_node_modules() {
  local stamp=node_modules/.capo-ts-lock.sha
  local want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -x node_modules/.bin/node ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  command -v npm >/dev/null || { log "npm is required (any Node >= 18 with npm bootstraps the pinned Node 24)"; return 1; }
  log "installing npm dependencies (pinned Node comes with them)"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
}

# Puts the project's pinned Node first on PATH so every script runs on it.
use_project_node() {
  PATH="$PWD/node_modules/.bin:$PATH"
  export PATH
}
