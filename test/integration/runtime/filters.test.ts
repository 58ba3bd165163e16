// CAPO's controller wiring (src/cli/controllers.ts) on a real apiserver with CAPI and CAPO CRDs: objects that
// are paused (annotation or Cluster.spec.paused), lack the --watch-filter label, live outside --namespace or
// are externally managed are never reconciled; lifting each condition gets them reconciled, which proves it
// was the filter that held them. Cluster and Machine events map to the infrastructure objects.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { startKube } from "../../env/kube.ts";
import type { KubeEnv } from "../../env/kube.ts";
import { capoControllers } from "../../../src/cli/controllers.ts";
import type { Reconciler } from "../../../src/runtime/controller.ts";
import type { KubeClient } from "../../../src/runtime/kube.ts";
import { Manager } from "../../../src/runtime/manager.ts";
import { Clusters, Machines, OpenStackClusters, OpenStackMachines } from "../../../src/runtime/resources.ts";
import {
  CAPO_CRDS,
  ensureNamespace,
  openStackCluster,
  openStackMachine,
  testClient,
  waitFor,
} from "./helpers.ts";

const FILTER = { "cluster.x-k8s.io/watch-filter": "mine" };

class Recorder implements Reconciler {
  readonly seen: string[] = [];
  reconcile(req: { namespace: string; name: string }): Promise<undefined> {
    this.seen.push(`${req.namespace}/${req.name}`);
    return Promise.resolve(undefined);
  }
  count(key: string): number {
    return this.seen.filter((k) => k === key).length;
  }
}

describe("CAPO controller filters and mappings on a real apiserver", () => {
  let env: KubeEnv;
  let client: KubeClient;
  const osc = new Recorder();
  const osm = new Recorder();
  const stop = new AbortController();
  let running: Promise<void>;

  before(async () => {
    env = await startKube({ installCAPICRDs: true, crdDirs: [CAPO_CRDS] });
    client = testClient(env.kubeConfig);
    await ensureNamespace(client, "capo-a");
    await ensureNamespace(client, "capo-b");
    const mgr = new Manager({ kubeConfig: env.kubeConfig, namespace: "capo-a", syncPeriodMs: 0 });
    const opts = {
      watchFilter: "mine",
      namespace: "capo-a",
      openStackClusterConcurrency: 2,
      openStackMachineConcurrency: 2,
    };
    for (const r of capoControllers(opts, () => ({ openStackCluster: osc, openStackMachine: osm })))
      r.register(mgr);
    running = mgr.start(stop.signal);
  });

  after(async () => {
    stop.abort();
    await running;
    await env.stop();
  });

  it("skips paused, unlabelled, other-namespace and externally managed OpenStackClusters until that changes", async () => {
    const cluster = (name: string, paused: boolean) => ({
      metadata: { namespace: "capo-a", name, labels: FILTER },
      spec: {
        paused,
        infrastructureRef: {
          apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1",
          kind: "OpenStackCluster",
          name,
        },
      },
    });
    await client.create(Clusters, cluster("cluster-paused", true));
    const withCluster = (name: string) => ({ labels: { ...FILTER, "cluster.x-k8s.io/cluster-name": name } });
    await client.create(OpenStackClusters, openStackCluster("capo-a", "ok", { labels: FILTER }));
    await client.create(
      OpenStackClusters,
      openStackCluster("capo-a", "annotated", {
        labels: FILTER,
        annotations: { "cluster.x-k8s.io/paused": "" },
      }),
    );
    await client.create(
      OpenStackClusters,
      openStackCluster("capo-a", "cluster-paused", withCluster("cluster-paused")),
    );
    await client.create(OpenStackClusters, openStackCluster("capo-a", "unlabelled"));
    await client.create(
      OpenStackClusters,
      openStackCluster("capo-a", "other-filter", { labels: { "cluster.x-k8s.io/watch-filter": "theirs" } }),
    );
    await client.create(OpenStackClusters, openStackCluster("capo-b", "elsewhere", { labels: FILTER }));
    await client.create(
      OpenStackClusters,
      openStackCluster("capo-a", "external", {
        labels: FILTER,
        annotations: { "cluster.x-k8s.io/managed-by": "someone" },
      }),
    );

    await waitFor(
      () => osc.count("capo-a/ok") > 0,
      20_000,
      () => "ok reconciled",
    );
    await sleep(3000);
    assert.deepEqual([...new Set(osc.seen)], ["capo-a/ok"], "only the unfiltered object was reconciled");

    // Lift each condition: the object is then reconciled, so it was that condition that held it back.
    const lift = async (name: string, patch: unknown, r = OpenStackClusters): Promise<void> => {
      await client.patch(r, "capo-a", name, patch, { type: "merge" });
    };
    await lift("annotated", { metadata: { annotations: { "cluster.x-k8s.io/paused": null } } });
    await lift("unlabelled", { metadata: { labels: FILTER } });
    await lift("other-filter", { metadata: { labels: FILTER } });
    await lift("external", { metadata: { annotations: { "cluster.x-k8s.io/managed-by": null } } });
    await lift("cluster-paused", { spec: { paused: false } }, Clusters);
    for (const name of ["annotated", "unlabelled", "other-filter", "external", "cluster-paused"])
      await waitFor(
        () => osc.count(`capo-a/${name}`) > 0,
        10_000,
        () => `${name} reconciled after lifting`,
      );
    await sleep(1000);
    assert.equal(osc.count("capo-b/elsewhere"), 0, "outside --namespace: never");
  });

  it("maps Machine changes and Cluster infrastructure-ready to the OpenStackMachine", async () => {
    const labels = { ...FILTER, "cluster.x-k8s.io/cluster-name": "c1" };
    await client.create(Clusters, {
      metadata: { namespace: "capo-a", name: "c1", labels: FILTER },
      spec: {},
    });
    await client.create(OpenStackMachines, openStackMachine("capo-a", "m1", { labels }));
    await client.create(Machines, {
      metadata: { namespace: "capo-a", name: "machine-1", labels },
      spec: {
        clusterName: "c1",
        bootstrap: { dataSecretName: "none" },
        infrastructureRef: {
          apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1",
          kind: "OpenStackMachine",
          name: "m1",
        },
      },
    });
    await waitFor(
      () => osm.count("capo-a/m1") > 0,
      20_000,
      () => "m1 reconciled",
    );
    await sleep(1000);
    let before = osm.count("capo-a/m1");
    await client.patch(
      Machines,
      "capo-a",
      "machine-1",
      { metadata: { annotations: { touched: "1" } } },
      { type: "merge" },
    );
    await waitFor(
      () => osm.count("capo-a/m1") > before,
      10_000,
      () => "m1 reconciled after its Machine changed",
    );
    await sleep(1000);
    before = osm.count("capo-a/m1");
    // A status-only change of the OpenStackMachine itself is filtered out.
    await client.patch(
      OpenStackMachines,
      "capo-a",
      "m1",
      { status: { ready: false } },
      { type: "merge", subresource: "status" },
    );
    await sleep(1500);
    assert.equal(osm.count("capo-a/m1"), before, "status-only update of the OpenStackMachine ignored");
    await client.patch(
      Clusters,
      "capo-a",
      "c1",
      { status: { infrastructureReady: true } },
      { type: "merge", subresource: "status" },
    );
    await waitFor(
      () => osm.count("capo-a/m1") > before,
      10_000,
      () => "m1 reconciled after cluster infrastructure became ready",
    );
  });
});
