// Rate limiters with client-go's workqueue semantics: when(item) says how long to wait before the item
// may be processed again, forget(item) clears its failure history.
import type { Clock } from "./clock.ts";
import { realClock } from "./clock.ts";

export interface RateLimiter<T> {
  when(item: T): number;
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** Per-item backoff: base * 2^failures, capped at max (client-go ItemExponentialFailureRateLimiter). */
export class ItemExponentialRateLimiter<T> implements RateLimiter<T> {
  readonly #failures = new Map<T, number>();
  readonly #baseMs: number;
  readonly #maxMs: number;

  constructor(baseMs: number, maxMs: number) {
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(item: T): number {
    const exp = this.#failures.get(item) ?? 0;
    this.#failures.set(item, exp + 1);
    return Math.min(this.#maxMs, this.#baseMs * 2 ** exp);
  }

  forget(item: T): void {
    this.#failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.#failures.get(item) ?? 0;
  }
}

/**
 * A token bucket shared by all items (golang.org/x/time/rate Reserve().Delay()): tokens refill at qps up
 * to burst; each call takes one, going into debt when empty, and the debt is the wait.
 */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(qps: number, burst: number, clock: Clock = realClock) {
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  #refill(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
    return this.#tokens;
  }

  /** Takes a token and returns how many milliseconds the caller must wait before using it. */
  reserve(): number {
    this.#tokens = this.#refill() - 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  /** Takes a token if one is there now (client-go's TryAccept); never goes into debt. */
  tryAccept(): boolean {
    if (this.#refill() < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export class BucketRateLimiter<T> implements RateLimiter<T> {
  readonly #bucket: TokenBucket;

  constructor(qps: number, burst: number, clock: Clock = realClock) {
    this.#bucket = new TokenBucket(qps, burst, clock);
  }

  when(_item: T): number {
    return this.#bucket.reserve();
  }

  forget(_item: T): void {
    // The bucket is shared; nothing is kept per item.
  }

  numRequeues(_item: T): number {
    return 0;
  }
}

/** The longest wait any of the limiters asks for. */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  readonly #limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.#limiters = limiters;
  }

  when(item: T): number {
    return Math.max(...this.#limiters.map((l) => l.when(item)));
  }

  forget(item: T): void {
    for (const l of this.#limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    return Math.max(...this.#limiters.map((l) => l.numRequeues(item)));
  }
}

/**
 * client-go's DefaultControllerRateLimiter: 5 ms → 1000 s per item, 10 qps / burst 100 overall. `maxMs` lowers
 * the per-item cap.
 */
export function defaultControllerRateLimiter<T>(
  clock: Clock = realClock,
  maxMs = 1000 * 1000,
): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialRateLimiter<T>(5, maxMs),
    new BucketRateLimiter<T>(10, 100, clock),
  );
}
