// v1alpha8 spec and status types: the never-released state of CAPO main just before it was renamed to
// v1beta1 (commit 1b0f1eac), written as the delta from v1alpha7. Managed subnets, multiple subnets,
// external network filter, structured managed security groups, image/server-group filters and list
// server metadata are new; the cluster status gained security group rule status and bastion resources.
import { Type, type Static } from "typebox";
import { listMap, listSet, object, omit, stringEnum } from "../common/schema.ts";
import * as v1alpha7 from "../v1alpha7/types.ts";

export {
  AddressPairSchema,
  AdditionalBlockDeviceSchema,
  APIServerLoadBalancerSchema,
  BindingProfileSchema,
  BlockDeviceStorageSchema,
  BlockDeviceVolumeSchema,
  ExternalRouterIPParamSchema,
  FixedIPSchema,
  LoadBalancerSchema,
  NetworkFilterSchema,
  NetworkStatusSchema,
  NetworkStatusWithSubnetsSchema,
  PortOptsSchema,
  RootVolumeSchema,
  RouterFilterSchema,
  RouterSchema,
  SecurityGroupFilterSchema,
  SubnetFilterSchema,
  SubnetSchema,
  ValueSpecSchema,
} from "../v1alpha7/types.ts";
export type {
  AddressPair,
  AdditionalBlockDevice,
  APIServerLoadBalancer,
  BindingProfile,
  BlockDeviceStorage,
  BlockDeviceVolume,
  ExternalRouterIPParam,
  FixedIP,
  LoadBalancer,
  NetworkFilter,
  NetworkStatus,
  NetworkStatusWithSubnets,
  PortOpts,
  RootVolume,
  Router,
  RouterFilter,
  SecurityGroupFilter,
  Subnet,
  SubnetFilter,
  ValueSpec,
} from "../v1alpha7/types.ts";

const str = () => Type.Optional(Type.String());
const int = () => Type.Optional(Type.Integer());

export const OpenStackIdentityReferenceSchema = object({ name: Type.String() });
export type OpenStackIdentityReference = Static<typeof OpenStackIdentityReferenceSchema>;

export const ImageFilterSchema = object({
  id: str(),
  name: str(),
  tags: Type.Optional(Type.Array(Type.String())),
});
export type ImageFilter = Static<typeof ImageFilterSchema>;

export const ServerGroupFilterSchema = object({ id: str(), name: str() });
export type ServerGroupFilter = Static<typeof ServerGroupFilterSchema>;

export const ServerMetadataSchema = object({ key: Type.String(), value: Type.String() });
export type ServerMetadata = Static<typeof ServerMetadataSchema>;

export const OpenStackMachineSpecSchema = object({
  ...omit(v1alpha7.OpenStackMachineSpecSchema.properties, "imageUUID", "floatingIP", "serverGroupID"),
  image: Type.Optional(ImageFilterSchema),
  serverMetadata: Type.Optional(listMap(ServerMetadataSchema, ["key"])),
  serverGroup: Type.Optional(ServerGroupFilterSchema),
  identityRef: Type.Optional(OpenStackIdentityReferenceSchema),
});
export type OpenStackMachineSpec = Static<typeof OpenStackMachineSpecSchema>;

export const AllocationPoolSchema = object({ start: Type.String(), end: Type.String() });
export type AllocationPool = Static<typeof AllocationPoolSchema>;

export const SubnetSpecSchema = object({
  cidr: Type.String(),
  dnsNameservers: Type.Optional(Type.Array(Type.String())),
  allocationPools: Type.Optional(Type.Array(AllocationPoolSchema)),
});
export type SubnetSpec = Static<typeof SubnetSpecSchema>;

export const ManagedSecurityGroupNameSchema = stringEnum(["bastion", "controlplane", "worker"]);
export type ManagedSecurityGroupName = Static<typeof ManagedSecurityGroupNameSchema>;

/** Rule fields both requested (SecurityGroupRuleSpec) and observed (SecurityGroupRuleStatus). */
const securityGroupRuleFields = {
  description: str(),
  direction: Type.String(),
  etherType: str(),
  portRangeMin: int(),
  portRangeMax: int(),
  protocol: str(),
  remoteGroupID: str(),
  remoteIPPrefix: str(),
};

export const SecurityGroupRuleSpecSchema = object({
  name: Type.String(),
  ...securityGroupRuleFields,
  remoteManagedGroups: Type.Optional(Type.Array(ManagedSecurityGroupNameSchema)),
});
export type SecurityGroupRuleSpec = Static<typeof SecurityGroupRuleSpecSchema>;

export const ManagedSecurityGroupsSchema = object({
  allNodesSecurityGroupRules: Type.Optional(listMap(SecurityGroupRuleSpecSchema, ["name"])),
  allowAllInClusterTraffic: Type.Boolean({ default: false }),
});
export type ManagedSecurityGroups = Static<typeof ManagedSecurityGroupsSchema>;

export const BastionSchema = object({
  ...v1alpha7.BastionSchema.properties,
  instance: Type.Optional(OpenStackMachineSpecSchema),
  floatingIP: str(),
});
export type Bastion = Static<typeof BastionSchema>;

export const OpenStackClusterSpecSchema = object({
  ...omit(
    v1alpha7.OpenStackClusterSpecSchema.properties,
    "nodeCidr",
    "subnet",
    "dnsNameservers",
    "externalNetworkId",
    "allowAllInClusterTraffic",
  ),
  managedSubnets: Type.Optional(Type.Array(SubnetSpecSchema, { maxItems: 1 })),
  subnets: Type.Optional(Type.Array(v1alpha7.SubnetFilterSchema, { maxItems: 2 })),
  externalNetwork: Type.Optional(v1alpha7.NetworkFilterSchema),
  disableExternalNetwork: Type.Optional(Type.Boolean()),
  managedSecurityGroups: Type.Optional(ManagedSecurityGroupsSchema),
  tags: Type.Optional(listSet(Type.String())),
  bastion: Type.Optional(BastionSchema),
  identityRef: Type.Optional(OpenStackIdentityReferenceSchema),
});
export type OpenStackClusterSpec = Static<typeof OpenStackClusterSpecSchema>;

export const SecurityGroupRuleStatusSchema = object({ id: Type.String(), ...securityGroupRuleFields });
export type SecurityGroupRuleStatus = Static<typeof SecurityGroupRuleStatusSchema>;

export const SecurityGroupStatusSchema = object({
  name: Type.String(),
  id: Type.String(),
  rules: Type.Optional(Type.Array(SecurityGroupRuleStatusSchema)),
});
export type SecurityGroupStatus = Static<typeof SecurityGroupStatusSchema>;

export const ReferencedMachineResourcesSchema = object({
  serverGroupID: str(),
  imageID: str(),
  portsOpts: Type.Optional(Type.Array(v1alpha7.PortOptsSchema)),
});
export type ReferencedMachineResources = Static<typeof ReferencedMachineResourcesSchema>;

export const PortStatusSchema = object({ id: Type.String() });
export type PortStatus = Static<typeof PortStatusSchema>;

export const DependentMachineResourcesSchema = object({
  portsStatus: Type.Optional(Type.Array(PortStatusSchema)),
});
export type DependentMachineResources = Static<typeof DependentMachineResourcesSchema>;

const machineResources = {
  referencedResources: Type.Optional(ReferencedMachineResourcesSchema),
  dependentResources: Type.Optional(DependentMachineResourcesSchema),
};

export const BastionStatusSchema = object({
  ...v1alpha7.BastionStatusSchema.properties,
  ...machineResources,
});
export type BastionStatus = Static<typeof BastionStatusSchema>;

export const OpenStackClusterStatusSchema = object({
  ...v1alpha7.OpenStackClusterStatusSchema.properties,
  ready: Type.Boolean({ default: false }),
  controlPlaneSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
  workerSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
  bastionSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
  bastion: Type.Optional(BastionStatusSchema),
});
export type OpenStackClusterStatus = Static<typeof OpenStackClusterStatusSchema>;

export const OpenStackMachineStatusSchema = object({
  ...v1alpha7.OpenStackMachineStatusSchema.properties,
  ...machineResources,
});
export type OpenStackMachineStatus = Static<typeof OpenStackMachineStatusSchema>;
