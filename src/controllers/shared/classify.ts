// The one place that decides what an error below a step means for the object:
//  - Pending (the cloud is still working): the step's condition goes False/Info with what is awaited, and the
//    reconcile requeues after a delay that follows the cloud (waitDelay). Not an error.
//  - User-fixable (UserError, bad credentials, bad CA, quota, 4xx on something the spec names): the step's
//    condition goes False/Error with the OpenStack message and request id, a Warning event says the same, and
//    the reconcile requeues after a delay that grows with the time the error has stood (5 s → 5 min), since
//    the person may fix it. Never failureReason: CAPO's terminal errors on transient faults are #1197, #1574.
//  - Transient (5xx, 429, resets, timeouts, other 409s; the transport already retried): rethrown, so the
//    controller's rate-limited backoff retries; conditions are left as they were.
import type { Result } from "../../runtime/controller.ts";
import type { KubeObject } from "../../runtime/object.ts";
import { getCondition, markFalse } from "../../runtime/conditions.ts";
import { Pending, UserError, waitDelay } from "../../cloud/errors.ts";
import { ConfigError, EndpointError, HttpError, TLSError } from "../../openstack/errors.ts";
import type { Recorder } from "../../cloud/recorder.ts";

export type Verdict =
  | { kind: "pending"; message: string; since: number | undefined }
  | { kind: "user"; reason: string; message: string }
  | { kind: "transient" };

/** HTTP statuses a person must act on: bad request, credentials, permission, a named thing missing, quota. */
const USER_STATUSES = new Set([400, 401, 403, 404, 413]);

export function classify(e: unknown): Verdict {
  if (e instanceof Pending) return { kind: "pending", message: e.message, since: e.since };
  if (e instanceof UserError) return { kind: "user", reason: e.reason, message: e.message };
  if (e instanceof TLSError || e instanceof ConfigError || e instanceof EndpointError)
    return { kind: "user", reason: "OpenStackError", message: e.message };
  if (e instanceof HttpError) {
    const quota = e.status === 409 && /quota/i.test(e.openstackMessage);
    if (USER_STATUSES.has(e.status) || quota)
      return { kind: "user", reason: "OpenStackError", message: e.message };
  }
  return { kind: "transient" };
}

/** 5 s at first, then half the time the error has stood, at most 5 minutes. */
export function userErrorDelay(since: number | undefined, now = Date.now()): number {
  if (since === undefined) return 5000;
  return Math.min(300_000, Math.max(5000, Math.round((now - since) / 2)));
}

export interface StepFailure {
  obj: KubeObject;
  record: Recorder;
  /** The condition this step owns (NetworkReady, APIEndpointReady, ...). */
  condition: string;
  /** CAPO's reason for a failure of this step (NetworkCreateFailed, ...). */
  failedReason: string;
  /** Reason while waiting on the cloud. */
  waitingReason?: string;
}

const waits = new WeakSet<Result>();

/** True for the requeue of a step that waits on the cloud (not for a user error's, nor none). */
export const isWait = (r: Result | undefined): boolean => r !== undefined && waits.has(r);

/** Applies the verdict to the step's condition; returns the requeue, or rethrows a transient error. */
export function handleStepError(f: StepFailure, e: unknown): Result {
  const v = classify(e);
  if (v.kind === "transient") throw e;
  if (v.kind === "pending") {
    markFalse(f.obj, f.condition, f.waitingReason ?? "Waiting", "Info", v.message);
    const wait = { requeueAfter: waitDelay(v.since) };
    waits.add(wait);
    return wait;
  }
  const reason =
    v.reason === "OpenStackError" || v.reason === "DuplicateResource" ? f.failedReason : v.reason;
  const previous = getCondition(f.obj, f.condition);
  const since =
    previous?.status === "False" && previous.severity === "Error"
      ? Date.parse(previous.lastTransitionTime)
      : undefined;
  markFalse(f.obj, f.condition, reason, "Error", v.message);
  f.record("Warning", reason, v.message);
  return { requeueAfter: userErrorDelay(since) };
}
