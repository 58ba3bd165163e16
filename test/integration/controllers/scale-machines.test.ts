// Many OpenStackMachines on one cluster at once (issue 9's scale run): every one Ready with exactly one server
// and its recorded port, then every one deleted with nothing of any left on the cloud, and no failureReason on
// the way. Prints the time and the OpenStack calls per machine; asserts no timing.
//
// CI applies 8 workers; `npm run soak` applies CAPO_TS_SCALE_MACHINES (30 unless set).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Machines, OpenStackClusters, OpenStackMachines } from "../../../src/runtime/resources.ts";
import type { Fixtures, ManagerHandle, Obj } from "../../env/capo.ts";
import { CRD_DIR, fixtures, startManager } from "../../env/capo.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";
import { assertNoDuplicates, assertNothingLeft, inventory, purge } from "../../env/sweep.ts";
import { SEED, credential, newClient } from "../openstack/env.ts";
import { FailureWatch, note, readyClusterWithoutLB } from "./crash-helpers.ts";

const count = Number(process.env.CAPO_TS_SCALE_MACHINES ?? 8);
if (!Number.isInteger(count) || count < 1)
  throw new Error(`bad CAPO_TS_SCALE_MACHINES=${process.env.CAPO_TS_SCALE_MACHINES}`);
const run = randomBytes(3).toString("hex");
const ns = "default";
const clusterName = `sm-${run}`;
const names = Array.from({ length: count }, (_, i) => `${clusterName}-md-${i}`);
const CALLS = "capo_openstack_api_requests_total";

interface MachineStatus {
  ready?: boolean;
  instanceID?: string;
  resources?: { ports?: { id: string }[] };
}
const statusOf = (o: Obj | undefined): MachineStatus => o?.status ?? {};

describe(`${count} OpenStackMachines on one cluster`, () => {
  let env: KubeEnv;
  let fx: Fixtures;
  let mgr: ManagerHandle;
  let cluster: Obj;
  const os = newClient(credential());
  const ref = { namespace: ns, name: clusterName };
  const sweep = () => inventory(os, ref, { machineNames: names, bastion: false });

  before(async () => {
    env = await startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] });
    fx = fixtures(env);
    await fx.credentialsSecret(ns, "creds");
    await fx.bootstrapSecret(ns, "boot", "#cloud-config\n");
    mgr = await startManager(env, { v: 2 });
    cluster = await readyClusterWithoutLB(fx, ns, clusterName, "10.94.0.0/24");
  });
  after(async () => {
    await mgr.stop();
    try {
      await purge(os, await sweep());
    } finally {
      await env.stop();
    }
  });

  /** Runs `body`, then notes its time and the OpenStack calls it cost per machine. */
  async function timed(what: string, body: () => Promise<unknown>): Promise<void> {
    const [t0, c0] = [Date.now(), await mgr.metric(CALLS)];
    await body();
    const calls = (await mgr.metric(CALLS)) - c0;
    note(
      `${count} machines ${what} in ${Date.now() - t0} ms; ${calls} OpenStack calls, ${(calls / count).toFixed(1)} per machine`,
    );
  }

  it(
    "all become Ready with one server each, then all are deleted leaving nothing",
    { timeout: 1_800_000 },
    async () => {
      const watch = new FailureWatch(fx.kube, ns);
      try {
        await timed("Ready", async () => {
          for (const name of names) {
            const machine = await fx.machine(ns, name, cluster, {
              bootstrapSecret: "boot",
              failureDomain: SEED.az,
            });
            await fx.openStackMachine(ns, name, machine, {
              flavor: SEED.flavor,
              image: { filter: { name: SEED.image } },
              sshKeyName: "capo-e2e",
            });
          }
          await Promise.all(
            names.map((n) =>
              fx.waitFor(OpenStackMachines, ns, n, (o) => statusOf(o).ready === true, { timeoutMs: 900_000 }),
            ),
          );
        });
        const inv = await sweep();
        assertNoDuplicates(inv);
        for (const name of names) {
          const st = statusOf(await fx.get(OpenStackMachines, ns, name));
          assert.deepEqual(
            inv.servers.filter((s) => s.name === name).map((s) => s.id),
            [st.instanceID],
            `${name}: one server, the recorded one`,
          );
          assert.deepEqual(
            inv.ports.filter((p) => p.name.startsWith(`${name}-`)).map((p) => p.id),
            (st.resources?.ports ?? []).map((p) => p.id),
            `${name}: exactly the ports in status`,
          );
        }

        await timed("deleted", async () => {
          await Promise.all(names.map((n) => fx.deleteAndWaitGone(OpenStackMachines, ns, n, 900_000)));
          await Promise.all(names.map((n) => fx.deleteAndWaitGone(Machines, ns, n, 60_000)));
        });
        const left = await sweep();
        assert.deepEqual(
          [...left.servers, ...left.volumes, ...left.trunks],
          [],
          "no server, volume or trunk left",
        );
        assert.deepEqual(
          left.ports.filter((p) => names.some((n) => p.name.startsWith(`${n}-`))),
          [],
          "no machine port left",
        );
      } finally {
        assert.deepEqual(await watch.stop(), [], "no object ever showed failureReason");
      }
      await fx.deleteAndWaitGone(OpenStackClusters, ns, clusterName, 600_000);
      assertNothingLeft(await sweep());
    },
  );
});
