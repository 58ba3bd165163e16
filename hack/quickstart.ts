// The quickstart's second half, after hack/quickstart.sh has built envtest and started OpenStack:
// a private kube-apiserver with Cluster API's and our CRDs, the cloud credentials Secret, a Cluster
// with its OpenStackCluster, and `capo-ts manager` reconciling it on the all-in-one until Ctrl-C.
// Progress is printed as the conditions change (the manager's JSON log goes to a file). Ctrl-C, or
// --exit-when-ready once the OpenStackCluster is Ready, deletes the cluster's infrastructure again and
// stops everything, so nothing is left on the cloud.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { clientFor } from "../src/openstack/client.ts";
import { credentialFromClouds } from "../src/openstack/clouds.ts";
import { SessionRegistry } from "../src/openstack/session.ts";
import { KubeClient } from "../src/runtime/kube.ts";
import type { KubeObject } from "../src/runtime/object.ts";
import { Clusters, OpenStackClusters, Secrets } from "../src/runtime/resources.ts";
import { generateTestCertificates } from "../test/env/certs.ts";
import { startKube, type KubeEnv } from "../test/env/kube.ts";
import { CLOUDS_YAML_PATH, readSeed } from "../test/env/openstack.ts";

const root = path.resolve(import.meta.dirname, "..");
const namespace = "default";
const clusterName = "capo-quickstart";
const healthAddr = "127.0.0.1:9440";
const metricsAddr = "127.0.0.1:8080";

function say(message: string): void {
  process.stderr.write(`[quickstart] ${message}\n`);
}

/** Proves the credentials work before anything depends on them: token, and the seeded flavor, image and network. */
async function checkCloud(cloudsYaml: string, seed: Record<string, string>): Promise<void> {
  const credential = credentialFromClouds({ cloudsYaml, cloudName: seed.OPENSTACK_CLOUD ?? "capo-e2e" });
  const os = clientFor(new SessionRegistry(), credential);
  const [flavors, images, networks] = await Promise.all([
    os.compute.listFlavors(),
    os.image.listImages({ name: seed.OPENSTACK_IMAGE_NAME }),
    os.network.networks.list({ name: seed.OPENSTACK_EXTERNAL_NETWORK_NAME }),
  ]);
  say(
    `OpenStack: project ${await os.projectId()}, ${flavors.length} flavors, ` +
      `image ${seed.OPENSTACK_IMAGE_NAME}: ${images.length === 1 ? "found" : "MISSING"}, ` +
      `external network ${seed.OPENSTACK_EXTERNAL_NETWORK_NAME}: ${networks.length === 1 ? "found" : "MISSING"}`,
  );
  if (images.length !== 1 || networks.length !== 1)
    throw new Error("the all-in-one lacks its seeded image or network");
}

type Obj = KubeObject<Record<string, unknown>, Record<string, unknown>>;

async function createClusterObjects(
  env: KubeEnv,
  cloudsYaml: string,
  seed: Record<string, string>,
): Promise<void> {
  const kube = new KubeClient(env.kubeConfig);
  const secretName = `${clusterName}-cloud-config`;
  await kube.create(Secrets, {
    metadata: { name: secretName, namespace, labels: { "clusterctl.cluster.x-k8s.io/move": "true" } },
    stringData: { "clouds.yaml": cloudsYaml },
  });
  const cluster = await kube.create<Obj>(Clusters, {
    metadata: { name: clusterName, namespace },
    spec: {
      clusterNetwork: { pods: { cidrBlocks: ["192.168.0.0/16"] } },
      infrastructureRef: {
        apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1",
        kind: "OpenStackCluster",
        name: clusterName,
      },
    },
  });
  // Cluster API's cluster controller would set this owner reference; there is none here.
  const owner = {
    apiVersion: "cluster.x-k8s.io/v1beta1",
    kind: "Cluster",
    name: clusterName,
    uid: cluster.metadata.uid ?? "",
  };
  await kube.create(OpenStackClusters, {
    metadata: {
      name: clusterName,
      namespace,
      labels: { "cluster.x-k8s.io/cluster-name": clusterName },
      ownerReferences: [owner],
    },
    spec: {
      identityRef: { name: secretName, cloudName: seed.OPENSTACK_CLOUD ?? "capo-e2e" },
      externalNetwork: { filter: { name: seed.OPENSTACK_EXTERNAL_NETWORK_NAME } },
      managedSubnets: [{ cidr: "10.6.0.0/24", dnsNameservers: [seed.OPENSTACK_DNS_NAMESERVERS] }],
      managedSecurityGroups: { allowAllInClusterTraffic: true },
      apiServerLoadBalancer: { enabled: true },
    },
  });
  say(`created Secret ${secretName}, Cluster and OpenStackCluster ${namespace}/${clusterName}`);
}

function startManager(kubeconfig: string, logFile: string): ChildProcess {
  // The manager serves its webhooks with a throw-away certificate (the apiserver here does not call them).
  const { certDir } = generateTestCertificates("quickstart");
  const args = [
    "manager",
    `--kubeconfig=${kubeconfig}`,
    `--health-addr=${healthAddr}`,
    `--metrics-bind-addr=${metricsAddr}`,
    `--webhook-cert-dir=${certDir}`,
    "--v=2",
  ];
  say(`starting: bin/capo-ts ${args.join(" ")} (log: ${logFile})`);
  const log = openSync(logFile, "a");
  return spawn(path.join(root, "bin/capo-ts"), args, { stdio: ["ignore", log, log] });
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** Prints each condition change of the OpenStackCluster until `done` says stop; returns the last object seen. */
async function follow(
  kube: KubeClient,
  done: (o: Obj | undefined) => boolean,
  timeoutMs: number,
): Promise<Obj | undefined> {
  const seen = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const o = await kube.get<Obj>(OpenStackClusters, namespace, clusterName).catch(() => undefined);
    for (const c of (o?.status?.conditions ?? []) as Condition[]) {
      const line = `${c.type}: ${c.status}${c.reason ? ` (${c.reason})` : ""}${c.message ? ` ${c.message}` : ""}`;
      if (seen.get(c.type) !== line) say(line);
      seen.set(c.type, line);
    }
    if (done(o)) return o;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function summary(o: Obj | undefined): string {
  const st = (o?.status ?? {}) as Record<
    string,
    { id?: string; name?: string; ip?: string; internalIP?: string }
  >;
  const ep = (o?.spec as { controlPlaneEndpoint?: { host: string; port: number } } | undefined)
    ?.controlPlaneEndpoint;
  return [
    `network ${st.network?.name ?? "-"} (${st.network?.id ?? "-"})`,
    `router ${st.router?.id ?? "-"}`,
    `load balancer ${st.apiServerLoadBalancer?.name ?? "-"} VIP ${st.apiServerLoadBalancer?.internalIP ?? "-"} floating IP ${st.apiServerLoadBalancer?.ip ?? "-"}`,
    `control plane endpoint ${ep ? `${ep.host}:${ep.port}` : "-"}`,
  ].join("\n  ");
}

/** Deletes the OpenStackCluster and waits until the manager has removed its infrastructure. */
async function deleteCluster(kube: KubeClient): Promise<void> {
  say("deleting the OpenStackCluster: the manager removes its OpenStack resources");
  const started = Date.now();
  await kube.delete(OpenStackClusters, namespace, clusterName).catch(() => undefined);
  await follow(kube, (o) => o === undefined, 300_000);
  say(`deleted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function waitReady(manager: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (manager.exitCode !== null) throw new Error(`the manager exited with code ${manager.exitCode}`);
    const ok = await fetch(`http://${healthAddr}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the manager was not ready on http://${healthAddr}/readyz within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "exit-when-ready": { type: "boolean", default: false } } });
  const seed = readSeed();
  const cloudsYaml = readFileSync(CLOUDS_YAML_PATH, "utf8");
  await checkCloud(cloudsYaml, seed);

  say("starting kube-apiserver and etcd with Cluster API's and capo-ts's CRDs");
  const env = await startKube({ installCAPICRDs: true, crdDirs: [path.join(root, "config/crd/bases")] });
  let manager: ChildProcess | undefined;
  const shutdown = async (): Promise<void> => {
    if (manager && manager.exitCode === null) {
      const exited = new Promise((r) => manager?.once("exit", r));
      manager.kill("SIGTERM");
      await exited;
    }
    await env.stop();
  };
  try {
    const stable = path.join(
      process.env.CAPO_TS_CACHE ?? path.join(root, ".cache"),
      "quickstart",
      "kubeconfig",
    );
    await mkdir(path.dirname(stable), { recursive: true });
    await copyFile(env.kubeconfigPath, stable);
    await createClusterObjects(env, cloudsYaml, seed);
    manager = startManager(env.kubeconfigPath, path.join(path.dirname(stable), "manager.log"));
    await waitReady(manager);
    say(`manager ready: health http://${healthAddr}/readyz, metrics http://${metricsAddr}/metrics`);
    say(`kubeconfig: ${stable} (apiserver ${env.server})`);
    const kube = new KubeClient(env.kubeConfig);
    const started = Date.now();
    const ready = await follow(
      kube,
      (o) => (o?.status as { ready?: boolean } | undefined)?.ready === true,
      300_000,
    );
    say(`OpenStackCluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s:\n  ${summary(ready)}`);
    if (!values["exit-when-ready"]) {
      say("running; Ctrl-C deletes the cluster's infrastructure and stops the manager and the apiserver");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
        manager?.once("exit", () => {
          resolve();
        });
      });
    }
    if (manager.exitCode === null) await deleteCluster(kube);
  } finally {
    await shutdown();
  }
}

await main();
