// Conversion throughput and webhook latency for a realistic OpenStackMachine (not a test):
//   node_modules/.bin/node bench/conversion.ts [--seconds 2] [--requests 2000]
// Prints objects/s for each conversion step in-process, then p50/p99 latency of /convert over HTTPS
// (keep-alive, one object per review, as the apiserver sends for a GET) and the rate for list-sized reviews.
import { Agent, request } from "node:https";
import { parseArgs } from "node:util";
import { generateTestCertificates } from "../test/env/certs.ts";
import { converter, type KubeObject } from "../src/api/conversion/index.ts";
import { startWebhooks } from "../src/webhooks/index.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "2" }, requests: { type: "string", default: "2000" } },
});
const seconds = Number(values.seconds);
const requests = Number(values.requests);
const G = "infrastructure.cluster.x-k8s.io";

/** A worker machine as CAPO's v1alpha7 templates produce it, once the controller has filled in status. */
const machine: KubeObject = {
  apiVersion: `${G}/v1alpha7`,
  kind: "OpenStackMachine",
  metadata: {
    name: "prod-md-0-7b5d9-x2k4q",
    namespace: "clusters",
    uid: "0f0c8a4e-5b8e-4d55-9a57-1c1e0f6e9a11",
    resourceVersion: "482913",
    generation: 1,
    creationTimestamp: "2026-11-20T09:14:02Z",
    labels: {
      "cluster.x-k8s.io/cluster-name": "prod",
      "cluster.x-k8s.io/deployment-name": "prod-md-0",
      "cluster.x-k8s.io/set-name": "prod-md-0-7b5d9",
    },
    annotations: {
      "cluster.x-k8s.io/cloned-from-name": "prod-md-0",
      "cluster.x-k8s.io/cloned-from-groupkind": `OpenStackMachineTemplate.${G}`,
    },
    ownerReferences: [
      {
        apiVersion: "cluster.x-k8s.io/v1beta1",
        kind: "Machine",
        name: "prod-md-0-7b5d9-x2k4q",
        uid: "6e1f0b2a-0a7c-4f1e-9d0e-3b1b7f8c9d10",
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
    finalizers: ["openstackmachine.infrastructure.cluster.x-k8s.io"],
  },
  spec: {
    cloudName: "openstack",
    identityRef: { kind: "Secret", name: "prod-cloud-config" },
    flavor: "m1.large",
    image: "ubuntu-2204-kube-v1.29.4",
    sshKeyName: "ops",
    providerID: "openstack:///4b3f2e1d-9c8b-4a7f-8e6d-5c4b3a2f1e0d",
    instanceID: "4b3f2e1d-9c8b-4a7f-8e6d-5c4b3a2f1e0d",
    ports: [
      {
        network: { name: "prod-net", tags: "k8s,prod" },
        fixedIPs: [{ subnet: { name: "prod-subnet-v4" } }],
        securityGroupFilters: [{ name: "prod-worker" }, { id: "60ed83f1-8886-41c6-a1c7-fcfbdf3f04c2" }],
        tags: ["prod"],
      },
      {
        network: { id: "756f59c0-2a9b-495e-9bb1-951762523d2d" },
        vnicType: "direct",
        profile: { trustedVF: true },
      },
    ],
    securityGroups: [{ name: "default" }],
    serverMetadata: { role: "worker", cluster: "prod", zone: "az1" },
    tags: ["prod", "worker"],
    rootVolume: { diskSize: 50, volumeType: "ssd", availabilityZone: "az1" },
    serverGroupID: "e60f19e7-cb37-49f9-a2ee-0a1281f6e03e",
  },
  status: {
    ready: true,
    instanceState: "ACTIVE",
    addresses: [
      { type: "InternalIP", address: "10.6.0.23" },
      { type: "InternalIP", address: "10.8.0.23" },
    ],
    conditions: [
      { type: "Ready", status: "True", lastTransitionTime: "2026-11-20T09:16:40Z" },
      { type: "InstanceReady", status: "True", lastTransitionTime: "2026-11-20T09:16:40Z" },
    ],
  },
};

/** The same machine as stored in v1beta1 after the controller resolved its ports. */
const hub: KubeObject = (() => {
  const converted = converter.convert(machine, `${G}/v1beta1`);
  const status = converted.status as Record<string, unknown>;
  status.resolved = {
    imageID: "72a6a1e6-3e0a-4a8b-9b4c-2d6f9e3e5f0a",
    serverGroupID: "e60f19e7-cb37-49f9-a2ee-0a1281f6e03e",
    ports: [
      {
        name: "prod-md-0-7b5d9-x2k4q-0",
        description: "",
        networkID: "756f59c0-2a9b-495e-9bb1-951762523d2d",
        tags: ["prod"],
      },
    ],
  };
  status.resources = { ports: [{ id: "0e0c3d69-040a-4b51-a3f5-0f5d010b36f4" }] };
  return converted;
})();

function rate(label: string, convert: () => unknown): void {
  for (let i = 0; i < 2000; i++) convert();
  let count = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) convert();
    count += 100;
  }
  console.log(
    `${label.padEnd(48)} ${Math.round(count / seconds)
      .toLocaleString("en")
      .padStart(10)} objects/s`,
  );
}

console.log(`conversion, in process (${JSON.stringify(machine).length} B machine, ${seconds} s each)`);
for (const version of ["v1alpha8", "v1alpha7", "v1alpha6", "v1alpha5"]) {
  const spoke = converter.convert(hub, `${G}/${version}`);
  const stored = converter.convert(spoke, `${G}/v1beta1`);
  rate(`v1beta1 → ${version} (stash v1beta1-only status)`, () => converter.convert(hub, `${G}/${version}`));
  rate(`${version} → v1beta1 (restore from stash)`, () => converter.convert(spoke, `${G}/v1beta1`));
  rate(`v1beta1 → ${version} read back`, () => converter.convert(stored, `${G}/${version}`));
}

const certs = generateTestCertificates("bench");
const server = await startWebhooks({ port: 0, host: "127.0.0.1", certDir: certs.certDir });
const agent = new Agent({ keepAlive: true, ca: certs.caPem, maxSockets: 8 });

function post(body: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: "/convert",
        method: "POST",
        agent,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 200) resolve(performance.now() - started);
          else reject(new Error(`status ${res.statusCode ?? 0}`));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const review = (objects: KubeObject[], desired: string) =>
  JSON.stringify({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "ConversionReview",
    request: { uid: "bench", desiredAPIVersion: `${G}/${desired}`, objects },
  });

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function latency(label: string, body: string): Promise<void> {
  for (let i = 0; i < 200; i++) await post(body);
  const times: number[] = [];
  for (let i = 0; i < requests; i++) times.push(await post(body));
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(48)} p50 ${percentile(times, 0.5).toFixed(2)} ms  p99 ${percentile(times, 0.99).toFixed(2)} ms`,
  );
}

console.log(`\n/convert over HTTPS (keep-alive, ${requests} sequential requests)`);
await latency("1 object, v1beta1 → v1alpha7", review([hub], "v1alpha7"));
await latency("1 object, v1alpha7 → v1beta1", review([machine], "v1beta1"));
const list = Array.from({ length: 500 }, () => hub);
const started = performance.now();
const batches = 20;
await Promise.all(Array.from({ length: batches }, () => post(review(list, "v1alpha7"))));
const listRate = (batches * list.length) / ((performance.now() - started) / 1000);
console.log(
  `${"500-object list reviews, 8 connections".padEnd(48)} ${Math.round(listRate).toLocaleString("en").padStart(10)} objects/s`,
);

agent.destroy();
await server.close();
