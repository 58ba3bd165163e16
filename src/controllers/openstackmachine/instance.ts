// The server's state into status and conditions (capo-behaviour §3.12 step 5-6): ACTIVE makes the machine
// Ready with its providerID and addresses; BUILD waits, following the cloud (Ready within about a second of
// ACTIVE, not CAPO's fixed 10 s); ERROR surfaces Nova's fault message (CAPO #3375).
import { serverAddresses } from "../../cloud/compute/addresses.ts";
import { instanceState } from "../../cloud/compute/instance.ts";
import { Pending, UserError } from "../../cloud/errors.ts";
import { markFalse, markTrue } from "../../runtime/conditions.ts";
import { field } from "../../runtime/object.ts";
import type { Step } from "../shared/steps.ts";
import type { MachineScope } from "./scope.ts";
import { MachineConditions, spec, status } from "./scope.ts";

export const state: Step<MachineScope> = async (s) => {
  const st = status(s);
  const id = st.instanceID as string;
  const server = s.seen.server ?? (await s.os.compute.getServer(id, { ignoreNotFound: true }));
  if (!server) throw new UserError("InstanceDeleted", "The server was unexpectedly deleted");
  s.seen.server = server;
  st.instanceState = server.status;
  let verdict: ReturnType<typeof instanceState>;
  try {
    verdict = instanceState(server);
  } catch (e) {
    if (e instanceof UserError && field(s.machine, "status", "nodeRef") === undefined) {
      // CAPI's contract: a failed infrastructure machine without a node is for MachineHealthCheck to replace.
      st.failureReason = "UpdateError";
      st.failureMessage = e.message;
    }
    if (e instanceof Pending)
      markFalse(s.osm, MachineConditions.instance, "InstanceNotReady", "Info", "Instance is building");
    throw e;
  }
  if (verdict === "gone") throw new UserError("InstanceDeleted", "The server was unexpectedly deleted");
  if (verdict === "unknown") {
    markFalse(
      s.osm,
      MachineConditions.instance,
      "InstanceNotReady",
      "Warning",
      `Instance state is ${server.status}`,
    );
    return { requeueAfter: 60_000 };
  }
  // v1beta1 identityRef has no region, so CAPO v0.10's providerID has none either.
  // providerID is spec and status goes first in a write: the ID is written before ready, so whoever sees a
  // ready machine (CAPI copies providerID then) sees its providerID too.
  if (!spec(s).providerID) {
    spec(s).providerID = `openstack:///${server.id}`;
    await s.checkpoint();
  }
  st.addresses = serverAddresses(server);
  st.ready = true;
  markTrue(s.osm, MachineConditions.instance);
  return undefined;
};
