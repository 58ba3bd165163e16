// How API traffic reaches control plane machines, through the real manager on the real all-in-one: with the
// API load balancer, a member `<lb>-<port>-<machine>` at the machine's cluster address in every pool (deleted
// with the machine); without one, the cluster's API floating IP on the first control plane machine's first
// port (and not moved to the second).
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { condition, type Obj } from "../../env/capo.ts";
import { OpenStackClusters } from "../../../src/runtime/resources.ts";
import {
  BASE_MACHINE,
  NS,
  startMachineEnv,
  stopMachineEnvs,
  type MachineEnv,
  type TestCluster,
} from "./machine-helpers.ts";

let m: MachineEnv;
let lbCluster: TestCluster;
let fipCluster: TestCluster;

before(async () => {
  m = await startMachineEnv("min");
  [lbCluster, fipCluster] = await Promise.all([
    m.readyCluster(`${m.prefix}-lb`, {
      managedSubnets: [{ cidr: "10.98.0.0/24" }],
      managedSecurityGroups: {},
      apiServerLoadBalancer: { enabled: true, additionalPorts: [8443] },
      // The members need no router (and a router create is slow on a busy all-in-one).
      disableExternalNetwork: true,
      disableAPIServerFloatingIP: true,
    }),
    m.readyCluster(`${m.prefix}-fip`, {
      managedSubnets: [{ cidr: "10.99.0.0/24" }],
      managedSecurityGroups: {},
    }),
  ]);
});

after(async () => {
  await stopMachineEnvs();
});

interface MachineStatus {
  addresses?: { type: string; address: string }[];
  resources?: { ports?: { id: string }[] };
}
const statusOf = (o: Obj) => (o.status ?? {}) as MachineStatus;

const ingressTrue = (name: string) =>
  m.waitCondition(name, "APIServerIngressReadyCondition", (c) => c.status === "True", 300_000);

/** Every member of every pool of the load balancer, as [pool name, member name, address, port]. */
async function members(lbId: string): Promise<string[][]> {
  const lb = m.os.loadBalancer;
  const pools = await lb.pools.list({ loadbalancer_id: lbId });
  const rows = await Promise.all(
    pools.map(async (p) =>
      (await lb.members(p.id).list()).map((x) => [p.name, x.name, x.address, String(x.protocol_port)]),
    ),
  );
  return rows.flat().sort();
}

it(
  "with the API load balancer: a member per pool at the machine's cluster address, gone with the machine",
  { timeout: 600_000 },
  async () => {
    const name = `${m.prefix}-lb-cp0`;
    const t0 = Date.now();
    await m.machine(lbCluster, name, { ...BASE_MACHINE }, { controlPlane: true });
    await m.waitReady(name);
    const osm = await ingressTrue(name);
    console.log(`# LB members in place ${Date.now() - t0} ms after creation`);
    const st = (lbCluster.osc.status ?? {}) as {
      apiServerLoadBalancer: { id: string; name: string };
      network: { subnets: { cidr: string }[] };
    };
    const lbName = st.apiServerLoadBalancer.name;
    assert.equal(lbName, `k8s-clusterapi-cluster-${NS}-${lbCluster.name}-kubeapi`);
    const address = statusOf(osm).addresses?.find(
      (a) => a.type === "InternalIP" && a.address.startsWith("10.98.0."),
    )?.address;
    assert.ok(address, JSON.stringify(statusOf(osm).addresses));
    assert.deepEqual(await members(st.apiServerLoadBalancer.id), [
      [`${lbName}-6443`, `${lbName}-6443-${name}`, address, "6443"],
      [`${lbName}-8443`, `${lbName}-8443-${name}`, address, "8443"],
    ]);
    assert.equal(condition(osm, "Ready")?.status, "True");

    const t1 = Date.now();
    await m.deleteMachine(name, 180_000);
    console.log(`# LB machine deleted ${Date.now() - t1} ms after the delete`);
    assert.deepEqual(await members(st.apiServerLoadBalancer.id), []);
  },
);

it(
  "without a load balancer: the API floating IP on the first control plane machine's first port",
  { timeout: 600_000 },
  async () => {
    const osc = await m.fx.get(OpenStackClusters, NS, fipCluster.name);
    const host = (osc?.spec as { controlPlaneEndpoint?: { host?: string } }).controlPlaneEndpoint?.host;
    assert.ok(host, "controlPlaneEndpoint.host is set");
    const [first, second] = [`${m.prefix}-fip-cp0`, `${m.prefix}-fip-cp1`];
    await m.machine(fipCluster, first, { ...BASE_MACHINE }, { controlPlane: true });
    await m.waitReady(first);
    const osm = await ingressTrue(first);
    const port = statusOf(osm).resources?.ports?.[0]?.id;
    const [fip] = await m.os.network.floatingIPs.list({ floating_ip_address: host });
    assert.ok(fip, `floating IP ${host}`);
    assert.equal(fip.port_id, port, "on the first port of the first control plane machine");
    assert.equal(
      fip.description,
      `Created by cluster-api-provider-openstack cluster ${NS}-${fipCluster.name}`,
    );

    // The second control plane machine is Ready too, and the address stays where it is.
    await m.machine(fipCluster, second, { ...BASE_MACHINE }, { controlPlane: true });
    await m.waitReady(second);
    await ingressTrue(second);
    assert.equal((await m.os.network.floatingIPs.get(fip.id)).port_id, port);

    // Deleting the first detaches the address, which the cluster keeps for its endpoint.
    await m.deleteMachine(first);
    const after = await m.os.network.floatingIPs.get(fip.id, { ignoreNotFound: true });
    assert.ok(after, "the API floating IP survives the machine");
    assert.equal(after.port_id ?? null, null);
  },
);
