// Printing: aligned tables, the calls of a phase by request, and where a phase's time went according to the
// manager's "Step done" (--v=5), "Requeue" and "Reconciler error" lines.
import type { ManagerHandle } from "../../test/env/capo.ts";
import type { Phase } from "./metrics.ts";

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}\n${rows.map(line).join("\n")}\n`;
}

export const out = (s: string): void => {
  process.stdout.write(s);
};

export const fmt = (n: number, digits = 1): string => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

/**
 * Calls of each phase side by side, one row per "service request"; `per` divides a column. The last column is
 * the mean answer time of each request over all phases: on a loaded cloud it, not our code, sets the pace.
 */
export function callsByRequest(phases: { title: string; p: Phase; per?: number }[]): string {
  const keys = [...new Set(phases.flatMap(({ p }) => [...p.byRequest.keys()]))].sort();
  const col = (ph: { p: Phase; per?: number }, n: number | undefined) =>
    n === undefined ? "" : fmt(n / (ph.per ?? 1), 2);
  const total = (k: string, m: (p: Phase) => Map<string, number>) =>
    phases.reduce((acc, { p }) => acc + (m(p).get(k) ?? 0), 0);
  const meanMs = (k: string) => {
    const n = total(k, (p) => p.byRequest);
    return n === 0 ? "" : fmt((1000 * total(k, (p) => p.seconds)) / n, 0);
  };
  const rows = keys.map((k) => [k, ...phases.map((ph) => col(ph, ph.p.byRequest.get(k))), meanMs(k)]);
  rows.push(["TOTAL", ...phases.map((ph) => col(ph, ph.p.calls)), ""]);
  rows.push([
    "seconds waiting on OpenStack",
    ...phases.map((ph) => fmt([...ph.p.seconds.values()].reduce((x, y) => x + y, 0) / (ph.per ?? 1), 1)),
    "",
  ]);
  return table(["service request", ...phases.map((ph) => ph.title), "mean ms"], rows);
}

export const errorsOf = (p: Phase): string =>
  p.errors.size === 0 ? "none" : [...p.errors].map(([k, n]) => `${k} ×${n}`).join(", ");

interface StepStat {
  n: number;
  ms: number;
  max: number;
  stops: number;
}

const objectOf = (l: Record<string, unknown>): string => {
  for (const kind of ["OpenStackMachine", "OpenStackCluster"]) {
    const o = l[kind] as { name?: string } | undefined;
    if (o?.name) return kind;
  }
  return "?";
};

/**
 * Step timing in [from, to]: per kind and step, how often it ran, its total and max ms, how often it stopped the
 * reconcile (Pending → requeue); then the requeue delays asked for and reconcile errors.
 */
export function stepReport(mgr: ManagerHandle, from: number, to: number): string {
  const stats = new Map<string, StepStat>();
  const requeues: number[] = [];
  const errors = new Map<string, number>();
  for (const l of mgr.logs) {
    const t = Date.parse(String(l.time));
    if (!(t >= from && t <= to)) continue;
    if (l.msg === "Step done") {
      const k = `${objectOf(l)} ${String(l.step) || "(unnamed)"}`;
      const s = stats.get(k) ?? { n: 0, ms: 0, max: 0, stops: 0 };
      const ms = Number(l.ms);
      s.n += 1;
      s.ms += ms;
      s.max = Math.max(s.max, ms);
      if (l.stop) s.stops += 1;
      stats.set(k, s);
    } else if (l.msg === "Requeue") requeues.push(Number(l.afterMs));
    else if (l.msg === "Reconciler error") {
      const m = ((l.err as { message?: string } | undefined)?.message ?? "?").slice(0, 100);
      errors.set(m, (errors.get(m) ?? 0) + 1);
    }
  }
  const rows = [...stats].map(([k, s]) => [
    k,
    String(s.n),
    String(s.ms),
    fmt(s.ms / s.n, 0),
    String(s.max),
    String(s.stops),
  ]);
  let text = table(["step", "runs", "total ms", "avg ms", "max ms", "stops"], rows);
  if (requeues.length > 0) text += `requeues asked (ms): ${requeues.join(" ")}\n`;
  for (const [m, n] of errors) text += `reconciler error ×${n}: ${m}\n`;
  return text;
}

/**
 * Figures and phases as they are measured, printed at the end whatever failed on the way (a slow cloud that
 * times out a delete still yields the create figures); each figure also goes to stderr at once.
 */
export class Results {
  readonly rows: string[][] = [];
  readonly phases: { title: string; p: Phase; per?: number }[] = [];
  readonly notes: string[] = [];

  row(figure: string, measured: string, capo = "", target = ""): void {
    // A long value (a list of error answers) goes below the table, so the columns stay readable.
    const shown =
      measured.length > 40 ? `(${this.notes.push(`${figure.trim()}: ${measured}`)}) below` : measured;
    this.rows.push([figure, shown, capo, target]);
    process.stderr.write(`${figure}: ${measured}\n`);
  }

  phase(title: string, p: Phase, per?: number): void {
    this.phases.push({ title, p, ...(per === undefined ? {} : { per }) });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  print(title: string): void {
    out(`\n== ${title}\n\n`);
    out(table(["figure", "measured", "CAPO v0.10.5 (AIO)", "target"], this.rows));
    if (this.notes.length > 0) out(`\n${this.notes.map((n, i) => `(${i + 1}) ${n}`).join("\n")}\n`);
    if (this.phases.length > 0) out(`\n${callsByRequest(this.phases)}`);
  }
}
