// The probe and metrics listeners (/healthz, /readyz; /metrics), plain HTTP like controller-runtime's
// (its secure metrics listener is in secure-metrics.ts).
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export type Check = () => boolean | Promise<boolean>;

/** Parses Go listen addresses: ":9440", "127.0.0.1:8080", "[::1]:0"; "0" or "" mean disabled. */
export function parseAddr(addr: string): { host: string | undefined; port: number } | undefined {
  if (addr === "" || addr === "0") return undefined;
  const i = addr.lastIndexOf(":");
  if (i < 0) throw new Error(`invalid listen address ${JSON.stringify(addr)}: want host:port`);
  const host = addr.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid port in ${JSON.stringify(addr)}`);
  return { host: host === "" ? undefined : host, port };
}

export interface Listener {
  server: Server | HttpsServer;
  port: number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Binds `addr` with the server `make` builds; undefined, and nothing built, when `addr` disables it. */
export async function listen(addr: string, make: () => Server | HttpsServer): Promise<Listener | undefined> {
  const a = parseAddr(addr);
  if (!a) return undefined;
  const server = make();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(a.port, a.host, () => {
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** /healthz and /readyz, each the conjunction of its named checks; `?verbose` lists them. */
export function serveProbes(
  addr: string,
  healthz: Map<string, Check>,
  readyz: Map<string, Check>,
): Promise<Listener | undefined> {
  return listen(addr, () => createServer(probes(healthz, readyz)));
}

function probes(healthz: Map<string, Check>, readyz: Map<string, Check>): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const checks = url.pathname === "/healthz" ? healthz : url.pathname === "/readyz" ? readyz : undefined;
    if (!checks) {
      res.writeHead(404).end("not found\n");
      return;
    }
    void (async () => {
      const results = await Promise.all(
        [...checks].map(
          async ([name, check]) => [name, await Promise.resolve(check()).catch(() => false)] as const,
        ),
      );
      const ok = results.every(([, r]) => r);
      const body = url.searchParams.has("verbose")
        ? results.map(([n, r]) => `[${r ? "+" : "-"}]${n} ${r ? "ok" : "failed"}\n`).join("") +
          `${url.pathname.slice(1)} check ${ok ? "passed" : "failed"}\n`
        : ok
          ? "ok"
          : "failed\n";
      res.writeHead(ok ? 200 : 500, { "content-type": "text/plain; charset=utf-8" }).end(body);
    })();
  };
}

/** /metrics in Prometheus' text format; every other path is 404. */
export function metricsHandler(registry: Registry): Handler {
  return (req, res) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/metrics") {
      res.writeHead(404).end("not found\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  };
}

export function serveMetrics(addr: string, registry: Registry): Promise<Listener | undefined> {
  return listen(addr, () => createServer(metricsHandler(registry)));
}
