// The identityRef Secret, read live on every reconcile (Secrets are never cached, as CAPO configures its
// client), to an OpenStack client whose session is shared per credential. A missing Secret or key is the
// user's to fix; the message names the Secret, never its contents.
import type { Reader } from "../../runtime/cache.ts";
import { Secrets } from "../../runtime/resources.ts";
import type { KubeObject } from "../../runtime/object.ts";
import type { IdentityRef, Scopes } from "../../cloud/identity.ts";
import { clientForSecret } from "../../cloud/identity.ts";
import { UserError } from "../../cloud/errors.ts";
import type { OpenStackClient } from "../../openstack/client.ts";

type SecretObject = KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> };

export const AUTH_FAILED = "OpenStackAuthenticationFailed";

export async function openStackClient(
  reader: Reader,
  scopes: Scopes,
  namespace: string,
  ref: (Partial<IdentityRef> & { type?: string }) | undefined,
): Promise<OpenStackClient> {
  if (!ref?.name) throw new UserError(AUTH_FAILED, "spec.identityRef.name is required");
  if (ref.type && ref.type !== "Secret")
    throw new UserError(AUTH_FAILED, `identityRef type ${ref.type} is not supported; use Secret`);
  const secret = await reader.get<SecretObject>(Secrets, namespace, ref.name);
  if (!secret)
    throw new UserError(AUTH_FAILED, `OpenStack credentials secret ${namespace}/${ref.name} not found`);
  const data = Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
  );
  return clientForSecret(scopes, `${namespace}/${ref.name}`, data, {
    name: ref.name,
    cloudName: ref.cloudName ?? "",
    region: ref.region,
  });
}
