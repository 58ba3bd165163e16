// Leader election on a coordination.k8s.io/v1 Lease with client-go's algorithm: a candidate takes the lease
// when it is free or when the holder has not renewed it for leaseDuration as measured on the candidate's own
// clock (no clock sync between nodes is assumed); the leader renews every retryPeriod and steps down when it
// cannot renew within renewDeadline; on cancel it releases the lease so a successor need not wait.
import type { Clock } from "./clock.ts";
import { isAborted, jitter, realClock, sleep } from "./clock.ts";
import type { KubeClient } from "./kube.ts";
import { isConflict, isNotFound } from "./kube.ts";
import type { Logger } from "./log.ts";
import { discardLogger } from "./log.ts";
import type { KubeObject } from "./object.ts";
import { Leases } from "./resources.ts";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject<LeaseSpec>;

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  releaseOnCancel?: boolean;
  clock?: Clock;
  log?: Logger;
  onLeading?: (leading: boolean) => void;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

// client-go's JitterFactor for the retry loop.
const JITTER = 1.2;

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #opts: LeaderElectionOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  /** The lease spec we last saw and when we first saw it (our clock). */
  #observed: { raw: string; at: number; lease: Lease } | undefined;
  #leading = false;

  constructor(client: KubeClient, opts: LeaderElectionOptions) {
    this.#client = client;
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.log ?? discardLogger).child({ lease: `${opts.namespace}/${opts.name}` });
  }

  get leading(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns until leading, then calls lead(signal) and keeps renewing. Resolves after `lead` returns
   * when `stop` aborted (releasing the lease if configured); rejects if leadership is lost.
   */
  async run(stop: AbortSignal, lead: (lost: AbortSignal) => Promise<void>): Promise<void> {
    this.#log.info("attempting to acquire leader lease", { identity: this.#opts.identity });
    while (!(await this.#tryAcquireOrRenew(stop))) {
      try {
        await sleep(this.#clock, jitter(this.#opts.retryPeriodMs, JITTER), stop);
      } catch {
        return;
      }
    }
    this.#setLeading(true);
    this.#log.info("successfully acquired lease", { identity: this.#opts.identity });
    const lost = new AbortController();
    const leading = lead(AbortSignal.any([stop, lost.signal]));
    const renewal = this.#renewLoop(stop);
    const stillLeader = await renewal;
    if (!stillLeader) lost.abort(new Error("leader election lost"));
    await leading;
    if (stillLeader && this.#opts.releaseOnCancel) await this.release();
    this.#setLeading(false);
    if (!stillLeader) throw new Error("leader election lost");
  }

  /** Renews until stop aborts (true) or a renewal misses the deadline (false). */
  async #renewLoop(stop: AbortSignal): Promise<boolean> {
    while (!stop.aborted) {
      const deadline = this.#clock.now() + this.#opts.renewDeadlineMs;
      let renewed = false;
      while (!renewed && this.#clock.now() < deadline && !isAborted(stop)) {
        renewed = await this.#tryAcquireOrRenew(
          stop,
          AbortSignal.timeout(Math.max(1, deadline - this.#clock.now())),
        );
        if (!renewed) await sleep(this.#clock, this.#opts.retryPeriodMs, stop).catch(() => undefined);
      }
      if (isAborted(stop)) return true;
      if (!renewed) {
        this.#log.info("failed to renew lease before the deadline", {
          renewDeadlineMs: this.#opts.renewDeadlineMs,
        });
        return false;
      }
      await sleep(this.#clock, this.#opts.retryPeriodMs, stop).catch(() => undefined);
    }
    return true;
  }

  #setLeading(v: boolean): void {
    this.#leading = v;
    this.#opts.onLeading?.(v);
  }

  async #tryAcquireOrRenew(stop: AbortSignal, timeout?: AbortSignal): Promise<boolean> {
    const { namespace, name, identity } = this.#opts;
    const now = this.#clock.now();
    const spec = (prev?: LeaseSpec): LeaseSpec => ({
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(this.#opts.leaseDurationMs / 1000),
      acquireTime: prev?.holderIdentity === identity && prev.acquireTime ? prev.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (prev?.leaseTransitions ?? 0) + (prev && prev.holderIdentity !== identity ? 1 : 0),
    });
    const signal = timeout ? AbortSignal.any([stop, timeout]) : stop;
    try {
      let lease: Lease;
      try {
        lease = await this.#client.get<Lease>(Leases, namespace, name, signal);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        const created = await this.#client.create<Lease>(
          Leases,
          { metadata: { name, namespace }, spec: spec() },
          { signal },
        );
        this.#observe(created, now);
        return true;
      }
      const raw = JSON.stringify(lease.spec ?? {});
      if (this.#observed?.raw !== raw) this.#observe(lease, now);
      const holder = lease.spec?.holderIdentity ?? "";
      const held = holder !== "" && holder !== identity;
      const observedAt = this.#observed?.at ?? now;
      if (held && observedAt + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 > now) return false;
      const updated = await this.#client.update<Lease>(
        Leases,
        { ...lease, spec: spec(lease.spec) },
        { signal },
      );
      this.#observe(updated, now);
      if (held) this.#log.info("took over lease", { previousHolder: holder });
      return true;
    } catch (e) {
      if (!isConflict(e) && !stop.aborted) this.#log.v(2).info("lease update failed", { error: String(e) });
      return false;
    }
  }

  #observe(lease: Lease, at: number): void {
    this.#observed = { raw: JSON.stringify(lease.spec ?? {}), at, lease };
  }

  /** Gives the lease up so a follower may take it at once (client-go ReleaseOnCancel). */
  async release(): Promise<void> {
    const lease = this.#observed?.lease;
    if (lease?.spec?.holderIdentity !== this.#opts.identity) return;
    const now = microTime(this.#clock.now());
    try {
      await this.#client.update<Lease>(Leases, {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: "",
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      });
      this.#log.info("released lease");
    } catch (e) {
      this.#log.error(e, "failed to release lease");
    }
  }
}
