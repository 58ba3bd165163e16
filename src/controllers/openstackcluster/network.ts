// Steps for the cluster's networking: the external network, then either the managed network, subnet and
// router (spec.managedSubnets) or the user's existing network, subnets and router (never modified). Each
// step creates at most one resource and writes its ID into status before the next one runs.
import type * as infra from "../../api/v1beta1/index.ts";
import type * as neutron from "../../openstack/network.ts";
import { clusterDescription, networkName, routerName, subnetName } from "../../cloud/names.ts";
import { resolveExternalNetwork } from "../../cloud/networking/external-network.ts";
import { resolveRouterParam } from "../../cloud/networking/resolve.ts";
import {
  ensureClusterNetwork,
  ensureClusterSubnet,
  resolveExistingNetwork,
} from "../../cloud/networking/network.ts";
import {
  ensureClusterRouter,
  ensureRouterInterfaces,
  resolveExternalRouterIPs,
  routerStatusIPs,
} from "../../cloud/networking/router.ts";
import { UserError } from "../../cloud/errors.ts";
import type { Step } from "../shared/steps.ts";
import type { ClusterScope } from "./scope.ts";
import { Conditions, conditionGroup, managed, spec, status } from "./scope.ts";

const tags = (s: ClusterScope): string[] => spec(s).tags ?? [];

const networkStatus = (n: neutron.Network): infra.NetworkStatus => ({ name: n.name, id: n.id, tags: n.tags });
const subnetStatus = (n: neutron.Subnet): infra.Subnet => ({
  name: n.name,
  id: n.id,
  cidr: n.cidr,
  tags: n.tags,
});

/** CAPO v0.10 trusts a resolved external network: the spec that chose it is immutable. */
const externalNetwork: Step<ClusterScope> = async (s) => {
  const st = status(s);
  if (spec(s).disableExternalNetwork) {
    delete st.externalNetwork;
    return undefined;
  }
  if (st.externalNetwork?.id) return undefined;
  const ext = await resolveExternalNetwork(s.os.network, spec(s));
  if (ext) st.externalNetwork = networkStatus(ext);
  else s.log.info("No external network found; the cluster will have no router and no floating IPs");
  return undefined;
};

const managedNetwork: Step<ClusterScope> = async (s) => {
  if (!managed(s)) return undefined;
  const sp = spec(s);
  if ((sp.managedSubnets?.length ?? 0) > 1)
    throw new UserError(Conditions.network.failed, "ManagedSubnets only supports one element");
  const net = await ensureClusterNetwork(
    s.os.network,
    s.record,
    { name: networkName(s.ref), mtu: sp.networkMTU, portSecurity: !sp.disablePortSecurity, tags: tags(s) },
    status(s).network?.id,
  );
  const st = status(s);
  st.network = { ...networkStatus(net), subnets: net.id === st.network?.id ? st.network.subnets : [] };
  return undefined;
};

const managedSubnet: Step<ClusterScope> = async (s) => {
  if (!managed(s)) return undefined;
  const want = spec(s).managedSubnets?.[0] as infra.SubnetSpec;
  const net = status(s).network as infra.NetworkStatusWithSubnets;
  const subnet = await ensureClusterSubnet(
    s.os.network,
    s.record,
    {
      name: subnetName(s.ref),
      description: clusterDescription(s.ref),
      networkId: net.id,
      cidr: want.cidr,
      dnsNameservers: want.dnsNameservers,
      allocationPools: want.allocationPools,
      tags: tags(s),
    },
    net.subnets?.[0]?.id,
  );
  net.subnets = [subnetStatus(subnet)];
  return undefined;
};

const existingNetwork: Step<ClusterScope> = async (s) => {
  if (managed(s)) return undefined;
  const st = status(s);
  if (st.network?.id && st.network.subnets?.length) return undefined;
  const got = await resolveExistingNetwork(s.os.network, spec(s).network, spec(s).subnets);
  st.network = { ...networkStatus(got.network), subnets: got.subnets.map(subnetStatus) };
  return undefined;
};

/** A managed router exists only with managed subnets and an external network (CAPO's ReconcileRouter). */
const router: Step<ClusterScope> = async (s) => {
  const st = status(s);
  const sp = spec(s);
  if (!managed(s)) {
    if (sp.router && !st.router) {
      const r = await resolveRouterParam(s.os.network, sp.router);
      st.router = { name: r.name, id: r.id, tags: r.tags, ips: routerStatusIPs(r) };
    }
    return undefined;
  }
  if (!st.externalNetwork?.id) return undefined;
  // A recorded router whose gateway needs no fixed IPs is trusted; its interfaces are checked next.
  if (st.router?.id && !sp.externalRouterIPs?.length) return undefined;
  const externalIPs = sp.externalRouterIPs?.length
    ? await resolveExternalRouterIPs(s.os.network, sp.externalRouterIPs, st.externalNetwork.id)
    : undefined;
  const r = sp.router
    ? await resolveRouterParam(s.os.network, sp.router)
    : await ensureClusterRouter(
        s.os.network,
        s.record,
        {
          name: routerName(s.ref),
          description: clusterDescription(s.ref),
          tags: tags(s),
          externalNetworkId: st.externalNetwork.id,
          externalIPs,
        },
        st.router?.id,
      );
  st.router = { name: r.name, id: r.id, tags: r.tags, ips: routerStatusIPs(r) };
  return undefined;
};

const routerInterfaces: Step<ClusterScope> = async (s) => {
  const st = status(s);
  if (!managed(s) || !st.router?.id) return undefined;
  await ensureRouterInterfaces(
    s.os.network,
    s.record,
    st.router.id,
    (st.network?.subnets ?? []).map((x) => x.id),
  );
  return undefined;
};

export const networkSteps: Step<ClusterScope>[] = conditionGroup(Conditions.network, [
  externalNetwork,
  managedNetwork,
  managedSubnet,
  existingNetwork,
]);

/** [router, interfaces]: the reconciler puts the load balancer's floating IP right after the interfaces. */
export const routerSteps: Step<ClusterScope>[] = conditionGroup(Conditions.router, [
  router,
  routerInterfaces,
]);
