// One authenticated session per credential: a Keystone v3 token shared by every service client, refreshed near
// expiry and once on 401; endpoint lookup in its catalog; version documents fetched at most once per endpoint.
// SessionRegistry hands out the same Session for the same credential.
import { createHash } from "node:crypto";
import { pino } from "pino";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Dispatcher } from "undici";
import type { Credential } from "./clouds.ts";
import { AuthenticationError, HttpError } from "./errors.ts";
import { authRequestBody, describePrincipal, parseToken, refreshAt, selectEndpoint } from "./keystone.ts";
import type { Token } from "./keystone.ts";
import { apiMetrics } from "./metrics.ts";
import { Redactor } from "./redact.ts";
import { DEFAULT_RETRY, Transport, header } from "./transport.ts";
import type { HttpRequest, HttpResponse, Method, RetryPolicy } from "./transport.ts";

export interface SessionOptions {
  /** The manager's logger; request/response bodies are logged at trace level. */
  logger?: Logger;
  /** The manager's metrics registry; prom-client's global one otherwise. */
  registry?: Registry;
  userAgent?: string;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Unit tests only: an undici MockAgent in place of the TLS agent. */
  dispatcher?: Dispatcher;
  now?: () => number;
}

/** How a service is found in the catalog and addressed. */
export interface ServiceDef {
  /** Catalog types, first match wins. */
  types: readonly string[];
  /** The `service` metric label. */
  name: string;
  /** Appended to a catalog URL without a version segment (Neutron, Octavia: v2.0; Glance: v2). */
  version?: string;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Record<string, QueryValue>;

export interface ServiceRequest {
  method: Method;
  /** Relative to the service's versioned base URL, or an absolute URL. */
  path: string;
  operation: string;
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
  expectedStatuses?: number[];
  nothingCreated?: () => Promise<boolean>;
  idempotent?: boolean;
}

export const IDENTITY: ServiceDef = { types: ["identity"], name: "identity" };

export class Session {
  readonly credential: Credential;
  readonly logger: Logger;
  readonly #transport: Transport;
  readonly #now: () => number;
  #token: Token | undefined;
  #authInFlight: Promise<Token> | undefined;
  readonly #discovered = new Map<string, Promise<unknown>>();

  constructor(credential: Credential, o: SessionOptions = {}) {
    this.credential = credential;
    this.logger = o.logger ?? pino({ level: "silent" });
    this.#now = o.now ?? Date.now;
    this.#transport = new Transport({
      tls: { verify: credential.verify, ...(credential.caCert ? { caCert: credential.caCert } : {}) },
      logger: this.logger,
      metrics: apiMetrics(o.registry),
      redactor: new Redactor(credentialSecrets(credential)),
      userAgent: o.userAgent ?? "capo-ts",
      timeoutMs: o.timeoutMs ?? 60_000,
      retry: { ...DEFAULT_RETRY, ...o.retry },
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    });
  }

  /** Sends an authenticated request; on 401 authenticates again and retries once. */
  async request(def: ServiceDef, r: ServiceRequest): Promise<HttpResponse> {
    const token = await this.#validToken();
    try {
      return await this.#send(def, r, token);
    } catch (e) {
      if (!(e instanceof HttpError) || e.status !== 401) throw e;
      this.logger.debug({ service: def.name, request: r.operation }, "token rejected; authenticating again");
      if (this.#token === token) this.#token = undefined;
      return await this.#send(def, r, await this.#validToken());
    }
  }

  /** The versioned base URL of a service, from the catalog of the current token. */
  async baseUrl(def: ServiceDef): Promise<string> {
    return serviceBase(await this.#validToken(), this.credential, def);
  }

  /** A version document, fetched at most once per URL for the session's lifetime (failures are not kept). */
  async discover<T>(def: ServiceDef, url: string, parse: (r: HttpResponse) => T): Promise<T> {
    let p = this.#discovered.get(url) as Promise<T> | undefined;
    if (!p) {
      p = this.request(def, { method: "GET", path: url, operation: "version_get" }).then(parse);
      this.#discovered.set(url, p);
      p.catch(() => this.#discovered.delete(url));
    }
    return p;
  }

  /** The current token's value, for callers that hand it to another tool. */
  async authToken(): Promise<string> {
    return (await this.#validToken()).id;
  }

  /** Who the token is for, and until when; never the token itself. */
  async tokenInfo(): Promise<{ userId: string; projectId: string | undefined; expiresAt: Date }> {
    const t = await this.#validToken();
    return { userId: t.userId, projectId: t.projectId, expiresAt: new Date(t.expiresAt) };
  }

  async projectId(): Promise<string> {
    const t = await this.#validToken();
    if (!t.projectId) throw new AuthenticationError(...unscoped(this.credential));
    return t.projectId;
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  async #send(def: ServiceDef, r: ServiceRequest, token: Token): Promise<HttpResponse> {
    const req: HttpRequest = {
      method: r.method,
      url: withQuery(
        /^https?:\/\//.test(r.path) ? r.path : `${serviceBase(token, this.credential, def)}/${r.path}`,
        r.query,
      ),
      service: def.name,
      operation: r.operation,
      headers: { "x-auth-token": token.id, ...r.headers },
      ...(r.body !== undefined ? { body: r.body } : {}),
      ...(r.contentType ? { contentType: r.contentType } : {}),
      ...(r.expectedStatuses ? { expectedStatuses: r.expectedStatuses } : {}),
      ...(r.nothingCreated ? { nothingCreated: r.nothingCreated } : {}),
      ...(r.idempotent !== undefined ? { idempotent: r.idempotent } : {}),
    };
    return this.#transport.send(req);
  }

  async #validToken(): Promise<Token> {
    const t = this.#token;
    if (t && this.#now() < refreshAt(t)) return t;
    // Concurrent callers share one authentication.
    this.#authInFlight ??= this.#authenticate().finally(() => {
      this.#authInFlight = undefined;
    });
    return this.#authInFlight;
  }

  async #authenticate(): Promise<Token> {
    const c = this.credential;
    let res: HttpResponse;
    try {
      res = await this.#transport.send({
        method: "POST",
        url: `${c.authUrl}/auth/tokens`,
        service: IDENTITY.name,
        operation: "token_create",
        body: authRequestBody(c.auth),
        // Issuing a token changes nothing: a lost answer can be asked for again.
        nothingCreated: () => Promise.resolve(true),
      });
    } catch (e) {
      // A refusal names who was refused; a Keystone or gateway failure (5xx) stays what it is.
      if (e instanceof HttpError && e.status < 500) {
        throw new AuthenticationError(e, c.authUrl, describePrincipal(c.auth));
      }
      throw e;
    }
    const token = parseToken(header(res.headers, "x-subject-token"), res.text);
    this.#transport.redactor.addSecret(token.id);
    this.#token = token;
    return token;
  }
}

function unscoped(c: Credential): ConstructorParameters<typeof AuthenticationError> {
  const init = {
    status: 0,
    method: "POST",
    url: `${c.authUrl}/auth/tokens`,
    service: IDENTITY.name,
    operation: "token_create",
    openstackMessage: "the token is not scoped to a project",
  };
  return [init, c.authUrl, describePrincipal(c.auth)];
}

function serviceBase(token: Token, c: Credential, def: ServiceDef): string {
  const url = selectEndpoint(token.catalog, def.types, c.interface, c.region);
  if (!def.version || /\/v\d+(\.\d+)?$/.test(url)) return url;
  return `${url}/${def.version}`;
}

export function withQuery(url: string, query: Query | undefined): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (typeof v === "object") for (const x of v) u.searchParams.append(k, x);
    else u.searchParams.append(k, String(v));
  }
  return u.toString();
}

function credentialSecrets(c: Credential): (string | undefined)[] {
  const a = c.auth;
  if (a.type === "password") return [a.password];
  if (a.type === "applicationCredential") return [a.secret];
  return [a.token];
}

export interface RegistryOptions extends SessionOptions {
  /** Sessions kept (least recently used evicted); 0 disables sharing. CAPO's --scope-cache-max-size. */
  maxSize?: number;
}

/** Hands out one Session per credential: same cloud, user, secret, region, interface, TLS ⇒ same Session. */
export class SessionRegistry {
  readonly #o: RegistryOptions;
  readonly #sessions = new Map<string, Session>();

  constructor(o: RegistryOptions = {}) {
    this.#o = o;
  }

  get(credential: Credential): Session {
    const max = this.#o.maxSize ?? 10;
    if (max === 0) return new Session(credential, this.#o);
    const key = credentialKey(credential);
    let s = this.#sessions.get(key);
    if (s) {
      this.#sessions.delete(key);
    } else {
      s = new Session(credential, this.#o);
      // Evicted sessions are only dropped: a caller may still hold one, and idle sockets close on their own.
      if (this.#sessions.size >= max) this.#sessions.delete(this.#sessions.keys().next().value as string);
    }
    this.#sessions.set(key, s);
    return s;
  }

  get size(): number {
    return this.#sessions.size;
  }

  async close(): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map((s) => s.close()));
  }
}

/** A digest of everything that changes what a session does; the secret goes in only as part of the hash. */
export function credentialKey(c: Credential): string {
  return createHash("sha256").update(canonicalJson(c)).digest("hex");
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
