// Machine ports and trunks on the real all-in-one: resolving a machine's ports (cluster network, other
// networks, a network inferred from a subnet, security group filters), creating them with every attribute
// CAPO sets, finding and adopting them again, and deleting them with their trunks. Neutron calls are counted
// on the paths a reconciler takes every time.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import type * as infra from "../../../src/api/v1beta1/index.ts";
import { DuplicateResourceError, FilterError, UserError } from "../../../src/cloud/errors.ts";
import { adoptPorts, deletePorts, ensurePort, resolvePorts } from "../../../src/cloud/networking/ports.ts";
import type { PortsWant } from "../../../src/cloud/networking/ports.ts";
import { resolveSecurityGroups } from "../../../src/cloud/networking/security-group-params.ts";
import { deleteTrunkForPort, ensureTrunk } from "../../../src/cloud/networking/trunk.ts";
import type { Recorder } from "../../../src/cloud/recorder.ts";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { HttpError } from "../../../src/openstack/errors.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import type { Network, NetworkClient, Subnet } from "../../../src/openstack/network.ts";
import { ADMIN_CLOUD, Cleanup, PREFIX, credential, newClient, tenantNetwork } from "../openstack/env.ts";

const name = (s: string) => `${PREFIX}-ports-${s}`;

interface Event {
  type: string;
  reason: string;
  message: string;
}

describe("machine ports and trunks", () => {
  const cleanup = new Cleanup();
  const metrics = new Registry();
  const events: Event[] = [];
  const record: Recorder = (type, reason, message) => {
    events.push({ type, reason, message });
  };
  let os: OpenStackClient;
  let nw: NetworkClient;
  let admin: OpenStackClient;
  let cluster: { net: Network; subnets: Subnet[] };
  let b: { net: Network; subnet: Subnet };
  let c: { net: Network; subnet: Subnet };
  const sg: Record<"managed" | "machine" | "fam1" | "fam2", string> = {
    managed: "",
    machine: "",
    fam1: "",
    fam2: "",
  };
  const family = name("family");

  /** Neutron calls `f` makes. */
  const calls = async (f: () => Promise<unknown>): Promise<number> => {
    const before = await countRequests(metrics, { service: "network" });
    await f();
    return (await countRequests(metrics, { service: "network" })) - before;
  };
  const reasons = () => events.map((e) => e.reason);

  const want = (o: Partial<PortsWant>): PortsWant => ({
    machineName: name("m"),
    clusterName: "c1",
    machineSecurityGroupIds: [sg.machine],
    defaultSecurityGroupId: sg.managed,
    tags: [name("tag")],
    clusterNetwork: { id: cluster.net.id, subnets: cluster.subnets.map((s) => ({ id: s.id })) },
    ...o,
  });

  before(async () => {
    os = newClient(credential(), { registry: metrics });
    nw = os.network;
    admin = newClient(credential(ADMIN_CLOUD));
    const a = await tenantNetwork(os, cleanup, name("cluster"), "10.71.1.0/24");
    const a2 = await nw.subnets.create({
      network_id: a.net.id,
      cidr: "10.71.2.0/24",
      ip_version: 4,
      name: name("cluster-2"),
    });
    cleanup.add("subnet cluster-2", () => nw.subnets.delete(a2.id));
    cluster = { net: a.net, subnets: [a.subnet, a2] };
    b = await tenantNetwork(os, cleanup, name("b"), "10.71.3.0/24");
    c = await tenantNetwork(os, cleanup, name("c"), "10.71.4.0/24");
    for (const k of ["managed", "machine", "fam1", "fam2"] as const) {
      const g = await nw.securityGroups.create({ name: name(`sg-${k}`) });
      cleanup.add(`security group ${k}`, () => nw.securityGroups.delete(g.id));
      sg[k] = g.id;
    }
    await nw.replaceTags("security-groups", sg.fam1, [family]);
    await nw.replaceTags("security-groups", sg.fam2, [family, "other"]);
    // Runs first: whatever ports and trunks the tests left on the test networks go before the networks.
    cleanup.add("ports and trunks of the test networks", async () => {
      const ports = await admin.network.ports.list({ network_id: [cluster.net.id, b.net.id, c.net.id] });
      if (ports.length === 0) return;
      for (const t of await admin.network.trunks.list({ port_id: ports.map((p) => p.id) }))
        await admin.network.trunks.delete(t.id, { ignoreNotFound: true });
      for (const p of ports)
        if (p.device_owner !== "network:dhcp")
          await admin.network.ports.delete(p.id, { ignoreNotFound: true });
    });
  });

  after(() => cleanup.run());

  it("gives a machine without ports one port on the cluster network, with no call, and creates it once", async () => {
    let specs: infra.ResolvedPortSpec[] = [];
    assert.equal(
      await calls(async () => (specs = await resolvePorts(nw, want({ machineName: name("d") })))),
      0,
    );
    assert.deepEqual(specs, [
      {
        name: `${name("d")}-0`,
        description: "Created by cluster-api-provider-openstack cluster c1",
        networkID: cluster.net.id,
        tags: [name("tag")],
        trunk: false,
        fixedIPs: cluster.subnets.map((s) => ({ subnet: s.id })),
        securityGroups: [sg.managed, sg.machine],
      },
    ]);
    const spec = specs[0]!;
    events.length = 0;
    const port = await ensurePort(nw, record, spec);
    assert.deepEqual(reasons(), ["SuccessfulCreatePort"]);
    assert.match(events[0]!.message, new RegExp(`${spec.name} with id ${port.id}`));
    const real = await nw.ports.get(port.id);
    assert.equal(real.name, spec.name);
    assert.equal(real.description, spec.description);
    assert.equal(real.network_id, cluster.net.id);
    assert.deepEqual(real.fixed_ips.map((f) => f.subnet_id).sort(), cluster.subnets.map((s) => s.id).sort());
    assert.deepEqual(real.security_groups.sort(), [sg.managed, sg.machine].sort());
    assert.deepEqual(real.tags, [name("tag")]);

    let again = port;
    assert.equal(
      await calls(async () => (again = await ensurePort(nw, record, spec, port.id))),
      1,
      "recorded: one GET",
    );
    assert.equal(again.id, port.id);
    assert.equal((await ensurePort(nw, record, spec)).id, port.id, "found by name and network");
    assert.deepEqual(reasons(), ["SuccessfulCreatePort"]);
    assert.equal((await nw.ports.list({ name: spec.name })).length, 1);
  });

  it("puts ports on three networks: by ID, by filter, and with a fixed IP subnet filter", async () => {
    const ports: infra.PortOpts[] = [
      { network: { id: cluster.net.id } },
      { network: { filter: { name: b.net.name } } },
      {
        network: { filter: { name: c.net.name } },
        fixedIPs: [{ subnet: { filter: { cidr: "10.71.4.0/24" } } }],
      },
    ];
    const specs = await resolvePorts(nw, want({ machineName: name("three"), ports }));
    assert.deepEqual(
      specs.map((s) => [s.name, s.networkID, s.fixedIPs]),
      [
        [`${name("three")}-0`, cluster.net.id, undefined],
        [`${name("three")}-1`, b.net.id, undefined],
        [`${name("three")}-2`, c.net.id, [{ subnet: c.subnet.id }]],
      ],
    );
    for (const s of specs) {
      const real = await nw.ports.get((await ensurePort(nw, record, s)).id);
      assert.equal(real.network_id, s.networkID);
      assert.equal(real.fixed_ips.length, 1, "Neutron allocated one address");
    }
  });

  it("infers the network from a fixed IP's subnet and requests the fixed address", async () => {
    const ports = [{ fixedIPs: [{ subnet: { filter: { name: b.subnet.name } }, ipAddress: "10.71.3.50" }] }];
    const [spec] = await resolvePorts(nw, want({ machineName: name("inferred"), ports }));
    assert.equal(spec?.networkID, b.net.id);
    assert.deepEqual(spec.fixedIPs, [{ subnet: b.subnet.id, ipAddress: "10.71.3.50" }]);
    const real = await nw.ports.get((await ensurePort(nw, record, spec)).id);
    assert.deepEqual(real.fixed_ips, [{ subnet_id: b.subnet.id, ip_address: "10.71.3.50" }]);
  });

  it("creates a port with every option CAPO sets", async () => {
    const mac = "fa:16:3e:71:00:01";
    const port: infra.PortOpts = {
      network: { id: b.net.id },
      description: "custom port",
      nameSuffix: "custom",
      tags: [name("port-tag")],
      vnicType: "normal",
      adminStateUp: false,
      macAddress: mac,
      allowedAddressPairs: [
        { ipAddress: "10.99.0.0/24" },
        { ipAddress: "10.99.1.1", macAddress: "fa:16:3e:71:00:02" },
      ],
      valueSpecs: [{ name: "owner", key: "device_owner", value: "capo-ts:test" }],
    };
    const [spec] = await resolvePorts(nw, want({ machineName: name("opts"), ports: [port] }));
    assert.ok(spec);
    const real = await nw.ports.get((await ensurePort(nw, record, spec)).id);
    assert.equal(real.name, `${name("opts")}-custom`);
    assert.equal(real.description, "custom port");
    assert.deepEqual(real.tags.sort(), [name("port-tag"), name("tag")].sort());
    assert.equal(real["binding:vnic_type"], "normal");
    assert.equal(real.admin_state_up, false);
    assert.equal(real.mac_address, mac);
    assert.deepEqual(real.allowed_address_pairs, [
      { ip_address: "10.99.0.0/24", mac_address: mac },
      { ip_address: "10.99.1.1", mac_address: "fa:16:3e:71:00:02" },
    ]);
    assert.equal(real.device_owner, "capo-ts:test", "value spec sent");
    assert.equal(real.port_security_enabled, true);
    assert.deepEqual(real.security_groups.sort(), [sg.managed, sg.machine].sort());
  });

  it("disables port security: no groups, no address pairs", async () => {
    const port: infra.PortOpts = {
      network: { id: b.net.id },
      disablePortSecurity: true,
      securityGroups: [{ id: sg.fam1 }],
      allowedAddressPairs: [{ ipAddress: "10.99.0.0/24" }],
    };
    const [spec] = await resolvePorts(nw, want({ machineName: name("nosec"), ports: [port] }));
    assert.ok(spec);
    assert.equal(spec.securityGroups, undefined);
    const real = await nw.ports.get((await ensurePort(nw, record, spec)).id);
    assert.equal(real.port_security_enabled, false);
    assert.deepEqual(real.security_groups, []);
    assert.deepEqual(real.allowed_address_pairs, []);
  });

  it("binds a profile as admin; as member Neutron's policy refuses it with a clear error", async () => {
    const port: infra.PortOpts = {
      network: { id: b.net.id },
      profile: { ovsHWOffload: true, trustedVF: true },
    };
    const [spec] = await resolvePorts(nw, want({ machineName: name("profile"), ports: [port] }));
    assert.ok(spec);
    events.length = 0;
    await assert.rejects(
      ensurePort(nw, record, spec),
      (e: unknown) => e instanceof HttpError && e.status === 403,
    );
    assert.deepEqual(reasons(), ["FailedCreatePort"]);
    assert.match(events[0]!.message, new RegExp(spec.name));
    const made = await ensurePort(admin.network, record, { ...spec, hostID: name("host") });
    const real = await admin.network.ports.get(made.id);
    assert.deepEqual(real["binding:profile"], { capabilities: ["switchdev"], trusted: true });
    assert.equal(real["binding:host_id"], name("host"));
  });

  it("unions the groups a tag filter matches; a filter matching none is a FilterError", async () => {
    const port: infra.PortOpts = {
      network: { id: b.net.id },
      securityGroups: [{ filter: { tags: [family] } }],
    };
    const [spec] = await resolvePorts(nw, want({ machineName: name("sg"), ports: [port] }));
    assert.deepEqual(
      spec?.securityGroups?.slice().sort(),
      [sg.fam1, sg.fam2, sg.machine].sort(),
      "not the managed one",
    );
    const real = await nw.ports.get((await ensurePort(nw, record, spec)).id);
    assert.deepEqual(real.security_groups.sort(), [sg.fam1, sg.fam2, sg.machine].sort());
    assert.deepEqual(
      await resolveSecurityGroups(nw, [{ id: sg.machine }, { filter: { name: name("sg-fam1") } }]),
      [sg.machine, sg.fam1],
    );
    await assert.rejects(
      resolveSecurityGroups(nw, [{ filter: { name: name("none") } }]),
      (e: unknown) => e instanceof FilterError && /matched no resources/.test(e.message),
    );
  });

  it("creates a trunk named after its port; deleting removes subports, trunk and ports; again a no-op", async () => {
    const [spec] = await resolvePorts(nw, want({ machineName: name("trunk"), trunk: true }));
    assert.equal(spec?.trunk, true);
    events.length = 0;
    const port = await ensurePort(nw, record, spec);
    const trunkId = await ensureTrunk(nw, record, port, spec);
    assert.deepEqual(reasons(), ["SuccessfulCreatePort", "SuccessfulCreateTrunk"]);
    const trunk = await nw.trunks.get(trunkId);
    assert.equal(trunk.name, spec.name);
    assert.equal(trunk.port_id, port.id);
    assert.equal(trunk.description, spec.description);
    assert.deepEqual(trunk.tags, [name("tag")]);
    const reread = await ensurePort(nw, record, spec, port.id);
    let same = "";
    assert.equal(
      await calls(async () => (same = await ensureTrunk(nw, record, reread, spec))),
      0,
      "trunk_details",
    );
    assert.equal(same, trunkId);
    assert.equal(await ensureTrunk(nw, record, port, spec), trunkId, "found by name and port");

    const sub = await nw.ports.create({ network_id: c.net.id, name: name("subport") });
    await nw.addSubports(trunkId, [{ port_id: sub.id, segmentation_type: "vlan", segmentation_id: 101 }]);
    events.length = 0;
    const d = { ids: [port.id], names: [spec.name], networkIds: [spec.networkID], trunkSupported: true };
    await deletePorts(nw, record, d);
    assert.deepEqual(reasons(), [
      "SuccessfulRemoveTrunkSubports",
      "SuccessfulDeletePort",
      "SuccessfulDeleteTrunk",
      "SuccessfulDeletePort",
    ]);
    assert.equal(await nw.trunks.get(trunkId, { ignoreNotFound: true }), undefined);
    assert.equal(await nw.ports.get(port.id, { ignoreNotFound: true }), undefined);
    assert.equal(await nw.ports.get(sub.id, { ignoreNotFound: true }), undefined);
    events.length = 0;
    await deletePorts(nw, record, d);
    await deleteTrunkForPort(nw, record, port.id);
    assert.deepEqual(reasons(), []);
  });

  it("adopts ports made out of band, in order up to the first missing, and deletes unrecorded ones by name", async () => {
    const ports = [{}, { network: { id: b.net.id } }, { network: { id: c.net.id } }];
    const specs = await resolvePorts(nw, want({ machineName: name("adopt"), ports }));
    const first = await ensurePort(nw, record, specs[0]!);
    const second = await nw.ports.create({ network_id: b.net.id, name: specs[1]!.name });
    assert.equal(await calls(() => adoptPorts(nw, specs, [first.id, second.id, "x"])), 0, "all recorded");
    assert.deepEqual(await adoptPorts(nw, specs, [first.id]), [second.id]);
    assert.deepEqual(await adoptPorts(nw, specs, []), [first.id, second.id]);
    events.length = 0;
    const adopted = await ensurePort(nw, record, specs[1]!);
    assert.equal(adopted.id, second.id);
    assert.deepEqual(adopted.tags, [name("tag")], "tags of an adopted port replaced");
    assert.deepEqual(reasons(), []);

    const twin = await nw.ports.create({ network_id: b.net.id, name: specs[1]!.name });
    await assert.rejects(ensurePort(nw, record, specs[1]!), DuplicateResourceError);
    await nw.ports.delete(twin.id);

    const names = specs.map((s) => s.name);
    await deletePorts(nw, record, {
      ids: [],
      names,
      networkIds: specs.map((s) => s.networkID),
      trunkSupported: true,
    });
    assert.deepEqual((await nw.ports.list({ name: names })).length, 0);
    assert.deepEqual(reasons(), ["SuccessfulDeletePort", "SuccessfulDeletePort"]);
  });

  it("refuses a machine with no ports when the cluster has no network", async () => {
    await assert.rejects(
      resolvePorts(nw, want({ clusterNetwork: undefined })),
      (e: unknown) => e instanceof UserError && e.reason === "InvalidMachineSpec",
    );
  });
});
