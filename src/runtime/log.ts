// Structured JSON logs in the shape of logr/klog: info lines carry a verbosity "v" and are emitted only when
// v <= --v; errors are always emitted. pino does the JSON encoding and writing.
import { pino } from "pino";
import type { DestinationStream, Logger as Pino } from "pino";

export interface Logger {
  /** Whether info lines from this logger are written at the configured verbosity. */
  readonly enabled: boolean;
  info(msg: string, kv?: Record<string, unknown>): void;
  error(err: unknown, msg: string, kv?: Record<string, unknown>): void;
  /** The same logger at a higher verbosity: V(4) lines show with --v=4 and above. */
  v(level: number): Logger;
  child(kv: Record<string, unknown>): Logger;
}

class PinoLogger implements Logger {
  readonly #pino: Pino;
  readonly #verbosity: number;
  readonly #level: number;

  constructor(p: Pino, verbosity: number, level: number) {
    this.#pino = p;
    this.#verbosity = verbosity;
    this.#level = level;
  }

  get enabled(): boolean {
    return this.#level <= this.#verbosity;
  }

  info(msg: string, kv: Record<string, unknown> = {}): void {
    if (this.enabled) this.#pino.info({ v: this.#level, ...kv }, msg);
  }

  error(err: unknown, msg: string, kv: Record<string, unknown> = {}): void {
    this.#pino.error({ ...kv, err }, msg);
  }

  v(level: number): Logger {
    return new PinoLogger(this.#pino, this.#verbosity, this.#level + level);
  }

  child(kv: Record<string, unknown>): Logger {
    return new PinoLogger(this.#pino.child(kv), this.#verbosity, this.#level);
  }

  get pino(): Pino {
    return this.#pino;
  }
}

/**
 * A plain pino logger writing where `log` writes, for libraries that log through pino themselves (the
 * OpenStack client): at --v=5 and above it passes trace lines (request detail, as klog's V(5) does).
 */
export function pinoFor(log: Logger, verbosity: number, bindings: Record<string, unknown>): Pino {
  const base = log instanceof PinoLogger ? log.pino : pino({ level: "silent" });
  return base.child(bindings, { level: verbosity >= 5 ? "trace" : "info" });
}

export interface LoggerOptions {
  /** klog's -v: 0 shows only V(0) info lines and errors, 2 is the deployment default, 5 shows request detail. */
  verbosity: number;
  destination?: DestinationStream;
  name?: string;
}

export function newLogger(opts: LoggerOptions): Logger {
  const p = pino(
    {
      base: opts.name ? { logger: opts.name } : {},
      level: "info",
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination ?? pino.destination({ dest: 2, sync: false }),
  );
  return new PinoLogger(p, opts.verbosity, 0);
}

/** Drops everything; for tests and benchmarks that don't look at logs. */
export const discardLogger: Logger = {
  enabled: false,
  info: () => undefined,
  error: () => undefined,
  v: () => discardLogger,
  child: () => discardLogger,
};
