// The release manifest on a real apiserver, and the manager's secure metrics behind its RBAC: every object of
// infrastructure-components.yaml but cert-manager's is created as clusterctl would (defaults substituted); a
// Manager then runs as the manifest's ServiceAccount, leads through the leader-election Role, and serves
// /metrics over HTTPS, reviewing callers with the TokenReview and SubjectAccessReview its ClusterRole allows.
// A token bound to capo-metrics-reader gets the metrics, one without the binding 403, none or garbage 401.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect } from "node:tls";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { Agent, request } from "undici";
import { renderComponents } from "../../../hack/release/components.ts";
import { NAMESPACE, names } from "../../../hack/release/common.ts";
import { LEADER_ELECTION_ID } from "../../../src/cli/manager-config.ts";
import type { KubeClient } from "../../../src/runtime/kube.ts";
import { Manager } from "../../../src/runtime/manager.ts";
import type { KubeObject } from "../../../src/runtime/object.ts";
import { Leases } from "../../../src/runtime/resources.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { testClient, waitFor } from "./helpers.ts";

type Manifest = KubeObject & { apiVersion: string; kind: string };

/** The manifest as clusterctl applies it with no variables set; cert-manager's kinds need cert-manager. */
function manifest(): Manifest[] {
  const text = renderComponents().replace(/\$\{[A-Z0-9_]+:=([^}]*)\}/g, "$1");
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest)
    .filter((obj) => !obj.apiVersion.startsWith("cert-manager.io/"));
}

/** Every kind in the manifest is its lower-cased kind plus "s" in the API. */
function collection(obj: Manifest): string {
  const prefix = obj.apiVersion.includes("/") ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  const ns = obj.metadata.namespace ? `/namespaces/${obj.metadata.namespace}` : "";
  return `${prefix}${ns}/${obj.kind.toLowerCase()}s`;
}

async function serviceAccountToken(client: KubeClient, name: string): Promise<string> {
  const path = `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${name}/token`;
  const review = await client.request<{ status: { token: string } }>("POST", path, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  return review.status.token;
}

function kubeConfigWithToken(env: KubeEnv, token: string): KubeConfig {
  const cluster = env.kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("envtest kubeconfig has no cluster");
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: "envtest" }],
    users: [{ name: "sa", token }],
    contexts: [{ name: "sa", cluster: "envtest", user: "sa" }],
    currentContext: "sa",
  });
  return kc;
}

// The certificate is the manager's self-signed one: a scraper trusts it by configuration, as Prometheus does.
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

async function scrape(port: number, token?: string): Promise<{ status: number; type: string; body: string }> {
  const res = await request(`https://127.0.0.1:${port}/metrics`, {
    dispatcher: insecure,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.statusCode, type: String(res.headers["content-type"]), body: await res.body.text() };
}

/** Whether a TLS handshake capped at `maxVersion` succeeds. */
function handshake(port: number, maxVersion: "TLSv1.2" | "TLSv1.3"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false, maxVersion }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => {
      resolve(false);
    });
  });
}

describe("the release manifest and the secure metrics it grants", { timeout: 240_000 }, () => {
  let env: KubeEnv;
  let admin: KubeClient;
  let port: number;
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  const tokens = { reader: "", stranger: "" };

  before(async () => {
    env = await startKube();
    admin = testClient(env.kubeConfig);
    for (const obj of manifest()) await admin.request("POST", collection(obj), { body: obj });
    for (const name of ["metrics-scraper", "stranger"])
      await admin.request("POST", `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, {
        body: { metadata: { name } },
      });
    await admin.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      body: {
        metadata: { name: "metrics-scraper" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: names.metricsReaderRole,
        },
        subjects: [{ kind: "ServiceAccount", name: "metrics-scraper", namespace: NAMESPACE }],
      },
    });
    tokens.reader = await serviceAccountToken(admin, "metrics-scraper");
    tokens.stranger = await serviceAccountToken(admin, "stranger");
    const mgr = new Manager({
      kubeConfig: kubeConfigWithToken(env, await serviceAccountToken(admin, names.serviceAccount)),
      healthAddr: "0",
      secureMetricsAddr: "127.0.0.1:0",
      secureMetricsTLS: { minVersion: "TLSv1.3" },
      leaderElection: {
        id: LEADER_ELECTION_ID,
        namespace: NAMESPACE,
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
        releaseOnCancel: true,
      },
    });
    running = mgr.start(stop.signal);
    await waitFor(
      () => mgr.leading,
      30_000,
      () => "the manager's ServiceAccount to take the Lease",
    );
    port = mgr.ports.secureMetrics ?? 0;
  });

  after(async () => {
    stop.abort();
    await running;
    await env.stop();
  });

  it("is accepted by the apiserver, and the manager leads through the leader-election Role", async () => {
    const lease = await admin.get(Leases, NAMESPACE, LEADER_ELECTION_ID);
    assert.match(JSON.stringify(lease.spec), /holderIdentity/);
    const deployment = await admin.request<KubeObject>(
      "GET",
      `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${names.deployment}`,
    );
    assert.equal(deployment.metadata.labels?.["cluster.x-k8s.io/provider"], "infrastructure-openstack");
  });

  it("serves Prometheus text to a token bound to capo-metrics-reader", async () => {
    const res = await scrape(port, tokens.reader);
    assert.equal(res.status, 200, res.body);
    assert.match(res.type, /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^# HELP leader_election_master_status /m);
  });

  it("answers 403 to a valid token that RBAC does not allow, 401 without one or with garbage", async () => {
    assert.equal((await scrape(port, tokens.stranger)).status, 403);
    assert.equal((await scrape(port)).status, 401);
    assert.equal((await scrape(port, "not-a-token")).status, 401);
  });

  it("speaks TLS only, at the minimum version it was given", async () => {
    await assert.rejects(request(`http://127.0.0.1:${port}/metrics`));
    assert.equal(await handshake(port, "TLSv1.3"), true);
    assert.equal(await handshake(port, "TLSv1.2"), false);
  });

  it("keeps an allowed review for a while, so scrapes do not each ask the apiserver", async () => {
    await admin.request("DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/metrics-scraper");
    assert.equal((await scrape(port, tokens.reader)).status, 200, "answered from the cache");
  });
});
