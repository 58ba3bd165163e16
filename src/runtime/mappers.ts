// Map functions from Cluster API objects to the infrastructure objects they reference, as CAPI's util
// package and CAPO's SetupWithManager wire them.
import type { Cache } from "./cache.ts";
import type { MapFunc, Request } from "./controller.ts";
import type { KubeObject, Resource } from "./object.ts";
import { field } from "./object.ts";
import { CLUSTER_NAME_LABEL, isExternallyManaged } from "./predicates.ts";
import { Clusters, Machines } from "./resources.ts";

/** Index name for Machines (or any kind) by their cluster-name label. */
export const CLUSTER_NAME_INDEX = "cluster-name";

/** Registers the index that clusterToInfraMachines needs. */
export function indexByClusterName(cache: Cache, r: Resource): void {
  cache.addIndex(r, CLUSTER_NAME_INDEX, (o: KubeObject) => {
    const name = o.metadata.labels?.[CLUSTER_NAME_LABEL];
    return name ? [`${o.metadata.namespace ?? ""}/${name}`] : [];
  });
}

/**
 * The object named by spec.infrastructureRef if it is of kind `target`; the ref may be v1beta1 (apiVersion)
 * or v1beta2 (apiGroup). The ref always lives in the referrer's namespace.
 */
export function infrastructureRef(obj: KubeObject, target: Resource): Request | undefined {
  const ref = field(obj, "spec", "infrastructureRef");
  if (typeof ref !== "object" || ref === null) return undefined;
  const r = ref as { apiVersion?: string; apiGroup?: string; kind?: string; name?: string };
  const group = r.apiGroup ?? (r.apiVersion?.includes("/") ? r.apiVersion.split("/")[0] : "");
  if (r.kind !== target.kind || group !== target.group || !r.name) return undefined;
  return { namespace: obj.metadata.namespace ?? "", name: r.name };
}

/**
 * ClusterToInfrastructureMapFunc: a Cluster maps to its infrastructure cluster, unless that object is
 * externally managed (someone else reconciles it).
 */
export function clusterToInfrastructure(cache: Cache, target: Resource): MapFunc {
  return (cluster) => {
    const req = infrastructureRef(cluster, target);
    if (!req) return [];
    const infra = cache.peek(target, req.namespace, req.name);
    return infra && isExternallyManaged(infra) ? [] : [req];
  };
}

/** MachineToInfrastructureMapFunc: a Machine maps to its infrastructure machine. */
export function machineToInfrastructure(target: Resource): MapFunc {
  return (machine) => {
    const req = infrastructureRef(machine, target);
    return req ? [req] : [];
  };
}

/** A Cluster maps to the infrastructure machines of its Machines (CAPO's requeue on unpause/infra ready). */
export function clusterToInfraMachines(cache: Cache, target: Resource): MapFunc {
  indexByClusterName(cache, Machines);
  return (cluster) =>
    cache
      .peekByIndex(
        Machines,
        CLUSTER_NAME_INDEX,
        `${cluster.metadata.namespace ?? ""}/${cluster.metadata.name ?? ""}`,
      )
      .flatMap((m) => infrastructureRef(m, target) ?? []);
}

/**
 * An infrastructure cluster maps to the infrastructure machines of its Cluster (by the cluster-name label):
 * machines waiting for the cluster's infrastructure start as soon as it is ready, with no polling.
 */
export function infraClusterToInfraMachines(cache: Cache, target: Resource): MapFunc {
  indexByClusterName(cache, target);
  return (infraCluster) => {
    const cluster = infraCluster.metadata.labels?.[CLUSTER_NAME_LABEL];
    if (!cluster) return [];
    const ns = infraCluster.metadata.namespace ?? "";
    return cache
      .peekByIndex(target, CLUSTER_NAME_INDEX, `${ns}/${cluster}`)
      .map((m) => ({ namespace: ns, name: m.metadata.name ?? "" }));
  };
}

/** A Machine maps to the infrastructure cluster of its Cluster: a cluster delete waits for its Machines. */
export function machineToInfraCluster(cache: Cache, target: Resource): MapFunc {
  return (machine) => {
    const name = machine.metadata.labels?.[CLUSTER_NAME_LABEL];
    const cluster = name ? cache.peek(Clusters, machine.metadata.namespace ?? "", name) : undefined;
    const req = cluster && infrastructureRef(cluster, target);
    return req ? [req] : [];
  };
}
