// The objects of a workload cluster, as plain data with clusterctl's `${VAR}` placeholders: the builders every
// flavor and the dev-test ClusterClass share. Our kinds are typed by src/api, so a field the schema lacks
// fails the typecheck; CAPI's kinds are written as CAPI v1.10's v1beta1 has them.
import type * as infra from "../../../src/api/v1beta1/index.ts";
import type { NodeBoot } from "./boot.ts";

export const CAPI = "cluster.x-k8s.io/v1beta1";
export const CONTROL_PLANE = "controlplane.cluster.x-k8s.io/v1beta1";
export const BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta1";
export const INFRA = "infrastructure.cluster.x-k8s.io/v1beta1";

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export const CLUSTER_NAME = "${CLUSTER_NAME}";
const CP = `${CLUSTER_NAME}-control-plane`;
const MD = `${CLUSTER_NAME}-md-0`;

export function obj(apiVersion: string, kind: string, name: string, rest: Record<string, unknown>): Obj {
  return { apiVersion, kind, metadata: { name }, ...rest };
}

const ref = (apiVersion: string, kind: string, name: string) => ({ apiVersion, kind, name });

/** Calico's BGP and IP-in-IP between all nodes, as CAPO's templates let them in. */
function managedSecurityGroups(): infra.OpenStackClusterSpec["managedSecurityGroups"] {
  const calico = (name: string, rule: Partial<infra.SecurityGroupRuleSpec>): infra.SecurityGroupRuleSpec => ({
    name: `${name} (Calico)`,
    description: `Created by cluster-api-provider-openstack - ${name} (calico)`,
    direction: "ingress",
    etherType: "IPv4",
    ...rule,
    remoteManagedGroups: ["controlplane", "worker"],
  });
  return {
    allowAllInClusterTraffic: false,
    allNodesSecurityGroupRules: [
      calico("BGP", { protocol: "tcp", portRangeMin: 179, portRangeMax: 179 }),
      calico("IP-in-IP", { protocol: "4" }),
    ],
  };
}

export interface ClusterSpecOptions {
  identityRef: infra.OpenStackIdentityReference;
  externalNetwork: infra.OpenStackClusterSpec["externalNetwork"];
  /** Without an Octavia load balancer the API server's floating IP goes on the control plane machine. */
  loadBalancer: boolean;
  dnsNameservers: string[];
}

export function openStackClusterSpec(o: ClusterSpecOptions): infra.OpenStackClusterSpec {
  return {
    identityRef: o.identityRef,
    ...(o.loadBalancer ? { apiServerLoadBalancer: { enabled: true } } : {}),
    externalNetwork: o.externalNetwork,
    managedSubnets: [{ cidr: "10.6.0.0/24", dnsNameservers: o.dnsNameservers }],
    managedSecurityGroups: managedSecurityGroups(),
  };
}

export function machineSpec(flavor: string, image: string, sshKeyName: string): infra.OpenStackMachineSpec {
  return { flavor, image: { filter: { name: image } }, sshKeyName };
}

/** Nodes run the external OpenStack cloud provider (kubelet and controller-manager), installed separately. */
function nodeRegistration(boot: NodeBoot) {
  return {
    name: boot.nodeName,
    kubeletExtraArgs: { "cloud-provider": "external", "provider-id": boot.providerID },
  };
}

/** The bootstrap format and commands Ignition needs; nothing for cloud-init. */
function ignitionFields(boot: NodeBoot) {
  if (!boot.ignition) return {};
  return {
    format: "ignition",
    ignition: { containerLinuxConfig: { additionalConfig: boot.ignition.additionalConfig } },
    preKubeadmCommands: boot.ignition.preKubeadmCommands,
  };
}

export function kubeadmConfigSpec(boot: NodeBoot) {
  return {
    initConfiguration: { nodeRegistration: nodeRegistration(boot) },
    joinConfiguration: { nodeRegistration: nodeRegistration(boot) },
    clusterConfiguration: { controllerManager: { extraArgs: { "cloud-provider": "external" } } },
    ...ignitionFields(boot),
  };
}

function workerBootstrapSpec(boot: NodeBoot) {
  return { joinConfiguration: { nodeRegistration: nodeRegistration(boot) }, ...ignitionFields(boot) };
}

export function cluster(): Obj {
  return obj(CAPI, "Cluster", CLUSTER_NAME, {
    spec: {
      clusterNetwork: { pods: { cidrBlocks: ["192.168.0.0/16"] }, serviceDomain: "cluster.local" },
      infrastructureRef: ref(INFRA, "OpenStackCluster", CLUSTER_NAME),
      controlPlaneRef: ref(CONTROL_PLANE, "KubeadmControlPlane", CP),
    },
  });
}

const cloudConfigName = `${CLUSTER_NAME}-cloud-config`;

export function openStackCluster(loadBalancer: boolean): Obj {
  return obj(INFRA, "OpenStackCluster", CLUSTER_NAME, {
    spec: openStackClusterSpec({
      identityRef: { name: cloudConfigName, cloudName: "${OPENSTACK_CLOUD}" },
      externalNetwork: { id: "${OPENSTACK_EXTERNAL_NETWORK_ID}" },
      loadBalancer,
      dnsNameservers: ["${OPENSTACK_DNS_NAMESERVERS}"],
    }),
  });
}

/** replicas is a placeholder or a number; either way a bare scalar, an integer once substituted. */
export function kubeadmControlPlane(replicas: string | number, boot: NodeBoot): Obj {
  return obj(CONTROL_PLANE, "KubeadmControlPlane", CP, {
    spec: {
      replicas,
      version: "${KUBERNETES_VERSION}",
      machineTemplate: { infrastructureRef: ref(INFRA, "OpenStackMachineTemplate", CP) },
      kubeadmConfigSpec: kubeadmConfigSpec(boot),
    },
  });
}

export function openStackMachineTemplate(name: string, spec: infra.OpenStackMachineSpec): Obj {
  return obj(INFRA, "OpenStackMachineTemplate", name, { spec: { template: { spec } } });
}

const SSH_KEY = "${OPENSTACK_SSH_KEY_NAME}";

export function controlPlaneMachineTemplate(image: string): Obj {
  return openStackMachineTemplate(
    CP,
    machineSpec("${OPENSTACK_CONTROL_PLANE_MACHINE_FLAVOR}", image, SSH_KEY),
  );
}

export function workerMachineTemplate(image: string): Obj {
  return openStackMachineTemplate(MD, machineSpec("${OPENSTACK_NODE_MACHINE_FLAVOR}", image, SSH_KEY));
}

export function machineDeployment(): Obj {
  return obj(CAPI, "MachineDeployment", MD, {
    spec: {
      clusterName: CLUSTER_NAME,
      replicas: "${WORKER_MACHINE_COUNT}",
      selector: { matchLabels: {} },
      template: {
        spec: {
          clusterName: CLUSTER_NAME,
          version: "${KUBERNETES_VERSION}",
          failureDomain: "${OPENSTACK_FAILURE_DOMAIN}",
          bootstrap: { configRef: ref(BOOTSTRAP, "KubeadmConfigTemplate", MD) },
          infrastructureRef: ref(INFRA, "OpenStackMachineTemplate", MD),
        },
      },
    },
  });
}

export function kubeadmConfigTemplate(boot: NodeBoot, name = MD): Obj {
  return obj(BOOTSTRAP, "KubeadmConfigTemplate", name, {
    spec: { template: { spec: workerBootstrapSpec(boot) } },
  });
}

/** The credentials CAPO reads (identityRef); the move label makes `clusterctl move` take it along. */
export function cloudConfigSecret(): Obj {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: cloudConfigName, labels: { "clusterctl.cluster.x-k8s.io/move": "true" } },
    data: { "clouds.yaml": "${OPENSTACK_CLOUD_YAML_B64}", cacert: "${OPENSTACK_CLOUD_CACERT_B64}" },
  };
}
