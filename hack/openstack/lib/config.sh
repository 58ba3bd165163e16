# Renders conf/ templates into /etc. Sourced by aio.sh.
#   @NAME@           a variable below (DB_URL, TRANSPORT_URL, STATE, REGION, passwords, ...)
#   @auth USER@      keystoneauth password credentials of service user USER in project service
#   @authtoken USER@ the same for keystonemiddleware, plus where to find Keystone and memcached

auth_block() {
  cat <<BLOCK
auth_type = password
auth_url = http://$HOST_IP:5000/v3
username = $1
password = $SERVICE_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = $REGION
BLOCK
}

authtoken_block() {
  auth_block "$1"
  cat <<BLOCK
www_authenticate_uri = http://$HOST_IP:5000
memcached_servers = $HOST_IP:11211
BLOCK
}

render() {
  local src=$CONF_SRC/$1 dest=$2 line out=
  local DB_URL="mysql+pymysql://openstack:$DB_PASSWORD@$HOST_IP"
  local TRANSPORT_URL="rabbit://openstack:$RABBIT_PASSWORD@$HOST_IP:5672/"
  while IFS= read -r line || [[ -n $line ]]; do
    case $line in
      "@auth "*@) line=$(auth_block "${line:6:-1}") ;;
      "@authtoken "*@) line=$(authtoken_block "${line:11:-1}") ;;
      *@*@*)
        local var
        for var in DB_URL TRANSPORT_URL STATE REGION SERVICE_PASSWORD OCTAVIA_CERT_PASSPHRASE PHYS_PUBLIC \
          OPENSTACK_FAILURE_DOMAIN OPENSTACK_FAILURE_DOMAIN_ALT; do
          line=${line//@$var@/${!var}}
        done
        ;;
    esac
    out+=$line$'\n'
  done <"$src"
  [[ $out != *@[A-Z_]*@* ]] || die "unrendered placeholder left in $1"
  mkdir -p "$(dirname "$dest")"
  # Configs hold passwords: readable by root only (every service runs as root here).
  install -m 0600 /dev/null "$dest.tmp"
  printf '%s' "$out" >"$dest.tmp"
  mv "$dest.tmp" "$dest"
}

render_configs() {
  render keystone.conf /etc/keystone/keystone.conf
  render glance-api.conf /etc/glance/glance-api.conf
  render placement.conf /etc/placement/placement.conf
  render nova.conf /etc/nova/nova.conf
  render neutron.conf /etc/neutron/neutron.conf
  render ml2_conf.ini /etc/neutron/plugins/ml2/ml2_conf.ini
  render linuxbridge_agent.ini /etc/neutron/plugins/ml2/linuxbridge_agent.ini
  render l3_agent.ini /etc/neutron/l3_agent.ini
  render dhcp_agent.ini /etc/neutron/dhcp_agent.ini
  render octavia.conf /etc/octavia/octavia.conf
  render cinder.conf /etc/cinder/cinder.conf
  local n
  for n in 1 2; do
    printf '[DEFAULT]\nhost = %s\n' "$(compute_host "$n")" >"/etc/nova/nova-compute-$n.conf"
  done
  # The second agent shares the machine with the first, which already owns the iptables rules.
  printf '[DEFAULT]\nhost = %s\n\n[securitygroup]\nfirewall_driver = noop\n' "$(compute_host 2)" \
    >/etc/neutron/plugins/ml2/linuxbridge_agent-2.ini
}

compute_host() { echo "aio-compute-$1"; }
