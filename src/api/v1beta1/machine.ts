// v1beta1 OpenStackMachine spec and status, and the types they share with the bastion.
import { Type, type Static } from "typebox";
import { ConditionsSchema } from "../common/capi.ts";
import { NodeAddressSchema, TypedLocalObjectReferenceSchema } from "../common/core.ts";
import { cel, described, listAtomic, listMap, listSet, object, stringEnum } from "../common/schema.ts";
import {
  ImageParamSchema,
  NetworkParamSchema,
  SecurityGroupParamSchema,
  ServerGroupParamSchema,
  SubnetParamSchema,
} from "./filters.ts";

const str = (description: string) => Type.Optional(Type.String({ description }));
const bool = (description: string) => Type.Optional(Type.Boolean({ description }));

export const OpenStackIdentityReferenceSchema = object(
  {
    name: Type.String({
      description:
        "Name of a Secret in the same namespace with a clouds.yaml (key clouds.yaml, optional cacert).",
    }),
    cloudName: Type.String({ description: "Name of the cloud to use from the clouds.yaml in the Secret." }),
  },
  { description: "OpenStackIdentityReference is a reference to the credentials of an OpenStack cloud." },
);
export type OpenStackIdentityReference = Static<typeof OpenStackIdentityReferenceSchema>;

export const FixedIPSchema = object({
  subnet: Type.Optional(
    described(SubnetParamSchema, "Subnet of the fixed IP; if unset, any subnet of the port's network."),
  ),
  ipAddress: str("IP address to request; if unset, Neutron allocates one from the subnet."),
});
export type FixedIP = Static<typeof FixedIPSchema>;

export const AddressPairSchema = object({
  ipAddress: Type.String({ description: "IP address or CIDR allowed on the port." }),
  macAddress: str("MAC address allowed on the port; the port's own if unset."),
});
export type AddressPair = Static<typeof AddressPairSchema>;

export const BindingProfileSchema = object(
  {
    ovsHWOffload: bool("Enable OVS hardware offload (binding:profile capabilities switchdev)."),
    trustedVF: bool("Mark the SR-IOV virtual function as trusted."),
  },
  { description: "Port binding:profile settings." },
);
export type BindingProfile = Static<typeof BindingProfileSchema>;

export const ValueSpecSchema = object(
  {
    name: Type.String({ description: "Identifies this value spec; not sent to Neutron." }),
    key: Type.String({ description: "Key added to the port create request." }),
    value: Type.String({ description: "Value of the key, as raw JSON." }),
  },
  { description: "An extra key/value added to the Neutron port create request." },
);
export type ValueSpec = Static<typeof ValueSpecSchema>;

/** Port fields both requested (PortOpts) and resolved (ResolvedPortSpec). */
const resolvedPortSpecFields = {
  adminStateUp: bool("Administrative state of the port; up if unset."),
  macAddress: str("MAC address of the port; allocated by Neutron if unset."),
  allowedAddressPairs: Type.Optional(
    Type.Array(AddressPairSchema, {
      description: "Extra IP/MAC pairs allowed to send traffic from the port.",
    }),
  ),
  hostID: str("binding:host_id of the port: the host on which to bind it."),
  vnicType: str(
    "binding:vnic_type: normal, macvtap, direct, baremetal, direct-physical, virtio-forwarder, ...",
  ),
  profile: Type.Optional(BindingProfileSchema),
  disablePortSecurity: bool("Disable port security (and with it security groups) on the port."),
  propagateUplinkStatus: bool("Propagate the uplink status of the port."),
  valueSpecs: Type.Optional(
    listMap(ValueSpecSchema, ["name"], { description: "Extra keys of the Neutron port create request." }),
  ),
};

export const PortOptsSchema = object(
  {
    network: Type.Optional(
      described(NetworkParamSchema, "Network of the port; the cluster network if unset."),
    ),
    description: str("Description of the port."),
    nameSuffix: str("Suffix of the port name (<machine name>-<suffix>); the port index if unset."),
    fixedIPs: Type.Optional(
      listAtomic(FixedIPSchema, { description: "Fixed IPs of the port; one from each subnet if unset." }),
    ),
    securityGroups: Type.Optional(
      listAtomic(SecurityGroupParamSchema, {
        description: "Security groups of the port, in addition to the machine's.",
      }),
    ),
    tags: Type.Optional(
      listSet(Type.String(), { description: "Tags added to the port, in addition to the machine's." }),
    ),
    trunk: bool("Create a trunk for the port; the machine's trunk setting if unset."),
    ...resolvedPortSpecFields,
  },
  { description: "A Neutron port of the server." },
);
export type PortOpts = Static<typeof PortOptsSchema>;

export const ServerMetadataSchema = object({
  key: Type.String({ maxLength: 255, description: "Metadata key." }),
  value: Type.String({ maxLength: 255, description: "Metadata value." }),
});
export type ServerMetadata = Static<typeof ServerMetadataSchema>;

export const VolumeAZSourceSchema = stringEnum(["Name", "Machine"], {
  description:
    "Where the volume's availability zone comes from: Name (the given name) or Machine (the machine's).",
  default: "Name",
});
export type VolumeAZSource = Static<typeof VolumeAZSourceSchema>;

export const VolumeAZNameSchema = Type.String({
  pattern: "^[^ ]+$",
  minLength: 1,
  description: "Name of a Cinder availability zone.",
});
export type VolumeAZName = Static<typeof VolumeAZNameSchema>;

export const VolumeAvailabilityZoneSchema = object(
  {
    from: Type.Optional(VolumeAZSourceSchema),
    name: Type.Optional(VolumeAZNameSchema),
  },
  {
    description:
      "Availability zone of a volume; without it the volume is created without an availability zone.",
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
  type: str("Cinder volume type; the default type if unset."),
  availabilityZone: Type.Optional(VolumeAvailabilityZoneSchema),
};

export const BlockDeviceVolumeSchema = object(blockDeviceVolumeFields, {
  description: "Settings of a Cinder volume.",
});
export type BlockDeviceVolume = Static<typeof BlockDeviceVolumeSchema>;

export const RootVolumeSchema = object(
  {
    sizeGiB: Type.Integer({ minimum: 1, description: "Size of the root volume in GiB." }),
    ...blockDeviceVolumeFields,
  },
  { description: "Boot the server from a Cinder volume created from the image." },
);
export type RootVolume = Static<typeof RootVolumeSchema>;

/** Known values of BlockDeviceStorage.type; the v1beta1 CRD leaves the field a free string. */
export const blockDeviceTypes = ["Local", "Volume"] as const;
export type BlockDeviceType = (typeof blockDeviceTypes)[number];

export const BlockDeviceStorageSchema = object({
  type: Type.String({ description: "Local (ephemeral disk on the hypervisor) or Volume (Cinder volume)." }),
  volume: Type.Optional(BlockDeviceVolumeSchema),
});
export type BlockDeviceStorage = Static<typeof BlockDeviceStorageSchema>;

export const AdditionalBlockDeviceSchema = object(
  {
    name: Type.String({
      description:
        'Unique name of the device; also the volume name suffix. Not "root" when rootVolume is set.',
    }),
    sizeGiB: Type.Integer({ minimum: 1, description: "Size of the device in GiB." }),
    storage: BlockDeviceStorageSchema,
  },
  { description: "A block device attached to the server in addition to its root disk." },
);
export type AdditionalBlockDevice = Static<typeof AdditionalBlockDeviceSchema>;

export const OpenStackMachineSpecSchema = object(
  {
    providerID: str("Set by the controller: openstack://<region>/<server id>. May be set once."),
    flavor: Type.String({ description: "Name of the Nova flavor of the server." }),
    image: described(
      ImageParamSchema,
      "Glance image of the server: an ID or a filter matching exactly one image.",
    ),
    sshKeyName: str("Name of the Nova keypair to inject."),
    ports: Type.Optional(
      Type.Array(PortOptsSchema, {
        description: "Ports of the server; one port on the cluster network if unset.",
      }),
    ),
    securityGroups: Type.Optional(
      Type.Array(SecurityGroupParamSchema, {
        description: "Security groups applied to every port of the server.",
      }),
    ),
    trunk: Type.Optional(
      Type.Boolean({ description: "Create a trunk for every port unless the port says otherwise." }),
    ),
    tags: Type.Optional(listSet(Type.String(), { description: "Tags of the server, its ports and trunks." })),
    serverMetadata: Type.Optional(listMap(ServerMetadataSchema, ["key"])),
    configDrive: bool("Attach a config drive to the server."),
    rootVolume: Type.Optional(RootVolumeSchema),
    additionalBlockDevices: Type.Optional(
      listMap(AdditionalBlockDeviceSchema, ["name"], {
        description: "Block devices in addition to the root disk.",
      }),
    ),
    serverGroup: Type.Optional(
      described(ServerGroupParamSchema, "Nova server group to schedule the server in."),
    ),
    identityRef: Type.Optional(
      described(OpenStackIdentityReferenceSchema, "Credentials for this machine; the cluster's if unset."),
    ),
    floatingIPPoolRef: Type.Optional(
      described(
        TypedLocalObjectReferenceSchema,
        "IP address pool from which to give the machine a floating IP.",
      ),
    ),
  },
  { description: "OpenStackMachineSpec defines the desired state of OpenStackMachine." },
);
export type OpenStackMachineSpec = Static<typeof OpenStackMachineSpecSchema>;

export const ResolvedFixedIPSchema = object({
  subnet: str("ID of the subnet."),
  ipAddress: str("Requested IP address."),
});
export type ResolvedFixedIP = Static<typeof ResolvedFixedIPSchema>;

export const ResolvedPortSpecSchema = object(
  {
    name: Type.String({ description: "Name of the port." }),
    description: Type.String({ description: "Description of the port." }),
    networkID: Type.String({ description: "ID of the port's network." }),
    tags: Type.Optional(listSet(Type.String())),
    trunk: bool("Whether the port has a trunk."),
    fixedIPs: Type.Optional(listAtomic(ResolvedFixedIPSchema)),
    securityGroups: Type.Optional(
      listAtomic(Type.String(), { description: "IDs of the port's security groups." }),
    ),
    ...resolvedPortSpecFields,
  },
  { description: "A port with all references resolved to IDs." },
);
export type ResolvedPortSpec = Static<typeof ResolvedPortSpecSchema>;

export const ResolvedMachineSpecSchema = object(
  {
    serverGroupID: str("ID of the server group."),
    imageID: str("ID of the image."),
    ports: Type.Optional(Type.Array(ResolvedPortSpecSchema)),
  },
  { description: "The machine spec with its references resolved to IDs; fixed once the server exists." },
);
export type ResolvedMachineSpec = Static<typeof ResolvedMachineSpecSchema>;

export const PortStatusSchema = object({ id: Type.String({ description: "ID of the port." }) });
export type PortStatus = Static<typeof PortStatusSchema>;

export const MachineResourcesSchema = object(
  { ports: Type.Optional(Type.Array(PortStatusSchema)) },
  { description: "OpenStack resources created for the machine, deleted with it." },
);
export type MachineResources = Static<typeof MachineResourcesSchema>;

/** Known Nova server states; the field itself is a free string. */
export const instanceStates = ["BUILD", "ACTIVE", "ERROR", "STOPPED", "SHUTOFF", "DELETED"] as const;
export type InstanceState = (typeof instanceStates)[number];

export const OpenStackMachineStatusSchema = object(
  {
    ready: bool("The server is ACTIVE and the machine's infrastructure is ready."),
    instanceID: str("ID of the Nova server."),
    addresses: Type.Optional(
      Type.Array(NodeAddressSchema, {
        description: "Addresses of the server (InternalIP, ExternalIP, InternalDNS).",
      }),
    ),
    instanceState: str("State of the Nova server: BUILD, ACTIVE, ERROR, STOPPED, SHUTOFF or DELETED."),
    resolved: Type.Optional(ResolvedMachineSpecSchema),
    resources: Type.Optional(MachineResourcesSchema),
    failureReason: str("Set on a terminal problem that needs a human, as a machine-readable reason."),
    failureMessage: str("Set on a terminal problem that needs a human, as a message."),
    conditions: Type.Optional(ConditionsSchema),
  },
  { description: "OpenStackMachineStatus defines the observed state of OpenStackMachine." },
);
export type OpenStackMachineStatus = Static<typeof OpenStackMachineStatusSchema>;
