// Trunks of machine ports (Neutron extension `trunk`). A trunk takes its port's name and description and is
// found by (name, port_id); its ID is never recorded in status, so finding it again is always possible.
import type * as infra from "../../api/v1beta1/index.ts";
import type * as neutron from "../../openstack/network.ts";
import type { NetworkClient } from "../../openstack/network.ts";
import { isNotFound } from "../../openstack/errors.ts";
import { DuplicateResourceError } from "../errors.ts";
import type { Recorder } from "../recorder.ts";
import { createTagged } from "./tags.ts";

/** Whether Neutron has the trunk extension: one call. */
export async function trunkSupported(nw: NetworkClient): Promise<boolean> {
  return (await nw.listExtensions()).some((e) => e.alias === "trunk");
}

/**
 * The ID of the port's trunk, created (then tagged) if missing. No call when the port already shows a trunk
 * (`trunk_details`, as Neutron returns it on every port read); else one list, and a create if none.
 */
export async function ensureTrunk(
  nw: NetworkClient,
  record: Recorder,
  port: neutron.Port,
  spec: infra.ResolvedPortSpec,
): Promise<string> {
  if (port.trunk_details?.trunk_id) return port.trunk_details.trunk_id;
  const found = await nw.trunks.list({ name: port.name, port_id: port.id });
  if (found.length > 1)
    throw new DuplicateResourceError(
      "trunk",
      port.name,
      found.map((t) => t.id),
    );
  const [one] = found;
  if (one) return one.id;
  const made = await createTagged(nw, record, {
    noun: "Trunk",
    collection: "trunks",
    name: port.name,
    tags: spec.tags ?? [],
    create: () => nw.trunks.create({ name: port.name, port_id: port.id, description: spec.description }),
  });
  return made.id;
}

/** Deletes the trunk of a port, if it has one: one list, then removeTrunk. */
export async function deleteTrunkForPort(nw: NetworkClient, record: Recorder, portId: string): Promise<void> {
  for (const trunk of await nw.trunks.list({ port_id: portId })) await removeTrunk(nw, record, trunk);
}

/**
 * Takes the subports off a trunk and deletes their ports (they belong to the machine), then deletes the trunk.
 * Whatever is already gone counts as deleted.
 */
export async function removeTrunk(nw: NetworkClient, record: Recorder, trunk: neutron.Trunk): Promise<void> {
  const subports = trunk.sub_ports.map((s) => s.port_id);
  if (subports.length > 0) {
    try {
      await nw.removeSubports(trunk.id, subports);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    record(
      "Normal",
      "SuccessfulRemoveTrunkSubports",
      `Removed subports ${subports.join(", ")} from trunk ${trunk.id}`,
    );
    for (const id of subports)
      if (await nw.ports.delete(id, { ignoreNotFound: true }))
        record("Normal", "SuccessfulDeletePort", `Deleted port ${id}`);
  }
  if (await nw.trunks.delete(trunk.id, { ignoreNotFound: true }))
    record("Normal", "SuccessfulDeleteTrunk", `Deleted trunk ${trunk.name} with id ${trunk.id}`);
}
