// What every OpenStackMachine step sees: the object, its CAPI Machine, the OpenStackCluster it runs in, the
// OpenStack client for its identity (its own identityRef, else the cluster's), events and the checkpoint.
import type * as infra from "../../api/v1beta1/index.ts";
import type { Live } from "../../api/common/object.ts";
import type { Recorder } from "../../cloud/recorder.ts";
import type { OpenStackClient } from "../../openstack/client.ts";
import type { Server } from "../../openstack/compute.ts";
import type { Logger } from "../../runtime/log.ts";
import type { KubeObject } from "../../runtime/object.ts";
import type { Checkpointed } from "../shared/steps.ts";

export type OpenStackMachine = Live<infra.OpenStackMachine>;
export type OpenStackCluster = Live<infra.OpenStackCluster>;

export interface MachineScope extends Checkpointed {
  readonly osm: OpenStackMachine;
  readonly machine: KubeObject;
  readonly osc: OpenStackCluster;
  /** The CAPI Cluster's name (the cluster-name label). */
  readonly clusterName: string;
  readonly os: OpenStackClient;
  readonly record: Recorder;
  readonly log: Logger;
  /** What this reconcile has read from the cloud, for later steps. */
  readonly seen: { server?: Server; flavorId?: string };
}

/** CAPO's condition types and reasons for OpenStackMachine (capo-behaviour §3.18; v1beta1 names). */
export const MachineConditions = {
  instance: "InstanceReady",
  ingress: "APIServerIngressReadyCondition",
} as const;

export const MACHINE_FINALIZER = "openstackmachine.infrastructure.cluster.x-k8s.io";

export function spec(s: MachineScope): infra.OpenStackMachineSpec {
  s.osm.spec ??= { flavor: "", image: {} };
  return s.osm.spec;
}

export function status(s: MachineScope): infra.OpenStackMachineStatus {
  s.osm.status ??= {};
  return s.osm.status;
}

export const isControlPlane = (s: MachineScope): boolean =>
  s.machine.metadata.labels?.["cluster.x-k8s.io/control-plane"] !== undefined;

/** Machine tags ∪ cluster tags, machine's first, as CAPO merges them. */
export const machineTags = (s: MachineScope): string[] => [
  ...new Set([...(spec(s).tags ?? []), ...(s.osc.spec?.tags ?? [])]),
];

export const failureDomain = (s: MachineScope): string | undefined => {
  const fd = (s.machine.spec as { failureDomain?: string } | undefined)?.failureDomain;
  return fd || undefined;
};
