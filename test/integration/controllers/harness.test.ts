// The reconciler test harness itself, on the real apiserver and the real all-in-one: the manager starts,
// survives kill -9 and restarts; the fixtures create what Cluster API would; the fault proxy forwards,
// injects seeded faults and revokes tokens; inventory finds by CAPO's names and purge removes it all.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { clusterDescription, networkName, securityGroupName } from "../../../src/cloud/names.ts";
import { Clusters, OpenStackClusters, Secrets } from "../../../src/runtime/resources.ts";
import type { ManagerHandle } from "../../env/capo.ts";
import {
  CRD_DIR,
  assertNoSecrets,
  cloudPassword,
  fixtures,
  observableTexts,
  startManager,
  type Fixtures,
} from "../../env/capo.ts";
import { callSummary, startFaultProxy, type FaultProxy } from "../../env/fault-proxy.ts";
import { processAlive, startKube, type KubeEnv } from "../../env/kube.ts";
import { assertNoDuplicates, assertNothingLeft, counts, inventory, purge } from "../../env/sweep.ts";
import { SEED, newClient, credential } from "../openstack/env.ts";

const run = randomBytes(3).toString("hex");
const ns = "default";

describe("controller test harness", () => {
  let env: KubeEnv;
  let fx: Fixtures;
  let mgr: ManagerHandle;
  let proxy: FaultProxy;
  const os = newClient(credential());

  before(async () => {
    [env, proxy] = await Promise.all([
      startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] }),
      startFaultProxy(),
    ]);
    fx = fixtures(env);
    mgr = await startManager(env, { v: 4 });
  });
  after(async () => {
    // Once the reconciler exists, the OpenStackCluster of the second test makes a network and groups.
    await purge(os, await inventory(os, { namespace: ns, name: `h-${run}` }));
    await mgr.stop();
    await env.stop();
    await proxy.close();
  });

  it("runs the manager, which survives kill -9 and restarts with the same arguments", async () => {
    const first = mgr.pid;
    assert.ok(processAlive(first));
    assert.equal(await fetch(`${mgr.healthUrl}/readyz`).then((r) => r.status), 200);
    assert.ok((await mgr.metric("process_start_time_seconds")) > 0, mgr.metricsUrl);
    await mgr.kill9();
    assert.equal(await mgr.exited, "SIGKILL");
    assert.equal(processAlive(first), false);
    await mgr.restart();
    assert.notEqual(mgr.pid, first);
    const started = mgr.logs.filter((l) => l.msg === "Starting controllers").map((l) => l.pid);
    assert.deepEqual(started, [first, mgr.pid]);
    assert.match(readFileSync(mgr.logFile, "utf8"), /Starting controllers[\s\S]*Starting controllers/);
  });

  it("creates a Cluster and an OpenStackCluster owned by it, with credentials through the proxy", async () => {
    const name = `h-${run}`;
    await fx.credentialsSecret(ns, `${name}-creds`, { authUrl: proxy.authUrl() });
    const cluster = await fx.capiCluster(ns, name);
    const osc = await fx.openStackCluster(ns, name, cluster, {
      identityRef: { name: `${name}-creds`, cloudName: "capo-e2e" },
      managedSubnets: [{ cidr: "10.77.0.0/24" }],
      managedSecurityGroups: { allowAllInClusterTraffic: true },
      apiServerLoadBalancer: { enabled: false },
      disableAPIServerFloatingIP: true,
      apiServerFixedIP: "10.77.0.10",
    });
    assert.equal(osc.metadata.ownerReferences?.[0]?.uid, cluster.metadata.uid);
    assert.equal(osc.metadata.labels?.["cluster.x-k8s.io/cluster-name"], name);
    const secret = await fx.get(Secrets, ns, `${name}-creds`);
    const clouds = Buffer.from(
      (secret as unknown as { data: Record<string, string> }).data["clouds.yaml"]!,
      "base64",
    );
    assert.match(clouds.toString(), new RegExp(`auth_url: ${proxy.url}/v3`));
    await fx.setClusterInfrastructureReady(ns, name);
    await fx.waitFor(Clusters, ns, name, (c) => c.status?.infrastructureReady === true, { timeoutMs: 5_000 });
    await assert.rejects(
      fx.waitFor(OpenStackClusters, ns, name, (o) => o.status?.never === true, { timeoutMs: 500 }),
      /timed out after 500 ms waiting for OpenStackCluster default\/h-.*; last seen: \{/,
    );
    const texts = await observableTexts(fx.kube, ns, mgr);
    assertNoSecrets(texts, [cloudPassword()]);
    assert.throws(() => {
      assertNoSecrets([{ name: "t", text: `x ${cloudPassword()} y` }], [cloudPassword()]);
    }, /secret #0 in t at offset 2: …x <SECRET> y…/);
    await fx.deleteAndWaitGone(OpenStackClusters, ns, name, 60_000);
  });

  it("forwards through the proxy, captures tokens, injects seeded faults and revokes", async () => {
    const via = newClient(credential(undefined, { authUrl: proxy.authUrl() }));
    const mark = proxy.hits.length;
    await via.network.networks.list({ name: "none" });
    const calls = callSummary(proxy.hits.slice(mark));
    assert.equal(calls["POST 5000 /v3/auth/tokens"], 1, JSON.stringify(calls));
    assert.equal(calls["GET 9696 /v2.0/networks"], 1, "Neutron traffic went through the proxy");
    const token = proxy.tokens.at(-1)!;
    assert.equal(token, await via.session.authToken());
    proxy.faults = { seed: 7, status5xx: 0.5 };
    const before = proxy.hits.length;
    const outcome = await Promise.allSettled(
      Array.from({ length: 10 }, () => via.network.networks.list({ name: "none" })),
    );
    const injected = proxy.hits.slice(before).filter((h) => h.fault === "status5xx").length;
    assert.ok(injected >= 2, `${injected} faults injected`);
    assert.ok(
      outcome.some((o) => o.status === "fulfilled"),
      "GETs are retried through 5xx",
    );
    proxy.faults = undefined;
    await proxy.revoke(token);
    await via.network.networks.list({ name: "none" });
    assert.notEqual(await via.session.authToken(), token, "the client re-authenticated");
    assert.ok(proxy.injected().revoked >= 1);
  });

  it("finds nothing for a cluster that does not exist", async () => {
    const inv = await inventory(
      os,
      { namespace: "nowhere", name: `absent-${run}` },
      { machineNames: [`absent-${run}-0`] },
    );
    assertNothingLeft(inv);
  });

  it("inventories resources named like a cluster's and purges them", async () => {
    const cluster = { namespace: "harness", name: `p-${run}` };
    const net = await os.network.networks.create({ name: networkName(cluster) });
    const sg = await os.network.securityGroups.create({ name: securityGroupName(cluster, "worker") });
    const external = (await os.network.networks.list({ name: SEED.externalNetwork }))[0]!;
    const fip = await os.network.floatingIPs.create({
      floating_network_id: external.id,
      description: clusterDescription(cluster),
    });
    const inv = await inventory(os, cluster);
    try {
      assert.deepEqual(
        {
          networks: counts(inv).networks,
          securityGroups: counts(inv).securityGroups,
          floatingIPs: counts(inv).floatingIPs,
        },
        { networks: 1, securityGroups: 1, floatingIPs: 1 },
      );
      assert.deepEqual(
        [inv.networks[0]?.id, inv.securityGroups[0]?.id, inv.floatingIPs[0]?.id],
        [net.id, sg.id, fip.id],
      );
      assertNoDuplicates(inv);
    } finally {
      await purge(os, inv);
    }
    assertNothingLeft(await inventory(os, cluster));
  });
});
