// The Kubernetes test environment itself: real etcd + kube-apiserver, CAPI CRDs, watches, restarts, isolation
// between parallel environments, and no process left behind however the test process ends.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes whose serializer maps property names to wire names; for the Namespace and
   Secret literals here the two are the same, so literals serialize correctly. */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  VersionApi,
  Watch,
  type KubeConfig,
} from "@kubernetes/client-node";
import { envtestPaths, envtestVersions, processAlive, startKube, type KubeEnv } from "../env/kube.ts";

const capi = { group: "cluster.x-k8s.io", version: "v1beta1", plural: "clusters" };

interface WatchEvent {
  type: string;
  object: { metadata?: { name?: string }; spec?: unknown; data?: Record<string, string> };
}

/** An open watch that collects its events; `next` waits for the first event (seen or to come) that matches. */
async function openWatch(kc: KubeConfig, apiPath: string) {
  const events: WatchEvent[] = [];
  const waiters: (() => void)[] = [];
  let endedWith: { err: unknown } | undefined;
  let resolveEnded!: (err: unknown) => void;
  const ended = new Promise<unknown>((resolve) => (resolveEnded = resolve));
  const controller = await new Watch(kc).watch(
    apiPath,
    {},
    (type, object: WatchEvent["object"]) => {
      events.push({ type, object });
      for (const wake of waiters.splice(0)) wake();
    },
    (err) => {
      endedWith = { err };
      resolveEnded(err);
    },
  );
  const next = async (match: (e: WatchEvent) => boolean, timeoutMs = 20_000): Promise<WatchEvent> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      if (endedWith) throw new Error(`watch on ${apiPath} ended: ${String(endedWith.err)}`);
      if (Date.now() > deadline)
        throw new Error(`no matching event on ${apiPath}; saw ${JSON.stringify(events)}`);
      await Promise.race([new Promise<void>((wake) => waiters.push(wake)), sleep(200)]);
    }
  };
  return {
    next,
    ended,
    close: () => {
      controller.abort();
    },
  };
}

async function assertGone(env: { dir: string; pids: { etcd: number; apiserver: number } }): Promise<void> {
  for (let i = 0; i < 50 && (processAlive(env.pids.etcd) || processAlive(env.pids.apiserver)); i++)
    await sleep(100);
  assert.equal(processAlive(env.pids.apiserver), false, "kube-apiserver still running");
  assert.equal(processAlive(env.pids.etcd), false, "etcd still running");
  assert.equal(existsSync(env.dir), false, `${env.dir} still exists`);
  const pidFiles = readdirSync(envtestPaths().runDir).filter((f) => f.startsWith(path.basename(env.dir)));
  assert.deepEqual(pidFiles, []);
}

describe("envtest with Cluster API CRDs", () => {
  let env: KubeEnv;
  before(async () => {
    const t0 = Date.now();
    env = await startKube({ installCAPICRDs: true });
    console.log(`envtest with CAPI CRDs ready in ${Date.now() - t0} ms at ${env.server}`);
  });
  after(() => env.stop());

  it("runs the pinned Kubernetes with the CAPI CRDs established and no conversion webhook", async () => {
    const version = await env.kubeConfig.makeApiClient(VersionApi).getCode();
    assert.equal(version.gitVersion, envtestVersions().KUBERNETES_VERSION);
    const crds = await env.kubeConfig.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    const names = crds.items.map((crd) => crd.metadata?.name);
    for (const name of ["clusters", "machines", "machinedeployments", "machinesets", "clusterclasses"]) {
      assert.ok(names.includes(`${name}.cluster.x-k8s.io`), `${name} missing from ${names.join(", ")}`);
    }
    assert.ok(names.includes("kubeadmcontrolplanes.controlplane.cluster.x-k8s.io"));
    assert.ok(names.includes("kubeadmconfigtemplates.bootstrap.cluster.x-k8s.io"));
    for (const crd of crds.items) assert.equal(crd.spec.conversion?.strategy, "None", crd.metadata?.name);
  });

  it("stores a Namespace, a Secret and a CAPI Cluster and delivers them through watches", async () => {
    const kc = env.kubeConfig;
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const namespace = "smoke";
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const secrets = await openWatch(kc, `/api/v1/namespaces/${namespace}/secrets`);
    const clusters = await openWatch(
      kc,
      `/apis/${capi.group}/${capi.version}/namespaces/${namespace}/clusters`,
    );

    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: "creds" }, stringData: { password: "hunter2" } },
    });
    const spec = {
      clusterNetwork: { pods: { cidrBlocks: ["192.168.0.0/16"] }, serviceDomain: "cluster.local" },
      controlPlaneEndpoint: { host: "10.0.0.10", port: 6443 },
      infrastructureRef: {
        apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1",
        kind: "OpenStackCluster",
        name: "c1",
      },
    };
    await custom.createNamespacedCustomObject({
      ...capi,
      namespace,
      body: { apiVersion: `${capi.group}/${capi.version}`, kind: "Cluster", metadata: { name: "c1" }, spec },
    });

    const secret = await secrets.next((e) => e.object.metadata?.name === "creds");
    assert.equal(secret.type, "ADDED");
    assert.equal(Buffer.from(secret.object.data?.password ?? "", "base64").toString(), "hunter2");
    const cluster = await clusters.next((e) => e.object.metadata?.name === "c1");
    assert.equal(cluster.type, "ADDED");
    // The apiserver applies the CRD's defaults (none here touch what we set), so what we wrote comes back.
    assert.deepEqual(cluster.object.spec, spec);
    const ns = await core.readNamespace({ name: namespace });
    assert.equal(ns.status?.phase, "Active");
    secrets.close();
    clusters.close();
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`restart(${signal}) ends open watches and serves the same data on the same port`, async () => {
      const before = { server: env.server, pids: env.pids };
      const namespaces = await openWatch(env.kubeConfig, "/api/v1/namespaces");
      await namespaces.next((e) => e.object.metadata?.name === "smoke");
      const t0 = Date.now();
      await env.restart({ signal });
      console.log(`apiserver restarted (${signal}) in ${Date.now() - t0} ms`);
      await namespaces.ended;
      assert.equal(env.server, before.server);
      assert.equal(env.pids.etcd, before.pids.etcd);
      assert.notEqual(env.pids.apiserver, before.pids.apiserver);
      assert.equal(processAlive(before.pids.apiserver), false);
      const clusters = (await env.kubeConfig
        .makeApiClient(CustomObjectsApi)
        .listNamespacedCustomObject({ ...capi, namespace: "smoke" })) as {
        items: { metadata: { name: string } }[];
      };
      assert.deepEqual(
        clusters.items.map((c) => c.metadata.name),
        ["c1"],
      );
    });
  }
});

describe("envtest lifecycle", () => {
  it("starts two environments concurrently on different ports, isolated, and stop() leaves nothing", async () => {
    const t0 = Date.now();
    const [a, b] = await Promise.all([startKube(), startKube()]);
    console.log(`two bare envtests ready in ${Date.now() - t0} ms`);
    try {
      assert.notEqual(a.server, b.server);
      assert.notEqual(a.etcdEndpoint, b.etcdEndpoint);
      assert.notEqual(a.dir, b.dir);
      await a.kubeConfig
        .makeApiClient(CoreV1Api)
        .createNamespace({ body: { metadata: { name: "only-in-a" } } });
      const inB = await b.kubeConfig.makeApiClient(CoreV1Api).listNamespace();
      assert.ok(inB.items.length > 0);
      assert.equal(
        inB.items.some((ns) => ns.metadata?.name === "only-in-a"),
        false,
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    await assertGone(a);
    await assertGone(b);
    await a.stop(); // idempotent
  });

  // A test process that dies leaves its environment to the SIGTERM hook or, after SIGKILL, to the next cleanup.
  const child = `
    import { startKube } from ${JSON.stringify(path.resolve(import.meta.dirname, "../env/kube.ts"))};
    const env = await startKube();
    console.log(JSON.stringify({ dir: env.dir, pids: env.pids }));
    setInterval(() => {}, 1000);
  `;

  async function startChild(): Promise<{
    pid: number;
    exited: Promise<void>;
    env: { dir: string; pids: { etcd: number; apiserver: number } };
  }> {
    const proc = spawn(process.execPath, ["--input-type=module", "-e", child], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<void>((resolve) => {
      proc.once("exit", () => {
        resolve();
      });
    });
    let out = "";
    proc.stdout.setEncoding("utf8");
    for await (const chunk of proc.stdout) {
      out += chunk as string;
      if (out.includes("\n")) break;
    }
    const env = JSON.parse(out) as { dir: string; pids: { etcd: number; apiserver: number } };
    assert.ok(processAlive(env.pids.etcd) && processAlive(env.pids.apiserver));
    return { pid: proc.pid!, exited, env };
  }

  it("kills the processes when the test process gets SIGTERM", async () => {
    const { pid, exited, env } = await startChild();
    process.kill(pid, "SIGTERM");
    await exited;
    await assertGone(env);
  });

  it("cleanup.sh kills the processes of a test process that was SIGKILLed", async () => {
    const { pid, exited, env } = await startChild();
    // No hook runs on SIGKILL: the processes live on (unless a parallel test file's first start reaps them).
    process.kill(pid, "SIGKILL");
    await exited;
    const cleanup = path.resolve(import.meta.dirname, "../../hack/envtest/cleanup.sh");
    await promisify(execFile)("bash", [cleanup]);
    await assertGone(env);
  });
});
