// Neutron (network v2.0): the resources CAPO manages, plus the actions that are not plain CRUD (router
// interfaces, trunk subports, tags). List filters are Neutron's query parameters; tagFilter() builds the tag ones.
import { ConfigError } from "./errors.ts";
import { Crud, ServiceClient, Tags } from "./rest.ts";
import type { Query, ServiceDef, Session } from "./session.ts";

export const NETWORK: ServiceDef = { types: ["network"], name: "network", version: "v2.0" };

interface Standard {
  id: string;
  name: string;
  description: string;
  tags: string[];
  project_id: string;
  tenant_id?: string;
  created_at?: string;
  updated_at?: string;
  revision_number?: number;
}

export interface Extension {
  alias: string;
  name: string;
  description: string;
  updated?: string;
}

export interface Network extends Standard {
  status: string;
  admin_state_up: boolean;
  shared: boolean;
  subnets: string[];
  mtu?: number;
  port_security_enabled?: boolean;
  "router:external"?: boolean;
  "provider:network_type"?: string;
  "provider:physical_network"?: string | null;
  "provider:segmentation_id"?: number | null;
  availability_zones?: string[];
}

export interface NetworkCreate {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
  shared?: boolean;
  "router:external"?: boolean;
  "provider:network_type"?: string;
  "provider:physical_network"?: string;
  "provider:segmentation_id"?: number;
}

export interface AllocationPool {
  start: string;
  end: string;
}

export interface Subnet extends Standard {
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  allocation_pools: AllocationPool[];
  dns_nameservers: string[];
  host_routes: { destination: string; nexthop: string }[];
  ipv6_ra_mode?: string | null;
  ipv6_address_mode?: string | null;
}

export interface SubnetCreate {
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
  name?: string;
  description?: string;
  gateway_ip?: string | null;
  enable_dhcp?: boolean;
  allocation_pools?: AllocationPool[];
  dns_nameservers?: string[];
  host_routes?: { destination: string; nexthop: string }[];
  ipv6_ra_mode?: string;
  ipv6_address_mode?: string;
}

export interface ExternalGateway {
  network_id: string;
  enable_snat?: boolean;
  /** Setting these (and enable_snat) is admin-only under Neutron's default policy. */
  external_fixed_ips?: { subnet_id?: string; ip_address?: string }[];
}

export interface Router extends Standard {
  status: string;
  admin_state_up: boolean;
  external_gateway_info: ExternalGateway | null;
  routes?: { destination: string; nexthop: string }[];
  availability_zone_hints?: string[];
}

export interface RouterCreate {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  external_gateway_info?: ExternalGateway;
  availability_zone_hints?: string[];
}

export interface RouterInterface {
  id: string;
  subnet_id: string;
  subnet_ids: string[];
  port_id: string;
  network_id: string;
}

export interface FixedIP {
  subnet_id?: string;
  ip_address?: string;
}

export interface AddressPair {
  ip_address: string;
  mac_address?: string;
}

export interface Port extends Standard {
  network_id: string;
  status: string;
  admin_state_up: boolean;
  mac_address: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  device_id: string;
  device_owner: string;
  security_groups: string[];
  allowed_address_pairs: AddressPair[];
  port_security_enabled?: boolean;
  "binding:vnic_type"?: string;
  "binding:profile"?: Record<string, unknown>;
  "binding:host_id"?: string;
  trunk_details?: { trunk_id: string; sub_ports: SubPort[] };
  propagate_uplink_status?: boolean;
}

export interface PortCreate {
  network_id: string;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  mac_address?: string;
  fixed_ips?: FixedIP[];
  device_id?: string;
  device_owner?: string;
  security_groups?: string[];
  allowed_address_pairs?: AddressPair[];
  port_security_enabled?: boolean;
  "binding:vnic_type"?: string;
  /** Admin-only under Neutron's default policy. */
  "binding:profile"?: Record<string, unknown>;
  "binding:host_id"?: string;
  propagate_uplink_status?: boolean;
}

export interface SubPort {
  port_id: string;
  segmentation_type?: string;
  segmentation_id?: number;
}

export interface Trunk extends Standard {
  port_id: string;
  status: string;
  admin_state_up: boolean;
  sub_ports: SubPort[];
}

export interface TrunkCreate {
  port_id: string;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  sub_ports?: SubPort[];
}

export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: "ingress" | "egress";
  ethertype: "IPv4" | "IPv6";
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
  project_id: string;
}

export type SecurityGroupRuleCreate = Partial<Omit<SecurityGroupRule, "id" | "project_id">> &
  Pick<SecurityGroupRule, "security_group_id" | "direction">;

export interface SecurityGroup extends Standard {
  security_group_rules: SecurityGroupRule[];
  stateful?: boolean;
}

export interface FloatingIP extends Standard {
  floating_ip_address: string;
  floating_network_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
}

export interface FloatingIPCreate {
  floating_network_id: string;
  floating_ip_address?: string;
  subnet_id?: string;
  port_id?: string;
  fixed_ip_address?: string;
  description?: string;
}

/** Resource collections that take tags under /v2.0/<collection>/<id>/tags. */
export type TaggableCollection =
  "networks" | "subnets" | "ports" | "routers" | "security-groups" | "floatingips" | "trunks" | "subnetpools";

export interface TagFilter {
  /** All of these. */
  tags?: string[];
  /** Any of these. */
  tagsAny?: string[];
  /** Not all of these. */
  notTags?: string[];
  /** None of these. */
  notTagsAny?: string[];
}

/** Neutron's tag query parameters, comma-separated. */
export function tagFilter(f: TagFilter): Query {
  const q: Query = {};
  const set = (k: string, v: string[] | undefined) => {
    if (v && v.length > 0) q[k] = v.join(",");
  };
  set("tags", f.tags);
  set("tags-any", f.tagsAny);
  set("not-tags", f.notTags);
  set("not-tags-any", f.notTagsAny);
  return q;
}

// The list key is the collection with underscores: security-groups → security_groups.
function resource(path: string, singular: string, metric = singular) {
  return { path, singular, plural: path.replace(/-/g, "_"), metric };
}

export class NetworkClient {
  readonly #c: ServiceClient;
  readonly #tags: Tags;
  readonly networks: Crud<Network, NetworkCreate>;
  readonly subnets: Crud<Subnet, SubnetCreate>;
  readonly routers: Crud<Router, RouterCreate>;
  readonly ports: Crud<Port, PortCreate>;
  readonly trunks: Crud<Trunk, TrunkCreate, Partial<Pick<Trunk, "name" | "description" | "admin_state_up">>>;
  readonly securityGroups: Crud<SecurityGroup, { name: string; description?: string; stateful?: boolean }>;
  readonly securityGroupRules: Crud<SecurityGroupRule, SecurityGroupRuleCreate, never>;
  readonly floatingIPs: Crud<FloatingIP, FloatingIPCreate>;

  constructor(session: Session) {
    const c = new ServiceClient(session, NETWORK);
    this.#c = c;
    this.#tags = new Tags(c, "tag");
    this.networks = new Crud(c, resource("networks", "network"));
    this.subnets = new Crud(c, resource("subnets", "subnet"));
    this.routers = new Crud(c, resource("routers", "router"));
    this.ports = new Crud(c, resource("ports", "port"));
    this.trunks = new Crud(c, resource("trunks", "trunk"));
    this.securityGroups = new Crud(c, resource("security-groups", "security_group"));
    this.securityGroupRules = new Crud(c, resource("security-group-rules", "security_group_rule"));
    this.floatingIPs = new Crud(c, resource("floatingips", "floatingip", "floating_ip"));
  }

  /**
   * Neutron's bulk create: several rules of one group in one call, all or none (a duplicate fails the lot with
   * 409). Safe to repeat after a lost answer: a repeat meets its own rules as duplicates, never twins.
   */
  createSecurityGroupRules(rules: SecurityGroupRuleCreate[]): Promise<SecurityGroupRule[]> {
    return this.#c.field("security_group_rules", {
      method: "POST",
      path: "security-group-rules",
      operation: "security_group_rule_create_bulk",
      body: { security_group_rules: rules },
      idempotent: true,
    });
  }

  listExtensions(): Promise<Extension[]> {
    return this.#c.field("extensions", { method: "GET", path: "extensions", operation: "extension_list" });
  }

  /**
   * A port with CAPO's value specs: extra keys sent as they are (for plugins' own attributes). A value spec may
   * not shadow an attribute given explicitly.
   */
  createPort(port: PortCreate, valueSpecs: Record<string, unknown> = {}): Promise<Port> {
    const clash = Object.keys(valueSpecs).find((k) => k in port);
    if (clash) throw new ConfigError(`port value spec ${clash} duplicates a port attribute`);
    return this.ports.create({ ...valueSpecs, ...port });
  }

  // Router interfaces and gateway.

  addRouterInterface(routerId: string, target: { subnet_id: string } | { port_id: string }) {
    return this.#routerAction(routerId, "add_router_interface", target);
  }

  removeRouterInterface(routerId: string, target: { subnet_id: string } | { port_id: string }) {
    return this.#routerAction(routerId, "remove_router_interface", target);
  }

  setRouterGateway(routerId: string, gateway: ExternalGateway): Promise<Router> {
    return this.routers.update(routerId, { external_gateway_info: gateway });
  }

  clearRouterGateway(routerId: string): Promise<Router> {
    // Neutron clears the gateway on an empty object; null is refused by some releases.
    return this.routers.update(routerId, { external_gateway_info: {} as ExternalGateway });
  }

  #routerAction(routerId: string, action: string, body: unknown): Promise<RouterInterface> {
    return this.#c.json<RouterInterface>({
      method: "PUT",
      path: `routers/${encodeURIComponent(routerId)}/${action}`,
      operation: `router_${action.replace("_router", "")}`,
      body,
      // Repeating an add or a remove that went through fails rather than being a no-op.
      idempotent: false,
    });
  }

  // Trunk subports.

  addSubports(trunkId: string, subPorts: SubPort[]): Promise<Trunk> {
    return this.#trunkAction(trunkId, "add_subports", "PUT", { sub_ports: subPorts });
  }

  removeSubports(trunkId: string, portIds: string[]): Promise<Trunk> {
    const subPorts = portIds.map((port_id) => ({ port_id }));
    return this.#trunkAction(trunkId, "remove_subports", "PUT", { sub_ports: subPorts });
  }

  async listSubports(trunkId: string): Promise<SubPort[]> {
    return (await this.#trunkAction<{ sub_ports: SubPort[] }>(trunkId, "get_subports", "GET")).sub_ports;
  }

  #trunkAction<T = Trunk>(
    trunkId: string,
    action: string,
    method: "GET" | "PUT",
    body?: unknown,
  ): Promise<T> {
    return this.#c.json<T>({
      method,
      path: `trunks/${encodeURIComponent(trunkId)}/${action}`,
      operation: `trunk_${action}`,
      ...(body !== undefined ? { body, idempotent: false } : {}),
    });
  }

  // Floating IP association.

  associateFloatingIP(id: string, portId: string, fixedIp?: string): Promise<FloatingIP> {
    return this.floatingIPs.update(id, {
      port_id: portId,
      ...(fixedIp ? { fixed_ip_address: fixedIp } : {}),
    });
  }

  disassociateFloatingIP(id: string): Promise<FloatingIP> {
    return this.floatingIPs.update(id, { port_id: null });
  }

  // Tags (extension standard-attr-tag).

  listTags(collection: TaggableCollection, id: string): Promise<string[]> {
    return this.#tags.list(collection, id);
  }

  /** Makes the tags exactly these. */
  replaceTags(collection: TaggableCollection, id: string, tags: string[]): Promise<string[]> {
    return this.#tags.replace(collection, id, tags);
  }

  addTag(collection: TaggableCollection, id: string, tag: string): Promise<void> {
    return this.#tags.add(collection, id, tag);
  }

  deleteTag(collection: TaggableCollection, id: string, tag: string): Promise<void> {
    return this.#tags.delete(collection, id, tag);
  }
}
