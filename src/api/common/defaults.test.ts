import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OpenStackClusterSchema, OpenStackMachineSchema, type OpenStackCluster } from "../v1beta1/index.ts";
import { applyDefaults, applyDefaultsInPlace } from "./defaults.ts";

describe("applyDefaults", () => {
  it("fills v1beta1 cluster defaults where the fields are absent, leaving the input untouched", () => {
    const input = {
      spec: {
        identityRef: { name: "a", cloudName: "b" },
        bastion: {},
        apiServerLoadBalancer: {},
        managedSecurityGroups: {},
      },
      status: {},
    } as unknown as OpenStackCluster;
    const out = applyDefaults(OpenStackClusterSchema, input);
    const spec = out.spec!;
    assert.equal(spec.bastion?.enabled, true);
    assert.equal(spec.apiServerLoadBalancer?.enabled, true);
    assert.equal(spec.managedSecurityGroups?.allowAllInClusterTraffic, false);
    assert.equal(out.status?.ready, false);
    assert.deepEqual(input.spec?.bastion, {});
  });

  it("keeps values that are set and does not invent optional parents", () => {
    const out = applyDefaults(OpenStackClusterSchema, {
      spec: { identityRef: { name: "a", cloudName: "b" }, bastion: { enabled: false } },
    });
    assert.equal(out.spec.bastion.enabled, false);
    assert.equal("apiServerLoadBalancer" in out.spec, false);
    assert.equal("status" in out, false);
  });

  it("descends into lists and the bastion's machine spec", () => {
    const zone = { availabilityZone: {} };
    const out = applyDefaults(OpenStackMachineSchema, {
      spec: {
        flavor: "f",
        image: { id: "x" },
        rootVolume: { sizeGiB: 1, ...zone },
        additionalBlockDevices: [{ name: "d", sizeGiB: 1, storage: { type: "Volume", volume: zone } }],
      },
    });
    assert.deepEqual(out.spec.rootVolume.availabilityZone, { from: "Name" });
    assert.deepEqual(out.spec.additionalBlockDevices[0]?.storage.volume.availabilityZone, { from: "Name" });
  });

  it("can default in place", () => {
    const obj = { spec: { identityRef: { name: "a", cloudName: "b" }, bastion: {} } };
    applyDefaultsInPlace(OpenStackClusterSchema, obj);
    assert.deepEqual(obj.spec.bastion, { enabled: true });
  });
});
