// The webhook side of the manifest: the Service in front of the manager's webhook port, the validating and
// defaulting webhook configurations at the paths src/webhooks serves, and the cert-manager Issuer and
// Certificate whose Secret the manager mounts and whose CA cainjector writes into the configurations.
import type {
  V1MutatingWebhook,
  V1MutatingWebhookConfiguration,
  V1Service,
  V1ValidatingWebhookConfiguration,
} from "@kubernetes/client-node";
import { Group, KindNames, kindNames, type KindName } from "../../src/api/common/kinds.ts";
import { HubVersion } from "../../src/api/conversion/convert.ts";
import { webhookPath } from "../../src/webhooks/index.ts";
import { CA_INJECTION, type Plain, MANAGER_SELECTOR, NAMESPACE, meta, names } from "./common.ts";

export function webhookService(): Plain<V1Service> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(names.webhookService, { namespaced: true }),
    spec: { ports: [{ port: 443, targetPort: "webhook-server" }], selector: MANAGER_SELECTOR },
  };
}

/** controller-runtime's markers for CAPO's webhooks: v1beta1 only, create and update, fail closed. */
function webhook(kind: KindName, mutating: boolean): Plain<V1MutatingWebhook> {
  return {
    name: `${mutating ? "default" : "validation"}.${kind.toLowerCase()}.${Group}`,
    admissionReviewVersions: ["v1"],
    clientConfig: {
      service: { name: names.webhookService, namespace: NAMESPACE, path: webhookPath(kind, mutating) },
    },
    failurePolicy: "Fail",
    matchPolicy: "Equivalent",
    rules: [
      {
        apiGroups: [Group],
        apiVersions: [HubVersion],
        operations: ["CREATE", "UPDATE"],
        resources: [KindNames[kind].plural],
      },
    ],
    sideEffects: "None",
  };
}

export function webhookConfigurations(): [
  Plain<V1ValidatingWebhookConfiguration>,
  Plain<V1MutatingWebhookConfiguration>,
] {
  const admissionregistration = "admissionregistration.k8s.io/v1";
  return [
    {
      apiVersion: admissionregistration,
      kind: "ValidatingWebhookConfiguration",
      metadata: meta(names.validatingWebhooks, { annotations: CA_INJECTION }),
      webhooks: kindNames.map((kind) => webhook(kind, false)),
    },
    {
      apiVersion: admissionregistration,
      kind: "MutatingWebhookConfiguration",
      metadata: meta(names.mutatingWebhooks, { annotations: CA_INJECTION }),
      webhooks: kindNames.map((kind) => ({ ...webhook(kind, true), reinvocationPolicy: "Never" })),
    },
  ];
}

/** cert-manager's kinds: the client has no types for them. */
export interface CertManagerObject {
  apiVersion: "cert-manager.io/v1";
  kind: "Issuer" | "Certificate";
  metadata: ReturnType<typeof meta>;
  spec: Record<string, unknown>;
}

export function certificates(): [CertManagerObject, CertManagerObject] {
  const service = `${names.webhookService}.${NAMESPACE}.svc`;
  return [
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Issuer",
      metadata: meta(names.issuer, { namespaced: true }),
      spec: { selfSigned: {} },
    },
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: meta(names.certificate, { namespaced: true }),
      spec: {
        dnsNames: [service, `${service}.cluster.local`],
        issuerRef: { kind: "Issuer", name: names.issuer },
        secretName: names.webhookSecret,
        subject: { organizations: ["k8s-sig-cluster-lifecycle"] },
      },
    },
  ];
}
