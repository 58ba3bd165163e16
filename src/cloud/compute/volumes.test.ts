import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Volume } from "../../openstack/blockstorage.ts";
import { Pending, UserError } from "../errors.ts";
import { volumeTimeoutMinutes, volumeWants, volumesReady } from "./volumes.ts";

describe("volumeWants", () => {
  it("root volume from the image, AZ by name; additional Volume devices only, AZ from the machine", () => {
    const wants = volumeWants(
      "m-0",
      {
        rootVolume: { sizeGiB: 10, type: "ssd", availabilityZone: { from: "Name", name: "az-v" } },
        additionalBlockDevices: [
          {
            name: "etcd",
            sizeGiB: 2,
            storage: { type: "Volume", volume: { availabilityZone: { from: "Machine" } } },
          },
          { name: "scratch", sizeGiB: 1, storage: { type: "Local" } },
          { name: "data", sizeGiB: 3, storage: { type: "Volume" } },
        ],
      },
      "img-1",
      "az-m",
    );
    assert.deepEqual(wants, [
      {
        device: "root",
        root: true,
        name: "m-0-root",
        description: "Root volume for m-0",
        sizeGiB: 10,
        imageRef: "img-1",
        type: "ssd",
        availabilityZone: "az-v",
      },
      {
        device: "etcd",
        root: false,
        name: "m-0-etcd",
        description: "Additional block device for m-0",
        sizeGiB: 2,
        availabilityZone: "az-m",
      },
      {
        device: "data",
        root: false,
        name: "m-0-data",
        description: "Additional block device for m-0",
        sizeGiB: 3,
      },
    ]);
  });

  it("no AZ block means no AZ, even when the machine has one; from Machine without one means none", () => {
    const [root] = volumeWants("m", { rootVolume: { sizeGiB: 1 } }, "img", "az-m");
    assert.equal(root?.availabilityZone, undefined);
    const [r2] = volumeWants(
      "m",
      { rootVolume: { sizeGiB: 1, availabilityZone: { from: "Machine" } } },
      "img",
    );
    assert.equal(r2?.availabilityZone, undefined);
  });

  it("no root volume and no Volume devices: nothing (sizeGiB 0 from an old object counts as none)", () => {
    assert.deepEqual(volumeWants("m", {}, "img"), []);
    assert.deepEqual(volumeWants("m", { rootVolume: { sizeGiB: 0 } }, "img"), []);
  });
});

describe("volumesReady", () => {
  const now = Date.parse("2026-12-01T10:00:00Z");
  const vol = (name: string, status: string, createdAt: string) =>
    ({ id: `id-${name}`, name, status, created_at: createdAt }) as Volume;

  it("all available: returns", () => {
    volumesReady([vol("a", "available", "2026-12-01T09:59:00")], now, 5);
    volumesReady([], now, 5);
  });

  it("creating: Pending since the oldest waiting volume, naming them", () => {
    assert.throws(
      () => {
        volumesReady(
          [
            vol("a", "available", "2026-12-01T09:58:00"),
            vol("b", "creating", "2026-12-01T09:59:30"),
            vol("c", "downloading", "2026-12-01T09:59:00.123456"),
          ],
          now,
          5,
        );
      },
      (e: unknown) =>
        e instanceof Pending &&
        e.since === Date.parse("2026-12-01T09:59:00.123Z") &&
        /b \(creating\), c \(downloading\)/.test(e.message),
    );
  });

  it("past the timeout: UserError naming the volume, the minutes and the status", () => {
    assert.throws(
      () => {
        volumesReady([vol("slow", "creating", "2026-12-01T09:54:00Z")], now, 5);
      },
      (e: unknown) =>
        e instanceof UserError && e.message === "volume slow not available after 5 minutes (status creating)",
    );
  });

  it("error: UserError naming the volume", () => {
    assert.throws(
      () => {
        volumesReady(
          [vol("x", "creating", "2026-12-01T09:59:00"), vol("bad", "error", "2026-12-01T09:59:00")],
          now,
          5,
        );
      },
      (e: unknown) => e instanceof UserError && /volume bad is in error state/.test(e.message),
    );
  });

  it("timeout from CLUSTER_API_OPENSTACK_INSTANCE_CREATE_TIMEOUT, default 5", () => {
    assert.equal(volumeTimeoutMinutes({}), 5);
    assert.equal(volumeTimeoutMinutes({ CLUSTER_API_OPENSTACK_INSTANCE_CREATE_TIMEOUT: "12" }), 12);
    assert.equal(volumeTimeoutMinutes({ CLUSTER_API_OPENSTACK_INSTANCE_CREATE_TIMEOUT: "x" }), 5);
  });
});
