import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "./object.ts";
import type { Predicate } from "./predicates.ts";
import {
  allOf,
  clusterPausedTransitionsOrInfrastructureReady,
  clusterUnpaused,
  ignoreStatusOnlyUpdates,
  inNamespace,
  resourceHasFilterLabel,
  resourceIsNotExternallyManaged,
  resourceNotPaused,
  resourceNotPausedAndHasFilterLabel,
} from "./predicates.ts";

// How the controller evaluates predicates: an event type left undefined passes.
const create = (p: Predicate, o: KubeObject): boolean => p.create?.(o) ?? true;
const update = (p: Predicate, a: KubeObject, b: KubeObject): boolean => p.update?.(a, b) ?? true;
const del = (p: Predicate, o: KubeObject): boolean => p.delete?.(o) ?? true;

const obj = (meta: Partial<KubeObject["metadata"]> = {}, rest: Partial<KubeObject> = {}): KubeObject => ({
  metadata: { name: "a", namespace: "ns", ...meta },
  ...rest,
});
const cluster = (paused: boolean, infraReady: boolean, v1beta2 = false): KubeObject =>
  obj(
    {},
    {
      spec: { paused },
      status: v1beta2
        ? { initialization: { infrastructureProvisioned: infraReady } }
        : { infrastructureReady: infraReady },
    },
  );

test("paused annotation filters every event type", () => {
  const paused = obj({ annotations: { "cluster.x-k8s.io/paused": "" } });
  assert.equal(create(resourceNotPaused, paused), false);
  assert.equal(update(resourceNotPaused, obj(), paused), false);
  assert.equal(del(resourceNotPaused, paused), false);
  assert.equal(create(resourceNotPaused, obj()), true);
});

test("watch-filter passes everything when empty, else only matching labels", () => {
  const labelled = obj({ labels: { "cluster.x-k8s.io/watch-filter": "mine" } });
  const other = obj({ labels: { "cluster.x-k8s.io/watch-filter": "theirs" } });
  assert.equal(create(resourceHasFilterLabel(""), obj()), true);
  assert.equal(create(resourceHasFilterLabel("mine"), labelled), true);
  assert.equal(create(resourceHasFilterLabel("mine"), other), false);
  assert.equal(create(resourceHasFilterLabel("mine"), obj()), false);
  const both = resourceNotPausedAndHasFilterLabel("mine");
  assert.equal(
    update(both, labelled, {
      ...labelled,
      metadata: { ...labelled.metadata, annotations: { "cluster.x-k8s.io/paused": "true" } },
    }),
    false,
  );
});

test("externally managed and namespace filters", () => {
  assert.equal(
    create(resourceIsNotExternallyManaged, obj({ annotations: { "cluster.x-k8s.io/managed-by": "x" } })),
    false,
  );
  assert.equal(create(resourceIsNotExternallyManaged, obj()), true);
  assert.equal(create(inNamespace("ns"), obj()), true);
  assert.equal(create(inNamespace("other"), obj()), false);
  assert.equal(create(inNamespace(""), obj()), true);
});

test("ClusterUnpaused: unpaused creations and paused→unpaused updates only", () => {
  assert.equal(create(clusterUnpaused, cluster(false, false)), true);
  assert.equal(create(clusterUnpaused, cluster(true, false)), false);
  assert.equal(update(clusterUnpaused, cluster(true, false), cluster(false, false)), true);
  assert.equal(update(clusterUnpaused, cluster(false, false), cluster(false, true)), false);
  assert.equal(update(clusterUnpaused, cluster(false, false), cluster(true, false)), false);
  assert.equal(del(clusterUnpaused, cluster(false, false)), false);
});

test("ClusterPausedTransitionsOrInfrastructureReady, v1beta1 and v1beta2 status", () => {
  const p = clusterPausedTransitionsOrInfrastructureReady;
  assert.equal(create(p, cluster(false, true)), false);
  assert.equal(update(p, cluster(true, false), cluster(false, false)), true);
  assert.equal(update(p, cluster(false, false), cluster(true, false)), true);
  assert.equal(update(p, cluster(false, false), cluster(false, true)), true);
  assert.equal(update(p, cluster(false, false, true), cluster(false, true, true)), true);
  assert.equal(update(p, cluster(false, true), cluster(false, true)), false);
  assert.equal(del(p, cluster(false, true)), false);
});

test("status-only updates are dropped, resyncs (same object) are not", () => {
  const a = obj({ resourceVersion: "1" }, { spec: { x: 1 }, status: { ready: false } });
  const statusOnly = obj({ resourceVersion: "2" }, { spec: { x: 1 }, status: { ready: true } });
  const specChange = obj({ resourceVersion: "3" }, { spec: { x: 2 }, status: { ready: true } });
  const labelChange = obj({ resourceVersion: "4", labels: { a: "b" } }, { spec: { x: 1 } });
  assert.equal(update(ignoreStatusOnlyUpdates, a, statusOnly), false);
  assert.equal(update(ignoreStatusOnlyUpdates, a, specChange), true);
  assert.equal(update(ignoreStatusOnlyUpdates, a, labelChange), true);
  assert.equal(update(ignoreStatusOnlyUpdates, a, a), true);
});

test("allOf requires every predicate", () => {
  const p = allOf(resourceNotPaused, inNamespace("ns"));
  assert.equal(create(p, obj()), true);
  assert.equal(create(p, obj({ namespace: "x" })), false);
});
