import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { REDACTED, Redactor } from "./redact.ts";

describe("Redactor", () => {
  const r = new Redactor(["hunter2-pw", "ab"]);

  it("masks sensitive headers whatever their case", () => {
    assert.deepEqual(
      r.headers({
        "X-Auth-Token": "t",
        "x-subject-token": "t",
        Authorization: "Basic x",
        accept: "application/json",
      }),
      {
        "X-Auth-Token": REDACTED,
        "x-subject-token": REDACTED,
        Authorization: REDACTED,
        accept: "application/json",
      },
    );
  });

  it("masks secret keys in nested bodies and keeps the rest", () => {
    const body = {
      auth: {
        identity: {
          methods: ["password", "token", "application_credential"],
          password: { user: { name: "demo", password: "pw" } },
          token: { id: "gAAAA-token" },
          application_credential: { id: "ac", secret: "s" },
        },
      },
      server: { name: "vm", adminPass: "x", user_data: "I2Nsb3Vk", "OS-EXT-SRV-ATTR:user_data": "y" },
      keypair: { name: "k", private_key: "-----BEGIN" },
    };
    assert.deepEqual(r.body(body), {
      auth: {
        identity: {
          methods: ["password", "token", "application_credential"],
          password: { user: { name: "demo", password: REDACTED } },
          token: { id: REDACTED },
          application_credential: { id: "ac", secret: REDACTED },
        },
      },
      server: { name: "vm", adminPass: REDACTED, user_data: REDACTED, "OS-EXT-SRV-ATTR:user_data": REDACTED },
      keypair: { name: "k", private_key: REDACTED },
    });
  });

  it("keeps objects under a sensitive-looking key walkable (Keystone's token answer)", () => {
    assert.deepEqual(r.body({ token: { expires_at: "t", catalog: [] } }), {
      token: { expires_at: "t", catalog: [] },
    });
  });

  it("scrubs known secret values anywhere in text, but not very short ones", () => {
    assert.equal(r.text("error: password hunter2-pw rejected"), `error: password ${REDACTED} rejected`);
    assert.equal(r.text("about"), "about");
    assert.deepEqual(r.body({ description: "x hunter2-pw" }), { description: `x ${REDACTED}` });
  });

  it("learns secrets later (issued tokens)", () => {
    const later = new Redactor();
    later.addSecret("gAAAAB-token-value");
    assert.equal(later.text("token gAAAAB-token-value"), `token ${REDACTED}`);
  });

  it("parses JSON body text and scrubs non-JSON text", () => {
    assert.deepEqual(r.bodyText('{"password":"p"}'), { password: REDACTED });
    assert.equal(r.bodyText("hunter2-pw"), REDACTED);
    assert.equal(r.bodyText(""), undefined);
  });
});
