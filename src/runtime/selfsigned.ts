// A self-signed serving certificate made in memory, for a server that has no certificate configured (the
// secure metrics listener, as controller-runtime's does). Node can sign but not build X.509, and the image
// carries no openssl binary, so the DER is written here: one P-256 key, ECDSA-SHA256, SANs, serverAuth.
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { isIP } from "node:net";

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const COMMON_NAME = "2.5.4.3";
const KEY_USAGE = "2.5.29.15";
const SUBJECT_ALT_NAME = "2.5.29.17";
const BASIC_CONSTRAINTS = "2.5.29.19";
const EXT_KEY_USAGE = "2.5.29.37";
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A non-negative INTEGER: a leading zero keeps the high bit from reading as a sign. */
function unsigned(bytes: Buffer): Buffer {
  return tlv(
    0x02,
    bytes[0] !== undefined && bytes[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes,
  );
}

const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.from([0]), bytes);
const octets = (bytes: Buffer): Buffer => tlv(0x04, bytes);

/** UTCTime, YYMMDDHHMMSSZ: good until 2049, which outlives any certificate made here. */
function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return tlv(0x17, Buffer.from(text, "ascii"));
}

const name = (cn: string): Buffer => seq(tlv(0x31, seq(oid(COMMON_NAME), tlv(0x0c, Buffer.from(cn)))));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail = ""] = ip.split("::");
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = [...groups(head), ...Array<string>(ip.includes("::") ? missing : 0).fill("0"), ...groups(tail)];
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** dNSName is [2] and iPAddress [7], both implicitly tagged. */
function altNames(hosts: readonly string[]): Buffer {
  return seq(...hosts.map((h) => (isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, "ascii")))));
}

export interface SelfSignedOptions {
  /** DNS names and IP addresses the certificate is valid for; the first is also its common name. */
  hosts: readonly string[];
  validForMs?: number;
  now?: Date;
}

/** A PEM key and certificate pair, as node:tls takes them. */
export function selfSignedCertificate(opts: SelfSignedOptions): { key: string; cert: string } {
  const [first] = opts.hosts;
  if (first === undefined) throw new Error("a self-signed certificate needs at least one host");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const now = opts.now ?? new Date();
  // An hour back, so that a client whose clock is a little behind still accepts it.
  const notBefore = new Date(now.getTime() - 3_600_000);
  const notAfter = new Date(now.getTime() + (opts.validForMs ?? 365 * 86_400_000));
  const algorithm = seq(oid(ECDSA_WITH_SHA256));
  const tbs = seq(
    tlv(0xa0, unsigned(Buffer.from([2]))),
    unsigned(randomBytes(16)),
    algorithm,
    name(first),
    seq(utcTime(notBefore), utcTime(notAfter)),
    name(first),
    publicKey.export({ type: "spki", format: "der" }),
    tlv(
      0xa3,
      seq(
        extension(BASIC_CONSTRAINTS, true, seq()),
        // digitalSignature only: bit 0, the other 7 bits unused (DER drops trailing zero bits).
        extension(KEY_USAGE, true, tlv(0x03, Buffer.from([7, 0x80]))),
        extension(EXT_KEY_USAGE, false, seq(oid(SERVER_AUTH))),
        extension(SUBJECT_ALT_NAME, false, altNames(opts.hosts)),
      ),
    ),
  );
  const der = seq(tbs, algorithm, bitString(sign("sha256", tbs, privateKey)));
  const body = der.toString("base64").replace(/.{64}/g, "$&\n");
  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    cert: `-----BEGIN CERTIFICATE-----\n${body.trimEnd()}\n-----END CERTIFICATE-----\n`,
  };
}
