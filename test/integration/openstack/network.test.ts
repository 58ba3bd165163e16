// Contract tests of the Neutron client against the real all-in-one: every call, create → read → list with a
// filter → update → delete, as the member user (admin where Neutron's policy demands it).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { tagFilter } from "../../../src/openstack/network.ts";
import type { Network, Port, Subnet } from "../../../src/openstack/network.ts";
import { ADMIN_CLOUD, Cleanup, PREFIX, SEED, credential, newClient, tenantNetwork } from "./env.ts";

const name = (s: string) => `${PREFIX}-net-${s}`;

describe("Neutron contract", () => {
  const cleanup = new Cleanup();
  let os: OpenStackClient;
  let admin: OpenStackClient;
  let net: Network;
  let subnet: Subnet;
  let external: Network;

  before(async () => {
    os = newClient();
    admin = newClient(credential(ADMIN_CLOUD));
    const [ext] = await os.network.networks.list({ name: SEED.externalNetwork, "router:external": true });
    assert.ok(ext, `external network ${SEED.externalNetwork} is seeded`);
    external = ext;
    ({ net, subnet } = await tenantNetwork(os, cleanup, name("main"), "10.61.0.0/24"));
  });

  after(() => cleanup.run());

  it("lists extensions, including the ones CAPO checks", async () => {
    const aliases = (await os.network.listExtensions()).map((e) => e.alias);
    for (const a of ["standard-attr-tag", "trunk", "allowed-address-pairs", "port-security", "binding"]) {
      assert.ok(aliases.includes(a), `extension ${a}`);
    }
  });

  it("networks: create, get, list by name, update, tags and tag filters, delete", async () => {
    const a = await os.network.networks.create({ name: name("a"), description: "first", mtu: 1400 });
    cleanup.add("network a", () => os.network.networks.delete(a.id, { ignoreNotFound: true }));
    const b = await os.network.networks.create({ name: name("b") });
    cleanup.add("network b", () => os.network.networks.delete(b.id, { ignoreNotFound: true }));
    assert.equal((await os.network.networks.get(a.id)).description, "first");
    assert.deepEqual(
      (await os.network.networks.list({ name: name("a") })).map((n) => n.id),
      [a.id],
    );
    const updated = await os.network.networks.update(a.id, { description: "second" });
    assert.equal(updated.description, "second");

    assert.deepEqual(await os.network.replaceTags("networks", a.id, [`${PREFIX}-x`, `${PREFIX}-y`]), [
      `${PREFIX}-x`,
      `${PREFIX}-y`,
    ]);
    await os.network.replaceTags("networks", b.id, [`${PREFIX}-y`]);
    await os.network.addTag("networks", b.id, `${PREFIX}-z`);
    await os.network.deleteTag("networks", b.id, `${PREFIX}-z`);
    assert.deepEqual(await os.network.listTags("networks", b.id), [`${PREFIX}-y`]);

    const ids = async (f: Parameters<typeof tagFilter>[0]) =>
      (await os.network.networks.list({ ...tagFilter(f), name: [name("a"), name("b")] }))
        .map((n) => n.id)
        .sort();
    const both = [a.id, b.id].sort();
    assert.deepEqual(await ids({ tags: [`${PREFIX}-x`, `${PREFIX}-y`] }), [a.id]);
    assert.deepEqual(await ids({ tagsAny: [`${PREFIX}-x`, `${PREFIX}-y`] }), both);
    assert.deepEqual(await ids({ notTags: [`${PREFIX}-x`, `${PREFIX}-y`] }), [b.id]);
    assert.deepEqual(await ids({ notTagsAny: [`${PREFIX}-x`] }), [b.id]);

    assert.equal(await os.network.networks.delete(a.id), true);
    assert.equal(await os.network.networks.get(a.id, { ignoreNotFound: true }), undefined);
    assert.equal(await os.network.networks.delete(a.id, { ignoreNotFound: true }), false);
  });

  it("subnets: create, get, list by network, update, delete", async () => {
    const s = await os.network.subnets.create({
      network_id: net.id,
      name: name("s"),
      cidr: "10.62.0.0/24",
      ip_version: 4,
      allocation_pools: [{ start: "10.62.0.10", end: "10.62.0.20" }],
      dns_nameservers: ["192.0.2.53"],
    });
    cleanup.add("subnet s", () => os.network.subnets.delete(s.id, { ignoreNotFound: true }));
    assert.deepEqual((await os.network.subnets.get(s.id)).allocation_pools, [
      { start: "10.62.0.10", end: "10.62.0.20" },
    ]);
    const listed = await os.network.subnets.list({ network_id: net.id, cidr: "10.62.0.0/24" });
    assert.deepEqual(
      listed.map((x) => x.id),
      [s.id],
    );
    const u = await os.network.subnets.update(s.id, { dns_nameservers: ["192.0.2.54"], description: "d" });
    assert.deepEqual(u.dns_nameservers, ["192.0.2.54"]);
    await os.network.subnets.delete(s.id);
    assert.equal(await os.network.subnets.get(s.id, { ignoreNotFound: true }), undefined);
  });

  it("routers: create with gateway, interfaces, gateway changes, update, delete", async () => {
    const r = await os.network.routers.create({
      name: name("r"),
      external_gateway_info: { network_id: external.id },
    });
    cleanup.add("router r", () => os.network.routers.delete(r.id, { ignoreNotFound: true }));
    assert.equal(r.external_gateway_info?.network_id, external.id);
    assert.equal((await os.network.routers.get(r.id)).name, name("r"));
    assert.deepEqual(
      (await os.network.routers.list({ name: name("r") })).map((x) => x.id),
      [r.id],
    );

    const itf = await os.network.addRouterInterface(r.id, { subnet_id: subnet.id });
    cleanup.add("router r interface", () => os.network.removeRouterInterface(r.id, { subnet_id: subnet.id }));
    assert.equal(itf.subnet_id, subnet.id);
    const ports = await os.network.ports.list({ device_id: r.id, network_id: net.id });
    assert.deepEqual(
      ports.map((p) => p.id),
      [itf.port_id],
    );
    await os.network.removeRouterInterface(r.id, { subnet_id: subnet.id });
    assert.deepEqual(await os.network.ports.list({ device_id: r.id, network_id: net.id }), []);

    const cleared = await os.network.clearRouterGateway(r.id);
    assert.equal(cleared.external_gateway_info, null);
    const set = await os.network.setRouterGateway(r.id, { network_id: external.id });
    assert.equal(set.external_gateway_info?.network_id, external.id);
    assert.equal((await os.network.routers.update(r.id, { description: "upd" })).description, "upd");
    await os.network.routers.delete(r.id);
    assert.equal(await os.network.routers.get(r.id, { ignoreNotFound: true }), undefined);
  });

  it("routers: external_fixed_ips on the gateway (admin policy)", async () => {
    const [extSubnet] = await admin.network.subnets.list({
      network_id: external.id,
      name: SEED.externalSubnet,
    });
    assert.ok(extSubnet, `external subnet ${SEED.externalSubnet} is seeded`);
    const ip = "198.51.100.250";
    const r = await admin.network.routers.create({
      name: name("r-fixed"),
      external_gateway_info: {
        network_id: external.id,
        external_fixed_ips: [{ subnet_id: extSubnet.id, ip_address: ip }],
      },
    });
    cleanup.add("router r-fixed", () => admin.network.routers.delete(r.id, { ignoreNotFound: true }));
    assert.deepEqual(r.external_gateway_info?.external_fixed_ips, [
      { subnet_id: extSubnet.id, ip_address: ip },
    ]);
    const moved = await admin.network.setRouterGateway(r.id, {
      network_id: external.id,
      external_fixed_ips: [{ subnet_id: extSubnet.id, ip_address: "198.51.100.251" }],
    });
    assert.equal(moved.external_gateway_info?.external_fixed_ips?.[0]?.ip_address, "198.51.100.251");
    await admin.network.routers.delete(r.id);
  });

  it("ports: fixed IPs, address pairs, port security, vnic type, value specs, update, delete", async () => {
    const p = await os.network.createPort(
      {
        network_id: net.id,
        name: name("p"),
        description: "port",
        fixed_ips: [{ subnet_id: subnet.id, ip_address: "10.61.0.50" }],
        allowed_address_pairs: [{ ip_address: "10.61.0.200" }],
        "binding:vnic_type": "normal",
      },
      { extra_dhcp_opts: [{ opt_name: "mtu", opt_value: "1400" }] },
    );
    cleanup.add("port p", () => os.network.ports.delete(p.id, { ignoreNotFound: true }));
    const got = await os.network.ports.get(p.id);
    assert.deepEqual(got.fixed_ips, [{ subnet_id: subnet.id, ip_address: "10.61.0.50" }]);
    assert.equal(got.allowed_address_pairs[0]?.ip_address, "10.61.0.200");
    assert.equal(got["binding:vnic_type"], "normal");
    const dhcp = (got as Port & { extra_dhcp_opts?: { opt_name: string; opt_value: string }[] })
      .extra_dhcp_opts;
    assert.deepEqual(
      dhcp?.map((o) => [o.opt_name, o.opt_value]),
      [["mtu", "1400"]],
    );

    const insecure = await os.network.ports.create({
      network_id: net.id,
      name: name("p-insecure"),
      port_security_enabled: false,
      security_groups: [],
    });
    cleanup.add("port p-insecure", () => os.network.ports.delete(insecure.id, { ignoreNotFound: true }));
    assert.equal(insecure.port_security_enabled, false);

    await os.network.replaceTags("ports", p.id, [`${PREFIX}-port`]);
    const listed = await os.network.ports.list({
      network_id: net.id,
      ...tagFilter({ tags: [`${PREFIX}-port`] }),
    });
    assert.deepEqual(
      listed.map((x) => x.id),
      [p.id],
    );
    const u = await os.network.ports.update(p.id, { name: name("p2"), allowed_address_pairs: [] });
    assert.equal(u.name, name("p2"));
    assert.deepEqual(u.allowed_address_pairs, []);
    await os.network.ports.delete(p.id);
    await os.network.ports.delete(insecure.id);
    assert.equal(await os.network.ports.get(p.id, { ignoreNotFound: true }), undefined);
  });

  it("ports: binding profile (admin policy)", async () => {
    const p = await admin.network.ports.create({
      network_id: net.id,
      name: name("p-profile"),
      "binding:profile": { capabilities: ["switchdev"] },
    });
    cleanup.add("port p-profile", () => admin.network.ports.delete(p.id, { ignoreNotFound: true }));
    assert.deepEqual((await admin.network.ports.get(p.id))["binding:profile"], {
      capabilities: ["switchdev"],
    });
    await admin.network.ports.delete(p.id);
  });

  it("trunks: create, subports add/list/remove, get, list by port, update, delete", async () => {
    const parent = await os.network.ports.create({ network_id: net.id, name: name("trunk-parent") });
    cleanup.add("port trunk-parent", () => os.network.ports.delete(parent.id, { ignoreNotFound: true }));
    const child = await os.network.ports.create({ network_id: net.id, name: name("trunk-child") });
    cleanup.add("port trunk-child", () => os.network.ports.delete(child.id, { ignoreNotFound: true }));
    const t = await os.network.trunks.create({ port_id: parent.id, name: name("trunk") });
    cleanup.add("trunk", () => os.network.trunks.delete(t.id, { ignoreNotFound: true }));

    const sub = { port_id: child.id, segmentation_type: "vlan", segmentation_id: 101 };
    assert.deepEqual((await os.network.addSubports(t.id, [sub])).sub_ports, [sub]);
    assert.deepEqual(await os.network.listSubports(t.id), [sub]);
    assert.equal((await os.network.trunks.get(t.id)).port_id, parent.id);
    assert.deepEqual(
      (await os.network.trunks.list({ port_id: parent.id })).map((x) => x.id),
      [t.id],
    );
    assert.equal((await os.network.trunks.update(t.id, { description: "trunk" })).description, "trunk");
    assert.deepEqual((await os.network.removeSubports(t.id, [child.id])).sub_ports, []);
    await os.network.trunks.delete(t.id);
    assert.equal(await os.network.trunks.get(t.id, { ignoreNotFound: true }), undefined);
  });

  it("security groups and rules: create, get, list by group, update, delete", async () => {
    const sg = await os.network.securityGroups.create({
      name: name("sg"),
      description: "Cluster API managed group",
    });
    cleanup.add("security group", () => os.network.securityGroups.delete(sg.id, { ignoreNotFound: true }));
    const rule = await os.network.securityGroupRules.create({
      security_group_id: sg.id,
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      port_range_min: 6443,
      port_range_max: 6443,
      remote_ip_prefix: "10.0.0.0/8",
      description: "Kubernetes API",
    });
    const fromGroup = await os.network.securityGroupRules.create({
      security_group_id: sg.id,
      direction: "ingress",
      ethertype: "IPv4",
      remote_group_id: sg.id,
    });
    assert.equal((await os.network.securityGroupRules.get(rule.id)).port_range_min, 6443);
    const rules = await os.network.securityGroupRules.list({
      security_group_id: sg.id,
      direction: "ingress",
    });
    assert.deepEqual(rules.map((r) => r.id).sort(), [rule.id, fromGroup.id].sort());
    await os.network.securityGroupRules.delete(fromGroup.id);
    assert.equal(await os.network.securityGroupRules.get(fromGroup.id, { ignoreNotFound: true }), undefined);

    assert.equal((await os.network.securityGroups.get(sg.id)).name, name("sg"));
    assert.deepEqual(
      (await os.network.securityGroups.list({ name: name("sg") })).map((x) => x.id),
      [sg.id],
    );
    assert.equal(
      (await os.network.securityGroups.update(sg.id, { description: "changed" })).description,
      "changed",
    );
    assert.deepEqual(await os.network.replaceTags("security-groups", sg.id, ["a", "b"]), ["a", "b"]);
    await os.network.securityGroups.delete(sg.id);
    assert.equal(await os.network.securityGroups.get(sg.id, { ignoreNotFound: true }), undefined);
  });

  it("floating IPs: create, get, list, associate, disassociate, update, tags, delete", async () => {
    const r = await os.network.routers.create({
      name: name("fip-r"),
      external_gateway_info: { network_id: external.id },
    });
    cleanup.add("router fip-r", () => os.network.routers.delete(r.id, { ignoreNotFound: true }));
    await os.network.addRouterInterface(r.id, { subnet_id: subnet.id });
    cleanup.add("router fip-r interface", () =>
      os.network.removeRouterInterface(r.id, { subnet_id: subnet.id }),
    );
    const port = await os.network.ports.create({ network_id: net.id, name: name("fip-port") });
    cleanup.add("port fip-port", () => os.network.ports.delete(port.id, { ignoreNotFound: true }));

    const fip = await os.network.floatingIPs.create({
      floating_network_id: external.id,
      description: name("fip"),
    });
    cleanup.add("floating ip", () => os.network.floatingIPs.delete(fip.id, { ignoreNotFound: true }));
    assert.equal((await os.network.floatingIPs.get(fip.id)).floating_ip_address, fip.floating_ip_address);
    const listed = await os.network.floatingIPs.list({
      floating_network_id: external.id,
      floating_ip_address: fip.floating_ip_address,
    });
    assert.deepEqual(
      listed.map((x) => x.id),
      [fip.id],
    );

    const assoc = await os.network.associateFloatingIP(fip.id, port.id);
    assert.equal(assoc.port_id, port.id);
    assert.equal(assoc.fixed_ip_address, port.fixed_ips[0]?.ip_address);
    // Status stays DOWN for a port no server uses; the router taking it over is what association means here.
    assert.equal((await os.network.floatingIPs.get(fip.id)).router_id, r.id);
    assert.deepEqual(
      (await os.network.floatingIPs.list({ port_id: port.id })).map((x) => x.id),
      [fip.id],
    );
    const dis = await os.network.disassociateFloatingIP(fip.id);
    assert.equal(dis.port_id, null);
    assert.equal((await os.network.floatingIPs.update(fip.id, { description: "upd" })).description, "upd");
    assert.deepEqual(await os.network.replaceTags("floatingips", fip.id, [`${PREFIX}-fip`]), [
      `${PREFIX}-fip`,
    ]);
    assert.deepEqual(
      (await os.network.floatingIPs.list(tagFilter({ tags: [`${PREFIX}-fip`] }))).map((x) => x.id),
      [fip.id],
    );
    await os.network.floatingIPs.delete(fip.id);
    assert.equal(await os.network.floatingIPs.get(fip.id, { ignoreNotFound: true }), undefined);
  });
});
