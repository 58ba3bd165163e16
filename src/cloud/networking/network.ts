// The cluster's own network and subnet (managedSubnets), or the user's existing ones. CAPO's rules: the network
// is found by name, the subnet by network and CIDR; both are tagged once after create; the subnet's DNS servers
// are the one thing kept in line with the spec afterwards. Steady state (IDs recorded): one GET each.
import ipaddr from "ipaddr.js";
import type * as infra from "../../api/v1beta1/index.ts";
import { isConflict } from "../../openstack/errors.ts";
import type { Network, NetworkClient, NetworkCreate, Subnet } from "../../openstack/network.ts";
import { deleteOwned, ensureOne } from "../ensure.ts";
import { Pending, UserError } from "../errors.ts";
import type { Recorder } from "../recorder.ts";
import { resolveNetworkParam, resolveSubnetParam } from "./resolve.ts";
import { createTagged, message, tagAdopted } from "./tags.ts";

export interface ClusterNetworkWant {
  name: string;
  mtu?: number | undefined;
  portSecurity: boolean;
  tags: string[];
}

export async function ensureClusterNetwork(
  nw: NetworkClient,
  record: Recorder,
  want: ClusterNetworkWant,
  recordedId?: string,
): Promise<Network> {
  const body: NetworkCreate = { name: want.name, admin_state_up: true };
  if (want.mtu !== undefined) body.mtu = want.mtu;
  // Only an explicit false: otherwise the network takes the cloud's default.
  if (!want.portSecurity) body.port_security_enabled = false;
  const got = await ensureOne({
    kind: "network",
    name: want.name,
    recordedId,
    get: (id) => nw.networks.get(id, { ignoreNotFound: true }),
    listByName: (name) => nw.networks.list({ name }),
    create: () =>
      createTagged(nw, record, {
        noun: "Network",
        collection: "networks",
        name: want.name,
        tags: want.tags,
        create: () => nw.networks.create(body),
      }),
    whenGone: "recreate",
  });
  return tagAdopted(nw, "networks", got, want.tags);
}

export interface ClusterSubnetWant {
  name: string;
  description: string;
  networkId: string;
  cidr: string;
  dnsNameservers?: string[] | undefined;
  allocationPools?: infra.AllocationPool[] | undefined;
  tags: string[];
}

export async function ensureClusterSubnet(
  nw: NetworkClient,
  record: Recorder,
  want: ClusterSubnetWant,
  recordedId?: string,
): Promise<Subnet> {
  const ipVersion = ipVersionOf(want.cidr);
  const dns = want.dnsNameservers ?? [];
  const got = await ensureOne({
    kind: "subnet",
    name: want.name,
    recordedId,
    get: (id) => nw.subnets.get(id, { ignoreNotFound: true }),
    // CAPO finds the subnet by network and CIDR, whatever its name.
    listByName: () => nw.subnets.list({ network_id: want.networkId, cidr: want.cidr }),
    create: () =>
      createTagged(nw, record, {
        noun: "Subnet",
        collection: "subnets",
        name: want.name,
        tags: want.tags,
        create: () =>
          nw.subnets.create({
            network_id: want.networkId,
            name: want.name,
            description: want.description,
            ip_version: ipVersion,
            cidr: want.cidr,
            dns_nameservers: dns,
            ...(want.allocationPools?.length ? { allocation_pools: want.allocationPools } : {}),
          }),
      }),
    whenGone: "recreate",
  });
  const subnet = await tagAdopted(nw, "subnets", got, want.tags);
  if (sameList(subnet.dns_nameservers, dns)) return subnet;
  return updateDNS(nw, record, subnet, dns);
}

async function updateDNS(
  nw: NetworkClient,
  record: Recorder,
  subnet: Subnet,
  dns: string[],
): Promise<Subnet> {
  try {
    const updated = await nw.subnets.update(subnet.id, { dns_nameservers: dns });
    record("Normal", "SuccessfulUpdateSubnet", `Updated subnet ${subnet.name} with id ${subnet.id}`);
    return updated;
  } catch (e) {
    record("Warning", "FailedUpdateSubnet", `Failed to update subnet ${subnet.name}: ${message(e)}`);
    throw e;
  }
}

/** Neutron keeps DNS servers in the order given, and the order is meaningful to resolvers. */
const sameList = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** 6 for an IPv6 CIDR, 4 otherwise; a CIDR that does not parse is the user's to fix. */
export function ipVersionOf(cidr: string): 4 | 6 {
  if (!ipaddr.isValidCIDR(cidr))
    throw new UserError("SubnetCreateFailed", `invalid CIDR ${JSON.stringify(cidr)}`);
  return ipaddr.parseCIDR(cidr)[0].kind() === "ipv6" ? 6 : 4;
}

/**
 * The user's network and subnets when the cluster manages none: the network from its param (else the first
 * subnet's), the subnets from theirs within it (else all of the network's). Reads only.
 */
export async function resolveExistingNetwork(
  nw: NetworkClient,
  network?: infra.NetworkParam,
  subnetParams: infra.SubnetParam[] = [],
): Promise<{ network: Network; subnets: Subnet[] }> {
  let net = network ? await resolveNetworkParam(nw, network) : undefined;
  const subnets: Subnet[] = [];
  // Once one subnet is found, the others are looked for in its network (CAPO).
  for (const p of subnetParams)
    subnets.push(await resolveSubnetParam(nw, p, net?.id ?? subnets[0]?.network_id));
  const networkId = net?.id ?? subnets[0]?.network_id;
  if (!networkId)
    throw new UserError(
      "OpenStackError",
      "neither a network nor subnets are given and managedSubnets is empty",
    );
  net ??= await nw.networks.get(networkId);
  const all = subnetParams.length > 0 ? subnets : await nw.subnets.list({ network_id: net.id });
  for (const s of all)
    if (!ipaddr.isValidCIDR(s.cidr))
      throw new UserError("OpenStackError", `subnet ${s.name} (${s.id}) has an invalid CIDR ${s.cidr}`);
  return { network: net, subnets: all };
}

/**
 * Deletes the cluster network (its subnets go with it) by recorded ID and by name. A network that still has
 * ports (a server or load balancer still going away) is Pending: the reconciler looks again soon.
 */
export async function deleteClusterNetwork(
  nw: NetworkClient,
  record: Recorder,
  d: { recordedId?: string | undefined; name: string },
): Promise<number> {
  return deleteOwned({
    recordedId: d.recordedId,
    name: d.name,
    listByName: (name) => nw.networks.list({ name }),
    delete: async (id) => {
      try {
        if (!(await nw.networks.delete(id, { ignoreNotFound: true }))) return false;
      } catch (e) {
        if (isConflict(e)) throw new Pending(`network ${d.name} (${id}) still has ports: ${message(e)}`);
        record(
          "Warning",
          "FailedDeleteNetwork",
          `Failed to delete network ${d.name} with id ${id}: ${message(e)}`,
        );
        throw e;
      }
      record("Normal", "SuccessfulDeleteNetwork", `Deleted network ${d.name} with id ${id}`);
      return true;
    },
  });
}
