// Per-cloud TLS against the real Keystone behind a local TLS reverse proxy (certificate made by openssl): the
// right CA works, a wrong CA or no CA fails with a clear TLS error, verify: false works without a CA.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { credentialFromClouds } from "../../../src/openstack/clouds.ts";
import { TLSError } from "../../../src/openstack/errors.ts";
import { MEMBER_CLOUD, credential, newClient, recordError } from "./env.ts";
import { generateTestCertificates, generateUnrelatedCA } from "../../env/certs.ts";
import type { TestCertificates } from "../../env/certs.ts";
import { startProxy } from "./proxy.ts";
import type { CountingProxy } from "./proxy.ts";

describe("TLS", () => {
  let certs: TestCertificates;
  let otherCA: string;
  let proxy: CountingProxy;

  before(async () => {
    certs = generateTestCertificates("openstack-tls");
    otherCA = generateUnrelatedCA();
    proxy = await startProxy({ tls: certs.tls });
  });

  after(() => proxy.close());

  /** The member cloud's clouds.yaml entry, pointed at the TLS proxy. */
  function viaProxy(o: { verify?: boolean; secretCA?: string; defaultCA?: string } = {}) {
    const c = credential(MEMBER_CLOUD);
    const auth = c.auth.type === "password" ? c.auth : undefined;
    assert.ok(auth);
    const yaml = `clouds:
  tls:
    auth:
      auth_url: ${proxy.url}/v3
      username: ${JSON.stringify(auth.user.name)}
      password: ${JSON.stringify(auth.password)}
      user_domain_name: Default
      project_name: ${JSON.stringify(auth.project?.name)}
      project_domain_name: Default
    region_name: ${c.region ?? "RegionOne"}
${o.verify === false ? "    verify: false\n" : ""}`;
    return credentialFromClouds({
      cloudsYaml: yaml,
      cloudName: "tls",
      ...(o.secretCA ? { caCert: o.secretCA } : {}),
      ...(o.defaultCA ? { defaultCACert: o.defaultCA } : {}),
    });
  }

  it("works with the CA from the secret, for Keystone and every service behind the proxy", async () => {
    const os = newClient(viaProxy({ secretCA: certs.caPem }));
    assert.match(await os.projectId(), /^[0-9a-f]{32}$/);
    await os.network.networks.list({ name: "none" });
    await os.compute.listAvailabilityZones();
    assert.ok(
      proxy.hits.some((h) => h.port === 9696),
      "network call went through the TLS proxy",
    );
  });

  it("works with the manager's default CA when the secret has none", async () => {
    const os = newClient(viaProxy({ defaultCA: certs.caPem }));
    await os.network.networks.list({ name: "none" });
  });

  it("fails with a clear TLS error on a wrong CA bundle", async () => {
    const os = newClient(viaProxy({ secretCA: otherCA }));
    await assert.rejects(os.network.networks.list(), (e: Error) => {
      recordError(e);
      assert.ok(e instanceof TLSError, `${e.name}: ${e.message}`);
      assert.match(e.message, /TLS verification of 127\.0\.0\.1:\d+ failed/);
      assert.match(e.message, /cacert/);
      assert.match(e.code, /CERT|SIGNATURE|ISSUER/);
      return true;
    });
  });

  it("fails with a TLS error on the system roots", async () => {
    const os = newClient(viaProxy());
    await assert.rejects(os.projectId(), TLSError);
  });

  it("works with verify: false and no CA", async () => {
    const os = newClient(viaProxy({ verify: false }));
    assert.deepEqual(await os.network.networks.list({ name: "none" }), []);
  });
});
