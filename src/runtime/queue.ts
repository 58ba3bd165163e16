// A rate-limited, delaying work queue with client-go's guarantees: a key is queued at most once, a key is
// never handed to two workers at once (re-adds while it is processed are deferred until done), and
// delayed adds keep the earliest deadline.
import type { Clock, Timer } from "./clock.ts";
import { realClock } from "./clock.ts";
import type { RateLimiter } from "./ratelimit.ts";
import { defaultControllerRateLimiter } from "./ratelimit.ts";
import { MinHeap } from "./heap.ts";

/** Observer for the workqueue_* metrics; durations are in seconds. */
export interface QueueMetrics {
  added(): void;
  depth(n: number): void;
  queued(seconds: number): void;
  worked(seconds: number): void;
  retried(): void;
}

export interface WorkQueueOptions {
  clock?: Clock;
  rateLimiter?: RateLimiter<string>;
  metrics?: QueueMetrics;
}

export class WorkQueue {
  readonly #clock: Clock;
  readonly #limiter: RateLimiter<string>;
  readonly #metrics: QueueMetrics | undefined;
  #queue: string[] = [];
  #head = 0;
  readonly #dirty = new Set<string>();
  /** Keys being processed, with when each was handed out. */
  readonly #processing = new Map<string, number>();
  /** When each dirty key was added, for the queue-duration metric. */
  readonly #addedAt = new Map<string, number>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  /** Delayed keys and their deadlines; the heap may hold stale entries, the map is the truth. */
  readonly #delayed = new Map<string, number>();
  readonly #deadlines = new MinHeap<{ key: string; at: number }>((a, b) => a.at < b.at);
  #timer: Timer | undefined;
  #timerAt = Infinity;
  #shuttingDown = false;
  #drained: (() => void) | undefined;

  constructor(opts: WorkQueueOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#limiter = opts.rateLimiter ?? defaultControllerRateLimiter(this.#clock);
    this.#metrics = opts.metrics;
  }

  get length(): number {
    return this.#queue.length - this.#head;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Ages in seconds of the keys being processed now. */
  processingAges(): number[] {
    const now = this.#clock.now();
    return [...this.#processing.values()].map((t) => (now - t) / 1000);
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#metrics?.added();
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#clock.now());
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const existing = this.#delayed.get(key);
    if (existing !== undefined && existing <= at) return;
    this.#delayed.set(key, at);
    this.#deadlines.push({ key, at });
    this.#arm();
  }

  addRateLimited(key: string): void {
    this.#metrics?.retried();
    this.addAfter(key, this.#limiter.when(key));
  }

  forget(key: string): void {
    this.#limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#limiter.numRequeues(key);
  }

  /** The next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    if (this.length > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks key finished; a re-add that came in meanwhile is queued now. */
  done(key: string): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    this.#metrics?.worked((this.#clock.now() - started) / 1000);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#processing.size === 0) this.#drained?.();
  }

  /** Stops handing out keys; resolves once every key already handed out is done. */
  shutDownWithDrain(): Promise<void> {
    this.#shuttingDown = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const w of this.#waiters.splice(0)) w(undefined);
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drained = resolve));
  }

  #push(key: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#queue.push(key);
      waiter(this.#take());
      return;
    }
    this.#queue.push(key);
    this.#metrics?.depth(this.length);
  }

  #take(): string {
    const key = this.#queue[this.#head++] as string;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    const now = this.#clock.now();
    this.#dirty.delete(key);
    this.#processing.set(key, now);
    this.#metrics?.depth(this.length);
    this.#metrics?.queued((now - (this.#addedAt.get(key) ?? now)) / 1000);
    this.#addedAt.delete(key);
    return key;
  }

  #arm(): void {
    const next = this.#deadlines.peek();
    if (!next || next.at >= this.#timerAt) return;
    this.#timer?.cancel();
    this.#timerAt = next.at;
    this.#timer = this.#clock.setTimer(() => {
      this.#fire();
    }, next.at - this.#clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    for (let next = this.#deadlines.peek(); next && next.at <= now; next = this.#deadlines.peek()) {
      this.#deadlines.pop();
      if (this.#delayed.get(next.key) !== next.at) continue;
      this.#delayed.delete(next.key);
      this.add(next.key);
    }
    this.#arm();
  }
}
