#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: installs what is missing, builds the
# Kubernetes test binaries and the local management cluster, starts the OpenStack all-in-one, runs checks,
# unit and integration tests, then the end-to-end tests on the management cluster, and stops what it
# started. Set CAPO_TS_KEEP_ENV=1 to leave OpenStack and the management cluster running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh
LOG_TAG=test

ensure_node_modules
use_project_node
# The slow set-up runs in the background while the fast checks run.
start_environments
start_mgmt_build
trap stop_environments_unless_kept EXIT

log "format, lint, typecheck"
npm run -s format:check
npm run -s lint
npm run -s typecheck

log "unit tests"
npm run -s test:unit

await_environments
log "integration tests"
npm run -s test:integration

await_mgmt_build
log "local management cluster"
bash hack/mgmt/cluster.sh start
log "end-to-end tests on it"
npm run -s test:e2e
log "all tests passed in ${SECONDS} s"
