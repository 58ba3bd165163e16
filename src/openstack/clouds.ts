// clouds.yaml as CAPO reads it from a credentials Secret: one named cloud, Keystone v3 only, OS_* environment
// variables never consulted. The result is a plain value: everything that changes what a session does is in it,
// so its canonical form can key the session cache.
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./errors.ts";

export type EndpointInterface = "public" | "internal" | "admin";

/** Who to be: one of the three Keystone v3 methods CAPO supports. */
export type AuthMethod =
  | {
      type: "password";
      user: NamedRef;
      password: string;
      project?: NamedRef;
      /** Domain scope, used only when no project is given. */
      domain?: DomainRef;
    }
  | { type: "applicationCredential"; id?: string; name?: string; user?: NamedRef; secret: string }
  | { type: "token"; token: string; project?: NamedRef; domain?: DomainRef };

export interface DomainRef {
  id?: string;
  name?: string;
}

/** A user or project known by id, or by name within a domain. */
export interface NamedRef {
  id?: string;
  name?: string;
  domain?: DomainRef;
}

export interface Credential {
  /** Keystone v3 base URL, without a trailing slash and always ending in /v3. */
  authUrl: string;
  auth: AuthMethod;
  region?: string;
  interface: EndpointInterface;
  verify: boolean;
  /** PEM bundle replacing the system roots; undefined means system roots. */
  caCert?: string;
}

export interface CredentialSource {
  /** Contents of the `clouds.yaml` key. */
  cloudsYaml: string;
  cloudName: string;
  /** Contents of the Secret's optional `cacert` key. */
  caCert?: string;
  /** The manager's --ca-certs bundle, used when the Secret has no `cacert`. */
  defaultCACert?: string;
  /** identityRef.region overrides the cloud's region_name. */
  regionOverride?: string;
}

type Yaml = Record<string, unknown>;

export function credentialFromClouds(src: CredentialSource): Credential {
  const cloud = selectCloud(src.cloudsYaml, src.cloudName);
  const auth = asObject(cloud.auth, `cloud ${src.cloudName}: auth`);
  const version = str(cloud.identity_api_version) ?? "3";
  if (version !== "3" && version !== "3.0") {
    throw new ConfigError(
      `cloud ${src.cloudName}: identity_api_version ${version} is not supported (only 3)`,
    );
  }
  const authUrl = str(auth.auth_url);
  if (!authUrl) throw new ConfigError(`cloud ${src.cloudName}: auth.auth_url is required`);
  const region = src.regionOverride || str(cloud.region_name);
  return {
    authUrl: v3Url(authUrl),
    auth: authMethod(str(cloud.auth_type), auth, src.cloudName),
    ...(region ? { region } : {}),
    interface: endpointInterface(cloud.interface ?? cloud.endpoint_type, src.cloudName),
    verify: bool(cloud.verify, true),
    ...caBundle(src, cloud),
  };
}

function selectCloud(text: string, name: string): Yaml {
  if (!name) throw new ConfigError("a cloud name is required to read clouds.yaml");
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    // The YAML parser quotes the offending line, which may hold a password.
    throw new ConfigError(`clouds.yaml is not valid YAML (${(e as Error).name})`);
  }
  const clouds = asObject(asObject(doc, "clouds.yaml").clouds, "clouds.yaml: clouds");
  if (!(name in clouds)) throw new ConfigError(`clouds.yaml has no cloud named ${name}`);
  return asObject(clouds[name], `cloud ${name}`);
}

function authMethod(authType: string | undefined, a: Yaml, cloud: string): AuthMethod {
  const domain = domainRef(a.domain_id, a.domain_name);
  const userDomain = domainRef(a.user_domain_id, a.user_domain_name) ?? domain;
  const projectDomain = domainRef(a.project_domain_id, a.project_domain_name) ?? domain;
  const project = namedRef(
    str(a.project_id ?? a.tenant_id),
    str(a.project_name ?? a.tenant_name),
    projectDomain,
  );
  const user = namedRef(str(a.user_id), str(a.username ?? a.user_name), userDomain);
  switch (authType ?? "password") {
    case "password":
    case "v3password": {
      const password = str(a.password);
      if (!user) throw new ConfigError(`cloud ${cloud}: auth.username or auth.user_id is required`);
      if (password === undefined) throw new ConfigError(`cloud ${cloud}: auth.password is required`);
      return { type: "password", user, password, ...scope(project, domain) };
    }
    case "v3applicationcredential": {
      const id = str(a.application_credential_id);
      const name = str(a.application_credential_name);
      const secret = str(a.application_credential_secret);
      if (secret === undefined) {
        throw new ConfigError(`cloud ${cloud}: auth.application_credential_secret is required`);
      }
      if (id) return { type: "applicationCredential", id, secret };
      if (!name || !user) {
        throw new ConfigError(
          `cloud ${cloud}: application_credential_id, or application_credential_name with a user, is required`,
        );
      }
      return { type: "applicationCredential", name, user, secret };
    }
    case "token":
    case "v3token": {
      const token = str(a.token);
      if (!token) throw new ConfigError(`cloud ${cloud}: auth.token is required`);
      return { type: "token", token, ...scope(project, domain) };
    }
    default:
      throw new ConfigError(`cloud ${cloud}: auth_type ${authType} is not supported`);
  }
}

function scope(project: NamedRef | undefined, domain: DomainRef | undefined) {
  if (project) return { project };
  return domain ? { domain } : {};
}

function namedRef(id: string | undefined, name: string | undefined, domain: DomainRef | undefined) {
  if (id) return { id };
  if (name) return domain ? { name, domain } : { name };
  return undefined;
}

function domainRef(id: unknown, name: unknown): DomainRef | undefined {
  const i = str(id);
  const n = str(name);
  if (i) return { id: i };
  if (n) return { name: n };
  return undefined;
}

/** Secret `cacert` first, then a `cacert` in the cloud entry (inline PEM or a file path), then --ca-certs. */
function caBundle(src: CredentialSource, cloud: Yaml): { caCert?: string } {
  const fromCloud = str(cloud.cacert);
  const candidates = [src.caCert, fromCloud && readPemOrFile(fromCloud), src.defaultCACert];
  const pem = candidates.find((c): c is string => typeof c === "string" && c.trim() !== "");
  // Like CAPO: a bundle with no parsable certificate falls back to the system roots.
  return pem !== undefined && parsesAsCertificates(pem) ? { caCert: pem } : {};
}

function readPemOrFile(value: string): string | undefined {
  if (value.includes("-----BEGIN")) return value;
  try {
    return readFileSync(value, "utf8");
  } catch {
    throw new ConfigError(`cacert file ${value} named in clouds.yaml cannot be read`);
  }
}

export function parsesAsCertificates(pem: string): boolean {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.some((b) => {
    try {
      new X509Certificate(b);
      return true;
    } catch {
      return false;
    }
  });
}

function endpointInterface(v: unknown, cloud: string): EndpointInterface {
  const s = (str(v) ?? "public").replace(/URL$/, "");
  if (s === "public" || s === "internal" || s === "admin") return s;
  throw new ConfigError(`cloud ${cloud}: interface ${s} is not one of public, internal, admin`);
}

/** Keystone's v3 base from an auth_url given with or without the version. */
export function v3Url(authUrl: string): string {
  const u = authUrl.replace(/\/+$/, "");
  return /\/v3(\.\d+)?$/.test(u) ? u.replace(/\/v3\.\d+$/, "/v3") : `${u}/v3`;
}

function bool(v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === "boolean") return v;
  return !/^(false|no|0|off)$/i.test(str(v) ?? "");
}

/** Scalars as text (YAML may type a numeric id or version as a number); anything else is absent. */
function str(v: unknown): string | undefined {
  if (typeof v === "string") return v === "" ? undefined : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function asObject(v: unknown, what: string): Yaml {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new ConfigError(`${what} must be a mapping`);
  return v as Yaml;
}
