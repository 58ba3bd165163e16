import { test } from "node:test";
import assert from "node:assert/strict";
import type { Condition } from "./conditions.ts";
import {
  PatchHelper,
  addFinalizer,
  mergePatch,
  rebaseConditions,
  rebaseFinalizers,
  removeFinalizer,
} from "./patch.ts";
import type { KubeClient } from "./kube.ts";
import type { KubeObject, Resource } from "./object.ts";

test("merge patch carries only changes; removals become null; arrays are replaced whole", () => {
  assert.equal(mergePatch({ a: 1 }, { a: 1 }), undefined);
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 2, d: 4 }, e: [1] }), {
    b: { d: 4 },
    e: [1],
  });
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2 } }, { b: {} }), { a: null, b: { c: null } });
  assert.deepEqual(mergePatch({ l: [1, 2] }, { l: [1, 2, 3] }), { l: [1, 2, 3] });
  assert.deepEqual(mergePatch(undefined, { a: 1 }), { a: 1 });
});

test("finalizer helpers report whether they changed anything", () => {
  const o: KubeObject = { metadata: {} };
  assert.equal(addFinalizer(o, "f"), true);
  assert.equal(addFinalizer(o, "f"), false);
  assert.deepEqual(o.metadata.finalizers, ["f"]);
  assert.equal(removeFinalizer(o, "f"), true);
  assert.equal(removeFinalizer(o, "f"), false);
});

test("finalizer rebase keeps what others added and removed meanwhile", () => {
  // We added "ours"; meanwhile someone added "theirs" and removed "gone".
  assert.deepEqual(rebaseFinalizers(["gone2", "theirs"], ["gone2"], ["gone2", "ours"]), [
    "gone2",
    "theirs",
    "ours",
  ]);
  // We removed "ours"; someone else added "theirs".
  assert.deepEqual(rebaseFinalizers(["ours", "theirs"], ["ours"], []), ["theirs"]);
  // Someone else already removed what we removed.
  assert.deepEqual(rebaseFinalizers(["theirs"], ["ours", "theirs"], ["theirs"]), ["theirs"]);
});

test("condition rebase replays only our changes onto the latest list", () => {
  const c = (type: string, status: Condition["status"]): Condition => ({
    type,
    status,
    lastTransitionTime: "t",
  });
  const latest = [c("Ready", "False"), c("Theirs", "True"), c("Ours", "False")];
  const before = [c("Ready", "False"), c("Ours", "False"), c("Dropped", "True")];
  const after = [c("Ready", "True"), c("Ours", "True")];
  assert.deepEqual(rebaseConditions(latest, before, after), [
    c("Ready", "True"),
    c("Ours", "True"),
    c("Theirs", "True"),
  ]);
});

test("a change made while a patch is in flight is sent by the next one, and patches go one at a time", async () => {
  const sent: unknown[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let rv = 1;
  let inFlight = 0;
  const client = {
    async patch(_r: unknown, _ns: string, _n: string, body: unknown) {
      assert.equal(inFlight++, 0, "two patches in flight at once");
      sent.push(body);
      if (sent.length === 1) await gate;
      inFlight--;
      return { metadata: { resourceVersion: String(++rv) } };
    },
  } as unknown as KubeClient;
  const obj: KubeObject = { metadata: { name: "o", namespace: "n", resourceVersion: "1" }, status: { a: 1 } };
  const st = obj.status as Record<string, number>;
  const helper = new PatchHelper(client, { group: "g", version: "v", plural: "p" } as Resource, obj);
  st.a = 2;
  const first = helper.patch(obj);
  while (sent.length === 0) await new Promise((r) => setImmediate(r));
  st.b = 3;
  const second = helper.patch(obj);
  release();
  await Promise.all([first, second]);
  assert.deepEqual(sent, [{ status: { a: 2 } }, { status: { b: 3 } }]);
  st.c = 4;
  await helper.patch(obj);
  assert.deepEqual(sent.at(-1), { status: { c: 4 } });
  assert.equal(obj.metadata.resourceVersion, "4");
});
