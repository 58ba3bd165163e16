// Our CRDs in a real kube-apiserver: the generated files are accepted as they are, and the schemas admit
// valid objects and reject invalid ones with the field path in the message (types, enums, formats,
// min/max, list keys, CEL). Mirrors the schema-level cases of CAPO's test/e2e/suites/apivalidations; the
// webhook-level rules (immutability, cross-field checks) are in webhook-validation.test.ts.
// The conversion webhook is not part of this test: CRDs are installed with `strategy: None`.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RequestContext } from "@kubernetes/client-node";
import { request } from "undici";
import { defaultCRDDir, generateCRDs } from "../../../src/api/crd-gen.ts";
import { ApiError, KubeClient } from "../../../src/runtime/kube.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";

const group = "infrastructure.cluster.x-k8s.io";
const namespace = "default";
const uuid = "06c32c52-f207-4f6a-a769-bbcbe5a43f5c";
const plurals: Record<string, string> = {
  OpenStackCluster: "openstackclusters",
  OpenStackMachine: "openstackmachines",
  OpenStackClusterTemplate: "openstackclustertemplates",
  OpenStackMachineTemplate: "openstackmachinetemplates",
};

let env: KubeEnv;
let kube: KubeClient;
let counter = 0;

type Obj = Record<string, unknown>;

function collection(kind: string, version: string): string {
  return `/apis/${group}/${version}/namespaces/${namespace}/${plurals[kind] ?? ""}`;
}

/** Creates (or dry-runs) an object; resolves to the stored object, or rejects with the apiserver's error. */
async function create(
  kind: string,
  spec: unknown,
  opts: { version?: string; dryRun?: boolean } = {},
): Promise<Obj> {
  const version = opts.version ?? "v1beta1";
  const body = {
    apiVersion: `${group}/${version}`,
    kind,
    metadata: { name: `${kind.toLowerCase()}-${++counter}` },
    spec,
  };
  return kube.request<Obj>("POST", collection(kind, version), {
    body,
    query: opts.dryRun ? { dryRun: "All" } : undefined,
  });
}

/** The message of the error an invalid object gets; fails the test if the object is accepted. */
async function rejection(kind: string, spec: unknown, version?: string): Promise<string> {
  try {
    await create(kind, spec, { version, dryRun: true });
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.statusCode, 422, err.message);
    return err.status?.message ?? "";
  }
  assert.fail(`${kind} ${JSON.stringify(spec)} was accepted`);
}

async function assertRejected(kind: string, spec: unknown, ...expected: (string | RegExp)[]): Promise<void> {
  const message = await rejection(kind, spec);
  for (const e of expected) {
    if (typeof e === "string") assert.ok(message.includes(e), `expected ${JSON.stringify(e)} in: ${message}`);
    else assert.match(message, e);
  }
}

async function assertAccepted(kind: string, spec: unknown, version?: string): Promise<void> {
  await create(kind, spec, { version, dryRun: true });
}

const identityRef = { name: "cloud-config", cloudName: "openstack" };
const cluster = (extra: Obj = {}) => ({ identityRef, ...extra });
const machine = (extra: Obj = {}) => ({
  flavor: "m1.small",
  image: { filter: { name: "ubuntu" } },
  ...extra,
});
const bastionSpec = machine();

before(async () => {
  // The checked-in CRDs (the test environment installs them with conversion strategy None).
  env = await startKube({ crdDirs: [defaultCRDDir] });
  kube = new KubeClient(env.kubeConfig);
});

after(async () => {
  await env.stop();
});

describe("CRD definitions", () => {
  it("are accepted as generated, with the conversion webhook service or a test URL and CA", async () => {
    // The apiserver parses caBundle as PEM: use its own CA (base64 PEM, as caBundle wants it).
    const caBundle = env.kubeConfig.getCurrentCluster()?.caData ?? "";
    const url = "https://127.0.0.1:9443/convert";
    const variants = [generateCRDs(), generateCRDs({ conversion: { strategy: "Webhook", url, caBundle } })];
    for (const crds of variants) {
      for (const crd of crds) {
        // The names exist already; a dry-run update checks the whole definition.
        const current = await kube.request<Obj>(
          "GET",
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
        );
        await kube.request(
          "PUT",
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
          {
            body: {
              ...crd,
              metadata: { ...crd.metadata, resourceVersion: (current.metadata as Obj).resourceVersion },
            },
            query: { dryRun: "All" },
          },
        );
      }
    }
  });

  it("print the columns the book shows", async () => {
    await create("OpenStackCluster", cluster());
    await create("OpenStackMachine", machine());
    assert.deepEqual(await columns("OpenStackCluster"), [
      "Name",
      "Cluster",
      "Ready",
      "Network",
      "Endpoint",
      "Bastion IP",
      "Age",
    ]);
    assert.deepEqual(await columns("OpenStackMachine"), [
      "Name",
      "Cluster",
      "InstanceState",
      "Ready",
      "ProviderID",
      "Machine",
      "Age",
    ]);
    assert.deepEqual(await columns("OpenStackCluster", "v1alpha6"), [
      "Name",
      "Cluster",
      "Ready",
      "Network",
      "Subnet",
      "Endpoint",
      "Bastion IP",
      "Age",
    ]);
  });
});

/** Column names of `kubectl get <kind>` (Table output), priority > 0 included. */
async function columns(kind: string, version = "v1beta1"): Promise<string[]> {
  const server = env.server;
  const ctx = new RequestContext(server, "GET");
  await env.kubeConfig.applySecurityAuthentication(ctx);
  const res = await request(server + collection(kind, version), {
    headers: { ...ctx.getHeaders(), accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
    dispatcher: ctx.getDispatcher(),
  });
  const table = (await res.body.json()) as { columnDefinitions: { name: string }[] };
  return table.columnDefinitions.map((c) => c.name);
}

describe("OpenStackCluster v1beta1", () => {
  const kind = "OpenStackCluster";

  it("accepts the smallest cluster and does not invent a load balancer", async () => {
    const created = await create(kind, cluster());
    assert.deepEqual(created.spec, { identityRef });
  });

  it("requires identityRef with name and cloudName", async () => {
    await assertRejected(kind, {}, "spec.identityRef: Required value");
    await assertRejected(kind, { identityRef: { name: "x" } }, "spec.identityRef.cloudName: Required value");
  });

  it("defaults apiServerLoadBalancer.enabled, bastion.enabled and managedSecurityGroups", async () => {
    const created = await create(
      kind,
      cluster({ apiServerLoadBalancer: {}, managedSecurityGroups: {}, bastion: { spec: bastionSpec } }),
    );
    const spec = created.spec as Obj;
    assert.deepEqual(spec.apiServerLoadBalancer, { enabled: true });
    assert.deepEqual(spec.managedSecurityGroups, { allowAllInClusterTraffic: false });
    assert.equal((spec.bastion as Obj).enabled, true);
  });

  it("requires a bastion spec when the bastion is enabled (CEL)", async () => {
    await assertAccepted(kind, cluster({ bastion: { enabled: true, spec: bastionSpec } }));
    await assertAccepted(kind, cluster({ bastion: { enabled: false } }));
    await assertRejected(
      kind,
      cluster({ bastion: { enabled: true } }),
      "spec.bastion: Invalid value",
      "spec is required if bastion is enabled",
    );
    await assertRejected(kind, cluster({ bastion: {} }), "spec is required if bastion is enabled");
  });

  it("requires an IPv4 bastion floating IP", async () => {
    await assertAccepted(kind, cluster({ bastion: { spec: bastionSpec, floatingIP: "10.0.0.0" } }));
    await assertRejected(
      kind,
      cluster({ bastion: { spec: bastionSpec, floatingIP: "foobar" } }),
      'spec.bastion.floatingIP: Invalid value: "foobar"',
      "must be of type ipv4",
    );
  });

  it("ties floating IPs to the external network (CEL)", async () => {
    await assertRejected(
      kind,
      cluster({
        disableExternalNetwork: true,
        disableAPIServerFloatingIP: true,
        bastion: { spec: bastionSpec, floatingIP: "10.0.0.1" },
      }),
      "bastion floating IP cannot be set when disableExternalNetwork is true",
    );
    await assertRejected(
      kind,
      cluster({ disableExternalNetwork: true }),
      "spec: Invalid value",
      "disableAPIServerFloatingIP cannot be false when disableExternalNetwork is true",
    );
    await assertAccepted(kind, cluster({ disableExternalNetwork: true, disableAPIServerFloatingIP: true }));
  });

  it("limits managed subnets to one and subnets to two", async () => {
    await assertAccepted(kind, cluster({ managedSubnets: [{ cidr: "10.6.0.0/24" }] }));
    await assertRejected(
      kind,
      cluster({ managedSubnets: [{ cidr: "10.6.0.0/24" }, { cidr: "10.7.0.0/24" }] }),
      "spec.managedSubnets: Too many: 2: must have at most 1 item",
    );
    const subnet = { filter: { name: "s" } };
    await assertRejected(kind, cluster({ subnets: [subnet, subnet, subnet] }), "spec.subnets: Too many: 3");
    await assertRejected(
      kind,
      cluster({ managedSubnets: [{}] }),
      "spec.managedSubnets[0].cidr: Required value",
    );
  });

  it("checks security group rules: required fields, managed group names, unique names", async () => {
    const rules = (...r: Obj[]) => cluster({ managedSecurityGroups: { allNodesSecurityGroupRules: r } });
    await assertAccepted(
      kind,
      rules({
        name: "bgp",
        direction: "ingress",
        protocol: "tcp",
        remoteManagedGroups: ["controlplane", "worker"],
      }),
    );
    await assertRejected(
      kind,
      rules({ name: "x", direction: "ingress", remoteManagedGroups: ["nodes"] }),
      'spec.managedSecurityGroups.allNodesSecurityGroupRules[0].remoteManagedGroups[0]: Unsupported value: "nodes"',
    );
    await assertRejected(
      kind,
      rules({ name: "x" }),
      "spec.managedSecurityGroups.allNodesSecurityGroupRules[0].direction: Required value",
    );
    await assertRejected(
      kind,
      rules({ name: "x", direction: "ingress" }, { name: "x", direction: "egress" }),
      "spec.managedSecurityGroups.allNodesSecurityGroupRules[1]: Duplicate value",
    );
  });

  it("validates every *Param as exactly one of a UUID or a non-empty filter", async () => {
    const params: [string, (p: unknown) => Obj][] = [
      ["spec.network", (p) => cluster({ network: p })],
      ["spec.externalNetwork", (p) => cluster({ externalNetwork: p })],
      ["spec.router", (p) => cluster({ router: p })],
      ["spec.subnets[0]", (p) => cluster({ subnets: [p] })],
      ["spec.apiServerLoadBalancer.network", (p) => cluster({ apiServerLoadBalancer: { network: p } })],
      ["spec.externalRouterIPs[0].subnet", (p) => cluster({ externalRouterIPs: [{ subnet: p }] })],
    ];
    for (const [field, build] of params) {
      await assertAccepted(kind, build({ id: uuid }));
      await assertAccepted(kind, build({ filter: { name: "foo" } }));
      await assertRejected(
        kind,
        build({}),
        `${field}: Invalid value: 0: ${field} in body should have at least 1 properties`,
      );
      await assertRejected(
        kind,
        build({ id: "foo" }),
        `${field}.id: Invalid value: "foo": ${field}.id in body must be of type uuid`,
      );
      await assertRejected(kind, build({ filter: {} }), `${field}.filter: Invalid value: 0`);
      await assertRejected(
        kind,
        build({ id: uuid, filter: { name: "foo" } }),
        `${field}: Too many: 2: must have at most 1 items`,
      );
    }
  });

  it("accepts neutron tag lists and rejects empty tags and commas", async () => {
    const tagged = (filter: Obj) =>
      cluster({
        network: { filter },
        externalNetwork: { filter },
        router: { filter },
        subnets: [{ filter }],
      });
    await assertAccepted(
      kind,
      tagged({ tags: ["foo", "bar"], tagsAny: ["a"], notTags: ["b"], notTagsAny: ["c"] }),
    );
    for (const bad of [",foo", "foo,", "foo,bar", "foo,,bar", ""]) {
      const message = await rejection(kind, tagged({ tags: ["ok", bad] }));
      for (const field of ["network", "externalNetwork", "router", "subnets[0]"]) {
        assert.ok(message.includes(`spec.${field}.filter.tags[1]`), `${field} in: ${message}`);
      }
    }
    await assertRejected(kind, tagged({ tags: ["a", "a"] }), "spec.network.filter.tags[1]: Duplicate value");
  });
});

describe("OpenStackMachine v1beta1", () => {
  const kind = "OpenStackMachine";

  it("accepts the smallest machine, with or without identityRef", async () => {
    await assertAccepted(kind, machine());
    await assertAccepted(kind, machine({ identityRef }));
  });

  it("requires flavor and image", async () => {
    await assertRejected(kind, { image: { id: uuid } }, "spec.flavor: Required value");
    await assertRejected(kind, { flavor: "f" }, "spec.image: Required value");
  });

  it("validates the image, security group and server group params", async () => {
    const params: [string, (p: unknown) => Obj][] = [
      ["spec.image", (p) => machine({ image: p })],
      ["spec.securityGroups[0]", (p) => machine({ securityGroups: [p] })],
      ["spec.serverGroup", (p) => machine({ serverGroup: p })],
      ["spec.ports[0].network", (p) => machine({ ports: [{ network: p }] })],
      ["spec.ports[0].fixedIPs[0].subnet", (p) => machine({ ports: [{ fixedIPs: [{ subnet: p }] }] })],
      ["spec.ports[0].securityGroups[0]", (p) => machine({ ports: [{ securityGroups: [p] }] })],
    ];
    for (const [field, build] of params) {
      await assertAccepted(kind, build({ id: uuid }));
      await assertAccepted(kind, build({ filter: { name: "foo" } }));
      await assertRejected(kind, build({}), `${field}: Invalid value: 0`);
      await assertRejected(
        kind,
        build({ id: "foo" }),
        `${field}.id: Invalid value: "foo"`,
        "must be of type uuid",
      );
      await assertRejected(kind, build({ filter: {} }), `${field}.filter: Invalid value: 0`);
      await assertRejected(kind, build({ id: uuid, filter: { name: "foo" } }), `${field}: Too many: 2`);
    }
    await assertAccepted(kind, machine({ image: { filter: { name: "bar", tags: ["bar", "baz"] } } }));
    await assertRejected(
      kind,
      machine({ image: { id: uuid, filter: { tags: ["bar"] } } }),
      "spec.image: Too many: 2",
    );
  });

  it("limits server metadata keys and values to 255 characters and keys to one entry each", async () => {
    const long = "a".repeat(256);
    await assertRejected(
      kind,
      machine({ serverMetadata: [{ key: long, value: "v" }] }),
      "spec.serverMetadata[0].key: Too long: may not be more than 255",
    );
    await assertRejected(
      kind,
      machine({ serverMetadata: [{ key: "k", value: long }] }),
      "spec.serverMetadata[0].value: Too long",
    );
    await assertAccepted(
      kind,
      machine({ serverMetadata: [{ key: "a".repeat(255), value: "b".repeat(255) }] }),
    );
    await assertRejected(
      kind,
      machine({
        serverMetadata: [
          { key: "k", value: "1" },
          { key: "k", value: "2" },
        ],
      }),
      "spec.serverMetadata[1]: Duplicate value",
    );
  });

  it("requires volume sizes of at least 1 GiB and unique block device names", async () => {
    const device = (name: string, sizeGiB: number) => ({ name, sizeGiB, storage: { type: "Volume" } });
    await assertRejected(
      kind,
      machine({ rootVolume: { sizeGiB: 0 } }),
      "spec.rootVolume.sizeGiB: Invalid value: 0: spec.rootVolume.sizeGiB in body should be greater than or equal to 1",
    );
    await assertRejected(
      kind,
      machine({ additionalBlockDevices: [device("d", 0)] }),
      "spec.additionalBlockDevices[0].sizeGiB: Invalid value: 0",
    );
    await assertRejected(
      kind,
      machine({ additionalBlockDevices: [device("d", 1), device("d", 2)] }),
      "spec.additionalBlockDevices[1]: Duplicate value",
    );
    await assertAccepted(
      kind,
      machine({
        rootVolume: { sizeGiB: 50 },
        additionalBlockDevices: [{ name: "user", sizeGiB: 30, storage: { type: "" } }],
      }),
    );
  });

  it("checks volume availability zones (enum, pattern and CEL), for the root volume and block devices", async () => {
    const withAZ = (availabilityZone: Obj) => [
      machine({ rootVolume: { sizeGiB: 1, availabilityZone } }),
      machine({
        additionalBlockDevices: [
          { name: "d", sizeGiB: 1, storage: { type: "Volume", volume: { availabilityZone } } },
        ],
      }),
    ];
    const fields = [
      "spec.rootVolume.availabilityZone",
      "spec.additionalBlockDevices[0].storage.volume.availabilityZone",
    ];
    const cel = "name is required when from is 'Name' or default";
    for (const az of [{ name: "test-az" }, { from: "Name", name: "test-az" }, { from: "Machine" }]) {
      for (const spec of withAZ(az)) await assertAccepted(kind, spec);
    }
    const rejected: [Obj, (field: string) => string][] = [
      [{ from: "invalid" }, (f) => `${f}.from: Unsupported value: "invalid"`],
      [{}, () => cel],
      [{ from: "Name" }, () => cel],
      [{ from: "Machine", name: "test-az" }, () => cel],
      [{ from: "Name", name: "" }, (f) => `${f}.name: Invalid value: ""`],
      [{ name: "two words" }, (f) => `${f}.name: Invalid value: "two words"`],
    ];
    for (const [az, expected] of rejected) {
      const specs = withAZ(az);
      for (let i = 0; i < specs.length; i++)
        await assertRejected(kind, specs[i], fields[i] ?? "", expected(fields[i] ?? ""));
    }
  });

  it("requires kind and name in floatingIPPoolRef", async () => {
    await assertAccepted(
      kind,
      machine({ floatingIPPoolRef: { apiGroup: group, kind: "OpenStackFloatingIPPool", name: "pool" } }),
    );
    await assertRejected(
      kind,
      machine({ floatingIPPoolRef: { name: "pool" } }),
      "spec.floatingIPPoolRef.kind: Required value",
    );
  });

  it("requires name, key and value in port value specs, unique by name", async () => {
    await assertRejected(
      kind,
      machine({ ports: [{ valueSpecs: [{ name: "a", key: "k" }] }] }),
      "spec.ports[0].valueSpecs[0].value: Required value",
    );
    await assertRejected(
      kind,
      machine({
        ports: [
          {
            valueSpecs: [
              { name: "a", key: "k", value: "1" },
              { name: "a", key: "l", value: "2" },
            ],
          },
        ],
      }),
      "spec.ports[0].valueSpecs[1]: Duplicate value",
    );
    await assertRejected(
      kind,
      machine({ ports: [{ allowedAddressPairs: [{ macAddress: "fa:16:3e:00:00:01" }] }] }),
      "spec.ports[0].allowedAddressPairs[0].ipAddress: Required value",
    );
  });
});

describe("templates v1beta1", () => {
  it("require spec.template.spec and apply the embedded schema, CEL included", async () => {
    await assertAccepted("OpenStackMachineTemplate", { template: { spec: machine() } });
    await assertRejected("OpenStackMachineTemplate", { template: {} }, "spec.template.spec: Required value");
    await assertRejected(
      "OpenStackMachineTemplate",
      { template: { spec: machine({ image: {} }) } },
      "spec.template.spec.image: Invalid value: 0",
    );
    await assertAccepted("OpenStackClusterTemplate", { template: { spec: cluster() } });
    await assertRejected(
      "OpenStackClusterTemplate",
      { template: { spec: cluster({ bastion: {} }) } },
      "spec.template.spec.bastion",
      "spec is required if bastion is enabled",
    );
  });
});

describe("older served versions", () => {
  it("validate against their own schemas", async () => {
    const oldMachine = { flavor: "m1.small", image: "ubuntu" };
    for (const version of ["v1alpha5", "v1alpha6", "v1alpha7"]) {
      await assertAccepted(
        "OpenStackMachine",
        { ...oldMachine, identityRef: { kind: "Secret", name: "c" } },
        version,
      );
      await assertAccepted(
        "OpenStackCluster",
        { externalNetworkId: uuid, managedSecurityGroups: true },
        version,
      );
      const message = await rejection(
        "OpenStackMachine",
        { ...oldMachine, identityRef: { kind: "", name: "c" } },
        version,
      );
      assert.ok(message.includes("spec.identityRef.kind: Invalid value"), message);
    }
    await assertAccepted(
      "OpenStackMachine",
      { ...oldMachine, networks: [{ uuid }], subnet: "s" },
      "v1alpha6",
    );
    await assertAccepted(
      "OpenStackMachine",
      { flavor: "f", image: { name: "ubuntu" }, serverMetadata: [{ key: "k", value: "v" }] },
      "v1alpha8",
    );
    await assertAccepted(
      "OpenStackCluster",
      { managedSubnets: [{ cidr: "10.6.0.0/24" }], managedSecurityGroups: {} },
      "v1alpha8",
    );
    const message = await rejection(
      "OpenStackCluster",
      { managedSubnets: [{ cidr: "a" }, { cidr: "b" }] },
      "v1alpha8",
    );
    assert.ok(message.includes("spec.managedSubnets: Too many"), message);
  });

  it("warn that v1alpha5 and v1alpha6 are deprecated", async () => {
    const ctx = new RequestContext(env.server, "GET");
    await env.kubeConfig.applySecurityAuthentication(ctx);
    for (const [version, deprecated] of [
      ["v1alpha5", true],
      ["v1alpha6", true],
      ["v1alpha7", false],
      ["v1beta1", false],
    ] as const) {
      const res = await request(env.server + collection("OpenStackMachine", version), {
        headers: ctx.getHeaders(),
        dispatcher: ctx.getDispatcher(),
      });
      await res.body.dump();
      const warning = String(res.headers.warning ?? "");
      assert.equal(
        warning.includes(`The ${version} version of OpenStackMachine has been deprecated`),
        deprecated,
        warning,
      );
    }
  });
});
