# Configuration files of the management cluster's processes, written on every start. Source it.

write_containerd_config() {
	mkdir -p "$STATE/containerd" "$RUN/containerd" "$STATE/cni/net.d"
	cat >"$STATE/containerd.toml" <<-EOF
		version = 2
		root = "$STATE/containerd"
		state = "$RUN/containerd"
		[grpc]
		  address = "$CONTAINERD_SOCK"
		[ttrpc]
		  address = "$CONTAINERD_SOCK.ttrpc"
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "registry.k8s.io/pause:$PAUSE_VERSION"
		  # No CAP_SYS_RESOURCE here: a negative oom_score_adj (pod sandboxes get -998) is refused, and runc fails.
		  restrict_oom_score_adj = true
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    snapshotter = "$SNAPSHOTTER"
		    default_runtime_name = "runc"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		        SystemdCgroup = false
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "$STATE/cni/net.d"
	EOF
	# One bridge for the node's pods; host-local hands out addresses; the host reaches pods through the bridge.
	cat >"$STATE/cni/net.d/10-capo-mgmt.conflist" <<-EOF
		{
		  "cniVersion": "1.0.0",
		  "name": "capo-mgmt",
		  "plugins": [
		    {
		      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
		      "ipam": {
		        "type": "host-local", "dataDir": "$STATE/cni/ipam",
		        "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]
		      }
		    },
		    {"type": "portmap", "capabilities": {"portMappings": true}}
		  ]
		}
	EOF
}

write_kubelet_config() {
	cat >"$STATE/kubelet.yaml" <<-EOF
		apiVersion: kubelet.config.k8s.io/v1beta1
		kind: KubeletConfiguration
		authentication:
		  anonymous: {enabled: false}
		  webhook: {enabled: true}
		  x509: {clientCAFile: $PKI/ca.crt}
		authorization: {mode: Webhook}
		cgroupDriver: cgroupfs
		containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
		failSwapOn: false
		address: $NODE_IP
		healthzBindAddress: 127.0.0.1
		healthzPort: $((10248 + LOCAL_PORT_OFFSET))
		clusterDomain: cluster.local
		resolvConf: /etc/resolv.conf
		serializeImagePulls: false
		# Images are imported, never pulled: keep them however full the disk is.
		imageGCHighThresholdPercent: 100
		evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
		podPidsLimit: -1
		logging: {format: json}
	EOF
	# A second instance's pods, and their logs, apart from the first's.
	((INSTANCE == 0)) || printf 'cgroupRoot: /%s\npodLogsDir: %s\n' "$NODE_NAME" "$STATE/pod-logs" >>"$STATE/kubelet.yaml"
}

write_proxy_config() {
	cat >"$STATE/kube-proxy.yaml" <<-EOF
		apiVersion: kubeproxy.config.k8s.io/v1alpha1
		kind: KubeProxyConfiguration
		clientConnection: {kubeconfig: $STATE/proxy.kubeconfig}
		mode: iptables
		clusterCIDR: $POD_CIDR
		hostnameOverride: $NODE_NAME
		bindAddress: $NODE_IP
		healthzBindAddress: 127.0.0.1:10256
		metricsBindAddress: 127.0.0.1:10249
		# Leave the host's conntrack table size alone (a VM may not let us change it).
		conntrack: {maxPerCore: 0}
		logging: {format: json}
	EOF
}
