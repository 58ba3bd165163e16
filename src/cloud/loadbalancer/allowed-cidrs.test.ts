import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { allowedCIDRs, invalidCIDRMessage } from "./allowed-cidrs.ts";

const cluster = {
  bastionFloatingIP: "198.51.100.7",
  bastionIP: "10.6.0.5",
  clusterSubnetCIDRs: ["10.6.0.0/24"],
  routerIPs: ["198.51.100.3"],
};

describe("allowedCIDRs", () => {
  it("an empty spec list stays empty: nothing of the cluster is added", () => {
    assert.deepEqual(allowedCIDRs({ spec: [], ...cluster }), { cidrs: [], invalid: [] });
  });

  it("widens a non-empty spec list with bastion, subnets and router IPs; addresses become /32", () => {
    assert.deepEqual(allowedCIDRs({ spec: ["192.0.2.0/24"], ...cluster }), {
      cidrs: ["10.6.0.0/24", "10.6.0.5/32", "192.0.2.0/24", "198.51.100.3/32", "198.51.100.7/32"],
      invalid: [],
    });
  });

  it("sorts and deduplicates, also an address given both bare and as /32", () => {
    const r = allowedCIDRs({
      spec: ["10.6.0.5", "10.6.0.5/32", "192.0.2.0/24", "10.6.0.0/24"],
      clusterSubnetCIDRs: ["10.6.0.0/24", ""],
      routerIPs: [],
    });
    assert.deepEqual(r.cidrs, ["10.6.0.0/24", "10.6.0.5/32", "192.0.2.0/24"]);
  });

  it("drops what is not IPv4 (garbage, bad prefix, IPv6, leading zeros) and returns it", () => {
    const r = allowedCIDRs({
      spec: ["nope", "10.0.0.0/33", "2001:db8::/32", "010.0.0.1", "10.1.0.0/16"],
      clusterSubnetCIDRs: [],
      routerIPs: ["fd00::1"],
    });
    assert.deepEqual(r.cidrs, ["10.1.0.0/16"]);
    assert.deepEqual(r.invalid, ["nope", "10.0.0.0/33", "2001:db8::/32", "010.0.0.1", "fd00::1"]);
  });

  it("words the warning as CAPO does", () => {
    assert.equal(
      invalidCIDRMessage("nope"),
      "nope is not a valid IPv4 nor CIDR address and will not get applied to allowed_cidrs",
    );
  });
});
