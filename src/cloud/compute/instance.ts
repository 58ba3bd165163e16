// The Nova server of a machine or bastion. Exactly one server per machine whatever happens (CAPO #2181, #2088):
// the recorded ID is trusted and never recreated when it 404s; without one the exact name decides (one →
// adopt, several → error, none → create), and the create POST is retried only when a name probe proves
// nothing was created. Nothing here waits: BUILD and deleting are Pending, for the reconciler to requeue.
import type {
  BlockDeviceMapping,
  ComputeClient,
  Server,
  ServerCreate,
  ServerCreateOptions,
} from "../../openstack/compute.ts";
import { exactName } from "../../openstack/compute.ts";
import { DuplicateResourceError, Pending, UserError, parseOpenStackTime } from "../errors.ts";
import { ensureOne, type EnsureSpec } from "../ensure.ts";
import type { Recorder } from "../recorder.ts";

export type BlockDevice =
  /** Boot from this volume (the root volume). */
  | { kind: "rootVolume"; volumeId: string }
  /** An additional Cinder volume; `name` is the device name, sent as the BDM tag. */
  | { kind: "volume"; name: string; volumeId: string }
  /** An additional ephemeral disk on the hypervisor. */
  | { kind: "local"; name: string; sizeGiB: number };

export interface ServerWant {
  name: string;
  flavorId: string;
  imageId: string;
  portIds: string[];
  /** The bootstrap data as bytes (the Secret's `value`); base64-encoded here, as Nova takes it. */
  userData?: Uint8Array | undefined;
  availabilityZone?: string | undefined;
  keyName?: string | undefined;
  metadata: Record<string, string>;
  tags: string[];
  configDrive?: boolean | undefined;
  serverGroupId?: string | undefined;
  blockDevices: BlockDevice[];
}

/** Pure: Nova's create body and options (scheduler hint). The client picks microversion 2.53 for tags. */
export function serverCreateBody(want: ServerWant): { server: ServerCreate; options: ServerCreateOptions } {
  const bootVolume = want.blockDevices.find((b) => b.kind === "rootVolume");
  const server: ServerCreate = {
    name: want.name,
    flavorRef: want.flavorId,
    ...(bootVolume ? {} : { imageRef: want.imageId }),
    networks: want.portIds.map((port) => ({ port })),
    ...(want.availabilityZone ? { availability_zone: want.availabilityZone } : {}),
    ...(want.keyName ? { key_name: want.keyName } : {}),
    ...(Object.keys(want.metadata).length > 0 ? { metadata: want.metadata } : {}),
    ...(want.userData ? { user_data: Buffer.from(want.userData).toString("base64") } : {}),
    ...(want.configDrive !== undefined ? { config_drive: want.configDrive } : {}),
    ...(want.tags.length > 0 ? { tags: want.tags } : {}),
  };
  const bdms = blockDeviceMappings(want.imageId, want.blockDevices);
  if (bdms.length > 0) server.block_device_mapping_v2 = bdms;
  return { server, options: want.serverGroupId ? { schedulerHints: { group: want.serverGroupId } } : {} };
}

// Booting from the image needs no mapping, unless other devices are mapped: then the image disk is index 0.
function blockDeviceMappings(imageId: string, devices: BlockDevice[]): BlockDeviceMapping[] {
  if (devices.length === 0) return [];
  const boot: BlockDeviceMapping[] = devices.some((d) => d.kind === "rootVolume")
    ? []
    : [
        {
          source_type: "image",
          destination_type: "local",
          uuid: imageId,
          boot_index: 0,
          delete_on_termination: true,
        },
      ];
  return [...boot, ...devices.map(mapping)];
}

function mapping(d: BlockDevice): BlockDeviceMapping {
  switch (d.kind) {
    case "rootVolume":
      return {
        source_type: "volume",
        destination_type: "volume",
        uuid: d.volumeId,
        boot_index: 0,
        delete_on_termination: true,
      };
    case "volume":
      return {
        source_type: "volume",
        destination_type: "volume",
        uuid: d.volumeId,
        boot_index: -1,
        delete_on_termination: true,
        tag: d.name,
      };
    case "local":
      return {
        source_type: "blank",
        destination_type: "local",
        volume_size: d.sizeGiB,
        boot_index: -1,
        delete_on_termination: true,
        tag: d.name,
      };
  }
}

export type EnsuredServer =
  | { state: "found" | "adopted"; resource: Server }
  /** Nova answered the POST with the ID only; the server is BUILD. */
  | { state: "created"; resource: Pick<Server, "id"> }
  /** The recorded server is gone: report InstanceDeleted, never recreate. */
  | { state: "gone"; id: string };

export interface ServerTarget {
  name: string;
  recordedId?: string | undefined;
  inFlight?: EnsureSpec<Server>["inFlight"];
}

/**
 * Calls: recorded ID → 1 GET (the steady state); else 1 list by exact name, + 1 POST when there is none.
 * `build` runs only before a create: a server found by name (a restart after its POST) never waits for
 * volumes it already holds. Several servers with the name → DuplicateServerNames event and
 * DuplicateResourceError.
 */
export async function ensureServer(
  compute: ComputeClient,
  record: Recorder,
  target: ServerTarget,
  build: () => Promise<ServerWant>,
): Promise<EnsuredServer> {
  try {
    // found/adopted carry what get/list returned, full servers; only create returns the bare ID.
    return (await ensureOne<Server | Pick<Server, "id">, ServerWant>({
      kind: "server",
      name: target.name,
      recordedId: target.recordedId,
      whenGone: "report",
      get: (id) => compute.getServer(id, { ignoreNotFound: true }),
      listByName: (name) => compute.listServers({ name: exactName(name) }),
      prepare: build,
      create: (want) => createServer(compute, record, want),
      inFlight: target.inFlight,
    })) as EnsuredServer;
  } catch (e) {
    if (e instanceof DuplicateResourceError) record("Warning", "DuplicateServerNames", e.message);
    throw e;
  }
}

async function createServer(compute: ComputeClient, record: Recorder, want: ServerWant) {
  const { server, options } = serverCreateBody(want);
  try {
    const created = await compute.createServer(server, options);
    record("Normal", "SuccessfulCreateServer", `Created server ${want.name} with id ${created.id}`);
    return created;
  } catch (e) {
    record("Warning", "FailedCreateServer", `Failed to create server ${want.name}: ${(e as Error).message}`);
    throw e;
  }
}

const GONE = new Set(["DELETED", "SOFT_DELETED"]);

/**
 * No call. ACTIVE → "ready"; BUILD → Pending since creation; ERROR → UserError InstanceStateError with Nova's
 * fault (CAPO #3375 drops it); DELETED/SOFT_DELETED → "gone"; anything else (SHUTOFF, MIGRATING, ...) →
 * "unknown", which CAPO reports as Unknown and looks at again in a minute.
 */
export function instanceState(server: Server): "ready" | "gone" | "unknown" {
  if (server.status === "ACTIVE") return "ready";
  if (GONE.has(server.status)) return "gone";
  if (server.status === "BUILD" || server.status === "")
    throw new Pending(`server ${server.name} (${server.id}) is building`, parseOpenStackTime(server.created));
  if (server.status === "ERROR") {
    const f = server.fault;
    const why = f ? `: ${f.message.trim()} (code ${f.code})` : "";
    throw new UserError("InstanceStateError", `server ${server.name} (${server.id}) is in ERROR state${why}`);
  }
  return "unknown";
}

/**
 * Every server with the exact name, and the recorded ID if renamed. By name even when an ID is recorded: a
 * create still in flight at a kill -9 can commit after the restarted manager created (and recorded) another
 * one, and only the name finds that twin. A live server gets one DELETE and the call throws Pending; the next
 * call finds it deleting (Pending, no second DELETE) or gone (returns). Calls: list + DELETE when it deletes;
 * when gone, the list and (with a recorded ID) one GET.
 */
export async function deleteServer(
  compute: ComputeClient,
  record: Recorder,
  target: { id?: string | undefined; name: string },
): Promise<void> {
  const found = await compute.listServers({ name: exactName(target.name) });
  if (target.id && !found.some((s) => s.id === target.id)) {
    const recorded = await compute.getServer(target.id, { ignoreNotFound: true });
    if (recorded) found.push(recorded);
  }
  const live = found.filter((s) => !GONE.has(s.status));
  if (live.length === 0) return;
  let since = Date.now();
  for (const s of live) {
    if (s["OS-EXT-STS:task_state"] === "deleting") {
      since = Math.min(since, parseOpenStackTime(s.updated) ?? since);
      continue;
    }
    try {
      if (await compute.deleteServer(s.id, { ignoreNotFound: true }))
        record("Normal", "SuccessfulDeleteServer", `Deleted server ${s.name} with id ${s.id}`);
    } catch (e) {
      record(
        "Warning",
        "FailedDeleteServer",
        `Failed to delete server ${s.name} (${s.id}): ${(e as Error).message}`,
      );
      throw e;
    }
  }
  throw new Pending(`server ${target.name} is being deleted`, since);
}
