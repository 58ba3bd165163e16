#!/usr/bin/env bash
# OpenStack all-in-one for capo-ts tests: Debian bookworm's OpenStack (Zed) on 127.0.0.1, every service
# a plain process (no systemd here) running as root, with state, logs and PID files under /var/lib/capo-ts-aio.
#
# Usage: aio.sh start    install once, migrate once, start what is not running, seed once; idempotent
#        aio.sh stop     stop every service and wait for its processes to be gone
#        aio.sh status   one line per service and per API-side check; exit 1 if anything is unhealthy
#        aio.sh restart SERVICE...   stop the named services (see `status`), then start
#        aio.sh reset    stop, then delete every database, queue, key, image and network namespace, so
#                        that the next start begins from scratch (the packages stay installed)

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$HERE/lib/install.sh"
source "$HERE/lib/procs.sh"
source "$HERE/lib/config.sh"
source "$HERE/lib/bootstrap.sh"
source "$HERE/lib/services.sh"

# Runs lib/aio.py with the secrets it needs in its environment only.
aio_py() {
  ADMIN_PASSWORD=$ADMIN_PASSWORD DEMO_PASSWORD=$DEMO_PASSWORD SERVICE_PASSWORD=$SERVICE_PASSWORD \
    AIO_IMAGE_FILE=$IMAGE_FILE /usr/bin/python3 "$HERE/lib/aio.py" "$@"
}

once() {
  local name=$1
  shift
  stamped "$name" && return 0
  "$@"
  stamp "$name"
}

cmd_start() {
  local t0=$SECONDS
  install_packages
  load_secrets
  prepare_dirs
  init_mariadb_datadir
  render_configs
  write_rabbitmq_env
  setup_host_network
  make_octavia_ca
  make_keypair
  make_image_file

  local name
  for name in "${INFRA_SERVICES[@]}"; do start_one "$name"; done
  wait_ready mariadb
  bootstrap_mariadb
  # Schemas migrate in the background; Keystone needs only MariaDB and memcached, not RabbitMQ.
  migrate_all &
  local migrations=$!
  bootstrap_keystone
  start_one keystone
  wait_ready memcached rabbitmq
  bootstrap_rabbitmq
  log "infrastructure up ($((SECONDS - t0))s)"

  if ! stamped seed-identity; then
    wait_ready keystone
    once seed-identity aio_py identity
  fi
  wait "$migrations" || die "database migrations failed"
  log "schemas migrated ($((SECONDS - t0))s)"

  for name in "${API_SERVICES[@]}" "${WORKER_SERVICES[@]}"; do start_one "$name"; done
  once rpc-queues wait_for "RPC queues ${AGENT_QUEUES[*]}" 180 queues_exist "${AGENT_QUEUES[@]}"
  for name in "${AGENT_SERVICES[@]}"; do start_one "$name"; done
  wait_ready "${API_SERVICES[@]}" "${WORKER_SERVICES[@]}" "${AGENT_SERVICES[@]}"
  log "processes up ($((SECONDS - t0))s)"

  once seed-resources aio_py resources
  aio_py clouds "$CLOUDS_YAML"
  wait_healthy
  log "ready in $((SECONDS - t0))s; clouds in $CLOUDS_YAML"
}

# Agents and compute services register a while after their processes start: wait until the APIs
# see every one of them up, so that `start` returning means `status` passes.
wait_healthy() {
  local start=$SECONDS
  local out
  until out=$(aio_py status 2>&1); do
    [[ -z ${AIO_DEBUG:-} ]] || grep FAILED <<<"$out" >&2 || true
    if ((SECONDS - start > 180)); then
      aio_py status || true
      die "services did not all report healthy within 180s"
    fi
    sleep 1
  done
}

cmd_stop() {
  local name pids=()
  for name in "${AGENT_SERVICES[@]}" "${WORKER_SERVICES[@]}" "${API_SERVICES[@]}"; do
    stop_one "$name" &
    pids+=($!)
  done
  wait "${pids[@]}"
  stop_dhcp_servers
  for name in memcached rabbitmq mariadb; do stop_one "$name"; done
  local port
  for name in "${ALL_SERVICES[@]}"; do
    if port=$(service_port "$name") && port_open "$port"; then log "warning: port $port ($name) is still taken"; fi
  done
  log "stopped"
}

# The DHCP agent's dnsmasq daemons leave its process group; their PID files sit in neutron's state dir.
stop_dhcp_servers() {
  local file pid
  for file in "$STATE"/data/neutron/dhcp/*/pid; do
    [[ -s $file ]] || continue
    pid=$(<"$file")
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dnsmasq ]]; then kill "$pid" 2>/dev/null || true; fi
  done
}

cmd_status() {
  local name bad=0 pid port state
  printf '%-28s %-8s %s\n' SERVICE STATE DETAIL
  for name in "${ALL_SERVICES[@]}"; do
    if ! pid=$(service_pid "$name"); then
      state=DOWN
      bad=1
    elif service_ready "$name"; then
      state=ok
    else
      state=UNHEALTHY
      bad=1
    fi
    port=$(service_port "$name" || true)
    printf '%-28s %-8s %s\n' "$name" "$state" "${pid:+pid $pid }${port:+port $port}"
  done
  echo "API checks:"
  if service_ready keystone; then
    load_secrets
    aio_py status || bad=1
  else
    echo "  skipped: keystone is not up"
    bad=1
  fi
  return "$bad"
}

cmd_reset() {
  cmd_stop
  local ns dev
  for ns in $(ip netns list | awk '$1 ~ /^(qrouter|qdhcp)-/ { print $1 }'); do ip netns delete "$ns"; done
  for dev in $(ip -o link show | awk -F': ' '$2 ~ /^(brq|vxlan-|tap)/ { sub(/@.*/, "", $2); print $2 }'); do
    ip link delete "$dev" 2>/dev/null || true
  done
  rm -rf /var/lib/mysql /var/lib/rabbitmq/mnesia /etc/keystone/fernet-keys /etc/keystone/credential-keys \
    "$CLOUDS_YAML" "$STATE"
  log "reset: the next start begins from scratch"
}

main() {
  [[ $(id -u) == 0 ]] || die "must run as root"
  mkdir -p "$LOG_DIR" "$RUN_DIR" "$STAMP_DIR"
  case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    reset) cmd_reset ;;
    status) cmd_status ;;
    restart)
      shift
      local name
      for name in "$@"; do
        [[ " ${ALL_SERVICES[*]} " == *" $name "* ]] || die "unknown service $name"
        stop_one "$name"
      done
      cmd_start
      ;;
    *) die "usage: $0 start|stop|status|reset|restart SERVICE..." ;;
  esac
}

main "$@"
