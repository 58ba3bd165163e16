// A server create that may still commit after its caller is gone: Nova keeps working on a POST whose client
// timed out or was killed, and for a while a listing by name shows nothing. The moment a create begins is
// written to the object before the POST; for IN_FLIGHT_WINDOW_MS after it, a free name means "not committed
// yet", so the reconcile waits and then adopts, instead of creating a second server (CAPO #2181).
import type { KubeObject } from "../../runtime/object.ts";

export const SERVER_CREATE_ANNOTATION = "infrastructure.cluster.x-k8s.io/server-create-started";

/** Twice the client's request timeout: what a service may still take over a create it was sent. */
export const IN_FLIGHT_WINDOW_MS = 120_000;

export function serverCreateGuard(obj: KubeObject, checkpoint: () => Promise<void>) {
  const raw = obj.metadata.annotations?.[SERVER_CREATE_ANNOTATION];
  const since = raw ? Date.parse(raw) : undefined;
  return {
    since: since !== undefined && Number.isFinite(since) ? since : undefined,
    windowMs: IN_FLIGHT_WINDOW_MS,
    mark: async () => {
      obj.metadata.annotations = {
        ...obj.metadata.annotations,
        [SERVER_CREATE_ANNOTATION]: new Date().toISOString(),
      };
      await checkpoint();
    },
  };
}

/** Once the server's ID is recorded, nothing is in flight any more. */
export function clearServerCreateGuard(obj: KubeObject): void {
  const { [SERVER_CREATE_ANNOTATION]: _, ...rest } = obj.metadata.annotations ?? {};
  obj.metadata.annotations = rest;
}
