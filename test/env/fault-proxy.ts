/**
 * A reverse proxy in front of the all-in-one that injects faults at random, from a seed, into the traffic of a
 * process we do not control (the manager). Keystone is served at the proxy's root and every URL of the
 * all-in-one in an answer (the catalog above all) is rewritten to `<proxy>/_/<port>/…`, so a client that
 * authenticates through the proxy sends all its service traffic through it. Unlike
 * test/integration/openstack/proxy.ts (scripted faults for one request), faults here are drawn per request.
 *
 * ```ts
 * const proxy = await startFaultProxy({ seed: 42, status5xx: 0.1, status429: 0.03, resetBefore: 0.02, resetAfter: 0.02 });
 * await fx.credentialsSecret(ns, "creds", { authUrl: proxy.authUrl() });
 * ...
 * await proxy.revoke(proxy.tokens.at(-1)!);   // Keystone revokes it; the proxy answers 401 to it from then on
 * proxy.faults = undefined;                   // calm again
 * ```
 */
import { createServer, request as httpRequest } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authenticate, readCloud } from "./openstack.ts";

export type FaultKind = "status5xx" | "status429" | "resetBefore" | "resetAfter" | "revoked";

export interface RandomFaults {
  /** Seed of the generator: the same seed draws the same faults for the same sequence of requests. */
  seed: number;
  /** Probabilities per request: answer 500/502/503 without forwarding. */
  status5xx?: number;
  /** Answer 429 with `Retry-After: retryAfterSeconds` without forwarding. */
  status429?: number;
  /** Close the connection without forwarding. */
  resetBefore?: number;
  /** Forward, then close the connection instead of answering: the request took effect, the answer is lost. */
  resetAfter?: number;
  retryAfterSeconds?: number;
  /** Which requests may fail (default: all but Keystone's). */
  eligible?: (req: { method: string; port: number; path: string }) => boolean;
}

export interface FaultHit {
  method: string;
  /** Upstream port (5000: Keystone). */
  port: number;
  path: string;
  /** Status the client saw; 0 when the connection was cut. */
  status: number;
  fault?: FaultKind;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: Keystone's root. */
  readonly url: string;
  readonly hits: FaultHit[];
  /** Every distinct token seen (X-Subject-Token issued, X-Auth-Token sent), in order of first sight. */
  readonly tokens: string[];
  /** The fault mode; undefined passes everything through. Can be changed at any time. */
  faults: RandomFaults | undefined;
  /** The auth URL of `cloud` in clouds.yaml, through the proxy. */
  authUrl(cloud?: string): string;
  /** Number of faults injected, by kind. */
  injected(): Record<FaultKind, number>;
  /**
   * Revokes `token` in Keystone as the admin cloud's user, and from then on answers 401 to any request carrying
   * it: Nova and Neutron cache token validations for minutes, the proxy makes the revocation felt at once.
   */
  revoke(token: string, adminCloud?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Calls by `<METHOD> <port> <path>` with IDs and queries folded (`GET 9696 /v2.0/networks/{id}`), for API
 * economy assertions: `callSummary(proxy.hits.slice(mark))`.
 */
export function callSummary(hits: FaultHit[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of hits) {
    const path = h.path
      .replace(/\?.*$/, "")
      .replace(/\/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/g, "/{id}");
    const key = `${h.method} ${h.port} ${path}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const UPSTREAM = "127.0.0.1";
const KEYSTONE_PORT = 5000;

/** mulberry32: small, fast, seeded (the same seed gives the same faults, or kill points). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Proxy implements FaultProxy {
  url = "";
  readonly hits: FaultHit[] = [];
  readonly tokens: string[] = [];
  readonly #revoked = new Set<string>();
  #faults: RandomFaults | undefined;
  #random: () => number = Math.random;
  readonly #server = createServer((req, res) => {
    this.#handle(req, res);
  });

  get faults(): RandomFaults | undefined {
    return this.#faults;
  }
  set faults(f: RandomFaults | undefined) {
    this.#faults = f;
    if (f) this.#random = mulberry32(f.seed);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  authUrl(cloud = "capo-e2e"): string {
    const original = new URL(readCloud(cloud).authUrl);
    return `${this.url}${original.pathname}`.replace(/\/+$/, "");
  }

  injected(): Record<FaultKind, number> {
    const counts = { status5xx: 0, status429: 0, resetBefore: 0, resetAfter: 0, revoked: 0 };
    for (const hit of this.hits) if (hit.fault) counts[hit.fault]++;
    return counts;
  }

  async revoke(token: string, adminCloud = "capo-e2e-admin"): Promise<void> {
    const cloud = readCloud(adminCloud);
    const admin = await authenticate(cloud);
    const res = await fetch(`${cloud.authUrl.replace(/\/+$/, "")}/auth/tokens`, {
      method: "DELETE",
      headers: { "x-auth-token": admin.id, "x-subject-token": token },
    });
    // 404: Keystone no longer knows the token as valid (expired or revoked before).
    if (res.status !== 204 && res.status !== 404)
      throw new Error(`revoking a token: Keystone answered ${res.status}`);
    this.#revoked.add(token);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => {
        resolve();
      });
    });
  }

  #see(token: string | string[] | undefined): void {
    if (typeof token === "string" && token !== "" && !this.tokens.includes(token)) this.tokens.push(token);
  }

  #draw(method: string, port: number, path: string): FaultKind | undefined {
    const f = this.#faults;
    if (!f) return undefined;
    const eligible = f.eligible ?? ((r) => r.port !== KEYSTONE_PORT);
    if (!eligible({ method, port, path })) return undefined;
    let x = this.#random();
    for (const kind of ["status5xx", "status429", "resetBefore", "resetAfter"] as const) {
      x -= f[kind] ?? 0;
      if (x < 0) return kind;
    }
    return undefined;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const m = /^\/_\/(\d+)(\/.*)?$/.exec(req.url ?? "/");
    const port = m ? Number(m[1]) : KEYSTONE_PORT;
    const path = m ? (m[2] ?? "/") : (req.url ?? "/");
    const method = req.method ?? "GET";
    const hit: FaultHit = { method, port, path, status: 0 };
    this.hits.push(hit);
    const token = req.headers["x-auth-token"];
    this.#see(token);
    const fault =
      typeof token === "string" && this.#revoked.has(token) ? "revoked" : this.#draw(method, port, path);
    if (fault) hit.fault = fault;
    if (fault === "revoked" || fault === "status5xx" || fault === "status429") {
      const status =
        fault === "revoked"
          ? 401
          : fault === "status429"
            ? 429
            : [500, 502, 503][Math.floor(this.#random() * 3)]!;
      const headers =
        fault === "status429" ? { "retry-after": String(this.#faults?.retryAfterSeconds ?? 1) } : {};
      hit.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify({ error: { code: status, message: `fault-proxy: injected ${fault}` } }));
      return;
    }
    if (fault === "resetBefore") {
      req.socket.destroy();
      return;
    }
    this.#forward(req, res, port, path, hit);
  }

  #forward(req: IncomingMessage, res: ServerResponse, port: number, path: string, hit: FaultHit): void {
    const headers = { ...req.headers, host: `${UPSTREAM}:${port}` };
    delete headers["accept-encoding"];
    const up = httpRequest({ host: UPSTREAM, port, path, method: req.method, headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on("data", (c: Buffer) => chunks.push(c));
      upRes.on("end", () => {
        this.#see(upRes.headers["x-subject-token"]);
        if (hit.fault === "resetAfter") {
          req.socket.destroy();
          return;
        }
        let body = Buffer.concat(chunks);
        if (/json/.test(upRes.headers["content-type"] ?? "")) {
          const upstream = new RegExp(`https?://${UPSTREAM.replace(/\./g, "\\.")}:(\\d+)`, "g");
          body = Buffer.from(body.toString("utf8").replace(upstream, `${this.url}/_/$1`));
        }
        const out = { ...upRes.headers, "content-length": String(body.length) };
        delete out["transfer-encoding"];
        delete out.connection;
        hit.status = upRes.statusCode ?? 502;
        res.writeHead(hit.status, out);
        res.end(body);
      });
    });
    up.on("error", (e) => {
      hit.status = 502;
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`fault-proxy: ${e.message}`);
    });
    req.pipe(up);
  }
}

/** Starts the proxy on a free port of 127.0.0.1, with `faults` (none: a plain counting proxy). */
export async function startFaultProxy(faults?: RandomFaults): Promise<FaultProxy> {
  const proxy = new Proxy();
  proxy.faults = faults;
  await proxy.listen();
  return proxy;
}
