// Authentication and authorization delegated to the apiserver, as controller-runtime's
// filters.WithAuthenticationAndAuthorization does for its secure metrics: the bearer token goes to a
// TokenReview, the user it names to a SubjectAccessReview for the request's non-resource path. Answers are
// cached with controller-runtime's lifetimes, so that a scrape every few seconds costs no apiserver calls.
import { createHash } from "node:crypto";
import type { Clock } from "./clock.ts";
import { realClock } from "./clock.ts";
import type { KubeClient } from "./kube.ts";

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

interface TokenReview {
  status?: { authenticated?: boolean; user?: UserInfo; error?: string };
}

interface SubjectAccessReview {
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

/** A bounded map whose entries expire; the oldest entry goes first when it is full. */
class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #clock: Clock;
  readonly #max: number;

  constructor(clock: Clock, max: number) {
    this.#clock = clock;
    this.#max = max;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > this.#clock.now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expires: this.#clock.now() + ttlMs });
  }
}

export interface DelegatedAuthOptions {
  clock?: Clock;
  /** controller-runtime: 1 minute for a token's review, whatever it said. */
  authenticationTtlMs?: number;
  /** controller-runtime: 5 minutes for an allowed request, 30 seconds for a denied one. */
  allowTtlMs?: number;
  denyTtlMs?: number;
  /** Entries per cache; random bad tokens must not grow memory without bound. */
  maxEntries?: number;
}

/** Tokens are kept only as their hash: a heap dump must not hand out scrape credentials. */
const digest = (text: string): string => createHash("sha256").update(text).digest("hex");

export class DelegatedAuth {
  readonly #client: KubeClient;
  readonly #opts: Required<Omit<DelegatedAuthOptions, "clock">>;
  readonly #users: ExpiringCache<UserInfo | null>;
  readonly #decisions: ExpiringCache<boolean>;

  constructor(client: KubeClient, opts: DelegatedAuthOptions = {}) {
    const clock = opts.clock ?? realClock;
    this.#client = client;
    this.#opts = {
      authenticationTtlMs: opts.authenticationTtlMs ?? 60_000,
      allowTtlMs: opts.allowTtlMs ?? 300_000,
      denyTtlMs: opts.denyTtlMs ?? 30_000,
      maxEntries: opts.maxEntries ?? 1024,
    };
    this.#users = new ExpiringCache(clock, this.#opts.maxEntries);
    this.#decisions = new ExpiringCache(clock, this.#opts.maxEntries);
  }

  /** The user a bearer token belongs to, or undefined when the apiserver does not accept it. */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    const key = digest(token);
    const cached = this.#users.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const review = await this.#client.request<TokenReview>(
      "POST",
      "/apis/authentication.k8s.io/v1/tokenreviews",
      { body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } } },
    );
    const user = review.status?.authenticated ? review.status.user : undefined;
    this.#users.set(key, user ?? null, this.#opts.authenticationTtlMs);
    return user;
  }

  /** Whether `user` may use `verb` on the non-resource URL `path`. */
  async authorize(user: UserInfo, path: string, verb: string): Promise<boolean> {
    const key = digest(JSON.stringify([user, path, verb]));
    const cached = this.#decisions.get(key);
    if (cached !== undefined) return cached;
    const review = await this.#client.request<SubjectAccessReview>(
      "POST",
      "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      {
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: user.username,
            uid: user.uid,
            groups: user.groups,
            extra: user.extra,
            nonResourceAttributes: { path, verb },
          },
        },
      },
    );
    const allowed = review.status?.allowed === true;
    this.#decisions.set(key, allowed, allowed ? this.#opts.allowTtlMs : this.#opts.denyTtlMs);
    return allowed;
  }
}
