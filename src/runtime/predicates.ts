// Event filters with Cluster API's semantics (sigs.k8s.io/cluster-api/util/predicates). A predicate left
// undefined for an event type lets that event through.
import type { KubeObject } from "./object.ts";
import { annotationOf, field, labelOf } from "./object.ts";

export interface Predicate<T extends KubeObject = KubeObject> {
  create?(obj: T): boolean;
  update?(old: T, obj: T): boolean;
  delete?(obj: T): boolean;
}

export const PAUSED_ANNOTATION = "cluster.x-k8s.io/paused";
export const WATCH_FILTER_LABEL = "cluster.x-k8s.io/watch-filter";
export const MANAGED_BY_ANNOTATION = "cluster.x-k8s.io/managed-by";
export const CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";

/** The same test for every event type; updates are judged on the new object. */
export function objectPredicate<T extends KubeObject>(test: (obj: T) => boolean): Predicate<T> {
  return { create: test, update: (_old, obj) => test(obj), delete: test };
}

export function allOf<T extends KubeObject>(...ps: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => ps.every((p) => p.create?.(o) ?? true),
    update: (a, b) => ps.every((p) => p.update?.(a, b) ?? true),
    delete: (o) => ps.every((p) => p.delete?.(o) ?? true),
  };
}

export function anyOf<T extends KubeObject>(...ps: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => ps.some((p) => p.create?.(o) ?? true),
    update: (a, b) => ps.some((p) => p.update?.(a, b) ?? true),
    delete: (o) => ps.some((p) => p.delete?.(o) ?? true),
  };
}

export const hasPausedAnnotation = (obj: KubeObject): boolean =>
  annotationOf(obj, PAUSED_ANNOTATION) !== undefined;
export const isClusterPaused = (cluster: KubeObject): boolean => field(cluster, "spec", "paused") === true;
export const isExternallyManaged = (obj: KubeObject): boolean =>
  annotationOf(obj, MANAGED_BY_ANNOTATION) !== undefined;

/** status.infrastructureReady (v1beta1) or status.initialization.infrastructureProvisioned (v1beta2). */
export function isInfrastructureReady(cluster: KubeObject): boolean {
  return (
    field(cluster, "status", "infrastructureReady") === true ||
    field(cluster, "status", "initialization", "infrastructureProvisioned") === true
  );
}

/** ResourceNotPaused: the object itself does not carry the paused annotation. */
export const resourceNotPaused: Predicate = objectPredicate((o) => !hasPausedAnnotation(o));

/** ResourceHasFilterLabel: with a --watch-filter value, only objects labelled with it pass. */
export function resourceHasFilterLabel(watchFilter: string): Predicate {
  return objectPredicate((o) => watchFilter === "" || labelOf(o, WATCH_FILTER_LABEL) === watchFilter);
}

export function resourceNotPausedAndHasFilterLabel(watchFilter: string): Predicate {
  return allOf(resourceNotPaused, resourceHasFilterLabel(watchFilter));
}

/** ResourceIsNotExternallyManaged: objects with the managed-by annotation belong to someone else. */
export const resourceIsNotExternallyManaged: Predicate = objectPredicate((o) => !isExternallyManaged(o));

/** Only in one namespace ("" means all); the cache already scopes watches, this guards mapped requests. */
export function inNamespace(namespace: string): Predicate {
  return objectPredicate((o) => namespace === "" || o.metadata.namespace === namespace);
}

/** ClusterUnpaused: a Cluster created unpaused, or one going from paused to unpaused. */
export const clusterUnpaused: Predicate = {
  create: (c) => !isClusterPaused(c),
  update: (old, c) => isClusterPaused(old) && !isClusterPaused(c),
  delete: () => false,
};

/**
 * ClusterPausedTransitionsOrInfrastructureReady: a Cluster update that pauses or unpauses it, or that makes its
 * infrastructure ready; creations and deletions do not pass.
 */
export const clusterPausedTransitionsOrInfrastructureReady: Predicate = {
  create: () => false,
  update: (old, c) =>
    isClusterPaused(old) !== isClusterPaused(c) || (!isInfrastructureReady(old) && isInfrastructureReady(c)),
  delete: () => false,
};

/** Deletions only. */
export const deletions: Predicate = { create: () => false, update: () => false, delete: () => true };

/** Drops resyncs (the same object delivered as old and new): for watches whose kind resyncs on its own. */
export const ignoreResyncs: Predicate = { update: (old, obj) => old !== obj };

/** An infrastructure cluster whose status.ready turns true (or that is created ready). */
export const infrastructureBecameReady: Predicate = {
  create: (o) => field(o, "status", "ready") === true,
  update: (old, o) => field(old, "status", "ready") !== true && field(o, "status", "ready") === true,
  delete: () => false,
};

/**
 * Drops updates that only touch status (CAPO's OpenStackCluster/Machine filter). Resyncs deliver the same
 * object as old and new and still pass: CAPO's DeepEqual form drops them, which defeats --sync-period.
 */
export const ignoreStatusOnlyUpdates: Predicate = {
  update: (old, obj) => old === obj || !sameIgnoringStatus(old, obj),
};

function sameIgnoringStatus(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => {
    const { status: _s, metadata, ...rest } = o;
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata;
    return { ...rest, metadata: meta };
  };
  return deepEqual(strip(a), strip(b));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
