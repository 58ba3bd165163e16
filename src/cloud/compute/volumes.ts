// The Cinder volumes of a machine: the root volume (boot from volume) and additional Volume devices. CAPO
// names them after the server and finds them by name, so a restarted reconcile adopts what an earlier one
// made. Created concurrently (CAPO #2431 made them one by one); the server waits until all are available.
import type * as infra from "../../api/v1beta1/index.ts";
import type { BlockStorageClient, Volume, VolumeCreate } from "../../openstack/blockstorage.ts";
import { ensureOne, resourceOf, settleAll } from "../ensure.ts";
import { Pending, UserError, parseOpenStackTime } from "../errors.ts";
import {
  blockDeviceDescription,
  blockDeviceVolumeName,
  rootVolumeDescription,
  rootVolumeName,
} from "../names.ts";
import type { Recorder } from "../recorder.ts";

export interface VolumeWant {
  /** "root" for the root volume, else the additional device's name (its block device tag). */
  device: string;
  root: boolean;
  name: string;
  description: string;
  sizeGiB: number;
  type?: string;
  availabilityZone?: string;
  /** The root volume is made from the machine's image. */
  imageRef?: string;
}

export type VolumeSpec = Pick<infra.OpenStackMachineSpec, "rootVolume" | "additionalBlockDevices">;

/** Pure. The root volume first (when the spec boots from volume), then additional Volume devices in order. */
export function volumeWants(
  server: string,
  spec: VolumeSpec,
  imageId: string,
  machineAZ?: string,
): VolumeWant[] {
  const out: VolumeWant[] = [];
  const root = spec.rootVolume;
  if (root && root.sizeGiB > 0)
    out.push({
      device: "root",
      root: true,
      name: rootVolumeName(server),
      description: rootVolumeDescription(server),
      sizeGiB: root.sizeGiB,
      imageRef: imageId,
      ...volumeOptions(root, machineAZ),
    });
  for (const dev of spec.additionalBlockDevices ?? []) {
    if (dev.storage.type !== "Volume") continue;
    out.push({
      device: dev.name,
      root: false,
      name: blockDeviceVolumeName(server, dev.name),
      description: blockDeviceDescription(server),
      sizeGiB: dev.sizeGiB,
      ...volumeOptions(dev.storage.volume ?? {}, machineAZ),
    });
  }
  return out;
}

/** No AZ block means no AZ (CAPO's code; its docs say otherwise); `from: Machine` is the machine's zone. */
function volumeOptions(v: infra.BlockDeviceVolume, machineAZ: string | undefined) {
  const az = v.availabilityZone;
  const zone = !az ? undefined : az.from === "Machine" ? machineAZ : az.name;
  return { ...(v.type ? { type: v.type } : {}), ...(zone ? { availabilityZone: zone } : {}) };
}

/**
 * Find (recorded ID, else Cinder's exact `name=`) or create one volume. An existing volume of another size is
 * the user's to fix: CAPO refuses it too. Calls: 1 when it exists, 2 when created.
 */
export async function ensureVolume(
  bs: BlockStorageClient,
  record: Recorder,
  want: VolumeWant,
  recordedId?: string,
): Promise<Volume> {
  const volume = resourceOf(
    await ensureOne<Volume>({
      kind: "volume",
      name: want.name,
      recordedId,
      whenGone: "recreate",
      get: (id) => bs.volumes.get(id, { ignoreNotFound: true }),
      listByName: (name) => bs.volumes.list({ name }),
      create: () => createVolume(bs, record, want),
    }),
  );
  if (volume.size !== want.sizeGiB)
    throw new UserError(
      "InstanceCreateFailed",
      `volume ${want.name} (${volume.id}) exists with size ${volume.size} GiB, want ${want.sizeGiB} GiB`,
    );
  return volume;
}

async function createVolume(bs: BlockStorageClient, record: Recorder, want: VolumeWant): Promise<Volume> {
  const body: VolumeCreate = {
    name: want.name,
    description: want.description,
    size: want.sizeGiB,
    ...(want.type ? { volume_type: want.type } : {}),
    ...(want.availabilityZone ? { availability_zone: want.availabilityZone } : {}),
    ...(want.imageRef ? { imageRef: want.imageRef } : {}),
  };
  try {
    const v = await bs.volumes.create(body);
    record("Normal", "SuccessfulCreateVolume", `Created volume ${want.name} with id ${v.id}`);
    return v;
  } catch (e) {
    record("Warning", "FailedCreateVolume", `Failed to create volume ${want.name}: ${(e as Error).message}`);
    throw e;
  }
}

/** All wants at once; the volumes in the order of `wants` (settleAll: no create left behind a failure). */
export async function ensureVolumes(
  bs: BlockStorageClient,
  record: Recorder,
  wants: VolumeWant[],
  recordedIds: (string | undefined)[] = [],
): Promise<Volume[]> {
  return settleAll(wants.map((w, i) => ensureVolume(bs, record, w, recordedIds[i])));
}

/** Minutes a volume may take to become available: CAPO's CLUSTER_API_OPENSTACK_INSTANCE_CREATE_TIMEOUT. */
export function volumeTimeoutMinutes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.CLUSTER_API_OPENSTACK_INSTANCE_CREATE_TIMEOUT);
  return Number.isFinite(n) && n > 0 ? n : 5;
}

/**
 * No call: judges volumes already fetched. All `available` → returns. `error` → UserError naming it. Still
 * creating (or any other state) → Pending since the oldest was created, until the timeout → UserError.
 */
export function volumesReady(
  volumes: Volume[],
  now = Date.now(),
  timeoutMinutes = volumeTimeoutMinutes(),
): void {
  const waiting = volumes.filter((v) => v.status !== "available");
  const broken = waiting.find((v) => v.status === "error");
  if (broken) throw new UserError("InstanceCreateFailed", `volume ${label(broken)} is in error state`);
  if (waiting.length === 0) return;
  const since = Math.min(...waiting.map((v) => parseOpenStackTime(v.created_at) ?? now));
  const late = waiting.find((v) => now - (parseOpenStackTime(v.created_at) ?? now) > timeoutMinutes * 60_000);
  if (late)
    throw new UserError(
      "InstanceCreateFailed",
      `volume ${label(late)} not available after ${timeoutMinutes} minutes (status ${late.status})`,
    );
  throw new Pending(
    `waiting for volumes ${waiting.map((v) => `${label(v)} (${v.status})`).join(", ")}`,
    since,
  );
}

const label = (v: Volume): string => v.name || v.id;

/**
 * Deletes the named volumes a server never took over (it deletes its own on termination). Calls: one list per
 * name, one DELETE per volume found; a volume already deleting is left alone. Returns how many were deleted.
 */
export async function deleteVolumes(
  bs: BlockStorageClient,
  record: Recorder,
  names: string[],
): Promise<number> {
  const found = (await Promise.all(names.map((name) => bs.volumes.list({ name })))).flat();
  const doomed = found.filter((v) => v.status !== "deleting");
  const deleted = await Promise.all(
    doomed.map(async (v) => {
      const gone = await bs.volumes.delete(v.id, { ignoreNotFound: true });
      if (gone) record("Normal", "SuccessfulDeleteVolume", `Deleted volume ${label(v)} with id ${v.id}`);
      return gone;
    }),
  );
  return deleted.filter(Boolean).length;
}
