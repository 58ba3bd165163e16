// Ports left on the cluster network when the cluster goes, which would keep the network from being deleted.
// CAPO deletes those named after the cluster; ports of servers that failed to build (or that Nova left behind)
// have other names and would block the delete for ever (CAPO #976, #2576), so ports owned by compute, or by
// nothing, go too. Ports Neutron owns (`network:*`: DHCP, router interfaces, load balancer VIPs) are left to
// Neutron and to the code that removes their owner.
import type { NetworkClient, Port } from "../../openstack/network.ts";
import type { Recorder } from "../recorder.ts";
import { message } from "./tags.ts";

/** Whether a port on the cluster network is the cluster's to delete. */
export function isClusterPort(port: Port, prefixes: string[]): boolean {
  if (port.device_owner.startsWith("network:")) return false;
  if (prefixes.some((p) => p !== "" && port.name.startsWith(p))) return true;
  return port.device_owner === "" || port.device_owner.startsWith("compute:");
}

/** One list of the network's ports, one delete per cluster port. Returns how many it deleted. */
export async function deleteClusterPorts(
  nw: NetworkClient,
  record: Recorder,
  networkId: string,
  prefixes: string[],
): Promise<number> {
  const ports = (await nw.ports.list({ network_id: networkId })).filter((p) => isClusterPort(p, prefixes));
  let deleted = 0;
  for (const p of ports) {
    try {
      if (!(await nw.ports.delete(p.id, { ignoreNotFound: true }))) continue;
    } catch (e) {
      record("Warning", "FailedDeletePort", `Failed to delete port ${p.name} with id ${p.id}: ${message(e)}`);
      throw e;
    }
    record("Normal", "SuccessfulDeletePort", `Deleted port ${p.name} with id ${p.id}`);
    deleted++;
  }
  return deleted;
}
