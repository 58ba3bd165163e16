// Session logic (token cache, single-flight auth, re-auth on 401, endpoint choice, discovery cache) against an
// undici MockAgent. The real proof is in test/integration/openstack.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ComputeClient } from "./compute.ts";
import { AuthenticationError, EndpointError, HttpError } from "./errors.ts";
import { authRequestBody, describePrincipal, selectEndpoint } from "./keystone.ts";
import { countRequests } from "./metrics.ts";
import { NETWORK } from "./network.ts";
import { credentialKey, SessionRegistry } from "./session.ts";
import { NEUTRON, NOVA, PASSWORD, catalog, credential, mockCloud } from "./mock-cloud.test-helper.ts";

const ping = { method: "GET", path: "networks", operation: "network_list" } as const;

describe("Session tokens", () => {
  it("authenticates once for many requests and concurrent first callers", async () => {
    const cloud = mockCloud();
    cloud.agent
      .get(NEUTRON)
      .intercept({ path: "/v2.0/networks", method: "GET" })
      .reply(200, { networks: [] })
      .persist();
    const s = cloud.session();
    await Promise.all([1, 2, 3, 4].map(() => s.request(NETWORK, ping)));
    await s.request(NETWORK, ping);
    assert.equal(cloud.tokensIssued(), 1);
    assert.equal(await countRequests(cloud.registry, { request: "token_create" }), 1);
  });

  it("sends the token and refreshes it near expiry", async () => {
    let now = Date.parse("2026-11-25T10:00:00Z");
    const cloud = mockCloud({ now: () => now });
    const seen: string[] = [];
    cloud.agent
      .get(NEUTRON)
      .intercept({ path: "/v2.0/networks", method: "GET" })
      .reply((o) => {
        seen.push(String((o.headers as Record<string, string>)["x-auth-token"]));
        return { statusCode: 200, data: { networks: [] } };
      })
      .persist();
    const s = cloud.session();
    await s.request(NETWORK, ping);
    now += 54 * 60_000; // token valid until 11:00; refresh starts 5 minutes before
    await s.request(NETWORK, ping);
    now += 2 * 60_000;
    await s.request(NETWORK, ping);
    assert.deepEqual(seen, ["token-1-secretvalue", "token-1-secretvalue", "token-2-secretvalue"]);
  });

  it("re-authenticates once on 401 and retries the request", async () => {
    const cloud = mockCloud();
    const pool = cloud.agent.get(NEUTRON);
    pool.intercept({ path: "/v2.0/networks", method: "GET" }).reply(401, "{}");
    pool.intercept({ path: "/v2.0/networks", method: "GET" }).reply(200, { networks: [{ id: "n" }] });
    const s = cloud.session();
    const res = await s.request(NETWORK, ping);
    assert.equal(res.status, 200);
    assert.equal(cloud.tokensIssued(), 2);
  });

  it("fails after the second 401 instead of looping", async () => {
    const cloud = mockCloud();
    cloud.agent.get(NEUTRON).intercept({ path: "/v2.0/networks", method: "GET" }).reply(401, "{}").persist();
    await assert.rejects(cloud.session().request(NETWORK, ping), (e: HttpError) => e.status === 401);
    assert.equal(cloud.tokensIssued(), 2);
  });

  it("reports a refused login with the auth URL and user, never the password", async () => {
    const cloud = mockCloud({ keystoneStatus: 401 });
    await assert.rejects(cloud.session().projectId(), (e: AuthenticationError) => {
      assert.ok(e instanceof AuthenticationError);
      assert.match(
        e.message,
        /authentication to http:\/\/keystone\.test:5000\/v3 as user demo in domain Default/,
      );
      assert.match(e.message, /requires authentication/);
      assert.match(e.message, /req-auth/);
      assert.doesNotMatch(e.message, new RegExp(PASSWORD));
      return true;
    });
    assert.doesNotMatch(JSON.stringify(cloud.logs), new RegExp(PASSWORD));
  });

  it("exposes the scoped project", async () => {
    assert.equal(await mockCloud().session().projectId(), "p1");
  });
});

describe("Nova microversions", () => {
  it("discovers the version once per session and sends 2.38 by default", async () => {
    const cloud = mockCloud();
    const pool = cloud.agent.get(NOVA);
    let discoveries = 0;
    pool
      .intercept({ path: "/v2.1/", method: "GET" })
      .reply(() => {
        discoveries++;
        return { statusCode: 200, data: { version: { id: "v2.1", min_version: "2.1", version: "2.93" } } };
      })
      .persist();
    const versions: string[] = [];
    pool
      .intercept({ path: "/v2.1/os-availability-zone", method: "GET" })
      .reply((o) => {
        versions.push(String((o.headers as Record<string, string>)["x-openstack-nova-api-version"]));
        return { statusCode: 200, data: { availabilityZoneInfo: [] } };
      })
      .persist();
    const s = cloud.session();
    await Promise.all([new ComputeClient(s), new ComputeClient(s)].map((c) => c.listAvailabilityZones()));
    await new ComputeClient(s).listAvailabilityZones();
    assert.equal(discoveries, 1);
    assert.deepEqual(versions, ["2.38", "2.38", "2.38"]);
  });

  it("refuses a Nova without 2.38", async () => {
    const cloud = mockCloud();
    cloud.agent
      .get(NOVA)
      .intercept({ path: "/v2.1/", method: "GET" })
      .reply(200, { version: { min_version: "2.1", version: "2.30" } });
    await assert.rejects(new ComputeClient(cloud.session()).listAvailabilityZones(), (e: Error) => {
      assert.ok(e instanceof EndpointError);
      assert.match(e.message, /requires Nova microversion 2\.38; the server supports 2\.1 to 2\.30/);
      return true;
    });
  });
});

describe("catalog and Keystone bodies", () => {
  it("selects the endpoint by type, interface and region", () => {
    assert.equal(selectEndpoint(catalog, ["compute"], "public", "RegionOne"), `${NOVA}/v2.1`);
    assert.equal(
      selectEndpoint(catalog, ["compute"], "public", "RegionTwo"),
      "http://nova-two.test:8774/v2.1",
    );
    assert.equal(
      selectEndpoint(catalog, ["compute"], "internal", "RegionOne"),
      "http://nova-internal.test:8774/v2.1",
    );
    assert.equal(selectEndpoint(catalog, ["network"], "public", undefined), NEUTRON);
    assert.throws(
      () => selectEndpoint(catalog, ["volumev3", "block-storage"], "public", "RegionOne"),
      /no public endpoint for service type volumev3 or block-storage in region RegionOne/,
    );
  });

  it("builds the three Keystone auth bodies", () => {
    assert.deepEqual(authRequestBody(credential.auth), {
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "demo", domain: { name: "Default" }, password: PASSWORD } },
        },
        scope: { project: { name: "demo", domain: { name: "Default" } } },
      },
    });
    assert.deepEqual(authRequestBody({ type: "applicationCredential", id: "ac", secret: "s" }), {
      auth: {
        identity: { methods: ["application_credential"], application_credential: { id: "ac", secret: "s" } },
      },
    });
    assert.deepEqual(authRequestBody({ type: "token", token: "t", project: { id: "p" } }), {
      auth: { identity: { methods: ["token"], token: { id: "t" } }, scope: { project: { id: "p" } } },
    });
    assert.equal(
      describePrincipal(credential.auth),
      "user demo in domain Default (project demo in domain Default)",
    );
  });
});

describe("SessionRegistry", () => {
  it("shares a session per credential and keys on everything that changes the result", () => {
    const r = new SessionRegistry({ maxSize: 10 });
    const a = r.get(credential);
    assert.equal(r.get({ ...credential }), a);
    assert.notEqual(r.get({ ...credential, region: "RegionTwo" }), a);
    assert.notEqual(r.get({ ...credential, caCert: "pem" }), a);
    assert.notEqual(r.get({ ...credential, verify: false }), a);
    assert.notEqual(
      r.get({ ...credential, auth: { ...credential.auth, password: "other" } } as typeof credential),
      a,
    );
    assert.equal(r.size, 5);
  });

  it("evicts the least recently used and can be disabled", () => {
    const r = new SessionRegistry({ maxSize: 2 });
    const one = r.get({ ...credential, region: "1" });
    r.get({ ...credential, region: "2" });
    r.get({ ...credential, region: "1" });
    r.get({ ...credential, region: "3" });
    assert.equal(r.size, 2);
    assert.equal(r.get({ ...credential, region: "1" }), one);
    const off = new SessionRegistry({ maxSize: 0 });
    assert.notEqual(off.get(credential), off.get(credential));
  });

  it("does not reveal the secret in its key", () => {
    assert.doesNotMatch(credentialKey(credential), new RegExp(PASSWORD));
    assert.equal(credentialKey(credential), credentialKey({ ...credential }));
  });
});
