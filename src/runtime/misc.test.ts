import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { Registry } from "prom-client";
import { parseAddr, serveMetrics, serveProbes } from "./http.ts";
import { newLogger } from "./log.ts";
import { RuntimeMetrics } from "./metrics.ts";
import { infrastructureRef } from "./mappers.ts";
import { OpenStackClusters } from "./resources.ts";
import { parseKey, resourcePath } from "./object.ts";
import { ConfigMaps, Leases } from "./resources.ts";

test("Go listen addresses", () => {
  assert.deepEqual(parseAddr(":9440"), { host: undefined, port: 9440 });
  assert.deepEqual(parseAddr("127.0.0.1:8080"), { host: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseAddr("[::1]:0"), { host: "::1", port: 0 });
  assert.equal(parseAddr("0"), undefined);
  assert.equal(parseAddr(""), undefined);
  assert.throws(() => parseAddr("9440"), /host:port/);
});

test("resource paths and keys", () => {
  assert.equal(resourcePath(ConfigMaps, "ns", "x"), "/api/v1/namespaces/ns/configmaps/x");
  assert.equal(resourcePath(Leases, "ns"), "/apis/coordination.k8s.io/v1/namespaces/ns/leases");
  assert.equal(
    resourcePath(OpenStackClusters, "", "x", "status"),
    "/apis/infrastructure.cluster.x-k8s.io/v1beta1/openstackclusters/x/status",
  );
  assert.deepEqual(parseKey("ns/n"), { namespace: "ns", name: "n" });
  assert.deepEqual(parseKey("n"), { namespace: "", name: "n" });
});

test("infrastructureRef accepts v1beta1 and v1beta2 refs of the right kind only", () => {
  const c = (ref: unknown) => ({
    metadata: { namespace: "ns", name: "c" },
    spec: { infrastructureRef: ref },
  });
  assert.deepEqual(
    infrastructureRef(
      c({ apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1", kind: "OpenStackCluster", name: "o" }),
      OpenStackClusters,
    ),
    { namespace: "ns", name: "o" },
  );
  assert.deepEqual(
    infrastructureRef(
      c({ apiGroup: "infrastructure.cluster.x-k8s.io", kind: "OpenStackCluster", name: "o" }),
      OpenStackClusters,
    ),
    { namespace: "ns", name: "o" },
  );
  assert.equal(
    infrastructureRef(
      c({ apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1", kind: "DockerCluster", name: "o" }),
      OpenStackClusters,
    ),
    undefined,
  );
  assert.equal(
    infrastructureRef(
      c({ apiVersion: "other.io/v1", kind: "OpenStackCluster", name: "o" }),
      OpenStackClusters,
    ),
    undefined,
  );
  assert.equal(infrastructureRef(c(undefined), OpenStackClusters), undefined);
});

test("logs are JSON with v; lines above --v are dropped; errors always show", () => {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(...chunk.toString().trim().split("\n"));
      cb();
    },
  });
  const log = newLogger({ verbosity: 2, destination: dest });
  log.info("zero", { a: 1 });
  log.v(2).info("two");
  log.v(3).info("three");
  log.v(5).error(new Error("bad"), "failed");
  log.child({ controller: "c" }).v(1).info("child");
  const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>) as [
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  assert.deepEqual(
    recs.map((r) => r.msg),
    ["zero", "two", "failed", "child"],
  );
  assert.equal(recs[0].v, 0);
  assert.equal(recs[0].a, 1);
  assert.equal(recs[1].v, 2);
  assert.equal(recs[2].level, "error");
  assert.equal((recs[2].err as { message: string }).message, "bad");
  assert.equal(recs[3].controller, "c");
  assert.equal(log.v(3).enabled, false);
});

test("probes and metrics over real HTTP", async () => {
  let ready = false;
  const probes = await serveProbes(
    "127.0.0.1:0",
    new Map([["ping", () => true]]),
    new Map([["informers", () => ready]]),
  );
  const registry = new Registry();
  const m = new RuntimeMetrics(registry);
  const c = m.forController("toy", 3, () => [1.5]);
  c.reconciled("success", 0.01);
  c.queue.added();
  c.queue.queued(0.001);
  c.queue.worked(0.002);
  c.queue.retried();
  c.errored(false);
  const metrics = await serveMetrics("127.0.0.1:0", registry);
  try {
    const base = `http://127.0.0.1:${probes!.port}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 500);
    ready = true;
    const r = await fetch(`${base}/readyz?verbose`);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /\[\+\]informers ok/);
    const text = await (await fetch(`http://127.0.0.1:${metrics!.port}/metrics`)).text();
    assert.match(text, /controller_runtime_reconcile_total\{controller="toy",result="success"\} 1/);
    assert.match(text, /controller_runtime_reconcile_total\{controller="toy",result="error"\} 0/);
    assert.match(text, /controller_runtime_max_concurrent_reconciles\{controller="toy"\} 3/);
    assert.match(text, /workqueue_adds_total\{name="toy",controller="toy"\} 1/);
    assert.match(text, /workqueue_longest_running_processor_seconds\{name="toy",controller="toy"\} 1.5/);
    for (const name of [
      "controller_runtime_reconcile_errors_total",
      "controller_runtime_reconcile_time_seconds_bucket",
      "workqueue_depth",
      "workqueue_queue_duration_seconds_bucket",
      "workqueue_work_duration_seconds_bucket",
      "workqueue_retries_total",
    ])
      assert.ok(text.includes(name), name);
  } finally {
    await probes!.close();
    await metrics!.close();
  }
});
