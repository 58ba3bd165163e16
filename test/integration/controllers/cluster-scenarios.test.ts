// The OpenStackCluster reconciler on the real apiserver and the real all-in-one, one cluster per network
// shape, all at once under one manager (capo-behaviour §3.4-3.9, §3.16-3.18): what it makes on the cloud
// (names, descriptions, tags, rules, listeners, pools, monitors, allowed CIDRs, floating IPs), what it writes
// into status and spec, and that deleting leaves nothing of ours and leaves what the user brought unchanged.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  clusterDescription,
  loadBalancerName,
  networkName,
  securityGroupName,
} from "../../../src/cloud/names.ts";
import type { Network, Router, Subnet } from "../../../src/openstack/network.ts";
import { inventory } from "../../env/sweep.ts";
import { ADMIN_CLOUD, credential, newClient } from "../openstack/env.ts";
import {
  CLUSTER_CONDITIONS,
  NS,
  assertConditionsTrue,
  clusterFloatingIPs,
  createCluster,
  deleteAndSweep,
  endpointOf,
  eventsOf,
  expectedRules,
  key,
  observedRules,
  run,
  startEnv,
  statusOf,
  stopEnv,
  waitReady,
  type Env,
} from "./cluster-helpers.ts";

const sorted = (xs: readonly string[] | null | undefined): string[] => [...(xs ?? [])].sort();
const ref = (name: string) => ({ namespace: NS, name });
const timings: Record<string, { readyMs: number; deleteMs: number }> = {};

let e: Env;
const admin = newClient(credential(ADMIN_CLOUD), { timeoutMs: 300_000 });
let publicBefore: { network: Network; subnet: Subnet };

async function publicNetwork(): Promise<{ network: Network; subnet: Subnet }> {
  // The external subnet belongs to the admin project: members do not see it.
  const [network] = await admin.network.networks.list({ name: "public" });
  const [subnet] = await admin.network.subnets.list({ name: "public-subnet" });
  assert.ok(network && subnet, "the seeded external network public exists");
  return { network, subnet };
}

/** Creates, waits for ready, hands the ready object to `check`, deletes and sweeps; records the timings. */
async function scenario(
  name: string,
  spec: Record<string, unknown>,
  check: (osc: Awaited<ReturnType<typeof waitReady>>) => Promise<void> | void,
): Promise<void> {
  const t0 = Date.now();
  await createCluster(e, name, spec);
  const osc = await waitReady(e, name);
  const readyMs = Date.now() - t0;
  await check(osc);
  const deleteMs = await deleteAndSweep(e, name);
  timings[name] = { readyMs, deleteMs };
}

describe("OpenStackCluster scenarios", { concurrency: 4, timeout: 900_000 }, () => {
  before(async () => {
    e = await startEnv();
    publicBefore = await publicNetwork();
  });
  after(async () => {
    console.log("timings (ms):", JSON.stringify(timings));
    try {
      assert.deepEqual(
        await publicNetwork(),
        publicBefore,
        "the external network and its subnet are unchanged",
      );
    } finally {
      await stopEnv(e);
    }
  });

  it("a. default: managed network, groups, LB with an extra port and allowed CIDRs, tags", async () => {
    const name = `sa-${run}`;
    const cidr = "10.101.0.0/24";
    await scenario(
      name,
      {
        managedSubnets: [{ cidr, dnsNameservers: ["10.101.0.53"] }],
        managedSecurityGroups: { allowAllInClusterTraffic: false },
        apiServerLoadBalancer: { enabled: true, additionalPorts: [8443], allowedCIDRs: ["10.0.0.0/8"] },
        tags: ["t1", "t2"],
      },
      async (osc) => {
        const st = statusOf(osc);
        const os = e.os;
        const want = networkName(ref(name));
        const description = clusterDescription(ref(name));
        assert.equal(st.externalNetwork?.id, publicBefore.network.id, "public is found without a filter");

        const net = await os.network.networks.get(st.network?.id ?? "");
        assert.deepEqual([net.name, sorted(net.tags)], [want, ["t1", "t2"]]);
        assert.equal(st.network?.name, want);
        const subnet = await os.network.subnets.get(st.network.subnets?.[0]?.id ?? "");
        assert.deepEqual(
          [
            subnet.name,
            subnet.description,
            subnet.cidr,
            subnet.network_id,
            subnet.dns_nameservers,
            sorted(subnet.tags),
          ],
          [want, description, cidr, net.id, ["10.101.0.53"], ["t1", "t2"]],
        );
        assert.equal(st.network.subnets?.length, 1);
        const router = await os.network.routers.get(st.router?.id ?? "");
        assert.deepEqual(
          [router.name, router.description, sorted(router.tags), router.external_gateway_info?.network_id],
          [want, description, ["t1", "t2"], publicBefore.network.id],
        );
        const routerIP = router.external_gateway_info?.external_fixed_ips?.[0]?.ip_address ?? "";
        assert.deepEqual(st.router?.ips, [routerIP]);
        const ifaces = await os.network.ports.list({
          device_id: router.id,
          device_owner: "network:router_interface",
        });
        assert.deepEqual(
          ifaces.map((p) => p.fixed_ips[0]?.subnet_id),
          [subnet.id],
          "the router has an interface on the cluster subnet",
        );

        const cp = st.controlPlaneSecurityGroup;
        const worker = st.workerSecurityGroup;
        assert.equal(cp?.name, securityGroupName(ref(name), "controlplane"));
        assert.equal(worker?.name, securityGroupName(ref(name), "worker"));
        assert.equal(st.bastionSecurityGroup, undefined);
        for (const g of [cp, worker]) {
          const got = await os.network.securityGroups.get(g.id);
          assert.deepEqual(
            [got.name, got.description, sorted(got.tags)],
            [g.name, "Cluster API managed group", ["t1", "t2"]],
          );
        }
        const rules = expectedRules({
          cp: cp.id,
          worker: worker.id,
          subnetCIDR: cidr,
          additionalPorts: [8443],
        });
        assert.deepEqual(await observedRules(os, cp.id), rules.cp, "control plane rules (§3.7)");
        assert.deepEqual(await observedRules(os, worker.id), rules.worker, "worker rules (§3.7)");
        assert.equal(
          (await os.network.securityGroups.list({ name: securityGroupName(ref(name), "bastion") })).length,
          0,
        );

        const lbStatus = st.apiServerLoadBalancer;
        const lb = await os.loadBalancer.loadBalancers.get(lbStatus?.id ?? "");
        const lbName = loadBalancerName(ref(name));
        assert.deepEqual(
          [
            lb.name,
            lb.description,
            sorted(lb.tags),
            lb.vip_subnet_id,
            lb.vip_address,
            lb.provisioning_status,
          ],
          [lbName, description, ["t1", "t2"], subnet.id, lbStatus?.internalIP, "ACTIVE"],
        );
        const cidrs = sorted(["10.0.0.0/8", cidr, `${routerIP}/32`]);
        assert.deepEqual(sorted(lbStatus?.allowedCIDRs), cidrs);
        const listeners = await os.loadBalancer.listeners.list({ loadbalancer_id: lb.id });
        const pools = await os.loadBalancer.pools.list({ loadbalancer_id: lb.id });
        const monitors = (await os.loadBalancer.healthMonitors.list()).filter((m) =>
          m.pools.some((p) => pools.some((x) => x.id === p.id)),
        );
        for (const port of [6443, 8443]) {
          const n = `${lbName}-${port}`;
          const l = listeners.find((x) => x.name === n);
          assert.deepEqual(
            [l?.protocol, l?.protocol_port, sorted(l?.allowed_cidrs), sorted(l?.tags)],
            ["TCP", port, cidrs, ["t1", "t2"]],
            `listener ${n}`,
          );
          const p = pools.find((x) => x.name === n);
          assert.deepEqual(
            [p?.protocol, p?.lb_algorithm, p?.listeners.map((x) => x.id), sorted(p?.tags)],
            ["TCP", "ROUND_ROBIN", [l?.id], ["t1", "t2"]],
            `pool ${n}`,
          );
          const m = monitors.find((x) => x.name === n);
          assert.deepEqual(
            [m?.type, m?.delay, m?.timeout, m?.max_retries, m?.max_retries_down, m?.pools.map((x) => x.id)],
            ["TCP", 10, 5, 5, 3, [p?.id]],
            `monitor ${n}`,
          );
        }
        assert.equal(listeners.length, 2);
        assert.equal(pools.length, 2);

        const [fip, ...more] = await clusterFloatingIPs(e, name);
        assert.equal(more.length, 0, "one floating IP for the cluster");
        assert.deepEqual(
          [fip?.floating_ip_address, fip?.port_id, fip?.floating_network_id],
          [lbStatus?.ip, lb.vip_port_id, publicBefore.network.id],
        );
        assert.ok(fip?.tags.includes("t1") && fip.tags.includes("t2"), `FIP tags ${fip?.tags.join(",")}`);
        assert.deepEqual(endpointOf(osc), { host: lbStatus?.ip, port: 6443 });
        assert.deepEqual(st.failureDomains, {
          testaz1: { controlPlane: true },
          testaz2: { controlPlane: true },
        });
        assertConditionsTrue(osc, CLUSTER_CONDITIONS);

        const reasons = new Set((await eventsOf(e, name)).map((ev) => `${ev.type} ${ev.reason}`));
        for (const r of [
          "Network",
          "Subnet",
          "Router",
          "Securitygroup",
          "Loadbalancer",
          "Listener",
          "Pool",
          "Monitor",
          "Floatingip",
        ])
          assert.ok(
            reasons.has(`Normal Successfulcreate${r.toLowerCase()}`),
            `event Successfulcreate${r.toLowerCase()} in ${[...reasons].join(", ")}`,
          );
      },
    );
  });

  it("b. without a load balancer: a floating IP with CAPO's description is the endpoint", async () => {
    const name = `sb-${run}`;
    await scenario(name, { managedSubnets: [{ cidr: "10.102.0.0/24" }], tags: ["t1"] }, async (osc) => {
      const st = statusOf(osc);
      assert.equal(st.apiServerLoadBalancer, undefined);
      const inv = await inventory(e.os, ref(name));
      assert.equal(inv.loadBalancers.length, 0, "no load balancer");
      const fips = await clusterFloatingIPs(e, name);
      assert.equal(fips.length, 1, JSON.stringify(fips));
      const fip = fips[0];
      assert.deepEqual(
        [fip?.description, fip?.floating_network_id, fip?.port_id, fip?.tags.includes("t1")],
        [clusterDescription(ref(name)), publicBefore.network.id, null, true],
        "not attached: the first control plane machine takes it",
      );
      assert.deepEqual(endpointOf(osc), { host: fip?.floating_ip_address, port: 6443 });
      assert.equal(
        st.controlPlaneSecurityGroup,
        undefined,
        "no managed groups without managedSecurityGroups",
      );
      assertConditionsTrue(osc, CLUSTER_CONDITIONS);
    });
  });

  it("f. external network disabled: no router, no floating IP, the fixed IP is the endpoint", async () => {
    const name = `sf-${run}`;
    await scenario(
      name,
      {
        managedSubnets: [{ cidr: "10.106.0.0/24" }],
        disableExternalNetwork: true,
        disableAPIServerFloatingIP: true,
        apiServerFixedIP: "10.106.0.10",
      },
      async (osc) => {
        const st = statusOf(osc);
        assert.equal(st.externalNetwork, undefined);
        assert.equal(st.router, undefined);
        const inv = await inventory(e.os, ref(name));
        assert.deepEqual([inv.routers, inv.floatingIPs], [[], []]);
        assert.equal(inv.networks.length, 1);
        assert.deepEqual(endpointOf(osc), { host: "10.106.0.10", port: 6443 });
        assertConditionsTrue(osc, CLUSTER_CONDITIONS);
      },
    );
  });

  it("h. control plane availability zones pick the control plane failure domains", async () => {
    const name = `sh-${run}`;
    await scenario(
      name,
      {
        managedSubnets: [{ cidr: "10.108.0.0/24" }],
        disableExternalNetwork: true,
        disableAPIServerFloatingIP: true,
        apiServerFixedIP: "10.108.0.10",
        controlPlaneAvailabilityZones: ["testaz1"],
      },
      (osc) => {
        assert.deepEqual(statusOf(osc).failureDomains, {
          testaz1: { controlPlane: true },
          testaz2: { controlPlane: false },
        });
        assertConditionsTrue(osc, CLUSTER_CONDITIONS);
      },
    );
  });

  it("c. load balancer without a floating IP: the endpoint is the VIP", async () => {
    const name = `sc-${run}`;
    await scenario(
      name,
      {
        managedSubnets: [{ cidr: "10.103.0.0/24" }],
        apiServerLoadBalancer: { enabled: true },
        disableAPIServerFloatingIP: true,
      },
      async (osc) => {
        const lbStatus = statusOf(osc).apiServerLoadBalancer;
        const lb = await e.os.loadBalancer.loadBalancers.get(lbStatus?.id ?? "");
        assert.equal(lb.vip_address, lbStatus?.internalIP);
        assert.ok(!lbStatus?.ip, `no floating IP in status: ${lbStatus?.ip}`);
        assert.deepEqual(await clusterFloatingIPs(e, name), []);
        assert.deepEqual(endpointOf(osc), { host: lb.vip_address, port: 6443 });
        const listeners = await e.os.loadBalancer.listeners.list({ loadbalancer_id: lb.id });
        const only = `${loadBalancerName(ref(name))}-6443`;
        assert.deepEqual(
          listeners.map((l) => l.name),
          [only],
        );
        // With no allowed CIDRs the listener and pool alone once looked complete: the monitor must be there.
        const pools = await e.os.loadBalancer.pools.list({ loadbalancer_id: lb.id });
        assert.deepEqual(
          pools.map((p) => p.name),
          [only],
        );
        const monitors = await e.os.loadBalancer.healthMonitors.list({ pool_id: pools[0]?.id ?? "" });
        assert.deepEqual(
          monitors.map((m) => [m.name, m.type]),
          [[only, "TCP"]],
        );
        assertConditionsTrue(osc, CLUSTER_CONDITIONS);
      },
    );
  });

  it("d. the user's network, subnet and router by filter are used and left as they were", async () => {
    const name = `sd-${run}`;
    const label = `capo-ts-it-${run}-byo`;
    const os = e.os;
    const net = await os.network.networks.create({ name: label });
    const byo: { subnet?: Subnet; router?: Router } = {};
    try {
      byo.subnet = await os.network.subnets.create({
        network_id: net.id,
        cidr: "10.104.0.0/24",
        ip_version: 4,
        name: label,
      });
      byo.router = await os.network.routers.create({
        name: label,
        external_gateway_info: { network_id: publicBefore.network.id },
      });
      await os.network.addRouterInterface(byo.router.id, { subnet_id: byo.subnet.id });
      const snapshot = async () => ({
        network: await os.network.networks.get(net.id),
        subnet: await os.network.subnets.get(byo.subnet?.id ?? ""),
        router: await os.network.routers.get(byo.router?.id ?? ""),
        ports: (await os.network.ports.list({ network_id: net.id }))
          .map((p) => `${p.id} ${p.device_owner}`)
          .sort(),
      });
      const before = await snapshot();
      await scenario(
        name,
        {
          network: { filter: { name: label } },
          subnets: [{ filter: { name: label } }],
          router: { filter: { name: label } },
          managedSecurityGroups: { allowAllInClusterTraffic: true },
        },
        async (osc) => {
          const st = statusOf(osc);
          assert.deepEqual(
            {
              network: st.network?.id,
              subnets: st.network?.subnets?.map((s) => [s.id, s.name, s.cidr]),
              router: st.router?.id,
            },
            {
              network: net.id,
              subnets: [[before.subnet.id, label, "10.104.0.0/24"]],
              router: before.router.id,
            },
          );
          assert.deepEqual(st.router?.ips, [
            before.router.external_gateway_info?.external_fixed_ips?.[0]?.ip_address,
          ]);
          const inv = await inventory(os, ref(name));
          assert.deepEqual([inv.networks, inv.subnets, inv.routers], [[], [], []], "no network of our own");
          const rules = expectedRules({
            cp: st.controlPlaneSecurityGroup?.id ?? "",
            worker: st.workerSecurityGroup?.id ?? "",
            subnetCIDR: "10.104.0.0/24",
            allowAll: true,
          });
          assert.deepEqual(
            await observedRules(os, st.workerSecurityGroup?.id ?? ""),
            rules.worker,
            "NodePorts from the user subnet",
          );
          assertConditionsTrue(osc, CLUSTER_CONDITIONS);
        },
      );
      assert.deepEqual(
        await snapshot(),
        before,
        "the user's network, subnet, router and ports are unchanged",
      );
    } finally {
      // By name: a create whose answer was lost still made its resource.
      for (const r of await os.network.routers.list({ name: label })) {
        const ifaces = await os.network.ports.list({
          device_id: r.id,
          device_owner: "network:router_interface",
        });
        for (const p of ifaces) await os.network.removeRouterInterface(r.id, { port_id: p.id });
        await os.network.routers.delete(r.id, { ignoreNotFound: true });
      }
      for (const n of await os.network.networks.list({ name: label }))
        await os.network.networks.delete(n.id, { ignoreNotFound: true });
    }
  });

  it("e. external network by filter", async () => {
    const name = `se-${run}`;
    await scenario(
      name,
      {
        managedSubnets: [{ cidr: "10.105.0.0/24" }],
        externalNetwork: { filter: { name: "public" } },
        disableAPIServerFloatingIP: true,
        apiServerFixedIP: "10.105.0.10",
      },
      async (osc) => {
        const st = statusOf(osc);
        assert.deepEqual(
          [st.externalNetwork?.id, st.externalNetwork?.name],
          [publicBefore.network.id, "public"],
        );
        const router = await e.os.network.routers.get(st.router?.id ?? "");
        assert.equal(router.external_gateway_info?.network_id, publicBefore.network.id);
        assert.deepEqual(await clusterFloatingIPs(e, name), [], "the API floating IP is disabled");
        assert.deepEqual(endpointOf(osc), { host: "10.105.0.10", port: 6443 });
        assertConditionsTrue(osc, CLUSTER_CONDITIONS);
      },
    );
  });

  it("g. all in-cluster traffic with user rules from managed groups and from a prefix", async () => {
    const name = `sg-${run}`;
    const cidr = "10.107.0.0/24";
    await scenario(
      name,
      {
        managedSubnets: [{ cidr }],
        disableExternalNetwork: true,
        disableAPIServerFloatingIP: true,
        apiServerFixedIP: "10.107.0.10",
        managedSecurityGroups: {
          allowAllInClusterTraffic: true,
          allNodesSecurityGroupRules: [
            {
              name: "bgp",
              description: "BGP",
              direction: "ingress",
              etherType: "IPv4",
              protocol: "tcp",
              portRangeMin: 179,
              portRangeMax: 179,
              remoteManagedGroups: ["controlplane", "worker"],
            },
            {
              name: "vxlan",
              direction: "ingress",
              protocol: "udp",
              portRangeMin: 4789,
              portRangeMax: 4789,
              remoteIPPrefix: "192.0.2.0/24",
            },
          ],
        },
      },
      async (osc) => {
        const st = statusOf(osc);
        const cp = st.controlPlaneSecurityGroup?.id ?? "";
        const worker = st.workerSecurityGroup?.id ?? "";
        const base = expectedRules({ cp, worker, subnetCIDR: cidr, allowAll: true });
        const user = [
          key({ protocol: "tcp", min: 179, max: 179, group: cp }),
          key({ protocol: "tcp", min: 179, max: 179, group: worker }),
          key({ protocol: "udp", min: 4789, max: 4789, prefix: "192.0.2.0/24" }),
        ];
        assert.deepEqual(await observedRules(e.os, cp), [...base.cp, ...user].sort(), "control plane rules");
        assert.deepEqual(await observedRules(e.os, worker), [...base.worker, ...user].sort(), "worker rules");
        const bgp = (await e.os.network.securityGroups.get(cp)).security_group_rules.filter(
          (r) => r.port_range_min === 179,
        );
        assert.deepEqual(
          bgp.map((r) => r.description),
          ["BGP", "BGP"],
        );
        assertConditionsTrue(osc, CLUSTER_CONDITIONS);
      },
    );
  });
});
