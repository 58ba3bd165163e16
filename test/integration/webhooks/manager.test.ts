// `capo-ts manager` serving its webhooks to a real apiserver: our CRDs convert through the manager's /convert
// and its validating and defaulting webhooks are registered, trusted through a throw-away CA (the CRDs from
// config/crd/bases, patched with the url and caBundle). The manager runs with --leader-elect while another
// identity holds the lease, so everything here is served by a replica that does not lead.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { Group, KindNames, type KindName } from "../../../src/api/common/kinds.ts";
import { generateTestCertificates, handshake } from "../../env/certs.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { tempDir } from "../../env/tmp.ts";
import { KubeClient, registerWebhookServer } from "../conversion/kube-client.ts";

const BIN = new URL("../../../bin/capo-ts", import.meta.url).pathname;
const namespace = "default";

interface LogLine {
  msg: string;
  [key: string]: unknown;
}

/** A `capo-ts manager` process and its JSON log lines. */
class ManagerProcess {
  readonly proc: ChildProcess;
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.proc = spawn(BIN, ["manager", ...args], {
      env: { ...process.env, POD_NAMESPACE: namespace },
      stdio: ["ignore", "ignore", "pipe"],
    });
    createInterface({ input: this.proc.stderr! }).on("line", (line) => {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ msg: line });
      }
    });
    this.exited = new Promise((resolve) => this.proc.once("exit", resolve));
  }

  find(msg: string): LogLine | undefined {
    return this.logs.find((l) => l.msg === msg);
  }

  /** The value of `key` in the first log line `msg`, once it is logged. */
  async logged(msg: string, key: string, timeoutMs = 30_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.proc.exitCode === null) {
      const line = this.find(msg);
      if (line) return line[key];
      await sleep(20);
    }
    throw new Error(`no "${msg}" log line; logs: ${JSON.stringify(this.logs)}`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill("SIGTERM");
      await this.exited;
    }
  }
}

/** A Lease held by a replica that is not ours, for longer than the test runs. */
function foreignLease() {
  const now = new Date().toISOString().replace(/Z$/, "000Z");
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "controller-leader-election-capo", namespace },
    spec: { holderIdentity: "another-replica", leaseDurationSeconds: 3600, acquireTime: now, renewTime: now },
  };
}

const path = (version: string, kind: KindName, name = "") =>
  `/apis/${Group}/${version}/namespaces/${namespace}/${KindNames[kind].plural}${name ? `/${name}` : ""}`;

describe("capo-ts manager webhooks on a real apiserver", () => {
  const certs = generateTestCertificates("manager-webhooks");
  let env: KubeEnv;
  let client: KubeClient;
  let manager: ManagerProcess;
  let webhookPort: number;
  let healthPort: number;

  before(async () => {
    env = await startKube();
    client = new KubeClient(env.kubeConfig);
    await client.must("POST", `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, foreignLease());
    manager = new ManagerProcess([
      `--kubeconfig=${env.kubeconfigPath}`,
      "--leader-elect",
      "--health-addr=127.0.0.1:0",
      "--diagnostics-address=0",
      "--webhook-port=0",
      `--webhook-cert-dir=${certs.certDir}`,
      "--tls-min-version=VersionTLS13",
      "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    ]);
    webhookPort = (await manager.logged("Serving webhooks", "port")) as number;
    healthPort = (await manager.logged("Serving probes", "port")) as number;
    const url = `https://127.0.0.1:${webhookPort}`;
    await registerWebhookServer(client, url, certs.caPem);
  });
  after(async () => {
    await manager.stop();
    await env.stop();
  });

  it("serves webhooks without leading, and /readyz checks them", async () => {
    const readyz = await fetch(`http://127.0.0.1:${healthPort}/readyz?verbose`);
    assert.equal(readyz.status, 200);
    assert.match(await readyz.text(), /\[\+\]webhook ok/);
    assert.equal(manager.find("successfully acquired lease"), undefined, "the manager does not lead");
  });

  it("converts: a v1alpha7 machine reads back as v1beta1", async () => {
    await client.must("POST", path("v1alpha7", "OpenStackMachine"), {
      apiVersion: `${Group}/v1alpha7`,
      kind: "OpenStackMachine",
      metadata: { name: "worker-0" },
      spec: { flavor: "m1.small", image: "ubuntu-22.04", cloudName: "openstack" },
    });
    const hub = await client.must("GET", path("v1beta1", "OpenStackMachine", "worker-0"));
    assert.equal(hub.apiVersion, `${Group}/v1beta1`);
    assert.deepEqual(hub.spec, {
      flavor: "m1.small",
      image: { filter: { name: "ubuntu-22.04" } },
      identityRef: { name: "", cloudName: "openstack" },
    });
    const own = await client.must("GET", path("v1alpha7", "OpenStackMachine", "worker-0"));
    assert.deepEqual(own.spec, { flavor: "m1.small", image: "ubuntu-22.04", cloudName: "openstack" });
  });

  it("rejects an invalid v1alpha7 update with the field path", async () => {
    const bastion = { enabled: true, instance: { flavor: "m1.small", image: "ubuntu-22.04" } };
    await client.must("POST", path("v1alpha7", "OpenStackCluster"), {
      apiVersion: `${Group}/v1alpha7`,
      kind: "OpenStackCluster",
      metadata: { name: "with-bastion" },
      spec: { bastion },
    });
    const cluster = await client.must("GET", path("v1alpha7", "OpenStackCluster", "with-bastion"));
    const res = await client.request("PUT", path("v1alpha7", "OpenStackCluster", "with-bastion"), {
      ...cluster,
      spec: { ...(cluster.spec as object), bastion: undefined },
    });
    assert.equal(res.status, 422);
    const status = res.body as { message: string; details: { causes: { field: string }[] } };
    assert.match(
      status.message,
      /^admission webhook "validation\.openstackcluster\.infrastructure\.cluster\.x-k8s\.io" denied the request: .*spec\.bastion: Forbidden: cannot be removed before disabling it$/,
    );
    assert.deepEqual(
      status.details.causes.map((c) => c.field),
      ["spec.bastion"],
    );
  });

  it("serves TLS as --tls-min-version says", async () => {
    assert.equal(await handshake(webhookPort, certs.caPem, "TLSv1.3"), true);
    assert.equal(await handshake(webhookPort, certs.caPem, "TLSv1.2"), false);
  });

  it("does not start without a certificate, and says where it looked", async () => {
    const certDir = join(tempDir("capo-ts-no-certs-"), "serving-certs");
    const failing = new ManagerProcess([
      `--kubeconfig=${env.kubeconfigPath}`,
      "--health-addr=0",
      "--diagnostics-address=0",
      "--webhook-port=0",
      `--webhook-cert-dir=${certDir}`,
    ]);
    assert.equal(await failing.exited, 1);
    const failed = failing.find("Manager failed");
    assert.match(
      JSON.stringify(failed?.err),
      new RegExp(`cannot load the webhook serving certificate from ${certDir} \\(tls.crt, tls.key\\)`),
    );
  });

  it("rejects a cipher suite Go does not know", async () => {
    const failing = new ManagerProcess([
      `--kubeconfig=${env.kubeconfigPath}`,
      "--tls-cipher-suites=ECDHE-RSA-AES128-GCM-SHA256",
    ]);
    assert.equal(await failing.exited, 2);
    assert.match(
      failing.logs.map((l) => l.msg).join("\n"),
      /--tls-cipher-suites: unknown cipher suite ECDHE-RSA-AES128-GCM-SHA256/,
    );
  });
});
