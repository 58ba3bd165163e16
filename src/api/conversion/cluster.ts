// Cluster-spec and cluster-status pieces that convert the same way from several alpha versions
// (api-versions.md §3.4–3.6).
import type { APIEndpoint } from "../common/capi.ts";
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha5 from "../v1alpha5/index.ts";
import type * as v1alpha6 from "../v1alpha6/index.ts";
import type * as v1alpha7 from "../v1alpha7/index.ts";
import { valueFilterToHub, subnetFromHub, subnetToHub, type OldSubnetFilter } from "./filters.ts";
import { isEmpty, maybe, nonEmpty, nonZero, trueOnly, unlessEmpty } from "./shared.ts";

// --- API server load balancer ----------------------------------------------------------------------------

type OldLoadBalancer = v1alpha6.APIServerLoadBalancer;

/** The alphas' value struct: an untouched one (disabled, nothing set) means "no load balancer". */
export function loadBalancerToHub(lb: OldLoadBalancer | undefined): hub.APIServerLoadBalancer | undefined {
  if (
    lb === undefined ||
    (lb.enabled !== true && isEmpty({ ...lb, enabled: undefined, provider: nonEmpty(lb.provider) }))
  ) {
    return undefined;
  }
  return {
    enabled: lb.enabled === true,
    additionalPorts: lb.additionalPorts,
    allowedCIDRs: lb.allowedCidrs,
    provider: nonEmpty(lb.provider),
  };
}

/** v1beta1's `enabled` defaults to true (the apiserver fills it in; a bare object may still lack it). */
export function loadBalancerFromHub(lb: hub.APIServerLoadBalancer): OldLoadBalancer | undefined {
  const { enabled = true } = lb as Partial<hub.APIServerLoadBalancer>;
  return unlessEmpty({
    enabled: trueOnly(enabled),
    additionalPorts: lb.additionalPorts,
    allowedCidrs: lb.allowedCIDRs,
    provider: nonEmpty(lb.provider),
  });
}

// --- managed security groups -----------------------------------------------------------------------------

const calicoRule = (name: string, rule: Partial<hub.SecurityGroupRuleSpec>): hub.SecurityGroupRuleSpec => ({
  name,
  description: `Created by cluster-api-provider-openstack API conversion - ${name}`,
  direction: "ingress",
  etherType: "IPv4",
  ...rule,
  remoteManagedGroups: ["controlplane", "worker"],
});

/**
 * Before v1alpha8, managed security groups always opened Calico's BGP and IP-in-IP between nodes unless
 * all in-cluster traffic was allowed; v1alpha8 made the rules explicit, so conversion writes them out.
 */
export const legacyCalicoRules = (): hub.SecurityGroupRuleSpec[] => [
  calicoRule("BGP (calico)", { portRangeMin: 179, portRangeMax: 179, protocol: "tcp" }),
  calicoRule("IP-in-IP (calico)", { protocol: "4" }),
];

export function managedSecurityGroupsToHub(
  managed: boolean | undefined,
  allowAll: boolean | undefined,
): hub.ManagedSecurityGroups | undefined {
  if (managed !== true) return undefined;
  return allowAll === true
    ? { allowAllInClusterTraffic: true }
    : { allNodesSecurityGroupRules: legacyCalicoRules(), allowAllInClusterTraffic: false };
}

export function managedSecurityGroupsFromHub(groups: hub.ManagedSecurityGroups | undefined): {
  managedSecurityGroups?: boolean;
  allowAllInClusterTraffic?: boolean;
} {
  return groups === undefined
    ? {}
    : { managedSecurityGroups: true, allowAllInClusterTraffic: trueOnly(groups.allowAllInClusterTraffic) };
}

// --- networks and subnets the alphas held as single values -----------------------------------------------

/** `nodeCidr` (with `dnsNameservers`) became the single managed subnet. */
export function managedSubnetsToHub(
  nodeCidr: string | undefined,
  dnsNameservers: string[] | undefined,
): hub.SubnetSpec[] | undefined {
  const cidr = nonEmpty(nodeCidr);
  return cidr === undefined ? undefined : [{ cidr, dnsNameservers }];
}

export function managedSubnetsFromHub(subnets: hub.SubnetSpec[] | undefined): {
  nodeCidr?: string;
  dnsNameservers?: string[];
} {
  const first = subnets?.[0];
  const nodeCidr = nonEmpty(first?.cidr);
  // Without a CIDR there is nothing for the nameservers to belong to (up-conversion drops them too).
  return nodeCidr === undefined ? {} : { nodeCidr, dnsNameservers: first?.dnsNameservers };
}

export const subnetsToHub = (subnet: OldSubnetFilter | undefined): hub.SubnetParam[] | undefined =>
  maybe(valueFilterToHub(subnet, subnetToHub), (param) => [param]);

export const subnetsFromHub = (subnets: hub.SubnetParam[] | undefined): OldSubnetFilter | undefined =>
  maybe(subnets?.[0], (subnet) => unlessEmpty(subnetFromHub(subnet)));

/** v1alpha7 and v1alpha8 take the subnet as a flat filter. */
export const externalRouterIPToHub = (ip: v1alpha7.ExternalRouterIPParam): hub.ExternalRouterIPParam => ({
  fixedIP: ip.fixedIP,
  subnet: subnetToHub(ip.subnet),
});

export const externalRouterIPFromHub = (ip: hub.ExternalRouterIPParam): v1alpha7.ExternalRouterIPParam => ({
  fixedIP: ip.fixedIP,
  subnet: subnetFromHub(ip.subnet),
});

/** A value APIEndpoint in the alphas: the zero endpoint means "not set yet". */
const endpointToHub = (endpoint: APIEndpoint | undefined): APIEndpoint | undefined =>
  endpoint === undefined || (nonEmpty(endpoint.host) === undefined && nonZero(endpoint.port) === undefined)
    ? undefined
    : endpoint;

// --- spec fields every alpha version shares --------------------------------------------------------------

type CommonSpec = Pick<
  v1alpha5.OpenStackClusterSpec,
  | "disableAPIServerFloatingIP"
  | "apiServerFloatingIP"
  | "apiServerFixedIP"
  | "apiServerPort"
  | "disablePortSecurity"
  | "tags"
  | "controlPlaneEndpoint"
  | "controlPlaneAvailabilityZones"
> & { controlPlaneOmitAvailabilityZone?: boolean };

/** The same names on both sides; zero values are "unset" in the alphas and absent in v1beta1. */
export const clusterCommon = (s: CommonSpec): CommonSpec => ({
  disableAPIServerFloatingIP: trueOnly(s.disableAPIServerFloatingIP),
  apiServerFloatingIP: nonEmpty(s.apiServerFloatingIP),
  apiServerFixedIP: nonEmpty(s.apiServerFixedIP),
  apiServerPort: nonZero(s.apiServerPort),
  disablePortSecurity: trueOnly(s.disablePortSecurity),
  tags: s.tags,
  controlPlaneEndpoint: endpointToHub(s.controlPlaneEndpoint),
  controlPlaneAvailabilityZones: s.controlPlaneAvailabilityZones,
  controlPlaneOmitAvailabilityZone: trueOnly(s.controlPlaneOmitAvailabilityZone),
});

// --- bastion ---------------------------------------------------------------------------------------------

interface OldBastion<Instance> {
  enabled?: boolean;
  instance?: Instance;
  availabilityZone?: string;
}

/**
 * `enabled` is spelled out (v1beta1 defaults it to true, the alphas to false); an instance with nothing in
 * it is no bastion spec.
 */
export function bastionToHub<Instance extends object>(
  b: OldBastion<Instance>,
  instanceToHub: (instance: Instance) => hub.OpenStackMachineSpec,
  floatingIP: string | undefined,
): hub.Bastion {
  const spec = maybe(b.instance, instanceToHub);
  const hasSpec =
    spec !== undefined &&
    !isEmpty({ ...spec, flavor: nonEmpty(spec.flavor), image: unlessEmpty(spec.image) });
  return {
    enabled: b.enabled === true,
    spec: hasSpec ? spec : undefined,
    availabilityZone: nonEmpty(b.availabilityZone),
    floatingIP: nonEmpty(floatingIP),
  };
}

export function bastionFromHub<Instance>(
  b: hub.Bastion,
  instanceFromHub: (spec: hub.OpenStackMachineSpec) => Instance,
): OldBastion<Instance> {
  return {
    enabled: trueOnly(b.enabled ?? true),
    instance: maybe(b.spec, instanceFromHub),
    availabilityZone: nonEmpty(b.availabilityZone),
  };
}

/** Before v1alpha8 the bastion's floating IP sat in its instance spec. */
export function bastionFromHubWithInstanceIP<Instance extends { floatingIP?: string }>(
  b: hub.Bastion,
  instanceFromHub: (spec: hub.OpenStackMachineSpec) => Instance,
): OldBastion<Instance> {
  const bastion = bastionFromHub(b, instanceFromHub);
  if (nonEmpty(b.floatingIP) === undefined) return bastion;
  return { ...bastion, instance: { ...(bastion.instance ?? ({} as Instance)), floatingIP: b.floatingIP } };
}

// --- status ----------------------------------------------------------------------------------------------

type OldLoadBalancerStatus = v1alpha6.LoadBalancer;

export const loadBalancerStatusFromHub = (lb: hub.LoadBalancer): OldLoadBalancerStatus => {
  const { loadBalancerNetwork: _, ...rest } = lb;
  return rest;
};

interface SecurityGroupStatuses<G> {
  controlPlaneSecurityGroup?: G;
  workerSecurityGroup?: G;
  bastionSecurityGroup?: G;
}

/** The three security groups' status keeps only name and id in every direction (rules are gone in v1beta1). */
export function securityGroupStatuses(s: SecurityGroupStatuses<{ name: string; id: string }>) {
  const status = (group: { name: string; id: string }) => ({ name: group.name, id: group.id });
  return {
    controlPlaneSecurityGroup: maybe(s.controlPlaneSecurityGroup, status),
    workerSecurityGroup: maybe(s.workerSecurityGroup, status),
    bastionSecurityGroup: maybe(s.bastionSecurityGroup, status),
  };
}

type BastionStatusCommon = v1alpha7.BastionStatus;

export const bastionStatusCommon = (s: BastionStatusCommon): BastionStatusCommon => ({
  id: s.id,
  name: s.name,
  sshKeyName: s.sshKeyName,
  state: s.state,
  ip: s.ip,
  floatingIP: s.floatingIP,
});

/** Status fields v1alpha7, v1alpha8 and v1beta1 share verbatim. */
type StatusCommon = Pick<
  v1alpha7.OpenStackClusterStatus,
  "ready" | "network" | "externalNetwork" | "router" | "failureDomains" | "failureReason" | "failureMessage"
>;

export const clusterStatusCommon = (s: StatusCommon): StatusCommon => ({
  ready: s.ready,
  network: s.network,
  externalNetwork: s.externalNetwork,
  router: s.router,
  failureDomains: s.failureDomains,
  failureReason: s.failureReason,
  failureMessage: s.failureMessage,
});
