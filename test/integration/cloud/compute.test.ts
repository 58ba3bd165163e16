// src/cloud/compute on the real all-in-one (Nova fake driver, Cinder fake volumes): resolution of images,
// flavors and server groups, one server per machine name whatever happens, boot from volume with additional
// devices, Nova's fault on ERROR, delete without waiting, failure domains. Waiting is the test's: the cloud
// functions throw Pending, and `settle` sleeps waitDelay and calls again, as the reconciler requeues.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { failureDomains } from "../../../src/cloud/compute/availability-zones.ts";
import { serverAddresses } from "../../../src/cloud/compute/addresses.ts";
import { deleteServer, ensureServer, instanceState } from "../../../src/cloud/compute/instance.ts";
import type { BlockDevice, ServerWant } from "../../../src/cloud/compute/instance.ts";
import { resolveFlavor, resolveImage, resolveServerGroup } from "../../../src/cloud/compute/resolve.ts";
import {
  deleteVolumes,
  ensureVolumes,
  volumeWants,
  volumesReady,
} from "../../../src/cloud/compute/volumes.ts";
import {
  DuplicateResourceError,
  FilterError,
  Pending,
  UserError,
  waitDelay,
} from "../../../src/cloud/errors.ts";
import type { Recorder } from "../../../src/cloud/recorder.ts";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import type { Server } from "../../../src/openstack/compute.ts";
import { exactName } from "../../../src/openstack/compute.ts";
import { BLOCK_STORAGE } from "../../../src/openstack/blockstorage.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import { ServiceClient } from "../../../src/openstack/rest.ts";
import type { Network } from "../../../src/openstack/network.ts";
import {
  ADMIN_CLOUD,
  Cleanup,
  PREFIX,
  SEED,
  credential,
  newClient,
  tenantNetwork,
  waitGone,
} from "../openstack/env.ts";

const name = (s: string) => `${PREFIX}-cc-${s}`;

/** Calls the function until it stops throwing Pending, sleeping waitDelay(since) in between. */
async function settle<T>(what: string, f: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof Pending) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, waitDelay(e.since)));
    }
  }
}

describe("cloud/compute on the all-in-one", () => {
  const cleanup = new Cleanup();
  const metrics = new Registry();
  const events: { type: string; reason: string; message: string }[] = [];
  const record: Recorder = (type, reason, message) => {
    events.push({ type, reason, message });
  };
  let os: OpenStackClient;
  let admin: OpenStackClient;
  let net: Network;
  let imageId: string;
  let flavorId: string;

  /** OpenStack calls made by the cloud functions, tokens and version documents aside. */
  const calls = async () =>
    (await countRequests(metrics, {})) -
    (await countRequests(metrics, { request: "token_create" })) -
    (await countRequests(metrics, { request: "version_get" }));

  async function port(suffix: string): Promise<string> {
    const p = await os.network.ports.create({ network_id: net.id, name: name(suffix) });
    cleanup.add(`port ${suffix}`, () => os.network.ports.delete(p.id, { ignoreNotFound: true }));
    return p.id;
  }

  // A server found by name never builds its create (volumes, user data): a throwing build proves it.
  const ensure = (w: ServerWant, recordedId?: string, build = () => Promise.resolve(w)) =>
    ensureServer(os.compute, record, { name: w.name, recordedId }, build);
  const neverBuilt = (): Promise<ServerWant> =>
    Promise.reject(new Error("built a create for a server that exists"));

  async function want(suffix: string, extra: Partial<ServerWant> = {}): Promise<ServerWant> {
    return {
      name: name(suffix),
      flavorId,
      imageId,
      portIds: [await port(suffix)],
      metadata: { role: "test" },
      tags: [PREFIX],
      blockDevices: [],
      ...extra,
    };
  }

  /** Servers named `name(suffix)` go in the after hook, and the test waits until they are gone. */
  function sweepServers(suffix: string): void {
    cleanup.add(`servers ${suffix}`, async () => {
      for (const s of await os.compute.listServers({ name: exactName(name(suffix)) })) {
        await os.compute.deleteServer(s.id, { ignoreNotFound: true });
        await waitGone(`server ${s.name}`, () => os.compute.getServer(s.id));
      }
    });
  }

  before(async () => {
    os = newClient(credential(), { registry: metrics });
    admin = newClient(credential(ADMIN_CLOUD));
    ({ net } = await tenantNetwork(os, cleanup, name("net"), "10.72.0.0/24"));
    imageId = await resolveImage(os.image, { filter: { name: SEED.image } });
    flavorId = (await resolveFlavor(os.compute, { name: SEED.flavor })).id;
  });

  after(async () => {
    await cleanup.run();
    // Volumes go with their server (delete_on_termination) or in the tests; sweep what a failure left. Force, as
    // admin: a server create that Nova refuses after reserving its volumes leaves them `reserved`.
    const cinder = new ServiceClient(admin.session, BLOCK_STORAGE);
    for (const v of await os.blockStorage.volumes.list())
      if (v.name?.startsWith(`${PREFIX}-cc-`))
        await cinder.request({
          method: "POST",
          path: `volumes/${v.id}/action`,
          operation: "volume_force_delete",
          body: { "os-force_delete": {} },
        });
  });

  it("resolveImage: by name, by tags, by ID; a missing image or ID is named in the error", async () => {
    const [cirros] = await os.image.listImages({ name: SEED.image });
    assert.ok(cirros);
    assert.equal(imageId, cirros.id);
    assert.equal(await resolveImage(os.image, { id: cirros.id }), cirros.id);

    const tags = [`${PREFIX}-img-a`, `${PREFIX}-img-b`];
    const img = await os.image.createImage({
      name: name("img"),
      disk_format: "qcow2",
      container_format: "bare",
      tags,
    });
    cleanup.add("image", () => os.image.deleteImage(img.id, { ignoreNotFound: true }));
    assert.equal(await resolveImage(os.image, { filter: { tags } }), img.id);
    assert.equal(
      await resolveImage(os.image, { filter: { name: name("img"), tags: [tags[0] ?? ""] } }),
      img.id,
    );

    const twin = await os.image.createImage({ name: name("img2"), tags: [tags[0] ?? ""] });
    cleanup.add("image twin", () => os.image.deleteImage(twin.id, { ignoreNotFound: true }));
    await assert.rejects(
      resolveImage(os.image, { filter: { tags: [tags[0] ?? ""] } }),
      (e: unknown) =>
        e instanceof FilterError &&
        e.reason === "DependencyFailed" &&
        e.message.includes(`"tags":["${tags[0] ?? ""}"]`) &&
        e.matches.length === 2 &&
        e.message.includes(`${name("img2")} (${twin.id})`),
    );
    await assert.rejects(
      resolveImage(os.image, { filter: { name: name("no-such-image") } }),
      (e: unknown) =>
        e instanceof FilterError &&
        e.message === `image filter {"name":"${name("no-such-image")}"} matched no resources`,
    );
    const missing = "00000000-0000-4000-8000-000000000000";
    await assert.rejects(resolveImage(os.image, { id: missing }), (e: unknown) => {
      return (
        e instanceof UserError &&
        e.reason === "DependencyFailed" &&
        e.message === `image ${missing} not found`
      );
    });
  });

  it("resolveFlavor: by name (exact) and by ID; a missing flavor is named", async () => {
    const tiny = await resolveFlavor(os.compute, { name: SEED.flavor });
    assert.equal(tiny.name, SEED.flavor); // not m1.tiny.alt
    assert.equal((await resolveFlavor(os.compute, { id: tiny.id })).name, SEED.flavor);
    await assert.rejects(
      resolveFlavor(os.compute, { name: name("flavor") }),
      (e: unknown) => e instanceof UserError && e.message === `flavor ${name("flavor")} not found`,
    );
    await assert.rejects(resolveFlavor(os.compute, { id: name("flavor") }), /not found/);
  });

  it("resolveServerGroup: by name and by ID; none or two with the name is a FilterError", async () => {
    const g = await os.compute.createServerGroup({ name: name("group"), policies: ["soft-anti-affinity"] });
    cleanup.add("group", () => os.compute.deleteServerGroup(g.id, { ignoreNotFound: true }));
    assert.equal(await resolveServerGroup(os.compute, { filter: { name: name("group") } }), g.id);
    assert.equal(await resolveServerGroup(os.compute, { id: g.id }), g.id);
    await assert.rejects(resolveServerGroup(os.compute, { filter: { name: name("nogroup") } }), FilterError);
    const twin = await os.compute.createServerGroup({
      name: name("group"),
      policies: ["soft-anti-affinity"],
    });
    cleanup.add("group twin", () => os.compute.deleteServerGroup(twin.id, { ignoreNotFound: true }));
    await assert.rejects(
      resolveServerGroup(os.compute, { filter: { name: name("group") } }),
      (e: unknown) => e instanceof FilterError && e.matches.length === 2,
    );
  });

  it("failureDomains: the seeded zones, control plane as the spec says", async () => {
    const all = await failureDomains(os.compute, {});
    assert.deepEqual(all[SEED.az], { controlPlane: true });
    assert.deepEqual(all[SEED.azAlt], { controlPlane: true });
    assert.deepEqual(Object.keys(all), Object.keys(all).sort());
    const some = await failureDomains(os.compute, { controlPlaneAvailabilityZones: [SEED.azAlt] });
    assert.equal(some[SEED.az]?.controlPlane, false);
    assert.equal(some[SEED.azAlt]?.controlPlane, true);
    const none = await failureDomains(os.compute, { controlPlaneOmitAvailabilityZone: true });
    assert.ok(Object.values(none).every((d) => d.controlPlane === false));
  });

  it("ensureServer: create once, then the recorded ID; ACTIVE with addresses; delete without waiting", async () => {
    const w = await want("vm", {
      availabilityZone: SEED.az,
      keyName: "capo-e2e",
      userData: Buffer.from("#cloud-config\n"),
    });
    sweepServers("vm");
    let n = await calls();
    const first = await ensure(w);
    assert.equal(first.state, "created");
    assert.equal(await calls(), n + 2, "list by name + POST");
    const id = first.resource.id;
    assert.ok(events.some((e) => e.reason === "SuccessfulCreateServer" && e.message.includes(id)));

    // A reconcile that lost the ID (killed before writing status) adopts by name.
    const again = await ensure(w, undefined, neverBuilt);
    assert.equal(again.state, "adopted");
    assert.deepEqual(
      (await os.compute.listServers({ name: exactName(w.name) })).map((s) => s.id),
      [id],
    );

    const t0 = Date.now();
    const active = await settle("server ACTIVE", async () => {
      const r = await ensure(w, id);
      assert.equal(r.state, "found");
      instanceState(r.resource);
      return r.resource;
    });
    console.log(`# server ACTIVE ${Date.now() - t0} ms after create`);
    n = await calls();
    const steady = await ensure(w, id);
    assert.equal(await calls(), n + 1, "steady state: one GET");
    assert.ok(steady.state === "found");
    assert.equal(instanceState(steady.resource), "ready");
    assert.equal(active["OS-EXT-AZ:availability_zone"], SEED.az);
    assert.equal(active.key_name, "capo-e2e");
    assert.deepEqual(active.metadata, { role: "test" });
    assert.deepEqual(active.tags, [PREFIX]);
    const addrs = serverAddresses(active);
    assert.match(addrs[0]?.address ?? "", /^10\.72\.0\./);
    assert.deepEqual(addrs.at(-1), { type: "InternalDNS", address: w.name });

    n = await calls();
    const t1 = Date.now();
    await assert.rejects(deleteServer(os.compute, record, { id, name: w.name }), Pending);
    assert.equal(await calls(), n + 2, "GET + DELETE");
    await settle("server gone", () => deleteServer(os.compute, record, { id, name: w.name }));
    console.log(`# server gone ${Date.now() - t1} ms after delete`);
    assert.equal(await os.compute.getServer(id, { ignoreNotFound: true }), undefined);
    n = await calls();
    await deleteServer(os.compute, record, { id, name: w.name });
    assert.equal(
      await calls(),
      n + 2,
      "gone: list by name (a twin from a lost create) + GET of the recorded ID",
    );
    const gone = await ensure(w, id);
    assert.deepEqual(gone, { state: "gone", id });
    assert.deepEqual(await os.compute.listServers({ name: exactName(w.name) }), [], "never recreated");
  });

  it("ensureServer adopts a server whose create was lost, and refuses two with its name", async () => {
    const w = await want("lost");
    sweepServers("lost");
    const lost = await os.compute.createServer({
      name: w.name,
      flavorRef: flavorId,
      imageRef: imageId,
      networks: "none",
    });
    const adopted = await ensure(w, undefined, neverBuilt);
    assert.equal(adopted.state, "adopted");
    assert.equal(adopted.resource.id, lost.id);

    const twin = await os.compute.createServer({
      name: w.name,
      flavorRef: flavorId,
      imageRef: imageId,
      networks: "none",
    });
    await assert.rejects(
      ensure(w),
      (e: unknown) =>
        e instanceof DuplicateResourceError && e.message.includes(lost.id) && e.message.includes(twin.id),
    );
    assert.ok(events.some((e) => e.type === "Warning" && e.reason === "DuplicateServerNames"));
    // A longer name that contains this one is not a match (Nova's name filter is a regular expression).
    assert.equal((await os.compute.listServers({ name: exactName(name("lo")) })).length, 0);

    // Delete by name takes both.
    await assert.rejects(deleteServer(os.compute, record, { name: w.name }), Pending);
    await settle("both gone", () => deleteServer(os.compute, record, { name: w.name }));
    assert.deepEqual(await os.compute.listServers({ name: exactName(w.name) }), []);
  });

  it("boot from volume with a root volume (type, AZ) and tagged additional Volume and Local devices", async () => {
    const server = name("bfv");
    const wants = volumeWants(
      server,
      {
        rootVolume: { sizeGiB: 1, type: SEED.volumeType, availabilityZone: { from: "Name", name: SEED.az } },
        additionalBlockDevices: [
          {
            name: "etcd",
            sizeGiB: 1,
            storage: { type: "Volume", volume: { availabilityZone: { from: "Machine" } } },
          },
          { name: "scratch", sizeGiB: 1, storage: { type: "Local" } },
        ],
      },
      imageId,
      SEED.az,
    );
    sweepServers("bfv");
    const n = await calls();
    const t0 = Date.now();
    const made = await ensureVolumes(os.blockStorage, record, wants);
    assert.equal(await calls(), n + 4, "per volume: list by name + POST");
    assert.deepEqual(
      made.map((v) => v.name),
      [`${server}-root`, `${server}-etcd`],
    );
    const [madeRoot, madeEtcd] = made;
    assert.ok(madeRoot && madeEtcd);
    assert.equal(madeRoot.description, `Root volume for ${server}`);
    assert.equal(madeRoot.volume_type, SEED.volumeType);
    assert.equal(madeRoot.availability_zone, SEED.az);
    assert.equal(madeEtcd.description, `Additional block device for ${server}`);
    assert.equal(madeEtcd.availability_zone, SEED.az, "from: Machine");
    // Found by name again: no second volume.
    const ready = await settle("volumes available", async () => {
      const vs = await ensureVolumes(os.blockStorage, record, wants);
      volumesReady(vs);
      return vs;
    });
    console.log(`# volumes available ${Date.now() - t0} ms after create`);
    assert.deepEqual(
      ready.map((v) => v.id),
      made.map((v) => v.id),
    );
    assert.ok(events.filter((e) => e.reason === "SuccessfulCreateVolume").length >= 2);
    await assert.rejects(
      ensureVolumes(os.blockStorage, record, [{ ...wants[1]!, sizeGiB: 2 }]),
      (e: unknown) =>
        e instanceof UserError && e.message.includes(`${server}-etcd`) && e.message.includes("size 1 GiB"),
    );

    const [root, etcd] = ready;
    assert.ok(root && etcd);
    const blockDevices: BlockDevice[] = [
      { kind: "rootVolume", volumeId: root.id },
      { kind: "volume", name: "etcd", volumeId: etcd.id },
      { kind: "local", name: "scratch", sizeGiB: 1 },
    ];
    // A Local device is carved from the flavor's ephemeral disk: m1.tiny has none.
    const flavor = { name: name("eph"), ram: 512, vcpus: 1, disk: 1, "OS-FLV-EXT-DATA:ephemeral": 1 };
    const eph = await admin.compute.createFlavor(flavor);
    cleanup.add("flavor eph", () => admin.compute.deleteFlavor(eph.id, { ignoreNotFound: true }));
    const w = await want("bfv", { blockDevices, availabilityZone: SEED.az, flavorId: eph.id });
    const created = await ensure(w);
    assert.ok(created.state === "created");
    const t1 = Date.now();
    const active: Server = await settle("bfv ACTIVE", async () => {
      const r = await ensure(w, created.resource.id);
      assert.ok(r.state === "found");
      instanceState(r.resource);
      return r.resource;
    });
    console.log(`# boot-from-volume server ACTIVE ${Date.now() - t1} ms after create`);
    assert.equal(active.image, "", "no image: booted from the volume");
    assert.deepEqual(
      (active["os-extended-volumes:volumes_attached"] ?? []).map((v) => v.id).sort(),
      [root.id, etcd.id].sort(),
    );

    await assert.rejects(deleteServer(os.compute, record, { id: active.id, name: w.name }), Pending);
    await settle("bfv gone", () => deleteServer(os.compute, record, { id: active.id, name: w.name }));
    // delete_on_termination: Nova deletes both volumes with the server.
    const t2 = Date.now();
    await settle(
      "volumes deleted with the server",
      async () => {
        const left = (
          await Promise.all(wants.map((x) => os.blockStorage.volumes.list({ name: x.name })))
        ).flat();
        if (left.length > 0) throw new Pending(`volumes left: ${left.map((v) => v.status).join(",")}`, t2);
      },
      120_000,
    );
  });

  it("deleteVolumes removes the dangling volumes of a server that never came up, and tolerates their absence", async () => {
    const wants = volumeWants(name("dangling"), { rootVolume: { sizeGiB: 1 } }, imageId);
    await ensureVolumes(os.blockStorage, record, wants);
    await settle("dangling available", async () => {
      volumesReady(await ensureVolumes(os.blockStorage, record, wants));
    });
    const names = [...wants.map((x) => x.name), name("dangling-none")];
    assert.equal(await deleteVolumes(os.blockStorage, record, names), 1);
    await settle("dangling gone", async () => {
      const left = await os.blockStorage.volumes.list({ name: wants[0]?.name ?? "" });
      if (left.length > 0) throw new Pending(`left: ${left.map((v) => v.status).join(",")}`);
    });
    assert.equal(await deleteVolumes(os.blockStorage, record, names), 0);
  });

  it("a server that goes to ERROR surfaces Nova's fault message", async () => {
    // A flavor no host can hold (a disk larger than the fake driver's; RAM and cores would hit the quota first):
    // the scheduler finds no valid host and Nova records the fault.
    const huge = await admin.compute.createFlavor({
      name: name("huge"),
      ram: 512,
      vcpus: 1,
      disk: 10_000_000,
    });
    cleanup.add("flavor huge", () => admin.compute.deleteFlavor(huge.id, { ignoreNotFound: true }));
    const w = await want("err", { flavorId: huge.id });
    sweepServers("err");
    const created = await ensure(w);
    assert.ok(created.state === "created");
    const err = await settle("server ERROR", async () => {
      const r = await ensure(w, created.resource.id);
      assert.ok(r.state === "found");
      try {
        instanceState(r.resource);
      } catch (e) {
        if (e instanceof UserError) return { e, server: r.resource };
        throw e;
      }
      throw new Error(`server is ${r.resource.status}, not ERROR`);
    });
    console.log(`# ERROR surfaced as: ${err.e.message}`);
    assert.equal(err.e.reason, "InstanceStateError");
    const fault = err.server.fault;
    assert.ok(fault, "Nova recorded a fault");
    assert.ok(err.e.message.includes(fault.message.trim()), err.e.message);
    assert.match(err.e.message, /No valid host/);
    // An ERROR server deletes like any other.
    await assert.rejects(
      deleteServer(os.compute, record, { id: created.resource.id, name: w.name }),
      Pending,
    );
    await settle("err gone", () =>
      deleteServer(os.compute, record, { id: created.resource.id, name: w.name }),
    );
  });
});
