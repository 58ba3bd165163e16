// A thin typed facade over the Kubernetes REST API. client-node supplies kubeconfig loading, authentication
// and the TLS dispatcher; requests, errors, watches and client-side throttling are ours so that every
// caller gets JSON Status errors, explicit patch types and watches that end cleanly.
import { KubeConfig } from "@kubernetes/client-node";
import { RequestContext } from "@kubernetes/client-node";
import type { RequestOptions } from "node:https";
import { Agent, ProxyAgent, request } from "undici";
import type { Dispatcher } from "undici";
import type { Clock } from "./clock.ts";
import { realClock, sleep } from "./clock.ts";
import { TokenBucket } from "./ratelimit.ts";
import type { KubeObject, Resource } from "./object.ts";
import { apiVersionOf, resourcePath } from "./object.ts";

export interface Status {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

/** An error answered by the apiserver, with its Status decoded. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly reason: string;
  readonly status: Status | undefined;

  constructor(statusCode: number, method: string, path: string, status: Status | undefined, text: string) {
    super(
      `${method} ${path}: ${statusCode} ${status?.reason ?? ""}: ${status?.message ?? text.slice(0, 200)}`,
    );
    this.name = "ApiError";
    this.statusCode = statusCode;
    this.reason = status?.reason ?? "";
    this.status = status;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.statusCode === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.statusCode === 409;
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof ApiError && e.statusCode === 409 && e.reason === "AlreadyExists";
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.statusCode === 410;

export type PatchType = "merge" | "json" | "apply";
const patchContentType: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ObjectList<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  /** Abort the watch when the server sends nothing for this long (half-open connections). */
  idleTimeoutMs?: number;
}

export interface WatchEvent<T = KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** Sees every request for the rest_client_* metrics. */
export interface RequestObserver {
  (method: string, code: string, seconds: number): void;
}

export interface KubeClientOptions {
  /** Client-side rate limit shared by all requests but watches (--kube-api-qps / --kube-api-burst). */
  qps?: number;
  burst?: number;
  userAgent?: string;
  clock?: Clock;
  /** Timeout for non-watch requests. */
  timeoutMs?: number;
  observer?: RequestObserver;
}

interface Auth {
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
  at: number;
}

// Tokens from exec plugins or token files can rotate; re-read credentials this often, and at once on 401.
const AUTH_TTL_MS = 10_000;

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  readonly #bucket: TokenBucket | undefined;
  readonly #clock: Clock;
  readonly #userAgent: string;
  readonly #timeoutMs: number;
  readonly #observer: RequestObserver | undefined;
  #auth: Auth | undefined;

  constructor(kubeConfig: KubeConfig, opts: KubeClientOptions = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    this.kubeConfig = kubeConfig;
    this.server = cluster.server.replace(/\/+$/, "");
    this.#clock = opts.clock ?? realClock;
    this.#bucket =
      opts.qps && opts.qps > 0 ? new TokenBucket(opts.qps, opts.burst ?? opts.qps, this.#clock) : undefined;
    this.#userAgent = opts.userAgent ?? "capo-ts";
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#observer = opts.observer;
  }

  async #credentials(refresh: boolean): Promise<Auth> {
    const now = this.#clock.now();
    if (this.#auth && !refresh && now - this.#auth.at < AUTH_TTL_MS) return this.#auth;
    const ctx = new RequestContext(this.server, "GET");
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const dispatcher = this.#auth?.dispatcher ?? (await this.#dispatcher(ctx));
    this.#auth = { headers: ctx.getHeaders(), dispatcher, at: now };
    return this.#auth;
  }

  /**
   * One connection pool for the client's life (client-node builds a new one per call), over HTTP/1.1: with
   * undici's HTTP/2, a pooled session that the apiserver closes (a restart) raised an uncaught error.
   */
  async #dispatcher(ctx: RequestContext): Promise<Dispatcher | undefined> {
    const o: RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(o);
    const tls = Object.fromEntries(
      (["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized", "servername"] as const)
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, o[k]]),
    );
    const d = this.kubeConfig.createDispatcherOptions(this.kubeConfig.getCurrentCluster(), tls);
    switch (d.type) {
      case "agent":
        return new Agent({ connect: d.connect, allowH2: false });
      case "proxy":
        return new ProxyAgent({ uri: d.uri, requestTls: d.requestTls, connect: d.connect, allowH2: false });
      case "none":
        return new Agent({ allowH2: false });
      case "socks":
        return ctx.getDispatcher();
    }
  }

  async #send(
    method: string,
    path: string,
    query: Record<string, string | number | boolean | undefined> | undefined,
    body: string | undefined,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Dispatcher.ResponseData> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined && v !== "") url.searchParams.set(k, `${v}`);
    for (let attempt = 0; ; attempt++) {
      const auth = await this.#credentials(attempt > 0);
      const headers: Record<string, string> = {
        ...auth.headers,
        accept: "application/json",
        "user-agent": this.#userAgent,
      };
      if (contentType) headers["content-type"] = contentType;
      const res = await request(url, {
        method: method,
        headers,
        body,
        dispatcher: auth.dispatcher,
        signal,
      });
      if (res.statusCode !== 401 || attempt > 0) return res;
      await res.body.dump();
    }
  }

  /**
   * A pooled connection may have died with the server (an apiserver restart): such a request fails before
   * any answer, so it is sent once more on a fresh connection. A repeated create with a fixed name is safe
   * (AlreadyExists); with generateName it could duplicate, so those are not repeated.
   */
  async #sendRetryingStale(
    method: string,
    path: string,
    query: Record<string, string | number | boolean | undefined> | undefined,
    body: string | undefined,
    contentType: string | undefined,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await this.#send(method, path, query, body, contentType, signal);
    } catch (e) {
      const generated = method === "POST" && body?.includes('"generateName"') === true;
      if (!isStaleConnection(e) || generated || signal.aborted) throw e;
      return this.#send(method, path, query, body, contentType, signal);
    }
  }

  /** One JSON request; non-2xx answers become ApiError. */
  async request<T>(
    method: string,
    path: string,
    opts: {
      query?: Record<string, string | number | boolean | undefined>;
      body?: unknown;
      contentType?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    if (this.#bucket) {
      const wait = this.#bucket.reserve();
      if (wait > 0) await sleep(this.#clock, wait, opts.signal);
    }
    const started = performance.now();
    const signal = opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(this.#timeoutMs)])
      : AbortSignal.timeout(this.#timeoutMs);
    let code = "<error>";
    try {
      const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const contentType = opts.contentType ?? (body === undefined ? undefined : "application/json");
      const res = await this.#sendRetryingStale(method, path, opts.query, body, contentType, signal);
      code = String(res.statusCode);
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) return (text ? JSON.parse(text) : undefined) as T;
      throw new ApiError(res.statusCode, method, path, parseStatus(text), text);
    } finally {
      this.#observer?.(method, code, (performance.now() - started) / 1000);
    }
  }

  get<T extends KubeObject>(r: Resource, namespace: string, name: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", resourcePath(r, namespace, name), { signal });
  }

  list<T extends KubeObject>(
    r: Resource,
    opts: ListOptions = {},
    signal?: AbortSignal,
  ): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>("GET", resourcePath(r, opts.namespace), {
      query: {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
      },
      signal,
    });
  }

  create<T extends KubeObject>(
    r: Resource,
    obj: T,
    opts: { fieldManager?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
    return this.request<T>("POST", resourcePath(r, obj.metadata.namespace), {
      body,
      query: { fieldManager: opts.fieldManager },
      signal: opts.signal,
    });
  }

  /** PUT; carries metadata.resourceVersion, so a stale object fails with 409. */
  update<T extends KubeObject>(
    r: Resource,
    obj: T,
    opts: { subresource?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
    return this.request<T>(
      "PUT",
      resourcePath(r, obj.metadata.namespace, obj.metadata.name, opts.subresource),
      {
        body,
        signal: opts.signal,
      },
    );
  }

  patch<T extends KubeObject>(
    r: Resource,
    namespace: string,
    name: string,
    body: unknown,
    opts: { type: PatchType; subresource?: string; fieldManager?: string; force?: boolean },
  ): Promise<T> {
    return this.request<T>("PATCH", resourcePath(r, namespace, name, opts.subresource), {
      body,
      contentType: patchContentType[opts.type],
      query: { fieldManager: opts.fieldManager, force: opts.force },
    });
  }

  delete(
    r: Resource,
    namespace: string,
    name: string,
    opts: { propagationPolicy?: string; uid?: string } = {},
  ): Promise<unknown> {
    const body = {
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: opts.propagationPolicy,
      preconditions: opts.uid ? { uid: opts.uid } : undefined,
    };
    return this.request("DELETE", resourcePath(r, namespace, name), { body });
  }

  /**
   * Streams watch events until the server ends the watch, the signal aborts or the connection goes idle.
   * A non-200 answer to the watch request throws ApiError (410 for an expired resourceVersion).
   */
  async *watch<T extends KubeObject>(
    r: Resource,
    opts: WatchOptions,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const idle = new AbortController();
    const both = AbortSignal.any([signal, idle.signal]);
    const idleMs = opts.idleTimeoutMs ?? ((opts.timeoutSeconds ?? 300) + 30) * 1000;
    let timer = this.#clock.setTimer(() => {
      idle.abort(new Error("watch idle timeout"));
    }, idleMs);
    const path = resourcePath(r, opts.namespace);
    try {
      const res = await this.#send(
        "GET",
        path,
        {
          watch: 1,
          allowWatchBookmarks: true,
          resourceVersion: opts.resourceVersion,
          timeoutSeconds: opts.timeoutSeconds,
          labelSelector: opts.labelSelector,
        },
        undefined,
        undefined,
        both,
      );
      if (res.statusCode !== 200) {
        const text = await res.body.text();
        throw new ApiError(res.statusCode, "WATCH", path, parseStatus(text), text);
      }
      let buffered = "";
      for await (const chunk of res.body) {
        timer.cancel();
        timer = this.#clock.setTimer(() => {
          idle.abort(new Error("watch idle timeout"));
        }, idleMs);
        buffered += (chunk as Buffer).toString("utf8");
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim() !== "") yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } finally {
      timer.cancel();
      idle.abort();
    }
  }
}

const STALE_CODES = new Set(["UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNRESET", "EPIPE"]);

function isStaleConnection(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && STALE_CODES.has(code);
}

function parseStatus(text: string): Status | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && (v as Status).kind === "Status" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Loads --kubeconfig if given, else KUBECONFIG / ~/.kube/config / in-cluster, with KUBECONTEXT as CAPO does. */
export function loadKubeConfig(path?: string, context = process.env.KUBECONTEXT): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (context) kc.setCurrentContext(context);
  return kc;
}
