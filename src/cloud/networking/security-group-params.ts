// Security groups the user names on a machine or a port. Unlike every other param, a security group filter
// keeps all its matches (CAPO's semantics): a filter by tag can select a family of groups at once.
import type * as infra from "../../api/v1beta1/index.ts";
import type { NetworkClient } from "../../openstack/network.ts";
import { FilterError } from "../errors.ts";
import { neutronQuery } from "./resolve.ts";

/**
 * The IDs of the groups the params select, each once, in the order given: an ID as it is (no call), a filter
 * by one list (every match). A filter matching nothing is a FilterError.
 */
export async function resolveSecurityGroups(
  nw: NetworkClient,
  params: readonly infra.SecurityGroupParam[],
): Promise<string[]> {
  const ids = new Set<string>();
  for (const p of params) {
    if (p.id) {
      ids.add(p.id);
      continue;
    }
    if (!p.filter) continue;
    const found = await nw.securityGroups.list(neutronQuery(p.filter));
    if (found.length === 0) throw new FilterError("security group", p.filter, []);
    for (const sg of found) ids.add(sg.id);
  }
  return [...ids];
}
