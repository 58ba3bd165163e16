// Prometheus metrics under controller-runtime's and client-go's names, registered into a Registry the caller
// owns (the OpenStack client registers into the same one).
import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";
import type { QueueMetrics } from "./queue.ts";
import type { RequestObserver } from "./kube.ts";

// controller-runtime's reconcile_time_seconds buckets.
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
// client-go workqueue: prometheus.ExponentialBuckets(10e-9, 10, 12).
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);
const REQUEST_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

export type ReconcileResult = "success" | "error" | "requeue" | "requeue_after";

export interface ControllerMetrics {
  queue: QueueMetrics;
  reconciled(result: ReconcileResult, seconds: number): void;
  errored(terminal: boolean): void;
  panicked(): void;
  activeWorkers(delta: number): void;
}

/** All runtime metrics of one process; one instance per Registry. */
export class RuntimeMetrics {
  readonly registry: Registry;
  readonly #reconcileTotal: Counter<"controller" | "result">;
  readonly #reconcileErrors: Counter<"controller">;
  readonly #terminalErrors: Counter<"controller">;
  readonly #reconcilePanics: Counter<"controller">;
  readonly #reconcileTime: Histogram<"controller">;
  readonly #maxConcurrent: Gauge<"controller">;
  readonly #activeWorkers: Gauge<"controller">;
  readonly #depth: Gauge<"name" | "controller">;
  readonly #adds: Counter<"name" | "controller">;
  readonly #queueDuration: Histogram<"name" | "controller">;
  readonly #workDuration: Histogram<"name" | "controller">;
  readonly #retries: Counter<"name" | "controller">;
  readonly #requests: Counter<"code" | "method" | "host">;
  readonly #requestLatency: Histogram<"verb" | "host">;
  readonly #leader: Gauge<"name">;
  readonly #queueAges = new Map<string, () => number[]>();

  constructor(registry: Registry) {
    this.registry = registry;
    const registers = [registry];
    const ages = this.#queueAges;
    this.#reconcileTotal = new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"],
      registers,
    });
    this.#reconcileErrors = new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.#terminalErrors = new Counter({
      name: "controller_runtime_terminal_reconcile_errors_total",
      help: "Total number of terminal reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.#reconcilePanics = new Counter({
      name: "controller_runtime_reconcile_panics_total",
      help: "Total number of reconciliation panics per controller",
      labelNames: ["controller"],
      registers,
    });
    this.#reconcileTime = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"],
      buckets: RECONCILE_BUCKETS,
      registers,
    });
    this.#maxConcurrent = new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"],
      registers,
    });
    this.#activeWorkers = new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"],
      registers,
    });
    this.#depth = new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue",
      labelNames: ["name", "controller"],
      registers,
    });
    this.#adds = new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames: ["name", "controller"],
      registers,
    });
    this.#queueDuration = new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames: ["name", "controller"],
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.#workDuration = new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes",
      labelNames: ["name", "controller"],
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.#retries = new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames: ["name", "controller"],
      registers,
    });
    new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
      labelNames: ["name", "controller"],
      registers,
      collect() {
        for (const [name, f] of ages)
          this.set(
            { name, controller: name },
            f().reduce((a, b) => a + b, 0),
          );
      },
    });
    new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running",
      labelNames: ["name", "controller"],
      registers,
      collect() {
        for (const [name, f] of ages) this.set({ name, controller: name }, Math.max(0, ...f()));
      },
    });
    this.#requests = new Counter({
      name: "rest_client_requests_total",
      help: "Number of HTTP requests, partitioned by status code, method, and host",
      labelNames: ["code", "method", "host"],
      registers,
    });
    this.#requestLatency = new Histogram({
      name: "rest_client_request_duration_seconds",
      help: "Request latency in seconds. Broken down by verb and host",
      labelNames: ["verb", "host"],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.#leader = new Gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master",
      labelNames: ["name"],
      registers,
    });
  }

  forController(controller: string, maxConcurrent: number, queueAges: () => number[]): ControllerMetrics {
    const l = { controller };
    const q = { name: controller, controller };
    this.#maxConcurrent.set(l, maxConcurrent);
    this.#activeWorkers.set(l, 0);
    this.#queueAges.set(controller, queueAges);
    for (const result of ["success", "error", "requeue", "requeue_after"] as const)
      this.#reconcileTotal.inc({ controller, result }, 0);
    this.#reconcileErrors.inc(l, 0);
    return {
      queue: {
        added: () => {
          this.#adds.inc(q);
        },
        depth: (n) => {
          this.#depth.set(q, n);
        },
        queued: (s) => {
          this.#queueDuration.observe(q, s);
        },
        worked: (s) => {
          this.#workDuration.observe(q, s);
        },
        retried: () => {
          this.#retries.inc(q);
        },
      },
      reconciled: (result, seconds) => {
        this.#reconcileTotal.inc({ controller, result });
        this.#reconcileTime.observe(l, seconds);
      },
      errored: (terminal) => {
        this.#reconcileErrors.inc(l);
        if (terminal) this.#terminalErrors.inc(l);
      },
      panicked: () => {
        this.#reconcilePanics.inc(l);
      },
      activeWorkers: (delta) => {
        this.#activeWorkers.inc(l, delta);
      },
    };
  }

  requestObserver(host: string): RequestObserver {
    return (method, code, seconds) => {
      this.#requests.inc({ code, method, host });
      this.#requestLatency.observe({ verb: method, host }, seconds);
    };
  }

  leader(name: string, leading: boolean): void {
    this.#leader.set({ name }, leading ? 1 : 0);
  }
}
