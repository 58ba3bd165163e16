// What v1alpha5, v1alpha6 and v1alpha7 share and v1alpha8 changed (api-versions.md §2.4): images by name or
// UUID, server groups by ID, a metadata map, identityRef with a kind, and a cluster whose subnet, external
// network, managed subnet and managed security groups are single values or flags.
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha6 from "../v1alpha6/index.ts";
import type * as v1alpha7 from "../v1alpha7/index.ts";
import {
  bastionFromHubWithInstanceIP,
  bastionToHub,
  clusterCommon,
  loadBalancerFromHub,
  loadBalancerToHub,
  managedSecurityGroupsFromHub,
  managedSecurityGroupsToHub,
  managedSubnetsFromHub,
  managedSubnetsToHub,
  subnetsFromHub,
  subnetsToHub,
} from "./cluster.ts";
import {
  imageNameFromHub,
  imageNameToHub,
  networkFromHub,
  networkToHub,
  valueFilterToHub,
} from "./filters.ts";
import {
  clusterIdentityToHub,
  identityFromHub,
  machineIdentityToHub,
  serverMetadataFromHub,
  serverMetadataToHub,
} from "./machine.ts";
import { maybe, nonEmpty, unlessEmpty } from "./shared.ts";

/** The identityRef kind every CAPO release used. */
const identityKind = "Secret";

type MachineFields = Pick<
  v1alpha7.OpenStackMachineSpec,
  "image" | "imageUUID" | "serverMetadata" | "serverGroupID" | "cloudName" | "identityRef"
>;

export const legacyMachineToHub = (s: MachineFields) => ({
  image: imageNameToHub(s.image, s.imageUUID),
  serverMetadata: maybe(s.serverMetadata, serverMetadataToHub),
  // By ID only; v1beta1's filter by name has no older form.
  serverGroup: maybe(nonEmpty(s.serverGroupID), (id) => ({ id })),
  identityRef: machineIdentityToHub(s.cloudName, s.identityRef),
});

export const legacyMachineFromHub = (s: hub.OpenStackMachineSpec): MachineFields => ({
  ...imageNameFromHub(s.image),
  serverMetadata: maybe(s.serverMetadata, serverMetadataFromHub),
  serverGroupID: nonEmpty(s.serverGroup?.id),
  ...identityFromHub(s.identityRef, identityKind),
});

/** Machine status before v1alpha8: v1beta1's without instanceID, resolved and resources. */
const machineStatusFields = (s: v1alpha7.OpenStackMachineStatus): v1alpha7.OpenStackMachineStatus => ({
  ready: s.ready,
  addresses: s.addresses,
  instanceState: s.instanceState,
  failureReason: s.failureReason,
  failureMessage: s.failureMessage,
  conditions: s.conditions,
});
export const legacyMachineStatus = { toHub: machineStatusFields, fromHub: machineStatusFields };

/** The cluster spec fields v1alpha6 and v1alpha7 share (v1alpha5 is v1alpha6 without some of them). */
type ClusterFields = Omit<v1alpha6.OpenStackClusterSpec, "externalRouterIPs" | "bastion"> & {
  bastion?: { enabled?: boolean; availabilityZone?: string; instance?: { floatingIP?: string } };
};

export function legacyClusterToHub<Instance extends { floatingIP?: string }>(
  s: ClusterFields & { bastion?: { instance?: Instance } },
  instanceToHub: (instance: Instance) => hub.OpenStackMachineSpec,
): Omit<hub.OpenStackClusterSpec, "router" | "networkMTU" | "externalRouterIPs"> {
  return {
    ...clusterCommon(s),
    managedSubnets: managedSubnetsToHub(s.nodeCidr, s.dnsNameservers),
    network: valueFilterToHub(s.network, networkToHub),
    subnets: subnetsToHub(s.subnet),
    // By ID only; v1beta1's filter has no older form.
    externalNetwork: maybe(nonEmpty(s.externalNetworkId), (id) => ({ id })),
    apiServerLoadBalancer: loadBalancerToHub(s.apiServerLoadBalancer),
    managedSecurityGroups: managedSecurityGroupsToHub(s.managedSecurityGroups, s.allowAllInClusterTraffic),
    bastion: maybe(s.bastion, (b) => bastionToHub(b, instanceToHub, b.instance?.floatingIP)),
    identityRef: clusterIdentityToHub(s.cloudName, s.identityRef),
  };
}

export function legacyClusterFromHub<Instance extends { floatingIP?: string }>(
  s: hub.OpenStackClusterSpec,
  instanceFromHub: (spec: hub.OpenStackMachineSpec) => Instance,
) {
  return {
    ...clusterCommon(s),
    ...managedSubnetsFromHub(s.managedSubnets),
    network: maybe(s.network, (network) => unlessEmpty(networkFromHub(network))),
    subnet: subnetsFromHub(s.subnets),
    externalNetworkId: nonEmpty(s.externalNetwork?.id),
    apiServerLoadBalancer: maybe(s.apiServerLoadBalancer, loadBalancerFromHub),
    ...managedSecurityGroupsFromHub(s.managedSecurityGroups),
    bastion: maybe(s.bastion, (b) => bastionFromHubWithInstanceIP(b, instanceFromHub)),
    ...identityFromHub(s.identityRef, identityKind),
  };
}
