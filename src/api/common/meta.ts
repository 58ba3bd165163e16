// Kubernetes object metadata as our code sees it. The CRD schema never carries this tree (the apiserver
// owns metadata validation; a root `metadata` may only be `type: object`), so it exists for the TS types.
import { Type, type Static } from "typebox";
import { stringMap } from "./schema.ts";

export const OwnerReferenceSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  uid: Type.String(),
  controller: Type.Optional(Type.Boolean()),
  blockOwnerDeletion: Type.Optional(Type.Boolean()),
});
export type OwnerReference = Static<typeof OwnerReferenceSchema>;

export const ObjectMetaSchema = Type.Object({
  name: Type.Optional(Type.String()),
  generateName: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  creationTimestamp: Type.Optional(Type.String({ format: "date-time" })),
  deletionTimestamp: Type.Optional(Type.String({ format: "date-time" })),
  deletionGracePeriodSeconds: Type.Optional(Type.Integer()),
  labels: Type.Optional(stringMap()),
  annotations: Type.Optional(stringMap()),
  ownerReferences: Type.Optional(Type.Array(OwnerReferenceSchema)),
  finalizers: Type.Optional(Type.Array(Type.String())),
  managedFields: Type.Optional(Type.Array(Type.Unknown())),
});
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

/** Metadata of a list response. */
export const ListMetaSchema = Type.Object({
  resourceVersion: Type.Optional(Type.String()),
  continue: Type.Optional(Type.String()),
  remainingItemCount: Type.Optional(Type.Integer()),
});
export type ListMeta = Static<typeof ListMetaSchema>;
