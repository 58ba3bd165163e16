// The README's main job, run as a user runs it: `hack/quickstart.sh` on the local management cluster and the
// all-in-one (both already up here, so its set-up steps find them ready), then `hack/quickstart.sh --delete`.
// It asserts what the person sees (progress lines, no JSON log lines, the closing explanation) and what exists:
// the Cluster API objects' states, and the server, load balancer and floating IP on OpenStack; after the delete,
// the quickstart's own sweep and ours find nothing.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { json, openstack, requireCluster, ROOT } from "./env.ts";

const NAME = "capi-quickstart";
const LB = `k8s-clusterapi-cluster-default-${NAME}-kubeapi`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function quickstart(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [`${ROOT}hack/quickstart.sh`, ...args], { cwd: ROOT, timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

const expectOk = (r: Run, what: string): void => {
  assert.equal(r.code, 0, `${what} exited ${r.code}:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-3000)}`);
};

/** A line a program logged as JSON (pino's or klog's structured form), which a person should not see. */
const isJsonLog = (line: string): boolean => {
  if (!line.trimStart().startsWith("{")) return false;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    return "msg" in o || "level" in o;
  } catch {
    return false;
  }
};

interface Item {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { providerID?: string };
  status?: { phase?: string; ready?: boolean; instanceState?: string };
}

describe("the quickstart (hack/quickstart.sh) on the local management cluster", () => {
  let ids: { server: string; network: string } | undefined;

  before(() => {
    requireCluster();
  });
  after(async () => {
    // A failed run must not leave its cluster on the cloud for the next one.
    if (ids) await quickstart(["--delete"], 600_000);
  });

  it("creates the cluster: infrastructure Ready, the first control plane's server ACTIVE behind the API load balancer", async (t) => {
    const t0 = Date.now();
    const run = await quickstart([], 1_200_000);
    ids = { server: "", network: "" };
    expectOk(run, "hack/quickstart.sh");
    t.diagnostic(`quickstart took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const terminal = `${run.stdout}\n${run.stderr}`.split("\n");
    assert.deepEqual(terminal.filter(isJsonLog), [], "no JSON log line on the terminal");
    assert.match(run.stdout, /OpenStackCluster\/capi-quickstart {2}NetworkReady: yes/);
    assert.match(run.stdout, /Infrastructure Ready and the first control plane up in [\d.]+ s/);
    assert.match(
      run.stdout,
      /Where this stops, and why:[\s\S]*fake hypervisor[\s\S]*hack\/quickstart.sh --delete/,
    );

    const osc = await json<Item & { status: { network?: { id: string } } }>([
      "get",
      "openstackcluster",
      NAME,
    ]);
    assert.equal(osc.status.ready, true);
    const machines = (
      await json<{ items: Item[] }>(["get", "machines", "-l", `cluster.x-k8s.io/cluster-name=${NAME}`])
    ).items;
    const cps = machines.filter((m) => m.metadata.labels?.["cluster.x-k8s.io/control-plane"] !== undefined);
    assert.equal(cps.length, 1, "the KubeadmControlPlane waits for its first machine's API server");
    const cp = cps[0] as Item;
    assert.equal(cp.status?.phase, "Provisioned");
    const server = (cp.spec?.providerID ?? "").replace("openstack:///", "");
    ids = { server, network: osc.status.network?.id ?? "" };
    assert.equal(openstack(["server", "show", server, "-f", "value", "-c", "status"]), "ACTIVE");
    assert.match(run.stdout, new RegExp(`server +${cp.metadata.name} +ACTIVE +id ${server}`));
    const workers = machines.filter((m) => m !== cp);
    assert.equal(workers.length, 1);
    assert.equal(workers[0]?.status?.phase, "Pending", "the worker waits for bootstrap data");

    const members = openstack(["loadbalancer", "member", "list", `${LB}-6443`, "-f", "value", "-c", "name"]);
    assert.match(members, new RegExp(cp.metadata.name), "the control plane is in the API pool");
    const vip = openstack(["loadbalancer", "show", LB, "-f", "value", "-c", "vip_address"]);
    const fips = openstack([
      "floating",
      "ip",
      "list",
      "--fixed-ip-address",
      vip,
      "-f",
      "value",
      "-c",
      "Floating IP Address",
    ]);
    assert.match(
      run.stdout,
      new RegExp(`floating IP +${fips.replace(/\./g, "\\.")} -> ${vip.replace(/\./g, "\\.")}`),
    );
  });

  it("runs again without creating anything twice", async () => {
    const run = await quickstart([], 600_000);
    expectOk(run, "second hack/quickstart.sh");
    assert.match(run.stderr, /providers already installed/);
    const servers = openstack([
      "server",
      "list",
      "--all-projects",
      "--name",
      `^${NAME}-`,
      "-f",
      "value",
      "-c",
      "ID",
    ]);
    assert.deepEqual(servers.split("\n").filter(Boolean), [ids?.server]);
  });

  it("--delete removes the cluster and proves nothing of it is left on the cloud", async () => {
    const run = await quickstart(["--delete"], 600_000);
    expectOk(run, "hack/quickstart.sh --delete");
    assert.match(run.stdout, /Nothing of the cluster is left on OpenStack\./);
    assert.notEqual(
      (await json<{ items: Item[] }>(["get", "clusters"])).items.some((c) => c.metadata.name === NAME),
      true,
    );
    const networks = openstack(["network", "list", "-f", "value", "-c", "ID"]).split("\n");
    assert.equal(networks.includes(ids?.network ?? "-"), false, "the cluster's network is gone");
    assert.notEqual(
      openstack(["server", "list", "--all-projects", "-f", "value", "-c", "ID"])
        .split("\n")
        .includes(ids?.server ?? "-"),
      true,
      "the server is gone",
    );
    ids = undefined;
  });
});
