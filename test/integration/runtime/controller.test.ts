// The controller against a real apiserver: a toy reconciler over a test CRD sees creates, updates and
// deletes; 1,000 objects created at once are all reconciled within the concurrency bound and no key is
// reconciled twice at once; a failing key backs off exponentially while the others proceed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startKube } from "../../env/kube.ts";
import type { KubeEnv } from "../../env/kube.ts";
import { Cache } from "../../../src/runtime/cache.ts";
import { Controller } from "../../../src/runtime/controller.ts";
import type { Reconciler, Request, Result } from "../../../src/runtime/controller.ts";
import type { KubeClient } from "../../../src/runtime/kube.ts";
import { KubeClient as Client } from "../../../src/runtime/kube.ts";
import type { KubeObject } from "../../../src/runtime/object.ts";
import { keyOf } from "../../../src/runtime/object.ts";
import { WIDGETS_CRD, Widgets, ensureNamespace, inParallel, testClient, waitFor, widget } from "./helpers.ts";

interface Seen {
  key: string;
  at: number;
  exists: boolean;
  spec: unknown;
}

/** Records every reconcile; reads the object through the cache like a real reconciler would. */
class ToyReconciler implements Reconciler {
  readonly seen: Seen[] = [];
  readonly inFlight = new Set<string>();
  overlaps = 0;
  peak = 0;
  behaviour: (req: Request) => Promise<Result | undefined> = () => Promise.resolve(undefined);
  readonly #cache: Cache;

  constructor(cache: Cache) {
    this.#cache = cache;
  }

  async reconcile(req: Request): Promise<Result | undefined> {
    const key = keyOf(req);
    if (this.inFlight.has(key)) this.overlaps++;
    this.inFlight.add(key);
    this.peak = Math.max(this.peak, this.inFlight.size);
    try {
      const obj = await this.#cache.get<KubeObject>(Widgets, req.namespace, req.name);
      this.seen.push({ key, at: performance.now(), exists: obj !== undefined, spec: obj?.spec });
      return await this.behaviour(req);
    } finally {
      this.inFlight.delete(key);
    }
  }

  of(key: string): Seen[] {
    return this.seen.filter((s) => s.key === key);
  }
}

describe("controller on a real apiserver", () => {
  let env: KubeEnv;
  let client: KubeClient;
  let cache: Cache;
  let toy: ToyReconciler;
  let controller: Controller;
  const stop = new AbortController();
  let running: Promise<unknown>;
  const CONCURRENCY = 4;

  before(async () => {
    env = await startKube({ crdDirs: [WIDGETS_CRD] });
    client = testClient(env.kubeConfig);
    await ensureNamespace(client, "toy");
    // The controller's own client is throttled like the manager's (--kube-api-qps 20 / burst 30).
    cache = new Cache(new Client(env.kubeConfig, { qps: 20, burst: 30 }));
    toy = new ToyReconciler(cache);
    controller = new Controller(cache, {
      name: "toy",
      for: Widgets,
      reconciler: toy,
      concurrency: CONCURRENCY,
    });
    running = Promise.all([cache.run(stop.signal), controller.run(stop.signal)]);
  });

  after(async () => {
    stop.abort();
    await running;
    await env.stop();
  });

  it("sees create, update and delete", async () => {
    await client.create(Widgets, widget("toy", "w1", { size: 1 }));
    await waitFor(
      () => toy.of("toy/w1").some((s) => s.exists),
      10_000,
      () => "create reconcile",
    );
    await client.patch(Widgets, "toy", "w1", { spec: { size: 2 } }, { type: "merge" });
    await waitFor(
      () => toy.of("toy/w1").some((s) => (s.spec as { size?: number } | undefined)?.size === 2),
      10_000,
      () => "update reconcile",
    );
    await client.delete(Widgets, "toy", "w1");
    await waitFor(
      () => toy.of("toy/w1").some((s) => !s.exists),
      10_000,
      () => "delete reconcile",
    );
    const sizes = toy.of("toy/w1").map((s) => (s.exists ? (s.spec as { size: number }).size : "gone"));
    assert.deepEqual(sizes, [1, 2, "gone"]);
  });

  it("reconciles 1,000 objects created at once, never more than the concurrency bound at a time", async () => {
    toy.behaviour = async () => {
      // Long enough that work piles up behind the bound.
      await new Promise((r) => setTimeout(r, 5));
      return undefined;
    };
    const names = Array.from({ length: 1000 }, (_, i) => `bulk-${String(i).padStart(4, "0")}`);
    const started = performance.now();
    await inParallel(names, 32, (n) => client.create(Widgets, widget("toy", n, { n })));
    const created = performance.now();
    await waitFor(
      () => names.every((n) => toy.of(`toy/${n}`).some((s) => s.exists)),
      120_000,
      () => `${names.filter((n) => !toy.of(`toy/${n}`).some((s) => s.exists)).length} unreconciled`,
    );
    const done = performance.now();
    process.stderr.write(
      `1000 objects: created in ${Math.round(created - started)} ms, all reconciled ${Math.round(done - started)} ms after the first create; peak concurrency ${toy.peak} (bound ${CONCURRENCY})\n`,
    );
    assert.ok(toy.peak <= CONCURRENCY, `peak ${toy.peak} > ${CONCURRENCY}`);
    assert.equal(controller.peakActive, toy.peak);
    assert.ok(toy.peak === CONCURRENCY, "the bound was reached, so it was the bound that held");
    assert.equal(toy.overlaps, 0, "a key was reconciled twice at once");
    toy.behaviour = () => Promise.resolve(undefined);
  });

  it("backs off a failing key exponentially while other keys proceed", async () => {
    toy.behaviour = (req) =>
      req.name === "bad" ? Promise.reject(new Error("always fails")) : Promise.resolve(undefined);
    await client.create(Widgets, widget("toy", "bad"));
    await waitFor(
      () => toy.of("toy/bad").length >= 9,
      20_000,
      () => "9 attempts of the failing key",
    );
    // Others created while "bad" is failing are reconciled promptly.
    const t0 = performance.now();
    await client.create(Widgets, widget("toy", "good"));
    await waitFor(
      () => toy.of("toy/good").length > 0,
      5_000,
      () => "good reconciled",
    );
    const goodLatency = toy.of("toy/good")[0]!.at - t0;
    const at = toy.of("toy/bad").map((s) => s.at);
    const gaps = at.slice(1, 9).map((t, i) => t - (at[i] as number));
    process.stderr.write(
      `failing key retry gaps (ms): ${gaps.map((g) => g.toFixed(1)).join(", ")}; other key reconciled in ${goodLatency.toFixed(1)} ms\n`,
    );
    // client-go: 5 ms × 2^n. Timers and the reconcile itself add a little; each gap must be at least its
    // backoff, and the later ones must keep doubling.
    gaps.forEach((g, i) => {
      assert.ok(g >= 5 * 2 ** i - 1, `gap ${i} = ${g} < ${5 * 2 ** i}`);
    });
    assert.ok((gaps[7] as number) > 3 * (gaps[5] as number), `not exponential: ${gaps.join(",")}`);
    assert.ok(goodLatency < 1000, `other key waited ${goodLatency} ms`);
    toy.behaviour = () => Promise.resolve(undefined);
    await client.delete(Widgets, "toy", "bad");
  });

  it("requeues after RequeueAfter", async () => {
    let first = true;
    toy.behaviour = (req) => {
      if (req.name !== "later" || !first) return Promise.resolve(undefined);
      first = false;
      return Promise.resolve({ requeueAfter: 300 });
    };
    await client.create(Widgets, widget("toy", "later"));
    await waitFor(
      () => toy.of("toy/later").length >= 2,
      5_000,
      () => "requeued reconcile",
    );
    const [a, b] = toy.of("toy/later");
    assert.ok(b!.at - a!.at >= 299, `requeued after ${b!.at - a!.at} ms`);
    toy.behaviour = () => Promise.resolve(undefined);
  });
});
