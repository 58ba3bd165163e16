// The webhook-level cases of CAPO's test/e2e/suites/apivalidations on a real apiserver: our webhook server
// runs in this process over TLS, registered as CAPO registers it (validating and defaulting webhooks on
// v1beta1 with matchPolicy Equivalent, the conversion webhook in the CRDs), and every rule of
// src/api/v1beta1/validation.ts is driven through real creates and updates. A rejection must come from our
// validating webhook with the v1beta1 field path, whatever version the client wrote; an accepted update must
// be readable back as v1beta1. Schema-level cases (types, formats, CEL) are in crd-schema.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Group, KindNames, type KindName } from "../../../src/api/common/kinds.ts";
import type { KubeObject } from "../../../src/api/conversion/index.ts";
import type * as v1alpha6 from "../../../src/api/v1alpha6/index.ts";
import type * as v1alpha7 from "../../../src/api/v1alpha7/index.ts";
import type * as v1alpha8 from "../../../src/api/v1alpha8/index.ts";
import type * as v1beta1 from "../../../src/api/v1beta1/index.ts";
import { startWebhooks, type WebhookServer } from "../../../src/webhooks/index.ts";
import { generateTestCertificates } from "../../env/certs.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { KubeClient, registerWebhookServer, type Response } from "../conversion/kube-client.ts";

const namespace = "default";
const uuid = (n: number) => `0${n}c32c52-f207-4f6a-a769-bbcbe5a43f5c`;

let env: KubeEnv;
let webhooks: WebhookServer;
let client: KubeClient;

before(async () => {
  const certs = generateTestCertificates("webhook-validation");
  webhooks = await startWebhooks({ port: 0, host: "127.0.0.1", certDir: certs.certDir });
  const url = `https://127.0.0.1:${webhooks.port}`;
  env = await startKube();
  client = new KubeClient(env.kubeConfig);
  await registerWebhookServer(client, url, certs.caPem, namespace);
});

after(async () => {
  await env.stop();
  await webhooks.close();
});

// ---- requests -------------------------------------------------------------------------------------------

const resource = (version: string, kind: KindName, name = "") =>
  `/apis/${Group}/${version}/namespaces/${namespace}/${KindNames[kind].plural}${name ? `/${name}` : ""}`;

let counter = 0;

/** A name no other test uses. */
const uniqueName = (kind: KindName) => `${kind.toLowerCase()}-${++counter}`;

/** Creates `kind` with this spec in `version` under `name`; resolves to the apiserver's answer. */
function tryCreate(kind: KindName, name: string, spec: unknown, version = "v1beta1"): Promise<Response> {
  const body = { apiVersion: `${Group}/${version}`, kind, metadata: { name }, spec };
  return client.request("POST", resource(version, kind), body);
}

/** Creates `kind` with this spec in `version` and resolves to its (fresh) name; fails the test if refused. */
async function create(kind: KindName, spec: unknown, version = "v1beta1"): Promise<string> {
  const name = uniqueName(kind);
  assertAllowed(await tryCreate(kind, name, spec, version), `create ${kind} as ${version}`);
  return name;
}

/** An object read back from the apiserver: every object we create has a spec. */
type Read<T extends KubeObject> = T & { spec: NonNullable<T["spec"]> };

/** Reads the object in `version`, lets `change` edit it and writes it back with PUT. */
async function update<T extends KubeObject>(
  version: string,
  kind: KindName,
  name: string,
  change: (obj: Read<T>) => void,
  opts: { dryRun?: boolean } = {},
): Promise<Response> {
  const obj = (await client.must("GET", resource(version, kind, name))) as Read<T>;
  change(obj);
  const query = opts.dryRun === true ? "?dryRun=All" : "";
  return client.request("PUT", `${resource(version, kind, name)}${query}`, obj);
}

/** The object as the hub (v1beta1) stores it. */
async function hub<T extends KubeObject>(kind: KindName, name: string): Promise<Read<T>> {
  return (await client.must("GET", resource("v1beta1", kind, name))) as Read<T>;
}

/** Writes the status of an OpenStackCluster, as the controller would. */
async function setStatus(name: string, status: v1beta1.OpenStackCluster["status"]): Promise<void> {
  const cluster = await hub<v1beta1.OpenStackCluster>("OpenStackCluster", name);
  await client.must("PUT", `${resource("v1beta1", "OpenStackCluster", name)}/status`, { ...cluster, status });
}

// ---- assertions -----------------------------------------------------------------------------------------

interface Status {
  message?: string;
  details?: { causes?: { field: string }[] };
}

function assertAllowed(res: Response, what: string): void {
  const status = res.body as Status;
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${status.message ?? ""}`);
}

/**
 * The request was refused by our validating webhook for `kind` with exactly these field errors, as the
 * apiserver prints them (`spec.bastion: Forbidden: ...`), and the causes name the same fields.
 */
function assertDenied(res: Response, kind: KindName, name: string, errors: string[]): void {
  const status = res.body as Status;
  assert.equal(res.status, 422, `expected a rejection, got ${res.status} ${status.message ?? ""}`);
  const list = errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
  assert.equal(
    status.message,
    `admission webhook "validation.${kind.toLowerCase()}.${Group}" denied the request: ` +
      `${kind}.${Group} "${name}" is invalid: ${list}`,
  );
  assert.deepEqual(
    status.details?.causes?.map((c) => c.field),
    errors.map((e) => e.slice(0, e.indexOf(": "))),
  );
}

const notModified = "spec: Forbidden: cannot be modified";

// ---- objects --------------------------------------------------------------------------------------------

const identityRef = { name: "cloud-config", cloudName: "openstack" };
const machineSpec = (extra: Partial<v1beta1.OpenStackMachineSpec> = {}): v1beta1.OpenStackMachineSpec => ({
  flavor: "m1.small",
  image: { filter: { name: "ubuntu" } },
  ...extra,
});
const clusterSpec = (extra: Partial<v1beta1.OpenStackClusterSpec> = {}): v1beta1.OpenStackClusterSpec => ({
  identityRef,
  ...extra,
});
const rule = (name: string, extra: Partial<v1beta1.SecurityGroupRuleSpec> = {}) => ({
  name,
  direction: "ingress",
  protocol: "tcp",
  portRangeMin: 179,
  portRangeMax: 179,
  ...extra,
});
const withRules = (...rules: v1beta1.SecurityGroupRuleSpec[]) =>
  clusterSpec({
    managedSecurityGroups: { allowAllInClusterTraffic: false, allNodesSecurityGroupRules: rules },
  });
/** Managed security groups as users enable them; the schema defaults allowAllInClusterTraffic. */
const defaultsOnly = {} as v1beta1.ManagedSecurityGroups;
const remoteError = (path: string) =>
  `${path}: Forbidden: only one of remoteManagedGroups, remoteGroupID, or remoteIPPrefix can be set`;
const v1alpha7Cluster = (
  extra: Partial<v1alpha7.OpenStackClusterSpec> = {},
): v1alpha7.OpenStackClusterSpec => ({
  cloudName: "openstack",
  identityRef: { kind: "Secret", name: "cloud-config" },
  ...extra,
});
const v1alpha7Machine = (
  extra: Partial<v1alpha7.OpenStackMachineSpec> = {},
): v1alpha7.OpenStackMachineSpec => ({
  flavor: "m1.small",
  image: "ubuntu",
  cloudName: "openstack",
  identityRef: { kind: "Secret", name: "cloud-config" },
  ...extra,
});

type Cluster = v1beta1.OpenStackCluster;
type Machine = v1beta1.OpenStackMachine;
type MachineTemplate = v1beta1.OpenStackMachineTemplate;
type ClusterTemplate = v1beta1.OpenStackClusterTemplate;

// ---- OpenStackCluster -----------------------------------------------------------------------------------

describe("OpenStackCluster webhook", () => {
  const kind = "OpenStackCluster";

  it("lets controlPlaneEndpoint be set once", async () => {
    const name = await create(kind, clusterSpec());
    const endpoint = { host: "10.0.0.1", port: 6443 };
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => (c.spec.controlPlaneEndpoint = endpoint)),
      "setting the endpoint",
    );
    assert.deepEqual((await hub<Cluster>(kind, name)).spec.controlPlaneEndpoint, endpoint);
    const changed = await update<Cluster>("v1beta1", kind, name, (c) => {
      c.spec.controlPlaneEndpoint = { host: "10.0.0.2", port: 6443 };
    });
    assertDenied(changed, kind, name, [notModified]);
  });

  it("lets an endpoint without a host be completed", async () => {
    const name = await create(kind, clusterSpec({ controlPlaneEndpoint: { host: "", port: 6443 } }));
    const endpoint = { host: "api.example.com", port: 443 };
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => (c.spec.controlPlaneEndpoint = endpoint)),
      "completing the endpoint",
    );
    assert.deepEqual((await hub<Cluster>(kind, name)).spec.controlPlaneEndpoint, endpoint);
  });

  it("v1alpha7: lets controlPlaneEndpoint be set once", async () => {
    const name = await create(kind, v1alpha7Cluster(), "v1alpha7");
    const endpoint = { host: "10.0.0.1", port: 6443 };
    assertAllowed(
      await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
        c.spec.controlPlaneEndpoint = endpoint;
      }),
      "setting the endpoint as v1alpha7",
    );
    assert.deepEqual((await hub<Cluster>(kind, name)).spec.controlPlaneEndpoint, endpoint);
    const changed = await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
      c.spec.controlPlaneEndpoint = { host: "10.0.0.1", port: 443 };
    });
    assertDenied(changed, kind, name, [notModified]);
  });

  it("refuses to remove an enabled bastion, removes a disabled one", async () => {
    const name = await create(kind, clusterSpec({ bastion: { enabled: true, spec: machineSpec() } }));
    const removed = await update<Cluster>("v1beta1", kind, name, (c) => delete c.spec.bastion);
    assertDenied(removed, kind, name, ["spec.bastion: Forbidden: cannot be removed before disabling it"]);
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => (c.spec.bastion!.enabled = false)),
      "disabling the bastion",
    );
    assert.equal((await hub<Cluster>(kind, name)).spec.bastion?.enabled, false);
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => delete c.spec.bastion),
      "removing the disabled bastion",
    );
    assert.equal((await hub<Cluster>(kind, name)).spec.bastion, undefined);
  });

  it("refuses to remove a bastion that is enabled by default", async () => {
    const name = await create(kind, clusterSpec({ bastion: { spec: machineSpec() } }));
    assert.equal((await hub<Cluster>(kind, name)).spec.bastion?.enabled, true, "defaulted");
    const removed = await update<Cluster>("v1beta1", kind, name, (c) => delete c.spec.bastion);
    assertDenied(removed, kind, name, ["spec.bastion: Forbidden: cannot be removed before disabling it"]);
  });

  it("lets the bastion spec change", async () => {
    const name = await create(kind, clusterSpec({ bastion: { enabled: true, spec: machineSpec() } }));
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => {
        c.spec.bastion!.spec!.flavor = "m1.large";
        c.spec.bastion!.availabilityZone = "az2";
      }),
      "changing the bastion",
    );
    const { bastion } = (await hub<Cluster>(kind, name)).spec;
    assert.equal(bastion?.spec?.flavor, "m1.large");
    assert.equal(bastion.availabilityZone, "az2");
  });

  it("v1alpha7: refuses to remove an enabled bastion, removes a disabled one, lets it change", async () => {
    const instance = { flavor: "m1.small", image: "ubuntu" };
    const name = await create(kind, v1alpha7Cluster({ bastion: { enabled: true, instance } }), "v1alpha7");
    const removed = await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
      delete c.spec.bastion;
    });
    assertDenied(removed, kind, name, ["spec.bastion: Forbidden: cannot be removed before disabling it"]);
    assertAllowed(
      await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
        c.spec.bastion!.instance!.flavor = "m1.large";
      }),
      "changing the bastion as v1alpha7",
    );
    assert.equal((await hub<Cluster>(kind, name)).spec.bastion?.spec?.flavor, "m1.large");
    assertAllowed(
      await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
        c.spec.bastion!.enabled = false;
      }),
      "disabling the bastion as v1alpha7",
    );
    assert.equal((await hub<Cluster>(kind, name)).spec.bastion?.enabled, false);
    assertAllowed(
      await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
        delete c.spec.bastion;
      }),
      "removing the disabled bastion as v1alpha7",
    );
    assert.equal((await hub<Cluster>(kind, name)).spec.bastion, undefined);
  });

  it("lets managed security groups be enabled and their rules change, not disabled", async () => {
    const name = await create(kind, clusterSpec());
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => (c.spec.managedSecurityGroups = defaultsOnly)),
      "enabling managed security groups",
    );
    assert.deepEqual((await hub<Cluster>(kind, name)).spec.managedSecurityGroups, {
      allowAllInClusterTraffic: false,
    });
    const rules = [rule("bgp", { remoteManagedGroups: ["controlplane", "worker"] })];
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => {
        c.spec.managedSecurityGroups = { allowAllInClusterTraffic: true, allNodesSecurityGroupRules: rules };
      }),
      "changing the rules and allowAllInClusterTraffic",
    );
    assert.deepEqual((await hub<Cluster>(kind, name)).spec.managedSecurityGroups, {
      allowAllInClusterTraffic: true,
      allNodesSecurityGroupRules: rules,
    });
    const disabled = await update<Cluster>("v1beta1", kind, name, (c) => delete c.spec.managedSecurityGroups);
    assertDenied(disabled, kind, name, [notModified]);
  });

  it("refuses to disable managed security groups enabled with defaults only", async () => {
    const name = await create(kind, clusterSpec({ managedSecurityGroups: defaultsOnly }));
    const disabled = await update<Cluster>("v1beta1", kind, name, (c) => delete c.spec.managedSecurityGroups);
    assertDenied(disabled, kind, name, [notModified]);
  });

  it("v1alpha7: lets managed security groups be enabled and changed, not disabled", async () => {
    const name = await create(kind, v1alpha7Cluster({ managedSecurityGroups: false }), "v1alpha7");
    assertAllowed(
      await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
        c.spec.managedSecurityGroups = true;
      }),
      "enabling managed security groups as v1alpha7",
    );
    const enabled = (await hub<Cluster>(kind, name)).spec.managedSecurityGroups;
    assert.equal(enabled?.allowAllInClusterTraffic, false);
    assert.ok((enabled.allNodesSecurityGroupRules ?? []).length > 0, "with the legacy Calico rules");
    assertAllowed(
      await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
        c.spec.allowAllInClusterTraffic = true;
      }),
      "allowing all in-cluster traffic as v1alpha7",
    );
    assert.deepEqual((await hub<Cluster>(kind, name)).spec.managedSecurityGroups, {
      allowAllInClusterTraffic: true,
    });
    const disabled = await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
      c.spec.managedSecurityGroups = false;
    });
    assertDenied(disabled, kind, name, [notModified]);
  });

  it("allows one remote per security group rule", async () => {
    const path = "spec.managedSecurityGroups.allNodesSecurityGroupRules";
    for (const remote of [
      { remoteIPPrefix: "10.0.0.0/8" },
      { remoteGroupID: uuid(1) },
      { remoteManagedGroups: ["worker" as const] },
    ]) {
      await create(kind, withRules(rule("one", remote)));
    }
    const name = uniqueName(kind);
    const created = await tryCreate(
      kind,
      name,
      withRules(
        rule("ok", { remoteIPPrefix: "10.0.0.0/8" }),
        rule("ip-and-group", { remoteIPPrefix: "10.0.0.0/8", remoteGroupID: uuid(1) }),
        rule("managed-and-ip", { remoteManagedGroups: ["worker"], remoteIPPrefix: "10.0.0.0/8" }),
        rule("managed-and-group", { remoteManagedGroups: ["controlplane"], remoteGroupID: uuid(1) }),
      ),
    );
    assertDenied(created, kind, name, [
      remoteError(`${path}[1]`),
      remoteError(`${path}[2]`),
      remoteError(`${path}[3]`),
    ]);
  });

  it("checks the remotes of security group rules on update", async () => {
    const name = await create(kind, withRules(rule("ok", { remoteIPPrefix: "10.0.0.0/8" })));
    const added = await update<Cluster>("v1beta1", kind, name, (c) => {
      c.spec.managedSecurityGroups!.allNodesSecurityGroupRules!.push(
        rule("both", { remoteIPPrefix: "10.0.0.0/8", remoteManagedGroups: ["worker"] }),
      );
    });
    assertDenied(added, kind, name, [
      remoteError("spec.managedSecurityGroups.allNodesSecurityGroupRules[1]"),
    ]);
  });

  it("v1alpha8: allows one remote per security group rule", async () => {
    const name = uniqueName(kind);
    const spec: v1alpha8.OpenStackClusterSpec = {
      managedSecurityGroups: {
        allowAllInClusterTraffic: false,
        allNodesSecurityGroupRules: [rule("both", { remoteIPPrefix: "10.0.0.0/8", remoteGroupID: uuid(1) })],
      },
    };
    assertDenied(await tryCreate(kind, name, spec, "v1alpha8"), kind, name, [
      remoteError("spec.managedSecurityGroups.allNodesSecurityGroupRules[0]"),
    ]);
  });

  it("refuses changes to the immutable fields", async () => {
    const name = await create(
      kind,
      clusterSpec({
        network: { id: uuid(1) },
        subnets: [{ filter: { name: "nodes" } }],
        externalNetwork: { id: uuid(2) },
        apiServerLoadBalancer: { enabled: true, additionalPorts: [8443] },
        disableAPIServerFloatingIP: false,
        tags: ["a"],
      }),
    );
    const changes: [string, (spec: v1beta1.OpenStackClusterSpec) => void][] = [
      ["network", (s) => (s.network = { id: uuid(3) })],
      ["network filter", (s) => (s.network = { filter: { name: "other" } })],
      ["subnets", (s) => (s.subnets = [{ filter: { name: "other" } }])],
      ["externalNetwork", (s) => (s.externalNetwork = { id: uuid(3) })],
      ["externalNetwork removed", (s) => delete s.externalNetwork],
      ["apiServerLoadBalancer.additionalPorts", (s) => (s.apiServerLoadBalancer!.additionalPorts = [9443])],
      ["apiServerLoadBalancer.enabled", (s) => (s.apiServerLoadBalancer!.enabled = false)],
      ["disableAPIServerFloatingIP", (s) => (s.disableAPIServerFloatingIP = true)],
      ["tags", (s) => (s.tags = ["b"])],
      ["networkMTU", (s) => (s.networkMTU = 1400)],
    ];
    for (const [field, change] of changes) {
      const res = await update<Cluster>("v1beta1", kind, name, (c) => {
        change(c.spec);
      });
      assert.equal(res.status, 422, `changing ${field} is refused`);
      assertDenied(res, kind, name, [notModified]);
    }
  });

  it("v1alpha7: refuses changes to the network and external network", async () => {
    const name = await create(
      kind,
      v1alpha7Cluster({ network: { name: "nodes" }, externalNetworkId: uuid(2) }),
      "v1alpha7",
    );
    const network = await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
      c.spec.network = { name: "other" };
    });
    assertDenied(network, kind, name, [notModified]);
    const external = await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
      c.spec.externalNetworkId = uuid(3);
    });
    assertDenied(external, kind, name, [notModified]);
  });

  it("lets only the DNS nameservers of managed subnets change", async () => {
    const subnet = {
      cidr: "10.6.0.0/24",
      dnsNameservers: ["8.8.8.8"],
      allocationPools: [{ start: "10.6.0.10", end: "10.6.0.100" }],
    };
    const name = await create(kind, clusterSpec({ managedSubnets: [subnet] }));
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => {
        c.spec.managedSubnets![0]!.dnsNameservers = ["1.1.1.1", "8.8.4.4"];
      }),
      "changing the DNS nameservers",
    );
    assert.deepEqual((await hub<Cluster>(kind, name)).spec.managedSubnets, [
      { ...subnet, dnsNameservers: ["1.1.1.1", "8.8.4.4"] },
    ]);
    const cidr = await update<Cluster>(
      "v1beta1",
      kind,
      name,
      (c) => (c.spec.managedSubnets![0]!.cidr = "10.7.0.0/24"),
    );
    assertDenied(cidr, kind, name, [
      "spec.managedSubnets: Forbidden: cannot change subnet CIDR from existing value to 10.7.0.0/24",
      notModified,
    ]);
    const pools = await update<Cluster>("v1beta1", kind, name, (c) => {
      c.spec.managedSubnets![0]!.allocationPools = [{ start: "10.6.0.10", end: "10.6.0.200" }];
    });
    assertDenied(pools, kind, name, [notModified]);
    const removed = await update<Cluster>("v1beta1", kind, name, (c) => delete c.spec.managedSubnets);
    assertDenied(removed, kind, name, [notModified]);
  });

  it("v1alpha7: lets only the DNS nameservers of the managed subnet change", async () => {
    const name = await create(
      kind,
      v1alpha7Cluster({ nodeCidr: "10.6.0.0/24", dnsNameservers: ["8.8.8.8"] }),
      "v1alpha7",
    );
    assertAllowed(
      await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
        c.spec.dnsNameservers = ["1.1.1.1"];
      }),
      "changing the DNS nameservers as v1alpha7",
    );
    assert.deepEqual((await hub<Cluster>(kind, name)).spec.managedSubnets, [
      { cidr: "10.6.0.0/24", dnsNameservers: ["1.1.1.1"] },
    ]);
    const cidr = await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
      c.spec.nodeCidr = "10.7.0.0/24";
    });
    assertDenied(cidr, kind, name, [
      "spec.managedSubnets: Forbidden: cannot change subnet CIDR from existing value to 10.7.0.0/24",
      notModified,
    ]);
  });

  it("lets allowedCIDRs, identityRef and the control plane availability zones change", async () => {
    const name = await create(
      kind,
      clusterSpec({
        apiServerLoadBalancer: { enabled: true, allowedCIDRs: ["10.0.0.0/8"] },
        controlPlaneAvailabilityZones: ["az1"],
      }),
    );
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => {
        c.spec.apiServerLoadBalancer!.allowedCIDRs = ["10.0.0.0/8", "192.168.0.0/16"];
        c.spec.identityRef = { name: "rotated", cloudName: "other" };
        c.spec.controlPlaneAvailabilityZones = ["az1", "az2"];
        c.spec.controlPlaneOmitAvailabilityZone = true;
      }),
      "changing the mutable fields",
    );
    const { spec } = await hub<Cluster>(kind, name);
    assert.deepEqual(spec.apiServerLoadBalancer?.allowedCIDRs, ["10.0.0.0/8", "192.168.0.0/16"]);
    assert.deepEqual(spec.identityRef, { name: "rotated", cloudName: "other" });
    assert.deepEqual(spec.controlPlaneAvailabilityZones, ["az1", "az2"]);
    assert.equal(spec.controlPlaneOmitAvailabilityZone, true);
  });

  it("v1alpha7: lets allowedCidrs and the identity change", async () => {
    const name = await create(
      kind,
      v1alpha7Cluster({ apiServerLoadBalancer: { enabled: true, allowedCidrs: ["10.0.0.0/8"] } }),
      "v1alpha7",
    );
    assertAllowed(
      await update<v1alpha7.OpenStackCluster>("v1alpha7", kind, name, (c) => {
        c.spec.apiServerLoadBalancer!.allowedCidrs = ["192.168.0.0/16"];
        c.spec.identityRef = { kind: "Secret", name: "rotated" };
      }),
      "changing allowedCidrs and identityRef as v1alpha7",
    );
    const { spec } = await hub<Cluster>(kind, name);
    assert.deepEqual(spec.apiServerLoadBalancer?.allowedCIDRs, ["192.168.0.0/16"]);
    assert.deepEqual(spec.identityRef, { name: "rotated", cloudName: "openstack" });
  });

  it("lets the API server's fixed IP and port be set once without a floating IP", async () => {
    const name = await create(kind, clusterSpec({ disableAPIServerFloatingIP: true }));
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => {
        c.spec.apiServerFixedIP = "10.6.0.5";
        c.spec.apiServerPort = 443;
      }),
      "setting the fixed IP and port",
    );
    const { spec } = await hub<Cluster>(kind, name);
    assert.equal(spec.apiServerFixedIP, "10.6.0.5");
    assert.equal(spec.apiServerPort, 443);
    const fixedIP = await update<Cluster>(
      "v1beta1",
      kind,
      name,
      (c) => (c.spec.apiServerFixedIP = "10.6.0.6"),
    );
    assertDenied(fixedIP, kind, name, [notModified]);
    const port = await update<Cluster>("v1beta1", kind, name, (c) => (c.spec.apiServerPort = 6443));
    assertDenied(port, kind, name, [notModified]);
  });

  it("lets filters be pinned to what the status says they resolved to", async () => {
    const name = await create(
      kind,
      clusterSpec({
        network: { filter: { name: "nodes" } },
        subnets: [{ filter: { name: "nodes-v4" } }],
      }),
    );
    await setStatus(name, {
      ready: false,
      network: {
        id: uuid(1),
        name: "nodes",
        subnets: [{ id: uuid(2), name: "nodes-v4", cidr: "10.6.0.0/24" }],
      },
      apiServerLoadBalancer: { id: uuid(4), name: "lb", ip: "172.24.4.10", internalIP: "10.6.0.7" },
    });
    const wrongNetwork = await update<Cluster>(
      "v1beta1",
      kind,
      name,
      (c) => (c.spec.network = { id: uuid(3) }),
    );
    assertDenied(wrongNetwork, kind, name, [notModified]);
    const wrongSubnet = await update<Cluster>("v1beta1", kind, name, (c) => {
      c.spec.network = { id: uuid(1) };
      c.spec.subnets = [{ id: uuid(3) }];
    });
    assertDenied(wrongSubnet, kind, name, [notModified]);
    const wrongFloatingIP = await update<Cluster>("v1beta1", kind, name, (c) => {
      c.spec.apiServerFloatingIP = "172.24.4.11";
    });
    assertDenied(wrongFloatingIP, kind, name, [notModified]);
    assertAllowed(
      await update<Cluster>("v1beta1", kind, name, (c) => {
        c.spec.network = { id: uuid(1) };
        c.spec.subnets = [{ id: uuid(2) }];
        c.spec.apiServerFloatingIP = "172.24.4.10";
      }),
      "pinning the network, subnet and floating IP",
    );
    const { spec } = await hub<Cluster>(kind, name);
    assert.deepEqual(spec.network, { id: uuid(1) });
    assert.deepEqual(spec.subnets, [{ id: uuid(2) }]);
    assert.equal(spec.apiServerFloatingIP, "172.24.4.10");
  });
});

// ---- OpenStackMachine -----------------------------------------------------------------------------------

describe("OpenStackMachine webhook", () => {
  const kind = "OpenStackMachine";

  it("refuses spec changes", async () => {
    const name = await create(kind, machineSpec({ sshKeyName: "key" }));
    const changes: [string, (spec: v1beta1.OpenStackMachineSpec) => void][] = [
      ["flavor", (s) => (s.flavor = "m1.large")],
      ["image", (s) => (s.image = { id: uuid(1) })],
      ["sshKeyName", (s) => delete s.sshKeyName],
      ["ports", (s) => (s.ports = [{ description: "new" }])],
    ];
    for (const [field, change] of changes) {
      const res = await update<Machine>("v1beta1", kind, name, (m) => {
        change(m.spec);
      });
      assert.equal(res.status, 422, `changing ${field} is refused`);
      assertDenied(res, kind, name, [notModified]);
    }
  });

  it("lets providerID be set once and identityRef change", async () => {
    const name = await create(kind, machineSpec());
    assertAllowed(
      await update<Machine>("v1beta1", kind, name, (m) => {
        m.spec.providerID = "openstack:///1";
        m.spec.identityRef = identityRef;
      }),
      "setting providerID and identityRef",
    );
    let { spec } = await hub<Machine>(kind, name);
    assert.equal(spec.providerID, "openstack:///1");
    assert.deepEqual(spec.identityRef, identityRef);
    assertAllowed(
      await update<Machine>(
        "v1beta1",
        kind,
        name,
        (m) => (m.spec.identityRef = { name: "other", cloudName: "x" }),
      ),
      "changing identityRef",
    );
    ({ spec } = await hub<Machine>(kind, name));
    assert.deepEqual(spec.identityRef, { name: "other", cloudName: "x" });
    const changed = await update<Machine>(
      "v1beta1",
      kind,
      name,
      (m) => (m.spec.providerID = "openstack:///2"),
    );
    assertDenied(changed, kind, name, [notModified]);
    const removed = await update<Machine>("v1beta1", kind, name, (m) => delete m.spec.providerID);
    assertDenied(removed, kind, name, [notModified]);
  });

  it("v1alpha7: refuses a flavor change, lets providerID be set once and the identity change", async () => {
    const name = await create(kind, v1alpha7Machine(), "v1alpha7");
    const flavor = await update<v1alpha7.OpenStackMachine>("v1alpha7", kind, name, (m) => {
      m.spec.flavor = "m1.large";
    });
    assertDenied(flavor, kind, name, [notModified]);
    assertAllowed(
      await update<v1alpha7.OpenStackMachine>("v1alpha7", kind, name, (m) => {
        m.spec.providerID = "openstack:///1";
        m.spec.cloudName = "other";
      }),
      "setting providerID and changing cloudName as v1alpha7",
    );
    const { spec } = await hub<Machine>(kind, name);
    assert.equal(spec.providerID, "openstack:///1");
    assert.deepEqual(spec.identityRef, { name: "cloud-config", cloudName: "other" });
    const changed = await update<v1alpha7.OpenStackMachine>("v1alpha7", kind, name, (m) => {
      m.spec.providerID = "openstack:///2";
    });
    assertDenied(changed, kind, name, [notModified]);
  });

  it("refuses security groups on a port without port security", async () => {
    const securityGroups = [{ filter: { name: "default" } }];
    await create(kind, machineSpec({ ports: [{ disablePortSecurity: true }, { securityGroups }] }));
    await create(kind, machineSpec({ ports: [{ disablePortSecurity: false, securityGroups }] }));
    const name = uniqueName(kind);
    const created = await tryCreate(
      kind,
      name,
      machineSpec({ ports: [{}, { disablePortSecurity: true, securityGroups }] }),
    );
    assertDenied(created, kind, name, [
      "spec.ports[1].securityGroups: Forbidden: cannot have security groups when disablePortSecurity is set to true",
    ]);
  });

  it("v1alpha7: refuses security group filters on a port without port security", async () => {
    const name = uniqueName(kind);
    const spec = v1alpha7Machine({
      ports: [{ disablePortSecurity: true, securityGroupFilters: [{ name: "default" }] }],
    });
    assertDenied(await tryCreate(kind, name, spec, "v1alpha7"), kind, name, [
      "spec.ports[0].securityGroups: Forbidden: cannot have security groups when disablePortSecurity is set to true",
    ]);
  });

  it('refuses an additional block device named "root" with a root volume', async () => {
    const devices = [{ name: "root", sizeGiB: 1, storage: { type: "Volume" } }];
    await create(kind, machineSpec({ additionalBlockDevices: devices }));
    const name = uniqueName(kind);
    const created = await tryCreate(
      kind,
      name,
      machineSpec({ rootVolume: { sizeGiB: 10 }, additionalBlockDevices: devices }),
    );
    assertDenied(created, kind, name, [
      'spec.additionalBlockDevices: Forbidden: cannot contain a device named "root" when rootVolume is set',
    ]);
  });

  it('v1alpha7: refuses an additional block device named "root" with a root volume', async () => {
    const name = uniqueName(kind);
    const spec = v1alpha7Machine({
      rootVolume: { diskSize: 10 },
      additionalBlockDevices: [{ name: "root", sizeGiB: 1, storage: { type: "Volume" } }],
    });
    assertDenied(await tryCreate(kind, name, spec, "v1alpha7"), kind, name, [
      'spec.additionalBlockDevices: Forbidden: cannot contain a device named "root" when rootVolume is set',
    ]);
  });
});

// ---- OpenStackMachineTemplate ---------------------------------------------------------------------------

describe("OpenStackMachineTemplate webhook", () => {
  const kind = "OpenStackMachineTemplate";
  const immutable =
    "spec.template.spec: Forbidden: OpenStackMachineTemplate spec.template.spec field is immutable. " +
    "Please create a new resource instead. Ref doc: https://cluster-api.sigs.k8s.io/tasks/change-machine-template.html";
  const dryRunAnnotation = "topology.cluster.x-k8s.io/dry-run";

  it("refuses providerID", async () => {
    const name = uniqueName(kind);
    const created = await tryCreate(kind, name, { template: { spec: machineSpec({ providerID: "x" }) } });
    assertDenied(created, kind, name, [
      "spec.template.spec.providerID: Forbidden: cannot be set in templates",
    ]);
  });

  it("v1alpha7: refuses providerID", async () => {
    const name = uniqueName(kind);
    const spec = { template: { spec: v1alpha7Machine({ providerID: "x" }) } };
    assertDenied(await tryCreate(kind, name, spec, "v1alpha7"), kind, name, [
      "spec.template.spec.providerID: Forbidden: cannot be set in templates",
    ]);
  });

  it("refuses spec changes, lets metadata change", async () => {
    const name = await create(kind, { template: { spec: machineSpec() } });
    const flavor = await update<MachineTemplate>("v1beta1", kind, name, (t) => {
      t.spec.template.spec.flavor = "m1.large";
    });
    assertDenied(flavor, kind, name, [immutable]);
    assertAllowed(
      await update<MachineTemplate>("v1beta1", kind, name, (t) => {
        t.metadata = { ...t.metadata, labels: { tier: "gold" } };
      }),
      "changing labels",
    );
    const read = await hub<MachineTemplate>(kind, name);
    assert.deepEqual(read.metadata?.labels, { tier: "gold" });
  });

  it("v1alpha6: refuses spec changes", async () => {
    const spec: v1alpha6.OpenStackMachineSpec = {
      flavor: "m1.small",
      image: "ubuntu",
      cloudName: "openstack",
    };
    const name = await create(kind, { template: { spec } }, "v1alpha6");
    const res = await update<v1alpha6.OpenStackMachineTemplate>("v1alpha6", kind, name, (t) => {
      t.spec.template.spec.image = "ubuntu-24.04";
    });
    assertDenied(res, kind, name, [immutable]);
  });

  it("lets CAPI's topology controller dry-run a changed spec, nothing else", async () => {
    const name = await create(kind, { template: { spec: machineSpec() } });
    const annotate = (t: Read<MachineTemplate>) => {
      t.metadata = { ...t.metadata, annotations: { [dryRunAnnotation]: "" } };
      t.spec.template.spec.flavor = "m1.large";
    };
    const dryRun = await update<MachineTemplate>("v1beta1", kind, name, annotate, { dryRun: true });
    assertAllowed(dryRun, "the topology dry run");
    assert.equal(
      (dryRun.body as Read<MachineTemplate>).spec.template.spec.flavor,
      "m1.large",
      "the dry-run result",
    );
    assert.equal(
      (await hub<MachineTemplate>(kind, name)).spec.template.spec.flavor,
      "m1.small",
      "not persisted",
    );

    assertDenied(await update<MachineTemplate>("v1beta1", kind, name, annotate), kind, name, [immutable]);
    const plainDryRun = await update<MachineTemplate>(
      "v1beta1",
      kind,
      name,
      (t) => (t.spec.template.spec.flavor = "m1.large"),
      { dryRun: true },
    );
    assertDenied(plainDryRun, kind, name, [immutable]);
  });

  it("v1alpha7: lets CAPI's topology controller dry-run a changed spec", async () => {
    const name = await create(kind, { template: { spec: v1alpha7Machine() } }, "v1alpha7");
    const annotate = (t: Read<v1alpha7.OpenStackMachineTemplate>) => {
      t.metadata = { ...t.metadata, annotations: { [dryRunAnnotation]: "" } };
      t.spec.template.spec.flavor = "m1.large";
    };
    const dryRun = await update<v1alpha7.OpenStackMachineTemplate>("v1alpha7", kind, name, annotate, {
      dryRun: true,
    });
    assertAllowed(dryRun, "the topology dry run as v1alpha7");
    assert.equal(
      (await hub<MachineTemplate>(kind, name)).spec.template.spec.flavor,
      "m1.small",
      "not persisted",
    );
    const real = await update<v1alpha7.OpenStackMachineTemplate>("v1alpha7", kind, name, annotate);
    assertDenied(real, kind, name, [immutable]);
  });
});

// ---- OpenStackClusterTemplate ---------------------------------------------------------------------------

describe("OpenStackClusterTemplate webhook", () => {
  const kind = "OpenStackClusterTemplate";
  const immutable =
    "spec.template.spec: Forbidden: OpenStackClusterTemplate spec.template.spec field is immutable. " +
    "Please create new resource instead.";

  it("refuses spec changes, lets metadata change", async () => {
    const name = await create(kind, {
      template: { spec: clusterSpec({ managedSubnets: [{ cidr: "10.6.0.0/24" }] }) },
    });
    const changes: [string, (spec: v1beta1.OpenStackClusterSpec) => void][] = [
      ["managedSubnets", (s) => (s.managedSubnets = [{ cidr: "10.7.0.0/24" }])],
      ["identityRef", (s) => (s.identityRef = { name: "other", cloudName: "openstack" })],
      ["bastion", (s) => (s.bastion = { enabled: false })],
    ];
    for (const [field, change] of changes) {
      const res = await update<ClusterTemplate>("v1beta1", kind, name, (t) => {
        change(t.spec.template.spec);
      });
      assert.equal(res.status, 422, `changing ${field} is refused`);
      assertDenied(res, kind, name, [immutable]);
    }
    assertAllowed(
      await update<ClusterTemplate>("v1beta1", kind, name, (t) => {
        t.metadata = { ...t.metadata, labels: { tier: "gold" } };
      }),
      "changing labels",
    );
    assert.deepEqual((await hub<ClusterTemplate>(kind, name)).metadata?.labels, { tier: "gold" });
  });

  it("checks the remotes of security group rules in the template", async () => {
    const name = uniqueName(kind);
    const spec = withRules(rule("both", { remoteIPPrefix: "10.0.0.0/8", remoteGroupID: uuid(1) }));
    assertDenied(await tryCreate(kind, name, { template: { spec } }), kind, name, [
      remoteError("spec.template.spec.managedSecurityGroups.allNodesSecurityGroupRules[0]"),
    ]);
  });

  it("v1alpha7: refuses spec changes", async () => {
    const name = await create(
      kind,
      { template: { spec: v1alpha7Cluster({ nodeCidr: "10.6.0.0/24" }) } },
      "v1alpha7",
    );
    const res = await update<v1alpha7.OpenStackClusterTemplate>("v1alpha7", kind, name, (t) => {
      t.spec.template.spec.apiServerPort = 443;
    });
    assertDenied(res, kind, name, [immutable]);
  });
});
