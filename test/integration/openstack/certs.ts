// Test PKI made with the openssl CLI: a CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPKI {
  caCert: string;
  otherCACert: string;
  serverKey: string;
  serverCert: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function makeCA(dir: string, name: string): void {
  openssl([
    "req",
    "-x509",
    ...EC,
    "-subj",
    `/CN=${name}`,
    "-days",
    "2",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout",
    join(dir, `${name}.key`),
    "-out",
    join(dir, `${name}.pem`),
  ]);
}

export function makePKI(): TestPKI {
  const dir = mkdtempSync(join(tmpdir(), "capo-ts-pki-"));
  makeCA(dir, "ca");
  makeCA(dir, "other-ca");
  openssl([
    "req",
    ...EC,
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    join(dir, "server.key"),
    "-out",
    join(dir, "server.csr"),
  ]);
  writeFileSync(
    join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  openssl([
    "x509",
    "-req",
    "-in",
    join(dir, "server.csr"),
    "-CA",
    join(dir, "ca.pem"),
    "-CAkey",
    join(dir, "ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    join(dir, "server.ext"),
    "-out",
    join(dir, "server.pem"),
  ]);
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return {
    caCert: read("ca.pem"),
    otherCACert: read("other-ca.pem"),
    serverKey: read("server.key"),
    serverCert: read("server.pem"),
  };
}
