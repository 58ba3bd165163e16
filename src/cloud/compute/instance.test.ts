import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Server } from "../../openstack/compute.ts";
import { Pending, UserError } from "../errors.ts";
import { instanceState, serverCreateBody } from "./instance.ts";
import type { ServerWant } from "./instance.ts";

const base: ServerWant = {
  name: "m-0",
  flavorId: "f-1",
  imageId: "img-1",
  portIds: ["p-0", "p-1"],
  metadata: {},
  tags: [],
  blockDevices: [],
};

describe("serverCreateBody", () => {
  it("boots from the image with no mapping when there are no devices; optional fields only when set", () => {
    assert.deepEqual(serverCreateBody(base), {
      server: {
        name: "m-0",
        flavorRef: "f-1",
        imageRef: "img-1",
        networks: [{ port: "p-0" }, { port: "p-1" }],
      },
      options: {},
    });
  });

  it("carries AZ, key, metadata, base64 user data, config drive, tags and the server group hint", () => {
    const { server, options } = serverCreateBody({
      ...base,
      availabilityZone: "az1",
      keyName: "k",
      metadata: { a: "1" },
      userData: Buffer.from("#cloud-config\n"),
      configDrive: false,
      tags: ["t1", "t2"],
      serverGroupId: "g-1",
    });
    assert.equal(server.availability_zone, "az1");
    assert.equal(server.key_name, "k");
    assert.deepEqual(server.metadata, { a: "1" });
    assert.equal(server.user_data, "I2Nsb3VkLWNvbmZpZwo=");
    assert.equal(server.config_drive, false);
    assert.deepEqual(server.tags, ["t1", "t2"]);
    assert.deepEqual(options, { schedulerHints: { group: "g-1" } });
  });

  it("boot from volume: no imageRef, the root volume at index 0, additional devices tagged", () => {
    const { server } = serverCreateBody({
      ...base,
      blockDevices: [
        { kind: "rootVolume", volumeId: "v-root" },
        { kind: "volume", name: "etcd", volumeId: "v-etcd" },
        { kind: "local", name: "scratch", sizeGiB: 2 },
      ],
    });
    assert.equal(server.imageRef, undefined);
    assert.deepEqual(server.block_device_mapping_v2, [
      {
        source_type: "volume",
        destination_type: "volume",
        uuid: "v-root",
        boot_index: 0,
        delete_on_termination: true,
      },
      {
        source_type: "volume",
        destination_type: "volume",
        uuid: "v-etcd",
        boot_index: -1,
        delete_on_termination: true,
        tag: "etcd",
      },
      {
        source_type: "blank",
        destination_type: "local",
        volume_size: 2,
        boot_index: -1,
        delete_on_termination: true,
        tag: "scratch",
      },
    ]);
  });

  it("image boot with additional devices maps the image disk at index 0", () => {
    const { server } = serverCreateBody({
      ...base,
      blockDevices: [{ kind: "local", name: "d", sizeGiB: 1 }],
    });
    assert.equal(server.imageRef, "img-1");
    assert.deepEqual(server.block_device_mapping_v2?.[0], {
      source_type: "image",
      destination_type: "local",
      uuid: "img-1",
      boot_index: 0,
      delete_on_termination: true,
    });
    assert.equal(server.block_device_mapping_v2.length, 2);
  });
});

describe("instanceState", () => {
  const server = (status: string, extra: Partial<Server> = {}) =>
    ({ id: "s-1", name: "m-0", status, created: "2026-12-01T09:00:00Z", ...extra }) as Server;

  it("ACTIVE is ready, DELETED and SOFT_DELETED are gone, SHUTOFF is unknown", () => {
    assert.equal(instanceState(server("ACTIVE")), "ready");
    assert.equal(instanceState(server("DELETED")), "gone");
    assert.equal(instanceState(server("SOFT_DELETED")), "gone");
    assert.equal(instanceState(server("SHUTOFF")), "unknown");
  });

  it("BUILD is Pending since the server was created", () => {
    assert.throws(
      () => instanceState(server("BUILD")),
      (e: unknown) => e instanceof Pending && e.since === Date.parse("2026-12-01T09:00:00Z"),
    );
  });

  it("ERROR carries Nova's fault message and code", () => {
    const fault = { code: 500, message: "No valid host was found. ", created: "2026-12-01T09:00:05Z" };
    assert.throws(
      () => instanceState(server("ERROR", { fault })),
      (e: unknown) =>
        e instanceof UserError &&
        e.reason === "InstanceStateError" &&
        e.message === "server m-0 (s-1) is in ERROR state: No valid host was found. (code 500)",
    );
    assert.throws(() => instanceState(server("ERROR")), /server m-0 \(s-1\) is in ERROR state$/);
  });
});
