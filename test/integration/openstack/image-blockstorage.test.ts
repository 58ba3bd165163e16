// Contract tests of the Glance and Cinder clients against the real all-in-one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { ADMIN_CLOUD, Cleanup, PREFIX, SEED, credential, newClient, waitFor, waitGone } from "./env.ts";

const name = (s: string) => `${PREFIX}-img-${s}`;

describe("Glance contract", () => {
  const cleanup = new Cleanup();
  let os: OpenStackClient;

  before(() => {
    os = newClient();
  });

  after(() => cleanup.run());

  it("images: create with tags and properties, get, list by name and tags, update, delete", async () => {
    const img = await os.image.createImage({
      name: name("a"),
      disk_format: "qcow2",
      container_format: "bare",
      tags: [`${PREFIX}-t1`, `${PREFIX}-t2`],
      os_type: "linux",
    });
    cleanup.add("image a", () => os.image.deleteImage(img.id, { ignoreNotFound: true }));
    const got = await os.image.getImage(img.id);
    assert.equal(got.os_type, "linux");
    assert.deepEqual([...got.tags].sort(), [`${PREFIX}-t1`, `${PREFIX}-t2`]);
    assert.deepEqual(
      (await os.image.listImages({ name: name("a") })).map((i) => i.id),
      [img.id],
    );
    assert.deepEqual(
      (await os.image.listImages({ tags: [`${PREFIX}-t1`, `${PREFIX}-t2`] })).map((i) => i.id),
      [img.id],
    );
    const upd = await os.image.updateImage(img.id, [
      { op: "replace", path: "/name", value: name("a2") },
      { op: "add", path: "/os_distro", value: "ubuntu" },
      { op: "remove", path: "/os_type" },
    ]);
    assert.equal(upd.name, name("a2"));
    assert.equal(upd.os_distro, "ubuntu");
    assert.equal(upd.os_type, undefined);
    assert.equal(await os.image.deleteImage(img.id), true);
    assert.equal(await os.image.deleteImage(img.id, { ignoreNotFound: true }), false);
  });

  it("images: list pages through Glance's next links", async () => {
    const tag = `${PREFIX}-page`;
    for (const i of [1, 2, 3]) {
      const img = await os.image.createImage({ name: name(`p${i}`), tags: [tag] });
      cleanup.add(`image p${i}`, () => os.image.deleteImage(img.id, { ignoreNotFound: true }));
    }
    const pages: number[] = [];
    for await (const page of os.image.pages({ tags: [tag] }, { pageSize: 2 })) pages.push(page.length);
    assert.deepEqual(pages.slice(0, 2), [2, 1]);
    assert.equal((await os.image.listImages({ tags: [tag] }, { pageSize: 1 })).length, 3);
  });

  it("lists seeded images by name", async () => {
    const [cirros] = await os.image.listImages({ name: SEED.image });
    assert.equal(cirros?.status, "active");
  });
});

describe("Cinder contract", () => {
  const cleanup = new Cleanup();
  let os: OpenStackClient;
  let admin: OpenStackClient;

  before(() => {
    os = newClient();
    admin = newClient(credential(ADMIN_CLOUD));
  });

  after(() => cleanup.run());

  it("lists volume availability zones", async () => {
    const zones = (await os.blockStorage.listAvailabilityZones()).map((z) => z.zoneName);
    assert.ok(zones.includes(SEED.az), zones.join(","));
  });

  it("volume types: list, get; create, update, delete as admin", async () => {
    const seeded = (await os.blockStorage.volumeTypes.list()).find((t) => t.name === SEED.volumeType);
    assert.ok(seeded, `volume type ${SEED.volumeType} is seeded`);
    assert.equal((await os.blockStorage.volumeTypes.get(seeded.id)).name, SEED.volumeType);
    const t = await admin.blockStorage.volumeTypes.create({ name: name("type"), description: "d" });
    cleanup.add("volume type", () => admin.blockStorage.volumeTypes.delete(t.id, { ignoreNotFound: true }));
    assert.equal((await admin.blockStorage.volumeTypes.update(t.id, { description: "e" })).description, "e");
    assert.equal(await admin.blockStorage.volumeTypes.delete(t.id), true);
    assert.equal(await admin.blockStorage.volumeTypes.get(t.id, { ignoreNotFound: true }), undefined);
  });

  it("volumes: create, get, list by name, update, delete", async () => {
    const vols = os.blockStorage.volumes;
    const v = await vols.create({
      size: 1,
      name: name("vol"),
      description: "Root volume for test",
      availability_zone: SEED.az,
      volume_type: SEED.volumeType,
      metadata: { a: "1" },
    });
    cleanup.add("volume", async () => {
      await vols.delete(v.id, { ignoreNotFound: true });
      await waitGone("volume", () => vols.get(v.id));
    });
    const ready = await waitFor(
      "volume available",
      () => vols.get(v.id),
      (x) => ["available", "error"].includes(x.status),
    );
    assert.equal(ready.status, "available");
    assert.equal(ready.volume_type, SEED.volumeType);
    assert.equal(ready.availability_zone, SEED.az);
    assert.deepEqual(
      (await vols.list({ name: name("vol") })).map((x) => x.id),
      [v.id],
    );
    const upd = await vols.update(v.id, { name: name("vol2"), metadata: { b: "2" } });
    assert.equal(upd.name, name("vol2"));
    assert.deepEqual(upd.metadata, { b: "2" });
    assert.equal(await vols.delete(v.id), true);
    await waitGone("volume", () => vols.get(v.id));
  });
});
