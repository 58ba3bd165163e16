#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: installs what is missing, builds the
# Kubernetes test binaries, starts the OpenStack all-in-one, runs checks, unit and integration
# tests, and stops what it started. Set CAPO_TS_KEEP_ENV=1 to leave OpenStack running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh
LOG_TAG=test
logs="$CAPO_TS_CACHE/logs"
mkdir -p "$logs"
start=$SECONDS

ensure_node_modules
use_project_node

# The two slow set-up steps are independent: run them side by side while the fast checks run.
log "building envtest binaries (log: $logs/envtest-build.log)"
bash hack/envtest/build.sh >"$logs/envtest-build.log" 2>&1 &
envtest_pid=$!
log "starting OpenStack all-in-one (log: $logs/aio-start.log)"
bash hack/openstack/aio.sh start >"$logs/aio-start.log" 2>&1 &
aio_pid=$!

stop_env() {
  if [ "${CAPO_TS_KEEP_ENV:-0}" != 1 ]; then
    bash hack/openstack/aio.sh stop >"$logs/aio-stop.log" 2>&1 || log "aio stop failed: see $logs/aio-stop.log"
  fi
}
trap stop_env EXIT

await() { # name pid logfile
  if ! wait "$2"; then
    log "$1 failed; last lines of $3:"
    tail -n 60 "$3" >&2
    return 1
  fi
  log "$1 ready after $((SECONDS - start)) s"
}

log "format, lint, typecheck"
npm run -s format:check
npm run -s lint
npm run -s typecheck

log "unit tests"
npm run -s test:unit

await "envtest build" "$envtest_pid" "$logs/envtest-build.log"
await "OpenStack all-in-one" "$aio_pid" "$logs/aio-start.log"
bash hack/openstack/aio.sh status

log "integration tests"
npm run -s test:integration
log "all tests passed in $((SECONDS - start)) s"
