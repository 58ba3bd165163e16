// fast-check arbitraries built from our TypeBox (JSON) schemas, so property tests cover every field of every
// version without a hand-written generator per type. Values respect what the apiserver enforces: required
// fields, enums, formats, patterns, bounds, min/maxProperties (so each *Param is exactly one of id or
// filter), unique set/map lists, and the CEL rules our schemas carry.
//
// Strings and numbers come from small pools on purpose: collisions, empty strings, commas (the alphas'
// tag separators) and zeros are where conversions lose information.
import fc from "fast-check";
import type { TSchema } from "typebox";

interface Node {
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minProperties?: number;
  maxProperties?: number;
  maxItems?: number;
  properties?: Record<string, Node>;
  required?: string[];
  patternProperties?: Record<string, Node>;
  items?: Node;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: { rule: string }[];
}

type Value = Record<string, unknown>;

const word = fc.constantFrom("", "a", "b", "ab", "a,b", ",a", "a b", "x-1");
const nonEmptyWord = fc.constantFrom("a", "b", "ab", "x-1", "zone");
const key = fc.constantFrom("a", "b", "c");

function stringArbitrary(node: Node): fc.Arbitrary<string> {
  if (node.format === "uuid") {
    return fc.constantFrom(
      "f23bf9c1-8c66-4383-b474-ada1d1960149",
      "4ea83db6-2760-41a9-b25a-e625a1161ed0",
      "0ddd14d9-5c33-4734-b7d0-ac4fdf35c2d9",
    );
  }
  if (node.format === "ipv4") return fc.constantFrom("1.2.3.4", "203.0.113.10");
  if (node.format === "date-time") return fc.constantFrom("2026-11-25T08:00:00Z", "2024-02-21T10:11:12Z");
  const min = node.minLength ?? 0;
  const max = node.maxLength ?? Infinity;
  let pool: fc.Arbitrary<string> = min > 0 ? nonEmptyWord : word;
  if (node.pattern !== undefined) {
    const pattern = new RegExp(node.pattern);
    pool = fc.oneof(
      word.filter((s) => pattern.test(s)),
      nonEmptyWord.filter((s) => pattern.test(s)),
    );
  }
  // Now and then a value longer than Nova's 255-character limit, which v1beta1 enforces on metadata.
  const long = fc.constant("m".repeat(300));
  return (
    max === Infinity ? fc.oneof({ arbitrary: pool, weight: 20 }, { arbitrary: long, weight: 1 }) : pool
  ).filter((s) => s.length >= min && s.length <= max);
}

function integerArbitrary(node: Node): fc.Arbitrary<number> {
  const min = node.minimum ?? -1;
  const max = node.maximum ?? 500;
  return fc.oneof(
    fc.constantFrom(...[0, 1, 179, 443].filter((n) => n >= min && n <= max)),
    fc.integer({ min, max }),
  );
}

function arrayArbitrary(node: Node): fc.Arbitrary<unknown[]> {
  const items = arbitrary(node.items ?? {});
  const maxLength = Math.min(node.maxItems ?? 3, 3);
  const listType = node["x-kubernetes-list-type"];
  if (listType === "set") return fc.uniqueArray(items, { maxLength, selector: (v) => JSON.stringify(v) });
  if (listType === "map") {
    const keys = node["x-kubernetes-list-map-keys"] ?? [];
    return fc.uniqueArray(items, {
      maxLength,
      selector: (v) => JSON.stringify(keys.map((k) => (v as Value)[k])),
    });
  }
  return fc.array(items, { maxLength });
}

function recordArbitrary(node: Node): fc.Arbitrary<Value> {
  if (node.patternProperties) {
    const values = arbitrary(Object.values(node.patternProperties)[0] ?? {});
    return fc.dictionary(key, values, { maxKeys: 2, noNullPrototype: true });
  }
  const properties = node.properties ?? {};
  const required = node.required ?? [];
  const optional = Object.keys(properties).filter((k) => !required.includes(k));
  const model = Object.fromEntries(Object.entries(properties).map(([k, child]) => [k, arbitrary(child)]));
  const record = fc.record(model, { requiredKeys: required, noNullPrototype: true });
  const min = node.minProperties ?? 0;
  const max = node.maxProperties ?? Infinity;
  if (max < optional.length && max <= 2) {
    // Exactly-one-of objects (the *Param types): pick the keys rather than hoping the record fits.
    return fc.subarray(optional, { minLength: Math.max(min, 0), maxLength: max }).chain((keys) =>
      fc.record(Object.fromEntries(keys.map((k) => [k, model[k] ?? fc.constant(undefined)])), {
        noNullPrototype: true,
      }),
    );
  }
  return record.filter((value) => {
    const count = Object.keys(value).length;
    return count >= min && count <= max;
  });
}

/** The CEL rules of our schemas, applied as repairs of a generated value. */
function repairCel(node: Node, value: Value): Value {
  for (const { rule } of node["x-kubernetes-validations"] ?? []) {
    if (rule.includes("self.from == 'Name' ? has(self.name)")) {
      const byName = value.from === undefined || value.from === "Name";
      if (byName && value.name === undefined) value.name = "zone";
      if (!byName) delete value.name;
    } else if (rule === "!self.enabled || has(self.spec)") {
      if (value.spec === undefined) value.enabled = false;
    } else if (rule.includes("disableExternalNetwork")) {
      if (value.disableExternalNetwork === true) {
        value.disableAPIServerFloatingIP = true;
        const bastion = value.bastion as Value | undefined;
        if (bastion) delete bastion.floatingIP;
      }
    }
  }
  return value;
}

export function arbitrary(schema: TSchema | Node): fc.Arbitrary<unknown> {
  const node = schema as Node;
  if (node.enum) return fc.constantFrom(...node.enum);
  switch (node.type) {
    case "string":
      return stringArbitrary(node);
    case "integer":
    case "number":
      return integerArbitrary(node);
    case "boolean":
      return fc.boolean();
    case "array":
      return arrayArbitrary(node);
    case "object":
      return recordArbitrary(node).map((value) => repairCel(node, value));
    default:
      return fc.constant({});
  }
}

/** A whole object of one kind and version: fixed metadata, spec/status from the kind's root schema. */
export function kubeObjectArbitrary(
  rootSchema: TSchema,
  apiVersion: string,
  kind: string,
): fc.Arbitrary<{ apiVersion: string; kind: string; metadata: Value } & Value> {
  const root = rootSchema as Node;
  const parts = Object.fromEntries(
    ["spec", "status"]
      .filter((k) => root.properties?.[k] !== undefined)
      .map((k) => [k, arbitrary(root.properties?.[k] ?? {})]),
  );
  return fc.record(parts, { requiredKeys: [], noNullPrototype: true }).map((body) => ({
    apiVersion,
    kind,
    metadata: { name: "generated", namespace: "ns", annotations: { "example.com/kept": "yes" } },
    ...body,
  }));
}
