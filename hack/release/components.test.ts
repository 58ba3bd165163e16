// The generated infrastructure-components.yaml and metadata.yaml, parsed back and checked against the code
// they describe: the webhook server's paths, the manager's flag parser, the CRD generator.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { contractLabel, generateCRDs } from "../../src/api/crd-gen.ts";
import { kindNames } from "../../src/api/common/kinds.ts";
import { apiVersions } from "../../src/api/versions.ts";
import { parseManagerArgs } from "../../src/cli/manager-config.ts";
import { version } from "../../src/cli/version.ts";
import { ConversionPath, webhookPath } from "../../src/webhooks/index.ts";
import { renderComponents, requiredVariables } from "./components.ts";
import { root } from "./main.ts";
import { metadata, renderMetadata } from "./metadata.ts";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

const text = renderComponents();
const objects = parseAllDocuments(text).map((d) => d.toJS() as Obj);
const one = (kind: string, name?: string): Obj => {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `${kind} ${name ?? ""}`);
  return found[0]!;
};
// The parsed YAML is untyped: these views name the fields the assertions read.
type ServiceRef = { name: string; namespace: string; path: string };
type Hook = { name: string; clientConfig: { service: ServiceRef }; rules: { resources: string[] }[] };
const deployment = one("Deployment") as Obj & {
  spec: { template: { metadata: Obj["metadata"]; spec: PodSpec } };
};
interface PodSpec {
  containers: {
    args: string[];
    ports: { name: string; containerPort: number }[];
    securityContext: Record<string, unknown>;
    readinessProbe: { httpGet: { path: string; port: string } };
    livenessProbe: { httpGet: { path: string; port: string } };
    volumeMounts: { name: string; mountPath: string }[];
  }[];
  securityContext: Record<string, unknown>;
  serviceAccountName: string;
  volumes: { name: string; secret: { secretName: string } }[];
}
const pod = deployment.spec.template.spec;
const container = pod.containers[0]!;
const service = one("Service") as Obj & {
  spec: { ports: { port: number; targetPort: string }[]; selector: object };
};
const certificate = one("Certificate") as Obj & {
  spec: { dnsNames: string[]; secretName: string; issuerRef: { name: string } };
};
const CA = "cert-manager.io/inject-ca-from";
const caFrom = `${certificate.metadata.namespace ?? ""}/${certificate.metadata.name}`;

/** The manager's arguments as the pod gets them when clusterctl applies every default. */
function withDefaults(args: string[]): string[] {
  return args.map((a) => a.replace(/\$\{[A-Z0-9_]+:=([^}]*)\}/g, "$1"));
}

describe("infrastructure-components.yaml", () => {
  it("holds each object once, in capo-system, all labelled for clusterctl", () => {
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "Namespace/capo-system",
        ...generateCRDs().map((crd) => `CustomResourceDefinition/${crd.metadata.name}`),
        "ServiceAccount/capo-manager",
        "ClusterRole/capo-manager-role",
        "ClusterRoleBinding/capo-manager-role",
        "Role/capo-leader-election-role",
        "RoleBinding/capo-leader-election-role",
        "ClusterRole/capo-metrics-reader",
        "Deployment/capo-controller-manager",
        "Service/capo-webhook-service",
        "ValidatingWebhookConfiguration/capo-validating-webhook-configuration",
        "MutatingWebhookConfiguration/capo-mutating-webhook-configuration",
        "Issuer/capo-selfsigned-issuer",
        "Certificate/capo-serving-cert",
      ],
    );
    for (const o of objects) {
      assert.equal(
        o.metadata.labels?.["cluster.x-k8s.io/provider"],
        "infrastructure-openstack",
        o.metadata.name,
      );
      const clusterScoped = ["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"];
      const webhooks = ["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"];
      if (![...clusterScoped, ...webhooks].includes(o.kind))
        assert.equal(o.metadata.namespace, "capo-system");
    }
    assert.equal(renderComponents(), text, "deterministic");
  });

  it("converts every CRD through the webhook Service, with its CA injected and CAPI's contract label", () => {
    for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
      const { conversion } = crd.spec as {
        conversion: { strategy: string; webhook: { clientConfig: object } };
      };
      assert.equal(conversion.strategy, "Webhook");
      assert.deepEqual(conversion.webhook.clientConfig, {
        service: { name: service.metadata.name, namespace: service.metadata.namespace, path: ConversionPath },
      });
      assert.equal(crd.metadata.annotations?.[CA], caFrom);
      assert.deepEqual(
        { ...crd.metadata.labels, "cluster.x-k8s.io/provider": undefined },
        { ...contractLabel(apiVersions), "cluster.x-k8s.io/provider": undefined },
      );
    }
  });

  it("registers admission webhooks at exactly the paths the webhook server serves, for every kind", () => {
    for (const [kind, mutating] of [
      ["ValidatingWebhookConfiguration", false],
      ["MutatingWebhookConfiguration", true],
    ] as const) {
      const config = one(kind) as Obj & { webhooks: Hook[] };
      assert.equal(config.metadata.annotations?.[CA], caFrom);
      assert.deepEqual(
        config.webhooks.map((h) => h.clientConfig.service),
        kindNames.map((k) => ({
          name: service.metadata.name,
          namespace: service.metadata.namespace,
          path: webhookPath(k, mutating),
        })),
      );
    }
  });

  it("runs the manager with arguments its parser accepts, leader election on and diagnostics secure", () => {
    assert.equal(container.args[0], "manager");
    const cfg = parseManagerArgs(withDefaults(container.args.slice(1)));
    assert.equal(cfg.leaderElect, true);
    assert.equal(cfg.diagnosticsAddress, ":8443");
    assert.equal(cfg.insecureDiagnostics, false);
    assert.equal(cfg.verbosity, 2);
    const portOf = (name: string) => container.ports.find((p) => p.name === name)?.containerPort;
    assert.equal(portOf("webhook-server"), cfg.webhookPort);
    assert.equal(`:${portOf("healthz")}`, cfg.healthAddr);
    assert.equal(`:${portOf("metrics")}`, cfg.diagnosticsAddress);
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: "healthz" });
    assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: "healthz" });
    assert.deepEqual(container.volumeMounts, [
      { name: "cert", mountPath: cfg.webhookCertDir, readOnly: true },
    ]);
    assert.deepEqual(pod.volumes, [{ name: "cert", secret: { secretName: certificate.spec.secretName } }]);
  });

  it("locks the container down: non-root, read-only root, no privilege escalation or capabilities", () => {
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
    assert.equal(pod.serviceAccountName, one("ServiceAccount").metadata.name);
  });

  it("routes the webhook Service to the manager's pods and names it in the serving certificate", () => {
    assert.deepEqual(service.spec.ports, [{ port: 443, targetPort: "webhook-server" }]);
    assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
    const dns = `${service.metadata.name}.${service.metadata.namespace ?? ""}.svc`;
    assert.deepEqual(certificate.spec.dnsNames, [dns, `${dns}.cluster.local`]);
    assert.equal(certificate.spec.issuerRef.name, one("Issuer").metadata.name);
    assert.deepEqual((one("Issuer") as Obj & { spec: object }).spec, { selfSigned: {} });
  });

  it("uses only ${VAR:=default} variables, unless the variable is listed as required", () => {
    const variables = [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1] ?? "");
    assert.ok(variables.length >= 3);
    for (const v of variables)
      assert.ok(/^[A-Z][A-Z0-9_]*:=[^}]*$/.test(v) || requiredVariables.includes(v), `\${${v}}`);
  });
});

describe("metadata.yaml", () => {
  it("maps the current release series to contract v1beta1, in out/ and at the repository root", () => {
    const [major, minor] = version().split(".").map(Number);
    const doc = parse(renderMetadata()) as ReturnType<typeof metadata>;
    assert.equal(doc.apiVersion, "clusterctl.cluster.x-k8s.io/v1alpha3");
    assert.equal(doc.kind, "Metadata");
    assert.deepEqual(
      doc.releaseSeries.filter((s) => s.major === major && s.minor === minor),
      [{ major, minor, contract: "v1beta1" }],
    );
    assert.equal(readFileSync(join(root, "metadata.yaml"), "utf8"), renderMetadata(), "run npm run release");
    assert.throws(() => metadata("9.9.0"), /no release series for version 9\.9\.0/);
  });
});
