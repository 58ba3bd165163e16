// --tls-min-version and --tls-cipher-suites as CAPI's manager flags take them (Go's crypto/tls names, which
// k8s.io/component-base/cli/flag accepts), turned into Node's TLS options (OpenSSL's names).
import { getCiphers } from "node:tls";

/** Every name component-base accepts: Go's CipherSuites() and InsecureCipherSuites(), and two legacy aliases. */
const openSSLNames: Readonly<Record<string, string>> = {
  TLS_AES_128_GCM_SHA256: "TLS_AES_128_GCM_SHA256",
  TLS_AES_256_GCM_SHA384: "TLS_AES_256_GCM_SHA384",
  TLS_CHACHA20_POLY1305_SHA256: "TLS_CHACHA20_POLY1305_SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_RSA_WITH_RC4_128_SHA: "RC4-SHA",
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: "DES-CBC3-SHA",
  TLS_RSA_WITH_AES_128_CBC_SHA: "AES128-SHA",
  TLS_RSA_WITH_AES_256_CBC_SHA: "AES256-SHA",
  TLS_RSA_WITH_AES_128_CBC_SHA256: "AES128-SHA256",
  TLS_RSA_WITH_AES_128_GCM_SHA256: "AES128-GCM-SHA256",
  TLS_RSA_WITH_AES_256_GCM_SHA384: "AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: "ECDHE-ECDSA-RC4-SHA",
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: "ECDHE-RSA-RC4-SHA",
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: "ECDHE-RSA-DES-CBC3-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: "ECDHE-ECDSA-AES128-SHA256",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: "ECDHE-RSA-AES128-SHA256",
};

/** Go always enables all of them: its cipher suite setting only applies up to TLS 1.2. */
const tls13Suites = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

export const tlsMinVersions = { VersionTLS12: "TLSv1.2", VersionTLS13: "TLSv1.3" } as const;

/** Node's minVersion for a --tls-min-version value. */
export function tlsMinVersion(flag: string): "TLSv1.2" | "TLSv1.3" {
  const version = tlsMinVersions[flag as keyof typeof tlsMinVersions] as "TLSv1.2" | "TLSv1.3" | undefined;
  if (version === undefined)
    throw new Error(
      `unsupported --tls-min-version ${flag}: want ${Object.keys(tlsMinVersions).join(" or ")}`,
    );
  return version;
}

/**
 * The OpenSSL cipher list for --tls-cipher-suites (undefined: Node's defaults), with Go's meaning: the list
 * restricts TLS 1.2 only, TLS 1.3 keeps all its suites. Throws on a name Go does not know, and on one this
 * Node's OpenSSL cannot offer (RC4 and 3DES are gone from OpenSSL 3).
 */
export function openSSLCiphers(goNames: readonly string[]): string | undefined {
  if (goNames.length === 0) return undefined;
  const available = new Set(getCiphers());
  const tls12: string[] = [];
  for (const name of goNames) {
    const openSSL = openSSLNames[name];
    if (openSSL === undefined)
      throw new Error(
        `--tls-cipher-suites: unknown cipher suite ${name}; known: ${Object.keys(openSSLNames).join(", ")}`,
      );
    if (!available.has(openSSL.toLowerCase()))
      throw new Error(`--tls-cipher-suites: ${name} (${openSSL}) is not available in this Node's OpenSSL`);
    if (!tls13Suites.includes(name) && !tls12.includes(openSSL)) tls12.push(openSSL);
  }
  return [...tls12, ...tls13Suites].join(":");
}

/** Node's server TLS options for the two flags, as the webhook and secure metrics servers take them. */
export function serverTLS(
  minVersionFlag: string,
  cipherSuiteFlags: readonly string[],
): { minVersion: "TLSv1.2" | "TLSv1.3"; ciphers?: string } {
  const ciphers = openSSLCiphers(cipherSuiteFlags);
  return { minVersion: tlsMinVersion(minVersionFlag), ...(ciphers === undefined ? {} : { ciphers }) };
}
