// Contract tests of the Nova client against the real all-in-one (fake virt driver): every call, create → read →
// list with a filter → update → delete, as the member user; flavors are created with the admin user.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { exactName } from "../../../src/openstack/compute.ts";
import type { Server } from "../../../src/openstack/compute.ts";
import type { Network } from "../../../src/openstack/network.ts";
import {
  ADMIN_CLOUD,
  Cleanup,
  PREFIX,
  SEED,
  credential,
  newClient,
  waitFor,
  waitGone,
  tenantNetwork,
} from "./env.ts";

const name = (s: string) => `${PREFIX}-cmp-${s}`;

describe("Nova contract", () => {
  const cleanup = new Cleanup();
  let os: OpenStackClient;
  let admin: OpenStackClient;
  let net: Network;
  let imageId: string;
  let flavorId: string;

  before(async () => {
    os = newClient();
    admin = newClient(credential(ADMIN_CLOUD));
    ({ net } = await tenantNetwork(os, cleanup, name("net"), "10.71.0.0/24"));
    const [image] = await os.image.listImages({ name: SEED.image });
    assert.ok(image, `image ${SEED.image} is seeded`);
    imageId = image.id;
    const [flavor] = (await os.compute.listFlavors()).filter((f) => f.name === SEED.flavor);
    assert.ok(flavor, `flavor ${SEED.flavor} is seeded`);
    flavorId = flavor.id;
  });

  after(() => cleanup.run());

  async function boot(
    suffix: string,
    extra: Partial<Parameters<OpenStackClient["compute"]["createServer"]>[0]> = {},
  ) {
    const created = await os.compute.createServer({
      name: name(suffix),
      flavorRef: flavorId,
      imageRef: imageId,
      networks: [{ uuid: net.id }],
      ...extra,
    });
    cleanup.add(`server ${suffix}`, async () => {
      await os.compute.deleteServer(created.id, { ignoreNotFound: true });
      await waitGone(`server ${suffix}`, () => os.compute.getServer(created.id));
    });
    return created;
  }

  it("negotiates the microversion range", async () => {
    const v = await os.compute.versions();
    assert.equal(v.min, "2.1");
    assert.ok(Number(v.max.split(".")[1]) >= 60, `max ${v.max} covers 2.60`);
  });

  it("flavors: list, get; create and delete as admin", async () => {
    const listed = await os.compute.listFlavors();
    assert.ok(listed.some((f) => f.name === SEED.flavor));
    assert.equal((await os.compute.getFlavor(flavorId)).name, SEED.flavor);
    const f = await admin.compute.createFlavor({ name: name("flavor"), ram: 64, vcpus: 1, disk: 1 });
    cleanup.add("flavor", () => admin.compute.deleteFlavor(f.id, { ignoreNotFound: true }));
    assert.equal((await os.compute.getFlavor(f.id)).ram, 64);
    assert.ok((await os.compute.listFlavors({ minRam: 64 })).some((x) => x.id === f.id));
    assert.equal(await admin.compute.deleteFlavor(f.id), true);
  });

  it("lists availability zones", async () => {
    const zones = (await os.compute.listAvailabilityZones()).map((z) => z.zoneName);
    assert.ok(zones.includes(SEED.az) && zones.includes(SEED.azAlt), zones.join(","));
  });

  it("server groups: create, get, list, delete", async () => {
    const g = await os.compute.createServerGroup({ name: name("group"), policies: ["soft-anti-affinity"] });
    cleanup.add("server group", () => os.compute.deleteServerGroup(g.id, { ignoreNotFound: true }));
    assert.deepEqual((await os.compute.getServerGroup(g.id))?.policies, ["soft-anti-affinity"]);
    assert.ok((await os.compute.listServerGroups()).some((x) => x.id === g.id && x.name === name("group")));
    assert.equal(await os.compute.deleteServerGroup(g.id), true);
    assert.equal(await os.compute.getServerGroup(g.id, { ignoreNotFound: true }), undefined);
  });

  it("key pairs: create (Nova-generated), get, list, delete", async () => {
    const k = await os.compute.createKeypair({ name: name("key") });
    cleanup.add("keypair", () => os.compute.deleteKeypair(k.name, { ignoreNotFound: true }));
    assert.match(k.private_key ?? "", /PRIVATE KEY/);
    assert.equal((await os.compute.getKeypair(k.name))?.fingerprint, k.fingerprint);
    assert.ok((await os.compute.listKeypairs()).some((x) => x.name === k.name));
    assert.equal(await os.compute.deleteKeypair(k.name), true);
    assert.equal(await os.compute.getKeypair(k.name, { ignoreNotFound: true }), undefined);
  });

  it("servers: create with tags and metadata, get, list by name and tag, update, tags, metadata, interfaces, delete", async () => {
    const group = await os.compute.createServerGroup({
      name: name("vm-group"),
      policies: ["soft-anti-affinity"],
    });
    cleanup.add("server group vm", () => os.compute.deleteServerGroup(group.id, { ignoreNotFound: true }));
    const created = await os.compute.createServer(
      {
        name: name("vm"),
        flavorRef: flavorId,
        imageRef: imageId,
        networks: [{ uuid: net.id }],
        availability_zone: SEED.az,
        metadata: { role: "control-plane" },
        tags: [`${PREFIX}-a`, `${PREFIX}-b`],
        user_data: Buffer.from("#cloud-config\n").toString("base64"),
      },
      { schedulerHints: { group: group.id } },
    );
    cleanup.add("server vm", async () => {
      await os.compute.deleteServer(created.id, { ignoreNotFound: true });
      await waitGone("server vm", () => os.compute.getServer(created.id));
    });
    const active = await waitFor(
      "server ACTIVE",
      () => os.compute.getServer(created.id),
      (s: Server) => s.status === "ACTIVE" || s.status === "ERROR",
    );
    assert.equal(active.status, "ACTIVE", JSON.stringify(active.fault));
    assert.equal(active["OS-EXT-AZ:availability_zone"], SEED.az);
    assert.deepEqual(active.metadata, { role: "control-plane" });
    assert.ok(
      Object.values(active.addresses)
        .flat()
        .some((a) => a.addr.startsWith("10.71.0.")),
    );
    assert.deepEqual((await os.compute.getServerGroup(group.id))?.members, [created.id]);

    const byName = await os.compute.listServers({ name: exactName(name("vm")) });
    assert.deepEqual(
      byName.map((s) => s.id),
      [created.id],
    );
    const byTag = await os.compute.listServers({ tags: `${PREFIX}-a,${PREFIX}-b` });
    assert.deepEqual(
      byTag.map((s) => s.id),
      [created.id],
    );

    const renamed = await os.compute.updateServer(created.id, { name: name("vm2"), description: "renamed" });
    assert.equal(renamed.name, name("vm2"));
    assert.equal(renamed.description, "renamed");

    assert.deepEqual((await os.compute.listServerTags(created.id)).sort(), [`${PREFIX}-a`, `${PREFIX}-b`]);
    assert.deepEqual(await os.compute.replaceServerTags(created.id, [`${PREFIX}-c`]), [`${PREFIX}-c`]);
    await os.compute.addServerTag(created.id, `${PREFIX}-d`);
    await os.compute.deleteServerTag(created.id, `${PREFIX}-c`);
    assert.deepEqual(await os.compute.listServerTags(created.id), [`${PREFIX}-d`]);

    assert.deepEqual(await os.compute.updateServerMetadata(created.id, { extra: "1" }), {
      role: "control-plane",
      extra: "1",
    });
    assert.deepEqual(await os.compute.replaceServerMetadata(created.id, { only: "2", gone: "3" }), {
      only: "2",
      gone: "3",
    });
    await os.compute.deleteServerMetadataItem(created.id, "gone");
    assert.deepEqual(await os.compute.getServerMetadata(created.id), { only: "2" });

    const [first] = await os.compute.listInterfaceAttachments(created.id);
    assert.equal(first?.net_id, net.id);
    const port = await os.network.ports.create({ network_id: net.id, name: name("vm-extra") });
    cleanup.add("port vm-extra", () => os.network.ports.delete(port.id, { ignoreNotFound: true }));
    const attached = await os.compute.createInterfaceAttachment(created.id, { port_id: port.id });
    assert.equal(attached.port_id, port.id);
    assert.equal((await os.compute.getInterfaceAttachment(created.id, port.id)).net_id, net.id);
    await os.compute.deleteInterfaceAttachment(created.id, port.id);
    await waitFor(
      "interface detached",
      () => os.compute.listInterfaceAttachments(created.id),
      (list) => !list.some((a) => a.port_id === port.id),
      60_000,
    );

    assert.equal(await os.compute.deleteServer(created.id), true);
    await waitGone("server vm", () => os.compute.getServer(created.id));
    assert.equal(await os.compute.getServer(created.id, { ignoreNotFound: true }), undefined);
  });

  it("servers: a server that cannot be scheduled goes to ERROR with its fault", async () => {
    const huge = await admin.compute.createFlavor({
      name: name("huge"),
      // Nova has no disk quota; no fake compute host has 10 PB of local disk.
      ram: 64,
      vcpus: 1,
      disk: 10_000_000,
    });
    cleanup.add("flavor huge", () => admin.compute.deleteFlavor(huge.id, { ignoreNotFound: true }));
    const s = await boot("nohost", { flavorRef: huge.id });
    const failed = await waitFor(
      "server ERROR",
      () => os.compute.getServer(s.id),
      (x) => x.status === "ERROR",
    );
    assert.ok(failed.fault, "fault present");
    assert.match(failed.fault.message, /No valid host/);
    assert.equal(failed.fault.code, 500);
  });
});
