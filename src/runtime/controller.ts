// A controller: informer events pass predicates, are mapped to requests and queued; a bounded pool of
// workers reconciles them with controller-runtime's result handling (error → rate-limited requeue,
// RequeueAfter → delayed requeue with backoff forgotten, success → backoff forgotten).
import { randomUUID } from "node:crypto";
import type { Cache } from "./cache.ts";
import type { Clock } from "./clock.ts";
import { realClock, untilAborted } from "./clock.ts";
import type { Logger } from "./log.ts";
import { discardLogger } from "./log.ts";
import type { ControllerMetrics, ReconcileResult } from "./metrics.ts";
import type { KubeObject, ObjectKey, Resource } from "./object.ts";
import { keyOf, objectKey, parseKey } from "./object.ts";
import type { Predicate } from "./predicates.ts";
import type { RateLimiter } from "./ratelimit.ts";
import { WorkQueue } from "./queue.ts";

export type Request = ObjectKey;

export interface Result {
  /** Reconcile again after this many milliseconds; the key's error backoff is reset. */
  requeueAfter?: number;
  /** Reconcile again after the key's rate-limited backoff. */
  requeue?: boolean;
}

export interface ReconcileContext {
  log: Logger;
  /** Aborts when the manager gives up waiting for in-flight reconciles at shutdown. */
  signal: AbortSignal;
  reconcileID: string;
}

export interface Reconciler {
  reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined>;
}

/** An error that retrying cannot fix: logged and counted, but the key is not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TerminalError";
  }
}

/** Maps an object of a watched kind to the requests it should trigger. */
export type MapFunc<T extends KubeObject = KubeObject> = (obj: T) => Request[];

export interface Watch {
  resource: Resource;
  map: MapFunc;
  predicates?: Predicate[];
}

export interface ControllerOptions {
  name: string;
  /** The reconciled kind; its own events enqueue its own key. */
  for: Resource;
  forPredicates?: Predicate[];
  watches?: Watch[];
  /** Predicates applied to every watch, For included (controller-runtime's WithEventFilter). */
  eventFilters?: Predicate[];
  reconciler: Reconciler;
  /** Maximum reconciles at once (MaxConcurrentReconciles). */
  concurrency?: number;
  rateLimiter?: RateLimiter<string>;
  clock?: Clock;
  log?: Logger;
  metrics?: ControllerMetrics;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #cache: Cache;
  readonly #opts: ControllerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #metrics: ControllerMetrics | undefined;
  #active = 0;
  /** Highest number of reconciles seen running at once. */
  peakActive = 0;

  constructor(cache: Cache, opts: ControllerOptions) {
    this.name = opts.name;
    this.#cache = cache;
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.log ?? discardLogger).child({
      controller: opts.name,
      controllerGroup: opts.for.group,
      controllerKind: opts.for.kind,
    });
    this.#metrics = opts.metrics;
    this.queue = new WorkQueue({
      clock: this.#clock,
      rateLimiter: opts.rateLimiter,
      metrics: opts.metrics?.queue,
    });
  }

  get concurrency(): number {
    return Math.max(1, this.#opts.concurrency ?? 1);
  }

  /** Hooks the watches into the shared informers; called before the cache syncs so no event is missed. */
  #watch(): void {
    const filters = this.#opts.eventFilters ?? [];
    const self: MapFunc = (obj) => [objectKey(obj)];
    this.#source({
      resource: this.#opts.for,
      map: self,
      predicates: [...(this.#opts.forPredicates ?? []), ...filters],
    });
    for (const w of this.#opts.watches ?? [])
      this.#source({ ...w, predicates: [...(w.predicates ?? []), ...filters] });
  }

  #source(w: Watch): void {
    const ps = w.predicates ?? [];
    const enqueue = (obj: KubeObject): void => {
      for (const req of w.map(obj)) this.queue.add(keyOf(req));
    };
    this.#cache.informer(w.resource).addHandler({
      add: (o) => {
        if (ps.every((p) => p.create?.(o) ?? true)) enqueue(o);
      },
      update: (old, o) => {
        if (ps.every((p) => p.update?.(old, o) ?? true)) enqueue(o);
      },
      delete: (o) => {
        if (ps.every((p) => p.delete?.(o) ?? true)) enqueue(o);
      },
    });
  }

  /**
   * Watches, waits for the caches, then reconciles until `stop` aborts; resolves once the queue is drained
   * of in-flight work. `hardStop` aborts reconciles that outlive the graceful period.
   */
  async run(stop: AbortSignal, hardStop: AbortSignal = stop): Promise<void> {
    this.#watch();
    await this.#cache.waitForSync(stop).catch(() => undefined);
    if (stop.aborted) return;
    this.#log.info("Starting workers", { workerCount: this.concurrency });
    const workers = Array.from({ length: this.concurrency }, () => this.#worker(hardStop));
    await untilAborted(stop);
    this.#log.info("Shutdown signal received, waiting for all workers to finish");
    await this.queue.shutDownWithDrain();
    await Promise.all(workers);
    this.#log.info("All workers finished");
  }

  async #worker(hardStop: AbortSignal): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      this.#active++;
      this.peakActive = Math.max(this.peakActive, this.#active);
      this.#metrics?.activeWorkers(1);
      try {
        await this.#reconcile(key, hardStop);
      } finally {
        this.#active--;
        this.#metrics?.activeWorkers(-1);
        this.queue.done(key);
      }
    }
  }

  async #reconcile(key: string, signal: AbortSignal): Promise<void> {
    const req = parseKey(key);
    const reconcileID = randomUUID();
    const log = this.#log.child({
      [this.#opts.for.kind]: { name: req.name, namespace: req.namespace },
      namespace: req.namespace,
      name: req.name,
      reconcileID,
    });
    const started = this.#clock.now();
    let result: ReconcileResult;
    try {
      const res = (await this.#opts.reconciler.reconcile(req, { log, signal, reconcileID })) ?? {};
      if (res.requeueAfter !== undefined && res.requeueAfter > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, res.requeueAfter);
        result = "requeue_after";
        log.v(5).info("Requeue", { afterMs: res.requeueAfter });
      } else if (res.requeue) {
        this.queue.addRateLimited(key);
        result = "requeue";
      } else {
        this.queue.forget(key);
        result = "success";
      }
    } catch (e) {
      const terminal = e instanceof TerminalError;
      if (!terminal) this.queue.addRateLimited(key);
      result = "error";
      this.#metrics?.errored(terminal);
      log.error(e, "Reconciler error");
    }
    const seconds = (this.#clock.now() - started) / 1000;
    this.#metrics?.reconciled(result, seconds);
    log.v(5).info("Reconcile done", { result, seconds });
  }
}
