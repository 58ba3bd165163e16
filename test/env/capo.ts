/**
 * The pieces of a reconciler integration test: the real `capo-ts manager` process against a test apiserver,
 * the objects Cluster API would create, waiting on the apiserver, and secret hygiene.
 *
 * ```ts
 * const env = await startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] });
 * const mgr = await startManager(env, { v: 4 });
 * const fx = fixtures(env);
 * await fx.credentialsSecret("default", "creds");
 * const cluster = await fx.capiCluster("default", "c1");
 * await fx.openStackCluster("default", "c1", cluster, { identityRef: { name: "creds", cloudName: "capo-e2e" } });
 * const osc = await fx.waitFor(OpenStackClusters, "default", "c1", (o) => o.status?.ready === true, { timeoutMs: 120_000 });
 * await mgr.kill9(); await mgr.restart();
 * ```
 *
 * Manager processes never outlive the test process: they get SIGKILL when it exits, and the kernel sends them
 * SIGKILL when it dies (setpriv --pdeathsig).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, cpSync, mkdtempSync, openSync, readFileSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { readCloud, CLOUDS_YAML_PATH } from "./openstack.ts";
import { generateTestCertificates } from "./certs.ts";
import type { KubeEnv } from "./kube.ts";
import { tempDir } from "./tmp.ts";
import { KubeClient, isNotFound } from "../../src/runtime/kube.ts";
import type { KubeObject, OwnerReference, Resource } from "../../src/runtime/object.ts";
import {
  Clusters,
  Events,
  Machines,
  OpenStackClusters,
  OpenStackMachines,
  Secrets,
} from "../../src/runtime/resources.ts";
import { parse } from "yaml";

const BIN = new URL("../../bin/capo-ts", import.meta.url).pathname;
export const CRD_DIR = new URL("../../config/crd/bases", import.meta.url).pathname;

// ---------------------------------------------------------------------------------------------------------------
// The manager process

export interface LogLine {
  msg: string;
  /** The manager process that wrote the line (added by the harness). */
  pid: number;
  [key: string]: unknown;
}

export interface ManagerOptions {
  v?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** POD_NAMESPACE (leader election); default "default". */
  podNamespace?: string;
  /** Wait for "Starting controllers" at start and restart (default true; a replica that does not lead never logs it). */
  waitForControllers?: boolean;
  /**
   * Run the manager from this root file system (the controller image's, out/image/rootfs) in a chroot as
   * uid 65532 with an empty environment, as the image's entrypoint: its kubeconfig and certificates are copied in.
   */
  rootfs?: string;
}

export interface ManagerHandle {
  /** Every JSON line on stderr of every process of this handle, in order (non-JSON lines as `{msg}`). */
  readonly logs: LogLine[];
  /** The same stderr, raw, across restarts. */
  readonly logFile: string;
  readonly pid: number;
  /** `http://127.0.0.1:<port>/metrics` of the current process. */
  readonly metricsUrl: string;
  readonly healthUrl: string;
  /** Resolves with the exit code (or signal name) of the current process. */
  readonly exited: Promise<number | string>;
  /** The first line (of the current process unless `anyProcess`) satisfying `pred`, waiting up to `timeoutMs`. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number, anyProcess?: boolean): Promise<LogLine>;
  /** Text of current metrics: `metric(name, labels)` sums samples whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  kill9(): Promise<void>;
  /** SIGTERM, then waits for exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** Starts a new process with the same arguments; resolves once it logs "Starting controllers". */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
let guarded = false;

function guardExit(): void {
  if (guarded) return;
  guarded = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

class Manager implements ManagerHandle {
  readonly logs: LogLine[] = [];
  readonly logFile: string;
  #child!: ChildProcess;
  #exited!: Promise<number | string>;
  #ports = { metrics: 0, health: 0 };
  readonly #command: string[];
  readonly #env: NodeJS.ProcessEnv;
  /** Written synchronously, so the file is complete whenever a test reads it. */
  readonly #out: number;

  readonly #waitForControllers: boolean;

  /** `command`: the program and its arguments, `manager` and flags included. */
  constructor(command: string[], env: NodeJS.ProcessEnv, dir: string, waitForControllers: boolean) {
    this.#waitForControllers = waitForControllers;
    this.#command = command;
    this.#env = env;
    this.logFile = join(dir, "manager.log");
    this.#out = openSync(this.logFile, "a");
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }
  get exited(): Promise<number | string> {
    return this.#exited;
  }
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.#ports.metrics}/metrics`;
  }
  get healthUrl(): string {
    return `http://127.0.0.1:${this.#ports.health}`;
  }

  async start(): Promise<void> {
    guardExit();
    const child = spawn("setpriv", ["--pdeathsig", "SIGKILL", ...this.#command], {
      env: this.#env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.#child = child;
    live.add(child);
    const pid = child.pid ?? 0;
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        live.delete(child);
        resolve(signal ?? code ?? -1);
      });
    });
    createInterface({ input: child.stderr }).on("line", (line) => {
      writeSync(this.#out, `${line}\n`);
      this.logs.push(parseLine(line, pid));
    });
    const port = async (msg: string) => (await this.waitForLog((l) => l.msg === msg, 60_000)).port as number;
    this.#ports = { health: await port("Serving probes"), metrics: await port("Serving metrics") };
    if (this.#waitForControllers) await this.waitForLog((l) => l.msg === "Starting controllers", 60_000);
  }

  async waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 30_000, anyProcess = false): Promise<LogLine> {
    const pid = this.pid;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.find((l) => (anyProcess || l.pid === pid) && pred(l));
      if (line) return line;
      const gone = this.#child.exitCode !== null || this.#child.signalCode !== null;
      if (gone || Date.now() > deadline) {
        const tail = this.logs.slice(-30).map((l) => JSON.stringify(l));
        throw new Error(
          `manager ${pid}: no matching log line ${gone ? "before it exited" : `within ${timeoutMs} ms`}; last lines:\n${tail.join("\n")}`,
        );
      }
      await sleep(25);
    }
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(this.metricsUrl)).text();
    return sumMetric(text, name, labels);
  }

  async kill9(): Promise<void> {
    if (this.#running()) this.#child.kill("SIGKILL");
    await this.#exited;
  }

  async stop(): Promise<void> {
    if (this.#running()) {
      this.#child.kill("SIGTERM");
      const timer = setTimeout(() => this.#child.kill("SIGKILL"), 15_000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  #running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }
}

function parseLine(line: string, pid: number): LogLine {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    return { ...parsed, msg: typeof parsed.msg === "string" ? parsed.msg : "", pid };
  } catch {
    return { msg: line, pid };
  }
}

/** Sum of the samples of `name` (Prometheus text format) whose labels include all of `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (m?.[1] !== name) continue;
    const have = new Map([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}

/**
 * Starts `capo-ts manager` against `env` on free ports (probes, metrics, webhooks: port 0, read back from the
 * log), with webhook certificates of its own; resolves once it logs "Starting controllers".
 */
export async function startManager(env: KubeEnv, opts: ManagerOptions = {}): Promise<ManagerHandle> {
  const dir = tempDir("capo-ts-manager-");
  const certs = generateTestCertificates("manager");
  const files = opts.rootfs ? inRootfs(opts.rootfs, env.kubeconfigPath, certs.certDir) : undefined;
  const args = [
    "manager",
    `--kubeconfig=${files?.kubeconfig ?? env.kubeconfigPath}`,
    "--health-addr=127.0.0.1:0",
    "--metrics-bind-addr=127.0.0.1:0",
    "--diagnostics-address=0",
    "--webhook-port=0",
    `--webhook-cert-dir=${files?.certDir ?? certs.certDir}`,
    `--v=${opts.v ?? 2}`,
    ...(opts.extraArgs ?? []),
  ];
  const ns = { POD_NAMESPACE: opts.podNamespace ?? "default" };
  const command = opts.rootfs ? [...imageEntrypoint(opts.rootfs), ...args] : [BIN, ...args];
  const childEnv = opts.rootfs ? { ...ns, ...opts.env } : { ...process.env, ...ns, ...opts.env };
  const mgr = new Manager(command, childEnv, dir, opts.waitForControllers ?? true);
  await mgr.start();
  return mgr;
}

/** The Dockerfile's USER and ENTRYPOINT, run by chroot over the image's root file system. */
const imageEntrypoint = (rootfs: string): string[] => [
  "/usr/sbin/chroot",
  "--userspec=65532:65532",
  rootfs,
  "/usr/local/bin/node",
  "--disable-warning=ExperimentalWarning",
  "/app/src/cli/main.ts",
];

/** Copies the kubeconfig and webhook certificates into the root file system; their paths as seen inside it. */
function inRootfs(
  rootfs: string,
  kubeconfig: string,
  certDir: string,
): { kubeconfig: string; certDir: string } {
  const inside = mkdtempSync(join(rootfs, "tmp", "capo-ts-"));
  cpSync(kubeconfig, join(inside, "kubeconfig"));
  cpSync(certDir, join(inside, "certs"), { recursive: true });
  chownSync(inside, 65532, 65532);
  for (const f of ["kubeconfig", "certs", ...readdirSync(join(inside, "certs")).map((c) => join("certs", c))])
    chownSync(join(inside, f), 65532, 65532);
  const path = inside.slice(rootfs.replace(/\/$/, "").length);
  return { kubeconfig: `${path}/kubeconfig`, certDir: `${path}/certs` };
}

// ---------------------------------------------------------------------------------------------------------------
// Objects as Cluster API would create them

export type Obj = KubeObject<Record<string, unknown>, Record<string, unknown>>;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  severity?: string;
}

const CAPI_V1B1 = "cluster.x-k8s.io/v1beta1";
const INFRA_V1B1 = "infrastructure.cluster.x-k8s.io/v1beta1";
export const CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";
export const CONTROL_PLANE_LABEL = "cluster.x-k8s.io/control-plane";

const nameOf = (o: Obj): string => o.metadata.name ?? "";

/** CAPI sets a controller reference from the infrastructure object to its Cluster or Machine. */
function ownedBy(owner: Obj, kind: string): OwnerReference {
  return {
    apiVersion: CAPI_V1B1,
    kind,
    name: nameOf(owner),
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The clouds.yaml of one cloud of /etc/openstack/clouds.yaml, optionally with another auth_url (a proxy). */
export function cloudsYamlFor(cloud = "capo-e2e", authUrl?: string): string {
  const doc = parse(readFileSync(CLOUDS_YAML_PATH, "utf8")) as {
    clouds: Record<string, Record<string, unknown>>;
  };
  const entry = structuredClone(doc.clouds[cloud]);
  if (!entry) throw new Error(`${CLOUDS_YAML_PATH} has no cloud ${cloud}`);
  if (authUrl) (entry.auth as Record<string, unknown>).auth_url = authUrl;
  return stringify({ clouds: { [cloud]: entry } });
}

export interface Fixtures {
  readonly kube: KubeClient;
  namespace(name: string): Promise<Obj>;
  credentialsSecret(ns: string, name: string, opts?: { cloud?: string; authUrl?: string }): Promise<Obj>;
  capiCluster(ns: string, name: string, opts?: { infraName?: string; paused?: boolean }): Promise<Obj>;
  openStackCluster(ns: string, name: string, cluster: Obj, spec: Record<string, unknown>): Promise<Obj>;
  bootstrapSecret(ns: string, name: string, value: string): Promise<Obj>;
  machine(
    ns: string,
    name: string,
    cluster: Obj,
    opts?: { infraName?: string; bootstrapSecret?: string; failureDomain?: string; controlPlane?: boolean },
  ): Promise<Obj>;
  openStackMachine(ns: string, name: string, machine: Obj, spec: Record<string, unknown>): Promise<Obj>;
  /** What CAPI does once the OpenStackCluster is ready; the machine reconciler waits for it. */
  setClusterInfrastructureReady(ns: string, name: string, ready?: boolean): Promise<Obj>;
  get(r: Resource, ns: string, name: string): Promise<Obj | undefined>;
  waitFor(
    r: Resource,
    ns: string,
    name: string,
    pred: (o: Obj) => boolean,
    opts?: { timeoutMs?: number; what?: string },
  ): Promise<Obj>;
  events(ns: string, involvedName?: string): Promise<Obj[]>;
  /** Deletes and waits until the apiserver answers 404 (finalizers removed); on timeout names what is left. */
  deleteAndWaitGone(r: Resource, ns: string, name: string, timeoutMs?: number): Promise<void>;
}

export function kubeClient(env: KubeEnv): KubeClient {
  return new KubeClient(env.kubeConfig);
}

export function fixtures(env: KubeEnv): Fixtures {
  const kube = kubeClient(env);
  const create = (r: Resource, obj: Obj): Promise<Obj> => kube.create(r, obj);
  const get = async (r: Resource, ns: string, name: string): Promise<Obj | undefined> => {
    try {
      return await kube.get<Obj>(r, ns, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  const waitFor: Fixtures["waitFor"] = (r, ns, name, pred, opts = {}) =>
    poll(
      () => get(r, ns, name),
      (o): o is Obj => o !== undefined && pred(o),
      { timeoutMs: opts.timeoutMs, what: opts.what ?? `${r.kind} ${ns}/${name}` },
    );
  return {
    kube,
    get,
    waitFor,
    namespace: (name) =>
      kube.create(
        { group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false },
        {
          metadata: { name },
        },
      ),
    credentialsSecret: (ns, name, opts = {}) =>
      create(Secrets, {
        metadata: { name, namespace: ns },
        stringData: { "clouds.yaml": cloudsYamlFor(opts.cloud, opts.authUrl) },
      } as Obj),
    capiCluster: (ns, name, opts = {}) =>
      create(Clusters, {
        metadata: { name, namespace: ns },
        spec: {
          ...(opts.paused ? { paused: true } : {}),
          infrastructureRef: {
            apiVersion: INFRA_V1B1,
            kind: "OpenStackCluster",
            name: opts.infraName ?? name,
            namespace: ns,
          },
        },
      }),
    openStackCluster: (ns, name, cluster, spec) =>
      create(OpenStackClusters, {
        metadata: {
          name,
          namespace: ns,
          labels: { [CLUSTER_NAME_LABEL]: nameOf(cluster) },
          ownerReferences: [ownedBy(cluster, "Cluster")],
        },
        spec,
      }),
    bootstrapSecret: (ns, name, value) =>
      create(Secrets, {
        metadata: { name, namespace: ns },
        type: "cluster.x-k8s.io/secret",
        stringData: { value, format: "cloud-config" },
      } as Obj),
    machine: (ns, name, cluster, opts = {}) =>
      create(Machines, {
        metadata: {
          name,
          namespace: ns,
          labels: {
            [CLUSTER_NAME_LABEL]: nameOf(cluster),
            ...(opts.controlPlane ? { [CONTROL_PLANE_LABEL]: "" } : {}),
          },
        },
        spec: {
          clusterName: nameOf(cluster),
          bootstrap: opts.bootstrapSecret
            ? { dataSecretName: opts.bootstrapSecret }
            : { configRef: bootstrapConfigRef(ns, name) },
          infrastructureRef: {
            apiVersion: INFRA_V1B1,
            kind: "OpenStackMachine",
            name: opts.infraName ?? name,
            namespace: ns,
          },
          ...(opts.failureDomain ? { failureDomain: opts.failureDomain } : {}),
        },
      }),
    openStackMachine: (ns, name, machine, spec) =>
      create(OpenStackMachines, {
        metadata: {
          name,
          namespace: ns,
          labels: { [CLUSTER_NAME_LABEL]: String(machine.spec?.clusterName) },
          ownerReferences: [ownedBy(machine, "Machine")],
        },
        spec,
      }),
    setClusterInfrastructureReady: (ns, name, ready = true) =>
      kube.patch<Obj>(
        Clusters,
        ns,
        name,
        { status: { infrastructureReady: ready } },
        { type: "merge", subresource: "status" },
      ),
    events: async (ns, involvedName) =>
      (
        await kube.list<Obj>(Events, {
          namespace: ns,
          ...(involvedName ? { fieldSelector: `involvedObject.name=${involvedName}` } : {}),
        })
      ).items,
    deleteAndWaitGone: async (r, ns, name, timeoutMs = 120_000) => {
      try {
        await kube.delete(r, ns, name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      await poll(
        async () => ({ obj: await get(r, ns, name) }),
        (v) => v.obj === undefined,
        { timeoutMs, what: `${r.kind} ${ns}/${name} to be gone`, describe: (v) => describe(v.obj) },
      );
    },
  };
}

/** A bootstrap config that does not exist: the Machine waits for bootstrap data, as before kubeadm ran. */
function bootstrapConfigRef(ns: string, name: string): Record<string, string> {
  return { apiVersion: "bootstrap.cluster.x-k8s.io/v1beta1", kind: "KubeadmConfig", name, namespace: ns };
}

/** An object as a failure message shows it: finalizers, deletion, status (conditions included). */
export function describe(o: Obj | undefined): string {
  if (!o) return "(absent)";
  const { finalizers, deletionTimestamp, generation } = o.metadata;
  return JSON.stringify({ finalizers, deletionTimestamp, generation, status: o.status });
}

/** The conditions of an object's status. */
export function conditions(o: Obj | undefined): Condition[] {
  return (o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
}

export function condition(o: Obj | undefined, type: string): Condition | undefined {
  return conditions(o).find((c) => c.type === type);
}

/**
 * Polls `get` every 250 ms until `done`; on timeout fails with `what` and the last value seen (described by
 * `describe`, by default status and conditions of an object).
 */
export async function poll<T, U extends T = T>(
  get: () => Promise<T>,
  done: ((v: T) => v is U) | ((v: T) => boolean),
  opts: { timeoutMs?: number | undefined; what: string; describe?: (v: T) => string },
): Promise<U> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const show = opts.describe ?? ((v: T) => describe(v as Obj | undefined));
  for (;;) {
    const v = await get();
    if (done(v)) return v as U;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${opts.timeoutMs ?? 60_000} ms waiting for ${opts.what}; last seen: ${show(v)}`,
      );
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Secret hygiene

/**
 * Fails if any secret occurs in any text; the message says which text and where, with the secret masked.
 * Secrets shorter than 6 characters are refused (they would match by chance).
 */
export function assertNoSecrets(texts: { name: string; text: string }[], secrets: string[]): void {
  const found: string[] = [];
  for (const [i, secret] of secrets.entries()) {
    if (secret.length < 6) throw new Error(`assertNoSecrets: secret #${i} is too short to search for`);
    for (const { name, text } of texts) {
      const at = text.indexOf(secret);
      if (at < 0) continue;
      const context = text
        .slice(Math.max(0, at - 80), at + secret.length + 80)
        .replaceAll(secret, "<SECRET>");
      found.push(`secret #${i} in ${name} at offset ${at}: …${context}…`);
    }
  }
  if (found.length > 0) throw new Error(`secrets leaked:\n${found.join("\n")}`);
}

/**
 * Everything a secret must never reach, as texts for assertNoSecrets: the manager's log file, every Event in
 * `ns`, and the status of every OpenStackCluster and OpenStackMachine in `ns`.
 */
export async function observableTexts(
  kube: KubeClient,
  ns: string,
  manager?: ManagerHandle,
): Promise<{ name: string; text: string }[]> {
  const texts = manager ? [{ name: manager.logFile, text: readFileSync(manager.logFile, "utf8") }] : [];
  for (const r of [Events, OpenStackClusters, OpenStackMachines]) {
    const items = (await kube.list<Obj>(r, { namespace: ns })).items;
    const shown = r === Events ? items : items.map((o) => ({ name: o.metadata.name, status: o.status }));
    texts.push({ name: `${r.plural} in ${ns}`, text: JSON.stringify(shown) });
  }
  return texts;
}

/** The password of `cloud` in clouds.yaml. */
export function cloudPassword(cloud = "capo-e2e"): string {
  return readCloud(cloud).password;
}
