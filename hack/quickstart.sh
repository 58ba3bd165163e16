#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds the Kubernetes binaries, starts
# the OpenStack all-in-one, then runs a private kube-apiserver with a Cluster, its OpenStackCluster
# and the credentials Secret, and `capo-ts manager`, which builds the cluster's network, router,
# security groups and API load balancer on OpenStack, printing each condition as it changes.
# Ctrl-C (or --exit-when-ready, once the OpenStackCluster is Ready) deletes that infrastructure again
# and stops. OpenStack keeps running afterwards (hack/openstack/aio.sh stop stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh
LOG_TAG=quickstart

ensure_node_modules
use_project_node
start_environments
await_environments
exec node --disable-warning=ExperimentalWarning hack/quickstart.ts "$@"
