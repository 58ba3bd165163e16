import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatFieldError, formatInvalid, type FieldError } from "../common/field-errors.ts";
import type {
  OpenStackCluster,
  OpenStackClusterSpec,
  OpenStackClusterTemplate,
  OpenStackMachine,
  OpenStackMachineSpec,
  OpenStackMachineTemplate,
} from "./index.ts";
import {
  openStackClusterTemplateWarnings,
  openStackClusterWarnings,
  openStackMachineTemplateWarnings,
  openStackMachineWarnings,
  updateWarnings,
  validateOpenStackCluster,
  validateOpenStackClusterTemplateUpdate,
  validateOpenStackClusterUpdate,
  validateOpenStackMachine,
  validateOpenStackMachineTemplate,
  validateOpenStackMachineTemplateUpdate,
  validateOpenStackMachineUpdate,
} from "./validation.ts";

const messages = (errors: FieldError[]) => errors.map(formatFieldError);

const machineSpec = (extra: Partial<OpenStackMachineSpec> = {}): OpenStackMachineSpec => ({
  flavor: "m1.small",
  image: { filter: { name: "ubuntu" } },
  ...extra,
});

const cluster = (
  spec: Partial<OpenStackClusterSpec> = {},
  status?: OpenStackCluster["status"],
): OpenStackCluster => ({
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1",
  kind: "OpenStackCluster",
  metadata: { name: "c", namespace: "ns" },
  spec: { identityRef: { name: "cloud-config", cloudName: "openstack" }, ...spec },
  ...(status ? { status } : {}),
});

const machine = (extra: Partial<OpenStackMachineSpec> = {}): OpenStackMachine => ({
  metadata: { name: "m" },
  spec: machineSpec(extra),
});

const rule = (extra: object) => ({ name: "r", direction: "ingress", ...extra });
const withRules = (...rules: object[]) =>
  cluster({
    managedSecurityGroups: { allowAllInClusterTraffic: false, allNodesSecurityGroupRules: rules.map(rule) },
  });

const notModified = ["spec: Forbidden: cannot be modified"];

describe("OpenStackCluster create", () => {
  it("accepts a minimal cluster", () => {
    assert.deepEqual(validateOpenStackCluster(cluster()), []);
  });

  it("accepts an empty identityRef, as CAPO v0.10 does (conversion produces it for old manifests)", () => {
    const bastion = { spec: machineSpec({ identityRef: { name: "x", cloudName: "" } }) };
    assert.deepEqual(
      validateOpenStackCluster(cluster({ identityRef: { name: "", cloudName: "" }, bastion })),
      [],
    );
  });

  it("allows at most one remote per security group rule", () => {
    assert.deepEqual(messages(validateOpenStackCluster(withRules({ remoteIPPrefix: "0.0.0.0/0" }))), []);
    assert.deepEqual(
      messages(validateOpenStackCluster(withRules({}, { remoteIPPrefix: "0.0.0.0/0", remoteGroupID: "x" }))),
      [
        "spec.managedSecurityGroups.allNodesSecurityGroupRules[1]: Forbidden: only one of remoteManagedGroups, remoteGroupID, or remoteIPPrefix can be set",
      ],
    );
    assert.equal(
      validateOpenStackCluster(withRules({ remoteManagedGroups: ["worker"], remoteGroupID: "x" })).length,
      1,
    );
    // An empty list of managed groups names no remote.
    assert.deepEqual(
      validateOpenStackCluster(withRules({ remoteManagedGroups: [], remoteIPPrefix: "::/0" })),
      [],
    );
  });

  it("checks rule direction and ether type against Neutron's values", () => {
    assert.deepEqual(messages(validateOpenStackCluster(withRules({ direction: "in", etherType: "ipv4" }))), [
      'spec.managedSecurityGroups.allNodesSecurityGroupRules[0].direction: Unsupported value: "in": supported values: "ingress", "egress"',
      'spec.managedSecurityGroups.allNodesSecurityGroupRules[0].etherType: Unsupported value: "ipv4": supported values: "IPv4", "IPv6"',
    ]);
  });

  it("applies the machine rules to the bastion", () => {
    const bastion = {
      enabled: true,
      spec: machineSpec({
        rootVolume: { sizeGiB: 10 },
        additionalBlockDevices: [{ name: "root", sizeGiB: 1, storage: { type: "Volume" } }],
      }),
    };
    assert.deepEqual(messages(validateOpenStackCluster(cluster({ bastion }))), [
      'spec.bastion.spec.additionalBlockDevices: Forbidden: cannot contain a device named "root" when rootVolume is set',
    ]);
  });
});

describe("OpenStackCluster update", () => {
  const update = (before: OpenStackCluster, after: OpenStackCluster) =>
    messages(validateOpenStackClusterUpdate(before, after));

  it("allows no-op updates, including empty lists written as absent", () => {
    assert.deepEqual(update(cluster({ tags: ["a"] }), cluster({ tags: ["a"] })), []);
    assert.deepEqual(update(cluster({ tags: [] }), cluster()), []);
  });

  it("rejects changes to other fields", () => {
    assert.deepEqual(update(cluster(), cluster({ tags: ["a"] })), notModified);
    assert.deepEqual(update(cluster({ networkMTU: 1500 }), cluster({ networkMTU: 9000 })), notModified);
  });

  it("allows identityRef and control plane availability zone changes", () => {
    assert.deepEqual(
      update(
        cluster(),
        cluster({
          identityRef: { name: "other", cloudName: "other" },
          controlPlaneAvailabilityZones: ["az1"],
          controlPlaneOmitAvailabilityZone: true,
        }),
      ),
      [],
    );
  });

  it("lets controlPlaneEndpoint be set until it has a host", () => {
    const endpoint = { host: "api.example.com", port: 6443 };
    assert.deepEqual(update(cluster(), cluster({ controlPlaneEndpoint: endpoint })), []);
    assert.deepEqual(
      update(
        cluster({ controlPlaneEndpoint: { host: "", port: 0 } }),
        cluster({ controlPlaneEndpoint: endpoint }),
      ),
      [],
    );
    assert.deepEqual(
      update(
        cluster({ controlPlaneEndpoint: endpoint }),
        cluster({ controlPlaneEndpoint: { ...endpoint, port: 443 } }),
      ),
      notModified,
    );
  });

  it("lets the API server fixed IP and port be set once when the floating IP is disabled", () => {
    const noFIP = { disableAPIServerFloatingIP: true };
    assert.deepEqual(
      update(cluster(noFIP), cluster({ ...noFIP, apiServerFixedIP: "10.0.0.5", apiServerPort: 6443 })),
      [],
    );
    assert.deepEqual(
      update(
        cluster({ ...noFIP, apiServerFixedIP: "10.0.0.5" }),
        cluster({ ...noFIP, apiServerFixedIP: "10.0.0.6" }),
      ),
      notModified,
    );
    assert.deepEqual(
      update(cluster({ ...noFIP, apiServerPort: 6443 }), cluster({ ...noFIP, apiServerPort: 443 })),
      notModified,
    );
    assert.deepEqual(update(cluster(), cluster({ apiServerFixedIP: "10.0.0.5" })), notModified);
  });

  it("lets the bastion change, but not be removed while enabled", () => {
    const bastion = (enabled: boolean, flavor = "m1.small") => ({ enabled, spec: machineSpec({ flavor }) });
    assert.deepEqual(
      update(cluster({ bastion: bastion(true) }), cluster({ bastion: bastion(true, "m1.large") })),
      [],
    );
    assert.deepEqual(update(cluster({ bastion: bastion(true) }), cluster({ bastion: bastion(false) })), []);
    assert.deepEqual(update(cluster({ bastion: bastion(false) }), cluster()), []);
    assert.deepEqual(update(cluster({ bastion: bastion(true) }), cluster()), [
      "spec.bastion: Forbidden: cannot be removed before disabling it",
    ]);
    assert.deepEqual(update(cluster(), cluster({ bastion: bastion(true) })), []);
  });

  it("lets managed security groups be enabled and their rules change, but not be disabled", () => {
    const msg = (allow: boolean, ...rules: object[]) => ({
      managedSecurityGroups: { allowAllInClusterTraffic: allow, allNodesSecurityGroupRules: rules.map(rule) },
    });
    assert.deepEqual(update(cluster(), cluster(msg(false))), []);
    assert.deepEqual(update(cluster(msg(false)), cluster(msg(true, { remoteIPPrefix: "10.0.0.0/8" }))), []);
    assert.deepEqual(update(cluster(msg(false)), cluster()), notModified);
  });

  it("validates new security group rules, but not ones the old object already had", () => {
    const bad = { remoteIPPrefix: "0.0.0.0/0", remoteGroupID: "x" };
    assert.equal(validateOpenStackClusterUpdate(withRules(), withRules(bad)).length, 1);
    const before = withRules(bad);
    const after = withRules(bad);
    after.spec!.identityRef = { name: "rotated", cloudName: "openstack" };
    assert.deepEqual(update(before, after), []);
  });

  it("lets managed subnets change only their DNS nameservers", () => {
    const subnets = (cidr: string, ...dnsNameservers: string[]) => ({
      managedSubnets: [{ cidr, dnsNameservers }],
    });
    assert.deepEqual(
      update(cluster(subnets("10.6.0.0/24", "8.8.8.8")), cluster(subnets("10.6.0.0/24", "1.1.1.1"))),
      [],
    );
    assert.deepEqual(update(cluster(subnets("10.6.0.0/24")), cluster(subnets("10.7.0.0/24"))), [
      "spec.managedSubnets: Forbidden: cannot change subnet CIDR from existing value to 10.7.0.0/24",
      ...notModified,
    ]);
    assert.deepEqual(
      update(
        cluster(subnets("10.6.0.0/24")),
        cluster({ managedSubnets: [{ cidr: "10.6.0.0/24" }, { cidr: "10.7.0.0/24" }] }),
      ),
      ["spec.managedSubnets: Forbidden: cannot add or remove subnets", ...notModified],
    );
  });

  it("lets the load balancer's allowed CIDRs change, nothing else of it", () => {
    const lb = (extra: object) => ({ apiServerLoadBalancer: { enabled: true, ...extra } });
    assert.deepEqual(
      update(cluster(lb({ allowedCIDRs: ["10.0.0.0/8"] })), cluster(lb({ allowedCIDRs: [] }))),
      [],
    );
    assert.deepEqual(update(cluster(lb({})), cluster(lb({ provider: "ovn" }))), notModified);
  });

  it("lets the API server floating IP be pinned to the load balancer's address", () => {
    const status = {
      ready: true,
      apiServerLoadBalancer: { name: "lb", id: "1", ip: "172.24.4.10", internalIP: "10.6.0.10" },
    };
    assert.deepEqual(update(cluster({}, status), cluster({ apiServerFloatingIP: "172.24.4.10" })), []);
    assert.deepEqual(
      update(cluster({}, status), cluster({ apiServerFloatingIP: "172.24.4.11" })),
      notModified,
    );
  });

  it("lets network and subnet filters be replaced by the ids they resolved to", () => {
    const netID = "8f3a2b1c-0000-4000-8000-000000000001";
    const subnetID = "8f3a2b1c-0000-4000-8000-000000000002";
    const status = {
      ready: true,
      network: { name: "net", id: netID, subnets: [{ name: "sub", id: subnetID, cidr: "10.0.0.0/24" }] },
    };
    const before = cluster(
      { network: { filter: { name: "net" } }, subnets: [{ filter: { name: "sub" } }] },
      status,
    );
    assert.deepEqual(update(before, cluster({ network: { id: netID }, subnets: [{ id: subnetID }] })), []);
    assert.deepEqual(
      update(
        before,
        cluster({ network: { id: "8f3a2b1c-0000-4000-8000-000000000003" }, subnets: [{ id: subnetID }] }),
      ),
      notModified,
    );
    assert.deepEqual(
      update(before, cluster({ network: { id: netID }, subnets: [{ filter: { name: "other" } }] })),
      notModified,
    );
  });
});

describe("OpenStackMachine", () => {
  it("forbids an additional block device named root next to a root volume", () => {
    const devices = [{ name: "root", sizeGiB: 1, storage: { type: "Local" } }];
    assert.deepEqual(validateOpenStackMachine(machine({ additionalBlockDevices: devices })), []);
    assert.deepEqual(
      messages(
        validateOpenStackMachine(machine({ rootVolume: { sizeGiB: 5 }, additionalBlockDevices: devices })),
      ),
      ['spec.additionalBlockDevices: Forbidden: cannot contain a device named "root" when rootVolume is set'],
    );
  });

  it("forbids security groups on a port without port security", () => {
    const sg = [{ filter: { name: "default" } }];
    assert.deepEqual(
      validateOpenStackMachine(machine({ ports: [{ disablePortSecurity: false, securityGroups: sg }] })),
      [],
    );
    assert.deepEqual(
      messages(
        validateOpenStackMachine(machine({ ports: [{}, { disablePortSecurity: true, securityGroups: sg }] })),
      ),
      [
        "spec.ports[1].securityGroups: Forbidden: cannot have security groups when disablePortSecurity is set to true",
      ],
    );
  });

  it("accepts an unknown block device type with a warning, new warnings only on update", () => {
    const local = machine({
      additionalBlockDevices: [{ name: "d", sizeGiB: 1, storage: { type: "local" } }],
    });
    const warning =
      'spec.additionalBlockDevices[0].storage.type: Unsupported value: "local": supported values: "Local", "Volume"; the controller cannot create this device';
    assert.deepEqual(validateOpenStackMachine(local), []);
    assert.deepEqual(messages(openStackMachineWarnings(local)), [warning]);
    assert.deepEqual(openStackMachineWarnings(machine()), []);
    assert.deepEqual(messages(updateWarnings(openStackMachineWarnings, machine(), local)), [warning]);
    assert.deepEqual(updateWarnings(openStackMachineWarnings, local, local), []);
  });

  it("warns about block device types in templates and the bastion", () => {
    const spec = machineSpec({ additionalBlockDevices: [{ name: "d", sizeGiB: 1, storage: { type: "x" } }] });
    const field = (warnings: FieldError[]) => warnings.map((w) => w.field);
    assert.deepEqual(field(openStackClusterWarnings(cluster({ bastion: { spec } }))), [
      "spec.bastion.spec.additionalBlockDevices[0].storage.type",
    ]);
    assert.deepEqual(
      field(
        openStackClusterTemplateWarnings({
          spec: { template: { spec: cluster({ bastion: { spec } }).spec! } },
        }),
      ),
      ["spec.template.spec.bastion.spec.additionalBlockDevices[0].storage.type"],
    );
    assert.deepEqual(field(openStackMachineTemplateWarnings({ spec: { template: { spec } } })), [
      "spec.template.spec.additionalBlockDevices[0].storage.type",
    ]);
  });

  it("lets providerID be set once and identityRef change", () => {
    const identityRef = { name: "x", cloudName: "y" };
    assert.deepEqual(
      validateOpenStackMachineUpdate(machine(), machine({ providerID: "openstack:///1", identityRef })),
      [],
    );
    assert.deepEqual(
      messages(
        validateOpenStackMachineUpdate(
          machine({ providerID: "openstack:///1" }),
          machine({ providerID: "openstack:///2" }),
        ),
      ),
      notModified,
    );
    assert.deepEqual(validateOpenStackMachineUpdate(machine({ identityRef }), machine()), []);
    assert.deepEqual(
      messages(validateOpenStackMachineUpdate(machine(), machine({ flavor: "m1.large" }))),
      notModified,
    );
  });
});

describe("templates", () => {
  const machineTemplate = (
    spec: OpenStackMachineSpec,
    annotations?: Record<string, string>,
  ): OpenStackMachineTemplate => ({
    metadata: { name: "t", ...(annotations ? { annotations } : {}) },
    spec: { template: { spec } },
  });

  it("forbids providerID in machine templates", () => {
    assert.deepEqual(
      messages(validateOpenStackMachineTemplate(machineTemplate(machineSpec({ providerID: "x" })))),
      ["spec.template.spec.providerID: Forbidden: cannot be set in templates"],
    );
  });

  it("keeps machine templates immutable except for CAPI topology dry runs", () => {
    const before = machineTemplate(machineSpec());
    const after = machineTemplate(machineSpec({ flavor: "m1.large" }), {
      "topology.cluster.x-k8s.io/dry-run": "",
    });
    assert.equal(validateOpenStackMachineTemplateUpdate(before, after).length, 1);
    assert.equal(validateOpenStackMachineTemplateUpdate(before, after, { dryRun: false }).length, 1);
    assert.deepEqual(validateOpenStackMachineTemplateUpdate(before, after, { dryRun: true }), []);
    assert.deepEqual(validateOpenStackMachineTemplateUpdate(before, structuredClone(before)), []);
  });

  it("keeps cluster templates immutable", () => {
    const template = (tags: string[]): OpenStackClusterTemplate => ({
      metadata: { name: "t" },
      spec: { template: { spec: { identityRef: { name: "a", cloudName: "b" }, tags } } },
    });
    assert.deepEqual(validateOpenStackClusterTemplateUpdate(template(["a"]), template(["a"])), []);
    assert.deepEqual(messages(validateOpenStackClusterTemplateUpdate(template(["a"]), template(["b"]))), [
      "spec.template.spec: Forbidden: OpenStackClusterTemplate spec.template.spec field is immutable. Please create new resource instead.",
    ]);
  });
});

describe("formatInvalid", () => {
  it("reads like the apiserver's Invalid status message", () => {
    const one = validateOpenStackMachineUpdate(machine(), machine({ flavor: "x" }));
    assert.equal(
      formatInvalid("OpenStackMachine", "m", one),
      'OpenStackMachine.infrastructure.cluster.x-k8s.io "m" is invalid: spec: Forbidden: cannot be modified',
    );
    const two = validateOpenStackCluster(withRules({ direction: "up" }, { direction: "down" }));
    assert.match(
      formatInvalid("OpenStackCluster", "c", two),
      /is invalid: \[spec\..*direction: .*, spec\..*direction: .*\]$/,
    );
  });
});
