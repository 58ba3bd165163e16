import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as neutron from "../../openstack/network.ts";
import { UserError } from "../errors.ts";
import { desiredRules, diffRules, ruleKey } from "./sg-rules.ts";
import type { DesiredRulesInput, RuleWant } from "./sg-rules.ts";

const ids = { controlplane: "cp-id", worker: "w-id", bastion: "b-id" };
const base: Omit<DesiredRulesInput, "role"> = {
  groupIds: ids,
  bastionEnabled: false,
  allowAllInClusterTraffic: false,
  clusterSubnetCIDRs: ["10.6.0.0/24", "fd00::/64"],
  additionalPorts: [],
  userRules: [],
};

// Compact rendering: description|direction|ethertype|protocol|min-max|remote.
const show = (r: RuleWant): string =>
  [
    r.description,
    r.direction,
    r.ethertype,
    r.protocol ?? "any",
    r.port_range_min === undefined ? "any" : `${r.port_range_min}-${r.port_range_max}`,
    r.remote_group_id ?? r.remote_ip_prefix ?? "any",
  ].join("|");
const rules = (o: Partial<DesiredRulesInput> & Pick<DesiredRulesInput, "role">) =>
  desiredRules({ ...base, ...o }).map(show);

const FULL_OPEN = ["Full open|egress|IPv4|any|any|any", "Full open|egress|IPv6|any|any|any"];

describe("desiredRules", () => {
  it("control plane, default config: egress, API, etcd and kubelet", () => {
    assert.deepEqual(rules({ role: "controlplane" }), [
      ...FULL_OPEN,
      "Kubernetes API|ingress|IPv4|tcp|6443-6443|any",
      "Etcd|ingress|IPv4|tcp|2379-2380|cp-id",
      "Kubelet API|ingress|IPv4|tcp|10250-10250|cp-id",
      "Kubelet API|ingress|IPv4|tcp|10250-10250|w-id",
    ]);
  });

  it("worker, default config: NodePorts from IPv4 subnets and both node groups, kubelet", () => {
    assert.deepEqual(rules({ role: "worker" }), [
      ...FULL_OPEN,
      "Node Port Services|ingress|IPv4|tcp|30000-32767|10.6.0.0/24",
      "Node Port Services|ingress|IPv4|udp|30000-32767|10.6.0.0/24",
      "Node Port Services|ingress|IPv4|tcp|30000-32767|w-id",
      "Node Port Services|ingress|IPv4|udp|30000-32767|w-id",
      "Node Port Services|ingress|IPv4|tcp|30000-32767|cp-id",
      "Node Port Services|ingress|IPv4|udp|30000-32767|cp-id",
      "Kubelet API|ingress|IPv4|tcp|10250-10250|w-id",
      "Kubelet API|ingress|IPv4|tcp|10250-10250|cp-id",
    ]);
  });

  it("bastion: egress and SSH from anywhere, whatever the other settings", () => {
    const want = [...FULL_OPEN, "SSH|ingress|IPv4|tcp|22-22|any"];
    assert.deepEqual(rules({ role: "bastion", bastionEnabled: true }), want);
    assert.deepEqual(rules({ role: "bastion", bastionEnabled: true, allowAllInClusterTraffic: true }), want);
  });

  it("bastion enabled: SSH from the bastion group on both node groups", () => {
    const cp = rules({ role: "controlplane", bastionEnabled: true });
    const w = rules({ role: "worker", bastionEnabled: true });
    assert.equal(cp.length, 7);
    assert.equal(w.length, 11);
    for (const r of [cp, w]) assert.ok(r.includes("SSH|ingress|IPv4|tcp|22-22|b-id"));
  });

  it("allowAllInClusterTraffic replaces etcd and kubelet with any protocol from self and the other group", () => {
    assert.deepEqual(rules({ role: "controlplane", allowAllInClusterTraffic: true }), [
      ...FULL_OPEN,
      "Kubernetes API|ingress|IPv4|tcp|6443-6443|any",
      "In-cluster Ingress|ingress|IPv4|any|any|cp-id",
      "In-cluster Ingress|ingress|IPv4|any|any|w-id",
    ]);
    const w = rules({ role: "worker", allowAllInClusterTraffic: true });
    assert.equal(w.length, 10);
    assert.deepEqual(w.slice(-2), [
      "In-cluster Ingress|ingress|IPv4|any|any|w-id",
      "In-cluster Ingress|ingress|IPv4|any|any|cp-id",
    ]);
    assert.ok(!w.some((r) => r.startsWith("Kubelet")));
  });

  it("additional LB ports on the control plane only; the API rule stays 6443", () => {
    const cp = rules({ role: "controlplane", additionalPorts: [8443, 9000] });
    assert.deepEqual(cp.slice(2, 5), [
      "Kubernetes API|ingress|IPv4|tcp|6443-6443|any",
      "Additional port|ingress|IPv4|tcp|8443-8443|any",
      "Additional port|ingress|IPv4|tcp|9000-9000|any",
    ]);
    assert.ok(!rules({ role: "worker", additionalPorts: [8443] }).some((r) => r.startsWith("Additional")));
  });

  it("user rules go to both node groups, one rule per remote managed group", () => {
    const userRules = [
      {
        name: "bgp",
        description: "BGP",
        direction: "ingress",
        etherType: "IPv4",
        protocol: "tcp",
        portRangeMin: 179,
        portRangeMax: 179,
        remoteManagedGroups: ["controlplane" as const, "worker" as const],
      },
      { name: "ipip", direction: "ingress", protocol: "4", remoteIPPrefix: "10.0.0.0/8" },
    ];
    for (const role of ["controlplane", "worker"] as const) {
      assert.deepEqual(rules({ role, userRules }).slice(-3), [
        "BGP|ingress|IPv4|tcp|179-179|cp-id",
        "BGP|ingress|IPv4|tcp|179-179|w-id",
        "|ingress|IPv4|4|any|10.0.0.0/8",
      ]);
    }
    assert.equal(rules({ role: "bastion", bastionEnabled: true, userRules }).length, 3);
    const bastionRemote = { name: "b", direction: "ingress", remoteManagedGroups: ["bastion" as const] };
    assert.ok(
      rules({ role: "worker", bastionEnabled: true, userRules: [bastionRemote] }).includes(
        "|ingress|IPv4|any|any|b-id",
      ),
    );
  });

  it("user rules are sent in the form Neutron accepts: no 'any' or empty protocol, names in lower case", () => {
    const userRules = [
      { name: "a", direction: "ingress", protocol: "any" },
      { name: "b", direction: "ingress", protocol: "" },
      {
        name: "c",
        direction: "egress",
        etherType: "IPv6",
        protocol: "TCP",
        portRangeMin: 80,
        portRangeMax: 80,
      },
    ];
    assert.deepEqual(desiredRules({ ...base, role: "worker", userRules }).slice(-3), [
      { direction: "ingress", ethertype: "IPv4", description: "" },
      { direction: "ingress", ethertype: "IPv4", description: "" },
      {
        direction: "egress",
        ethertype: "IPv6",
        description: "",
        protocol: "tcp",
        port_range_min: 80,
        port_range_max: 80,
      },
    ]);
  });

  it("remoteManagedGroups: bastion without a bastion is the user's error", () => {
    const userRules = [{ name: "b", direction: "ingress", remoteManagedGroups: ["bastion" as const] }];
    assert.throws(
      () => desiredRules({ ...base, role: "controlplane", userRules }),
      (e: unknown) =>
        e instanceof UserError &&
        e.reason === "SecurityGroupCreateFailed" &&
        e.message === "remoteManagedGroups: bastion is not a valid remote managed security group",
    );
  });
});

let n = 0;
const observed = (r: Partial<neutron.SecurityGroupRule>): neutron.SecurityGroupRule => ({
  id: `rule-${++n}`,
  security_group_id: "sg",
  direction: "ingress",
  ethertype: "IPv4",
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  remote_group_id: null,
  description: "",
  project_id: "p",
  ...r,
});

describe("diffRules", () => {
  const api: RuleWant = {
    direction: "ingress",
    ethertype: "IPv4",
    protocol: "tcp",
    port_range_min: 6443,
    port_range_max: 6443,
    description: "Kubernetes API",
  };

  it("ignores the description (CAPO #3260): a renamed rule is neither created nor deleted", () => {
    const o = observed({
      protocol: "tcp",
      port_range_min: 6443,
      port_range_max: 6443,
      description: "changed by hand",
    });
    assert.deepEqual(diffRules([o], [api]), { toCreate: [], toDelete: [] });
  });

  it("creates what is missing and deletes what is not wanted (manual rules included)", () => {
    const manual = observed({ protocol: "tcp", port_range_min: 22, port_range_max: 22 });
    assert.deepEqual(diffRules([manual], [api]), { toCreate: [api], toDelete: [manual] });
  });

  it("Neutron's default egress rules are the Full open rules", () => {
    const defaults = [
      observed({ direction: "egress" }),
      observed({ direction: "egress", ethertype: "IPv6" }),
    ];
    const want = desiredRules({ ...base, role: "bastion" }).slice(0, 2);
    assert.deepEqual(diffRules(defaults, want), { toCreate: [], toDelete: [] });
  });

  it("wants the same rule once even when listed twice", () => {
    assert.deepEqual(diffRules([], [api, { ...api, description: "user copy" }]).toCreate, [api]);
  });

  it("a rule from a remote address group is never an any-remote rule", () => {
    const o = {
      ...observed({ protocol: "tcp", port_range_min: 6443, port_range_max: 6443 }),
      remote_address_group_id: "ag",
    };
    assert.deepEqual(diffRules([o], [api]), { toCreate: [api], toDelete: [o] });
  });
});

describe("ruleKey normalises what Neutron normalises", () => {
  const key = (r: Partial<neutron.SecurityGroupRule>) =>
    ruleKey({ direction: "ingress", ethertype: "IPv4", ...r });
  const same = (a: Partial<neutron.SecurityGroupRule>, b: Partial<neutron.SecurityGroupRule>) => {
    assert.equal(key(a), key(b));
  };

  it("any protocol: unset, null, empty and 'any'", () => {
    for (const p of [null, "", "any", "ANY"]) same({}, { protocol: p });
  });

  it("protocol names in lower case, numbers without leading zeros", () => {
    same({ protocol: "tcp" }, { protocol: "TCP" });
    same({ protocol: "6" }, { protocol: "06" });
    same({ protocol: "6" }, { protocol: "tcp" });
    same({ protocol: "4" }, { protocol: "ipip" });
    assert.notEqual(key({ protocol: "tcp" }), key({ protocol: "udp" }));
  });

  it("ICMP on IPv6 is ipv6-icmp", () => {
    for (const p of ["icmp", "icmpv6", "58"])
      same({ ethertype: "IPv6", protocol: "ipv6-icmp" }, { ethertype: "IPv6", protocol: p });
    assert.notEqual(key({ protocol: "icmp" }), key({ protocol: "ipv6-icmp" }));
  });

  it("a port protocol's full range 1-65535 is any port", () => {
    for (const p of ["tcp", "udp", "sctp", "dccp", "udplite", "17"])
      same({ protocol: p }, { protocol: p, port_range_min: 1, port_range_max: 65535 });
    assert.notEqual(
      key({ protocol: "tcp" }),
      key({ protocol: "tcp", port_range_min: 2, port_range_max: 65535 }),
    );
  });

  it("ports: unset and null", () => {
    same({}, { port_range_min: null, port_range_max: null });
    assert.notEqual(key({ port_range_min: 22, port_range_max: 22 }), key({}));
  });

  it("remote prefix: anywhere spelled null or /0; host bits dropped; a bare address is a host route", () => {
    same({}, { remote_ip_prefix: "0.0.0.0/0" });
    same({ ethertype: "IPv6" }, { ethertype: "IPv6", remote_ip_prefix: "::/0" });
    same({ remote_ip_prefix: "10.0.0.5/24" }, { remote_ip_prefix: "10.0.0.0/24" });
    same({ remote_ip_prefix: "10.1.0.5" }, { remote_ip_prefix: "10.1.0.5/32" });
    same(
      { ethertype: "IPv6", remote_ip_prefix: "2001:DB8:0:0::1/64" },
      { ethertype: "IPv6", remote_ip_prefix: "2001:db8::/64" },
    );
    assert.notEqual(key({ remote_ip_prefix: "10.0.0.0/24" }), key({ remote_ip_prefix: "10.0.0.0/16" }));
  });

  it("remote group and direction and ethertype count", () => {
    assert.notEqual(key({ remote_group_id: "a" }), key({ remote_group_id: "b" }));
    assert.notEqual(key({ direction: "egress" }), key({}));
    assert.notEqual(key({ ethertype: "IPv6" }), key({}));
  });
});
