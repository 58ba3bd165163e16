// Validating and defaulting endpoints: AdmissionReview (admission.k8s.io/v1) in and out, answered the way
// controller-runtime answers them, so `kubectl` shows the same messages as with CAPO.
import { invalidStatus, type FieldError } from "../api/common/field-errors.ts";
import type { KubeObject } from "../api/conversion/data.ts";
import { clone, deepEqual, isObject } from "../api/conversion/json.ts";
import { BadRequestError } from "./conversion.ts";

export interface ValidationResult {
  errors: FieldError[];
  warnings?: string[];
}

export interface RequestInfo {
  /** `request.dryRun`: nothing will be persisted. */
  dryRun: boolean;
}

/** What one kind's webhooks do. Objects arrive in the version the webhook serves; each call gets a copy. */
export interface KindAdmission {
  validateCreate(obj: KubeObject, request: RequestInfo): ValidationResult;
  validateUpdate(oldObj: KubeObject, newObj: KubeObject, request: RequestInfo): ValidationResult;
  /** The defaulted form of `obj`. */
  default(obj: KubeObject): KubeObject;
}

interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  name?: string;
  dryRun?: boolean;
  object?: KubeObject;
  oldObject?: KubeObject;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: {
    apiVersion?: string;
    kind?: string;
    metadata?: Record<string, never>;
    status: string;
    message?: string;
    reason?: string;
    code: number;
    details?: {
      name?: string;
      group: string;
      kind: string;
      causes: { reason: string; message: string; field: string }[];
    };
  };
  patchType?: "JSONPatch";
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: string;
  kind: "AdmissionReview";
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

function parseRequest(body: unknown): AdmissionRequest {
  if (!isObject(body) || body.kind !== "AdmissionReview" || !isObject(body.request)) {
    throw new BadRequestError("expected an AdmissionReview with a request");
  }
  const request = body.request;
  if (typeof request.uid !== "string" || !isObject(request.kind) || typeof request.operation !== "string") {
    throw new BadRequestError("AdmissionReview request needs uid, kind and operation");
  }
  return request as unknown as AdmissionRequest;
}

const escapePointer = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");

type PatchOp = { op: "add" | "replace"; path: string; value: unknown } | { op: "remove"; path: string };

/** RFC 6902 operations turning `from` into `to` (objects key by key, anything else replaced whole). */
export function jsonPatch(from: unknown, to: unknown, pointer = ""): PatchOp[] {
  if (deepEqual(from, to)) return [];
  if (!isObject(from) || !isObject(to)) return [{ op: "replace", path: pointer, value: to }];
  const ops: PatchOp[] = [];
  for (const key of Object.keys(from)) {
    if (from[key] !== undefined && to[key] === undefined)
      ops.push({ op: "remove", path: `${pointer}/${escapePointer(key)}` });
  }
  for (const key of Object.keys(to)) {
    if (to[key] === undefined) continue;
    const path = `${pointer}/${escapePointer(key)}`;
    if (from[key] === undefined) ops.push({ op: "add", path, value: to[key] });
    else ops.push(...jsonPatch(from[key], to[key], path));
  }
  return ops;
}

function objectName(request: AdmissionRequest): string {
  return request.name ?? request.object?.metadata?.name ?? request.oldObject?.metadata?.name ?? "";
}

function validate(request: AdmissionRequest, admission: KindAdmission): AdmissionResponse {
  const { uid } = request;
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return { uid, allowed: true };
  if (!request.object || (request.operation === "UPDATE" && !request.oldObject)) {
    throw new BadRequestError(`${request.operation} request without the object`);
  }
  const info = { dryRun: request.dryRun === true };
  const result =
    request.operation === "CREATE"
      ? admission.validateCreate(clone(request.object), info)
      : admission.validateUpdate(clone(request.oldObject as KubeObject), clone(request.object), info);
  const warnings = result.warnings?.length ? { warnings: result.warnings } : {};
  if (result.errors.length === 0) return { uid, allowed: true, ...warnings };
  const status = { metadata: {}, ...invalidStatus(request.kind.kind, objectName(request), result.errors) };
  return { uid, allowed: false, status, ...warnings };
}

function mutate(request: AdmissionRequest, admission: KindAdmission): AdmissionResponse {
  const { uid } = request;
  if (!request.object || (request.operation !== "CREATE" && request.operation !== "UPDATE")) {
    return { uid, allowed: true };
  }
  const defaulted = admission.default(clone(request.object));
  const ops = jsonPatch(request.object, defaulted);
  if (ops.length === 0) return { uid, allowed: true };
  return {
    uid,
    allowed: true,
    patchType: "JSONPatch",
    patch: Buffer.from(JSON.stringify(ops)).toString("base64"),
  };
}

/** Answers one AdmissionReview for a validating (`mutating: false`) or defaulting webhook. */
export function reviewAdmission(body: unknown, admission: KindAdmission, mutating: boolean): AdmissionReview {
  const request = parseRequest(body);
  const apiVersion =
    isObject(body) && typeof body.apiVersion === "string" ? body.apiVersion : "admission.k8s.io/v1";
  let response: AdmissionResponse;
  try {
    response = mutating ? mutate(request, admission) : validate(request, admission);
  } catch (error) {
    if (error instanceof BadRequestError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    response = {
      uid: request.uid,
      allowed: false,
      status: { metadata: {}, status: "Failure", message, code: 500 },
    };
  }
  return { apiVersion, kind: "AdmissionReview", response };
}
