// A server's Nova addresses as Kubernetes node addresses, in CAPO's order: networks by name, IPv4 before IPv6
// within each, then the server name as InternalDNS. CAPI copies these to the Machine, so the order is a contract.
import type { NodeAddress } from "../../api/common/core.ts";
import type { Server } from "../../openstack/compute.ts";

export function serverAddresses(server: Pick<Server, "name" | "addresses">): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (const network of Object.keys(server.addresses).sort()) {
    const list = (server.addresses[network] ?? []).map((a) => ({
      version: a.version,
      address: {
        type: a["OS-EXT-IPS:type"] === "floating" ? "ExternalIP" : "InternalIP",
        address: a.addr,
      },
    }));
    for (const v4 of [true, false]) for (const a of list) if ((a.version === 4) === v4) out.push(a.address);
  }
  out.push({ type: "InternalDNS", address: server.name });
  return out;
}
