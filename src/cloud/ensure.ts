// Find-before-create, spelled once. Every resource a reconciler creates goes through ensureOne: the ID it
// recorded in status first, else an exact-name lookup, and only then a create. More than one resource with
// the name is an error that names them all: picking one would hide a leak (CAPO #2088). The caller writes
// the returned ID into status before its next create call.
import { DuplicateResourceError, Pending } from "./errors.ts";
import { HttpError } from "../openstack/errors.ts";

export type Ensured<T> =
  | { state: "found" | "adopted" | "created"; resource: T }
  /** The recorded ID is gone and whenGone is "report": the caller decides (a server is never recreated). */
  | { state: "gone"; id: string };

export interface EnsureSpec<T extends { id: string }, P = void> {
  /** For messages: "network", "security group". */
  kind: string;
  name: string;
  recordedId?: string | undefined;
  /** By ID; undefined when it does not exist (404). */
  get(id: string): Promise<T | undefined>;
  /** Candidates by exact name (Neutron's `name=` is exact; Nova's needs exactName()). */
  listByName(name: string): Promise<T[]>;
  /**
   * What a create needs that is worth making only when there is something to create (a server's volumes and
   * user data). Runs after the name is found free, before the in-flight mark, so its Pending marks nothing.
   */
  prepare?(): Promise<P>;
  create(prepared: P): Promise<T>;
  /** A recorded ID that 404s: look up by name and create again, or report it. */
  whenGone: "recreate" | "report";
  /**
   * For creates that the cloud may still commit after their caller died (a kill -9 during Nova's POST): the
   * caller persists `mark()` before each create, and passes back when the last one began. Within `windowMs`
   * of it, a name still free means "not committed yet", not "never made", so the call waits (Pending).
   */
  inFlight?:
    | { since: number | undefined; windowMs: number; mark(): Promise<void>; clear(): Promise<void> }
    | undefined;
}

/** The service answered and refused (4xx): nothing was created, and nothing is left in flight. */
const refused = (e: unknown): boolean => e instanceof HttpError && e.status >= 400 && e.status < 500;

export async function ensureOne<T extends { id: string }, P = void>(
  e: EnsureSpec<T, P>,
): Promise<Ensured<T>> {
  if (e.recordedId) {
    const found = await e.get(e.recordedId);
    if (found) return { state: "found", resource: found };
    if (e.whenGone === "report") return { state: "gone", id: e.recordedId };
  }
  const existing = await e.listByName(e.name);
  if (existing.length > 1)
    throw new DuplicateResourceError(
      e.kind,
      e.name,
      existing.map((x) => x.id),
    );
  const [one] = existing;
  if (one) return { state: "adopted", resource: one };
  const f = e.inFlight;
  if (f?.since !== undefined && Date.now() - f.since < f.windowMs)
    throw new Pending(`an earlier create of ${e.kind} ${e.name} may still be in flight`, f.since);
  const prepared = (await e.prepare?.()) as P;
  await f?.mark();
  try {
    return { state: "created", resource: await e.create(prepared) };
  } catch (err) {
    // Else the next reconcile would wait out the window for a create Nova had already refused (a bad AZ).
    if (refused(err)) await f?.clear();
    throw err;
  }
}

/** The resource ensureOne returned, or an error for "gone" (for kinds that always recreate). */
export function resourceOf<T extends { id: string }>(r: Ensured<T>): T {
  if (r.state === "gone") throw new Error(`resource ${r.id} is gone`);
  return r.resource;
}

/**
 * Deletes what a recorded ID or the owned name points at. Returns how many were deleted; a resource already
 * gone counts as deleted. All resources with the name go: on delete, several are leaks, not a conflict.
 */
export async function deleteOwned<T extends { id: string }>(d: {
  recordedId?: string | undefined;
  name?: string | undefined;
  listByName(name: string): Promise<T[]>;
  delete(id: string): Promise<boolean>;
}): Promise<number> {
  const ids = new Set<string>();
  if (d.recordedId) ids.add(d.recordedId);
  if (d.name) for (const r of await d.listByName(d.name)) ids.add(r.id);
  let n = 0;
  for (const id of ids) if (await d.delete(id)) n++;
  return n;
}

/**
 * Every promise settled before this settles, so nothing is still creating behind the caller's back; then the
 * values in order, or the first failure.
 */
export async function settleAll<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((x) => x.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((x) => (x as PromiseFulfilledResult<T>).value);
}
