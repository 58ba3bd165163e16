# Shared shell helpers for hack/ scripts. Source it; it defines functions only.

# The cache every build and environment step shares; CI and developers may point it elsewhere.
export CAPO_TS_CACHE="${CAPO_TS_CACHE:-$HOME/.cache/capo-ts}"

log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "${LOG_TAG:-hack}" "$*" >&2; }

# Installs Debian packages, waiting for a dpkg lock another set-up step holds (the all-in-one installs in
# parallel), and refreshing the package lists only when the install fails without it.
apt_install() {
  log "installing $* (Debian)"
  local apt=(apt-get -o DPkg::Lock::Timeout=900)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -q --no-install-recommends "$@" >&2 ||
    { "${apt[@]}" update -q >&2 && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -q --no-install-recommends "$@" >&2; }
}

# Writes <root>/etc/passwd and group with root and the image user, nonroot (65532), as distroless images have.
write_image_users() {
  mkdir -p "$1/etc"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$1/etc/group"
}

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

# Starts the two slow, independent set-up steps side by side: the envtest build and the OpenStack
# all-in-one. Their logs go under $CAPO_TS_CACHE/logs; await_environments waits for both.
start_environments() {
  ENV_LOGS="$CAPO_TS_CACHE/logs"
  mkdir -p "$ENV_LOGS"
  log "building envtest binaries (log: $ENV_LOGS/envtest-build.log)"
  bash hack/envtest/build.sh >"$ENV_LOGS/envtest-build.log" 2>&1 &
  ENVTEST_PID=$!
  log "starting the OpenStack all-in-one (log: $ENV_LOGS/aio-start.log)"
  bash hack/openstack/aio.sh start >"$ENV_LOGS/aio-start.log" 2>&1 &
  AIO_PID=$!
}

# The management cluster's build (hack/mgmt/build.sh), beside the envtest build: the one part that needs the
# envtest build's Go packages waits for it. Its log is $ENV_LOGS/mgmt-build.log; await_mgmt_build waits for it.
start_mgmt_build() {
  log "building the management cluster (log: $ENV_LOGS/mgmt-build.log)"
  bash hack/mgmt/build.sh >"$ENV_LOGS/mgmt-build.log" 2>&1 &
  MGMT_BUILD_PID=$!
}

await_mgmt_build() { await_step "management cluster build" "$MGMT_BUILD_PID" "$ENV_LOGS/mgmt-build.log"; }

await_environments() {
  await_step "envtest build" "$ENVTEST_PID" "$ENV_LOGS/envtest-build.log"
  await_step "OpenStack all-in-one" "$AIO_PID" "$ENV_LOGS/aio-start.log"
  bash hack/openstack/aio.sh status
}

await_step() { # name pid logfile
  if ! wait "$2"; then
    log "$1 failed; last lines of $3:"
    tail -n 60 "$3" >&2
    return 1
  fi
  log "$1 ready after ${SECONDS} s"
}

# Stops the all-in-one and the management cluster unless the caller asked to keep them (CAPO_TS_KEEP_ENV=1).
stop_environments_unless_kept() {
  # Never stop it mid-install: an interrupted dpkg run breaks the next one.
  [ -z "${AIO_PID:-}" ] || wait "$AIO_PID" 2>/dev/null || true
  [ -z "${ENVTEST_PID:-}" ] || wait "$ENVTEST_PID" 2>/dev/null || true
  [ -z "${MGMT_BUILD_PID:-}" ] || wait "$MGMT_BUILD_PID" 2>/dev/null || true
  if [ "${CAPO_TS_KEEP_ENV:-0}" != 1 ]; then
    # The e2e's second management cluster (the target of clusterctl move), if a test left it running.
    [ ! -d /var/lib/capo-ts-mgmt-1 ] || CAPO_TS_MGMT_INSTANCE=1 bash hack/mgmt/cluster.sh stop >>"$ENV_LOGS/mgmt-stop.log" 2>&1 || true
    bash hack/mgmt/cluster.sh stop >>"$ENV_LOGS/mgmt-stop.log" 2>&1 || log "mgmt stop failed: see $ENV_LOGS/mgmt-stop.log"
    bash hack/openstack/aio.sh stop >"$ENV_LOGS/aio-stop.log" 2>&1 || log "aio stop failed: see $ENV_LOGS/aio-stop.log"
  fi
}
