// Facts shared by every API version: the group, the four kinds' names, printer columns, and the shape of
// the per-version `kinds` table that src/api/crd-gen.ts turns into CustomResourceDefinitions.
import type { TSchema } from "typebox";

export const Group = "infrastructure.cluster.x-k8s.io";

export const KindNames = {
  OpenStackCluster: {
    plural: "openstackclusters",
    singular: "openstackcluster",
    listKind: "OpenStackClusterList",
    shortNames: ["osc"],
    statusSubresource: true,
  },
  OpenStackClusterTemplate: {
    plural: "openstackclustertemplates",
    singular: "openstackclustertemplate",
    listKind: "OpenStackClusterTemplateList",
    shortNames: ["osct"],
    statusSubresource: false,
  },
  OpenStackMachine: {
    plural: "openstackmachines",
    singular: "openstackmachine",
    listKind: "OpenStackMachineList",
    shortNames: ["osm"],
    statusSubresource: true,
  },
  OpenStackMachineTemplate: {
    plural: "openstackmachinetemplates",
    singular: "openstackmachinetemplate",
    listKind: "OpenStackMachineTemplateList",
    shortNames: ["osmt"],
    statusSubresource: false,
  },
} as const;

export type KindName = keyof typeof KindNames;
export const kindNames = Object.keys(KindNames) as KindName[];

export interface PrinterColumn {
  name: string;
  type: "string" | "date" | "integer" | "number" | "boolean";
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindVersion {
  schema: TSchema;
  printerColumns: PrinterColumn[];
}

/** One API version as a CRD sees it. */
export interface ApiVersion {
  name: string;
  served: boolean;
  storage: boolean;
  /** CAPO marks old versions deprecated and warns on every request that uses them. */
  deprecated: boolean;
  kinds: Record<KindName, KindVersion>;
}

export function deprecationWarning(version: string, kind: KindName): string {
  return (
    `The ${version} version of ${kind} has been deprecated and will be removed in a future release ` +
    `of the API. Please upgrade.`
  );
}

const clusterNameColumn = (kind: string): PrinterColumn => ({
  name: "Cluster",
  type: "string",
  jsonPath: ".metadata.labels.cluster\\.x-k8s\\.io/cluster-name",
  description: `Cluster to which this ${kind} belongs`,
});
const ageColumn = (kind: string): PrinterColumn => ({
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: `Time duration since creation of ${kind}`,
});

/** OpenStackCluster columns from v1alpha7 on (v1alpha5/6 add a Subnet column, see below). */
export const clusterColumns: PrinterColumn[] = [
  clusterNameColumn("OpenStackCluster"),
  {
    name: "Ready",
    type: "string",
    jsonPath: ".status.ready",
    description: "Cluster infrastructure is ready for OpenStack instances",
  },
  {
    name: "Network",
    type: "string",
    jsonPath: ".status.network.id",
    description: "Network the cluster is using",
  },
  {
    name: "Endpoint",
    type: "string",
    jsonPath: ".spec.controlPlaneEndpoint.host",
    description: "API Endpoint",
    priority: 1,
  },
  {
    name: "Bastion IP",
    type: "string",
    jsonPath: ".status.bastion.floatingIP",
    description: "Bastion address for breakglass access",
  },
  ageColumn("OpenStackCluster"),
];

/** v1alpha5 and v1alpha6 had the cluster network's single subnet in status. */
export const legacyClusterColumns: PrinterColumn[] = [
  ...clusterColumns.slice(0, 3),
  {
    name: "Subnet",
    type: "string",
    jsonPath: ".status.network.subnet.id",
    description: "Subnet the cluster is using",
  },
  ...clusterColumns.slice(3),
];

export const machineColumns: PrinterColumn[] = [
  clusterNameColumn("OpenStackMachine"),
  {
    name: "InstanceState",
    type: "string",
    jsonPath: ".status.instanceState",
    description: "OpenStack instance state",
  },
  { name: "Ready", type: "string", jsonPath: ".status.ready", description: "Machine ready status" },
  { name: "ProviderID", type: "string", jsonPath: ".spec.providerID", description: "OpenStack instance ID" },
  {
    name: "Machine",
    type: "string",
    jsonPath: '.metadata.ownerReferences[?(@.kind=="Machine")].name',
    description: "Machine object which owns with this OpenStackMachine",
  },
  ageColumn("OpenStackMachine"),
];
