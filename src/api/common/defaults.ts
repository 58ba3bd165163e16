// Schema defaulting as the apiserver does it for structural schemas, for objects that never pass through
// an apiserver (tests, conversions, objects built in code): every absent (or null) property whose schema
// has a `default` gets a copy of it, then defaulting continues into the value, list items and map values.
import type { TSchema } from "typebox";

type Node = {
  default?: unknown;
  properties?: Record<string, Node>;
  patternProperties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function defaultNode(node: Node, value: unknown): void {
  if (Array.isArray(value)) {
    if (node.items) for (const item of value) defaultNode(node.items, item);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    if ((value[name] === undefined || value[name] === null) && child.default !== undefined) {
      value[name] = structuredClone(child.default);
    }
    defaultNode(child, value[name]);
  }
  const mapValues =
    typeof node.additionalProperties === "object"
      ? node.additionalProperties
      : node.patternProperties?.["^.*$"];
  if (mapValues) for (const entry of Object.values(value)) defaultNode(mapValues, entry);
}

/** Returns a defaulted deep copy of `value`; the input is left untouched. */
export function applyDefaults<T>(schema: TSchema, value: T): T {
  const copy = structuredClone(value);
  defaultNode(schema, copy);
  return copy;
}

/** Defaults `value` in place (for admission, which patches the object it was given). */
export function applyDefaultsInPlace(schema: TSchema, value: unknown): void {
  defaultNode(schema, value);
}
