// v1alpha5 ↔ v1beta1. v1alpha5 is v1alpha6 without four fields (api-versions.md §2.2): the load balancer
// provider, controlPlaneOmitAvailabilityZone, port valueSpecs and load balancer status tags. So a v1alpha5
// object converts up exactly as v1alpha6, and down as v1alpha6 with those fields left out.
//
// Upstream CAPO converted v1alpha5 lossily (no cluster network, control plane endpoint, bastion instance,
// machine networks/ports details, api-versions.md §3.6); sharing v1alpha6's rules converts all of them,
// and the conversion-data annotation makes round trips lossless like every other version.
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha5 from "../v1alpha5/index.ts";
import type * as v1alpha6 from "../v1alpha6/index.ts";
import { spokeConversions } from "./kinds.ts";
import { each, maybe, unlessEmpty } from "./shared.ts";
import { legacyMachineStatus } from "./legacy.ts";
import {
  clusterSpecFromHub as clusterSpecFromHub6,
  clusterSpecToHub,
  clusterStatusFromHub as clusterStatusFromHub6,
  clusterStatusToHub,
  machineSpecFromHub as machineSpecFromHub6,
  machineSpecToHub,
} from "./v1alpha6.ts";

const portFrom6 = ({ valueSpecs: _, ...port }: v1alpha6.PortOpts): v1alpha5.PortOpts => port;

const machineSpecFrom6 = (spec: v1alpha6.OpenStackMachineSpec): v1alpha5.OpenStackMachineSpec => ({
  ...spec,
  ports: each(spec.ports, portFrom6),
});

const machineSpecFromHub = (s: hub.OpenStackMachineSpec): v1alpha5.OpenStackMachineSpec =>
  machineSpecFrom6(machineSpecFromHub6(s));

function clusterSpecFromHub(s: hub.OpenStackClusterSpec): v1alpha5.OpenStackClusterSpec {
  const { controlPlaneOmitAvailabilityZone: _, ...spec } = clusterSpecFromHub6(s);
  return {
    ...spec,
    apiServerLoadBalancer: maybe(spec.apiServerLoadBalancer, ({ provider: _p, ...lb }) => unlessEmpty(lb)),
    bastion: maybe(spec.bastion, (b) => ({ ...b, instance: maybe(b.instance, machineSpecFrom6) })),
  };
}

const loadBalancerFrom6 = ({ tags: _, ...lb }: v1alpha6.LoadBalancer): v1alpha5.LoadBalancer => lb;

function networkFrom6(network: v1alpha6.Network): v1alpha5.Network {
  return {
    ...network,
    port: maybe(network.port, portFrom6),
    apiServerLoadBalancer: maybe(network.apiServerLoadBalancer, loadBalancerFrom6),
  };
}

function clusterStatusFromHub(s: hub.OpenStackClusterStatus): v1alpha5.OpenStackClusterStatus {
  const status = clusterStatusFromHub6(s);
  return { ...status, network: maybe(status.network, networkFrom6) };
}

export const conversions = spokeConversions({
  clusterSpec: { toHub: clusterSpecToHub, fromHub: clusterSpecFromHub },
  clusterStatus: { toHub: clusterStatusToHub, fromHub: clusterStatusFromHub },
  machineSpec: { toHub: machineSpecToHub, fromHub: machineSpecFromHub },
  machineStatus: legacyMachineStatus,
});
