// Steps for the API endpoint (capo-behaviour §3.6, §3.8): the Octavia load balancer, its listeners, pools
// and monitors, and its floating IP; or, without a load balancer, a floating IP that the first control plane
// machine will carry; then spec.controlPlaneEndpoint. A floating IP's address is checkpointed before it is
// associated, so no crash can leak one (CAPO #1632), and an LB in ERROR gets none (CAPO #1159).
import type * as infra from "../../api/v1beta1/index.ts";
import type * as octavia from "../../openstack/loadbalancer.ts";
import { clusterDescription, loadBalancerName } from "../../cloud/names.ts";
import { Pending, UserError } from "../../cloud/errors.ts";
import { allowedCIDRs, invalidCIDRMessage } from "../../cloud/loadbalancer/allowed-cidrs.ts";
import {
  LoadBalancerPending,
  ensureListenersPoolsMonitors,
  ensureLoadBalancer,
  octaviaSupportsAllowedCIDRs,
} from "../../cloud/loadbalancer/api-loadbalancer.ts";
import { associateFloatingIP, ensureFloatingIP } from "../../cloud/networking/floating-ip.ts";
import { resolveNetworkParam, resolveSubnetParam } from "../../cloud/networking/resolve.ts";
import { isTrue } from "../../runtime/conditions.ts";
import type { Step } from "../shared/steps.ts";
import type { ClusterScope } from "./scope.ts";
import { Conditions, conditionGroup, managed, spec, status } from "./scope.ts";

export const lbEnabled = (sp: infra.OpenStackClusterSpec): boolean =>
  sp.apiServerLoadBalancer !== undefined && sp.apiServerLoadBalancer.enabled;

export const apiServerPort = (sp: infra.OpenStackClusterSpec): number => {
  const p = sp.controlPlaneEndpoint?.port;
  return p && p > 0 ? p : (sp.apiServerPort ?? 6443);
};

/** The API server gets a floating IP unless disabled, and only where there is an external network. */
export const apiFloatingIPWanted = (osc: Pick<infra.OpenStackCluster, "spec" | "status">): boolean =>
  !osc.spec?.disableAPIServerFloatingIP &&
  !osc.spec?.disableExternalNetwork &&
  !!osc.status?.externalNetwork?.id;

const apiFloatingIPEnabled = (s: ClusterScope): boolean => apiFloatingIPWanted(s.osc);

const isIP = (h: string | undefined): h is string => !!h && /^[\d.]+$|:/.test(h);

/** The VIP's network and subnet: the LB's own (spec.apiServerLoadBalancer.network) or the cluster's. */
async function vipNetwork(s: ClusterScope): Promise<infra.NetworkStatusWithSubnets> {
  const lbSpec = spec(s).apiServerLoadBalancer;
  const recorded = status(s).apiServerLoadBalancer?.loadBalancerNetwork;
  if (recorded?.id) return recorded;
  if (!lbSpec?.network) return status(s).network as infra.NetworkStatusWithSubnets;
  const net = await resolveNetworkParam(s.os.network, lbSpec.network);
  const subnets = await Promise.all(
    (lbSpec.subnets ?? []).slice(0, 1).map((p) => resolveSubnetParam(s.os.network, p, net.id)),
  );
  return {
    name: net.name,
    id: net.id,
    tags: net.tags,
    subnets: subnets.map((x) => ({ name: x.name, id: x.id, cidr: x.cidr, tags: x.tags })),
  };
}

/**
 * Starts the load balancer without waiting for it: Octavia takes seconds to make it ACTIVE, in which time the
 * router interfaces and security groups are made. Its ID and VIP are in status either way.
 */
const launchLoadBalancer: Step<ClusterScope> = async (s) => {
  const sp = spec(s);
  if (!lbEnabled(sp)) return undefined;
  const st = status(s);
  const vip = await vipNetwork(s);
  const subnet = vip.subnets?.[0];
  if (!subnet) throw new UserError(Conditions.endpoint.failed, "the load balancer network has no subnet");
  const recorded = st.apiServerLoadBalancer;
  // Read again when the answer comes: the floating IP step, running alongside, may have written ip meanwhile.
  const record = (lb: octavia.LoadBalancer): void => {
    const now = st.apiServerLoadBalancer;
    st.apiServerLoadBalancer = {
      ...now,
      name: lb.name,
      id: lb.id,
      internalIP: lb.vip_address,
      ip: now?.ip ?? "",
      tags: lb.tags,
      loadBalancerNetwork: vip,
    };
  };
  try {
    s.seen.loadBalancer = await ensureLoadBalancer(
      s.os.loadBalancer,
      s.record,
      {
        name: loadBalancerName(s.ref),
        description: clusterDescription(s.ref),
        vipSubnetId: subnet.id,
        vipNetworkId: vip.id,
        vipAddress: recorded?.internalIP || sp.apiServerFixedIP,
        provider: sp.apiServerLoadBalancer?.provider,
        availabilityZone: sp.apiServerLoadBalancer?.availabilityZone,
        tags: sp.tags ?? [],
      },
      recorded?.id,
    );
  } catch (e) {
    if (!(e instanceof LoadBalancerPending)) throw e;
    record(e.loadBalancer);
    s.seen.loadBalancerPending = e;
    return undefined;
  }
  delete s.seen.loadBalancerPending;
  record(s.seen.loadBalancer);
  return undefined;
};

const loadBalancerActive: Step<ClusterScope> = (s) => {
  if (s.seen.loadBalancerPending) throw s.seen.loadBalancerPending;
  return Promise.resolve(undefined);
};

const sameList = (a: string[] | undefined, b: string[] | undefined): boolean =>
  JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** The ports and allowed CIDRs the listeners must have; the CIDRs undefined where Octavia cannot do them. */
async function listenersWant(
  s: ClusterScope,
): Promise<{ ports: number[]; allowedCIDRs: string[] | undefined }> {
  const sp = spec(s);
  const st = status(s);
  const cidrs = allowedCIDRs({
    spec: sp.apiServerLoadBalancer?.allowedCIDRs ?? [],
    bastionFloatingIP: st.bastion?.floatingIP,
    bastionIP: st.bastion?.ip,
    clusterSubnetCIDRs: (st.network?.subnets ?? []).map((x) => x.cidr),
    routerIPs: st.router?.ips ?? [],
  });
  const supported = await octaviaSupportsAllowedCIDRs(
    s.os.loadBalancer,
    sp.apiServerLoadBalancer?.provider ?? "",
  );
  if (supported && !s.seen.cidrsWarned) {
    for (const bad of cidrs.invalid)
      s.record("Warning", "FailedIPAddressValidation", invalidCIDRMessage(bad));
    s.seen.cidrsWarned = true;
  }
  return {
    ports: [apiServerPort(sp), ...(sp.apiServerLoadBalancer?.additionalPorts ?? [])],
    allowedCIDRs: supported ? cidrs.cidrs : undefined,
  };
}

/** Allowed CIDRs include the router's external IPs (CAPO): a router still to be made has none yet. */
const awaitsRouterIPs = (s: ClusterScope): boolean => {
  const st = status(s);
  const managedRouter = managed(s) && !!st.externalNetwork?.id;
  return (spec(s).apiServerLoadBalancer?.allowedCIDRs?.length ?? 0) > 0 && managedRouter && !st.router?.id;
};

const listeners: Step<ClusterScope> = async (s) => {
  const sp = spec(s);
  const lb = s.seen.loadBalancer;
  const lbStatus = status(s).apiServerLoadBalancer;
  if (!lbEnabled(sp) || !lb || !lbStatus) return undefined;
  if (awaitsRouterIPs(s)) throw new Pending("the router's external IPs, for the listeners' allowed CIDRs");
  const want = await listenersWant(s);
  // The LB lists its listeners and pools but not their monitors: once the endpoint was Ready (every monitor
  // made), one listener and pool per port and allowed CIDRs as last applied need no further call.
  const complete =
    isTrue(s.osc, Conditions.endpoint.type) &&
    lb.listeners.length === want.ports.length &&
    lb.pools.length === want.ports.length;
  if (complete && sameList(lbStatus.allowedCIDRs, want.allowedCIDRs)) return undefined;
  await ensureListenersPoolsMonitors(s.os.loadBalancer, s.record, {
    lb,
    ports: want.ports,
    allowedCIDRs: want.allowedCIDRs,
    recordedAllowedCIDRs: lbStatus.allowedCIDRs,
    tags: sp.tags ?? [],
  });
  lbStatus.allowedCIDRs = want.allowedCIDRs;
  return undefined;
};

/**
 * The LB's floating IP: address checkpointed first, associated with the VIP port second, then the endpoint.
 * Octavia makes the VIP port when it accepts the create, so this runs while the LB is still PENDING_CREATE
 * (one of ours in ERROR never gets here: its launch fails).
 */
const loadBalancerFloatingIP: Step<ClusterScope> = async (s) => {
  const sp = spec(s);
  const st = status(s);
  const lb = s.seen.loadBalancer ?? s.seen.loadBalancerPending?.loadBalancer;
  const lbStatus = st.apiServerLoadBalancer;
  if (!lbEnabled(sp) || !apiFloatingIPEnabled(s) || !lb || !lbStatus) return undefined;
  // The endpoint is written only after the association, so a written endpoint means it was done.
  if (lbStatus.ip && sp.controlPlaneEndpoint?.host === lbStatus.ip) return undefined;
  const fip = await ensureFloatingIP(
    s.os.network,
    s.record,
    {
      networkId: st.externalNetwork?.id ?? "",
      address:
        lbStatus.ip ||
        sp.apiServerFloatingIP ||
        (isIP(sp.controlPlaneEndpoint?.host) ? sp.controlPlaneEndpoint.host : undefined),
      description: clusterDescription(s.ref),
      tags: sp.tags ?? [],
      purpose: lb.name,
    },
    lbStatus.ip || undefined,
  );
  lbStatus.ip = fip.floating_ip_address;
  await s.checkpoint();
  await associateFloatingIP(s.os.network, s.record, fip, lb.vip_port_id);
  sp.controlPlaneEndpoint = { host: fip.floating_ip_address, port: apiServerPort(sp) };
  return undefined;
};

/** Without an LB: a floating IP for the endpoint; the first control plane machine takes it (§3.6 case 3). */
const endpointFloatingIP: Step<ClusterScope> = async (s) => {
  const sp = spec(s);
  if (lbEnabled(sp) || !apiFloatingIPEnabled(s) || sp.controlPlaneEndpoint?.host) return undefined;
  const fip = await ensureFloatingIP(s.os.network, s.record, {
    networkId: status(s).externalNetwork?.id ?? "",
    address: sp.apiServerFloatingIP,
    description: clusterDescription(s.ref),
    tags: sp.tags ?? [],
    purpose: loadBalancerName(s.ref),
  });
  sp.controlPlaneEndpoint = { host: fip.floating_ip_address, port: apiServerPort(sp) };
  return undefined;
};

const controlPlaneEndpoint: Step<ClusterScope> = (s) => {
  const sp = spec(s);
  const lb = status(s).apiServerLoadBalancer;
  let host: string | undefined;
  if (lbEnabled(sp)) host = (apiFloatingIPEnabled(s) ? lb?.ip : undefined) || lb?.internalIP;
  else host = sp.controlPlaneEndpoint?.host || sp.apiServerFixedIP;
  if (!host) throw new UserError(Conditions.endpoint.failed, "unable to determine control plane endpoint");
  sp.controlPlaneEndpoint = { host, port: apiServerPort(sp) };
  return Promise.resolve(undefined);
};

const [launch, floatingIP, active, listenersStep, noLBFloatingIP, endpoint] = conditionGroup(
  Conditions.endpoint,
  [
    launchLoadBalancer,
    loadBalancerFloatingIP,
    loadBalancerActive,
    listeners,
    endpointFloatingIP,
    controlPlaneEndpoint,
  ],
);

/**
 * The load balancer starts as soon as its subnet exists; Octavia's seconds to make it ACTIVE (and each
 * listener, pool and monitor after it) overlap the router chain (`floatingIP` follows the router interfaces).
 * The tail ends the endpoint: `floatingIP` again (a no-op once done) in case the LB was not launched when the
 * router chain got there.
 */
export const endpointSteps = {
  loadBalancer: [launch, active, listenersStep],
  floatingIP,
  tail: [floatingIP, noLBFloatingIP, endpoint],
};
