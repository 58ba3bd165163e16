// The one CRUD/list/paginate helper every service uses. OpenStack's REST shape is regular: a collection path,
// `{"<singular>": {...}}` for one item, `{"<plural>": [...]}` for a list, and a next-page link either in
// `<plural>_links` (Nova, Neutron, Octavia, Cinder) or in `next` (Glance).
import { HttpError } from "./errors.ts";
import type { Query, ServiceDef, ServiceRequest, Session } from "./session.ts";
import type { HttpResponse } from "./transport.ts";

export interface Resource {
  /** Collection path relative to the service base, e.g. `networks`, `lbaas/pools/<id>/members`. */
  path: string;
  /** The key wrapping one item; "" when items travel bare (Glance). */
  singular: string;
  plural: string;
  /** Metric prefix: `<metric>_create`, `<metric>_list`, … (CAPO's `request` label). */
  metric: string;
  /** Where the list lives when not at `path` (Nova's `servers/detail`). */
  listPath?: string;
}

export interface ListOptions {
  /** Items per page (`limit`); the service default otherwise. */
  pageSize?: number;
}

export interface CreateOptions {
  /**
   * Filters that would find what this create makes (typically its name). After an ambiguous failure the
   * collection is listed with them; none found proves nothing was created and allows one more attempt.
   */
  probe?: Query;
  headers?: Record<string, string>;
  /** Top-level keys sent beside the resource object (Nova's `os:scheduler_hints`). */
  extraBody?: Record<string, unknown>;
}

export interface GetOptions {
  /** Resolve to undefined on 404 instead of failing (and do not count the 404 as an error). */
  ignoreNotFound?: boolean;
  headers?: Record<string, string>;
}

export class ServiceClient {
  readonly session: Session;
  readonly def: ServiceDef;
  readonly #headers: () => Promise<Record<string, string>>;

  /** `headers` adds per-service headers (e.g. the negotiated microversion) to every request. */
  constructor(
    session: Session,
    def: ServiceDef,
    headers: () => Promise<Record<string, string>> = () => Promise.resolve({}),
  ) {
    this.session = session;
    this.def = def;
    this.#headers = headers;
  }

  async request(r: ServiceRequest): Promise<HttpResponse> {
    return this.session.request(this.def, { ...r, headers: { ...(await this.#headers()), ...r.headers } });
  }

  async json<T>(r: ServiceRequest): Promise<T> {
    const res = await this.request(r);
    return (res.text === "" ? undefined : JSON.parse(res.text)) as T;
  }

  /** One key of the answer, e.g. `availabilityZoneInfo` of GET os-availability-zone. */
  async field<T>(key: string, r: ServiceRequest): Promise<T> {
    return unwrap(await this.json<Record<string, T>>(r), key);
  }

  async get<T>(res: Resource, id: string, o: GetOptions & { ignoreNotFound: true }): Promise<T | undefined>;
  async get<T>(res: Resource, id: string, o?: GetOptions): Promise<T>;
  async get<T>(res: Resource, id: string, o: GetOptions = {}): Promise<T | undefined> {
    try {
      const body = await this.json<Record<string, T>>({
        method: "GET",
        path: `${res.path}/${encodeURIComponent(id)}`,
        operation: `${res.metric}_get`,
        ...(o.ignoreNotFound ? { expectedStatuses: [404] } : {}),
        ...(o.headers ? { headers: o.headers } : {}),
      });
      return unwrap(body, res.singular);
    } catch (e) {
      if (o.ignoreNotFound && e instanceof HttpError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Every item across all pages. */
  async list<T>(res: Resource, query: Query = {}, o: ListOptions = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.pages<T>(res, query, o)) out.push(...page);
    return out;
  }

  async *pages<T>(res: Resource, query: Query = {}, o: ListOptions = {}): AsyncGenerator<T[]> {
    let q: Query = o.pageSize ? { ...query, limit: o.pageSize } : query;
    const seen = new Set<string>();
    for (;;) {
      const body = await this.json<Record<string, unknown>>({
        method: "GET",
        path: res.listPath ?? res.path,
        query: q,
        operation: `${res.metric}_list`,
      });
      const items = (body[res.plural] ?? []) as T[];
      yield items;
      const next = nextQuery(body, res.plural);
      // Stop on an empty page or a link that leads back to a page already read.
      if (!next || items.length === 0 || seen.has(JSON.stringify(next))) return;
      seen.add(JSON.stringify(next));
      q = next;
    }
  }

  async create<T>(res: Resource, body: unknown, o: CreateOptions = {}): Promise<T> {
    const { probe } = o;
    const answer = await this.json<Record<string, T>>({
      method: "POST",
      path: res.path,
      operation: `${res.metric}_create`,
      body: wrap(res.singular, body, o.extraBody),
      ...(o.headers ? { headers: o.headers } : {}),
      ...(probe ? { nothingCreated: async () => (await this.list(res, probe)).length === 0 } : {}),
    });
    return unwrap(answer, res.singular);
  }

  async update<T>(res: Resource, id: string, patch: unknown, headers?: Record<string, string>): Promise<T> {
    const answer = await this.json<Record<string, T>>({
      method: "PUT",
      path: `${res.path}/${encodeURIComponent(id)}`,
      operation: `${res.metric}_update`,
      body: wrap(res.singular, patch),
      ...(headers ? { headers } : {}),
    });
    return unwrap(answer, res.singular);
  }

  /** Resolves to false when `ignoreNotFound` and it was already gone. */
  async delete(res: Resource, id: string, o: GetOptions & { query?: Query } = {}): Promise<boolean> {
    try {
      await this.request({
        method: "DELETE",
        path: `${res.path}/${encodeURIComponent(id)}`,
        operation: `${res.metric}_delete`,
        ...(o.query ? { query: o.query } : {}),
        ...(o.ignoreNotFound ? { expectedStatuses: [404] } : {}),
      });
      return true;
    } catch (e) {
      if (o.ignoreNotFound && e instanceof HttpError && e.status === 404) return false;
      throw e;
    }
  }
}

function wrap(key: string, body: unknown, extra?: Record<string, unknown>): unknown {
  return key === "" ? body : { [key]: body, ...extra };
}

function unwrap<T>(body: Record<string, T> | undefined, key: string): T {
  const v = key === "" ? (body as T | undefined) : body?.[key];
  if (v === undefined) throw new Error(`OpenStack answer has no "${key}" object`);
  return v;
}

/**
 * The query of the next page. Links are reduced to their query string and reapplied to our own URL: a service
 * behind a proxy often advertises its internal host in them.
 */
export function nextQuery(body: Record<string, unknown>, plural: string): Query | undefined {
  const links = body[`${plural}_links`];
  let href: string | undefined;
  if (Array.isArray(links)) {
    href = (links as { rel?: string; href?: string }[]).find((l) => l.rel === "next")?.href;
  } else if (typeof body.next === "string") {
    href = body.next;
  }
  if (!href) return undefined;
  const params = new URL(href, "http://placeholder").searchParams;
  const q: Record<string, string[]> = {};
  for (const [k, v] of params) (q[k] ??= []).push(v);
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, v.length === 1 ? (v[0] as string) : v]));
}

/**
 * The five calls of a regular resource. `create` proves "nothing was created" by listing by name, so an ambiguous
 * failure of a named create is retried only when the name is still free.
 */
export class Crud<T, C = Partial<T>, U = Partial<T>> {
  readonly #c: ServiceClient;
  readonly #res: Resource;

  constructor(c: ServiceClient, res: Resource) {
    this.#c = c;
    this.#res = res;
  }

  create(body: C, o: CreateOptions = {}): Promise<T> {
    const name = (body as { name?: unknown }).name;
    const probe = typeof name === "string" && name !== "" ? { probe: { name } } : {};
    return this.#c.create<T>(this.#res, body, { ...probe, ...o });
  }

  get(id: string, o: GetOptions & { ignoreNotFound: true }): Promise<T | undefined>;
  get(id: string, o?: GetOptions): Promise<T>;
  get(id: string, o: GetOptions = {}): Promise<T | undefined> {
    return this.#c.get<T>(this.#res, id, o);
  }

  list(query: Query = {}, o: ListOptions = {}): Promise<T[]> {
    return this.#c.list<T>(this.#res, query, o);
  }

  update(id: string, patch: U): Promise<T> {
    return this.#c.update<T>(this.#res, id, patch);
  }

  delete(id: string, o: GetOptions & { query?: Query } = {}): Promise<boolean> {
    return this.#c.delete(this.#res, id, o);
  }
}

/** The tag sub-resource Nova and Neutron share: `<collection>/<id>/tags[/<tag>]`. */
export class Tags {
  readonly #c: ServiceClient;
  readonly #metric: string;

  /** `metric` prefixes the operations: `<metric>_list`, `_replace`, `_add`, `_delete`. */
  constructor(c: ServiceClient, metric: string) {
    this.#c = c;
    this.#metric = metric;
  }

  list(collection: string, id: string): Promise<string[]> {
    return this.#c.field<string[]>("tags", this.#request(collection, id, "GET", "list"));
  }

  /** Makes the tags exactly these. */
  replace(collection: string, id: string, tags: string[]): Promise<string[]> {
    return this.#c.field<string[]>("tags", {
      ...this.#request(collection, id, "PUT", "replace"),
      body: { tags },
    });
  }

  async add(collection: string, id: string, tag: string): Promise<void> {
    await this.#c.request(this.#request(collection, id, "PUT", "add", tag));
  }

  async delete(collection: string, id: string, tag: string): Promise<void> {
    await this.#c.request(this.#request(collection, id, "DELETE", "delete", tag));
  }

  #request(collection: string, id: string, method: "GET" | "PUT" | "DELETE", op: string, tag?: string) {
    const suffix = tag === undefined ? "" : `/${encodeURIComponent(tag)}`;
    return {
      method,
      path: `${collection}/${encodeURIComponent(id)}/tags${suffix}`,
      operation: `${this.#metric}_${op}`,
    };
  }
}

/** The URL of a version document: the endpoint up to its version segment (drops a trailing project id). */
export function versionRoot(endpoint: string): string {
  return cutAtVersion(endpoint, 1);
}

/** The endpoint without its version segment: where a service lists its versions. */
export function serviceRoot(endpoint: string): string {
  return cutAtVersion(endpoint, 0);
}

function cutAtVersion(endpoint: string, keep: 0 | 1): string {
  const u = new URL(endpoint);
  const segments = u.pathname.replace(/\/+$/, "").split("/");
  const i = segments.findIndex((s) => /^v\d+(\.\d+)?$/.test(s));
  const kept = i < 0 ? segments : segments.slice(0, i + keep);
  u.pathname = `${kept.join("/")}/`;
  u.search = "";
  return u.toString();
}

/** Orders "2.38" / "v2.26" style versions numerically. */
export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.replace(/^v/, "").split(".").map(Number);
  const [bm = 0, bn = 0] = b.replace(/^v/, "").split(".").map(Number);
  return am - bm || an - bn;
}
