import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthenticationError, HttpError, isConflict, isNotFound, openstackMessage } from "./errors.ts";

describe("openstackMessage", () => {
  const cases: [string, string, string][] = [
    [
      "nova",
      '{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}',
      "Instance x could not be found.",
    ],
    [
      "neutron",
      '{"NeutronError": {"type": "NetworkNotFound", "message": "Network y could not be found.", "detail": ""}}',
      "Network y could not be found.",
    ],
    [
      "keystone",
      '{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}',
      "The request you have made requires authentication.",
    ],
    [
      "octavia",
      '{"faultcode": "Client", "faultstring": "Load Balancer z is immutable and cannot be updated.", "debuginfo": null}',
      "Load Balancer z is immutable and cannot be updated.",
    ],
    [
      "placement",
      '{"errors": [{"status": 409, "title": "Conflict", "detail": "resource provider generation conflict"}]}',
      "resource provider generation conflict",
    ],
    [
      "glance html",
      "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>No image found with ID q</body></html>",
      "404 Not Found No image found with ID q",
    ],
    ["plain text", "Service Unavailable", "Service Unavailable"],
    ["empty", "  ", "(empty body)"],
  ];
  for (const [name, body, want] of cases) {
    it(`reads ${name} errors`, () => {
      assert.equal(openstackMessage(body), want);
    });
  }

  it("clips very long bodies", () => {
    assert.ok(openstackMessage("x".repeat(5000)).length <= 1001);
  });
});

describe("HttpError", () => {
  const init = {
    status: 404,
    method: "GET",
    url: "http://nova/v2.1/servers/x",
    service: "compute",
    operation: "server_get",
    openstackMessage: "Instance x could not be found.",
    requestId: "req-123",
  };

  it("carries status, message and request id", () => {
    const e = new HttpError(init);
    assert.equal(
      e.message,
      "server_get: GET http://nova/v2.1/servers/x returned 404: Instance x could not be found. (request id req-123)",
    );
    assert.ok(isNotFound(e));
    assert.ok(!isConflict(e));
    assert.equal(e.requestId, "req-123");
  });

  it("names auth URL and principal for authentication failures", () => {
    const e = new AuthenticationError(
      { ...init, status: 401, openstackMessage: "denied" },
      "http://k/v3",
      "user demo",
    );
    assert.match(e.message, /^authentication to http:\/\/k\/v3 as user demo failed with 401: denied/);
    assert.ok(e instanceof HttpError);
  });
});
