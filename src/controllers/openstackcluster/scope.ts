// What every OpenStackCluster step sees: the object (whose status the steps fill), its CAPI Cluster, the
// OpenStack client for its identity, an event callback and the checkpoint that writes status. Steps are
// grouped by the condition they own; a group's condition turns True when its last step succeeds, and a
// failure anywhere in it is classified once (src/controllers/shared/classify.ts).
import type * as infra from "../../api/v1beta1/index.ts";
import type { Live } from "../../api/common/object.ts";
import type { LoadBalancerPending } from "../../cloud/loadbalancer/api-loadbalancer.ts";
import type { ClusterRef, SecurityGroupRole } from "../../cloud/names.ts";
import type { Pending } from "../../cloud/errors.ts";
import type { Recorder } from "../../cloud/recorder.ts";
import type { OpenStackClient } from "../../openstack/client.ts";
import type * as neutron from "../../openstack/network.ts";
import type * as octavia from "../../openstack/loadbalancer.ts";
import type { Logger } from "../../runtime/log.ts";
import type { KubeObject } from "../../runtime/object.ts";
import { markTrue } from "../../runtime/conditions.ts";
import { handleStepError } from "../shared/classify.ts";
import type { Checkpointed, Step } from "../shared/steps.ts";
import { named } from "../shared/steps.ts";

export type OpenStackCluster = Live<infra.OpenStackCluster>;

export interface ClusterScope extends Checkpointed {
  readonly osc: OpenStackCluster;
  readonly cluster: KubeObject;
  readonly os: OpenStackClient;
  /** `<ns>` and the CAPI Cluster's name, for CAPO's resource names. */
  readonly ref: ClusterRef;
  readonly record: Recorder;
  readonly log: Logger;
  /** What this reconcile has read from the cloud, for later steps, so nothing is read twice. */
  readonly seen: {
    securityGroups?: Map<SecurityGroupRole, neutron.SecurityGroup>;
    loadBalancer?: octavia.LoadBalancer;
    /** The load balancer is not ACTIVE yet: a later step waits for it (requeues). */
    loadBalancerPending?: LoadBalancerPending;
    /** On delete: the load balancer is still going; the network step waits for it. */
    loadBalancerDeleting?: Pending;
    /** Invalid allowed CIDRs were reported (once per reconcile). */
    cidrsWarned?: boolean;
  };
}

/** The spec; steps may write spec.controlPlaneEndpoint into it. */
export function spec(s: ClusterScope): infra.OpenStackClusterSpec {
  s.osc.spec ??= { identityRef: { name: "", cloudName: "" } };
  return s.osc.spec;
}

/** The status, created on first use; steps assign into it. */
export function status(s: ClusterScope): infra.OpenStackClusterStatus {
  s.osc.status ??= { ready: false };
  return s.osc.status;
}

/** spec.managedSubnets: the cluster's own network, subnet and router. */
export const managed = (s: ClusterScope): boolean => (spec(s).managedSubnets?.length ?? 0) > 0;

/** CAPO's condition types and reasons for OpenStackCluster (capo-behaviour §3.18). */
export const Conditions = {
  auth: { type: "OpenStackAuthenticationSucceeded", failed: "OpenStackAuthenticationFailed" },
  network: { type: "NetworkReady", failed: "NetworkCreateFailed" },
  router: { type: "RouterReady", failed: "RouterCreateFailed" },
  securityGroups: { type: "SecurityGroupsReady", failed: "SecurityGroupCreateFailed" },
  endpoint: { type: "APIEndpointReady", failed: "APIEndpointConfigFailed" },
  bastion: { type: "BastionReady", failed: "BastionCreateFailed" },
} as const;
export type ConditionGroup = (typeof Conditions)[keyof typeof Conditions];

/** The conditions that make up Ready, in the order their failures should surface. */
export const READY_PARTS = [
  Conditions.auth.type,
  Conditions.network.type,
  Conditions.router.type,
  Conditions.securityGroups.type,
  Conditions.endpoint.type,
  Conditions.bastion.type,
];

/**
 * Steps that own one condition: an error in any of them sets it False (classified), and it turns True
 * after the last of them succeeds. `skip` says when the whole group does not apply (condition left unset).
 */
export function conditionGroup<T extends Step<ClusterScope>[]>(
  group: ConditionGroup,
  steps: [...T],
  waitingReason = "Waiting",
): { [K in keyof T]: Step<ClusterScope> } {
  const wrapped = steps.map((step: Step<ClusterScope>, i) =>
    named<ClusterScope>(async (s) => {
      try {
        const stop = await step(s);
        if (!stop && i === steps.length - 1) markTrue(s.osc, group.type);
        return stop;
      } catch (e) {
        return handleStepError(
          { obj: s.osc, record: s.record, condition: group.type, failedReason: group.failed, waitingReason },
          e,
        );
      }
    }, step),
  );
  return wrapped as { [K in keyof T]: Step<ClusterScope> };
}
