// Retry, timeout and error-mapping logic against an undici MockAgent (unit level only).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MockAgent } from "undici";
import { pino } from "pino";
import { Registry } from "prom-client";
import { HttpError, TransportError } from "./errors.ts";
import { apiMetrics, countRequests } from "./metrics.ts";
import { Redactor } from "./redact.ts";
import {
  Transport,
  backoffMs,
  classify,
  isTransientConflict,
  retryAfterMs,
  DEFAULT_RETRY,
} from "./transport.ts";
import type { HttpRequest, HttpResponse } from "./transport.ts";

const ORIGIN = "http://svc.test:1234";

function setup(o: { timeoutMs?: number } = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const registry = new Registry();
  const sleeps: number[] = [];
  const logs: string[] = [];
  const transport = new Transport({
    tls: { verify: true },
    logger: pino({ level: "trace" }, { write: (l: string) => logs.push(l) }),
    metrics: apiMetrics(registry),
    redactor: new Redactor(["p4ssw0rd-secret"]),
    userAgent: "capo-ts-test",
    timeoutMs: o.timeoutMs ?? 5000,
    retry: DEFAULT_RETRY,
    dispatcher: agent,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
  });
  return { pool: agent.get(ORIGIN), transport, registry, sleeps, logs };
}

function req(method: HttpRequest["method"], extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method, url: `${ORIGIN}/v2.0/things`, service: "network", operation: "thing_x", ...extra };
}

describe("Transport retries", () => {
  it("retries an idempotent request on 503 with growing jittered backoff, then succeeds", async () => {
    const { pool, transport, registry, sleeps } = setup();
    pool.intercept({ path: "/v2.0/things", method: "GET" }).reply(503, "busy").times(2);
    pool.intercept({ path: "/v2.0/things", method: "GET" }).reply(200, { things: [] });
    const res = await transport.send(req("GET"));
    assert.equal(res.status, 200);
    assert.deepEqual(sleeps, [187.5, 375]);
    assert.equal(await countRequests(registry, { request: "thing_x" }), 3);
    assert.equal(await countRequests(registry, { request: "thing_x", code: "503" }), 2);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const { pool, transport, sleeps } = setup();
    pool.intercept({ path: "/v2.0/things", method: "GET" }).reply(502, "bad gateway").persist();
    await assert.rejects(transport.send(req("GET")), (e: HttpError) => e.status === 502);
    assert.equal(sleeps.length, DEFAULT_RETRY.maxAttempts - 1);
  });

  it("honours Retry-After on 429, but not beyond the cap", async () => {
    const { pool, transport, sleeps } = setup();
    pool
      .intercept({ path: "/v2.0/things", method: "POST" })
      .reply(429, "slow down", { headers: { "retry-after": "2" } });
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(201, { thing: {} });
    assert.equal((await transport.send(req("POST", { body: {} }))).status, 201);
    assert.deepEqual(sleeps, [2000]);

    pool
      .intercept({ path: "/v2.0/things", method: "GET" })
      .reply(429, "later", { headers: { "retry-after": "3600" } });
    await assert.rejects(
      transport.send(req("GET")),
      (e: HttpError) => e.status === 429 && e.retryAfterSeconds === 3600,
    );
    assert.deepEqual(sleeps, [2000]);
  });

  it("retries a transient 409 (Octavia immutable), even for POST, but not a real conflict", async () => {
    const { pool, transport } = setup();
    const immutable = {
      faultcode: "Client",
      faultstring: "Load Balancer abc is immutable and cannot be updated.",
    };
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(409, immutable);
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(201, {});
    assert.equal((await transport.send(req("POST", { body: {} }))).status, 201);

    const inUse = {
      NeutronError: { type: "IpAddressInUse", message: "IP address 10.0.0.5 already allocated" },
    };
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(409, inUse);
    await assert.rejects(transport.send(req("POST", { body: {} })), /already allocated/);
  });

  it("never retries an ambiguous POST failure without proof that nothing was created", async () => {
    const { pool, transport } = setup();
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(503, "gateway");
    await assert.rejects(transport.send(req("POST", { body: {} })), (e: HttpError) => e.status === 503);
  });

  it("does not retry when the probe finds something was created", async () => {
    const { pool, transport } = setup();
    let probes = 0;
    const probe = () => Promise.resolve(++probes < 0);
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(502, "bad gateway");
    await assert.rejects(
      transport.send(req("POST", { body: {}, nothingCreated: probe })),
      (e: HttpError) => e.status === 502,
    );
    assert.equal(probes, 1);
  });

  it("never retries a timed-out POST: the service may still commit it, whatever a listing shows now", async () => {
    const { pool, transport } = setup();
    let probes = 0;
    const probe = () => Promise.resolve(++probes > 0);
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(504, "gateway timeout");
    await assert.rejects(
      transport.send(req("POST", { body: {}, nothingCreated: probe })),
      (e: HttpError) => e.status === 504,
    );
    assert.equal(probes, 0);
  });

  it("retries an ambiguous POST failure once the probe proves nothing was created", async () => {
    const { pool, transport } = setup();
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(502, "bad gateway");
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(201, { created: 1 });
    const ok = await transport.send(req("POST", { body: {}, nothingCreated: () => Promise.resolve(true) }));
    assert.equal(ok.status, 201);
  });

  it("retries connection resets for GET but not for POST", async () => {
    const { pool, transport } = setup();
    pool.intercept({ path: "/v2.0/things", method: "GET" }).replyWithError(errno("ECONNRESET"));
    pool.intercept({ path: "/v2.0/things", method: "GET" }).reply(200, {});
    assert.equal((await transport.send(req("GET"))).status, 200);
    pool.intercept({ path: "/v2.0/things", method: "POST" }).replyWithError(errno("ECONNRESET"));
    await assert.rejects(
      transport.send(req("POST", { body: {} })),
      (e: TransportError) => e.code === "ECONNRESET",
    );
  });

  it("retries a refused connection even for POST: nothing was sent", async () => {
    const { pool, transport } = setup();
    pool.intercept({ path: "/v2.0/things", method: "POST" }).replyWithError(errno("ECONNREFUSED"));
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(201, {});
    assert.equal((await transport.send(req("POST", { body: {} }))).status, 201);
  });

  it("treats a PUT marked non-idempotent like a POST", async () => {
    const { pool, transport } = setup();
    pool.intercept({ path: "/v2.0/things", method: "PUT" }).reply(503, "x");
    await assert.rejects(
      transport.send(req("PUT", { body: {}, idempotent: false })),
      (e: HttpError) => e.status === 503,
    );
  });

  it("times out a hung request with a TransportError", async () => {
    const { pool, transport } = setup({ timeoutMs: 50 });
    pool.intercept({ path: "/v2.0/things", method: "POST" }).reply(200, {}).delay(500);
    await assert.rejects(transport.send(req("POST", { body: {} })), (e: TransportError) => {
      assert.ok(e instanceof TransportError);
      assert.match(e.message, /timed out/);
      return true;
    });
  });
});

describe("Transport errors, metrics and logs", () => {
  it("maps error bodies to HttpError with status, message and request id", async () => {
    const { pool, transport, registry } = setup();
    pool.intercept({ path: "/v2.0/things", method: "GET" }).reply(
      404,
      { NeutronError: { message: "Thing t could not be found" } },
      {
        headers: { "x-openstack-request-id": "req-42" },
      },
    );
    await assert.rejects(transport.send(req("GET")), (e: HttpError) => {
      assert.equal(e.status, 404);
      assert.equal(e.openstackMessage, "Thing t could not be found");
      assert.equal(e.requestId, "req-42");
      assert.match(e.message, /req-42/);
      return true;
    });
    assert.equal(await countRequests(registry, { code: "404" }), 1);
  });

  it("does not count expected statuses as errors", async () => {
    const { pool, transport, registry } = setup();
    pool.intercept({ path: "/v2.0/things", method: "GET" }).reply(404, "{}");
    await assert.rejects(transport.send(req("GET", { expectedStatuses: [404] })));
    const errors = await registry.getSingleMetric("capo_openstack_api_request_errors_total")!.get();
    assert.equal(errors.values.length, 0);
  });

  it("logs requests and responses at trace level with secrets redacted", async () => {
    const { pool, transport, logs } = setup();
    pool
      .intercept({ path: "/v2.0/things", method: "POST" })
      .reply(201, { thing: { note: "echo p4ssw0rd-secret" } }, { headers: { "x-subject-token": "tok" } });
    await transport.send(
      req("POST", {
        headers: { "x-auth-token": "tok-abcdef" },
        body: { auth: { password: "p4ssw0rd-secret" }, user_data: "c2VjcmV0" },
      }),
    );
    const all = logs.join("\n");
    assert.doesNotMatch(all, /p4ssw0rd-secret|tok-abcdef|c2VjcmV0/);
    const [request, response] = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(request!.headers, {
      accept: "application/json",
      "user-agent": "capo-ts-test",
      "x-auth-token": "***",
      "content-type": "application/json",
    });
    assert.deepEqual(request!.body, { auth: { password: "***" }, user_data: "***" });
    assert.deepEqual(response!.body, { thing: { note: "echo ***" } });
  });
});

describe("retry policy helpers", () => {
  const res = (status: number, text = ""): HttpResponse => ({
    status,
    headers: {},
    text,
    requestId: undefined,
  });

  it("classifies outcomes", () => {
    assert.equal(classify(true, res(503)), "safe");
    assert.equal(classify(false, res(503)), "ambiguous");
    assert.equal(classify(false, res(429)), "safe");
    assert.equal(classify(true, res(500)), "permanent");
    assert.equal(classify(true, res(400)), "permanent");
    assert.equal(classify(false, new TransportError("POST", "u", "ECONNREFUSED", "x")), "safe");
    assert.equal(classify(false, new TransportError("POST", "u", "ECONNRESET", "x")), "ambiguous");
  });

  it("recognises transient conflicts", () => {
    assert.ok(
      isTransientConflict(
        '{"conflictingRequest": {"message": "Cannot \'resize\' instance x while it is in task_state migrating"}}',
      ),
    );
    assert.ok(!isTransientConflict('{"NeutronError": {"message": "Quota exceeded"}}'));
  });

  it("parses Retry-After as seconds or a date", () => {
    assert.equal(retryAfterMs("5"), 5000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(retryAfterMs("soon"), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });

  it("caps backoff and keeps jitter within the step", () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffMs(p, 1, () => 0),
      50,
    );
    assert.equal(
      backoffMs(p, 1, () => 1),
      100,
    );
    assert.equal(
      backoffMs(p, 10, () => 1),
      1000,
    );
  });
});

function errno(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}
