# Shared settings and helpers for aio.sh. Sourced, never run.

STATE=/var/lib/capo-ts-aio
LOG_DIR=$STATE/log
RUN_DIR=$STATE/run
STAMP_DIR=$STATE/stamps
SECRETS=$STATE/secrets.env
IMAGE_FILE=$STATE/data/image.qcow2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONF_SRC=$HERE/conf
CLOUDS_YAML=${CAPO_TS_CLOUDS_YAML:-/etc/openstack/clouds.yaml}
REGION=RegionOne
HOST_IP=127.0.0.1
KEYSTONE_URL=http://$HOST_IP:5000/v3

log() { printf '%s aio: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Stamps record one-time steps (installs, migrations, seeding) so warm starts skip them.
stamped() { [[ -e $STAMP_DIR/$1 ]]; }
stamp() { mkdir -p "$STAMP_DIR" && touch "$STAMP_DIR/$1"; }

# Passwords are generated once per state dir and kept out of logs.
load_secrets() {
  if [[ ! -s $SECRETS ]]; then
    mkdir -p "$STATE"
    local umask_was name
    umask_was=$(umask)
    umask 077
    {
      for name in DB RABBIT SERVICE ADMIN DEMO; do
        printf '%s_PASSWORD=%s\n' "$name" "$(openssl rand -hex 16)"
      done
      printf 'OCTAVIA_CERT_PASSPHRASE=%s\n' "$(openssl rand -hex 16)"
    } >"$SECRETS"
    umask "$umask_was"
  fi
  # shellcheck disable=SC1090
  source "$SECRETS"
}

# Waits up to $2 seconds (default 60) for a command to succeed.
wait_for() {
  local what=$1 timeout=${2:-60} start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS - start < timeout)) || die "timed out after ${timeout}s waiting for $what"
    sleep 0.5
  done
}

port_open() { (exec 3<>"/dev/tcp/$HOST_IP/$1") 2>/dev/null; }

PHYS_PUBLIC=capo-pub0
PHYS_PUBLIC_PEER=capo-pub1

# Seed names are exported: the seeding script and tests read the same file.
set -a
# shellcheck disable=SC1091
source "$HERE/seed.env"
set +a
