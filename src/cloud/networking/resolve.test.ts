import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { neutronQuery, subnetQuery } from "./resolve.ts";

describe("filter → Neutron query", () => {
  it("maps name, description, project and the four tag lists", () => {
    assert.deepEqual(
      neutronQuery({
        name: "n",
        description: "d",
        projectID: "p",
        tags: ["a", "b"],
        tagsAny: ["c"],
        notTags: ["d"],
        notTagsAny: ["e", "f"],
      }),
      {
        name: "n",
        description: "d",
        project_id: "p",
        tags: "a,b",
        "tags-any": "c",
        "not-tags": "d",
        "not-tags-any": "e,f",
      },
    );
  });

  it("leaves out what the filter does not set, and empty tag lists", () => {
    assert.deepEqual(neutronQuery({ name: "n", tags: [] }), { name: "n" });
  });

  it("keeps an empty name: Neutron matches it exactly", () => {
    assert.deepEqual(neutronQuery({ name: "" }), { name: "" });
  });

  it("maps the subnet fields", () => {
    assert.deepEqual(
      subnetQuery({
        name: "s",
        ipVersion: 6,
        gatewayIP: "fd00::1",
        cidr: "fd00::/64",
        ipv6AddressMode: "slaac",
        ipv6RAMode: "slaac",
        notTagsAny: ["x"],
      }),
      {
        name: "s",
        ip_version: 6,
        gateway_ip: "fd00::1",
        cidr: "fd00::/64",
        ipv6_address_mode: "slaac",
        ipv6_ra_mode: "slaac",
        "not-tags-any": "x",
      },
    );
  });
});
