// A machine's Neutron ports: resolved once from the machine spec (resolvePorts, stored in
// status.resolved.ports), then created one per call in order (ensurePort: the reconciler records each ID before
// the next), found again after a status loss (adoptPorts), and deleted with their trunks (deletePorts).
import type * as infra from "../../api/v1beta1/index.ts";
import type * as neutron from "../../openstack/network.ts";
import type { NetworkClient } from "../../openstack/network.ts";
import { ensureOne, resourceOf, type EnsureSpec } from "../ensure.ts";
import { DuplicateResourceError, UserError } from "../errors.ts";
import type { Recorder } from "../recorder.ts";
import { portCreateRequest, portSpec, portTargets, sameSet } from "./port-spec.ts";
import type { ClusterNetwork, PortLookups, PortTarget, PortsWant } from "./port-spec.ts";
import { resolveNetworkParam, resolveSubnetParam } from "./resolve.ts";
import { resolveSecurityGroups } from "./security-group-params.ts";
import { createTagged } from "./tags.ts";
import { removeTrunk, trunkSupported } from "./trunk.ts";

export type { ClusterNetwork, PortsWant } from "./port-spec.ts";

/**
 * The machine's ports with every param resolved to an ID. Calls: none for the cluster network and its subnets
 * (status knows them), one per other network or subnet param and per security group filter, and one extension
 * list when a port wants a trunk (none ⇒ UserError DependencyFailed).
 */
export async function resolvePorts(nw: NetworkClient, want: PortsWant): Promise<infra.ResolvedPortSpec[]> {
  const specs: infra.ResolvedPortSpec[] = [];
  for (const [i, t] of portTargets(want).entries())
    specs.push(portSpec(want, i, t.port, await lookups(nw, want.clusterNetwork, t)));
  if (specs.some((s) => s.trunk) && !(await trunkSupported(nw)))
    throw new UserError(
      "DependencyFailed",
      `machine ${want.machineName} wants a trunk, but Neutron has no trunk extension: enable it in the cloud`,
    );
  return specs;
}

async function lookups(
  nw: NetworkClient,
  cluster: ClusterNetwork | undefined,
  t: PortTarget,
): Promise<PortLookups> {
  // Status recorded the cluster's network and subnets: their IDs need no lookup.
  const subnetOf = new Map<infra.SubnetParam, string>();
  let networkID: string;
  if ("networkOf" in t) {
    const subnet = await resolveSubnetParam(nw, t.networkOf);
    subnetOf.set(t.networkOf, subnet.id);
    networkID = subnet.network_id;
  } else if (t.network.id && t.network.id === cluster?.id) networkID = t.network.id;
  else networkID = (await resolveNetworkParam(nw, t.network)).id;
  const known = new Set(cluster?.id === networkID ? cluster.subnets.map((s) => s.id) : []);
  const subnetId = async (p: infra.SubnetParam): Promise<string> =>
    subnetOf.get(p) ?? (p.id && known.has(p.id) ? p.id : (await resolveSubnetParam(nw, p, networkID)).id);
  const fixedIPs: infra.ResolvedFixedIP[] = [];
  for (const f of t.fixedIPs) {
    const subnet = f.subnet && (await subnetId(f.subnet));
    fixedIPs.push({ ...(subnet ? { subnet } : {}), ...(f.ipAddress ? { ipAddress: f.ipAddress } : {}) });
  }
  const own = t.port.disablePortSecurity ? [] : await resolveSecurityGroups(nw, t.port.securityGroups ?? []);
  return { networkID, fixedIPs, securityGroups: own };
}

/**
 * The port for a resolved spec: the recorded ID (one GET), else the one port with its name on its network
 * (one list; several ⇒ DuplicateResourceError), else created and then tagged. An existing port whose tags
 * differ from the wanted ones gets them replaced. Steady state (recorded, tags right): one GET.
 */
export async function ensurePort(
  nw: NetworkClient,
  record: Recorder,
  spec: infra.ResolvedPortSpec,
  recordedId?: string,
  inFlight?: EnsureSpec<neutron.Port>["inFlight"],
): Promise<neutron.Port> {
  const tags = spec.tags ?? [];
  const got = await ensureOne<neutron.Port>({
    inFlight,
    kind: "port",
    name: spec.name,
    recordedId,
    get: (id) => nw.ports.get(id, { ignoreNotFound: true }),
    listByName: (name) => nw.ports.list({ name, network_id: spec.networkID }),
    create: () =>
      createTagged(nw, record, {
        noun: "Port",
        collection: "ports",
        name: spec.name,
        tags,
        create: () => {
          const { body, valueSpecs } = portCreateRequest(spec);
          return nw.createPort(body, valueSpecs);
        },
      }),
    whenGone: "recreate",
  });
  const port = resourceOf(got);
  if (got.state === "created" || tags.length === 0 || sameSet(port.tags, tags)) return port;
  return { ...port, tags: await nw.replaceTags("ports", port.id, tags) };
}

/**
 * After a status loss (a crash before the checkpoint, `clusterctl move`): the IDs of the ports that exist for
 * the specs after the recorded ones, in order, stopping at the first that does not exist (CAPO creates them in
 * order). One list per port looked for; none when every port is recorded.
 */
export async function adoptPorts(
  nw: NetworkClient,
  specs: readonly infra.ResolvedPortSpec[],
  recordedIds: readonly string[],
): Promise<string[]> {
  const adopted: string[] = [];
  for (const spec of specs.slice(recordedIds.length)) {
    const found = await nw.ports.list({ name: spec.name, network_id: spec.networkID });
    if (found.length > 1)
      throw new DuplicateResourceError(
        "port",
        spec.name,
        found.map((p) => p.id),
      );
    const [one] = found;
    if (!one) break;
    adopted.push(one.id);
  }
  return adopted;
}

export interface PortsToDelete {
  /** Recorded port IDs. */
  ids: string[];
  /** The names of the machine's ports, for those status never recorded. */
  names: string[];
  /** The network of each name (same index), when known: a port of that name elsewhere is not ours. */
  networkIds?: string[] | undefined;
  /** Whether Neutron has the trunk extension (trunkSupported): trunks go before their ports. */
  trunkSupported: boolean;
}

/**
 * Deletes the machine's ports and their trunks (with the trunks' subports). Calls: one list by the names, one
 * trunk list for all ports, one delete per port and per trunk; a second run finds nothing and deletes nothing
 * but the recorded IDs, which answer 404.
 */
export async function deletePorts(nw: NetworkClient, record: Recorder, d: PortsToDelete): Promise<void> {
  const ids = new Set(d.ids);
  if (d.names.length > 0)
    for (const p of await nw.ports.list({ name: d.names })) {
      const i = d.names.indexOf(p.name);
      if (i >= 0 && (!d.networkIds?.[i] || d.networkIds[i] === p.network_id)) ids.add(p.id);
    }
  if (ids.size === 0) return;
  if (d.trunkSupported)
    for (const trunk of await nw.trunks.list({ port_id: [...ids] })) await removeTrunk(nw, record, trunk);
  for (const id of ids)
    if (await nw.ports.delete(id, { ignoreNotFound: true }))
      record("Normal", "SuccessfulDeletePort", `Deleted port ${id}`);
}
