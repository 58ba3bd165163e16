// A person's view of a workload cluster on the management cluster: each poll reads the cluster's Cluster API and
// OpenStack objects, turns each into a few facts ("phase Provisioned", "NetworkReady: yes", "InstanceReady: no,
// InstanceNotReady: server BUILD") and prints only the facts that changed, with the time since the start. What
// an object waits for is its conditions' reason and message, so the terminal says it without a log line.
import type { KubeClient } from "../../src/runtime/kube.ts";
import type { KubeObject, Resource } from "../../src/runtime/object.ts";
import { Clusters, Machines, OpenStackClusters, OpenStackMachines } from "../../src/runtime/resources.ts";

const KubeadmControlPlanes: Resource = {
  group: "controlplane.cluster.x-k8s.io",
  version: "v1beta1",
  kind: "KubeadmControlPlane",
  plural: "kubeadmcontrolplanes",
  namespaced: true,
};
const MachineDeployments: Resource = { ...Machines, kind: "MachineDeployment", plural: "machinedeployments" };

export type Obj = KubeObject<Record<string, unknown>, Record<string, unknown>>;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The kinds followed, in the order a person reads them, with the conditions worth showing for each. */
const KINDS: { resource: Resource; conditions: string[] | "all" }[] = [
  { resource: Clusters, conditions: ["InfrastructureReady", "ControlPlaneInitialized", "ControlPlaneReady"] },
  { resource: OpenStackClusters, conditions: "all" },
  { resource: KubeadmControlPlanes, conditions: ["Available", "MachinesCreated", "MachinesReady"] },
  { resource: MachineDeployments, conditions: ["Available"] },
  { resource: Machines, conditions: ["BootstrapReady", "InfrastructureReady", "NodeHealthy"] },
  { resource: OpenStackMachines, conditions: "all" },
];

export interface Snapshot {
  /** `Kind/name` → its objects' facts, keyed by what the fact is about. */
  objects: Map<string, Map<string, string>>;
  raw: Map<string, Obj>;
}

const yesNo = (c: Condition): string =>
  c.status === "True"
    ? "yes"
    : `no${c.reason ? `, ${c.reason}` : ""}${c.message ? `: ${c.message.replace(/\s+/g, " ")}` : ""}`;

function conditionFacts(o: Obj, wanted: string[] | "all", facts: Map<string, string>): void {
  const conditions = ((o.status?.conditions ?? []) as Condition[]).filter(
    (c) => wanted === "all" || wanted.includes(c.type),
  );
  for (const c of conditions) facts.set(c.type, `${c.type}: ${yesNo(c)}`);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

/** The facts of one object that are not conditions: phase, replicas, addresses, endpoint. */
function stateFacts(kind: string, o: Obj, facts: Map<string, string>): void {
  const s = o.status ?? {};
  const spec = o.spec ?? {};
  const put = (key: string, value: string | undefined): void => {
    if (value !== undefined) facts.set(key, value);
  };
  put("phase", str(s.phase) && `phase ${str(s.phase)}`);
  if (kind === "KubeadmControlPlane" || kind === "MachineDeployment")
    put("replicas", `replicas ${str(s.readyReplicas) ?? 0} ready of ${str(spec.replicas) ?? "?"}`);
  if (kind === "Machine") put("providerID", str(spec.providerID) && `providerID ${str(spec.providerID)}`);
  if (kind === "OpenStackMachine") {
    put("instanceState", str(s.instanceState) && `server ${str(s.instanceState)}`);
    const addrs = ((s.addresses ?? []) as { address: string }[]).map((a) => a.address);
    put("addresses", addrs.length > 0 ? `addresses ${addrs.join(", ")}` : undefined);
  }
  const ep = spec.controlPlaneEndpoint as { host?: string; port?: number } | undefined;
  if (kind === "OpenStackCluster" && ep?.host) put("endpoint", `API endpoint ${ep.host}:${ep.port}`);
}

export async function snapshot(kube: KubeClient, namespace: string, cluster: string): Promise<Snapshot> {
  const objects = new Map<string, Map<string, string>>();
  const raw = new Map<string, Obj>();
  // The Cluster carries no cluster-name label of its own: it is read by name, the rest by the label.
  const read = ({ resource }: (typeof KINDS)[number]): Promise<Obj[]> =>
    resource === Clusters
      ? kube.get<Obj>(Clusters, namespace, cluster).then(
          (c) => [c],
          () => [],
        )
      : kube
          .list<Obj>(resource, { namespace, labelSelector: `cluster.x-k8s.io/cluster-name=${cluster}` })
          .then((l) => l.items);
  const lists = await Promise.all(KINDS.map(read));
  KINDS.forEach(({ resource, conditions }, i) => {
    const items = lists[i] ?? [];
    for (const o of items) {
      const key = `${resource.kind}/${o.metadata.name}`;
      const facts = new Map<string, string>();
      stateFacts(resource.kind, o, facts);
      conditionFacts(o, conditions, facts);
      if (o.metadata.deletionTimestamp) facts.set("deleting", "being deleted");
      objects.set(key, facts);
      raw.set(key, o);
    }
  });
  return { objects, raw };
}

/** Prints what changed between two snapshots; objects that disappeared are reported as deleted. */
export function report(before: Snapshot | undefined, now: Snapshot, elapsedMs: number): void {
  const stamp = `[${(elapsedMs / 1000).toFixed(1).padStart(6)}s]`;
  for (const [key, facts] of now.objects) {
    const old = before?.objects.get(key);
    if (!old) process.stdout.write(`${stamp} ${key} created\n`);
    for (const [what, text] of facts)
      if (old?.get(what) !== text) process.stdout.write(`${stamp} ${key}  ${text}\n`);
  }
  for (const key of before?.objects.keys() ?? [])
    if (!now.objects.has(key)) process.stdout.write(`${stamp} ${key} deleted\n`);
}

/**
 * Polls every second, printing changes since `baseline` (everything, when there is none), until `done` holds;
 * throws at the deadline, when the last lines printed say what is still waiting.
 */
export async function follow(
  read: () => Promise<Snapshot>,
  done: (s: Snapshot) => boolean,
  timeoutMs: number,
  baseline?: Snapshot,
): Promise<Snapshot> {
  const started = Date.now();
  let last = baseline;
  for (;;) {
    const now = await read();
    report(last, now, Date.now() - started);
    last = now;
    if (done(now)) return now;
    if (Date.now() - started > timeoutMs) throw new Error(`still waiting after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
