// The CAPO reconcilers, built from the running Manager (its cache, client and event recorders) and the
// OpenStack scopes (one session per credential), as the manager registers them.
import type { Scopes } from "../cloud/identity.ts";
import type { Reconciler } from "../runtime/controller.ts";
import type { Manager } from "../runtime/manager.ts";
import { openStackClusterReconciler } from "./openstackcluster/reconcile.ts";
import { openStackMachineReconciler } from "./openstackmachine/reconcile.ts";

export interface CapoReconcilers {
  openStackCluster: Reconciler;
  openStackMachine: Reconciler;
}

export function capoReconcilers(mgr: Manager, scopes: Scopes): CapoReconcilers {
  const common = { reader: mgr.cache, client: mgr.client, scopes };
  return {
    openStackCluster: openStackClusterReconciler({
      ...common,
      recorder: mgr.eventRecorder("openstackcluster-controller", { titleCase: true }),
    }),
    openStackMachine: openStackMachineReconciler({
      ...common,
      recorder: mgr.eventRecorder("openstackmachine-controller", { titleCase: true }),
    }),
  };
}
