// How API traffic reaches a control plane machine (capo-behaviour §3.12 step 7): a member in every pool of
// the API load balancer, or, without one, the cluster's API floating IP on the machine's first port. A
// steady-state reconcile costs nothing here: the condition and the recorded address say it is done.
import { apiFloatingIPWanted, apiServerPort, lbEnabled } from "../openstackcluster/endpoint.ts";
import { clusterDescription, loadBalancerName } from "../../cloud/names.ts";
import { deleteMembers, ensureMembers } from "../../cloud/loadbalancer/members.ts";
import {
  associateFloatingIP,
  disassociateFloatingIP,
  ensureFloatingIP,
  floatingIPsOnPort,
} from "../../cloud/networking/floating-ip.ts";
import { getCondition, markTrue } from "../../runtime/conditions.ts";
import { handleStepError } from "../shared/classify.ts";
import type { Step } from "../shared/steps.ts";
import type { MachineScope } from "./scope.ts";
import { MachineConditions, isControlPlane, status } from "./scope.ts";

/** The machine's first fixed IPv4 on the cluster network: where CAPO points the members. */
function clusterAddress(s: MachineScope): string | undefined {
  const server = s.seen.server;
  const net = s.osc.status?.network;
  if (!server || !net) return undefined;
  const onNet = server.addresses[net.name] ?? [];
  return onNet.find((a) => a["OS-EXT-IPS:type"] !== "floating" && a.version === 4)?.addr;
}

const clusterRef = (s: MachineScope) => ({ namespace: s.osm.metadata.namespace ?? "", name: s.clusterName });

const done = (s: MachineScope, address: string): boolean => {
  const c = getCondition(s.osm, MachineConditions.ingress);
  return c?.status === "True" && (status(s).addresses ?? []).some((a) => a.address === address);
};

async function reconcileIngress(s: MachineScope): Promise<void> {
  const oscSpec = s.osc.spec;
  if (!oscSpec) return;
  const address = clusterAddress(s);
  if (!address || done(s, address)) return;
  if (lbEnabled(oscSpec)) {
    const lb = s.osc.status?.apiServerLoadBalancer;
    if (!lb?.id) return;
    const lbNet = lb.loadBalancerNetwork;
    await ensureMembers(s.os.loadBalancer, s.record, {
      lbName: lb.name,
      lbId: lb.id,
      ports: [apiServerPort(oscSpec), ...(oscSpec.apiServerLoadBalancer?.additionalPorts ?? [])],
      machineName: s.osm.metadata.name ?? "",
      address,
      subnetId:
        lbNet && lbNet.id !== s.osc.status?.network?.id ? s.osc.status?.network?.subnets?.[0]?.id : undefined,
      tags: oscSpec.tags ?? [],
    });
  } else if (apiFloatingIPWanted(s.osc) && oscSpec.controlPlaneEndpoint?.host) {
    const fip = await ensureFloatingIP(s.os.network, s.record, {
      networkId: s.osc.status?.externalNetwork?.id ?? "",
      address: oscSpec.controlPlaneEndpoint.host,
      description: clusterDescription(clusterRef(s)),
      tags: oscSpec.tags ?? [],
      purpose: loadBalancerName(clusterRef(s)),
    });
    const port = status(s).resources?.ports?.[0]?.id;
    // CAPO attaches it only when it is on no port: the first control plane machine keeps it.
    if (port && !fip.port_id) await associateFloatingIP(s.os.network, s.record, fip, port);
  }
  markTrue(s.osm, MachineConditions.ingress);
}

export const ingress: Step<MachineScope> = async (s) => {
  if (!isControlPlane(s)) return undefined;
  try {
    await reconcileIngress(s);
    return undefined;
  } catch (e) {
    const lb = s.osc.spec && lbEnabled(s.osc.spec);
    return handleStepError(
      {
        obj: s.osm,
        record: s.record,
        condition: MachineConditions.ingress,
        failedReason: lb ? "LoadBalancerMemberError" : "FloatingIPError",
      },
      e,
    );
  }
};

/** On delete: the machine's members; without an LB the API floating IP is only detached, so the endpoint's
 * address survives for the next control plane machine (CAPO deletes it; the cluster delete frees it). */
export async function releaseIngress(s: MachineScope): Promise<void> {
  const oscSpec = s.osc.spec;
  // The ingress condition marks a machine that took API traffic, also when its Machine (and role) is gone.
  const served = isControlPlane(s) || getCondition(s.osm, MachineConditions.ingress) !== undefined;
  if (!served || !oscSpec) return;
  if (lbEnabled(oscSpec)) {
    const lb = s.osc.status?.apiServerLoadBalancer;
    await deleteMembers(s.os.loadBalancer, s.record, {
      lbName: lb?.name ?? loadBalancerName(clusterRef(s)),
      lbId: lb?.id,
      ports: [apiServerPort(oscSpec), ...(oscSpec.apiServerLoadBalancer?.additionalPorts ?? [])],
      machineName: s.osm.metadata.name ?? "",
    });
    return;
  }
  for (const p of status(s).resources?.ports ?? [])
    for (const fip of await floatingIPsOnPort(s.os.network, p.id))
      await disassociateFloatingIP(s.os.network, s.record, fip);
}
