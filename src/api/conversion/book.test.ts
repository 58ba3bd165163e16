// The book's CRD Changes examples through the converter alone (the real apiserver runs them in
// test/integration/conversion).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadBookFixtures, missingFrom } from "../../../test/integration/conversion/fixtures.ts";
import { DataAnnotation } from "./data.ts";
import { converter } from "./index.ts";

const G = "infrastructure.cluster.x-k8s.io";

describe("book CRD Changes examples", () => {
  for (const fixture of loadBookFixtures()) {
    describe(fixture.id, () => {
      const input = { ...fixture.input, metadata: { ...fixture.input.metadata, namespace: "book" } };
      const hub = converter.convert(input, `${G}/v1beta1`);

      it("converts to the documented v1beta1 object", () => {
        assert.deepEqual(
          { spec: hub.spec, status: hub.status },
          { spec: fixture.hub.spec, status: fixture.hub.status },
        );
      });

      it("reads back unchanged in its own version", () => {
        assert.deepEqual(converter.convert(hub, input.apiVersion ?? ""), input);
      });

      if (fixture.documented) {
        const documented = fixture.documented;
        it(`reads as the book documents in ${documented.apiVersion ?? ""}`, () => {
          const read = converter.convert(hub, documented.apiVersion ?? "");
          const { apiVersion: _, kind: _k, metadata: _m, ...body } = documented;
          assert.equal(missingFrom(read, body), undefined);
        });
      }

      for (const version of converter.versions) {
        it(`round-trips through ${version}`, () => {
          const other = converter.convert(hub, `${G}/${version}`);
          const back = converter.convert(other, `${G}/v1beta1`);
          assert.deepEqual(back, hub);
          assert.deepEqual(converter.convert(back, input.apiVersion ?? ""), input);
        });
      }

      it("keeps the annotation only when something is lost", () => {
        const lossless = converter.convert(converter.convert(input, `${G}/v1beta1`), input.apiVersion ?? "");
        assert.equal(lossless.metadata?.annotations?.[DataAnnotation], undefined);
      });
    });
  }
});
