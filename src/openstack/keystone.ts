// Keystone v3 pieces that need no I/O: the POST /v3/auth/tokens body, the token answer, catalog lookup.
import type { AuthMethod, DomainRef, EndpointInterface, NamedRef } from "./clouds.ts";
import { EndpointError, OpenStackError } from "./errors.ts";

export interface CatalogEndpoint {
  interface: string;
  region?: string | null;
  region_id?: string | null;
  url: string;
}

export interface CatalogService {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export interface Token {
  id: string;
  issuedAt: number;
  expiresAt: number;
  userId: string;
  projectId: string | undefined;
  domainId: string | undefined;
  catalog: CatalogService[];
}

export function authRequestBody(auth: AuthMethod): unknown {
  switch (auth.type) {
    case "password":
      return {
        auth: {
          identity: {
            methods: ["password"],
            password: { user: { ...ref(auth.user), password: auth.password } },
          },
          ...scopeBody(auth.project, auth.domain),
        },
      };
    case "applicationCredential": {
      const appCred = auth.id
        ? { id: auth.id, secret: auth.secret }
        : { name: auth.name, ...(auth.user ? { user: ref(auth.user) } : {}), secret: auth.secret };
      // Application credentials carry their own project scope; Keystone rejects an explicit one.
      return { auth: { identity: { methods: ["application_credential"], application_credential: appCred } } };
    }
    case "token":
      return {
        auth: {
          identity: { methods: ["token"], token: { id: auth.token } },
          ...scopeBody(auth.project, auth.domain),
        },
      };
  }
}

function scopeBody(project: NamedRef | undefined, domain: DomainRef | undefined) {
  if (project) return { scope: { project: ref(project) } };
  if (domain) return { scope: { domain: { ...domain } } };
  return {};
}

function ref(r: NamedRef): Record<string, unknown> {
  if (r.id) return { id: r.id };
  return { name: r.name, ...(r.domain ? { domain: { ...r.domain } } : {}) };
}

/** Who is authenticating, for error messages: names and ids only. */
export function describePrincipal(auth: AuthMethod): string {
  switch (auth.type) {
    case "password":
      return `user ${describeRef(auth.user)}${auth.project ? ` (project ${describeRef(auth.project)})` : ""}`;
    case "applicationCredential":
      return auth.id
        ? `application credential ${auth.id}`
        : `application credential ${auth.name ?? ""} of user ${auth.user ? describeRef(auth.user) : "?"}`;
    case "token":
      return `a token${auth.project ? ` (project ${describeRef(auth.project)})` : ""}`;
  }
}

function describeRef(r: NamedRef): string {
  if (r.id) return `id ${r.id}`;
  const d = r.domain?.name ?? r.domain?.id;
  return d ? `${r.name ?? ""} in domain ${d}` : (r.name ?? "");
}

interface TokenBody {
  token?: {
    issued_at?: string;
    expires_at?: string;
    user?: { id?: string };
    project?: { id?: string };
    domain?: { id?: string };
    catalog?: CatalogService[];
  };
}

export function parseToken(subjectToken: string | undefined, body: string): Token {
  if (!subjectToken) throw new OpenStackError("Keystone issued no X-Subject-Token");
  const t = (JSON.parse(body) as TokenBody).token;
  const expiresAt = Date.parse(t?.expires_at ?? "");
  if (!t || Number.isNaN(expiresAt)) throw new OpenStackError("Keystone token answer has no expires_at");
  const issuedAt = Date.parse(t.issued_at ?? "");
  return {
    id: subjectToken,
    issuedAt: Number.isNaN(issuedAt) ? Date.now() : issuedAt,
    expiresAt,
    userId: t.user?.id ?? "",
    projectId: t.project?.id,
    domainId: t.domain?.id,
    catalog: t.catalog ?? [],
  };
}

/** When a token should be replaced: five minutes before expiry, or halfway for short-lived tokens. */
export function refreshAt(t: Token): number {
  return t.expiresAt - Math.min(5 * 60_000, (t.expiresAt - t.issuedAt) / 2);
}

/** The URL of the first catalog service of one of `types` with an endpoint of that interface and region. */
export function selectEndpoint(
  catalog: CatalogService[],
  types: readonly string[],
  iface: EndpointInterface,
  region: string | undefined,
): string {
  for (const type of types) {
    for (const svc of catalog.filter((s) => s.type === type)) {
      const ep = svc.endpoints.find(
        (e) =>
          e.interface.replace(/URL$/, "") === iface &&
          (region === undefined || e.region_id === region || e.region === region),
      );
      if (ep) return ep.url.replace(/\/+$/, "");
    }
  }
  const known = catalog.map((s) => s.type).join(", ");
  throw new EndpointError(
    `no ${iface} endpoint for service type ${types.join(" or ")}${region ? ` in region ${region}` : ""} ` +
      `in the Keystone catalog (types present: ${known || "none"})`,
  );
}
