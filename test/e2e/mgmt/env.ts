// The local management cluster (hack/mgmt/cluster.sh) as the e2e tests see it: its admin kubeconfig, the
// kubectl and clusterctl built for it, and small helpers around them. The cluster must be started first.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { loadKubeConfig } from "../../../src/runtime/kube.ts";

const run = promisify(execFile);
const CACHE = process.env.CAPO_TS_CACHE ?? `${process.env.HOME}/.cache/capo-ts`;
export const STATE = process.env.CAPO_TS_MGMT_STATE ?? "/var/lib/capo-ts-mgmt";
export const KUBECONFIG = `${STATE}/admin.kubeconfig`;
export const CONTAINERD_SOCK = `${STATE}/run/containerd.sock`;
const KUBECTL = `${CACHE}/mgmt/kube/bin/kubectl`;
const CLUSTERCTL = `${CACHE}/mgmt/capi/bin/clusterctl`;
export const ROOT = new URL("../../../", import.meta.url).pathname;

export function requireCluster(): void {
  if (!existsSync(KUBECONFIG) || !existsSync(KUBECTL))
    throw new Error(`no management cluster: run hack/mgmt/cluster.sh start (no ${KUBECONFIG})`);
  execFileSync("bash", [`${ROOT}hack/mgmt/cluster.sh`, "status"], { stdio: ["ignore", "ignore", "inherit"] });
}

export const kubeConfig = () => loadKubeConfig(KUBECONFIG);

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function tool(
  bin: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Result> {
  const { input, timeoutMs = 300_000, env = {} } = opts;
  const child = run(bin, args, {
    env: { ...process.env, KUBECONFIG, ...env },
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === "number" ? err.code : 1,
      stdout: err.stdout ?? "",
      stderr: err.stderr ?? "",
    };
  }
}

/** kubectl against the management cluster; `input` goes to its stdin (for `apply -f -`). */
export const kubectl = (args: string[], input?: string) =>
  tool(KUBECTL, args, input === undefined ? {} : { input });

/** A second management cluster beside the first (hack/mgmt/cluster.sh instance 1), e.g. a move's target. */
export const TARGET = {
  instance: "1",
  state: process.env.CAPO_TS_MGMT_TARGET_STATE ?? "/var/lib/capo-ts-mgmt-1",
  get kubeconfig(): string {
    return `${this.state}/admin.kubeconfig`;
  },
};

/** Runs hack/mgmt/cluster.sh <command> for the target instance. */
export const targetCluster = (command: "start" | "stop" | "reset") =>
  tool("bash", [`${ROOT}hack/mgmt/cluster.sh`, command], {
    timeoutMs: 600_000,
    env: { CAPO_TS_MGMT_INSTANCE: TARGET.instance, CAPO_TS_MGMT_STATE: TARGET.state },
  });

/** kubectl against the target cluster. */
export const kubectlTarget = (args: string[], input?: string) =>
  tool(KUBECTL, args, { env: { KUBECONFIG: TARGET.kubeconfig }, ...(input === undefined ? {} : { input }) });

/** clusterctl as a user runs it: its config is the one hack/mgmt/cluster.sh wrote to the default place. */
export const clusterctl = (args: string[], env: Record<string, string> = {}) =>
  tool(CLUSTERCTL, args, { timeoutMs: 600_000, env });

/** Fails with the command's output when it did not succeed; returns stdout. */
export function ok(r: Result, what: string): string {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export async function json<T>(args: string[], via = kubectl): Promise<T> {
  return JSON.parse(ok(await via([...args, "-o", "json"]), `kubectl ${args.join(" ")}`)) as T;
}

/** The openstack CLI as the demo project's member, whose servers and volumes the clusters' are (by name). */
export function member(args: string[]): string {
  return execFileSync("openstack", ["--os-cloud", "capo-e2e", ...args], { encoding: "utf8" }).trim();
}

/** The openstack CLI as the all-in-one's admin, from the host; returns trimmed stdout. */
export function openstack(args: string[]): string {
  return execFileSync("openstack", ["--os-cloud", "capo-e2e-admin", ...args], { encoding: "utf8" }).trim();
}

/** Polls `get` every 500 ms until it returns a value; the timeout error carries the last error seen. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  get: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const v = await get();
      if (v !== undefined) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : JSON.stringify(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
    await sleep(500);
  }
}

/** clusterctl init's feature gates: ClusterClass and Ignition on, as the book asks for those flavors. */
export const INIT_GATES = { CLUSTER_TOPOLOGY: "true", EXP_KUBEADM_BOOTSTRAP_FORMAT_IGNITION: "true" };

/** `clusterctl init --infrastructure openstack` on the cluster of `kubeconfig`, unless capo-ts runs there. */
export async function ensureProviders(kubeconfig = KUBECONFIG): Promise<void> {
  const env = { KUBECONFIG: kubeconfig };
  const installed = await tool(KUBECTL, ["get", "deploy", "capo-controller-manager", "-n", "capo-system"], {
    env,
  });
  if (installed.code === 0) return;
  const init = ["init", "--infrastructure", "openstack", "--wait-providers"];
  ok(await clusterctl(init, { ...INIT_GATES, ...env }), `clusterctl init (${kubeconfig})`);
}

/** What `source templates/env.rc <clouds.yaml> <cloud>` exports, as the book has a user run it. */
export async function envRc(cloudsYaml: string, cloud: string): Promise<Record<string, string>> {
  const script = 'source "$1" "$2" "$3" && env -0';
  const { stdout } = await run("bash", ["-c", script, "bash", `${ROOT}templates/env.rc`, cloudsYaml, cloud]);
  const vars = stdout
    .split("\0")
    .map((kv): [string, string] => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]);
  return Object.fromEntries(vars.filter(([k]) => /^(OPENSTACK_CLOUD|CAPO_CLOUD)/.test(k)));
}
