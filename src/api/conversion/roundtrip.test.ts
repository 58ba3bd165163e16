// Round-trip properties over random valid objects of every kind in every version, generated from the
// TypeBox schemas (test/integration/conversion/arbitrary.ts). CONVERSION_RUNS overrides the number of runs
// per property (default 200, a seeded sample: `npm run soak` runs 5000); seeds are fixed, so failures reproduce.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { kindNames, type KindName } from "../common/kinds.ts";
import type { ApiVersion } from "../common/kinds.ts";
import { version as v1alpha5 } from "../v1alpha5/index.ts";
import { version as v1alpha6 } from "../v1alpha6/index.ts";
import { version as v1alpha7 } from "../v1alpha7/index.ts";
import { version as v1alpha8 } from "../v1alpha8/index.ts";
import { version as v1beta1 } from "../v1beta1/index.ts";
import { kubeObjectArbitrary } from "../../../test/integration/conversion/arbitrary.ts";
import type { SpokeConversions } from "./convert.ts";
import { contentOf, DataAnnotation, type KubeObject } from "./data.ts";
import { converter } from "./index.ts";
import { clone } from "./json.ts";
import { conversions as v1alpha5Conversions } from "./v1alpha5.ts";
import { conversions as v1alpha6Conversions } from "./v1alpha6.ts";
import { conversions as v1alpha7Conversions } from "./v1alpha7.ts";
import { conversions as v1alpha8Conversions } from "./v1alpha8.ts";

const G = "infrastructure.cluster.x-k8s.io";
const numRuns = Number(process.env.CONVERSION_RUNS ?? 200);
const spokes: ApiVersion[] = [v1alpha8, v1alpha7, v1alpha6, v1alpha5];
const conversions: Record<string, SpokeConversions> = {
  v1alpha8: v1alpha8Conversions,
  v1alpha7: v1alpha7Conversions,
  v1alpha6: v1alpha6Conversions,
  v1alpha5: v1alpha5Conversions,
};

const generate = (version: ApiVersion, kind: KindName) =>
  kubeObjectArbitrary(version.kinds[kind].schema, `${G}/${version.name}`, kind);

function withoutData(obj: KubeObject): KubeObject {
  const { [DataAnnotation]: _, ...annotations } = obj.metadata?.annotations ?? {};
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}

/** An object edited in another version keeps its metadata, conversion data included. */
const edited = (converted: KubeObject, replacement: KubeObject): KubeObject => ({
  ...replacement,
  metadata: converted.metadata,
});

let seed = 20261125;
const options = () => ({ numRuns, seed: seed++ });

describe("conversion round trips", () => {
  for (const spoke of spokes) {
    const to = (obj: KubeObject, version: string) => converter.convert(obj, `${G}/${version}`);
    for (const kind of kindNames) {
      describe(`${spoke.name} ${kind}`, () => {
        // The plain conversions must be stable on their own image, or a restore could change what an object
        // means: up∘down∘up = up and down∘up∘down = down.
        it("plain conversion: up ∘ down ∘ up = up", () => {
          const { toHub, fromHub } = conversions[spoke.name]![kind];
          fc.assert(
            fc.property(generate(spoke, kind), (obj) => {
              const up = toHub(contentOf(obj));
              assert.deepEqual(clone(toHub(fromHub(up))), clone(up));
            }),
            options(),
          );
        });

        it("plain conversion: down ∘ up ∘ down = down", () => {
          const { toHub, fromHub } = conversions[spoke.name]![kind];
          fc.assert(
            fc.property(generate(v1beta1, kind), (obj) => {
              const down = fromHub(contentOf(obj));
              assert.deepEqual(clone(fromHub(toHub(down))), clone(down));
            }),
            options(),
          );
        });

        it("spoke → hub → spoke is the identity", (t) => {
          let stashed = 0;
          fc.assert(
            fc.property(generate(spoke, kind), (obj) => {
              const hub = to(obj, "v1beta1");
              if (hub.metadata?.annotations?.[DataAnnotation] !== undefined) stashed++;
              assert.deepEqual(to(hub, spoke.name), obj);
            }),
            options(),
          );
          t.diagnostic(`${stashed}/${numRuns} needed conversion data`);
        });

        it("hub → spoke → hub is the identity", (t) => {
          let stashed = 0;
          fc.assert(
            fc.property(generate(v1beta1, kind), (obj) => {
              const converted = to(obj, spoke.name);
              if (converted.metadata?.annotations?.[DataAnnotation] !== undefined) stashed++;
              assert.deepEqual(to(converted, "v1beta1"), obj);
            }),
            options(),
          );
          t.diagnostic(`${stashed}/${numRuns} needed conversion data`);
        });

        it("spoke → hub, edited in v1beta1, → spoke → hub keeps the edit", () => {
          fc.assert(
            fc.property(generate(spoke, kind), generate(v1beta1, kind), (obj, edit) => {
              const hub = edited(to(obj, "v1beta1"), edit);
              assert.deepEqual(withoutData(to(to(hub, spoke.name), "v1beta1")), withoutData(hub));
            }),
            options(),
          );
        });

        it(`hub → spoke, edited in ${spoke.name}, → hub → spoke keeps the edit`, () => {
          fc.assert(
            fc.property(generate(v1beta1, kind), generate(spoke, kind), (obj, edit) => {
              const converted = edited(to(obj, spoke.name), edit);
              assert.deepEqual(withoutData(to(to(converted, "v1beta1"), spoke.name)), withoutData(converted));
            }),
            options(),
          );
        });

        it("spoke → every other spoke → spoke is the identity", () => {
          fc.assert(
            fc.property(
              generate(spoke, kind),
              fc.constantFrom(...spokes.filter((s) => s !== spoke).map((s) => s.name)),
              (obj, other) => {
                assert.deepEqual(to(to(obj, other), spoke.name), obj);
              },
            ),
            options(),
          );
        });
      });
    }
  }
});
