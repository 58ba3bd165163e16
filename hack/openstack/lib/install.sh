# Installs Debian bookworm's OpenStack (Zed) once. Sourced by aio.sh.

# nova-compute is left out on purpose: its package drags in qemu and libvirt, while the fake virt
# driver needs only python3-nova, whose entry point we launch directly.
AIO_PACKAGES=(
  mariadb-server python3-pymysql rabbitmq-server memcached python3-memcache
  uwsgi-core uwsgi-plugin-python3 python3-openstackclient python3-octaviaclient python3-osc-placement
  keystone glance-api placement-api
  nova-api nova-conductor nova-scheduler nova-common
  neutron-server neutron-linuxbridge-agent neutron-l3-agent neutron-dhcp-agent
  octavia-api octavia-worker
  cinder-api cinder-scheduler cinder-volume
  openssl openssh-client qemu-utils curl iproute2 bridge-utils ebtables iptables conntrack sudo
)

# Answers every package's debconf questions so none touches a database, RabbitMQ or Keystone.
preseed_debconf() {
  local svc q
  {
    for svc in keystone glance nova novaapi neutron placement cinder octavia; do
      for q in configure_db configure_rabbit configure_ksat configure_api-endpoint register-endpoint \
        configure_nova configure_neutron configure_placement create-admin-tenant; do
        printf '%s %s/%s boolean false\n' "$svc" "$svc" "$q"
      done
      for q in ksat-region api-endpoint-region-name region-name nova_region cinder_os_region_name placement_os_region_name; do
        printf '%s %s/%s string %s\n' "$svc" "$svc" "$q" "$REGION"
      done
      printf '%s %s/dbconfig-install boolean false\n' "$svc" "$svc"
    done
  } | debconf-set-selections 2>/dev/null || true
}

install_packages() {
  local key
  key=install-$(printf '%s\n' "${AIO_PACKAGES[@]}" | md5sum | cut -c1-12)
  stamped "$key" && return 0
  log "installing ${#AIO_PACKAGES[@]} packages (first run only)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >"$LOG_DIR/apt.log" 2>&1 || die "apt-get update failed, see $LOG_DIR/apt.log"
  apt-get install -y -q debconf-utils >>"$LOG_DIR/apt.log" 2>&1 || true
  preseed_debconf
  # No init system runs here: keep maintainer scripts from starting services we start ourselves.
  local policy=/usr/sbin/policy-rc.d
  local had_policy=0
  [[ -e $policy ]] && had_policy=1
  ((had_policy)) || printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  local rc=0
  apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold \
    "${AIO_PACKAGES[@]}" >>"$LOG_DIR/apt.log" 2>&1 || rc=$?
  ((had_policy)) || rm -f "$policy"
  ((rc == 0)) || die "apt-get install failed (rc=$rc), see $LOG_DIR/apt.log"
  stamp "$key"
}
