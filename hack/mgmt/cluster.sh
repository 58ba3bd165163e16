#!/usr/bin/env bash
# A real local Kubernetes management cluster on this one machine: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kube-proxy and kubelet (built by hack/mgmt/build.sh and hack/envtest/build.sh from the pinned
# Kubernetes module) with Debian's containerd, runc and CNI plugins; one node, pods on a bridge. The images of
# capo-ts, Cluster API and cert-manager are imported into containerd (nothing is pulled), and clusterctl gets a
# local repository so that `clusterctl init --infrastructure openstack` runs as the book shows.
#
# Usage: cluster.sh start    build what is missing, start what is not running, import changed images; idempotent
#        cluster.sh stop     stop every process and every pod sandbox (the cluster's state stays)
#        cluster.sh status   one line per process; exit 1 if anything is down
#        cluster.sh reset    stop, then delete the cluster's state, so that the next start begins from scratch
#        CAPO_TS_MGMT_INSTANCE=N cluster.sh ...   the same for a further cluster beside the first (N = 1-9)
#
# State, logs and PIDs under /var/lib/capo-ts-mgmt; the admin kubeconfig is /var/lib/capo-ts-mgmt/admin.kubeconfig,
# merged into ~/.kube/config as context capo-mgmt; clusterctl's config is ~/.config/cluster-api/clusterctl.yaml.
# Instance N: /var/lib/capo-ts-mgmt-N, context capo-mgmt-N, node address 10.253.0.<N+1>, apiserver port 6443+N.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../envtest/versions.env
. "$REPO/hack/envtest/versions.env"
# shellcheck source=versions.env
. "$HERE/versions.env"
CACHE=${CAPO_TS_CACHE:-$HOME/.cache/capo-ts}
# A second (third...) management cluster beside the first, e.g. the target of `clusterctl move`: instance N
# has its own state, node address, ports, bridge, address ranges and cgroups.
INSTANCE=${CAPO_TS_MGMT_INSTANCE:-0}
[[ $INSTANCE =~ ^[0-9]$ ]] || { echo "CAPO_TS_MGMT_INSTANCE must be 0-9, not $INSTANCE" >&2; exit 2; }
SUFFIX=$( ((INSTANCE == 0)) || echo "-$INSTANCE")
STATE=${CAPO_TS_MGMT_STATE:-/var/lib/capo-ts-mgmt$SUFFIX}
RUN=$STATE/run
LOGS=$STATE/log
PKI=$STATE/pki
KUBE_BIN=$CACHE/mgmt/kube/bin
ENVTEST_BIN=$CACHE/envtest/kube-$KUBERNETES_VERSION-etcd-$ETCD_VERSION
CONTAINERD_SOCK=$RUN/containerd.sock
NODE_NAME=capo-mgmt$SUFFIX
# The node's address is a second address of the loopback device (this kernel has no dummy interfaces): the
# same on every machine, local to the host and reachable from pods through the bridge.
NODE_IP=10.253.0.$((1 + INSTANCE))
API_PORT=$((6443 + INSTANCE))
ETCD_PORT=$((2479 + 10 * INSTANCE))
# The controller-manager's and scheduler's secure ports, and the kubelet's healthz port, all on 127.0.0.1.
LOCAL_PORT_OFFSET=$((100 * INSTANCE))
POD_CIDR=10.244.$INSTANCE.0/24
BRIDGE=capo-cni$INSTANCE
SERVICE_CIDR=10.$((96 + INSTANCE)).0.0/16
SERVICE_IP=10.$((96 + INSTANCE)).0.1
SNAPSHOTTER=overlayfs
# Two kube-proxies on one host would rewrite each other's KUBE-SERVICES chain. The only Service a management
# cluster's pods use is the apiserver's (no cluster DNS; the apiserver calls webhooks at pod IPs), so a second
# instance has a fixed DNAT for it instead (service_dnat).
PROCS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet)
((INSTANCE > 0)) || PROCS+=(kube-proxy)

# shellcheck source=../lib.sh
. "$REPO/hack/lib.sh"
LOG_TAG=mgmt
die() {
	log "error: $*"
	exit 1
}

# shellcheck source=lib/procs.sh
. "$HERE/lib/procs.sh"
# shellcheck source=lib/pki.sh
. "$HERE/lib/pki.sh"
# shellcheck source=lib/config.sh
. "$HERE/lib/config.sh"
# shellcheck source=lib/clusterctl.sh
. "$HERE/lib/clusterctl.sh"
# shellcheck source=lib/openstack.sh
. "$HERE/lib/openstack.sh"

kubectl() { "$KUBE_BIN/kubectl" --kubeconfig "$STATE/admin.kubeconfig" "$@"; }

install_packages() {
	local missing=()
	command -v containerd >/dev/null || missing+=(containerd)
	command -v runc >/dev/null || missing+=(runc)
	[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
	command -v iptables >/dev/null || missing+=(iptables)
	command -v conntrack >/dev/null || missing+=(conntrack)
	((${#missing[@]} == 0)) || apt_install "${missing[@]}"
}

setup_host() {
	[[ $(ip -o addr show dev lo) == *" $NODE_IP/32 "* ]] || ip addr add "$NODE_IP/32" dev lo
	modprobe br_netfilter 2>/dev/null || true
	sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
}

start_etcd() {
	spawn etcd "$ENVTEST_BIN/etcd" --name "$NODE_NAME" --data-dir "$STATE/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
		--initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
		--initial-cluster "$NODE_NAME=http://127.0.0.1:$((ETCD_PORT + 1))" \
		--listen-metrics-urls "http://127.0.0.1:$((ETCD_PORT + 2))" \
		--log-level warn
}

start_apiserver() {
	spawn kube-apiserver "$ENVTEST_BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
		--bind-address "$NODE_IP" --secure-port "$API_PORT" --advertise-address "$NODE_IP" \
		--tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
		--client-ca-file "$PKI/ca.crt" --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
		--kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
		--service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-cluster-ip-range "$SERVICE_CIDR" --authorization-mode Node,RBAC \
		--enable-admission-plugins NodeRestriction --allow-privileged=true --profiling=false \
		--enable-aggregator-routing=true --kubelet-preferred-address-types InternalIP --logging-format json \
		--requestheader-client-ca-file "$PKI/ca.crt" --requestheader-allowed-names front-proxy-client \
		--requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
		--requestheader-extra-headers-prefix X-Remote-Extra- \
		--proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key"
}

# Webhooks and aggregated APIs are called at their endpoints' pod IPs (aggregator routing), so the
# apiserver does not depend on kube-proxy.
start_controllers() {
	local common=(--bind-address 127.0.0.1 --tls-cert-file "$PKI/serving.crt" --tls-private-key-file "$PKI/serving.key"
		--leader-elect=false --profiling=false --logging-format json)
	spawn kube-controller-manager "$KUBE_BIN/kube-controller-manager" "${common[@]}" \
		--kubeconfig "$STATE/controller-manager.kubeconfig" \
		--authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
		--authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
		--service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
		--cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
		--use-service-account-credentials=true --cluster-name "$NODE_NAME" \
		--secure-port $((10257 + LOCAL_PORT_OFFSET))
	spawn kube-scheduler "$KUBE_BIN/kube-scheduler" "${common[@]}" --kubeconfig "$STATE/scheduler.kubeconfig" \
		--secure-port $((10259 + LOCAL_PORT_OFFSET)) \
		--authentication-kubeconfig "$STATE/scheduler.kubeconfig" --authorization-kubeconfig "$STATE/scheduler.kubeconfig"
}

start_node() {
	spawn containerd containerd --config "$STATE/containerd.toml"
	wait_for containerd 30 ctr_ version
	spawn kubelet "$KUBE_BIN/kubelet" --config "$STATE/kubelet.yaml" --kubeconfig "$STATE/kubelet.kubeconfig" \
		--hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --root-dir "$STATE/kubelet" \
		--cert-dir "$STATE/kubelet/pki"
	if ((INSTANCE == 0)); then spawn kube-proxy "$KUBE_BIN/kube-proxy" --config "$STATE/kube-proxy.yaml"; else service_dnat; fi
}

# The apiserver's Service address, from this instance's pods, to the apiserver (instances > 0: no kube-proxy).
service_dnat() {
	local rule=(-i "$BRIDGE" -d "$SERVICE_IP/32" -p tcp --dport 443 -j DNAT --to-destination "$NODE_IP:$API_PORT"
		-m comment --comment "$NODE_NAME-kubernetes-service")
	iptables -t nat -C PREROUTING "${rule[@]}" 2>/dev/null || iptables -t nat -I PREROUTING "${rule[@]}"
}

# Pods of instance N > 0 live under the cgroup /capo-mgmt-N, beside the first instance's /kubepods; the
# kubelet wants its cgroup root to exist in every hierarchy (cgroup v1 here), and cpuset's to have CPUs.
make_cgroup_root() {
	local dir
	for dir in /sys/fs/cgroup/*/; do
		[[ -d $dir && ! -L ${dir%/} ]] || continue
		mkdir -p "$dir$NODE_NAME"
		if [[ -f ${dir}cpuset.cpus ]]; then
			cp "${dir}cpuset.cpus" "$dir$NODE_NAME/cpuset.cpus"
			cp "${dir}cpuset.mems" "$dir$NODE_NAME/cpuset.mems"
		fi
	done
}

ctr_() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

# Imports every image archive whose digest changed since its last import (a warm start imports none).
import_images() {
	local archive stamp sum n=0
	mkdir -p "$STATE/images"
	for archive in "$CACHE"/mgmt/*/images/*.oci.tar; do
		stamp=$STATE/images/$(basename "$(dirname "$(dirname "$archive")")")-$(basename "$archive").sha
		sum=$(sha256sum "$archive" | cut -d' ' -f1)
		[[ -f $stamp && $(cat "$stamp") == "$sum" ]] && continue
		ctr_ images import --snapshotter "$SNAPSHOTTER" "$archive" >/dev/null
		echo "$sum" >"$stamp"
		n=$((n + 1))
	done
	log "images: $n imported, $(ctr_ images ls -q | grep -vc '^sha256:') in containerd"
}

node_ready() {
	[[ $(kubectl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

cmd_start() {
	local t0=$SECONDS
	install_packages
	bash "$REPO/hack/envtest/build.sh"
	bash "$HERE/build.sh"
	mkdir -p "$RUN" "$LOGS" "$STATE/kubelet"
	setup_host
	((INSTANCE == 0)) || make_cgroup_root
	make_pki
	write_containerd_config
	write_kubelet_config
	write_proxy_config
	start_etcd
	wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
	start_apiserver
	wait_for kube-apiserver 60 healthy "https://$NODE_IP:$API_PORT/readyz" admin
	start_controllers
	start_node
	import_images
	wait_for "node $NODE_NAME" 90 node_ready
	wait_for kube-controller-manager 30 healthy "https://127.0.0.1:$((10257 + LOCAL_PORT_OFFSET))/healthz"
	wait_for kube-scheduler 30 healthy "https://127.0.0.1:$((10259 + LOCAL_PORT_OFFSET))/healthz"
	((INSTANCE > 0)) || wait_for kube-proxy 30 healthy http://127.0.0.1:10256/healthz
	merge_kubeconfig
	write_clusterctl_config
	expose_openstack
	log "ready in $((SECONDS - t0)) s; kubeconfig $STATE/admin.kubeconfig (context $NODE_NAME in ~/.kube/config)"
	log "clusterctl and kubectl: export PATH=$CACHE/mgmt/capi/bin:$KUBE_BIN:\$PATH"
}

# Pod sandboxes outlive kubelet; stop them too, so nothing of the cluster runs after a stop.
stop_pods() {
	[[ -S $CONTAINERD_SOCK ]] && running containerd || return 0
	local ids
	ids=$(ctr_ tasks ls -q 2>/dev/null || true)
	[[ -z $ids ]] && return 0
	# shellcheck disable=SC2086
	ctr_ tasks kill -a -s KILL $ids >/dev/null 2>&1 || true
	sleep 1
	# shellcheck disable=SC2086
	ctr_ tasks rm -f $ids >/dev/null 2>&1 || true
}

cmd_stop() {
	local i
	stop_one kubelet
	stop_pods
	for ((i = ${#PROCS[@]} - 1; i >= 0; i--)); do stop_one "${PROCS[$i]}"; done
	pkill -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" 2>/dev/null || true
	log "stopped"
}

cmd_status() {
	local name bad=0
	for name in "${PROCS[@]}"; do
		if running "$name"; then printf '%-24s running (pid %s)\n' "$name" "$(pid_of "$name")"; else
			printf '%-24s down\n' "$name"
			bad=1
		fi
	done
	if ((bad == 0)) && node_ready; then echo "node $NODE_NAME Ready"; else
		echo "node $NODE_NAME not Ready"
		bad=1
	fi
	return $bad
}

cmd_reset() {
	cmd_stop
	ip addr del "$NODE_IP/32" dev lo 2>/dev/null || true
	ip link del "$BRIDGE" 2>/dev/null || true
	# Pod volumes (secrets, tokens) are mounts under the kubelet's directory; the deepest first.
	findmnt -rn -o TARGET | grep "^$STATE/" | sort -r | xargs -r umount 2>/dev/null || true
	rm -rf "$STATE"
	if ((INSTANCE > 0)); then
		iptables-save -t nat | grep -- "--comment \"\?$NODE_NAME-" | sed 's/^-A/-D/' |
			while read -r -a rule; do iptables -t nat "${rule[@]}"; done
		find /sys/fs/cgroup/*/"$NODE_NAME" -depth -type d -exec rmdir {} + 2>/dev/null || true
	fi
	log "reset: $STATE removed"
}

case ${1:-} in
start | stop | status | reset) "cmd_$1" ;;
*)
	sed -n '8,13p' "$0" >&2
	exit 2
	;;
esac
