// The API server's Octavia load balancer: the load balancer itself, one listener, pool and monitor per port, and
// its deletion. Octavia refuses every change while the load balancer is PENDING_*, and each change puts it
// there for a few seconds, so each call makes at most one change and then throws Pending: the reconciler
// requeues instead of a worker waiting (CAPO waits here, and an ERROR or a slow Octavia failed whole clusters).
// Listeners, pools and monitors: listeners.ts.
import type * as octavia from "../../openstack/loadbalancer.ts";
import type { LoadBalancerClient } from "../../openstack/loadbalancer.ts";
import type { NetworkClient } from "../../openstack/network.ts";
import { compareVersions } from "../../openstack/rest.ts";
import { ensureOne, resourceOf } from "../ensure.ts";
import { Pending, UserError, parseOpenStackTime } from "../errors.ts";
import type { Recorder } from "../recorder.ts";
import { deleteFloatingIP, floatingIPsOnPort } from "../networking/floating-ip.ts";
import { errorText } from "./tree.ts";

export { ensureListenersPoolsMonitors } from "./listeners.ts";
export type { ListenersWant } from "./listeners.ts";

/** Pending on a load balancer, carrying it so the reconciler can record its ID and VIP meanwhile. */
export class LoadBalancerPending extends Pending {
  override name = "LoadBalancerPending";
  readonly loadBalancer: octavia.LoadBalancer;

  constructor(lb: octavia.LoadBalancer) {
    super(
      `load balancer ${lb.name} (${lb.id}) is ${lb.provisioning_status}`,
      parseOpenStackTime(lb.updated_at ?? lb.created_at),
    );
    this.loadBalancer = lb;
  }
}

export interface LoadBalancerWant {
  name: string;
  description: string;
  vipSubnetId: string;
  vipNetworkId: string;
  vipAddress?: string | undefined;
  provider?: string | undefined;
  availabilityZone?: string | undefined;
  tags: string[];
}

/**
 * The load balancer by recorded ID, else by name, else created; returned only when ACTIVE. PENDING_* throws
 * LoadBalancerPending; ERROR throws UserError LoadBalancerError, so no floating IP is allocated for a broken
 * one (CAPO #1159). Steady state: 1 call.
 */
export async function ensureLoadBalancer(
  lb: LoadBalancerClient,
  record: Recorder,
  want: LoadBalancerWant,
  recordedId?: string,
): Promise<octavia.LoadBalancer> {
  const found = resourceOf(
    await ensureOne({
      kind: "load balancer",
      name: want.name,
      recordedId,
      get: (id) => lb.loadBalancers.get(id, { ignoreNotFound: true }),
      listByName: (name) => lb.loadBalancers.list({ name }),
      create: () => createLoadBalancer(lb, record, want),
      whenGone: "recreate",
    }),
  );
  if (found.provisioning_status === "ACTIVE") return found;
  if (found.provisioning_status === "ERROR")
    throw new UserError(
      "LoadBalancerError",
      `load balancer ${found.name} (${found.id}) is in ERROR: provisioning_status ERROR, operating_status ${found.operating_status}`,
    );
  throw new LoadBalancerPending(found);
}

async function createLoadBalancer(
  lb: LoadBalancerClient,
  record: Recorder,
  want: LoadBalancerWant,
): Promise<octavia.LoadBalancer> {
  const provider = await knownProvider(lb, record, want.provider);
  try {
    const made = await lb.loadBalancers.create({
      name: want.name,
      description: want.description,
      vip_subnet_id: want.vipSubnetId,
      vip_network_id: want.vipNetworkId,
      ...(want.vipAddress ? { vip_address: want.vipAddress } : {}),
      ...(provider ? { provider } : {}),
      ...(want.availabilityZone ? { availability_zone: want.availabilityZone } : {}),
      tags: want.tags,
    });
    record("Normal", "SuccessfulCreateLoadBalancer", `Created load balancer ${made.name} with id ${made.id}`);
    return made;
  } catch (e) {
    record(
      "Warning",
      "FailedCreateLoadBalancer",
      `Failed to create load balancer ${want.name}: ${errorText(e)}`,
    );
    throw e;
  }
}

/** An unknown provider is warned about and left to Octavia's default, as CAPO does (1 call, on create only). */
async function knownProvider(
  lb: LoadBalancerClient,
  record: Recorder,
  provider: string | undefined,
): Promise<string | undefined> {
  if (!provider) return undefined;
  if ((await lb.listProviders()).some((p) => p.name === provider)) return provider;
  record(
    "Warning",
    "OctaviaProviderNotFound",
    `Provider ${provider} specified for load balancer not found. Using default load balancer provider`,
  );
  return undefined;
}

/** allowed_cidrs needs Octavia API v2.12 and a provider other than ovn. The version is read once per session. */
export async function octaviaSupportsAllowedCIDRs(
  lb: LoadBalancerClient,
  provider: string,
): Promise<boolean> {
  if (provider === "ovn") return false;
  const latest = await lb.latestVersion();
  return latest !== undefined && compareVersions(latest, "v2.12") >= 0;
}

export interface LoadBalancerDelete {
  recordedId?: string | undefined;
  name: string;
  /** spec.apiServerFloatingIP: the user's address stays (Neutron unbinds it when the VIP port goes). */
  keepFloatingIP?: string | undefined;
}

/**
 * Deletes the load balancer (by recorded ID, else every one with the name) with a cascade, and the floating
 * IPs on its VIP port but the kept one. Returns "gone" once nothing is left; until then throws Pending.
 */
export async function deleteLoadBalancer(
  lb: LoadBalancerClient,
  nw: NetworkClient,
  record: Recorder,
  d: LoadBalancerDelete,
): Promise<"gone"> {
  // Listed by ID, not read: one already gone is an empty list, not a 404 answer.
  const recorded = d.recordedId ? await lb.loadBalancers.list({ id: d.recordedId }) : [];
  const found = recorded.length > 0 ? recorded : await lb.loadBalancers.list({ name: d.name });
  if (found.length === 0) return "gone";
  for (const l of found) {
    // Octavia refuses a delete while PENDING_*; a PENDING_DELETE one is on its way.
    if (l.provisioning_status.startsWith("PENDING_")) throw new LoadBalancerPending(l);
    // The cascade first: Octavia's work and the floating IP's delete then overlap.
    const fips = await floatingIPsOnPort(nw, l.vip_port_id);
    try {
      await lb.deleteLoadBalancerCascade(l.id, { ignoreNotFound: true });
    } catch (e) {
      record(
        "Warning",
        "FailedDeleteLoadBalancer",
        `Failed to delete load balancer ${l.name}: ${errorText(e)}`,
      );
      throw e;
    }
    record("Normal", "SuccessfulDeleteLoadBalancer", `Deleted load balancer ${l.name} with id ${l.id}`);
    for (const fip of fips)
      if (fip.floating_ip_address !== d.keepFloatingIP)
        await deleteFloatingIP(nw, record, { id: fip.id, address: fip.floating_ip_address });
  }
  throw new Pending(`load balancer ${d.name} is being deleted`, Date.now());
}
