import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Router } from "../../openstack/network.ts";
import { routerStatusIPs } from "./router.ts";

describe("routerStatusIPs", () => {
  it("lists the gateway's fixed IPs", () => {
    const r = {
      external_gateway_info: {
        network_id: "ext",
        external_fixed_ips: [{ subnet_id: "s", ip_address: "198.51.100.7" }, { subnet_id: "s6" }],
      },
    } as Router;
    assert.deepEqual(routerStatusIPs(r), ["198.51.100.7"]);
  });

  it("is empty without a gateway", () => {
    assert.deepEqual(routerStatusIPs({ external_gateway_info: null } as Router), []);
  });
});
