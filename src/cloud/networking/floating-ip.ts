// Floating IPs for the API server (on the load balancer's VIP or a control-plane port) and the bastion. A
// floating IP has no name, so find-before-create goes by address when one is known, else by CAPO's description
// plus a purpose tag (e.g. the load balancer's name): a floating IP whose create answer was lost, or whose
// address never reached status, is found again on the next reconcile instead of leaking (CAPO #1632).
import type { FloatingIP, NetworkClient } from "../../openstack/network.ts";
import { DuplicateResourceError } from "../errors.ts";
import type { Recorder } from "../recorder.ts";

export interface FloatingIPWant {
  /** The external network. */
  networkId: string;
  /** The address the user asked for (spec.apiServerFloatingIP, bastion.floatingIP). */
  address?: string | undefined;
  description: string;
  /** spec.tags. */
  tags: string[];
  /** A tag naming what the address is for, unique within the project: it is how a lost one is found. */
  purpose: string;
}

/**
 * The floating IP at the recorded (else the wanted) address, else the one on the network carrying the
 * description and the purpose tag, else a lost one of ours, else a new one (2 calls: create, tag). Steady state
 * (recorded address): 1 call. The caller writes the address to status before it associates.
 */
export async function ensureFloatingIP(
  nw: NetworkClient,
  record: Recorder,
  want: FloatingIPWant,
  recordedAddress?: string,
): Promise<FloatingIP> {
  const address = recordedAddress || want.address;
  if (address) {
    const byAddress = await nw.floatingIPs.list({ floating_ip_address: address });
    return one(byAddress, address) ?? createFloatingIP(nw, record, want, address);
  }
  const described = await nw.floatingIPs.list({
    floating_network_id: want.networkId,
    description: want.description,
  });
  const mine = described.filter((f) => f.tags.includes(want.purpose));
  if (mine.length > 0) return one(mine, `tagged ${want.purpose}`) as FloatingIP;
  const orphan = described.find((f) => f.tags.length === 0 && !f.port_id);
  if (orphan) return { ...orphan, tags: await nw.replaceTags("floatingips", orphan.id, tagsOf(want)) };
  return createFloatingIP(nw, record, want, undefined);
}

function one(found: FloatingIP[], what: string): FloatingIP | undefined {
  if (found.length > 1)
    throw new DuplicateResourceError(
      "floating IP",
      what,
      found.map((f) => `${f.floating_ip_address} (${f.id})`),
    );
  return found[0];
}

const tagsOf = (want: FloatingIPWant): string[] => [...new Set([...want.tags, want.purpose])];

// Neutron takes tags only after the create (no tag-creation extension on common releases), so a crash between
// the two calls leaves a floating IP with the description and no tags at all, on no port: that one is adopted
// above. (Everything capo-ts creates carries at least the purpose tag.)
async function createFloatingIP(
  nw: NetworkClient,
  record: Recorder,
  want: FloatingIPWant,
  address: string | undefined,
): Promise<FloatingIP> {
  let fip: FloatingIP;
  try {
    fip = await nw.floatingIPs.create({
      floating_network_id: want.networkId,
      ...(address ? { floating_ip_address: address } : {}),
      description: want.description,
    });
  } catch (e) {
    record(
      "Warning",
      "FailedCreateFloatingIP",
      `Failed to create floating IP ${address ?? ""}: ${errorText(e)}`,
    );
    throw e;
  }
  record(
    "Normal",
    "SuccessfulCreateFloatingIP",
    `Created floating IP ${fip.floating_ip_address} with id ${fip.id}`,
  );
  return { ...fip, tags: await nw.replaceTags("floatingips", fip.id, tagsOf(want)) };
}

/**
 * Puts the floating IP on the port (and fixed IP). Already there: no call. Done when Neutron accepts it: the
 * returned status is what Neutron reports (often DOWN for a moment); nobody waits for ACTIVE.
 */
export async function associateFloatingIP(
  nw: NetworkClient,
  record: Recorder,
  fip: FloatingIP,
  portId: string,
  fixedIP?: string,
): Promise<FloatingIP> {
  if (fip.port_id === portId && (!fixedIP || fip.fixed_ip_address === fixedIP)) return fip;
  let updated: FloatingIP;
  try {
    updated = await nw.associateFloatingIP(fip.id, portId, fixedIP);
  } catch (e) {
    record(
      "Warning",
      "FailedAssociateFloatingIP",
      `Failed to associate floating IP ${fip.floating_ip_address} with port ${portId}: ${errorText(e)}`,
    );
    throw e;
  }
  record(
    "Normal",
    "SuccessfulAssociateFloatingIP",
    `Associated floating IP ${fip.floating_ip_address} with port ${portId}`,
  );
  return updated;
}

/** Takes the floating IP off its port; not associated: no call. Returns it as Neutron reports it. */
export async function disassociateFloatingIP(
  nw: NetworkClient,
  record: Recorder,
  fip: FloatingIP,
): Promise<FloatingIP> {
  if (!fip.port_id) return fip;
  let updated: FloatingIP;
  try {
    updated = await nw.disassociateFloatingIP(fip.id);
  } catch (e) {
    record(
      "Warning",
      "FailedDisassociateFloatingIP",
      `Failed to disassociate floating IP ${fip.floating_ip_address}: ${errorText(e)}`,
    );
    throw e;
  }
  record(
    "Normal",
    "SuccessfulDisassociateFloatingIP",
    `Disassociated floating IP ${fip.floating_ip_address} from port ${fip.port_id}`,
  );
  return updated;
}

/**
 * Deletes the floating IP with that ID, or every one with that address (1 list + 1 delete). Neutron
 * disassociates on delete. Returns how many were deleted; already gone counts as deleted, not as one.
 */
export async function deleteFloatingIP(
  nw: NetworkClient,
  record: Recorder,
  which: { address?: string | undefined; id?: string | undefined },
): Promise<number> {
  const targets = which.id
    ? [{ id: which.id, floating_ip_address: which.address ?? which.id }]
    : which.address
      ? await nw.floatingIPs.list({ floating_ip_address: which.address })
      : [];
  let n = 0;
  for (const f of targets) {
    try {
      if (!(await nw.floatingIPs.delete(f.id, { ignoreNotFound: true }))) continue;
    } catch (e) {
      record(
        "Warning",
        "FailedDeleteFloatingIP",
        `Failed to delete floating IP ${f.floating_ip_address}: ${errorText(e)}`,
      );
      throw e;
    }
    record("Normal", "SuccessfulDeleteFloatingIP", `Deleted floating IP ${f.floating_ip_address}`);
    n++;
  }
  return n;
}

/** The floating IPs associated with a port (a load balancer's VIP port, a server's port): 1 call. */
export function floatingIPsOnPort(nw: NetworkClient, portId: string): Promise<FloatingIP[]> {
  return nw.floatingIPs.list({ port_id: portId });
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
