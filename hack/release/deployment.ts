// The manager's Deployment, as CAPO's config/manager with its webhook patch: `capo-ts manager` with CAPO's
// arguments (clusterctl substitutes the ${VAR:=default}s), probes on the health port, the webhook
// certificate mounted where --webhook-cert-dir looks, and a locked-down, non-root container.
import type { V1Container, V1Deployment } from "@kubernetes/client-node";
import { managerFlags } from "../../src/cli/manager-config.ts";
import { parseAddr } from "../../src/runtime/http.ts";
import { MANAGER_SELECTOR, meta, names, type Plain } from "./common.ts";

/** The flag table's default for `name`, so the manifest cannot drift from what the manager assumes. */
function flagDefault(name: string): string {
  const flag = managerFlags.find((f) => f.name === name);
  if (flag === undefined) throw new Error(`capo-ts manager has no --${name}`);
  if (typeof flag.default !== "string" && typeof flag.default !== "number")
    throw new Error(`--${name} has no scalar default`);
  return String(flag.default);
}

/** `--name=${VAR:=default}`: clusterctl substitutes VAR, or the manager's own default. */
const variable = (name: string, envVar: string, fallback = flagDefault(name)): string =>
  `--${name}=\${${envVar}:=${fallback}}`;

/** The arguments after `manager`, in the order CAPO's manifest gives them. */
export const managerArgs: readonly string[] = [
  "--leader-elect",
  variable("diagnostics-address", "CAPO_DIAGNOSTICS_ADDRESS"),
  variable("insecure-diagnostics", "CAPO_INSECURE_DIAGNOSTICS", "false"),
  variable("v", "CAPO_LOGLEVEL", "2"),
  "--feature-gates=PriorityQueue=${EXP_CAPO_PRIORITY_QUEUE:=true},AutoScaleFromZero=${EXP_CAPO_AUTOSCALE_FROM_ZERO:=false}",
];

function port(flag: string): number {
  const addr = parseAddr(flagDefault(flag));
  if (addr === undefined) throw new Error(`--${flag} is disabled by default`);
  return addr.port;
}

/** The image runs `capo-ts` (src/cli/main.ts) as its entrypoint; the Deployment gives it `manager` and flags. */
function container(image: string): Plain<V1Container> {
  return {
    name: "manager",
    image,
    imagePullPolicy: "IfNotPresent",
    args: ["manager", ...managerArgs],
    env: [{ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
    ports: [
      { name: "webhook-server", containerPort: Number(flagDefault("webhook-port")), protocol: "TCP" },
      { name: "healthz", containerPort: port("health-addr"), protocol: "TCP" },
      { name: "metrics", containerPort: port("diagnostics-address"), protocol: "TCP" },
    ],
    readinessProbe: { httpGet: { path: "/readyz", port: "healthz" } },
    livenessProbe: { httpGet: { path: "/healthz", port: "healthz" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsUser: 65532,
      runAsGroup: 65532,
    },
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: [{ name: "cert", mountPath: flagDefault("webhook-cert-dir"), readOnly: true }],
  };
}

export function managerDeployment(image: string): Plain<V1Deployment> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(names.deployment, { namespaced: true, labels: MANAGER_SELECTOR }),
    spec: {
      replicas: 1,
      selector: { matchLabels: MANAGER_SELECTOR },
      template: {
        metadata: { labels: MANAGER_SELECTOR },
        spec: {
          containers: [container(image)],
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          serviceAccountName: names.serviceAccount,
          // The manager's shutdown deadline (src/cli/manager.ts) is set just inside this.
          terminationGracePeriodSeconds: 10,
          tolerations: [
            { effect: "NoSchedule", key: "node-role.kubernetes.io/master" },
            { effect: "NoSchedule", key: "node-role.kubernetes.io/control-plane" },
          ],
          volumes: [{ name: "cert", secret: { secretName: names.webhookSecret } }],
        },
      },
    },
  };
}
