// Secrets must never reach logs or error messages. Two independent nets: structural (known sensitive header and
// body keys) and literal (every secret value the session knows is scrubbed from any text, wherever it appears).

export const REDACTED = "***";

const SENSITIVE_HEADERS = new Set([
  "x-auth-token",
  "x-subject-token",
  "x-service-token",
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
]);

// password, adminPass, application_credential_secret, client_secret, user_data, OS-EXT-SRV-ATTR:user_data,
// private_key (keypair generation), and auth tokens.
const SENSITIVE_KEY = /pass(word)?$|secret|user_?data|private_?key|(^|_)token$|^token_?id$/i;

export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const s of secrets) this.addSecret(s);
  }

  /** Remember a value to scrub from any text (credential secrets, issued tokens). */
  addSecret(s: string | undefined): void {
    // Very short values would scrub innocent text and are not worth hiding by value; keys catch them.
    if (s && s.length >= 4) this.#secrets.add(s);
  }

  text(s: string): string {
    let out = s;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  headers(h: Record<string, string | string[] | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) {
      if (v === undefined) continue;
      const value = Array.isArray(v) ? v.join(", ") : v;
      out[k] = SENSITIVE_HEADERS.has(k.toLowerCase()) ? REDACTED : this.text(value);
    }
    return out;
  }

  /** A deep copy of a JSON value with sensitive keys masked and known secrets scrubbed from strings. */
  body(v: unknown, parentKey = ""): unknown {
    if (typeof v === "string") return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.body(x, parentKey));
    if (typeof v !== "object" || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[k] = isSensitive(k, parentKey) && x !== null && typeof x !== "object" ? REDACTED : this.body(x, k);
    }
    return out;
  }

  /** Body text for a log line: parsed and masked when JSON, else scrubbed and clipped. */
  bodyText(text: string | undefined): unknown {
    if (text === undefined || text === "") return undefined;
    try {
      return this.body(JSON.parse(text));
    } catch {
      const s = this.text(text);
      return s.length > 4096 ? `${s.slice(0, 4096)}…` : s;
    }
  }
}

function isSensitive(key: string, parentKey: string): boolean {
  // Keystone token auth sends {"token": {"id": "<token>"}}.
  if (key === "id" && /(^|_)token$/i.test(parentKey)) return true;
  return SENSITIVE_KEY.test(key);
}
