/**
 * The OpenStack all-in-one (`hack/openstack/aio.sh`) as tests see it: a cloud's auth settings from clouds.yaml,
 * the names the all-in-one seeds (`hack/openstack/seed.env`), and a Keystone token with its service catalog
 * through plain fetch. Deliberately not a client: the real one is `src/openstack/`.
 *
 * ```ts
 * const cloud = readCloud("capo-e2e");
 * const token = await authenticate(cloud);
 * const computeUrl = token.endpoint("compute");
 * ```
 *
 * Environment: `CAPO_TS_CLOUDS_YAML` names the clouds file (default `/etc/openstack/clouds.yaml`).
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export const CLOUDS_YAML_PATH = process.env.CAPO_TS_CLOUDS_YAML ?? "/etc/openstack/clouds.yaml";
export const SEED_ENV_PATH = new URL("../../hack/openstack/seed.env", import.meta.url);

export interface CloudAuth {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  regionName: string;
  /** Endpoint interface to pick from the catalog: public, internal or admin. */
  interface: string;
}

interface CloudsYaml {
  clouds?: Record<
    string,
    {
      auth?: Record<string, string | undefined>;
      region_name?: string;
      interface?: string;
    }
  >;
}

/** The password-auth settings of cloud `name` in clouds.yaml. */
export function readCloud(name: string, file: string = CLOUDS_YAML_PATH): CloudAuth {
  const doc = parse(readFileSync(file, "utf8")) as CloudsYaml | null;
  const cloud = doc?.clouds?.[name];
  if (!cloud?.auth) throw new Error(`${file} has no cloud named ${name}`);
  const auth = cloud.auth;
  const field = (key: string): string => {
    const value = auth[key];
    if (!value) throw new Error(`cloud ${name} in ${file} has no auth.${key}`);
    return value;
  };
  return {
    authUrl: field("auth_url"),
    username: field("username"),
    password: field("password"),
    projectName: field("project_name"),
    userDomainName: auth.user_domain_name ?? "Default",
    projectDomainName: auth.project_domain_name ?? "Default",
    regionName: cloud.region_name ?? "RegionOne",
    interface: cloud.interface ?? "public",
  };
}

/** The seeded names as KEY=value pairs (`OPENSTACK_IMAGE_NAME`, `OPENSTACK_FAILURE_DOMAIN`, ...). */
export function readSeed(file: string | URL = SEED_ENV_PATH): Record<string, string> {
  const seed: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) seed[m[1]!] = m[2]!;
  }
  return seed;
}

export interface CatalogEntry {
  type: string;
  name: string;
  endpoints: { interface: string; region_id: string; url: string }[];
}

export interface Token {
  /** The X-Subject-Token value, to send as X-Auth-Token. */
  readonly id: string;
  readonly projectId: string;
  readonly expiresAt: Date;
  readonly catalog: CatalogEntry[];
  /** URL of a service type's endpoint for the cloud's region and interface; throws if absent. */
  endpoint(serviceType: string): string;
}

/** A project-scoped token for `cloud` by password, with its catalog. */
export async function authenticate(cloud: CloudAuth): Promise<Token> {
  const body = {
    auth: {
      identity: {
        methods: ["password"],
        password: {
          user: { name: cloud.username, password: cloud.password, domain: { name: cloud.userDomainName } },
        },
      },
      scope: { project: { name: cloud.projectName, domain: { name: cloud.projectDomainName } } },
    },
  };
  const res = await fetch(`${cloud.authUrl.replace(/\/+$/, "")}/auth/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const id = res.headers.get("x-subject-token");
  if (res.status !== 201 || !id) {
    // The response body never holds the password, but keep it short anyway.
    throw new Error(
      `Keystone answered ${res.status} for ${cloud.username}: ${(await res.text()).slice(0, 200)}`,
    );
  }
  const { token } = (await res.json()) as {
    token: { project: { id: string }; expires_at: string; catalog: CatalogEntry[] };
  };
  return {
    id,
    projectId: token.project.id,
    expiresAt: new Date(token.expires_at),
    catalog: token.catalog,
    endpoint(serviceType: string): string {
      const ep = token.catalog
        .find((e) => e.type === serviceType)
        ?.endpoints.find((e) => e.interface === cloud.interface && e.region_id === cloud.regionName);
      if (!ep) throw new Error(`no ${cloud.interface} ${serviceType} endpoint in ${cloud.regionName}`);
      return ep.url.replace(/\/+$/, "");
    },
  };
}
