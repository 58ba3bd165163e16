// Octavia (load-balancer v2). Everything under /v2.0/lbaas. Octavia answers 409 "immutable" while a load balancer
// is PENDING_*; the transport retries those a few times, callers still wait for ACTIVE between steps.
import { isNotFound } from "./errors.ts";
import { Crud, ServiceClient, compareVersions, serviceRoot } from "./rest.ts";
import type { GetOptions } from "./rest.ts";
import type { Query, ServiceDef, Session } from "./session.ts";
import type { HttpResponse } from "./transport.ts";

export const LOAD_BALANCER: ServiceDef = { types: ["load-balancer"], name: "load-balancer", version: "v2.0" };

interface Status {
  id: string;
  name: string;
  description: string;
  provisioning_status: string;
  operating_status: string;
  admin_state_up: boolean;
  project_id: string;
  tags: string[];
  created_at?: string;
  updated_at?: string | null;
}

export interface LoadBalancer extends Status {
  vip_address: string;
  vip_port_id: string;
  vip_subnet_id: string;
  vip_network_id: string;
  provider: string;
  flavor_id: string | null;
  availability_zone: string | null;
  listeners: { id: string }[];
  pools: { id: string }[];
}

export interface LoadBalancerCreate {
  name?: string;
  description?: string;
  vip_subnet_id?: string;
  vip_network_id?: string;
  vip_port_id?: string;
  vip_address?: string;
  provider?: string;
  flavor_id?: string;
  availability_zone?: string;
  admin_state_up?: boolean;
  tags?: string[];
}

export interface Listener extends Status {
  protocol: string;
  protocol_port: number;
  default_pool_id: string | null;
  /** API v2.12+. */
  allowed_cidrs: string[] | null;
  loadbalancers: { id: string }[];
  connection_limit: number;
}

export interface ListenerCreate {
  loadbalancer_id: string;
  protocol: string;
  protocol_port: number;
  name?: string;
  description?: string;
  default_pool_id?: string;
  allowed_cidrs?: string[];
  connection_limit?: number;
  admin_state_up?: boolean;
  tags?: string[];
}

export interface Pool extends Status {
  lb_algorithm: string;
  protocol: string;
  listeners: { id: string }[];
  loadbalancers: { id: string }[];
  members: { id: string }[];
  healthmonitor_id: string | null;
}

export interface PoolCreate {
  lb_algorithm: string;
  protocol: string;
  listener_id?: string;
  loadbalancer_id?: string;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  tags?: string[];
}

export interface Member extends Status {
  address: string;
  protocol_port: number;
  subnet_id?: string;
  weight: number;
  backup?: boolean;
  monitor_address?: string | null;
  monitor_port?: number | null;
}

export interface MemberCreate {
  address: string;
  protocol_port: number;
  name?: string;
  subnet_id?: string;
  weight?: number;
  backup?: boolean;
  monitor_address?: string;
  monitor_port?: number;
  admin_state_up?: boolean;
  tags?: string[];
}

export interface HealthMonitor extends Status {
  type: string;
  delay: number;
  timeout: number;
  max_retries: number;
  max_retries_down: number;
  pools: { id: string }[];
  http_method?: string;
  url_path?: string;
  expected_codes?: string;
}

export interface HealthMonitorCreate {
  pool_id: string;
  type: string;
  delay: number;
  timeout: number;
  max_retries: number;
  max_retries_down?: number;
  name?: string;
  http_method?: string;
  url_path?: string;
  expected_codes?: string;
  admin_state_up?: boolean;
  tags?: string[];
}

export interface Provider {
  name: string;
  description: string;
}

export interface LBFlavor {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  flavor_profile_id: string;
}

export interface LBFlavorProfile {
  id: string;
  name: string;
  provider_name: string;
  /** JSON text. */
  flavor_data: string;
}

/** One node of a load balancer's status tree (GET loadbalancers/<id>/status). */
export interface StatusNode {
  id: string;
  name: string;
  provisioning_status: string;
  operating_status: string;
}

export interface MemberStatus extends StatusNode {
  address: string;
  protocol_port: number;
}

export interface PoolStatus extends StatusNode {
  health_monitor?: StatusNode & { type: string };
  members?: MemberStatus[];
}

export interface ListenerStatus extends StatusNode {
  pools?: PoolStatus[];
}

export interface LoadBalancerStatusTree extends StatusNode {
  listeners?: ListenerStatus[];
}

export interface ApiVersion {
  id: string;
  status: string;
}

type Updatable<T, K extends keyof T> = Partial<Pick<T, K>>;
type Common = "name" | "description" | "admin_state_up" | "tags";

// The list key is the collection's last segment: pools/<id>/members → members.
function lbaas(collection: string, singular: string, metric = singular) {
  return {
    path: `lbaas/${collection}`,
    singular,
    plural: collection.split("/").at(-1) ?? collection,
    metric,
  };
}

export class LoadBalancerClient {
  readonly #c: ServiceClient;
  readonly #session: Session;
  readonly loadBalancers: Crud<LoadBalancer, LoadBalancerCreate, Updatable<LoadBalancer, Common>>;
  readonly listeners: Crud<
    Listener,
    ListenerCreate,
    Updatable<Listener, Common | "allowed_cidrs" | "default_pool_id">
  >;
  readonly pools: Crud<Pool, PoolCreate, Updatable<Pool, Common | "lb_algorithm">>;
  readonly healthMonitors: Crud<
    HealthMonitor,
    HealthMonitorCreate,
    Updatable<HealthMonitor, Common | "delay" | "timeout" | "max_retries" | "max_retries_down">
  >;
  /** Admin only for create/update/delete. */
  readonly flavors: Crud<LBFlavor, Omit<LBFlavor, "id" | "enabled"> & { enabled?: boolean }>;
  /** Admin only. */
  readonly flavorProfiles: Crud<LBFlavorProfile, Omit<LBFlavorProfile, "id">>;

  constructor(session: Session) {
    this.#session = session;
    const c = new ServiceClient(session, LOAD_BALANCER);
    this.#c = c;
    this.loadBalancers = new Crud(c, lbaas("loadbalancers", "loadbalancer"));
    this.listeners = new Crud(c, lbaas("listeners", "listener"));
    this.pools = new Crud(c, lbaas("pools", "pool"));
    this.healthMonitors = new Crud(c, lbaas("healthmonitors", "healthmonitor", "health_monitor"));
    this.flavors = new Crud(c, lbaas("flavors", "flavor", "lb_flavor"));
    this.flavorProfiles = new Crud(c, lbaas("flavorprofiles", "flavorprofile", "lb_flavor_profile"));
  }

  members(poolId: string): Crud<Member, MemberCreate, Updatable<Member, Common | "weight" | "backup">> {
    return new Crud(this.#c, lbaas(`pools/${encodeURIComponent(poolId)}/members`, "member"));
  }

  /**
   * Adds members to a pool in one change: a batch update that leaves unlisted members alone (additive_only,
   * API v2.11; older Octavia would delete them, so callers check the version). A listed member that exists
   * (same address and port) is updated, so a repeat is harmless.
   */
  async addMembers(poolId: string, members: MemberCreate[]): Promise<void> {
    await this.#c.request({
      method: "PUT",
      path: `lbaas/pools/${encodeURIComponent(poolId)}/members`,
      operation: "member_batch_update",
      query: { additive_only: true },
      body: { members },
      idempotent: true,
    });
  }

  /** Whether addMembers is safe here: Octavia v2.11 and later (the version is read once per session). */
  async supportsAdditiveMembers(): Promise<boolean> {
    const latest = await this.latestVersion();
    return latest !== undefined && compareVersions(latest, "v2.11") >= 0;
  }

  /** Deletes the load balancer with its listeners, pools, members and monitors. */
  deleteLoadBalancerCascade(id: string, o: GetOptions = {}): Promise<boolean> {
    return this.loadBalancers.delete(id, { ...o, query: { cascade: true } });
  }

  /**
   * Listeners, their pools, monitors and members with names and statuses, in one call; undefined when the load
   * balancer is gone.
   */
  async statusTree(id: string): Promise<LoadBalancerStatusTree | undefined> {
    try {
      const s = await this.#c.field<{ loadbalancer: LoadBalancerStatusTree }>("statuses", {
        method: "GET",
        path: `lbaas/loadbalancers/${encodeURIComponent(id)}/status`,
        operation: "loadbalancer_status_get",
        expectedStatuses: [404],
      });
      return s.loadbalancer;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async listProviders(query: Query = {}): Promise<Provider[]> {
    return this.#c.list<Provider>(lbaas("providers", "provider"), query);
  }

  /** The API versions Octavia offers, oldest first; read once per session. */
  async listVersions(): Promise<ApiVersion[]> {
    const root = serviceRoot(await this.#session.baseUrl(LOAD_BALANCER));
    return this.#session.discover(LOAD_BALANCER, root, parseVersions);
  }

  /** The newest API version, e.g. "v2.26" (CAPO gates allowed_cidrs on ≥ v2.12). */
  async latestVersion(): Promise<string | undefined> {
    return (await this.listVersions()).at(-1)?.id;
  }
}

function parseVersions(r: HttpResponse): ApiVersion[] {
  const versions = (JSON.parse(r.text) as { versions?: ApiVersion[] }).versions ?? [];
  return versions.map(({ id, status }) => ({ id, status })).sort((a, b) => compareVersions(a.id, b.id));
}
