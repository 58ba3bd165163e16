import { test } from "node:test";
import assert from "node:assert/strict";
import { metricsListeners } from "./diagnostics.ts";
import { parseManagerArgs } from "./manager-config.ts";
import { leaderElectionNamespace } from "./manager.ts";

test("CAPO's defaults", () => {
  const c = parseManagerArgs([]);
  assert.equal(c.leaderElect, false);
  assert.equal(c.leaseDurationMs, 15_000);
  assert.equal(c.renewDeadlineMs, 10_000);
  assert.equal(c.retryPeriodMs, 2_000);
  assert.equal(c.namespace, "");
  assert.equal(c.watchFilter, "");
  assert.equal(c.openStackClusterConcurrency, 10);
  assert.equal(c.openStackMachineConcurrency, 10);
  assert.equal(c.openStackMachineTemplateConcurrency, 10);
  assert.equal(c.syncPeriodMs, 600_000);
  assert.equal(c.kubeApiQps, 20);
  assert.equal(c.kubeApiBurst, 30);
  assert.equal(c.webhookPort, 9443);
  assert.equal(c.webhookCertDir, "/tmp/k8s-webhook-server/serving-certs/");
  assert.equal(c.healthAddr, ":9440");
  assert.equal(c.lbProvider, "amphora");
  assert.equal(c.scopeCacheMaxSize, 10);
  assert.deepEqual(c.skipCrdMigrationPhases, []);
  assert.deepEqual(c.featureGates, { PriorityQueue: true, AutoScaleFromZero: false });
  assert.equal(c.diagnosticsAddress, ":8443");
  assert.equal(c.insecureDiagnostics, false);
  assert.equal(c.tlsMinVersion, "VersionTLS12");
  assert.equal(c.verbosity, 0);
});

test("the deployment's arguments parse", () => {
  const c = parseManagerArgs([
    "--leader-elect",
    "--v=2",
    "--diagnostics-address=127.0.0.1:8080",
    "--insecure-diagnostics=true",
    "--feature-gates=AutoScaleFromZero=true",
  ]);
  assert.equal(c.leaderElect, true);
  assert.equal(c.verbosity, 2);
  assert.deepEqual(c.featureGates, { PriorityQueue: true, AutoScaleFromZero: true });
  assert.deepEqual(metricsListeners(c), { metricsAddr: "127.0.0.1:8080" });
});

test("invalid combinations are rejected", () => {
  assert.throws(() => parseManagerArgs(["--feature-gates=Bogus=true"]), /unrecognized feature gate: Bogus/);
  assert.throws(() => parseManagerArgs(["--skip-crd-migration-phases=Nope"]), /skip-crd-migration-phases/);
  assert.throws(() => parseManagerArgs(["--openstackmachine-concurrency=0"]), /at least 1/);
  assert.throws(
    () => parseManagerArgs(["--leader-elect", "--leader-elect-lease-duration=5s"]),
    /lease-duration must be greater/,
  );
  assert.throws(
    () => parseManagerArgs(["--leader-elect", "--leader-elect-retry-period=9s"]),
    /renew-deadline must be greater/,
  );
  assert.throws(() => parseManagerArgs(["extra"]), /unexpected arguments/);
  assert.throws(() => parseManagerArgs(["--tls-min-version=VersionTLS10"]), /unsupported --tls-min-version/);
  assert.throws(
    () =>
      parseManagerArgs(["--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,ECDHE-RSA-AES128-SHA"]),
    /--tls-cipher-suites: unknown cipher suite ECDHE-RSA-AES128-SHA/,
  );
  assert.throws(
    () => parseManagerArgs(["--webhook-port=70000"]),
    /--webhook-port 70000 is not a port number/,
  );
});

test("the lease namespace comes from POD_NAMESPACE or the service account", () => {
  assert.equal(leaderElectionNamespace({ POD_NAMESPACE: "capo-system" }), "capo-system");
  assert.throws(() => leaderElectionNamespace({}), /unable to find leader election namespace/);
});
