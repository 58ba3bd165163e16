// From the identityRef Secret's data to an OpenStack client: the Secret's `clouds.yaml` (required) and
// `cacert` (optional; else the manager's --ca-certs bundle), the identityRef's cloudName and region. Clients
// are cheap: the session (token, catalog, versions) is shared per credential by the SessionRegistry.
import type { OpenStackClient } from "../openstack/client.ts";
import { clientFor } from "../openstack/client.ts";
import { credentialFromClouds } from "../openstack/clouds.ts";
import { ConfigError } from "../openstack/errors.ts";
import type { SessionRegistry } from "../openstack/session.ts";

export interface IdentityRef {
  name: string;
  cloudName: string;
  region?: string | undefined;
}

export interface Scopes {
  readonly sessions: SessionRegistry;
  /** The --ca-certs bundle's contents, if given. */
  readonly defaultCACert?: string | undefined;
}

/** `secretData` holds the Secret's values, already base64-decoded. */
export function clientForSecret(
  scopes: Scopes,
  secretName: string,
  secretData: Record<string, string>,
  ref: IdentityRef,
): OpenStackClient {
  const cloudsYaml = secretData["clouds.yaml"];
  if (cloudsYaml === undefined)
    throw new ConfigError(`OpenStack credentials secret ${secretName} did not contain key clouds.yaml`);
  if (!ref.cloudName) throw new ConfigError("identityRef.cloudName is required to read clouds.yaml");
  const credential = credentialFromClouds({
    cloudsYaml,
    cloudName: ref.cloudName,
    caCert: secretData.cacert,
    defaultCACert: scopes.defaultCACert,
    regionOverride: ref.region,
  });
  return clientFor(scopes.sessions, credential);
}
