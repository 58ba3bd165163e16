// Steps for the managed security groups: the groups first (each ID checkpointed as soon as it exists), then
// their rules by set difference. One Neutron list returns all groups with their rules, so a steady-state
// reconcile costs one call here.
import type * as neutron from "../../openstack/network.ts";
import { SECURITY_GROUP_DESCRIPTION, securityGroupName, type SecurityGroupRole } from "../../cloud/names.ts";
import {
  deleteSecurityGroup,
  ensureSecurityGroup,
  listClusterSecurityGroups,
  reconcileRules,
} from "../../cloud/networking/security-groups.ts";
import { settleAll } from "../../cloud/ensure.ts";
import { desiredRules } from "../../cloud/networking/sg-rules.ts";
import type { Step } from "../shared/steps.ts";
import type { ClusterScope } from "./scope.ts";
import { Conditions, conditionGroup, spec, status } from "./scope.ts";

const statusKey = {
  controlplane: "controlPlaneSecurityGroup",
  worker: "workerSecurityGroup",
  bastion: "bastionSecurityGroup",
} as const;

export const bastionEnabled = (s: ClusterScope): boolean => {
  const b = spec(s).bastion;
  return b !== undefined && b.enabled !== false;
};

const groups: Step<ClusterScope> = async (s) => {
  if (!spec(s).managedSecurityGroups) return undefined;
  const all: SecurityGroupRole[] = ["controlplane", "worker", "bastion"];
  const wanted = bastionEnabled(s) ? all : all.filter((r) => r !== "bastion");
  const names = all.map((r) => securityGroupName(s.ref, r));
  const found = await listClusterSecurityGroups(s.os.network, names);
  const byRole = new Map<SecurityGroupRole, neutron.SecurityGroup>();
  const st = status(s);
  for (const role of wanted) {
    const name = securityGroupName(s.ref, role);
    let group = found.find((g) => g.name === name);
    group ??= await ensureSecurityGroup(
      s.os.network,
      s.record,
      { name, description: SECURITY_GROUP_DESCRIPTION, tags: spec(s).tags ?? [] },
      st[statusKey[role]]?.id,
    );
    byRole.set(role, group);
    st[statusKey[role]] = { name: group.name, id: group.id };
    await s.checkpoint();
  }
  // A disabled bastion's group goes once the bastion itself is gone (its port holds the group until then).
  const strayBastion = found.find((g) => g.name === securityGroupName(s.ref, "bastion"));
  if (!bastionEnabled(s) && strayBastion && !st.bastion) {
    await deleteSecurityGroup(s.os.network, s.record, {
      recordedId: strayBastion.id,
      name: strayBastion.name,
    });
    st.bastionSecurityGroup = undefined;
  }
  s.seen.securityGroups = byRole;
  return undefined;
};

const rules: Step<ClusterScope> = async (s) => {
  const byRole = s.seen.securityGroups;
  const sp = spec(s);
  const managed = sp.managedSecurityGroups;
  if (!managed || !byRole) return undefined;
  const id = (r: SecurityGroupRole): string => byRole.get(r)?.id ?? "";
  // Rules are found by what they are, not recorded: the groups' rules can be made at once.
  const each = [...byRole].map(([role, group]) => {
    const want = desiredRules({
      role,
      groupIds: {
        controlplane: id("controlplane"),
        worker: id("worker"),
        bastion: byRole.get("bastion")?.id,
      },
      bastionEnabled: bastionEnabled(s),
      allowAllInClusterTraffic: managed.allowAllInClusterTraffic,
      clusterSubnetCIDRs: (status(s).network?.subnets ?? []).map((x) => x.cidr),
      additionalPorts: sp.apiServerLoadBalancer?.additionalPorts ?? [],
      userRules: managed.allNodesSecurityGroupRules ?? [],
    });
    return reconcileRules(s.os.network, s.record, group, want);
  });
  await settleAll(each);
  return undefined;
};

export const securityGroupSteps: Step<ClusterScope>[] = conditionGroup(Conditions.securityGroups, [
  groups,
  rules,
]);

/** On cluster delete: every managed group, by recorded ID and by name (bastion always attempted, as CAPO). */
export async function deleteSecurityGroups(s: ClusterScope): Promise<void> {
  const st = status(s);
  const roles = ["bastion", "worker", "controlplane"] as const;
  await Promise.all(
    roles.map((role) =>
      deleteSecurityGroup(s.os.network, s.record, {
        recordedId: st[statusKey[role]]?.id,
        name: securityGroupName(s.ref, role),
      }),
    ),
  );
  for (const role of roles) st[statusKey[role]] = undefined;
}
