#!/usr/bin/env bash
# Builds the pinned kube-apiserver and etcd from Go modules (this directory's go.mod) and fetches the pinned
# Cluster API CRDs, into the cache that test/env/kube.ts reads:
#   <cache>/envtest/kube-<k8s>-etcd-<etcd>/{kube-apiserver,etcd}
#   <cache>/envtest/capi-<capi>/crds/*.yaml
# Each result carries a stamp of what produced it; when the stamps match, nothing is rebuilt and the run takes
# well under a second. Only the Go module proxy is needed from the network.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$here/versions.env"
cache=${CAPO_TS_CACHE:-$HOME/.cache/capo-ts}/envtest
bin_dir=$cache/kube-$KUBERNETES_VERSION-etcd-$ETCD_VERSION
crd_dir=$cache/capi-$CLUSTER_API_VERSION/crds

# Never download a Go toolchain (only the module proxy is reachable); never let a go.work or a user's GOFLAGS
# change what gets built. Static binaries, as upstream releases them.
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH

version_pkg=k8s.io/component-base/version
minor=${KUBERNETES_VERSION#v1.}
minor=${minor%%.*}
# Without these the apiserver reports v0.0.0-master in /version, which clients use for feature detection.
apiserver_ldflags="-s -w -X $version_pkg.gitVersion=$KUBERNETES_VERSION -X $version_pkg.gitMajor=1"
apiserver_ldflags+=" -X $version_pkg.gitMinor=$minor -X $version_pkg.gitTreeState=clean"
etcd_ldflags="-s -w"

log() { printf 'envtest: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}
now() { printf '%s' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# versions.env is what kube.ts reads, go.mod is what gets built: refuse to build if they disagree.
check_pins() {
	local staging=v0.$minor.${KUBERNETES_VERSION##*.}
	grep -Eq "^\s+k8s\.io/kubernetes $KUBERNETES_VERSION( |$)" "$here/go.mod" ||
		die "go.mod does not require k8s.io/kubernetes $KUBERNETES_VERSION (versions.env)"
	grep -Eq "^\s+go\.etcd\.io/etcd/server/v3 $ETCD_VERSION( |$)" "$here/go.mod" ||
		die "go.mod does not require go.etcd.io/etcd/server/v3 $ETCD_VERSION (versions.env)"
	awk -v want="$staging" '$2 == "=>" && $3 ~ /^k8s\.io\// && $4 != want { print $1; bad = 1 } END { exit bad }' \
		"$here/go.mod" >&2 || die "the staging modules above are not replaced with $staging"
}

binaries_stamp() {
	cat "$here/versions.env" "$here/go.mod" "$here/go.sum" | sha256sum | cut -d' ' -f1
	printf '%s\n%s\n' "$apiserver_ldflags" "$etcd_ldflags"
}

# Builds into a scratch directory and renames it into place, so readers never see half a result.
build_binaries() {
	local stamp=$1 tmp t0
	tmp=$(mktemp -d "$cache/.build.XXXXXX")
	log "building kube-apiserver $KUBERNETES_VERSION and etcd $ETCD_VERSION (cold: 10-16 min on 2 busy cores)"
	t0=$(now)
	(cd "$here" && go build -trimpath -ldflags="$apiserver_ldflags" -o "$tmp/kube-apiserver" \
		k8s.io/kubernetes/cmd/kube-apiserver)
	log "kube-apiserver built in $(since "$t0")"
	t0=$(now)
	(cd "$here" && go build -trimpath -ldflags="$etcd_ldflags" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
	log "etcd built in $(since "$t0")"
	printf '%s\n' "$stamp" >"$tmp/.stamp"
	chmod 0755 "$tmp"
	rm -rf "$bin_dir"
	mv "$tmp" "$bin_dir"
}

# The CRD bases as controller-gen wrote them; kube.ts strips spec.conversion (a webhook we do not run) on install.
fetch_crds() {
	local json mod_dir tmp dir
	json=$(cd / && GOFLAGS='' go mod download -json "sigs.k8s.io/cluster-api@$CLUSTER_API_VERSION")
	mod_dir=$(sed -n 's/^\s*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
	[[ -d $mod_dir ]] || die "go mod download sigs.k8s.io/cluster-api@$CLUSTER_API_VERSION gave no directory: $json"
	tmp=$(mktemp -d "$cache/.crds.XXXXXX")
	for dir in config bootstrap/kubeadm/config controlplane/kubeadm/config; do
		cp "$mod_dir/$dir"/crd/bases/*.yaml "$tmp/"
	done
	chmod 0644 "$tmp"/*.yaml
	chmod 0755 "$tmp"
	printf '%s\n' "$CLUSTER_API_VERSION" >"$tmp/.stamp"
	mkdir -p "$(dirname "$crd_dir")"
	rm -rf "$crd_dir"
	mv "$tmp" "$crd_dir"
}

stamp_is() { [[ -f $1/.stamp && "$(cat "$1/.stamp")" == "$2" ]]; }

main() {
	local t0 stamp
	t0=$(now)
	check_pins
	mkdir -p "$cache"
	# Parallel callers (several test runs at once) wait for one build instead of racing.
	exec 9>"$cache/.build.lock"
	flock 9

	stamp=$(binaries_stamp)
	if stamp_is "$bin_dir" "$stamp" && [[ -x $bin_dir/kube-apiserver && -x $bin_dir/etcd ]]; then
		log "kube-apiserver and etcd are up to date"
	else
		build_binaries "$stamp"
	fi
	if stamp_is "$crd_dir" "$CLUSTER_API_VERSION" && compgen -G "$crd_dir/*.yaml" >/dev/null; then
		log "Cluster API CRDs are up to date"
	else
		fetch_crds
	fi

	log "kube-apiserver $KUBERNETES_VERSION: $bin_dir/kube-apiserver"
	log "etcd $ETCD_VERSION: $bin_dir/etcd"
	log "Cluster API $CLUSTER_API_VERSION CRDs ($(find "$crd_dir" -name '*.yaml' | wc -l) files): $crd_dir"
	log "done in $(since "$t0")"
}

main "$@"
