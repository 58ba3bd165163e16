// A control-plane machine in every API server pool: member `<lb>-<port>-<machine>` at the machine's address.
// Members are found by name in the load balancer's status tree, which lists every pool's members with their
// addresses in one call. Each call makes at most one change (Octavia is PENDING_UPDATE after it) and throws
// Pending; CAPO records no events for members, nor do we.
import type * as octavia from "../../openstack/loadbalancer.ts";
import type { LoadBalancerClient } from "../../openstack/loadbalancer.ts";
import { Pending } from "../errors.ts";
import { memberName, poolName } from "../names.ts";
import type { Recorder } from "../recorder.ts";
import { byName, changeMaker, exclusively, statusTreeOf } from "./tree.ts";

export interface MembersWant {
  lbName: string;
  lbId: string;
  ports: number[];
  /** The OpenStackMachine's name. */
  machineName: string;
  /** The machine's first fixed IPv4 on the cluster network. */
  address: string;
  /** Only when the load balancer's network is not the cluster network (CAPO). */
  subnetId?: string | undefined;
  tags: string[];
}

/**
 * Returns when every port's pool has the machine's member at its address; otherwise creates a missing one, or
 * deletes one at another address (recreated on the next call), and throws Pending. A pool that does not exist
 * yet is Pending (the cluster reconciler makes it). Steady state: 1 call.
 */
export async function ensureMembers(
  lb: LoadBalancerClient,
  _record: Recorder,
  want: MembersWant,
): Promise<void> {
  const of = { id: want.lbId, name: want.lbName };
  return exclusively(of, async () => {
    const tree = await statusTreeOf(lb, of);
    const change = changeMaker(of, tree);
    for (const port of want.ports) {
      const pool = poolOf(tree, want.lbName, port);
      if (!pool) throw new Pending(`pool ${poolName(want.lbName, port)} does not exist yet`);
      const name = memberName(want.lbName, port, want.machineName);
      const member = byName(pool.members, "load balancer member", name);
      if (member && member.address === want.address && member.protocol_port === port) continue;
      if (member) return change(() => lb.members(pool.id).delete(member.id, { ignoreNotFound: true }));
      return change(() =>
        lb.members(pool.id).create({
          name,
          address: want.address,
          protocol_port: port,
          ...(want.subnetId ? { subnet_id: want.subnetId } : {}),
          tags: want.tags,
        }),
      );
    }
  });
}

export interface MembersDelete {
  lbName: string;
  /** The recorded load balancer; found by name when unknown. */
  lbId?: string | undefined;
  ports: number[];
  machineName: string;
}

/**
 * Deletes the machine's members, one per call then Pending. Returns when none is left, also when the load
 * balancer or a pool is gone. Steady state (nothing to delete): 1 call, 2 without lbId.
 */
export async function deleteMembers(
  lb: LoadBalancerClient,
  _record: Recorder,
  d: MembersDelete,
): Promise<void> {
  const ids = d.lbId ? [d.lbId] : (await lb.loadBalancers.list({ name: d.lbName })).map((l) => l.id);
  for (const id of ids) {
    const of = { id, name: d.lbName };
    const changed = await exclusively(of, async () => {
      const tree = await lb.statusTree(id);
      if (!tree) return false;
      const change = changeMaker(of, tree);
      for (const port of d.ports) {
        const pool = poolOf(tree, d.lbName, port);
        const name = memberName(d.lbName, port, d.machineName);
        const member = pool?.members?.find((m) => m.name === name);
        if (pool && member)
          return change(() => lb.members(pool.id).delete(member.id, { ignoreNotFound: true })).then(
            () => true,
          );
      }
      return false;
    });
    if (changed) return;
  }
}

function poolOf(
  tree: octavia.LoadBalancerStatusTree,
  lbName: string,
  port: number,
): octavia.PoolStatus | undefined {
  const name = poolName(lbName, port);
  const pools = (tree.listeners ?? []).flatMap((l) => l.pools ?? []);
  // A pool serving two listeners appears under both.
  const unique = [...new Map(pools.map((p) => [p.id, p])).values()];
  return byName(unique, "pool", name);
}
