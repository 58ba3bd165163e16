import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, parseDuration, parseFlags } from "./flags.ts";
import type { FlagDef } from "./flags.ts";

test("Go durations parse to milliseconds", () => {
  assert.equal(parseDuration("15s"), 15_000);
  assert.equal(parseDuration("10m"), 600_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("300ms"), 300);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("2m0.5s"), 120_500);
  for (const bad of ["", "10", "5x", "s", "1h 2m"])
    assert.throws(() => parseDuration(bad), /invalid duration/);
  assert.equal(formatDuration(600_000), "10m0s");
  assert.equal(formatDuration(15_000), "15s");
});

const defs: FlagDef[] = [
  { name: "leader-elect", type: "bool", default: false, usage: "" },
  { name: "namespace", type: "string", default: "", usage: "" },
  { name: "concurrency", type: "int", default: 10, usage: "" },
  { name: "qps", type: "float", default: 20, usage: "" },
  { name: "sync-period", type: "duration", default: 600_000, usage: "" },
  { name: "phases", type: "stringSlice", default: ["x"], usage: "" },
  { name: "gates", type: "mapStringBool", default: { A: true }, usage: "" },
];

test("pflag forms: --a=b, --a b, bare and explicit booleans, single dash", () => {
  const p = parseFlags(defs, [
    "--leader-elect",
    "--namespace",
    "capo-system",
    "--concurrency=3",
    "-qps=2.5",
    "--sync-period=1m",
    "arg",
  ]);
  assert.equal(p.values.get("leader-elect"), true);
  assert.equal(p.values.get("namespace"), "capo-system");
  assert.equal(p.values.get("concurrency"), 3);
  assert.equal(p.values.get("qps"), 2.5);
  assert.equal(p.values.get("sync-period"), 60_000);
  assert.deepEqual(p.args, ["arg"]);
  assert.deepEqual([...p.set].sort(), ["concurrency", "leader-elect", "namespace", "qps", "sync-period"]);
  assert.equal(parseFlags(defs, ["--leader-elect=false"]).values.get("leader-elect"), false);
});

test("defaults apply; lists given replace the default and accumulate across repeats", () => {
  const d = parseFlags(defs, []);
  assert.deepEqual(d.values.get("phases"), ["x"]);
  const p = parseFlags(defs, ["--phases=a,b", "--phases", "c", "--gates=B=true,C=false", "--gates=D=1"]);
  assert.deepEqual(p.values.get("phases"), ["a", "b", "c"]);
  assert.deepEqual(p.values.get("gates"), { B: true, C: false, D: true });
});

test("errors name the flag", () => {
  assert.throws(() => parseFlags(defs, ["--nope"]), /unknown flag: --nope/);
  assert.throws(() => parseFlags(defs, ["--concurrency=ten"]), /invalid integer "ten" for --concurrency/);
  assert.throws(() => parseFlags(defs, ["--leader-elect=maybe"]), /invalid boolean/);
  assert.throws(() => parseFlags(defs, ["--sync-period=10"]), /invalid duration "10" for --sync-period/);
  assert.throws(() => parseFlags(defs, ["--namespace"]), /needs an argument/);
  assert.throws(() => parseFlags(defs, ["--gates=A"]), /invalid key=value/);
});
