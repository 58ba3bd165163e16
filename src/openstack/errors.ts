// Typed errors of the OpenStack client. Messages are built only from values that are safe to show (URLs, names,
// status, the service's own message); credentials never reach them.

export class OpenStackError extends Error {
  override name = "OpenStackError";
}

/** The credentials (clouds.yaml, CA bundle) cannot be used as given. */
export class ConfigError extends OpenStackError {
  override name = "ConfigError";
}

export interface HttpErrorInit {
  status: number;
  method: string;
  url: string;
  service: string;
  operation: string;
  /** The service's own message, extracted from whatever error body shape it uses. */
  openstackMessage: string;
  requestId?: string;
  retryAfterSeconds?: number;
}

/** The service answered with an error status. */
export class HttpError extends OpenStackError {
  override name = "HttpError";
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly service: string;
  readonly operation: string;
  readonly openstackMessage: string;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: HttpErrorInit, message?: string) {
    super(
      message ??
        `${init.operation}: ${init.method} ${init.url} returned ${init.status}: ${init.openstackMessage}` +
          requestIdSuffix(init.requestId),
    );
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.service = init.service;
    this.operation = init.operation;
    this.openstackMessage = init.openstackMessage;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** Keystone refused the credentials. Names the auth URL and the user, never the secret. */
export class AuthenticationError extends HttpError {
  override name = "AuthenticationError";
  readonly authUrl: string;
  readonly principal: string;

  constructor(init: HttpErrorInit, authUrl: string, principal: string) {
    super(
      init,
      `authentication to ${authUrl} as ${principal} failed with ${init.status}: ${init.openstackMessage}` +
        requestIdSuffix(init.requestId),
    );
    this.authUrl = authUrl;
    this.principal = principal;
  }
}

/** No answer: connection refused or reset, DNS, timeout. `code` is the Node/undici error code. */
export class TransportError extends OpenStackError {
  override name = "TransportError";
  readonly code: string;
  readonly method: string;
  readonly url: string;

  constructor(method: string, url: string, code: string, detail: string, options?: ErrorOptions) {
    super(`${method} ${url} failed: ${detail} (${code})`, options);
    this.code = code;
    this.method = method;
    this.url = url;
  }
}

/** The TLS handshake failed, almost always a CA bundle that does not match the server certificate. */
export class TLSError extends TransportError {
  override name = "TLSError";
}

/** The endpoint catalog has no entry for a service, or the service lacks a version CAPO needs. */
export class EndpointError extends OpenStackError {
  override name = "EndpointError";
}

function requestIdSuffix(id: string | undefined): string {
  return id ? ` (request id ${id})` : "";
}

export function statusOf(e: unknown): number | undefined {
  return e instanceof HttpError ? e.status : undefined;
}

export function isNotFound(e: unknown): boolean {
  return statusOf(e) === 404;
}

export function isConflict(e: unknown): boolean {
  return statusOf(e) === 409;
}

/**
 * The human message from an OpenStack error body. Each project wraps it differently:
 * Nova/Cinder `{"itemNotFound": {"message"}}`, Neutron `{"NeutronError": {"message"}}`, Keystone
 * `{"error": {"message"}}`, Octavia `{"faultstring"}`, Placement `{"errors": [{"detail"}]}`, Glance HTML.
 */
export function openstackMessage(body: string): string {
  const text = body.trim();
  if (text === "") return "(empty body)";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return clip(stripHtml(text));
  }
  return clip(messageFromJson(parsed) ?? text);
}

function messageFromJson(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return typeof v === "string" ? v : undefined;
  const o = v as Record<string, unknown>;
  for (const key of ["faultstring", "message", "detail", "description", "title"]) {
    const s = o[key];
    if (typeof s === "string" && s !== "") return s;
  }
  if (Array.isArray(o.errors) && o.errors.length > 0) return messageFromJson(o.errors[0]);
  // Wrapped forms: a single key holding the error object.
  const values = Object.values(o);
  if (values.length === 1) return messageFromJson(values[0]);
  return undefined;
}

function stripHtml(s: string): string {
  return s
    .replace(/<head>[\s\S]*?<\/head>/i, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function clip(s: string): string {
  return s.length > 1000 ? `${s.slice(0, 1000)}…` : s;
}
