// Nova availability zones as the OpenStackCluster's failure domains (CAPO computes them once, when the status
// has none). Only available zones count; which of them take control-plane machines is the spec's choice.
import type { FailureDomains } from "../../api/common/capi.ts";
import type { ComputeClient } from "../../openstack/compute.ts";

export interface FailureDomainsWant {
  /** When non-empty, only these zones take control-plane machines. */
  controlPlaneAvailabilityZones?: string[] | undefined;
  /** No zone takes control-plane machines, whatever the list says. */
  controlPlaneOmitAvailabilityZone?: boolean | undefined;
}

/** One call: `GET os-availability-zone`. Keys in name order, as CAPO sorts them. */
export async function failureDomains(
  compute: ComputeClient,
  want: FailureDomainsWant,
): Promise<FailureDomains> {
  const zones = (await compute.listAvailabilityZones())
    .filter((z) => z.zoneState.available)
    .map((z) => z.zoneName)
    .sort();
  const listed = want.controlPlaneAvailabilityZones ?? [];
  const out: FailureDomains = {};
  for (const zone of zones)
    out[zone] = {
      controlPlane: !want.controlPlaneOmitAvailabilityZone && (listed.length === 0 || listed.includes(zone)),
    };
  return out;
}
