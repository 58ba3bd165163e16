import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext, createServer, type SecureVersion } from "node:tls";
import { generateTestCertificates, negotiatedCipher } from "../../test/env/certs.ts";
import { openSSLCiphers, tlsMinVersion } from "./tls.ts";

const tls13 = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

describe("--tls-min-version and --tls-cipher-suites", () => {
  it("maps Go's TLS versions", () => {
    assert.equal(tlsMinVersion("VersionTLS12"), "TLSv1.2");
    assert.equal(tlsMinVersion("VersionTLS13"), "TLSv1.3");
    assert.throws(() => tlsMinVersion("VersionTLS11"), /unsupported --tls-min-version VersionTLS11/);
  });

  it("maps Go's cipher suite names to OpenSSL's, restricting TLS 1.2 only", () => {
    assert.equal(openSSLCiphers([]), undefined);
    assert.equal(
      openSSLCiphers(["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"]),
      `ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:${tls13}`,
    );
    assert.equal(openSSLCiphers(["TLS_AES_256_GCM_SHA384"]), tls13);
    const list = openSSLCiphers(["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"]);
    assert.doesNotThrow(() => createSecureContext({ ciphers: list }));
  });

  it("rejects unknown names, and names OpenSSL 3 no longer offers", () => {
    assert.throws(
      () => openSSLCiphers(["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "AES128-SHA"]),
      /--tls-cipher-suites: unknown cipher suite AES128-SHA; known: TLS_AES_128_GCM_SHA256, /,
    );
    assert.throws(
      () => openSSLCiphers(["TLS_RSA_WITH_RC4_128_SHA"]),
      /TLS_RSA_WITH_RC4_128_SHA \(RC4-SHA\) is not available in this Node's OpenSSL/,
    );
  });

  it("limits what a server negotiates over TLS 1.2, as Go does", async () => {
    const certs = generateTestCertificates("tls-flags");
    const server = createServer({
      cert: readFileSync(join(certs.certDir, "tls.crt")),
      key: readFileSync(join(certs.certDir, "tls.key")),
      ciphers: openSSLCiphers(["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]),
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const negotiated = (maxVersion: SecureVersion, ciphers?: string) =>
      negotiatedCipher(port, certs.caPem, { maxVersion, ciphers });
    try {
      assert.equal(await negotiated("TLSv1.2"), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
      assert.equal(await negotiated("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384"), undefined);
      assert.match((await negotiated("TLSv1.3")) ?? "", /^TLS_AES_|^TLS_CHACHA20_/);
    } finally {
      server.close();
    }
  });
});
