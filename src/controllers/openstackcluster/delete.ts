// Deleting a cluster's infrastructure (capo-behaviour §3.5), in reverse order of creation, once CAPI has
// deleted the cluster's Machines. Every step finds its resources by recorded ID and by CAPO's name, so it
// works with an empty status (after clusterctl move) and after any crash; what the user brought (a network,
// subnets or router found by filter, spec.apiServerFloatingIP) is never touched. Each step returns
// undefined once its resources are gone; a resource still going away throws Pending.
import { clusterDescription, loadBalancerName, networkName, routerName } from "../../cloud/names.ts";
import { deleteLoadBalancer } from "../../cloud/loadbalancer/api-loadbalancer.ts";
import { deleteClusterPorts } from "../../cloud/networking/cluster-ports.ts";
import { deleteFloatingIP } from "../../cloud/networking/floating-ip.ts";
import { deleteClusterNetwork } from "../../cloud/networking/network.ts";
import { deleteClusterRouter } from "../../cloud/networking/router.ts";
import { Pending } from "../../cloud/errors.ts";
import { Machines } from "../../runtime/resources.ts";
import { CLUSTER_NAME_LABEL } from "../../runtime/predicates.ts";
import type { Reader } from "../../runtime/cache.ts";
import { removeFinalizer } from "../../runtime/patch.ts";
import { handleStepError } from "../shared/classify.ts";
import type { Step } from "../shared/steps.ts";
import { alongside, named, together } from "../shared/steps.ts";
import { deleteBastion } from "./bastion.ts";
import { lbEnabled } from "./endpoint.ts";
import type { ClusterScope } from "./scope.ts";
import { managed, spec, status } from "./scope.ts";
import { deleteSecurityGroups } from "./security-groups.ts";

export const CLUSTER_FINALIZER = "openstackcluster.infrastructure.cluster.x-k8s.io";

/** CAPI deletes the Machines first (their OpenStackMachines release ports, members and FIPs); each Machine
 * deletion wakes this reconcile through the Machine watch, so the requeue is only a fallback. */
export function waitForMachines(reader: Reader): Step<ClusterScope> {
  return named(async (s) => {
    const machines = await reader.list(Machines, {
      namespace: s.ref.namespace,
      labels: { [CLUSTER_NAME_LABEL]: s.ref.name },
    });
    if (machines.length === 0) return undefined;
    s.log.info("Waiting for Machines to be deleted", { machines: machines.length });
    return { requeueAfter: 5000 };
  }, waitForMachines);
}

/**
 * Starts the cascade delete without waiting: Octavia takes seconds, in which time the floating IPs and the
 * router go. The network waits for it (the VIP port is on it). Run again, it only looks (1 call).
 */
const launchLoadBalancerDelete: Step<ClusterScope> = async (s) => {
  if (!lbEnabled(spec(s))) return undefined;
  try {
    await deleteLoadBalancer(s.os.loadBalancer, s.os.network, s.record, {
      recordedId: status(s).apiServerLoadBalancer?.id,
      name: loadBalancerName(s.ref),
      keepFloatingIP: spec(s).apiServerFloatingIP,
    });
  } catch (e) {
    if (!(e instanceof Pending)) throw e;
    s.seen.loadBalancerDeleting = e;
    return undefined;
  }
  delete s.seen.loadBalancerDeleting;
  delete status(s).apiServerLoadBalancer;
  return undefined;
};

const loadBalancerGone: Step<ClusterScope> = (s) => {
  if (s.seen.loadBalancerDeleting) throw s.seen.loadBalancerDeleting;
  return Promise.resolve(undefined);
};

/**
 * Floating IPs this cluster allocated and still holds: the no-LB endpoint's, and any whose create answer was
 * lost (tagged with their purpose). The user's spec.apiServerFloatingIP and the bastion's spec FIP stay.
 */
const floatingIPs: Step<ClusterScope> = async (s) => {
  const keep = new Set([spec(s).apiServerFloatingIP, spec(s).bastion?.floatingIP].filter(Boolean));
  const ours = await s.os.network.floatingIPs.list({ description: clusterDescription(s.ref) });
  for (const fip of ours)
    if (!keep.has(fip.floating_ip_address)) await deleteFloatingIP(s.os.network, s.record, { id: fip.id });
  return undefined;
};

const router: Step<ClusterScope> = async (s) => {
  if (!managed(s)) return undefined;
  const st = status(s);
  await deleteClusterRouter(s.os.network, s.record, {
    recordedId: st.router?.id,
    name: routerName(s.ref),
    subnetIds: (st.network?.subnets ?? []).map((x) => x.id),
    userRouter: spec(s).router !== undefined,
  });
  delete st.router;
  return undefined;
};

const network: Step<ClusterScope> = async (s) => {
  if (!managed(s)) return undefined;
  const st = status(s);
  const networkId = st.network?.id;
  if (networkId) {
    const oscName = s.osc.metadata.name ?? "";
    await deleteClusterPorts(s.os.network, s.record, networkId, [oscName, `${s.ref.namespace}-${oscName}`]);
  }
  await deleteClusterNetwork(s.os.network, s.record, { recordedId: networkId, name: networkName(s.ref) });
  delete st.network;
  return undefined;
};

const securityGroups: Step<ClusterScope> = async (s) => {
  await deleteSecurityGroups(s);
  return undefined;
};

const finalizer: Step<ClusterScope> = (s) => {
  removeFinalizer(s.osc, CLUSTER_FINALIZER);
  return Promise.resolve(undefined);
};

const bastion: Step<ClusterScope> = (s) =>
  spec(s).bastion || status(s).bastion ? deleteBastion(s) : Promise.resolve(undefined);

/** Delete failures have no step condition of their own: they show on Ready. */
const onReady = (step: Step<ClusterScope>): Step<ClusterScope> =>
  named(async (s) => {
    try {
      return await step(s);
    } catch (e) {
      const failure = { obj: s.osc, record: s.record, condition: "Ready", failedReason: "OpenStackError" };
      return handleStepError({ ...failure, waitingReason: "Deleting" }, e);
    }
  }, step);

const launchLB = onReady(launchLoadBalancerDelete);

export const deleteSteps = (reader: Reader): Step<ClusterScope>[] => [
  onReady(waitForMachines(reader)),
  onReady(bastion),
  // The load balancer's own floating IP goes with its launch, before the sweep of the cluster's others; then
  // Octavia's cascade overlaps the router's removal, and is looked at again while Neutron works on that.
  launchLB,
  alongside([launchLB, onReady(loadBalancerGone)], [onReady(floatingIPs), onReady(router)]),
  // A group still held by a leftover cluster port is Pending until the network step has deleted that port.
  onReady(together(network, securityGroups)),
  onReady(finalizer),
];
