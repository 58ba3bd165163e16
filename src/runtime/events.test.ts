import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import { EventCorrelator, titleReason } from "./events.ts";

type Ev = Parameters<EventCorrelator["correlate"]>[0];
let n = 0;
const ev = (reason: string, message: string, name = "osc"): Ev => ({
  metadata: { name: `osc.${n++}`, namespace: "ns" },
  involvedObject: { kind: "OpenStackCluster", namespace: "ns", name, uid: "u1", apiVersion: "v1beta1" },
  reason,
  message,
  type: "Normal",
  source: { component: "openstackcluster-controller" },
  count: 1,
  firstTimestamp: "t0",
  lastTimestamp: "t0",
  reportingComponent: "openstackcluster-controller",
  reportingInstance: "",
});

test("CAPO casing lower-cases all but the first letter", () => {
  assert.equal(titleReason("SuccessfulCreateNetwork"), "Successfulcreatenetwork");
  assert.equal(titleReason("FailedDeleteSecurityGroup"), "Faileddeletesecuritygroup");
});

test("a repeated event patches the first one with a bumped count", () => {
  const c = new EventCorrelator(new FakeClock());
  const first = c.correlate(ev("Created", "network x")) ?? assert.fail("dropped");
  assert.equal(first.existing, undefined);
  const second = c.correlate(ev("Created", "network x")) ?? assert.fail("dropped");
  assert.equal(second.existing, first.event.metadata.name);
  assert.equal(second.event.count, 2);
  assert.equal(second.event.firstTimestamp, "t0");
  assert.equal(c.correlate(ev("Created", "network x"))?.event.count, 3);
  assert.equal(
    c.correlate(ev("Created", "network y"))?.existing,
    undefined,
    "another message is another event",
  );
});

test("the 10th distinct message for one reason is combined, and later ones dedupe into it", () => {
  const c = new EventCorrelator(new FakeClock());
  for (let i = 0; i < 9; i++) assert.equal(c.correlate(ev("Failed", `m${i}`))?.event.message, `m${i}`);
  const combined = c.correlate(ev("Failed", "m9")) ?? assert.fail("dropped");
  assert.equal(combined.event.message, "(combined from similar events): m9");
  const next = c.correlate(ev("Failed", "m10")) ?? assert.fail("dropped");
  assert.equal(next.existing, combined.event.metadata.name);
  assert.equal(next.event.count, 2);
});

test("the per-object spam filter allows a burst of 25, then one per 5 minutes", () => {
  const clock = new FakeClock();
  const c = new EventCorrelator(clock);
  let sent = 0;
  for (let i = 0; i < 30; i++) if (c.correlate(ev("Spam", "same"))) sent++;
  assert.equal(sent, 25);
  clock.advance(300_000);
  assert.ok(c.correlate(ev("Spam", "same")));
  assert.equal(c.correlate(ev("Spam", "same")), undefined);
  assert.ok(c.correlate(ev("Spam", "same", "another-object")), "buckets are per object");
});

test("after forget (the Event was deleted), the next repeat creates a new Event", () => {
  const c = new EventCorrelator(new FakeClock());
  const a = c.correlate(ev("Other", "x")) ?? assert.fail("dropped");
  c.forget(a.event);
  assert.equal(c.correlate(ev("Other", "x"))?.existing, undefined);
});
