import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { main, version } from "./main.ts";

const capture = (): {
  out: string[];
  err: string[];
  io: { out: (s: string) => void; err: (s: string) => void };
} => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s) => out.push(s), err: (s) => err.push(s) } };
};

test("version matches package.json semver", () => {
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

test("--version, version and manager --version print the version", async () => {
  for (const argv of [["--version"], ["version"], ["manager", "--version"]]) {
    const c = capture();
    assert.equal(await main(argv, c.io), 0);
    assert.equal(c.out.join(""), `capo-ts ${version()}\n`);
  }
});

test("unknown commands and flags exit 2 with usage", async () => {
  const c = capture();
  assert.equal(await main(["frobnicate"], c.io), 2);
  assert.match(c.err.join(""), /unknown command "frobnicate"/);
  const d = capture();
  assert.equal(await main(["manager", "--nope"], d.io), 2);
  assert.match(d.err.join(""), /unknown flag: --nope/);
});

test("bin/capo-ts runs on the pinned Node", () => {
  const out = execFileSync(new URL("../../bin/capo-ts", import.meta.url).pathname, ["--version"], {
    encoding: "utf8",
  });
  assert.equal(out, `capo-ts ${version()}\n`);
});
