// The flows both benches measure: a default cluster as the issue defines it (managed /24 subnet, API load
// balancer without additional ports, managed security groups with allowAllInClusterTraffic, no bastion),
// steady-state reconciles by resync and by touching an annotation, and deletes — each as a measured phase.
import { setTimeout as sleep } from "node:timers/promises";
import type { Obj } from "../../test/env/capo.ts";
import type { Resource } from "../../src/runtime/object.ts";
import { Clusters, OpenStackClusters } from "../../src/runtime/resources.ts";
import { CREDS, NS, resyncs, waitIdle } from "./env.ts";
import type { Bench } from "./env.ts";
import { phase, RECONCILES, sum, value } from "./metrics.ts";
import type { Phase, Snapshot } from "./metrics.ts";

export const isReady = (o: Obj): boolean => (o.status as { ready?: boolean } | undefined)?.ready === true;

export function defaultClusterSpec(cidr: string): Record<string, unknown> {
  return {
    identityRef: { name: CREDS, cloudName: "capo-e2e" },
    managedSubnets: [{ cidr }],
    managedSecurityGroups: { allowAllInClusterTraffic: true },
    apiServerLoadBalancer: { enabled: true },
  };
}

/** A random 10.x.y.0/24, so concurrent runs do not look alike. */
export const randomCidr = (): string =>
  `10.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250)}.0/24`;

export interface Measured {
  /** Snapshots at start and at the end of the phase. */
  a: Snapshot;
  b: Snapshot;
  p: Phase;
}

/** Runs `body` between two snapshots; the phase's duration is the body's. */
export async function measure(b: Bench, body: () => Promise<unknown>): Promise<Measured> {
  const a = await b.snap();
  const start = Date.now();
  await body();
  const end = Date.now();
  const s = await b.snap();
  const p = phase(a, s);
  p.ms = end - start;
  return { a, b: s, p };
}

/** Cluster + OpenStackCluster as CAPI would create them; resolves once the OpenStackCluster is Ready. */
export async function createCluster(b: Bench, name: string, cidr = randomCidr()): Promise<Obj> {
  b.own(name, { bastion: true });
  const cluster = await b.fx.capiCluster(NS, name);
  await b.fx.openStackCluster(NS, name, cluster, defaultClusterSpec(cidr));
  await b.fx.waitFor(OpenStackClusters, NS, name, isReady, { timeoutMs: 600_000 });
  // CAPI's Cluster controller marks the infrastructure ready once it sees the OpenStackCluster Ready.
  await b.fx.setClusterInfrastructureReady(NS, name);
  return cluster;
}

export async function deleteCluster(b: Bench, name: string): Promise<void> {
  await b.fx.deleteAndWaitGone(OpenStackClusters, NS, name, 600_000);
  await b.fx.deleteAndWaitGone(Clusters, NS, name, 30_000);
}

export interface Steady {
  /** Reconciles and calls in the window, from idle to idle. */
  m: Measured;
  /** Sync periods in the window (resync log lines of the `for` informer). */
  periods: number;
  /** Resync log lines in the window by informer kind. */
  informers: Map<string, number>;
  reconciles: number;
}

/** From idle, `periods` sync periods of nothing but resyncs, until idle again. */
export async function resyncWindow(b: Bench, forKind: string, periods: number): Promise<Steady> {
  await waitIdle(b, 3_000);
  const m = await measure(b, async () => {
    await sleep(periods * b.syncPeriodMs + 1_000);
    await waitIdle(b, 2_000);
  });
  const informers = resyncs(b, m.a.at, m.b.at);
  return { m, periods: informers.get(forKind) ?? 0, informers, reconciles: sum(m.p.reconciles) };
}

/** `times` touches of an annotation on each object, one at a time, each until idle. */
export async function touchWindow(b: Bench, r: Resource, names: string[], times: number): Promise<Steady> {
  await waitIdle(b, 3_000);
  const m = await measure(b, async () => {
    for (let i = 0; i < times; i++) {
      await Promise.all(
        names.map((n) =>
          b.fx.kube.patch(
            r,
            NS,
            n,
            { metadata: { annotations: { "bench.capo-ts/touch": `${Date.now()}-${i}` } } },
            { type: "merge" },
          ),
        ),
      );
      await waitIdle(b, 2_000);
    }
  });
  const informers = resyncs(b, m.a.at, m.b.at);
  return { m, periods: 0, informers, reconciles: sum(m.p.reconciles) };
}

export const reconcilesOf = (s: Snapshot, controller: string): number => value(s, RECONCILES, { controller });
