// For unit tests of parsing, error mapping and retry logic only: an undici MockAgent dressed as Keystone plus
// catalog entries. Never evidence that a feature works against OpenStack (test/integration/openstack is).
import { MockAgent } from "undici";
import { Registry } from "prom-client";
import { pino } from "pino";
import type { Logger } from "pino";
import type { Credential } from "./clouds.ts";
import { Session } from "./session.ts";
import type { SessionOptions } from "./session.ts";

export const KEYSTONE = "http://keystone.test:5000";
export const NOVA = "http://nova.test:8774";
export const NEUTRON = "http://neutron.test:9696";
export const OCTAVIA = "http://octavia.test:9876";
export const PASSWORD = "unit-test-password-x1";

export const credential: Credential = {
  authUrl: `${KEYSTONE}/v3`,
  auth: {
    type: "password",
    user: { name: "demo", domain: { name: "Default" } },
    password: PASSWORD,
    project: { name: "demo", domain: { name: "Default" } },
  },
  region: "RegionOne",
  interface: "public",
  verify: true,
};

export const catalog = [
  {
    type: "compute",
    endpoints: [
      { interface: "internal", region_id: "RegionOne", url: "http://nova-internal.test:8774/v2.1" },
      { interface: "public", region_id: "RegionTwo", url: "http://nova-two.test:8774/v2.1" },
      { interface: "public", region_id: "RegionOne", url: `${NOVA}/v2.1` },
    ],
  },
  { type: "network", endpoints: [{ interface: "public", region_id: "RegionOne", url: `${NEUTRON}/` }] },
  { type: "load-balancer", endpoints: [{ interface: "public", region_id: "RegionOne", url: OCTAVIA }] },
];

export interface MockCloud {
  agent: MockAgent;
  registry: Registry;
  logs: Record<string, unknown>[];
  logger: Logger;
  /** Number of POST /v3/auth/tokens answered. */
  tokensIssued: () => number;
  session: (o?: SessionOptions, c?: Credential) => Session;
}

interface Reply {
  statusCode: number;
  data: object;
  responseOptions: { headers: Record<string, string> };
}

export interface MockCloudOptions {
  /** Status Keystone answers; 201 issues a token. */
  keystoneStatus?: number;
  tokenLifetimeMs?: number;
  now?: () => number;
}

export function mockCloud(o: MockCloudOptions = {}): MockCloud {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const registry = new Registry();
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "trace" },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  let issued = 0;
  const answer = (): Reply => {
    if ((o.keystoneStatus ?? 201) !== 201) {
      return {
        statusCode: o.keystoneStatus ?? 401,
        data: { error: { code: 401, message: "The request you have made requires authentication." } },
        responseOptions: { headers: { "x-openstack-request-id": "req-auth" } },
      };
    }
    issued++;
    const now = (o.now ?? Date.now)();
    const token = {
      issued_at: new Date(now).toISOString(),
      expires_at: new Date(now + (o.tokenLifetimeMs ?? 3_600_000)).toISOString(),
      user: { id: "u1" },
      project: { id: "p1" },
      catalog,
    };
    return {
      statusCode: 201,
      data: { token },
      responseOptions: { headers: { "x-subject-token": `token-${issued}-secretvalue` } },
    };
  };
  agent.get(KEYSTONE).intercept({ path: "/v3/auth/tokens", method: "POST" }).reply(answer).persist();
  return {
    agent,
    registry,
    logs,
    logger,
    tokensIssued: () => issued,
    session: (so = {}, c = credential) =>
      new Session(c, {
        dispatcher: agent,
        registry,
        logger,
        retry: { baseDelayMs: 1, maxDelayMs: 2 },
        ...(o.now ? { now: o.now } : {}),
        ...so,
      }),
  };
}
