/**
 * Every OpenStack resource tied to a cluster by CAPO's names, descriptions and tags (src/cloud/names.ts), for
 * asserting what a reconciler left behind and for after-hooks that must leave nothing behind.
 *
 * ```ts
 * const inv = await inventory(os, { namespace: "default", name: "c1" }, { machineNames: ["c1-cp-0"] });
 * assertNoDuplicates(inv);
 * after(() => purge(os, inv));       // or: purge(os, await inventory(...)) for what exists by then
 * assertNothingLeft(await inventory(os, cluster));
 * ```
 *
 * Names a cluster shares with no one else are assumed: tests use random names, and everything listed here is
 * deleted by purge.
 */
import assert from "node:assert/strict";
import type { OpenStackClient } from "../../src/openstack/client.ts";
import { exactName } from "../../src/openstack/compute.ts";
import { isNotFound } from "../../src/openstack/errors.ts";
import type { Port } from "../../src/openstack/network.ts";
import { tagFilter } from "../../src/openstack/network.ts";
import type { ClusterRef } from "../../src/cloud/names.ts";
import type { Query } from "../../src/openstack/session.ts";
import {
  bastionName,
  clusterDescription,
  loadBalancerName,
  networkName,
  portDescription,
  routerName,
  securityGroupName,
  subnetName,
} from "../../src/cloud/names.ts";

export interface Item {
  id: string;
  name: string;
  /** Kind-specific facts purge needs (a port's device_owner, an LB's listeners...). */
  detail?: Record<string, unknown>;
}

export const KINDS = [
  "loadBalancers",
  "servers",
  "floatingIPs",
  "trunks",
  "routers",
  "ports",
  "volumes",
  "subnets",
  "networks",
  "securityGroups",
] as const;
export type Kind = (typeof KINDS)[number];

export type Inventory = { cluster: ClusterRef } & Record<Kind, Item[]>;

export interface InventoryOptions {
  /** Servers (and their ports, trunks, volumes) by these names. */
  machineNames?: string[];
  /** Include `<cluster>-bastion` (default true). */
  bastion?: boolean;
  /** Anything carrying one of these tags (Neutron resources and servers). */
  tags?: string[];
}

const ROLES = ["controlplane", "worker", "bastion"] as const;

function items<T extends { id: string; name?: string | null }>(
  list: T[],
  detail?: (x: T) => Record<string, unknown>,
): Item[] {
  return list.map((x) => ({ id: x.id, name: x.name ?? "", ...(detail ? { detail: detail(x) } : {}) }));
}

function uniq(list: Item[]): Item[] {
  return [...new Map(list.map((i) => [i.id, i])).values()];
}

/** Everything of `cluster` in the project of `os`; 12 to 14 list calls plus one per server name and tag. */
export async function inventory(
  os: OpenStackClient,
  cluster: ClusterRef,
  opts: InventoryOptions = {},
): Promise<Inventory> {
  const net = os.network;
  const servers = [
    ...(opts.machineNames ?? []),
    ...(opts.bastion === false ? [] : [bastionName(cluster.name)]),
  ];
  const tags = opts.tags ?? [];
  const tagged = tags.length > 0 ? tagFilter({ tagsAny: tags }) : undefined;
  const byTag = async <T>(list: (q: Query) => Promise<T[]>): Promise<T[]> => (tagged ? list(tagged) : []);
  const lbName = loadBalancerName(cluster);
  const sgNames = new Set(ROLES.map((r) => securityGroupName(cluster, r)));

  const [networks, taggedNetworks, subnets, taggedSubnets, routers, taggedRouters] = await Promise.all([
    net.networks.list({ name: networkName(cluster) }),
    byTag((q) => net.networks.list(q)),
    net.subnets.list({ name: subnetName(cluster) }),
    byTag((q) => net.subnets.list(q)),
    net.routers.list({ name: routerName(cluster) }),
    byTag((q) => net.routers.list(q)),
  ]);
  const networkIds = new Set([...networks, ...taggedNetworks].map((n) => n.id));
  const [allSGs, taggedSGs, fips, taggedFips, allPorts, allTrunks, lbs, volumes, serverLists] =
    await Promise.all([
      net.securityGroups.list(),
      byTag((q) => net.securityGroups.list(q)),
      net.floatingIPs.list({ description: clusterDescription(cluster) }),
      byTag((q) => net.floatingIPs.list(q)),
      net.ports.list(),
      net.trunks.list(),
      os.loadBalancer.loadBalancers.list({ name: lbName }),
      os.blockStorage.volumes.list(),
      Promise.all([
        ...servers.map((n) => os.compute.listServers({ name: exactName(n) })),
        ...tags.map((t) => os.compute.listServers({ "tags-any": t })),
      ]),
    ]);
  const ownName = (name: string | null | undefined): boolean =>
    servers.some((s) => name === s || name?.startsWith(`${s}-`) === true);
  const ports = allPorts.filter(
    (p) =>
      ownName(p.name) ||
      networkIds.has(p.network_id) ||
      p.description === portDescription(cluster.name) ||
      p.tags.some((t) => tags.includes(t)),
  );
  const portIds = new Set(ports.map((p) => p.id));
  return {
    cluster,
    networks: uniq(items([...networks, ...taggedNetworks])),
    subnets: uniq(items([...subnets, ...taggedSubnets])),
    routers: uniq(items([...routers, ...taggedRouters])),
    securityGroups: uniq(items([...allSGs.filter((g) => sgNames.has(g.name)), ...taggedSGs])),
    loadBalancers: items(lbs, (lb) => ({
      listeners: lb.listeners.length,
      pools: lb.pools.length,
      status: lb.provisioning_status,
    })),
    floatingIPs: uniq(
      [...fips, ...taggedFips].map((f) => ({
        id: f.id,
        name: f.floating_ip_address,
        detail: { port: f.port_id },
      })),
    ),
    servers: uniq(items(serverLists.flat(), (s) => ({ status: s.status }))),
    ports: items(ports, portDetail),
    trunks: items(
      allTrunks.filter(
        (t) => ownName(t.name) || portIds.has(t.port_id) || t.tags.some((x) => tags.includes(x)),
      ),
    ),
    volumes: items(
      volumes.filter((v) => ownName(v.name)),
      (v) => ({ status: v.status }),
    ),
  };
}

function portDetail(p: Port): Record<string, unknown> {
  return { owner: p.device_owner, device: p.device_id, network: p.network_id };
}

/** Count of each kind. */
export function counts(inv: Inventory): Record<Kind, number> {
  return Object.fromEntries(KINDS.map((k) => [k, inv[k].length])) as Record<Kind, number>;
}

function show(inv: Inventory, kinds: readonly Kind[] = KINDS): string {
  return kinds
    .filter((k) => inv[k].length > 0)
    .map((k) => `${k}: ${inv[k].map((i) => `${i.name || "(unnamed)"} ${i.id}`).join(", ")}`)
    .join("\n");
}

export function assertNothingLeft(inv: Inventory): void {
  const left = show(inv);
  assert.equal(left, "", `resources of cluster ${inv.cluster.namespace}/${inv.cluster.name} left:\n${left}`);
}

/** Each name at most once per kind (unnamed ports, e.g. DHCP's, do not count). */
export function assertNoDuplicates(inv: Inventory): void {
  const dups: string[] = [];
  for (const k of KINDS) {
    const seen = new Map<string, number>();
    for (const i of inv[k]) if (i.name !== "") seen.set(i.name, (seen.get(i.name) ?? 0) + 1);
    for (const [name, n] of seen) if (n > 1) dups.push(`${k} ${name} ×${n}`);
  }
  assert.deepEqual(
    dups,
    [],
    `duplicates for cluster ${inv.cluster.namespace}/${inv.cluster.name}:\n${show(inv)}`,
  );
}

const ignore404 = { ignoreNotFound: true } as const;

/** Polls `stillThere` until false (resources whose deletion is asynchronous). */
async function gone(stillThere: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await stillThere()) {
    if (Date.now() > deadline) throw new Error(`purge: ${what} still there after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Deletes everything in `inv` in dependency order (LBs by cascade, servers, floating IPs, trunks, router
 * interfaces and routers, ports, volumes, networks with their subnets, security groups), tolerating what is
 * already gone, waiting where deletion is asynchronous. Tries every step, then throws all failures at once.
 */
export async function purge(os: OpenStackClient, inv: Inventory): Promise<void> {
  const failures: string[] = [];
  const step = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (e) {
      if (!isNotFound(e)) failures.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const each = (kind: Kind, run: (i: Item) => Promise<unknown>) =>
    Promise.all(inv[kind].map((i) => step(`${kind} ${i.name} ${i.id}`, () => run(i))));
  const net = os.network;
  const lbs = os.loadBalancer.loadBalancers;

  await each("loadBalancers", async (i) => {
    await os.loadBalancer.deleteLoadBalancerCascade(i.id, ignore404);
    await gone(async () => (await lbs.get(i.id, ignore404)) !== undefined, `load balancer ${i.name}`);
  });
  await each("servers", async (i) => {
    await os.compute.deleteServer(i.id, ignore404);
    await gone(async () => (await os.compute.getServer(i.id, ignore404)) !== undefined, `server ${i.name}`);
  });
  await each("floatingIPs", (i) => net.floatingIPs.delete(i.id, ignore404));
  await each("trunks", (i) => net.trunks.delete(i.id, ignore404));
  const interfaces = inv.ports.filter((p) => p.detail?.owner === "network:router_interface");
  await each("routers", async (r) => {
    for (const p of interfaces.filter((x) => x.detail?.device === r.id))
      await step(`router interface ${p.id}`, () => net.removeRouterInterface(r.id, { port_id: p.id }));
    await net.routers.delete(r.id, ignore404);
  });
  // Neutron deletes DHCP ports with their network, and router interfaces went with the routers.
  const own = (i: Item) =>
    !/^network:(dhcp|router_interface)$/.test((i.detail?.owner as string | undefined) ?? "");
  await Promise.all(
    inv.ports.filter(own).map((p) => step(`port ${p.name} ${p.id}`, () => net.ports.delete(p.id, ignore404))),
  );
  await each("volumes", async (i) => {
    await gone(
      async () => (await os.blockStorage.volumes.get(i.id, ignore404))?.status === "in-use",
      `volume ${i.name} detaching`,
    );
    await os.blockStorage.volumes.delete(i.id, ignore404);
  });
  await each("subnets", (i) => net.subnets.delete(i.id, ignore404));
  await each("networks", (i) => net.networks.delete(i.id, ignore404));
  await each("securityGroups", (i) => net.securityGroups.delete(i.id, ignore404));
  if (failures.length > 0)
    throw new Error(
      `purge of cluster ${inv.cluster.namespace}/${inv.cluster.name} failed:\n${failures.join("\n")}`,
    );
}
