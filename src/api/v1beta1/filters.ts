// v1beta1 references to existing OpenStack resources: each *Param is exactly one of an id (uuid) or a
// non-empty filter (minProperties/maxProperties enforce this in the apiserver).
import { Type, type Static, type TSchema } from "typebox";
import { listSet, object } from "../common/schema.ts";

export const NeutronTagSchema = Type.String({
  pattern: "^[^,]+$",
  minLength: 1,
  description:
    "NeutronTag represents a tag on a Neutron resource. It may not be empty and may not contain commas.",
});
export type NeutronTag = Static<typeof NeutronTagSchema>;

const tagList = (description: string) => Type.Optional(listSet(NeutronTagSchema, { description }));
const neutronTagFilters = {
  tags: tagList("Match resources with all of these tags."),
  tagsAny: tagList("Match resources with any of these tags."),
  notTags: tagList("Exclude resources with all of these tags."),
  notTagsAny: tagList("Exclude resources with any of these tags."),
};

const nameDescriptionProject = {
  name: Type.Optional(Type.String({ description: "Match resources with this name." })),
  description: Type.Optional(Type.String({ description: "Match resources with this description." })),
  projectID: Type.Optional(Type.String({ description: "Match resources of this project." })),
};

function param<F extends TSchema>(filter: F, description: string) {
  return object(
    {
      id: Type.Optional(Type.String({ format: "uuid", description: `ID of the ${description}.` })),
      filter: Type.Optional(filter),
    },
    {
      minProperties: 1,
      maxProperties: 1,
      description: `A ${description}: exactly one of id or filter; a filter must match exactly one ${description}.`,
    },
  );
}

export const NetworkFilterSchema = object(
  { ...nameDescriptionProject, ...neutronTagFilters },
  { minProperties: 1, description: "NetworkFilter specifies a query to select an OpenStack network." },
);
export type NetworkFilter = Static<typeof NetworkFilterSchema>;
export const NetworkParamSchema = param(NetworkFilterSchema, "network");
export type NetworkParam = Static<typeof NetworkParamSchema>;

export const SubnetFilterSchema = object(
  {
    ...nameDescriptionProject,
    ipVersion: Type.Optional(Type.Integer({ description: "Match subnets of this IP version (4 or 6)." })),
    gatewayIP: Type.Optional(Type.String({ description: "Match subnets with this gateway IP." })),
    cidr: Type.Optional(Type.String({ description: "Match subnets with this CIDR." })),
    ipv6AddressMode: Type.Optional(
      Type.String({ description: "Match subnets with this IPv6 address mode." }),
    ),
    ipv6RAMode: Type.Optional(
      Type.String({ description: "Match subnets with this IPv6 router advertisement mode." }),
    ),
    ...neutronTagFilters,
  },
  { minProperties: 1, description: "SubnetFilter specifies a filter to select a subnet." },
);
export type SubnetFilter = Static<typeof SubnetFilterSchema>;
export const SubnetParamSchema = param(SubnetFilterSchema, "subnet");
export type SubnetParam = Static<typeof SubnetParamSchema>;

export const SecurityGroupFilterSchema = object(
  { ...nameDescriptionProject, ...neutronTagFilters },
  {
    minProperties: 1,
    description: "SecurityGroupFilter specifies a query to select an OpenStack security group.",
  },
);
export type SecurityGroupFilter = Static<typeof SecurityGroupFilterSchema>;
export const SecurityGroupParamSchema = param(SecurityGroupFilterSchema, "security group");
export type SecurityGroupParam = Static<typeof SecurityGroupParamSchema>;

export const RouterFilterSchema = object(
  { ...nameDescriptionProject, ...neutronTagFilters },
  { minProperties: 1, description: "RouterFilter specifies a query to select an OpenStack router." },
);
export type RouterFilter = Static<typeof RouterFilterSchema>;
export const RouterParamSchema = param(RouterFilterSchema, "router");
export type RouterParam = Static<typeof RouterParamSchema>;

export const ImageFilterSchema = object(
  {
    name: Type.Optional(Type.String({ description: "Match images with this name." })),
    tags: Type.Optional(listSet(Type.String(), { description: "Match images with all of these tags." })),
  },
  { minProperties: 1, description: "ImageFilter describes a query for an image." },
);
export type ImageFilter = Static<typeof ImageFilterSchema>;
export const ImageParamSchema = param(ImageFilterSchema, "image");
export type ImageParam = Static<typeof ImageParamSchema>;

export const ServerGroupFilterSchema = object(
  { name: Type.Optional(Type.String({ description: "Match server groups with this name." })) },
  {
    minProperties: 1,
    description: "ServerGroupFilter specifies a query to select an OpenStack server group.",
  },
);
export type ServerGroupFilter = Static<typeof ServerGroupFilterSchema>;
export const ServerGroupParamSchema = param(ServerGroupFilterSchema, "server group");
export type ServerGroupParam = Static<typeof ServerGroupParamSchema>;
