import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Port } from "../../openstack/network.ts";
import { isClusterPort } from "./cluster-ports.ts";

const port = (name: string, device_owner: string) => ({ name, device_owner }) as Port;
const prefixes = ["osc", "ns-osc"];

describe("isClusterPort", () => {
  it("takes ports named after the cluster", () => {
    assert.ok(isClusterPort(port("osc-bastion-0", "compute:nova"), prefixes));
    assert.ok(isClusterPort(port("ns-osc-bastion-0", "trunk:subport"), prefixes));
  });

  it("takes ports of servers and unowned ports whatever their name", () => {
    assert.ok(isClusterPort(port("", "compute:nova"), prefixes));
    assert.ok(isClusterPort(port("other", "compute:testaz1"), prefixes));
    assert.ok(isClusterPort(port("other", ""), prefixes));
  });

  it("leaves Neutron's own ports, even named after the cluster", () => {
    for (const owner of [
      "network:dhcp",
      "network:router_interface",
      "network:distributed",
      "network:ha_router_replicated_interface",
    ])
      assert.ok(!isClusterPort(port("osc-x", owner), prefixes));
  });

  it("leaves ports of other owners with other names", () => {
    assert.ok(!isClusterPort(port("octavia-lb-1", "Octavia"), prefixes));
    assert.ok(!isClusterPort(port("other", "trunk:subport"), [""]));
  });
});
