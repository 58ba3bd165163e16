// Workload clusters for the e2e tests, as plain manifests applied with kubectl on the management cluster: the
// credentials and bootstrap Secrets, OpenStackMachineTemplates, MachineDeployments whose Machines get ready
// bootstrap data (`dataSecretName`: the local Nova boots no operating system, so no kubeadm would ever make it),
// and small readers of the objects' states.
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { envRc, json, kubectl, ok, openstack, STATE } from "./env.ts";

export const GROUP = "infrastructure.cluster.x-k8s.io";
export const IMAGE = "ubuntu-2204-kube-v1.33.0";

export interface Obj {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export const condition = (o: Obj, type: string): Condition | undefined =>
  ((o.status?.conditions ?? []) as Condition[]).find((c) => c.type === type);

export const isReady = (o: Obj): boolean => condition(o, "Ready")?.status === "True";

export const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

export const apply = async (objects: unknown[], via = kubectl) =>
  ok(await via(["apply", "-f", "-"], objects.map((o) => JSON.stringify(o)).join("\n")), "kubectl apply");

/** The objects of one kind that belong to `cluster` (Cluster API's cluster-name label). */
export const listOf = async (
  kind: string,
  namespace: string,
  cluster: string,
  via = kubectl,
): Promise<Obj[]> =>
  (
    await json<{ items: Obj[] }>(
      ["get", kind, "-n", namespace, "-l", `cluster.x-k8s.io/cluster-name=${cluster}`],
      via,
    )
  ).items;

export const clusterLabels = (cluster: string) => ({
  "cluster.x-k8s.io/cluster-name": cluster,
  "clusterctl.cluster.x-k8s.io/move": "true",
});

/** The member cloud of the all-in-one as pods reach it (hack/mgmt/lib/openstack.sh), alone in a clouds.yaml. */
export function podCloudsYaml(): string {
  const all = parse(readFileSync(`${STATE}/clouds.yaml`, "utf8")) as { clouds: Record<string, unknown> };
  return stringify({ clouds: { "capo-e2e": all.clouds["capo-e2e"] } });
}

export function secret(
  namespace: string,
  cluster: string,
  name: string,
  data: Record<string, string>,
): unknown {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: clusterLabels(cluster) },
    stringData: data,
  };
}

/** `<cluster>-bootstrap`: the ready bootstrap data of the Machines that no kubeadm could make here. */
export const bootstrapSecret = (namespace: string, cluster: string): unknown =>
  secret(namespace, cluster, `${cluster}-bootstrap`, { value: "#cloud-config\n", format: "cloud-config" });

/** `<cluster>-cloud-config` (identityRef) and `<cluster>-bootstrap`. */
export const clusterSecrets = (namespace: string, cluster: string): unknown[] => [
  secret(namespace, cluster, `${cluster}-cloud-config`, { "clouds.yaml": podCloudsYaml() }),
  bootstrapSecret(namespace, cluster),
];

export function machineTemplate(namespace: string, name: string, spec: Record<string, unknown>): unknown {
  return {
    apiVersion: `${GROUP}/v1beta1`,
    kind: "OpenStackMachineTemplate",
    metadata: { name, namespace },
    spec: { template: { spec: { image: { filter: { name: IMAGE } }, sshKeyName: "capo-e2e", ...spec } } },
  };
}

export interface DeploymentOptions {
  replicas: number;
  template: string;
  failureDomain?: string;
  /** A rolling update may replace every machine at once: no node ever becomes available here. */
  allAtOnce?: boolean;
}

/** A MachineDeployment whose Machines have ready bootstrap data (`<cluster>-bootstrap`). */
export function machineDeployment(
  namespace: string,
  cluster: string,
  name: string,
  o: DeploymentOptions,
): unknown {
  return {
    apiVersion: "cluster.x-k8s.io/v1beta1",
    kind: "MachineDeployment",
    metadata: { name, namespace },
    spec: {
      clusterName: cluster,
      replicas: o.replicas,
      selector: { matchLabels: {} },
      ...(o.allAtOnce
        ? { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: "100%" } } }
        : {}),
      template: {
        spec: {
          clusterName: cluster,
          version: "v1.33.0",
          ...(o.failureDomain ? { failureDomain: o.failureDomain } : {}),
          bootstrap: { dataSecretName: `${cluster}-bootstrap` },
          infrastructureRef: {
            apiVersion: `${GROUP}/v1beta1`,
            kind: "OpenStackMachineTemplate",
            name: o.template,
          },
        },
      },
    },
  };
}

/** The servers whose names start with `prefix`, as the admin lists them: name → flavor. */
export function serversNamed(prefix: string): Map<string, string> {
  const args = [
    "server",
    "list",
    "--all-projects",
    "--name",
    `^${prefix}`,
    "-f",
    "value",
    "-c",
    "Name",
    "-c",
    "Flavor",
  ];
  const rows = openstack(args).split("\n").filter(Boolean);
  return new Map(rows.map((r) => r.split(" ") as [string, string]));
}

/** What `clusterctl generate cluster` needs for every flavor: env.rc's credentials and the all-in-one's seeds. */
export const templateVariables = async (): Promise<Record<string, string>> => ({
  ...(await envRc(`${STATE}/clouds.yaml`, "capo-e2e")),
  OPENSTACK_CONTROL_PLANE_MACHINE_FLAVOR: "m1.medium",
  OPENSTACK_NODE_MACHINE_FLAVOR: "m1.small",
  OPENSTACK_DNS_NAMESERVERS: "198.51.100.1",
  OPENSTACK_EXTERNAL_NETWORK_ID: openstack(["network", "show", "public", "-f", "value", "-c", "id"]),
  OPENSTACK_FAILURE_DOMAIN: "testaz1",
  OPENSTACK_IMAGE_NAME: IMAGE,
  OPENSTACK_FLATCAR_IMAGE_NAME: IMAGE,
  FLATCAR_IMAGE_NAME: IMAGE,
  OPENSTACK_SSH_KEY_NAME: "capo-e2e",
});

export interface ClusterOptions {
  cidr: string;
  loadBalancer: boolean;
  managedSecurityGroups: Record<string, unknown>;
  /** The Cluster's pod network, when it names one. */
  podCIDR?: string;
}

/** A Cluster without a control plane provider and its OpenStackCluster on a managed subnet of `cidr`. */
export function workloadCluster(namespace: string, name: string, o: ClusterOptions): unknown[] {
  const infrastructureRef = { apiVersion: `${GROUP}/v1beta1`, kind: "OpenStackCluster", name };
  return [
    {
      apiVersion: "cluster.x-k8s.io/v1beta1",
      kind: "Cluster",
      metadata: { name, namespace },
      spec: {
        ...(o.podCIDR ? { clusterNetwork: { pods: { cidrBlocks: [o.podCIDR] } } } : {}),
        infrastructureRef,
      },
    },
    {
      apiVersion: `${GROUP}/v1beta1`,
      kind: "OpenStackCluster",
      metadata: { name, namespace },
      spec: {
        identityRef: { name: `${name}-cloud-config`, cloudName: "capo-e2e" },
        externalNetwork: { filter: { name: "public" } },
        managedSubnets: [{ cidr: o.cidr }],
        managedSecurityGroups: o.managedSecurityGroups,
        apiServerLoadBalancer: { enabled: o.loadBalancer },
      },
    },
  ];
}

/**
 * A control plane Machine of its own, with its OpenStackMachine (`spec` added to flavor m1.medium and the
 * image) and ready bootstrap data: no KubeadmControlPlane, which would wait for a booted API server.
 */
export function controlPlaneMachine(
  namespace: string,
  cluster: string,
  name: string,
  o: { failureDomain?: string; spec?: Record<string, unknown> } = {},
): unknown[] {
  const labels = { ...clusterLabels(cluster), "cluster.x-k8s.io/control-plane": "" };
  const spec = { flavor: "m1.medium", image: { filter: { name: IMAGE } }, sshKeyName: "capo-e2e", ...o.spec };
  return [
    { apiVersion: `${GROUP}/v1beta1`, kind: "OpenStackMachine", metadata: { name, namespace, labels }, spec },
    {
      apiVersion: "cluster.x-k8s.io/v1beta1",
      kind: "Machine",
      metadata: { name, namespace, labels },
      spec: {
        clusterName: cluster,
        version: "v1.33.0",
        ...(o.failureDomain ? { failureDomain: o.failureDomain } : {}),
        bootstrap: { dataSecretName: `${cluster}-bootstrap` },
        infrastructureRef: { apiVersion: `${GROUP}/v1beta1`, kind: "OpenStackMachine", name },
      },
    },
  ];
}
