// The generic helper's paging and create-probe logic, and URL/query helpers, against an undici MockAgent.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ComputeClient, exactName } from "./compute.ts";
import { ConfigError } from "./errors.ts";
import { NetworkClient, tagFilter } from "./network.ts";
import { compareVersions, nextQuery, serviceRoot, versionRoot } from "./rest.ts";
import { NEUTRON, NOVA, mockCloud } from "./mock-cloud.test-helper.ts";

describe("pagination", () => {
  it("follows <plural>_links across pages, reapplying only the query to our own URL", async () => {
    const cloud = mockCloud();
    const pool = cloud.agent.get(NEUTRON);
    const link = (marker: string) => [
      { rel: "next", href: `http://internal-host:9696/v2.0/networks?limit=2&marker=${marker}&name=x` },
    ];
    pool
      .intercept({ path: "/v2.0/networks?name=x&limit=2", method: "GET" })
      .reply(200, { networks: [{ id: "a" }, { id: "b" }], networks_links: link("b") });
    pool
      .intercept({ path: "/v2.0/networks?limit=2&marker=b&name=x", method: "GET" })
      .reply(200, { networks: [{ id: "c" }, { id: "d" }], networks_links: link("d") });
    pool
      .intercept({ path: "/v2.0/networks?limit=2&marker=d&name=x", method: "GET" })
      .reply(200, { networks: [{ id: "e" }], networks_links: [] });
    const nets = await new NetworkClient(cloud.session()).networks.list({ name: "x" }, { pageSize: 2 });
    assert.deepEqual(
      nets.map((n) => n.id),
      ["a", "b", "c", "d", "e"],
    );
  });

  it("stops on a link back to a page already read", async () => {
    const cloud = mockCloud();
    const pool = cloud.agent.get(NEUTRON);
    const again = [{ rel: "next", href: "/v2.0/ports?marker=z" }];
    pool
      .intercept({ path: "/v2.0/ports", method: "GET" })
      .reply(200, { ports: [{ id: "y" }], ports_links: again });
    pool
      .intercept({ path: "/v2.0/ports?marker=z", method: "GET" })
      .reply(200, { ports: [{ id: "z" }], ports_links: again });
    const ports = await new NetworkClient(cloud.session()).ports.list();
    assert.deepEqual(
      ports.map((p) => p.id),
      ["y", "z"],
    );
  });

  it("reads Glance's top-level next and repeated parameters", () => {
    assert.deepEqual(nextQuery({ images: [], next: "/v2/images?marker=m&tag=a&tag=b" }, "images"), {
      marker: "m",
      tag: ["a", "b"],
    });
    assert.equal(nextQuery({ images: [], first: "/v2/images" }, "images"), undefined);
  });
});

describe("create probe", () => {
  it("retries a named create after a gateway error only when listing by name finds nothing", async () => {
    const cloud = mockCloud();
    const pool = cloud.agent.get(NEUTRON);
    pool.intercept({ path: "/v2.0/networks", method: "POST" }).reply(502, "bad gateway");
    pool.intercept({ path: "/v2.0/networks?name=net-1", method: "GET" }).reply(200, { networks: [] });
    pool
      .intercept({ path: "/v2.0/networks", method: "POST" })
      .reply(201, { network: { id: "n1", name: "net-1" } });
    const net = await new NetworkClient(cloud.session()).networks.create({ name: "net-1" });
    assert.equal(net.id, "n1");

    pool.intercept({ path: "/v2.0/networks", method: "POST" }).reply(502, "bad gateway");
    pool
      .intercept({ path: "/v2.0/networks?name=net-2", method: "GET" })
      .reply(200, { networks: [{ id: "n2" }] });
    await assert.rejects(new NetworkClient(cloud.session()).networks.create({ name: "net-2" }), /502/);
  });
});

describe("service specifics", () => {
  it("creates a tagged server with microversion 2.53, scheduler hints beside the server", async () => {
    const cloud = mockCloud();
    const pool = cloud.agent.get(NOVA);
    pool
      .intercept({ path: "/v2.1/", method: "GET" })
      .reply(200, { version: { min_version: "2.1", version: "2.90" } })
      .persist();
    let sent = { headers: {} as Record<string, string>, body: undefined as unknown };
    pool.intercept({ path: "/v2.1/servers", method: "POST" }).reply((o) => {
      sent = { headers: o.headers as Record<string, string>, body: JSON.parse(o.body as string) };
      return { statusCode: 202, data: { server: { id: "s1" } } };
    });
    const compute = new ComputeClient(cloud.session());
    const s = await compute.createServer(
      { name: "vm", flavorRef: "f", tags: ["a"] },
      { schedulerHints: { group: "g" } },
    );
    assert.equal(s.id, "s1");
    assert.equal(sent.headers["x-openstack-nova-api-version"], "2.53");
    assert.equal(sent.headers["openstack-api-version"], "compute 2.53");
    assert.deepEqual(sent.body, {
      server: { name: "vm", flavorRef: "f", tags: ["a"] },
      "os:scheduler_hints": { group: "g" },
    });
  });

  it("refuses multiattach on a Nova older than 2.60", async () => {
    const cloud = mockCloud();
    cloud.agent
      .get(NOVA)
      .intercept({ path: "/v2.1/", method: "GET" })
      .reply(200, { version: { min_version: "2.1", version: "2.55" } });
    await assert.rejects(
      new ComputeClient(cloud.session()).createServer({ name: "vm", flavorRef: "f" }, { multiattach: true }),
      /Nova microversion 2\.60 is needed; the server supports up to 2\.55/,
    );
  });

  it("refuses a port value spec that shadows an attribute", () => {
    const net = new NetworkClient(mockCloud().session());
    assert.throws(() => net.createPort({ network_id: "n", name: "p" }, { name: "x" }), ConfigError);
  });

  it("builds tag filters and exact Nova name filters", () => {
    assert.deepEqual(tagFilter({ tags: ["a", "b"], tagsAny: ["c"], notTags: [], notTagsAny: ["d", "e"] }), {
      tags: "a,b",
      "tags-any": "c",
      "not-tags-any": "d,e",
    });
    assert.equal(exactName("k8s-cluster.a+b"), "^k8s-cluster\\.a\\+b$");
  });

  it("finds version documents and orders versions", () => {
    assert.equal(versionRoot("http://h:8774/v2.1/abc123"), "http://h:8774/v2.1/");
    assert.equal(versionRoot("http://h/compute/v2.1"), "http://h/compute/v2.1/");
    assert.equal(serviceRoot("http://h:9876/v2.0"), "http://h:9876/");
    assert.equal(serviceRoot("http://h:9876"), "http://h:9876/");
    assert.equal(serviceRoot("http://h/load-balancer/v2"), "http://h/load-balancer/");
    assert.ok(compareVersions("2.60", "2.9") > 0);
    assert.ok(compareVersions("v2.12", "v2.26") < 0);
    assert.equal(compareVersions("2.38", "2.38"), 0);
  });
});
