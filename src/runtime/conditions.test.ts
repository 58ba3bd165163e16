import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import {
  deleteCondition,
  getCondition,
  getConditions,
  markFalse,
  markTrue,
  markUnknown,
  setSummary,
  summary,
  timestamp,
} from "./conditions.ts";
import type { KubeObject } from "./object.ts";

const newObj = (): KubeObject => ({ metadata: { name: "x" } });

test("timestamps are RFC 3339 seconds in UTC", () => {
  assert.equal(timestamp(Date.UTC(2026, 10, 25, 10, 0, 1, 999)), "2026-11-25T10:00:01Z");
});

test("lastTransitionTime moves only when the state changes; Ready sorts first", () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 25, 10));
  const o = newObj();
  markFalse(o, "NetworkReady", "NetworkCreateFailed", "Error", "boom", clock);
  const t0 = getCondition(o, "NetworkReady")?.lastTransitionTime;
  clock.advance(5000);
  markFalse(o, "NetworkReady", "NetworkCreateFailed", "Error", "boom", clock);
  assert.equal(getCondition(o, "NetworkReady")?.lastTransitionTime, t0);
  markFalse(o, "NetworkReady", "NetworkCreateFailed", "Error", "boom again", clock);
  assert.equal(getCondition(o, "NetworkReady")?.lastTransitionTime, "2026-11-25T10:00:05Z");
  markTrue(o, "Ready", clock);
  markTrue(o, "APIEndpointReady", clock);
  assert.deepEqual(
    getConditions(o).map((c) => c.type),
    ["Ready", "APIEndpointReady", "NetworkReady"],
  );
  assert.deepEqual(getCondition(o, "APIEndpointReady"), {
    type: "APIEndpointReady",
    status: "True",
    lastTransitionTime: "2026-11-25T10:00:05Z",
  });
  deleteCondition(o, "APIEndpointReady");
  assert.equal(getCondition(o, "APIEndpointReady"), undefined);
});

test("summary: False/Error beats False/Warning beats False/Info beats True beats Unknown", () => {
  const clock = new FakeClock();
  const o = newObj();
  markUnknown(o, "A", "Waiting", "waiting", clock);
  assert.deepEqual(summary(o), { type: "Ready", status: "Unknown", reason: "Waiting", message: "waiting" });
  markTrue(o, "B", clock);
  assert.deepEqual(summary(o), { type: "Ready", status: "True" });
  markFalse(o, "C", "Slow", "Info", "slow", clock);
  assert.equal(summary(o)?.reason, "Slow");
  markFalse(o, "D", "Meh", "Warning", "meh", clock);
  assert.equal(summary(o)?.reason, "Meh");
  markFalse(o, "E", "Broken", "Error", "broken", clock);
  assert.deepEqual(summary(o), {
    type: "Ready",
    status: "False",
    reason: "Broken",
    severity: "Error",
    message: "broken",
  });
});

test("summary honours the listed conditions, their order, and the step counter", () => {
  const clock = new FakeClock();
  const o = newObj();
  markFalse(o, "InstanceReady", "InstanceNotReady", "Warning", "building", clock);
  markFalse(o, "APIServerIngressReady", "LoadBalancerMemberError", "Warning", "lb", clock);
  markFalse(o, "Unrelated", "X", "Error", "ignored", clock);
  const opts = { conditions: ["InstanceReady", "APIServerIngressReady"] };
  assert.equal(summary(o, opts)?.reason, "InstanceNotReady");
  assert.equal(
    summary(o, { conditions: ["APIServerIngressReady", "InstanceReady"] })?.reason,
    "LoadBalancerMemberError",
  );
  markTrue(o, "APIServerIngressReady", clock);
  assert.equal(summary(o, { ...opts, stepCounter: true })?.message, "1 of 2 completed");
  setSummary(o, opts, clock);
  assert.equal(getConditions(o)[0]?.type, "Ready");
  assert.equal(getCondition(o, "Ready")?.status, "False");
  assert.equal(summary(newObj()), undefined);
});

test("setting a condition keeps the status object, so a step holding it writes where the patch looks", () => {
  const obj = { metadata: {}, status: { ready: false } as Record<string, unknown> };
  const held = obj.status;
  markTrue(obj, "Ready");
  held.router = { id: "r" };
  assert.equal(obj.status, held);
  assert.deepEqual((obj.status as { router?: unknown }).router, { id: "r" });
});
