// Cluster API (core, v1beta1 contract) types embedded in our kinds, as CAPI's own CRDs define them.
import { Type, type Static } from "typebox";
import { object, stringMap } from "./schema.ts";

export const APIEndpointSchema = object(
  {
    host: Type.String({ description: "The hostname on which the API server is serving." }),
    port: Type.Integer({ format: "int32", description: "The port on which the API server is serving." }),
  },
  { description: "APIEndpoint represents a reachable Kubernetes API endpoint." },
);
export type APIEndpoint = Static<typeof APIEndpointSchema>;

// status and severity are plain strings in CAPI's CRDs; the TS type narrows them to the values CAPI writes,
// so this one Condition type serves the API, the runtime's condition helpers and the patch helper.
export type ConditionStatus = "True" | "False" | "Unknown";
export type ConditionSeverity = "Error" | "Warning" | "Info" | "";

export const ConditionSchema = object(
  {
    type: Type.String(),
    status: Type.Unsafe<ConditionStatus>(Type.String()),
    severity: Type.Optional(Type.Unsafe<ConditionSeverity>(Type.String())),
    lastTransitionTime: Type.String({ format: "date-time" }),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  { description: "Condition defines an observation of a Cluster API resource operational state." },
);
export type Condition = Static<typeof ConditionSchema>;

export const ConditionsSchema = Type.Array(ConditionSchema, {
  description: "Conditions provide observations of the operational state of a Cluster API resource.",
});
export type Conditions = Static<typeof ConditionsSchema>;

export const FailureDomainSpecSchema = object({
  controlPlane: Type.Optional(Type.Boolean()),
  attributes: Type.Optional(stringMap()),
});
export type FailureDomainSpec = Static<typeof FailureDomainSpecSchema>;

/** Map from failure-domain name to its spec. */
export const FailureDomainsSchema = Type.Record(Type.String(), FailureDomainSpecSchema, {
  description: "FailureDomains is a slice of FailureDomains.",
});
export type FailureDomains = Static<typeof FailureDomainsSchema>;
