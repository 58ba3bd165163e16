// Turns a TypeBox schema into a Kubernetes structural schema (apiextensions.k8s.io/v1 JSONSchemaProps).
//
// This is the one place that knows where TypeBox's JSON Schema and the apiserver's dialect differ:
//  - Type.Record emits `patternProperties: {"^.*$": X}`; the apiserver only knows `additionalProperties: X`.
//  - Type.Literal emits `const`, a union of literals `anyOf: [{const}, ...]`; the apiserver wants `enum`.
//  - Type.Enum emits `enum` without `type`; structural schemas need a type on every node.
//  - an empty `required: []` and `additionalProperties: false` are noise or rejected next to `properties`.
// Anything else the apiserver would reject (unknown keywords, `$ref`, untyped nodes, properties together
// with additionalProperties, non-scalar `set` items, `map` keys that are neither required nor defaulted)
// throws here with the schema path, so a bad schema fails `npm run crds` instead of `kubectl apply`.

export type JSONSchemaProps = { [key: string]: unknown };

const passThroughKeys = new Set([
  "type",
  "format",
  "description",
  "default",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "nullable",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-embedded-resource",
]);

/** Keys TypeBox may emit that carry nothing for a CRD. */
const droppedKeys = new Set(["$id", "$schema", "title", "examples"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string): never {
  throw new Error(`non-structural schema at ${path || "<root>"}: ${message}`);
}

function scalarType(value: unknown, path: string): string {
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "number":
      return Number.isInteger(value) ? "integer" : "number";
    default:
      return fail(path, `enum/const value ${JSON.stringify(value)} is not a scalar`);
  }
}

/** `anyOf: [{const: a}, {const: b}]` (a union of literals) becomes `enum: [a, b]`. */
function literalUnion(anyOf: unknown, path: string): unknown[] {
  if (!Array.isArray(anyOf) || !anyOf.every((s) => isRecord(s) && "const" in s)) {
    return fail(path, "anyOf is only supported as a union of literals");
  }
  return anyOf.map((s) => (s as { const: unknown }).const);
}

function enumType(values: unknown[], path: string): string {
  const types = new Set(values.map((v) => scalarType(v, path)));
  if (types.size !== 1) fail(path, "enum values of mixed types");
  return [...types][0] as string;
}

function convertNode(input: Record<string, unknown>, path: string): JSONSchemaProps {
  const out: JSONSchemaProps = {};
  for (const [key, value] of Object.entries(input)) {
    if (droppedKeys.has(key)) continue;
    switch (key) {
      case "properties": {
        if (!isRecord(value)) fail(path, "properties is not an object");
        const props: JSONSchemaProps = {};
        for (const name of Object.keys(value).sort()) {
          props[name] = convertNode(value[name] as Record<string, unknown>, `${path}.${name}`);
        }
        out.properties = props;
        break;
      }
      case "patternProperties": {
        if (!isRecord(value) || Object.keys(value).length !== 1 || !("^.*$" in value)) {
          fail(path, "patternProperties other than a Type.Record of string keys");
        }
        out.additionalProperties = convertNode(value["^.*$"] as Record<string, unknown>, `${path}[*]`);
        break;
      }
      case "additionalProperties":
        if (value === false) break;
        if (!isRecord(value)) fail(path, "additionalProperties must be a schema");
        out.additionalProperties = convertNode(value, `${path}[*]`);
        break;
      case "items":
        if (!isRecord(value)) fail(path, "tuple items are not supported");
        out.items = convertNode(value, `${path}[]`);
        break;
      case "required":
        if (!Array.isArray(value)) fail(path, "required is not a list");
        if (value.length > 0) out.required = [...(value as string[])];
        break;
      case "const":
        out.enum = [value];
        break;
      case "anyOf":
        out.enum = literalUnion(value, path);
        break;
      default:
        if (!passThroughKeys.has(key)) fail(path, `keyword ${JSON.stringify(key)} is not allowed in a CRD`);
        out[key] = value;
    }
  }
  if (Array.isArray(out.enum) && out.type === undefined) out.type = enumType(out.enum, path);
  checkNode(out, path);
  return sortKeys(out);
}

function checkNode(node: JSONSchemaProps, path: string): void {
  const untyped =
    node["x-kubernetes-int-or-string"] === true || node["x-kubernetes-preserve-unknown-fields"] === true;
  if (node.type === undefined && !untyped) fail(path, "every node needs a type");
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    fail(path, "properties and additionalProperties are mutually exclusive");
  }
  if (node.type === "array" && node.items === undefined) fail(path, "arrays need items");
  const listType = node["x-kubernetes-list-type"];
  const items = node.items as JSONSchemaProps | undefined;
  if (
    listType === "set" &&
    items &&
    items.type !== "string" &&
    items.type !== "integer" &&
    items.type !== "number"
  ) {
    fail(path, "x-kubernetes-list-type=set needs scalar items");
  }
  if (listType === "map") {
    const keys = node["x-kubernetes-list-map-keys"];
    if (!Array.isArray(keys) || keys.length === 0)
      fail(path, "x-kubernetes-list-type=map needs list-map-keys");
    const required = (items?.required as string[] | undefined) ?? [];
    const props = (items?.properties as Record<string, JSONSchemaProps> | undefined) ?? {};
    for (const key of keys as string[]) {
      if (!required.includes(key) && props[key]?.default === undefined) {
        fail(path, `list-map key ${key} must be required or defaulted`);
      }
    }
  }
}

function sortKeys(node: JSONSchemaProps): JSONSchemaProps {
  const sorted: JSONSchemaProps = {};
  for (const key of Object.keys(node).sort()) sorted[key] = node[key];
  return sorted;
}

/**
 * The structural schema of a kind's root object. The root `metadata` may only be `type: object` (the
 * apiserver validates metadata itself), so the detailed ObjectMeta tree used for TS types is dropped.
 */
export function toStructural(schema: unknown): JSONSchemaProps {
  // JSON round trip: drops TypeBox's non-enumerable markers and any undefined-valued options.
  const plain = JSON.parse(JSON.stringify(schema)) as unknown;
  if (!isRecord(plain)) fail("", "schema is not an object");
  const properties = plain.properties;
  if (isRecord(properties) && "metadata" in properties) {
    plain.properties = { ...properties, metadata: { type: "object" } };
  }
  return convertNode(plain, "");
}
