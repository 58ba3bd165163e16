// Secret hygiene: runs the whole OpenStack contract suite in a child process with every request and response
// logged at trace level, then searches the logs and the suite's own output (error messages included) for the
// passwords from clouds.yaml, a known application-credential secret, Keystone tokens, generated private keys
// and user data. It also checks the log really carried those requests, so an empty log cannot pass.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../env/tmp.ts";
import { ADMIN_CLOUD, MEMBER_CLOUD, passwordOf } from "./env.ts";

const SUITE = [
  "auth",
  "network",
  "compute",
  "loadbalancer",
  "image-blockstorage",
  "tls",
  "economy",
  "retries",
];

function runSuite(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const files = SUITE.map((f) => join(import.meta.dirname, `${f}.test.ts`));
  // Set by node --test in its test processes; left in place, the nested runner reports to us and runs nothing.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--test", "--test-concurrency=2", "--test-reporter=spec", ...files],
      { env: { ...inherited, ...env }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? 1 : 0, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe("secret hygiene", () => {
  it("no secret appears in trace logs or error messages of the contract suite", async () => {
    const log = join(tempDir("capo-ts-hygiene-"), "trace.jsonl");
    const appCredSecret = `hygiene-${randomBytes(12).toString("hex")}`;
    const { code, output } = await runSuite({
      CAPO_TS_OPENSTACK_LOG: log,
      CAPO_TS_TEST_APPCRED_SECRET: appCredSecret,
    });
    assert.equal(code, 0, `the contract suite failed:\n${output.slice(-8000)}`);
    const text = readFileSync(log, "utf8");
    const lines = text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { msg: string; service?: string; body?: unknown });

    // The log is real: requests of every service, including password and application-credential logins.
    const requests = lines.filter((l) => l.msg === "OpenStack request");
    const services = new Set(requests.map((l) => l.service));
    for (const s of ["identity", "compute", "network", "load-balancer", "image", "volumev3"]) {
      assert.ok(services.has(s), `requests of ${s} were logged`);
    }
    const bodies = requests.map((l) => JSON.stringify(l.body ?? null));
    assert.ok(bodies.some((b) => b.includes('"password":{"user":{') && b.includes('"password":"***"')));
    assert.ok(bodies.some((b) => b.includes('"application_credential":{') && b.includes('"secret":"***"')));
    assert.ok(text.includes('"x-auth-token":"***"'));
    assert.ok(text.includes('"x-subject-token":"***"'));

    const secrets: [string, string][] = [
      ["member password", passwordOf(MEMBER_CLOUD)],
      ["admin password", passwordOf(ADMIN_CLOUD)],
      ["application credential secret", appCredSecret],
    ];
    for (const [what, secret] of secrets) {
      assert.ok(!text.includes(secret), `${what} in the trace log`);
      assert.ok(!output.includes(secret), `${what} in the suite's output`);
    }
    const patterns: [string, RegExp][] = [
      ["a Keystone fernet token", /gAAAAA[A-Za-z0-9_-]{40,}/],
      ["a private key", /PRIVATE KEY-----(\\n|\n)[A-Za-z0-9+/]/],
      ["user data", /I2Nsb3VkLWNvbmZpZwo=/],
    ];
    for (const [what, re] of patterns) {
      assert.doesNotMatch(text, re, `${what} in the trace log`);
      assert.doesNotMatch(output, re, `${what} in the suite's output`);
    }
  });
});
