// The managed security groups (controlplane, worker, bastion) of CAPO v0.10: found by exact name, tags kept equal
// to spec.tags on every reconcile, rules reconciled by set difference (sg-rules.ts). A group lists its rules,
// so one list of the three groups is all a steady-state reconcile costs: ensure and rule reconcile then make
// no call at all.
import type * as neutron from "../../openstack/network.ts";
import { HttpError, isConflict } from "../../openstack/errors.ts";
import { deleteOwned, ensureOne, resourceOf } from "../ensure.ts";
import { Pending } from "../errors.ts";
import type { Recorder } from "../recorder.ts";
import { diffRules } from "./sg-rules.ts";
import type { RuleWant } from "./sg-rules.ts";
import { message } from "./tags.ts";

export interface SecurityGroupWant {
  name: string;
  description: string;
  tags: string[];
}

/** The groups with these names (rules included), in one call: Neutron ORs a repeated `name`. */
export function listClusterSecurityGroups(
  nw: neutron.NetworkClient,
  names: string[],
): Promise<neutron.SecurityGroup[]> {
  return nw.securityGroups.list({ name: names });
}

/**
 * The group: by recorded ID, else by exact name, else created (with the two egress rules Neutron adds); its
 * tags are then made exactly `want.tags`. `listed` is what listClusterSecurityGroups returned in this
 * reconcile: with it, finding the group costs no call.
 */
export async function ensureSecurityGroup(
  nw: neutron.NetworkClient,
  record: Recorder,
  want: SecurityGroupWant,
  recordedId?: string,
  listed?: neutron.SecurityGroup[],
): Promise<neutron.SecurityGroup> {
  const got = await ensureOne({
    kind: "security group",
    name: want.name,
    recordedId,
    get: async (id) =>
      listed?.find((g) => g.id === id) ?? nw.securityGroups.get(id, { ignoreNotFound: true }),
    listByName: async (name) => listed?.filter((g) => g.name === name) ?? nw.securityGroups.list({ name }),
    create: () => createSecurityGroup(nw, record, want),
    whenGone: "recreate",
  });
  return syncTags(nw, resourceOf(got), want.tags);
}

async function createSecurityGroup(
  nw: neutron.NetworkClient,
  record: Recorder,
  want: SecurityGroupWant,
): Promise<neutron.SecurityGroup> {
  try {
    const made = await nw.securityGroups.create({ name: want.name, description: want.description });
    record(
      "Normal",
      "SuccessfulCreateSecurityGroup",
      `Created security group ${made.name} with id ${made.id}`,
    );
    return made;
  } catch (e) {
    record(
      "Warning",
      "FailedCreateSecurityGroup",
      `Failed to create security group ${want.name}: ${message(e)}`,
    );
    throw e;
  }
}

// CAPO re-syncs a managed group's tags to spec.tags whenever they differ (unlike network, subnet and router).
async function syncTags(
  nw: neutron.NetworkClient,
  group: neutron.SecurityGroup,
  tags: string[],
): Promise<neutron.SecurityGroup> {
  const want = new Set(tags);
  const have = new Set(group.tags);
  if (want.size === have.size && [...want].every((t) => have.has(t))) return group;
  return { ...group, tags: await nw.replaceTags("security-groups", group.id, [...want]) };
}

export interface RulesReconciled {
  created: neutron.SecurityGroupRule[];
  deleted: neutron.SecurityGroupRule[];
}

/**
 * Makes the group hold exactly `wanted`, judged on the rules `group` lists (no GET): rules nobody wants are
 * deleted, manual ones included (as CAPO does), then the missing ones are created in one bulk call. Calls: one
 * DELETE per unwanted rule, one POST for the missing ones. A bulk Neutron refuses (another reconcile made one
 * of the rules meanwhile, or a user rule is invalid) is retried rule by rule, so the lot is made and a refusal
 * names the rule.
 */
export async function reconcileRules(
  nw: neutron.NetworkClient,
  record: Recorder,
  group: neutron.SecurityGroup,
  wanted: RuleWant[],
): Promise<RulesReconciled> {
  const { toCreate, toDelete } = diffRules(group.security_group_rules, wanted);
  await eachLimited(toDelete, async (r) => {
    await nw.securityGroupRules.delete(r.id, { ignoreNotFound: true });
  });
  return { created: await createRules(nw, record, group, toCreate), deleted: toDelete };
}

async function createRules(
  nw: neutron.NetworkClient,
  record: Recorder,
  group: neutron.SecurityGroup,
  wants: RuleWant[],
): Promise<neutron.SecurityGroupRule[]> {
  if (wants.length > 1)
    try {
      return await nw.createSecurityGroupRules(wants.map((w) => ({ security_group_id: group.id, ...w })));
    } catch (e) {
      if (!(e instanceof HttpError && e.status >= 400 && e.status < 500))
        return failedRule(record, group, wants, e);
    }
  const created: neutron.SecurityGroupRule[] = [];
  await eachLimited(wants, async (w) => {
    const made = await createRule(nw, record, group, w);
    if (made) created.push(made);
  });
  return created;
}

const isDuplicate = (e: unknown): boolean =>
  e instanceof HttpError && e.status === 409 && /already exists/i.test(e.openstackMessage);

function failedRule(record: Recorder, group: neutron.SecurityGroup, wants: RuleWant[], e: unknown): never {
  const what = wants.length === 1 ? `rule ${JSON.stringify(wants[0])}` : `${wants.length} rules`;
  record(
    "Warning",
    "FailedCreateSecurityGroup",
    `Failed to create ${what} in security group ${group.name}: ${message(e)}`,
  );
  throw e;
}

// A rule that already exists is what we wanted: another reconcile made it after `group` was read. Any other
// failure (a rule quota, a user rule Neutron refuses) is told to the user, who may have to fix it.
async function createRule(
  nw: neutron.NetworkClient,
  record: Recorder,
  group: neutron.SecurityGroup,
  w: RuleWant,
): Promise<neutron.SecurityGroupRule | undefined> {
  try {
    return await nw.securityGroupRules.create({ security_group_id: group.id, ...w });
  } catch (e) {
    if (isDuplicate(e)) return undefined;
    return failedRule(record, group, [w], e);
  }
}

const RULE_CONCURRENCY = 4;

/** Runs `f` on every item, at most RULE_CONCURRENCY at once; after a failure no new item starts. */
async function eachLimited<T>(items: T[], f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await f(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(RULE_CONCURRENCY, items.length) }, worker));
}

/**
 * Deletes the group by recorded ID and by name; gone already counts as deleted. A group still used by a port
 * (409) is Pending: the cluster's ports are being deleted, and the reconciler looks again soon.
 */
export async function deleteSecurityGroup(
  nw: neutron.NetworkClient,
  record: Recorder,
  d: { recordedId?: string | undefined; name: string },
): Promise<number> {
  return deleteOwned({
    recordedId: d.recordedId,
    name: d.name,
    listByName: (name) => nw.securityGroups.list({ name, fields: "id" }),
    delete: async (id) => {
      try {
        if (!(await nw.securityGroups.delete(id, { ignoreNotFound: true }))) return false;
      } catch (e) {
        if (isConflict(e)) throw new Pending(`security group ${d.name} (${id}) is in use: ${message(e)}`);
        record(
          "Warning",
          "FailedDeleteSecurityGroup",
          `Failed to delete security group ${d.name} with id ${id}: ${message(e)}`,
        );
        throw e;
      }
      record("Normal", "SuccessfulDeleteSecurityGroup", `Deleted security group ${d.name} with id ${id}`);
      return true;
    },
  });
}
