# Makes the OpenStack all-in-one reachable from the management cluster's pods. Its APIs listen on 127.0.0.1
# and its catalog names 127.0.0.1, which inside a pod is the pod itself. So: a second catalog region,
# $OS_REGION, whose endpoints are the same services at the node address, and a DNAT on the pod bridge from the
# node address to loopback for exactly those ports. Pods use $STATE/clouds.yaml (region_name: $OS_REGION); the
# all-in-one's own services and every host-side client keep RegionOne. Source it.

OS_REGION=capo-mgmt
OS_CLOUDS=/etc/openstack/clouds.yaml
# The address pods reach OpenStack at: the first instance's node address, whichever instance runs the pods, so
# that every instance shares one region and one pod-side clouds.yaml.
OS_ADDR=10.253.0.1

os_admin() { openstack --os-cloud capo-e2e-admin "$@"; }

# Every RegionOne public endpoint again in $OS_REGION, with the node address for 127.0.0.1; sets
# CATALOG_CHANGED when it created any. Nothing but the catalog read when none is missing (the openstack CLI
# takes seconds per call).
register_region() { # catalog lines: region service interface url
	local region service interface url
	CATALOG_CHANGED=0
	while read -r region service interface url; do
		[[ $region == RegionOne && $interface == public ]] || continue
		grep -q "^$OS_REGION $service public " <<<"$1" && continue
		((CATALOG_CHANGED)) || os_admin region show "$OS_REGION" >/dev/null 2>&1 ||
			os_admin region create "$OS_REGION" >/dev/null
		os_admin endpoint create --region "$OS_REGION" "$service" public "${url/127.0.0.1/$OS_ADDR}" >/dev/null
		CATALOG_CHANGED=1
	done <<<"$1"
}

# The ports of those endpoints, from pods to loopback; route_localnet lets the bridge deliver to 127.0.0.1.
forward_ports() { # catalog lines
	local ports
	ports=$(awk -v r="$OS_REGION" '$1 == r { print $4 }' <<<"$1" | sed -n 's#^[a-z]*://[^:/]*:\([0-9]*\).*#\1#p' |
		sort -un | paste -sd,)
	[[ -n $ports ]] || die "no endpoints in region $OS_REGION"
	ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
	ip link set "$BRIDGE" up
	sysctl -qw "net.ipv4.conf.$BRIDGE.route_localnet=1"
	[[ $(ip -o addr show dev lo) == *" $OS_ADDR/32 "* ]] || ip addr add "$OS_ADDR/32" dev lo
	local rule=(-i "$BRIDGE" -d "$OS_ADDR/32" -p tcp -m multiport --dports "$ports" -j DNAT --to-destination 127.0.0.1
		-m comment --comment "$NODE_NAME-openstack")
	iptables -t nat -C PREROUTING "${rule[@]}" 2>/dev/null || iptables -t nat -I PREROUTING "${rule[@]}"
}

# The clouds.yaml a pod uses: the all-in-one's clouds, with the node address and region $OS_REGION.
write_pod_clouds() {
	sed -e "s#127.0.0.1#$OS_ADDR#g" -e "s#region_name: RegionOne#region_name: $OS_REGION#" "$OS_CLOUDS" \
		>"$STATE/clouds.yaml"
	chmod 0600 "$STATE/clouds.yaml"
}

catalog() { os_admin endpoint list -f value -c Region -c 'Service Name' -c Interface -c URL; }

expose_openstack() {
	local lines
	if [[ ! -f $OS_CLOUDS ]] || ! lines=$(catalog 2>/dev/null); then
		log "no OpenStack all-in-one answers ($OS_CLOUDS): pods get no route to it"
		return 0
	fi
	register_region "$lines"
	((CATALOG_CHANGED == 0)) || lines=$(catalog)
	forward_ports "$lines"
	write_pod_clouds
	log "OpenStack reachable from pods: $STATE/clouds.yaml (region $OS_REGION at $OS_ADDR)"
}
