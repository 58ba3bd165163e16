// The patch helper and event recorder against a real apiserver: only changes are sent, status goes through
// the subresource, concurrent finalizer and condition changes by other writers survive, and repeated
// events bump count on one Event.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startKube } from "../../env/kube.ts";
import type { KubeEnv } from "../../env/kube.ts";
import { getCondition, markFalse, markTrue, setSummary } from "../../../src/runtime/conditions.ts";
import { EventBroadcaster } from "../../../src/runtime/events.ts";
import type { KubeClient } from "../../../src/runtime/kube.ts";
import type { KubeObject } from "../../../src/runtime/object.ts";
import { PatchHelper, addFinalizer, removeFinalizer } from "../../../src/runtime/patch.ts";
import { Events } from "../../../src/runtime/resources.ts";
import { WIDGETS_CRD, Widgets, ensureNamespace, testClient, waitFor, widget } from "./helpers.ts";

interface CoreEvent extends KubeObject {
  reason: string;
  message: string;
  count: number;
  involvedObject: { name: string; uid: string };
}

describe("patch helper and events on a real apiserver", () => {
  let env: KubeEnv;
  let client: KubeClient;

  before(async () => {
    env = await startKube({ crdDirs: [WIDGETS_CRD] });
    client = testClient(env.kubeConfig);
    await ensureNamespace(client, "p");
  });

  after(async () => {
    await env.stop();
  });

  it("patches spec and metadata, and status through the subresource", async () => {
    const w = await client.create(Widgets, widget("p", "a", { keep: 1, change: 1 }));
    const helper = new PatchHelper(client, Widgets, w);
    (w.spec as Record<string, unknown>).change = 2;
    w.metadata.labels = { l: "v" };
    w.status = { phase: "Ready" };
    markTrue(w, "NetworkReady");
    await helper.patch(w);
    const live = await client.get(Widgets, "p", "a");
    assert.deepEqual(live.spec, { keep: 1, change: 2 });
    assert.deepEqual(live.metadata.labels, { l: "v" });
    assert.equal((live.status as { phase: string }).phase, "Ready");
    assert.equal(getCondition(live, "NetworkReady")?.status, "True");
    assert.equal(w.metadata.resourceVersion, live.metadata.resourceVersion);
    // Nothing changed: no request, resourceVersion stays.
    await helper.patch(w);
    assert.equal(
      (await client.get(Widgets, "p", "a")).metadata.resourceVersion,
      live.metadata.resourceVersion,
    );
  });

  it("keeps finalizers and conditions that others changed meanwhile", async () => {
    const w = await client.create(Widgets, widget("p", "b"));
    const ours = structuredClone(w);
    const helper = new PatchHelper(client, Widgets, ours);
    // Another writer adds its finalizer and its condition after our snapshot.
    const theirs = structuredClone(w);
    const theirHelper = new PatchHelper(client, Widgets, theirs);
    addFinalizer(theirs, "their.io/finalizer");
    markFalse(theirs, "TheirReady", "Waiting", "Info", "theirs");
    await theirHelper.patch(theirs);

    addFinalizer(ours, "openstackcluster.infrastructure.cluster.x-k8s.io");
    markFalse(ours, "NetworkReady", "NetworkCreateFailed", "Error", "boom");
    setSummary(ours);
    await helper.patch(ours);
    const live = await client.get(Widgets, "p", "b");
    assert.deepEqual(live.metadata.finalizers?.sort(), [
      "openstackcluster.infrastructure.cluster.x-k8s.io",
      "their.io/finalizer",
    ]);
    assert.equal(getCondition(live, "TheirReady")?.message, "theirs");
    assert.equal(getCondition(live, "NetworkReady")?.reason, "NetworkCreateFailed");
    assert.equal(getCondition(live, "Ready")?.severity, "Error");

    // Removing ours on deletion leaves theirs, and the object stays until they remove theirs.
    await client.delete(Widgets, "p", "b");
    const deleting = await client.get(Widgets, "p", "b");
    const h2 = new PatchHelper(client, Widgets, deleting);
    removeFinalizer(deleting, "openstackcluster.infrastructure.cluster.x-k8s.io");
    await h2.patch(deleting);
    assert.deepEqual((await client.get(Widgets, "p", "b")).metadata.finalizers, ["their.io/finalizer"]);
    const last = await client.get(Widgets, "p", "b");
    const h3 = new PatchHelper(client, Widgets, last);
    removeFinalizer(last, "their.io/finalizer");
    markTrue(last, "Deleted");
    await h3.patch(last); // status of a vanishing object is moot, not an error
    await assert.rejects(client.get(Widgets, "p", "b"), /404/);
  });

  it("records events once and bumps count on repeats", async () => {
    const w = await client.create(Widgets, widget("p", "ev"));
    const events = new EventBroadcaster(client);
    const rec = events.recorderFor("openstackcluster-controller", { titleCase: true });
    for (let i = 0; i < 3; i++) rec.event(w, "Normal", "SuccessfulCreateNetwork", "Created network n1");
    rec.event(w, "Warning", "FailedCreateRouter", "quota exceeded");
    rec.event(w, "Normal", "WaitingForIPAddressClaim", "waiting");
    await events.flush();
    let list: CoreEvent[] = [];
    await waitFor(
      async () => {
        list = (await client.list<CoreEvent>(Events, { namespace: "p" })).items.filter(
          (e) => e.involvedObject.uid === w.metadata.uid,
        );
        return list.length === 3;
      },
      5000,
      () => JSON.stringify(list.map((e) => [e.reason, e.count])),
    );
    const byReason = Object.fromEntries(list.map((e) => [e.reason, e.count]));
    assert.deepEqual(byReason, {
      Successfulcreatenetwork: 3,
      Failedcreaterouter: 1,
      WaitingForIPAddressClaim: 1,
    });
  });
});
