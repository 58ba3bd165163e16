// Authentication against the real Keystone: password, application credential and token auth; re-auth after a
// revoked token; a bad password's error; pagination across more items than a page.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "undici";
import { Registry } from "prom-client";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { credentialFromClouds } from "../../../src/openstack/clouds.ts";
import { AuthenticationError } from "../../../src/openstack/errors.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import { tagFilter } from "../../../src/openstack/network.ts";
import { IDENTITY } from "../../../src/openstack/session.ts";
import { APPCRED_SECRET, Cleanup, PREFIX, credential, newClient, passwordOf, recordError } from "./env.ts";

describe("Keystone authentication", () => {
  const cleanup = new Cleanup();
  let os: OpenStackClient;
  let registry: Registry;

  before(() => {
    registry = new Registry();
    os = newClient(credential(), { registry });
  });

  after(() => cleanup.run());

  it("authenticates with a password and scopes to the project", async () => {
    const info = await os.session.tokenInfo();
    assert.match(info.projectId ?? "", /^[0-9a-f]{32}$/);
    assert.ok(info.expiresAt.getTime() > Date.now());
  });

  it("re-authenticates once after the token is revoked", async () => {
    const { userId } = await os.session.tokenInfo();
    const getUser = () =>
      os.session.request(IDENTITY, { method: "GET", path: `users/${userId}`, operation: "user_get" });
    await getUser();
    const tokensBefore = await countRequests(registry, { request: "token_create" });
    const old = await os.session.authToken();
    const authUrl = credential().authUrl;
    const revoke = await request(`${authUrl}/auth/tokens`, {
      method: "DELETE",
      headers: { "x-auth-token": old, "x-subject-token": old },
    });
    await revoke.body.dump();
    assert.equal(revoke.statusCode, 204);
    const check = await request(`${authUrl}/auth/tokens`, {
      method: "GET",
      headers: { "x-auth-token": old, "x-subject-token": old },
    });
    await check.body.dump();
    assert.equal(check.statusCode, 401, "the old token is really revoked");

    // Keystone checks revocations on every request; other services cache token validation for minutes
    // (keystonemiddleware), so the identity API is where a revoked token is refused at once.
    assert.equal((await getUser()).status, 200);
    assert.ok((await os.session.authToken()) !== old, "a new token replaced the revoked one");
    assert.equal(await countRequests(registry, { request: "token_create" }), tokensBefore + 1);
    assert.equal(await countRequests(registry, { request: "user_get", code: "401" }), 1);
    assert.equal(await countRequests(registry, { request: "user_get", code: "200" }), 2);
  });

  it("reuses the token until close to expiry, then gets a new one", async () => {
    let skew = 0;
    const clockRegistry = new Registry();
    const client = newClient(credential(), { registry: clockRegistry, now: () => Date.now() + skew });
    const list = () => client.network.networks.list({ name: "none" });
    await list();
    await list();
    const first = await client.session.tokenInfo();
    const firstToken = await client.session.authToken();
    assert.equal(await countRequests(clockRegistry, { request: "token_create" }), 1);
    // Keystone's tokens last an hour here; move our clock to four minutes before expiry.
    skew = first.expiresAt.getTime() - Date.now() - 4 * 60_000;
    await list();
    assert.equal(await countRequests(clockRegistry, { request: "token_create" }), 2);
    assert.ok((await client.session.authToken()) !== firstToken, "a new token");
  });

  it("reports a bad password with the auth URL and user, not the password", async () => {
    const wrong = `wrong-${PREFIX}-password`;
    const good = credential();
    assert.equal(good.auth.type, "password");
    const bad = { ...good, auth: { ...good.auth, password: wrong } } as typeof good;
    await assert.rejects(newClient(bad).network.networks.list(), (e: Error) => {
      recordError(e);
      assert.ok(e instanceof AuthenticationError, e.message);
      assert.equal(e.status, 401);
      assert.ok(e.message.includes(good.authUrl), e.message);
      assert.match(e.message, /user demo in domain Default/);
      assert.ok(
        !e.message.includes(wrong) && !e.message.includes(passwordOf()),
        "no password in the message",
      );
      return true;
    });
  });

  it("authenticates with an application credential (by id, and by name and user)", async () => {
    const { userId } = await os.session.tokenInfo();
    const body = await os.session.request(IDENTITY, {
      method: "POST",
      path: `users/${userId}/application_credentials`,
      operation: "application_credential_create",
      body: { application_credential: { name: `${PREFIX}-appcred`, secret: APPCRED_SECRET } },
    });
    const ac = (JSON.parse(body.text) as { application_credential: { id: string } }).application_credential;
    cleanup.add("application credential", () =>
      os.session.request(IDENTITY, {
        method: "DELETE",
        path: `users/${userId}/application_credentials/${ac.id}`,
        operation: "application_credential_delete",
      }),
    );
    const authUrl = credential().authUrl;
    const byId = `clouds:
  ac:
    auth_type: v3applicationcredential
    auth: {auth_url: "${authUrl}", application_credential_id: ${ac.id}, application_credential_secret: ${APPCRED_SECRET}}
`;
    const byName = `clouds:
  ac:
    auth_type: v3applicationcredential
    auth: {auth_url: "${authUrl}", application_credential_name: ${PREFIX}-appcred, user_id: ${userId},
           application_credential_secret: ${APPCRED_SECRET}}
`;
    for (const yaml of [byId, byName]) {
      const client = newClient(credentialFromClouds({ cloudsYaml: yaml, cloudName: "ac" }));
      assert.equal(await client.projectId(), await os.projectId());
      await client.network.networks.list({ name: "none" });
    }
  });

  it("authenticates with a token", async () => {
    const token = await os.session.authToken();
    const yaml = `clouds:
  t:
    auth_type: token
    auth: {auth_url: "${credential().authUrl}", token: ${token}, project_id: ${await os.projectId()}}
`;
    const client = newClient(credentialFromClouds({ cloudsYaml: yaml, cloudName: "t" }));
    assert.deepEqual(await client.network.networks.list({ name: "none" }), []);
  });

  it("pages through more items than one page (Neutron markers, Nova flavors)", async () => {
    const tag = `${PREFIX}-page`;
    for (const i of [1, 2, 3, 4, 5]) {
      const sg = await os.network.securityGroups.create({ name: `${PREFIX}-page-${i}` });
      cleanup.add(`security group page-${i}`, () =>
        os.network.securityGroups.delete(sg.id, { ignoreNotFound: true }),
      );
      await os.network.replaceTags("security-groups", sg.id, [tag]);
    }
    const pageRegistry = new Registry();
    const paged = newClient(credential(), { registry: pageRegistry });
    const all = await paged.network.securityGroups.list(tagFilter({ tags: [tag] }), { pageSize: 2 });
    assert.equal(all.length, 5);
    assert.equal(new Set(all.map((s) => s.id)).size, 5);
    assert.ok((await countRequests(pageRegistry, { request: "security_group_list" })) >= 3);

    const flavors = await paged.compute.listFlavors({}, { pageSize: 2 });
    assert.deepEqual(
      flavors.map((f) => f.id).sort(),
      (await os.compute.listFlavors()).map((f) => f.id).sort(),
    );
    assert.ok((await countRequests(pageRegistry, { request: "flavor_list" })) >= 3);
  });
});
