// The four kinds around their spec/status converters: templates wrap a spec in spec.template.spec, and a
// machine's instance ID moves from the alphas' spec to v1beta1's status.
import type * as hub from "../v1beta1/index.ts";
import type { KindConversion, SpokeConversions } from "./convert.ts";
import type { JsonObject } from "./json.ts";
import { isEmpty, maybe, member } from "./shared.ts";

type Convert<From, To> = (value: From) => To;

interface Pair<Spoke, Hub> {
  toHub: Convert<Spoke, Hub>;
  fromHub: Convert<Hub, Spoke>;
}

function withStatus<SpokeSpec, HubSpec, SpokeStatus, HubStatus>(
  spec: Pair<SpokeSpec, HubSpec>,
  status: Pair<SpokeStatus, HubStatus>,
): KindConversion {
  return {
    toHub: (content) => ({
      spec: maybe(content.spec as SpokeSpec | undefined, spec.toHub),
      status: maybe(content.status as SpokeStatus | undefined, status.toHub),
    }),
    fromHub: (content) => ({
      spec: maybe(content.spec as HubSpec | undefined, spec.fromHub),
      status: maybe(content.status as HubStatus | undefined, status.fromHub),
    }),
  };
}

function template<SpokeSpec, HubSpec>(spec: Pair<SpokeSpec, HubSpec>): KindConversion {
  const wrap =
    <From, To>(convert: Convert<From, To>) =>
    (content: JsonObject) => {
      if (content.spec === undefined) return {};
      const inner = member(member(content, "spec"), "template");
      return { spec: { template: { spec: maybe(inner.spec as From | undefined, convert) } } };
    };
  return { toHub: wrap(spec.toHub), fromHub: wrap(spec.fromHub) };
}

/** Machine specs of every alpha carry the instance ID that v1beta1 keeps in status. */
interface WithInstanceID {
  instanceID?: string;
}

function machine<SpokeSpec extends WithInstanceID, SpokeStatus>(
  spec: Pair<SpokeSpec, hub.OpenStackMachineSpec>,
  status: Pair<SpokeStatus, hub.OpenStackMachineStatus>,
): KindConversion {
  return {
    toHub: (content) => {
      const spokeSpec = content.spec as SpokeSpec | undefined;
      const spokeStatus = content.status as SpokeStatus | undefined;
      const instanceID = spokeSpec?.instanceID;
      const hubStatus =
        spokeStatus === undefined && instanceID === undefined
          ? undefined
          : { ...maybe(spokeStatus, status.toHub), instanceID };
      return { spec: maybe(spokeSpec, spec.toHub), status: hubStatus };
    },
    fromHub: (content) => {
      const hubSpec = content.spec as hub.OpenStackMachineSpec | undefined;
      const { instanceID, ...hubStatus } = (content.status as hub.OpenStackMachineStatus | undefined) ?? {};
      const spokeSpec =
        hubSpec === undefined && instanceID === undefined
          ? undefined
          : { ...maybe(hubSpec, spec.fromHub), instanceID };
      return {
        spec: spokeSpec,
        status:
          content.status === undefined || (isEmpty(hubStatus) && instanceID !== undefined)
            ? undefined
            : status.fromHub(hubStatus),
      };
    },
  };
}

export interface VersionPairs<ClusterSpec, ClusterStatus, MachineSpec extends WithInstanceID, MachineStatus> {
  clusterSpec: Pair<ClusterSpec, hub.OpenStackClusterSpec>;
  clusterStatus: Pair<ClusterStatus, hub.OpenStackClusterStatus>;
  machineSpec: Pair<MachineSpec, hub.OpenStackMachineSpec>;
  machineStatus: Pair<MachineStatus, hub.OpenStackMachineStatus>;
}

export function spokeConversions<CS, CSt, MS extends WithInstanceID, MSt>(
  pairs: VersionPairs<CS, CSt, MS, MSt>,
): SpokeConversions {
  return {
    OpenStackCluster: withStatus(pairs.clusterSpec, pairs.clusterStatus),
    OpenStackClusterTemplate: template(pairs.clusterSpec),
    OpenStackMachine: machine(pairs.machineSpec, pairs.machineStatus),
    OpenStackMachineTemplate: template(pairs.machineSpec),
  };
}
