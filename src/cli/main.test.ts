import { test } from "node:test";
import assert from "node:assert/strict";
import { version } from "./main.ts";

test("version matches package.json semver", () => {
  assert.match(version(), /^\d+\.\d+\.\d+/);
});
