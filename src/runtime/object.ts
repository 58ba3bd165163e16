// Unstructured Kubernetes objects and the resource descriptors used to address them. Typed API structs come
// from src/api/; the runtime only needs metadata and treats spec and status as opaque.

import type { ObjectMeta } from "../api/common/meta.ts";

// One metadata type for typed API objects and unstructured ones.
export type { ObjectMeta, OwnerReference } from "../api/common/meta.ts";

export interface KubeObject<Spec = unknown, Status = unknown> {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
}

/** How to reach a kind over REST; plural is the resource name in URLs. */
export interface Resource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface ObjectKey {
  namespace: string;
  name: string;
}

export function apiVersionOf(r: Pick<Resource, "group" | "version">): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/** "ns/name" for namespaced objects, "name" for cluster-scoped ones (client-go's MetaNamespaceKeyFunc). */
export function keyOf(k: ObjectKey): string {
  return k.namespace === "" ? k.name : `${k.namespace}/${k.name}`;
}

export function objectKey(obj: KubeObject): ObjectKey {
  return { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "" };
}

export function parseKey(key: string): ObjectKey {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function labelOf(obj: KubeObject, name: string): string | undefined {
  return obj.metadata.labels?.[name];
}

export function annotationOf(obj: KubeObject, name: string): string | undefined {
  return obj.metadata.annotations?.[name];
}

/** A nested field of an unstructured value, or undefined when any step is missing or not an object. */
export function field(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const p of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** The resource path, e.g. /apis/g/v/namespaces/ns/plural/name/status. */
export function resourcePath(r: Resource, namespace?: string, name?: string, subresource?: string): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const n = name === undefined ? "" : `/${encodeURIComponent(name)}`;
  const sub = subresource ? `/${subresource}` : "";
  return `${base}${ns}/${r.plural}${n}${sub}`;
}
