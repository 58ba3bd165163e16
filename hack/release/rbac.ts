// The manager's identity and least-privilege RBAC: what the manager reads, writes and watches, and no more.
// Rules are written from the Resource descriptors the code itself uses (src/runtime/resources.ts), so a
// renamed group or plural cannot leave the manifest behind; rbac.test.ts checks them against the watches the
// controllers register and the resources the reconcilers import.
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from "@kubernetes/client-node";
import { LEADER_ELECTION_ID } from "../../src/cli/manager-config.ts";
import type { Resource } from "../../src/runtime/object.ts";
import {
  Clusters,
  Events,
  Leases,
  Machines,
  OpenStackClusters,
  OpenStackMachines,
  Secrets,
} from "../../src/runtime/resources.ts";
import { NAMESPACE, meta, names, type Plain } from "./common.ts";

/** One rule for resources of one API group, optionally a subresource of each. */
function rule(resources: Resource[], verbs: string[], subresource?: string): Plain<V1PolicyRule> {
  const groups = [...new Set(resources.map((r) => r.group))];
  if (groups.length !== 1) throw new Error(`one API group per rule, got ${groups.join(", ")}`);
  return {
    apiGroups: groups,
    resources: resources.map((r) => (subresource ? `${r.plural}/${subresource}` : r.plural)),
    verbs,
  };
}

const READ = ["get", "list", "watch"];
const reconciled = [OpenStackClusters, OpenStackMachines];

/**
 * - Events: the broadcaster creates them and patches repeats (count, lastTimestamp), in the objects' namespaces.
 * - Secrets: identityRef and bootstrap data are read live (never cached); list and watch as CAPO grants.
 * - Cluster API Clusters and Machines: watched and read from the cache; never written, status included.
 * - OpenStackClusters/Machines: watched; metadata (finalizers) and spec merge-patched, status by its
 *   subresource (src/runtime/patch.ts: patches only, never update). The manager neither creates nor deletes
 *   them, and sets no ownerReferences, so it needs no finalizers subresource either.
 * - TokenReviews and SubjectAccessReviews: the secure metrics listener asks the apiserver about callers.
 */
export const managerRules: Plain<V1PolicyRule>[] = [
  rule([Events], ["create", "patch"]),
  rule([Secrets], READ),
  rule([Clusters, Machines], READ),
  rule(reconciled, [...READ, "patch"]),
  rule(reconciled, ["patch"], "status"),
  { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
  { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
];

/** The Lease is created once, then read and renewed by name only (create cannot be limited to a name). */
export const leaderElectionRules: Plain<V1PolicyRule>[] = [
  rule([Leases], ["create"]),
  { ...rule([Leases], ["get", "update"]), resourceNames: [LEADER_ELECTION_ID] },
];

/** For Prometheus: bind it to the scraper's identity to read the secure /metrics. */
export const metricsReaderRules: Plain<V1PolicyRule>[] = [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }];

const subject = { kind: "ServiceAccount", name: names.serviceAccount, namespace: NAMESPACE };
const roleRef = (kind: "Role" | "ClusterRole", name: string) => ({
  apiGroup: "rbac.authorization.k8s.io",
  kind,
  name,
});

export function rbacObjects(): [
  Plain<V1ServiceAccount>,
  Plain<V1ClusterRole>,
  Plain<V1ClusterRoleBinding>,
  Plain<V1Role>,
  Plain<V1RoleBinding>,
  Plain<V1ClusterRole>,
] {
  const rbac = "rbac.authorization.k8s.io/v1";
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(names.serviceAccount, { namespaced: true }) },
    { apiVersion: rbac, kind: "ClusterRole", metadata: meta(names.managerRole), rules: managerRules },
    {
      apiVersion: rbac,
      kind: "ClusterRoleBinding",
      metadata: meta(names.managerRole),
      roleRef: roleRef("ClusterRole", names.managerRole),
      subjects: [subject],
    },
    {
      apiVersion: rbac,
      kind: "Role",
      metadata: meta(names.leaderElectionRole, { namespaced: true }),
      rules: leaderElectionRules,
    },
    {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: meta(names.leaderElectionRole, { namespaced: true }),
      roleRef: roleRef("Role", names.leaderElectionRole),
      subjects: [subject],
    },
    {
      apiVersion: rbac,
      kind: "ClusterRole",
      metadata: meta(names.metricsReaderRole),
      rules: metricsReaderRules,
    },
  ];
}
