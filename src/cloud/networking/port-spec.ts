// A machine's ports as CAPO v0.10 wants them, without a call to the cloud: which network each port goes on,
// its name, description, tags, trunk and security groups (portTargets, portSpec), and the Neutron request
// that creates a resolved port (portCreateRequest). ports.ts does the lookups in between.
import type * as infra from "../../api/v1beta1/index.ts";
import type * as neutron from "../../openstack/network.ts";
import { UserError } from "../errors.ts";
import { portDescription, portName } from "../names.ts";

/** The cluster's network as status recorded it: its subnets become the fixed IPs of a port without network. */
export interface ClusterNetwork {
  id: string;
  subnets: { id: string }[];
}

export interface PortsWant {
  machineName: string;
  /** The cluster-name label: the default port description names it (no namespace, as CAPO does). */
  clusterName: string;
  ports?: infra.PortOpts[] | undefined;
  /** The machine's own security groups (already resolved), added to every port with port security. */
  machineSecurityGroupIds: string[];
  /** The managed control plane or worker group: a port's group when it names none. */
  defaultSecurityGroupId?: string | undefined;
  /** The machine's trunk setting, for ports that do not say. */
  trunk?: boolean | undefined;
  /** Machine tags ∪ cluster tags. */
  tags: string[];
  clusterNetwork?: ClusterNetwork | undefined;
}

/** Where a port goes before lookups: a network param (possibly the cluster network's ID), or the network of a subnet. */
export type PortTarget = { port: infra.PortOpts; fixedIPs: infra.FixedIP[] } & (
  { network: infra.NetworkParam } | { networkOf: infra.SubnetParam }
);

/**
 * No ports means one port on the cluster network. A port without network or fixed IPs goes on the cluster
 * network with one fixed IP per cluster subnet (none: Neutron allocates); with fixed IPs naming a subnet its
 * network is inferred from that subnet; with fixed IPs naming only addresses it goes on the cluster network.
 */
export function portTargets(want: PortsWant): PortTarget[] {
  const ports = want.ports?.length ? want.ports : [{}];
  const net = want.clusterNetwork;
  return ports.map((port, i) => {
    const fixedIPs = port.fixedIPs ?? [];
    if (port.network?.id || port.network?.filter) return { port, network: port.network, fixedIPs };
    const networkOf = fixedIPs.find((f) => f.subnet)?.subnet;
    if (networkOf) return { port, networkOf, fixedIPs };
    if (!net)
      throw new UserError(
        "InvalidMachineSpec",
        want.ports?.length
          ? `port ${i} of machine ${want.machineName} has no network and the cluster has no network`
          : `machine ${want.machineName} has no ports and the cluster has no network`,
      );
    const defaulted = fixedIPs.length ? fixedIPs : net.subnets.map((s) => ({ subnet: { id: s.id } }));
    return { port, network: { id: net.id }, fixedIPs: defaulted };
  });
}

/** What ports.ts looked up for one port. */
export interface PortLookups {
  networkID: string;
  fixedIPs: infra.ResolvedFixedIP[];
  /** The port's own security groups, resolved; empty when it names none. */
  securityGroups: string[];
}

/** The resolved spec of port `index` of the machine. */
export function portSpec(
  want: PortsWant,
  index: number,
  port: infra.PortOpts,
  got: PortLookups,
): infra.ResolvedPortSpec {
  const {
    network: _n,
    description,
    nameSuffix,
    fixedIPs: _f,
    securityGroups: _s,
    tags,
    trunk,
    ...fields
  } = port;
  const allTags = union(want.tags, tags ?? []);
  return {
    name: portName(want.machineName, index, nameSuffix),
    description: description ?? portDescription(want.clusterName),
    networkID: got.networkID,
    ...(allTags.length ? { tags: allTags } : {}),
    trunk: trunk ?? want.trunk ?? false,
    ...(got.fixedIPs.length ? { fixedIPs: got.fixedIPs } : {}),
    ...(port.disablePortSecurity ? {} : { securityGroups: portSecurityGroups(want, got.securityGroups) }),
    ...fields,
  };
}

/** A port's own groups, else the managed default; then the machine's groups. */
export function portSecurityGroups(want: PortsWant, own: string[]): string[] {
  const base = own.length ? own : want.defaultSecurityGroupId ? [want.defaultSecurityGroupId] : [];
  return union(base, want.machineSecurityGroupIds);
}

export function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** Same members, whatever the order (Neutron does not keep the order of tags). */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(a);
  return s.size === new Set(b).size && b.every((x) => s.has(x));
}

/**
 * The Neutron create body for a resolved port, and its value specs (sent as strings, as CAPO sends them).
 * Address pairs only go with port security: Neutron refuses them on a port without it.
 */
export function portCreateRequest(spec: infra.ResolvedPortSpec): {
  body: neutron.PortCreate;
  valueSpecs: Record<string, string>;
} {
  const security = !spec.disablePortSecurity;
  const pairs = spec.allowedAddressPairs ?? [];
  const profile = bindingProfile(spec.profile);
  const body: neutron.PortCreate = {
    name: spec.name,
    description: spec.description,
    network_id: spec.networkID,
    ...(spec.adminStateUp !== undefined ? { admin_state_up: spec.adminStateUp } : {}),
    ...(spec.macAddress ? { mac_address: spec.macAddress } : {}),
    ...(security && pairs.length
      ? {
          allowed_address_pairs: pairs.map((p) => ({
            ip_address: p.ipAddress,
            ...(p.macAddress ? { mac_address: p.macAddress } : {}),
          })),
        }
      : {}),
    ...(spec.propagateUplinkStatus !== undefined
      ? { propagate_uplink_status: spec.propagateUplinkStatus }
      : {}),
    ...(spec.fixedIPs?.length
      ? {
          fixed_ips: spec.fixedIPs.map((f) => ({
            ...(f.subnet ? { subnet_id: f.subnet } : {}),
            ...(f.ipAddress ? { ip_address: f.ipAddress } : {}),
          })),
        }
      : {}),
    ...(security ? { security_groups: spec.securityGroups ?? [] } : {}),
    // Sent whenever the spec says, as CAPO does; unset keeps the network's default.
    ...(spec.disablePortSecurity !== undefined ? { port_security_enabled: security } : {}),
    ...(spec.hostID ? { "binding:host_id": spec.hostID } : {}),
    ...(spec.vnicType ? { "binding:vnic_type": spec.vnicType } : {}),
    ...(profile ? { "binding:profile": profile } : {}),
  };
  const valueSpecs = Object.fromEntries((spec.valueSpecs ?? []).map((v) => [v.key, v.value]));
  return { body, valueSpecs };
}

// v0.10 has no port-trusted-vif attribute: a trusted VF is said in the binding profile.
function bindingProfile(p: infra.BindingProfile | undefined): Record<string, unknown> | undefined {
  const profile: Record<string, unknown> = {
    ...(p?.ovsHWOffload ? { capabilities: ["switchdev"] } : {}),
    ...(p?.trustedVF ? { trusted: true } : {}),
  };
  return Object.keys(profile).length ? profile : undefined;
}
