// Resources the runtime itself reads or writes, plus the Cluster API kinds the CAPO controllers watch.
import type { Resource } from "./object.ts";

export const ConfigMaps: Resource = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};
export const Secrets: Resource = {
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
};
export const Events: Resource = {
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  namespaced: true,
};
export const Namespaces: Resource = {
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
};
export const Leases: Resource = {
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
};
export const CustomResourceDefinitions: Resource = {
  group: "apiextensions.k8s.io",
  version: "v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
};

export const CAPI_GROUP = "cluster.x-k8s.io";
export const Clusters: Resource = {
  group: CAPI_GROUP,
  version: "v1beta1",
  kind: "Cluster",
  plural: "clusters",
  namespaced: true,
};
export const Machines: Resource = {
  group: CAPI_GROUP,
  version: "v1beta1",
  kind: "Machine",
  plural: "machines",
  namespaced: true,
};

export const INFRA_GROUP = "infrastructure.cluster.x-k8s.io";
export const OpenStackClusters: Resource = {
  group: INFRA_GROUP,
  version: "v1beta1",
  kind: "OpenStackCluster",
  plural: "openstackclusters",
  namespaced: true,
};
export const OpenStackMachines: Resource = {
  group: INFRA_GROUP,
  version: "v1beta1",
  kind: "OpenStackMachine",
  plural: "openstackmachines",
  namespaced: true,
};
