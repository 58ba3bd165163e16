#!/usr/bin/env bash
# Builds everything the local management cluster runs, from Go modules and this repository, with no registry:
#   <cache>/mgmt/kube/bin          kubelet, kube-controller-manager, kube-scheduler, kube-proxy, kubectl
#                                  (hack/envtest's module, the Kubernetes that kube-apiserver and etcd come from)
#   <cache>/mgmt/helm/bin          helm (hack/mgmt/helm's module), to render cert-manager's chart
#   <cache>/mgmt/capi/             clusterctl; images of the core, kubeadm bootstrap and control plane managers;
#                                  their components YAML built from the module's config/ as its release does
#   <cache>/mgmt/cert-manager/     images of controller, webhook and cainjector; cert-manager.yaml
#   <cache>/mgmt/pause/            the pod sandbox image
#   <cache>/mgmt/capo-ts/          the capo-ts image (hack/image/build.sh) and our release artifacts
# Each part carries a stamp of its inputs (pinned versions, go.sum, the function that builds it); a part whose
# stamp matches is not rebuilt, so a warm run takes a second or two.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../envtest/versions.env
. "$repo/hack/envtest/versions.env"
# shellcheck source=versions.env
. "$here/versions.env"
cache=${CAPO_TS_CACHE:-$HOME/.cache/capo-ts}/mgmt

export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH

# shellcheck source=../lib.sh
. "$repo/hack/lib.sh"
LOG_TAG=mgmt-build
die() {
	log "error: $*"
	exit 1
}

module_dir() { # module@version -> its directory in the module cache (downloaded if missing)
	(cd / && GOFLAGS='' go mod download -json "$1") | sed -n 's/^\s*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

minor_of() { local m=${1#v1.}; printf '%s' "${m%%.*}"; }

# An OCI archive of one static binary FROM scratch, non-root, under the name the upstream manifests use.
make_image() { # ref binary entrypoint archive
	local ref=$1 binary=$2 entrypoint=$3 archive=$4 root ctr
	root=$(mktemp -d "$cache/.rootfs.XXXXXX")
	mkdir -p "$root$(dirname "$entrypoint")" "$root/tmp"
	cp "$binary" "$root$entrypoint"
	write_image_users "$root"
	chmod 1777 "$root/tmp"
	ctr=$(buildah from --quiet scratch)
	buildah copy --quiet "$ctr" "$root" / >/dev/null
	buildah config --entrypoint "[\"$entrypoint\"]" --user 65532:65532 --workingdir / "$ctr"
	buildah commit --quiet --rm "$ctr" "$ref" >/dev/null
	rm -f "$archive"
	buildah push --quiet "$ref" "oci-archive:$archive:$ref"
	buildah rmi "$ref" >/dev/null
	rm -rf "$root"
}

ensure_buildah() { command -v buildah >/dev/null || apt_install buildah; }

# After hack/envtest/build.sh (its lock), whose compiled Kubernetes packages these reuse from Go's build cache.
build_kube() { # out
	mkdir -p "$cache/../envtest"
	exec 8>"$cache/../envtest/.build.lock"
	flock 8
	local v=k8s.io/component-base/version
	local ld="-s -w -X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$(minor_of "$KUBERNETES_VERSION")"
	mkdir -p "$1/bin"
	(cd "$repo/hack/envtest" && go build -trimpath -ldflags="$ld -X $v.gitTreeState=clean" -o "$1/bin/" \
		k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl)
}

build_helm() { # out
	local version
	version=$(awk '$1 == "helm.sh/helm/v3" { print $2 }' "$here/helm/go.mod")
	mkdir -p "$1/bin"
	(cd "$here/helm" && go build -trimpath -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$version" \
		-o "$1/bin/helm" helm.sh/helm/v3/cmd/helm)
}

# The three managers and clusterctl from the module's own go.mod, the way its Makefile builds them; the
# components YAML is `kustomize build` of its config with the release's image and pull policy.
build_capi() { # out
	local out=$1 dir v=sigs.k8s.io/cluster-api/version ld name pkg
	dir=$(module_dir "sigs.k8s.io/cluster-api@$CLUSTER_API_VERSION")
	ld="-s -w -X $v.gitVersion=$CLUSTER_API_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$(minor_of "$CLUSTER_API_VERSION")"
	ld+=" -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
	mkdir -p "$out/bin" "$out/images" "$out/components"
	(cd "$dir" && go build -trimpath -ldflags="$ld" -o "$out/bin/clusterctl" ./cmd/clusterctl)
	for name in cluster-api-controller:. kubeadm-bootstrap-controller:./bootstrap/kubeadm \
		kubeadm-control-plane-controller:./controlplane/kubeadm; do
		pkg=${name#*:} name=${name%%:*}
		(cd "$dir" && go build -trimpath -ldflags="$ld" -o "$out/bin/$name" "$pkg")
		make_image "$CAPI_REGISTRY/$name:$CLUSTER_API_VERSION" "$out/bin/$name" /manager "$out/images/$name.oci.tar"
		rm "$out/bin/$name"
	done
	for name in core:config bootstrap:bootstrap/kubeadm/config control-plane:controlplane/kubeadm/config; do
		"$cache/kube/bin/kubectl" kustomize "$dir/${name#*:}/default" |
			sed -e "s#image: gcr.io/k8s-staging-cluster-api/\([a-z-]*\):main#image: $CAPI_REGISTRY/\1:$CLUSTER_API_VERSION#" \
				-e 's#imagePullPolicy: Always#imagePullPolicy: IfNotPresent#' >"$out/components/${name%%:*}-components.yaml"
		grep -q "image: $CAPI_REGISTRY/" "$out/components/${name%%:*}-components.yaml" ||
			die "no $CAPI_REGISTRY image in the ${name%%:*} components: the staging image name changed?"
	done
	cp "$dir/metadata.yaml" "$out/components/metadata.yaml"
	chmod 0644 "$out/components/metadata.yaml"
}

# cert-manager's images run their binaries from /app/cmd/<name>/<name>, as its own images do; cert-manager.yaml
# is its chart rendered the way its make/manifests.mk renders the static manifest.
build_cert_manager() { # out
	local out=$1 dir name chart
	dir=$(module_dir "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")
	mkdir -p "$out/bin" "$out/images"
	(cd "$dir" && go build -trimpath -ldflags="-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CERT_MANAGER_VERSION" \
		-o "$out/bin/" ./cmd/controller ./cmd/webhook ./cmd/cainjector)
	for name in controller webhook cainjector; do
		make_image "$CERT_MANAGER_REGISTRY/cert-manager-$name:$CERT_MANAGER_VERSION" "$out/bin/$name" \
			"/app/cmd/$name/$name" "$out/images/cert-manager-$name.oci.tar"
	done
	rm -rf "$out/bin"
	chart=$(mktemp -d "$cache/.chart.XXXXXX")
	cp -r "$dir/deploy/charts/cert-manager/." "$chart/"
	chmod -R u+w "$chart"
	sed -e "s/^version: .*/version: $CERT_MANAGER_VERSION/" -e "s/^appVersion: .*/appVersion: $CERT_MANAGER_VERSION/" \
		"$chart/Chart.template.yaml" >"$chart/Chart.yaml"
	{
		echo '{{- if .Values.installCRDs }}'
		for name in "$dir"/deploy/crds/crd-*.yaml; do printf -- '---\n' && cat "$name"; done
		echo '{{- end }}'
	} >"$chart/templates/crds.yaml"
	{
		cat "$dir/deploy/manifests/namespace.yaml"
		"$cache/helm/bin/helm" template --kube-version "$KUBERNETES_VERSION" --api-versions="" --namespace=cert-manager \
			--set=installCRDs=true --set=creator=static --set=startupapicheck.enabled=false cert-manager "$chart"
	} >"$out/cert-manager.yaml"
	rm -rf "$chart"
}

build_pause() { # out
	mkdir -p "$1/images"
	gcc -static -O2 -o "$1/pause" "$here/pause/pause.c"
	make_image "registry.k8s.io/pause:$PAUSE_VERSION" "$1/pause" /pause "$1/images/pause.oci.tar"
	rm "$1/pause"
}

# Its own build directory: the image test builds out/image at the same time.
build_capo_ts() { # out
	local archive
	mkdir -p "$1/images" "$1/components"
	archive=$(cd "$repo" && bash hack/image/build.sh --out "$1/build")
	mv "$archive" "$1/images/capo-ts-controller.oci.tar"
	rm -rf "$1/build"
	(cd "$repo" && node_modules/.bin/node hack/release/main.ts --out "$1/components" >/dev/null)
}

# What each part's result depends on; the part is rebuilt when any of it changes.
inputs() { # part
	declare -f "build_$1"
	cat "$repo/hack/envtest/versions.env" "$here/versions.env"
	case $1 in
	kube) cat "$repo/hack/envtest/go.mod" "$repo/hack/envtest/go.sum" ;;
	helm) cat "$here/helm/go.mod" "$here/helm/go.sum" ;;
	pause) declare -f make_image && cat "$here/pause/pause.c" ;;
	capi | cert_manager) declare -f make_image ;;
	capo_ts)
		(cd "$repo" && git ls-files -co --exclude-standard src hack/image hack/release config templates \
			Dockerfile package.json package-lock.json | sort | xargs cat)
		;;
	esac
}

# Builds into a scratch directory and renames it into place, so readers never see half a result.
part() { # name
	local name=$1 dir=$cache/${1//_/-} stamp tmp t0=$SECONDS
	stamp=$(inputs "$name" | sha256sum | cut -d' ' -f1)
	if [[ -f $dir/.stamp && $(cat "$dir/.stamp") == "$stamp" ]]; then
		log "$name is up to date"
		return 0
	fi
	log "building $name"
	tmp=$(mktemp -d "$cache/.build.XXXXXX")
	"build_$name" "$tmp"
	printf '%s\n' "$stamp" >"$tmp/.stamp"
	chmod 0755 "$tmp"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	log "$name built in $((SECONDS - t0)) s"
}

main() {
	mkdir -p "$cache"
	exec 9>"$cache/.build.lock"
	flock 9
	rm -rf "$cache"/.build.* "$cache"/.rootfs.* "$cache"/.chart.*
	ensure_buildah
	# vfs: no overlay mount needed, so buildah works in an unprivileged or nested container too.
	export STORAGE_DRIVER=vfs
	part helm
	part pause
	part capi
	part cert_manager
	part capo_ts
	part kube
	log "done in $SECONDS s"
}

main "$@"
