// The OpenStackMachine reconciler (capo-behaviour §3.12-3.13, CAPO v0.10): find the CAPI Machine, Cluster
// and OpenStackCluster; wait for the cluster's infrastructure and the bootstrap data; then resolve, ports,
// server and its state, API ingress — or, on delete, the reverse — with a checkpoint after every step.
import type { Scopes } from "../../cloud/identity.ts";
import type { Recorder } from "../../cloud/recorder.ts";
import type { Reader } from "../../runtime/cache.ts";
import { getCondition, isTrue, markFalse, READY, setSummary } from "../../runtime/conditions.ts";
import type { Reconciler } from "../../runtime/controller.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import type { KubeClient } from "../../runtime/kube.ts";
import { field } from "../../runtime/object.ts";
import { addFinalizer, removeFinalizer } from "../../runtime/patch.ts";
import { CLUSTER_NAME_LABEL } from "../../runtime/predicates.ts";
import { Clusters, OpenStackClusters, OpenStackMachines } from "../../runtime/resources.ts";
import { infrastructureRef } from "../../runtime/mappers.ts";
import { handleStepError } from "../shared/classify.ts";
import { AUTH_FAILED, openStackClient } from "../shared/credentials.ts";
import { ownerMachine } from "../shared/owner.ts";
import type { Step } from "../shared/steps.ts";
import { named, runSteps, withPatch } from "../shared/steps.ts";
import { ports, resolve, server } from "./create.ts";
import { machineDeleteSteps } from "./delete.ts";
import { ingress } from "./ingress.ts";
import { state } from "./instance.ts";
import type { MachineScope, OpenStackCluster, OpenStackMachine } from "./scope.ts";
import { isControlPlane, MACHINE_FINALIZER, MachineConditions } from "./scope.ts";

export interface MachineReconcilerDeps {
  reader: Reader;
  client: KubeClient;
  recorder: EventRecorder;
  scopes: Scopes;
}

/** Failures of a create step show on InstanceReady, with the reason CAPO gives that step's failures. */
function onInstance(failedReason: string, step: Step<MachineScope>): Step<MachineScope> {
  return named(async (s) => {
    try {
      return await step(s);
    } catch (e) {
      const failure = { obj: s.osm, record: s.record, condition: MachineConditions.instance, failedReason };
      return handleStepError({ ...failure, waitingReason: "InstanceNotReady" }, e);
    }
  }, step);
}

const finalizer: Step<MachineScope> = (s) => {
  addFinalizer(s.osm, MACHINE_FINALIZER);
  return Promise.resolve(undefined);
};

const createSteps = (reader: Reader): Step<MachineScope>[] => [
  finalizer,
  onInstance("DependencyFailed", resolve),
  onInstance("PortCreateFailed", ports),
  onInstance("InstanceCreateFailed", server(reader)),
  onInstance("InstanceStateError", state),
  ingress,
];

const deleteSteps = machineDeleteSteps.map((step) => onInstance("InstanceDeleteFailed", step));

interface Found {
  osm: OpenStackMachine;
  machine: NonNullable<Awaited<ReturnType<typeof ownerMachine>>>;
  osc: OpenStackCluster | undefined;
  clusterName: string;
}

async function find(reader: Reader, namespace: string, name: string): Promise<Found | undefined> {
  const osm = await reader.get<OpenStackMachine>(OpenStackMachines, namespace, name);
  if (!osm) return undefined;
  // A Machine deleted before its OpenStackMachine (its finalizer forced off) must not leave this one stuck
  // (CAPO waits for an owner forever): a delete goes on with what the OpenStackMachine's labels tell.
  const machine =
    (await ownerMachine(reader, osm)) ??
    (osm.metadata.deletionTimestamp ? { metadata: { labels: osm.metadata.labels ?? {} } } : undefined);
  if (!machine) return undefined;
  const clusterName =
    machine.metadata.labels?.[CLUSTER_NAME_LABEL] ??
    (field(machine, "spec", "clusterName") as string | undefined) ??
    "";
  const cluster = await reader.get(Clusters, namespace, clusterName);
  const ref = cluster && infrastructureRef(cluster, OpenStackClusters);
  const osc = ref ? await reader.get<OpenStackCluster>(OpenStackClusters, namespace, ref.name) : undefined;
  return { osm, machine, osc, clusterName };
}

/** Why the machine cannot start yet, set on InstanceReady; undefined when it can. */
function waitingFor(f: Found): string | undefined {
  if (!f.osc?.status?.ready) {
    markFalse(f.osm, MachineConditions.instance, "WaitingForClusterInfrastructure", "Info", "");
    return "cluster infrastructure";
  }
  if (!field(f.machine, "spec", "bootstrap", "dataSecretName")) {
    markFalse(f.osm, MachineConditions.instance, "WaitingForBootstrapData", "Info", "");
    return "bootstrap data";
  }
  return undefined;
}

/**
 * Ready from InstanceReady and, for a control plane, APIServerIngressReadyCondition. The ingress step runs after
 * the server is ACTIVE, so a control plane without that condition yet is not Ready: a reader would otherwise
 * see it Ready before it is in the API load balancer or has the API floating IP.
 */
function summarise(s: MachineScope): void {
  setSummary(s.osm, { conditions: [MachineConditions.instance, MachineConditions.ingress] });
  if (isControlPlane(s) && !getCondition(s.osm, MachineConditions.ingress) && isTrue(s.osm, READY))
    markFalse(
      s.osm,
      READY,
      "WaitingForAPIServerIngress",
      "Info",
      "the API server's ingress is not set up yet",
    );
}

export function openStackMachineReconciler(d: MachineReconcilerDeps): Reconciler {
  return {
    async reconcile(req, ctx) {
      const f = await find(d.reader, req.namespace, req.name);
      if (!f) return undefined;
      const { osm, osc } = f;
      const deleting = osm.metadata.deletionTimestamp !== undefined;
      if (deleting && !osm.metadata.finalizers?.includes(MACHINE_FINALIZER)) return undefined;
      return withPatch(d.client, OpenStackMachines, osm, async (patch) => {
        if (!deleting && waitingFor(f)) {
          setSummary(osm, { conditions: [MachineConditions.instance] });
          return undefined;
        }
        const record: Recorder = (type, reason, message) => {
          d.recorder.event(osm, type, reason, message);
        };
        // Nothing can exist on the cloud before the cluster's network does (CAPO's delete shortcut).
        if (
          deleting &&
          !osc?.status?.network &&
          !osm.status?.instanceID &&
          !osm.status?.resources?.ports?.length
        ) {
          removeFinalizer(osm, MACHINE_FINALIZER);
          return undefined;
        }
        const identity = osm.spec?.identityRef ?? osc?.spec?.identityRef;
        let os;
        try {
          os = await openStackClient(d.reader, d.scopes, req.namespace, identity);
        } catch (e) {
          const failure = {
            obj: osm,
            record,
            condition: MachineConditions.instance,
            failedReason: AUTH_FAILED,
          };
          return handleStepError(failure, e);
        }
        const s: MachineScope = {
          osm,
          machine: f.machine,
          osc: osc as OpenStackCluster,
          clusterName: f.clusterName,
          os,
          record,
          log: ctx.log,
          seen: {},
          // Ready is summarised at every write, so no reader sees new step conditions beside an old Ready.
          checkpoint: () => {
            if (!deleting) summarise(s);
            return patch.patch(osm);
          },
        };
        const result = await runSteps(s, deleting ? deleteSteps : createSteps(d.reader));
        if (!deleting) summarise(s);
        return result;
      });
    },
  };
}
