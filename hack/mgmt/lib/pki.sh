# The management cluster's certificates and kubeconfigs, made once with openssl under $PKI. Source it.

# new_cert name cn [org] [ext]: a P-256 key and a certificate signed by the cluster CA, valid for 10 years.
new_cert() {
	local name=$1 cn=$2 org=${3:-} ext=${4:-} subj
	[[ -f $PKI/$name.crt ]] && return 0
	subj="/CN=$cn"
	[[ -z $org ]] || subj="/O=$org$subj"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$name.key" \
		-subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n%s\n' \
		"${ext:-extendedKeyUsage=clientAuth}" >"$PKI/$name.ext"
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 3650 \
		-extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
	rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

# kubeconfig name cert: a kubeconfig for the client certificate <cert> at the apiserver's node address.
kubeconfig() {
	local file=$STATE/$1.kubeconfig
	[[ -f $file ]] && return 0
	cat >"$file" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: $NODE_NAME
		  cluster:
		    server: https://$NODE_IP:$API_PORT
		    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
		users:
		- name: $2
		  user:
		    client-certificate-data: $(base64 -w0 "$PKI/$2.crt")
		    client-key-data: $(base64 -w0 "$PKI/$2.key")
		contexts:
		- name: $NODE_NAME
		  context: {cluster: $NODE_NAME, user: $2}
		current-context: $NODE_NAME
	EOF
	chmod 0600 "$file"
}

make_pki() {
	mkdir -p "$PKI"
	chmod 0700 "$PKI"
	if [[ ! -f $PKI/ca.crt ]]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/ca.key" \
			-subj "/CN=$NODE_NAME-ca" -days 3650 -out "$PKI/ca.crt" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	fi
	[[ -f $PKI/sa.key ]] || {
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
		openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
	}
	local sans="DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
	sans+=",DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$NODE_IP,IP:$SERVICE_IP"
	new_cert apiserver kube-apiserver "" "extendedKeyUsage=serverAuth
subjectAltName=$sans"
	new_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
	new_cert admin kubernetes-admin system:masters
	new_cert front-proxy-client front-proxy-client
	new_cert kubelet "system:node:$NODE_NAME" system:nodes
	new_cert controller-manager system:kube-controller-manager
	new_cert scheduler system:kube-scheduler
	new_cert proxy system:kube-proxy
	new_cert serving 127.0.0.1 "" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
	local name
	for name in admin kubelet controller-manager scheduler proxy; do kubeconfig "$name" "$name"; done
}
