// Listener, pool and TCP monitor `<lb>-<port>` for each API server port, and the listeners' allowed_cidrs.
// Found by name in the load balancer's status tree: one call shows which exist. Every change puts the load
// balancer in PENDING_UPDATE, so each call makes at most one and throws Pending.
import type * as octavia from "../../openstack/loadbalancer.ts";
import type { LoadBalancerClient } from "../../openstack/loadbalancer.ts";
import { HttpError } from "../../openstack/errors.ts";
import { listenerName, monitorName, poolName } from "../names.ts";
import type { Recorder } from "../recorder.ts";
import { byName, changeMaker, errorText, exclusively, statusTreeOf } from "./tree.ts";

export interface ListenersWant {
  /** The ACTIVE load balancer ensureLoadBalancer returned. */
  lb: octavia.LoadBalancer;
  /** apiServerPort first, then additionalPorts. */
  ports: number[];
  /** What allowed_cidrs must be; undefined when Octavia cannot do it (octaviaSupportsAllowedCIDRs). */
  allowedCIDRs?: string[] | undefined;
  /**
   * status.apiServerLoadBalancer.allowedCIDRs, written after this returned: equal to allowedCIDRs, the
   * listeners are trusted to have them (only a change by hand would escape) and are not listed.
   */
  recordedAllowedCIDRs?: string[] | undefined;
  tags: string[];
}

/**
 * For each port, listener, pool and TCP monitor `<lb>-<port>`, and the listeners' allowed_cidrs. Returns when
 * all exist and match; otherwise makes one change and throws Pending. Steady state: 1 call (the status tree),
 * 2 when allowedCIDRs differ from the recorded ones (the listeners, for their allowed_cidrs).
 */
export async function ensureListenersPoolsMonitors(
  lb: LoadBalancerClient,
  record: Recorder,
  want: ListenersWant,
): Promise<void> {
  return exclusively(want.lb, () => ensureChildren(lb, record, want));
}

async function ensureChildren(lb: LoadBalancerClient, record: Recorder, want: ListenersWant): Promise<void> {
  const tree = await statusTreeOf(lb, want.lb);
  const cidrs = want.allowedCIDRs;
  const trusted =
    !cidrs || (want.recordedAllowedCIDRs !== undefined && sameSet(want.recordedAllowedCIDRs, cidrs));
  const cidrsById = !trusted
    ? new Map((await lb.listeners.list({ loadbalancer_id: want.lb.id })).map((l) => [l.id, l.allowed_cidrs]))
    : undefined;
  const change = changeMaker(want.lb, tree);
  for (const port of want.ports) {
    const name = listenerName(want.lb.name, port);
    const listener = byName(tree.listeners, "listener", name);
    if (!listener) return change(() => createListener(lb, record, want, port));
    if (cidrs && cidrsById && !sameSet(cidrsById.get(listener.id) ?? [], cidrs))
      return change(() => updateAllowedCIDRs(lb, record, listener, cidrs));
    const pool = byName(listener.pools, "pool", poolName(want.lb.name, port));
    if (!pool) return change(() => createPool(lb, record, want, listener.id, port));
    if (!pool.health_monitor) await change(() => createMonitor(lb, record, want, pool.id, port));
  }
}

/** CAPO's fixed TCP monitor (no tags). */
const MONITOR = { type: "TCP", delay: 10, timeout: 5, max_retries: 5, max_retries_down: 3 } as const;

const poolSettings = (name: string, provider: string | undefined, tags: string[]) => ({
  name,
  protocol: "TCP",
  // ovn supports only SOURCE_IP_PORT.
  lb_algorithm: provider === "ovn" ? "SOURCE_IP_PORT" : "ROUND_ROBIN",
  tags,
});

const sameSet = (a: string[], b: string[]): boolean => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

async function createListener(lb: LoadBalancerClient, record: Recorder, want: ListenersWant, port: number) {
  const name = listenerName(want.lb.name, port);
  const cidrs = want.allowedCIDRs;
  await created(record, "Listener", "listener", name, () =>
    lb.listeners.create({
      loadbalancer_id: want.lb.id,
      name,
      protocol: "TCP",
      protocol_port: port,
      ...(cidrs && cidrs.length > 0 ? { allowed_cidrs: cidrs } : {}),
      tags: want.tags,
    }),
  );
}

async function updateAllowedCIDRs(
  lb: LoadBalancerClient,
  record: Recorder,
  listener: octavia.ListenerStatus,
  cidrs: string[],
) {
  try {
    await lb.listeners.update(listener.id, { allowed_cidrs: cidrs });
  } catch (e) {
    record("Warning", "FailedUpdateListener", `Failed to update listener ${listener.name}: ${errorText(e)}`);
    throw e;
  }
  record(
    "Normal",
    "SuccessfulUpdateListener",
    `Updated allowed_cidrs [${cidrs.join(" ")}] for listener ${listener.name} with id ${listener.id}`,
  );
}

async function createPool(
  lb: LoadBalancerClient,
  record: Recorder,
  want: ListenersWant,
  listenerId: string,
  port: number,
) {
  const name = poolName(want.lb.name, port);
  await created(record, "Pool", "pool", name, () =>
    lb.pools.create({ listener_id: listenerId, ...poolSettings(name, want.lb.provider, want.tags) }),
  );
}

/** A provider without monitors answers 501: warned, skipped (false). */
async function createMonitor(
  lb: LoadBalancerClient,
  record: Recorder,
  want: ListenersWant,
  poolId: string,
  port: number,
): Promise<boolean> {
  const name = monitorName(want.lb.name, port);
  let made: octavia.HealthMonitor;
  try {
    made = await lb.healthMonitors.create({ pool_id: poolId, name, ...MONITOR });
  } catch (e) {
    if (e instanceof HttpError && e.status === 501) {
      record(
        "Warning",
        "SkippedCreateMonitor",
        "Health Monitor is not created as it's not implemented with the current Octavia provider.",
      );
      return false;
    }
    record("Warning", "FailedCreateMonitor", `Failed to create monitor ${name}: ${errorText(e)}`);
    throw e;
  }
  record("Normal", "SuccessfulCreateMonitor", `Created monitor ${name} with id ${made.id}`);
  return true;
}

/** A create with CAPO's Successful/Failed events. */
async function created<T extends { id: string }>(
  record: Recorder,
  noun: string,
  kind: string,
  name: string,
  create: () => Promise<T>,
): Promise<T> {
  let made: T;
  try {
    made = await create();
  } catch (e) {
    record("Warning", `FailedCreate${noun}`, `Failed to create ${kind} ${name}: ${errorText(e)}`);
    throw e;
  }
  record("Normal", `SuccessfulCreate${noun}`, `Created ${kind} ${name} with id ${made.id}`);
  return made;
}
