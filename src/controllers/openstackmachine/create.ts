// The create steps of an OpenStackMachine (capo-behaviour §3.12-3.13 as CAPO v0.10 runs them in the machine
// controller): resolve the spec into status.resolved once, then the ports (each ID checkpointed before the
// next create), the volumes (all at once: CAPO #2431 made them one by one), then the one server. Waits on
// the cloud are Pending, never a poll.
import { Buffer } from "node:buffer";
import type * as infra from "../../api/v1beta1/index.ts";
import type { BlockDevice, ServerWant } from "../../cloud/compute/instance.ts";
import { ensureServer } from "../../cloud/compute/instance.ts";
import { resolveFlavor, resolveImage, resolveServerGroup } from "../../cloud/compute/resolve.ts";
import { ensureVolumes, volumesReady, volumeWants } from "../../cloud/compute/volumes.ts";
import { UserError } from "../../cloud/errors.ts";
import { adoptPorts, ensurePort, resolvePorts } from "../../cloud/networking/ports.ts";
import { resolveSecurityGroups } from "../../cloud/networking/security-group-params.ts";
import { ensureTrunk } from "../../cloud/networking/trunk.ts";
import type { Reader } from "../../runtime/cache.ts";
import { Secrets } from "../../runtime/resources.ts";
import type { KubeObject } from "../../runtime/object.ts";
import { clearCreateGuard, createGuard } from "../shared/in-flight.ts";
import type { Step } from "../shared/steps.ts";
import { named } from "../shared/steps.ts";
import type { MachineScope } from "./scope.ts";
import { failureDomain, isControlPlane, machineTags, spec, status } from "./scope.ts";

/** Once: image, server group and ports to IDs. The server, once it exists, never changes (spec is immutable). */
export const resolve: Step<MachineScope> = async (s) => {
  const st = status(s);
  if (st.resolved?.imageID && st.resolved.ports) return undefined;
  const sp = spec(s);
  const nw = s.os.network;
  const oscStatus = s.osc.status;
  const managed = isControlPlane(s) ? oscStatus?.controlPlaneSecurityGroup : oscStatus?.workerSecurityGroup;
  const net = oscStatus?.network;
  // The flavor too, so that a missing one fails before any port exists (v1beta1 status has no field for it).
  const [imageID, serverGroupID, machineSecurityGroupIds, flavor] = await Promise.all([
    resolveImage(s.os.image, sp.image),
    sp.serverGroup ? resolveServerGroup(s.os.compute, sp.serverGroup) : Promise.resolve(undefined),
    resolveSecurityGroups(nw, sp.securityGroups ?? []),
    resolveFlavor(s.os.compute, { name: sp.flavor }),
  ]);
  s.seen.flavorId = flavor.id;
  const ports = await resolvePorts(nw, {
    machineName: s.osm.metadata.name ?? "",
    clusterName: s.clusterName,
    ports: sp.ports,
    machineSecurityGroupIds,
    defaultSecurityGroupId: managed?.id,
    trunk: sp.trunk,
    tags: machineTags(s),
    clusterNetwork: net?.id ? { id: net.id, subnets: net.subnets ?? [] } : undefined,
  });
  st.resolved = { imageID, ...(serverGroupID ? { serverGroupID } : {}), ports };
  return undefined;
};

/** Ports in order; every new port's ID is in status before the next port (or the server) is created. */
export const ports: Step<MachineScope> = async (s) => {
  const st = status(s);
  const specs = st.resolved?.ports ?? [];
  const recorded = (st.resources?.ports ?? []).map((p) => p.id);
  if (recorded.length < specs.length && !st.instanceID) {
    recorded.push(...(await adoptPorts(s.os.network, specs, recorded)));
    st.resources = { ports: recorded.map((id) => ({ id })) };
  }
  if (st.instanceID && recorded.length === specs.length) return undefined;
  for (const [i, p] of specs.entries()) {
    const port = await ensurePort(
      s.os.network,
      s.record,
      p,
      recorded[i],
      createGuard(s.osm, p.name, () => s.checkpoint()),
    );
    if (recorded[i] !== port.id) {
      recorded[i] = port.id;
      st.resources = { ports: recorded.map((id) => ({ id })) };
      clearCreateGuard(s.osm);
      await s.checkpoint();
    }
    if (p.trunk) await ensureTrunk(s.os.network, s.record, port, p);
  }
  return undefined;
};

async function bootstrapData(reader: Reader, s: MachineScope): Promise<Uint8Array> {
  const name = (s.machine.spec as { bootstrap?: { dataSecretName?: string } } | undefined)?.bootstrap
    ?.dataSecretName;
  const secret = name
    ? await reader.get<KubeObject & { data?: Record<string, string> }>(
        Secrets,
        s.osm.metadata.namespace ?? "",
        name,
      )
    : undefined;
  const value = secret?.data?.value;
  if (value === undefined)
    throw new UserError(
      "InstanceCreateFailed",
      `bootstrap data secret ${name ?? "(unset)"} has no key value`,
    );
  return Buffer.from(value, "base64");
}

function blockDevices(sp: infra.OpenStackMachineSpec, volumeIds: Map<string, string>): BlockDevice[] {
  const out: BlockDevice[] = [];
  const root = volumeIds.get("root");
  if (root) out.push({ kind: "rootVolume", volumeId: root });
  for (const d of sp.additionalBlockDevices ?? []) {
    const id = volumeIds.get(d.name);
    if (d.storage.type === "Volume" && id) out.push({ kind: "volume", name: d.name, volumeId: id });
    else if (d.storage.type === "Local") out.push({ kind: "local", name: d.name, sizeGiB: d.sizeGiB });
  }
  return out;
}

/** Exactly one server per machine: recorded ID, else exact name, else create (CAPO #2181, #2088). */
export function server(reader: Reader): Step<MachineScope> {
  return named(async (s) => {
    const st = status(s);
    const name = s.osm.metadata.name ?? "";
    if (st.instanceID) {
      const found = await s.os.compute.getServer(st.instanceID, { ignoreNotFound: true });
      if (!found) return instanceDeleted(s);
      s.seen.server = found;
      return undefined;
    }
    const got = await ensureServer(
      s.os.compute,
      s.record,
      { name, inFlight: createGuard(s.osm, name, () => s.checkpoint()) },
      () => serverWant(reader, s),
    );
    if (got.state === "gone") return instanceDeleted(s);
    st.instanceID = got.resource.id;
    clearCreateGuard(s.osm);
    await s.checkpoint();
    // A create answers with the ID only; the state step reads the server once it may have moved on.
    if (got.state !== "created") s.seen.server = got.resource;
    return undefined;
  }, server);
}

/** Only before a create: the volumes (all available), the flavor and the bootstrap data. */
async function serverWant(reader: Reader, s: MachineScope): Promise<ServerWant> {
  const st = status(s);
  const sp = spec(s);
  const name = s.osm.metadata.name ?? "";
  const resolved = st.resolved as infra.ResolvedMachineSpec;
  const wants = volumeWants(name, sp, resolved.imageID ?? "", failureDomain(s));
  const volumes = await ensureVolumes(s.os.blockStorage, s.record, wants);
  volumesReady(volumes);
  const flavorId = s.seen.flavorId ?? (await resolveFlavor(s.os.compute, { name: sp.flavor })).id;
  return {
    name,
    flavorId,
    imageId: resolved.imageID ?? "",
    portIds: (st.resources?.ports ?? []).map((p) => p.id),
    userData: await bootstrapData(reader, s),
    availabilityZone: failureDomain(s),
    keyName: sp.sshKeyName || undefined,
    metadata: Object.fromEntries((sp.serverMetadata ?? []).map((m) => [m.key, m.value])),
    tags: machineTags(s),
    configDrive: sp.configDrive,
    serverGroupId: resolved.serverGroupID,
    blockDevices: blockDevices(sp, new Map(volumes.map((v, i) => [wants[i]?.device ?? "", v.id]))),
  };
}

/** A server deleted out of band is reported, never silently recreated (MachineHealthCheck remediates). */
function instanceDeleted(s: MachineScope): never {
  status(s).instanceState = "DELETED";
  status(s).ready = false;
  throw new UserError("InstanceDeleted", "The server was unexpectedly deleted");
}
