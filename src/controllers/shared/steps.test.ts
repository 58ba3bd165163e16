import { test } from "node:test";
import assert from "node:assert/strict";
import { Pending } from "../../cloud/errors.ts";
import { discardLogger } from "../../runtime/log.ts";
import { handleStepError } from "./classify.ts";
import type { Checkpointed, Step } from "./steps.ts";
import { alongside } from "./steps.ts";

interface Scope extends Checkpointed {
  checkpoints: number;
}
const scope = (): Scope => ({
  log: discardLogger,
  checkpoints: 0,
  checkpoint() {
    this.checkpoints++;
    return Promise.resolve();
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A step waiting on the cloud, as a condition group reports it (1 s: waitDelay's floor). */
const waiting = () =>
  handleStepError(
    { obj: { metadata: {} }, record: () => undefined, condition: "C", failedReason: "F" },
    new Pending("the load balancer"),
  );

test("alongside: a waiting sequence looks again while another is still calling the cloud", async () => {
  let looks = 0;
  const lb: Step<Scope> = () => Promise.resolve(++looks < 2 ? waiting() : undefined);
  const router: Step<Scope> = async () => {
    await sleep(1500);
    return undefined;
  };
  const s = scope();
  assert.equal(await alongside([lb], [router])(s), undefined);
  assert.equal(looks, 2);
  assert.equal(s.checkpoints, 3);
});

test("alongside: with nobody else calling, a wait ends the reconcile with its requeue", async () => {
  let looks = 0;
  const lb: Step<Scope> = () => {
    looks++;
    return Promise.resolve(waiting());
  };
  const groups: Step<Scope> = async () => {
    await sleep(10);
    return undefined;
  };
  const stop = await alongside([lb], [groups])(scope());
  assert.equal(looks, 1);
  assert.deepEqual(stop, { requeueAfter: 1000 });
});

test("alongside: a user error is not looked at again; it is the result once the others are done", async () => {
  let looks = 0;
  const bad: Step<Scope> = () => {
    looks++;
    return Promise.resolve({ requeueAfter: 5000 });
  };
  const slow: Step<Scope> = async () => {
    await sleep(1200);
    return undefined;
  };
  assert.deepEqual(await alongside([bad], [slow])(scope()), { requeueAfter: 5000 });
  assert.equal(looks, 1);
});
