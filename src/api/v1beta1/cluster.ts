// v1beta1 OpenStackCluster spec and status.
import { Type, type Static } from "typebox";
import { APIEndpointSchema, FailureDomainsSchema } from "../common/capi.ts";
import { cel, listAtomic, listMap, listSet, object, stringEnum } from "../common/schema.ts";
import { NetworkParamSchema, RouterParamSchema, SubnetParamSchema } from "./filters.ts";
import {
  MachineResourcesSchema,
  OpenStackIdentityReferenceSchema,
  OpenStackMachineSpecSchema,
  ResolvedMachineSpecSchema,
} from "./machine.ts";

export const AllocationPoolSchema = object({ start: Type.String(), end: Type.String() });
export type AllocationPool = Static<typeof AllocationPoolSchema>;

export const SubnetSpecSchema = object({
  cidr: Type.String({ description: "CIDR is representing the IP address range used to create the subnet." }),
  dnsNameservers: Type.Optional(Type.Array(Type.String())),
  allocationPools: Type.Optional(Type.Array(AllocationPoolSchema)),
});
export type SubnetSpec = Static<typeof SubnetSpecSchema>;

export const ExternalRouterIPParamSchema = object({
  fixedIP: Type.Optional(Type.String()),
  subnet: SubnetParamSchema,
});
export type ExternalRouterIPParam = Static<typeof ExternalRouterIPParamSchema>;

export const APIServerLoadBalancerSchema = object({
  enabled: Type.Boolean({ default: true }),
  additionalPorts: Type.Optional(listSet(Type.Integer())),
  allowedCIDRs: Type.Optional(listSet(Type.String())),
  provider: Type.Optional(Type.String()),
  network: Type.Optional(NetworkParamSchema),
  subnets: Type.Optional(listAtomic(SubnetParamSchema)),
  availabilityZone: Type.Optional(Type.String()),
});
export type APIServerLoadBalancer = Static<typeof APIServerLoadBalancerSchema>;

export const ManagedSecurityGroupNameSchema = stringEnum(["bastion", "controlplane", "worker"]);
export type ManagedSecurityGroupName = Static<typeof ManagedSecurityGroupNameSchema>;

export const SecurityGroupRuleSpecSchema = object({
  name: Type.String({
    description: "name of the security group rule; an identifier only, not sent to Neutron.",
  }),
  description: Type.Optional(Type.String()),
  direction: Type.String({
    description: "direction in which the security group rule is applied: ingress or egress.",
  }),
  etherType: Type.Optional(Type.String({ description: "etherType: IPv4 or IPv6." })),
  portRangeMin: Type.Optional(Type.Integer()),
  portRangeMax: Type.Optional(Type.Integer()),
  protocol: Type.Optional(Type.String()),
  remoteGroupID: Type.Optional(Type.String()),
  remoteIPPrefix: Type.Optional(Type.String()),
  remoteManagedGroups: Type.Optional(Type.Array(ManagedSecurityGroupNameSchema)),
});
export type SecurityGroupRuleSpec = Static<typeof SecurityGroupRuleSpecSchema>;

export const ManagedSecurityGroupsSchema = object({
  allNodesSecurityGroupRules: Type.Optional(listMap(SecurityGroupRuleSpecSchema, ["name"])),
  allowAllInClusterTraffic: Type.Boolean({ default: false }),
});
export type ManagedSecurityGroups = Static<typeof ManagedSecurityGroupsSchema>;

export const BastionSchema = object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true })),
    spec: Type.Optional(OpenStackMachineSpecSchema),
    availabilityZone: Type.Optional(Type.String()),
    floatingIP: Type.Optional(Type.String({ format: "ipv4" })),
  },
  {
    "x-kubernetes-validations": [
      cel("!self.enabled || has(self.spec)", "spec is required if bastion is enabled"),
    ],
  },
);
export type Bastion = Static<typeof BastionSchema>;

export const OpenStackClusterSpecSchema = object(
  {
    managedSubnets: Type.Optional(listAtomic(SubnetSpecSchema, { maxItems: 1 })),
    router: Type.Optional(RouterParamSchema),
    network: Type.Optional(NetworkParamSchema),
    subnets: Type.Optional(listAtomic(SubnetParamSchema, { maxItems: 2 })),
    networkMTU: Type.Optional(Type.Integer()),
    externalRouterIPs: Type.Optional(listAtomic(ExternalRouterIPParamSchema)),
    externalNetwork: Type.Optional(NetworkParamSchema),
    disableExternalNetwork: Type.Optional(Type.Boolean()),
    apiServerLoadBalancer: Type.Optional(APIServerLoadBalancerSchema),
    disableAPIServerFloatingIP: Type.Optional(Type.Boolean()),
    apiServerFloatingIP: Type.Optional(Type.String()),
    apiServerFixedIP: Type.Optional(Type.String()),
    apiServerPort: Type.Optional(Type.Integer()),
    managedSecurityGroups: Type.Optional(ManagedSecurityGroupsSchema),
    disablePortSecurity: Type.Optional(Type.Boolean()),
    tags: Type.Optional(listSet(Type.String())),
    controlPlaneEndpoint: Type.Optional(APIEndpointSchema),
    controlPlaneAvailabilityZones: Type.Optional(listSet(Type.String())),
    controlPlaneOmitAvailabilityZone: Type.Optional(Type.Boolean()),
    bastion: Type.Optional(BastionSchema),
    identityRef: OpenStackIdentityReferenceSchema,
  },
  {
    description: "OpenStackClusterSpec defines the desired state of OpenStackCluster.",
    "x-kubernetes-validations": [
      cel(
        "has(self.disableExternalNetwork) && self.disableExternalNetwork ? !has(self.bastion) || !has(self.bastion.floatingIP) : true",
        "bastion floating IP cannot be set when disableExternalNetwork is true",
      ),
      cel(
        "has(self.disableExternalNetwork) && self.disableExternalNetwork ? has(self.disableAPIServerFloatingIP) && self.disableAPIServerFloatingIP : true",
        "disableAPIServerFloatingIP cannot be false when disableExternalNetwork is true",
      ),
    ],
  },
);
export type OpenStackClusterSpec = Static<typeof OpenStackClusterSpecSchema>;

export const NetworkStatusSchema = object({
  name: Type.String(),
  id: Type.String(),
  tags: Type.Optional(Type.Array(Type.String())),
});
export type NetworkStatus = Static<typeof NetworkStatusSchema>;

export const SubnetSchema = object({
  name: Type.String(),
  id: Type.String(),
  cidr: Type.String(),
  tags: Type.Optional(Type.Array(Type.String())),
});
export type Subnet = Static<typeof SubnetSchema>;

export const NetworkStatusWithSubnetsSchema = object({
  ...NetworkStatusSchema.properties,
  subnets: Type.Optional(Type.Array(SubnetSchema)),
});
export type NetworkStatusWithSubnets = Static<typeof NetworkStatusWithSubnetsSchema>;

export const RouterSchema = object({
  name: Type.String(),
  id: Type.String(),
  tags: Type.Optional(Type.Array(Type.String())),
  ips: Type.Optional(Type.Array(Type.String())),
});
export type Router = Static<typeof RouterSchema>;

export const LoadBalancerSchema = object({
  name: Type.String(),
  id: Type.String(),
  ip: Type.String(),
  internalIP: Type.String(),
  allowedCIDRs: Type.Optional(Type.Array(Type.String())),
  tags: Type.Optional(Type.Array(Type.String())),
  loadBalancerNetwork: Type.Optional(NetworkStatusWithSubnetsSchema),
});
export type LoadBalancer = Static<typeof LoadBalancerSchema>;

export const SecurityGroupStatusSchema = object({ name: Type.String(), id: Type.String() });
export type SecurityGroupStatus = Static<typeof SecurityGroupStatusSchema>;

export const BastionStatusSchema = object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  sshKeyName: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  ip: Type.Optional(Type.String()),
  floatingIP: Type.Optional(Type.String()),
  resolved: Type.Optional(ResolvedMachineSpecSchema),
  resources: Type.Optional(MachineResourcesSchema),
});
export type BastionStatus = Static<typeof BastionStatusSchema>;

export const OpenStackClusterStatusSchema = object(
  {
    ready: Type.Boolean({ default: false }),
    network: Type.Optional(NetworkStatusWithSubnetsSchema),
    externalNetwork: Type.Optional(NetworkStatusSchema),
    router: Type.Optional(RouterSchema),
    apiServerLoadBalancer: Type.Optional(LoadBalancerSchema),
    failureDomains: Type.Optional(FailureDomainsSchema),
    controlPlaneSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
    workerSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
    bastionSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
    bastion: Type.Optional(BastionStatusSchema),
    failureReason: Type.Optional(Type.String()),
    failureMessage: Type.Optional(Type.String()),
  },
  { description: "OpenStackClusterStatus defines the observed state of OpenStackCluster." },
);
export type OpenStackClusterStatus = Static<typeof OpenStackClusterStatusSchema>;
