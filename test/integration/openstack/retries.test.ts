// Retries against the real cloud with faults injected by a proxy on the path: connection resets and error
// statuses are retried for idempotent calls, bounded; a create is repeated only when listing by name proves
// the first attempt created nothing, so a lost answer never makes a duplicate.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { HttpError, TransportError } from "../../../src/openstack/errors.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import { Cleanup, PREFIX, credential, newClient } from "./env.ts";
import { startProxy } from "./proxy.ts";
import type { CountingProxy } from "./proxy.ts";

const name = (s: string) => `${PREFIX}-retry-${s}`;
const NETWORKS = /^\/v2\.0\/networks(\?|$)/;

describe("retries through a faulty path", () => {
  const cleanup = new Cleanup();
  let proxy: CountingProxy;
  let os: OpenStackClient;
  let direct: OpenStackClient;
  let registry: Registry;

  before(async () => {
    proxy = await startProxy();
    registry = new Registry();
    os = newClient(credential(undefined, { authUrl: `${proxy.url}/v3` }), {
      registry,
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
    });
    direct = newClient();
    await os.projectId();
  });

  after(async () => {
    await cleanup.run();
    await proxy.close();
  });

  const injected = (kind: string) => proxy.hits.filter((h) => h.fault === kind).length;
  const byName = async (n: string) => direct.network.networks.list({ name: n });

  it("retries a GET after connection resets and gives up after the attempt budget", async () => {
    proxy.faults.push({ method: "GET", path: NETWORKS, kind: "reset-before", times: 2 });
    assert.deepEqual(await os.network.networks.list({ name: name("none") }), []);
    assert.equal(injected("reset-before"), 2);

    proxy.faults.push({ method: "GET", path: NETWORKS, kind: "reset-before", times: 100 });
    await assert.rejects(os.network.networks.list({ name: name("none") }), TransportError);
    assert.equal(injected("reset-before"), 2 + 5, "five attempts in all");
    proxy.faults.length = 0;
  });

  it("honours Retry-After on 429 and retries 503 for a GET", async () => {
    proxy.faults.push({
      method: "GET",
      path: NETWORKS,
      kind: "status",
      status: 429,
      retryAfter: "1",
      times: 1,
    });
    proxy.faults.push({ method: "GET", path: NETWORKS, kind: "status", status: 503, times: 1 });
    const start = Date.now();
    assert.deepEqual(await os.network.networks.list({ name: name("none") }), []);
    assert.ok(Date.now() - start >= 1000, "waited out Retry-After");
    assert.equal(await countRequests(registry, { request: "network_list", code: "429" }), 1);
    assert.equal(await countRequests(registry, { request: "network_list", code: "503" }), 1);
  });

  it("repeats a create whose request never arrived, once the name is shown free", async () => {
    proxy.faults.push({ method: "POST", path: NETWORKS, kind: "reset-before", times: 1 });
    const net = await os.network.networks.create({ name: name("lost-request") });
    cleanup.add("network lost-request", () =>
      direct.network.networks.delete(net.id, { ignoreNotFound: true }),
    );
    assert.deepEqual(
      (await byName(name("lost-request"))).map((n) => n.id),
      [net.id],
    );
    assert.equal(await countRequests(registry, { request: "network_create" }), 2);
  });

  it("does not repeat a create whose answer was lost: it happened, and a retry would duplicate it", async () => {
    proxy.faults.push({ method: "POST", path: NETWORKS, kind: "reset-after", times: 1 });
    await assert.rejects(os.network.networks.create({ name: name("lost-answer") }), TransportError);
    const found = await byName(name("lost-answer"));
    for (const n of found) cleanup.add("network lost-answer", () => direct.network.networks.delete(n.id));
    assert.equal(found.length, 1, "exactly one network, no duplicate");
  });

  it("repeats a create after a 503 only when nothing was created", async () => {
    proxy.faults.push({ method: "POST", path: NETWORKS, kind: "status", status: 503, times: 1 });
    const net = await os.network.networks.create({ name: name("after-503") });
    cleanup.add("network after-503", () => direct.network.networks.delete(net.id, { ignoreNotFound: true }));
    assert.equal((await byName(name("after-503"))).length, 1);

    // Without a name there is nothing to prove absence with: the 503 comes back to the caller.
    proxy.faults.push({ method: "POST", path: NETWORKS, kind: "status", status: 503, times: 1 });
    await assert.rejects(os.network.networks.create({}), (e: HttpError) => e.status === 503);
  });
});
