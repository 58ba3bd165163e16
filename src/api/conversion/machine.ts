// Machine-spec pieces that convert the same way from several alpha versions (api-versions.md §3.4–3.6).
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha5 from "../v1alpha5/index.ts";
import type * as v1alpha7 from "../v1alpha7/index.ts";
import type * as v1alpha8 from "../v1alpha8/index.ts";
import {
  networkFromHub,
  networkToHub,
  securityGroupFromHub,
  securityGroupToHub,
  subnetFromHub,
  subnetToHub,
} from "./filters.ts";
import { each, maybe, nonEmpty, nonZero, unlessEmpty } from "./shared.ts";

// --- identity --------------------------------------------------------------------------------------------

/** A machine's `cloudName` and `identityRef.name` together make v1beta1's optional identityRef. */
export function machineIdentityToHub(
  cloudName: string | undefined,
  ref: { name: string } | undefined,
): hub.OpenStackIdentityReference | undefined {
  if (nonEmpty(ref?.name) === undefined && nonEmpty(cloudName) === undefined) return undefined;
  return { name: ref?.name ?? "", cloudName: cloudName ?? "" };
}

/** A cluster always has an identityRef in v1beta1. */
export function clusterIdentityToHub(
  cloudName: string | undefined,
  ref: { name: string } | undefined,
): hub.OpenStackIdentityReference {
  return { name: ref?.name ?? "", cloudName: cloudName ?? "" };
}

/** v1alpha8 dropped `kind` from identityRef; older versions get CAPO's only kind back. */
export function identityFromHub<K extends string | undefined>(
  ref: hub.OpenStackIdentityReference | undefined,
  kind: K,
): { cloudName?: string; identityRef?: { name: string } & (K extends string ? { kind: string } : object) } {
  const name = nonEmpty(ref?.name);
  const identityRef = name === undefined ? undefined : kind === undefined ? { name } : { kind, name };
  return { cloudName: nonEmpty(ref?.cloudName), identityRef: identityRef as never };
}

// --- volumes ---------------------------------------------------------------------------------------------

/** "" meant "the machine's availability zone"; anything else names a zone. */
export function volumeZoneToHub(zone: string | undefined): hub.VolumeAvailabilityZone {
  const name = nonEmpty(zone);
  return name === undefined ? { from: "Machine" } : { from: "Name", name };
}

export function volumeZoneFromHub(zone: hub.VolumeAvailabilityZone | undefined): string | undefined {
  return zone === undefined || zone.from === "Machine" ? undefined : zone.name;
}

export const rootVolumeToHub = (v: v1alpha5.RootVolume): hub.RootVolume => ({
  sizeGiB: v.diskSize ?? 0,
  type: v.volumeType,
  availabilityZone: volumeZoneToHub(v.availabilityZone),
});

export const rootVolumeFromHub = (v: hub.RootVolume): v1alpha5.RootVolume => ({
  diskSize: nonZero(v.sizeGiB),
  volumeType: v.type,
  availabilityZone: volumeZoneFromHub(v.availabilityZone),
});

interface BlockDevice<Zone> {
  name: string;
  sizeGiB: number;
  storage: { type: string; volume?: { type?: string; availabilityZone?: Zone } };
}

function blockDevice<From, To>(d: BlockDevice<From>, zone: (z: From | undefined) => To): BlockDevice<To> {
  const volume = maybe(d.storage.volume, (v) => ({
    type: v.type,
    availabilityZone: zone(v.availabilityZone),
  }));
  return { name: d.name, sizeGiB: d.sizeGiB, storage: { type: d.storage.type, volume } };
}

export const blockDeviceToHub = (d: v1alpha7.AdditionalBlockDevice): hub.AdditionalBlockDevice =>
  blockDevice(d, volumeZoneToHub);

export const blockDeviceFromHub = (d: hub.AdditionalBlockDevice): v1alpha7.AdditionalBlockDevice =>
  blockDevice(d, volumeZoneFromHub);

// --- server metadata -------------------------------------------------------------------------------------

/** v1beta1 limits keys and values to Nova's 255 characters. */
const maxMetadataLength = 255;

/** The alphas' map becomes a key-sorted list; keys that collide once truncated keep the first entry. */
export function serverMetadataToHub(metadata: Record<string, string>): hub.ServerMetadata[] {
  const items = new Map<string, string>();
  for (const key of Object.keys(metadata).sort()) {
    const short = key.slice(0, maxMetadataLength);
    if (!items.has(short)) items.set(short, (metadata[key] ?? "").slice(0, maxMetadataLength));
  }
  return [...items].map(([key, value]) => ({ key, value }));
}

export function serverMetadataFromHub(items: readonly hub.ServerMetadata[]): Record<string, string> {
  return Object.fromEntries(items.map((item) => [item.key, item.value]));
}

// --- ports -----------------------------------------------------------------------------------------------

/** Port fields every alpha version has, under the same names. */
type CommonPort = Omit<
  v1alpha5.PortOpts,
  "tenantId" | "projectId" | "securityGroups" | "securityGroupFilters" | "profile"
>;
type HubCommonPort = Omit<
  hub.PortOpts,
  "securityGroups" | "profile" | "propagateUplinkStatus" | "valueSpecs"
>;

const fixedIPToHub = (ip: v1alpha5.FixedIP): hub.FixedIP => ({
  subnet: maybe(ip.subnet as v1alpha5.SubnetFilter | undefined, subnetToHub),
  ipAddress: nonEmpty(ip.ipAddress),
});

const fixedIPFromHub = (ip: hub.FixedIP): v1alpha5.FixedIP => ({
  subnet: maybe(ip.subnet, subnetFromHub) as v1alpha5.SubnetFilter,
  ipAddress: nonEmpty(ip.ipAddress),
});

export const portCommonToHub = (p: CommonPort): HubCommonPort => ({
  network: maybe(p.network, networkToHub),
  nameSuffix: nonEmpty(p.nameSuffix),
  description: nonEmpty(p.description),
  adminStateUp: p.adminStateUp,
  macAddress: nonEmpty(p.macAddress),
  fixedIPs: each(p.fixedIPs, fixedIPToHub),
  // v1beta1 requires the address; the alphas never sent an empty one.
  allowedAddressPairs: each(p.allowedAddressPairs, (pair) => ({
    ipAddress: pair.ipAddress ?? "",
    macAddress: pair.macAddress,
  })),
  trunk: p.trunk,
  hostID: nonEmpty(p.hostId),
  vnicType: nonEmpty(p.vnicType),
  disablePortSecurity: p.disablePortSecurity,
  tags: p.tags,
});

export const portCommonFromHub = (p: HubCommonPort): CommonPort => ({
  network: maybe(p.network, networkFromHub),
  nameSuffix: nonEmpty(p.nameSuffix),
  description: nonEmpty(p.description),
  adminStateUp: p.adminStateUp,
  macAddress: nonEmpty(p.macAddress),
  fixedIPs: each(p.fixedIPs, fixedIPFromHub),
  allowedAddressPairs: each(p.allowedAddressPairs, (pair) => ({
    ipAddress: nonEmpty(pair.ipAddress),
    macAddress: pair.macAddress,
  })),
  trunk: p.trunk,
  hostId: nonEmpty(p.hostID),
  vnicType: nonEmpty(p.vnicType),
  disablePortSecurity: p.disablePortSecurity,
  tags: p.tags,
});

/** v1alpha7/8's profile struct of two flags: unset when both are off, otherwise both spelled out. */
function profileToHub(profile: v1alpha7.BindingProfile | undefined): hub.BindingProfile | undefined {
  if (profile?.ovsHWOffload !== true && profile?.trustedVF !== true) return undefined;
  return { ovsHWOffload: profile.ovsHWOffload === true, trustedVF: profile.trustedVF === true };
}

function profileFromHub(profile: hub.BindingProfile | undefined): v1alpha7.BindingProfile | undefined {
  return maybe(profile, (p) =>
    unlessEmpty({ ovsHWOffload: p.ovsHWOffload || undefined, trustedVF: p.trustedVF || undefined }),
  );
}

export const portToHub = (p: v1alpha7.PortOpts): hub.PortOpts => ({
  ...portCommonToHub(p),
  securityGroups: each(p.securityGroupFilters, securityGroupToHub),
  profile: profileToHub(p.profile),
  propagateUplinkStatus: p.propagateUplinkStatus,
  valueSpecs: p.valueSpecs,
});

export const portFromHub = (p: hub.PortOpts): v1alpha7.PortOpts => ({
  ...portCommonFromHub(p),
  securityGroupFilters: each(p.securityGroups, securityGroupFromHub),
  profile: profileFromHub(p.profile),
  propagateUplinkStatus: p.propagateUplinkStatus,
  valueSpecs: p.valueSpecs,
});

// --- resolved ports (v1alpha8 status.referencedResources.portsOpts ↔ v1beta1 status.resolved.ports) ----

export const resolvedPortToHub = (p: v1alpha7.PortOpts): hub.ResolvedPortSpec => {
  const { network, fixedIPs, securityGroups, nameSuffix, description, ...rest } = portToHub(p);
  return {
    ...rest,
    name: nameSuffix ?? "",
    description: description ?? "",
    networkID: network?.id ?? "",
    fixedIPs: each(fixedIPs, (ip) => ({ subnet: ip.subnet?.id, ipAddress: ip.ipAddress })),
    securityGroups: each(securityGroups, (group) => group.id ?? ""),
  };
};

export const resolvedPortFromHub = (p: hub.ResolvedPortSpec): v1alpha7.PortOpts => {
  const { name, description, networkID, fixedIPs, securityGroups, ...rest } = p;
  return portFromHub({
    ...rest,
    nameSuffix: nonEmpty(name),
    description: nonEmpty(description),
    network: maybe(nonEmpty(networkID), (id) => ({ id })),
    fixedIPs: each(fixedIPs, (ip) => ({
      subnet: maybe(nonEmpty(ip.subnet), (id) => ({ id })),
      ipAddress: ip.ipAddress,
    })),
    securityGroups: each(securityGroups, (id) => ({ id })),
  });
};

// --- machine spec fields shared by every alpha version ---------------------------------------------------

type CommonSpec = Pick<
  v1alpha8.OpenStackMachineSpec,
  "providerID" | "flavor" | "sshKeyName" | "trunk" | "tags" | "configDrive" | "rootVolume"
>;

export const machineCommonToHub = (s: CommonSpec) => ({
  providerID: s.providerID,
  flavor: s.flavor,
  sshKeyName: s.sshKeyName,
  trunk: s.trunk,
  tags: s.tags,
  configDrive: s.configDrive,
  rootVolume: maybe(s.rootVolume, rootVolumeToHub),
});

export const machineCommonFromHub = (s: hub.OpenStackMachineSpec): CommonSpec => ({
  providerID: s.providerID,
  flavor: s.flavor,
  sshKeyName: s.sshKeyName,
  trunk: s.trunk,
  tags: s.tags,
  configDrive: s.configDrive,
  rootVolume: maybe(s.rootVolume, rootVolumeFromHub),
});
