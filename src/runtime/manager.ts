// The manager: one API client, one cache, an event broadcaster, metrics and probes, leader election, and the
// controllers registered by whoever starts it. Controllers (and their informers) run only while leading.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { Cache } from "./cache.ts";
import type { Clock } from "./clock.ts";
import { realClock, sleep, untilAborted } from "./clock.ts";
import type { ControllerOptions } from "./controller.ts";
import { Controller } from "./controller.ts";
import type { EventRecorder } from "./events.ts";
import { EventBroadcaster } from "./events.ts";
import { DelegatedAuth } from "./delegated-auth.ts";
import type { Check, Listener } from "./http.ts";
import { serveMetrics, serveProbes } from "./http.ts";
import { KubeClient } from "./kube.ts";
import { LeaderElector } from "./leaderelection.ts";
import type { Logger } from "./log.ts";
import { discardLogger } from "./log.ts";
import { RuntimeMetrics } from "./metrics.ts";
import type { ServerTLS } from "./secure-metrics.ts";
import { serveSecureMetrics } from "./secure-metrics.ts";

export interface LeaderElectionConfig {
  /** Lease name (CAPO: controller-leader-election-capo). */
  id: string;
  namespace: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  releaseOnCancel: boolean;
}

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  /** Watch only this namespace (--namespace); all when empty. */
  namespace?: string;
  syncPeriodMs?: number;
  qps?: number;
  burst?: number;
  userAgent?: string;
  leaderElection?: LeaderElectionConfig;
  /** Probe listener, e.g. ":9440"; "" or "0" disables. */
  healthAddr?: string;
  /** Plain-HTTP metrics listener; "" or "0" disables. */
  metricsAddr?: string;
  /** HTTPS metrics listener for callers that the apiserver authenticates and authorizes; "" or "0" disables. */
  secureMetricsAddr?: string;
  secureMetricsTLS?: ServerTLS;
  /** The registry /metrics serves; pass one to share it with other clients (e.g. OpenStack). */
  registry?: Registry;
  log?: Logger;
  clock?: Clock;
  /** How long to wait for in-flight reconciles at shutdown; keep under the pod's 10 s grace period. */
  gracefulShutdownMs?: number;
  identity?: string;
}

/** Something that adds its controllers to a manager; reconcilers arrive in later issues. */
export interface ControllerRegistration {
  name: string;
  register(mgr: Manager): void;
}

export type ControllerSpec = Omit<ControllerOptions, "clock" | "log" | "metrics">;

export class Manager {
  readonly client: KubeClient;
  readonly cache: Cache;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  readonly identity: string;
  readonly controllers: Controller[] = [];
  readonly #opts: ManagerOptions;
  readonly #clock: Clock;
  readonly #events: EventBroadcaster;
  readonly #healthz = new Map<string, Check>([["ping", () => true]]);
  readonly #readyz = new Map<string, Check>([["ping", () => true]]);
  #elector: LeaderElector | undefined;
  #leading = false;
  #listeners: Partial<Record<"health" | "metrics" | "secureMetrics", Listener | undefined>> = {};

  constructor(opts: ManagerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.log = opts.log ?? discardLogger;
    this.identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    this.metrics = new RuntimeMetrics(opts.registry ?? new Registry());
    this.client = new KubeClient(opts.kubeConfig, {
      qps: opts.qps,
      burst: opts.burst,
      userAgent: opts.userAgent,
      clock: this.#clock,
      observer: this.metrics.requestObserver(
        new URL(opts.kubeConfig.getCurrentCluster()?.server ?? "http://unknown").host,
      ),
    });
    this.cache = new Cache(this.client, {
      namespace: opts.namespace,
      resyncMs: opts.syncPeriodMs,
      clock: this.#clock,
      log: this.log.child({ component: "cache" }),
    });
    this.#events = new EventBroadcaster(this.client, { clock: this.#clock, log: this.log, host: hostname() });
    // Ready once leading controllers have synced caches; a follower is ready as a standby.
    this.#readyz.set("informers", () => !this.#leading || this.cache.synced);
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Listening ports by name, once started (port 0 in an address picks a free one). */
  get ports(): { health?: number; metrics?: number; secureMetrics?: number } {
    const { health, metrics, secureMetrics } = this.#listeners;
    return { health: health?.port, metrics: metrics?.port, secureMetrics: secureMetrics?.port };
  }

  addHealthzCheck(name: string, check: Check): void {
    this.#healthz.set(name, check);
  }

  addReadyzCheck(name: string, check: Check): void {
    this.#readyz.set(name, check);
  }

  eventRecorder(component: string, opts?: { titleCase?: boolean }): EventRecorder {
    return this.#events.recorderFor(component, opts);
  }

  addController(spec: ControllerSpec): Controller {
    let ages = (): number[] => [];
    const concurrency = Math.max(1, spec.concurrency ?? 1);
    const c = new Controller(this.cache, {
      ...spec,
      concurrency,
      clock: this.#clock,
      log: this.log,
      metrics: this.metrics.forController(spec.name, concurrency, () => ages()),
    });
    ages = () => c.queue.processingAges();
    this.controllers.push(c);
    return c;
  }

  /**
   * Runs until stop aborts, then shuts down in order: controllers (in-flight reconciles get the graceful
   * period), informers, pending events, the lease, the listeners. Rejects when leadership is lost, as
   * controller-runtime exits then.
   */
  async start(stop: AbortSignal): Promise<void> {
    try {
      await this.#listen();
      const le = this.#opts.leaderElection;
      if (!le) {
        await this.#lead(stop);
        return;
      }
      // Its own client, so that reconcilers using up the shared --kube-api-qps cannot delay lease renewal.
      const leaseClient = new KubeClient(this.#opts.kubeConfig, {
        userAgent: this.#opts.userAgent,
        clock: this.#clock,
      });
      this.#elector = new LeaderElector(leaseClient, {
        namespace: le.namespace,
        name: le.id,
        identity: this.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        releaseOnCancel: le.releaseOnCancel,
        clock: this.#clock,
        log: this.log.child({ component: "leader-election" }),
        onLeading: (v) => {
          this.metrics.leader(le.id, v);
        },
      });
      await this.#elector.run(stop, (signal) => this.#lead(signal));
    } finally {
      const { health, metrics, secureMetrics } = this.#listeners;
      const open = [health, metrics, secureMetrics].filter((l) => l !== undefined);
      await Promise.all(open.map((l) => l.close()));
      this.#listeners = {};
    }
  }

  /** Probes and metrics are served by every replica, leading or not, as controller-runtime serves them. */
  async #listen(): Promise<void> {
    const registry = this.metrics.registry;
    this.#listeners.health = await serveProbes(this.#opts.healthAddr ?? "", this.#healthz, this.#readyz);
    this.#listeners.metrics = await serveMetrics(this.#opts.metricsAddr ?? "", registry);
    // Reviews get their own client: reconcilers using up --kube-api-qps must not fail a scrape.
    const reviews = new KubeClient(this.#opts.kubeConfig, {
      userAgent: this.#opts.userAgent,
      clock: this.#clock,
    });
    this.#listeners.secureMetrics = await serveSecureMetrics(this.#opts.secureMetricsAddr ?? "", registry, {
      auth: new DelegatedAuth(reviews, { clock: this.#clock }),
      tls: this.#opts.secureMetricsTLS,
      log: this.log.child({ component: "metrics" }),
    });
    const { health, metrics, secureMetrics } = this.#listeners;
    if (health) this.log.info("Serving probes", { port: health.port });
    if (metrics) this.log.info("Serving metrics", { port: metrics.port });
    if (secureMetrics) this.log.info("Serving secure metrics", { port: secureMetrics.port });
  }

  async #lead(stop: AbortSignal): Promise<void> {
    this.#leading = true;
    const cacheStop = new AbortController();
    const hardStop = new AbortController();
    const cacheRun = this.cache.run(cacheStop.signal);
    const running = Promise.all(this.controllers.map((c) => c.run(stop, hardStop.signal)));
    this.log.info("Starting controllers", { controllers: this.controllers.map((c) => c.name) });
    await untilAborted(stop);
    const graceful = this.#opts.gracefulShutdownMs ?? 8000;
    const timer = new AbortController();
    const drained = await Promise.race([
      running.then(() => true),
      sleep(this.#clock, graceful, timer.signal).then(
        () => false,
        () => true,
      ),
    ]);
    timer.abort();
    if (!drained) {
      this.log.info("Graceful shutdown timed out, abandoning in-flight reconciles", { gracefulMs: graceful });
      hardStop.abort(new Error("graceful shutdown timed out"));
    }
    cacheStop.abort();
    await cacheRun;
    await Promise.race([this.#events.flush(), sleep(this.#clock, 1000)]);
    this.#leading = false;
  }
}
