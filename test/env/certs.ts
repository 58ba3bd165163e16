// Throw-away TLS material for tests: a CA and a serving certificate for 127.0.0.1/localhost, written as
// tls.crt/tls.key into a cert dir the way cert-manager lays it out, an unrelated CA for negative cases; and a
// client's handshake with a server on 127.0.0.1 that uses them. The files go when the process exits.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type SecureVersion } from "node:tls";
import { tempDir } from "./tmp.ts";

export interface TestCertificates {
  certDir: string;
  caPem: string;
  /** The serving key and certificate (tls.key, tls.crt), for servers that take PEM rather than a cert dir. */
  tls: { key: string; cert: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** `openssl req` arguments for a new unencrypted P-256 key written to `keyFile`. */
function newKey(keyFile: string): string[] {
  return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile];
}

const days = ["-days", "2"];

/** Writes a self-signed CA named `cn` as ca.key/ca.crt into `dir`. */
function newCA(dir: string, cn: string): void {
  openssl(["req", "-x509", ...newKey("ca.key"), "-out", "ca.crt", "-subj", `/CN=${cn}`, ...days], dir);
}

/** Creates a CA and a serving certificate signed by it; `name` distinguishes several sets in one test. */
export function generateTestCertificates(name = "webhook"): TestCertificates {
  const dir = tempDir(`capo-ts-${name}-`);
  newCA(dir, "capo-ts test CA");
  openssl(["req", ...newKey("tls.key"), "-out", "tls.csr", "-subj", "/CN=127.0.0.1"], dir);
  writeFileSync(
    join(dir, "san.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "tls.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "tls.crt",
      "-extfile",
      "san.ext",
      ...days,
    ],
    dir,
  );
  const read = (file: string): string => readFileSync(join(dir, file), "utf8");
  return { certDir: dir, caPem: read("ca.crt"), tls: { key: read("tls.key"), cert: read("tls.crt") } };
}

/** The PEM of a CA that signed none of the certificates above, for "wrong CA" cases. */
export function generateUnrelatedCA(): string {
  const dir = tempDir("capo-ts-other-ca-");
  newCA(dir, "capo-ts unrelated test CA");
  return readFileSync(join(dir, "ca.crt"), "utf8");
}

/**
 * The standard name of the cipher a client trusting `caPem` negotiates with 127.0.0.1:`port` (as server name
 * localhost), or undefined when the handshake fails.
 */
export function negotiatedCipher(
  port: number,
  caPem: string,
  options: { maxVersion?: SecureVersion; ciphers?: string } = {},
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(
      { host: "127.0.0.1", port, ca: caPem, servername: "localhost", ...options },
      () => {
        resolve(socket.getCipher().standardName);
        socket.end();
      },
    );
    socket.on("error", () => {
      resolve(undefined);
    });
  });
}

/** Whether a handshake trusting `caPem` succeeds, with the client's highest TLS version capped. */
export async function handshake(port: number, caPem: string, maxVersion?: SecureVersion): Promise<boolean> {
  return (await negotiatedCipher(port, caPem, { maxVersion })) !== undefined;
}
