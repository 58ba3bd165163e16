// Some of CAPO's e2e scenarios (test/e2e/suites/e2e), under the real Cluster API controllers on the local
// management cluster, named as CAPO names them. Three clusters at once:
// - "sc-nolb" from `clusterctl generate cluster --flavor without-lb`: its KubeadmControlPlane's first machine
//   gets the API floating IP; MachineDeployments with custom ports and with misconfigurations beside it;
// - "sc-az": control plane Machines in two availability zones with root volumes;
// - "sc-flatcar" from `--flavor flatcar`: Ignition bootstrap data reaches the server as its user data.
// Machines other than a KubeadmControlPlane's first are given ready bootstrap data (`dataSecretName`), since
// the local Nova boots no operating system; the tests' names say so. Every cluster is deleted at the end and a
// sweep finds nothing of it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertNothingLeft, inventory, purge } from "../../env/sweep.ts";
import { newClient } from "../../integration/openstack/env.ts";
import {
  clusterctl,
  ensureProviders,
  json,
  kubectl,
  member,
  ok,
  openstack,
  requireCluster,
  until,
} from "./env.ts";
import {
  apply,
  bootstrapSecret,
  clusterSecrets,
  controlPlaneMachine,
  condition,
  isReady,
  listOf,
  machineDeployment,
  machineTemplate,
  type Obj,
  serversNamed,
  templateVariables,
  workloadCluster,
} from "./workload.ts";

const NS = "capo-e2e-scenarios";
const NOLB = "sc-nolb";
const AZ = "sc-az";
const FLATCAR = "sc-flatcar";
const EXTRA_SG = `${NS}-extra`;
const os = newClient();
const machines = (cluster: string) => listOf("openstackmachines", NS, cluster);

async function generated(flavor: string, name: string): Promise<string> {
  const args = ["generate", "cluster", name, "--flavor", flavor, "--kubernetes-version", "v1.33.0", "-n", NS];
  const counts = ["--control-plane-machine-count=1", "--worker-machine-count=0"];
  return ok(await clusterctl([...args, ...counts], await templateVariables()), `generate --flavor ${flavor}`);
}

const customPorts = {
  ports: [
    {
      nameSuffix: "custom",
      description: "e2e custom port",
      tags: ["e2e-custom"],
      vnicType: "normal",
      allowedAddressPairs: [{ ipAddress: "10.6.0.250" }],
      securityGroups: [{ filter: { name: EXTRA_SG } }],
      trunk: true,
    },
  ],
};

/** The extra MachineDeployments of sc-nolb: custom ports, an invalid subnet, an invalid availability zone. */
function nolbExtras(): unknown[] {
  const badSubnet = { ports: [{ fixedIPs: [{ subnet: { filter: { name: `${NS}-no-such-subnet` } } }] }] };
  return [
    bootstrapSecret(NS, NOLB), // the generated cluster carries its cloud-config Secret
    machineTemplate(NS, `${NOLB}-ports`, { flavor: "m1.small", ...customPorts }),
    machineDeployment(NS, NOLB, `${NOLB}-ports`, { replicas: 1, template: `${NOLB}-ports` }),
    machineTemplate(NS, `${NOLB}-badsubnet`, { flavor: "m1.small", ...badSubnet }),
    machineDeployment(NS, NOLB, `${NOLB}-badsubnet`, { replicas: 1, template: `${NOLB}-badsubnet` }),
    machineTemplate(NS, `${NOLB}-badaz`, { flavor: "m1.small" }),
    machineDeployment(NS, NOLB, `${NOLB}-badaz`, {
      replicas: 1,
      template: `${NOLB}-badaz`,
      failureDomain: `${NS}-no-such-az`,
    }),
  ];
}

/** sc-az: no control plane provider; two control plane Machines (ready bootstrap data), one per zone. */
function azCluster(): unknown[] {
  const rootVolume = { sizeGiB: 1, type: "test-volume-type", availabilityZone: { from: "Machine" } };
  const cp = (zone: string) =>
    controlPlaneMachine(NS, AZ, `${AZ}-cp-${zone}`, { failureDomain: zone, spec: { rootVolume } });
  return [
    ...clusterSecrets(NS, AZ),
    ...workloadCluster(NS, AZ, { cidr: "10.8.0.0/24", loadBalancer: false, managedSecurityGroups: {} }),
    ...cp("testaz1"),
    ...cp("testaz2"),
  ];
}

const byName = (list: Obj[], prefix: string) => list.filter((m) => m.metadata.name.startsWith(prefix));

/** A Warning event on an object of the namespace whose message matches. */
async function warning(kind: string, name: string, message: RegExp): Promise<string> {
  const events = await json<{
    items: { involvedObject: { kind: string; name: string }; type: string; message: string }[];
  }>(["get", "events", "-n", NS]);
  const hit = events.items.find(
    (e) =>
      e.type === "Warning" &&
      e.involvedObject.kind === kind &&
      e.involvedObject.name === name &&
      message.test(e.message),
  );
  if (!hit) throw new Error(`no Warning on ${kind} ${name} matching ${message}`);
  return hit.message;
}

describe("CAPO's e2e scenarios on the local management cluster", () => {
  const names: Record<string, string[]> = { [NOLB]: [], [AZ]: [], [FLATCAR]: [] };

  before(async () => {
    requireCluster();
    await ensureProviders();
    await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=true"]);
    ok(await kubectl(["create", "namespace", NS]), "namespace");
    openstack(["security", "group", "create", "--project", "demo", EXTRA_SG]);
    const [nolb, flatcar] = await Promise.all([generated("without-lb", NOLB), generated("flatcar", FLATCAR)]);
    await until("the clusters to pass the webhooks", 120_000, async () => {
      ok(await kubectl(["apply", "-f", "-"], `${nolb}\n---\n${flatcar}`), "apply the generated clusters");
      return apply([...nolbExtras(), ...azCluster()]);
    });
  });

  after(async () => {
    await Promise.all(
      [NOLB, AZ, FLATCAR].map((c) =>
        kubectl(["delete", "cluster", c, "-n", NS, "--ignore-not-found", "--timeout=300s"]),
      ),
    );
    for (const c of [NOLB, AZ, FLATCAR])
      await purge(os, await inventory(os, { namespace: NS, name: c }, { machineNames: names[c] }));
    await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=false"]);
    openstack(["security", "group", "delete", EXTRA_SG]);
  });

  it("Workload cluster (without lb): the API floating IP lands on the KubeadmControlPlane's first machine", async () => {
    const cp = await until("the control plane machine Ready", 600_000, async () =>
      byName(await machines(NOLB), `${NOLB}-control-plane-`).find(isReady),
    );
    names[NOLB]?.push(cp.metadata.name);
    const osc = await json<Obj>(["get", "openstackcluster", NOLB, "-n", NS]);
    const host = (osc.spec?.controlPlaneEndpoint as { host: string }).host;
    const port = ((cp.status?.resources as { ports: { id: string }[] }).ports[0] as { id: string }).id;
    const fip = openstack(["floating", "ip", "show", host, "-f", "json"]);
    assert.equal(
      (JSON.parse(fip) as { port_id: string | null }).port_id,
      port,
      `${fip}\n${JSON.stringify(cp.status)}`,
    );
    assert.equal(osc.status?.apiServerLoadBalancer, undefined, "no load balancer");
  });

  it("Workload cluster (without lb) should create port(s) with custom options (ready bootstrap data)", async () => {
    const m = await until("the custom-port machine Ready", 600_000, async () =>
      byName(await machines(NOLB), `${NOLB}-ports-`).find(isReady),
    );
    names[NOLB]?.push(m.metadata.name);
    const port = JSON.parse(openstack(["port", "show", `${m.metadata.name}-custom`, "-f", "json"])) as Record<
      string,
      unknown
    >;
    assert.equal(port.description, "e2e custom port");
    assert.ok((port.tags as string[]).includes("e2e-custom"));
    assert.deepEqual(
      (port.allowed_address_pairs as { ip_address: string }[]).map((p) => p.ip_address),
      ["10.6.0.250"],
    );
    const sg = openstack(["security", "group", "show", EXTRA_SG, "-f", "value", "-c", "id"]);
    assert.ok((port.security_group_ids as string[]).includes(sg), "the security group found by filter");
    const trunk = JSON.parse(
      openstack(["network", "trunk", "show", `${m.metadata.name}-custom`, "-f", "json"]),
    ) as { port_id: string };
    assert.equal(trunk.port_id, port.id, "a trunk on the custom port");
  });

  it("MachineDeployment misconfigurations should fail to create MachineDeployment with invalid subnet or invalid availability zone", async () => {
    const bad = await until("both misconfigured machines to report", 300_000, async () => {
      const list = await machines(NOLB);
      const [subnet, az] = [byName(list, `${NOLB}-badsubnet-`)[0], byName(list, `${NOLB}-badaz-`)[0]];
      const failed = (o?: Obj) =>
        o &&
        condition(o, "InstanceReady")?.status === "False" &&
        condition(o, "InstanceReady")?.reason !== "WaitingForBootstrapData";
      return failed(subnet) && failed(az) ? { subnet, az } : undefined;
    });
    const subnetName = bad.subnet?.metadata.name ?? "";
    const azName = bad.az?.metadata.name ?? "";
    names[NOLB]?.push(subnetName, azName);
    assert.match(
      condition(bad.subnet as Obj, "InstanceReady")?.message ?? "",
      new RegExp(`${NS}-no-such-subnet`),
    );
    assert.match(
      await warning("OpenStackMachine", subnetName, new RegExp(`${NS}-no-such-subnet`)),
      /subnet/i,
    );
    // Nova refuses the zone at once (400): the condition says so, not "a create may still be in flight".
    await until("the zone's refusal on InstanceReady", 120_000, async () => {
      const m = (await machines(NOLB)).find((o) => o.metadata.name === azName);
      return m && /availability zone/i.test(condition(m, "InstanceReady")?.message ?? "") ? true : undefined;
    });
    await until("a Warning about the zone", 60_000, () =>
      warning("OpenStackMachine", azName, /availability zone/i),
    );
    assert.equal(serversNamed(`${NOLB}-bad`).size, 0, "no server for either");
  });

  it("Workload cluster (multi-AZ): control planes in two zones (ready bootstrap data), root volumes' zone and type; an out-of-band server delete gives InstanceDeleted", async () => {
    const cps = await until("both zones' control planes Ready", 600_000, async () => {
      const list = await machines(AZ);
      return list.length === 2 && list.every(isReady) ? list : undefined;
    });
    names[AZ] = cps.map((m) => m.metadata.name);
    for (const zone of ["testaz1", "testaz2"]) {
      const name = `${AZ}-cp-${zone}`;
      const server = JSON.parse(member(["server", "show", name, "-f", "json"])) as Record<string, unknown>;
      assert.equal(server["OS-EXT-AZ:availability_zone"], zone);
      const volume = JSON.parse(member(["volume", "show", `${name}-root`, "-f", "json"])) as Record<
        string,
        unknown
      >;
      assert.equal(volume.availability_zone, zone);
      assert.equal(volume.type, "test-volume-type");
    }
    const victim = `${AZ}-cp-testaz2`;
    member(["server", "delete", "--wait", victim]);
    // Nothing tells the controller that Nova deleted it before the next resync (10 min): an annotation does.
    const poke = ["annotate", "openstackmachine", victim, "-n", NS, "--overwrite"];
    const gone = await until("InstanceDeleted", 300_000, async () => {
      await kubectl([...poke, `e2e.capo-ts/poke=${Date.now()}`]);
      const m = (await machines(AZ)).find((o) => o.metadata.name === victim);
      return m && condition(m, "InstanceReady")?.reason === "InstanceDeleted" ? m : undefined;
    });
    assert.equal(condition(gone, "Ready")?.status, "False");
    assert.equal(serversNamed(victim).size, 0, "no new server");
  });

  it("Workload cluster (flatcar): the Ignition bootstrap data is the server's user data", async () => {
    const cp = await until("the flatcar control plane Ready", 600_000, async () =>
      byName(await machines(FLATCAR), `${FLATCAR}-control-plane-`).find(isReady),
    );
    names[FLATCAR]?.push(cp.metadata.name);
    // Only the admin sees a server's user data (OS-EXT-SRV-ATTR, microversion 2.3), and finds it by ID.
    const id = String(cp.status?.instanceID);
    const server = JSON.parse(
      openstack(["--os-compute-api-version", "2.3", "server", "show", id, "-f", "json"]),
    ) as Record<string, unknown>;
    const userData = Buffer.from(String(server["OS-EXT-SRV-ATTR:user_data"]), "base64").toString();
    const ignition = JSON.parse(userData) as { ignition?: { version?: string } };
    assert.match(ignition.ignition?.version ?? "", /^\d+\.\d+/, "an Ignition config, passed through");
  });

  it("deletes every cluster and leaves nothing on the cloud", async () => {
    await Promise.all(
      [NOLB, AZ, FLATCAR].map(async (c) =>
        ok(await kubectl(["delete", "cluster", c, "-n", NS, "--timeout=300s"]), `delete ${c}`),
      ),
    );
    for (const c of [NOLB, AZ, FLATCAR])
      assertNothingLeft(await inventory(os, { namespace: NS, name: c }, { machineNames: names[c] }));
    assert.equal(
      openstack(["network", "trunk", "list", "-f", "value", "-c", "Name"]).includes(NOLB),
      false,
      "no trunk left",
    );
  });
});
