// The OpenStackMachine reconciler on the real all-in-one through the real manager: one cluster, every machine
// shape at once (default port, three networks, custom port options with a trunk, security groups by filter,
// boot from volume, additional block devices, server group, metadata and tags, image by tags), each checked on
// Nova, Neutron and Cinder and in the OpenStackMachine's status; then all deleted, and nothing of them is left.
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { condition, type Obj } from "../../env/capo.ts";
import { OpenStackClusters } from "../../../src/runtime/resources.ts";
import { exactName, type Server } from "../../../src/openstack/compute.ts";
import type { Port } from "../../../src/openstack/network.ts";
import { IMAGE } from "../../../src/openstack/image.ts";
import { ServiceClient } from "../../../src/openstack/rest.ts";
import { Cleanup, SEED, tenantNetwork } from "../openstack/env.ts";
import {
  BASE_MACHINE,
  NS,
  startMachineEnv,
  stopMachineEnvs,
  type MachineEnv,
  type TestCluster,
} from "./machine-helpers.ts";

let m: MachineEnv;
let c: TestCluster;
const cleanup = new Cleanup();
const extra: {
  net1: string;
  net2: string;
  sg: string;
  group: string;
  flavor: string;
  flavorId: string;
  image: string;
} = {
  net1: "",
  net2: "",
  sg: "",
  group: "",
  flavor: "",
  flavorId: "",
  image: "",
};
const BOOTSTRAP = "#cloud-config\nruncmd: [echo capo-ts]\n";
const CIDR = "10.93.0";

interface Status {
  ready?: boolean;
  instanceID?: string;
  instanceState?: string;
  addresses?: { type: string; address: string }[];
  resolved?: { imageID?: string; serverGroupID?: string; ports?: { name: string; networkID: string }[] };
  resources?: { ports?: { id: string }[] };
}
const statusOf = (o: Obj) => (o.status ?? {}) as Status;

before(async () => {
  m = await startMachineEnv("msc");
  const p = m.prefix;
  const [{ net: n1 }, { net: n2 }] = await Promise.all([
    tenantNetwork(m.os, cleanup, `${p}-net1`, "10.94.1.0/24"),
    tenantNetwork(m.os, cleanup, `${p}-net2`, "10.94.2.0/24"),
  ]);
  extra.net1 = n1.id;
  extra.net2 = n2.id;
  const sg = await m.os.network.securityGroups.create({ name: `${p}-extra-sg` });
  cleanup.add("sg", () => m.os.network.securityGroups.delete(sg.id, { ignoreNotFound: true }));
  extra.sg = sg.id;
  const group = await m.os.compute.createServerGroup({
    name: `${p}-group`,
    policies: ["soft-anti-affinity"],
  });
  cleanup.add("server group", () => m.os.compute.deleteServerGroup(group.id, { ignoreNotFound: true }));
  extra.group = group.id;
  // A Local block device is carved from the flavor's ephemeral disk; the seeded flavors have none.
  const flavor = await m.admin.compute.createFlavor({
    name: `${p}-eph`,
    ram: 512,
    vcpus: 1,
    disk: 1,
    "OS-FLV-EXT-DATA:ephemeral": 1,
  } as Parameters<typeof m.admin.compute.createFlavor>[0]);
  cleanup.add("flavor", () => m.admin.compute.deleteFlavor(flavor.id, { ignoreNotFound: true }));
  extra.flavor = flavor.name;
  extra.flavorId = flavor.id;
  // The seeded image gets a tag of this run only (a dedicated image would need an upload).
  const [cirros] = await m.admin.image.listImages({ name: SEED.image });
  assert.ok(cirros);
  extra.image = cirros.id;
  const glance = new ServiceClient(m.admin.session, IMAGE);
  const tag = (method: "PUT" | "DELETE") =>
    glance.request({ method, path: `images/${cirros.id}/tags/${p}-img`, operation: "image_tag" });
  await tag("PUT");
  cleanup.add("image tag", () => tag("DELETE"));
  c = await m.readyCluster(`${p}-c`, {
    managedSubnets: [{ cidr: `${CIDR}.0/24` }],
    managedSecurityGroups: { allowAllInClusterTraffic: true },
    // No router: the machines need none, and a router create is slow on a busy all-in-one.
    disableExternalNetwork: true,
    disableAPIServerFloatingIP: true,
    apiServerFixedIP: `${CIDR}.10`,
    tags: [`${p}-ctag`],
  });
});

after(async () => {
  try {
    await stopMachineEnvs();
  } finally {
    await cleanup.run();
  }
});

const subnetName = () => `k8s-clusterapi-cluster-${NS}-${c.name}`;
const clusterTag = () => `${m.prefix}-ctag`;

/** The machine shapes, each a spec and what its Machine says. */
function scenarios(): Record<string, { spec: Record<string, unknown>; controlPlane?: boolean }> {
  const p = m.prefix;
  return {
    worker: { spec: {} },
    cp: { spec: {}, controlPlane: true },
    nets: {
      spec: { ports: [{}, { network: { id: extra.net1 } }, { network: { filter: { name: `${p}-net2` } } }] },
    },
    custom: {
      spec: {
        ports: [
          {
            nameSuffix: "custom",
            description: "a custom port",
            tags: ["port-tag"],
            vnicType: "normal",
            trunk: true,
            allowedAddressPairs: [{ ipAddress: `${CIDR}.200` }],
            fixedIPs: [{ subnet: { filter: { name: subnetName() } }, ipAddress: `${CIDR}.50` }],
          },
          { nameSuffix: "nosec", network: { id: extra.net1 }, disablePortSecurity: true },
        ],
      },
    },
    sg: {
      spec: {
        securityGroups: [{ filter: { name: `${p}-extra-sg` } }],
        ports: [{}, { network: { id: extra.net2 } }],
      },
    },
    bfv: {
      spec: {
        rootVolume: { sizeGiB: 1, type: SEED.volumeType, availabilityZone: { name: SEED.az } },
      },
    },
    devices: {
      spec: {
        flavor: extra.flavor,
        additionalBlockDevices: [
          { name: "etcd", sizeGiB: 1, storage: { type: "Volume", volume: { type: SEED.volumeType } } },
          { name: "scratch", sizeGiB: 1, storage: { type: "Local" } },
        ],
      },
    },
    group: { spec: { serverGroup: { filter: { name: `${p}-group` } } } },
    meta: {
      spec: {
        serverMetadata: [
          { key: "role", value: "test" },
          { key: "owner", value: p },
        ],
        tags: ["m-tag-a", "m-tag-b"],
      },
    },
    img: { spec: { image: { filter: { tags: [`${p}-img`] } } } },
  };
}

const nameOf = (short: string) => `${m.prefix}-${short}`;

async function ports(osm: Obj): Promise<Port[]> {
  const ids = (statusOf(osm).resources?.ports ?? []).map((x) => x.id);
  return Promise.all(ids.map((id) => m.os.network.ports.get(id)));
}

/** What every machine shows when Ready: status, conditions, providerID, the server with user data and tags. */
async function assertReadyMachine(short: string, osm: Obj, portCount: number): Promise<Server> {
  const name = nameOf(short);
  const st = statusOf(osm);
  assert.equal(st.ready, true, name);
  assert.equal(st.instanceState, "ACTIVE", name);
  assert.ok(st.instanceID, name);
  assert.equal((osm.spec as { providerID?: string }).providerID, `openstack:///${st.instanceID}`);
  assert.equal(condition(osm, "Ready")?.status, "True", name);
  assert.equal(condition(osm, "InstanceReady")?.status, "True", name);
  assert.ok(st.resolved?.imageID, name);
  assert.equal(st.resolved.ports?.length, portCount, name);
  assert.equal(st.resources?.ports?.length, portCount, name);
  assert.deepEqual(
    st.addresses?.filter((a) => a.type === "InternalDNS"),
    [{ type: "InternalDNS", address: name }],
  );
  // Admin sees OS-EXT-SRV-ATTR:user_data (microversion ≥ 2.3).
  const server = (await m.admin.compute.getServer(st.instanceID)) as Server & Record<string, unknown>;
  assert.equal(server.name, name);
  assert.equal(server.status, "ACTIVE");
  assert.equal(server["OS-EXT-AZ:availability_zone"], SEED.az);
  assert.equal(Buffer.from(String(server["OS-EXT-SRV-ATTR:user_data"]), "base64").toString(), BOOTSTRAP);
  assert.ok(server.tags?.includes(clusterTag()), `${name} tags ${String(server.tags)}`);
  const internal = st.addresses.filter((a) => a.type === "InternalIP");
  assert.equal(internal.length, portCount, `${name} addresses ${JSON.stringify(st.addresses)}`);
  const portList = await ports(osm);
  for (const port of portList) assert.equal(port.device_id, server.id, `${port.name} attached`);
  return server;
}

it(
  "creates every machine shape at once, each as CAPO would, then deletes them all without a trace",
  { timeout: 1_200_000 },
  async () => {
    const all = scenarios();
    const t0 = Date.now();
    await Promise.all(
      Object.entries(all).map(([short, sc]) =>
        m.machine(
          c,
          nameOf(short),
          { ...BASE_MACHINE, ...sc.spec },
          {
            bootstrap: BOOTSTRAP,
            ...(sc.controlPlane ? { controlPlane: true } : {}),
          },
        ),
      ),
    );
    const osms = Object.fromEntries(
      await Promise.all(
        Object.keys(all).map(async (short) => [short, await m.waitReady(nameOf(short), 600_000)] as const),
      ),
    );
    console.log(`# ${Object.keys(all).length} machines Ready ${Date.now() - t0} ms after creation`);
    const osc = await m.fx.get(OpenStackClusters, NS, c.name);
    const oscStatus = osc?.status as {
      workerSecurityGroup: { id: string };
      controlPlaneSecurityGroup: { id: string };
      network: { id: string; subnets: { id: string }[] };
    };
    const workerSG = oscStatus.workerSecurityGroup.id;
    const clusterNet = oscStatus.network.id;
    const get = (short: string): Obj => {
      const o = osms[short];
      assert.ok(o);
      return o;
    };

    // Default port: `<machine>-0` on the cluster network, CAPO's description, the role's managed SG, tags.
    for (const [short, sgId] of [
      ["worker", workerSG],
      ["cp", oscStatus.controlPlaneSecurityGroup.id],
    ] as const) {
      await assertReadyMachine(short, get(short), 1);
      const [port] = await ports(get(short));
      assert.ok(port);
      assert.equal(port.name, `${nameOf(short)}-0`);
      assert.equal(port.network_id, clusterNet);
      assert.equal(port.description, `Created by cluster-api-provider-openstack cluster ${c.name}`);
      assert.deepEqual(port.security_groups, [sgId]);
      assert.deepEqual(port.tags, [clusterTag()]);
    }

    // Three networks: three ports in order, three InternalIPs.
    {
      await assertReadyMachine("nets", get("nets"), 3);
      const ps = await ports(get("nets"));
      assert.deepEqual(
        ps.map((x) => [x.name, x.network_id]),
        [
          [`${nameOf("nets")}-0`, clusterNet],
          [`${nameOf("nets")}-1`, extra.net1],
          [`${nameOf("nets")}-2`, extra.net2],
        ],
      );
    }

    // Custom port options and a trunk named as its port.
    {
      await assertReadyMachine("custom", get("custom"), 2);
      const [custom, nosec] = await ports(get("custom"));
      assert.ok(custom && nosec);
      assert.equal(custom.name, `${nameOf("custom")}-custom`);
      assert.equal(custom.description, "a custom port");
      assert.deepEqual([...custom.tags].sort(), [clusterTag(), "port-tag"].sort());
      assert.equal(custom["binding:vnic_type"], "normal");
      assert.deepEqual(
        custom.fixed_ips.map((f) => [f.subnet_id, f.ip_address]),
        [[oscStatus.network.subnets[0]?.id, `${CIDR}.50`]],
      );
      assert.deepEqual(
        custom.allowed_address_pairs.map((a) => a.ip_address),
        [`${CIDR}.200`],
      );
      assert.deepEqual(custom.security_groups, [workerSG]);
      const trunks = await m.os.network.trunks.list({ port_id: custom.id });
      assert.deepEqual(
        trunks.map((t) => [t.name, t.description]),
        [[custom.name, "a custom port"]],
      );
      assert.equal(nosec.name, `${nameOf("custom")}-nosec`);
      assert.equal(nosec.network_id, extra.net1);
      assert.equal(nosec.port_security_enabled, false);
      assert.deepEqual(nosec.security_groups, []);
      assert.deepEqual(await m.os.network.trunks.list({ port_id: nosec.id }), []);
    }

    // Machine security groups by filter: on every port, beside the managed group.
    {
      await assertReadyMachine("sg", get("sg"), 2);
      for (const port of await ports(get("sg")))
        assert.deepEqual([...port.security_groups].sort(), [workerSG, extra.sg].sort(), port.name);
    }

    // Boot from volume: `<machine>-root`, its description, type and AZ; the server has no image.
    {
      const server = await assertReadyMachine("bfv", get("bfv"), 1);
      const [root] = await m.os.blockStorage.volumes.list({ name: `${nameOf("bfv")}-root` });
      assert.ok(root, "root volume");
      assert.equal(root.description, `Root volume for ${nameOf("bfv")}`);
      assert.equal(root.volume_type, SEED.volumeType);
      assert.equal(root.availability_zone, SEED.az);
      assert.equal(root.size, 1);
      assert.equal(server.image, "", "booted from the volume, not an image");
      assert.deepEqual(
        (server["os-extended-volumes:volumes_attached"] ?? []).map((v) => v.id),
        [root.id],
      );
    }

    // Additional block devices: a Cinder volume `<machine>-etcd` attached; the Local one from the flavor.
    {
      const server = await assertReadyMachine("devices", get("devices"), 1);
      const [etcd] = await m.os.blockStorage.volumes.list({ name: `${nameOf("devices")}-etcd` });
      assert.ok(etcd, "etcd volume");
      assert.equal(etcd.description, `Additional block device for ${nameOf("devices")}`);
      assert.equal(etcd.volume_type, SEED.volumeType);
      assert.deepEqual(
        (server["os-extended-volumes:volumes_attached"] ?? []).map((v) => v.id),
        [etcd.id],
      );
      assert.deepEqual(await m.os.blockStorage.volumes.list({ name: `${nameOf("devices")}-scratch` }), []);
      // Nova's base microversion (2.38) shows the flavor by ID only.
      assert.equal(server.flavor.id, extra.flavorId);
    }

    // Server group by name.
    {
      const server = await assertReadyMachine("group", get("group"), 1);
      assert.equal(statusOf(get("group")).resolved?.serverGroupID, extra.group);
      const group = await m.os.compute.getServerGroup(extra.group);
      assert.deepEqual(group?.members, [server.id]);
    }

    // Metadata and tags: machine tags ∪ cluster tags on server and ports.
    {
      const server = await assertReadyMachine("meta", get("meta"), 1);
      assert.deepEqual(server.metadata, { role: "test", owner: m.prefix });
      assert.deepEqual([...(server.tags ?? [])].sort(), ["m-tag-a", "m-tag-b", clusterTag()].sort());
      const [port] = await ports(get("meta"));
      assert.deepEqual([...(port?.tags ?? [])].sort(), ["m-tag-a", "m-tag-b", clusterTag()].sort());
    }

    // Image by tags.
    {
      const server = await assertReadyMachine("img", get("img"), 1);
      assert.equal(statusOf(get("img")).resolved?.imageID, extra.image);
      assert.deepEqual(server.image, { id: extra.image, links: (server.image as { links?: unknown }).links });
    }

    // Events name what was made.
    const evs = await m.events(nameOf("worker"));
    assert.ok(
      evs.some(
        (e) => e.type === "Normal" && /create/i.test(e.reason) && e.message.includes(nameOf("worker")),
      ),
      JSON.stringify(evs.map((e) => [e.reason, e.message])),
    );

    // Delete them all at once; nothing of them is left on the cloud.
    const t1 = Date.now();
    await Promise.all(Object.keys(all).map((short) => m.deleteMachine(nameOf(short), 300_000)));
    console.log(`# ${Object.keys(all).length} machines deleted ${Date.now() - t1} ms after the delete`);
    const inv = await m.inventory(c);
    const mine = (x: { name: string }) =>
      Object.keys(all).some((s) => x.name === nameOf(s) || x.name.startsWith(`${nameOf(s)}-`));
    for (const kind of ["servers", "ports", "trunks", "volumes"] as const)
      assert.deepEqual(inv[kind].filter(mine), [], `${kind} left`);
    for (const short of Object.keys(all))
      assert.deepEqual(await m.os.compute.listServers({ name: exactName(nameOf(short)) }), []);
    const fips = await m.os.network.floatingIPs.list();
    const leftPorts = new Set(inv.ports.map((x) => x.id));
    assert.deepEqual(
      fips.filter((f) => f.port_id && !leftPorts.has(f.port_id) && f.description.includes(c.name)),
      [],
    );
  },
);
