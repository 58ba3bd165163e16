// Floating IPs on the real all-in-one: find-before-create by address, by description + purpose tag (a create
// whose answer or status write was lost) and by the untagged leftover of a crash between create and tag; no
// duplicate, association without waiting, idempotent delete. Calls are counted with our own metrics.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import {
  associateFloatingIP,
  deleteFloatingIP,
  disassociateFloatingIP,
  ensureFloatingIP,
  floatingIPsOnPort,
} from "../../../src/cloud/networking/floating-ip.ts";
import type { FloatingIPWant } from "../../../src/cloud/networking/floating-ip.ts";
import type { Recorder } from "../../../src/cloud/recorder.ts";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import type { NetworkClient } from "../../../src/openstack/network.ts";
import { Cleanup, PREFIX, SEED, credential, newClient, tenantNetwork } from "../openstack/env.ts";

const name = (s: string) => `${PREFIX}-fip-${s}`;
const DESCRIPTION = `Created by cluster-api-provider-openstack cluster ${name("cluster")}`;

describe("cloud floating IPs", () => {
  const cleanup = new Cleanup();
  const metrics = new Registry();
  const events: string[] = [];
  const record: Recorder = (type, reason, message) => void events.push(`${type} ${reason} ${message}`);
  let os: OpenStackClient;
  let nw: NetworkClient;
  let publicId: string;
  const want = (purpose: string, extra: Partial<FloatingIPWant> = {}): FloatingIPWant => ({
    networkId: publicId,
    description: DESCRIPTION,
    tags: [name("spec-tag")],
    purpose: name(purpose),
    ...extra,
  });
  const calls = (request?: string) =>
    countRequests(metrics, { service: "network", ...(request ? { request } : {}) });

  before(async () => {
    os = newClient(credential(), { registry: metrics });
    nw = os.network;
    const [pub] = await nw.networks.list({ name: SEED.externalNetwork });
    assert.ok(pub, "seeded external network");
    publicId = pub.id;
  });

  after(async () => {
    // Sweep by the test's description: whatever the assertions left behind.
    for (const f of await nw.floatingIPs.list({ description: DESCRIPTION }))
      await nw.floatingIPs.delete(f.id, { ignoreNotFound: true });
    await cleanup.run();
  });

  it("finds a floating IP whose create answer was lost (description + purpose tag) instead of a second one", async () => {
    const lost = await nw.floatingIPs.create({ floating_network_id: publicId, description: DESCRIPTION });
    await nw.replaceTags("floatingips", lost.id, [name("lost")]);
    const before = await calls("floating_ip_create");
    const got = await ensureFloatingIP(nw, record, want("lost"));
    assert.equal(got.id, lost.id);
    assert.equal(await calls("floating_ip_create"), before, "no create");
    // Another purpose on the same network and description does not take it.
    const other = await ensureFloatingIP(nw, record, want("other"));
    assert.notEqual(other.id, lost.id);
    assert.deepEqual([...other.tags].sort(), [name("other"), name("spec-tag")].sort());
    assert.equal(other.description, DESCRIPTION);
    assert.ok(events.some((e) => e.startsWith("Normal SuccessfulCreateFloatingIP") && e.includes(other.id)));
  });

  it("adopts the untagged leftover of a crash between create and tag, and tags it", async () => {
    const orphan = await nw.floatingIPs.create({ floating_network_id: publicId, description: DESCRIPTION });
    const got = await ensureFloatingIP(nw, record, want("orphaned"));
    assert.equal(got.id, orphan.id);
    assert.deepEqual(
      [...(await nw.listTags("floatingips", orphan.id))].sort(),
      [name("orphaned"), name("spec-tag")].sort(),
    );
  });

  it("reuses an explicit or recorded address: one call, nothing created", async () => {
    const fip = await ensureFloatingIP(nw, record, want("explicit"));
    const before = { all: await calls(), creates: await calls("floating_ip_create") };
    assert.equal((await ensureFloatingIP(nw, record, want("explicit"), fip.floating_ip_address)).id, fip.id);
    const asked = want("ignored", { address: fip.floating_ip_address });
    assert.equal((await ensureFloatingIP(nw, record, asked)).id, fip.id);
    assert.equal(await calls(), before.all + 2, "one list per call");
    assert.equal(await calls("floating_ip_create"), before.creates);
  });

  it("associates without waiting (no call when already there), disassociates, lists by port", async () => {
    const { net, subnet } = await tenantNetwork(os, cleanup, name("net"), "10.82.0.0/24");
    const router = await nw.routers.create({
      name: name("router"),
      external_gateway_info: { network_id: publicId },
    });
    cleanup.add("router", () => nw.routers.delete(router.id));
    await nw.addRouterInterface(router.id, { subnet_id: subnet.id });
    cleanup.add("router interface", () => nw.removeRouterInterface(router.id, { subnet_id: subnet.id }));
    const port = await nw.ports.create({ network_id: net.id, name: name("port") });
    cleanup.add("port", () => nw.ports.delete(port.id));

    const fip = await ensureFloatingIP(nw, record, want("assoc"));
    const on = await associateFloatingIP(nw, record, fip, port.id);
    assert.equal(on.port_id, port.id);
    assert.equal(on.fixed_ip_address, port.fixed_ips[0]?.ip_address);
    assert.ok(
      events.some((e) => e.startsWith("Normal SuccessfulAssociateFloatingIP") && e.includes(port.id)),
    );
    const n = await calls();
    assert.equal((await associateFloatingIP(nw, record, on, port.id)).id, fip.id);
    assert.equal(await calls(), n, "already associated: no call");
    assert.deepEqual(
      (await floatingIPsOnPort(nw, port.id)).map((f) => f.id),
      [fip.id],
    );

    const off = await disassociateFloatingIP(nw, record, on);
    assert.equal(off.port_id, null);
    assert.deepEqual(await floatingIPsOnPort(nw, port.id), []);
    const m = await calls();
    await disassociateFloatingIP(nw, record, off);
    assert.equal(await calls(), m, "not associated: no call");
  });

  it("deletes by address or ID, and again without error", async () => {
    const fip = await ensureFloatingIP(nw, record, want("delete"));
    assert.equal(await deleteFloatingIP(nw, record, { address: fip.floating_ip_address }), 1);
    assert.ok(
      events.some(
        (e) => e === `Normal SuccessfulDeleteFloatingIP Deleted floating IP ${fip.floating_ip_address}`,
      ),
    );
    assert.equal(await nw.floatingIPs.get(fip.id, { ignoreNotFound: true }), undefined);
    assert.equal(await deleteFloatingIP(nw, record, { address: fip.floating_ip_address }), 0);
    assert.equal(await deleteFloatingIP(nw, record, { id: fip.id }), 0);
  });
});
