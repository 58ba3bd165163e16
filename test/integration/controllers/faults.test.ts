// The manager behind a proxy that injects seeded faults into every OpenStack service call (10 % 5xx, 3 % 429
// with Retry-After, 2 % connections reset before forwarding and 2 % after: the request took effect, the
// answer is lost) and revokes the manager's token once mid-run. A cluster with an API load balancer and two
// machines still converge, no object ever shows failureReason (polled throughout), the sweep finds nothing
// twice, delete converges with nothing left, and neither the password nor any token the proxy saw reaches a
// log line (at --v=10), an Event or a status.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { memberName } from "../../../src/cloud/names.ts";
import { Machines, OpenStackClusters, OpenStackMachines } from "../../../src/runtime/resources.ts";
import type { Fixtures, ManagerHandle, Obj } from "../../env/capo.ts";
import { CRD_DIR, condition, fixtures, poll, startManager } from "../../env/capo.ts";
import { startFaultProxy, type FaultProxy, type RandomFaults } from "../../env/fault-proxy.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { assertNoDuplicates, assertNothingLeft, counts, inventory, purge } from "../../env/sweep.ts";
import { SEED, credential, newClient } from "../openstack/env.ts";
import { FailureWatch, assertHygiene, keepLog, note, seedFor } from "./crash-helpers.ts";

const seed = seedFor("faults", "faults drawn per request");
const FAULTS: RandomFaults = {
  seed,
  status5xx: 0.1,
  status429: 0.03,
  retryAfterSeconds: 1,
  resetBefore: 0.02,
  resetAfter: 0.02,
};
const run = randomBytes(3).toString("hex");
const ns = "default";
const name = `fp-${run}`;
const ref = { namespace: ns, name };
const machineNames = [`${name}-cp0`, `${name}-w0`];

const INGRESS = "APIServerIngressReadyCondition";
const ready = (o: Obj): boolean => (o.status as { ready?: boolean } | undefined)?.ready === true;

describe("reconcilers behind a faulty OpenStack", () => {
  let env: KubeEnv;
  let fx: Fixtures;
  let mgr: ManagerHandle;
  let proxy: FaultProxy;
  const os = newClient(credential());
  const sweep = () => inventory(os, ref, { machineNames, bastion: false });

  before(async () => {
    [env, proxy] = await Promise.all([
      startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] }),
      startFaultProxy(FAULTS),
    ]);
    fx = fixtures(env);
    await fx.credentialsSecret(ns, "creds", { authUrl: proxy.authUrl() });
    await fx.bootstrapSecret(ns, "boot", "#cloud-config\n");
    mgr = await startManager(env, { v: 10 });
  });
  after(async () => {
    await mgr.stop();
    keepLog(mgr);
    try {
      await purge(os, await sweep());
    } finally {
      await env.stop();
      await proxy.close();
    }
  });

  it(
    "converges, never fails terminally, duplicates nothing, leaks nothing",
    { timeout: 1_500_000 },
    async () => {
      const watch = new FailureWatch(fx.kube, ns);
      const started = Date.now();
      const cluster = await fx.capiCluster(ns, name);
      await fx.openStackCluster(ns, name, cluster, {
        identityRef: { name: "creds", cloudName: "capo-e2e" },
        managedSubnets: [{ cidr: "10.94.0.0/24" }],
        managedSecurityGroups: { allowAllInClusterTraffic: false },
        apiServerLoadBalancer: { enabled: true },
      });
      try {
        // Mid-run: once the network exists, Keystone revokes the token the manager is using.
        await fx.waitFor(
          OpenStackClusters,
          ns,
          name,
          (o) => !!(o.status as { network?: unknown } | undefined)?.network,
          {
            timeoutMs: 300_000,
          },
        );
        const revoked = proxy.tokens.at(-1) ?? "";
        await proxy.revoke(revoked);
        note(`revoked the manager's token (${proxy.tokens.length} seen so far)`);
        await fx.waitFor(OpenStackClusters, ns, name, ready, { timeoutMs: 600_000 });
        note(`cluster Ready ${Date.now() - started} ms after apply`);
        assert.ok(
          proxy.tokens.indexOf(revoked) < proxy.tokens.length - 1,
          "the manager authenticated again after the revocation",
        );
        await fx.setClusterInfrastructureReady(ns, name);
        for (const [i, m] of machineNames.entries()) {
          const machine = await fx.machine(ns, m, cluster, {
            bootstrapSecret: "boot",
            controlPlane: i === 0,
            failureDomain: SEED.az,
          });
          await fx.openStackMachine(ns, m, machine, {
            flavor: SEED.flavor,
            image: { filter: { name: SEED.image } },
            sshKeyName: "capo-e2e",
          });
        }
        for (const m of machineNames)
          await fx.waitFor(OpenStackMachines, ns, m, ready, { timeoutMs: 300_000 });
        // Ready says the server is up; the LB member is the ingress step's, after it.
        await fx.waitFor(
          OpenStackMachines,
          ns,
          machineNames[0] ?? "",
          (o) => condition(o, INGRESS)?.status === "True",
          {
            timeoutMs: 300_000,
          },
        );
        note(`machines Ready ${Date.now() - started} ms after apply`);

        const inv = await sweep();
        assertNoDuplicates(inv);
        const c = counts(inv);
        assert.deepEqual(
          [c.networks, c.subnets, c.routers, c.loadBalancers, c.securityGroups, c.floatingIPs, c.servers],
          [1, 1, 1, 1, 2, 1, 2],
          "network, subnet, router, LB, 2 groups, VIP floating IP, 2 servers",
        );
        for (const m of machineNames) {
          const st = (await fx.get(OpenStackMachines, ns, m))?.status as {
            resources?: { ports?: unknown[] };
          };
          assert.equal(
            inv.ports.filter((p) => p.name.startsWith(`${m}-`)).length,
            st.resources?.ports?.length,
          );
        }
        const lb = inv.loadBalancers[0];
        assert.deepEqual(
          await lbMembers(lb?.id ?? ""),
          [memberName(lb?.name ?? "", 6443, `${name}-cp0`)],
          "one member, the control plane",
        );

        for (const m of machineNames) await fx.deleteAndWaitGone(OpenStackMachines, ns, m, 300_000);
        for (const m of machineNames) await fx.deleteAndWaitGone(Machines, ns, m, 30_000);
        await fx.deleteAndWaitGone(OpenStackClusters, ns, name, 600_000);
        note(`everything deleted ${Date.now() - started} ms after apply`);
        assertNothingLeft(await sweep());
      } finally {
        assert.deepEqual(await watch.stop(), [], "no object ever showed failureReason");
        note(`faults injected: ${JSON.stringify(proxy.injected())} in ${proxy.hits.length} requests`);
      }
      const injected = proxy.injected();
      assert.ok(
        injected.status5xx > 0 && injected.resetAfter > 0 && injected.revoked > 0,
        JSON.stringify(injected),
      );
      const searched = await assertHygiene(fx.kube, ns, mgr, proxy);
      note(`no credential (${searched} searched: password and every token) in logs, events or status`);
    },
  );

  /** Member names of every pool of the load balancer. */
  async function lbMembers(lbId: string): Promise<string[]> {
    const pools = await poll(
      () => os.loadBalancer.pools.list({ loadbalancer_id: lbId }),
      (p) => p.length > 0,
      { what: "pools", describe: (p) => JSON.stringify(p) },
    );
    const members = await Promise.all(pools.map((p) => os.loadBalancer.members(p.id).list()));
    return members.flat().map((m) => m.name);
  }
});
