// The managed security groups on the real all-in-one (CAPO v0.10 semantics): the three groups and their rules,
// what Neutron holds afterwards compared rule by rule, the steady state's call count, manual rules reverted,
// out-of-band descriptions left alone (CAPO #3260), tags re-synced, the allowAllInClusterTraffic switch, and
// deleting a group still used by a port. Groups are named per run and swept by name afterwards.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import {
  deleteSecurityGroup,
  ensureSecurityGroup,
  listClusterSecurityGroups,
  reconcileRules,
} from "../../../src/cloud/networking/security-groups.ts";
import { desiredRules, ruleKey } from "../../../src/cloud/networking/sg-rules.ts";
import type { DesiredRulesInput, RuleWant } from "../../../src/cloud/networking/sg-rules.ts";
import { DuplicateResourceError, Pending } from "../../../src/cloud/errors.ts";
import { SECURITY_GROUP_DESCRIPTION } from "../../../src/cloud/names.ts";
import type { SecurityGroupRole } from "../../../src/cloud/names.ts";
import type { Recorder } from "../../../src/cloud/recorder.ts";
import type * as neutron from "../../../src/openstack/network.ts";
import { countRequests } from "../../../src/openstack/metrics.ts";
import { Cleanup, PREFIX, credential, newClient, tenantNetwork } from "../openstack/env.ts";

const ROLES: SecurityGroupRole[] = ["controlplane", "worker", "bastion"];
const NAMES = Object.fromEntries(ROLES.map((r) => [r, `${PREFIX}-sg-secgroup-${r}`])) as Record<
  SecurityGroupRole,
  string
>;
const TAGS = [`${PREFIX}-a`, `${PREFIX}-b`];
const SUBNET_CIDR = "10.61.0.0/24";

interface Event {
  type: string;
  reason: string;
  message: string;
}

describe("managed security groups", () => {
  const registry = new Registry();
  const os = newClient(credential(), { registry });
  const nw = os.network;
  const cleanup = new Cleanup();
  const events: Event[] = [];
  const record: Recorder = (type, reason, message) => void events.push({ type, reason, message });
  const groups = {} as Record<SecurityGroupRole, neutron.SecurityGroup>;
  // What status would hold: the IDs recorded after each ensure.
  const recorded: Partial<Record<SecurityGroupRole, string>> = {};

  const calls = (request?: string) => countRequests(registry, request ? { request } : {});
  const want = (role: SecurityGroupRole) => ({
    name: NAMES[role],
    description: SECURITY_GROUP_DESCRIPTION,
    tags: TAGS,
  });
  const input = (role: SecurityGroupRole, o: Partial<DesiredRulesInput> = {}): DesiredRulesInput => ({
    role,
    groupIds: { controlplane: groups.controlplane.id, worker: groups.worker.id, bastion: groups.bastion.id },
    bastionEnabled: true,
    allowAllInClusterTraffic: false,
    clusterSubnetCIDRs: [SUBNET_CIDR],
    additionalPorts: [8443],
    userRules: [
      {
        name: "bgp",
        description: "BGP",
        direction: "ingress",
        protocol: "tcp",
        portRangeMin: 179,
        portRangeMax: 179,
        remoteManagedGroups: ["controlplane", "worker"],
      },
      // Forms Neutron stores differently from how they are sent; each must still match what Neutron returns:
      // 0.0.0.0/0 kept as sent, IPv6 icmp stored as ipv6-icmp, a full tcp range stored as no ports.
      { name: "icmp", direction: "ingress", protocol: "icmp", remoteIPPrefix: "0.0.0.0/0" },
      { name: "icmp6", direction: "ingress", etherType: "IPv6", protocol: "ICMP" },
      {
        name: "tcp",
        direction: "ingress",
        protocol: "tcp",
        portRangeMin: 1,
        portRangeMax: 65535,
        remoteIPPrefix: "10.9.3.4/16",
      },
    ],
    ...o,
  });

  /** One reconcile as the cluster reconciler runs it: one list, ensure the three groups, then their rules. */
  async function reconcile(o: Partial<DesiredRulesInput> = {}) {
    const listed = await listClusterSecurityGroups(nw, Object.values(NAMES));
    for (const role of ROLES) {
      groups[role] = await ensureSecurityGroup(nw, record, want(role), recorded[role], listed);
      recorded[role] = groups[role].id;
    }
    const out = {} as Record<SecurityGroupRole, { created: number; deleted: number }>;
    for (const role of ROLES) {
      const r = await reconcileRules(nw, record, groups[role], desiredRules(input(role, o)));
      out[role] = { created: r.created.length, deleted: r.deleted.length };
    }
    return out;
  }

  /** The rule keys Neutron holds for each group, and the ones wanted. */
  async function held(): Promise<Record<SecurityGroupRole, string[]>> {
    const listed = await listClusterSecurityGroups(nw, Object.values(NAMES));
    return Object.fromEntries(
      ROLES.map((role) => [
        role,
        listed
          .find((g) => g.name === NAMES[role])!
          .security_group_rules.map(ruleKey)
          .sort(),
      ]),
    ) as Record<SecurityGroupRole, string[]>;
  }
  const keys = (rules: RuleWant[]) => [...new Set(rules.map(ruleKey))].sort();

  async function sweep(): Promise<void> {
    for (const g of await listClusterSecurityGroups(nw, Object.values(NAMES)))
      await nw.securityGroups.delete(g.id, { ignoreNotFound: true });
  }

  before(sweep);
  after(async () => {
    await cleanup.run();
    await sweep();
  });

  it("creates the three groups, then rules so that Neutron holds exactly the desired set", async () => {
    const counts = await reconcile();
    assert.deepEqual(
      events.map((e) => e.reason),
      ["SuccessfulCreateSecurityGroup", "SuccessfulCreateSecurityGroup", "SuccessfulCreateSecurityGroup"],
    );
    for (const role of ROLES) {
      assert.equal(groups[role].name, NAMES[role]);
      assert.equal(groups[role].description, "Cluster API managed group");
      assert.deepEqual([...groups[role].tags].sort(), TAGS);
    }
    // Neutron's two default egress rules are the "Full open" ones: only the rest is created.
    assert.deepEqual(counts, {
      controlplane: { created: 11, deleted: 0 },
      worker: { created: 14, deleted: 0 },
      bastion: { created: 1, deleted: 0 },
    });
    const h = await held();
    for (const role of ROLES) assert.deepEqual(h[role], keys(desiredRules(input(role))));
    assert.deepEqual(
      Object.values(h).map((k) => k.length),
      [13, 16, 3],
    );
    const cp = (await nw.securityGroups.get(groups.controlplane.id)).security_group_rules;
    const api = cp.find((r) => r.port_range_min === 6443)!;
    assert.equal(api.description, "Kubernetes API");
    assert.deepEqual([api.protocol, api.port_range_max, api.remote_ip_prefix], ["tcp", 6443, null]);
  });

  it("steady state: one list call for the three groups, no rule or tag call", async () => {
    events.length = 0;
    const before = await calls();
    const counts = await reconcile();
    assert.equal((await calls()) - before, 1);
    for (const role of ROLES) assert.deepEqual(counts[role], { created: 0, deleted: 0 });
    assert.equal(events.length, 0);
  });

  it("a manually added rule is deleted; a rule whose description changed out of band is kept", async () => {
    const manual = await nw.securityGroupRules.create({
      security_group_id: groups.worker.id,
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      port_range_min: 2222,
      port_range_max: 2222,
    });
    // Rules cannot be updated: "changing" a description is recreating the rule with another one.
    const kubelet = groups.controlplane.security_group_rules.find(
      (r) => r.port_range_min === 10250 && r.remote_group_id === groups.worker.id,
    )!;
    await nw.securityGroupRules.delete(kubelet.id);
    await nw.securityGroupRules.create({
      security_group_id: kubelet.security_group_id,
      direction: kubelet.direction,
      ethertype: kubelet.ethertype,
      protocol: kubelet.protocol,
      port_range_min: kubelet.port_range_min,
      port_range_max: kubelet.port_range_max,
      remote_group_id: kubelet.remote_group_id,
      description: "edited by an operator",
    });

    const before = await calls();
    const counts = await reconcile();
    assert.deepEqual(counts.worker, { created: 0, deleted: 1 });
    assert.deepEqual(counts.controlplane, { created: 0, deleted: 0 });
    assert.equal((await calls()) - before, 2);
    // The first reconcile made 26 rules in two bulk calls and one single (the bastion's one rule); this test
    // made 2; the reconcile none (no 409 either).
    assert.equal(await calls("security_group_rule_create_bulk"), 2);
    assert.equal(await calls("security_group_rule_create"), 1 + 2);
    const worker = (await nw.securityGroups.get(groups.worker.id)).security_group_rules;
    assert.ok(!worker.some((r) => r.id === manual.id));
    assert.deepEqual((await held()).controlplane, keys(desiredRules(input("controlplane"))));
  });

  it("a bulk create refused for a rule made meanwhile falls back to one rule at a time", async () => {
    const wanted = desiredRules(input("worker"));
    const [a, b] = groups.worker.security_group_rules.filter((r) => r.direction === "ingress");
    await Promise.all([a!, b!].map((r) => nw.securityGroupRules.delete(r.id)));
    // What a reconcile read before another one re-made `a`: both missing.
    const stale = await nw.securityGroups.get(groups.worker.id);
    await nw.securityGroupRules.create({
      security_group_id: a!.security_group_id,
      direction: a!.direction,
      ethertype: a!.ethertype,
      protocol: a!.protocol,
      port_range_min: a!.port_range_min,
      port_range_max: a!.port_range_max,
      remote_ip_prefix: a!.remote_ip_prefix,
      remote_group_id: a!.remote_group_id,
    });
    const before = await calls("security_group_rule_create");
    const r = await reconcileRules(nw, record, stale, wanted);
    assert.deepEqual(r.created.map(ruleKey), [ruleKey(b!)], "the missing one is made, the re-made one left");
    assert.equal((await calls("security_group_rule_create")) - before, 2, "one per rule after the 409");
    assert.deepEqual((await held()).worker, keys(wanted));
  });

  it("tags are made equal to the wanted ones again", async () => {
    await nw.replaceTags("security-groups", groups.controlplane.id, [`${PREFIX}-a`, "added-by-hand"]);
    const before = await calls("tag_replace");
    await reconcile();
    assert.equal((await calls("tag_replace")) - before, 1);
    assert.deepEqual([...(await nw.listTags("security-groups", groups.controlplane.id))].sort(), TAGS);
    assert.deepEqual([...groups.controlplane.tags].sort(), TAGS);
  });

  it("allowAllInClusterTraffic swaps the port rules for In-cluster Ingress, and back", async () => {
    const on = await reconcile({ allowAllInClusterTraffic: true });
    assert.deepEqual(on, {
      controlplane: { created: 2, deleted: 3 },
      worker: { created: 2, deleted: 2 },
      bastion: { created: 0, deleted: 0 },
    });
    let h = await held();
    for (const role of ROLES)
      assert.deepEqual(h[role], keys(desiredRules(input(role, { allowAllInClusterTraffic: true }))));
    const cp = (await nw.securityGroups.get(groups.controlplane.id)).security_group_rules;
    assert.equal(cp.filter((r) => r.description === "In-cluster Ingress" && r.protocol === null).length, 2);

    const off = await reconcile();
    assert.deepEqual(off.controlplane, { created: 3, deleted: 2 });
    h = await held();
    for (const role of ROLES) assert.deepEqual(h[role], keys(desiredRules(input(role))));
  });

  it("finds an existing group by name without a recorded ID, and refuses two with the name", async () => {
    const listed = await listClusterSecurityGroups(nw, Object.values(NAMES));
    const found = await ensureSecurityGroup(nw, record, want("bastion"), undefined, listed);
    assert.equal(found.id, groups.bastion.id);
    const twin = await nw.securityGroups.create({ name: NAMES.bastion, description: "twin" });
    cleanup.add("twin group", () => nw.securityGroups.delete(twin.id, { ignoreNotFound: true }));
    await assert.rejects(ensureSecurityGroup(nw, record, want("bastion")), DuplicateResourceError);
    await nw.securityGroups.delete(twin.id);
  });

  it("a group still used by a port is Pending; once the port is gone it is deleted, then a no-op", async () => {
    const { net } = await tenantNetwork(os, cleanup, `${PREFIX}-sg-net`, "10.62.0.0/24");
    const port = await nw.ports.create({
      network_id: net.id,
      name: `${PREFIX}-sg-port`,
      security_groups: [groups.worker.id],
    });
    cleanup.add("port", () => nw.ports.delete(port.id, { ignoreNotFound: true }));
    events.length = 0;
    const worker = { recordedId: groups.worker.id, name: NAMES.worker };
    await assert.rejects(deleteSecurityGroup(nw, record, worker), Pending);
    assert.equal(events.length, 0);

    await nw.ports.delete(port.id);
    assert.equal(await deleteSecurityGroup(nw, record, worker), 1);
    assert.equal(await deleteSecurityGroup(nw, record, worker), 0);
    // By name alone, as after a lost status.
    assert.equal(await deleteSecurityGroup(nw, record, { name: NAMES.controlplane }), 1);
    assert.equal(await deleteSecurityGroup(nw, record, { name: NAMES.bastion }), 1);
    assert.deepEqual(
      events.map((e) => e.message),
      [
        `Deleted security group ${NAMES.worker} with id ${groups.worker.id}`,
        `Deleted security group ${NAMES.controlplane} with id ${groups.controlplane.id}`,
        `Deleted security group ${NAMES.bastion} with id ${groups.bastion.id}`,
      ],
    );
    assert.deepEqual(await listClusterSecurityGroups(nw, Object.values(NAMES)), []);
  });
});
