import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serverAddresses } from "./addresses.ts";

describe("serverAddresses", () => {
  it("sorts networks by name, IPv4 before IPv6 within each, floating as ExternalIP, then InternalDNS", () => {
    const got = serverAddresses({
      name: "m-0",
      addresses: {
        zeta: [{ addr: "10.0.0.5", version: 4, "OS-EXT-IPS:type": "fixed" }],
        alpha: [
          { addr: "fd00::5", version: 6, "OS-EXT-IPS:type": "fixed" },
          { addr: "10.1.0.5", version: 4, "OS-EXT-IPS:type": "fixed" },
          { addr: "198.51.100.9", version: 4, "OS-EXT-IPS:type": "floating" },
        ],
      },
    });
    assert.deepEqual(got, [
      { type: "InternalIP", address: "10.1.0.5" },
      { type: "ExternalIP", address: "198.51.100.9" },
      { type: "InternalIP", address: "fd00::5" },
      { type: "InternalIP", address: "10.0.0.5" },
      { type: "InternalDNS", address: "m-0" },
    ]);
  });

  it("an address without a type is internal; a server without addresses has only its name", () => {
    assert.deepEqual(serverAddresses({ name: "b", addresses: { n: [{ addr: "10.2.0.1", version: 4 }] } }), [
      { type: "InternalIP", address: "10.2.0.1" },
      { type: "InternalDNS", address: "b" },
    ]);
    assert.deepEqual(serverAddresses({ name: "b", addresses: {} }), [{ type: "InternalDNS", address: "b" }]);
  });
});
