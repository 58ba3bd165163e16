// The cluster's networking on the real all-in-one (CAPO v0.10 semantics): external network discovery, params
// and filters, find-before-create of network, subnet and router, router interfaces, the user's existing
// network, and the delete path with the ports a failed server leaves behind. Also counts the OpenStack calls
// a steady reconcile makes. Resources are named per run and swept by name afterwards.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { deleteClusterPorts } from "../../../src/cloud/networking/cluster-ports.ts";
import { resolveExternalNetwork } from "../../../src/cloud/networking/external-network.ts";
import {
  deleteClusterNetwork,
  ensureClusterNetwork,
  ensureClusterSubnet,
  resolveExistingNetwork,
} from "../../../src/cloud/networking/network.ts";
import { resolveNetworkParam, resolveSubnetParam } from "../../../src/cloud/networking/resolve.ts";
import {
  deleteClusterRouter,
  ensureClusterRouter,
  ensureRouterInterfaces,
  resolveExternalRouterIPs,
  routerStatusIPs,
} from "../../../src/cloud/networking/router.ts";
import { DuplicateResourceError, FilterError, Pending, UserError } from "../../../src/cloud/errors.ts";
import type { Recorder } from "../../../src/cloud/recorder.ts";
import type { Network, NetworkClient, Subnet } from "../../../src/openstack/network.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import { ADMIN_CLOUD, Cleanup, PREFIX, SEED, credential, newClient } from "../openstack/env.ts";

const name = (s: string) => `${PREFIX}-cn-${s}`;
const CLUSTER = name("cluster");
// A fixed gateway IP on the external network, varied per run so that concurrent runs do not collide.
const GATEWAY_IP = `198.51.100.${200 + Math.floor(Math.random() * 50)}`;
const TAGS = [`${PREFIX}-a`, `${PREFIX}-b`];

interface Event {
  type: string;
  reason: string;
  message: string;
}

function recorder(): { record: Recorder; events: Event[]; reasons: () => string[] } {
  const events: Event[] = [];
  return {
    events,
    record: (type, reason, message) => void events.push({ type, reason, message }),
    reasons: () => events.map((e) => e.reason),
  };
}

/** Deletes everything with these names: routers (after their interfaces), ports on the networks, networks. */
async function sweep(nw: NetworkClient, names: string[]): Promise<void> {
  for (const n of names)
    for (const r of await nw.routers.list({ name: n })) {
      for (const p of await nw.ports.list({ device_id: r.id }))
        if (p.device_owner !== "network:router_gateway")
          await nw.removeRouterInterface(r.id, { port_id: p.id }).catch(() => undefined);
      await nw.routers.delete(r.id, { ignoreNotFound: true });
    }
  for (const n of names)
    for (const net of await nw.networks.list({ name: n })) {
      for (const p of await nw.ports.list({ network_id: net.id }))
        if (!p.device_owner.startsWith("network:")) await nw.ports.delete(p.id, { ignoreNotFound: true });
      await nw.networks.delete(net.id, { ignoreNotFound: true });
    }
}

describe("cluster networking", () => {
  const metrics = new Registry();
  const os = newClient(credential(), { registry: metrics });
  const nw = os.network;
  const admin = newClient(credential(ADMIN_CLOUD)).network;
  const cleanup = new Cleanup();
  const names = [CLUSTER, name("adopt"), name("dup"), name("admin-router"), name("bare-router")];
  let external: Network;
  let network: Network;
  let subnet: Subnet;
  let routerId: string;
  let bareRouterId: string;
  let adminRouterId: string;

  before(async () => {
    const [ext] = await nw.networks.list({ name: SEED.externalNetwork });
    assert.ok(ext, "the seeded external network");
    external = ext;
  });

  after(async () => {
    await cleanup.run();
    await sweep(admin, names);
  });

  const calls = () => countRequests(metrics, { service: "network" });

  describe("external network", () => {
    it("is discovered when unset: the one router:external network", async () => {
      const found = await resolveExternalNetwork(nw, {});
      assert.equal(found?.id, external.id);
      assert.equal(found.name, SEED.externalNetwork);
    });

    it("is resolved from a filter, within the external networks", async () => {
      const byName = await resolveExternalNetwork(nw, {
        externalNetwork: { filter: { name: SEED.externalNetwork } },
      });
      assert.equal(byName?.id, external.id);
      const byId = await resolveExternalNetwork(nw, { externalNetwork: { id: external.id } });
      assert.equal(byId?.id, external.id);
    });

    it("is none when disabled, without a call", async () => {
      const before = await calls();
      assert.equal(
        await resolveExternalNetwork(nw, {
          disableExternalNetwork: true,
          externalNetwork: { id: external.id },
        }),
        undefined,
      );
      assert.equal(await calls(), before);
    });

    it("a filter matching nothing is a FilterError naming the filter", async () => {
      const filter = { name: name("none") };
      await assert.rejects(resolveExternalNetwork(nw, { externalNetwork: { filter } }), (e) => {
        assert.ok(e instanceof FilterError);
        assert.match(
          e.message,
          new RegExp(`network filter .*${filter.name}.*router:external.*matched no resources`),
        );
        return true;
      });
    });

    it("an ID that does not exist is a UserError naming it", async () => {
      const id = "00000000-0000-4000-8000-000000000000";
      await assert.rejects(
        resolveNetworkParam(nw, { id }),
        (e) => e instanceof UserError && e.message.includes(id),
      );
    });
  });

  describe("managed network, subnet and router", () => {
    it("creates the network once, with MTU, port security off and tags", async () => {
      const r = recorder();
      const want = { name: CLUSTER, mtu: 1400, portSecurity: false, tags: TAGS };
      network = await ensureClusterNetwork(nw, r.record, want);
      const again = await ensureClusterNetwork(nw, r.record, want);
      const recorded = await ensureClusterNetwork(nw, r.record, want, network.id);
      assert.equal(again.id, network.id);
      assert.equal(recorded.id, network.id);
      assert.deepEqual(r.reasons(), ["SuccessfulCreateNetwork"]);
      assert.match(r.events[0]!.message, new RegExp(`${CLUSTER} with id ${network.id}`));
      const listed = await nw.networks.list({ name: CLUSTER });
      assert.deepEqual(
        listed.map((n) => n.id),
        [network.id],
      );
      assert.equal(listed[0]!.mtu, 1400);
      assert.equal(listed[0]!.port_security_enabled, false);
      assert.equal(listed[0]!.admin_state_up, true);
      assert.deepEqual([...listed[0]!.tags].sort(), [...TAGS].sort());
    });

    it("creates the subnet with DNS servers and pools, then keeps its DNS servers in line", async () => {
      const r = recorder();
      const want = {
        name: CLUSTER,
        description: `Created by cluster-api-provider-openstack cluster ${CLUSTER}`,
        networkId: network.id,
        cidr: "10.97.0.0/24",
        dnsNameservers: ["192.0.2.53"],
        allocationPools: [{ start: "10.97.0.10", end: "10.97.0.100" }],
        tags: TAGS,
      };
      subnet = await ensureClusterSubnet(nw, r.record, want);
      assert.equal(subnet.ip_version, 4);
      assert.equal(subnet.description, want.description);
      assert.deepEqual(subnet.allocation_pools, want.allocationPools);
      assert.deepEqual(subnet.dns_nameservers, ["192.0.2.53"]);
      assert.deepEqual([...subnet.tags].sort(), [...TAGS].sort());

      const changed = { ...want, dnsNameservers: ["192.0.2.54", "192.0.2.53"] };
      const updated = await ensureClusterSubnet(nw, r.record, changed, subnet.id);
      assert.equal(updated.id, subnet.id);
      assert.deepEqual((await nw.subnets.get(subnet.id)).dns_nameservers, ["192.0.2.54", "192.0.2.53"]);
      // Found by network and CIDR without a recorded ID, and nothing left to update.
      assert.equal((await ensureClusterSubnet(nw, r.record, changed)).id, subnet.id);
      assert.deepEqual(r.reasons(), ["SuccessfulCreateSubnet", "SuccessfulUpdateSubnet"]);
      assert.equal((await nw.subnets.list({ network_id: network.id })).length, 1);
    });

    it("creates the router with its gateway on the external network, and adds the interface once", async () => {
      const r = recorder();
      const want = {
        name: CLUSTER,
        description: "router of the cluster",
        tags: TAGS,
        externalNetworkId: external.id,
      };
      const router = await ensureClusterRouter(nw, r.record, want);
      routerId = router.id;
      assert.equal((await ensureClusterRouter(nw, r.record, want)).id, router.id);
      assert.equal(router.external_gateway_info?.network_id, external.id);
      assert.equal(router.description, want.description);
      assert.deepEqual([...router.tags].sort(), [...TAGS].sort());
      const ips = routerStatusIPs(router);
      assert.equal(ips.length, 1);
      assert.match(ips[0]!, /^198\.51\.100\./);

      assert.deepEqual(await ensureRouterInterfaces(nw, r.record, router.id, [subnet.id]), [subnet.id]);
      assert.deepEqual(await ensureRouterInterfaces(nw, r.record, router.id, [subnet.id]), []);
      const interfaces = (await nw.ports.list({ device_id: router.id })).filter(
        (p) => p.device_owner === "network:router_interface",
      );
      assert.equal(interfaces.length, 1);
      assert.equal(interfaces[0]!.fixed_ips[0]?.subnet_id, subnet.id);
      assert.equal(interfaces[0]!.fixed_ips[0].ip_address, "10.97.0.1");
      assert.deepEqual(r.reasons(), ["SuccessfulCreateRouter", "SuccessfulUpdateRouter"]);
    });

    it("a steady reconcile costs one call per resource", async () => {
      const r = recorder();
      const step = async (f: () => Promise<unknown>) => {
        const before = await calls();
        await f();
        return (await calls()) - before;
      };
      const counts = {
        externalNetwork: await step(() => resolveExternalNetwork(nw, {})),
        network: await step(() =>
          ensureClusterNetwork(
            nw,
            r.record,
            { name: CLUSTER, mtu: 1400, portSecurity: false, tags: TAGS },
            network.id,
          ),
        ),
        subnet: await step(() =>
          ensureClusterSubnet(
            nw,
            r.record,
            {
              name: CLUSTER,
              description: subnet.description,
              networkId: network.id,
              cidr: subnet.cidr,
              dnsNameservers: ["192.0.2.54", "192.0.2.53"],
              tags: TAGS,
            },
            subnet.id,
          ),
        ),
        router: await step(() =>
          ensureClusterRouter(
            nw,
            r.record,
            {
              name: CLUSTER,
              description: "router of the cluster",
              tags: TAGS,
              externalNetworkId: external.id,
            },
            routerId,
          ),
        ),
        interfaces: await step(() => ensureRouterInterfaces(nw, r.record, routerId, [subnet.id])),
      };
      console.log("steady-state OpenStack calls:", JSON.stringify(counts));
      assert.deepEqual(counts, { externalNetwork: 1, network: 1, subnet: 1, router: 1, interfaces: 1 });
      assert.deepEqual(r.events, []);
    });

    it("a router found without a gateway gets one (SuccessfulUpdateRouter)", async () => {
      const bare = await nw.routers.create({ name: name("bare-router") });
      bareRouterId = bare.id;
      cleanup.add("bare router", () => nw.routers.delete(bare.id, { ignoreNotFound: true }));
      const r = recorder();
      const want = { name: name("bare-router"), description: "", tags: [], externalNetworkId: external.id };
      const router = await ensureClusterRouter(nw, r.record, want);
      assert.equal(router.id, bare.id);
      assert.equal(router.external_gateway_info?.network_id, external.id);
      assert.deepEqual(r.reasons(), ["SuccessfulUpdateRouter"]);
    });

    it("external router IPs: resolved within the external network, set on the gateway (admin policy)", async () => {
      const ips = await resolveExternalRouterIPs(
        admin,
        [{ subnet: { filter: { name: SEED.externalSubnet } } }],
        external.id,
      );
      const [publicSubnet] = await admin.subnets.list({ name: SEED.externalSubnet });
      assert.deepEqual(ips, [{ subnetId: publicSubnet!.id }]);
      await assert.rejects(
        resolveSubnetParam(admin, { id: publicSubnet!.id }, network.id),
        (e) => e instanceof UserError && e.message.includes(network.id),
      );

      const r = recorder();
      const want = {
        name: name("admin-router"),
        description: "",
        tags: [],
        externalNetworkId: external.id,
        externalIPs: [{ subnetId: publicSubnet!.id, ipAddress: GATEWAY_IP }],
      };
      const router = await ensureClusterRouter(admin, r.record, want);
      adminRouterId = router.id;
      assert.deepEqual(routerStatusIPs(router), [GATEWAY_IP]);
      assert.equal((await ensureClusterRouter(admin, r.record, want, router.id)).id, router.id);
      assert.deepEqual(r.reasons(), ["SuccessfulCreateRouter"], "no gateway update when it has the IPs");
    });
  });

  describe("adoption and duplicates", () => {
    it("adopts a network made out of band under the name, adding the tags it lacks", async () => {
      const made = await nw.networks.create({ name: name("adopt") });
      cleanup.add("adopted network", () => nw.networks.delete(made.id, { ignoreNotFound: true }));
      const r = recorder();
      const got = await ensureClusterNetwork(nw, r.record, {
        name: name("adopt"),
        portSecurity: true,
        tags: TAGS,
      });
      assert.equal(got.id, made.id);
      assert.deepEqual(r.events, [], "nothing created");
      assert.deepEqual([...(await nw.networks.get(made.id)).tags].sort(), [...TAGS].sort());
    });

    it("two networks with the name are a DuplicateResourceError naming both", async () => {
      const a = await nw.networks.create({ name: name("dup") });
      cleanup.add("dup a", () => nw.networks.delete(a.id, { ignoreNotFound: true }));
      const b = await nw.networks.create({ name: name("dup") });
      cleanup.add("dup b", () => nw.networks.delete(b.id, { ignoreNotFound: true }));
      await assert.rejects(
        ensureClusterNetwork(nw, recorder().record, { name: name("dup"), portSecurity: true, tags: [] }),
        (e) => e instanceof DuplicateResourceError && e.message.includes(a.id) && e.message.includes(b.id),
      );
    });
  });

  describe("existing network", () => {
    it("resolves a network filter to the network and all its subnets", async () => {
      const got = await resolveExistingNetwork(nw, { filter: { name: CLUSTER, tags: [TAGS[0]!] } });
      assert.equal(got.network.id, network.id);
      assert.deepEqual(
        got.subnets.map((s) => s.id),
        [subnet.id],
      );
    });

    it("takes the network of the first subnet when only subnets are given", async () => {
      const got = await resolveExistingNetwork(nw, undefined, [
        { filter: { cidr: "10.97.0.0/24", name: CLUSTER } },
      ]);
      assert.equal(got.network.id, network.id);
      assert.deepEqual(
        got.subnets.map((s) => s.id),
        [subnet.id],
      );
    });

    it("a subnet filter matching nothing in the network is a FilterError", async () => {
      await assert.rejects(
        resolveExistingNetwork(nw, { id: network.id }, [{ filter: { cidr: "10.98.0.0/24" } }]),
        (e) => e instanceof FilterError && e.message.includes("10.98.0.0/24"),
      );
    });
  });

  describe("delete", () => {
    it("a subnet without an interface on the router is no obstacle; the user's router stays", async () => {
      const r = recorder();
      const d = { name: name("bare-router"), subnetIds: [subnet.id] };
      assert.equal(
        await deleteClusterRouter(nw, r.record, { ...d, recordedId: bareRouterId, userRouter: true }),
        0,
      );
      assert.ok(await nw.routers.get(bareRouterId, { ignoreNotFound: true }), "the user's router is kept");
      assert.equal(await deleteClusterRouter(nw, r.record, { ...d, userRouter: false }), 1, "found by name");
      assert.equal(await nw.routers.get(bareRouterId, { ignoreNotFound: true }), undefined);
      const withIPs = {
        recordedId: adminRouterId,
        name: name("admin-router"),
        subnetIds: [subnet.id],
        userRouter: false,
      };
      assert.equal(await deleteClusterRouter(admin, r.record, withIPs), 1);
      assert.deepEqual(r.reasons(), ["SuccessfulDeleteRouter", "SuccessfulDeleteRouter"]);
    });

    it("removes the interfaces and the router; a second delete does nothing", async () => {
      const r = recorder();
      const d = { recordedId: routerId, name: CLUSTER, subnetIds: [subnet.id], userRouter: false };
      assert.equal(await deleteClusterRouter(nw, r.record, d), 1);
      assert.equal(await nw.routers.get(routerId, { ignoreNotFound: true }), undefined);
      assert.deepEqual(await nw.ports.list({ device_id: routerId }), []);
      assert.equal(await deleteClusterRouter(nw, r.record, d), 0);
      assert.deepEqual(r.reasons(), ["SuccessfulDeleteRouter"]);
    });

    it("a network with ports left is Pending; its cluster ports and the ports of failed servers go", async () => {
      const stray = await nw.ports.create({
        network_id: network.id,
        name: "leftover",
        device_owner: "compute:nova",
      });
      const named = await nw.ports.create({ network_id: network.id, name: `${CLUSTER}-bastion-0` });
      const other = await nw.ports.create({
        network_id: network.id,
        name: "someone-else",
        device_owner: "other:x",
      });
      cleanup.add("other port", () => nw.ports.delete(other.id, { ignoreNotFound: true }));
      const r = recorder();
      await assert.rejects(
        deleteClusterNetwork(nw, r.record, { recordedId: network.id, name: CLUSTER }),
        (e) => e instanceof Pending && e.message.includes(network.id),
      );
      assert.equal(await deleteClusterPorts(nw, r.record, network.id, [CLUSTER, `ns-${CLUSTER}`]), 2);
      const left = await nw.ports.list({ network_id: network.id });
      assert.ok(!left.some((p) => p.id === stray.id || p.id === named.id));
      assert.ok(
        left.some((p) => p.id === other.id),
        "a port of another owner is left alone",
      );
      await nw.ports.delete(other.id);
      assert.deepEqual(r.reasons(), ["SuccessfulDeletePort", "SuccessfulDeletePort"]);
    });

    it("deletes the network with its subnet; a second delete does nothing", async () => {
      const r = recorder();
      const d = { recordedId: network.id, name: CLUSTER };
      assert.equal(await deleteClusterNetwork(nw, r.record, d), 1);
      assert.equal(await nw.networks.get(network.id, { ignoreNotFound: true }), undefined);
      assert.equal(await nw.subnets.get(subnet.id, { ignoreNotFound: true }), undefined);
      assert.equal(await deleteClusterNetwork(nw, r.record, d), 0);
      assert.equal(await deleteClusterPorts(nw, r.record, network.id, [CLUSTER]), 0);
      assert.deepEqual(r.reasons(), ["SuccessfulDeleteNetwork"]);
    });
  });
});
