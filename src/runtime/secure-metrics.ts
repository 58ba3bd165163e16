// /metrics over HTTPS for callers the apiserver vouches for, as controller-runtime serves them by default
// (CAPI's --diagnostics-address without --insecure-diagnostics): a bearer token authenticated by TokenReview
// and a SubjectAccessReview allowing its user the request's verb on the path, e.g. `get` on /metrics. Without
// a configured certificate the listener makes a self-signed one at start, as controller-runtime does.
import { createServer } from "node:https";
import { hostname } from "node:os";
import type { Registry } from "prom-client";
import type { DelegatedAuth } from "./delegated-auth.ts";
import type { Handler, Listener } from "./http.ts";
import { listen, metricsHandler } from "./http.ts";
import type { Logger } from "./log.ts";
import { discardLogger } from "./log.ts";
import { selfSignedCertificate } from "./selfsigned.ts";

export interface ServerTLS {
  minVersion?: "TLSv1.2" | "TLSv1.3";
  /** OpenSSL cipher list; Node's defaults when unset. */
  ciphers?: string;
}

export interface SecureMetricsOptions {
  auth: DelegatedAuth;
  tls?: ServerTLS;
  /** PEM key and certificate; a self-signed pair for localhost and this host when unset. */
  keyPair?: { key: string; cert: string };
  log?: Logger;
}

/** The Kubernetes authorizer's verb for an HTTP method on a non-resource URL. */
function verbOf(method: string | undefined): string {
  switch (method) {
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
    default:
      return "get";
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** Runs `next` only for an authenticated, authorized request; 401, 403 or 500 otherwise. */
function withAuthentication(auth: DelegatedAuth, log: Logger, next: Handler): Handler {
  const deny = (res: Parameters<Handler>[1], code: number, text: string): void => {
    res.writeHead(code, { "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
  };
  return (req, res) => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      deny(res, 401, "Unauthorized");
      return;
    }
    const path = new URL(req.url ?? "/", "https://x").pathname;
    void (async () => {
      const user = await auth.authenticate(token);
      if (user === undefined) deny(res, 401, "Unauthorized");
      else if (!(await auth.authorize(user, path, verbOf(req.method)))) deny(res, 403, "Forbidden");
      else next(req, res);
    })().catch((e: unknown) => {
      log.error(e, "Authenticating a metrics request failed", { path });
      deny(res, 500, "Internal Server Error");
    });
  };
}

export function serveSecureMetrics(
  addr: string,
  registry: Registry,
  opts: SecureMetricsOptions,
): Promise<Listener | undefined> {
  const log = opts.log ?? discardLogger;
  return listen(addr, () =>
    createServer(
      {
        ...(opts.keyPair ?? selfSignedCertificate({ hosts: ["localhost", "127.0.0.1", "::1", hostname()] })),
        minVersion: opts.tls?.minVersion ?? "TLSv1.2",
        ...(opts.tls?.ciphers === undefined ? {} : { ciphers: opts.tls.ciphers }),
      },
      withAuthentication(opts.auth, log, metricsHandler(registry)),
    ),
  );
}
