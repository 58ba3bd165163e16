// v1beta1: the hub and storage version. Schemas are `<Type>Schema`, TS types are `<Type>`.
import type { Static } from "typebox";
import { clusterColumns, Group, machineColumns, type ApiVersion } from "../common/kinds.ts";
import { listObject, rootObject, rootObjectWithoutStatus, templateSpec } from "../common/object.ts";
import { OpenStackClusterSpecSchema, OpenStackClusterStatusSchema } from "./cluster.ts";
import { OpenStackMachineSpecSchema, OpenStackMachineStatusSchema } from "./machine.ts";

export * from "./filters.ts";
export * from "./machine.ts";
export * from "./cluster.ts";

export const GroupVersion = { group: Group, version: "v1beta1" } as const;
export const apiVersion = `${Group}/v1beta1` as const;

export const OpenStackClusterSchema = rootObject(
  "OpenStackCluster is the Schema for the openstackclusters API.",
  OpenStackClusterSpecSchema,
  OpenStackClusterStatusSchema,
);
export type OpenStackCluster = Static<typeof OpenStackClusterSchema>;

export const OpenStackMachineSchema = rootObject(
  "OpenStackMachine is the Schema for the openstackmachines API.",
  OpenStackMachineSpecSchema,
  OpenStackMachineStatusSchema,
);
export type OpenStackMachine = Static<typeof OpenStackMachineSchema>;

export const OpenStackClusterTemplateSpecSchema = templateSpec(
  "OpenStackCluster",
  OpenStackClusterSpecSchema,
);
export type OpenStackClusterTemplateSpec = Static<typeof OpenStackClusterTemplateSpecSchema>;
export const OpenStackClusterTemplateSchema = rootObjectWithoutStatus(
  "OpenStackClusterTemplate is the Schema for the openstackclustertemplates API.",
  OpenStackClusterTemplateSpecSchema,
);
export type OpenStackClusterTemplate = Static<typeof OpenStackClusterTemplateSchema>;

export const OpenStackMachineTemplateSpecSchema = templateSpec(
  "OpenStackMachine",
  OpenStackMachineSpecSchema,
);
export type OpenStackMachineTemplateSpec = Static<typeof OpenStackMachineTemplateSpecSchema>;
export const OpenStackMachineTemplateSchema = rootObjectWithoutStatus(
  "OpenStackMachineTemplate is the Schema for the openstackmachinetemplates API.",
  OpenStackMachineTemplateSpecSchema,
);
export type OpenStackMachineTemplate = Static<typeof OpenStackMachineTemplateSchema>;

export const OpenStackClusterListSchema = listObject(OpenStackClusterSchema);
export type OpenStackClusterList = Static<typeof OpenStackClusterListSchema>;
export const OpenStackMachineListSchema = listObject(OpenStackMachineSchema);
export type OpenStackMachineList = Static<typeof OpenStackMachineListSchema>;
export const OpenStackClusterTemplateListSchema = listObject(OpenStackClusterTemplateSchema);
export type OpenStackClusterTemplateList = Static<typeof OpenStackClusterTemplateListSchema>;
export const OpenStackMachineTemplateListSchema = listObject(OpenStackMachineTemplateSchema);
export type OpenStackMachineTemplateList = Static<typeof OpenStackMachineTemplateListSchema>;

export const kinds = {
  OpenStackCluster: { schema: OpenStackClusterSchema, printerColumns: clusterColumns },
  OpenStackClusterTemplate: { schema: OpenStackClusterTemplateSchema, printerColumns: [] },
  OpenStackMachine: { schema: OpenStackMachineSchema, printerColumns: machineColumns },
  OpenStackMachineTemplate: { schema: OpenStackMachineTemplateSchema, printerColumns: [] },
} satisfies ApiVersion["kinds"];

export const version: ApiVersion = { name: "v1beta1", served: true, storage: true, deprecated: false, kinds };
