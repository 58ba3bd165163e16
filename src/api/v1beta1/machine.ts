// v1beta1 OpenStackMachine spec and status, and the types they share with the bastion.
import { Type, type Static } from "typebox";
import { ConditionsSchema } from "../common/capi.ts";
import { NodeAddressSchema, TypedLocalObjectReferenceSchema } from "../common/core.ts";
import { cel, listAtomic, listMap, listSet, object, stringEnum } from "../common/schema.ts";
import {
  ImageParamSchema,
  NetworkParamSchema,
  SecurityGroupParamSchema,
  ServerGroupParamSchema,
  SubnetParamSchema,
} from "./filters.ts";

export const OpenStackIdentityReferenceSchema = object(
  {
    name: Type.String({
      description: "Name is the name of a secret in the same namespace as the resource being provisioned.",
    }),
    cloudName: Type.String({
      description: "CloudName specifies the name of the entry in the clouds.yaml file to use.",
    }),
  },
  { description: "OpenStackIdentityReference is a reference to an infrastructure provider identity." },
);
export type OpenStackIdentityReference = Static<typeof OpenStackIdentityReferenceSchema>;

export const FixedIPSchema = object({
  subnet: Type.Optional(SubnetParamSchema),
  ipAddress: Type.Optional(Type.String()),
});
export type FixedIP = Static<typeof FixedIPSchema>;

export const AddressPairSchema = object({
  ipAddress: Type.String(),
  macAddress: Type.Optional(Type.String()),
});
export type AddressPair = Static<typeof AddressPairSchema>;

export const BindingProfileSchema = object({
  ovsHWOffload: Type.Optional(Type.Boolean()),
  trustedVF: Type.Optional(Type.Boolean()),
});
export type BindingProfile = Static<typeof BindingProfileSchema>;

export const ValueSpecSchema = object({
  name: Type.String(),
  key: Type.String(),
  value: Type.String(),
});
export type ValueSpec = Static<typeof ValueSpecSchema>;

/** Port fields both requested (PortOpts) and resolved (ResolvedPortSpec). */
const resolvedPortSpecFields = {
  adminStateUp: Type.Optional(Type.Boolean()),
  macAddress: Type.Optional(Type.String()),
  allowedAddressPairs: Type.Optional(Type.Array(AddressPairSchema)),
  hostID: Type.Optional(Type.String()),
  vnicType: Type.Optional(Type.String()),
  profile: Type.Optional(BindingProfileSchema),
  disablePortSecurity: Type.Optional(Type.Boolean()),
  propagateUplinkStatus: Type.Optional(Type.Boolean()),
  valueSpecs: Type.Optional(listMap(ValueSpecSchema, ["name"])),
};

export const PortOptsSchema = object({
  network: Type.Optional(NetworkParamSchema),
  description: Type.Optional(Type.String()),
  nameSuffix: Type.Optional(Type.String()),
  fixedIPs: Type.Optional(listAtomic(FixedIPSchema)),
  securityGroups: Type.Optional(listAtomic(SecurityGroupParamSchema)),
  tags: Type.Optional(listSet(Type.String())),
  trunk: Type.Optional(Type.Boolean()),
  ...resolvedPortSpecFields,
});
export type PortOpts = Static<typeof PortOptsSchema>;

export const ServerMetadataSchema = object({
  key: Type.String({ maxLength: 255 }),
  value: Type.String({ maxLength: 255 }),
});
export type ServerMetadata = Static<typeof ServerMetadataSchema>;

export const VolumeAZSourceSchema = stringEnum(["Name", "Machine"], {
  description: "VolumeAZSource specifies where to obtain the availability zone for a volume.",
  default: "Name",
});
export type VolumeAZSource = Static<typeof VolumeAZSourceSchema>;

export const VolumeAZNameSchema = Type.String({ pattern: "^[^ ]+$", minLength: 1 });
export type VolumeAZName = Static<typeof VolumeAZNameSchema>;

export const VolumeAvailabilityZoneSchema = object(
  {
    from: Type.Optional(VolumeAZSourceSchema),
    name: Type.Optional(VolumeAZNameSchema),
  },
  {
    "x-kubernetes-validations": [
      cel(
        "!has(self.from) || self.from == 'Name' ? has(self.name) : !has(self.name)",
        "name is required when from is 'Name' or default",
      ),
    ],
  },
);
export type VolumeAvailabilityZone = Static<typeof VolumeAvailabilityZoneSchema>;

const blockDeviceVolumeFields = {
  type: Type.Optional(Type.String({ description: "Type is the Cinder volume type of the volume." })),
  availabilityZone: Type.Optional(VolumeAvailabilityZoneSchema),
};

export const BlockDeviceVolumeSchema = object(blockDeviceVolumeFields);
export type BlockDeviceVolume = Static<typeof BlockDeviceVolumeSchema>;

export const RootVolumeSchema = object({
  sizeGiB: Type.Integer({ minimum: 1 }),
  ...blockDeviceVolumeFields,
});
export type RootVolume = Static<typeof RootVolumeSchema>;

/** Known values of BlockDeviceStorage.type; the v1beta1 CRD leaves the field a free string. */
export const blockDeviceTypes = ["Local", "Volume"] as const;
export type BlockDeviceType = (typeof blockDeviceTypes)[number];

export const BlockDeviceStorageSchema = object({
  type: Type.String({ description: "Type is the type of block device to create. Local or Volume." }),
  volume: Type.Optional(BlockDeviceVolumeSchema),
});
export type BlockDeviceStorage = Static<typeof BlockDeviceStorageSchema>;

export const AdditionalBlockDeviceSchema = object({
  name: Type.String(),
  sizeGiB: Type.Integer({ minimum: 1 }),
  storage: BlockDeviceStorageSchema,
});
export type AdditionalBlockDevice = Static<typeof AdditionalBlockDeviceSchema>;

export const OpenStackMachineSpecSchema = object(
  {
    providerID: Type.Optional(
      Type.String({ description: "ProviderID is the unique identifier as specified by the cloud provider." }),
    ),
    flavor: Type.String({ description: "The flavor reference for the flavor for your server instance." }),
    image: ImageParamSchema,
    sshKeyName: Type.Optional(Type.String()),
    ports: Type.Optional(Type.Array(PortOptsSchema)),
    securityGroups: Type.Optional(Type.Array(SecurityGroupParamSchema)),
    trunk: Type.Optional(Type.Boolean()),
    tags: Type.Optional(listSet(Type.String())),
    serverMetadata: Type.Optional(listMap(ServerMetadataSchema, ["key"])),
    configDrive: Type.Optional(Type.Boolean()),
    rootVolume: Type.Optional(RootVolumeSchema),
    additionalBlockDevices: Type.Optional(listMap(AdditionalBlockDeviceSchema, ["name"])),
    serverGroup: Type.Optional(ServerGroupParamSchema),
    identityRef: Type.Optional(OpenStackIdentityReferenceSchema),
    floatingIPPoolRef: Type.Optional(TypedLocalObjectReferenceSchema),
  },
  { description: "OpenStackMachineSpec defines the desired state of OpenStackMachine." },
);
export type OpenStackMachineSpec = Static<typeof OpenStackMachineSpecSchema>;

export const ResolvedFixedIPSchema = object({
  subnet: Type.Optional(Type.String()),
  ipAddress: Type.Optional(Type.String()),
});
export type ResolvedFixedIP = Static<typeof ResolvedFixedIPSchema>;

export const ResolvedPortSpecSchema = object({
  name: Type.String(),
  description: Type.String(),
  networkID: Type.String(),
  tags: Type.Optional(listSet(Type.String())),
  trunk: Type.Optional(Type.Boolean()),
  fixedIPs: Type.Optional(listAtomic(ResolvedFixedIPSchema)),
  securityGroups: Type.Optional(listAtomic(Type.String())),
  ...resolvedPortSpecFields,
});
export type ResolvedPortSpec = Static<typeof ResolvedPortSpecSchema>;

export const ResolvedMachineSpecSchema = object({
  serverGroupID: Type.Optional(Type.String()),
  imageID: Type.Optional(Type.String()),
  ports: Type.Optional(Type.Array(ResolvedPortSpecSchema)),
});
export type ResolvedMachineSpec = Static<typeof ResolvedMachineSpecSchema>;

export const PortStatusSchema = object({ id: Type.String() });
export type PortStatus = Static<typeof PortStatusSchema>;

export const MachineResourcesSchema = object({ ports: Type.Optional(Type.Array(PortStatusSchema)) });
export type MachineResources = Static<typeof MachineResourcesSchema>;

/** Known Nova server states; the field itself is a free string. */
export const instanceStates = ["BUILD", "ACTIVE", "ERROR", "STOPPED", "SHUTOFF", "DELETED"] as const;
export type InstanceState = (typeof instanceStates)[number];

export const OpenStackMachineStatusSchema = object(
  {
    ready: Type.Optional(Type.Boolean()),
    instanceID: Type.Optional(Type.String()),
    addresses: Type.Optional(Type.Array(NodeAddressSchema)),
    instanceState: Type.Optional(Type.String()),
    resolved: Type.Optional(ResolvedMachineSpecSchema),
    resources: Type.Optional(MachineResourcesSchema),
    failureReason: Type.Optional(Type.String()),
    failureMessage: Type.Optional(Type.String()),
    conditions: Type.Optional(ConditionsSchema),
  },
  { description: "OpenStackMachineStatus defines the observed state of OpenStackMachine." },
);
export type OpenStackMachineStatus = Static<typeof OpenStackMachineStatusSchema>;
