// CAPO's OpenStackCluster and OpenStackMachine controllers as the manager registers them: the watches,
// mappings and filters, with the reconcilers built from the Manager once it exists (src/controllers/).
import type { CapoReconcilers } from "../controllers/index.ts";
import { defaultControllerRateLimiter } from "../runtime/ratelimit.ts";
import { skipPaused } from "../runtime/guards.ts";
import type { MapFunc } from "../runtime/controller.ts";
import type { ControllerRegistration, Manager } from "../runtime/manager.ts";
import {
  clusterToInfraMachines,
  clusterToInfrastructure,
  infraClusterToInfraMachines,
  machineToInfraCluster,
  machineToInfrastructure,
} from "../runtime/mappers.ts";
import {
  clusterPausedTransitionsOrInfrastructureReady,
  clusterUnpaused,
  deletions,
  ignoreResyncs,
  ignoreStatusOnlyUpdates,
  infrastructureBecameReady,
  inNamespace,
  resourceIsNotExternallyManaged,
  resourceNotPausedAndHasFilterLabel,
} from "../runtime/predicates.ts";
import { Clusters, Machines, OpenStackClusters, OpenStackMachines } from "../runtime/resources.ts";

/**
 * Errors left to the queue are the cloud's transient ones (src/controllers/shared/classify.ts): retried with
 * client-go's backoff, capped at a minute rather than its 16, so a cluster resumes within a minute of an
 * Octavia or Neutron outage ending (CAPO #1574).
 */
const TRANSIENT_BACKOFF_CAP_MS = 60_000;

/** The mapped OpenStackClusters that are being deleted. */
function deletingTargets(mgr: Manager, map: MapFunc): MapFunc {
  return (obj) =>
    map(obj).filter(
      (r) => mgr.cache.peek(OpenStackClusters, r.namespace, r.name)?.metadata.deletionTimestamp !== undefined,
    );
}

export interface CapoControllerOptions {
  watchFilter: string;
  namespace: string;
  openStackClusterConcurrency: number;
  openStackMachineConcurrency: number;
}

/** `reconcilers` builds them from the Manager, once it exists (it is cheap: no I/O). */
export function capoControllers(
  opts: CapoControllerOptions,
  reconcilers: (mgr: Manager) => CapoReconcilers,
): ControllerRegistration[] {
  const filters = [resourceNotPausedAndHasFilterLabel(opts.watchFilter), inNamespace(opts.namespace)];
  return [
    {
      name: "openstackcluster",
      register(mgr: Manager) {
        mgr.addController({
          name: "openstackcluster",
          for: OpenStackClusters,
          forPredicates: [ignoreStatusOnlyUpdates],
          watches: [
            {
              resource: Clusters,
              map: clusterToInfrastructure(mgr.cache, OpenStackClusters),
              predicates: [clusterUnpaused],
            },
            {
              resource: Machines,
              // Only a deleting cluster waits for its Machines: a Machine deleted meanwhile is its cue.
              map: deletingTargets(mgr, machineToInfraCluster(mgr.cache, OpenStackClusters)),
              predicates: [deletions],
            },
          ],
          eventFilters: [...filters, resourceIsNotExternallyManaged],
          reconciler: skipPaused(mgr.cache, OpenStackClusters, reconcilers(mgr).openStackCluster),
          concurrency: opts.openStackClusterConcurrency,
          rateLimiter: defaultControllerRateLimiter(undefined, TRANSIENT_BACKOFF_CAP_MS),
        });
      },
    },
    {
      name: "openstackmachine",
      register(mgr: Manager) {
        mgr.addController({
          name: "openstackmachine",
          for: OpenStackMachines,
          forPredicates: [ignoreStatusOnlyUpdates],
          watches: [
            // A Machine's resync would be a second reconcile per resync: the OpenStackMachine's own suffices.
            {
              resource: Machines,
              map: machineToInfrastructure(OpenStackMachines),
              predicates: [ignoreResyncs],
            },
            {
              resource: OpenStackClusters,
              map: infraClusterToInfraMachines(mgr.cache, OpenStackMachines),
              predicates: [infrastructureBecameReady],
            },
            {
              resource: Clusters,
              map: clusterToInfraMachines(mgr.cache, OpenStackMachines),
              predicates: [clusterPausedTransitionsOrInfrastructureReady],
            },
          ],
          eventFilters: filters,
          reconciler: skipPaused(mgr.cache, OpenStackMachines, reconcilers(mgr).openStackMachine),
          concurrency: opts.openStackMachineConcurrency,
          rateLimiter: defaultControllerRateLimiter(undefined, TRANSIENT_BACKOFF_CAP_MS),
        });
      },
    },
  ];
}
