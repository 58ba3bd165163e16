// The rules CAPO v0.10 puts in its managed security groups, and the set difference that reconciles them.
// Pure: no I/O. A rule's identity is what Neutron enforces on it (direction, ethertype, protocol, ports, remote);
// the description is not part of it: matching on it made CAPO recreate rules Neutron already held and loop on
// 409 SecurityGroupRuleExists (CAPO #3260).
import ipaddr from "ipaddr.js";
import type * as infra from "../../api/v1beta1/index.ts";
import type * as neutron from "../../openstack/network.ts";
import { UserError } from "../errors.ts";
import type { SecurityGroupRole } from "../names.ts";

/** A rule as it is sent to Neutron (less the security_group_id); unset fields mean "any". */
export interface RuleWant {
  direction: "ingress" | "egress";
  ethertype: "IPv4" | "IPv6";
  protocol?: string;
  port_range_min?: number;
  port_range_max?: number;
  remote_group_id?: string;
  remote_ip_prefix?: string;
  description: string;
}

export interface DesiredRulesInput {
  role: SecurityGroupRole;
  groupIds: { controlplane: string; worker: string; bastion?: string | undefined };
  bastionEnabled: boolean;
  allowAllInClusterTraffic: boolean;
  /** CIDRs of the cluster's subnets; the IPv4 ones may reach the worker NodePorts. */
  clusterSubnetCIDRs: string[];
  /** managedLoadBalancer.additionalPorts, opened on the control plane. */
  additionalPorts: number[];
  /** allNodesSecurityGroupRules: appended to the control plane and worker groups. */
  userRules: infra.SecurityGroupRuleSpec[];
}

const ingress = (
  description: string,
  r: Omit<RuleWant, "direction" | "ethertype" | "description">,
): RuleWant => ({
  direction: "ingress",
  ethertype: "IPv4",
  description,
  ...r,
});
const tcp = (description: string, min: number, max: number, remote: Remote = {}): RuleWant =>
  ingress(description, { protocol: "tcp", port_range_min: min, port_range_max: max, ...remote });

type Remote = Pick<RuleWant, "remote_group_id" | "remote_ip_prefix">;
const fromGroup = (id: string): Remote => ({ remote_group_id: id });

const FULL_OPEN: RuleWant[] = [
  { direction: "egress", ethertype: "IPv4", description: "Full open" },
  { direction: "egress", ethertype: "IPv6", description: "Full open" },
];

/** The rules one managed group must hold, in CAPO's order. */
export function desiredRules(input: DesiredRulesInput): RuleWant[] {
  const { groupIds: g, role } = input;
  if (role === "bastion") return [...FULL_OPEN, tcp("SSH", 22, 22)];
  const self = role === "controlplane" ? g.controlplane : g.worker;
  const other = role === "controlplane" ? g.worker : g.controlplane;
  const rules = [...FULL_OPEN, ...(role === "controlplane" ? controlPlaneOwn(input) : workerOwn(input))];
  if (input.bastionEnabled) rules.push(tcp("SSH", 22, 22, fromGroup(bastionId(input))));
  if (input.allowAllInClusterTraffic) {
    rules.push(
      ingress("In-cluster Ingress", fromGroup(self)),
      ingress("In-cluster Ingress", fromGroup(other)),
    );
  } else {
    if (role === "controlplane") rules.push(tcp("Etcd", 2379, 2380, fromGroup(self)));
    rules.push(
      tcp("Kubelet API", 10250, 10250, fromGroup(self)),
      tcp("Kubelet API", 10250, 10250, fromGroup(other)),
    );
  }
  return [...rules, ...input.userRules.flatMap((r) => userRule(r, input))];
}

// The API port is 6443 whatever apiServerPort says: CAPO hard-codes it.
const controlPlaneOwn = (input: DesiredRulesInput): RuleWant[] => [
  tcp("Kubernetes API", 6443, 6443),
  ...input.additionalPorts.map((p) => tcp("Additional port", p, p)),
];

function workerOwn(input: DesiredRulesInput): RuleWant[] {
  const remotes: Remote[] = [
    ...input.clusterSubnetCIDRs.filter(isIPv4CIDR).map((cidr) => ({ remote_ip_prefix: cidr })),
    fromGroup(input.groupIds.worker),
    fromGroup(input.groupIds.controlplane),
  ];
  return remotes.flatMap((remote) =>
    ["tcp", "udp"].map((protocol) =>
      ingress("Node Port Services", { protocol, port_range_min: 30000, port_range_max: 32767, ...remote }),
    ),
  );
}

function bastionId(input: DesiredRulesInput): string {
  const id = input.groupIds.bastion;
  if (!id) throw new Error("the bastion is enabled but its security group ID is not known yet");
  return id;
}

/** A user's rule; each remoteManagedGroups entry becomes one rule from that group. */
function userRule(spec: infra.SecurityGroupRuleSpec, input: DesiredRulesInput): RuleWant[] {
  const base: RuleWant = {
    direction: spec.direction as RuleWant["direction"],
    ethertype: (spec.etherType ?? "IPv4") as RuleWant["ethertype"],
    description: spec.description ?? "",
    ...defined({
      protocol: canonicalProtocol(spec.protocol),
      port_range_min: spec.portRangeMin,
      port_range_max: spec.portRangeMax,
      remote_group_id: spec.remoteGroupID,
      remote_ip_prefix: spec.remoteIPPrefix,
    }),
  };
  const managed = spec.remoteManagedGroups ?? [];
  if (managed.length === 0) return [base];
  return managed.map((group) => ({ ...base, remote_group_id: managedGroupId(group, input) }));
}

function managedGroupId(group: SecurityGroupRole, input: DesiredRulesInput): string {
  if (group === "bastion" && !input.bastionEnabled)
    throw new UserError(
      "SecurityGroupCreateFailed",
      "remoteManagedGroups: bastion is not a valid remote managed security group",
    );
  return group === "bastion" ? bastionId(input) : input.groupIds[group];
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function isIPv4CIDR(cidr: string): boolean {
  return ipaddr.isValidCIDR(cidr) && ipaddr.parseCIDR(cidr)[0].kind() === "ipv4";
}

/** What to create and what to delete so that a group holds exactly `wanted` (manual rules go, as in CAPO). */
export function diffRules(
  observed: neutron.SecurityGroupRule[],
  wanted: RuleWant[],
): { toCreate: RuleWant[]; toDelete: neutron.SecurityGroupRule[] } {
  const wantedKeys = new Set(wanted.map(ruleKey));
  const observedKeys = new Set(observed.map(ruleKey));
  const toCreate = new Map<string, RuleWant>();
  for (const w of wanted) {
    const k = ruleKey(w);
    if (!observedKeys.has(k) && !toCreate.has(k)) toCreate.set(k, w);
  }
  return { toCreate: [...toCreate.values()], toDelete: observed.filter((o) => !wantedKeys.has(ruleKey(o))) };
}

type RuleLike = Pick<RuleWant, "direction" | "ethertype"> & {
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_group_id?: string | null;
  remote_ip_prefix?: string | null;
  remote_address_group_id?: string | null;
};

/**
 * A rule's identity as Neutron judges duplicates, so that what we create always matches what Neutron returns
 * (no create/delete flapping) and we never create what Neutron calls a duplicate (no 409 loop).
 */
export function ruleKey(r: RuleLike): string {
  const protocol = protocolKey(r.protocol, r.ethertype);
  // Neutron stores a port protocol's full range 1-65535 as "any port".
  const allPorts =
    typeof protocol === "number" &&
    PORT_PROTOCOLS.has(protocol) &&
    r.port_range_min === 1 &&
    r.port_range_max === 65535;
  return JSON.stringify([
    r.direction,
    r.ethertype,
    protocol,
    allPorts ? null : (r.port_range_min ?? null),
    allPorts ? null : (r.port_range_max ?? null),
    r.remote_group_id ?? null,
    prefixKey(r.remote_ip_prefix),
    // A remote address group (a newer Neutron remote kind) is never what we want: such a rule must not pass for
    // an "any remote" one.
    r.remote_address_group_id ?? null,
  ]);
}

// neutron-lib's IP_PROTOCOL_MAP: Neutron takes "6" for a duplicate of "tcp".
// prettier-ignore
const PROTOCOL_NUMBERS: Record<string, number> = {
  hopopt: 0, icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, dccp: 33, "ipv6-encap": 41, "ipv6-route": 43,
  "ipv6-frag": 44, rsvp: 46, gre: 47, esp: 50, ah: 51, "ipv6-icmp": 58, icmpv6: 58, "ipv6-nonxt": 59,
  "ipv6-opts": 60, ospf: 89, vrrp: 112, pgm: 113, sctp: 132, udplite: 136,
};
const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);

/** The protocol as Neutron accepts it: "any" is no protocol, names in lower case, numbers without zeros. */
function canonicalProtocol(p: string | null | undefined): string | undefined {
  if (p === undefined || p === null || p === "" || p.toLowerCase() === "any") return undefined;
  return /^\d+$/.test(p) ? String(Number(p)) : p.toLowerCase();
}

// Protocols compare by number; ICMP on IPv6 is stored as ipv6-icmp.
function protocolKey(p: string | null | undefined, ethertype: string): number | string | null {
  const c = canonicalProtocol(p);
  if (c === undefined) return null;
  const n = PROTOCOL_NUMBERS[c] ?? (/^\d+$/.test(c) ? Number(c) : undefined);
  if (n === undefined) return c;
  return ethertype === "IPv6" && n === 1 ? 58 : n;
}

// Anywhere is spelled null or 0.0.0.0/0 (::/0), which Neutron takes for duplicates; host bits and spelling
// (10.1.0.5 for 10.1.0.5/32, upper-case IPv6) do not change what a prefix admits.
function prefixKey(prefix: string | null | undefined): string | null {
  if (!prefix) return null;
  let cidr: [ipaddr.IPv4 | ipaddr.IPv6, number];
  if (ipaddr.isValidCIDR(prefix)) cidr = ipaddr.parseCIDR(prefix);
  else if (ipaddr.isValid(prefix)) {
    const ip = ipaddr.parse(prefix);
    cidr = [ip, ip.kind() === "ipv4" ? 32 : 128];
  } else return prefix;
  const [ip, bits] = cidr;
  if (bits === 0) return null;
  const network =
    ip.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${ip.toString()}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${ip.toString()}/${bits}`);
  return `${network.toString()}/${bits}`;
}
