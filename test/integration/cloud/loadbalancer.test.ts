// The API server load balancer on the real all-in-one (Octavia noop drivers, real VIP ports): the functions never
// wait, so the test drives them as the reconciler does — call, catch Pending, sleep waitDelay, call again — and
// asserts what Octavia holds (CAPO's names, settings and tags), the calls of a steady-state pass, members,
// the floating IP on the VIP, and the cascade delete with and without a kept floating IP.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { allowedCIDRs } from "../../../src/cloud/loadbalancer/allowed-cidrs.ts";
import {
  LoadBalancerPending,
  deleteLoadBalancer,
  ensureListenersPoolsMonitors,
  ensureLoadBalancer,
  octaviaSupportsAllowedCIDRs,
} from "../../../src/cloud/loadbalancer/api-loadbalancer.ts";
import type { LoadBalancerWant } from "../../../src/cloud/loadbalancer/api-loadbalancer.ts";
import { deleteMembers, ensureMembers } from "../../../src/cloud/loadbalancer/members.ts";
import { Pending, waitDelay } from "../../../src/cloud/errors.ts";
import { clusterDescription, loadBalancerName, memberName } from "../../../src/cloud/names.ts";
import { associateFloatingIP, ensureFloatingIP } from "../../../src/cloud/networking/floating-ip.ts";
import type { Recorder } from "../../../src/cloud/recorder.ts";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import type { LoadBalancer, LoadBalancerClient } from "../../../src/openstack/loadbalancer.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import type { NetworkClient, Subnet } from "../../../src/openstack/network.ts";
import { Cleanup, PREFIX, SEED, credential, newClient, tenantNetwork, waitGone } from "../openstack/env.ts";

const cluster = { namespace: PREFIX, name: "lb" };
const LB_NAME = loadBalancerName(cluster);
const KEPT_NAME = loadBalancerName({ namespace: PREFIX, name: "kept" });
const DESCRIPTION = clusterDescription(cluster);
const TAGS = [`${PREFIX}-tag`];
const PORTS = [6443, 8443];

/** What the reconciler does with Pending: requeue after waitDelay. Returns the result and the passes it took. */
async function settle<T>(what: string, call: () => Promise<T>, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (let passes = 1; ; passes++) {
    try {
      return { value: await call(), passes };
    } catch (e) {
      if (!(e instanceof Pending) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, waitDelay(e.since)));
    }
  }
}

describe("cloud API server load balancer", () => {
  const cleanup = new Cleanup();
  const metrics = new Registry();
  const events: string[] = [];
  const record: Recorder = (type, reason, message) => void events.push(`${type} ${reason} ${message}`);
  const count = (match: Parameters<typeof countRequests>[1] = {}) => countRequests(metrics, match);
  const creates = async () =>
    (await metrics.getSingleMetric("capo_openstack_api_requests_total")?.get())?.values
      .filter((v) => String(v.labels.request).endsWith("_create") && v.labels.request !== "token_create")
      .reduce((n, v) => n + v.value, 0) ?? 0;
  let os: OpenStackClient;
  let lb: LoadBalancerClient;
  let nw: NetworkClient;
  let subnet: Subnet;
  let publicId: string;
  let want: LoadBalancerWant;
  let recordedId: string | undefined;
  let theLB: LoadBalancer;
  let cidrs: string[];

  before(async () => {
    os = newClient(credential(), { registry: metrics });
    ({ loadBalancer: lb, network: nw } = os);
    const t = await tenantNetwork(os, cleanup, `${PREFIX}-lb-net`, "10.83.0.0/24");
    subnet = t.subnet;
    const [pub] = await nw.networks.list({ name: SEED.externalNetwork });
    assert.ok(pub);
    publicId = pub.id;
    // The VIP takes a floating IP only through a router to the external network.
    const router = await nw.routers.create({
      name: `${PREFIX}-lb-router`,
      external_gateway_info: { network_id: publicId },
    });
    cleanup.add("router", () => nw.routers.delete(router.id));
    await nw.addRouterInterface(router.id, { subnet_id: subnet.id });
    cleanup.add("router interface", () => nw.removeRouterInterface(router.id, { subnet_id: subnet.id }));
    cleanup.add("load balancers and floating IPs", async () => {
      for (const name of [LB_NAME, KEPT_NAME])
        for (const l of await lb.loadBalancers.list({ name })) {
          await lb.deleteLoadBalancerCascade(l.id, { ignoreNotFound: true });
          await waitGone(`load balancer ${name}`, () => lb.loadBalancers.get(l.id));
        }
      for (const f of await nw.floatingIPs.list({ description: DESCRIPTION }))
        await nw.floatingIPs.delete(f.id, { ignoreNotFound: true });
    });
    want = {
      name: LB_NAME,
      description: DESCRIPTION,
      vipSubnetId: subnet.id,
      vipNetworkId: t.net.id,
      tags: TAGS,
    };
  });

  after(() => cleanup.run());

  it("creates the load balancer, then one listener, pool and monitor per port, one change per call", async () => {
    const t0 = Date.now();
    const got = await settle("load balancer", async () => {
      try {
        return await ensureLoadBalancer(lb, record, want, recordedId);
      } catch (e) {
        if (e instanceof LoadBalancerPending) recordedId = e.loadBalancer.id; // the reconciler's checkpoint
        throw e;
      }
    });
    theLB = got.value;
    console.log(`load balancer ACTIVE after ${Date.now() - t0} ms, ${got.passes} calls`);
    assert.equal(theLB.id, recordedId);
    assert.equal(theLB.name, LB_NAME);
    assert.equal(theLB.description, DESCRIPTION);
    assert.deepEqual(theLB.tags, TAGS);
    assert.equal(theLB.vip_subnet_id, subnet.id);
    assert.equal(
      events.filter((e) => e.startsWith("Normal SuccessfulCreateLoadBalancer")).length,
      1,
      events.join("\n"),
    );

    assert.equal(await octaviaSupportsAllowedCIDRs(lb, theLB.provider), true);
    assert.equal(await octaviaSupportsAllowedCIDRs(lb, "ovn"), false);
    cidrs = allowedCIDRs({ spec: ["192.0.2.0/24"], clusterSubnetCIDRs: [subnet.cidr], routerIPs: [] }).cidrs;
    const t1 = Date.now();
    const children = await settle("listeners", () =>
      ensureListenersPoolsMonitors(lb, record, { lb: theLB, ports: PORTS, allowedCIDRs: cidrs, tags: TAGS }),
    );
    console.log(
      `listeners, pools, monitors of ${PORTS.length} ports: ${Date.now() - t1} ms, ${children.passes} calls`,
    );
    assert.ok(children.passes >= 1 + 3 * PORTS.length, "one change per call");

    const listeners = await lb.listeners.list({ loadbalancer_id: theLB.id });
    assert.deepEqual(
      listeners.map((l) => l.name).sort(),
      PORTS.map((p) => `${LB_NAME}-${p}`),
    );
    for (const l of listeners) {
      assert.equal(l.protocol, "TCP");
      assert.equal(l.name, `${LB_NAME}-${l.protocol_port}`);
      assert.deepEqual([...(l.allowed_cidrs ?? [])].sort(), cidrs);
      assert.deepEqual(l.tags, TAGS);
    }
    const pools = await lb.pools.list({ loadbalancer_id: theLB.id });
    assert.equal(pools.length, PORTS.length);
    for (const p of pools) {
      const listener = listeners.find((l) => l.name === p.name);
      assert.ok(listener, p.name);
      assert.deepEqual(p.listeners, [{ id: listener.id }]);
      assert.equal(p.protocol, "TCP");
      assert.equal(p.lb_algorithm, "ROUND_ROBIN");
      assert.deepEqual(p.tags, TAGS);
      const [monitor, ...more] = await lb.healthMonitors.list({ pool_id: p.id });
      assert.ok(monitor && more.length === 0, `one monitor on ${p.name}`);
      assert.equal(monitor.name, p.name);
      assert.deepEqual(
        [monitor.type, monitor.delay, monitor.timeout, monitor.max_retries, monitor.max_retries_down],
        ["TCP", 10, 5, 5, 3],
      );
      assert.deepEqual(monitor.tags, []);
    }
    for (const kind of ["Listener", "Pool", "Monitor"])
      assert.equal(events.filter((e) => e.startsWith(`Normal SuccessfulCreate${kind}`)).length, PORTS.length);
  });

  it("steady state: load balancer GET + status tree (+ listeners while allowed_cidrs are unrecorded), nothing created", async () => {
    // The last create (a monitor) leaves the load balancer PENDING_UPDATE for a moment.
    await settle("ACTIVE", () => ensureLoadBalancer(lb, record, want, recordedId));
    const steady = async (allowed: { allowedCIDRs?: string[]; recordedAllowedCIDRs?: string[] }) => {
      const [calls, made] = [await count(), await creates()];
      const l = await ensureLoadBalancer(lb, record, want, recordedId);
      await ensureListenersPoolsMonitors(lb, record, { lb: l, ports: PORTS, tags: TAGS, ...allowed });
      assert.equal(await creates(), made, "no create");
      return (await count()) - calls;
    };
    const unrecorded = await steady({ allowedCIDRs: cidrs });
    const recorded = await steady({ allowedCIDRs: cidrs, recordedAllowedCIDRs: cidrs });
    const without = await steady({});
    console.log(
      `steady state: ${unrecorded} calls with allowed_cidrs not yet in status, ${recorded} with, ${without} without allowed_cidrs`,
    );
    assert.deepEqual([unrecorded, recorded, without], [3, 2, 2]);
  });

  it("updates allowed_cidrs that differ, one listener per call", async () => {
    const recordedAllowedCIDRs = cidrs;
    cidrs = [...cidrs, "203.0.113.0/24"].sort();
    const got = await settle("allowed_cidrs", () =>
      ensureListenersPoolsMonitors(lb, record, {
        lb: theLB,
        ports: PORTS,
        allowedCIDRs: cidrs,
        recordedAllowedCIDRs,
        tags: TAGS,
      }),
    );
    assert.ok(got.passes >= 1 + PORTS.length);
    for (const l of await lb.listeners.list({ loadbalancer_id: theLB.id }))
      assert.deepEqual([...(l.allowed_cidrs ?? [])].sort(), cidrs);
    assert.equal(events.filter((e) => e.startsWith("Normal SuccessfulUpdateListener")).length, PORTS.length);
  });

  it("members: added for a machine, steady in 1 call, replaced when the address changes, deleted", async () => {
    const machine = {
      lbName: LB_NAME,
      lbId: theLB.id,
      ports: PORTS,
      machineName: `${PREFIX}-cp-0`,
      tags: TAGS,
    };
    const membersAt = async () => {
      const out: Record<string, { id: string; address: string; port: number }> = {};
      for (const p of await lb.pools.list({ loadbalancer_id: theLB.id }))
        for (const m of await lb.members(p.id).list())
          out[m.name] = { id: m.id, address: m.address, port: m.protocol_port };
      return out;
    };
    await settle("members", () => ensureMembers(lb, record, { ...machine, address: "10.83.0.10" }));
    const first = await membersAt();
    assert.deepEqual(
      Object.keys(first).sort(),
      PORTS.map((p) => memberName(LB_NAME, p, machine.machineName)),
    );
    for (const p of PORTS) {
      const m = first[memberName(LB_NAME, p, machine.machineName)];
      assert.deepEqual([m?.address, m?.port], ["10.83.0.10", p]);
    }
    const calls = await count();
    await ensureMembers(lb, record, { ...machine, address: "10.83.0.10" });
    assert.equal((await count()) - calls, 1, "steady state: the status tree");

    await settle("members", () => ensureMembers(lb, record, { ...machine, address: "10.83.0.11" }));
    const second = await membersAt();
    for (const [name, m] of Object.entries(second)) {
      assert.equal(m.address, "10.83.0.11");
      assert.notEqual(m.id, first[name]?.id, "replaced");
    }
    assert.equal(Object.keys(second).length, PORTS.length);

    await settle("member delete", () => deleteMembers(lb, record, machine));
    assert.deepEqual(await membersAt(), {});
    await deleteMembers(lb, record, { ...machine, lbId: undefined }); // by name, nothing left: returns
  });

  it("members: control planes joining at once go in one change per pool; members already there stay", async () => {
    const machine = (i: number) => ({
      lbName: LB_NAME,
      lbId: theLB.id,
      ports: PORTS,
      machineName: `${PREFIX}-cp-${i}`,
      address: `10.83.0.${20 + i}`,
      tags: TAGS,
    });
    await settle("first member", () => ensureMembers(lb, record, machine(0)));
    const before = {
      batch: await count({ request: "member_batch_update" }),
      create: await count({ request: "member_create" }),
    };
    await Promise.all(
      [1, 2, 3].map((i) => settle(`member ${i}`, () => ensureMembers(lb, record, machine(i)))),
    );
    assert.equal((await count({ request: "member_batch_update" })) - before.batch, PORTS.length);
    assert.equal((await count({ request: "member_create" })) - before.create, 0);
    for (const p of await lb.pools.list({ loadbalancer_id: theLB.id })) {
      const members = await lb.members(p.id).list();
      const port = p.name.endsWith("-8443") ? 8443 : 6443;
      assert.deepEqual(
        members.map((m) => [m.name, m.address, m.protocol_port, m.tags]).sort(),
        [0, 1, 2, 3].map((i) => [
          memberName(LB_NAME, port, machine(i).machineName),
          machine(i).address,
          port,
          TAGS,
        ]),
      );
    }
    await Promise.all(
      [0, 1, 2, 3].map((i) => settle(`member ${i} delete`, () => deleteMembers(lb, record, machine(i)))),
    );
  });

  it("floating IP on the VIP: found or created, associated without waiting", async () => {
    const fipWant = { networkId: publicId, description: DESCRIPTION, tags: TAGS, purpose: LB_NAME };
    const fip = await ensureFloatingIP(nw, record, fipWant);
    // The reconciler writes fip.floating_ip_address to status here, then associates.
    const on = await associateFloatingIP(nw, record, fip, theLB.vip_port_id);
    console.log(`floating IP status right after the association: ${on.status}`);
    assert.equal(on.port_id, theLB.vip_port_id);
    assert.equal(on.fixed_ip_address, theLB.vip_address);
    assert.equal((await ensureFloatingIP(nw, record, fipWant)).id, fip.id, "found again by purpose tag");
  });

  it("delete: cascade, the floating IP goes unless kept, then gone", async () => {
    const [fip] = await nw.floatingIPs.list({ port_id: theLB.vip_port_id });
    assert.ok(fip);
    const notFound = () => count({ service: "load-balancer", code: "404" });
    const notFoundBefore = await notFound();
    const del = await settle("delete", () =>
      deleteLoadBalancer(lb, nw, record, { recordedId, name: LB_NAME }),
    );
    console.log(`load balancer gone after ${del.passes} calls`);
    assert.equal(del.value, "gone");
    assert.equal((await notFound()) - notFoundBefore, 0, "gone is an empty list, not a 404");
    assert.deepEqual(await lb.loadBalancers.list({ name: LB_NAME }), []);
    assert.equal(await nw.floatingIPs.get(fip.id, { ignoreNotFound: true }), undefined);
    assert.ok(events.some((e) => e.startsWith("Normal SuccessfulDeleteLoadBalancer")));
    assert.ok(events.some((e) => e.startsWith("Normal SuccessfulDeleteFloatingIP")));

    // A second load balancer, asking for a provider Octavia does not have, with the user's floating IP kept.
    const kept = { ...want, name: KEPT_NAME, provider: "no-such-provider" };
    const other = (await settle("kept", () => ensureLoadBalancer(lb, record, kept))).value;
    assert.ok(events.some((e) => e.startsWith("Warning OctaviaProviderNotFound Provider no-such-provider")));
    assert.notEqual(other.provider, "no-such-provider");
    const userFIP = await ensureFloatingIP(nw, record, {
      networkId: publicId,
      description: DESCRIPTION,
      tags: [],
      purpose: KEPT_NAME,
    });
    await associateFloatingIP(nw, record, userFIP, other.vip_port_id);
    await settle("delete kept", () =>
      deleteLoadBalancer(lb, nw, record, { name: KEPT_NAME, keepFloatingIP: userFIP.floating_ip_address }),
    );
    assert.deepEqual(await lb.loadBalancers.list({ name: KEPT_NAME }), []);
    const survivor = await nw.floatingIPs.get(userFIP.id);
    assert.equal(survivor.floating_ip_address, userFIP.floating_ip_address);
    assert.equal(survivor.port_id, null, "Neutron unbinds it with the VIP port");
  });
});
