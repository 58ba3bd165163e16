// A create that may still commit after its caller is gone: Nova and Neutron keep working on a POST whose
// client timed out or was killed, and for a while a listing by name shows nothing (seen under load: a second
// port or server made after a restart). The name and start of each create are written to the object before
// the POST; for IN_FLIGHT_WINDOW_MS after it, that name being free means "not committed yet", so the reconcile
// waits and then adopts, instead of creating a twin (CAPO #2181). Creates of one object run one at a time.
import type { KubeObject } from "../../runtime/object.ts";

export const CREATE_IN_FLIGHT_ANNOTATION = "infrastructure.cluster.x-k8s.io/create-in-flight";

/** Twice the client's request timeout: what a service may still take over a create it was sent. */
export const IN_FLIGHT_WINDOW_MS = 120_000;

/** The guard for creating `name` (see ensureOne's inFlight). */
export function createGuard(obj: KubeObject, name: string, checkpoint: () => Promise<void>) {
  const [marked, at] = (obj.metadata.annotations?.[CREATE_IN_FLIGHT_ANNOTATION] ?? "").split(" ");
  const since = marked === name && at ? Date.parse(at) : NaN;
  return {
    since: Number.isFinite(since) ? since : undefined,
    windowMs: IN_FLIGHT_WINDOW_MS,
    mark: async () => {
      obj.metadata.annotations = {
        ...obj.metadata.annotations,
        [CREATE_IN_FLIGHT_ANNOTATION]: `${name} ${new Date().toISOString()}`,
      };
      await checkpoint();
    },
    clear: async () => {
      clearCreateGuard(obj);
      await checkpoint();
    },
  };
}

/** Once the created ID is recorded, nothing is in flight any more. */
export function clearCreateGuard(obj: KubeObject): void {
  const { [CREATE_IN_FLIGHT_ANNOTATION]: _, ...rest } = obj.metadata.annotations ?? {};
  obj.metadata.annotations = rest;
}
