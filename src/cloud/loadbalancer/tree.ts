// What the load balancer functions share: its status tree (listeners, pools, monitors and members with their
// statuses, in one call), the one-change-then-Pending rule, and lookup by exact name.
import type * as octavia from "../../openstack/loadbalancer.ts";
import type { LoadBalancerClient } from "../../openstack/loadbalancer.ts";
import { DuplicateResourceError, Pending, parseOpenStackTime } from "../errors.ts";

/** The status tree; a load balancer gone since the caller read it is Pending (the next reconcile recreates). */
export async function statusTreeOf(
  lb: LoadBalancerClient,
  of: { id: string; name: string },
): Promise<octavia.LoadBalancerStatusTree> {
  const tree = await lb.statusTree(of.id);
  if (!tree) throw new Pending(`load balancer ${of.name} (${of.id}) is gone`);
  return tree;
}

/**
 * Runs one change while the load balancer is ACTIVE, then throws Pending: the change puts it in PENDING_UPDATE.
 * Not ACTIVE: throws Pending without the change. A change that resolves to false made none: no Pending.
 */
export function changeMaker(
  of: { id: string; name: string; updated_at?: string | null | undefined },
  tree: octavia.LoadBalancerStatusTree,
): (run: () => Promise<unknown>) => Promise<void> {
  return async (run) => {
    if (tree.provisioning_status !== "ACTIVE")
      throw new Pending(
        `load balancer ${of.name} (${of.id}) is ${tree.provisioning_status}`,
        parseOpenStackTime(of.updated_at),
      );
    if ((await run()) === false) return;
    throw new Pending(`load balancer ${of.name} (${of.id}) is updating`, Date.now());
  };
}

// Load balancers being read and changed in this process. Octavia takes one change per load balancer at a
// time: two workers (three control planes joining the pools) reading the same ACTIVE tree would both send
// theirs, and all but one meet 409 "immutable".
const changing = new Set<string>();

/** `body` (read the tree, make one change) alone for this load balancer; when another runs: Pending, no wait. */
export async function exclusively<T>(of: { id: string; name: string }, body: () => Promise<T>): Promise<T> {
  if (changing.has(of.id))
    throw new Pending(
      `load balancer ${of.name} (${of.id}) is being changed by another reconcile`,
      Date.now(),
    );
  changing.add(of.id);
  try {
    return await body();
  } finally {
    changing.delete(of.id);
  }
}

/** The one child with that name; several are a leak to report, not to pick from. */
export function byName<T extends { id: string; name: string }>(
  items: T[] | undefined,
  kind: string,
  name: string,
): T | undefined {
  const found = (items ?? []).filter((i) => i.name === name);
  if (found.length > 1)
    throw new DuplicateResourceError(
      kind,
      name,
      found.map((f) => f.id),
    );
  return found[0];
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
