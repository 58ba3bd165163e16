import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../errors.ts";
import { portCreateRequest, portSecurityGroups, portSpec, portTargets, sameSet, union } from "./port-spec.ts";
import type { PortsWant } from "./port-spec.ts";

const NET = "11111111-1111-1111-1111-111111111111";
const SUB_A = "22222222-2222-2222-2222-222222222222";
const SUB_B = "33333333-3333-3333-3333-333333333333";
const OTHER_NET = "44444444-4444-4444-4444-444444444444";

const want = (o: Partial<PortsWant> = {}): PortsWant => ({
  machineName: "m-0",
  clusterName: "c1",
  machineSecurityGroupIds: ["sg-machine"],
  defaultSecurityGroupId: "sg-managed",
  tags: ["t-cluster", "t-machine"],
  clusterNetwork: { id: NET, subnets: [{ id: SUB_A }, { id: SUB_B }] },
  ...o,
});

const lookups = { networkID: NET, fixedIPs: [], securityGroups: [] };

describe("portTargets", () => {
  it("gives a machine without ports one port on the cluster network, one fixed IP per cluster subnet", () => {
    assert.deepEqual(portTargets(want()), [
      { port: {}, network: { id: NET }, fixedIPs: [{ subnet: { id: SUB_A } }, { subnet: { id: SUB_B } }] },
    ]);
  });

  it("leaves fixed IPs to Neutron when the cluster network has no subnets in status", () => {
    assert.deepEqual(portTargets(want({ clusterNetwork: { id: NET, subnets: [] } })), [
      { port: {}, network: { id: NET }, fixedIPs: [] },
    ]);
  });

  it("keeps a port's network and fixed IPs as given", () => {
    const port = { network: { id: OTHER_NET }, fixedIPs: [{ ipAddress: "10.0.0.5" }] };
    assert.deepEqual(portTargets(want({ ports: [port] })), [
      { port, network: { id: OTHER_NET }, fixedIPs: [{ ipAddress: "10.0.0.5" }] },
    ]);
  });

  it("takes the network of the first fixed IP that names a subnet", () => {
    const fixedIPs = [
      { ipAddress: "10.0.0.5" },
      { subnet: { filter: { name: "s" } } },
      { subnet: { id: SUB_B } },
    ];
    assert.deepEqual(portTargets(want({ ports: [{ fixedIPs }] })), [
      { port: { fixedIPs }, networkOf: { filter: { name: "s" } }, fixedIPs },
    ]);
  });

  it("puts fixed IPs with addresses only on the cluster network, without adding its subnets", () => {
    const port = { fixedIPs: [{ ipAddress: "10.6.0.9" }] };
    assert.deepEqual(portTargets(want({ ports: [port] })), [
      { port, network: { id: NET }, fixedIPs: [{ ipAddress: "10.6.0.9" }] },
    ]);
  });

  it("refuses a machine with no ports, or a port with no network, when the cluster has no network", () => {
    assert.throws(
      () => portTargets(want({ clusterNetwork: undefined })),
      (e: unknown) =>
        e instanceof UserError && e.reason === "InvalidMachineSpec" && /no ports/.test(e.message),
    );
    assert.throws(
      () => portTargets(want({ clusterNetwork: undefined, ports: [{ network: { id: NET } }, {}] })),
      (e: unknown) =>
        e instanceof UserError &&
        e.reason === "InvalidMachineSpec" &&
        /port 1 of machine m-0/.test(e.message),
    );
  });
});

describe("portSpec", () => {
  it("names ports by index or suffix and describes them by the cluster name", () => {
    const w = want();
    assert.equal(portSpec(w, 0, {}, lookups).name, "m-0-0");
    assert.equal(portSpec(w, 2, { nameSuffix: "storage" }, lookups).name, "m-0-storage");
    assert.equal(
      portSpec(w, 0, {}, lookups).description,
      "Created by cluster-api-provider-openstack cluster c1",
    );
    assert.equal(portSpec(w, 0, { description: "mine" }, lookups).description, "mine");
  });

  it("tags a port with the machine's tags and its own, each once", () => {
    const s = portSpec(want(), 0, { tags: ["t-port", "t-machine"] }, lookups);
    assert.deepEqual(s.tags, ["t-cluster", "t-machine", "t-port"]);
    assert.equal(portSpec(want({ tags: [] }), 0, {}, lookups).tags, undefined);
  });

  it("takes the port's trunk setting, else the machine's", () => {
    assert.equal(portSpec(want({ trunk: true }), 0, {}, lookups).trunk, true);
    assert.equal(portSpec(want({ trunk: true }), 0, { trunk: false }, lookups).trunk, false);
    assert.equal(portSpec(want(), 0, {}, lookups).trunk, false);
  });

  it("gives the port's groups, else the managed one, then the machine's; none without port security", () => {
    assert.deepEqual(portSpec(want(), 0, {}, lookups).securityGroups, ["sg-managed", "sg-machine"]);
    const own = { ...lookups, securityGroups: ["sg-port", "sg-machine"] };
    assert.deepEqual(portSpec(want(), 0, {}, own).securityGroups, ["sg-port", "sg-machine"]);
    assert.deepEqual(portSecurityGroups(want({ defaultSecurityGroupId: undefined }), []), ["sg-machine"]);
    const s = portSpec(want(), 0, { disablePortSecurity: true }, lookups);
    assert.equal(s.securityGroups, undefined);
    assert.equal(s.disablePortSecurity, true);
  });

  it("copies the resolved fields and the lookups, and drops the params", () => {
    const port = {
      network: { filter: { name: "n" } },
      fixedIPs: [{ subnet: { filter: { name: "s" } } }],
      securityGroups: [{ filter: { name: "g" } }],
      adminStateUp: false,
      macAddress: "fa:16:3e:00:00:01",
      vnicType: "normal",
      valueSpecs: [{ name: "a", key: "k", value: "v" }],
    };
    const got = { networkID: OTHER_NET, fixedIPs: [{ subnet: SUB_A }], securityGroups: [] };
    assert.deepEqual(portSpec(want({ tags: [] }), 1, port, got), {
      name: "m-0-1",
      description: "Created by cluster-api-provider-openstack cluster c1",
      networkID: OTHER_NET,
      trunk: false,
      fixedIPs: [{ subnet: SUB_A }],
      securityGroups: ["sg-managed", "sg-machine"],
      adminStateUp: false,
      macAddress: "fa:16:3e:00:00:01",
      vnicType: "normal",
      valueSpecs: [{ name: "a", key: "k", value: "v" }],
    });
  });
});

describe("portCreateRequest", () => {
  const base = { name: "m-0-0", description: "d", networkID: NET };

  it("sends every field of the spec", () => {
    const { body, valueSpecs } = portCreateRequest({
      ...base,
      adminStateUp: false,
      macAddress: "fa:16:3e:00:00:02",
      allowedAddressPairs: [
        { ipAddress: "10.0.0.0/24" },
        { ipAddress: "10.1.0.1", macAddress: "fa:16:3e:00:00:03" },
      ],
      propagateUplinkStatus: true,
      fixedIPs: [{ subnet: SUB_A, ipAddress: "10.0.0.9" }, { subnet: SUB_B }],
      securityGroups: ["sg1"],
      hostID: "host1",
      vnicType: "direct",
      profile: { ovsHWOffload: true, trustedVF: true },
      valueSpecs: [{ name: "x", key: "foo", value: "bar" }],
    });
    assert.deepEqual(body, {
      name: "m-0-0",
      description: "d",
      network_id: NET,
      admin_state_up: false,
      mac_address: "fa:16:3e:00:00:02",
      allowed_address_pairs: [
        { ip_address: "10.0.0.0/24" },
        { ip_address: "10.1.0.1", mac_address: "fa:16:3e:00:00:03" },
      ],
      propagate_uplink_status: true,
      fixed_ips: [{ subnet_id: SUB_A, ip_address: "10.0.0.9" }, { subnet_id: SUB_B }],
      security_groups: ["sg1"],
      "binding:host_id": "host1",
      "binding:vnic_type": "direct",
      "binding:profile": { capabilities: ["switchdev"], trusted: true },
    });
    assert.deepEqual(valueSpecs, { foo: "bar" });
  });

  it("sends no groups and no address pairs when port security is off", () => {
    const { body } = portCreateRequest({
      ...base,
      disablePortSecurity: true,
      allowedAddressPairs: [{ ipAddress: "10.0.0.1" }],
    });
    assert.deepEqual(body, {
      name: "m-0-0",
      description: "d",
      network_id: NET,
      port_security_enabled: false,
    });
  });

  it("sends an empty group list with port security on and no groups (not Neutron's default group)", () => {
    assert.deepEqual(portCreateRequest(base).body.security_groups, []);
    assert.equal(portCreateRequest({ ...base, disablePortSecurity: false }).body.port_security_enabled, true);
  });
});

describe("set helpers", () => {
  it("union keeps order and drops repeats; sameSet ignores order", () => {
    assert.deepEqual(union(["a", "b"], ["b", "c"]), ["a", "b", "c"]);
    assert.ok(sameSet(["a", "b"], ["b", "a"]));
    assert.ok(!sameSet(["a"], ["a", "b"]));
    assert.ok(!sameSet(["a", "a"], ["a", "b"]));
  });
});
