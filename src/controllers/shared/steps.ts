// A reconcile as CAPZ shapes it: a sequence of named steps, each of which turns spec into a want, calls
// src/cloud and writes what it found or made into status. After every step the patch helper sends what
// changed (a checkpoint), so every ID a step created is in the apiserver before the next step creates
// anything: a kill -9 anywhere resumes by recorded ID or name, never with a duplicate.
import type { Reconciler, Result } from "../../runtime/controller.ts";
import type { KubeClient } from "../../runtime/kube.ts";
import type { KubeObject, Resource } from "../../runtime/object.ts";
import type { Logger } from "../../runtime/log.ts";
import { PatchHelper } from "../../runtime/patch.ts";
import { settleAll } from "../../cloud/ensure.ts";
import { isWait } from "./classify.ts";

/** undefined: go on with the next step; a Result: stop here and requeue as it says. */
export type Step<S> = (s: S) => Promise<Result | undefined>;

export interface Checkpointed {
  checkpoint(): Promise<void>;
  readonly log: Logger;
}

export async function runSteps<S extends Checkpointed>(
  s: S,
  steps: readonly Step<S>[],
): Promise<Result | undefined> {
  const log = s.log.v(5);
  for (const step of steps) {
    const started = Date.now();
    const stop = await step(s);
    await s.checkpoint();
    log.info("Step done", { step: step.name, ms: Date.now() - started, ...(stop ? { stop } : {}) });
    if (stop) return stop;
  }
  return undefined;
}

/**
 * Steps that need nothing of each other, run at once (their checkpoints interleave, each writing its own
 * status); once all settled, the first failure, else the sooner requeue of those that stop.
 */
export function together<S>(...steps: Step<S>[]): Step<S> {
  const run: Step<S> = async (s) => (await settleAll(steps.map((step) => step(s)))).reduce(sooner, undefined);
  return named(run, { name: steps.map((step) => step.name).join("+") });
}

/**
 * Sequences of steps run side by side, each checkpointed as runSteps does. A sequence that stops to wait on the
 * cloud (a load balancer not ACTIVE yet) runs again when its delay is up for as long as another one is still
 * calling the cloud: the worker is held by that call anyway, so the wait need not cost a requeue. Once none is
 * calling, each sequence's last stop counts (the sooner requeue, or the first failure).
 */
export function alongside<S extends Checkpointed>(...sequences: (readonly Step<S>[])[]): Step<S> {
  const run: Step<S> = async (s) => {
    let calling = 0;
    const idle = new Set<() => void>();
    const once = async (steps: readonly Step<S>[]) => {
      calling++;
      try {
        return await runSteps(s, steps);
      } finally {
        if (--calling === 0) for (const wake of idle) wake();
      }
    };
    const sequence = async (steps: readonly Step<S>[]) => {
      for (;;) {
        const stop = await once(steps);
        if (!isWait(stop) || calling === 0) return stop;
        await pause(stop?.requeueAfter ?? 0, idle);
        if (calling === 0) return stop;
      }
    };
    return (await settleAll(sequences.map(sequence))).reduce(sooner, undefined);
  };
  return named(run, { name: sequences.map((steps) => steps.map((st) => st.name).join(",")).join("+") });
}

/** Waits ms, or less if everyone else goes idle first. */
function pause(ms: number, idle: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      idle.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    idle.add(done);
  });
}

/** A wrapper keeps the wrapped step's name (or a made step gets one), for the step log. */
export function named<S>(wrapped: Step<S>, like: { readonly name: string }): Step<S> {
  return Object.defineProperty(wrapped, "name", { value: like.name });
}

/**
 * CAPO's deferred patchHelper.Patch: the object is written whether the body returns or throws, so a condition
 * set on the way to an error is visible. When both fail, both errors are kept.
 */
export async function withPatch<T extends KubeObject>(
  client: KubeClient,
  resource: Resource,
  obj: T,
  body: (patch: PatchHelper<T>) => Promise<Result | undefined>,
): Promise<Result | undefined> {
  const patch = new PatchHelper(client, resource, obj);
  let result: Result | undefined;
  try {
    result = await body(patch);
  } catch (e) {
    try {
      await patch.patch(obj);
    } catch (patchError) {
      throw new AggregateError([e, patchError], (e as Error).message, { cause: patchError });
    }
    throw e;
  }
  await patch.patch(obj);
  return result;
}

/** The sooner of two requeues; undefined when neither asks for one. */
export function sooner(a: Result | undefined, b: Result | undefined): Result | undefined {
  if (!a?.requeueAfter) return b ?? a;
  if (!b?.requeueAfter) return a;
  return a.requeueAfter <= b.requeueAfter ? a : b;
}

export type { Reconciler, Result };
