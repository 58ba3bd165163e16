// HTTP to OpenStack over undici: per-cloud TLS, per-attempt timeout, bounded retries with jittered backoff,
// error mapping, metrics and redacted trace logging. Knows nothing of tokens or catalogs (see session.ts).
import { Agent, request as undiciRequest } from "undici";
import type { Dispatcher } from "undici";
import type { Logger } from "pino";
import { HttpError, TLSError, TransportError, openstackMessage } from "./errors.ts";
import type { ApiMetrics } from "./metrics.ts";
import type { Redactor } from "./redact.ts";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpRequest {
  method: Method;
  url: string;
  /** Metric and log labels: the OpenStack service type and `<resource>_<op>`. */
  service: string;
  operation: string;
  headers?: Record<string, string>;
  /** Sent as JSON unless a string. */
  body?: unknown;
  contentType?: string;
  /** Error statuses that are an expected answer (e.g. 404 on a lookup): not counted as errors. */
  expectedStatuses?: number[];
  /**
   * For non-idempotent requests only: after an ambiguous failure (no answer, or a gateway error), resolves to true
   * when it can show that nothing was created, which makes one more attempt safe.
   */
  nothingCreated?: () => Promise<boolean>;
  /** Overrides the method's idempotency (Neutron's PUT add_router_interface is not idempotent). */
  idempotent?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  requestId: string | undefined;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out: the error goes back to the caller. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

export interface TLSOptions {
  caCert?: string;
  verify: boolean;
}

export interface TransportOptions {
  tls: TLSOptions;
  logger: Logger;
  metrics: ApiMetrics;
  redactor: Redactor;
  userAgent: string;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Replaces the TLS agent; unit tests pass an undici MockAgent here. */
  dispatcher?: Dispatcher;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export class Transport {
  readonly #o: TransportOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;

  constructor(o: TransportOptions) {
    this.#o = o;
    this.#ownsDispatcher = o.dispatcher === undefined;
    this.#dispatcher = o.dispatcher ?? tlsAgent(o.tls, o.timeoutMs);
  }

  get redactor(): Redactor {
    return this.#o.redactor;
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** Sends with retries; resolves with a 1xx-3xx response, rejects with HttpError or TransportError. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const { retry } = this.#o;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(req);
      if (!(outcome instanceof Error) && outcome.status < 400) return outcome;
      const error = outcome instanceof Error ? outcome : this.#httpError(req, outcome);
      const kind = classify(req.idempotent ?? isIdempotent(req.method), outcome);
      // A timed-out create may still be running on the server: no listing can prove it will not commit.
      const provable = req.nothingCreated !== undefined && !timedOut(outcome);
      const retryable = kind === "safe" || (kind === "ambiguous" && provable);
      const delay = attempt < retry.maxAttempts && retryable ? this.#delay(outcome, attempt) : undefined;
      if (delay === undefined) throw error;
      this.#o.logger.debug(
        {
          service: req.service,
          request: req.operation,
          attempt,
          delayMs: Math.round(delay),
          err: error.message,
        },
        "retrying OpenStack request",
      );
      await (this.#o.sleep ?? sleep)(delay);
      // Probe after the pause, so that a create still running behind a gateway has had time to show up.
      if (kind === "ambiguous" && !(await this.#provedNothingCreated(req))) throw error;
    }
  }

  #delay(outcome: HttpResponse | Error, attempt: number): number | undefined {
    const retryAfter = outcome instanceof Error ? undefined : retryAfterMs(outcome.headers["retry-after"]);
    if (retryAfter !== undefined) return retryAfter <= this.#o.retry.maxRetryAfterMs ? retryAfter : undefined;
    return backoffMs(this.#o.retry, attempt, this.#o.random ?? Math.random);
  }

  async #provedNothingCreated(req: HttpRequest): Promise<boolean> {
    try {
      return (await req.nothingCreated?.()) === true;
    } catch {
      return false;
    }
  }

  async #attempt(req: HttpRequest): Promise<HttpResponse | TransportError> {
    const { logger, redactor } = this.#o;
    const headers = this.#headers(req);
    const body = encodeBody(req.body);
    const trace = logger.isLevelEnabled("trace");
    if (trace) {
      logger.trace(
        {
          service: req.service,
          request: req.operation,
          method: req.method,
          url: redactor.text(req.url),
          headers: redactor.headers(headers),
          body: redactor.bodyText(body),
        },
        "OpenStack request",
      );
    }
    const started = performance.now();
    let result: HttpResponse | TransportError;
    try {
      const res = await undiciRequest(req.url, {
        method: req.method,
        headers,
        body: body ?? null,
        dispatcher: this.#dispatcher,
        signal: AbortSignal.timeout(this.#o.timeoutMs),
        headersTimeout: this.#o.timeoutMs,
        bodyTimeout: this.#o.timeoutMs,
      });
      const text = await res.body.text();
      result = {
        status: res.statusCode,
        headers: res.headers,
        text,
        requestId:
          header(res.headers, "x-openstack-request-id") ?? header(res.headers, "x-compute-request-id"),
      };
    } catch (e) {
      result = transportError(req, e, redactor);
    }
    const seconds = (performance.now() - started) / 1000;
    this.#observe(req, result, seconds);
    if (trace) {
      logger.trace(
        result instanceof Error
          ? { service: req.service, request: req.operation, err: result.message, seconds }
          : {
              service: req.service,
              request: req.operation,
              status: result.status,
              headers: redactor.headers(result.headers),
              body: redactor.bodyText(result.text),
              seconds,
            },
        "OpenStack response",
      );
    }
    return result;
  }

  #observe(req: HttpRequest, r: HttpResponse | TransportError, seconds: number) {
    const isError =
      r instanceof Error || (r.status >= 400 && !(req.expectedStatuses ?? []).includes(r.status));
    this.#o.metrics.observe({
      service: req.service,
      request: req.operation,
      code: r instanceof Error ? r.code : String(r.status),
      seconds,
      isError,
    });
  }

  #headers(req: HttpRequest): Record<string, string> {
    const h: Record<string, string> = {
      accept: "application/json",
      "user-agent": this.#o.userAgent,
      ...req.headers,
    };
    if (req.body !== undefined) h["content-type"] = req.contentType ?? "application/json";
    return h;
  }

  #httpError(req: HttpRequest, res: HttpResponse): HttpError {
    const retryAfter = retryAfterMs(res.headers["retry-after"]);
    return new HttpError({
      status: res.status,
      method: req.method,
      url: this.#o.redactor.text(req.url),
      service: req.service,
      operation: req.operation,
      openstackMessage: this.#o.redactor.text(openstackMessage(res.text)),
      requestId: res.requestId,
      ...(retryAfter !== undefined ? { retryAfterSeconds: Math.ceil(retryAfter / 1000) } : {}),
    });
  }
}

function tlsAgent(tls: TLSOptions, timeoutMs: number): Agent {
  return new Agent({
    connect: {
      minVersion: "TLSv1.2",
      rejectUnauthorized: tls.verify,
      ...(tls.caCert ? { ca: tls.caCert } : {}),
      timeout: Math.min(timeoutMs, 30_000),
    },
    // Idle sockets are closed by uwsgi/apache after a few seconds; keep ours shorter to avoid resets.
    keepAliveTimeout: 4000,
    keepAliveMaxTimeout: 30_000,
  });
}

function encodeBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === "string" ? body : JSON.stringify(body);
}

/**
 * Whether another attempt may help and is safe:
 * - "safe": the service itself rejected the request (429, a transient 409) or it never left this host;
 * - "ambiguous": it may have been processed (gateway errors, resets, timeouts) — safe only for idempotent
 *   methods, or when the caller proves nothing was created;
 * - "permanent": retrying cannot help.
 */
export function classify(
  idempotent: boolean,
  outcome: HttpResponse | Error,
): "safe" | "ambiguous" | "permanent" {
  const kind = classifyOutcome(outcome);
  if (kind === "ambiguous" && idempotent) return "safe";
  return kind;
}

const TIMEOUT_CODES = new Set(["TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** The request reached the service, which did not answer in time (or its gateway gave up): still running? */
function timedOut(outcome: HttpResponse | Error): boolean {
  if (outcome instanceof TransportError) return TIMEOUT_CODES.has(outcome.code);
  return !(outcome instanceof Error) && outcome.status === 504;
}

export function isIdempotent(method: Method): boolean {
  return method !== "POST" && method !== "PATCH";
}

function classifyOutcome(outcome: HttpResponse | Error): "safe" | "ambiguous" | "permanent" {
  if (outcome instanceof TLSError) return "permanent";
  if (outcome instanceof TransportError) return NOT_SENT_CODES.has(outcome.code) ? "safe" : "ambiguous";
  if (outcome instanceof Error) return "permanent";
  if (outcome.status === 429) return "safe";
  if (outcome.status === 409) return isTransientConflict(outcome.text) ? "safe" : "permanent";
  if (outcome.status === 502 || outcome.status === 503 || outcome.status === 504) return "ambiguous";
  return "permanent";
}

// Failures before a single byte of the request could reach the server.
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * 409s that clear by themselves: Octavia's "Load Balancer X is immutable and cannot be updated" while PENDING_*,
 * Nova's "Cannot '<action>' instance X while it is in task_state <state>".
 */
export function isTransientConflict(body: string): boolean {
  return /immutable|task_state|PENDING_(CREATE|UPDATE|DELETE)/i.test(openstackMessage(body));
}

/** Retry-After in ms: delta-seconds or an HTTP date. */
export function retryAfterMs(v: string | string[] | undefined, now = Date.now()): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s.trim() === "") return undefined;
  if (/^\d+$/.test(s.trim())) return Number(s.trim()) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with equal jitter: half the step fixed, half random, capped. */
export function backoffMs(p: RetryPolicy, attempt: number, random: () => number): number {
  const step = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + random() * (step / 2);
}

function transportError(req: HttpRequest, e: unknown, redactor: Redactor): TransportError {
  const url = redactor.text(req.url);
  const err = e as Error & { code?: unknown; cause?: { code?: unknown; message?: string } };
  // AbortSignal.timeout rejects with a DOMException whose numeric code means nothing here.
  const raw = err.cause?.code ?? err.code;
  const code = err.name === "TimeoutError" ? "TIMEOUT" : typeof raw === "string" ? raw : err.name;
  const detail = redactor.text(err.cause?.message ?? err.message);
  if (/CERT|SSL|TLS|UNABLE_TO_|SELF_SIGNED|EPROTO/.test(code)) {
    return new TLSError(
      req.method,
      url,
      code,
      `TLS verification of ${new URL(req.url).host} failed: ${detail}; check the cacert in the credentials ` +
        `secret or the manager's --ca-certs (or set verify: false)`,
      { cause: e },
    );
  }
  if (TIMEOUT_CODES.has(code)) {
    return new TransportError(req.method, url, code, "request timed out", { cause: e });
  }
  return new TransportError(req.method, url, code, detail, { cause: e });
}

export function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
