// The envelope every kind shares: apiVersion, kind, metadata, spec and (for non-templates) status.
import { Type, type TSchema } from "typebox";
import { ListMetaSchema, ObjectMetaSchema, type ObjectMeta } from "./meta.ts";
import { object } from "./schema.ts";

const apiVersion = Type.String({
  description:
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert " +
    "recognized schemas to the latest internal value, and may reject unrecognized values.",
});
const kind = Type.String({
  description:
    "Kind is a string value representing the REST resource this object represents. Servers may infer this " +
    "from the endpoint the client submits requests to. Cannot be updated. In CamelCase.",
});

/** A kind with spec and status (both optional on the wire, as in CAPO's CRDs). */
export function rootObject<Spec extends TSchema, Status extends TSchema>(
  description: string,
  spec: Spec,
  status: Status,
) {
  return object(
    {
      apiVersion: Type.Optional(apiVersion),
      kind: Type.Optional(kind),
      metadata: Type.Optional(ObjectMetaSchema),
      spec: Type.Optional(spec),
      status: Type.Optional(status),
    },
    { description },
  );
}

/** A kind without status (the templates). */
export function rootObjectWithoutStatus<Spec extends TSchema>(description: string, spec: Spec) {
  return object(
    {
      apiVersion: Type.Optional(apiVersion),
      kind: Type.Optional(kind),
      metadata: Type.Optional(ObjectMetaSchema),
      spec: Type.Optional(spec),
    },
    { description },
  );
}

/** `spec: {template: {spec: <Spec>}}`, the shape of both template kinds in every version. */
export function templateSpec<Spec extends TSchema>(kindName: string, spec: Spec) {
  return object(
    { template: object({ spec }, { description: `${kindName}Template's template resource.` }) },
    { description: `${kindName}TemplateSpec defines the desired state of ${kindName}Template.` },
  );
}

/** `{apiVersion, kind, metadata, items}`. */
export function listObject<Item extends TSchema>(item: Item) {
  return object({
    apiVersion: Type.Optional(apiVersion),
    kind: Type.Optional(kind),
    metadata: Type.Optional(ListMetaSchema),
    items: Type.Array(item),
  });
}

/**
 * An object as the apiserver returns it: metadata is always there. The schemas keep it optional (manifests
 * and conversion inputs may lack it), so code that reads from the cache or the apiserver uses Live<T>, which
 * the runtime's patch helper, conditions and cache accept without casts.
 */
export type Live<T> = T & { metadata: ObjectMeta };
