// v1alpha7 ↔ v1beta1 (api-versions.md §3.4): besides v1alpha8's changes, images and server groups are
// plain strings, server metadata is a map, managed security groups and subnets are flags and CIDRs, and the
// bastion's floating IP sits in its instance.
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha7 from "../v1alpha7/index.ts";
import {
  bastionFromHubWithInstanceIP,
  bastionStatusCommon,
  bastionToHub,
  clusterCommonFromHub,
  clusterCommonToHub,
  clusterStatusCommon,
  loadBalancerFromHub,
  loadBalancerStatusFromHub,
  loadBalancerToHub,
  managedSecurityGroupsFromHub,
  managedSecurityGroupsToHub,
  managedSubnetsFromHub,
  managedSubnetsToHub,
  securityGroupStatusFromHub,
  securityGroupStatusToHub,
  externalRouterIPFromHub,
  externalRouterIPToHub,
  subnetsFromHub,
  subnetsToHub,
} from "./cluster.ts";
import {
  imageNameFromHub,
  imageNameToHub,
  networkFromHub,
  networkToHub,
  routerFromHub,
  routerToHub,
  securityGroupFromHub,
  securityGroupToHub,
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
  serverMetadataFromHub,
  serverMetadataToHub,
} from "./machine.ts";
import { each, maybe, nonEmpty, nonZero, unlessEmpty } from "./shared.ts";

/** The identityRef kind every CAPO release used. */
export const identityKind = "Secret";

/** Server group by ID only; v1beta1's filter by name has no v1alpha7 form. */
export const serverGroupIDToHub = (id: string | undefined): hub.ServerGroupParam | undefined =>
  maybe(nonEmpty(id), (groupID) => ({ id: groupID }));

export const machineSpecToHub = (s: v1alpha7.OpenStackMachineSpec): hub.OpenStackMachineSpec => ({
  ...machineCommonToHub(s),
  image: imageNameToHub(s.image, s.imageUUID),
  ports: each(s.ports, portToHub),
  securityGroups: each(s.securityGroups, securityGroupToHub),
  serverMetadata: maybe(s.serverMetadata, serverMetadataToHub),
  additionalBlockDevices: each(s.additionalBlockDevices, blockDeviceToHub),
  serverGroup: serverGroupIDToHub(s.serverGroupID),
  identityRef: machineIdentityToHub(s.cloudName, s.identityRef),
});

export const machineSpecFromHub = (s: hub.OpenStackMachineSpec): v1alpha7.OpenStackMachineSpec => ({
  ...machineCommonFromHub(s),
  ...imageNameFromHub(s.image),
  ports: each(s.ports, portFromHub),
  securityGroups: each(s.securityGroups, securityGroupFromHub),
  serverMetadata: maybe(s.serverMetadata, serverMetadataFromHub),
  additionalBlockDevices: each(s.additionalBlockDevices, blockDeviceFromHub),
  serverGroupID: nonEmpty(s.serverGroup?.id),
  ...identityFromHub(s.identityRef, identityKind),
});

/** v1alpha5..v1alpha7 machine status: v1beta1's without instanceID, resolved and resources. */
const machineStatusFields = (s: v1alpha7.OpenStackMachineStatus): v1alpha7.OpenStackMachineStatus => ({
  ready: s.ready,
  addresses: s.addresses,
  instanceState: s.instanceState,
  failureReason: s.failureReason,
  failureMessage: s.failureMessage,
  conditions: s.conditions,
});
export const machineStatus = { toHub: machineStatusFields, fromHub: machineStatusFields };

/** Only an ID; v1beta1's filter has no v1alpha5..v1alpha7 form. */
export const externalNetworkIDToHub = (id: string | undefined): hub.NetworkParam | undefined =>
  maybe(nonEmpty(id), (networkID) => ({ id: networkID }));

const clusterSpecToHub = (s: v1alpha7.OpenStackClusterSpec): hub.OpenStackClusterSpec => ({
  ...clusterCommonToHub(s),
  managedSubnets: managedSubnetsToHub(s.nodeCidr, s.dnsNameservers),
  router: maybe(s.router, routerToHub),
  network: valueFilterToHub(s.network, networkToHub),
  subnets: subnetsToHub(s.subnet),
  networkMTU: nonZero(s.networkMtu),
  externalRouterIPs: each(s.externalRouterIPs, externalRouterIPToHub),
  externalNetwork: externalNetworkIDToHub(s.externalNetworkId),
  apiServerLoadBalancer: loadBalancerToHub(s.apiServerLoadBalancer),
  managedSecurityGroups: managedSecurityGroupsToHub(s.managedSecurityGroups, s.allowAllInClusterTraffic),
  bastion: maybe(s.bastion, (b) => bastionToHub(b, machineSpecToHub, b.instance?.floatingIP)),
  identityRef: clusterIdentityToHub(s.cloudName, s.identityRef),
});

const clusterSpecFromHub = (s: hub.OpenStackClusterSpec): v1alpha7.OpenStackClusterSpec => ({
  ...clusterCommonFromHub(s),
  ...managedSubnetsFromHub(s.managedSubnets),
  router: maybe(s.router, routerFromHub),
  network: maybe(s.network, (network) => unlessEmpty(networkFromHub(network))),
  subnet: subnetsFromHub(s.subnets),
  networkMtu: nonZero(s.networkMTU),
  externalRouterIPs: each(s.externalRouterIPs, externalRouterIPFromHub),
  externalNetworkId: nonEmpty(s.externalNetwork?.id),
  apiServerLoadBalancer: maybe(s.apiServerLoadBalancer, loadBalancerFromHub),
  ...managedSecurityGroupsFromHub(s.managedSecurityGroups),
  bastion: maybe(s.bastion, (b) => bastionFromHubWithInstanceIP(b, machineSpecFromHub)),
  ...identityFromHub(s.identityRef, identityKind),
});

const clusterStatusToHub = (s: v1alpha7.OpenStackClusterStatus): hub.OpenStackClusterStatus => ({
  ...clusterStatusCommon(s),
  apiServerLoadBalancer: s.apiServerLoadBalancer,
  controlPlaneSecurityGroup: maybe(s.controlPlaneSecurityGroup, securityGroupStatusToHub),
  workerSecurityGroup: maybe(s.workerSecurityGroup, securityGroupStatusToHub),
  bastionSecurityGroup: maybe(s.bastionSecurityGroup, securityGroupStatusToHub),
  bastion: maybe(s.bastion, bastionStatusCommon),
});

const clusterStatusFromHub = (s: hub.OpenStackClusterStatus): v1alpha7.OpenStackClusterStatus => ({
  ...clusterStatusCommon(s),
  apiServerLoadBalancer: maybe(s.apiServerLoadBalancer, loadBalancerStatusFromHub),
  controlPlaneSecurityGroup: maybe(s.controlPlaneSecurityGroup, securityGroupStatusFromHub),
  workerSecurityGroup: maybe(s.workerSecurityGroup, securityGroupStatusFromHub),
  bastionSecurityGroup: maybe(s.bastionSecurityGroup, securityGroupStatusFromHub),
  bastion: maybe(s.bastion, bastionStatusCommon),
});

export const conversions = spokeConversions({
  clusterSpec: { toHub: clusterSpecToHub, fromHub: clusterSpecFromHub },
  clusterStatus: { toHub: clusterStatusToHub, fromHub: clusterStatusFromHub },
  machineSpec: { toHub: machineSpecToHub, fromHub: machineSpecFromHub },
  machineStatus,
});
