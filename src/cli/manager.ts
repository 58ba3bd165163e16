// `capo-ts manager`: a runtime Manager with the registered controllers, probes, metrics, leader election and
// signal handling, configured by the flags of manager-config.ts.
import { existsSync, readFileSync } from "node:fs";
import { Registry, collectDefaultMetrics } from "prom-client";
import type { ControllerRegistration, ManagerOptions } from "../runtime/manager.ts";
import { Manager } from "../runtime/manager.ts";
import { loadKubeConfig } from "../runtime/kube.ts";
import type { Logger } from "../runtime/log.ts";
import { newLogger, pinoFor } from "../runtime/log.ts";
import { startWebhooks, type WebhookServer } from "../webhooks/index.ts";
import type { Scopes } from "../cloud/identity.ts";
import { SessionRegistry } from "../openstack/session.ts";
import { version } from "./version.ts";
import { LEADER_ELECTION_ID, type ManagerConfig } from "./manager-config.ts";
import { metricsListeners } from "./diagnostics.ts";
import { serverTLS } from "./tls.ts";

const SA_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/** The Lease namespace, found as controller-runtime does: the pod's namespace, in cluster. */
export function leaderElectionNamespace(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  if (existsSync(SA_NAMESPACE_FILE)) return readFileSync(SA_NAMESPACE_FILE, "utf8").trim();
  throw new Error(
    "unable to find leader election namespace: not running in-cluster, set POD_NAMESPACE to choose one",
  );
}

export interface RunOptions {
  /** The controllers, given the OpenStack scopes (one session per credential) they share. */
  registrations: (scopes: Scopes) => ControllerRegistration[];
  /** Shared with the OpenStack client's metrics. */
  registry?: Registry;
  log?: Logger;
  /** Aborting it stops the manager; by default SIGTERM and SIGINT do. */
  signal?: AbortSignal;
  /** Extra manager options, for tests (e.g. identity). */
  overrides?: Partial<ManagerOptions>;
}

/** A registry with Node's process metrics (process_*, nodejs_*), as controller-runtime serves Go's. */
function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function buildManager(
  cfg: ManagerConfig,
  opts: RunOptions,
  log: Logger,
  registry: Registry,
  scopes: Scopes,
): Manager {
  const mgr = new Manager({
    kubeConfig: loadKubeConfig(cfg.kubeconfig || undefined),
    namespace: cfg.namespace,
    syncPeriodMs: cfg.syncPeriodMs,
    qps: cfg.kubeApiQps,
    burst: cfg.kubeApiBurst,
    userAgent: "capo-ts-manager",
    healthAddr: cfg.healthAddr,
    ...metricsListeners(cfg),
    registry,
    log,
    leaderElection: cfg.leaderElect
      ? {
          id: LEADER_ELECTION_ID,
          namespace: leaderElectionNamespace(),
          leaseDurationMs: cfg.leaseDurationMs,
          renewDeadlineMs: cfg.renewDeadlineMs,
          retryPeriodMs: cfg.retryPeriodMs,
          releaseOnCancel: true,
        }
      : undefined,
    ...opts.overrides,
  });
  for (const r of opts.registrations(scopes)) {
    log.v(1).info("Registering controller", { controller: r.name });
    r.register(mgr);
  }
  return mgr;
}

/** Hard deadline after the first signal: the pod's terminationGracePeriodSeconds is 10. */
const SHUTDOWN_DEADLINE_MS = 9_500;

/** Runs the manager until SIGTERM/SIGINT (or opts.signal); resolves with the process exit code. */
export async function runManager(cfg: ManagerConfig, opts: RunOptions): Promise<number> {
  const log = opts.log ?? newLogger({ verbosity: cfg.verbosity });
  if (cfg.profilerAddress) log.info("--profiler-address is not supported by capo-ts; ignored");
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      log.info("Second signal, exiting at once", { signal: sig });
      process.exit(1);
    }
    log.info("Shutting down", { signal: sig });
    stop.abort();
    setTimeout(() => {
      log.info("Shutdown deadline passed, exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
  };
  opts.signal?.addEventListener(
    "abort",
    () => {
      stop.abort();
    },
    { once: true },
  );
  if (!opts.signal) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
  let webhooks: WebhookServer | undefined;
  // One registry: /metrics serves the runtime's and the OpenStack client's (capo_openstack_api_*) metrics.
  const registry = opts.registry ?? processRegistry();
  const sessions = new SessionRegistry({
    registry,
    maxSize: cfg.scopeCacheMaxSize,
    userAgent: `capo-ts/${version()}`,
    logger: pinoFor(log, cfg.verbosity, { component: "openstack" }),
  });
  try {
    const scopes: Scopes = { sessions, defaultCACert: readCACerts(cfg.caCerts) };
    const mgr = buildManager(cfg, opts, log, registry, scopes);
    const server = await serveWebhooks(cfg, log);
    webhooks = server;
    mgr.addReadyzCheck("webhook", () => server.reachable());
    log.info("Starting manager", {
      identity: mgr.identity,
      namespace: cfg.namespace,
      leaderElect: cfg.leaderElect,
    });
    await mgr.start(stop.signal);
    log.info("Manager stopped");
    return 0;
  } catch (e) {
    log.error(e, "Manager failed");
    return 1;
  } finally {
    await webhooks?.close();
    await sessions.close();
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

/**
 * The conversion and admission webhooks, on every replica whether it leads or not (the apiserver calls any
 * of them), started before the controllers as controller-runtime starts them. Fails without a certificate.
 */
function serveWebhooks(cfg: ManagerConfig, log: Logger): Promise<WebhookServer> {
  return startWebhooks({
    port: cfg.webhookPort,
    certDir: cfg.webhookCertDir,
    ...serverTLS(cfg.tlsMinVersion, cfg.tlsCipherSuites),
    logger: log.child({ component: "webhooks" }),
  });
}

/** The --ca-certs bundle, the default CA of every credential Secret without `cacert`. */
function readCACerts(path: string): string | undefined {
  return path === "" ? undefined : readFileSync(path, "utf8");
}
