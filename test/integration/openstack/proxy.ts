/**
 * A counting reverse proxy in front of the all-in-one, optionally over TLS. Keystone is served at the proxy's
 * root; every catalog URL in Keystone's answers is rewritten to `<proxy>/_/<port>/…`, so every service call of a
 * client authenticated through the proxy passes through it too and is recorded in `hits` — an account of the
 * client's traffic independent of the client's own metrics. `faults` injects connection resets and error
 * statuses on the way.
 */
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export interface ProxyHit {
  method: string;
  /** Upstream port (5000 for Keystone). */
  port: number;
  /** Upstream path with query. */
  path: string;
  /** Upstream status; 0 when a fault cut the connection. */
  status: number;
  /** The fault injected, if any. */
  fault?: Fault["kind"];
}

/**
 * A fault for the next `times` matching requests: `reset-before` closes the connection without forwarding,
 * `reset-after` forwards and then closes it instead of answering (the request took effect, the answer is lost),
 * `status` answers with `status` (and `retryAfter`) without forwarding.
 */
export interface Fault {
  method: string;
  path: RegExp;
  kind: "reset-before" | "reset-after" | "status";
  times: number;
  status?: number;
  retryAfter?: string;
}

export interface CountingProxy {
  url: string;
  hits: ProxyHit[];
  faults: Fault[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  upstreamHost?: string;
  keystonePort?: number;
  tls?: { key: string; cert: string };
}

export async function startProxy(o: ProxyOptions = {}): Promise<CountingProxy> {
  const host = o.upstreamHost ?? "127.0.0.1";
  const keystonePort = o.keystonePort ?? 5000;
  const hits: ProxyHit[] = [];
  const faults: Fault[] = [];
  let base = "";
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/_\/(\d+)(\/.*)?$/.exec(req.url ?? "/");
    const port = m ? Number(m[1]) : keystonePort;
    const path = m ? (m[2] ?? "/") : (req.url ?? "/");
    const fault = faults.find((f) => f.times > 0 && f.method === req.method && f.path.test(path));
    if (fault) fault.times--;
    if (fault?.kind === "reset-before" || fault?.kind === "status") {
      hits.push({ method: req.method ?? "", port, path, status: fault.status ?? 0, fault: fault.kind });
      if (fault.kind === "status") {
        res.writeHead(fault.status ?? 503, fault.retryAfter ? { "retry-after": fault.retryAfter } : {});
        res.end("injected");
      } else {
        req.socket.destroy();
      }
      return;
    }
    const headers = { ...req.headers, host: `${host}:${port}` };
    delete headers["accept-encoding"];
    const up = httpRequest({ host, port, path, method: req.method, headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on("data", (c: Buffer) => chunks.push(c));
      upRes.on("end", () => {
        let body = Buffer.concat(chunks);
        if (port === keystonePort && /json/.test(upRes.headers["content-type"] ?? "")) {
          const pattern = new RegExp(`https?://${host.replace(/\./g, "\\.")}:(\\d+)`, "g");
          body = Buffer.from(body.toString("utf8").replace(pattern, `${base}/_/$1`));
        }
        const out = { ...upRes.headers, "content-length": String(body.length) };
        delete out["transfer-encoding"];
        delete out.connection;
        if (fault?.kind === "reset-after") {
          hits.push({ method: req.method ?? "", port, path, status: 0, fault: fault.kind });
          req.socket.destroy();
          return;
        }
        hits.push({ method: req.method ?? "", port, path, status: upRes.statusCode ?? 0 });
        res.writeHead(upRes.statusCode ?? 502, out);
        res.end(body);
      });
    });
    up.on("error", (e) => {
      hits.push({ method: req.method ?? "", port, path, status: 502 });
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${e.message}`);
    });
    req.pipe(up);
  };
  const server: Server = o.tls ? createHttpsServer(o.tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  base = `${o.tls ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    url: base,
    hits,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
