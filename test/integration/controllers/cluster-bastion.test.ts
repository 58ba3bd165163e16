// The bastion of an OpenStackCluster on the real all-in-one (capo-behaviour §3.7, §3.11): a server
// `<cluster>-bastion` on the cluster network in the bastion group with a floating IP, SSH rules between the
// groups, status.bastion; disabling it removes server, port, floating IP and group; enabling brings it back; a
// changed spec (flavor) replaces the server; deleting the cluster leaves nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bastionName, securityGroupName } from "../../../src/cloud/names.ts";
import { exactName } from "../../../src/openstack/compute.ts";
import { OpenStackClusters } from "../../../src/runtime/resources.ts";
import type { Obj } from "../../env/capo.ts";
import { condition, describe as show } from "../../env/capo.ts";
import {
  CLUSTER_CONDITIONS,
  NS,
  assertConditionsTrue,
  createCluster,
  deleteAndSweep,
  expectedRules,
  observedRules,
  run,
  startEnv,
  statusOf,
  stopEnv,
  type Env,
} from "./cluster-helpers.ts";

const name = `bst-${run}`;
const cidr = "10.121.0.0/24";
const ref = { namespace: NS, name };
const bastionSpec = { flavor: "m1.tiny", image: { filter: { name: "cirros" } }, sshKeyName: "capo-e2e" };
const timings: Record<string, number> = {};

describe("OpenStackCluster bastion", { timeout: 900_000 }, () => {
  let e: Env;
  before(async () => {
    e = await startEnv();
  });
  after(async () => {
    console.log("timings (ms):", JSON.stringify(timings));
    await stopEnv(e);
  });

  const patchBastion = (bastion: Record<string, unknown>) =>
    e.fx.kube.patch<Obj>(OpenStackClusters, NS, name, { spec: { bastion } }, { type: "merge" });

  /** Ready with an ACTIVE bastion that has its floating IP, other than `notId` if given. */
  const waitBastion = (notId?: string) =>
    e.fx.waitFor(
      OpenStackClusters,
      NS,
      name,
      (o) => {
        const b = statusOf(o).bastion;
        return (
          statusOf(o).ready === true &&
          b?.state === "ACTIVE" &&
          !!b.floatingIP &&
          !!b.ip &&
          b.id !== notId &&
          condition(o, "BastionReady")?.status === "True" &&
          condition(o, "Ready")?.status === "True"
        );
      },
      { timeoutMs: 300_000, what: `bastion of ${name} ACTIVE with a floating IP` },
    );

  /** The bastion on the cloud is what status says: server, port in the bastion group, floating IP. */
  async function assertBastion(osc: Obj, flavor: string): Promise<{ serverId: string; portId: string }> {
    const st = statusOf(osc);
    const b = st.bastion;
    const servers = await e.os.compute.listServers({ name: exactName(bastionName(name)) });
    assert.deepEqual(
      servers.map((s) => [s.id, s.status]),
      [[b?.id, "ACTIVE"]],
      "one bastion server",
    );
    const server = await e.os.compute.getServer(b?.id ?? "");
    // Nova's base microversion (2.38) shows the flavor by ID only.
    const flavorId = (await e.os.compute.listFlavors()).find((f) => f.name === flavor)?.id;
    assert.deepEqual(
      [server.name, server.key_name, server.flavor.id, b?.name, b?.sshKeyName],
      [bastionName(name), "capo-e2e", flavorId, bastionName(name), "capo-e2e"],
    );
    const ports = await e.os.network.ports.list({ device_id: server.id });
    assert.equal(ports.length, 1, JSON.stringify(ports));
    const port = ports[0]!;
    assert.deepEqual(
      [port.name, port.network_id, port.security_groups, port.fixed_ips[0]?.ip_address],
      [`${bastionName(name)}-0`, st.network?.id, [st.bastionSecurityGroup?.id], b?.ip],
    );
    const fips = await e.os.network.floatingIPs.list({ floating_ip_address: b?.floatingIP ?? "" });
    assert.deepEqual(
      fips.map((f) => f.port_id),
      [port.id],
      "the floating IP is on the bastion port",
    );
    return { serverId: server.id, portId: port.id };
  }

  async function assertSSHRules(osc: Obj, bastion: boolean): Promise<void> {
    const st = statusOf(osc);
    const want = expectedRules({
      cp: st.controlPlaneSecurityGroup?.id ?? "",
      worker: st.workerSecurityGroup?.id ?? "",
      ...(bastion ? { bastion: st.bastionSecurityGroup?.id ?? "" } : {}),
      subnetCIDR: cidr,
    });
    assert.deepEqual(await observedRules(e.os, st.controlPlaneSecurityGroup?.id ?? ""), want.cp);
    assert.deepEqual(await observedRules(e.os, st.workerSecurityGroup?.id ?? ""), want.worker);
    if (bastion) assert.deepEqual(await observedRules(e.os, st.bastionSecurityGroup?.id ?? ""), want.bastion);
  }

  it("makes, removes, remakes and replaces the bastion, then leaves nothing", async () => {
    let t0 = Date.now();
    await createCluster(e, name, {
      managedSubnets: [{ cidr }],
      managedSecurityGroups: { allowAllInClusterTraffic: false },
      bastion: { enabled: true, spec: bastionSpec },
    });
    let osc = await waitBastion();
    timings.create = Date.now() - t0;
    assertConditionsTrue(osc, [...CLUSTER_CONDITIONS, "BastionReady"]);
    assert.equal(statusOf(osc).bastionSecurityGroup?.name, securityGroupName(ref, "bastion"));
    const first = await assertBastion(osc, "m1.tiny");
    await assertSSHRules(osc, true);
    const firstFIP = statusOf(osc).bastion?.floatingIP ?? "";

    t0 = Date.now();
    await patchBastion({ enabled: false, spec: bastionSpec });
    osc = await e.fx.waitFor(
      OpenStackClusters,
      NS,
      name,
      (o) => statusOf(o).bastion === undefined && statusOf(o).bastionSecurityGroup === undefined,
      { timeoutMs: 200_000, what: "bastion status gone" },
    );
    const gone = async () => ({
      server: (await e.os.compute.getServer(first.serverId, { ignoreNotFound: true }))?.status ?? "gone",
      port: (await e.os.network.ports.get(first.portId, { ignoreNotFound: true }))?.id ?? "gone",
      fips: (await e.os.network.floatingIPs.list({ floating_ip_address: firstFIP })).length,
      group: (await e.os.network.securityGroups.list({ name: securityGroupName(ref, "bastion") })).length,
      sshRules: (await observedRules(e.os, statusOf(osc).controlPlaneSecurityGroup?.id ?? "")).filter((k) =>
        k.includes("22,22"),
      ).length,
    });
    const deadline = Date.now() + 200_000;
    let left = await gone();
    while (
      JSON.stringify(left) !==
      JSON.stringify({ server: "gone", port: "gone", fips: 0, group: 0, sshRules: 0 })
    ) {
      assert.ok(
        Date.now() < deadline,
        `bastion leftovers after disabling: ${JSON.stringify(left)}; ${show(osc)}`,
      );
      await new Promise((r) => setTimeout(r, 1000));
      left = await gone();
    }
    timings.disable = Date.now() - t0;
    await assertSSHRules((await e.fx.get(OpenStackClusters, NS, name)) as Obj, false);
    assert.equal(statusOf(osc).ready, true);

    t0 = Date.now();
    await patchBastion({ enabled: true, spec: bastionSpec });
    osc = await waitBastion(first.serverId);
    timings.reenable = Date.now() - t0;
    const second = await assertBastion(osc, "m1.tiny");
    assert.notEqual(second.serverId, first.serverId);
    await assertSSHRules(osc, true);

    t0 = Date.now();
    await patchBastion({ enabled: true, spec: { ...bastionSpec, flavor: "m1.tiny.alt" } });
    osc = await waitBastion(second.serverId);
    timings.replace = Date.now() - t0;
    const third = await assertBastion(osc, "m1.tiny.alt");
    assert.equal(
      await e.os.compute
        .getServer(second.serverId, { ignoreNotFound: true })
        .then((s) => s?.status ?? "gone"),
      "gone",
      "the old server was deleted",
    );
    assert.notEqual(third.serverId, second.serverId);

    timings.delete = await deleteAndSweep(e, name);
  });
});
