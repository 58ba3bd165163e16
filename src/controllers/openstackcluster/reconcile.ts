// The OpenStackCluster reconciler (capo-behaviour §3.4-3.5, CAPO v0.10): get the object and its CAPI Cluster
// (none yet: wait for CAPI to set the owner reference), build the OpenStack client from the identity, then
// run the create or the delete steps with a checkpoint after each. Ready summarises the step conditions.
import type { Scopes } from "../../cloud/identity.ts";
import type { Recorder } from "../../cloud/recorder.ts";
import { failureDomains } from "../../cloud/compute/availability-zones.ts";
import type { Reader } from "../../runtime/cache.ts";
import { isTrue, markFalse, markTrue, READY, setSummary } from "../../runtime/conditions.ts";
import type { Reconciler, Result } from "../../runtime/controller.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import type { KubeClient } from "../../runtime/kube.ts";
import { addFinalizer } from "../../runtime/patch.ts";
import { OpenStackClusters } from "../../runtime/resources.ts";
import { handleStepError } from "../shared/classify.ts";
import { openStackClient } from "../shared/credentials.ts";
import { ownerCluster } from "../shared/owner.ts";
import type { Step } from "../shared/steps.ts";
import { alongside, runSteps, withPatch } from "../shared/steps.ts";
import { bastionSteps } from "./bastion.ts";
import { CLUSTER_FINALIZER, deleteSteps } from "./delete.ts";
import { endpointSteps } from "./endpoint.ts";
import { networkSteps, routerSteps } from "./network.ts";
import type { ClusterScope, OpenStackCluster } from "./scope.ts";
import { Conditions, READY_PARTS, spec, status } from "./scope.ts";
import { securityGroupSteps } from "./security-groups.ts";

export interface ClusterReconcilerDeps {
  reader: Reader;
  client: KubeClient;
  recorder: EventRecorder;
  scopes: Scopes;
}

const finalizer: Step<ClusterScope> = (s) => {
  addFinalizer(s.osc, CLUSTER_FINALIZER);
  return Promise.resolve(undefined);
};

/** Computed once, as CAPO does: AZs come and go without the cluster moving its machines. */
const failureDomainsStep: Step<ClusterScope> = async (s) => {
  const st = status(s);
  if (st.failureDomains && Object.keys(st.failureDomains).length > 0) return undefined;
  st.failureDomains = await failureDomains(s.os.compute, spec(s));
  return undefined;
};

const ready: Step<ClusterScope> = (s) => {
  status(s).ready = true;
  return Promise.resolve(undefined);
};

// Three sequences side by side once the subnet exists: the load balancer up to its monitors, the router up to
// the LB's floating IP, the security groups. Each is Neutron- or Octavia-bound; none needs the others' results
// (the listeners wait for the router only when their allowed CIDRs need its IPs).
const normalSteps: Step<ClusterScope>[] = [
  finalizer,
  ...networkSteps,
  alongside(endpointSteps.loadBalancer, [...routerSteps, endpointSteps.floatingIP], securityGroupSteps),
  ...endpointSteps.tail,
  failureDomainsStep,
  ready,
  ...bastionSteps,
];

export function openStackClusterReconciler(d: ClusterReconcilerDeps): Reconciler {
  return {
    async reconcile(req, ctx) {
      const osc = await d.reader.get<OpenStackCluster>(OpenStackClusters, req.namespace, req.name);
      if (!osc) return undefined;
      const cluster = await ownerCluster(d.reader, osc);
      if (!cluster) {
        ctx.log.info("Cluster Controller has not yet set OwnerRef");
        return undefined;
      }
      const deleting = osc.metadata.deletionTimestamp !== undefined;
      if (deleting && !osc.metadata.finalizers?.includes(CLUSTER_FINALIZER)) return undefined;
      return withPatch(d.client, OpenStackClusters, osc, async (patch) => {
        const record: Recorder = (type, reason, message) => {
          d.recorder.event(osc, type, reason, message);
        };
        const result = await withScope(d, osc, record, async (os) => {
          const s: ClusterScope = {
            osc,
            cluster,
            os,
            ref: { namespace: req.namespace, name: cluster.metadata.name ?? "" },
            record,
            log: ctx.log,
            seen: {},
            // Ready is summarised at every write, so no reader sees new step conditions beside an old Ready.
            checkpoint: () => {
              if (!deleting) summarise(osc);
              return patch.patch(osc);
            },
          };
          return runSteps(s, deleting ? deleteSteps(d.reader) : normalSteps);
        });
        if (!deleting) summarise(osc);
        return result;
      });
    },
  };
}

/**
 * Ready from the step conditions. A group that has not run yet has no condition, so until the last step has
 * run, Ready stays False: Cluster API mirrors it as the Cluster's InfrastructureReady.
 */
function summarise(osc: OpenStackCluster): void {
  setSummary(osc, { conditions: READY_PARTS });
  if (osc.status?.ready !== true && isTrue(osc, READY))
    markFalse(osc, READY, "Provisioning", "Info", "the cluster's infrastructure is being created");
}

/** The OpenStack client, with OpenStackAuthenticationSucceeded telling whether the credentials work. */
async function withScope(
  d: ClusterReconcilerDeps,
  osc: OpenStackCluster,
  record: Recorder,
  body: (os: Awaited<ReturnType<typeof openStackClient>>) => Promise<Result | undefined>,
): Promise<Result | undefined> {
  const auth = { obj: osc, record, condition: Conditions.auth.type, failedReason: Conditions.auth.failed };
  let os;
  try {
    const identity = osc.spec?.identityRef;
    os = await openStackClient(d.reader, d.scopes, osc.metadata.namespace ?? "", identity);
    await os.projectId();
  } catch (e) {
    return handleStepError(auth, e);
  }
  markTrue(osc, Conditions.auth.type);
  return body(os);
}
