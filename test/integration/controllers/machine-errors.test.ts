// What the OpenStackMachine reconciler says when a machine cannot be made, on the real all-in-one through the
// real manager: a spec naming what does not exist (image, flavor, subnet: nothing created), a server Nova puts in
// ERROR, a server deleted out of band (reported, never recreated), a quota Nova refuses and that is later raised
// (the machine converges), and the waits for bootstrap data and for the cluster's infrastructure.
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import { condition, type Obj } from "../../env/capo.ts";
import { exactName } from "../../../src/openstack/compute.ts";
import type { OpenStackClient } from "../../../src/openstack/client.ts";
import { COMPUTE } from "../../../src/openstack/compute.ts";
import { ServiceClient } from "../../../src/openstack/rest.ts";
import { IDENTITY } from "../../../src/openstack/session.ts";
import { Machines, OpenStackMachines, Secrets } from "../../../src/runtime/resources.ts";
import { inventory, purge } from "../../env/sweep.ts";
import { credentialFromClouds } from "../../../src/openstack/clouds.ts";
import { CLOUDS_YAML, Cleanup, newClient } from "../openstack/env.ts";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
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
let hugeFlavor = "";

const clusterSpec = (cidr: string) => ({
  managedSubnets: [{ cidr: `${cidr}.0/24` }],
  managedSecurityGroups: {},
  // No router: the machines need none, and a router create is slow on a busy all-in-one.
  disableExternalNetwork: true,
  disableAPIServerFloatingIP: true,
  apiServerFixedIP: `${cidr}.10`,
});

before(async () => {
  m = await startMachineEnv("mer");
  // A flavor no fake host can hold: the scheduler finds no valid host and Nova records a fault.
  const huge = await m.admin.compute.createFlavor({
    name: `${m.prefix}-huge`,
    ram: 512,
    vcpus: 1,
    disk: 10_000_000,
  });
  cleanup.add("huge flavor", () => m.admin.compute.deleteFlavor(huge.id, { ignoreNotFound: true }));
  hugeFlavor = huge.name;
  c = await m.readyCluster(`${m.prefix}-c`, clusterSpec("10.95.0"));
});

after(async () => {
  try {
    await stopMachineEnvs();
  } finally {
    await cleanup.run();
  }
});

const nameOf = (short: string) => `${m.prefix}-${short}`;

/** Nothing was made for the machine: no port of its name, no server. */
async function assertNothingCreated(name: string): Promise<void> {
  const ports = (await m.os.network.ports.list()).filter((p) => p.name.startsWith(`${name}-`));
  assert.deepEqual(
    ports.map((p) => p.name),
    [],
    `ports of ${name}`,
  );
  assert.deepEqual(await m.os.compute.listServers({ name: exactName(name) }), [], `servers of ${name}`);
}

async function warning(name: string, reason: string, includes: string): Promise<void> {
  const evs = await m.events(name);
  assert.ok(
    // Reasons are title-cased as CAPO's recorder does ("Dependencyfailed").
    evs.some(
      (e) =>
        e.type === "Warning" &&
        e.reason.toLowerCase() === reason.toLowerCase() &&
        e.message.includes(includes),
    ),
    `no Warning ${reason} with "${includes}" for ${name}: ${JSON.stringify(evs.map((e) => [e.type, e.reason, e.message]))}`,
  );
}

const falseWith = (reason: string) => (x: { status: string; reason?: string }) =>
  x.status === "False" && x.reason === reason;

/** A change the controller sees, so it reconciles now rather than at the next resync. */
async function poke(name: string): Promise<void> {
  await m.fx.kube.patch(
    OpenStackMachines,
    NS,
    name,
    { metadata: { annotations: { "test/poke": randomBytes(4).toString("hex") } } },
    { type: "merge" },
  );
}

it(
  "a spec naming what does not exist: the condition names the filter, a Warning says it, nothing is created",
  { timeout: 480_000 },
  async () => {
    const p = m.prefix;
    const cases = {
      "bad-image": {
        spec: { image: { filter: { name: `${p}-no-such-image` } } },
        says: `image filter {"name":"${p}-no-such-image"} matched no resources`,
      },
      "bad-flavor": { spec: { flavor: `${p}-no-such-flavor` }, says: `${p}-no-such-flavor` },
      "bad-subnet": {
        spec: { ports: [{ fixedIPs: [{ subnet: { filter: { name: `${p}-no-such-subnet` } } }] }] },
        says: `subnet filter {"name":"${p}-no-such-subnet"`,
      },
    };
    await Promise.all(
      Object.entries(cases).map(([short, x]) => m.machine(c, nameOf(short), { ...BASE_MACHINE, ...x.spec })),
    );
    await Promise.all(
      Object.entries(cases).map(async ([short, x]) => {
        const name = nameOf(short);
        const osm = await m.waitCondition(
          name,
          "InstanceReady",
          (k) => k.status === "False" && k.message?.includes(x.says) === true,
        );
        const cond = condition(osm, "InstanceReady");
        console.log(`# ${short}: InstanceReady ${cond?.reason}: ${cond?.message}`);
        assert.equal(cond?.severity, "Error");
        assert.equal(condition(osm, "Ready")?.status, "False");
        assert.notEqual((osm.status as { ready?: boolean }).ready, true);
        await warning(name, cond.reason ?? "", x.says);
        await assertNothingCreated(name);
      }),
    );
  },
);

it(
  "a server Nova puts in ERROR: InstanceStateError with Nova's fault message, and a Warning",
  { timeout: 480_000 },
  async () => {
    const name = nameOf("nova-error");
    await m.machine(c, name, { ...BASE_MACHINE, flavor: hugeFlavor });
    const t0 = Date.now();
    const osm = await m.waitCondition(name, "InstanceReady", falseWith("InstanceStateError"));
    const cond = condition(osm, "InstanceReady");
    console.log(`# ERROR surfaced ${Date.now() - t0} ms after creation: ${cond?.message}`);
    assert.match(cond?.message ?? "", /No valid host/);
    assert.equal((osm.status as { instanceState?: string }).instanceState, "ERROR");
    assert.equal(condition(osm, "Ready")?.status, "False");
    await warning(name, "InstanceStateError", "No valid host");
  },
);

it(
  "a server deleted out of band: InstanceDeleted on InstanceReady and Ready, never a new server",
  { timeout: 480_000 },
  async () => {
    const name = nameOf("oob");
    await m.machine(c, name, { ...BASE_MACHINE });
    const osm = await m.waitReady(name);
    const id = (osm.status as { instanceID: string }).instanceID;
    await m.os.compute.deleteServer(id);
    const t0 = Date.now();
    while ((await m.os.compute.getServer(id, { ignoreNotFound: true })) !== undefined) {
      if (Date.now() - t0 > 180_000) throw new Error(`server ${id} not gone`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await poke(name);
    const gone = await m.waitCondition(name, "InstanceReady", falseWith("InstanceDeleted"), 120_000);
    assert.equal(condition(gone, "InstanceReady")?.message, "The server was unexpectedly deleted");
    assert.equal(condition(gone, "Ready")?.status, "False");
    assert.equal(condition(gone, "Ready")?.reason, "InstanceDeleted");
    // Several more reconciles over 15 s: none makes a server.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 3000));
      await poke(name);
    }
    assert.deepEqual(await m.os.compute.listServers({ name: exactName(name) }), []);
    assert.equal(condition(await m.osm(name), "InstanceReady")?.reason, "InstanceDeleted");
  },
);

it(
  "a Machine deleted before its OpenStackMachine: the delete still goes through and leaves nothing",
  { timeout: 480_000 },
  async () => {
    const name = nameOf("orphan");
    await m.machine(c, name, { ...BASE_MACHINE });
    const ready = await m.waitReady(name);
    const { instanceID, resources } = ready.status as {
      instanceID: string;
      resources: { ports: { id: string }[] };
    };
    // The Machine's finalizer forced off: the OpenStackMachine's owner is gone (CAPO then waits forever).
    await m.fx.deleteAndWaitGone(Machines, NS, name, 60_000);
    await m.fx.deleteAndWaitGone(OpenStackMachines, NS, name, 240_000);
    assert.equal(await m.os.compute.getServer(instanceID, { ignoreNotFound: true }), undefined);
    for (const p of resources.ports)
      assert.equal(await m.os.network.ports.get(p.id, { ignoreNotFound: true }), undefined, `port ${p.id}`);
  },
);

it("waits for bootstrap data, and for the cluster's infrastructure", { timeout: 300_000 }, async () => {
  await m.machine(c, nameOf("no-bootstrap"), { ...BASE_MACHINE }, { bootstrap: false });
  // An OpenStackCluster that never gets ready: its credentials Secret does not exist.
  const waiting = await m.readyCluster(
    nameOf("never"),
    { ...clusterSpec("10.96.0"), identityRef: { name: "no-such-secret", cloudName: "capo-e2e" } },
    { wait: false },
  );
  await m.machine(waiting, nameOf("no-infra"), { ...BASE_MACHINE });
  const [a, b] = await Promise.all([
    m.waitCondition(nameOf("no-bootstrap"), "InstanceReady", falseWith("WaitingForBootstrapData")),
    m.waitCondition(nameOf("no-infra"), "InstanceReady", falseWith("WaitingForClusterInfrastructure")),
  ]);
  for (const o of [a, b]) assert.equal(condition(o, "Ready")?.status, "False");
  await assertNothingCreated(nameOf("no-bootstrap"));
  await assertNothingCreated(nameOf("no-infra"));
});

// ---------------------------------------------------------------------------------------------------------
// Quota: in a project of its own, so that no other test in the shared demo project ever hits it.

interface Project {
  id: string;
  userId: string;
  os: OpenStackClient;
  cloud: Record<string, unknown>;
}

async function makeProject(admin: OpenStackClient, name: string): Promise<Project> {
  const keystone = new ServiceClient(admin.session, IDENTITY);
  const call = <T>(method: "POST" | "PUT" | "DELETE" | "GET", path: string, body?: unknown) =>
    keystone.json<T>({ method, path, operation: "identity_test", ...(body ? { body } : {}) });
  const project = (
    await call<{ project: { id: string } }>("POST", "projects", {
      project: { name, domain_id: "default", description: "capo-ts machine quota test" },
    })
  ).project;
  cleanup.add(`project ${name}`, () => call("DELETE", `projects/${project.id}`));
  const password = randomBytes(12).toString("hex");
  const user = (
    await call<{ user: { id: string } }>("POST", "users", {
      user: { name, domain_id: "default", password, default_project_id: project.id },
    })
  ).user;
  cleanup.add(`user ${name}`, () => call("DELETE", `users/${user.id}`));
  const roles = (await call<{ roles: { id: string; name: string }[] }>("GET", "roles")).roles;
  for (const role of roles.filter((r) => ["member", "reader", "load-balancer_member"].includes(r.name)))
    await call("PUT", `projects/${project.id}/users/${user.id}/roles/${role.id}`);
  const doc = parse(readFileSync(CLOUDS_YAML, "utf8")) as {
    clouds: Record<string, { auth: Record<string, unknown> }>;
  };
  const base = structuredClone(doc.clouds["capo-e2e"]);
  assert.ok(base);
  const cloud = { ...base, auth: { ...base.auth, username: name, password, project_name: name } };
  const os = newClient(credentialFromCloud(cloud));
  return { id: project.id, userId: user.id, os, cloud };
}

function credentialFromCloud(cloud: Record<string, unknown>) {
  // The same parser the manager uses, on a clouds.yaml of one cloud.
  return credentialFromClouds({ cloudsYaml: stringify({ clouds: { quota: cloud } }), cloudName: "quota" });
}

async function setInstanceQuota(admin: OpenStackClient, projectId: string, instances: number): Promise<void> {
  await new ServiceClient(admin.session, COMPUTE).json({
    method: "PUT",
    path: `os-quota-sets/${projectId}`,
    operation: "quota_set_update",
    body: { quota_set: { instances } },
  });
}

it(
  "a quota Nova refuses shows on InstanceReady; once raised, the machine converges",
  { timeout: 600_000 },
  async () => {
    const name = `${m.prefix}-q`;
    const project = await makeProject(m.admin, name);
    await setInstanceQuota(m.admin, project.id, 0);
    await m.fx.kube.create(Secrets, {
      metadata: { name: `${name}-creds`, namespace: NS },
      stringData: { "clouds.yaml": stringify({ clouds: { quota: project.cloud } }) },
    } as Obj);
    const ref = { namespace: NS, name: `${name}-c` };
    cleanup.add("quota project resources", async () =>
      purge(project.os, await inventory(project.os, ref, { machineNames: [`${name}-m`] })),
    );
    const qc = await m.readyCluster(`${name}-c`, {
      ...clusterSpec("10.97.0"),
      identityRef: { name: `${name}-creds`, cloudName: "quota" },
    });
    // Key pairs belong to a user: this one has none.
    await m.machine(qc, `${name}-m`, { ...BASE_MACHINE, sshKeyName: "" });
    const refused = await m.waitCondition(
      `${name}-m`,
      "InstanceReady",
      (k) => k.status === "False" && /quota/i.test(k.message ?? ""),
      240_000,
    );
    const cond = condition(refused, "InstanceReady");
    console.log(`# quota: InstanceReady ${cond?.reason}: ${cond?.message}`);
    assert.equal(cond?.reason, "InstanceCreateFailed");
    assert.match(cond.message ?? "", /Quota exceeded for instances/i);
    await warning(`${name}-m`, "InstanceCreateFailed", "uota exceeded");
    assert.deepEqual(await project.os.compute.listServers({ name: exactName(`${name}-m`) }), []);
    await setInstanceQuota(m.admin, project.id, 10);
    const t0 = Date.now();
    await m.waitReady(`${name}-m`);
    console.log(`# quota raised: Ready ${Date.now() - t0} ms later`);
    await m.deleteMachine(`${name}-m`);
  },
);
