// Cluster API v1beta1 conditions (type, status, severity, reason, message, lastTransitionTime) with CAPI's
// rules: lastTransitionTime moves only when the state changes, Ready sorts first, and a summary Ready is
// merged from the others by priority False/Error > False/Warning > False/Info > True > Unknown.
import type { Clock } from "./clock.ts";
import { realClock } from "./clock.ts";
import type { KubeObject } from "./object.ts";

import type { Condition, ConditionSeverity } from "../api/common/capi.ts";

export type { Condition, ConditionSeverity, ConditionStatus } from "../api/common/capi.ts";

export const READY = "Ready";

type WithConditions = KubeObject<unknown, { conditions?: Condition[] } | undefined>;

/** metav1.Time: RFC 3339 in UTC, truncated to the second. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function getConditions(obj: KubeObject): Condition[] {
  const status = obj.status as { conditions?: Condition[] } | undefined;
  return status?.conditions ?? [];
}

export function getCondition(obj: KubeObject, type: string): Condition | undefined {
  return getConditions(obj).find((c) => c.type === type);
}

export const isTrue = (obj: KubeObject, type: string): boolean => getCondition(obj, type)?.status === "True";
export const isFalse = (obj: KubeObject, type: string): boolean =>
  getCondition(obj, type)?.status === "False";

/** In place: a step holding obj.status (others running beside it set conditions) must not write to a copy. */
function setConditions(obj: KubeObject, conditions: Condition[]): void {
  const o = obj as WithConditions;
  o.status ??= {};
  o.status.conditions = conditions;
}

const sameState = (
  a: Omit<Condition, "lastTransitionTime">,
  b: Omit<Condition, "lastTransitionTime">,
): boolean =>
  a.status === b.status &&
  (a.reason ?? "") === (b.reason ?? "") &&
  (a.severity ?? "") === (b.severity ?? "") &&
  (a.message ?? "") === (b.message ?? "");

// Ready first, then by type.
const order = (a: Condition, b: Condition): number =>
  a.type === b.type ? 0 : a.type === READY ? -1 : b.type === READY ? 1 : a.type < b.type ? -1 : 1;

/** Sets a condition; its lastTransitionTime is kept when nothing but the time would change. */
export function setCondition(
  obj: KubeObject,
  c: Omit<Condition, "lastTransitionTime"> & { lastTransitionTime?: string },
  clock: Clock = realClock,
): void {
  const conditions = [...getConditions(obj)];
  const i = conditions.findIndex((x) => x.type === c.type);
  const existing = conditions[i];
  const next: Condition = {
    type: c.type,
    status: c.status,
    ...(c.severity ? { severity: c.severity } : {}),
    lastTransitionTime: c.lastTransitionTime ?? timestamp(clock.now()),
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
  };
  if (existing && sameState(existing, c)) return;
  if (existing) conditions[i] = next;
  else conditions.push(next);
  setConditions(obj, conditions.sort(order));
}

export function markTrue(obj: KubeObject, type: string, clock?: Clock): void {
  setCondition(obj, { type, status: "True" }, clock);
}

export function markFalse(
  obj: KubeObject,
  type: string,
  reason: string,
  severity: Exclude<ConditionSeverity, "">,
  message: string,
  clock?: Clock,
): void {
  setCondition(obj, { type, status: "False", reason, severity, message }, clock);
}

export function markUnknown(
  obj: KubeObject,
  type: string,
  reason: string,
  message: string,
  clock?: Clock,
): void {
  setCondition(obj, { type, status: "Unknown", reason, message }, clock);
}

export function deleteCondition(obj: KubeObject, type: string): void {
  const conditions = getConditions(obj);
  if (conditions.some((c) => c.type === type))
    setConditions(
      obj,
      conditions.filter((c) => c.type !== type),
    );
}

export interface SummaryOptions {
  /** The conditions that make up Ready, in priority order; all but Ready when absent. */
  conditions?: string[];
  /** Message "N of M completed" instead of the top condition's message. */
  stepCounter?: boolean;
}

function priority(c: Condition): number {
  if (c.status === "False") return { Error: 0, Warning: 1, Info: 2 }[c.severity || "Info"];
  return c.status === "True" ? 3 : 4;
}

/** The Ready condition merged from the others, or undefined when there is nothing to merge. */
export function summary(
  obj: KubeObject,
  opts: SummaryOptions = {},
): Omit<Condition, "lastTransitionTime"> | undefined {
  const types = opts.conditions;
  const inScope = getConditions(obj).filter((c) => c.type !== READY && (!types || types.includes(c.type)));
  if (inScope.length === 0) return undefined;
  const top = Math.min(...inScope.map(priority));
  const group = inScope.filter((c) => priority(c) === top);
  if (top === 3) return { type: READY, status: "True" };
  // Within the top group the caller's order decides which reason and message surface.
  const rank = (c: Condition): number => (types ? types.indexOf(c.type) : 0);
  const first = [...group].sort((a, b) => rank(a) - rank(b))[0] as Condition;
  const trueCount = inScope.filter((c) => c.status === "True").length;
  const message = opts.stepCounter
    ? `${trueCount} of ${types?.length ?? inScope.length} completed`
    : first.message;
  return top < 3
    ? { type: READY, status: "False", reason: first.reason, severity: first.severity, message }
    : { type: READY, status: "Unknown", reason: first.reason, message };
}

/** Sets Ready to the summary of the other conditions (CAPI conditions.SetSummary). */
export function setSummary(obj: KubeObject, opts: SummaryOptions = {}, clock?: Clock): void {
  const s = summary(obj, opts);
  if (s) setCondition(obj, s, clock);
}
