// Kubernetes core/v1 types embedded in our kinds.
import { Type, type Static } from "typebox";
import { object } from "./schema.ts";

export const NodeAddressSchema = object(
  {
    type: Type.String({ description: "Node address type, one of Hostname, ExternalIP or InternalIP." }),
    address: Type.String({ description: "The node address." }),
  },
  { description: "NodeAddress contains information for the node's address." },
);
export type NodeAddress = Static<typeof NodeAddressSchema>;

export const TypedLocalObjectReferenceSchema = object(
  {
    apiGroup: Type.Optional(Type.String()),
    kind: Type.String(),
    name: Type.String(),
  },
  { "x-kubernetes-map-type": "atomic" },
);
export type TypedLocalObjectReference = Static<typeof TypedLocalObjectReferenceSchema>;
