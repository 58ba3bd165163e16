// What a machine spec names by ID or filter, resolved to IDs once (the reconciler keeps them in
// status.resolved). Every failure says which image, flavor or group it looked for (CAPO #2265: a missing image
// left machines "Provisioning" without a word). The reason is CAPO's: DependencyFailed.
import type * as infra from "../../api/v1beta1/index.ts";
import { isNotFound } from "../../openstack/errors.ts";
import type { ComputeClient, Flavor } from "../../openstack/compute.ts";
import type { ImageClient } from "../../openstack/image.ts";
import { FilterError, UserError } from "../errors.ts";

const REASON = "DependencyFailed";

/** One call: GET by ID, or one Glance list by name and tags that must match exactly one image. */
export async function resolveImage(image: ImageClient, param: infra.ImageParam): Promise<string> {
  if (param.id) {
    const id = param.id;
    await orNotFound(() => image.getImage(id), `image ${id} not found`);
    return id;
  }
  const filter = param.filter ?? {};
  const matches = await image.listImages({
    ...(filter.name ? { name: filter.name } : {}),
    ...(filter.tags?.length ? { tags: filter.tags } : {}),
  });
  return exactlyOne("image", filter, matches.map(named));
}

/** One call: GET by ID, or the detailed flavor list and the first exact name match (as CAPO). */
export async function resolveFlavor(
  compute: ComputeClient,
  f: { name?: string; id?: string },
): Promise<Flavor> {
  if (f.id) {
    const id = f.id;
    return orNotFound(() => compute.getFlavor(id), `flavor ${id} not found`);
  }
  const found = (await compute.listFlavors()).find((x) => x.name === f.name);
  if (!found) throw new UserError(REASON, `flavor ${f.name ?? "(no name)"} not found`);
  return found;
}

/** One call: GET by ID, or the list of server groups (Nova filters none by name) with exactly one name match. */
export async function resolveServerGroup(
  compute: ComputeClient,
  param: infra.ServerGroupParam,
): Promise<string> {
  if (param.id) {
    const group = await compute.getServerGroup(param.id, { ignoreNotFound: true });
    if (!group) throw new UserError(REASON, `server group ${param.id} not found`);
    return group.id;
  }
  const filter = param.filter ?? {};
  const matches = (await compute.listServerGroups()).filter((g) => g.name === filter.name);
  return exactlyOne("server group", filter, matches);
}

async function orNotFound<T>(get: () => Promise<T>, message: string): Promise<T> {
  try {
    return await get();
  } catch (e) {
    if (isNotFound(e)) throw new UserError(REASON, message, { cause: e });
    throw e;
  }
}

function exactlyOne(kind: string, filter: unknown, matches: { id: string; name?: string }[]): string {
  const [one, ...more] = matches;
  if (!one || more.length > 0) throw new FilterError(kind, filter, matches, REASON);
  return one.id;
}

const named = (i: { id: string; name: string | null }) =>
  i.name ? { id: i.id, name: i.name } : { id: i.id };
