// Prometheus metrics with CAPO's names (namespace capo, subsystem openstack_api). CAPO labels by `request`
// (`<resource>_<op>`, e.g. `subnet_update`); we keep that label and add `service` and the status `code`, which
// CAPO lacks, so CAPO's queries keep working. Every HTTP exchange is counted, token and version requests too.
import { Counter, Histogram, register as globalRegistry } from "prom-client";
import type { Registry } from "prom-client";

export interface RequestObservation {
  service: string;
  request: string;
  /** HTTP status, or the transport error code when there was no answer. */
  code: string;
  seconds: number;
  isError: boolean;
}

export interface ApiMetrics {
  observe(o: RequestObservation): void;
}

const NAMES = {
  total: "capo_openstack_api_requests_total",
  errors: "capo_openstack_api_request_errors_total",
  duration: "capo_openstack_api_request_duration_seconds",
} as const;

const LABELS = ["request", "service", "code"] as const;

// One set of metric objects per registry: prom-client refuses to register a name twice.
const byRegistry = new WeakMap<Registry, ApiMetrics>();

export function apiMetrics(registry: Registry = globalRegistry): ApiMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = create(registry);
    byRegistry.set(registry, m);
  }
  return m;
}

function create(registry: Registry): ApiMetrics {
  const total = new Counter({
    name: NAMES.total,
    help: "Number of OpenStack API requests made",
    labelNames: LABELS,
    registers: [registry],
  });
  const errors = new Counter({
    name: NAMES.errors,
    help: "Number of OpenStack API requests that failed",
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: NAMES.duration,
    help: "Duration of OpenStack API requests in seconds",
    labelNames: ["request", "service"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    observe(o) {
      const labels = { request: o.request, service: o.service, code: o.code };
      total.inc(labels);
      if (o.isError) errors.inc(labels);
      duration.observe({ request: o.request, service: o.service }, o.seconds);
    },
  };
}

/** Sum of requests_total over series matching every given label (for tests and the benchmark). */
export async function countRequests(
  registry: Registry,
  match: Partial<Record<(typeof LABELS)[number], string>>,
): Promise<number> {
  const metric = registry.getSingleMetric(NAMES.total);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(match).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
