// Shared pieces of the runtime integration tests: the test CRD, an unthrottled client, and polling.
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient, isAlreadyExists } from "../../../src/runtime/kube.ts";
import type { KubeObject, Resource } from "../../../src/runtime/object.ts";
import { Namespaces } from "../../../src/runtime/resources.ts";

export const WIDGETS_CRD = path.join(import.meta.dirname, "testdata/widgets.yaml");
export const CAPO_CRDS = path.resolve(import.meta.dirname, "../../../config/crd/bases");

export const Widgets: Resource = {
  group: "test.capo-ts.dev",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  namespaced: true,
};

/** A client without client-side throttling, for the test's own writes. */
export function testClient(kc: KubeConfig): KubeClient {
  return new KubeClient(kc, { userAgent: "capo-ts-test" });
}

export async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.create(Namespaces, { metadata: { name } });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

type Metadata = Partial<KubeObject["metadata"]>;

function object(namespace: string, name: string, meta: Metadata, spec: Record<string, unknown>): KubeObject {
  return { metadata: { namespace, name, ...meta }, spec };
}

export function widget(namespace: string, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return object(namespace, name, {}, spec);
}

/** Polls until check() is truthy; fails with describe() after timeoutMs. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string = () => "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await sleep(20);
  }
}

/** Runs fns with at most `limit` in flight. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** The smallest valid v1beta1 OpenStackCluster. */
export function openStackCluster(namespace: string, name: string, meta: Metadata = {}): KubeObject {
  return object(namespace, name, meta, { identityRef: { name: "cloud-config", cloudName: "openstack" } });
}

/** The smallest valid v1beta1 OpenStackMachine. */
export function openStackMachine(namespace: string, name: string, meta: Metadata = {}): KubeObject {
  return object(namespace, name, meta, { flavor: "m1.small", image: { filter: { name: "ubuntu" } } });
}
