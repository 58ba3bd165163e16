// The OpenStack all-in-one (hack/openstack/aio.sh) end to end over plain HTTP, as CAPO's member user: Keystone
// and the catalog, then a network, subnet and port, a server, a server booted from a root volume and a load
// balancer, each taken to a usable state and deleted. Every resource carries a per-run name prefix; `after`
// deletes whatever a failed test left and checks that nothing with the prefix remains.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { authenticate, readCloud, readSeed, type Token } from "../env/openstack.ts";

const seed = readSeed();
const PREFIX = `capo-ts-smoke-${randomBytes(3).toString("hex")}`;
const TIMEOUT_MS = 180_000;

let token: Token | undefined;

function tokenOf(): Token {
  if (!token) throw new Error("not authenticated");
  return token;
}

interface Reply<T> {
  status: number;
  body: T;
}

/** One API call; a connection reset on an idempotent call is retried (uwsgi resets one now and then). */
async function api<T = Record<string, unknown>>(
  service: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply<T>> {
  const idempotent = method === "GET" || method === "DELETE";
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${tokenOf().endpoint(service)}${path}`, {
        method,
        headers: {
          "X-Auth-Token": tokenOf().id,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
    } catch (e) {
      if (!idempotent || attempt >= 3) throw e;
      await sleep(200);
    }
  }
}

/** An API call that must answer one of `ok`; returns the body. */
async function call<T = Record<string, unknown>>(
  service: string,
  method: string,
  path: string,
  body?: unknown,
  ok: number[] = [200, 201, 202, 204],
): Promise<T> {
  const reply = await api<T>(service, method, path, body);
  if (!ok.includes(reply.status)) {
    throw new Error(
      `${method} ${service} ${path}: HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 400)}`,
    );
  }
  return reply.body;
}

async function waitFor<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await sleep(500);
  }
}

async function waitGone(service: string, path: string): Promise<void> {
  await waitFor(
    `${service} ${path} to be gone`,
    async () => (await api(service, "GET", path)).status,
    (s) => s === 404,
  );
}

/** Deletions to run in `after`, newest first; a 404 means the test already deleted the resource. */
const cleanups: { service: string; path: string }[] = [];

function deleteLater(service: string, path: string): void {
  cleanups.push({ service, path });
}

interface Network {
  networkId: string;
  subnetId: string;
}

async function createNetwork(name: string): Promise<Network> {
  const { network } = await call<{ network: { id: string } }>("network", "POST", "/v2.0/networks", {
    network: { name },
  });
  deleteLater("network", `/v2.0/networks/${network.id}`);
  const { subnet } = await call<{ subnet: { id: string } }>("network", "POST", "/v2.0/subnets", {
    subnet: { name, network_id: network.id, ip_version: 4, cidr: "192.0.2.0/24" },
  });
  deleteLater("network", `/v2.0/subnets/${subnet.id}`);
  return { networkId: network.id, subnetId: subnet.id };
}

async function idByName(service: string, path: string, collection: string, name: string): Promise<string> {
  const body = await call<Record<string, { id: string; name: string }[]>>(service, "GET", path);
  const found = body[collection]?.find((r) => r.name === name);
  if (!found) throw new Error(`no ${collection} named ${name}`);
  return found.id;
}

/** The seeded flavor and image, as a server create refers to them. */
async function bootRefs(): Promise<{ flavorRef: string; imageRef: string }> {
  const flavor = seed.OPENSTACK_BASTION_MACHINE_FLAVOR!;
  const image = seed.OPENSTACK_IMAGE_NAME!;
  return {
    flavorRef: await idByName("compute", "/flavors", "flavors", flavor),
    imageRef: await idByName("image", `/v2/images?name=${image}`, "images", image),
  };
}

interface Server {
  status: string;
  fault?: unknown;
  "OS-EXT-AZ:availability_zone": string;
}

/** Waits until a server has left BUILD and asserts that it is ACTIVE. */
async function serverActive(id: string): Promise<Server> {
  const server = await waitFor(
    "server ACTIVE",
    async () => (await call<{ server: Server }>("compute", "GET", `/servers/${id}`)).server,
    (s) => s.status === "ACTIVE" || s.status === "ERROR",
  );
  assert.equal(server.status, "ACTIVE", `server fault: ${JSON.stringify(server.fault)}`);
  return server;
}

describe("OpenStack all-in-one smoke", { timeout: 600_000 }, () => {
  before(async () => {
    token = await authenticate(readCloud(seed.OPENSTACK_CLOUD!));
  });

  after(async () => {
    if (!token) return;
    const failures: string[] = [];
    for (const { service, path } of cleanups.reverse()) {
      const reply = await api(service, "DELETE", path);
      if (reply.status >= 300 && reply.status !== 404) failures.push(`DELETE ${path}: HTTP ${reply.status}`);
      else if (reply.status !== 404) await waitGone(service, path.replace(/\?.*/, ""));
    }
    const left: string[] = [];
    const named = (items: { name?: string }[] | undefined) =>
      (items ?? []).filter((i) => i.name?.startsWith(PREFIX)).map((i) => i.name!);
    left.push(
      ...named((await call<{ networks: { name: string }[] }>("network", "GET", "/v2.0/networks")).networks),
    );
    left.push(...named((await call<{ ports: { name: string }[] }>("network", "GET", "/v2.0/ports")).ports));
    left.push(...named((await call<{ servers: { name: string }[] }>("compute", "GET", "/servers")).servers));
    left.push(...named((await call<{ volumes: { name: string }[] }>("volumev3", "GET", "/volumes")).volumes));
    left.push(
      ...named(
        (await call<{ loadbalancers: { name: string }[] }>("load-balancer", "GET", "/v2/lbaas/loadbalancers"))
          .loadbalancers,
      ),
    );
    assert.deepEqual(failures, [], "cleanup deletions failed");
    assert.deepEqual(left, [], `resources named ${PREFIX}* left behind`);
  });

  it("authenticates the member user and finds every service CAPO uses in the catalog", () => {
    const token = tokenOf();
    assert.match(token.projectId, /^[0-9a-f]{32}$/);
    assert.ok(token.expiresAt.getTime() > Date.now());
    for (const type of [
      "identity",
      "compute",
      "network",
      "image",
      "placement",
      "load-balancer",
      "volumev3",
    ]) {
      assert.match(token.endpoint(type), /^http:\/\/127\.0\.0\.1:\d+/, `${type} endpoint`);
    }
    assert.ok(token.endpoint("volumev3").endsWith(`/v3/${token.projectId}`), "volumev3 URL is per project");
  });

  it("creates and deletes a network, a subnet and a port", async () => {
    const net = await createNetwork(`${PREFIX}-net`);
    const { port } = await call<{
      port: { id: string; fixed_ips: { subnet_id: string; ip_address: string }[] };
    }>("network", "POST", "/v2.0/ports", { port: { name: `${PREFIX}-port`, network_id: net.networkId } });
    deleteLater("network", `/v2.0/ports/${port.id}`);
    const [ip] = port.fixed_ips;
    assert.ok(ip, "the port has a fixed IP");
    assert.equal(ip.subnet_id, net.subnetId);
    assert.match(ip.ip_address, /^192\.0\.2\.\d+$/);

    await call("network", "DELETE", `/v2.0/ports/${port.id}`);
    await call("network", "DELETE", `/v2.0/subnets/${net.subnetId}`);
    await call("network", "DELETE", `/v2.0/networks/${net.networkId}`);
    for (const path of [
      `/v2.0/ports/${port.id}`,
      `/v2.0/subnets/${net.subnetId}`,
      `/v2.0/networks/${net.networkId}`,
    ]) {
      assert.equal((await api("network", "GET", path)).status, 404, `${path} still there`);
    }
  });

  it("boots a server on a tenant network to ACTIVE and deletes it", async () => {
    const net = await createNetwork(`${PREFIX}-server-net`);
    const { flavorRef, imageRef } = await bootRefs();
    const { server } = await call<{ server: { id: string } }>("compute", "POST", "/servers", {
      server: { name: `${PREFIX}-server`, flavorRef, imageRef, networks: [{ uuid: net.networkId }] },
    });
    deleteLater("compute", `/servers/${server.id}`);

    await serverActive(server.id);
    const { ports } = await call<{ ports: { status: string; "binding:host_id"?: string }[] }>(
      "network",
      "GET",
      `/v2.0/ports?device_id=${server.id}`,
    );
    assert.equal(ports.length, 1, "the server has one port on its network");

    await call("compute", "DELETE", `/servers/${server.id}`);
    await waitGone("compute", `/servers/${server.id}`);
    await waitFor(
      "the server's port to be deleted",
      async () =>
        (await call<{ ports: unknown[] }>("network", "GET", `/v2.0/ports?device_id=${server.id}`)).ports,
      (p) => p.length === 0,
    );
  });

  it("boots a server from a root volume made from the image, as CAPO does, and deletes both", async () => {
    const net = await createNetwork(`${PREFIX}-bfv-net`);
    const { flavorRef, imageRef } = await bootRefs();
    const { volume } = await call<{ volume: { id: string } }>("volumev3", "POST", "/volumes", {
      volume: {
        name: `${PREFIX}-root`,
        size: 2,
        imageRef,
        availability_zone: seed.OPENSTACK_FAILURE_DOMAIN_ALT,
      },
    });
    deleteLater("volumev3", `/volumes/${volume.id}`);
    const volumeStatus = async () =>
      (
        await call<{ volume: { status: string; bootable: string } }>(
          "volumev3",
          "GET",
          `/volumes/${volume.id}`,
        )
      ).volume;
    const ready = await waitFor(
      "volume available",
      volumeStatus,
      (v) => v.status === "available" || v.status === "error",
    );
    assert.deepEqual([ready.status, ready.bootable], ["available", "true"]);

    const { server } = await call<{ server: { id: string } }>("compute", "POST", "/servers", {
      server: {
        name: `${PREFIX}-bfv`,
        flavorRef,
        imageRef: "",
        availability_zone: seed.OPENSTACK_FAILURE_DOMAIN_ALT,
        networks: [{ uuid: net.networkId }],
        block_device_mapping_v2: [
          {
            uuid: volume.id,
            source_type: "volume",
            destination_type: "volume",
            boot_index: 0,
            delete_on_termination: true,
          },
        ],
      },
    });
    deleteLater("compute", `/servers/${server.id}`);
    const active = await serverActive(server.id);
    assert.equal(active["OS-EXT-AZ:availability_zone"], seed.OPENSTACK_FAILURE_DOMAIN_ALT);
    assert.equal((await volumeStatus()).status, "in-use");

    await call("compute", "DELETE", `/servers/${server.id}`);
    await waitGone("compute", `/servers/${server.id}`);
    await waitGone("volumev3", `/volumes/${volume.id}`);
  });

  it("takes a load balancer with a listener to ACTIVE and deletes it with cascade", async () => {
    const net = await createNetwork(`${PREFIX}-lb-net`);
    const { loadbalancer } = await call<{ loadbalancer: { id: string; vip_port_id: string } }>(
      "load-balancer",
      "POST",
      "/v2/lbaas/loadbalancers",
      {
        loadbalancer: { name: `${PREFIX}-lb`, vip_subnet_id: net.subnetId },
      },
    );
    deleteLater("load-balancer", `/v2/lbaas/loadbalancers/${loadbalancer.id}?cascade=true`);
    const lbPath = `/v2/lbaas/loadbalancers/${loadbalancer.id}`;
    const status = async () =>
      (await call<{ loadbalancer: { provisioning_status: string } }>("load-balancer", "GET", lbPath))
        .loadbalancer.provisioning_status;
    assert.equal(
      await waitFor("load balancer ACTIVE", status, (s) => s === "ACTIVE" || s === "ERROR"),
      "ACTIVE",
    );

    const { listener } = await call<{ listener: { id: string } }>(
      "load-balancer",
      "POST",
      "/v2/lbaas/listeners",
      {
        listener: {
          name: `${PREFIX}-listener`,
          loadbalancer_id: loadbalancer.id,
          protocol: "TCP",
          protocol_port: 6443,
        },
      },
    );
    assert.equal(
      await waitFor("load balancer ACTIVE after listener", status, (s) => s === "ACTIVE" || s === "ERROR"),
      "ACTIVE",
    );

    // The VIP is a real Neutron port of the project, so CAPO can give it a floating IP.
    const { port: vip } = await call<{ port: { project_id: string; fixed_ips: { subnet_id: string }[] } }>(
      "network",
      "GET",
      `/v2.0/ports/${loadbalancer.vip_port_id}`,
    );
    assert.equal(vip.project_id, tokenOf().projectId);
    assert.equal(vip.fixed_ips[0]?.subnet_id, net.subnetId);

    await call("load-balancer", "DELETE", `${lbPath}?cascade=true`);
    await waitGone("load-balancer", lbPath);
    assert.equal((await api("load-balancer", "GET", `/v2/lbaas/listeners/${listener.id}`)).status, 404);
    await waitGone("network", `/v2.0/ports/${loadbalancer.vip_port_id}`);
  });
});
