// What every controller bench stands on: a private apiserver with the CAPI and our CRDs, the real manager
// process (--v=5 for "Step done" lines, a short --sync-period to observe resyncs), the fixtures CAPI would
// create, an OpenStack client of the benchmark's own (its calls are not the manager's: only /metrics counts),
// and clean-up that purges every OpenStack resource of the clusters it created.
import { randomBytes } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { CRD_DIR, fixtures, startManager } from "../../test/env/capo.ts";
import type { Fixtures, ManagerHandle } from "../../test/env/capo.ts";
import { startKube } from "../../test/env/kube.ts";
import type { KubeEnv } from "../../test/env/kube.ts";
import { inventory, purge } from "../../test/env/sweep.ts";
import type { InventoryOptions } from "../../test/env/sweep.ts";
import { OpenStackClient } from "../../src/openstack/client.ts";
import { credentialFromClouds } from "../../src/openstack/clouds.ts";
import { Session } from "../../src/openstack/session.ts";
import { RECONCILES, snapshot, value } from "./metrics.ts";
import type { Snapshot } from "./metrics.ts";

export const NS = "default";
export const CREDS = "bench-creds";

export interface Bench {
  env: KubeEnv;
  mgr: ManagerHandle;
  fx: Fixtures;
  os: OpenStackClient;
  syncPeriodMs: number;
  /** Unique per run: every cluster name starts with it. */
  prefix: string;
  snap(): Promise<Snapshot>;
  /** Registers what `done` must purge, whatever happens. */
  own(cluster: string, opts: InventoryOptions): void;
  /** Stops the manager and the apiserver, purges what was registered; prints what purge found left. */
  done(): Promise<void>;
}

function benchClient(): OpenStackClient {
  const yaml = readFileSync(process.env.CAPO_TS_CLOUDS_YAML ?? "/etc/openstack/clouds.yaml", "utf8");
  const credential = credentialFromClouds({ cloudsYaml: yaml, cloudName: "capo-e2e" });
  return new OpenStackClient(new Session(credential, { registry: new Registry() }));
}

export async function startBench(opts: { syncPeriodMs: number; extraArgs?: string[] }): Promise<Bench> {
  const env = await startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] });
  const mgr = await startManager(env, {
    v: 5,
    extraArgs: [`--sync-period=${opts.syncPeriodMs / 1000}s`, ...(opts.extraArgs ?? [])],
  });
  const fx = fixtures(env);
  await fx.credentialsSecret(NS, CREDS);
  const os = benchClient();
  const owned = new Map<string, InventoryOptions>();
  const prefix = `bench-${randomBytes(2).toString("hex")}`;
  const bench: Bench = {
    env,
    mgr,
    fx,
    os,
    syncPeriodMs: opts.syncPeriodMs,
    prefix,
    snap: () => snapshot(mgr.metricsUrl),
    // A later call (createCluster) must not drop the machine names an earlier one gave.
    own: (cluster, o) => owned.set(cluster, { ...o, ...owned.get(cluster) }),
    async done() {
      try {
        await mgr.stop();
        // The harness removes its temp dirs at exit; the log is what explains the figures.
        const kept = `/tmp/${prefix}-manager.log`;
        copyFileSync(mgr.logFile, kept);
        process.stdout.write(`manager log kept at ${kept}\n`);
        await env.stop();
      } catch (e) {
        // Stopping may fail after a signal killed the apiserver; the cloud must be purged all the same.
        process.stderr.write(`stopping: ${String(e)}\n`);
      }
      for (const [name, o] of owned) await purgeUntilClean(os, name, o);
      await os.session.close();
    },
  };
  // Interrupted (Ctrl-C, a timeout): still purge what the run made on the cloud.
  let stopping = false;
  const interrupted = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping the manager and purging ${prefix}-*\n`);
    bench.done().then(
      () => process.exit(130),
      (e: unknown) => {
        process.stderr.write(`${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      interrupted(signal);
    });
  return bench;
}

/**
 * Purges a cluster's resources, again while some remain: a load balancer still PENDING_CREATE refuses its
 * delete (409), so a run stopped early needs a few rounds.
 */
export async function purgeUntilClean(os: OpenStackClient, name: string, o: InventoryOptions): Promise<void> {
  for (let round = 1; ; round++) {
    const inv = await inventory(os, { namespace: NS, name }, o);
    const left = Object.entries(inv)
      .filter(([k, v]) => k !== "cluster" && Array.isArray(v) && v.length > 0)
      .map(([k, v]) => `${k} ${(v as unknown[]).length}`);
    if (left.length === 0) return;
    process.stdout.write(`purging leftovers of ${name} (round ${round}): ${left.join(", ")}\n`);
    try {
      await purge(os, inv);
    } catch (e) {
      if (round >= 30) throw e;
      await sleep(10_000);
    }
  }
}

/**
 * Waits until no reconcile has finished or run for `quietMs` (the counter moves only when a reconcile ends, so
 * active workers and queued keys count as busy); returns the last snapshot.
 */
export async function waitIdle(b: Bench, quietMs = 4_000, timeoutMs = 300_000): Promise<Snapshot> {
  const deadline = Date.now() + timeoutMs;
  let last = await b.snap();
  let since = last.at;
  for (;;) {
    await sleep(250);
    const now = await b.snap();
    const busy = value(now, "controller_runtime_active_workers") > 0 || value(now, "workqueue_depth") > 0;
    if (busy || value(now, RECONCILES) !== value(last, RECONCILES)) since = now.at;
    last = now;
    if (now.at - since >= quietMs) return now;
    if (Date.now() > deadline) throw new Error(`manager not idle after ${timeoutMs} ms`);
  }
}

/** RSS of the manager process in MiB, from /proc (VmRSS) and from process_resident_memory_bytes. */
export function rssMiB(b: Bench, s: Snapshot): { proc: number; metric: number } {
  const status = readFileSync(`/proc/${b.mgr.pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { proc: kb / 1024, metric: value(s, "process_resident_memory_bytes") / 2 ** 20 };
}

/** "resync" log lines of the manager's informers (v=3) since `from` ms, by informer kind. */
export function resyncs(b: Bench, from: number, to = Date.now()): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of b.mgr.logs) {
    if (l.msg !== "resync") continue;
    const t = Date.parse(String(l.time));
    if (!(t >= from && t <= to)) continue;
    const kind = String(l.informer);
    out.set(kind, (out.get(kind) ?? 0) + 1);
  }
  return out;
}
