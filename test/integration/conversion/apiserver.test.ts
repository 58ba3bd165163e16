// The book's CRD Changes examples against a real kube-apiserver: our CRDs convert through our webhook
// server (TLS, CA in the CRDs' caBundle), and our validating/defaulting webhooks are registered as CAPO
// registers them. Each example is applied in its own version, read back in v1beta1 and every other served
// version, written back from each of them, and must keep its documented form throughout.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Group, KindNames, type KindName } from "../../../src/api/common/kinds.ts";
import { converter, DataAnnotation, type KubeObject } from "../../../src/api/conversion/index.ts";
import { startWebhooks, type WebhookServer } from "../../../src/webhooks/index.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { generateTestCertificates } from "../../env/certs.ts";
import { loadBookFixtures, missingFrom, withoutPruned, type BookFixture } from "./fixtures.ts";
import { KubeClient, registerWebhookServer } from "./kube-client.ts";

const namespace = "default";
const versions = converter.versions;

const path = (version: string, kind: KindName, name = "", sub = "") =>
  `/apis/${Group}/${version}/namespaces/${namespace}/${KindNames[kind].plural}${name ? `/${name}` : ""}${sub ? `/${sub}` : ""}`;

const body = (obj: KubeObject) => ({ spec: obj.spec, status: obj.status });
const dataAnnotation = (obj: KubeObject) => obj.metadata?.annotations?.[DataAnnotation];
/** Warnings other than the apiserver's notice that a version is deprecated, sorted. */
const warningsOf = (warnings: string[]) =>
  warnings.filter((w) => !w.includes(" has been deprecated ")).sort();
/** The fixture's admission warnings and the apiserver's for the fields it prunes (`a.0.b` is `a[0].b`). */
const expectedWarnings = (fixture: BookFixture) =>
  [
    ...(fixture.warnings ?? []),
    ...(fixture.pruned ?? []).map((p) => `unknown field "${p.replace(/\.(\d+)(?=\.|$)/g, "[$1]")}"`),
  ].sort();

describe("book CRD Changes examples on a real apiserver", () => {
  let env: KubeEnv;
  let webhooks: WebhookServer;
  let client: KubeClient;

  before(async () => {
    const certs = generateTestCertificates("conversion-apiserver");
    webhooks = await startWebhooks({ port: 0, host: "127.0.0.1", certDir: certs.certDir });
    const url = `https://127.0.0.1:${webhooks.port}`;
    env = await startKube();
    client = new KubeClient(env.kubeConfig);
    await registerWebhookServer(client, url, certs.caPem);
  });
  after(async () => {
    await env.stop();
    await webhooks.close();
  });

  const get = async (version: string, kind: KindName, name: string) =>
    (await client.must("GET", path(version, kind, name))) as KubeObject;

  /** Creates the fixture's object (and writes its status); resolves to the create's warnings. */
  async function apply(fixture: BookFixture, name: string): Promise<string[]> {
    const { input } = fixture;
    const version = (input.apiVersion ?? "").split("/")[1] ?? "";
    const kind = input.kind as KindName;
    const { status, ...rest } = input;
    const created = await client.mustRespond("POST", path(version, kind), {
      ...rest,
      metadata: { ...input.metadata, name },
    });
    if (status !== undefined) {
      await client.must(
        "PATCH",
        path(version, kind, name, "status"),
        { status },
        "application/merge-patch+json",
      );
    }
    return created.warnings;
  }

  for (const fixture of loadBookFixtures()) {
    const name = fixture.id.split("/")[1] ?? "";
    const kind = fixture.input.kind as KindName;
    const own = (fixture.input.apiVersion ?? "").split("/")[1] ?? "";
    const expected = body(withoutPruned(fixture));

    it(fixture.id, async () => {
      const warnings = await apply(fixture, name);
      assert.deepEqual(warningsOf(warnings), expectedWarnings(fixture), "warnings on create");

      const hub = await get("v1beta1", kind, name);
      assert.deepEqual(body(hub), body({ ...fixture.hub }), "the v1beta1 object");

      const read = await get(own, kind, name);
      assert.deepEqual(body(read), expected, `read back as ${own}`);
      assert.equal(dataAnnotation(read), undefined, `no conversion data left on the ${own} object`);

      if (fixture.documented) {
        const version = (fixture.documented.apiVersion ?? "").split("/")[1] ?? "";
        const { apiVersion: _a, kind: _k, metadata: _m, ...documented } = fixture.documented;
        assert.equal(
          missingFrom(await get(version, kind, name), documented),
          undefined,
          `as documented in ${version}`,
        );
      }

      for (const version of versions) {
        const other = await get(version, kind, name);
        const written = (await client.must("PUT", path(version, kind, name), other)) as KubeObject;
        assert.equal(
          written.metadata?.resourceVersion,
          other.metadata?.resourceVersion,
          `writing back the ${version} object as read changes nothing`,
        );
        if (KindNames[kind].statusSubresource && other.status !== undefined) {
          await client.must("PUT", path(version, kind, name, "status"), await get(version, kind, name));
        }
        assert.deepEqual(
          body(await get("v1beta1", kind, name)),
          body(hub),
          `v1beta1 after writing back ${version}`,
        );
        const again = await get(own, kind, name);
        assert.deepEqual(body(again), expected, `${own} after writing back ${version}`);
        assert.equal(
          dataAnnotation(again),
          undefined,
          `no conversion data on ${own} after writing back ${version}`,
        );
      }
    });
  }

  it("lists every example in every version (one ConversionReview per list)", async () => {
    for (const kind of Object.keys(KindNames) as KindName[]) {
      const hubNames = ((await client.must("GET", path("v1beta1", kind))).items as KubeObject[]).map(
        (o) => o.metadata?.name,
      );
      for (const version of versions) {
        const list = (await client.must("GET", path(version, kind))).items as KubeObject[];
        assert.deepEqual(
          list.map((o) => o.metadata?.name),
          hubNames,
          `${kind} listed as ${version}`,
        );
        assert.ok(list.every((o) => o.apiVersion === `${Group}/${version}`));
      }
    }
  });

  it("rejects a spec change through the validating webhook, whatever the version written", async () => {
    const machine = await get("v1alpha7", "OpenStackMachine", "image-name");
    const res = await client.request("PUT", path("v1alpha7", "OpenStackMachine", "image-name"), {
      ...machine,
      spec: { ...(machine.spec as object), flavor: "m1.large" },
    });
    assert.equal(res.status, 422);
    assert.match(
      (res.body as { message: string }).message,
      /admission webhook "validation\.openstackmachine\..*" denied the request: .*spec: Forbidden: cannot be modified/,
    );
  });
});
