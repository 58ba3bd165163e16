/**
 * A private Kubernetes API server for a test file: a real etcd and kube-apiserver, built from Go modules by
 * `hack/envtest/build.sh` at the versions pinned in `hack/envtest/versions.env`.
 *
 * ```ts
 * const env = await startKube({ installCAPICRDs: true });
 * after(() => env.stop());
 * const core = env.kubeConfig.makeApiClient(CoreV1Api);
 * ```
 *
 * - Each environment has its own temp directory (`env.dir`: etcd data, certificates, logs) and its own ports on
 *   127.0.0.1, so test files can run in parallel processes.
 * - `env.kubeConfig` (and the file `env.kubeconfigPath`) authenticate as `admin` in `system:masters` with a
 *   bearer token; authorization is RBAC, so other identities (service-account tokens, impersonation) get
 *   real RBAC decisions.
 * - Only the apiserver runs: no controller-manager, so no garbage collection, namespace finalization, service
 *   account token controller or the like. The ServiceAccount admission plugin is off so that pods can be created.
 * - CRDs are installed with `spec.conversion` replaced by `strategy: None` (there is no conversion webhook);
 *   `startKube` returns once they are Established.
 * - `env.restart()` restarts the apiserver alone (same etcd, port and certificates), which breaks every watch.
 * - Processes never outlive the test process: they are killed on exit and on SIGINT/SIGTERM/SIGHUP, and the
 *   first start in each process kills those of earlier processes that died (see `hack/envtest/cleanup.sh`).
 *
 * Environment: `CAPO_TS_CACHE` (cache root), `CAPO_TS_ENVTEST_DIR` (a directory holding `kube-apiserver` and
 * `etcd`, instead of the cache), `CAPO_TS_ENVTEST_KEEP=1` (keep `env.dir` after stop, for its logs).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes, randomInt } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";

export interface KubeEnv {
  /** The environment's own directory: etcd data, certificates, kubeconfig, `etcd.log`, `kube-apiserver.log`. */
  readonly dir: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** A kubeconfig file for `server` as the admin user (for tools and child processes). */
  readonly kubeconfigPath: string;
  /** The same configuration, loaded. */
  readonly kubeConfig: KubeConfig;
  /** `http://127.0.0.1:<port>` of the etcd behind the apiserver. */
  readonly etcdEndpoint: string;
  /**
   * Installs the CRDs in these YAML files and directories (`*.yaml`, `*.yml`), with `spec.conversion` replaced by
   * `strategy: None`, and resolves once they are Established and their resources can be listed. Returns their names.
   */
  installCRDs(sources: string[], timeoutMs?: number): Promise<string[]>;
  /** Current process ids; the apiserver's changes on restart. */
  readonly pids: { readonly etcd: number; readonly apiserver: number };
  /**
   * Stops the apiserver (SIGTERM: graceful; SIGKILL: a crash) and starts it again on the same port with the same
   * etcd and certificates, resolving once it is ready. Open watches end when it stops.
   */
  restart(opts?: { signal?: "SIGTERM" | "SIGKILL" }): Promise<void>;
  /** Stops the apiserver, then etcd, waits for both to exit and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartKubeOptions {
  /** Install the Cluster API core, kubeadm bootstrap and kubeadm control-plane CRDs. */
  installCAPICRDs?: boolean;
  /** More CRDs to install: YAML files, or directories whose `*.yaml`/`*.yml` files are read. */
  crdDirs?: string[];
  /** Extra kube-apiserver flags; they come last, so they override ours. */
  apiserverArgs?: string[];
  /** How long startup (including CRDs) may take. Default 120 s: parallel test files share few cores. */
  timeoutMs?: number;
}

export interface EnvtestPaths {
  kubeApiserver: string;
  etcd: string;
  /** Directory of the pinned Cluster API CRD YAMLs. */
  capiCRDs: string;
  /** Where running environments are recorded for `hack/envtest/cleanup.sh`. */
  runDir: string;
}

const envtestSource = path.resolve(import.meta.dirname, "../../hack/envtest");
const buildHint = "run hack/envtest/build.sh to build it";
const serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local";

/** Where build.sh put the pinned binaries and CRDs; throws if they are not there. */
export function envtestPaths(): EnvtestPaths {
  const versions = envtestVersions();
  const cache = path.join(process.env.CAPO_TS_CACHE ?? path.join(os.homedir(), ".cache/capo-ts"), "envtest");
  const binDir =
    process.env.CAPO_TS_ENVTEST_DIR ??
    path.join(cache, `kube-${versions.KUBERNETES_VERSION}-etcd-${versions.ETCD_VERSION}`);
  const paths: EnvtestPaths = {
    kubeApiserver: path.join(binDir, "kube-apiserver"),
    etcd: path.join(binDir, "etcd"),
    capiCRDs: path.join(cache, `capi-${versions.CLUSTER_API_VERSION}`, "crds"),
    runDir: path.join(cache, "run"),
  };
  for (const bin of [paths.kubeApiserver, paths.etcd]) {
    if (!existsSync(bin)) throw new Error(`envtest: ${bin} does not exist; ${buildHint}`);
  }
  return paths;
}

export interface EnvtestVersions {
  KUBERNETES_VERSION: string;
  ETCD_VERSION: string;
  CLUSTER_API_VERSION: string;
}

/** The pins of hack/envtest/versions.env. */
export function envtestVersions(): EnvtestVersions {
  const file = path.join(envtestSource, "versions.env");
  const values = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (m) values.set(m[1]!, m[2]!);
  }
  const get = (key: string): string => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`envtest: ${key} missing from ${file}`);
    return value;
  };
  return {
    KUBERNETES_VERSION: get("KUBERNETES_VERSION"),
    ETCD_VERSION: get("ETCD_VERSION"),
    CLUSTER_API_VERSION: get("CLUSTER_API_VERSION"),
  };
}

export async function startKube(opts: StartKubeOptions = {}): Promise<KubeEnv> {
  const paths = envtestPaths();
  const crdSources = [...(opts.crdDirs ?? [])];
  if (opts.installCAPICRDs) {
    if (!existsSync(paths.capiCRDs))
      throw new Error(`envtest: ${paths.capiCRDs} does not exist; ${buildHint}`);
    crdSources.unshift(paths.capiCRDs);
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  reapOrphansOnce(paths.runDir);
  guardProcessExit();

  const dir = await mkdtemp(path.join(os.tmpdir(), "capo-envtest-"));
  const env = new Env(paths, dir, opts.apiserverArgs ?? []);
  try {
    await env.start(deadline);
    if (crdSources.length > 0) await env.installCRDs(crdSources, deadline - Date.now());
    return env;
  } catch (err) {
    await env.stop();
    throw err;
  }
}

interface CRD {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    names: { plural: string };
    versions: { name: string; served: boolean }[];
    conversion?: unknown;
  };
  status?: { conditions?: { type: string; status: string }[] };
}

const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

function yamlFiles(source: string): string[] {
  if (!statSync(source).isDirectory()) return [source];
  return readdirSync(source)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(source, name));
}

async function readCRDs(file: string): Promise<CRD[]> {
  const docs = parseAllDocuments(await readFile(file, "utf8"));
  return docs
    .map((doc) => doc.toJS() as CRD | null)
    .filter((obj): obj is CRD => obj?.kind === "CustomResourceDefinition")
    .map((crd) => {
      crd.spec.conversion = { strategy: "None" };
      return crd;
    });
}

async function kubeRequest(
  kubeConfig: KubeConfig,
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error("envtest: kubeconfig has no current cluster");
  const options: https.RequestOptions = { method, headers: { "content-type": "application/json" } };
  await kubeConfig.applyToHTTPSOptions(options);
  return httpsRequest(`${server}${apiPath}`, options, body === undefined ? undefined : JSON.stringify(body));
}

function httpsRequest(
  url: string,
  options: https.RequestOptions,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { timeout: 30_000, ...options }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body: text });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

interface Proc {
  child: ChildProcess;
  pid: number;
  exited: Promise<string>;
  log: string;
}

function launch(bin: string, args: string[], log: string): Proc {
  const fd = openSync(log, "a");
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  // Unreferenced: a test that forgets stop() must still let its process exit (the exit hook kills the child).
  child.unref();
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve(signal ?? `exit code ${code ?? "?"}`);
    });
    child.once("error", (err) => {
      resolve(err.message);
    });
  });
  if (child.pid === undefined) throw new Error(`envtest: could not start ${bin}`);
  return { child, pid: child.pid, exited, log };
}

/** Signals a process and waits for it to exit, escalating to SIGKILL after `graceMs`. */
async function terminate(proc: Proc, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  // A referenced timer keeps the event loop alive while the unreferenced child exits.
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

class ProcessExited extends Error {
  readonly portTaken: boolean;
  constructor(name: string, how: string, logTail: string) {
    super(`envtest: ${name} exited during startup (${how}); last lines of its log:\n${logTail}`);
    this.portTaken = /address already in use/.test(logTail);
  }
}

async function failure(name: string, proc: Proc): Promise<ProcessExited> {
  const how = await proc.exited;
  const log = await readFile(proc.log, "utf8").catch(() => "");
  return new ProcessExited(name, how, log.trimEnd().split("\n").slice(-25).join("\n"));
}

// ---------------------------------------------------------------------------------------------------------------
// Environment

const live = new Set<Env>();

class Env implements KubeEnv {
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig = new KubeConfig();
  private readonly paths: EnvtestPaths;
  private readonly extraArgs: string[];
  private readonly token = randomBytes(24).toString("hex");
  private readonly pidFile: string;
  private ports = { etcdClient: 0, etcdPeer: 0, apiserver: 0 };
  /** List requests for every installed custom resource version, to know when they are served again. */
  private readonly crdLists: string[] = [];
  private etcd: Proc | undefined;
  private apiserver: Proc | undefined;
  private stopped = false;

  constructor(paths: EnvtestPaths, dir: string, extraArgs: string[]) {
    this.paths = paths;
    this.dir = dir;
    this.extraArgs = extraArgs;
    this.kubeconfigPath = path.join(dir, "kubeconfig");
    this.pidFile = path.join(paths.runDir, `${path.basename(dir)}.pids`);
  }

  get server(): string {
    return `https://127.0.0.1:${this.ports.apiserver}`;
  }

  get etcdEndpoint(): string {
    return `http://127.0.0.1:${this.ports.etcdClient}`;
  }

  get pids(): { etcd: number; apiserver: number } {
    return { etcd: this.etcd?.pid ?? 0, apiserver: this.apiserver?.pid ?? 0 };
  }

  async start(deadline: number): Promise<void> {
    live.add(this);
    await this.writeCredentials();
    // Ports are free when picked but may be taken before our processes bind them: pick again then.
    for (let attempt = 1; ; attempt++) {
      this.ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort() };
      try {
        await this.launchAll(deadline);
        break;
      } catch (err) {
        await this.killAll();
        if (!(err instanceof ProcessExited && err.portTaken && attempt < 5)) throw err;
        await rm(path.join(this.dir, "etcd"), { recursive: true, force: true });
      } finally {
        releasePorts(Object.values(this.ports));
      }
    }
    await this.writeKubeconfig();
  }

  private async launchAll(deadline: number): Promise<void> {
    this.etcd = launch(this.paths.etcd, this.etcdArgs(), path.join(this.dir, "etcd.log"));
    this.apiserver = launch(
      this.paths.kubeApiserver,
      this.apiserverArgs(),
      path.join(this.dir, "kube-apiserver.log"),
    );
    this.recordPids();
    await this.waitReady(deadline);
  }

  /** Sent as raw JSON: client-node's typed API would drop the `x-kubernetes-*` keys of the schemas. */
  async installCRDs(sources: string[], timeoutMs = 60_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const crds = (await Promise.all(sources.flatMap(yamlFiles).map(readCRDs))).flat();
    await Promise.all(
      crds.map(async (crd) => {
        const res = await kubeRequest(this.kubeConfig, "POST", crdPath, crd);
        if (res.status !== 201) {
          throw new Error(`envtest: creating CRD ${crd.metadata.name}: HTTP ${res.status}: ${res.body}`);
        }
      }),
    );
    const names = crds.map((crd) => crd.metadata.name);
    await this.waitEstablished(names, deadline);
    const lists = crds.flatMap((crd) =>
      crd.spec.versions
        .filter((v) => v.served)
        .map((v) => `/apis/${crd.spec.group}/${v.name}/${crd.spec.names.plural}?limit=1`),
    );
    this.crdLists.push(...lists);
    await this.waitListable(lists, deadline);
    return names;
  }

  private async waitEstablished(names: string[], deadline: number): Promise<void> {
    for (;;) {
      const res = await kubeRequest(this.kubeConfig, "GET", crdPath);
      const established = new Set(
        (JSON.parse(res.body) as { items: CRD[] }).items
          .filter((crd) =>
            crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"),
          )
          .map((crd) => crd.metadata.name),
      );
      const waiting = names.filter((name) => !established.has(name));
      if (waiting.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`envtest: CRDs not Established in time: ${waiting.join(", ")}`);
      await sleep(100);
    }
  }

  /**
   * An Established CRD, and every CRD after an apiserver restart, answers 429 "storage is (re)initializing"
   * until its watch cache has filled; /readyz does not cover that (for built-in resources the
   * WatchCacheInitializationPostStartHook feature gate makes it do so).
   */
  private async waitListable(lists: string[], deadline: number): Promise<void> {
    let waiting = lists;
    while (waiting.length > 0) {
      const results = await Promise.all(waiting.map((list) => kubeRequest(this.kubeConfig, "GET", list)));
      const failed = results.flatMap((res, i) =>
        res.status === 200 ? [] : [`${waiting[i]}: HTTP ${res.status}`],
      );
      if (failed.length > 0 && Date.now() > deadline) {
        throw new Error(`envtest: custom resources not listable in time: ${failed.join(", ")}`);
      }
      waiting = waiting.filter((_, i) => results[i]?.status !== 200);
      if (waiting.length > 0) await sleep(100);
    }
  }

  async restart(opts: { signal?: "SIGTERM" | "SIGKILL" } = {}): Promise<void> {
    if (this.stopped || !this.apiserver) throw new Error("envtest: restart() after stop()");
    await terminate(this.apiserver, opts.signal ?? "SIGTERM");
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a concurrent stop() sets it
    if (this.stopped) throw new Error("envtest: stop() during restart()");
    this.apiserver = launch(this.paths.kubeApiserver, this.apiserverArgs(), this.apiserver.log);
    this.recordPids();
    const deadline = Date.now() + 60_000;
    await this.waitReady(deadline);
    await this.waitListable(this.crdLists, deadline);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.killAll();
    live.delete(this);
    rmSync(this.pidFile, { force: true });
    if (process.env.CAPO_TS_ENVTEST_KEEP === "1") {
      process.stderr.write(`envtest: kept ${this.dir}\n`);
    } else {
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
    }
  }

  /** Apiserver first: it would otherwise spend its shutdown retrying a vanished etcd. */
  private async killAll(): Promise<void> {
    if (this.apiserver) await terminate(this.apiserver, "SIGTERM");
    if (this.etcd) await terminate(this.etcd, "SIGTERM");
  }

  /** For the exit hook, where nothing asynchronous runs any more. */
  killNow(): void {
    const procs = [this.apiserver, this.etcd].filter((proc) => proc !== undefined);
    for (const proc of procs) proc.child.kill("SIGKILL");
    // The directory may only go once nothing writes to it any more (a starting apiserver creates pki/).
    const deadline = Date.now() + 5_000;
    while (procs.some((proc) => processAlive(proc.pid)) && Date.now() < deadline) sleepSync(10);
    rmSync(this.pidFile, { force: true });
    if (process.env.CAPO_TS_ENVTEST_KEEP !== "1") {
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
    }
  }

  private etcdArgs(): string[] {
    const client = `http://127.0.0.1:${this.ports.etcdClient}`;
    const peer = `http://127.0.0.1:${this.ports.etcdPeer}`;
    return [
      "--name=envtest",
      `--data-dir=${path.join(this.dir, "etcd")}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=envtest=${peer}`,
      // Test data need not survive a power cut; fsync dominates etcd latency on shared disks.
      "--unsafe-no-fsync=true",
      "--log-level=warn",
    ];
  }

  private apiserverArgs(): string[] {
    return [
      `--etcd-servers=${this.etcdEndpoint}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${this.ports.apiserver}`,
      // The apiserver writes a self-signed CA and serving certificate here, and reuses them on restart.
      `--cert-dir=${path.join(this.dir, "pki")}`,
      `--token-auth-file=${path.join(this.dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      `--service-account-issuer=${serviceAccountIssuer}`,
      `--service-account-key-file=${path.join(this.dir, "sa.pub")}`,
      `--service-account-signing-key-file=${path.join(this.dir, "sa.key")}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      // No controller-manager creates service accounts, so the plugin would reject every pod.
      "--disable-admission-plugins=ServiceAccount",
      // Less background work per instance; none of this is what our tests look at.
      "--enable-priority-and-fairness=false",
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      // On SIGTERM, end open watches at once instead of letting them hold the shutdown for --request-timeout
      // (60 s): restart() and stop() take about a second with watches open.
      "--shutdown-watch-termination-grace-period=2s",
      // /readyz then waits for the watch caches of built-in resources, which otherwise answer 429 at first.
      "--feature-gates=WatchCacheInitializationPostStartHook=true",
      ...this.extraArgs,
    ];
  }

  private async writeCredentials(): Promise<void> {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    await Promise.all([
      writeFile(path.join(this.dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), {
        mode: 0o600,
      }),
      writeFile(path.join(this.dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" })),
      writeFile(path.join(this.dir, "tokens.csv"), `${this.token},admin,admin,system:masters\n`, {
        mode: 0o600,
      }),
    ]);
  }

  /** Written atomically: hack/envtest/cleanup.sh may read it at any time. */
  private recordPids(): void {
    const lines = [
      `owner=${process.pid} ${processStartTime()}`,
      `dir=${this.dir}`,
      `etcd=${this.etcd?.pid ?? ""}`,
      `kube-apiserver=${this.apiserver?.pid ?? ""}`,
    ];
    const tmp = `${this.pidFile}.tmp`;
    mkdirSync(this.paths.runDir, { recursive: true });
    writeFileSync(tmp, `${lines.join("\n")}\n`);
    renameSync(tmp, this.pidFile);
  }

  private async waitReady(deadline: number): Promise<void> {
    const { etcd, apiserver } = this;
    if (!etcd || !apiserver) throw new Error("envtest: not started");
    const polling = new AbortController();
    const crashed = Promise.race([
      etcd.exited.then(() => failure("etcd", etcd)),
      apiserver.exited.then(() => failure("kube-apiserver", apiserver)),
    ]).finally(() => {
      polling.abort();
    });
    const crash = await Promise.race([this.pollReadyz(deadline, polling.signal), crashed]);
    if (crash) throw crash;
  }

  private async pollReadyz(deadline: number, crashed: AbortSignal): Promise<undefined> {
    let last = "no answer yet";
    while (!crashed.aborted) {
      if (Date.now() > deadline) {
        throw new Error(
          `envtest: kube-apiserver not ready at ${this.server}/readyz in time (${last}); see ${this.dir}`,
        );
      }
      const ca = await readFile(path.join(this.dir, "pki", "apiserver.crt"), "utf8").catch(() => undefined);
      if (ca) {
        const options = { ca, headers: { authorization: `Bearer ${this.token}` }, timeout: 5_000 };
        const res = await httpsRequest(`${this.server}/readyz`, options).catch((err: unknown) => String(err));
        if (typeof res !== "string" && res.status === 200) return undefined;
        last = typeof res === "string" ? res : `HTTP ${res.status}: ${res.body.slice(0, 300)}`;
      }
      await sleep(100);
    }
    return undefined;
  }

  private async writeKubeconfig(): Promise<void> {
    const ca = await readFile(path.join(this.dir, "pki", "apiserver.crt"));
    this.kubeConfig.loadFromOptions({
      clusters: [
        { name: "envtest", server: this.server, caData: ca.toString("base64"), skipTLSVerify: false },
      ],
      users: [{ name: "admin", token: this.token }],
      contexts: [{ name: "envtest", cluster: "envtest", user: "admin" }],
      currentContext: "envtest",
    });
    await writeFile(this.kubeconfigPath, this.kubeConfig.exportConfig(), { mode: 0o600 });
  }
}

/** Field 22 of /proc/self/stat; with the pid it identifies this process even after the pid is recycled. */
function processStartTime(): string {
  const stat = readFileSync("/proc/self/stat", "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
}

// ---------------------------------------------------------------------------------------------------------------
// Ports

const reserved = new Set<number>();

/**
 * A port that is free now, below the kernel's ephemeral range so that outgoing connections (the apiserver opens
 * many to etcd) cannot take it before our process binds it. Ports handed out but not yet bound are reserved so
 * that environments starting concurrently in one process do not pick the same one.
 */
async function freePort(): Promise<number> {
  const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
    .trim()
    .split(/\s+/)
    .map(Number);
  const max = Math.min(low ?? 32768, 32768);
  for (;;) {
    const port = randomInt(10_000, max);
    if (!reserved.has(port) && (await canBind(port))) {
      reserved.add(port);
      return port;
    }
  }
}

function releasePorts(ports: number[]): void {
  for (const port of ports) reserved.delete(port);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => {
      resolve(false);
    });
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Never outliving the test process

let reaped = false;

function reapOrphansOnce(runDir: string): void {
  if (reaped) return;
  reaped = true;
  // cleanup.sh finds runDir the same way envtestPaths() does (CAPO_TS_CACHE or ~/.cache/capo-ts).
  if (existsSync(runDir)) {
    execFileSync("bash", [path.join(envtestSource, "cleanup.sh")], {
      stdio: ["ignore", "inherit", "inherit"],
    });
  }
}

let guarded = false;

function guardProcessExit(): void {
  if (guarded) return;
  guarded = true;
  const killAll = (): void => {
    for (const env of live) env.killNow();
    live.clear();
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      killAll();
      // Keep the default action (exit by the signal) unless someone else handles it too.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether `pid` is a live process (not gone, not a zombie waiting to be reaped). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
