# What `clusterctl init` reads, as a user's machine would have it: the cluster's context in ~/.kube/config
# and clusterctl's config pointing at a local repository of every provider and of cert-manager. Source it.

CLUSTERCTL_REPO=$STATE/clusterctl/repository
CLUSTERCTL_CONFIG=${XDG_CONFIG_HOME:-$HOME/.config}/cluster-api/clusterctl.yaml
CLUSTERCTL_MARK="# written by capo-ts hack/mgmt/cluster.sh"

# Our context goes first, so that a merge replaces an older entry of ours and keeps every other one. The first
# instance becomes the current context; another instance leaves the current one as it was.
merge_kubeconfig() {
	local file=$HOME/.kube/config tmp current=$NODE_NAME
	mkdir -p "$HOME/.kube"
	tmp=$(mktemp "$HOME/.kube/.config.XXXXXX")
	if [[ -f $file ]]; then
		((INSTANCE == 0)) || current=$("$KUBE_BIN/kubectl" --kubeconfig "$file" config current-context 2>/dev/null || echo "$NODE_NAME")
		KUBECONFIG=$STATE/admin.kubeconfig:$file "$KUBE_BIN/kubectl" config view --flatten >"$tmp"
	else
		cp "$STATE/admin.kubeconfig" "$tmp"
	fi
	"$KUBE_BIN/kubectl" --kubeconfig "$tmp" config use-context "$current" >/dev/null
	chmod 0600 "$tmp"
	mv "$tmp" "$file"
}

# repo_add label version source...: copies the files into <repository>/<label>/<version>/.
repo_add() {
	local dir=$CLUSTERCTL_REPO/$1/$2
	shift 2
	mkdir -p "$dir"
	cp "$@" "$dir/"
}

write_clusterctl_config() {
	local capi=$CACHE/mgmt/capi/components capo=$CACHE/mgmt/capo-ts/components v version
	version=v$("$REPO/node_modules/.bin/node" -p 'require(process.argv[1]).version' "$REPO/package.json")
	rm -rf "$CLUSTERCTL_REPO"
	repo_add cluster-api "$CLUSTER_API_VERSION" "$capi/core-components.yaml" "$capi/metadata.yaml"
	repo_add bootstrap-kubeadm "$CLUSTER_API_VERSION" "$capi/bootstrap-components.yaml" "$capi/metadata.yaml"
	repo_add control-plane-kubeadm "$CLUSTER_API_VERSION" "$capi/control-plane-components.yaml" "$capi/metadata.yaml"
	repo_add infrastructure-openstack "$version" "$capo"/*.yaml
	repo_add cert-manager "$CERT_MANAGER_VERSION" "$CACHE/mgmt/cert-manager/cert-manager.yaml"
	v=$CLUSTER_API_VERSION
	cat >"$STATE/clusterctl.yaml" <<-EOF
		$CLUSTERCTL_MARK: providers and cert-manager from local files, no network
		providers:
		  - {name: cluster-api, type: CoreProvider, url: "$CLUSTERCTL_REPO/cluster-api/$v/core-components.yaml"}
		  - {name: kubeadm, type: BootstrapProvider, url: "$CLUSTERCTL_REPO/bootstrap-kubeadm/$v/bootstrap-components.yaml"}
		  - {name: kubeadm, type: ControlPlaneProvider, url: "$CLUSTERCTL_REPO/control-plane-kubeadm/$v/control-plane-components.yaml"}
		  - {name: openstack, type: InfrastructureProvider, url: "$CLUSTERCTL_REPO/infrastructure-openstack/$version/infrastructure-components.yaml"}
		cert-manager:
		  url: "$CLUSTERCTL_REPO/cert-manager/$CERT_MANAGER_VERSION/cert-manager.yaml"
		  version: "$CERT_MANAGER_VERSION"
		# clusterctl would ask GitHub for a newer release of itself.
		CLUSTERCTL_DISABLE_VERSIONCHECK: "true"
	EOF
	# Another instance's repository is the same; the first instance's config stays the one clusterctl reads.
	((INSTANCE == 0)) || [[ ! -f $CLUSTERCTL_CONFIG ]] || return 0
	if [[ -f $CLUSTERCTL_CONFIG ]] && ! grep -qF "$CLUSTERCTL_MARK" "$CLUSTERCTL_CONFIG"; then
		log "$CLUSTERCTL_CONFIG is someone else's: left alone; pass --config $STATE/clusterctl.yaml to clusterctl"
		return 0
	fi
	mkdir -p "$(dirname "$CLUSTERCTL_CONFIG")"
	cp "$STATE/clusterctl.yaml" "$CLUSTERCTL_CONFIG"
}
