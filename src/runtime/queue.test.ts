import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import { WorkQueue } from "./queue.ts";
import { ItemExponentialRateLimiter } from "./ratelimit.ts";

test("a key added many times is queued once", async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add("a");
  q.add("b");
  q.add("a");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
});

test("a key re-added while processing is handed out again only after done", async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add("a");
  const first = await q.get();
  q.add("a");
  assert.equal(q.length, 0, "not queued while in flight");
  q.add("b");
  assert.equal(await q.get(), "b");
  q.done(first!);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), "a");
});

test("waiting getters are woken by add in FIFO order", async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  const g1 = q.get();
  const g2 = q.get();
  q.add("x");
  q.add("y");
  assert.deepEqual(await Promise.all([g1, g2]), ["x", "y"]);
});

test("addAfter delays and keeps the earliest deadline", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter("a", 1000);
  q.addAfter("a", 5000);
  q.addAfter("b", 300);
  clock.advance(299);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(await q.get(), "b");
  clock.advance(700);
  assert.equal(await q.get(), "a");
  clock.advance(10_000);
  assert.equal(q.length, 0, "the later deadline for a was dropped");
  q.addAfter("c", 100);
  q.addAfter("c", 50);
  clock.advance(50);
  assert.equal(q.length, 1);
});

test("addRateLimited backs off exponentially per key; forget resets", () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter(10, 1000) });
  q.addRateLimited("a");
  clock.advance(9);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1);
  assert.equal(q.numRequeues("a"), 1);
  q.forget("a");
  assert.equal(q.numRequeues("a"), 0);
});

test("shutdown stops handing out work and resolves after in-flight keys are done", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.add("a");
  q.add("b");
  const a = await q.get();
  const waiting = q.get(); // gets b
  assert.equal(await waiting, "b");
  const idle = q.get();
  let drained = false;
  const drain = q.shutDownWithDrain().then(() => (drained = true));
  assert.equal(await idle, undefined);
  assert.equal(await q.get(), undefined);
  q.add("c");
  q.addAfter("d", 10);
  clock.advance(100);
  assert.equal(q.length, 0);
  q.done(a!);
  await Promise.resolve();
  assert.equal(drained, false);
  q.done("b");
  await drain;
  assert.equal(drained, true);
});

test("metrics observe adds, depth, queue and work durations, retries", async () => {
  const clock = new FakeClock();
  const seen = {
    added: 0,
    depth: [] as number[],
    queued: [] as number[],
    worked: [] as number[],
    retried: 0,
  };
  const q = new WorkQueue({
    clock,
    rateLimiter: new ItemExponentialRateLimiter(5, 5),
    metrics: {
      added: () => seen.added++,
      depth: (n) => seen.depth.push(n),
      queued: (s) => seen.queued.push(s),
      worked: (s) => seen.worked.push(s),
      retried: () => seen.retried++,
    },
  });
  q.add("a");
  clock.advance(2000);
  const k = await q.get();
  clock.advance(500);
  q.done(k!);
  q.addRateLimited("a");
  clock.advance(5);
  assert.equal(seen.added, 2);
  assert.deepEqual(seen.depth, [1, 0, 1]);
  assert.deepEqual(seen.queued, [2]);
  assert.deepEqual(seen.worked, [0.5]);
  assert.equal(seen.retried, 1);
});
