// The cluster router: its gateway on the external network and one interface per cluster subnet. CAPO creates
// it by name, tags it once, and puts the gateway's fixed IPs every reconcile; here the gateway is set only when
// it lacks what is wanted, so a steady reconcile is a GET of the router and one list of its ports.
import type * as infra from "../../api/v1beta1/index.ts";
import { HttpError } from "../../openstack/errors.ts";
import type { ExternalGateway, NetworkClient, Router } from "../../openstack/network.ts";
import { ensureOne } from "../ensure.ts";
import type { Recorder } from "../recorder.ts";
import { resolveSubnetParam } from "./resolve.ts";
import { createTagged, message, tagAdopted } from "./tags.ts";

export interface ExternalIP {
  ipAddress?: string | undefined;
  subnetId: string;
}

export interface ClusterRouterWant {
  name: string;
  description: string;
  tags: string[];
  externalNetworkId: string;
  externalIPs?: ExternalIP[] | undefined;
}

export async function ensureClusterRouter(
  nw: NetworkClient,
  record: Recorder,
  want: ClusterRouterWant,
  recordedId?: string,
): Promise<Router> {
  const gateway = gatewayOf(want);
  const got = await ensureOne({
    kind: "router",
    name: want.name,
    recordedId,
    get: (id) => nw.routers.get(id, { ignoreNotFound: true }),
    listByName: (name) => nw.routers.list({ name }),
    create: () =>
      createTagged(nw, record, {
        noun: "Router",
        collection: "routers",
        name: want.name,
        tags: want.tags,
        create: () =>
          nw.routers.create({
            name: want.name,
            description: want.description,
            external_gateway_info: gateway,
          }),
      }),
    whenGone: "recreate",
  });
  const router = await tagAdopted(nw, "routers", got, want.tags);
  if (hasGateway(router, want)) return router;
  try {
    const updated = await nw.setRouterGateway(router.id, gateway);
    record("Normal", "SuccessfulUpdateRouter", `Updated router ${router.name} with id ${router.id}`);
    return updated;
  } catch (e) {
    record("Warning", "FailedUpdateRouter", `Failed to update router ${router.name}: ${message(e)}`);
    throw e;
  }
}

function gatewayOf(want: ClusterRouterWant): ExternalGateway {
  const gw: ExternalGateway = { network_id: want.externalNetworkId };
  if (want.externalIPs?.length)
    gw.external_fixed_ips = want.externalIPs.map((ip) => ({
      subnet_id: ip.subnetId,
      ...(ip.ipAddress ? { ip_address: ip.ipAddress } : {}),
    }));
  return gw;
}

/**
 * A router without a gateway gets one; with one, only wanted external IPs it lacks make it change (a gateway
 * moved to another network would renumber every floating IP, so that is left to a person).
 */
function hasGateway(router: Router, want: ClusterRouterWant): boolean {
  const gw = router.external_gateway_info;
  if (!gw?.network_id) return false;
  const have = gw.external_fixed_ips ?? [];
  return (want.externalIPs ?? []).every((w) =>
    have.some((h) => h.subnet_id === w.subnetId && (!w.ipAddress || h.ip_address === w.ipAddress)),
  );
}

/** spec.externalRouterIPs with their subnets resolved within the external network: one call per IP. */
export async function resolveExternalRouterIPs(
  nw: NetworkClient,
  externalRouterIPs: infra.ExternalRouterIPParam[],
  externalNetworkId: string,
): Promise<ExternalIP[]> {
  const ips: ExternalIP[] = [];
  for (const p of externalRouterIPs) {
    const subnet = await resolveSubnetParam(nw, p.subnet, externalNetworkId);
    ips.push({ subnetId: subnet.id, ...(p.fixedIP ? { ipAddress: p.fixedIP } : {}) });
  }
  return ips;
}

/** status.router.ips: the gateway's addresses on the external network. */
export function routerStatusIPs(router: Router): string[] {
  return (router.external_gateway_info?.external_fixed_ips ?? []).flatMap((ip) =>
    ip.ip_address ? [ip.ip_address] : [],
  );
}

/**
 * Adds an interface for each subnet the router has none on. One list of the router's ports tells which: any
 * port of the router but its gateway (HA and DVR routers own their interfaces under other device_owners).
 * Returns the subnets it added.
 */
export async function ensureRouterInterfaces(
  nw: NetworkClient,
  record: Recorder,
  routerId: string,
  subnetIds: string[],
): Promise<string[]> {
  const ports = await nw.ports.list({ device_id: routerId });
  const attached = new Set(
    ports
      .filter((p) => p.device_owner !== "network:router_gateway")
      .flatMap((p) => p.fixed_ips.map((ip) => ip.subnet_id)),
  );
  const missing = subnetIds.filter((s) => !attached.has(s));
  for (const subnetId of missing) {
    try {
      await nw.addRouterInterface(routerId, { subnet_id: subnetId });
    } catch (e) {
      record(
        "Warning",
        "FailedUpdateRouter",
        `Failed to add subnet ${subnetId} to router ${routerId}: ${message(e)}`,
      );
      throw e;
    }
    record("Normal", "SuccessfulUpdateRouter", `Added subnet ${subnetId} to router ${routerId}`);
  }
  return missing;
}

export interface RouterDelete {
  recordedId?: string | undefined;
  name: string;
  subnetIds: string[];
  /** The user's router (spec.router): its interfaces to our subnets go, the router stays; found by ID only. */
  userRouter: boolean;
}

/** Returns how many routers it deleted. */
export async function deleteClusterRouter(
  nw: NetworkClient,
  record: Recorder,
  d: RouterDelete,
): Promise<number> {
  const ids = new Set<string>();
  if (d.recordedId) ids.add(d.recordedId);
  if (!d.userRouter) for (const r of await nw.routers.list({ name: d.name })) ids.add(r.id);
  let deleted = 0;
  for (const id of ids) {
    if (!(await removeInterfaces(nw, id, d.subnetIds)) || d.userRouter) continue;
    if (await deleteRouter(nw, record, id, d.name)) deleted++;
  }
  return deleted;
}

/** False when the router itself is gone. */
async function removeInterfaces(nw: NetworkClient, routerId: string, subnetIds: string[]): Promise<boolean> {
  for (const subnetId of subnetIds) {
    try {
      await nw.removeRouterInterface(routerId, { subnet_id: subnetId });
    } catch (e) {
      if (!(e instanceof HttpError) || e.status >= 500 || e.status < 400) throw e;
      if (/router .*could not be found/i.test(e.openstackMessage)) return false;
      // Already removed, or the subnet is gone: Neutron says so with a 404 (some releases a 400/409).
      if (e.status !== 404 && !/not found|no interface/i.test(e.openstackMessage)) throw e;
    }
  }
  return true;
}

async function deleteRouter(nw: NetworkClient, record: Recorder, id: string, name: string): Promise<boolean> {
  try {
    if (!(await nw.routers.delete(id, { ignoreNotFound: true }))) return false;
  } catch (e) {
    record("Warning", "FailedDeleteRouter", `Failed to delete router ${name} with id ${id}: ${message(e)}`);
    throw e;
  }
  record("Normal", "SuccessfulDeleteRouter", `Deleted router ${name} with id ${id}`);
  return true;
}
