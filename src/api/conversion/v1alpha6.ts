// v1alpha6 ↔ v1beta1 (api-versions.md §3.5): v1alpha7's rules, plus machine networks that become ports,
// security groups wrapped in {uuid, name, filter}, a free-form port binding profile, and a cluster status
// whose network carries the subnet, router and load balancer.
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha6 from "../v1alpha6/index.ts";
import { bastionStatusCommon, loadBalancerStatusFromHub, securityGroupStatuses } from "./cluster.ts";
import {
  networkToHub,
  securityGroupParamV1alpha6FromHub,
  securityGroupParamV1alpha6ToHub,
  subnetParamV1alpha6FromHub,
  subnetParamV1alpha6ToHub,
  valueFilterToHub,
} from "./filters.ts";
import { spokeConversions } from "./kinds.ts";
import {
  legacyClusterFromHub,
  legacyClusterToHub,
  legacyMachineFromHub,
  legacyMachineStatus,
  legacyMachineToHub,
} from "./legacy.ts";
import { machineCommonFromHub, machineCommonToHub, portCommonFromHub, portCommonToHub } from "./machine.ts";
import { each, maybe, nonEmpty, unlessEmpty } from "./shared.ts";

// --- ports -----------------------------------------------------------------------------------------------

/**
 * The binding:profile map knew any key; v1alpha7 kept the two uses CAPO supports (OVS hardware offload
 * and trusted VFs). Other keys only survive in the conversion-data annotation.
 */
function profileToHub(profile: Record<string, string> | undefined): hub.BindingProfile | undefined {
  return unlessEmpty({
    ovsHWOffload: profile?.capabilities?.includes("switchdev") === true ? true : undefined,
    trustedVF: profile?.trusted === "true" ? true : undefined,
  });
}

function profileFromHub(profile: hub.BindingProfile | undefined): Record<string, string> | undefined {
  const map: Record<string, string> = {};
  if (profile?.ovsHWOffload === true) map.capabilities = '["switchdev"]';
  if (profile?.trustedVF === true) map.trusted = "true";
  return unlessEmpty(map);
}

/** Security group filters first, then the bare UUIDs, all as v1beta1 security groups. */
function portSecurityGroupsToHub(p: v1alpha6.PortOpts): hub.SecurityGroupParam[] | undefined {
  if (p.securityGroupFilters === undefined && p.securityGroups === undefined) return undefined;
  return [
    ...(p.securityGroupFilters ?? []).map(securityGroupParamV1alpha6ToHub),
    ...(p.securityGroups ?? []).map((uuid) => securityGroupParamV1alpha6ToHub({ uuid })),
  ];
}

export const portToHub = (p: v1alpha6.PortOpts): hub.PortOpts => ({
  ...portCommonToHub(p),
  securityGroups: portSecurityGroupsToHub(p),
  profile: profileToHub(p.profile),
  valueSpecs: p.valueSpecs,
});

export const portFromHub = (p: hub.PortOpts): v1alpha6.PortOpts => ({
  ...portCommonFromHub(p),
  securityGroupFilters: each(p.securityGroups, securityGroupParamV1alpha6FromHub),
  profile: profileFromHub(p.profile),
  valueSpecs: p.valueSpecs,
});

/** A network attachment becomes one port, or one port per listed subnet (api-versions.md §3.5). */
function networkToPorts(n: v1alpha6.NetworkParam): hub.PortOpts[] {
  const uuid = nonEmpty(n.uuid);
  const network = uuid !== undefined ? { id: uuid } : valueFilterToHub(n.filter, networkToHub);
  if (n.subnets === undefined || n.subnets.length === 0) return [{ network }];
  return n.subnets.map((subnet) => ({ network, fixedIPs: [{ subnet: subnetParamV1alpha6ToHub(subnet) }] }));
}

function portsToHub(s: v1alpha6.OpenStackMachineSpec): hub.PortOpts[] | undefined {
  if (s.networks === undefined && s.ports === undefined) return undefined;
  return [...(s.networks ?? []).flatMap(networkToPorts), ...(s.ports ?? []).map(portToHub)];
}

// --- machine ---------------------------------------------------------------------------------------------

export const machineSpecToHub = (s: v1alpha6.OpenStackMachineSpec): hub.OpenStackMachineSpec => ({
  ...machineCommonToHub(s),
  ...legacyMachineToHub(s),
  ports: portsToHub(s),
  securityGroups: each(s.securityGroups, securityGroupParamV1alpha6ToHub),
});

export const machineSpecFromHub = (s: hub.OpenStackMachineSpec): v1alpha6.OpenStackMachineSpec => ({
  ...machineCommonFromHub(s),
  ...legacyMachineFromHub(s),
  ports: each(s.ports, portFromHub),
  securityGroups: each(s.securityGroups, securityGroupParamV1alpha6FromHub),
});

// --- cluster spec ----------------------------------------------------------------------------------------

const externalRouterIPToHub = (ip: v1alpha6.ExternalRouterIPParam): hub.ExternalRouterIPParam => ({
  fixedIP: ip.fixedIP,
  subnet: subnetParamV1alpha6ToHub(ip.subnet),
});

const externalRouterIPFromHub = (ip: hub.ExternalRouterIPParam): v1alpha6.ExternalRouterIPParam => ({
  fixedIP: ip.fixedIP,
  subnet: subnetParamV1alpha6FromHub(ip.subnet),
});

export const clusterSpecToHub = (s: v1alpha6.OpenStackClusterSpec): hub.OpenStackClusterSpec => ({
  ...legacyClusterToHub(s, machineSpecToHub),
  externalRouterIPs: each(s.externalRouterIPs, externalRouterIPToHub),
});

export const clusterSpecFromHub = (s: hub.OpenStackClusterSpec): v1alpha6.OpenStackClusterSpec => ({
  ...legacyClusterFromHub(s, machineSpecFromHub),
  externalRouterIPs: each(s.externalRouterIPs, externalRouterIPFromHub),
});

// --- cluster status --------------------------------------------------------------------------------------

const networkStatusToHub = (n: v1alpha6.Network): hub.NetworkStatus => ({
  name: n.name,
  id: n.id,
  tags: n.tags,
});

/** The v1alpha6 status network held the cluster's subnet, router and load balancer; v1alpha7 split them. */
function networkWithSubnetsToHub(n: v1alpha6.Network): hub.NetworkStatusWithSubnets {
  return { ...networkStatusToHub(n), subnets: maybe(n.subnet, (subnet) => [subnet]) };
}

function networkFromHubStatus(s: hub.OpenStackClusterStatus): v1alpha6.Network | undefined {
  if (s.network === undefined && s.router === undefined && s.apiServerLoadBalancer === undefined)
    return undefined;
  return {
    name: s.network?.name ?? "",
    id: s.network?.id ?? "",
    tags: s.network?.tags,
    subnet: s.network?.subnets?.[0],
    router: s.router,
    apiServerLoadBalancer: maybe(s.apiServerLoadBalancer, loadBalancerStatusFromHub),
  };
}

/** The bastion's Instance status kept far more than v1beta1 reports; its server group is the resolved one. */
const bastionInstanceToHub = (i: v1alpha6.Instance): hub.BastionStatus => ({
  ...bastionStatusCommon(i),
  resolved: maybe(nonEmpty(i.serverGroupID), (serverGroupID) => ({ serverGroupID })),
});

const bastionInstanceFromHub = (b: hub.BastionStatus): v1alpha6.Instance => ({
  ...bastionStatusCommon(b),
  serverGroupID: nonEmpty(b.resolved?.serverGroupID),
});

export const clusterStatusToHub = (s: v1alpha6.OpenStackClusterStatus): hub.OpenStackClusterStatus => ({
  ready: s.ready,
  network: maybe(s.network, networkWithSubnetsToHub),
  externalNetwork: maybe(s.externalNetwork, networkStatusToHub),
  router: s.network?.router,
  apiServerLoadBalancer: s.network?.apiServerLoadBalancer,
  failureDomains: s.failureDomains,
  ...securityGroupStatuses(s),
  bastion: maybe(s.bastion, bastionInstanceToHub),
  failureReason: s.failureReason,
  failureMessage: s.failureMessage,
});

export const clusterStatusFromHub = (s: hub.OpenStackClusterStatus): v1alpha6.OpenStackClusterStatus => ({
  ready: s.ready,
  network: networkFromHubStatus(s),
  externalNetwork: maybe(s.externalNetwork, (n) => ({ name: n.name, id: n.id, tags: n.tags })),
  failureDomains: s.failureDomains,
  ...securityGroupStatuses(s),
  bastion: maybe(s.bastion, bastionInstanceFromHub),
  failureReason: s.failureReason,
  failureMessage: s.failureMessage,
});

export const conversions = spokeConversions({
  clusterSpec: { toHub: clusterSpecToHub, fromHub: clusterSpecFromHub },
  clusterStatus: { toHub: clusterStatusToHub, fromHub: clusterStatusFromHub },
  machineSpec: { toHub: machineSpecToHub, fromHub: machineSpecFromHub },
  machineStatus: legacyMachineStatus,
});
