// Building blocks that turn TypeBox schemas into what a Kubernetes structural schema expresses:
// list types, map types, CEL rules and string enums. Everything here produces plain JSON schema;
// src/api/crd-gen.ts normalises what TypeBox emits differently from the apiserver's dialect.
import { Type, type TArray, type TEnum, type TObject, type TProperties, type TSchema } from "typebox";

/** A CEL validation rule as the apiserver reads it from `x-kubernetes-validations`. */
export type CelRule = {
  rule: string;
  message?: string;
};

/** Extra keys we put on schemas; TypeBox passes unknown options through untouched. */
export type KubeSchemaOptions = {
  description?: string;
  default?: unknown;
  minProperties?: number;
  maxProperties?: number;
  "x-kubernetes-validations"?: CelRule[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-preserve-unknown-fields"?: boolean;
};

export function cel(rule: string, message: string): CelRule {
  return { rule, message };
}

export function object<P extends TProperties>(properties: P, options: KubeSchemaOptions = {}): TObject<P> {
  return Type.Object(properties, options);
}

/** A string restricted to a fixed set of values (rendered as `type: string, enum: [...]`). */
export function stringEnum<const V extends string[]>(
  values: readonly [...V],
  options: { description?: string; default?: V[number] } = {},
): TEnum<V> {
  return Type.Enum(values, { type: "string", ...options });
}

export type ListOptions = { maxItems?: number; description?: string };

/** `x-kubernetes-list-type: set`: unique scalars, merged by value. */
export function listSet<T extends TSchema>(items: T, options: ListOptions = {}): TArray<T> {
  return Type.Array(items, { "x-kubernetes-list-type": "set", ...options });
}

/** `x-kubernetes-list-type: atomic`: replaced as a whole on apply. */
export function listAtomic<T extends TSchema>(items: T, options: ListOptions = {}): TArray<T> {
  return Type.Array(items, { "x-kubernetes-list-type": "atomic", ...options });
}

/** `x-kubernetes-list-type: map`: objects keyed (and merged) by the given fields. */
export function listMap<T extends TSchema>(items: T, keys: string[], options: ListOptions = {}): TArray<T> {
  return Type.Array(items, {
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": keys,
    ...options,
  });
}

/** map[string]string. */
export function stringMap(options: KubeSchemaOptions = {}) {
  return Type.Record(Type.String(), Type.String(), options);
}

/** The properties of an object schema without some of them: how a newer version drops fields. */
export function omit<P extends TProperties, K extends keyof P & string>(
  properties: P,
  ...keys: K[]
): Omit<P, K> {
  const rest: TProperties = { ...properties };
  for (const key of keys) Reflect.deleteProperty(rest, key);
  return rest as Omit<P, K>;
}

/** A shared schema with a description of where it is used (for `kubectl explain`). */
export function described<T extends TSchema>(schema: T, description: string) {
  return Type.With(schema, { description });
}
