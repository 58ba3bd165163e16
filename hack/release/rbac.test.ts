// The manifest's RBAC against what the manager does: every kind the controllers watch, every resource the
// reconcilers import, the runtime's own Events and Lease, and nothing else, with no wildcard anywhere. A new
// watch or a new resource in src/controllers fails here until the rules grant it.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import type { V1PolicyRule } from "@kubernetes/client-node";
import { capoControllers } from "../../src/cli/controllers.ts";
import { LEADER_ELECTION_ID } from "../../src/cli/manager-config.ts";
import type { Reconciler } from "../../src/runtime/controller.ts";
import { Manager, type ControllerSpec } from "../../src/runtime/manager.ts";
import type { Resource } from "../../src/runtime/object.ts";
import * as resources from "../../src/runtime/resources.ts";
import { leaderElectionRules, managerRules, metricsReaderRules } from "./rbac.ts";

type Rules = readonly V1PolicyRule[];

function allows(
  rules: Rules,
  r: Resource,
  verb: string,
  opts: { sub?: string; name?: string } = {},
): boolean {
  const resource = opts.sub ? `${r.plural}/${opts.sub}` : r.plural;
  return rules.some(
    (rule) =>
      (rule.apiGroups ?? []).includes(r.group) &&
      (rule.resources ?? []).includes(resource) &&
      rule.verbs.includes(verb) &&
      (rule.resourceNames === undefined ||
        (opts.name !== undefined && rule.resourceNames.includes(opts.name))),
  );
}

/** Records what the controllers register, on a Manager that never connects. */
class RecordingManager extends Manager {
  readonly specs: ControllerSpec[] = [];
  override addController(spec: ControllerSpec) {
    this.specs.push(spec);
    return super.addController(spec);
  }
}

function registeredControllers(): ControllerSpec[] {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "none", server: "https://127.0.0.1:1" }],
    users: [{ name: "none" }],
    contexts: [{ name: "none", cluster: "none", user: "none" }],
    currentContext: "none",
  });
  const mgr = new RecordingManager({ kubeConfig });
  const idle: Reconciler = { reconcile: () => Promise.resolve(undefined) };
  const opts = {
    watchFilter: "",
    namespace: "",
    openStackClusterConcurrency: 1,
    openStackMachineConcurrency: 1,
  };
  for (const r of capoControllers(opts, () => ({ openStackCluster: idle, openStackMachine: idle })))
    r.register(mgr);
  return mgr.specs;
}

const known = Object.entries(resources).filter(
  (entry): entry is [string, Resource] => typeof entry[1] === "object",
);

/** The resources.ts descriptors that the reconcilers (and their registration) import. */
function importedByControllers(): Resource[] {
  const dir = new URL("../../src/controllers", import.meta.url).pathname;
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(dir, f));
  files.push(new URL("../../src/cli/controllers.ts", import.meta.url).pathname);
  const imported = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/import \{([^}]*)\} from "[./]*runtime\/resources\.ts"/g))
      for (const name of (m[1] ?? "").split(",")) imported.add(name.trim());
  }
  return known.filter(([name]) => imported.has(name)).map(([, r]) => r);
}

const READ = ["get", "list", "watch"];

describe("the manager's RBAC", () => {
  const specs = registeredControllers();

  it("finds the controllers' registrations and imports (else this test proves nothing)", () => {
    assert.deepEqual(
      specs.map((s) => s.for.kind),
      ["OpenStackCluster", "OpenStackMachine"],
    );
    assert.ok(importedByControllers().length >= 4);
  });

  it("lets every controller read, watch and patch its kind and that kind's status", () => {
    for (const { for: r } of specs) {
      for (const verb of [...READ, "patch"]) assert.ok(allows(managerRules, r, verb), `${verb} ${r.plural}`);
      assert.ok(allows(managerRules, r, "patch", { sub: "status" }), `patch ${r.plural}/status`);
    }
  });

  it("lets the informers list and watch every watched kind", () => {
    for (const w of specs.flatMap((s) => s.watches ?? []))
      for (const verb of READ)
        assert.ok(allows(managerRules, w.resource, verb), `${verb} ${w.resource.plural}`);
  });

  it("lets the reconcilers read every resource they import", () => {
    for (const r of importedByControllers())
      for (const verb of READ) assert.ok(allows(managerRules, r, verb), `${verb} ${r.plural}`);
  });

  it("lets the event broadcaster create and patch Events, and nothing more", () => {
    assert.deepEqual(
      managerRules.filter((rule) => rule.resources?.includes("events")).map((rule) => rule.verbs),
      [["create", "patch"]],
    );
  });

  it("lets leader election create the Lease, and read and renew only the manager's own", () => {
    const lease = resources.Leases;
    assert.ok(allows(leaderElectionRules, lease, "create"));
    for (const verb of ["get", "update"]) {
      assert.ok(allows(leaderElectionRules, lease, verb, { name: LEADER_ELECTION_ID }));
      assert.ok(!allows(leaderElectionRules, lease, verb, { name: "someone-elses-lease" }));
    }
    assert.ok(!allows(managerRules, lease, "get"), "the ClusterRole grants no Leases");
  });

  it("lets the secure metrics listener review tokens and access", () => {
    const review = (group: string, plural: string): Resource => ({
      group,
      plural,
      version: "v1",
      kind: "",
      namespaced: false,
    });
    assert.ok(allows(managerRules, review("authentication.k8s.io", "tokenreviews"), "create"));
    assert.ok(allows(managerRules, review("authorization.k8s.io", "subjectaccessreviews"), "create"));
    assert.deepEqual(metricsReaderRules, [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }]);
  });

  it("grants nothing that is not used: no other resource, no create or delete of ours, no wildcard", () => {
    const used = new Set([
      ...specs.flatMap((s) => [s.for, ...(s.watches ?? []).map((w) => w.resource)]),
      ...importedByControllers(),
      resources.Events,
    ]);
    const usedNames = new Set([...used].flatMap((r) => [r.plural, `${r.plural}/status`]));
    usedNames.add("tokenreviews").add("subjectaccessreviews");
    for (const rule of [...managerRules, ...leaderElectionRules, ...metricsReaderRules]) {
      const words = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs];
      assert.ok(!words.some((w) => w.includes("*")), JSON.stringify(rule));
      assert.ok(
        !rule.verbs.includes("delete") && !rule.verbs.includes("deletecollection"),
        JSON.stringify(rule),
      );
    }
    for (const resource of managerRules.flatMap((rule) => rule.resources ?? []))
      assert.ok(usedNames.has(resource), `${resource} is granted but nothing uses it`);
  });
});
