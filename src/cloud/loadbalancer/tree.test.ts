import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DuplicateResourceError, Pending } from "../errors.ts";
import { byName, changeMaker, exclusively } from "./tree.ts";

const lb = { id: "lb-1", name: "k8s-clusterapi-cluster-ns-c-kubeapi", updated_at: "2026-12-01T09:00:00" };
const tree = (provisioning_status: string) => ({
  id: lb.id,
  name: lb.name,
  provisioning_status,
  operating_status: "ONLINE",
});

describe("changeMaker", () => {
  it("runs the change on an ACTIVE load balancer, then throws Pending from now", async () => {
    let ran = 0;
    const before = Date.now();
    const e = await changeMaker(
      lb,
      tree("ACTIVE"),
    )(() => {
      ran++;
      return Promise.resolve();
    }).catch((x: unknown) => x);
    assert.equal(ran, 1);
    assert.ok(e instanceof Pending);
    assert.ok(e.since !== undefined && e.since >= before);
  });

  it("does not run the change while PENDING_UPDATE; Pending since the load balancer's update", async () => {
    let ran = 0;
    const e = await changeMaker(
      lb,
      tree("PENDING_UPDATE"),
    )(() => {
      ran++;
      return Promise.resolve();
    }).catch((x: unknown) => x);
    assert.equal(ran, 0);
    assert.ok(e instanceof Pending);
    assert.match(e.message, /PENDING_UPDATE/);
    assert.equal(e.since, Date.parse("2026-12-01T09:00:00Z"));
  });

  it("a change that made none (false) returns without Pending", async () => {
    await changeMaker(lb, tree("ACTIVE"))(() => Promise.resolve(false));
  });
});

describe("byName", () => {
  const items = [
    { id: "a", name: "x-6443" },
    { id: "b", name: "x-8443" },
    { id: "c", name: "x-8443" },
  ];

  it("finds the one with the exact name, or none", () => {
    assert.equal(byName(items, "listener", "x-6443")?.id, "a");
    assert.equal(byName(items, "listener", "x-644"), undefined);
    assert.equal(byName(undefined, "listener", "x-6443"), undefined);
  });

  it("several with the name are a DuplicateResourceError naming them", () => {
    assert.throws(
      () => byName(items, "listener", "x-8443"),
      (e: unknown) => e instanceof DuplicateResourceError && /b, c/.test(e.message),
    );
  });
});

describe("exclusively", () => {
  it("lets one change of a load balancer run at a time; another meanwhile is Pending, and may go after", async () => {
    let release!: () => void;
    const first = exclusively(
      lb,
      () =>
        new Promise<string>(
          (r) =>
            (release = () => {
              r("first");
            }),
        ),
    );
    await assert.rejects(
      exclusively(lb, () => Promise.resolve("second")),
      Pending,
    );
    assert.equal(await exclusively({ ...lb, id: "lb-2" }, () => Promise.resolve("other")), "other");
    release();
    assert.equal(await first, "first");
    assert.equal(await exclusively(lb, () => Promise.resolve("after")), "after");
    await assert.rejects(
      exclusively(lb, () => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(await exclusively(lb, () => Promise.resolve("after a failure")), "after a failure");
  });
});
