// v1alpha7. Schemas are `<Type>Schema`, TS types are `<Type>`.
import type { Static } from "typebox";
import { clusterColumns } from "../common/kinds.ts";
import { defineVersion } from "../common/version.ts";
import {
  OpenStackClusterSpecSchema,
  OpenStackClusterStatusSchema,
  OpenStackMachineSpecSchema,
  OpenStackMachineStatusSchema,
} from "./types.ts";

export * from "./types.ts";

const parts = defineVersion({
  name: "v1alpha7",
  storage: false,
  deprecated: false,
  clusterSpec: OpenStackClusterSpecSchema,
  clusterStatus: OpenStackClusterStatusSchema,
  machineSpec: OpenStackMachineSpecSchema,
  machineStatus: OpenStackMachineStatusSchema,
  clusterColumns: clusterColumns,
});

export const {
  GroupVersion,
  apiVersion,
  OpenStackClusterSchema,
  OpenStackMachineSchema,
  OpenStackClusterTemplateSpecSchema,
  OpenStackClusterTemplateSchema,
  OpenStackMachineTemplateSpecSchema,
  OpenStackMachineTemplateSchema,
  OpenStackClusterListSchema,
  OpenStackMachineListSchema,
  OpenStackClusterTemplateListSchema,
  OpenStackMachineTemplateListSchema,
  kinds,
  version,
} = parts;

export type OpenStackCluster = Static<typeof OpenStackClusterSchema>;
export type OpenStackMachine = Static<typeof OpenStackMachineSchema>;
export type OpenStackClusterTemplateSpec = Static<typeof OpenStackClusterTemplateSpecSchema>;
export type OpenStackClusterTemplate = Static<typeof OpenStackClusterTemplateSchema>;
export type OpenStackMachineTemplateSpec = Static<typeof OpenStackMachineTemplateSpecSchema>;
export type OpenStackMachineTemplate = Static<typeof OpenStackMachineTemplateSchema>;
export type OpenStackClusterList = Static<typeof OpenStackClusterListSchema>;
export type OpenStackMachineList = Static<typeof OpenStackMachineListSchema>;
export type OpenStackClusterTemplateList = Static<typeof OpenStackClusterTemplateListSchema>;
export type OpenStackMachineTemplateList = Static<typeof OpenStackMachineTemplateListSchema>;
