// Time source for everything in the runtime that waits, so tests can drive time by hand.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs fn after ms; the timer never keeps the process alive on its own. */
  setTimer(fn: () => void, ms: number): Timer;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return {
      cancel: () => {
        clearTimeout(t);
      },
    };
  },
};

/** Reads signal.aborted afresh (a function call defeats narrowing across awaits). */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Resolves once the signal aborts, at once if it already has. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else
      signal.addEventListener(
        "abort",
        () => {
          resolve();
        },
        { once: true },
      );
  });
}

/** Resolves after ms, or rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason as Error);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Adds up to factor*d of random extra delay, as client-go's wait.Jitter does. */
export function jitter(ms: number, factor: number, random: () => number = Math.random): number {
  return ms + random() * factor * ms;
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to; timers fire in due order during advance(). */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 10, 25)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const p: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#pending.push(p);
    return { cancel: () => (this.#pending = this.#pending.filter((x) => x !== p)) };
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.#pending.length;
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#pending = this.#pending.filter((p) => p !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = end;
  }
}
