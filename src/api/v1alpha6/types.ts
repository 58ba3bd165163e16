// v1alpha6 spec and status types (CAPO v0.7; deprecated), written as the delta from v1alpha5: load balancer
// provider, controlPlaneOmitAvailabilityZone and port valueSpecs are new, several lists became sets, and
// the status load balancer gained tags. Unchanged types are re-exported from v1alpha5.
import { Type, type Static } from "typebox";
import { listMap, listSet, object } from "../common/schema.ts";
import * as v1alpha5 from "../v1alpha5/types.ts";

export {
  AddressPairSchema,
  ExternalRouterIPParamSchema,
  FixedIPSchema,
  NetworkFilterSchema,
  NetworkParamSchema,
  OpenStackIdentityReferenceSchema,
  OpenStackMachineStatusSchema,
  RootVolumeSchema,
  RouterSchema,
  SecurityGroupFilterSchema,
  SecurityGroupParamSchema,
  SecurityGroupRuleSchema,
  SecurityGroupSchema,
  SubnetFilterSchema,
  SubnetParamSchema,
  SubnetSchema,
} from "../v1alpha5/types.ts";
export type {
  AddressPair,
  ExternalRouterIPParam,
  FixedIP,
  NetworkFilter,
  NetworkParam,
  OpenStackIdentityReference,
  OpenStackMachineStatus,
  RootVolume,
  Router,
  SecurityGroup,
  SecurityGroupFilter,
  SecurityGroupParam,
  SecurityGroupRule,
  Subnet,
  SubnetFilter,
  SubnetParam,
} from "../v1alpha5/types.ts";

const stringSet = () => Type.Optional(listSet(Type.String()));

export const ValueSpecSchema = object({ name: Type.String(), key: Type.String(), value: Type.String() });
export type ValueSpec = Static<typeof ValueSpecSchema>;

export const PortOptsSchema = object({
  ...v1alpha5.PortOptsSchema.properties,
  securityGroups: stringSet(),
  tags: stringSet(),
  valueSpecs: Type.Optional(listMap(ValueSpecSchema, ["name"])),
});
export type PortOpts = Static<typeof PortOptsSchema>;

export const OpenStackMachineSpecSchema = object({
  ...v1alpha5.OpenStackMachineSpecSchema.properties,
  ports: Type.Optional(Type.Array(PortOptsSchema)),
  tags: stringSet(),
});
export type OpenStackMachineSpec = Static<typeof OpenStackMachineSpecSchema>;

export const APIServerLoadBalancerSchema = object({
  ...v1alpha5.APIServerLoadBalancerSchema.properties,
  provider: Type.Optional(Type.String()),
});
export type APIServerLoadBalancer = Static<typeof APIServerLoadBalancerSchema>;

export const BastionSchema = object({
  ...v1alpha5.BastionSchema.properties,
  instance: Type.Optional(OpenStackMachineSpecSchema),
});
export type Bastion = Static<typeof BastionSchema>;

export const OpenStackClusterSpecSchema = object({
  ...v1alpha5.OpenStackClusterSpecSchema.properties,
  dnsNameservers: stringSet(),
  apiServerLoadBalancer: Type.Optional(APIServerLoadBalancerSchema),
  tags: stringSet(),
  controlPlaneAvailabilityZones: stringSet(),
  controlPlaneOmitAvailabilityZone: Type.Optional(Type.Boolean()),
  bastion: Type.Optional(BastionSchema),
});
export type OpenStackClusterSpec = Static<typeof OpenStackClusterSpecSchema>;

export const LoadBalancerSchema = object({
  ...v1alpha5.LoadBalancerSchema.properties,
  tags: Type.Optional(Type.Array(Type.String())),
});
export type LoadBalancer = Static<typeof LoadBalancerSchema>;

export const NetworkSchema = object({
  ...v1alpha5.NetworkSchema.properties,
  port: Type.Optional(PortOptsSchema),
  apiServerLoadBalancer: Type.Optional(LoadBalancerSchema),
});
export type Network = Static<typeof NetworkSchema>;

export const InstanceSchema = object({
  ...v1alpha5.InstanceSchema.properties,
  networks: Type.Optional(Type.Array(NetworkSchema)),
});
export type Instance = Static<typeof InstanceSchema>;

export const OpenStackClusterStatusSchema = object({
  ...v1alpha5.OpenStackClusterStatusSchema.properties,
  network: Type.Optional(NetworkSchema),
  externalNetwork: Type.Optional(NetworkSchema),
  bastion: Type.Optional(InstanceSchema),
});
export type OpenStackClusterStatus = Static<typeof OpenStackClusterStatusSchema>;
