// The patch helper: snapshot an object, let the reconciler change it, then send only what changed. Status
// goes through the status subresource; metadata and spec through the object; finalizers and conditions,
// being lists that other writers also edit, are rebased on the latest object when a write conflicts, so a
// concurrent change is never lost.
import type { Clock } from "./clock.ts";
import { realClock, sleep } from "./clock.ts";
import type { Condition } from "./conditions.ts";
import { getConditions } from "./conditions.ts";
import type { KubeClient } from "./kube.ts";
import { isConflict, isNotFound } from "./kube.ts";
import type { KubeObject, Resource } from "./object.ts";
import { deepEqual } from "./predicates.ts";

type Json = unknown;
const isPlainObject = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** RFC 7386 merge patch turning `before` into `after`; undefined when they are equal. */
export function mergePatch(before: Json, after: Json): Json {
  if (deepEqual(before, after)) return undefined;
  if (!isPlainObject(before) || !isPlainObject(after)) return after === undefined ? null : after;
  const patch: Record<string, Json> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = mergePatch(before[k], after[k]);
    if (d !== undefined) patch[k] = d;
  }
  return patch;
}

export function hasFinalizer(obj: KubeObject, f: string): boolean {
  return obj.metadata.finalizers?.includes(f) ?? false;
}

/** Adds f; true if it was missing. */
export function addFinalizer(obj: KubeObject, f: string): boolean {
  if (hasFinalizer(obj, f)) return false;
  obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), f];
  return true;
}

/** Removes f; true if it was present. */
export function removeFinalizer(obj: KubeObject, f: string): boolean {
  if (!hasFinalizer(obj, f)) return false;
  obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((x) => x !== f);
  return true;
}

/** Server-owned metadata that a reconciler never sets. */
const SERVER_FIELDS = ["resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"] as const;

function specAndMetadata(obj: KubeObject): Json {
  const { status: _status, metadata, ...rest } = obj;
  const skip = new Set<string>([...SERVER_FIELDS, "finalizers", "deletionTimestamp"]);
  const meta = Object.fromEntries(Object.entries(metadata).filter(([k]) => !skip.has(k)));
  return { ...rest, metadata: meta };
}

function withoutConditions(status: unknown): Json {
  if (!isPlainObject(status)) return status;
  const { conditions: _c, ...rest } = status;
  return rest;
}

/** Replays the condition changes between before and after onto latest (exported for tests). */
export function rebaseConditions(latest: Condition[], before: Condition[], after: Condition[]): Condition[] {
  const result = new Map(latest.map((c) => [c.type, c]));
  for (const type of new Set([...before, ...after].map((c) => c.type))) {
    const b = before.find((c) => c.type === type);
    const a = after.find((c) => c.type === type);
    if (deepEqual(a, b)) continue;
    if (a) result.set(type, a);
    else result.delete(type);
  }
  const order = new Map(after.map((c, i) => [c.type, i]));
  return [...result.values()].sort((x, y) => (order.get(x.type) ?? 1e9) - (order.get(y.type) ?? 1e9));
}

export function rebaseFinalizers(latest: string[], before: string[], after: string[]): string[] {
  const removed = new Set(before.filter((f) => !after.includes(f)));
  const kept = latest.filter((f) => !removed.has(f));
  return [...kept, ...after.filter((f) => !kept.includes(f) && !before.includes(f))];
}

const MAX_CONFLICT_RETRIES = 8;

export class PatchHelper<T extends KubeObject> {
  readonly #client: KubeClient;
  readonly #resource: Resource;
  readonly #clock: Clock;
  #before: T;
  #queue: Promise<void> = Promise.resolve();

  constructor(client: KubeClient, resource: Resource, obj: T, clock: Clock = realClock) {
    this.#client = client;
    this.#resource = resource;
    this.#clock = clock;
    this.#before = structuredClone(obj);
  }

  /**
   * Writes obj's changes since the snapshot (or the last patch): status first, then metadata and spec, then
   * finalizers, so that removing the last finalizer (which lets the object go) comes last. Updates obj's
   * resourceVersion and takes a new snapshot. Calls made at once (steps run side by side) go one after the
   * other, each sending what it sees when its turn comes; a change made while one is in flight is sent by the
   * next, never folded unsent into the snapshot.
   */
  patch(obj: T): Promise<void> {
    const turn = this.#queue.then(() => this.#patchNow(obj));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #patchNow(obj: T): Promise<void> {
    const now = structuredClone(obj);
    const ns = now.metadata.namespace ?? "";
    const name = now.metadata.name ?? "";
    let rv = now.metadata.resourceVersion;
    const deleting = now.metadata.deletionTimestamp !== undefined;
    try {
      rv = (await this.#patchStatus(ns, name, now)) ?? rv;
    } catch (e) {
      // Status of an object that is already gone (deleted, last finalizer removed elsewhere) is moot.
      if (!(isNotFound(e) && deleting)) throw e;
    }
    const specPatch = mergePatch(specAndMetadata(this.#before), specAndMetadata(now));
    if (specPatch !== undefined)
      rv = (await this.#send(ns, name, specPatch, undefined)).metadata.resourceVersion;
    try {
      const finalizers = await this.#patchFinalizers(ns, name, now);
      if (finalizers) {
        rv = finalizers.resourceVersion;
        now.metadata.finalizers = obj.metadata.finalizers = finalizers.list;
      }
    } catch (e) {
      // Removing finalizers from an object that is already gone has nothing left to do.
      if (!(isNotFound(e) && deleting)) throw e;
    }
    if (rv) now.metadata.resourceVersion = obj.metadata.resourceVersion = rv;
    this.#before = now;
  }

  #send(ns: string, name: string, body: Json, subresource: string | undefined): Promise<T> {
    return this.#client.patch<T>(this.#resource, ns, name, body, { type: "merge", subresource });
  }

  async #retryOnConflict(
    attempt: (rv: string | undefined, fresh: T | undefined) => Promise<T>,
    rv: string | undefined,
  ): Promise<T> {
    let fresh: T | undefined;
    for (let i = 0; ; i++) {
      try {
        return await attempt(fresh?.metadata.resourceVersion ?? rv, fresh);
      } catch (e) {
        if (!isConflict(e) || i >= MAX_CONFLICT_RETRIES) throw e;
        await sleep(this.#clock, 10 * 2 ** i * (1 + Math.random()));
        const before = this.#before;
        fresh = await this.#client.get<T>(
          this.#resource,
          before.metadata.namespace ?? "",
          before.metadata.name ?? "",
        );
      }
    }
  }

  async #patchStatus(ns: string, name: string, obj: T): Promise<string | undefined> {
    const before = this.#before;
    const rest = mergePatch(withoutConditions(before.status), withoutConditions(obj.status));
    const beforeConds = getConditions(before);
    const afterConds = getConditions(obj);
    const conditionsChanged = !deepEqual(beforeConds, afterConds);
    if (rest === undefined && !conditionsChanged) return undefined;
    if (!conditionsChanged)
      return (await this.#send(ns, name, { status: rest }, "status")).metadata.resourceVersion;
    // Conditions are one list: lock on resourceVersion and, on conflict, replay our changes onto theirs.
    const res = await this.#retryOnConflict((rv, fresh) => {
      const conditions = fresh ? rebaseConditions(getConditions(fresh), beforeConds, afterConds) : afterConds;
      const status = { ...(isPlainObject(rest) ? rest : {}), conditions };
      return this.#send(ns, name, { metadata: { resourceVersion: rv }, status }, "status");
    }, obj.metadata.resourceVersion);
    return res.metadata.resourceVersion;
  }

  async #patchFinalizers(
    ns: string,
    name: string,
    obj: T,
  ): Promise<{ list: string[]; resourceVersion: string | undefined } | undefined> {
    const before = this.#before.metadata.finalizers ?? [];
    const after = obj.metadata.finalizers ?? [];
    if (deepEqual(before, after)) return undefined;
    const res = await this.#retryOnConflict(async (rv, fresh) => {
      const latest = fresh ?? (await this.#client.get<T>(this.#resource, ns, name));
      const finalizers = rebaseFinalizers(latest.metadata.finalizers ?? [], before, after);
      const resourceVersion = fresh ? rv : latest.metadata.resourceVersion;
      return this.#send(ns, name, { metadata: { resourceVersion, finalizers } }, undefined);
    }, undefined);
    return { list: res.metadata.finalizers ?? [], resourceVersion: res.metadata.resourceVersion };
  }
}
