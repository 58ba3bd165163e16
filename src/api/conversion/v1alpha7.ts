// v1alpha7 ↔ v1beta1 (api-versions.md §3.4): the pre-v1alpha8 fields (legacy.ts) plus v1alpha7's router,
// MTU, flat security group and external router subnet filters, typed port profile and block devices.
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha7 from "../v1alpha7/index.ts";
import {
  bastionStatusCommon,
  clusterStatusCommon,
  externalRouterIPFromHub,
  externalRouterIPToHub,
  loadBalancerStatusFromHub,
  securityGroupStatuses,
} from "./cluster.ts";
import { routerFromHub, routerToHub, securityGroupFromHub, securityGroupToHub } from "./filters.ts";
import { spokeConversions } from "./kinds.ts";
import {
  legacyClusterFromHub,
  legacyClusterToHub,
  legacyMachineFromHub,
  legacyMachineStatus,
  legacyMachineToHub,
} from "./legacy.ts";
import {
  blockDeviceFromHub,
  blockDeviceToHub,
  machineCommonFromHub,
  machineCommonToHub,
  portFromHub,
  portToHub,
} from "./machine.ts";
import { each, maybe, nonZero } from "./shared.ts";

const machineSpecToHub = (s: v1alpha7.OpenStackMachineSpec): hub.OpenStackMachineSpec => ({
  ...machineCommonToHub(s),
  ...legacyMachineToHub(s),
  ports: each(s.ports, portToHub),
  securityGroups: each(s.securityGroups, securityGroupToHub),
  additionalBlockDevices: each(s.additionalBlockDevices, blockDeviceToHub),
});

const machineSpecFromHub = (s: hub.OpenStackMachineSpec): v1alpha7.OpenStackMachineSpec => ({
  ...machineCommonFromHub(s),
  ...legacyMachineFromHub(s),
  ports: each(s.ports, portFromHub),
  securityGroups: each(s.securityGroups, securityGroupFromHub),
  additionalBlockDevices: each(s.additionalBlockDevices, blockDeviceFromHub),
});

const clusterSpecToHub = (s: v1alpha7.OpenStackClusterSpec): hub.OpenStackClusterSpec => ({
  ...legacyClusterToHub(s, machineSpecToHub),
  router: maybe(s.router, routerToHub),
  networkMTU: nonZero(s.networkMtu),
  externalRouterIPs: each(s.externalRouterIPs, externalRouterIPToHub),
});

const clusterSpecFromHub = (s: hub.OpenStackClusterSpec): v1alpha7.OpenStackClusterSpec => ({
  ...legacyClusterFromHub(s, machineSpecFromHub),
  router: maybe(s.router, routerFromHub),
  networkMtu: nonZero(s.networkMTU),
  externalRouterIPs: each(s.externalRouterIPs, externalRouterIPFromHub),
});

const clusterStatusToHub = (s: v1alpha7.OpenStackClusterStatus): hub.OpenStackClusterStatus => ({
  ...clusterStatusCommon(s),
  ...securityGroupStatuses(s),
  apiServerLoadBalancer: s.apiServerLoadBalancer,
  bastion: maybe(s.bastion, bastionStatusCommon),
});

const clusterStatusFromHub = (s: hub.OpenStackClusterStatus): v1alpha7.OpenStackClusterStatus => ({
  ...clusterStatusCommon(s),
  ...securityGroupStatuses(s),
  apiServerLoadBalancer: maybe(s.apiServerLoadBalancer, loadBalancerStatusFromHub),
  bastion: maybe(s.bastion, bastionStatusCommon),
});

export const conversions = spokeConversions({
  clusterSpec: { toHub: clusterSpecToHub, fromHub: clusterSpecFromHub },
  clusterStatus: { toHub: clusterStatusToHub, fromHub: clusterStatusFromHub },
  machineSpec: { toHub: machineSpecToHub, fromHub: machineSpecFromHub },
  machineStatus: legacyMachineStatus,
});
