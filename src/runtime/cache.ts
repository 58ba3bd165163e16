// Shared informers, one per kind, and a reader over them. Secrets and ConfigMaps are never cached (as CAPO
// configures its client): reads of those go to the apiserver every time.
import type { Clock } from "./clock.ts";
import { untilAborted } from "./clock.ts";
import type { KubeClient } from "./kube.ts";
import { isNotFound } from "./kube.ts";
import type { Logger } from "./log.ts";
import { discardLogger } from "./log.ts";
import type { KubeObject, Resource } from "./object.ts";
import { apiVersionOf, keyOf } from "./object.ts";
import { Informer } from "./informer.ts";
import type { IndexFunc } from "./store.ts";
import { ConfigMaps, Secrets } from "./resources.ts";

export interface CacheOptions {
  /** Restricts namespaced kinds to one namespace (--namespace). */
  namespace?: string;
  resyncMs?: number;
  clock?: Clock;
  log?: Logger;
  /** Kinds always read live; Secrets and ConfigMaps by default. */
  uncached?: Resource[];
}

export interface ListQuery {
  namespace?: string;
  /** Exact-match labels. */
  labels?: Record<string, string>;
  /** Objects whose index `name` has `value`; see Cache.addIndex. */
  index?: { name: string; value: string };
}

/** Reads objects; cached kinds come from informers, the rest from the apiserver. */
export interface Reader {
  get<T extends KubeObject>(r: Resource, namespace: string, name: string): Promise<T | undefined>;
  list<T extends KubeObject>(r: Resource, q?: ListQuery): Promise<T[]>;
}

const resourceId = (r: Resource): string => `${apiVersionOf(r)}/${r.plural}`;

export class Cache implements Reader {
  readonly #client: KubeClient;
  readonly #opts: CacheOptions;
  readonly #informers = new Map<string, Informer>();
  readonly #uncached: Set<string>;
  #signal: AbortSignal | undefined;
  readonly #running: Promise<void>[] = [];

  constructor(client: KubeClient, opts: CacheOptions = {}) {
    this.#client = client;
    this.#opts = opts;
    this.#uncached = new Set((opts.uncached ?? [Secrets, ConfigMaps]).map(resourceId));
  }

  get namespace(): string | undefined {
    return this.#opts.namespace || undefined;
  }

  isCached(r: Resource): boolean {
    return !this.#uncached.has(resourceId(r));
  }

  /** The shared informer for a kind; started at once if the cache is running. */
  informer<T extends KubeObject>(r: Resource): Informer<T> {
    if (!this.isCached(r)) throw new Error(`${r.kind} is not cached; read it live`);
    const id = resourceId(r);
    let inf = this.#informers.get(id);
    if (!inf) {
      inf = new Informer(this.#client, r, {
        namespace: r.namespaced ? this.namespace : undefined,
        resyncMs: this.#opts.resyncMs,
        clock: this.#opts.clock,
        log: this.#opts.log ?? discardLogger,
      });
      this.#informers.set(id, inf);
      if (this.#signal) this.#running.push(inf.run(this.#signal));
    }
    return inf as unknown as Informer<T>;
  }

  addIndex<T extends KubeObject>(r: Resource, name: string, fn: IndexFunc<T>): void {
    const store = this.informer<T>(r).store;
    if (!store.hasIndex(name)) store.addIndex(name, fn);
  }

  /** Starts every informer, now and later; resolves once all have stopped after the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    for (const inf of this.#informers.values()) this.#running.push(inf.run(signal));
    await untilAborted(signal);
    await Promise.all(this.#running);
  }

  get synced(): boolean {
    return [...this.#informers.values()].every((i) => i.synced);
  }

  async waitForSync(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(signal)));
  }

  /** The cached object right now, without waiting for a sync; for event mapping, which cannot wait. */
  peek(r: Resource, namespace: string, name: string): KubeObject | undefined {
    return this.informer(r).store.get(keyOf({ namespace: r.namespaced ? namespace : "", name }));
  }

  /** Cached objects with an index value right now, without waiting for a sync. */
  peekByIndex<T extends KubeObject>(r: Resource, index: string, value: string): T[] {
    return this.informer<T>(r).store.byIndex(index, value);
  }

  async get<T extends KubeObject>(r: Resource, namespace: string, name: string): Promise<T | undefined> {
    if (!this.isCached(r)) {
      try {
        return await this.#client.get<T>(r, namespace, name);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    }
    const inf = await this.#synced<T>(r);
    return inf.store.get(keyOf({ namespace: r.namespaced ? namespace : "", name }));
  }

  async list<T extends KubeObject>(r: Resource, q: ListQuery = {}): Promise<T[]> {
    let items: T[];
    if (!this.isCached(r)) {
      if (q.index) throw new Error(`${r.kind} is not cached and has no indexes`);
      const labelSelector = Object.entries(q.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      items = (await this.#client.list<T>(r, { namespace: q.namespace, labelSelector })).items;
    } else {
      const store = (await this.#synced<T>(r)).store;
      items = q.index ? store.byIndex(q.index.name, q.index.value) : store.list();
    }
    return items.filter(
      (o) =>
        (!q.namespace || o.metadata.namespace === q.namespace) &&
        Object.entries(q.labels ?? {}).every(([k, v]) => o.metadata.labels?.[k] === v),
    );
  }

  async #synced<T extends KubeObject>(r: Resource): Promise<Informer<T>> {
    const inf = this.informer<T>(r);
    if (!this.#signal) throw new Error("cache is not running");
    await inf.waitForSync(this.#signal);
    return inf;
  }
}
