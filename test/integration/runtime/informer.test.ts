// The informer against a real apiserver: a watch broken by an apiserver crash resumes from its
// resourceVersion without missing or repeating work, and an expired resourceVersion (410 Gone after etcd
// compaction) makes it relist, delivering exactly what changed meanwhile.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startKube } from "../../env/kube.ts";
import type { KubeEnv } from "../../env/kube.ts";
import { Cache } from "../../../src/runtime/cache.ts";
import { Controller } from "../../../src/runtime/controller.ts";
import { Informer } from "../../../src/runtime/informer.ts";
import type { KubeClient } from "../../../src/runtime/kube.ts";
import type { KubeObject } from "../../../src/runtime/object.ts";
import { keyOf, objectKey } from "../../../src/runtime/object.ts";
import { ConfigMaps, Secrets } from "../../../src/runtime/resources.ts";
import { WIDGETS_CRD, Widgets, ensureNamespace, inParallel, testClient, waitFor, widget } from "./helpers.ts";

const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** etcd's JSON gateway: current revision, then compact everything before it. */
async function compactEtcd(endpoint: string): Promise<number> {
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${endpoint}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const head = await post("/v3/kv/range", { key: Buffer.from("/").toString("base64") });
  const revision = Number((head.header as { revision: string }).revision);
  await post("/v3/kv/compaction", { revision, physical: true });
  return revision;
}

describe("informer on a real apiserver", () => {
  let env: KubeEnv;
  let client: KubeClient;

  before(async () => {
    env = await startKube({ crdDirs: [WIDGETS_CRD] });
    client = testClient(env.kubeConfig);
  });

  after(async () => {
    await env.stop();
  });

  it("resumes after an apiserver crash without missing or duplicating work", async () => {
    await ensureNamespace(client, "restart");
    const cache = new Cache(testClient(env.kubeConfig), { namespace: "restart" });
    const counts = new Map<string, { exists: number; gone: number }>();
    const controller = new Controller(cache, {
      name: "restart",
      for: Widgets,
      concurrency: 2,
      reconciler: {
        async reconcile(req) {
          const obj = await cache.get(Widgets, req.namespace, req.name);
          const c = counts.get(req.name) ?? { exists: 0, gone: 0 };
          if (obj) c.exists++;
          else c.gone++;
          counts.set(req.name, c);
          return undefined;
        },
      },
    });
    const stop = new AbortController();
    const running = Promise.all([cache.run(stop.signal), controller.run(stop.signal)]);
    try {
      const all = range("w", 20);
      await inParallel(all, 10, (n) => client.create(Widgets, widget("restart", n, { v: 0 })));
      await waitFor(
        () => all.every((n) => counts.get(n)?.exists === 1),
        15_000,
        () => "first reconciles",
      );
      const listsBefore = cache.informer(Widgets).lists;

      const t0 = performance.now();
      await env.restart({ signal: "SIGKILL" });
      const downFor = performance.now() - t0;
      // Changes made right after the restart, while the informer is still backing off from the broken watch.
      const updated = range("w", 5);
      const deleted = ["w5", "w6"];
      const added = range("n", 3);
      await Promise.all([
        ...updated.map((n) => client.patch(Widgets, "restart", n, { spec: { v: 1 } }, { type: "merge" })),
        ...deleted.map((n) => client.delete(Widgets, "restart", n)),
        ...added.map((n) => client.create(Widgets, widget("restart", n))),
      ]);
      await waitFor(
        () =>
          updated.every((n) => counts.get(n)?.exists === 2) &&
          deleted.every((n) => counts.get(n)?.gone === 1) &&
          added.every((n) => counts.get(n)?.exists === 1),
        30_000,
        () => JSON.stringify(Object.fromEntries(counts)),
      );
      // Give stray duplicates time to show up.
      await new Promise((r) => setTimeout(r, 2000));
      const relists = cache.informer(Widgets).lists - listsBefore;
      process.stderr.write(
        `apiserver restart took ${Math.round(downFor)} ms; informer relisted ${relists} time(s) afterwards\n`,
      );
      for (const n of all.filter((x) => !updated.includes(x) && !deleted.includes(x)))
        assert.deepEqual(counts.get(n), { exists: 1, gone: 0 }, `${n} unchanged: reconciled once`);
      for (const n of updated) assert.deepEqual(counts.get(n), { exists: 2, gone: 0 }, `${n} updated once`);
      for (const n of deleted) assert.deepEqual(counts.get(n), { exists: 1, gone: 1 }, `${n} deleted once`);
      for (const n of added) assert.deepEqual(counts.get(n), { exists: 1, gone: 0 }, `${n} added once`);

      // The cache is exactly the apiserver's state.
      const live = await client.list(Widgets, { namespace: "restart" });
      const cached = cache.informer(Widgets).store.list();
      const rv = (xs: KubeObject[]): string[] =>
        xs.map((o) => `${keyOf(objectKey(o))}@${o.metadata.resourceVersion ?? ""}`).sort();
      assert.deepEqual(rv(cached), rv(live.items));
    } finally {
      stop.abort();
      await running;
    }
  });

  it("relists on 410 Gone after etcd compaction and delivers only what changed", async () => {
    await ensureNamespace(client, "gone");
    const informer = new Informer(testClient(env.kubeConfig), Widgets, { namespace: "gone" });
    const events: string[] = [];
    informer.addHandler({
      add: (o) => events.push(`add ${o.metadata.name ?? ""}`),
      update: (_, o) => events.push(`update ${o.metadata.name ?? ""}`),
      delete: (o) => events.push(`delete ${o.metadata.name ?? ""}`),
    });
    const names = range("g", 10);
    await inParallel(names, 10, (n) => client.create(Widgets, widget("gone", n)));

    let stop = new AbortController();
    let running = informer.run(stop.signal);
    await informer.waitForSync(stop.signal);
    await waitFor(
      () => events.length === 10,
      5000,
      () => "10 adds",
    );
    stop.abort();
    await running;
    const staleRV = informer.resourceVersion;
    events.length = 0;

    // While the informer is stopped: changes, then compaction past them, then a fresh apiserver (whose
    // watch cache starts after the compaction), so the informer's resourceVersion cannot be served.
    await client.patch(Widgets, "gone", "g0", { spec: { changed: true } }, { type: "merge" });
    await client.delete(Widgets, "gone", "g1");
    await client.create(Widgets, widget("gone", "g-new"));
    const compactedAt = await compactEtcd(env.etcdEndpoint);
    await env.restart();
    assert.ok(Number(staleRV) < compactedAt, `stale ${staleRV} < compacted ${compactedAt}`);

    const listsBefore = informer.lists;
    stop = new AbortController();
    running = informer.run(stop.signal);
    try {
      await waitFor(
        () => events.length >= 3,
        20_000,
        () => `events, got ${JSON.stringify(events)}`,
      );
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(informer.lists, listsBefore + 1, "exactly one relist");
      assert.deepEqual(events.sort(), ["add g-new", "delete g1", "update g0"]);
      assert.ok(Number(informer.resourceVersion) > compactedAt);
      // The informer goes on watching after the relist.
      await client.patch(Widgets, "gone", "g2", { spec: { after: true } }, { type: "merge" });
      await waitFor(
        () => events.includes("update g2"),
        10_000,
        () => "watch after relist",
      );
    } finally {
      stop.abort();
      await running;
    }
  });

  it("re-delivers every cached object each resync period", async () => {
    await ensureNamespace(client, "resync");
    await inParallel(range("r", 5), 5, (n) => client.create(Widgets, widget("resync", n)));
    const informer = new Informer(testClient(env.kubeConfig), Widgets, {
      namespace: "resync",
      resyncMs: 500,
    });
    const resyncs: string[] = [];
    informer.addHandler({ update: (old, obj) => old === obj && resyncs.push(obj.metadata.name ?? "") });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    try {
      await waitFor(
        () => resyncs.length >= 10,
        5000,
        () => "two resyncs",
      );
      assert.deepEqual(resyncs.slice(0, 5).sort(), range("r", 5));
    } finally {
      stop.abort();
      await running;
    }
  });

  it("never caches Secrets or ConfigMaps: reads go to the apiserver", async () => {
    await ensureNamespace(client, "live");
    const cache = new Cache(testClient(env.kubeConfig));
    assert.throws(() => cache.informer(ConfigMaps), /not cached/);
    assert.throws(() => cache.informer(Secrets), /not cached/);
    assert.equal(await cache.get(ConfigMaps, "live", "cm"), undefined);
    await client.create(ConfigMaps, {
      metadata: { namespace: "live", name: "cm" },
      data: { a: "1" },
    } as KubeObject);
    const cm = await cache.get<KubeObject & { data: Record<string, string> }>(ConfigMaps, "live", "cm");
    assert.deepEqual(cm?.data, { a: "1" }, "visible at once, without any informer");
    assert.equal((await cache.list(Secrets, { namespace: "live" })).length, 0);
  });
});
