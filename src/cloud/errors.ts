// What can go wrong below the reconcilers, sorted by what the reconciler must do about it. The one place that
// maps these to conditions, events and requeues is src/controllers/shared/classify.ts.
//  - UserError: only a person can fix it (a filter matching none or several, a missing image, a name clash).
//    Condition False + Warning event; retried with backoff, since the person may fix it.
//  - Pending: the cloud is still working (LB PENDING_*, server BUILD, volume creating). Not an error; the
//    reconcile ends with a requeue that follows the cloud (see waitDelay), and no worker waits.
//  - Anything else from src/openstack is classified there by status (5xx, 429 and lost connections are
//    transient; quota and 4xx are the user's).

/** A problem a person must fix; `reason` is the condition reason CAPO uses for it. */
export class UserError extends Error {
  override name = "UserError";
  readonly reason: string;

  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** Find-before-create met more than one resource with the name it owns: never pick one, say which. */
export class DuplicateResourceError extends UserError {
  override name = "DuplicateResourceError";

  constructor(kind: string, name: string, ids: string[]) {
    super("DuplicateResource", `found ${ids.length} ${kind}s named ${name}: ${ids.join(", ")}`);
  }
}

/** A param's filter matched nothing, or more than one resource where exactly one is wanted. */
export class FilterError extends UserError {
  override name = "FilterError";
  readonly matches: string[];

  constructor(
    kind: string,
    filter: unknown,
    matches: { id: string; name?: string }[],
    reason = "OpenStackError",
  ) {
    const f = JSON.stringify(filter);
    super(
      reason,
      matches.length === 0
        ? `${kind} filter ${f} matched no resources`
        : `${kind} filter ${f} matched more than one resource: ${matches.map(describe).join(", ")}`,
    );
    this.matches = matches.map((m) => m.id);
  }
}

const describe = (m: { id: string; name?: string }): string => (m.name ? `${m.name} (${m.id})` : m.id);

/** The cloud has not finished; reconcile again later. `since` is when the wait began (ms epoch), if known. */
export class Pending extends Error {
  override name = "Pending";
  readonly since: number | undefined;

  constructor(what: string, since?: number) {
    super(what);
    this.since = since;
  }
}

/**
 * How long to wait before looking again at something the cloud is still doing: a quarter of the time it has
 * taken so far, between 1 s and 15 s. Most things finish within seconds, so the first looks come fast; a slow
 * one is not polled harder than it deserves. Stateless, so a restarted manager resumes the same pace.
 */
export function waitDelay(since: number | undefined, now = Date.now()): number {
  if (since === undefined || !Number.isFinite(since)) return 1000;
  return Math.min(15_000, Math.max(1000, Math.round((now - since) / 4)));
}

/** OpenStack timestamps (`2026-12-01T09:10:11`, with or without Z or fraction) as ms epoch. */
export function parseOpenStackTime(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(ts) ? ts : `${ts}Z`);
  return Number.isNaN(t) ? undefined : t;
}
