// API economy: many calls over one credential cost exactly one token request and at most one version discovery
// per endpoint — counted by our metrics and, independently, by a counting proxy all traffic passes through.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { clientFor } from "../../../src/openstack/client.ts";
import { credentialFromClouds } from "../../../src/openstack/clouds.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import { SessionRegistry } from "../../../src/openstack/session.ts";
import { CLOUDS_YAML, MEMBER_CLOUD, logger } from "./env.ts";
import { startProxy } from "./proxy.ts";
import type { CountingProxy } from "./proxy.ts";

describe("API economy", () => {
  let proxy: CountingProxy;

  before(async () => {
    proxy = await startProxy();
  });

  after(() => proxy.close());

  it("one token and one version document per endpoint for 60 calls across five services", async () => {
    const metrics = new Registry();
    const sessions = new SessionRegistry({ registry: metrics, logger });
    // What a reconciler does: read the Secret and build a client on every reconcile.
    const yaml = readFileSync(CLOUDS_YAML, "utf8").replace(/auth_url: .*/g, `auth_url: ${proxy.url}/v3`);
    const client = () =>
      clientFor(sessions, credentialFromClouds({ cloudsYaml: yaml, cloudName: MEMBER_CLOUD }));
    const round = () => {
      const os = client();
      return Promise.all([
        os.compute.listAvailabilityZones(),
        os.compute.listFlavors(),
        os.compute.listServers({ name: "^none$" }),
        os.network.listExtensions(),
        os.network.networks.list({ name: "none" }),
        os.loadBalancer.latestVersion(),
        os.loadBalancer.loadBalancers.list({ name: "none" }),
        os.image.listImages({ name: "none" }),
        os.blockStorage.volumes.list({ name: "none" }),
        os.blockStorage.listAvailabilityZones(),
      ]);
    };
    await Promise.all([round(), round()]); // concurrent first use
    for (let i = 0; i < 4; i++) await round();
    await sessions.close();

    const calls = 6 * 10;
    assert.equal(await countRequests(metrics, { request: "token_create" }), 1);
    assert.equal(proxy.hits.filter((h) => h.method === "POST" && h.path === "/v3/auth/tokens").length, 1);

    assert.equal(await countRequests(metrics, { request: "version_get", service: "compute" }), 1);
    assert.equal(await countRequests(metrics, { request: "version_get", service: "load-balancer" }), 1);
    assert.equal(await countRequests(metrics, { request: "version_get" }), 2);
    assert.equal(proxy.hits.filter((h) => h.port === 8774 && h.path === "/v2.1/").length, 1);
    assert.equal(proxy.hits.filter((h) => h.port === 9876 && h.path === "/").length, 1);

    const total = await countRequests(metrics, {});
    assert.equal(total, proxy.hits.length, "our metrics and the proxy saw the same requests");
    // 1 token + 2 version documents + the calls (latestVersion after its first time is served from the cache);
    // more only if a transient failure was retried, which both counts include.
    assert.ok(total >= 1 + 2 + calls - 6, `total ${total}`);
  });
});
