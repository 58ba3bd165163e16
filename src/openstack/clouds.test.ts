import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/env/tmp.ts";
import { credentialFromClouds, v3Url } from "./clouds.ts";
import { ConfigError } from "./errors.ts";

const password = `
clouds:
  capo:
    auth:
      auth_url: https://keystone.example:5000
      username: demo
      password: s3cret-pw
      user_domain_name: Default
      project_name: demo
      project_domain_id: default
    region_name: RegionOne
    interface: internal
    identity_api_version: 3
    verify: false
`;

function parse(yaml: string, extra: Partial<Parameters<typeof credentialFromClouds>[0]> = {}) {
  return credentialFromClouds({ cloudsYaml: yaml, cloudName: "capo", ...extra });
}

describe("credentialFromClouds", () => {
  it("reads password auth with user and project domains, region, interface, verify", () => {
    const c = parse(password);
    assert.deepEqual(c, {
      authUrl: "https://keystone.example:5000/v3",
      auth: {
        type: "password",
        user: { name: "demo", domain: { name: "Default" } },
        password: "s3cret-pw",
        project: { name: "demo", domain: { id: "default" } },
      },
      region: "RegionOne",
      interface: "internal",
      verify: false,
    });
  });

  it("prefers ids, falls back to domain_name for both domains, accepts tenant_*", () => {
    const c = parse(`
clouds:
  capo:
    auth: {auth_url: "http://k/v3/", user_id: u1, password: p, tenant_name: t, domain_name: D}
`);
    assert.deepEqual(c.auth, {
      type: "password",
      user: { id: "u1" },
      password: "p",
      project: { name: "t", domain: { name: "D" } },
    });
    assert.equal(c.authUrl, "http://k/v3");
    assert.equal(c.interface, "public");
    assert.equal(c.verify, true);
    assert.equal(c.region, undefined);
  });

  it("reads application credentials by id, or by name with a user", () => {
    const byId = parse(`
clouds:
  capo:
    auth_type: v3applicationcredential
    auth: {auth_url: "http://k:5000/v3", application_credential_id: ac1, application_credential_secret: sec}
`);
    assert.deepEqual(byId.auth, { type: "applicationCredential", id: "ac1", secret: "sec" });
    const byName = parse(`
clouds:
  capo:
    auth_type: v3applicationcredential
    auth: {auth_url: "http://k:5000", application_credential_name: ac, username: demo,
           user_domain_name: Default, application_credential_secret: sec}
`);
    assert.deepEqual(byName.auth, {
      type: "applicationCredential",
      name: "ac",
      user: { name: "demo", domain: { name: "Default" } },
      secret: "sec",
    });
  });

  it("reads token auth with its scope", () => {
    const c = parse(`
clouds:
  capo:
    auth_type: token
    auth: {auth_url: "http://k:5000", token: gAAAA, project_id: p1}
`);
    assert.deepEqual(c.auth, { type: "token", token: "gAAAA", project: { id: "p1" } });
  });

  it("lets identityRef.region override region_name", () => {
    assert.equal(parse(password, { regionOverride: "RegionTwo" }).region, "RegionTwo");
  });

  it("ignores OS_* environment variables", () => {
    process.env.OS_PASSWORD = "from-env";
    process.env.OS_REGION_NAME = "EnvRegion";
    try {
      const c = parse(`
clouds:
  capo:
    auth: {auth_url: "http://k", username: u, password: p}
`);
      assert.equal(c.region, undefined);
      assert.equal(c.auth.type === "password" && c.auth.password, "p");
    } finally {
      delete process.env.OS_PASSWORD;
      delete process.env.OS_REGION_NAME;
    }
  });

  it("takes the CA from the secret, else the cloud entry, else the manager default", () => {
    const ca = TEST_CA;
    const file = join(tempDir("capo-ca-"), "ca.pem");
    writeFileSync(file, ca);
    const withFile = password + `    cacert: ${file}\n`;
    assert.equal(parse(password, { caCert: ca, defaultCACert: "ignored" }).caCert, ca);
    assert.equal(parse(withFile, { defaultCACert: "ignored" }).caCert, ca);
    assert.equal(parse(password, { defaultCACert: ca }).caCert, ca);
    assert.equal(parse(password).caCert, undefined);
  });

  it("falls back to the system roots when the bundle holds no parsable certificate", () => {
    const junk = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
    assert.equal(parse(password, { caCert: junk }).caCert, undefined);
  });

  it("rejects what it cannot use, naming the field and never the password", () => {
    const cases: [string, RegExp][] = [
      ["clouds: {}", /no cloud named capo/],
      ["clouds: {capo: {auth: {username: u, password: pw1}}}", /auth_url is required/],
      ["clouds: {capo: {auth: {auth_url: x, username: u}}}", /password is required/],
      ["clouds: {capo: {identity_api_version: 2, auth: {auth_url: x}}}", /identity_api_version 2/],
      ["clouds: {capo: {interface: private, auth: {auth_url: x, username: u, password: pw1}}}", /interface/],
      ["clouds: {capo: {auth_type: saml, auth: {auth_url: x}}}", /auth_type saml/],
      ["clouds: [capo: {password: pw1", /not valid YAML/],
    ];
    for (const [yaml, message] of cases) {
      assert.throws(
        () => parse(yaml),
        (e: Error) => {
          assert.ok(e instanceof ConfigError, e.message);
          assert.match(e.message, message);
          assert.doesNotMatch(e.message, /pw1/);
          return true;
        },
      );
    }
  });

  it("needs a cloud name", () => {
    assert.throws(
      () => credentialFromClouds({ cloudsYaml: password, cloudName: "" }),
      /cloud name is required/,
    );
  });
});

describe("v3Url", () => {
  it("normalises to a /v3 base", () => {
    assert.equal(v3Url("http://k:5000"), "http://k:5000/v3");
    assert.equal(v3Url("http://k:5000/"), "http://k:5000/v3");
    assert.equal(v3Url("http://k:5000/v3/"), "http://k:5000/v3");
    assert.equal(v3Url("http://k/identity/v3.0"), "http://k/identity/v3");
    assert.equal(v3Url("http://k/identity"), "http://k/identity/v3");
  });
});

// A self-signed certificate valid until 2126; only its parsing matters here.
const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUF01TIJ7YvNI5drAAw+7yOdrSJY8wCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUY2Fwby10cy11bml0LXRlc3QtY2EwIBcNMjYxMTI1MDgyMjE3
WhgPMjEyNjExMDEwODIyMTdaMB8xHTAbBgNVBAMMFGNhcG8tdHMtdW5pdC10ZXN0
LWNhMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEd021IC+qF2S0onsuZxSHKwRU
YF7lxwi4Eqf3UhCDVvQ71wnUEcpAqzVwIQHPxwLgZg+NF7T/wtMCLt8yKwKHmKNT
MFEwHQYDVR0OBBYEFDNJ+p4ZlwtM7PO/dBPx3bx3fKJ7MB8GA1UdIwQYMBaAFDNJ
+p4ZlwtM7PO/dBPx3bx3fKJ7MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
SAAwRQIgGbk6A4hyHA+8J8Ml+7VTr2WfEh2NtycWlVSDUX44uwkCIQCm/XzQ9qpI
+YW/avjjUdce0QnedNHQNhNNsppubB9dHg==
-----END CERTIFICATE-----
`;
