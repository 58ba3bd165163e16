// Neutron/Nova resource references. The alphas describe a resource by a flat filter whose optional `id`
// wins over everything else and whose tag filters are comma-separated strings; v1beta1 has a `*Param`
// that is exactly one of `id` or `filter`, with tag lists (api-versions.md §3.4 "Filter ↔ Param rule").
import type * as hub from "../v1beta1/index.ts";
import type * as v1alpha5 from "../v1alpha5/index.ts";
import type * as v1alpha8 from "../v1alpha8/index.ts";
import { nonEmpty, nonZero, unlessEmpty } from "./shared.ts";

/** The alphas' network, router and security group filter (the same fields in v1alpha5..v1alpha8). */
export type OldResourceFilter = v1alpha8.NetworkFilter;
export type OldSubnetFilter = v1alpha8.SubnetFilter;
type HubResourceFilter = hub.NetworkFilter;

interface Param<F> {
  id?: string;
  filter?: F;
}

/** "a,,b" → ["a", "b"]; nothing left → absent. */
export function tagsToHub(tags: string | undefined): string[] | undefined {
  const list = (tags ?? "").split(",").filter((tag) => tag !== "");
  return list.length > 0 ? list : undefined;
}

export function tagsFromHub(tags: readonly string[] | undefined): string | undefined {
  return tags && tags.length > 0 ? tags.join(",") : undefined;
}

type OldTags = Pick<OldResourceFilter, "tags" | "tagsAny" | "notTags" | "notTagsAny">;
type HubTags = Pick<HubResourceFilter, "tags" | "tagsAny" | "notTags" | "notTagsAny">;

const neutronTagsToHub = (f: OldTags): HubTags => ({
  tags: tagsToHub(f.tags),
  tagsAny: tagsToHub(f.tagsAny),
  notTags: tagsToHub(f.notTags),
  notTagsAny: tagsToHub(f.notTagsAny),
});

const neutronTagsFromHub = (f: HubTags): OldTags => ({
  tags: tagsFromHub(f.tags),
  tagsAny: tagsFromHub(f.tagsAny),
  notTags: tagsFromHub(f.notTags),
  notTagsAny: tagsFromHub(f.notTagsAny),
});

export const resourceFilterToHub = (f: OldResourceFilter): HubResourceFilter => ({
  name: nonEmpty(f.name),
  description: nonEmpty(f.description),
  projectID: nonEmpty(f.projectId),
  ...neutronTagsToHub(f),
});

export const resourceFilterFromHub = (f: HubResourceFilter | undefined): OldResourceFilter => ({
  name: nonEmpty(f?.name),
  description: nonEmpty(f?.description),
  projectId: nonEmpty(f?.projectID),
  ...neutronTagsFromHub(f ?? {}),
});

const subnetFilterToHub = (f: OldSubnetFilter): hub.SubnetFilter => ({
  ...resourceFilterToHub(f),
  ipVersion: nonZero(f.ipVersion),
  gatewayIP: nonEmpty(f.gateway_ip),
  cidr: nonEmpty(f.cidr),
  ipv6AddressMode: nonEmpty(f.ipv6AddressMode),
  ipv6RAMode: nonEmpty(f.ipv6RaMode),
});

const subnetFilterFromHub = (f: hub.SubnetFilter | undefined): OldSubnetFilter => ({
  ...resourceFilterFromHub(f),
  ipVersion: nonZero(f?.ipVersion),
  gateway_ip: nonEmpty(f?.gatewayIP),
  cidr: nonEmpty(f?.cidr),
  ipv6AddressMode: nonEmpty(f?.ipv6AddressMode),
  ipv6RaMode: nonEmpty(f?.ipv6RAMode),
});

/** An old filter with an id selects by id alone; otherwise its other fields (if any) are the filter. */
function paramToHub<F extends { id?: string }, H extends object>(filter: F, toHub: (f: F) => H): Param<H> {
  const id = nonEmpty(filter.id);
  if (id !== undefined) return { id };
  const converted = unlessEmpty(toHub(filter));
  return converted ? { filter: converted } : {};
}

function paramFromHub<H, F>(param: Param<H>, fromHub: (f: H | undefined) => F): F & { id?: string } {
  return { ...fromHub(param.filter), id: param.id };
}

export const networkToHub = (f: OldResourceFilter): hub.NetworkParam => paramToHub(f, resourceFilterToHub);
export const networkFromHub = (p: hub.NetworkParam): OldResourceFilter =>
  paramFromHub(p, resourceFilterFromHub);
/** Routers and security groups are filtered by the same fields as networks. */
export const routerToHub: (f: OldResourceFilter) => hub.RouterParam = networkToHub;
export const routerFromHub: (p: hub.RouterParam) => OldResourceFilter = networkFromHub;
export const securityGroupToHub: (f: OldResourceFilter) => hub.SecurityGroupParam = networkToHub;
export const securityGroupFromHub: (p: hub.SecurityGroupParam) => OldResourceFilter = networkFromHub;
export const subnetToHub = (f: OldSubnetFilter): hub.SubnetParam => paramToHub(f, subnetFilterToHub);
export const subnetFromHub = (p: hub.SubnetParam): OldSubnetFilter => paramFromHub(p, subnetFilterFromHub);

/**
 * Filters the alphas hold by value (cluster network, subnet, v1alpha8 external network): one that selects
 * nothing (all fields empty) has no v1beta1 counterpart.
 */
export function valueFilterToHub<F extends object, P extends object>(
  filter: F | undefined,
  toHub: (f: F) => P,
): P | undefined {
  return filter === undefined ? undefined : unlessEmpty(toHub(filter));
}

// v1alpha5/v1alpha6 wrap some filters in a param of their own: `{uuid, filter}` (and `name` for groups).

export function subnetParamV1alpha6ToHub(p: v1alpha5.SubnetParam): hub.SubnetParam {
  const uuid = nonEmpty(p.uuid);
  if (uuid !== undefined) return { id: uuid };
  return p.filter ? subnetToHub(p.filter) : {};
}

export function subnetParamV1alpha6FromHub(p: hub.SubnetParam): v1alpha5.SubnetParam {
  return p.id !== undefined
    ? { uuid: p.id, filter: unlessEmpty(subnetFilterFromHub(p.filter)) }
    : { filter: unlessEmpty(subnetFilterFromHub(p.filter)) };
}

type OldSecurityGroupFilter = v1alpha5.SecurityGroupFilter;

/** `tenantId` was a synonym of `projectId`; limit/marker/sort fields never meant anything here. */
const securityGroupFilterV1alpha6ToHub = (f: OldSecurityGroupFilter): hub.SecurityGroupFilter =>
  resourceFilterToHub({ ...f, projectId: nonEmpty(f.projectId) ?? f.tenantId });

export function securityGroupParamV1alpha6ToHub(p: v1alpha5.SecurityGroupParam): hub.SecurityGroupParam {
  const uuid = nonEmpty(p.uuid);
  if (uuid !== undefined) return { id: uuid };
  const name = nonEmpty(p.name);
  if (name !== undefined) return { filter: { name } };
  return p.filter ? paramToHub(p.filter, securityGroupFilterV1alpha6ToHub) : {};
}

export function securityGroupParamV1alpha6FromHub(p: hub.SecurityGroupParam): v1alpha5.SecurityGroupParam {
  return { uuid: p.id, filter: unlessEmpty(resourceFilterFromHub(p.filter)) };
}

/** v1alpha8's image filter: id, or name and tags. v1beta1 requires an image, so "none" is `{}`. */
export function imageToHub(f: v1alpha8.ImageFilter | undefined): hub.ImageParam {
  return paramToHub(f ?? {}, (image) => ({ name: nonEmpty(image.name), tags: image.tags }));
}

export function imageFromHub(p: hub.ImageParam): v1alpha8.ImageFilter | undefined {
  return unlessEmpty({ id: nonEmpty(p.id), name: nonEmpty(p.filter?.name), tags: p.filter?.tags });
}

/** v1alpha5..v1alpha7 name an image by `imageUUID` (which wins) or by `image` name. */
export function imageNameToHub(image: string | undefined, imageUUID: string | undefined): hub.ImageParam {
  return imageToHub({ id: imageUUID, name: image });
}

export function imageNameFromHub(p: hub.ImageParam): { image?: string; imageUUID?: string } {
  return { imageUUID: nonEmpty(p.id), image: nonEmpty(p.filter?.name) };
}

/** v1alpha8's server group filter; an empty one means "no server group". */
export function serverGroupToHub(
  f: v1alpha8.ServerGroupFilter | undefined,
): hub.ServerGroupParam | undefined {
  const param = paramToHub(f ?? {}, (group) => ({ name: nonEmpty(group.name) }));
  return unlessEmpty(param);
}

export function serverGroupFromHub(p: hub.ServerGroupParam): v1alpha8.ServerGroupFilter | undefined {
  return unlessEmpty({ id: nonEmpty(p.id), name: nonEmpty(p.filter?.name) });
}
