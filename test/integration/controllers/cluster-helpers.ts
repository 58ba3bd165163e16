// Shared pieces of the OpenStackCluster reconciler tests on the real apiserver and the real all-in-one: one
// apiserver and one manager per file, clusters made as CAPI and the fixtures make them, the rules CAPO v0.10
// puts in its managed groups (capo-behaviour §3.7, written out here independently of src/cloud) as normalised
// keys, and a delete that proves nothing of the cluster is left on the cloud.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { clusterDescription } from "../../../src/cloud/names.ts";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import type { SecurityGroupRule } from "../../../src/openstack/network.ts";
import { OpenStackClusters } from "../../../src/runtime/resources.ts";
import type { Condition, Fixtures, ManagerHandle, Obj } from "../../env/capo.ts";
import { CRD_DIR, condition, conditions, describe as show, fixtures, startManager } from "../../env/capo.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { assertNothingLeft, inventory, purge } from "../../env/sweep.ts";
import { credential, newClient } from "../openstack/env.ts";

export const NS = "default";
export const CREDS = "cloud-config";
export const run = randomBytes(2).toString("hex");

/** Cluster status as the tests read it (v1beta1 OpenStackClusterStatus, loosely typed). */
export interface ClusterStatus {
  ready?: boolean;
  network?: {
    id: string;
    name: string;
    tags?: string[];
    subnets?: { id: string; name: string; cidr: string }[];
  };
  externalNetwork?: { id: string; name: string };
  router?: { id: string; name: string; ips?: string[] };
  apiServerLoadBalancer?: {
    id: string;
    name: string;
    ip: string;
    internalIP: string;
    allowedCIDRs?: string[];
    tags?: string[];
  };
  failureDomains?: Record<string, { controlPlane?: boolean }>;
  controlPlaneSecurityGroup?: { id: string; name: string };
  workerSecurityGroup?: { id: string; name: string };
  bastionSecurityGroup?: { id: string; name: string };
  bastion?: {
    id?: string;
    name?: string;
    state?: string;
    ip?: string;
    floatingIP?: string;
    sshKeyName?: string;
  };
  conditions?: Condition[];
}

export const statusOf = (o: Obj | undefined): ClusterStatus => o?.status ?? {};
export const endpointOf = (o: Obj): { host?: string; port?: number } =>
  (o.spec as { controlPlaneEndpoint?: { host?: string; port?: number } }).controlPlaneEndpoint ?? {};

export interface Env {
  kube: KubeEnv;
  mgr: ManagerHandle;
  fx: Fixtures;
  os: OpenStackClient;
  /** Cluster names this file made: the after hook purges whatever of them is left. */
  names: Set<string>;
}

/** One apiserver, one manager, the credentials Secret `cloud-config` in `default`. */
export async function startEnv(): Promise<Env> {
  const kube = await startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] });
  const mgr = await startManager(kube, { v: 5 });
  const fx = fixtures(kube);
  await fx.credentialsSecret(NS, CREDS);
  // The test's own calls wait as long as a loaded all-in-one takes (router creates of minutes were seen).
  return { kube, mgr, fx, os: newClient(credential(), { timeoutMs: 300_000 }), names: new Set() };
}

export async function stopEnv(e: Env | undefined): Promise<void> {
  if (!e) return;
  // The manager goes first: a live one would remake what the purge deletes.
  await e.mgr.stop();
  // CAPO_TS_KEEP_MANAGER_LOG=<dir> keeps the manager's log (its temp dir goes at exit).
  const keep = process.env.CAPO_TS_KEEP_MANAGER_LOG;
  if (keep) copyFileSync(e.mgr.logFile, join(keep, `manager-${process.pid}.log`));
  const failures: unknown[] = [];
  for (const name of e.names) {
    try {
      await purge(e.os, await inventory(e.os, { namespace: NS, name }));
    } catch (err) {
      failures.push(err);
    }
  }
  await e.kube.stop();
  if (failures.length > 0) throw failures[0];
}

/** A CAPI Cluster and its OpenStackCluster (owner reference, cluster-name label) with the given spec. */
export async function createCluster(e: Env, name: string, spec: Record<string, unknown>): Promise<Obj> {
  e.names.add(name);
  const cluster = await e.fx.capiCluster(NS, name);
  return e.fx.openStackCluster(NS, name, cluster, {
    identityRef: { name: CREDS, cloudName: "capo-e2e" },
    ...spec,
  });
}

export function waitReady(e: Env, name: string, timeoutMs = 600_000): Promise<Obj> {
  // status.ready is set before the bastion steps; the Ready condition comes with the reconcile's last patch.
  const done = (o: Obj) => statusOf(o).ready === true && condition(o, "Ready")?.status === "True";
  return e.fx.waitFor(OpenStackClusters, NS, name, done, {
    timeoutMs,
    what: `OpenStackCluster ${name} ready`,
  });
}

/** Every condition of CAPO's set True (BastionReady only where a bastion is asked for). */
export function assertConditionsTrue(o: Obj, types: string[]): void {
  const byType = new Map(conditions(o).map((c) => [c.type, c]));
  for (const t of types)
    assert.equal(byType.get(t)?.status, "True", `${t} of ${o.metadata.name}: ${show(o)}`);
}

export const CLUSTER_CONDITIONS = [
  "Ready",
  "OpenStackAuthenticationSucceeded",
  "NetworkReady",
  "RouterReady",
  "SecurityGroupsReady",
  "APIEndpointReady",
];

/** Deletes the OpenStackCluster, waits for its finalizer to go, and proves nothing of it is on the cloud. */
export async function deleteAndSweep(
  e: Env,
  name: string,
  opts: { bastion?: boolean } = {},
): Promise<number> {
  const t0 = Date.now();
  await e.fx.deleteAndWaitGone(OpenStackClusters, NS, name, 300_000);
  const ms = Date.now() - t0;
  assertNothingLeft(await inventory(e.os, { namespace: NS, name }, { bastion: opts.bastion ?? true }));
  return ms;
}

/** The cluster's floating IPs by CAPO's description. */
export function clusterFloatingIPs(e: Env, name: string) {
  return e.os.network.floatingIPs.list({ description: clusterDescription({ namespace: NS, name }) });
}

// ---------------------------------------------------------------------------------------------------------------
// Security group rules as normalised keys: [direction, ethertype, protocol, min, max, remote group, remote prefix]

export interface RuleSpec {
  direction?: "ingress" | "egress";
  ethertype?: "IPv4" | "IPv6";
  protocol?: string;
  min?: number;
  max?: number;
  group?: string;
  prefix?: string;
}

export const key = (r: RuleSpec): string =>
  JSON.stringify([
    r.direction ?? "ingress",
    r.ethertype ?? "IPv4",
    r.protocol ?? null,
    r.min ?? null,
    r.max ?? null,
    r.group ?? null,
    r.prefix ?? null,
  ]);

export const observedKey = (r: SecurityGroupRule): string =>
  key({
    direction: r.direction,
    ethertype: r.ethertype,
    ...(r.protocol ? { protocol: r.protocol } : {}),
    ...(r.port_range_min != null ? { min: r.port_range_min } : {}),
    ...(r.port_range_max != null ? { max: r.port_range_max } : {}),
    ...(r.remote_group_id ? { group: r.remote_group_id } : {}),
    ...(r.remote_ip_prefix && r.remote_ip_prefix !== "0.0.0.0/0" ? { prefix: r.remote_ip_prefix } : {}),
  });

const egress: RuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];
const tcp = (min: number, max = min, remote: Pick<RuleSpec, "group" | "prefix"> = {}): RuleSpec => ({
  protocol: "tcp",
  min,
  max,
  ...remote,
});

export interface ExpectedRulesInput {
  cp: string;
  worker: string;
  bastion?: string;
  subnetCIDR: string;
  additionalPorts?: number[];
  allowAll?: boolean;
}

/** capo-behaviour §3.7: the default rules of each managed group, as keys, sorted. */
export function expectedRules(i: ExpectedRulesInput): { cp: string[]; worker: string[]; bastion: string[] } {
  const nodePorts = [{ prefix: i.subnetCIDR }, { group: i.worker }, { group: i.cp }].flatMap((remote) =>
    ["tcp", "udp"].map((protocol) => ({ protocol, min: 30000, max: 32767, ...remote })),
  );
  const ssh = i.bastion ? [tcp(22, 22, { group: i.bastion })] : [];
  const inCluster = (self: string, other: string, etcd: boolean): RuleSpec[] =>
    i.allowAll
      ? [{ group: self }, { group: other }]
      : [
          ...(etcd ? [tcp(2379, 2380, { group: self })] : []),
          tcp(10250, 10250, { group: self }),
          tcp(10250, 10250, { group: other }),
        ];
  const cp = [
    ...egress,
    tcp(6443),
    ...(i.additionalPorts ?? []).map((p) => tcp(p)),
    ...ssh,
    ...inCluster(i.cp, i.worker, true),
  ];
  const worker = [...egress, ...nodePorts, ...ssh, ...inCluster(i.worker, i.cp, false)];
  const bastion = i.bastion ? [...egress, tcp(22)] : [];
  const keys = (rs: RuleSpec[]) => rs.map(key).sort();
  return { cp: keys(cp), worker: keys(worker), bastion: keys(bastion) };
}

/** The rules Neutron holds for a group, as keys, sorted. */
export async function observedRules(os: OpenStackClient, groupId: string): Promise<string[]> {
  const g = await os.network.securityGroups.get(groupId);
  return g.security_group_rules.map(observedKey).sort();
}

export interface EventView {
  type: string;
  reason: string;
  message: string;
}

/** The Events of one object (by name), as type, reason and message. */
export async function eventsOf(e: Env, name: string): Promise<EventView[]> {
  return (await e.fx.events(NS, name)).map((ev) => {
    const x = ev as unknown as Partial<EventView>;
    return { type: x.type ?? "", reason: x.reason ?? "", message: x.message ?? "" };
  });
}
