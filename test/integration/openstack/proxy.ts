/**
 * A counting reverse proxy in front of the all-in-one, optionally over TLS. Keystone is served at the proxy's
 * root; every catalog URL in Keystone's answers is rewritten to `<proxy>/_/<port>/…`, so every service call of a
 * client authenticated through the proxy passes through it too and is recorded in `hits` — an account of the
 * client's traffic independent of the client's own metrics.
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
  status: number;
}

export interface CountingProxy {
  url: string;
  hits: ProxyHit[];
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
  let base = "";
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/_\/(\d+)(\/.*)?$/.exec(req.url ?? "/");
    const port = m ? Number(m[1]) : keystonePort;
    const path = m ? (m[2] ?? "/") : (req.url ?? "/");
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
