// Runtime benchmark (not a test): memory of the informer cache with 10,000 OpenStackMachines, and how fast the
// controller dispatches reconciles (from the apiserver and from the queue alone).
// Run: node_modules/.bin/node --expose-gc bench/runtime.ts [count]
import { startKube } from "../test/env/kube.ts";
import {
  CAPO_CRDS,
  ensureNamespace,
  inParallel,
  openStackMachine,
  testClient,
} from "../test/integration/runtime/helpers.ts";
import { Cache } from "../src/runtime/cache.ts";
import { Controller } from "../src/runtime/controller.ts";
import { WorkQueue } from "../src/runtime/queue.ts";
import { OpenStackMachines } from "../src/runtime/resources.ts";

const COUNT = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function queueOnly(): Promise<void> {
  const q = new WorkQueue();
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) q.add(`ns/key-${i}`);
  for (let i = 0; i < n; i++) q.done((await q.get())!);
  const s = (performance.now() - t0) / 1000;
  console.log(`queue alone: ${n} add+get+done in ${s.toFixed(2)} s = ${Math.round(n / s)} keys/s`);
}

async function main(): Promise<void> {
  if (!gc) console.log("(run with --expose-gc for exact heap figures)");
  await queueOnly();
  const env = await startKube({ crdDirs: [CAPO_CRDS] });
  try {
    const client = testClient(env.kubeConfig);
    await ensureNamespace(client, "bench");
    const names = Array.from({ length: COUNT }, (_, i) => `machine-${i}`);
    let t0 = performance.now();
    await inParallel(names, 64, (name) =>
      client.create(
        OpenStackMachines,
        openStackMachine("bench", name, {
          labels: {
            "cluster.x-k8s.io/cluster-name": `cluster-${name.length % 50}`,
            "cluster.x-k8s.io/control-plane": "",
          },
          annotations: { "cluster.x-k8s.io/cloned-from-name": "md-0-template" },
        }),
      ),
    );
    console.log(`created ${COUNT} OpenStackMachines in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const before = heap();
    const rssBefore = process.memoryUsage().rss;
    const cache = new Cache(testClient(env.kubeConfig));
    const stop = new AbortController();
    const cacheRun = cache.run(stop.signal);
    const informer = cache.informer(OpenStackMachines);
    t0 = performance.now();
    await informer.waitForSync(stop.signal);
    const listMs = performance.now() - t0;
    const after = heap();
    console.log(
      `informer: listed ${informer.store.size} in ${(listMs / 1000).toFixed(2)} s; heap +${mib(after - before)} ` +
        `(${Math.round((after - before) / informer.store.size)} bytes/object), rss ${mib(rssBefore)} -> ${mib(process.memoryUsage().rss)}`,
    );

    // Dispatch: the 10k cached objects reach a no-op reconciler through handlers, queue and workers.
    let reconciled = 0;
    let readCache = false;
    let done: () => void = () => undefined;
    const all = new Promise<void>((r) => (done = r));
    const controller = new Controller(cache, {
      name: "bench",
      for: OpenStackMachines,
      concurrency: 10,
      reconciler: {
        async reconcile(req) {
          if (readCache && !(await cache.get(OpenStackMachines, req.namespace, req.name)))
            throw new Error("missing");
          if (++reconciled === COUNT) done();
          return undefined;
        },
      },
    });
    t0 = performance.now();
    const ctrlRun = controller.run(stop.signal);
    await all;
    let s = (performance.now() - t0) / 1000;
    console.log(
      `dispatch (cache → queue → 10 workers, no-op reconcile): ${COUNT} in ${s.toFixed(2)} s = ${Math.round(COUNT / s)} reconciles/s`,
    );

    // The same with a reconciler that reads its object from the cache, as real ones do.
    reconciled = 0;
    readCache = true;
    const second = new Promise<void>((r) => (done = r));
    t0 = performance.now();
    for (const name of names) controller.queue.add(`bench/${name}`);
    await second;
    s = (performance.now() - t0) / 1000;
    console.log(
      `dispatch (all keys queued again, reconcile reads the cache): ${COUNT} in ${s.toFixed(2)} s = ${Math.round(COUNT / s)} reconciles/s`,
    );
    stop.abort();
    await Promise.all([cacheRun, ctrlRun]);
  } finally {
    await env.stop();
  }
}

await main();
