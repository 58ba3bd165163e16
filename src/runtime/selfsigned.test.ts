import assert from "node:assert/strict";
import { X509Certificate, createPublicKey } from "node:crypto";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { connect } from "node:tls";
import { selfSignedCertificate } from "./selfsigned.ts";

test("a self-signed serving certificate for the given names and addresses, signed by its own key", () => {
  const now = new Date("2030-01-02T03:04:05Z");
  const { key, cert } = selfSignedCertificate({ hosts: ["localhost", "127.0.0.1", "::1", "pod-0"], now });
  const x = new X509Certificate(cert);
  assert.equal(x.subject, "CN=localhost");
  assert.equal(x.issuer, "CN=localhost");
  assert.equal(
    x.subjectAltName,
    "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:pod-0",
  );
  assert.ok(x.verify(createPublicKey(key)));
  assert.equal(x.ca, false);
  assert.deepEqual(x.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
  assert.equal(new Date(x.validFrom).toISOString(), "2030-01-02T02:04:05.000Z");
  assert.equal(new Date(x.validTo).toISOString(), "2031-01-02T03:04:05.000Z");
});

test("a TLS client trusting the certificate completes a handshake for localhost", async () => {
  const pair = selfSignedCertificate({ hosts: ["localhost"] });
  const server = createServer(pair, (_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const authorized = await new Promise<boolean>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca: pair.cert }, () => {
      resolve(socket.authorized);
      socket.end();
    });
    socket.on("error", reject);
  });
  server.close();
  assert.equal(authorized, true);
});
