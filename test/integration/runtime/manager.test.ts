// `capo-ts manager` as a process against a real apiserver: two replicas with --leader-elect, exactly one
// leads and only it reconciles; kill -9 of the leader hands over within lease duration + renew deadline
// (measured); SIGTERM shuts down within 10 s and releases the lease; probes and metrics are served.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { generateTestCertificates } from "../../env/certs.ts";
import { startKube } from "../../env/kube.ts";
import type { KubeEnv } from "../../env/kube.ts";
import type { KubeClient } from "../../../src/runtime/kube.ts";
import type { KubeObject } from "../../../src/runtime/object.ts";
import { Leases, OpenStackClusters } from "../../../src/runtime/resources.ts";
import type { LeaseSpec } from "../../../src/runtime/leaderelection.ts";
import { CAPO_CRDS, openStackCluster, testClient, waitFor } from "./helpers.ts";

const BIN = new URL("../../../bin/capo-ts", import.meta.url).pathname;
/** Every replica serves webhooks, each on a free port. */
const webhookCerts = generateTestCertificates("manager-replicas");

interface LogLine {
  msg: string;
  t: number;
  [k: string]: unknown;
}

class Replica {
  readonly proc: ChildProcess;
  readonly logs: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;

  constructor(kubeconfig: string, args: string[] = []) {
    this.proc = spawn(
      BIN,
      [
        "manager",
        "--leader-elect",
        `--kubeconfig=${kubeconfig}`,
        "--health-addr=127.0.0.1:0",
        "--metrics-bind-addr=127.0.0.1:0",
        "--diagnostics-address=0",
        "--webhook-port=0",
        `--webhook-cert-dir=${webhookCerts.certDir}`,
        "--v=4",
        ...args,
      ],
      { env: { ...process.env, POD_NAMESPACE: "default" }, stdio: ["ignore", "ignore", "pipe"] },
    );
    createInterface({ input: this.proc.stderr! }).on("line", (line) => {
      try {
        this.logs.push({ ...(JSON.parse(line) as LogLine), t: performance.now() });
      } catch {
        this.logs.push({ msg: line, t: performance.now() });
      }
    });
    this.exited = new Promise((resolve) =>
      this.proc.once("exit", (code, signal) => {
        resolve({ code, signal, at: performance.now() });
      }),
    );
  }

  find(msg: string): LogLine | undefined {
    return this.logs.find((l) => l.msg === msg);
  }

  get identity(): string {
    return this.find("Starting manager")?.identity as string;
  }

  port(msg: "Serving probes" | "Serving metrics"): number {
    return this.find(msg)?.port as number;
  }

  /** Reconciles of an OpenStackCluster that no Cluster owns: the reconciler says it waits for the owner. */
  reconciled(name: string): number {
    return this.logs.filter((l) => l.msg === "Cluster Controller has not yet set OwnerRef" && l.name === name)
      .length;
  }
}

describe("capo-ts manager with leader election", () => {
  let env: KubeEnv;
  let client: KubeClient;
  let a: Replica;
  let b: Replica;

  before(async () => {
    env = await startKube({ installCAPICRDs: true, crdDirs: [CAPO_CRDS] });
    client = testClient(env.kubeConfig);
  });

  after(async () => {
    for (const r of [a, b]) r.proc.kill("SIGKILL");
    await env.stop();
  });

  const lease = async (): Promise<LeaseSpec | undefined> =>
    (await client.get<KubeObject<LeaseSpec>>(Leases, "default", "controller-leader-election-capo")).spec;

  it("elects exactly one leader; only the leader reconciles; probes and metrics are served", async () => {
    a = new Replica(env.kubeconfigPath);
    b = new Replica(env.kubeconfigPath);
    await waitFor(
      () => !!(a.find("successfully acquired lease") ?? b.find("successfully acquired lease")),
      30_000,
      () => "a leader",
    );
    await waitFor(
      () => !!(a.identity && b.identity),
      10_000,
      () => "both started",
    );
    const [leader, follower] = a.find("successfully acquired lease") ? [a, b] : [b, a];
    assert.equal((await lease())?.holderIdentity, leader.identity);
    assert.equal(follower.find("successfully acquired lease"), undefined);

    await client.create(OpenStackClusters, openStackCluster("default", "osc1"));
    await waitFor(
      () => leader.reconciled("osc1") > 0,
      20_000,
      () => "leader reconciles osc1",
    );
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(follower.reconciled("osc1"), 0, "the follower must not reconcile");

    const probes = `http://127.0.0.1:${leader.port("Serving probes")}`;
    assert.equal((await fetch(`${probes}/healthz`)).status, 200);
    assert.equal((await fetch(`${probes}/readyz`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${follower.port("Serving probes")}/readyz`)).status, 200);
    for (const replica of [leader, follower]) {
      const readyz = await fetch(`http://127.0.0.1:${replica.port("Serving probes")}/readyz?verbose`);
      assert.match(await readyz.text(), /\[\+\]webhook ok/, "leader and follower both serve webhooks");
    }
    const metrics = await (await fetch(`http://127.0.0.1:${leader.port("Serving metrics")}/metrics`)).text();
    assert.match(
      metrics,
      /controller_runtime_reconcile_total\{controller="openstackcluster",result="success"\} [1-9]/,
    );
    assert.match(metrics, /leader_election_master_status\{name="controller-leader-election-capo"\} 1/);
    for (const name of [
      "controller_runtime_reconcile_errors_total",
      "controller_runtime_reconcile_time_seconds",
      "workqueue_depth",
      "workqueue_adds_total",
      "workqueue_queue_duration_seconds",
      "workqueue_work_duration_seconds",
      "workqueue_retries_total",
      "rest_client_requests_total",
    ])
      assert.ok(metrics.includes(name), name);
  });

  it("fails over within lease duration + renew deadline after kill -9 of the leader", async () => {
    const [leader, follower] = a.find("successfully acquired lease") ? [a, b] : [b, a];
    const killedAt = performance.now();
    leader.proc.kill("SIGKILL");
    await waitFor(
      () => !!follower.find("successfully acquired lease"),
      30_000,
      () => "takeover",
    );
    const failover = follower.find("successfully acquired lease")!.t - killedAt;
    process.stderr.write(
      `leader failover after kill -9: ${(failover / 1000).toFixed(2)} s (lease 15 s, renew deadline 10 s, retry 2 s)\n`,
    );
    assert.ok(failover < 25_000, `failover took ${failover} ms`);
    assert.equal((await lease())?.holderIdentity, follower.identity);
    await waitFor(
      () => follower.reconciled("osc1") > 0,
      20_000,
      () => "new leader reconciles",
    );
  });

  it("shuts down on SIGTERM within 10 s, releasing the lease", async () => {
    const leader = [a, b].find((r) => r.proc.exitCode === null && r.proc.signalCode === null)!;
    const sentAt = performance.now();
    leader.proc.kill("SIGTERM");
    const { code, at } = await leader.exited;
    process.stderr.write(`SIGTERM to exit: ${Math.round(at - sentAt)} ms\n`);
    assert.equal(code, 0);
    assert.ok(at - sentAt < 10_000, `took ${at - sentAt} ms`);
    assert.equal((await lease())?.holderIdentity ?? "", "", "lease released");
  });
});
