// v1alpha8 ↔ v1beta1. CAPO renamed v1alpha8 to v1beta1 and changed it afterwards, so no upstream
// converter exists; this follows the schema differences (api-versions.md §2.5, §3.8) with the same rules
// as the older versions: filters become id-or-filter params, tag strings become lists, cloudName joins
// identityRef, and the status' referenced/dependent resources become resolved/resources.
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha8 from "../v1alpha8/index.ts";
import {
  bastionFromHub,
  bastionStatusCommon,
  bastionToHub,
  clusterCommon,
  clusterStatusCommon,
  externalRouterIPFromHub,
  externalRouterIPToHub,
  loadBalancerFromHub,
  loadBalancerStatusFromHub,
  loadBalancerToHub,
  securityGroupStatuses,
} from "./cluster.ts";
import {
  imageFromHub,
  imageToHub,
  networkFromHub,
  networkToHub,
  routerFromHub,
  routerToHub,
  securityGroupFromHub,
  securityGroupToHub,
  serverGroupFromHub,
  serverGroupToHub,
  subnetFromHub,
  subnetToHub,
  valueFilterToHub,
} from "./filters.ts";
import { spokeConversions } from "./kinds.ts";
import {
  blockDeviceFromHub,
  blockDeviceToHub,
  clusterIdentityToHub,
  identityFromHub,
  machineCommonFromHub,
  machineCommonToHub,
  machineIdentityToHub,
  portFromHub,
  portToHub,
  resolvedPortFromHub,
  resolvedPortToHub,
} from "./machine.ts";
import { each, maybe, nonEmpty, nonZero, trueOnly, unlessEmpty } from "./shared.ts";

export const machineSpecToHub = (s: v1alpha8.OpenStackMachineSpec): hub.OpenStackMachineSpec => ({
  ...machineCommonToHub(s),
  image: imageToHub(s.image),
  ports: each(s.ports, portToHub),
  securityGroups: each(s.securityGroups, securityGroupToHub),
  serverMetadata: s.serverMetadata,
  additionalBlockDevices: each(s.additionalBlockDevices, blockDeviceToHub),
  serverGroup: serverGroupToHub(s.serverGroup),
  identityRef: machineIdentityToHub(s.cloudName, s.identityRef),
});

export const machineSpecFromHub = (s: hub.OpenStackMachineSpec): v1alpha8.OpenStackMachineSpec => ({
  ...machineCommonFromHub(s),
  image: imageFromHub(s.image),
  ports: each(s.ports, portFromHub),
  securityGroups: each(s.securityGroups, securityGroupFromHub),
  serverMetadata: s.serverMetadata,
  additionalBlockDevices: each(s.additionalBlockDevices, blockDeviceFromHub),
  serverGroup: maybe(s.serverGroup, serverGroupFromHub),
  ...identityFromHub(s.identityRef, undefined),
});

const resolvedToHub = (r: v1alpha8.ReferencedMachineResources): hub.ResolvedMachineSpec => ({
  serverGroupID: r.serverGroupID,
  imageID: r.imageID,
  ports: each(r.portsOpts, resolvedPortToHub),
});

const resolvedFromHub = (r: hub.ResolvedMachineSpec): v1alpha8.ReferencedMachineResources => ({
  serverGroupID: r.serverGroupID,
  imageID: r.imageID,
  portsOpts: each(r.ports, resolvedPortFromHub),
});

const resources = {
  toHub: (d: v1alpha8.DependentMachineResources): hub.MachineResources => ({ ports: d.portsStatus }),
  fromHub: (r: hub.MachineResources): v1alpha8.DependentMachineResources => ({ portsStatus: r.ports }),
};

const machineStatusToHub = (s: v1alpha8.OpenStackMachineStatus): hub.OpenStackMachineStatus => ({
  ready: s.ready,
  addresses: s.addresses,
  instanceState: s.instanceState,
  resolved: maybe(s.referencedResources, resolvedToHub),
  resources: maybe(s.dependentResources, resources.toHub),
  failureReason: s.failureReason,
  failureMessage: s.failureMessage,
  conditions: s.conditions,
});

const machineStatusFromHub = (s: hub.OpenStackMachineStatus): v1alpha8.OpenStackMachineStatus => ({
  ready: s.ready,
  addresses: s.addresses,
  instanceState: s.instanceState,
  referencedResources: maybe(s.resolved, resolvedFromHub),
  dependentResources: maybe(s.resources, resources.fromHub),
  failureReason: s.failureReason,
  failureMessage: s.failureMessage,
  conditions: s.conditions,
});

const clusterSpecToHub = (s: v1alpha8.OpenStackClusterSpec): hub.OpenStackClusterSpec => ({
  ...clusterCommon(s),
  managedSubnets: s.managedSubnets,
  router: maybe(s.router, routerToHub),
  network: valueFilterToHub(s.network, networkToHub),
  subnets: each(s.subnets, subnetToHub),
  networkMTU: nonZero(s.networkMtu),
  externalRouterIPs: each(s.externalRouterIPs, externalRouterIPToHub),
  externalNetwork: valueFilterToHub(s.externalNetwork, networkToHub),
  disableExternalNetwork: trueOnly(s.disableExternalNetwork),
  apiServerLoadBalancer: loadBalancerToHub(s.apiServerLoadBalancer),
  managedSecurityGroups: s.managedSecurityGroups,
  bastion: maybe(s.bastion, (b) => bastionToHub(b, machineSpecToHub, b.floatingIP)),
  identityRef: clusterIdentityToHub(s.cloudName, s.identityRef),
});

const clusterSpecFromHub = (s: hub.OpenStackClusterSpec): v1alpha8.OpenStackClusterSpec => ({
  ...clusterCommon(s),
  managedSubnets: s.managedSubnets,
  router: maybe(s.router, routerFromHub),
  network: maybe(s.network, (network) => unlessEmpty(networkFromHub(network))),
  subnets: each(s.subnets, subnetFromHub),
  networkMtu: nonZero(s.networkMTU),
  externalRouterIPs: each(s.externalRouterIPs, externalRouterIPFromHub),
  externalNetwork: maybe(s.externalNetwork, (network) => unlessEmpty(networkFromHub(network))),
  disableExternalNetwork: trueOnly(s.disableExternalNetwork),
  apiServerLoadBalancer: maybe(s.apiServerLoadBalancer, loadBalancerFromHub),
  managedSecurityGroups: s.managedSecurityGroups,
  bastion: maybe(s.bastion, (b) => ({
    ...bastionFromHub(b, machineSpecFromHub),
    floatingIP: nonEmpty(b.floatingIP),
  })),
  ...identityFromHub(s.identityRef, undefined),
});

const bastionStatusToHub = (b: v1alpha8.BastionStatus): hub.BastionStatus => ({
  ...bastionStatusCommon(b),
  resolved: maybe(b.referencedResources, resolvedToHub),
  resources: maybe(b.dependentResources, resources.toHub),
});

const bastionStatusFromHub = (b: hub.BastionStatus): v1alpha8.BastionStatus => ({
  ...bastionStatusCommon(b),
  referencedResources: maybe(b.resolved, resolvedFromHub),
  dependentResources: maybe(b.resources, resources.fromHub),
});

const clusterStatusToHub = (s: v1alpha8.OpenStackClusterStatus): hub.OpenStackClusterStatus => ({
  ...clusterStatusCommon(s),
  ...securityGroupStatuses(s),
  apiServerLoadBalancer: s.apiServerLoadBalancer,
  bastion: maybe(s.bastion, bastionStatusToHub),
});

const clusterStatusFromHub = (s: hub.OpenStackClusterStatus): v1alpha8.OpenStackClusterStatus => ({
  ...clusterStatusCommon(s),
  ...securityGroupStatuses(s),
  apiServerLoadBalancer: maybe(s.apiServerLoadBalancer, loadBalancerStatusFromHub),
  bastion: maybe(s.bastion, bastionStatusFromHub),
});

export const conversions = spokeConversions({
  clusterSpec: { toHub: clusterSpecToHub, fromHub: clusterSpecFromHub },
  clusterStatus: { toHub: clusterStatusToHub, fromHub: clusterStatusFromHub },
  machineSpec: { toHub: machineSpecToHub, fromHub: machineSpecFromHub },
  machineStatus: { toHub: machineStatusToHub, fromHub: machineStatusFromHub },
});
