/**
 * Shared set-up of the OpenStackMachine reconciler tests: one apiserver and one real `capo-ts manager` per file,
 * the objects Cluster API would create for a cluster and its machines, and a sweep of everything by CAPO names.
 *
 * ```ts
 * const m = await startMachineEnv("msc");
 * const c = await m.readyCluster("c1", { managedSubnets: [{ cidr: "10.93.0.0/24" }] });
 * await m.machine(c, "w0", { flavor: "m1.tiny", image: { filter: { name: "cirros" } } });
 * const osm = await m.waitReady("w0");
 * after(() => m.stop());   // deletes what is left in the apiserver, purges the cloud, stops everything
 * ```
 */
import { randomBytes } from "node:crypto";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import {
  CRD_DIR,
  condition,
  fixtures,
  startManager,
  type Fixtures,
  type ManagerHandle,
  type Obj,
} from "../../env/capo.ts";
import { inventory, purge, type Inventory } from "../../env/sweep.ts";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { Machines, OpenStackClusters, OpenStackMachines } from "../../../src/runtime/resources.ts";
import { ADMIN_CLOUD, SEED, credential, newClient } from "../openstack/env.ts";

export const NS = "default";
export const CREDS = "creds";

/** What a machine spec needs at least; tests spread their own fields over it. */
export const BASE_MACHINE = {
  flavor: SEED.flavor,
  image: { filter: { name: SEED.image } },
  sshKeyName: "capo-e2e",
};

export interface TestCluster {
  name: string;
  cluster: Obj;
  osc: Obj;
}

export interface MachineOpts {
  controlPlane?: boolean;
  failureDomain?: string;
  /** The bootstrap Secret's value; false: the Machine has no dataSecretName yet. */
  bootstrap?: string | false;
}

export interface Ev {
  type: string;
  reason: string;
  message: string;
}

export interface MachineEnv {
  readonly env: KubeEnv;
  readonly mgr: ManagerHandle;
  readonly fx: Fixtures;
  /** The member cloud (what the manager uses) and the admin cloud. */
  readonly os: OpenStackClient;
  readonly admin: OpenStackClient;
  /** Unique per run: every name starts with it. */
  readonly prefix: string;
  readonly clusters: TestCluster[];
  /** Names of every OpenStackMachine created, per cluster name. */
  readonly machines: Map<string, string[]>;
  /** Creates Cluster + OpenStackCluster (identity `creds`), waits for ready, marks the Cluster ready as CAPI does. */
  readyCluster(name: string, spec: Record<string, unknown>, opts?: { wait?: boolean }): Promise<TestCluster>;
  /** Bootstrap Secret, Machine and OpenStackMachine as CAPI and a bootstrap provider make them. */
  machine(c: TestCluster, name: string, spec: Record<string, unknown>, opts?: MachineOpts): Promise<Obj>;
  osm(name: string): Promise<Obj | undefined>;
  waitReady(name: string, timeoutMs?: number): Promise<Obj>;
  waitCondition(
    name: string,
    type: string,
    pred: (c: { status: string; reason?: string; message?: string }) => boolean,
    timeoutMs?: number,
  ): Promise<Obj>;
  /** Events of one object, as type, reason and message. */
  events(name: string): Promise<Ev[]>;
  /** Deletes OpenStackMachine and Machine and waits until both are gone. */
  deleteMachine(name: string, timeoutMs?: number): Promise<void>;
  inventory(c: TestCluster): Promise<Inventory>;
  /** Deletes what is left in the apiserver (machines first), purges every cluster's resources, stops all. */
  stop(): Promise<void>;
}

const started: MachineEnv[] = [];

/** Stops every env this process started (for `after`, which runs even when `before` failed half-way). */
export async function stopMachineEnvs(): Promise<void> {
  const all = started.splice(0);
  await Promise.all(all.map((m) => m.stop()));
}

const ready = (o: Obj): boolean => (o.status as { ready?: boolean } | undefined)?.ready === true;

export async function startMachineEnv(label: string, managerOpts: { v?: number } = {}): Promise<MachineEnv> {
  const env = await startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] });
  const mgr = await startManager(env, { v: managerOpts.v ?? 5 });
  const fx = fixtures(env);
  await fx.credentialsSecret(NS, CREDS);
  const os = newClient(credential());
  const admin = newClient(credential(ADMIN_CLOUD));
  const prefix = `${label}-${randomBytes(2).toString("hex")}`;
  const clusters: TestCluster[] = [];
  const machines = new Map<string, string[]>();

  const m: MachineEnv = {
    env,
    mgr,
    fx,
    os,
    admin,
    prefix,
    clusters,
    machines,
    async readyCluster(name, spec, opts = {}) {
      const cluster = await fx.capiCluster(NS, name);
      machines.set(name, []);
      let osc = await fx.openStackCluster(NS, name, cluster, {
        identityRef: { name: CREDS, cloudName: "capo-e2e" },
        ...spec,
      });
      const c = { name, cluster, osc };
      clusters.push(c);
      if (opts.wait === false) return c;
      // Generous: on a busy all-in-one a router or an Octavia LB alone has taken minutes.
      osc = await fx.waitFor(OpenStackClusters, NS, name, ready, { timeoutMs: 480_000 });
      await fx.setClusterInfrastructureReady(NS, name);
      c.osc = osc;
      return c;
    },
    async machine(c, name, spec, opts = {}) {
      machines.get(c.name)?.push(name);
      const bootstrap = opts.bootstrap ?? "#cloud-config\n";
      if (bootstrap !== false) await fx.bootstrapSecret(NS, `${name}-bootstrap`, bootstrap);
      const machine = await fx.machine(NS, name, c.cluster, {
        ...(bootstrap !== false ? { bootstrapSecret: `${name}-bootstrap` } : {}),
        ...(opts.controlPlane ? { controlPlane: true } : {}),
        failureDomain: opts.failureDomain ?? SEED.az,
      });
      return fx.openStackMachine(NS, name, machine, spec);
    },
    osm: (name) => fx.get(OpenStackMachines, NS, name),
    waitReady: (name, timeoutMs = 300_000) =>
      fx.waitFor(OpenStackMachines, NS, name, ready, { timeoutMs, what: `OpenStackMachine ${name} ready` }),
    waitCondition: (name, type, pred, timeoutMs = 240_000) =>
      fx.waitFor(
        OpenStackMachines,
        NS,
        name,
        (o) => {
          const c = condition(o, type);
          return c !== undefined && pred(c);
        },
        { timeoutMs, what: `OpenStackMachine ${name} condition ${type}` },
      ),
    events: async (name) => (await fx.events(NS, name)).map((e) => e as unknown as Ev),
    async deleteMachine(name, timeoutMs = 120_000) {
      await fx.deleteAndWaitGone(OpenStackMachines, NS, name, timeoutMs);
      await fx.deleteAndWaitGone(Machines, NS, name, timeoutMs);
    },
    inventory: (c) =>
      inventory(os, { namespace: NS, name: c.name }, { machineNames: machines.get(c.name) ?? [] }),
    async stop() {
      const failures: unknown[] = [];
      const attempt = async (f: () => Promise<unknown>) => {
        try {
          await f();
        } catch (e) {
          failures.push(e);
        }
      };
      // The reconciler deletes first (it knows what it made); the purge catches what it did not.
      await attempt(() => Promise.all([...machines.values()].flat().map((n) => m.deleteMachine(n, 120_000))));
      await attempt(() =>
        Promise.all(clusters.map((c) => fx.deleteAndWaitGone(OpenStackClusters, NS, c.name, 150_000))),
      );
      await mgr.stop();
      await attempt(() => Promise.all(clusters.map(async (c) => purge(os, await m.inventory(c)))));
      await env.stop();
      if (failures.length > 0) throw new AggregateError(failures, "machine env cleanup failed");
    },
  };
  started.push(m);
  return m;
}
