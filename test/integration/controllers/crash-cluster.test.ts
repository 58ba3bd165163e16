// kill -9 of the manager at seeded random points while OpenStackClusters (managed subnet, managed security
// groups, API load balancer with a floating IP, no bastion) are created and deleted. After each restart the
// clusters must converge: while they exist the cloud holds exactly one network, subnet, router, LB and group
// per role, each the one recorded in status, and one floating IP, on the VIP; after delete nothing at all.
// No object ever shows failureReason, and no credential reaches a log line, an Event or a status.
//
// CI spends 3 kill points; `npm run soak` spends CAPO_TS_SOAK_POINTS (replay with CAPO_TS_SOAK_SEED).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { ClusterRef } from "../../../src/cloud/names.ts";
import { OpenStackClusters } from "../../../src/runtime/resources.ts";
import type { Fixtures, ManagerHandle, Obj } from "../../env/capo.ts";
import { CRD_DIR, fixtures, startManager } from "../../env/capo.ts";
import { startFaultProxy, type FaultProxy } from "../../env/fault-proxy.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { assertNoDuplicates, assertNothingLeft, counts, inventory, purge } from "../../env/sweep.ts";
import type { Inventory } from "../../env/sweep.ts";
import { credential, newClient } from "../openstack/env.ts";
import type { Kill } from "./crash-helpers.ts";
import {
  FailureWatch,
  assertHygiene,
  keepLog,
  killAfter,
  killPlan,
  mulberry32,
  note,
  soakSettings,
  uniform,
} from "./crash-helpers.ts";

const settings = soakSettings("crash-cluster", 3);
const rand = mulberry32(settings.seed);
const run = randomBytes(3).toString("hex");
const ns = "default";
const CLUSTERS_PER_ROUND = 2;

interface ClusterStatus {
  ready?: boolean;
  failureReason?: string;
  network?: { id: string; subnets?: { id: string }[] };
  router?: { id: string };
  apiServerLoadBalancer?: { id: string; ip?: string };
  controlPlaneSecurityGroup?: { id: string };
  workerSecurityGroup?: { id: string };
  bastionSecurityGroup?: { id: string };
}
const statusOf = (o: Obj | undefined): ClusterStatus => o?.status ?? {};

describe("OpenStackCluster under kill -9", () => {
  let env: KubeEnv;
  let fx: Fixtures;
  let mgr: ManagerHandle;
  let proxy: FaultProxy;
  const os = newClient(credential());
  const made: ClusterRef[] = [];
  const kills: Kill[] = [];

  before(async () => {
    [env, proxy] = await Promise.all([
      startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] }),
      // No faults: the proxy is here to see every token the manager is issued or sends.
      startFaultProxy(),
    ]);
    fx = fixtures(env);
    await fx.credentialsSecret(ns, "creds", { authUrl: proxy.authUrl() });
    mgr = await startManager(env, { v: 10 });
  });
  after(async () => {
    await mgr.stop();
    keepLog(mgr);
    try {
      await Promise.all(made.map(async (c) => purge(os, await inventory(os, c, { bastion: false }))));
    } finally {
      await env.stop();
      await proxy.close();
    }
  });

  const ready = async (names: string[]): Promise<boolean> =>
    (await Promise.all(names.map((n) => fx.get(OpenStackClusters, ns, n)))).every((o) => statusOf(o).ready);
  const gone = async (names: string[]): Promise<boolean> =>
    (await Promise.all(names.map((n) => fx.get(OpenStackClusters, ns, n)))).every((o) => o === undefined);

  async function createRound(round: number, names: string[], nKills: number): Promise<void> {
    await Promise.all(
      names.map(async (name, i) => {
        made.push({ namespace: ns, name });
        const cluster = await fx.capiCluster(ns, name);
        await fx.openStackCluster(ns, name, cluster, {
          identityRef: { name: "creds", cloudName: "capo-e2e" },
          managedSubnets: [{ cidr: `10.${100 + (round % 100)}.${i}.0/24` }],
          managedSecurityGroups: { allowAllInClusterTraffic: false },
          apiServerLoadBalancer: { enabled: true },
        });
      }),
    );
    const started = Date.now();
    for (let k = 0; k < nKills; k++) {
      const delay = uniform(rand, 1000, 25_000 / nKills);
      const kill = await killAfter(mgr, `round ${round} create kill ${k + 1}`, delay, () => ready(names));
      if (kill) kills.push(kill);
    }
    await Promise.all(
      names.map((n) =>
        fx.waitFor(OpenStackClusters, ns, n, (o) => statusOf(o).ready === true, { timeoutMs: 420_000 }),
      ),
    );
    note(`round ${round}: ${names.join(", ")} Ready ${Date.now() - started} ms after apply`);
  }

  /** Exactly what a Ready cluster needs, and each resource the one its status records. */
  async function assertExactlyOne(name: string): Promise<Inventory> {
    const ref = { namespace: ns, name };
    const inv = await inventory(os, ref, { bastion: false });
    assertNoDuplicates(inv);
    const st = statusOf(await fx.get(OpenStackClusters, ns, name));
    const want = { ...zero, networks: 1, subnets: 1, routers: 1, loadBalancers: 1, securityGroups: 2 };
    assert.deepEqual(counts(inv), { ...want, floatingIPs: 1, ports: counts(inv).ports }, name);
    const ids = (k: keyof Inventory) => (inv[k] as { id: string }[]).map((i) => i.id).sort();
    assert.deepEqual(ids("networks"), [st.network?.id]);
    assert.deepEqual(ids("subnets"), [st.network?.subnets?.[0]?.id]);
    assert.deepEqual(ids("routers"), [st.router?.id]);
    assert.deepEqual(ids("loadBalancers"), [st.apiServerLoadBalancer?.id]);
    assert.deepEqual(
      ids("securityGroups"),
      [st.controlPlaneSecurityGroup?.id, st.workerSecurityGroup?.id].sort(),
    );
    assert.equal(st.bastionSecurityGroup, undefined);
    const lb = await os.loadBalancer.loadBalancers.get(st.apiServerLoadBalancer?.id ?? "");
    assert.equal(inv.floatingIPs[0]?.name, st.apiServerLoadBalancer?.ip, "the FIP is the recorded one");
    assert.equal(inv.floatingIPs[0]?.detail?.port, lb.vip_port_id, "the FIP is on the VIP");
    assert.deepEqual(inv.loadBalancers[0]?.detail, { listeners: 1, pools: 1, status: "ACTIVE" });
    // On the cluster network: DHCP, the router interface, the VIP and its amphora's VRRP port; nothing else.
    const stray = inv.ports.filter(
      (p) =>
        !/^network:(dhcp|router_interface)$/.test(String(p.detail?.owner)) &&
        p.id !== lb.vip_port_id &&
        !p.name.startsWith("octavia-lb-vrrp-"),
    );
    assert.deepEqual(stray, [], `${name}: ports beyond DHCP, router interface, VIP and VRRP`);
    assert.equal(inv.ports.filter((p) => p.name.startsWith("octavia-lb-vrrp-")).length, 1, "one amphora");
    return inv;
  }

  async function deleteRound(round: number, names: string[], nKills: number): Promise<void> {
    const started = Date.now();
    await Promise.all(names.map((n) => fx.kube.delete(OpenStackClusters, ns, n)));
    for (let k = 0; k < nKills; k++) {
      const delay = uniform(rand, 500, 15_000 / nKills);
      const kill = await killAfter(mgr, `round ${round} delete kill ${k + 1}`, delay, () => gone(names));
      if (kill) kills.push(kill);
    }
    await Promise.all(names.map((n) => fx.deleteAndWaitGone(OpenStackClusters, ns, n, 420_000)));
    note(`round ${round}: ${names.join(", ")} gone ${Date.now() - started} ms after delete`);
    for (const name of names)
      assertNothingLeft(await inventory(os, { namespace: ns, name }, { bastion: false }));
  }

  it(
    "converges with no duplicate and no leak",
    { timeout: 300_000 + settings.points * 150_000 },
    async () => {
      const watch = new FailureWatch(fx.kube, ns);
      try {
        for (const [round, p] of killPlan(rand, settings.points).entries()) {
          const names = Array.from({ length: CLUSTERS_PER_ROUND }, (_, i) => `cc-${run}-${round}${"ab"[i]}`);
          await createRound(round, names, p.create);
          for (const name of names) {
            const inv = await assertExactlyOne(name);
            note(
              `round ${round}: ${name} exactly one of each (${inv.ports.length} ports: DHCP, router, VIP, VRRP)`,
            );
          }
          await deleteRound(round, names, p.delete);
          note(`round ${round}: nothing left of ${names.join(", ")}`);
        }
      } finally {
        assert.deepEqual(await watch.stop(), [], "no object ever showed failureReason");
      }
      const searched = await assertHygiene(fx.kube, ns, mgr, proxy);
      note(`${kills.length} kills landed; no credential (${searched} searched) in logs, events or status`);
      assert.ok(kills.length > 0, "at least one kill landed before convergence");
    },
  );
});

const zero = {
  loadBalancers: 0,
  servers: 0,
  floatingIPs: 0,
  trunks: 0,
  routers: 0,
  ports: 0,
  volumes: 0,
  subnets: 0,
  networks: 0,
  securityGroups: 0,
};
