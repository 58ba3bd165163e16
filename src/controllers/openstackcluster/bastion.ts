// The bastion, as CAPO v0.10's cluster controller runs it itself (capo-behaviour §3.11, historical note):
// a server `<cluster>-bastion` on the cluster network with the bastion security group and a floating IP.
// A change of its spec (tracked, as v0.10 did, by a hash in the bastion-hash annotation) deletes and
// recreates it; disabling it deletes it. Ports and server are checkpointed like a machine's.
import { createHash } from "node:crypto";
import type * as infra from "../../api/v1beta1/index.ts";
import { serverAddresses } from "../../cloud/compute/addresses.ts";
import { deleteServer, ensureServer, instanceState } from "../../cloud/compute/instance.ts";
import { resolveFlavor, resolveImage } from "../../cloud/compute/resolve.ts";
import { UserError } from "../../cloud/errors.ts";
import { bastionName, clusterDescription } from "../../cloud/names.ts";
import {
  associateFloatingIP,
  deleteFloatingIP,
  ensureFloatingIP,
} from "../../cloud/networking/floating-ip.ts";
import { deletePorts, ensurePort, resolvePorts } from "../../cloud/networking/ports.ts";
import { resolveSecurityGroups } from "../../cloud/networking/security-group-params.ts";
import { clearCreateGuard, createGuard } from "../shared/in-flight.ts";
import type { Step } from "../shared/steps.ts";
import { named } from "../shared/steps.ts";
import { deleteCondition } from "../../runtime/conditions.ts";
import type { ClusterScope } from "./scope.ts";
import { Conditions, conditionGroup, spec, status } from "./scope.ts";
import { bastionEnabled } from "./security-groups.ts";

export const BASTION_HASH_ANNOTATION = "infrastructure.cluster.x-k8s.io/bastion-hash";

const bastionSpec = (s: ClusterScope): infra.OpenStackMachineSpec | undefined => spec(s).bastion?.spec;

function specHash(s: ClusterScope): string {
  const b = spec(s).bastion;
  return createHash("sha256")
    .update(JSON.stringify({ spec: b?.spec, availabilityZone: b?.availabilityZone }))
    .digest("hex")
    .slice(0, 16);
}

const recordedHash = (s: ClusterScope): string | undefined =>
  s.osc.metadata.annotations?.[BASTION_HASH_ANNOTATION];

/** Disabled, removed, or changed since it was made: the bastion goes (and comes back if still enabled). */
const retire: Step<ClusterScope> = async (s) => {
  const st = status(s);
  if (!st.bastion) return undefined;
  const changed = bastionEnabled(s) && st.bastion.id !== undefined && recordedHash(s) !== specHash(s);
  if (bastionEnabled(s) && !changed) return undefined;
  await deleteBastion(s);
  // Disabled: the security group step removes the bastion's group on the next pass, now that nothing uses it.
  return bastionEnabled(s) ? undefined : { requeueAfter: 1000 };
};

const resolve: Step<ClusterScope> = async (s) => {
  const st = status(s);
  const bs = bastionSpec(s);
  if (!bastionEnabled(s) || !bs || st.bastion?.resolved?.ports) return undefined;
  const net = st.network;
  const [imageID, machineSecurityGroupIds] = await Promise.all([
    resolveImage(s.os.image, bs.image),
    resolveSecurityGroups(s.os.network, bs.securityGroups ?? []),
  ]);
  const ports = await resolvePorts(s.os.network, {
    machineName: bastionName(s.ref.name),
    clusterName: s.ref.name,
    ports: bs.ports,
    machineSecurityGroupIds,
    defaultSecurityGroupId: st.bastionSecurityGroup?.id,
    trunk: bs.trunk,
    tags: tags(s),
    clusterNetwork: net?.id ? { id: net.id, subnets: net.subnets ?? [] } : undefined,
  });
  st.bastion = { ...st.bastion, name: bastionName(s.ref.name), resolved: { imageID, ports } };
  return undefined;
};

const tags = (s: ClusterScope): string[] => [
  ...new Set([...(bastionSpec(s)?.tags ?? []), ...(spec(s).tags ?? [])]),
];

const ports: Step<ClusterScope> = async (s) => {
  const b = status(s).bastion;
  if (!bastionEnabled(s) || !b?.resolved?.ports || b.id) return undefined;
  const recorded = (b.resources?.ports ?? []).map((p) => p.id);
  for (const [i, p] of b.resolved.ports.entries()) {
    const port = await ensurePort(
      s.os.network,
      s.record,
      p,
      recorded[i],
      createGuard(s.osc, p.name, () => s.checkpoint()),
    );
    if (recorded[i] === port.id) continue;
    recorded[i] = port.id;
    b.resources = { ports: recorded.map((id) => ({ id })) };
    clearCreateGuard(s.osc);
    await s.checkpoint();
  }
  return undefined;
};

const server: Step<ClusterScope> = async (s) => {
  const b = status(s).bastion;
  const bs = bastionSpec(s);
  if (!bastionEnabled(s) || !bs || !b?.resolved) return undefined;
  const name = bastionName(s.ref.name);
  const recordedId = b.id;
  const got = await ensureServer(
    s.os.compute,
    s.record,
    { name, recordedId, inFlight: createGuard(s.osc, name, () => s.checkpoint()) },
    async () => ({
      name,
      flavorId: (await resolveFlavor(s.os.compute, { name: bs.flavor })).id,
      imageId: b.resolved?.imageID ?? "",
      portIds: (b.resources?.ports ?? []).map((p) => p.id),
      availabilityZone: spec(s).bastion?.availabilityZone,
      keyName: bs.sshKeyName || undefined,
      metadata: Object.fromEntries((bs.serverMetadata ?? []).map((m) => [m.key, m.value])),
      tags: tags(s),
      configDrive: bs.configDrive,
      blockDevices: [],
    }),
  );
  if (got.state === "gone") {
    // Unlike a machine's, a bastion has no MachineHealthCheck: one deleted out of band is made again.
    delete b.id;
    throw new UserError(
      Conditions.bastion.failed,
      `bastion server ${recordedId ?? name} was deleted; recreating`,
    );
  }
  b.id = got.resource.id;
  b.sshKeyName = bs.sshKeyName;
  clearCreateGuard(s.osc);
  s.osc.metadata.annotations = { ...s.osc.metadata.annotations, [BASTION_HASH_ANNOTATION]: specHash(s) };
  await s.checkpoint();
  const full = "status" in got.resource ? got.resource : await s.os.compute.getServer(got.resource.id);
  b.state = full.status;
  if (instanceState(full) !== "ready") return { requeueAfter: 60_000 };
  b.ip = serverAddresses(full).find((a) => a.type === "InternalIP")?.address;
  return undefined;
};

const floatingIP: Step<ClusterScope> = async (s) => {
  const st = status(s);
  const b = st.bastion;
  const port = b?.resources?.ports?.[0]?.id;
  if (!bastionEnabled(s) || !b?.id || !port || spec(s).disableExternalNetwork || !st.externalNetwork?.id)
    return undefined;
  if (
    b.floatingIP &&
    recordedHash(s) === specHash(s) &&
    b.state === "ACTIVE" &&
    b.floatingIP === bastionFIPDone(s)
  )
    return undefined;
  const fip = await ensureFloatingIP(
    s.os.network,
    s.record,
    {
      networkId: st.externalNetwork.id,
      address: spec(s).bastion?.floatingIP,
      description: clusterDescription(s.ref),
      tags: spec(s).tags ?? [],
      purpose: bastionName(s.ref.name),
    },
    b.floatingIP,
  );
  b.floatingIP = fip.floating_ip_address;
  await s.checkpoint();
  await associateFloatingIP(s.os.network, s.record, fip, port);
  s.osc.metadata.annotations = {
    ...s.osc.metadata.annotations,
    [FIP_DONE_ANNOTATION]: fip.floating_ip_address,
  };
  return undefined;
};

/** The bastion FIP last associated: set after the association, so a crash in between redoes it. */
const FIP_DONE_ANNOTATION = "infrastructure.cluster.x-k8s.io/bastion-floating-ip";
const bastionFIPDone = (s: ClusterScope): string | undefined =>
  s.osc.metadata.annotations?.[FIP_DONE_ANNOTATION];

export const bastionSteps: Step<ClusterScope>[] = conditionGroup(Conditions.bastion, [
  retire,
  resolve,
  ports,
  server,
  floatingIP,
]).map((step) =>
  named(async (s) => {
    if (bastionEnabled(s) || status(s).bastion) return step(s);
    deleteCondition(s.osc, Conditions.bastion.type);
    return undefined;
  }, step),
);

/** Floating IP (unless the user's), server, ports; then the status and annotations go. */
export async function deleteBastion(s: ClusterScope): Promise<undefined> {
  const st = status(s);
  const b = st.bastion;
  const keep = spec(s).bastion?.floatingIP;
  if (b?.floatingIP && b.floatingIP !== keep)
    await deleteFloatingIP(s.os.network, s.record, { address: b.floatingIP });
  const name = bastionName(s.ref.name);
  await deleteServer(s.os.compute, s.record, { id: b?.id, name });
  await deletePorts(s.os.network, s.record, {
    ids: (b?.resources?.ports ?? []).map((p) => p.id),
    names: b?.resolved?.ports?.map((p) => p.name) ?? [`${name}-0`],
    trunkSupported: false,
  });
  delete st.bastion;
  const {
    [BASTION_HASH_ANNOTATION]: _h,
    [FIP_DONE_ANNOTATION]: _f,
    ...rest
  } = s.osc.metadata.annotations ?? {};
  s.osc.metadata.annotations = rest;
  return undefined;
}
