/**
 * Per-method latency of the OpenStack client against a real cloud (the all-in-one by default). Prints a table of
 * p50/p90/max per call; asserts nothing.
 *
 *   node bench/openstack-latency.ts [iterations]        (CAPO_TS_CLOUDS_YAML, cloud capo-e2e)
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { OpenStackClient } from "../src/openstack/client.ts";
import { credentialFromClouds } from "../src/openstack/clouds.ts";
import { countRequests } from "../src/openstack/metrics.ts";
import { Session } from "../src/openstack/session.ts";

const iterations = Number(process.argv[2] ?? 10);
const yaml = readFileSync(process.env.CAPO_TS_CLOUDS_YAML ?? "/etc/openstack/clouds.yaml", "utf8");
const credential = credentialFromClouds({
  cloudsYaml: yaml,
  cloudName: process.env.CAPO_TS_CLOUD ?? "capo-e2e",
});
const prefix = `capo-ts-bench-${randomBytes(3).toString("hex")}`;
const samples = new Map<string, number[]>();

async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const v = await f();
  const list = samples.get(name) ?? [];
  list.push(performance.now() - start);
  samples.set(name, list);
  return v;
}

const registry = new Registry();
const os = new OpenStackClient(new Session(credential, { registry }));

// First use: authentication and version discovery, measured once.
await timed("first call (token + catalog)", () => os.projectId());
await timed("first compute call (+ Nova version document)", () => os.compute.listAvailabilityZones());
await timed("loadBalancer.listVersions (first, fetched)", () => os.loadBalancer.listVersions());

for (let i = 0; i < iterations; i++) {
  await timed("compute.listAvailabilityZones", () => os.compute.listAvailabilityZones());
  await timed("compute.listFlavors", () => os.compute.listFlavors());
  await timed("compute.listServers(name)", () => os.compute.listServers({ name: `^${prefix}$` }));
  await timed("network.listExtensions", () => os.network.listExtensions());
  await timed("network.networks.list(name)", () => os.network.networks.list({ name: "public" }));
  await timed("loadBalancer.loadBalancers.list", () => os.loadBalancer.loadBalancers.list({ name: prefix }));
  await timed("loadBalancer.listProviders", () => os.loadBalancer.listProviders());
  await timed("image.listImages(name)", () => os.image.listImages({ name: "cirros" }));
  await timed("blockStorage.volumes.list(name)", () => os.blockStorage.volumes.list({ name: prefix }));
  await timed("blockStorage.volumeTypes.list", () => os.blockStorage.volumeTypes.list());

  const net = await timed("network.networks.create", () =>
    os.network.networks.create({ name: `${prefix}-${i}` }),
  );
  try {
    await timed("network.networks.get", () => os.network.networks.get(net.id));
    await timed("network.networks.update", () => os.network.networks.update(net.id, { description: "b" }));
    await timed("network.replaceTags", () => os.network.replaceTags("networks", net.id, [prefix]));
    const subnet = await timed("network.subnets.create", () =>
      os.network.subnets.create({
        network_id: net.id,
        cidr: "10.99.0.0/24",
        ip_version: 4,
        name: `${prefix}-${i}`,
      }),
    );
    const port = await timed("network.ports.create", () =>
      os.network.ports.create({
        network_id: net.id,
        name: `${prefix}-${i}`,
        fixed_ips: [{ subnet_id: subnet.id }],
      }),
    );
    await timed("network.ports.get", () => os.network.ports.get(port.id));
    await timed("network.ports.update", () => os.network.ports.update(port.id, { description: "b" }));
    await timed("network.ports.delete", () => os.network.ports.delete(port.id));
    await timed("network.subnets.delete", () => os.network.subnets.delete(subnet.id));
    const sg = await timed("network.securityGroups.create", () =>
      os.network.securityGroups.create({ name: `${prefix}-${i}` }),
    );
    await timed("network.securityGroupRules.create", () =>
      os.network.securityGroupRules.create({
        security_group_id: sg.id,
        direction: "ingress",
        protocol: "tcp",
      }),
    );
    await timed("network.securityGroups.delete", () => os.network.securityGroups.delete(sg.id));
    const vol = await timed("blockStorage.volumes.create", () =>
      os.blockStorage.volumes.create({ size: 1, name: `${prefix}-${i}` }),
    );
    await timed("blockStorage.volumes.get", () => os.blockStorage.volumes.get(vol.id));
    for (;;) {
      const v = await os.blockStorage.volumes.get(vol.id);
      if (v.status !== "creating") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await timed("blockStorage.volumes.delete", () => os.blockStorage.volumes.delete(vol.id));
  } finally {
    await timed("network.networks.delete", () => os.network.networks.delete(net.id));
  }
}

// Slow lifecycles, fewer rounds: the API call and the time until the cloud reports ACTIVE / gone.
async function until(name: string, check: () => Promise<boolean>): Promise<void> {
  await timed(name, async () => {
    while (!(await check())) await new Promise((r) => setTimeout(r, 200));
  });
}

const [image] = await os.image.listImages({ name: "cirros" });
const flavor = (await os.compute.listFlavors()).find((f) => f.name === "m1.tiny");
const net = await os.network.networks.create({ name: `${prefix}-slow` });
const subnet = await os.network.subnets.create({
  network_id: net.id,
  cidr: "10.98.0.0/24",
  ip_version: 4,
  name: `${prefix}-slow`,
});
try {
  for (let i = 0; i < Math.min(iterations, 3) && image && flavor; i++) {
    const server = await timed("compute.createServer", () =>
      os.compute.createServer({
        name: `${prefix}-vm-${i}`,
        flavorRef: flavor.id,
        imageRef: image.id,
        networks: [{ uuid: net.id }],
        tags: [prefix],
      }),
    );
    await until(
      "server create → ACTIVE",
      async () => (await os.compute.getServer(server.id)).status === "ACTIVE",
    );
    await timed("compute.getServer", () => os.compute.getServer(server.id));
    await timed("compute.deleteServer", () => os.compute.deleteServer(server.id));
    await until(
      "server delete → gone",
      async () => !(await os.compute.getServer(server.id, { ignoreNotFound: true })),
    );

    const lb = await timed("loadBalancer.loadBalancers.create", () =>
      os.loadBalancer.loadBalancers.create({ name: `${prefix}-lb-${i}`, vip_subnet_id: subnet.id }),
    );
    const lbActive = async () =>
      (await os.loadBalancer.loadBalancers.get(lb.id)).provisioning_status === "ACTIVE";
    await until("load balancer create → ACTIVE", lbActive);
    await timed("loadBalancer.listeners.create", () =>
      os.loadBalancer.listeners.create({ loadbalancer_id: lb.id, protocol: "TCP", protocol_port: 6443 }),
    );
    await until("listener create → LB ACTIVE", lbActive);
    await timed("loadBalancer.deleteLoadBalancerCascade", () =>
      os.loadBalancer.deleteLoadBalancerCascade(lb.id),
    );
    await until(
      "load balancer cascade delete → gone",
      async () => !(await os.loadBalancer.loadBalancers.get(lb.id, { ignoreNotFound: true })),
    );
  }
} finally {
  await os.network.subnets.delete(subnet.id);
  await os.network.networks.delete(net.id);
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const rows = [...samples].map(([name, xs]) => {
  const s = [...xs].sort((a, b) => a - b);
  return [name, String(s.length), pct(s, 50).toFixed(1), pct(s, 90).toFixed(1), (s.at(-1) ?? 0).toFixed(1)];
});
const header = ["call", "n", "p50 ms", "p90 ms", "max ms"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (r: string[]) =>
  r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
process.stdout.write(`${line(header)}\n${rows.map(line).join("\n")}\n`);
const tokens = await countRequests(registry, { request: "token_create" });
const discoveries = await countRequests(registry, { request: "version_get" });
const total = await countRequests(registry, {});
process.stdout.write(
  `\nHTTP requests: ${total} (token requests: ${tokens}, version documents: ${discoveries})\n`,
);
await os.session.close();
