// What the OpenStackCluster reconciler does with what only a person can fix (capo-behaviour §3.4, §3.18): a
// filter matching nothing, a wrong password, a missing Secret. Each shows as a False condition with CAPO's
// reason and a message that says what is wrong (and never a credential), plus a Warning event with the same
// message; nothing is made on the cloud; and once the Secret is fixed the same object converges.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { networkName } from "../../../src/cloud/names.ts";
import { OpenStackClusters, Secrets } from "../../../src/runtime/resources.ts";
import type { Obj } from "../../env/capo.ts";
import { assertNoSecrets, cloudPassword, cloudsYamlFor, condition, observableTexts } from "../../env/capo.ts";
import { assertNothingLeft, inventory } from "../../env/sweep.ts";
import { credential } from "../openstack/env.ts";
import {
  NS,
  createCluster,
  deleteAndSweep,
  eventsOf,
  run,
  startEnv,
  stopEnv,
  waitReady,
  type Env,
} from "./cluster-helpers.ts";

const WRONG = `wrong-${run}-password`;

/** clouds.yaml of capo-e2e with another password. */
function cloudsYamlWithPassword(password: string): string {
  const doc = parse(cloudsYamlFor()) as { clouds: Record<string, { auth: Record<string, unknown> }> };
  const entry = doc.clouds["capo-e2e"];
  assert.ok(entry);
  entry.auth.password = password;
  return stringify(doc);
}

const secretBody = (name: string, password: string): Obj =>
  ({
    metadata: { name, namespace: NS },
    stringData: { "clouds.yaml": cloudsYamlWithPassword(password) },
  }) as Obj;

/** The condition once it is False with a reason, and the Warning event carrying its message. */
async function waitFailed(e: Env, name: string, type: string) {
  const osc = await e.fx.waitFor(
    OpenStackClusters,
    NS,
    name,
    (o) => condition(o, type)?.status === "False" && condition(o, type)?.severity === "Error",
    { timeoutMs: 60_000, what: `${type} False on ${name}` },
  );
  const c = condition(osc, type);
  assert.ok(c?.message);
  const deadline = Date.now() + 20_000;
  let warnings = await eventsOf(e, name);
  while (!warnings.some((w) => w.type === "Warning" && w.message === c.message) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    warnings = await eventsOf(e, name);
  }
  const warning = warnings.find((w) => w.type === "Warning" && w.message === c.message);
  assert.ok(warning, `a Warning event with "${c.message}" among ${JSON.stringify(warnings)}`);
  return { osc, c, warning };
}

const ref = (name: string) => ({ namespace: NS, name });

describe("OpenStackCluster errors a person must fix", { concurrency: true, timeout: 240_000 }, () => {
  let e: Env;
  before(async () => {
    e = await startEnv();
  });
  after(async () => {
    try {
      assertNoSecrets(await observableTexts(e.fx.kube, NS, e.mgr), [WRONG, cloudPassword()]);
    } finally {
      await stopEnv(e);
    }
  });

  it("an external network filter matching nothing: NetworkReady False, a Warning, nothing created", async () => {
    const name = `ex-${run}`;
    const filter = { name: `no-such-network-${run}` };
    await createCluster(e, name, {
      managedSubnets: [{ cidr: "10.111.0.0/24" }],
      managedSecurityGroups: { allowAllInClusterTraffic: false },
      externalNetwork: { filter },
    });
    const { osc, c, warning } = await waitFailed(e, name, "NetworkReady");
    assert.equal(c.reason, "NetworkCreateFailed");
    assert.match(c.message ?? "", new RegExp(`no-such-network-${run}`), "the message names the filter");
    assert.equal(warning.reason, "Networkcreatefailed");
    assert.equal(condition(osc, "Ready")?.status, "False");
    assert.equal(condition(osc, "OpenStackAuthenticationSucceeded")?.status, "True");
    assert.equal((osc.status as { ready?: boolean }).ready, false);
    const inv = await inventory(e.os, ref(name));
    assertNothingLeft(inv);
    assert.equal(
      (await e.os.network.networks.list({ name: networkName(ref(name)) })).length,
      0,
      "no network was made before the external network was known",
    );
    await deleteAndSweep(e, name);
  });

  it("a wrong password: OpenStackAuthenticationSucceeded False, no password shown; fixed, it converges", async () => {
    const name = `pw-${run}`;
    const secret = `${name}-creds`;
    await e.fx.kube.create(Secrets, secretBody(secret, WRONG));
    const created = await createCluster(e, name, {
      identityRef: { name: secret, cloudName: "capo-e2e" },
      managedSubnets: [{ cidr: "10.112.0.0/24" }],
      disableExternalNetwork: true,
      disableAPIServerFloatingIP: true,
      apiServerFixedIP: "10.112.0.10",
    });
    const { c, warning } = await waitFailed(e, name, "OpenStackAuthenticationSucceeded");
    assert.equal(c.reason, "OpenStackAuthenticationFailed");
    assert.equal(warning.reason, "Openstackauthenticationfailed");
    const cred = credential();
    const who = [cred.authUrl, cred.auth.type === "password" ? (cred.auth.user.name ?? "") : ""];
    assert.ok(
      who.some((w) => w && c.message?.includes(w.replace(/\/v3\/?$/, ""))),
      `the message names the auth URL or the user: ${c.message}`,
    );
    assert.ok(!c.message?.includes(WRONG) && !c.message?.includes(cloudPassword()), c.message);
    assertNothingLeft(await inventory(e.os, ref(name)));

    const t0 = Date.now();
    await e.fx.kube.patch(
      Secrets,
      NS,
      secret,
      { stringData: { "clouds.yaml": cloudsYamlFor() } },
      { type: "merge" },
    );
    const ready = await waitReady(e, name, 120_000);
    console.log(`wrong password: ready ${Date.now() - t0} ms after the Secret was fixed`);
    assert.equal(ready.metadata.uid, created.metadata.uid, "the same object converged");
    assert.equal(condition(ready, "OpenStackAuthenticationSucceeded")?.status, "True");
    await deleteAndSweep(e, name);
  });

  it("a missing Secret: OpenStackAuthenticationSucceeded False naming it; created, it converges", async () => {
    const name = `ms-${run}`;
    const secret = `${name}-absent`;
    const created = await createCluster(e, name, {
      identityRef: { name: secret, cloudName: "capo-e2e" },
      managedSubnets: [{ cidr: "10.113.0.0/24" }],
      disableExternalNetwork: true,
      disableAPIServerFloatingIP: true,
      apiServerFixedIP: "10.113.0.10",
    });
    const { c } = await waitFailed(e, name, "OpenStackAuthenticationSucceeded");
    assert.equal(c.reason, "OpenStackAuthenticationFailed");
    assert.match(c.message ?? "", new RegExp(`${NS}/${secret}.*not found`));
    assertNothingLeft(await inventory(e.os, ref(name)));

    const t0 = Date.now();
    await e.fx.kube.create(Secrets, secretBody(secret, cloudPassword()));
    const ready = await waitReady(e, name, 120_000);
    console.log(`missing Secret: ready ${Date.now() - t0} ms after the Secret was created`);
    assert.equal(ready.metadata.uid, created.metadata.uid);
    await deleteAndSweep(e, name);
  });
});
