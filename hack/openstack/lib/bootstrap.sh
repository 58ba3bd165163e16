# One-time steps, each behind a stamp: databases, message queue user, Keystone, schema migrations, CA.
# Every step is also safe to repeat, so a lost stamp costs time, never state. Sourced by aio.sh.

OS_DATABASES=(keystone glance placement nova_api nova nova_cell0 neutron cinder octavia)

setup_host_network() {
  # The agent bridges the flat "public" network onto one end of a veth pair; the other end plays the
  # upstream router at the external gateway address, so the host reaches routers and floating IPs.
  if ! ip link show "$PHYS_PUBLIC" >/dev/null 2>&1; then
    ip link add "$PHYS_PUBLIC" type veth peer name "$PHYS_PUBLIC_PEER"
  fi
  ip link set "$PHYS_PUBLIC" up
  ip link set "$PHYS_PUBLIC_PEER" up
  local gw="$OPENSTACK_EXTERNAL_GATEWAY/${OPENSTACK_EXTERNAL_CIDR#*/}"
  [[ $(ip -o addr show dev "$PHYS_PUBLIC_PEER") == *" $gw "* ]] || ip addr add "$gw" dev "$PHYS_PUBLIC_PEER"
  # Security groups on Linux bridges need bridged traffic to pass through iptables.
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 net.ipv4.ip_forward=1 || true
}

prepare_dirs() {
  mkdir -p /run/mysqld /run/memcached
  chown mysql:mysql /run/mysqld
  local d
  for d in glance/images glance/staging glance/tasks nova/lock neutron/lock cinder/lock octavia/lock; do
    mkdir -p "$STATE/data/$d"
  done
  # Debian's rootwrap filters and agents expect these.
  mkdir -p /var/lib/neutron /var/lib/nova /var/lib/cinder /var/lib/octavia /var/log/neutron
}

# The package's postinst initialises the data directory; do it if someone wiped it since.
init_mariadb_datadir() {
  [[ -d /var/lib/mysql/mysql ]] && return 0
  log "initialising MariaDB's data directory"
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >"$LOG_DIR/mariadb-install-db.log" 2>&1 ||
    die "mariadb-install-db failed, see $LOG_DIR/mariadb-install-db.log"
}

bootstrap_mariadb() {
  stamped mariadb-users && return 0
  local sql="" db host
  for db in "${OS_DATABASES[@]}"; do
    sql+="CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8mb4;"
  done
  for host in 127.0.0.1 localhost; do
    sql+="CREATE USER IF NOT EXISTS 'openstack'@'$host' IDENTIFIED BY '$DB_PASSWORD';"
    sql+="ALTER USER 'openstack'@'$host' IDENTIFIED BY '$DB_PASSWORD';"
    for db in "${OS_DATABASES[@]}"; do
      sql+="GRANT ALL PRIVILEGES ON $db.* TO 'openstack'@'$host';"
    done
  done
  mariadb --protocol=socket -uroot -e "$sql"
  stamp mariadb-users
}

bootstrap_rabbitmq() {
  stamped rabbitmq-user && return 0
  rabbitmqctl add_user openstack "$RABBIT_PASSWORD" >/dev/null 2>&1 ||
    rabbitmqctl change_password openstack "$RABBIT_PASSWORD" >/dev/null
  rabbitmqctl set_permissions openstack '.*' '.*' '.*' >/dev/null
  stamp rabbitmq-user
}

write_rabbitmq_env() {
  cat >/etc/rabbitmq/rabbitmq-env.conf <<ENV
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=$HOST_IP
NODE_PORT=5672
export ERL_EPMD_ADDRESS=$HOST_IP
ENV
}

bootstrap_keystone() {
  migrate keystone keystone_setup || die "keystone setup failed"
}

# Steps chained with && : these run as an `if` condition (in migrate), where set -e does not apply.
keystone_setup() {
  keystone-manage db_sync &&
    keystone-manage fernet_setup --keystone-user root --keystone-group root &&
    keystone-manage credential_setup --keystone-user root --keystone-group root &&
    keystone-manage bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-admin-url "$KEYSTONE_URL/" --bootstrap-internal-url "$KEYSTONE_URL/" \
    --bootstrap-public-url "$KEYSTONE_URL/" --bootstrap-region-id "$REGION"
}

# Runs "$@" for migration $1 once, logging to $LOG_DIR/migrate-$1.log.
migrate() {
  local name=$1
  shift
  stamped "migrate-$name" && return 0
  if "$@" >>"$LOG_DIR/migrate-$name.log" 2>&1; then
    stamp "migrate-$name"
  else
    log "migration $name failed, see $LOG_DIR/migrate-$name.log"
    return 1
  fi
}

migrate_nova() {
  nova-manage api_db sync &&
    nova-manage cell_v2 map_cell0 --database_connection "mysql+pymysql://openstack:$DB_PASSWORD@$HOST_IP/nova_cell0" &&
    { [[ $(nova-manage cell_v2 list_cells) == *" cell1 "* ]] || nova-manage cell_v2 create_cell --name cell1; } &&
    nova-manage db sync
}

# Schema migrations run in parallel; neutron's and nova's are the long ones.
migrate_all() {
  local pids=() rc=0
  migrate neutron neutron-db-manage --config-file /etc/neutron/neutron.conf \
    --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade head &
  pids+=($!)
  migrate nova migrate_nova &
  pids+=($!)
  {
    migrate glance glance-manage --config-file /etc/glance/glance-api.conf db_sync &&
      migrate placement placement-manage db sync &&
      migrate cinder cinder-manage db sync &&
      migrate octavia octavia-db-manage --config-file /etc/octavia/octavia.conf upgrade head
  } &
  pids+=($!)
  local pid
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  ((rc == 0)) || die "database migrations failed"
}

# The Octavia worker signs amphora certificates even with noop drivers, so it needs a CA.
make_octavia_ca() {
  local dir=$STATE/data/octavia
  [[ -s $dir/ca.pem && -s $dir/ca.key ]] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=capo-ts-aio octavia CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  chmod 600 "$dir/ca.key"
}

# An image file the fake virt driver never reads: a sparse 1 GiB qcow2 of a few hundred KiB.
make_image_file() {
  [[ -s $IMAGE_FILE ]] || qemu-img create -q -f qcow2 "$IMAGE_FILE" 1G
}

make_keypair() {
  local key=$OPENSTACK_SSH_PRIVATE_KEY_FILE
  [[ -s $key ]] && return 0
  mkdir -p "$(dirname "$key")"
  ssh-keygen -q -t ed25519 -N '' -C "$OPENSTACK_SSH_KEY_NAME" -f "$key"
}
