// v1alpha5 spec and status types (CAPO v0.6; served again by capo-ts, deprecated). Newer alpha versions
// are written as deltas of this one.
import { Type, type Static } from "typebox";
import { APIEndpointSchema, ConditionsSchema, FailureDomainsSchema } from "../common/capi.ts";
import { NodeAddressSchema } from "../common/core.ts";
import { object, stringMap } from "../common/schema.ts";

const str = () => Type.Optional(Type.String());
const int = () => Type.Optional(Type.Integer());
const bool = () => Type.Optional(Type.Boolean());
const strings = () => Type.Optional(Type.Array(Type.String()));

/** Neutron tag filters of this era: comma-separated strings. */
export const neutronTagFilterFields = { tags: str(), tagsAny: str(), notTags: str(), notTagsAny: str() };

export const NetworkFilterSchema = object({
  name: str(),
  description: str(),
  projectId: str(),
  id: str(),
  ...neutronTagFilterFields,
});
export type NetworkFilter = Static<typeof NetworkFilterSchema>;

export const SubnetFilterSchema = object({
  name: str(),
  description: str(),
  projectId: str(),
  ipVersion: int(),
  gateway_ip: str(),
  cidr: str(),
  ipv6AddressMode: str(),
  ipv6RaMode: str(),
  id: str(),
  ...neutronTagFilterFields,
});
export type SubnetFilter = Static<typeof SubnetFilterSchema>;

export const SubnetParamSchema = object({ uuid: str(), filter: Type.Optional(SubnetFilterSchema) });
export type SubnetParam = Static<typeof SubnetParamSchema>;

export const NetworkParamSchema = object({
  uuid: str(),
  fixedIP: str(),
  filter: Type.Optional(NetworkFilterSchema),
  subnets: Type.Optional(Type.Array(SubnetParamSchema)),
});
export type NetworkParam = Static<typeof NetworkParamSchema>;

export const SecurityGroupFilterSchema = object({
  id: str(),
  name: str(),
  description: str(),
  tenantId: str(),
  projectId: str(),
  limit: int(),
  marker: str(),
  sortKey: str(),
  sortDir: str(),
  ...neutronTagFilterFields,
});
export type SecurityGroupFilter = Static<typeof SecurityGroupFilterSchema>;

export const SecurityGroupParamSchema = object({
  uuid: str(),
  name: str(),
  filter: Type.Optional(SecurityGroupFilterSchema),
});
export type SecurityGroupParam = Static<typeof SecurityGroupParamSchema>;

export const ExternalRouterIPParamSchema = object({ fixedIP: str(), subnet: SubnetParamSchema });
export type ExternalRouterIPParam = Static<typeof ExternalRouterIPParamSchema>;

export const APIServerLoadBalancerSchema = object({
  enabled: bool(),
  additionalPorts: Type.Optional(Type.Array(Type.Integer())),
  allowedCidrs: strings(),
});
export type APIServerLoadBalancer = Static<typeof APIServerLoadBalancerSchema>;

export const OpenStackIdentityReferenceSchema = object({
  kind: Type.String({ minLength: 1 }),
  name: Type.String(),
});
export type OpenStackIdentityReference = Static<typeof OpenStackIdentityReferenceSchema>;

export const FixedIPSchema = object({ subnet: SubnetFilterSchema, ipAddress: str() });
export type FixedIP = Static<typeof FixedIPSchema>;

export const AddressPairSchema = object({ ipAddress: str(), macAddress: str() });
export type AddressPair = Static<typeof AddressPairSchema>;

export const PortOptsSchema = object({
  network: Type.Optional(NetworkFilterSchema),
  nameSuffix: str(),
  description: str(),
  adminStateUp: bool(),
  macAddress: str(),
  fixedIPs: Type.Optional(Type.Array(FixedIPSchema)),
  tenantId: str(),
  projectId: str(),
  securityGroups: strings(),
  securityGroupFilters: Type.Optional(Type.Array(SecurityGroupParamSchema)),
  allowedAddressPairs: Type.Optional(Type.Array(AddressPairSchema)),
  trunk: bool(),
  hostId: str(),
  vnicType: str(),
  profile: Type.Optional(stringMap()),
  disablePortSecurity: bool(),
  tags: strings(),
});
export type PortOpts = Static<typeof PortOptsSchema>;

export const RootVolumeSchema = object({ diskSize: int(), volumeType: str(), availabilityZone: str() });
export type RootVolume = Static<typeof RootVolumeSchema>;

export const OpenStackMachineSpecSchema = object({
  providerID: str(),
  instanceID: str(),
  cloudName: str(),
  flavor: Type.String(),
  image: str(),
  imageUUID: str(),
  sshKeyName: str(),
  networks: Type.Optional(Type.Array(NetworkParamSchema)),
  ports: Type.Optional(Type.Array(PortOptsSchema)),
  subnet: str(),
  floatingIP: str(),
  securityGroups: Type.Optional(Type.Array(SecurityGroupParamSchema)),
  trunk: bool(),
  tags: strings(),
  serverMetadata: Type.Optional(stringMap()),
  configDrive: bool(),
  rootVolume: Type.Optional(RootVolumeSchema),
  serverGroupID: str(),
  identityRef: Type.Optional(OpenStackIdentityReferenceSchema),
});
export type OpenStackMachineSpec = Static<typeof OpenStackMachineSpecSchema>;

export const BastionSchema = object({
  enabled: bool(),
  instance: Type.Optional(OpenStackMachineSpecSchema),
  availabilityZone: str(),
});
export type Bastion = Static<typeof BastionSchema>;

export const OpenStackClusterSpecSchema = object({
  cloudName: str(),
  nodeCidr: str(),
  network: Type.Optional(NetworkFilterSchema),
  subnet: Type.Optional(SubnetFilterSchema),
  dnsNameservers: strings(),
  externalRouterIPs: Type.Optional(Type.Array(ExternalRouterIPParamSchema)),
  externalNetworkId: str(),
  apiServerLoadBalancer: Type.Optional(APIServerLoadBalancerSchema),
  disableAPIServerFloatingIP: bool(),
  apiServerFloatingIP: str(),
  apiServerFixedIP: str(),
  apiServerPort: int(),
  managedSecurityGroups: bool(),
  allowAllInClusterTraffic: bool(),
  disablePortSecurity: bool(),
  tags: strings(),
  controlPlaneEndpoint: Type.Optional(APIEndpointSchema),
  controlPlaneAvailabilityZones: strings(),
  bastion: Type.Optional(BastionSchema),
  identityRef: Type.Optional(OpenStackIdentityReferenceSchema),
});
export type OpenStackClusterSpec = Static<typeof OpenStackClusterSpecSchema>;

export const SubnetSchema = object({
  name: Type.String(),
  id: Type.String(),
  cidr: Type.String(),
  tags: strings(),
});
export type Subnet = Static<typeof SubnetSchema>;

export const RouterSchema = object({
  name: Type.String(),
  id: Type.String(),
  tags: strings(),
  ips: strings(),
});
export type Router = Static<typeof RouterSchema>;

export const LoadBalancerSchema = object({
  name: Type.String(),
  id: Type.String(),
  ip: Type.String(),
  internalIP: Type.String(),
  allowedCIDRs: strings(),
});
export type LoadBalancer = Static<typeof LoadBalancerSchema>;

export const NetworkSchema = object({
  name: Type.String(),
  id: Type.String(),
  tags: strings(),
  subnet: Type.Optional(SubnetSchema),
  port: Type.Optional(PortOptsSchema),
  router: Type.Optional(RouterSchema),
  apiServerLoadBalancer: Type.Optional(LoadBalancerSchema),
});
export type Network = Static<typeof NetworkSchema>;

export const SecurityGroupRuleSchema = object({
  description: Type.String(),
  name: Type.String(),
  direction: Type.String(),
  etherType: Type.String(),
  securityGroupID: Type.String(),
  portRangeMin: Type.Integer(),
  portRangeMax: Type.Integer(),
  protocol: Type.String(),
  remoteGroupID: Type.String(),
  remoteIPPrefix: Type.String(),
});
export type SecurityGroupRule = Static<typeof SecurityGroupRuleSchema>;

export const SecurityGroupSchema = object({
  name: Type.String(),
  id: Type.String(),
  rules: Type.Optional(Type.Array(SecurityGroupRuleSchema)),
});
export type SecurityGroup = Static<typeof SecurityGroupSchema>;

export const InstanceSchema = object({
  id: str(),
  name: str(),
  trunk: bool(),
  failureDomain: str(),
  securigyGroups: strings(),
  networks: Type.Optional(Type.Array(NetworkSchema)),
  subnet: str(),
  tags: strings(),
  image: str(),
  imageUUID: str(),
  flavor: str(),
  sshKeyName: str(),
  userData: str(),
  metadata: Type.Optional(stringMap()),
  configDrive: bool(),
  rootVolume: Type.Optional(RootVolumeSchema),
  serverGroupID: str(),
  state: str(),
  ip: str(),
  floatingIP: str(),
});
export type Instance = Static<typeof InstanceSchema>;

export const OpenStackClusterStatusSchema = object({
  ready: Type.Boolean(),
  network: Type.Optional(NetworkSchema),
  externalNetwork: Type.Optional(NetworkSchema),
  failureDomains: Type.Optional(FailureDomainsSchema),
  controlPlaneSecurityGroup: Type.Optional(SecurityGroupSchema),
  workerSecurityGroup: Type.Optional(SecurityGroupSchema),
  bastionSecurityGroup: Type.Optional(SecurityGroupSchema),
  bastion: Type.Optional(InstanceSchema),
  failureReason: str(),
  failureMessage: str(),
});
export type OpenStackClusterStatus = Static<typeof OpenStackClusterStatusSchema>;

export const OpenStackMachineStatusSchema = object({
  ready: bool(),
  addresses: Type.Optional(Type.Array(NodeAddressSchema)),
  instanceState: str(),
  failureReason: str(),
  failureMessage: str(),
  conditions: Type.Optional(ConditionsSchema),
});
export type OpenStackMachineStatus = Static<typeof OpenStackMachineStatusSchema>;
