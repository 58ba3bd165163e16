// kill -9 of the manager at seeded random points while five OpenStackMachines (one control plane, four
// workers, two of them booting from a root volume) on one cluster without a load balancer are created and
// deleted. While they exist the cloud holds exactly one server per machine (the one in status.instanceID),
// exactly the ports in status.resources.ports, one root volume where asked and none elsewhere, and the
// cluster's API floating IP on the control plane's port; after delete nothing of any machine is left, and the
// floating IP is the cluster's again, unattached. No object ever shows failureReason, and no credential
// reaches a log line, an Event or a status.
//
// CI spends 3 kill points; `npm run soak` spends CAPO_TS_SOAK_POINTS (replay with CAPO_TS_SOAK_SEED).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { portName, rootVolumeName } from "../../../src/cloud/names.ts";
import { Machines, OpenStackClusters, OpenStackMachines } from "../../../src/runtime/resources.ts";
import type { Fixtures, ManagerHandle, Obj } from "../../env/capo.ts";
import { CRD_DIR, condition, fixtures, startManager } from "../../env/capo.ts";
import { startFaultProxy, type FaultProxy } from "../../env/fault-proxy.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { assertNoDuplicates, assertNothingLeft, inventory, purge } from "../../env/sweep.ts";
import type { Inventory } from "../../env/sweep.ts";
import { SEED, credential, newClient } from "../openstack/env.ts";
import type { Kill } from "./crash-helpers.ts";
import {
  FailureWatch,
  assertHygiene,
  keepLog,
  killAfter,
  killPlan,
  mulberry32,
  note,
  readyClusterWithoutLB,
  soakSettings,
  uniform,
} from "./crash-helpers.ts";

const settings = soakSettings("crash-machines", 3);
const rand = mulberry32(settings.seed);
const run = randomBytes(3).toString("hex");
const ns = "default";
const clusterName = `cm-${run}`;
const ref = { namespace: ns, name: clusterName };
/** Role and root volume of the five machines of a round. */
const MACHINES = [
  { suffix: "cp0", controlPlane: true, rootVolume: true },
  { suffix: "w0", controlPlane: false, rootVolume: false },
  { suffix: "w1", controlPlane: false, rootVolume: true },
  { suffix: "w2", controlPlane: false, rootVolume: false },
  { suffix: "w3", controlPlane: false, rootVolume: false },
];

interface MachineStatus {
  ready?: boolean;
  instanceID?: string;
  resources?: { ports?: { id: string }[] };
}
const statusOf = (o: Obj | undefined): MachineStatus => o?.status ?? {};

describe("OpenStackMachines under kill -9", () => {
  let env: KubeEnv;
  let fx: Fixtures;
  let mgr: ManagerHandle;
  let proxy: FaultProxy;
  let cluster: Obj;
  const os = newClient(credential());
  const allMachines: string[] = [];
  const kills: Kill[] = [];
  const sweep = (machineNames: string[]) => inventory(os, ref, { machineNames, bastion: false });

  before(async () => {
    [env, proxy] = await Promise.all([
      startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] }),
      startFaultProxy(),
    ]);
    fx = fixtures(env);
    await fx.credentialsSecret(ns, "creds", { authUrl: proxy.authUrl() });
    await fx.bootstrapSecret(ns, "boot", "#cloud-config\n");
    mgr = await startManager(env, { v: 10 });
    cluster = await readyClusterWithoutLB(fx, ns, clusterName, "10.93.0.0/24");
  });
  after(async () => {
    await mgr.stop();
    keepLog(mgr);
    try {
      await purge(os, await sweep(allMachines));
    } finally {
      await env.stop();
      await proxy.close();
    }
  });

  const osms = (names: string[]) => Promise.all(names.map((n) => fx.get(OpenStackMachines, ns, n)));
  // Ready, and for the control plane its ingress too: CAPO's order (status.ready, then the API floating IP
  // on the port) leaves a moment where a ready control plane does not hold the address yet.
  const converged = (o: Obj | undefined) =>
    statusOf(o).ready === true &&
    (!o?.metadata.name?.endsWith("-cp0") ||
      condition(o, "APIServerIngressReadyCondition")?.status === "True");
  const allReady = async (names: string[]) => (await osms(names)).every(converged);
  const allGone = async (names: string[]) => (await osms(names)).every((o) => o === undefined);

  async function createRound(round: number, names: string[], nKills: number): Promise<void> {
    await Promise.all(
      MACHINES.map(async (m, i) => {
        const name = names[i] ?? "";
        const machine = await fx.machine(ns, name, cluster, {
          bootstrapSecret: "boot",
          controlPlane: m.controlPlane,
          failureDomain: SEED.az,
        });
        await fx.openStackMachine(ns, name, machine, {
          flavor: SEED.flavor,
          image: { filter: { name: SEED.image } },
          sshKeyName: "capo-e2e",
          ...(m.rootVolume ? { rootVolume: { sizeGiB: 1 } } : {}),
        });
      }),
    );
    const started = Date.now();
    for (let k = 0; k < nKills; k++) {
      const delay = uniform(rand, 500, 12_000 / nKills);
      const kill = await killAfter(mgr, `round ${round} create kill ${k + 1}`, delay, () => allReady(names));
      if (kill) kills.push(kill);
    }
    await Promise.all(
      names.map((n) => fx.waitFor(OpenStackMachines, ns, n, converged, { timeoutMs: 300_000 })),
    );
    note(`round ${round}: 5 machines Ready ${Date.now() - started} ms after apply`);
  }

  const machinePorts = (inv: Inventory, name: string) =>
    inv.ports.filter((p) => p.name.startsWith(`${name}-`)).map((p) => p.id);

  /** One server per machine, the recorded one; exactly the recorded ports; root volumes only where asked. */
  async function assertExactlyTheMachines(names: string[]): Promise<void> {
    const inv = await sweep(names);
    assertNoDuplicates(inv);
    assert.equal(inv.servers.length, names.length, JSON.stringify(inv.servers));
    assert.equal(inv.trunks.length, 0);
    let cpPort = "";
    for (const [i, name] of names.entries()) {
      const st = statusOf(await fx.get(OpenStackMachines, ns, name));
      assert.deepEqual(
        inv.servers.filter((s) => s.name === name).map((s) => s.id),
        [st.instanceID],
        `${name}: one server, the recorded one`,
      );
      const recorded = (st.resources?.ports ?? []).map((p) => p.id);
      assert.equal(recorded.length, 1, `${name}: one port in status`);
      assert.deepEqual(machinePorts(inv, name), recorded, `${name}: exactly the ports in status`);
      assert.deepEqual(
        inv.ports.filter((p) => p.id === recorded[0]).map((p) => p.name),
        [portName(name, 0)],
      );
      const volumes = inv.volumes.filter((v) => v.name.startsWith(`${name}-`)).map((v) => v.name);
      assert.deepEqual(volumes, MACHINES[i]?.rootVolume ? [rootVolumeName(name)] : [], `${name}: volumes`);
      if (MACHINES[i]?.controlPlane) cpPort = recorded[0] ?? "";
    }
    assert.deepEqual(
      inv.floatingIPs.map((f) => f.detail?.port),
      [cpPort],
      "the cluster's one API floating IP, on the control plane's port",
    );
  }

  async function deleteRound(round: number, names: string[], nKills: number): Promise<void> {
    const started = Date.now();
    await Promise.all(names.map((n) => fx.kube.delete(OpenStackMachines, ns, n)));
    for (let k = 0; k < nKills; k++) {
      const delay = uniform(rand, 500, 10_000 / nKills);
      const kill = await killAfter(mgr, `round ${round} delete kill ${k + 1}`, delay, () => allGone(names));
      if (kill) kills.push(kill);
    }
    await Promise.all(names.map((n) => fx.deleteAndWaitGone(OpenStackMachines, ns, n, 300_000)));
    await Promise.all(names.map((n) => fx.deleteAndWaitGone(Machines, ns, n, 30_000)));
    note(`round ${round}: 5 machines gone ${Date.now() - started} ms after delete`);
    const inv = await sweep(names);
    assert.deepEqual([...inv.servers, ...inv.volumes, ...inv.trunks], [], "no server, volume or trunk left");
    for (const name of names) assert.deepEqual(machinePorts(inv, name), [], `${name}: ports left`);
    assert.deepEqual(
      inv.floatingIPs.map((f) => f.detail?.port ?? null),
      [null],
      "the API floating IP is the cluster's again, unattached",
    );
  }

  it(
    "creates and deletes with no duplicate and no leak",
    { timeout: 600_000 + settings.points * 120_000 },
    async () => {
      const watch = new FailureWatch(fx.kube, ns);
      try {
        for (const [round, p] of killPlan(rand, settings.points).entries()) {
          const names = MACHINES.map((m) => `${clusterName}-${round}-${m.suffix}`);
          allMachines.push(...names);
          await createRound(round, names, p.create);
          await assertExactlyTheMachines(names);
          note(`round ${round}: one server per machine, exactly the recorded ports, 2 root volumes`);
          await deleteRound(round, names, p.delete);
          note(`round ${round}: nothing of the machines left`);
        }
      } finally {
        assert.deepEqual(await watch.stop(), [], "no object ever showed failureReason");
      }
      await fx.deleteAndWaitGone(OpenStackClusters, ns, clusterName, 600_000);
      assertNothingLeft(await sweep(allMachines));
      const searched = await assertHygiene(fx.kube, ns, mgr, proxy);
      note(`${kills.length} kills landed; no credential (${searched} searched) in logs, events or status`);
      assert.ok(kills.length > 0, "at least one kill landed before convergence");
    },
  );
});
