// A workload cluster under the real Cluster API controllers on the local management cluster: its
// MachineDeployment scaled 0 → 5 → 2 and rolled to a new OpenStackMachineTemplate, then `clusterctl move` to a
// second management cluster on this machine (hack/mgmt/cluster.sh instance 1), where it is resumed and deleted.
// The local Nova's servers boot nothing, so no kubeadm ever joins: the Machines are given ready bootstrap data
// (spec.bootstrap.dataSecretName), as Cluster API allows, and the tests' names say so. clusterctl move also
// wants every Machine to have its Node and the control plane to be initialized, so for the move the cluster's
// kubeconfig Secret names the target management cluster's apiserver, where the test registers a Node per
// server (spec.providerID), which Cluster API's machine controller then finds as it would a kubelet's.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { assertNoDuplicates, assertNothingLeft, inventory, purge } from "../../env/sweep.ts";
import { newClient } from "../../integration/openstack/env.ts";
import {
  clusterctl,
  ensureProviders,
  json,
  kubectl,
  kubectlTarget,
  KUBECONFIG,
  ok,
  requireCluster,
  TARGET,
  targetCluster,
  until,
} from "./env.ts";
import {
  apply as applyWith,
  clusterLabels,
  clusterSecrets,
  controlPlaneMachine,
  isReady,
  listOf,
  machineDeployment,
  machineTemplate as template,
  type Obj,
  seconds,
  serversNamed,
  workloadCluster,
} from "./workload.ts";

const NS = "capo-e2e-workload";
const NAME = "wl";
const MD = `${NAME}-md`;
const CP = `${NAME}-cp-0`;
const os = newClient();
const ref = { namespace: NS, name: NAME };

const labels = clusterLabels(NAME);

/** The workload cluster's kubeconfig (`<cluster>-kubeconfig`): the target management cluster's apiserver. */
function kubeconfigSecret(): unknown {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "cluster.x-k8s.io/secret",
    metadata: { name: `${NAME}-kubeconfig`, namespace: NS, labels },
    stringData: { value: readFileSync(TARGET.kubeconfig, "utf8") },
  };
}

/** A Node in the workload cluster's apiserver for every server, as a kubelet would register it. */
async function registerNodes(): Promise<void> {
  const machines = await list("openstackmachines");
  const nodes = machines.map((m) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: m.metadata.name },
    spec: { providerID: m.spec?.providerID },
  }));
  await apply(nodes, kubectlTarget);
}

function manifests(): unknown[] {
  return [
    ...clusterSecrets(NS, NAME),
    ...workloadCluster(NS, NAME, {
      cidr: "10.7.0.0/24",
      loadBalancer: true,
      managedSecurityGroups: { allowAllInClusterTraffic: true },
      podCIDR: "192.168.0.0/16",
    }),
    machineTemplate(`${MD}-a`, "m1.small"),
    machineDeployment(NS, NAME, MD, { replicas: 0, template: `${MD}-a`, allAtOnce: true }),
  ];
}

const machineTemplate = (name: string, flavor: string) => template(NS, name, { flavor });
const apply = (objects: unknown[], via = kubectl) => applyWith(objects, via);
const list = (kind: string, via = kubectl) => listOf(kind, NS, NAME, via);
const servers = () => serversNamed(`${MD}-`);

/** Waits until the MachineDeployment has exactly `n` OpenStackMachines, all Ready, and as many servers. */
async function converged(n: number, flavor: string, via = kubectl): Promise<Obj[]> {
  return until(`${n} Ready machines of flavor ${flavor}`, 600_000, async () => {
    const machines = (await list("openstackmachines", via)).filter((m) =>
      m.metadata.name.startsWith(`${MD}-`),
    );
    const cloud = servers();
    const done =
      machines.length === n &&
      machines.every((m) => isReady(m) && (m.spec?.flavor as string) === flavor) &&
      cloud.size === n &&
      [...cloud.values()].every((f) => f === flavor);
    return done ? machines : undefined;
  });
}

async function scale(replicas: number, via = kubectl): Promise<void> {
  ok(
    await via(["scale", "machinedeployment", MD, "-n", NS, `--replicas=${replicas}`]),
    `scale to ${replicas}`,
  );
}

interface Ids {
  cluster: string[];
  servers: string[];
  ports: string[];
}

/** What the OpenStackCluster and OpenStackMachines recorded: the IDs a move must keep. */
async function recordedIds(via = kubectl): Promise<Ids> {
  const [osc] = await json<{ items: Obj[] }>(["get", "openstackclusters", "-n", NS], via).then(
    (l) => l.items,
  );
  const s = (osc?.status ?? {}) as Record<string, { id?: string } | undefined>;
  const cluster = [
    "network",
    "router",
    "apiServerLoadBalancer",
    "controlPlaneSecurityGroup",
    "workerSecurityGroup",
  ].map((k) => s[k]?.id ?? `(no ${k})`);
  const machines = await list("openstackmachines", via);
  const machineStatus = machines.map(
    (m) => (m.status ?? {}) as { instanceID?: string; resources?: { ports?: { id: string }[] } },
  );
  return {
    cluster,
    servers: machineStatus.map((m) => m.instanceID ?? "").sort(),
    ports: machineStatus.flatMap((m) => (m.resources?.ports ?? []).map((p) => p.id)).sort(),
  };
}

describe("a workload cluster's MachineDeployment (machines with ready bootstrap data) and clusterctl move", () => {
  let machineNames: string[] = [];
  let appliedAt = 0;

  before(async () => {
    requireCluster();
    await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=true"]);
    // Started first, not beside the cluster's work: on two cores that only slowed both (and the timings).
    ok(await targetCluster("start"), "start the target management cluster");
    await ensureProviders(TARGET.kubeconfig);
    await ensureProviders(KUBECONFIG);
    ok(await kubectl(["create", "namespace", NS]), "namespace");
    appliedAt = Date.now();
    await until(
      "the objects to pass capo-ts's webhooks",
      120_000,
      async () => (await apply(manifests())) || undefined,
    );
  });

  after(async () => {
    for (const via of [kubectl, kubectlTarget])
      await via(["delete", "cluster", NAME, "-n", NS, "--ignore-not-found", "--timeout=300s"]);
    await purge(os, await inventory(os, ref, { machineNames }));
    await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=false"]);
    await targetCluster("reset");
  });

  it("the cluster's infrastructure becomes Ready under the real Cluster API controllers", async (t) => {
    await until("the OpenStackCluster Ready", 600_000, async () =>
      (await list("openstackclusters")).some(isReady) ? true : undefined,
    );
    t.diagnostic(`OpenStackCluster Ready ${seconds(appliedAt)} after kubectl apply`);
  });

  it("scales the MachineDeployment 0 → 5 → 2 (ready bootstrap data): servers made and removed, none left over", async (t) => {
    let t0 = Date.now();
    await scale(5);
    machineNames = [CP, ...(await converged(5, "m1.small")).map((m) => m.metadata.name)];
    t.diagnostic(`0 → 5: all Ready, 5 servers, in ${seconds(t0)}`);
    t0 = Date.now();
    await scale(2);
    await converged(2, "m1.small");
    t.diagnostic(`5 → 2: 3 servers gone, in ${seconds(t0)}`);
    assertNoDuplicates(await inventory(os, ref, { machineNames }));
  });

  it("rolls the MachineDeployment to a new OpenStackMachineTemplate: every server replaced, none leaked", async (t) => {
    const before = new Set(servers().keys());
    const t0 = Date.now();
    await apply([machineTemplate(`${MD}-b`, "m1.tiny")]);
    const patch = { spec: { template: { spec: { infrastructureRef: { name: `${MD}-b` } } } } };
    ok(
      await kubectl([
        "patch",
        "machinedeployment",
        MD,
        "-n",
        NS,
        "--type=merge",
        "-p",
        JSON.stringify(patch),
      ]),
      "patch",
    );
    const now = await converged(2, "m1.tiny");
    t.diagnostic(`rolling update of 2 machines in ${seconds(t0)}`);
    machineNames = [...machineNames, ...now.map((m) => m.metadata.name)];
    assert.equal([...servers().keys()].filter((n) => before.has(n)).length, 0, "no old server is left");
    assertNoDuplicates(await inventory(os, ref, { machineNames }));
  });

  it("clusterctl move to a second management cluster: paused, moved, resumed, nothing recreated", async (t) => {
    await apply([kubeconfigSecret(), ...controlPlaneMachine(NS, NAME, CP)]);
    await until("the control plane's server Ready", 300_000, async () =>
      (await list("openstackmachines")).find((m) => m.metadata.name === CP && isReady(m)),
    );
    await registerNodes();
    await until("every Machine's Node and the control plane initialized", 300_000, async () => {
      const machines = await list("machines");
      const cluster = await json<Obj>(["get", "cluster", NAME, "-n", NS]);
      const initialized = ((cluster.status?.conditions ?? []) as { type: string; status: string }[]).some(
        (c) => c.type === "ControlPlaneInitialized" && c.status === "True",
      );
      return initialized && machines.every((m) => m.status?.nodeRef) ? true : undefined;
    });
    const ids = await recordedIds();
    const t0 = Date.now();
    const move = await clusterctl(["move", "-v", "1", "-n", NS, "--to-kubeconfig", TARGET.kubeconfig]);
    const log = `${ok(move, "clusterctl move")}${move.stderr}`;
    t.diagnostic(`clusterctl move in ${seconds(t0)}`);
    for (const step of [
      "Pausing the source cluster",
      "Creating objects in the target cluster",
      "Deleting objects from the source cluster",
      "Resuming the target cluster",
    ])
      assert.match(log, new RegExp(step), step);
    const left = await json<{ items: Obj[] }>([
      "get",
      "clusters,openstackclusters,machines,openstackmachines",
      "-n",
      NS,
    ]);
    assert.deepEqual(left.items, [], "nothing of it is left in the source");
    const moved = await json<Obj>(["get", "cluster", NAME, "-n", NS], kubectlTarget);
    assert.notEqual(moved.spec?.paused, true, "resumed in the target");
    await until("the target's OpenStackCluster Ready", 300_000, async () =>
      (await list("openstackclusters", kubectlTarget)).some(isReady) ? true : undefined,
    );
    await converged(2, "m1.tiny", kubectlTarget);
    assert.deepEqual(await recordedIds(kubectlTarget), ids, "the same OpenStack resources, none recreated");
    assertNoDuplicates(await inventory(os, ref, { machineNames }));
  });

  it("scaling and deleting from the target cleans the cloud", async (t) => {
    const t0 = Date.now();
    await scale(3, kubectlTarget);
    await converged(3, "m1.tiny", kubectlTarget);
    machineNames = [
      ...machineNames,
      ...(await list("openstackmachines", kubectlTarget)).map((m) => m.metadata.name),
    ];
    t.diagnostic(`2 → 3 from the target in ${seconds(t0)}`);
    const t1 = Date.now();
    ok(await kubectlTarget(["delete", "cluster", NAME, "-n", NS, "--timeout=300s"]), "delete the Cluster");
    t.diagnostic(`deleted from the target in ${seconds(t1)}`);
    assertNothingLeft(await inventory(os, ref, { machineNames }));
  });
});
