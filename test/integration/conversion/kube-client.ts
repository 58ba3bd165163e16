// A minimal JSON client for the test apiserver, plus installing our CRDs and webhook configurations the
// way a deployment would, but pointing at a webhook server on 127.0.0.1.
import { readdirSync, readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { Group, KindNames, kindNames } from "../../../src/api/common/kinds.ts";
import { ConversionPath, webhookPath } from "../../../src/webhooks/index.ts";

export interface Response {
  status: number;
  body: unknown;
  /** The texts of the response's `Warning` headers (admission webhook warnings, deprecated versions). */
  warnings: string[];
}

/** The texts of `Warning: 299 - "text"` headers, unquoted. */
function warningTexts(rawHeaders: string[]): string[] {
  const texts: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() !== "warning") continue;
    const quoted = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(rawHeaders[i + 1] ?? "")?.[1];
    if (quoted !== undefined) texts.push(quoted.replace(/\\(.)/g, "$1"));
  }
  return texts;
}

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<Response> {
    const server = this.kubeConfig.getCurrentCluster()?.server ?? "";
    const options: https.RequestOptions = {
      method,
      headers: { "content-type": contentType, accept: "application/json" },
    };
    await this.kubeConfig.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      const req = https.request(`${server}${path}`, { timeout: 60_000, ...options }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings: warningTexts(res.rawHeaders) });
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** Like request, but waits out 429s (a watch cache still initialising) and throws unless the status is 2xx. */
  async mustRespond(method: string, path: string, body?: unknown, contentType?: string): Promise<Response> {
    let res = await this.request(method, path, body, contentType);
    for (let i = 0; res.status === 429 && i < 30; i++) {
      await sleep(500);
      res = await this.request(method, path, body, contentType);
    }
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res;
  }

  /** mustRespond's body. */
  async must(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<Record<string, unknown>> {
    return (await this.mustRespond(method, path, body, contentType)).body as Record<string, unknown>;
  }
}

const crdDir = new URL("../../../config/crd/bases/", import.meta.url).pathname;

/** Our CRDs from config/crd/bases, converting through the webhook at `url` trusted via `caPem`. */
export function crdsWithWebhook(url: string, caPem: string): Record<string, unknown>[] {
  return readdirSync(crdDir)
    .filter((file) => file.endsWith(".yaml"))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(crdDir, file), "utf8")).map(
        (doc) => doc.toJS() as Record<string, unknown>,
      ),
    )
    .filter((crd) => crd.kind === "CustomResourceDefinition")
    .map((crd) => {
      const spec = crd.spec as { conversion?: { webhook?: Record<string, unknown> } };
      spec.conversion = {
        strategy: "Webhook",
        webhook: {
          ...spec.conversion?.webhook,
          clientConfig: { url: `${url}${ConversionPath}`, caBundle: Buffer.from(caPem).toString("base64") },
        },
      } as never;
      return crd;
    });
}

export async function installCRDs(client: KubeClient, crds: Record<string, unknown>[]): Promise<void> {
  for (const crd of crds)
    await client.must("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  for (const crd of crds) {
    const name = (crd.metadata as { name: string }).name;
    for (let i = 0; ; i++) {
      const got = await client.must("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const conditions =
        (got.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      if (conditions.some((c) => c.type === "Established" && c.status === "True")) break;
      if (i > 300) throw new Error(`CRD ${name} never became Established`);
      await sleep(100);
    }
  }
}

/** Validating and defaulting webhooks for the four kinds, as CAPO registers them (v1beta1, matchPolicy Equivalent). */
export function admissionWebhooks(url: string, caPem: string): Record<string, unknown>[] {
  const caBundle = Buffer.from(caPem).toString("base64");
  const hooks = (mutating: boolean) =>
    kindNames.map((kind) => ({
      name: `${mutating ? "default" : "validation"}.${kind.toLowerCase()}.${Group}`,
      clientConfig: { url: `${url}${webhookPath(kind, mutating)}`, caBundle },
      rules: [
        {
          apiGroups: [Group],
          apiVersions: ["v1beta1"],
          operations: ["CREATE", "UPDATE"],
          resources: [KindNames[kind].plural],
        },
      ],
      matchPolicy: "Equivalent",
      sideEffects: "None",
      failurePolicy: "Fail",
      admissionReviewVersions: ["v1"],
    }));
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "capo-ts-validating-webhook-configuration" },
      webhooks: hooks(false),
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "capo-ts-mutating-webhook-configuration" },
      webhooks: hooks(true).map((hook) => ({ ...hook, reinvocationPolicy: "Never" })),
    },
  ];
}

export async function installAdmissionWebhooks(
  client: KubeClient,
  configs: Record<string, unknown>[],
): Promise<void> {
  for (const config of configs) {
    const plural =
      config.kind === "ValidatingWebhookConfiguration"
        ? "validatingwebhookconfigurations"
        : "mutatingwebhookconfigurations";
    await client.must("POST", `/apis/admissionregistration.k8s.io/v1/${plural}`, config);
  }
}

/** Webhook configurations reach the apiserver's admission chain asynchronously: wait until ours answers. */
export async function waitForAdmission(client: KubeClient, namespace = "default"): Promise<void> {
  const probe = {
    apiVersion: `${Group}/v1beta1`,
    kind: "OpenStackMachineTemplate",
    metadata: { name: "admission-probe" },
    spec: {
      template: {
        spec: { flavor: "f", image: { id: "f23bf9c1-8c66-4383-b474-ada1d1960149" }, providerID: "x" },
      },
    },
  };
  const url = `/apis/${Group}/v1beta1/namespaces/${namespace}/${KindNames.OpenStackMachineTemplate.plural}?dryRun=All`;
  for (let i = 0; i < 300; i++) {
    const res = await client.request("POST", url, probe);
    if (res.status === 422 && JSON.stringify(res.body).includes("cannot be set in templates")) return;
    await sleep(100);
  }
  throw new Error("the validating webhook never answered");
}

/**
 * Our CRDs converting through, and our admission webhooks registered at, the webhook server at `url` trusted
 * via `caPem`; resolves once the webhooks answer admission in `namespace`.
 */
export async function registerWebhookServer(
  client: KubeClient,
  url: string,
  caPem: string,
  namespace = "default",
): Promise<void> {
  await installCRDs(client, crdsWithWebhook(url, caPem));
  await installAdmissionWebhooks(client, admissionWebhooks(url, caPem));
  await waitForAdmission(client, namespace);
}
