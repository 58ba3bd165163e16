import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import {
  BucketRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from "./ratelimit.ts";

test("per-item backoff doubles from 5 ms and caps at 1000 s, independently per item", () => {
  const rl = new ItemExponentialRateLimiter<string>(5, 1_000_000);
  assert.deepEqual(
    [1, 2, 3, 4, 5].map(() => rl.when("a")),
    [5, 10, 20, 40, 80],
  );
  assert.equal(rl.when("b"), 5);
  assert.equal(rl.numRequeues("a"), 5);
  for (let i = 0; i < 30; i++) rl.when("a");
  assert.equal(rl.when("a"), 1_000_000);
  rl.forget("a");
  assert.equal(rl.numRequeues("a"), 0);
  assert.equal(rl.when("a"), 5);
});

test("token bucket allows a burst then spaces calls at 1/qps", () => {
  const clock = new FakeClock();
  const rl = new BucketRateLimiter<string>(10, 100, clock);
  for (let i = 0; i < 100; i++) assert.equal(rl.when(`k${i}`), 0);
  assert.equal(Math.round(rl.when("x")), 100);
  assert.equal(Math.round(rl.when("y")), 200);
  clock.advance(1000); // refills 10 tokens: debt of 2 becomes 8 spare
  for (let i = 0; i < 8; i++) assert.equal(rl.when(`z${i}`), 0);
  assert.equal(Math.round(rl.when("w")), 100);
});

test("max-of takes the longest wait and forgets in all", () => {
  const clock = new FakeClock();
  const rl = new MaxOfRateLimiter<string>(
    new ItemExponentialRateLimiter<string>(1000, 10_000),
    new BucketRateLimiter<string>(1, 1, clock),
  );
  assert.equal(rl.when("a"), 1000);
  assert.equal(Math.round(rl.when("a")), 2000);
  assert.equal(rl.numRequeues("a"), 2);
  rl.forget("a");
  assert.equal(rl.numRequeues("a"), 0);
});

test("the default controller limiter is 5 ms per item with a 10 qps / 100 burst bucket", () => {
  const clock = new FakeClock();
  const rl = defaultControllerRateLimiter<string>(clock);
  assert.equal(rl.when("a"), 5);
  for (let i = 0; i < 99; i++) rl.when(`k${i}`);
  // the bucket is now empty: the 101st call waits 100 ms on it rather than its own 5 ms.
  assert.equal(Math.round(rl.when("fresh")), 100);
});
