// Snapshots of the manager's /metrics and what changed between two of them: OpenStack calls by service,
// request and code, Keystone token requests, error answers, reconciles per controller.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Snapshot {
  at: number;
  samples: Sample[];
}

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/;

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m?.[1] || line.startsWith("#")) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1] ?? "", x[2] ?? ""]),
    );
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export async function snapshot(metricsUrl: string): Promise<Snapshot> {
  const text = await (await fetch(metricsUrl)).text();
  return { at: Date.now(), samples: parseMetrics(text) };
}

const key = (s: Sample): string =>
  `${s.name}{${Object.entries(s.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}}`;

/** Samples of `name` whose value grew from `a` to `b`, with the growth as value. */
export function grown(a: Snapshot, b: Snapshot, name: string): Sample[] {
  const before = new Map(a.samples.filter((s) => s.name === name).map((s) => [key(s), s.value]));
  return b.samples
    .filter((s) => s.name === name)
    .map((s) => ({ ...s, value: s.value - (before.get(key(s)) ?? 0) }))
    .filter((s) => s.value > 0);
}

export function value(s: Snapshot, name: string, labels: Record<string, string> = {}): number {
  return s.samples
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((sum, x) => sum + x.value, 0);
}

export const API_REQUESTS = "capo_openstack_api_requests_total";
export const API_DURATION = "capo_openstack_api_request_duration_seconds";
export const RECONCILES = "controller_runtime_reconcile_total";

/** What the manager did between two snapshots. */
export interface Phase {
  ms: number;
  /** Every OpenStack HTTP exchange, token and version documents included. */
  calls: number;
  tokens: number;
  /** Answers with code ≥ 400, or no answer at all, as "service request code". */
  errors: Map<string, number>;
  /** "service request" → count. */
  byRequest: Map<string, number>;
  byService: Map<string, number>;
  /** "service request" → seconds spent waiting for answers (sum over calls, concurrent ones add up). */
  seconds: Map<string, number>;
  /** controller → reconciles (every result). */
  reconciles: Map<string, number>;
}

const add = (m: Map<string, number>, k: string, n: number): void => {
  m.set(k, (m.get(k) ?? 0) + n);
};

export function phase(a: Snapshot, b: Snapshot): Phase {
  const p: Phase = {
    ms: b.at - a.at,
    calls: 0,
    tokens: 0,
    errors: new Map(),
    byRequest: new Map(),
    byService: new Map(),
    seconds: new Map(),
    reconciles: new Map(),
  };
  for (const s of grown(a, b, API_REQUESTS)) {
    const { service = "?", request = "?", code = "?" } = s.labels;
    p.calls += s.value;
    if (request === "token_create") p.tokens += s.value;
    add(p.byRequest, `${service} ${request}`, s.value);
    add(p.byService, service, s.value);
    if (!(Number(code) < 400)) add(p.errors, `${service} ${request} ${code}`, s.value);
  }
  for (const s of grown(a, b, `${API_DURATION}_sum`))
    add(p.seconds, `${s.labels.service ?? "?"} ${s.labels.request ?? "?"}`, s.value);
  for (const s of grown(a, b, RECONCILES)) add(p.reconciles, s.labels.controller ?? "?", s.value);
  return p;
}

export const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
