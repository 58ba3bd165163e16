// A control-plane machine in every API server pool: member `<lb>-<port>-<machine>` at the machine's address.
// Members are found by name in the load balancer's status tree, which lists every pool's members with their
// addresses in one call. Each call makes at most one change (Octavia is PENDING_UPDATE after it) and throws
// Pending; CAPO records no events for members, nor do we. Members added at once go in one batch update.
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

interface Wanted {
  pool: string;
  member: octavia.MemberCreate & { name: string };
}

// Members that reconciles in this process still have to add, per load balancer ID and member name. Whoever
// holds the load balancer adds every one waiting for the same pool in one change: three control planes
// joining make one PENDING_UPDATE, not three in a row. Only a shortcut: each machine still checks its own.
const waiting = new Map<string, Map<string, Wanted>>();

function wantsOf(want: MembersWant): Wanted[] {
  return want.ports.map((port) => ({
    pool: poolName(want.lbName, port),
    member: {
      name: memberName(want.lbName, port, want.machineName),
      address: want.address,
      protocol_port: port,
      ...(want.subnetId ? { subnet_id: want.subnetId } : {}),
      tags: want.tags,
    },
  }));
}

function forget(names: string[]): void {
  for (const [lbId, queue] of waiting) {
    for (const n of names) queue.delete(n);
    if (queue.size === 0) waiting.delete(lbId);
  }
}

/**
 * Returns when every port's pool has the machine's member at its address; otherwise deletes one at another
 * address (recreated on the next call), or adds the missing ones together with those that other machines
 * wait to add to the same pool, and throws Pending. A pool that does not exist yet is Pending (the cluster reconciler makes
 * it). Steady state: 1 call.
 */
export async function ensureMembers(
  lb: LoadBalancerClient,
  _record: Recorder,
  want: MembersWant,
): Promise<void> {
  const of = { id: want.lbId, name: want.lbName };
  const mine = wantsOf(want);
  for (const w of mine)
    waiting.set(of.id, (waiting.get(of.id) ?? new Map<string, Wanted>()).set(w.member.name, w));
  return exclusively(of, async () => {
    const tree = await statusTreeOf(lb, of);
    const change = changeMaker(of, tree);
    const missing: [octavia.PoolStatus, Wanted][] = [];
    for (const w of mine) {
      const pool = poolOf(tree, w.pool);
      if (!pool) throw new Pending(`pool ${w.pool} does not exist yet`);
      const member = byName(pool.members, "load balancer member", w.member.name);
      if (!member) missing.push([pool, w]);
      else if (member.address !== w.member.address || member.protocol_port !== w.member.protocol_port)
        return change(() => lb.members(pool.id).delete(member.id, { ignoreNotFound: true }));
    }
    const first = missing[0];
    if (!first) {
      forget(mine.map((w) => w.member.name));
      return;
    }
    const [pool] = first;
    const batch = [...(waiting.get(of.id)?.values() ?? [])].filter(
      (w) => w.pool === pool.name && !pool.members?.some((m) => m.name === w.member.name),
    );
    return change(async () => {
      if (await lb.supportsAdditiveMembers())
        await lb.addMembers(
          pool.id,
          batch.map((w) => w.member),
        );
      else await lb.members(pool.id).create(first[1].member);
      forget(batch.map((w) => w.member.name));
    });
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
  forget(d.ports.map((port) => memberName(d.lbName, port, d.machineName)));
  const ids = d.lbId ? [d.lbId] : (await lb.loadBalancers.list({ name: d.lbName })).map((l) => l.id);
  for (const id of ids) {
    const of = { id, name: d.lbName };
    const changed = await exclusively(of, async () => {
      const tree = await lb.statusTree(id);
      if (!tree) return false;
      const change = changeMaker(of, tree);
      for (const port of d.ports) {
        const pool = poolOf(tree, poolName(d.lbName, port));
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

function poolOf(tree: octavia.LoadBalancerStatusTree, name: string): octavia.PoolStatus | undefined {
  const pools = (tree.listeners ?? []).flatMap((l) => l.pools ?? []);
  // A pool serving two listeners appears under both.
  const unique = [...new Map(pools.map((p) => [p.id, p])).values()];
  return byName(unique, "pool", name);
}
