import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, renameSync, symlinkSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { generateTestCertificates, handshake } from "../../test/env/certs.ts";
import { tempDir } from "../../test/env/tmp.ts";
import { kindNames, type KindName } from "../api/common/kinds.ts";
import { createConverter, type SpokeConversions } from "../api/conversion/convert.ts";
import type { KindAdmission } from "./admission.ts";
import { startWebhookServer, webhookPath, type WebhookServer } from "./server.ts";

const G = "infrastructure.cluster.x-k8s.io";

function post(port: number, ca: string, path: string, body: unknown, contentType = "application/json") {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: "POST", ca, headers: { "content-type": contentType } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on("error", reject);
    req.end(typeof body === "string" ? body : JSON.stringify(body));
  });
}

const rename: SpokeConversions[KindName] = {
  toHub: (content) => ({ spec: { newName: (content.spec as { oldName?: string }).oldName } }),
  fromHub: (content) => ({ spec: { oldName: (content.spec as { newName?: string }).newName } }),
};
const converter = createConverter({
  v1alpha1: Object.fromEntries(kindNames.map((k) => [k, rename])) as SpokeConversions,
});
const admission: KindAdmission = {
  validateCreate: (obj) =>
    obj.metadata?.name === "bad"
      ? {
          errors: [{ type: "Forbidden", field: "spec.flavor", detail: "not allowed" }],
          warnings: ["careful"],
        }
      : { errors: [] },
  validateUpdate: () => ({
    errors: [
      { type: "Forbidden", field: "spec", detail: "cannot be modified" },
      { type: "Invalid", field: "spec.port", detail: "out of range", value: 70000 },
    ],
  }),
  default: (obj) => ({ ...obj, spec: { ...(obj.spec as object), defaulted: true } }),
};
/** The server's options but for its certificates. */
const options = {
  converter,
  admission: Object.fromEntries(kindNames.map((k) => [k, admission])) as Record<KindName, KindAdmission>,
  port: 0,
  host: "127.0.0.1",
};

const conversionReview = (uid: string, objects: object[]) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "ConversionReview",
  request: { uid, desiredAPIVersion: `${G}/v1beta1`, objects },
});

/** An AdmissionReview of a v1beta1 object; `more` adds fields to its request. */
const admissionReview = (
  uid: string,
  operation: string,
  object: { kind: string },
  more: Record<string, unknown> = {},
) => ({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: { uid, kind: { group: G, version: "v1beta1", kind: object.kind }, operation, object, ...more },
});

describe("webhook server", () => {
  const certs = generateTestCertificates("server-test");
  let server: WebhookServer;
  before(async () => {
    server = await startWebhookServer({ ...options, certDir: certs.certDir, certPollMs: 50 });
  });
  after(() => server.close());

  /** POSTs to the server, trusting its CA. */
  const send = (path: string, body: unknown, contentType?: string) =>
    post(server.port, certs.caPem, path, body, contentType);

  it("converts a ConversionReview", async () => {
    const res = await send(
      "/convert",
      conversionReview("u1", [
        {
          apiVersion: `${G}/v1alpha1`,
          kind: "OpenStackMachine",
          metadata: { name: "m" },
          spec: { oldName: "x" },
        },
      ]),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "ConversionReview",
      response: {
        uid: "u1",
        result: { status: "Success" },
        convertedObjects: [
          {
            apiVersion: `${G}/v1beta1`,
            kind: "OpenStackMachine",
            metadata: { name: "m" },
            spec: { newName: "x" },
          },
        ],
      },
    });
  });

  it("fails the whole review when one object cannot be converted", async () => {
    const res = await send(
      "/convert",
      conversionReview("u2", [{ apiVersion: "apps/v1", kind: "Deployment" }]),
    );
    const review = JSON.parse(res.body) as {
      response: { uid: string; result: { status: string; message: string } };
    };
    assert.equal(review.response.uid, "u2");
    assert.equal(review.response.result.status, "Failure");
    assert.match(review.response.result.message, /unsupported kind "Deployment"/);
  });

  it("denies an invalid create with controller-runtime's status", async () => {
    const obj = { apiVersion: `${G}/v1beta1`, kind: "OpenStackMachine", metadata: { name: "bad" }, spec: {} };
    const res = await send(
      webhookPath("OpenStackMachine", false),
      admissionReview("a1", "CREATE", obj, { name: "bad" }),
    );
    const review = JSON.parse(res.body) as { response: Record<string, unknown> };
    assert.equal(
      webhookPath("OpenStackMachine", false),
      "/validate-infrastructure-cluster-x-k8s-io-v1beta1-openstackmachine",
    );
    assert.deepEqual(review.response, {
      uid: "a1",
      allowed: false,
      warnings: ["careful"],
      status: {
        apiVersion: "v1",
        kind: "Status",
        metadata: {},
        status: "Failure",
        message: `OpenStackMachine.${G} "bad" is invalid: spec.flavor: Forbidden: not allowed`,
        reason: "Invalid",
        code: 422,
        details: {
          name: "bad",
          group: G,
          kind: "OpenStackMachine",
          causes: [
            { reason: "FieldValueForbidden", message: "Forbidden: not allowed", field: "spec.flavor" },
          ],
        },
      },
    });
  });

  it("lists several errors the way apimachinery aggregates them", async () => {
    const obj = { apiVersion: `${G}/v1beta1`, kind: "OpenStackCluster", metadata: { name: "c" }, spec: {} };
    const res = await send(
      webhookPath("OpenStackCluster", false),
      admissionReview("a2", "UPDATE", obj, { oldObject: obj }),
    );
    const review = JSON.parse(res.body) as { response: { status: { message: string } } };
    assert.equal(
      review.response.status.message,
      `OpenStackCluster.${G} "c" is invalid: [spec: Forbidden: cannot be modified, spec.port: Invalid value: 70000: out of range]`,
    );
  });

  it("answers a defaulting review with a JSON patch", async () => {
    const obj = {
      apiVersion: `${G}/v1beta1`,
      kind: "OpenStackMachineTemplate",
      metadata: { name: "t" },
      spec: { a: 1 },
    };
    const res = await send(
      webhookPath("OpenStackMachineTemplate", true),
      admissionReview("a3", "CREATE", obj),
    );
    const review = JSON.parse(res.body) as {
      response: { allowed: boolean; patchType: string; patch: string };
    };
    assert.equal(review.response.allowed, true);
    assert.equal(review.response.patchType, "JSONPatch");
    assert.deepEqual(JSON.parse(Buffer.from(review.response.patch, "base64").toString()), [
      { op: "add", path: "/spec/defaulted", value: true },
    ]);
  });

  it("rejects what is not a review", async () => {
    assert.equal((await send("/nope", {})).status, 404);
    assert.equal((await send("/convert", "{", "application/json")).status, 400);
    assert.equal((await send("/convert", "{}", "text/plain")).status, 400);
    assert.equal((await send("/convert", { kind: "Nope" })).status, 400);
  });

  it("serves a renewed certificate without a restart", async () => {
    const renewed = generateTestCertificates("server-test-renewed");
    await assert.rejects(post(server.port, renewed.caPem, "/nope", {}));
    await sleep(20);
    for (const file of ["tls.crt", "tls.key"])
      copyFileSync(join(renewed.certDir, file), join(certs.certDir, file));
    for (let i = 0; i < 100; i++) {
      const ok = await post(server.port, renewed.caPem, "/nope", {}).then(
        () => true,
        () => false,
      );
      if (ok) return;
      await sleep(50);
    }
    assert.fail("the renewed certificate was never served");
  });
});

describe("webhook server certificates and readiness", () => {
  it("does not start without its certificate, naming the directory", async () => {
    const certDir = tempDir("capo-ts-no-certs-");
    await assert.rejects(startWebhookServer({ ...options, certDir }), (error: Error) => {
      assert.equal(
        error.message,
        `cannot load the webhook serving certificate from ${certDir} (tls.crt, tls.key)`,
      );
      assert.match(String(error.cause), /ENOENT: no such file or directory, open '.*\/tls\.crt'/);
      return true;
    });
  });

  it("is reachable while it serves, and not after close", async () => {
    const server = await startWebhookServer({
      ...options,
      certDir: generateTestCertificates("reachable").certDir,
    });
    assert.equal(await server.reachable(), true);
    await server.close();
    assert.equal(await server.reachable(), false);
  });

  it("serves a Secret volume's swapped certificate at once, keeping the minimum TLS version", async () => {
    // The kubelet's layout: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/, swapped by a rename.
    const certDir = tempDir("capo-ts-swap-");
    const version = (name: string, from: string) => {
      mkdirSync(join(certDir, name));
      for (const file of ["tls.crt", "tls.key"]) copyFileSync(join(from, file), join(certDir, name, file));
    };
    const first = generateTestCertificates("swap-first");
    const second = generateTestCertificates("swap-second");
    version("..v1", first.certDir);
    symlinkSync("..v1", join(certDir, "..data"));
    for (const file of ["tls.crt", "tls.key"]) symlinkSync(join("..data", file), join(certDir, file));
    // The poll is far slower than the test: only the directory watch can pick the change up in time.
    const server = await startWebhookServer({
      ...options,
      certDir,
      certPollMs: 60_000,
      minVersion: "TLSv1.3",
    });
    try {
      assert.equal(await handshake(server.port, first.caPem), true);
      assert.equal(await handshake(server.port, first.caPem, "TLSv1.2"), false);
      version("..v2", second.certDir);
      symlinkSync("..v2", join(certDir, "..data_tmp"));
      renameSync(join(certDir, "..data_tmp"), join(certDir, "..data"));
      let renewed = false;
      for (let i = 0; i < 40 && !renewed; i++) {
        await sleep(50);
        renewed = await handshake(server.port, second.caPem);
      }
      assert.ok(renewed, "the swapped certificate is served within 2 s");
      assert.equal(await handshake(server.port, second.caPem, "TLSv1.2"), false, "still TLS 1.3 only");
    } finally {
      await server.close();
    }
  });
});
