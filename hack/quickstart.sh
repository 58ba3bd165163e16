#!/usr/bin/env bash
# The main job on a fresh machine: the book's Quick Start, run here unchanged.
#   1. builds and starts the local management cluster (hack/mgmt) and the OpenStack all-in-one (hack/openstack);
#   2. clusterctl init --infrastructure openstack (cert-manager, Cluster API and capo-ts from local images);
#   3. source templates/env.rc <clouds.yaml> <cloud>, then clusterctl generate cluster capi-quickstart with the
#      all-in-one's image, flavors and external network, and kubectl apply;
#   4. follows what is created on OpenStack and what each object waits for, with elapsed times, and ends with
#      kubectl get and the servers, load balancer and floating IPs it made.
#
# Usage: hack/quickstart.sh            create the cluster (idempotent: a second run reuses what is there)
#        hack/quickstart.sh --delete   delete it, and prove that nothing of it is left on the cloud
#
# Both environments keep running afterwards: hack/mgmt/cluster.sh stop, hack/openstack/aio.sh stop.
# Logs (clusterctl, builds, the providers' pods) go to files under $CAPO_TS_CACHE; the terminal shows progress.
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh
LOG_TAG=quickstart

CLUSTER_NAME=capi-quickstart
QS_DIR=$CAPO_TS_CACHE/quickstart
MGMT_STATE=${CAPO_TS_MGMT_STATE:-/var/lib/capo-ts-mgmt}
export KUBECONFIG=$MGMT_STATE/admin.kubeconfig
export PATH=$CAPO_TS_CACHE/mgmt/capi/bin:$CAPO_TS_CACHE/mgmt/kube/bin:$PATH

# The environments' builds and starts, side by side where they can be (as in hack/test.sh).
bring_up_environments() {
  start_environments
  start_mgmt_build
  await_environments
  await_mgmt_build
  log "starting the local management cluster (log: $ENV_LOGS/mgmt-start.log)"
  bash hack/mgmt/cluster.sh start >"$ENV_LOGS/mgmt-start.log" 2>&1 ||
    { tail -n 40 "$ENV_LOGS/mgmt-start.log" >&2; return 1; }
}

# The book's `clusterctl init`, with ClusterClass and Ignition switched on so that every template flavor applies.
init_providers() {
  if kubectl get deployment -n capo-system capo-controller-manager >/dev/null 2>&1; then
    log "providers already installed (clusterctl delete --all removes them)"
    return 0
  fi
  log "clusterctl init --infrastructure openstack (log: $QS_DIR/clusterctl.log)"
  CLUSTER_TOPOLOGY=true EXP_KUBEADM_BOOTSTRAP_FORMAT_IGNITION=true \
    clusterctl init --infrastructure openstack --wait-providers >>"$QS_DIR/clusterctl.log" 2>&1 ||
    { tail -n 20 "$QS_DIR/clusterctl.log" >&2; return 1; }
}

# The variables the book says to export after env.rc, from what the all-in-one seeds (hack/openstack/seed.env).
export_cluster_variables() {
  # shellcheck source=openstack/seed.env
  . hack/openstack/seed.env
  # The Kubernetes version the seeded image was built for (ubuntu-2204-kube-v1.33.0), as image-builder names it.
  KUBERNETES_VERSION=${OPENSTACK_IMAGE_NAME##*-kube-}
  export OPENSTACK_DNS_NAMESERVERS OPENSTACK_FAILURE_DOMAIN OPENSTACK_CONTROL_PLANE_MACHINE_FLAVOR \
    OPENSTACK_NODE_MACHINE_FLAVOR OPENSTACK_IMAGE_NAME OPENSTACK_SSH_KEY_NAME KUBERNETES_VERSION
  OPENSTACK_EXTERNAL_NETWORK_ID=$(openstack --os-cloud "$OPENSTACK_CLOUD_ADMIN" network show \
    "$OPENSTACK_EXTERNAL_NETWORK_NAME" -f value -c id)
  export OPENSTACK_EXTERNAL_NETWORK_ID
}

create_cluster() {
  bring_up_environments
  init_providers
  log "source templates/env.rc $MGMT_STATE/clouds.yaml capo-e2e (the cloud as pods reach it)"
  # shellcheck source=../templates/env.rc
  source templates/env.rc "$MGMT_STATE/clouds.yaml" capo-e2e
  export_cluster_variables
  log "clusterctl generate cluster $CLUSTER_NAME --kubernetes-version $KUBERNETES_VERSION" \
    "--control-plane-machine-count=3 --worker-machine-count=1 > $QS_DIR/$CLUSTER_NAME.yaml"
  clusterctl generate cluster "$CLUSTER_NAME" --kubernetes-version "$KUBERNETES_VERSION" \
    --control-plane-machine-count=3 --worker-machine-count=1 >"$QS_DIR/$CLUSTER_NAME.yaml"
  log "kubectl apply -f $QS_DIR/$CLUSTER_NAME.yaml"
  kubectl apply -f "$QS_DIR/$CLUSTER_NAME.yaml" >>"$QS_DIR/clusterctl.log"
  node hack/quickstart.ts follow "$CLUSTER_NAME"
}

delete_cluster() {
  bash hack/openstack/aio.sh status >/dev/null || { log "the all-in-one is not running: run hack/quickstart.sh"; return 1; }
  bash hack/mgmt/cluster.sh status >/dev/null || { log "the management cluster is not running: run hack/quickstart.sh"; return 1; }
  node hack/quickstart.ts delete "$CLUSTER_NAME"
}

mkdir -p "$QS_DIR"
ensure_node_modules
use_project_node
case "${1:-}" in
  "") create_cluster ;;
  --delete) delete_cluster ;;
  *) log "usage: hack/quickstart.sh [--delete]"; exit 2 ;;
esac
