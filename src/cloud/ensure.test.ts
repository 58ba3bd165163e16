import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HttpError } from "../openstack/errors.ts";
import { deleteOwned, ensureOne, type EnsureSpec } from "./ensure.ts";
import { DuplicateResourceError, Pending } from "./errors.ts";

interface R {
  id: string;
  name: string;
}

/** A fake collection that records which calls were made, in order. */
function fakeSpec(existing: R[], over: Partial<EnsureSpec<R>> = {}) {
  const calls: string[] = [];
  const spec: EnsureSpec<R> = {
    kind: "network",
    name: "n",
    whenGone: "recreate",
    get: (id) => {
      calls.push(`get ${id}`);
      return Promise.resolve(existing.find((r) => r.id === id));
    },
    listByName: (name) => {
      calls.push(`list ${name}`);
      return Promise.resolve(existing.filter((r) => r.name === name));
    },
    create: () => {
      calls.push("create");
      return Promise.resolve({ id: "new", name: "n" });
    },
    ...over,
  };
  return { spec, calls };
}

describe("ensureOne", () => {
  it("finds the recorded ID with one get and never lists or creates", async () => {
    const { spec, calls } = fakeSpec([{ id: "a", name: "n" }], { recordedId: "a" });
    assert.deepEqual(await ensureOne(spec), { state: "found", resource: { id: "a", name: "n" } });
    assert.deepEqual(calls, ["get a"]);
  });

  it("adopts the one resource with the name when nothing is recorded", async () => {
    const { spec, calls } = fakeSpec([{ id: "a", name: "n" }]);
    assert.equal((await ensureOne(spec)).state, "adopted");
    assert.deepEqual(calls, ["list n"]);
  });

  it("creates only when the name is free", async () => {
    const { spec, calls } = fakeSpec([{ id: "x", name: "other" }]);
    assert.equal((await ensureOne(spec)).state, "created");
    assert.deepEqual(calls, ["list n", "create"]);
  });

  it("refuses to pick one of several with the name, naming them all", async () => {
    const { spec, calls } = fakeSpec([
      { id: "a", name: "n" },
      { id: "b", name: "n" },
    ]);
    await assert.rejects(ensureOne(spec), (e: unknown) => {
      assert.ok(e instanceof DuplicateResourceError);
      assert.match(e.message, /found 2 networks named n: a, b/);
      return true;
    });
    assert.deepEqual(calls, ["list n"]);
  });

  it("recreates after a recorded ID is gone, or reports it without creating", async () => {
    const recreate = fakeSpec([], { recordedId: "gone" });
    assert.equal((await ensureOne(recreate.spec)).state, "created");
    assert.deepEqual(recreate.calls, ["get gone", "list n", "create"]);
    const report = fakeSpec([], { recordedId: "gone", whenGone: "report" });
    assert.deepEqual(await ensureOne(report.spec), { state: "gone", id: "gone" });
    assert.deepEqual(report.calls, ["get gone"]);
  });
});

/** An in-flight guard with nothing in flight that records its marks and clears into `order`. */
const recordingInFlight = (order: string[]) => ({
  since: undefined,
  windowMs: 60_000,
  mark: () => Promise.resolve(void order.push("mark")),
  clear: () => Promise.resolve(void order.push("clear")),
});

describe("ensureOne with a create in flight", () => {
  it("waits while an earlier create may still commit, then marks before creating", async () => {
    let marks = 0;
    const mark = () => {
      marks++;
      return Promise.resolve();
    };
    const clear = () => Promise.resolve();
    const recent = fakeSpec([], { inFlight: { since: Date.now() - 1000, windowMs: 60_000, mark, clear } });
    await assert.rejects(ensureOne(recent.spec), (e: unknown) => e instanceof Pending);
    assert.deepEqual(recent.calls, ["list n"], "no create while the earlier one may commit");
    const old = fakeSpec([], { inFlight: { since: Date.now() - 120_000, windowMs: 60_000, mark, clear } });
    assert.equal((await ensureOne(old.spec)).state, "created");
    assert.equal(marks, 1, "the new create is marked before it is sent");
  });

  it("prepares a create only when the name is free, and before marking it", async () => {
    const order: string[] = [];
    const inFlight = recordingInFlight(order);
    const spec = (existing: R[]): EnsureSpec<R, string> => ({
      ...fakeSpec(existing).spec,
      inFlight,
      prepare: () => Promise.resolve((order.push("prepare"), "body")),
      create: (body) => Promise.resolve((order.push(`create ${body}`), { id: "new", name: "n" })),
    });
    assert.equal((await ensureOne(spec([{ id: "a", name: "n" }]))).state, "adopted");
    assert.deepEqual(order, [], "an adopted resource prepares nothing");
    assert.equal((await ensureOne(spec([]))).state, "created");
    assert.deepEqual(order, ["prepare", "mark", "create body"]);
    const pending = { ...spec([]), prepare: () => Promise.reject(new Pending("volumes", Date.now())) };
    order.length = 0;
    await assert.rejects(ensureOne(pending), (e: unknown) => e instanceof Pending);
    assert.deepEqual(order, [], "a Pending prepare marks nothing in flight");
  });

  it("clears the mark when the service refuses the create (4xx), keeps it when the answer is unknown", async () => {
    const order: string[] = [];
    const inFlight = recordingInFlight(order);
    const failing = (status: number) => ({
      ...fakeSpec([]).spec,
      inFlight,
      create: () =>
        Promise.reject(
          new HttpError({
            status,
            method: "POST",
            url: "http://nova/v2.1/servers",
            service: "compute",
            operation: "server_create",
            openstackMessage: "The requested availability zone is not available",
          }),
        ),
    });
    await assert.rejects(ensureOne(failing(400)), HttpError);
    assert.deepEqual(order, ["mark", "clear"], "a refused create is not in flight");
    order.length = 0;
    await assert.rejects(ensureOne(failing(504)), HttpError);
    assert.deepEqual(order, ["mark"], "a 504 may still commit: the mark stays");
  });
});

describe("deleteOwned", () => {
  it("deletes the recorded ID and every resource with the name, once each", async () => {
    const deleted: string[] = [];
    const n = await deleteOwned<R>({
      recordedId: "a",
      name: "n",
      listByName: () =>
        Promise.resolve([
          { id: "a", name: "n" },
          { id: "b", name: "n" },
        ]),
      delete: (id) => {
        deleted.push(id);
        return Promise.resolve(id !== "b");
      },
    });
    assert.deepEqual(deleted, ["a", "b"]);
    assert.equal(n, 1, "a resource already gone does not count");
  });
});
