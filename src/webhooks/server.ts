// The webhook HTTPS server: conversion and admission endpoints on one port, serving the certificate found
// in the cert dir (tls.crt/tls.key, as cert-manager and controller-runtime lay it out) and picking up a
// renewed certificate without a restart.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:tls";
import { Group, KindNames, type KindName } from "../api/common/kinds.ts";
import { HubVersion, type Converter } from "../api/conversion/convert.ts";
import type { Logger } from "../runtime/log.ts";
import { reviewAdmission, type KindAdmission } from "./admission.ts";
import { loadKeyPair, watchKeyPair } from "./certwatcher.ts";
import { BadRequestError, reviewConversion } from "./conversion.ts";

export const DefaultWebhookPort = 9443;
export const DefaultCertDir = "/tmp/k8s-webhook-server/serving-certs";
/** The apiserver sends a whole list in one ConversionReview; allow far more than one object's 1.5 MB. */
const maxBodyBytes = 64 * 1024 * 1024;

export interface WebhookServerOptions {
  converter: Converter;
  admission: Readonly<Record<KindName, KindAdmission>>;
  port?: number;
  host?: string;
  certDir?: string;
  certName?: string;
  keyName?: string;
  /** How often the certificate files are polled for renewal (a directory watch also reacts at once). */
  certPollMs?: number;
  /** `--tls-min-version`; TLS 1.2 unless told otherwise, as controller-runtime. */
  minVersion?: "TLSv1.2" | "TLSv1.3";
  /** `--tls-cipher-suites`, in OpenSSL's names; Node's defaults when unset. */
  ciphers?: string;
  logger?: Logger;
}

export interface WebhookServer {
  readonly server: Server;
  readonly port: number;
  /** Whether a TLS handshake with the server succeeds: controller-runtime's StartedChecker, for /readyz. */
  reachable(): Promise<boolean>;
  close(): Promise<void>;
}

const pathGroup = Group.replaceAll(".", "-");
/** controller-runtime's generated paths, e.g. `/validate-infrastructure-cluster-x-k8s-io-v1beta1-openstackcluster`. */
export function webhookPath(kind: KindName, mutating: boolean): string {
  return `/${mutating ? "mutate" : "validate"}-${pathGroup}-${HubVersion}-${kind.toLowerCase()}`;
}
export const ConversionPath = "/convert";

type Handler = (body: unknown) => unknown;

function routes(options: WebhookServerOptions): Map<string, Handler> {
  const table = new Map<string, Handler>([
    [ConversionPath, (body) => reviewConversion(body, options.converter)],
  ]);
  for (const kind of Object.keys(KindNames) as KindName[]) {
    const admission = options.admission[kind];
    table.set(webhookPath(kind, false), (body) => reviewAdmission(body, admission, false));
    table.set(webhookPath(kind, true), (body) => reviewAdmission(body, admission, true));
  }
  return table;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new BadRequestError(`request body larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new BadRequestError("request body is not JSON");
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(code, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
  res.end(text);
}

function requestHandler(table: Map<string, Handler>, logger: Logger | undefined) {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "https://webhook").pathname;
    const handler = table.get(path);
    const contentType = req.headers["content-type"] ?? "";
    if (!handler) {
      send(res, 404, `no webhook at ${path}\n`);
    } else if (req.method !== "POST") {
      send(res, 405, "only POST is served\n");
    } else if (!contentType.startsWith("application/json")) {
      send(res, 400, `contentType=${contentType}, expected application/json\n`);
    } else {
      try {
        send(res, 200, handler(await readJson(req)));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof BadRequestError)) logger?.error(error, "webhook failed", { path });
        send(res, error instanceof BadRequestError ? 400 : 500, `${message}\n`);
      }
    }
  };
  return (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
}

/** Resolves with whether a TLS handshake with host:port completes within the timeout. */
function handshake(host: string, port: number, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => {
      resolve(false);
    });
    socket.on("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Starts listening; resolves once the port is bound. Rejects if the certificate cannot be loaded. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const files = {
    certDir: options.certDir ?? DefaultCertDir,
    certName: options.certName ?? "tls.crt",
    keyName: options.keyName ?? "tls.key",
  };
  const logger = options.logger;
  // Given again with every renewed pair: a new secure context starts from Node's defaults.
  const tls = {
    minVersion: options.minVersion ?? "TLSv1.2",
    ...(options.ciphers === undefined ? {} : { ciphers: options.ciphers }),
  } as const;
  const pair = loadKeyPair(files);
  const server = createServer({ ...pair, ...tls }, requestHandler(routes(options), logger));
  const stopWatching = watchKeyPair(
    files,
    pair,
    (renewed) => {
      server.setSecureContext({ ...renewed, ...tls });
    },
    { pollMs: options.certPollMs ?? 10_000, logger },
  );

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? DefaultWebhookPort, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    stopWatching();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  logger?.info("Serving webhooks", { port, certDir: files.certDir });
  return {
    server,
    port,
    reachable: () =>
      server.listening ? handshake(options.host ?? "localhost", port) : Promise.resolve(false),
    close: () => {
      stopWatching();
      server.closeAllConnections();
      return new Promise((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
      });
    },
  };
}
