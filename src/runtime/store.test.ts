import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "./store.ts";
import type { KubeObject } from "./object.ts";
import { MinHeap } from "./heap.ts";

const m = (ns: string, name: string, cluster?: string): KubeObject => ({
  metadata: { namespace: ns, name, labels: cluster ? { "cluster.x-k8s.io/cluster-name": cluster } : {} },
});

test("indexes follow upserts and removals", () => {
  const s = new Store();
  s.upsert(m("a", "m1", "c1"));
  s.addIndex("cluster", (o) => {
    const c = o.metadata.labels?.["cluster.x-k8s.io/cluster-name"];
    return c ? [c] : [];
  });
  s.upsert(m("a", "m2", "c1"));
  s.upsert(m("a", "m3", "c2"));
  assert.deepEqual(
    s
      .byIndex("cluster", "c1")
      .map((o) => o.metadata.name)
      .sort(),
    ["m1", "m2"],
  );
  s.upsert(m("a", "m2", "c2"));
  assert.deepEqual(
    s.byIndex("cluster", "c1").map((o) => o.metadata.name),
    ["m1"],
  );
  s.remove("a/m1");
  assert.deepEqual(s.byIndex("cluster", "c1"), []);
  assert.equal(s.byIndex("cluster", "c2").length, 2);
  assert.equal(s.get("a/m3")?.metadata.name, "m3");
  assert.throws(() => s.byIndex("nope", "x"), /no index/);
});

test("the heap pops in order", () => {
  const h = new MinHeap<number>((a, b) => a < b);
  for (const x of [5, 1, 9, 3, 3, 7, 0]) h.push(x);
  const out: number[] = [];
  for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x);
  assert.deepEqual(out, [0, 1, 3, 3, 5, 7, 9]);
});
