// Names and labels shared by every object of the release manifest, as CAPO's kustomization lays them out:
// namespace capo-system, names prefixed capo-, and clusterctl's provider label on everything.
import type { V1ObjectMeta } from "@kubernetes/client-node";
import { webhookService } from "../../src/api/crd-gen.ts";

export const NAMESPACE = webhookService.namespace;
export const PROVIDER = "infrastructure-openstack";
export const PROVIDER_LABEL = { "cluster.x-k8s.io/provider": PROVIDER };

export const names = {
  serviceAccount: "capo-manager",
  managerRole: "capo-manager-role",
  leaderElectionRole: "capo-leader-election-role",
  metricsReaderRole: "capo-metrics-reader",
  deployment: "capo-controller-manager",
  webhookService: webhookService.name,
  webhookSecret: "capo-webhook-service-cert",
  issuer: "capo-selfsigned-issuer",
  certificate: "capo-serving-cert",
  validatingWebhooks: "capo-validating-webhook-configuration",
  mutatingWebhooks: "capo-mutating-webhook-configuration",
} as const;

/**
 * client-node's models are classes; the manifest holds plain data of their shape (timestamps as strings), so
 * that nothing pretends to be an instance built by their constructors.
 */
export type Plain<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

/** cert-manager's cainjector copies the Certificate's CA into objects carrying this annotation. */
export const CA_INJECTION = { "cert-manager.io/inject-ca-from": `${NAMESPACE}/${names.certificate}` };

/** The manager's pods, as its Deployment selects them and the webhook Service routes to them. */
export const MANAGER_SELECTOR = { "control-plane": names.deployment, ...PROVIDER_LABEL };

/** Metadata with the provider label; namespaced objects live in capo-system. */
export function meta(
  name: string,
  opts: { namespaced?: boolean; annotations?: Record<string, string>; labels?: Record<string, string> } = {},
): Plain<V1ObjectMeta> {
  return {
    name,
    ...(opts.namespaced ? { namespace: NAMESPACE } : {}),
    labels: { ...opts.labels, ...PROVIDER_LABEL },
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  };
}
