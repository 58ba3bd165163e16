# What runs, how it starts, how it is probed. Sourced by aio.sh.

INFRA_SERVICES=(mariadb rabbitmq memcached)
API_SERVICES=(keystone glance-api placement-api nova-api neutron-server cinder-api octavia-api)
# Workers that serve RPC, and agents that call it as they start. An RPC call sent before its server has
# declared the queue is dropped, and the agent then sits out a 60 s timeout: agents start only once
# AGENT_QUEUES exist. Queues are durable, so that wait is only on the first start (stamp rpc-queues).
WORKER_SERVICES=(
  nova-conductor nova-scheduler cinder-scheduler cinder-volume
  octavia-worker
)
AGENT_SERVICES=(
  nova-compute-1 nova-compute-2
  neutron-linuxbridge-agent neutron-linuxbridge-agent-2 neutron-l3-agent neutron-dhcp-agent
)
AGENT_QUEUES=(conductor q-plugin q-l3-plugin q-reports-plugin)
ALL_SERVICES=("${INFRA_SERVICES[@]}" "${API_SERVICES[@]}" "${WORKER_SERVICES[@]}" "${AGENT_SERVICES[@]}")

# TCP port each listening service answers on.
service_port() {
  case $1 in
    mariadb) echo 3306 ;;
    rabbitmq) echo 5672 ;;
    memcached) echo 11211 ;;
    keystone) echo 5000 ;;
    glance-api) echo 9292 ;;
    placement-api) echo 8778 ;;
    nova-api) echo 8774 ;;
    neutron-server) echo 9696 ;;
    cinder-api) echo 8776 ;;
    octavia-api) echo 9876 ;;
    *) return 1 ;;
  esac
}

# uwsgi's own HTTP router with keep-alive: plain --http-socket resets connections now and then.
# --die-on-term makes SIGTERM a stop, not a reload. Apps load once in the master and workers fork from it
# (no --lazy-apps): that halves the CPU a warm start spends importing, and oslo.db drops pooled
# connections that cross a fork.
uwsgi_command() {
  local port=$1 wsgi=$2 processes=$3
  echo uwsgi --plugins python3,http --http "$HOST_IP:$port" --http-keepalive --die-on-term \
    --master --processes "$processes" --threads 1 --enable-threads --buffer-size 65535 \
    --no-orphans --wsgi-file "$wsgi"
}

py_service() { echo "$1" --config-file "/etc/$2"; }

# A neutron binary with neutron.conf and the named files under /etc/neutron.
neutron_service() {
  local bin=$1 file args=(--config-file /etc/neutron/neutron.conf)
  shift
  for file in "$@"; do args+=(--config-file "/etc/neutron/$file"); done
  echo "$bin" "${args[@]}"
}

# Prints the command line of a service (words are never quoted: no path here has spaces).
service_command() {
  local n=${1##*-}
  case $1 in
    mariadb)
      echo mariadbd --user=mysql --bind-address="$HOST_IP" --port=3306 --skip-name-resolve \
        --max-connections=2000 --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
        --performance-schema=OFF
      ;;
    # Debian's wrapper switches user with su, whose child leaves our process group and session.
    rabbitmq) echo setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME=/var/lib/rabbitmq \
      /usr/lib/rabbitmq/bin/rabbitmq-server ;;
    memcached) echo memcached -u memcache -l "$HOST_IP" -p 11211 -m 64 -c 4096 ;;
    keystone) uwsgi_command 5000 /usr/bin/keystone-wsgi-public 2 ;;
    placement-api) uwsgi_command 8778 /usr/bin/placement-api 1 ;;
    nova-api) uwsgi_command 8774 /usr/bin/nova-api-wsgi 2 ;;
    octavia-api) echo "$(uwsgi_command 9876 /usr/bin/octavia-wsgi 1)" --pythonpath "$HERE/lib/python" ;;
    glance-api) py_service glance-api glance/glance-api.conf ;;
    cinder-api | cinder-scheduler) py_service "$1" cinder/cinder.conf ;;
    # Our plugins (lib/python/) must be importable.
    cinder-volume) echo env "PYTHONPATH=$HERE/lib/python" "$(py_service "$1" cinder/cinder.conf)" ;;
    nova-conductor | nova-scheduler) py_service "$1" nova/nova.conf ;;
    nova-compute-[0-9])
      echo "$HERE/bin/nova-compute" --config-file /etc/nova/nova.conf --config-file "/etc/nova/nova-compute-$n.conf"
      ;;
    neutron-server) neutron_service neutron-server plugins/ml2/ml2_conf.ini ;;
    neutron-linuxbridge-agent) neutron_service "$1" plugins/ml2/linuxbridge_agent.ini ;;
    neutron-linuxbridge-agent-2)
      neutron_service neutron-linuxbridge-agent plugins/ml2/linuxbridge_agent.ini plugins/ml2/linuxbridge_agent-2.ini
      ;;
    neutron-l3-agent) neutron_service "$1" l3_agent.ini ;;
    neutron-dhcp-agent) neutron_service "$1" dhcp_agent.ini ;;
    octavia-worker) echo env "PYTHONPATH=$HERE/lib/python" "$(py_service "$1" octavia/octavia.conf)" ;;
    *) die "unknown service $1" ;;
  esac
}

is_uwsgi() { [[ $(service_command "$1") == uwsgi* ]]; }

start_one() {
  local cmd port
  service_alive "$1" && return 0
  reap_stale "$1"
  if port=$(service_port "$1") && port_open "$port"; then
    die "$1: port $port is taken by a process that is not ours (see: ss -ltnp 'sport = :$port')"
  fi
  read -ra cmd <<<"$(service_command "$1")"
  launch "$1" "${cmd[@]}"
}

stop_one() {
  case $1 in
    rabbitmq)
      if service_alive rabbitmq; then rabbitmqctl stop >/dev/null 2>&1 || true; fi
      stop_service rabbitmq TERM 30
      epmd -kill >/dev/null 2>&1 || true
      ;;
    *)
      if is_uwsgi "$1"; then stop_service "$1" INT 30; else stop_service "$1" TERM 30; fi
      ;;
  esac
}

# HTTP probe: any answer below 500 from the API root means the server is up and its app loaded.
http_ok() {
  local code
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://$HOST_IP:$1/") || return 1
  [[ $code =~ ^[234] ]]
}

# Do all the named RabbitMQ queues exist?
queues_exist() {
  local listing q
  listing=$(rabbitmqctl -q list_queues name 2>/dev/null) || return 1
  for q in "$@"; do
    grep -qxF "$q" <<<"$listing" || return 1
  done
}

# Has any process in the group of leader $1 a connection to RabbitMQ?
rabbit_client() {
  local pid conns
  conns=$(ss -Htnp state established "dport = :5672")
  for pid in $(pgrep -g "$1"); do
    [[ $conns == *"pid=$pid,"* ]] && return 0
  done
  return 1
}

# Is the service ready for use: process alive, and its port answering (HTTP for APIs).
service_ready() {
  local name=$1 port
  service_alive "$name" || return 1
  port=$(service_port "$name") || port=
  case $name in
    mariadb) mariadb-admin --protocol=socket ping >/dev/null 2>&1 ;;
    rabbitmq | memcached) port_open "$port" ;;
    # A worker that is consuming holds a connection to RabbitMQ (cheaper to see than rabbitmqctl's view).
    octavia-worker) rabbit_client "$(service_pid "$name")" ;;
    *) [[ -z $port ]] || http_ok "$port" ;;
  esac
}

wait_ready() {
  local name
  for name in "$@"; do
    wait_for "$name" 180 service_ready "$name"
    [[ -z ${AIO_DEBUG:-} ]] || log "$name ready"
  done
}
