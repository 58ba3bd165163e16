/**
 * One default cluster (managed /24 subnet, API load balancer, managed security groups with
 * allowAllInClusterTraffic, no bastion) through the real manager on the all-in-one: OpenStack calls and time for
 * create (apply → Ready), steady-state reconciles (resync and annotation touch), delete (delete → gone), error
 * answers and the manager's RSS, beside the issue's targets. Prints; asserts nothing. Figures measured before a
 * failure (e.g. a delete timing out on a slow cloud) are printed all the same.
 *
 *   node bench/cluster.ts [--sync-period-s 20] [--resyncs 3] [--touches 3]
 */
import { parseArgs } from "node:util";
import { OpenStackClusters } from "../src/runtime/resources.ts";
import { rssMiB, startBench, waitIdle } from "./lib/env.ts";
import { createCluster, deleteCluster, measure, resyncWindow, touchWindow } from "./lib/flow.ts";
import { Results, errorsOf, fmt, out, stepReport } from "./lib/report.ts";

const { values: args } = parseArgs({
  options: {
    "sync-period-s": { type: "string", default: "20" },
    resyncs: { type: "string", default: "3" },
    touches: { type: "string", default: "3" },
  },
});

const b = await startBench({ syncPeriodMs: Number(args["sync-period-s"]) * 1000 });
const name = `${b.prefix}-c`;
const r = new Results();
const windows: [string, number, number][] = [];
const per = (n: number, d: number) => (d === 0 ? "-" : fmt(n / d, 2));
const mib = (x: { proc: number; metric: number }) => `${fmt(x.proc)} (metric ${fmt(x.metric)})`;
try {
  await waitIdle(b, 2_000);
  const create = await measure(b, () => createCluster(b, name));
  windows.push(["create (apply → Ready)", create.a.at, create.b.at]);
  r.row("apply → Ready (ms)", String(create.p.ms), "30000-35000", "≤ 15000");
  r.row("calls on create", String(create.p.calls), "~65-73", "≤ CAPO");
  r.row("  Keystone token requests", String(create.p.tokens));
  r.row("  error answers", errorsOf(create.p), "", "none");
  r.phase("create", create.p);

  const settle = await measure(b, () => waitIdle(b, 3_000));
  r.row("calls after Ready until idle", `${settle.p.calls} in ${settle.p.ms} ms`);
  r.row("RSS at Ready (MiB)", mib(rssMiB(b, settle.b)));
  r.phase("Ready → idle", settle.p);

  const resync = await resyncWindow(b, "OpenStackCluster", Number(args.resyncs));
  windows.push(["steady state: resyncs", resync.m.a.at, resync.m.b.at]);
  r.row("calls per resync reconcile", per(resync.m.p.calls, resync.reconciles), "14", "≤ 5");
  r.row("reconciles per resync", per(resync.reconciles, resync.periods));
  r.row("  error answers", errorsOf(resync.m.p), "", "none");
  r.phase("per resync reconcile", resync.m.p, Math.max(1, resync.reconciles));
  r.note(
    `resync window: ${resync.periods} periods, ${resync.reconciles} reconciles, ${resync.m.p.calls} calls, ` +
      `${resync.m.p.tokens} tokens; informer resyncs: ${[...resync.informers].map(([k, n]) => `${k} ${n}`).join(", ")}`,
  );

  const touches = Number(args.touches);
  const touch = await touchWindow(b, OpenStackClusters, [name], touches);
  windows.push(["steady state: touches", touch.m.a.at, touch.m.b.at]);
  r.row("calls per touch reconcile", per(touch.m.p.calls, touch.reconciles), "", "≤ 5");
  r.row("reconciles per touch", per(touch.reconciles, touches));
  r.row("RSS in steady state (MiB)", mib(rssMiB(b, touch.m.b)));
  r.phase("per touch reconcile", touch.m.p, Math.max(1, touch.reconciles));
  r.note(`touch window: ${touches} touches, ${touch.reconciles} reconciles, ${touch.m.p.calls} calls`);

  const del = await measure(b, () => deleteCluster(b, name));
  windows.push(["delete (delete → gone)", del.a.at, del.b.at]);
  r.row("delete → gone (ms)", String(del.p.ms), "6000-7500", "≤ 5000");
  r.row("calls on delete", String(del.p.calls));
  r.row("  error answers", errorsOf(del.p), "three 409s", "none");
  r.row("  Keystone token requests", String(del.p.tokens));
  r.phase("delete", del.p);
} catch (e) {
  r.note(`FAILED: ${e instanceof Error ? e.message.slice(0, 400) : String(e)}`);
  windows.push(["until the failure", windows.at(-1)?.[2] ?? 0, Date.now()]);
} finally {
  r.print(`bench/cluster.ts: cluster ${name}, --sync-period=${b.syncPeriodMs / 1000}s`);
  for (const [title, from, to] of windows) out(`\n-- steps: ${title}\n${stepReport(b.mgr, from, to)}`);
  await b.done();
}
