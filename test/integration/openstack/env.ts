/**
 * Shared set-up for the OpenStack contract tests: credentials from the all-in-one's clouds.yaml, a per-run name
 * prefix, cleanup that runs in `after` hooks whatever happened, and polling.
 *
 * - `CAPO_TS_CLOUDS_YAML` (default /etc/openstack/clouds.yaml) names the clouds file; clouds `capo-e2e` (member)
 *   and `capo-e2e-admin` are used. A missing file or an unreachable cloud fails the tests, never skips them.
 * - `CAPO_TS_OPENSTACK_LOG=<file>` writes every request and response (trace level, redacted) as JSON lines to
 *   that file; the secret-hygiene test runs the suites with it and searches the file for the password.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { pino } from "pino";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import { OpenStackClient } from "../../../src/openstack/client.ts";
import { credentialFromClouds } from "../../../src/openstack/clouds.ts";
import type { Credential } from "../../../src/openstack/clouds.ts";
import { isNotFound } from "../../../src/openstack/errors.ts";
import { Session } from "../../../src/openstack/session.ts";
import type { SessionOptions } from "../../../src/openstack/session.ts";

export const CLOUDS_YAML = process.env.CAPO_TS_CLOUDS_YAML ?? "/etc/openstack/clouds.yaml";
export const MEMBER_CLOUD = "capo-e2e";
export const ADMIN_CLOUD = "capo-e2e-admin";

/** Seeded by hack/openstack/aio.sh (see hack/openstack/seed.env). */
export const SEED = {
  externalNetwork: "public",
  externalSubnet: "public-subnet",
  image: "cirros",
  flavor: "m1.tiny",
  az: "testaz1",
  azAlt: "testaz2",
  volumeType: "test-volume-type",
};

/** Unique per process: every resource a test creates carries it, so leftovers are attributable. */
export const PREFIX = `capo-ts-it-${randomBytes(3).toString("hex")}`;

/** The secret of the application credential the auth test creates; the hygiene test passes its own. */
export const APPCRED_SECRET =
  process.env.CAPO_TS_TEST_APPCRED_SECRET ?? `ac-${randomBytes(12).toString("hex")}`;

export const logger: Logger = process.env.CAPO_TS_OPENSTACK_LOG
  ? pino(
      { level: "trace" },
      pino.destination({ dest: process.env.CAPO_TS_OPENSTACK_LOG, sync: true, append: true }),
    )
  : pino({ level: process.env.CAPO_TS_OPENSTACK_LOG_LEVEL ?? "silent" });

export function credential(cloud = MEMBER_CLOUD, override: Partial<Credential> = {}): Credential {
  return {
    ...credentialFromClouds({ cloudsYaml: readFileSync(CLOUDS_YAML, "utf8"), cloudName: cloud }),
    ...override,
  };
}

/** The password of a cloud in clouds.yaml (for asserting it never leaks). */
export function passwordOf(cloud = MEMBER_CLOUD): string {
  const auth = credential(cloud).auth;
  if (auth.type !== "password") throw new Error(`cloud ${cloud} does not use password auth`);
  return auth.password;
}

export function newClient(c: Credential = credential(), o: SessionOptions = {}): OpenStackClient {
  return new OpenStackClient(new Session(c, { logger, registry: new Registry(), ...o }));
}

/** Writes an error a test expected into the trace log, so secret hygiene covers error messages too. */
export function recordError(e: unknown): void {
  logger.error({ err: e instanceof Error ? e.message : String(e) }, "expected error in test");
}

/** A tenant network with one IPv4 subnet, deleted by `cleanup`. */
export async function tenantNetwork(os: OpenStackClient, cleanup: Cleanup, label: string, cidr: string) {
  const net = await os.network.networks.create({ name: label });
  cleanup.add(`network ${label}`, () => os.network.networks.delete(net.id));
  const subnet = await os.network.subnets.create({ network_id: net.id, cidr, ip_version: 4, name: label });
  cleanup.add(`subnet ${label}`, () => os.network.subnets.delete(subnet.id));
  return { net, subnet };
}

/** Deletions registered as resources are made; run() undoes them newest first and tolerates 404. */
export class Cleanup {
  readonly #steps: { what: string; run: () => Promise<unknown> }[] = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.#steps.push({ what, run });
  }

  async run(): Promise<void> {
    const failures: string[] = [];
    for (const step of this.#steps.reverse()) {
      try {
        await step.run();
      } catch (e) {
        if (!isNotFound(e)) failures.push(`${step.what}: ${(e as Error).message}`);
      }
    }
    this.#steps.length = 0;
    if (failures.length > 0) throw new Error(`cleanup failed:\n${failures.join("\n")}`);
  }
}

/** Polls `get` until `done` holds; fails with the last value after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  get: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until a resource's get answers 404. */
export async function waitGone(
  what: string,
  get: () => Promise<unknown>,
  timeoutMs = 120_000,
): Promise<void> {
  await waitFor(
    `${what} to be deleted`,
    async () => {
      try {
        await get();
        return false;
      } catch (e) {
        if (isNotFound(e)) return true;
        throw e;
      }
    },
    (gone) => gone,
    timeoutMs,
  );
}
