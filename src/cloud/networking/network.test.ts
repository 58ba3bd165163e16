import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { ipVersionOf } from "./network.ts";

describe("ipVersionOf", () => {
  it("is 4 for an IPv4 CIDR and 6 for an IPv6 one", () => {
    assert.equal(ipVersionOf("10.6.0.0/24"), 4);
    assert.equal(ipVersionOf("fd00:1234::/64"), 6);
    assert.equal(ipVersionOf("::ffff:10.0.0.0/120"), 6);
  });

  it("refuses what is not a CIDR, naming it", () => {
    for (const bad of ["10.6.0.0", "10.6.0.0/33", "nonsense/24", ""])
      assert.throws(
        () => ipVersionOf(bad),
        (e) => e instanceof UserError && e.message.includes(JSON.stringify(bad)),
      );
  });
});
