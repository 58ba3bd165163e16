// CAPO's OpenStackCluster and OpenStackMachine controllers as the manager registers them: the watches,
// mappings and filters are final; the reconcilers come from src/controllers/ in a later issue and are passed
// in. Until then `pendingReconcilers` stands in: it reconciles nothing and says so at -v=4.
import type { Reconciler } from "../runtime/controller.ts";
import { skipPaused } from "../runtime/guards.ts";
import type { ControllerRegistration, Manager } from "../runtime/manager.ts";
import {
  clusterToInfraMachines,
  clusterToInfrastructure,
  machineToInfrastructure,
} from "../runtime/mappers.ts";
import {
  clusterPausedTransitionsOrInfrastructureReady,
  clusterUnpaused,
  ignoreStatusOnlyUpdates,
  inNamespace,
  resourceIsNotExternallyManaged,
  resourceNotPausedAndHasFilterLabel,
} from "../runtime/predicates.ts";
import { Clusters, Machines, OpenStackClusters, OpenStackMachines } from "../runtime/resources.ts";

export interface CapoReconcilers {
  openStackCluster: Reconciler;
  openStackMachine: Reconciler;
}

const pending = (kind: string): Reconciler => ({
  reconcile(_req, ctx) {
    ctx.log.v(4).info(`${kind} reconciler not implemented yet; nothing done`);
    return Promise.resolve(undefined);
  },
});

export const pendingReconcilers: CapoReconcilers = {
  openStackCluster: pending("OpenStackCluster"),
  openStackMachine: pending("OpenStackMachine"),
};

export interface CapoControllerOptions {
  watchFilter: string;
  namespace: string;
  openStackClusterConcurrency: number;
  openStackMachineConcurrency: number;
}

export function capoControllers(
  opts: CapoControllerOptions,
  reconcilers: CapoReconcilers,
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
          ],
          eventFilters: [...filters, resourceIsNotExternallyManaged],
          reconciler: skipPaused(mgr.cache, OpenStackClusters, reconcilers.openStackCluster),
          concurrency: opts.openStackClusterConcurrency,
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
            { resource: Machines, map: machineToInfrastructure(OpenStackMachines) },
            {
              resource: Clusters,
              map: clusterToInfraMachines(mgr.cache, OpenStackMachines),
              predicates: [clusterPausedTransitionsOrInfrastructureReady],
            },
          ],
          eventFilters: filters,
          reconciler: skipPaused(mgr.cache, OpenStackMachines, reconcilers.openStackMachine),
          concurrency: opts.openStackMachineConcurrency,
        });
      },
    },
  ];
}
