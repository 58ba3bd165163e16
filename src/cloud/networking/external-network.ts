// The external network the cluster's router and floating IPs use (CAPO's ReconcileExternalNetwork). Unset, it is
// discovered: the only `router:external` network the project sees, or none at all, in which case the cluster
// goes on without one. Several are ambiguous: the user must choose.
import type * as infra from "../../api/v1beta1/index.ts";
import type { Network, NetworkClient } from "../../openstack/network.ts";
import { UserError } from "../errors.ts";
import { resolveNetworkParam } from "./resolve.ts";

const EXTERNAL = { "router:external": true };

export interface ExternalNetworkSpec {
  disableExternalNetwork?: boolean | undefined;
  externalNetwork?: infra.NetworkParam | undefined;
}

/** One call: a GET for an `{id}`, else one list. */
export async function resolveExternalNetwork(
  nw: NetworkClient,
  spec: ExternalNetworkSpec,
): Promise<Network | undefined> {
  if (spec.disableExternalNetwork) return undefined;
  if (spec.externalNetwork) return resolveNetworkParam(nw, spec.externalNetwork, EXTERNAL);
  const found = await nw.networks.list(EXTERNAL);
  if (found.length > 1)
    throw new UserError(
      "NetworkCreateFailed",
      `several external networks found: ${found.map((n) => `${n.name} (${n.id})`).join(", ")}; set spec.externalNetwork`,
    );
  return found[0];
}
