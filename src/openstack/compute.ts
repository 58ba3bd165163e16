// Nova (compute v2.1). Microversions as CAPO uses them: 2.38 on every request (the client refuses a Nova without
// it), 2.53 to create a server with tags or tagged block devices, 2.60 for multiattach volumes. The server's
// range is read once per session from the version document.
import { EndpointError } from "./errors.ts";
import { ServiceClient, Tags, compareVersions, versionRoot } from "./rest.ts";
import type { CreateOptions, GetOptions, ListOptions, Resource } from "./rest.ts";
import type { Query, ServiceDef, Session } from "./session.ts";
import type { HttpResponse } from "./transport.ts";

export const COMPUTE: ServiceDef = { types: ["compute"], name: "compute" };

export const MICROVERSION = { base: "2.38", tags: "2.53", multiattach: "2.60" } as const;

export interface Fault {
  code: number;
  message: string;
  details?: string;
  created: string;
}

export interface Server {
  id: string;
  name: string;
  status: string;
  description?: string | null;
  tenant_id: string;
  user_id: string;
  created: string;
  updated: string;
  addresses: Record<string, { addr: string; version: number; "OS-EXT-IPS:type"?: string }[]>;
  metadata: Record<string, string>;
  tags?: string[];
  flavor: Record<string, unknown>;
  image: { id: string } | "";
  key_name: string | null;
  /** Present when status is ERROR: why the build failed. */
  fault?: Fault;
  "OS-EXT-AZ:availability_zone"?: string;
  "OS-EXT-STS:vm_state"?: string;
  "OS-EXT-STS:task_state"?: string | null;
  "os-extended-volumes:volumes_attached"?: { id: string; delete_on_termination?: boolean }[];
  security_groups?: { name: string }[];
}

export interface BlockDeviceMapping {
  boot_index?: number;
  uuid?: string;
  source_type: "image" | "volume" | "blank" | "snapshot";
  destination_type?: "volume" | "local";
  volume_size?: number;
  volume_type?: string;
  delete_on_termination?: boolean;
  device_type?: string;
  disk_bus?: string;
  guest_format?: string;
  /** Needs microversion 2.42+; CAPO uses 2.53. */
  tag?: string;
}

export interface ServerCreate {
  name: string;
  flavorRef: string;
  imageRef?: string;
  networks?: { uuid?: string; port?: string; fixed_ip?: string; tag?: string }[] | "none" | "auto";
  security_groups?: { name: string }[];
  availability_zone?: string;
  key_name?: string;
  metadata?: Record<string, string>;
  /** Base64, as Nova takes it. */
  user_data?: string;
  config_drive?: boolean;
  description?: string;
  block_device_mapping_v2?: BlockDeviceMapping[];
  tags?: string[];
}

export interface ServerCreateOptions {
  schedulerHints?: { group?: string } & Record<string, unknown>;
  /** A block device is a multiattach volume: needs 2.60. */
  multiattach?: boolean;
}

export interface Flavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  "OS-FLV-EXT-DATA:ephemeral"?: number;
  swap?: number | "";
  "os-flavor-access:is_public"?: boolean;
}

export interface AvailabilityZone {
  zoneName: string;
  zoneState: { available: boolean };
}

export interface ServerGroup {
  id: string;
  name: string;
  policies: string[];
  members: string[];
  metadata?: Record<string, string>;
}

export interface Keypair {
  name: string;
  public_key: string;
  fingerprint: string;
  type?: string;
  user_id?: string;
  /** Only when Nova generated the key pair. */
  private_key?: string;
}

export interface InterfaceAttachment {
  port_id: string;
  net_id: string;
  mac_addr: string;
  port_state: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
}

export interface NovaVersion {
  min: string;
  max: string;
}

const SERVERS: Resource = {
  path: "servers",
  listPath: "servers/detail",
  singular: "server",
  plural: "servers",
  metric: "server",
};
const FLAVORS: Resource = {
  path: "flavors",
  listPath: "flavors/detail",
  singular: "flavor",
  plural: "flavors",
  metric: "flavor",
};
const SERVER_GROUPS: Resource = {
  path: "os-server-groups",
  singular: "server_group",
  plural: "server_groups",
  metric: "server_group",
};
const KEYPAIRS: Resource = {
  path: "os-keypairs",
  singular: "keypair",
  plural: "keypairs",
  metric: "keypair",
};

function interfaces(serverId: string): Resource {
  return {
    path: `servers/${encodeURIComponent(serverId)}/os-interface`,
    singular: "interfaceAttachment",
    plural: "interfaceAttachments",
    metric: "server_interface",
  };
}

export class ComputeClient {
  readonly #c: ServiceClient;
  readonly #tags: Tags;
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
    this.#c = new ServiceClient(session, COMPUTE, () => this.#microversion(MICROVERSION.base));
    this.#tags = new Tags(this.#c, "server_tag");
  }

  /** Nova's microversion range, discovered once per session; fails if 2.38 is out of range. */
  async versions(): Promise<NovaVersion> {
    const root = versionRoot(await this.#session.baseUrl(COMPUTE));
    const v = await this.#session.discover(COMPUTE, root, parseNovaVersion);
    if (!supports(v, MICROVERSION.base)) {
      throw new EndpointError(
        `no compatible server version: CAPO requires Nova microversion ${MICROVERSION.base}; ` +
          `the server supports ${v.min} to ${v.max}`,
      );
    }
    return v;
  }

  // Servers.

  async createServer(server: ServerCreate, o: ServerCreateOptions = {}): Promise<Pick<Server, "id">> {
    const tagged =
      (server.tags?.length ?? 0) > 0 || (server.block_device_mapping_v2 ?? []).some((b) => b.tag);
    const version = o.multiattach ? MICROVERSION.multiattach : tagged ? MICROVERSION.tags : MICROVERSION.base;
    const opts: CreateOptions = {
      headers: await this.#microversion(version),
      probe: { name: exactName(server.name) },
      ...(o.schedulerHints ? { extraBody: { "os:scheduler_hints": o.schedulerHints } } : {}),
    };
    return this.#c.create(SERVERS, server, opts);
  }

  getServer(id: string, o: GetOptions & { ignoreNotFound: true }): Promise<Server | undefined>;
  getServer(id: string, o?: GetOptions): Promise<Server>;
  getServer(id: string, o: GetOptions = {}): Promise<Server | undefined> {
    return this.#c.get<Server>(SERVERS, id, o);
  }

  /** Detailed list. `name` is a regular expression in Nova; use exactName() for an exact match. */
  listServers(query: Query = {}, o: ListOptions = {}): Promise<Server[]> {
    return this.#c.list<Server>(SERVERS, query, o);
  }

  updateServer(id: string, patch: { name?: string; description?: string }): Promise<Server> {
    return this.#c.update<Server>(SERVERS, id, patch);
  }

  deleteServer(id: string, o: GetOptions = {}): Promise<boolean> {
    return this.#c.delete(SERVERS, id, o);
  }

  // Server tags (2.26+).

  listServerTags(id: string): Promise<string[]> {
    return this.#tags.list("servers", id);
  }

  replaceServerTags(id: string, tags: string[]): Promise<string[]> {
    return this.#tags.replace("servers", id, tags);
  }

  addServerTag(id: string, tag: string): Promise<void> {
    return this.#tags.add("servers", id, tag);
  }

  deleteServerTag(id: string, tag: string): Promise<void> {
    return this.#tags.delete("servers", id, tag);
  }

  // Server metadata.

  async getServerMetadata(id: string): Promise<Record<string, string>> {
    return (await this.#metadata(id, "GET", "server_metadata_get")).metadata;
  }

  /** Adds or changes the given keys, keeping the others. */
  async updateServerMetadata(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    return (await this.#metadata(id, "POST", "server_metadata_update", metadata)).metadata;
  }

  /** Makes the metadata exactly this. */
  async replaceServerMetadata(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    return (await this.#metadata(id, "PUT", "server_metadata_replace", metadata)).metadata;
  }

  async deleteServerMetadataItem(id: string, key: string): Promise<void> {
    await this.#c.request({
      method: "DELETE",
      path: `servers/${encodeURIComponent(id)}/metadata/${encodeURIComponent(key)}`,
      operation: "server_metadata_delete",
    });
  }

  #metadata(
    id: string,
    method: "GET" | "POST" | "PUT",
    operation: string,
    metadata?: Record<string, string>,
  ) {
    return this.#c.json<{ metadata: Record<string, string> }>({
      method,
      path: `servers/${encodeURIComponent(id)}/metadata`,
      operation,
      ...(metadata ? { body: { metadata } } : {}),
    });
  }

  // Flavors.

  listFlavors(query: Query = {}, o: ListOptions = {}): Promise<Flavor[]> {
    return this.#c.list<Flavor>(FLAVORS, query, o);
  }

  getFlavor(id: string): Promise<Flavor> {
    return this.#c.get<Flavor>(FLAVORS, id);
  }

  /** Admin only. */
  createFlavor(flavor: {
    name: string;
    ram: number;
    vcpus: number;
    disk: number;
    id?: string;
  }): Promise<Flavor> {
    return this.#c.create<Flavor>(FLAVORS, flavor, { probe: { name: flavor.name } });
  }

  /** Admin only. */
  deleteFlavor(id: string, o: GetOptions = {}): Promise<boolean> {
    return this.#c.delete(FLAVORS, id, o);
  }

  // Availability zones.

  listAvailabilityZones(): Promise<AvailabilityZone[]> {
    return this.#c.field("availabilityZoneInfo", {
      method: "GET",
      path: "os-availability-zone",
      operation: "availability_zone_list",
    });
  }

  // Server groups.

  createServerGroup(group: { name: string; policies: string[] }): Promise<ServerGroup> {
    return this.#c.create<ServerGroup>(SERVER_GROUPS, group);
  }

  getServerGroup(id: string, o: GetOptions = {}): Promise<ServerGroup | undefined> {
    return this.#c.get<ServerGroup>(SERVER_GROUPS, id, o);
  }

  /** Nova has no name filter here: filter the result. */
  listServerGroups(query: Query = {}): Promise<ServerGroup[]> {
    return this.#c.list<ServerGroup>(SERVER_GROUPS, query);
  }

  deleteServerGroup(id: string, o: GetOptions = {}): Promise<boolean> {
    return this.#c.delete(SERVER_GROUPS, id, o);
  }

  // Key pairs (addressed by name).

  createKeypair(keypair: { name: string; public_key?: string; type?: "ssh" | "x509" }): Promise<Keypair> {
    return this.#c.create<Keypair>(KEYPAIRS, keypair);
  }

  getKeypair(name: string, o: GetOptions = {}): Promise<Keypair | undefined> {
    return this.#c.get<Keypair>(KEYPAIRS, name, o);
  }

  async listKeypairs(o: ListOptions = {}): Promise<Keypair[]> {
    // Each list item is wrapped: {"keypairs": [{"keypair": {...}}]}.
    return (await this.#c.list<{ keypair: Keypair }>(KEYPAIRS, {}, o)).map((k) => k.keypair);
  }

  deleteKeypair(name: string, o: GetOptions = {}): Promise<boolean> {
    return this.#c.delete(KEYPAIRS, name, o);
  }

  // Interface attachments.

  listInterfaceAttachments(serverId: string): Promise<InterfaceAttachment[]> {
    return this.#c.list<InterfaceAttachment>(interfaces(serverId));
  }

  getInterfaceAttachment(serverId: string, portId: string): Promise<InterfaceAttachment> {
    return this.#c.get<InterfaceAttachment>(interfaces(serverId), portId);
  }

  createInterfaceAttachment(
    serverId: string,
    attachment: { port_id?: string; net_id?: string; fixed_ips?: { ip_address: string }[] },
  ): Promise<InterfaceAttachment> {
    return this.#c.create<InterfaceAttachment>(interfaces(serverId), attachment);
  }

  deleteInterfaceAttachment(serverId: string, portId: string, o: GetOptions = {}): Promise<boolean> {
    return this.#c.delete(interfaces(serverId), portId, o);
  }

  async #microversion(version: string): Promise<Record<string, string>> {
    const v = await this.versions();
    if (!supports(v, version)) {
      throw new EndpointError(`Nova microversion ${version} is needed; the server supports up to ${v.max}`);
    }
    return { "x-openstack-nova-api-version": version, "openstack-api-version": `compute ${version}` };
  }
}

/** A Nova name filter matching exactly `name` (Nova treats it as a regular expression). */
export function exactName(name: string): string {
  return `^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
}

export function parseNovaVersion(r: HttpResponse): NovaVersion {
  const v = (JSON.parse(r.text) as { version?: { min_version?: string; version?: string } }).version;
  // A Nova without microversions reports empty strings: it supports exactly 2.1.
  return { min: v?.min_version || "2.1", max: v?.version || "2.1" };
}

export function supports(v: NovaVersion, wanted: string): boolean {
  return compareVersions(v.min, wanted) <= 0 && compareVersions(wanted, v.max) <= 0;
}
