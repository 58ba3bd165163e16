// Checks a reconcile makes before touching anything, as every CAPO reconciler does first: an object that is
// paused itself, or whose Cluster is paused, is left alone.
import type { Reader } from "./cache.ts";
import type { Reconciler, Request } from "./controller.ts";
import type { KubeObject, Resource } from "./object.ts";
import { CLUSTER_NAME_LABEL, hasPausedAnnotation, isClusterPaused } from "./predicates.ts";
import { CAPI_GROUP, Clusters } from "./resources.ts";

/** The object's Cluster name: the cluster-name label, else an owner reference of kind Cluster. */
export function clusterNameOf(obj: KubeObject): string | undefined {
  const label = obj.metadata.labels?.[CLUSTER_NAME_LABEL];
  if (label) return label;
  return obj.metadata.ownerReferences?.find(
    (o) => o.kind === "Cluster" && o.apiVersion.startsWith(`${CAPI_GROUP}/`),
  )?.name;
}

/** Why reconciling obj must wait, or undefined when it may proceed. */
export async function pausedReason(reader: Reader, obj: KubeObject): Promise<string | undefined> {
  if (hasPausedAnnotation(obj)) return "object has the cluster.x-k8s.io/paused annotation";
  const name = clusterNameOf(obj);
  if (!name) return undefined;
  const cluster = await reader.get(Clusters, obj.metadata.namespace ?? "", name);
  if (cluster && isClusterPaused(cluster)) return `Cluster ${name} has spec.paused`;
  if (cluster && hasPausedAnnotation(cluster))
    return `Cluster ${name} has the cluster.x-k8s.io/paused annotation`;
  return undefined;
}

/** Wraps a reconciler so that paused objects (and objects of paused Clusters) are skipped. */
export function skipPaused(reader: Reader, resource: Resource, inner: Reconciler): Reconciler {
  return {
    async reconcile(req: Request, ctx) {
      const obj = await reader.get(resource, req.namespace, req.name);
      if (obj) {
        const why = await pausedReason(reader, obj);
        if (why) {
          ctx.log.info("Reconciliation is paused for this object", { why });
          return undefined;
        }
      }
      return inner.reconcile(req, ctx);
    },
  };
}
