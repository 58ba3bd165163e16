import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { classify, handleStepError, userErrorDelay } from "./classify.ts";
import { FilterError, Pending, UserError, waitDelay } from "../../cloud/errors.ts";
import {
  AuthenticationError,
  ConfigError,
  HttpError,
  TLSError,
  TransportError,
} from "../../openstack/errors.ts";
import type { KubeObject } from "../../runtime/object.ts";
import { getCondition } from "../../runtime/conditions.ts";

const http = (status: number, openstackMessage = "boom") =>
  new HttpError({
    status,
    method: "POST",
    url: "http://x/v2.0/networks",
    service: "network",
    operation: "network_create",
    openstackMessage,
    requestId: "req-1",
  });

describe("classify", () => {
  it("retries what the cloud may fix by itself: 5xx, 429, lost connections, other conflicts", () => {
    for (const e of [
      http(500),
      http(503),
      http(429),
      http(409, "port is in use"),
      new TransportError("GET", "u", "ECONNRESET", "reset"),
      new Error("x"),
    ])
      assert.equal(classify(e).kind, "transient", String(e));
  });

  it("hands to a person what only a person can fix", () => {
    for (const e of [
      http(400),
      http(403),
      http(404),
      http(409, "Quota exceeded for resources: ['network']."),
      new ConfigError("clouds.yaml has no cloud named x"),
      new TLSError("GET", "u", "CERT", "unable to verify"),
      new AuthenticationError(
        {
          status: 401,
          method: "POST",
          url: "u",
          service: "identity",
          operation: "token_create",
          openstackMessage: "bad",
        },
        "http://keystone",
        "demo",
      ),
      new FilterError("image", { name: "x" }, []),
      new UserError("InstanceDeleted", "gone"),
    ])
      assert.equal(classify(e).kind, "user", String(e));
  });

  it("waits on Pending, from when the wait began", () => {
    const v = classify(new Pending("lb is PENDING_CREATE", 123));
    assert.deepEqual(v, { kind: "pending", message: "lb is PENDING_CREATE", since: 123 });
  });
});

describe("delays", () => {
  it("follow the cloud: about a second at first, a quarter of the wait so far, at most 15 s", () => {
    const now = 1_000_000;
    assert.equal(waitDelay(undefined, now), 1000);
    assert.equal(waitDelay(now - 2000, now), 1000);
    assert.equal(waitDelay(now - 20_000, now), 5000);
    assert.equal(waitDelay(now - 600_000, now), 15_000);
  });

  it("back off user errors from 5 s to 5 minutes as the error stands", () => {
    const now = 1_000_000_000;
    assert.equal(userErrorDelay(undefined, now), 5000);
    assert.equal(userErrorDelay(now - 60_000, now), 30_000);
    assert.equal(userErrorDelay(now - 3_600_000, now), 300_000);
  });
});

describe("handleStepError", () => {
  const failure = () => {
    const events: string[] = [];
    const obj: KubeObject = { metadata: { name: "c" } };
    return {
      events,
      obj,
      f: {
        obj,
        record: (t: string, r: string, m: string) => events.push(`${t} ${r} ${m}`),
        condition: "NetworkReady",
        failedReason: "NetworkCreateFailed",
      },
    };
  };

  it("sets the step's condition with the OpenStack message and request id, and a Warning event", () => {
    const { events, obj, f } = failure();
    const res = handleStepError(f, http(403, "Policy doesn't allow create_network"));
    const c = getCondition(obj, "NetworkReady");
    assert.ok(c);
    assert.equal(c.status, "False");
    assert.equal(c.severity, "Error");
    assert.equal(c.reason, "NetworkCreateFailed");
    assert.match(c.message ?? "", /Policy doesn't allow create_network \(request id req-1\)/);
    assert.equal(events.length, 1);
    assert.match(events[0] ?? "", /^Warning NetworkCreateFailed .*request id req-1/);
    assert.equal(res.requeueAfter, 5000);
  });

  it("keeps a UserError's own reason", () => {
    const { obj, f } = failure();
    handleStepError(f, new UserError("InstanceDeleted", "The server was unexpectedly deleted"));
    assert.equal(getCondition(obj, "NetworkReady")?.reason, "InstanceDeleted");
  });

  it("marks a wait as Info without an event, and rethrows transient errors untouched", () => {
    const { events, obj, f } = failure();
    const res = handleStepError({ ...f, waitingReason: "Waiting" }, new Pending("subnet pending"));
    assert.equal(getCondition(obj, "NetworkReady")?.severity, "Info");
    assert.equal(res.requeueAfter, 1000);
    assert.equal(events.length, 0);
    const e = http(503);
    assert.throws(
      () => handleStepError(f, e),
      (x) => x === e,
    );
  });
});
