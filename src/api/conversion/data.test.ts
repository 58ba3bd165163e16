// The conversion-data mechanism on a toy pair of versions that lose information in both directions:
// the hub has tag lists and a field the spoke lacks, the spoke has comma-joined tags and a field the hub lacks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createConverter, type KindConversion, type SpokeConversions } from "./convert.ts";
import { DataAnnotation, readStashes, type KubeObject } from "./data.ts";
import { isObject, type JsonObject } from "./json.ts";

const G = "infrastructure.cluster.x-k8s.io";
const kind = "OpenStackMachine";

const specOf = (content: JsonObject): JsonObject => (isObject(content.spec) ? content.spec : {});

/** Spoke: {name: string, tags: "a,b", legacy?}; hub: {name?, tags?: string[], extra?}. */
const toy: KindConversion = {
  toHub: (content) => {
    const spec = specOf(content);
    if (spec.name === "boom") throw new Error("cannot convert");
    const tags = (typeof spec.tags === "string" ? spec.tags : "").split(",").filter((t) => t !== "");
    return {
      spec: {
        ...(spec.name ? { name: spec.name } : {}),
        ...(tags.length > 0 ? { tags } : {}),
      },
    };
  },
  fromHub: (content) => {
    const spec = specOf(content);
    const tags = Array.isArray(spec.tags) ? (spec.tags as string[]) : [];
    return { spec: { name: spec.name ?? "", tags: tags.join(",") } };
  },
};
const spokes = (...versions: string[]) =>
  Object.fromEntries(versions.map((v) => [v, { [kind]: toy } as unknown as SpokeConversions]));
const converter = createConverter(spokes("v1alpha1", "v1alpha2"));

const word = fc.stringMatching(/^[a-c,]{0,5}$/);
const spokeSpec = fc.record(
  { name: fc.constantFrom("", "x", "y"), tags: word, legacy: fc.constantFrom("l1", "l2") },
  { requiredKeys: ["name", "tags"], noNullPrototype: true },
);
const hubSpec = fc.record(
  {
    name: fc.constantFrom("x", "y", ""),
    tags: fc.array(fc.stringMatching(/^[a-c,]{0,3}$/), { maxLength: 3 }),
    extra: fc.constantFrom("e1", "e2"),
  },
  { requiredKeys: [], noNullPrototype: true },
);
const obj = (version: string, spec: JsonObject, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: `${G}/${version}`,
  kind,
  metadata: { name: "m", namespace: "ns", ...(annotations ? { annotations } : {}) },
  spec,
});
const withoutData = (o: KubeObject): KubeObject => {
  const { [DataAnnotation]: _data, ...annotations } = o.metadata?.annotations ?? {};
  const { annotations: _, ...metadata } = o.metadata ?? {};
  return { ...o, metadata: Object.keys(annotations).length > 0 ? { ...metadata, annotations } : metadata };
};
const hubVersion = (o: KubeObject, spec: JsonObject): KubeObject => ({ ...o, spec });

describe("conversion-data annotation", () => {
  it("spoke→hub→spoke is the identity, annotation dropped", () => {
    fc.assert(
      fc.property(spokeSpec, (spec) => {
        const spoke = obj("v1alpha1", spec);
        const back = converter.convert(converter.convert(spoke, `${G}/v1beta1`), `${G}/v1alpha1`);
        assert.deepEqual(back, spoke);
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it("hub→spoke→hub is the identity, annotation dropped", () => {
    fc.assert(
      fc.property(hubSpec, (spec) => {
        const hub = obj("v1beta1", spec);
        const back = converter.convert(converter.convert(hub, `${G}/v1alpha1`), `${G}/v1beta1`);
        assert.deepEqual(back, hub);
      }),
      { seed: 2, numRuns: 500 },
    );
  });

  it("spoke→hub→spoke→hub survives any edit of the hub in between", () => {
    fc.assert(
      fc.property(spokeSpec, hubSpec, (spec, edit) => {
        const hub = converter.convert(obj("v1alpha1", spec), `${G}/v1beta1`);
        const edited = hubVersion(hub, edit);
        const back = converter.convert(converter.convert(edited, `${G}/v1alpha1`), `${G}/v1beta1`);
        assert.deepEqual(withoutData(back), withoutData(edited));
      }),
      { seed: 3, numRuns: 1000 },
    );
  });

  it("hub→spoke→hub→spoke survives any edit of the spoke in between", () => {
    fc.assert(
      fc.property(hubSpec, spokeSpec, (spec, edit) => {
        const spoke = converter.convert(obj("v1beta1", spec), `${G}/v1alpha1`);
        const edited = hubVersion(spoke, edit);
        const back = converter.convert(converter.convert(edited, `${G}/v1beta1`), `${G}/v1alpha1`);
        assert.deepEqual(withoutData(back), withoutData(edited));
      }),
      { seed: 4, numRuns: 1000 },
    );
  });

  it("keeps each version's stash across a trip through another spoke", () => {
    fc.assert(
      fc.property(spokeSpec, (spec) => {
        const a = obj("v1alpha1", spec);
        const b = converter.convert(a, `${G}/v1alpha2`);
        assert.deepEqual(converter.convert(b, `${G}/v1alpha1`), a);
      }),
      { seed: 5, numRuns: 500 },
    );
  });

  it("stashes the source object as JSON of its own version", () => {
    const spoke = obj("v1alpha1", { name: "x", tags: "a,,b", legacy: "l1" });
    const hub = converter.convert(spoke, `${G}/v1beta1`);
    assert.deepEqual(hub.spec, { name: "x", tags: ["a", "b"] });
    const raw = hub.metadata?.annotations?.[DataAnnotation] ?? "";
    assert.deepEqual(JSON.parse(raw), {
      apiVersion: `${G}/v1alpha1`,
      kind,
      spec: { name: "x", tags: "a,,b", legacy: "l1" },
    });
  });

  it("writes no annotation when nothing is lost", () => {
    const hub = converter.convert(obj("v1alpha1", { name: "x", tags: "a,b" }), `${G}/v1beta1`);
    assert.equal(hub.metadata?.annotations, undefined);
  });

  it("does not restore over an edit of the same field", () => {
    const hub = converter.convert(obj("v1alpha1", { name: "x", tags: "a,,b" }), `${G}/v1beta1`);
    const edited = hubVersion(hub, { name: "x", tags: ["c"] });
    assert.deepEqual(converter.convert(edited, `${G}/v1alpha1`).spec, { name: "x", tags: "c" });
  });

  it("treats unreadable or foreign annotations as absent", () => {
    for (const value of ["", "{", "null", "[]", '{"spec":{"h":"q0dyd1PsIg4="}}', '{"apiVersion":1}']) {
      const hub = obj("v1beta1", { name: "x", tags: ["a"] }, { [DataAnnotation]: value, other: "kept" });
      const spoke = converter.convert(hub, `${G}/v1alpha1`);
      assert.deepEqual(spoke.spec, { name: "x", tags: "a" });
      assert.deepEqual(spoke.metadata?.annotations, { other: "kept" });
    }
  });

  it("survives a stash whose content the converters cannot digest", () => {
    const bad = JSON.stringify({ apiVersion: `${G}/v1alpha1`, kind, spec: { name: "boom", tags: "a,,b" } });
    const hub = obj("v1beta1", { name: "x" }, { [DataAnnotation]: bad });
    assert.deepEqual(converter.convert(hub, `${G}/v1alpha1`).spec, { name: "x", tags: "" });
  });

  it("reads nested stashes outermost first", () => {
    const inner = JSON.stringify({ apiVersion: "a/v2", kind, spec: { b: 1 } });
    const outer = JSON.stringify({
      apiVersion: "a/v1",
      kind,
      spec: {},
      metadata: { annotations: { [DataAnnotation]: inner } },
    });
    assert.deepEqual(
      readStashes(outer).map((s) => s.apiVersion),
      ["a/v1", "a/v2"],
    );
  });

  it("rejects unknown groups, versions and kinds", () => {
    assert.throws(() => converter.convert(obj("v1alpha1", {}), `${G}/v9`), /unsupported version/);
    assert.throws(() => converter.convert({ ...obj("v1alpha1", {}), kind: "Pod" }, `${G}/v1beta1`), /kind/);
    assert.throws(() => converter.convert(obj("v1alpha1", {}), "apps/v1"), /apiVersion/);
  });

  it("converts lists item by item", () => {
    const list: KubeObject = {
      apiVersion: `${G}/v1alpha1`,
      kind: `${kind}List`,
      items: [obj("v1alpha1", { name: "x", tags: "a" })],
    };
    const hub = converter.convert(list, `${G}/v1beta1`);
    assert.equal(hub.apiVersion, `${G}/v1beta1`);
    assert.deepEqual((hub.items as KubeObject[])[0]?.spec, { name: "x", tags: ["a"] });
  });
});
