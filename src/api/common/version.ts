// Builds one API version's root kinds (cluster, machine, their templates and lists) and its `ApiVersion`
// entry from the version's spec and status schemas: the envelope is the same in every version.
import type { TSchema } from "typebox";
import { Group, machineColumns, type ApiVersion, type PrinterColumn } from "./kinds.ts";
import { listObject, rootObject, rootObjectWithoutStatus, templateSpec } from "./object.ts";

export interface VersionParts<
  N extends string,
  CS extends TSchema,
  CSt extends TSchema,
  MS extends TSchema,
  MSt extends TSchema,
> {
  name: N;
  storage: boolean;
  deprecated: boolean;
  clusterSpec: CS;
  clusterStatus: CSt;
  machineSpec: MS;
  machineStatus: MSt;
  clusterColumns: PrinterColumn[];
}

export function defineVersion<
  N extends string,
  CS extends TSchema,
  CSt extends TSchema,
  MS extends TSchema,
  MSt extends TSchema,
>(parts: VersionParts<N, CS, CSt, MS, MSt>) {
  const OpenStackClusterSchema = rootObject(
    "OpenStackCluster is the Schema for the openstackclusters API.",
    parts.clusterSpec,
    parts.clusterStatus,
  );
  const OpenStackMachineSchema = rootObject(
    "OpenStackMachine is the Schema for the openstackmachines API.",
    parts.machineSpec,
    parts.machineStatus,
  );
  const OpenStackClusterTemplateSpecSchema = templateSpec("OpenStackCluster", parts.clusterSpec);
  const OpenStackClusterTemplateSchema = rootObjectWithoutStatus(
    "OpenStackClusterTemplate is the Schema for the openstackclustertemplates API.",
    OpenStackClusterTemplateSpecSchema,
  );
  const OpenStackMachineTemplateSpecSchema = templateSpec("OpenStackMachine", parts.machineSpec);
  const OpenStackMachineTemplateSchema = rootObjectWithoutStatus(
    "OpenStackMachineTemplate is the Schema for the openstackmachinetemplates API.",
    OpenStackMachineTemplateSpecSchema,
  );
  const version: ApiVersion = {
    name: parts.name,
    served: true,
    storage: parts.storage,
    deprecated: parts.deprecated,
    kinds: {
      OpenStackCluster: { schema: OpenStackClusterSchema, printerColumns: parts.clusterColumns },
      OpenStackClusterTemplate: { schema: OpenStackClusterTemplateSchema, printerColumns: [] },
      OpenStackMachine: { schema: OpenStackMachineSchema, printerColumns: machineColumns },
      OpenStackMachineTemplate: { schema: OpenStackMachineTemplateSchema, printerColumns: [] },
    },
  };
  return {
    GroupVersion: { group: Group, version: parts.name } as const,
    apiVersion: `${Group}/${parts.name}` as const,
    OpenStackClusterSchema,
    OpenStackMachineSchema,
    OpenStackClusterTemplateSpecSchema,
    OpenStackClusterTemplateSchema,
    OpenStackMachineTemplateSpecSchema,
    OpenStackMachineTemplateSchema,
    OpenStackClusterListSchema: listObject(OpenStackClusterSchema),
    OpenStackMachineListSchema: listObject(OpenStackMachineSchema),
    OpenStackClusterTemplateListSchema: listObject(OpenStackClusterTemplateSchema),
    OpenStackMachineTemplateListSchema: listObject(OpenStackMachineTemplateSchema),
    kinds: version.kinds,
    version,
  };
}
