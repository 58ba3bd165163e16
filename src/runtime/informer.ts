// List+watch for one kind into a Store, owned here rather than client-node's informer: it resumes a broken
// watch from the last resourceVersion (bookmarks keep that fresh), relists only on 410 Gone, backs off on
// other errors without ever stopping, and re-delivers every object each resync period.
import type { Clock, Timer } from "./clock.ts";
import { isAborted, jitter, realClock, sleep } from "./clock.ts";
import type { KubeClient, Status } from "./kube.ts";
import { ApiError, isGone } from "./kube.ts";
import type { Logger } from "./log.ts";
import { discardLogger } from "./log.ts";
import type { KubeObject, Resource } from "./object.ts";
import { keyOf, objectKey } from "./object.ts";
import { Store } from "./store.ts";

export interface EventHandler<T> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  /** Every object is re-delivered as an update this often (--sync-period); 0 disables. */
  resyncMs?: number;
  pageSize?: number;
  clock?: Clock;
  log?: Logger;
  /** Applied to every object before it is stored; the default drops managedFields to save memory. */
  transform?: (obj: T) => T;
}

/** client-go's reflector backoff: 800 ms doubling to 30 s, with full jitter. */
const BACKOFF_START_MS = 800;
const BACKOFF_MAX_MS = 30_000;

function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata.managedFields) delete obj.metadata.managedFields;
  return obj;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly resource: Resource;
  readonly store = new Store<T>();
  readonly #client: KubeClient;
  readonly #opts: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #transform: (obj: T) => T;
  readonly #handlers: EventHandler<T>[] = [];
  readonly #syncWaiters: (() => void)[] = [];
  #synced = false;
  #resourceVersion = "";
  #resyncTimer: Timer | undefined;
  /** Counts relists, for tests and diagnostics. */
  lists = 0;

  constructor(client: KubeClient, resource: Resource, opts: InformerOptions<T> = {}) {
    this.resource = resource;
    this.#client = client;
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.log ?? discardLogger).child({ informer: resource.kind });
    this.#transform = opts.transform ?? stripManagedFields;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the next watch resumes from. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  /** Registers handlers; objects already known are delivered to them as adds first. */
  addHandler(h: EventHandler<T>): void {
    this.#handlers.push(h);
    for (const obj of this.store.list()) h.add?.(obj);
  }

  waitForSync(signal: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        reject(signal.reason as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /**
   * Runs until the signal aborts. Never gives up on errors. Run again after a stop, it resumes watching from
   * where it stopped (relisting only if that resourceVersion has expired meanwhile).
   */
  async run(signal: AbortSignal): Promise<void> {
    let relist = this.#resourceVersion === "";
    let backoff = BACKOFF_START_MS;
    this.#scheduleResync();
    try {
      while (!signal.aborted) {
        try {
          if (relist) {
            await this.#list(signal);
            relist = false;
          }
          const started = this.#clock.now();
          if (await this.#watch(signal)) backoff = BACKOFF_START_MS;
          else if (this.#clock.now() - started < 1000) throw new Error("watch closed at once without events");
        } catch (e) {
          if (isAborted(signal)) break;
          if (isGone(e)) {
            this.#log
              .v(1)
              .info("resourceVersion expired, relisting", { resourceVersion: this.#resourceVersion });
            relist = true;
            continue;
          }
          this.#log.error(e, "list/watch failed, retrying", { backoffMs: backoff });
          await sleep(this.#clock, jitter(backoff, 1), signal).catch(() => undefined);
          backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
        }
      }
    } finally {
      this.#resyncTimer?.cancel();
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    this.lists++;
    const seen = new Map<string, T>();
    let cont: string | undefined;
    let rv: string;
    do {
      // A consistent (quorum) read, paginated; an expired continue token throws 410 and restarts the list.
      const page = await this.#client.list<T>(
        this.resource,
        {
          namespace: this.#opts.namespace,
          labelSelector: this.#opts.labelSelector,
          limit: this.#opts.pageSize ?? 500,
          continue: cont,
        },
        signal,
      );
      for (const item of page.items) {
        const obj = this.#transform(item);
        seen.set(keyOf(objectKey(obj)), obj);
      }
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? "";
    } while (cont);
    this.#replace(seen);
    this.#resourceVersion = rv;
    this.#log.v(2).info("listed", { count: seen.size, resourceVersion: rv });
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  /**
   * Makes the store equal to a fresh list. Objects whose resourceVersion did not change are not re-delivered:
   * a relist catches up on what was missed, it must not redo work for what was not (resync does that).
   */
  #replace(listed: Map<string, T>): void {
    for (const key of [...this.store.keys()]) {
      if (listed.has(key)) continue;
      const old = this.store.remove(key) as T;
      this.#emit((h) => h.delete?.(old));
    }
    for (const obj of listed.values()) {
      const old = this.store.upsert(obj);
      if (!old) this.#emit((h) => h.add?.(obj));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion)
        this.#emit((h) => h.update?.(old, obj));
    }
  }

  /** A failing handler is logged and skipped: it must not stall the watch or starve other handlers. */
  #emit(call: (h: EventHandler<T>) => void): void {
    for (const h of this.#handlers) {
      try {
        call(h);
      } catch (e) {
        this.#log.error(e, "event handler failed");
      }
    }
  }

  /** One watch connection; true if it delivered anything (the connection was healthy). */
  async #watch(signal: AbortSignal): Promise<boolean> {
    // Server-side timeouts spread over 5-10 minutes, as client-go does, so watches don't reconnect in step.
    const timeoutSeconds = Math.floor(300 * (1 + Math.random()));
    let delivered = false;
    const events = this.#client.watch<T>(
      this.resource,
      {
        namespace: this.#opts.namespace,
        labelSelector: this.#opts.labelSelector,
        resourceVersion: this.#resourceVersion,
        timeoutSeconds,
      },
      signal,
    );
    for await (const ev of events) {
      delivered = true;
      if (ev.type === "ERROR") {
        const st = ev.object as unknown as Status;
        throw new ApiError(st.code ?? 500, "WATCH", this.resource.plural, st, st.message ?? "");
      }
      const rv = ev.object.metadata.resourceVersion;
      if (ev.type !== "BOOKMARK") this.#apply(ev.type, this.#transform(ev.object));
      if (rv) this.#resourceVersion = rv;
    }
    return delivered;
  }

  #apply(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): void {
    if (type === "DELETED") {
      const old = this.store.remove(keyOf(objectKey(obj)));
      this.#emit((h) => h.delete?.(old ?? obj));
      return;
    }
    const old = this.store.upsert(obj);
    this.#emit((h) => {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    });
  }

  #scheduleResync(): void {
    const period = this.#opts.resyncMs ?? 0;
    if (period <= 0) return;
    this.#resyncTimer = this.#clock.setTimer(() => {
      if (this.#synced) {
        this.#log.v(3).info("resync", { count: this.store.size });
        for (const obj of this.store.list()) this.#emit((h) => h.update?.(obj, obj));
      }
      this.#scheduleResync();
    }, period);
  }
}
