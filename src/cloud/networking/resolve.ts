// A user's reference to an existing network, subnet or router — `{id}` or `{filter}` — turned into the one
// Neutron resource it names. A filter is one list call with Neutron's own query parameters (never a list of
// everything filtered here) and must match exactly one resource; an ID is one GET. Shared by the cluster
// (network, subnets, router, external network) and the machine code (port networks and subnets).
import type * as infra from "../../api/v1beta1/index.ts";
import { tagFilter } from "../../openstack/network.ts";
import type { Network, NetworkClient, Router, Subnet } from "../../openstack/network.ts";
import type { Query } from "../../openstack/session.ts";
import { FilterError, UserError } from "../errors.ts";

type NeutronFilter = infra.NetworkFilter | infra.RouterFilter;

/** name, description, project and tags: the query every Neutron filter starts with. */
export function neutronQuery(f: NeutronFilter): Query {
  const q = tagFilter(f);
  if (f.name !== undefined) q.name = f.name;
  if (f.description !== undefined) q.description = f.description;
  if (f.projectID !== undefined) q.project_id = f.projectID;
  return q;
}

export function subnetQuery(f: infra.SubnetFilter): Query {
  const q = neutronQuery(f);
  if (f.ipVersion !== undefined) q.ip_version = f.ipVersion;
  if (f.gatewayIP !== undefined) q.gateway_ip = f.gatewayIP;
  if (f.cidr !== undefined) q.cidr = f.cidr;
  if (f.ipv6AddressMode !== undefined) q.ipv6_address_mode = f.ipv6AddressMode;
  if (f.ipv6RAMode !== undefined) q.ipv6_ra_mode = f.ipv6RAMode;
  return q;
}

interface Lookup<T> {
  kind: string;
  get(id: string): Promise<T | undefined>;
  list(q: Query): Promise<T[]>;
}

async function resolveOne<T extends { id: string; name: string }, F>(
  l: Lookup<T>,
  param: { id?: string; filter?: F },
  query: (f: F) => Query,
  extra: Query,
): Promise<T> {
  if (param.id !== undefined) {
    const found = await l.get(param.id);
    if (!found) throw new UserError("OpenStackError", `${l.kind} ${param.id} not found`);
    return found;
  }
  if (param.filter === undefined)
    throw new UserError("OpenStackError", `${l.kind} param has neither id nor filter`);
  const matches = await l.list({ ...query(param.filter), ...extra });
  const [one] = matches;
  if (matches.length !== 1 || !one) throw new FilterError(l.kind, { ...param.filter, ...extra }, matches);
  return one;
}

/** `extra` narrows the filter (the external network adds `router:external=true`); an `{id}` is taken as it is. */
export function resolveNetworkParam(
  nw: NetworkClient,
  param: infra.NetworkParam,
  extra: Query = {},
): Promise<Network> {
  return resolveOne(
    {
      kind: "network",
      get: (id) => nw.networks.get(id, { ignoreNotFound: true }),
      list: (q) => nw.networks.list(q),
    },
    param,
    neutronQuery,
    extra,
  );
}

/** Within `networkId` when given: the filter is narrowed to it, and a subnet given by ID must be in it. */
export async function resolveSubnetParam(
  nw: NetworkClient,
  param: infra.SubnetParam,
  networkId?: string,
): Promise<Subnet> {
  const subnet = await resolveOne(
    {
      kind: "subnet",
      get: (id) => nw.subnets.get(id, { ignoreNotFound: true }),
      list: (q) => nw.subnets.list(q),
    },
    param,
    subnetQuery,
    networkId ? { network_id: networkId } : {},
  );
  if (networkId && subnet.network_id !== networkId)
    throw new UserError(
      "OpenStackError",
      `subnet ${subnet.name} (${subnet.id}) is in network ${subnet.network_id}, not in network ${networkId}`,
    );
  return subnet;
}

export function resolveRouterParam(nw: NetworkClient, param: infra.RouterParam): Promise<Router> {
  return resolveOne(
    {
      kind: "router",
      get: (id) => nw.routers.get(id, { ignoreNotFound: true }),
      list: (q) => nw.routers.list(q),
    },
    param,
    neutronQuery,
    {},
  );
}
