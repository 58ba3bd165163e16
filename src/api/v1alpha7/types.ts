// v1alpha7 spec and status types (CAPO v0.8/v0.9 storage version), written as the delta from v1alpha6:
// machine networks/subnet removed, security groups are flat filters, port binding profile is typed,
// additional block devices and cluster router/MTU are new, and the cluster status was reshaped.
import { Type, type Static } from "typebox";
import { listMap, object, omit } from "../common/schema.ts";
import * as v1alpha6 from "../v1alpha6/types.ts";

export {
  AddressPairSchema,
  FixedIPSchema,
  NetworkFilterSchema,
  OpenStackIdentityReferenceSchema,
  OpenStackMachineStatusSchema,
  RootVolumeSchema,
  RouterSchema,
  SecurityGroupRuleSchema,
  SecurityGroupSchema,
  SubnetFilterSchema,
  SubnetSchema,
  ValueSpecSchema,
  LoadBalancerSchema,
  APIServerLoadBalancerSchema,
} from "../v1alpha6/types.ts";
export type {
  AddressPair,
  FixedIP,
  NetworkFilter,
  OpenStackIdentityReference,
  OpenStackMachineStatus,
  RootVolume,
  Router,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  SubnetFilter,
  ValueSpec,
  LoadBalancer,
  APIServerLoadBalancer,
} from "../v1alpha6/types.ts";

const str = () => Type.Optional(Type.String());
const strings = () => Type.Optional(Type.Array(Type.String()));

/** Neutron tag filters and name/description/project, shared by the router and security group filters. */
const resourceFilterFields = {
  id: str(),
  name: str(),
  description: str(),
  projectId: str(),
  tags: str(),
  tagsAny: str(),
  notTags: str(),
  notTagsAny: str(),
};

export const SecurityGroupFilterSchema = object(resourceFilterFields);
export type SecurityGroupFilter = Static<typeof SecurityGroupFilterSchema>;

export const RouterFilterSchema = object(resourceFilterFields);
export type RouterFilter = Static<typeof RouterFilterSchema>;

export const BindingProfileSchema = object({
  ovsHWOffload: Type.Optional(Type.Boolean()),
  trustedVF: Type.Optional(Type.Boolean()),
});
export type BindingProfile = Static<typeof BindingProfileSchema>;

export const PortOptsSchema = object({
  ...omit(v1alpha6.PortOptsSchema.properties, "tenantId", "projectId", "securityGroups"),
  securityGroupFilters: Type.Optional(Type.Array(SecurityGroupFilterSchema)),
  profile: Type.Optional(BindingProfileSchema),
  propagateUplinkStatus: Type.Optional(Type.Boolean()),
});
export type PortOpts = Static<typeof PortOptsSchema>;

export const BlockDeviceVolumeSchema = object({ type: str(), availabilityZone: str() });
export type BlockDeviceVolume = Static<typeof BlockDeviceVolumeSchema>;

export const BlockDeviceStorageSchema = object({
  type: Type.String(),
  volume: Type.Optional(BlockDeviceVolumeSchema),
});
export type BlockDeviceStorage = Static<typeof BlockDeviceStorageSchema>;

export const AdditionalBlockDeviceSchema = object({
  name: Type.String(),
  sizeGiB: Type.Integer(),
  storage: BlockDeviceStorageSchema,
});
export type AdditionalBlockDevice = Static<typeof AdditionalBlockDeviceSchema>;

export const OpenStackMachineSpecSchema = object({
  ...omit(v1alpha6.OpenStackMachineSpecSchema.properties, "networks", "subnet"),
  ports: Type.Optional(Type.Array(PortOptsSchema)),
  securityGroups: Type.Optional(Type.Array(SecurityGroupFilterSchema)),
  additionalBlockDevices: Type.Optional(listMap(AdditionalBlockDeviceSchema, ["name"])),
});
export type OpenStackMachineSpec = Static<typeof OpenStackMachineSpecSchema>;

export const BastionSchema = object({
  ...v1alpha6.BastionSchema.properties,
  instance: Type.Optional(OpenStackMachineSpecSchema),
});
export type Bastion = Static<typeof BastionSchema>;

export const ExternalRouterIPParamSchema = object({ fixedIP: str(), subnet: v1alpha6.SubnetFilterSchema });
export type ExternalRouterIPParam = Static<typeof ExternalRouterIPParamSchema>;

export const OpenStackClusterSpecSchema = object({
  ...v1alpha6.OpenStackClusterSpecSchema.properties,
  router: Type.Optional(RouterFilterSchema),
  networkMtu: Type.Optional(Type.Integer()),
  externalRouterIPs: Type.Optional(Type.Array(ExternalRouterIPParamSchema)),
  bastion: Type.Optional(BastionSchema),
});
export type OpenStackClusterSpec = Static<typeof OpenStackClusterSpecSchema>;

export const NetworkStatusSchema = object({ name: Type.String(), id: Type.String(), tags: strings() });
export type NetworkStatus = Static<typeof NetworkStatusSchema>;

export const NetworkStatusWithSubnetsSchema = object({
  ...NetworkStatusSchema.properties,
  subnets: Type.Optional(Type.Array(v1alpha6.SubnetSchema)),
});
export type NetworkStatusWithSubnets = Static<typeof NetworkStatusWithSubnetsSchema>;

export const BastionStatusSchema = object({
  id: str(),
  name: str(),
  sshKeyName: str(),
  state: str(),
  ip: str(),
  floatingIP: str(),
});
export type BastionStatus = Static<typeof BastionStatusSchema>;

export const OpenStackClusterStatusSchema = object({
  ready: Type.Boolean(),
  network: Type.Optional(NetworkStatusWithSubnetsSchema),
  externalNetwork: Type.Optional(NetworkStatusSchema),
  router: Type.Optional(v1alpha6.RouterSchema),
  apiServerLoadBalancer: Type.Optional(v1alpha6.LoadBalancerSchema),
  failureDomains: v1alpha6.OpenStackClusterStatusSchema.properties.failureDomains,
  controlPlaneSecurityGroup: Type.Optional(v1alpha6.SecurityGroupSchema),
  workerSecurityGroup: Type.Optional(v1alpha6.SecurityGroupSchema),
  bastionSecurityGroup: Type.Optional(v1alpha6.SecurityGroupSchema),
  bastion: Type.Optional(BastionStatusSchema),
  failureReason: str(),
  failureMessage: str(),
});
export type OpenStackClusterStatus = Static<typeof OpenStackClusterStatusSchema>;
