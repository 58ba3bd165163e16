// The book's "Initialize the management cluster", on a real local Kubernetes (hack/mgmt/cluster.sh): clusterctl
// installs cert-manager, Cluster API and capo-ts from the local repository, and capo-ts runs as its Deployment
// from the image: conversion and validation through the in-cluster webhooks, secure metrics, JSON logs, leader
// election, least-privilege RBAC, then `clusterctl upgrade plan` and `clusterctl delete`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { ApiError, KubeClient } from "../../../src/runtime/kube.ts";
import { OpenStackMachines } from "../../../src/runtime/resources.ts";
import {
  clusterctl,
  CONTAINERD_SOCK,
  INIT_GATES,
  json,
  kubeConfig,
  kubectl,
  ok,
  requireCluster,
  until,
} from "./env.ts";
import { templateVariables } from "./workload.ts";

const GROUP = "infrastructure.cluster.x-k8s.io";
const CAPO_NS = "capo-system";
const DEPLOYMENT = "capo-controller-manager";
const SA = `system:serviceaccount:${CAPO_NS}:capo-manager`;
const NS = "capo-e2e";
const PROVIDER_NAMESPACES = [
  "cert-manager",
  "capi-system",
  "capi-kubeadm-bootstrap-system",
  "capi-kubeadm-control-plane-system",
  CAPO_NS,
];

interface Pod {
  metadata: { name: string; namespace: string };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number; containerID?: string }[];
  };
}

const ready = (p: Pod) =>
  p.status.phase === "Running" && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

async function pods(namespace: string, selector = ""): Promise<Pod[]> {
  const args = ["get", "pods", "-n", namespace, ...(selector ? ["-l", selector] : [])];
  return (await json<{ items: Pod[] }>(args)).items;
}

const isCluster = (doc: string): boolean => /^kind: Cluster$/m.test(doc);

interface ClientConfig {
  clientConfig?: { caBundle?: string };
}

/** The caBundles, base64 as stored, of a webhook configuration's webhooks or of a CRD's conversion webhook. */
async function caBundles(object: string[]): Promise<string[]> {
  const o = await json<{ webhooks?: ClientConfig[]; spec?: { conversion?: { webhook?: ClientConfig } } }>([
    "get",
    ...object,
  ]);
  const configs = o.webhooks ?? [o.spec?.conversion?.webhook ?? {}];
  return configs.map((w) => w.clientConfig?.caBundle ?? "");
}

async function leaseHolder(): Promise<string> {
  const lease = await json<{ spec: { holderIdentity?: string } }>([
    "get",
    "lease",
    "controller-leader-election-capo",
    "-n",
    CAPO_NS,
  ]);
  return lease.spec.holderIdentity ?? "";
}

const capoPods = () => pods(CAPO_NS, "cluster.x-k8s.io/provider=infrastructure-openstack");

/** GET https://<pod>:<port><path> with an optional bearer token; the listener's certificate is self-signed. */
function httpsGet(
  host: string,
  port: number,
  path: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path,
        rejectUnauthorized: false,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject).end();
  });
}

async function canI(verb: string, resource: string, namespace: string): Promise<boolean> {
  const r = await kubectl(["auth", "can-i", verb, resource, "-n", namespace, "--as", SA]);
  return r.stdout.trim() === "yes";
}

describe("clusterctl init --infrastructure openstack on the local management cluster", () => {
  before(async () => {
    requireCluster();
    // A run that died half-way left capo-ts installed; clusterctl init would refuse to install it twice.
    if ((await kubectl(["get", "deploy", DEPLOYMENT, "-n", CAPO_NS])).code === 0)
      ok(await clusterctl(["delete", "--infrastructure", "openstack"]), "clusterctl delete (left over)");
    await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=true"]);
    ok(await kubectl(["create", "namespace", NS]), "create namespace");
  });

  after(async () => {
    await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=false"]);
  });

  it("installs cert-manager, Cluster API and capo-ts, and every provider's pods become Running and Ready", async (t) => {
    const out = ok(
      await clusterctl(["init", "--infrastructure", "openstack"], INIT_GATES),
      "clusterctl init",
    );
    t.diagnostic(out.trim().split("\n").slice(-3).join(" | "));
    for (const namespace of PROVIDER_NAMESPACES) {
      const list = await until(`Ready pods in ${namespace}`, 300_000, async () => {
        const items = await pods(namespace);
        return items.length > 0 && items.every(ready) ? items : undefined;
      });
      t.diagnostic(`${namespace}: ${list.map((p) => p.metadata.name).join(", ")}`);
    }
    // Ready pods are not yet usable webhooks: cert-manager's cainjector (which, after a restart, first waits for
    // its predecessor's lease to expire) puts the CA into our webhook configurations and CRDs.
    const injected = await until(
      "cert-manager's CA injection into capo-ts's webhooks and CRDs",
      180_000,
      async () => {
        const bundles = await Promise.all([
          caBundles(["validatingwebhookconfiguration", "capo-validating-webhook-configuration"]),
          caBundles(["mutatingwebhookconfiguration", "capo-mutating-webhook-configuration"]),
          caBundles(["crd", `openstackclusters.${GROUP}`]),
          caBundles(["crd", `openstackmachines.${GROUP}`]),
        ]);
        return bundles.every((b) => b.length > 0 && b.every((x) => x !== "")) ? bundles : undefined;
      },
    );
    assert.equal(new Set(injected.flat()).size, 1, "one CA everywhere");
  });

  it("serves v1alpha6 through the in-cluster conversion webhook: applied as v1alpha6, read back as v1beta1", async () => {
    const machine = {
      apiVersion: `${GROUP}/v1alpha6`,
      kind: "OpenStackMachine",
      metadata: { name: "converted", namespace: NS },
      spec: { flavor: "m1.small", image: "ubuntu-22.04", cloudName: "openstack" },
    };
    ok(await kubectl(["apply", "-f", "-"], JSON.stringify(machine)), "apply v1alpha6");
    const hub = await json<{ apiVersion: string; spec: { image: unknown; flavor: string } }>([
      "get",
      `openstackmachines.v1beta1.${GROUP}`,
      "converted",
      "-n",
      NS,
    ]);
    assert.equal(hub.apiVersion, `${GROUP}/v1beta1`);
    assert.deepEqual(hub.spec.image, { filter: { name: "ubuntu-22.04" } });
    const own = await json<{ spec: { image: unknown } }>([
      "get",
      `openstackmachines.v1alpha6.${GROUP}`,
      "converted",
      "-n",
      NS,
    ]);
    assert.equal(own.spec.image, "ubuntu-22.04");
  });

  it("rejects an invalid update in the in-cluster validating webhook, naming the field path", async () => {
    // CAPO's webhook keeps a machine's spec immutable; no CRD schema rule does. kubectl would hide who refused.
    const kube = new KubeClient(kubeConfig());
    const patch = kube.patch(
      OpenStackMachines,
      NS,
      "converted",
      { spec: { flavor: "m1.large" } },
      { type: "merge" },
    );
    const err = await patch.then(
      () => assert.fail("the update was accepted"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.statusCode, 422);
    assert.match(
      err.status?.message ?? "",
      /^admission webhook "validation\.openstackmachine\.infrastructure\.cluster\.x-k8s\.io" denied the request: .*spec: Forbidden: cannot be modified/,
    );
  });

  it("serves metrics over HTTPS only, to a token that RBAC allows", async () => {
    const [pod] = await capoPods();
    assert.ok(pod?.status.podIP, "the capo-ts pod has an IP");
    const ip = pod.status.podIP;
    ok(await kubectl(["create", "serviceaccount", "scraper", "-n", NS]), "create scraper");
    ok(await kubectl(["create", "serviceaccount", "nobody", "-n", NS]), "create nobody");
    ok(
      await kubectl([
        "create",
        "clusterrolebinding",
        "capo-e2e-scraper",
        "--clusterrole=capo-metrics-reader",
        `--serviceaccount=${NS}:scraper`,
      ]),
      "bind scraper",
    );
    try {
      const token = async (sa: string) =>
        ok(await kubectl(["create", "token", sa, "-n", NS]), "token").trim();
      const allowed = await httpsGet(ip, 8443, "/metrics", await token("scraper"));
      assert.equal(allowed.status, 200);
      assert.match(allowed.body, /^controller_runtime_reconcile_total\{/m);
      assert.equal((await httpsGet(ip, 8443, "/metrics", await token("nobody"))).status, 403);
      assert.equal((await httpsGet(ip, 8443, "/metrics")).status, 401);
      const plain = await fetch(`http://${ip}:8443/metrics`).then(
        (res) => res.status,
        () => 0,
      );
      assert.notEqual(plain, 200, "plain HTTP gets no metrics");
    } finally {
      await kubectl(["delete", "clusterrolebinding", "capo-e2e-scraper", "--ignore-not-found"]);
    }
  });

  it("logs JSON lines, as `kubectl logs` shows them", async () => {
    const text = ok(await kubectl(["logs", "-n", CAPO_NS, `deploy/${DEPLOYMENT}`]), "kubectl logs");
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    assert.ok(lines.length >= 5, `only ${lines.length} log lines`);
    for (const line of lines) {
      const entry = JSON.parse(line) as { msg?: unknown };
      assert.equal(typeof entry.msg, "string", line);
    }
  });

  it("has least privilege: what CAPO's manifest grants and nothing more", async () => {
    for (const [verb, resource] of [
      ["get", "secrets"],
      ["watch", "secrets"],
      ["patch", `openstackclusters.${GROUP}`],
      ["patch", `openstackmachines.${GROUP}/status`],
      ["create", "events"],
    ] as const)
      assert.equal(await canI(verb, resource, "default"), true, `${verb} ${resource}`);
    for (const [verb, resource] of [
      ["create", "secrets"],
      ["update", "secrets"],
      ["delete", "secrets"],
      ["get", "configmaps"],
      ["create", "pods"],
      ["delete", `openstackclusters.${GROUP}`],
      ["update", `openstackmachines.${GROUP}`],
      ["patch", "clusters.cluster.x-k8s.io"],
      ["get", "leases.coordination.k8s.io/someone-else"],
    ] as const)
      assert.equal(await canI(verb, resource, CAPO_NS), false, `${verb} ${resource}`);
  });

  it("elects one leader of two replicas, and a live one takes over when the leader is killed -9", async (t) => {
    ok(await kubectl(["scale", "deploy", DEPLOYMENT, "-n", CAPO_NS, "--replicas=2"]), "scale to 2");
    const both = await until("two Ready replicas", 180_000, async () => {
      const items = await capoPods();
      return items.length === 2 && items.every(ready) ? items : undefined;
    });
    const identity = await until("the lease held by one replica", 60_000, async () => {
      const h = await leaseHolder();
      return both.some((p) => h.startsWith(`${p.metadata.name}_`)) ? h : undefined;
    });
    const leader = both.find((p) => identity.startsWith(`${p.metadata.name}_`));
    const container = leader?.status.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, "");
    assert.ok(container, "the leader's container");
    t.diagnostic(`leader ${identity}; SIGKILL to its container`);
    // A crash, not a shutdown: the lease is not released, so it must expire before anyone else may take it.
    execFileSync("ctr", [
      "--address",
      CONTAINERD_SOCK,
      "-n",
      "k8s.io",
      "tasks",
      "kill",
      "-s",
      "SIGKILL",
      container,
    ]);
    const t0 = Date.now();
    const next = await until("another identity to take the lease", 120_000, async () => {
      const h = await leaseHolder();
      return h !== "" && h !== identity ? h : undefined;
    });
    t.diagnostic(`${next} leads ${((Date.now() - t0) / 1000).toFixed(1)} s after the kill`);
    // The new leader is one of the live replicas: the other pod, or the killed pod's restarted container.
    assert.ok(
      both.some((p) => next.startsWith(`${p.metadata.name}_`)),
      `${next} is a replica of the Deployment`,
    );
    ok(await kubectl(["scale", "deploy", DEPLOYMENT, "-n", CAPO_NS, "--replicas=1"]), "scale to 1");
  });

  // Every cluster template flavor, rendered with env.rc's and the book's variables.
  let flavorVars: Promise<Record<string, string>> | undefined;
  const generate = async (flavor: string, name: string) => {
    flavorVars ??= templateVariables();
    const args = ["generate", "cluster", name, "--kubernetes-version", "v1.33.0", "-n", NS];
    const counts = ["--control-plane-machine-count=3", "--worker-machine-count=1"];
    return clusterctl([...args, ...counts, ...(flavor ? ["--flavor", flavor] : [])], await flavorVars);
  };
  const kubeadm = ["cluster", "openstackcluster", "kubeadmcontrolplane", "machinedeployment", "secret"];
  for (const flavor of ["", "without-lb", "external-cloud-provider", "flatcar", "flatcar-sysext"])
    it(`--flavor ${flavor || "(default)"}: every object passes the apiserver's dry run, webhooks included`, async () => {
      const name = `tpl-${flavor || "default"}`;
      const rendered = ok(await generate(flavor, name), "clusterctl generate cluster");
      const applied = ok(await kubectl(["apply", "--dry-run=server", "-f", "-"], rendered), "dry run");
      for (const kind of kubeadm)
        assert.match(applied, new RegExp(`^${kind}\\.?\\S*/${name}\\S* created \\(server dry run\\)$`, "m"));
      const secret = rendered.split("\n---\n").find((d) => /^kind: Secret$/m.test(d)) ?? "";
      assert.match(secret, /clusterctl\.cluster\.x-k8s\.io\/move: "true"/, "the cloud-config Secret moves");
      assert.match(
        secret,
        new RegExp(`clouds.yaml: ${(await flavorVars)?.OPENSTACK_CLOUD_YAML_B64 ?? "-"}`),
        "env.rc's clouds.yaml",
      );
      if (flavor.startsWith("flatcar")) assert.match(rendered, /format: ignition/);
      if (flavor === "without-lb") assert.doesNotMatch(rendered, /apiServerLoadBalancer:\s+enabled: true/);
    });

  it("--flavor development: the dev-test ClusterClass comes with it, applies, and its Cluster passes the dry run", async () => {
    const rendered = ok(await generate("development", "tpl-development"), "clusterctl generate cluster");
    const docs = rendered.split(/^---$/m).filter((d) => d.trim() !== "");
    const [clusters, classParts] = [docs.filter(isCluster), docs.filter((d) => !isCluster(d))];
    assert.equal(clusters.length, 1);
    assert.match(
      classParts.join(""),
      /kind: ClusterClass/,
      "clusterctl adds the ClusterClass from the repository",
    );
    ok(await kubectl(["apply", "-f", "-"], classParts.join("\n---\n")), "apply the ClusterClass");
    const applied = ok(await kubectl(["apply", "--dry-run=server", "-f", "-"], clusters[0]), "dry run");
    assert.match(applied, /^cluster\.\S*\/tpl-development created \(server dry run\)$/m);
  });

  it("refuses to render without the variables", async () => {
    const missing = await clusterctl(["generate", "cluster", "tpl-none", "--kubernetes-version", "v1.33.0"]);
    assert.notEqual(missing.code, 0, "without the variables clusterctl refuses");
    assert.match(missing.stderr, /OPENSTACK_CLOUD/);
  });

  it("shows capo-ts in `clusterctl upgrade plan`", async () => {
    const out = ok(await clusterctl(["upgrade", "plan"]), "clusterctl upgrade plan");
    assert.match(out, /infrastructure-openstack\s+capo-system\s+InfrastructureProvider\s+v0\.1\.0/);
    assert.match(out, /cluster-api\s+capi-system\s+CoreProvider\s+v1\.10\.10/);
  });

  it("is removed by `clusterctl delete --infrastructure openstack`", async () => {
    ok(await clusterctl(["delete", "--infrastructure", "openstack"]), "clusterctl delete");
    assert.notEqual(
      (await kubectl(["get", "deploy", DEPLOYMENT, "-n", CAPO_NS])).code,
      0,
      "the Deployment is gone",
    );
    const providers = await json<{ items: { metadata: { name: string } }[] }>([
      "get",
      "providers.clusterctl.cluster.x-k8s.io",
      "-A",
    ]);
    assert.deepEqual(
      providers.items.map((p) => p.metadata.name).filter((n) => n.includes("openstack")),
      [],
    );
  });
});
