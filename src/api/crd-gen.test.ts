import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Type } from "typebox";
import { defaultCRDDir, generateCRD, generateCRDs, staleCRDs } from "./crd-gen.ts";
import { toStructural } from "./structural.ts";
import { apiVersions } from "./versions.ts";

describe("generated CRDs", () => {
  it("match the files checked in under config/crd/bases (run `npm run crds` if this fails)", () => {
    assert.deepEqual(staleCRDs(defaultCRDDir), []);
  });

  it("serve every version, store only v1beta1 and carry the CAPI contract label", () => {
    for (const crd of generateCRDs()) {
      const versions = crd.spec.versions as { name: string; served: boolean; storage: boolean }[];
      assert.deepEqual(
        versions.map((v) => v.name),
        apiVersions.map((v) => v.name),
      );
      assert.ok(versions.every((v) => v.served));
      assert.deepEqual(
        versions.filter((v) => v.storage).map((v) => v.name),
        ["v1beta1"],
      );
      assert.equal(crd.metadata.labels["cluster.x-k8s.io/v1beta1"], apiVersions.map((v) => v.name).join("_"));
    }
  });

  it("has a status subresource only on the non-template kinds", () => {
    const withStatus = generateCRDs()
      .filter((crd) => (crd.spec.versions as { subresources?: unknown }[]).every((v) => v.subresources))
      .map((crd) => crd.metadata.name);
    assert.deepEqual(withStatus, [
      "openstackclusters.infrastructure.cluster.x-k8s.io",
      "openstackmachines.infrastructure.cluster.x-k8s.io",
    ]);
  });

  it("points conversion at the webhook service by default and lets tests override it", () => {
    assert.deepEqual(generateCRD("OpenStackMachine").spec.conversion, {
      strategy: "Webhook",
      webhook: {
        clientConfig: {
          service: { name: "capo-webhook-service", namespace: "capo-system", path: "/convert" },
        },
        conversionReviewVersions: ["v1"],
      },
    });
    const url = "https://127.0.0.1:9443/convert";
    assert.deepEqual(
      generateCRD("OpenStackMachine", { conversion: { strategy: "Webhook", url, caBundle: "Q0E=" } }).spec
        .conversion,
      {
        strategy: "Webhook",
        webhook: { clientConfig: { url, caBundle: "Q0E=" }, conversionReviewVersions: ["v1"] },
      },
    );
    assert.deepEqual(generateCRD("OpenStackMachine", { conversion: { strategy: "None" } }).spec.conversion, {
      strategy: "None",
    });
  });
});

describe("toStructural", () => {
  it("rewrites TypeBox records, literal unions and enums into the apiserver's dialect", () => {
    const schema = Type.Object({
      labels: Type.Record(Type.String(), Type.String()),
      mode: Type.Union([Type.Literal("a"), Type.Literal("b")]),
      size: Type.Enum([1, 2]),
      fixed: Type.Literal("x"),
    });
    assert.deepEqual(toStructural(schema), {
      properties: {
        fixed: { enum: ["x"], type: "string" },
        labels: { additionalProperties: { type: "string" }, type: "object" },
        mode: { enum: ["a", "b"], type: "string" },
        size: { enum: [1, 2], type: "integer" },
      },
      required: ["labels", "mode", "size", "fixed"],
      type: "object",
    });
  });

  it("keeps only `type: object` for the root metadata", () => {
    const schema = Type.Object({ metadata: Type.Object({ name: Type.String() }) });
    assert.deepEqual(toStructural(schema).properties, { metadata: { type: "object" } });
  });

  it("rejects what the apiserver would reject", () => {
    const cases = [
      Type.Object({ x: Type.Union([Type.Object({ a: Type.String() }), Type.Object({ b: Type.String() })]) }),
      Type.Object({ x: Type.Unknown() }),
      Type.Object({ x: Type.Array(Type.Object({ a: Type.String() }), { "x-kubernetes-list-type": "set" }) }),
      Type.Object({
        x: Type.Array(Type.Object({ a: Type.Optional(Type.String()) }), {
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["a"],
        }),
      }),
      Type.Object({ x: Type.Object({}, { patternProperties: { "^a": Type.String() } }) }),
      Type.Object({ x: Type.String({ $ref: "#/defs/y" }) }),
    ];
    for (const schema of cases) assert.throws(() => toStructural(schema), /non-structural schema at \.x/);
  });
});
