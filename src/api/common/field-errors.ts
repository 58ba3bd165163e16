// Field errors in the apiserver's format, so webhook rejections read like the apiserver's own:
// `spec.bastion: Forbidden: cannot be removed before disabling it`, aggregated as
// `OpenStackCluster.infrastructure.cluster.x-k8s.io "name" is invalid: [...]`.
import { Group } from "./kinds.ts";

export type FieldErrorType = "Required" | "Forbidden" | "Invalid" | "NotSupported" | "Duplicate" | "TooMany";

export interface FieldError {
  type: FieldErrorType;
  /** JSON path as the apiserver prints it: `spec.ports[0].securityGroups`. */
  field: string;
  detail: string;
  /** The offending value, for Invalid/NotSupported/Duplicate/TooMany. */
  value?: unknown;
}

const typeText: Record<FieldErrorType, string> = {
  Required: "Required value",
  Forbidden: "Forbidden",
  Invalid: "Invalid value",
  NotSupported: "Unsupported value",
  Duplicate: "Duplicate value",
  TooMany: "Too many",
};

/** The `reason` of a StatusCause, as metav1 names them. */
const causeReason: Record<FieldErrorType, string> = {
  Required: "FieldValueRequired",
  Forbidden: "FieldValueForbidden",
  Invalid: "FieldValueInvalid",
  NotSupported: "FieldValueNotSupported",
  Duplicate: "FieldValueDuplicate",
  TooMany: "FieldValueTooMany",
};

export const required = (field: string, detail: string): FieldError => ({ type: "Required", field, detail });
export const forbidden = (field: string, detail: string): FieldError => ({
  type: "Forbidden",
  field,
  detail,
});
export const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  type: "Invalid",
  field,
  value,
  detail,
});
export const notSupported = (field: string, value: unknown, supported: readonly string[]): FieldError => ({
  type: "NotSupported",
  field,
  value,
  detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
});

function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** One error, exactly as `field.Error.Error()` prints it. */
export function formatFieldError(error: FieldError): string {
  let body = typeText[error.type];
  if (error.type !== "Required" && error.type !== "Forbidden") body += `: ${renderValue(error.value)}`;
  if (error.detail !== "") body += `: ${error.detail}`;
  return `${error.field}: ${body}`;
}

/** The message of the 422 Invalid status the apiserver returns for these errors. */
export function formatInvalid(kind: string, name: string, errors: readonly FieldError[]): string {
  const list = errors.map(formatFieldError);
  const joined = list.length === 1 ? (list[0] ?? "") : `[${list.join(", ")}]`;
  return `${kind}.${Group} ${JSON.stringify(name)} is invalid: ${joined}`;
}

/** A metav1.Status for an admission response that rejects the object with these errors. */
export function invalidStatus(kind: string, name: string, errors: readonly FieldError[]) {
  return {
    apiVersion: "v1",
    kind: "Status",
    status: "Failure",
    message: formatInvalid(kind, name, errors),
    reason: "Invalid",
    details: {
      name,
      group: Group,
      kind,
      causes: errors.map((e) => ({
        reason: causeReason[e.type],
        message: formatFieldError(e).slice(e.field.length + 2),
        field: e.field,
      })),
    },
    code: 422,
  };
}
