// Deleting an OpenStackMachine (capo-behaviour §3.12-3.13 delete): its LB members or API floating IP and the
// server (until Nova says it is gone, or SOFT_DELETED), its trunks and ports (recorded, and found by name
// for a status lost to a crash or clusterctl move), its volumes (also when the server never came up), and
// the finalizer last.
import { blockDeviceVolumeName, portName, rootVolumeName } from "../../cloud/names.ts";
import { deleteServer } from "../../cloud/compute/instance.ts";
import { deleteVolumes } from "../../cloud/compute/volumes.ts";
import { deletePorts } from "../../cloud/networking/ports.ts";
import { trunkSupported } from "../../cloud/networking/trunk.ts";
import { removeFinalizer } from "../../runtime/patch.ts";
import type { Step } from "../shared/steps.ts";
import { together } from "../shared/steps.ts";
import { releaseIngress } from "./ingress.ts";
import type { MachineScope } from "./scope.ts";
import { MACHINE_FINALIZER, spec, status } from "./scope.ts";

const ingress: Step<MachineScope> = async (s) => {
  await releaseIngress(s);
  return undefined;
};

const server: Step<MachineScope> = async (s) => {
  const st = status(s);
  await deleteServer(s.os.compute, s.record, { id: st.instanceID, name: s.osm.metadata.name ?? "" });
  delete st.instanceID;
  st.instanceState = "DELETED";
  st.ready = false;
  return undefined;
};

const ports: Step<MachineScope> = async (s) => {
  const st = status(s);
  const name = s.osm.metadata.name ?? "";
  const specs = st.resolved?.ports;
  const names =
    specs?.map((p) => p.name) ?? (spec(s).ports ?? [{}]).map((p, i) => portName(name, i, p.nameSuffix));
  await deletePorts(s.os.network, s.record, {
    ids: (st.resources?.ports ?? []).map((p) => p.id),
    names,
    networkIds: specs?.map((p) => p.networkID),
    trunkSupported: await trunkSupported(s.os.network),
  });
  st.resources = { ports: [] };
  return undefined;
};

const volumes: Step<MachineScope> = async (s) => {
  const name = s.osm.metadata.name ?? "";
  const sp = spec(s);
  const names = [
    ...(sp.rootVolume ? [rootVolumeName(name)] : []),
    ...(sp.additionalBlockDevices ?? [])
      .filter((d) => d.storage.type === "Volume")
      .map((d) => blockDeviceVolumeName(name, d.name)),
  ];
  if (names.length > 0) await deleteVolumes(s.os.blockStorage, s.record, names);
  return undefined;
};

const finalizer: Step<MachineScope> = (s) => {
  removeFinalizer(s.osm, MACHINE_FINALIZER);
  return Promise.resolve(undefined);
};

// The members go one change at a time per load balancer (three control planes leaving take seconds), while
// Nova deletes the server: a member only names an address, whose port goes after both.
export const machineDeleteSteps: Step<MachineScope>[] = [
  together(ingress, server),
  ports,
  volumes,
  finalizer,
];
