// Shared pieces of the crash, fault and soak tests: a seeded schedule of kill -9 points, where each kill
// landed (read back from the killed process's log), a watch on status.failureReason that records every
// object that ever showed one, and the secret-hygiene check over everything the manager made observable.
import { randomInt } from "node:crypto";
import { copyFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeClient } from "../../../src/runtime/kube.ts";
import { OpenStackClusters, OpenStackMachines } from "../../../src/runtime/resources.ts";
import type { Fixtures, LogLine, ManagerHandle, Obj } from "../../env/capo.ts";
import { assertNoSecrets, cloudPassword, observableTexts } from "../../env/capo.ts";
import type { FaultProxy } from "../../env/fault-proxy.ts";

export { mulberry32 } from "../../env/fault-proxy.ts";

export interface SoakSettings {
  seed: number;
  /** Kill points the test spends in total. */
  points: number;
  soak: boolean;
}

/** CAPO_TS_SOAK_POINTS and CAPO_TS_SOAK_SEED, or the CI defaults; the seed is printed so a run can be replayed. */
export function soakSettings(test: string, ciPoints: number): SoakSettings {
  const env = process.env.CAPO_TS_SOAK_POINTS;
  const points = env ? Number(env) : ciPoints;
  if (!Number.isInteger(points) || points < 1) throw new Error(`bad CAPO_TS_SOAK_POINTS=${env}`);
  const seed = seedFor(test, `${points} kill points`, `CAPO_TS_SOAK_POINTS=${points}`);
  return { seed, points, soak: env !== undefined };
}

/** CAPO_TS_SOAK_SEED, or a fresh seed; printed with how to replay the run. */
export function seedFor(test: string, what = "", replayEnv = ""): number {
  const given = process.env.CAPO_TS_SOAK_SEED;
  const seed = given ? Number(given) : randomInt(1, 2 ** 31);
  if (!Number.isInteger(seed)) throw new Error(`bad CAPO_TS_SOAK_SEED=${given}`);
  const replay = [`CAPO_TS_SOAK_SEED=${seed}`, replayEnv].filter(Boolean).join(" ");
  note(`${test}: seed ${seed}${what ? `, ${what}` : ""} (replay: ${replay})`);
  return seed;
}

/** A line on stdout, outside node:test's reporter, so soak output reads as a log. */
export function note(line: string): void {
  process.stdout.write(`# ${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

/** Kills per phase for each round: 1-2 during create, 1-2 during delete, until the points are spent. */
export function killPlan(rand: () => number, points: number): { create: number; delete: number }[] {
  const rounds = [];
  for (let left = points; left > 0;) {
    const create = Math.min(left, 1 + Math.floor(rand() * 2));
    left -= create;
    const del = left <= 2 ? left : 1 + Math.floor(rand() * 2);
    left -= del;
    rounds.push({ create, delete: del });
  }
  return rounds;
}

export const uniform = (rand: () => number, lo: number, hi: number): number =>
  Math.round(lo + rand() * (hi - lo));

/** Where a process was when it died: per object, its last finished step and its last OpenStack request. */
export function phaseOf(mgr: ManagerHandle, pid: number): string {
  const last = new Map<string, { step?: string; request?: string }>();
  let current = "";
  for (const l of mgr.logs) {
    if (l.pid !== pid) continue;
    const obj = objectOf(l);
    if (obj) current = obj;
    const at = last.get(current) ?? {};
    if (l.msg === "Step done" && typeof l.step === "string") {
      at.step = l.step + (l.stop ? "(stop)" : "");
      delete at.request;
    }
    if (l.msg === "OpenStack request" && typeof l.request === "string") at.request = l.request;
    last.set(current, at);
  }
  last.delete("");
  return (
    [...last]
      .map(([o, a]) => `${o}: after ${a.step ?? "(no step)"}${a.request ? `, in ${a.request}` : ""}`)
      .join("; ") || "(before any step)"
  );
}

/** The object a reconciler's log line is about; OpenStack request lines carry none, so the last one applies. */
function objectOf(l: LogLine): string | undefined {
  for (const kind of ["OpenStackCluster", "OpenStackMachine"]) {
    const o = l[kind] as { name?: string } | undefined;
    if (o?.name) return `${kind === "OpenStackCluster" ? "osc" : "osm"}/${o.name}`;
  }
  return undefined;
}

export interface Kill {
  label: string;
  delayMs: number;
  pid: number;
  phase: string;
}

/**
 * Waits `delayMs`, kills the manager with SIGKILL, notes where it was, and restarts it. Unless `until` is
 * already true (then it skips the kill and says so): a kill after convergence proves less than one during it.
 */
export async function killAfter(
  mgr: ManagerHandle,
  label: string,
  delayMs: number,
  converged: () => Promise<boolean>,
): Promise<Kill | undefined> {
  await sleep(delayMs);
  if (await converged()) {
    note(`${label}: converged before +${delayMs} ms, no kill`);
    return undefined;
  }
  const pid = mgr.pid;
  await mgr.kill9();
  const kill = { label, delayMs, pid, phase: phaseOf(mgr, pid) };
  note(`${label}: kill -9 of ${pid} at +${delayMs} ms — ${kill.phase}`);
  await mgr.restart();
  return kill;
}

/** Records every OpenStackCluster/OpenStackMachine in `ns` that ever shows a failureReason or failureMessage. */
export class FailureWatch {
  readonly seen: string[] = [];
  #stop = false;
  readonly #done: Promise<void>;

  constructor(kube: KubeClient, ns: string, everyMs = 500) {
    this.#done = this.#run(kube, ns, everyMs);
  }

  async #run(kube: KubeClient, ns: string, everyMs: number): Promise<void> {
    while (!this.#stop) {
      for (const r of [OpenStackClusters, OpenStackMachines]) {
        const items = await kube.list<Obj>(r, { namespace: ns }).then(
          (l) => l.items,
          () => [],
        );
        for (const o of items) {
          const st = o.status as { failureReason?: string; failureMessage?: string } | undefined;
          if (st?.failureReason || st?.failureMessage)
            this.seen.push(`${r.kind} ${o.metadata.name}: ${st.failureReason} ${st.failureMessage}`);
        }
      }
      await sleep(everyMs);
    }
  }

  async stop(): Promise<string[]> {
    this.#stop = true;
    await this.#done;
    return this.seen;
  }
}

/**
 * No credential in the manager's log, any Event, any status (conditions included) in `ns`: the password of
 * clouds.yaml and every token the proxy saw issued or sent. Returns how many secrets were searched for.
 */
export async function assertHygiene(
  kube: KubeClient,
  ns: string,
  mgr: ManagerHandle,
  proxy: FaultProxy,
): Promise<number> {
  const secrets = [cloudPassword(), ...proxy.tokens];
  assertNoSecrets(await observableTexts(kube, ns, mgr), secrets);
  return secrets.length;
}

/** CAPO_TS_CRASH_LOG=<file> keeps the manager's whole log (every process) for a post-mortem. */
export function keepLog(mgr: ManagerHandle | undefined): void {
  const to = process.env.CAPO_TS_CRASH_LOG;
  if (!to || !mgr) return;
  copyFileSync(mgr.logFile, to);
  note(`manager log kept in ${to}`);
}

/**
 * Cluster + OpenStackCluster (identity `creds`, a managed subnet, no load balancer: cheap on a busy
 * all-in-one) made Ready and marked infrastructure-ready as CAPI does; returns the Cluster.
 */
export async function readyClusterWithoutLB(
  fx: Fixtures,
  ns: string,
  name: string,
  cidr: string,
): Promise<Obj> {
  const cluster = await fx.capiCluster(ns, name);
  await fx.openStackCluster(ns, name, cluster, {
    identityRef: { name: "creds", cloudName: "capo-e2e" },
    managedSubnets: [{ cidr }],
    managedSecurityGroups: { allowAllInClusterTraffic: true },
    apiServerLoadBalancer: { enabled: false },
  });
  await fx.waitFor(OpenStackClusters, ns, name, (o) => o.status?.ready === true, { timeoutMs: 600_000 });
  await fx.setClusterInfrastructureReady(ns, name);
  return cluster;
}
