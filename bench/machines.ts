/**
 * Machines on a default cluster (created first, not measured) through the real manager on the all-in-one:
 * 3 control plane machines + 1 worker applied at once (or `--scale N` workers), calls per machine create, time
 * from creation to all Ready, steady-state reconciles per machine (resync and annotation touch), delete time
 * (OpenStackMachine + Machine deleted → gone) and calls, leaks, the manager's RSS, beside the targets.
 * Prints; asserts nothing.
 *
 *   node bench/machines.ts [--sync-period-s 20] [--resyncs 2] [--scale N] [--flavor m1.tiny] [--image cirros]
 */
import { parseArgs } from "node:util";
import { Machines, OpenStackMachines } from "../src/runtime/resources.ts";
import { inventory } from "../test/env/sweep.ts";
import { NS, rssMiB, startBench, waitIdle } from "./lib/env.ts";
import type { Bench } from "./lib/env.ts";
import { createCluster, deleteCluster, isReady, measure, resyncWindow, touchWindow } from "./lib/flow.ts";
import type { Steady } from "./lib/flow.ts";
import { Results, errorsOf, fmt, out, stepReport } from "./lib/report.ts";

const { values: args } = parseArgs({
  options: {
    "sync-period-s": { type: "string", default: "20" },
    resyncs: { type: "string", default: "2" },
    scale: { type: "string" },
    flavor: { type: "string", default: "m1.tiny" },
    image: { type: "string", default: "cirros" },
  },
});

interface M {
  name: string;
  controlPlane: boolean;
}

const b = await startBench({ syncPeriodMs: Number(args["sync-period-s"]) * 1000 });
const clusterName = `${b.prefix}-m`;
const scale = args.scale === undefined ? undefined : Number(args.scale);
const machines: M[] =
  scale === undefined
    ? [0, 1, 2]
        .map((i) => ({ name: `${clusterName}-cp-${i}`, controlPlane: true }))
        .concat([{ name: `${clusterName}-md-0`, controlPlane: false }])
    : Array.from({ length: scale }, (_, i) => ({ name: `${clusterName}-md-${i}`, controlPlane: false }));
const names = machines.map((m) => m.name);
const AZS = ["testaz1", "testaz2"];

async function applyMachines(bench: Bench, cluster: Awaited<ReturnType<typeof createCluster>>) {
  const boot = `${clusterName}-bootstrap`;
  await bench.fx.bootstrapSecret(NS, boot, "#cloud-config\n");
  await Promise.all(
    machines.map(async (m, i) => {
      const machine = await bench.fx.machine(NS, m.name, cluster, {
        bootstrapSecret: boot,
        controlPlane: m.controlPlane,
        ...(m.controlPlane ? { failureDomain: AZS[i % AZS.length] } : {}),
      });
      await bench.fx.openStackMachine(NS, m.name, machine, {
        flavor: args.flavor,
        image: { filter: { name: args.image } },
        sshKeyName: "capo-e2e",
      });
    }),
  );
  await Promise.all(
    names.map((n) => bench.fx.waitFor(OpenStackMachines, NS, n, isReady, { timeoutMs: 600_000 })),
  );
}

const deleteMachines = (bench: Bench) =>
  Promise.all(
    names.map(async (n) => {
      await bench.fx.kube.delete(Machines, NS, n);
      await bench.fx.deleteAndWaitGone(OpenStackMachines, NS, n, 600_000);
      await bench.fx.deleteAndWaitGone(Machines, NS, n, 30_000);
    }),
  );

const show = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v}`).join(", ");

/** Servers, trunks, volumes and ports of the machines still on the cloud. */
async function leaks(): Promise<string[]> {
  const inv = await inventory(
    b.os,
    { namespace: NS, name: clusterName },
    { machineNames: names, bastion: false },
  );
  const own = (x: string) => names.some((m) => x === m || x.startsWith(`${m}-`));
  return [
    ...inv.servers.map((s) => `server ${s.name}`),
    ...inv.ports.filter((p) => own(p.name)).map((p) => `port ${p.name}`),
    ...inv.trunks.map((t) => `trunk ${t.name}`),
    ...inv.volumes.map((v) => `volume ${v.name}`),
  ];
}

/** Machine-controller figures of a window, the cluster's own reconciles taken out at the cluster's rate. */
function machineShare(w: Steady, clusterCallsPerReconcile: number) {
  const cluster = w.m.p.reconciles.get("openstackcluster") ?? 0;
  const recs = w.m.p.reconciles.get("openstackmachine") ?? 0;
  const calls = w.m.p.calls - cluster * clusterCallsPerReconcile;
  return { recs, calls, cluster };
}

b.own(clusterName, { bastion: true, machineNames: names });
const r = new Results();
const windows: [string, number, number][] = [];
const n = machines.length;
const per = (x: number, y: number) => (y === 0 ? "-" : fmt(x / y, 2));
const mib = (x: { proc: number; metric: number }) => `${fmt(x.proc)} (metric ${fmt(x.metric)})`;
const title = scale === undefined ? "3 control plane + 1 worker" : `${n} workers`;
try {
  const cluster = await createCluster(b, clusterName);
  // The cluster's own steady cost, to take out of the machine windows below.
  const clusterOnly = await resyncWindow(b, "OpenStackCluster", 1);
  const clusterRate = clusterOnly.reconciles === 0 ? 0 : clusterOnly.m.p.calls / clusterOnly.reconciles;
  r.note(
    `cluster alone: ${fmt(clusterRate, 2)} calls per cluster reconcile (taken out of the machine windows)`,
  );

  const create = await measure(b, () => applyMachines(b, cluster));
  windows.push(["create (creation → all Ready)", create.a.at, create.b.at]);
  r.row("creation → all Ready (ms)", String(create.p.ms), "17500-27000", "≤ 9000");
  r.row("calls on create (all machines)", String(create.p.calls), "~75-80", "≤ CAPO");
  r.row("calls per machine create", per(create.p.calls, n));
  r.row("  Keystone token requests", String(create.p.tokens));
  r.row("  error answers", errorsOf(create.p), "", "none");
  r.phase("create", create.p);
  r.phase("per machine", create.p, n);

  const settle = await measure(b, () => waitIdle(b, 3_000));
  r.row("calls after all Ready until idle", `${settle.p.calls} in ${settle.p.ms} ms`);
  r.row("RSS at Ready (MiB)", mib(rssMiB(b, settle.b)));
  r.phase("Ready → idle", settle.p);

  const periods = Number(args.resyncs);
  const resync = await resyncWindow(b, "OpenStackMachine", periods);
  windows.push(["steady state: resyncs", resync.m.a.at, resync.m.b.at]);
  const rs = machineShare(resync, clusterRate);
  r.row("calls per machine resync reconcile", per(rs.calls, rs.recs), "3 (CP), 1 (worker)", "≤ 1");
  r.row("reconciles per machine per resync", per(rs.recs, n * resync.periods), "3", "1");
  r.row("  error answers", errorsOf(resync.m.p), "", "none");
  r.phase("resync window", resync.m.p);
  r.note(
    `resync window: ${resync.periods} periods, reconciles ${show(resync.m.p.reconciles)}, ${resync.m.p.calls} calls ` +
      `(${fmt(rs.calls)} machine's); informer resyncs: ${show(resync.informers)}`,
  );

  const touch = await touchWindow(b, OpenStackMachines, names, 2);
  windows.push(["steady state: touches", touch.m.a.at, touch.m.b.at]);
  const ts = machineShare(touch, clusterRate);
  r.row("calls per machine touch reconcile", per(ts.calls, ts.recs), "", "≤ 1");
  r.row("reconciles per machine per touch", per(ts.recs, n * 2), "", "1");
  r.row("RSS in steady state (MiB)", mib(rssMiB(b, touch.m.b)));
  r.phase("touch window", touch.m.p);
  r.note(
    `touch window: 2 touches of each machine, reconciles ${show(touch.m.p.reconciles)}, ${touch.m.p.calls} calls`,
  );

  const del = await measure(b, () => deleteMachines(b));
  windows.push(["delete (deleted → gone)", del.a.at, del.b.at]);
  r.row("delete → all gone (ms)", String(del.p.ms), "17000-19000", "≤ 8000");
  r.row("calls on delete", String(del.p.calls));
  r.row("  error answers", errorsOf(del.p), "", "none");
  r.phase("delete", del.p);
  r.row("leaks after delete", (await leaks()).join(", ") || "none", "", "none");
  await deleteCluster(b, clusterName);
} catch (e) {
  r.note(`FAILED: ${e instanceof Error ? e.message.slice(0, 400) : String(e)}`);
  windows.push(["until the failure", windows.at(-1)?.[2] ?? 0, Date.now()]);
} finally {
  r.print(`bench/machines.ts: ${title} on cluster ${clusterName}, --sync-period=${b.syncPeriodMs / 1000}s`);
  for (const [t, from, to] of windows) out(`\n-- steps: ${t}\n${stepReport(b.mgr, from, to)}`);
  await b.done();
}
