// Kubernetes Events with client-go's correlator: repeats of the same event bump count and lastTimestamp on
// the existing Event instead of creating new ones, more than 10 distinct messages for the same object and
// reason within 10 minutes are combined into one, and a per-object token bucket (burst 25, one per 5 min)
// stops floods. Events are sent in the background and never block or fail a reconcile.
import type { Clock } from "./clock.ts";
import { realClock } from "./clock.ts";
import type { KubeClient } from "./kube.ts";
import { isNotFound } from "./kube.ts";
import type { Logger } from "./log.ts";
import { discardLogger } from "./log.ts";
import type { KubeObject } from "./object.ts";
import { Events } from "./resources.ts";
import { TokenBucket } from "./ratelimit.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/** CAPO's event reasons (capo-behaviour 3.20), before the casing that titleReason applies. */
export const EventReasons = {
  successful: (op: string) => `Successful${op}`,
  failed: (op: string) => `Failed${op}`,
  operations: [
    "CreateNetwork",
    "DeleteNetwork",
    "CreateSubnet",
    "UpdateSubnet",
    "CreateRouter",
    "UpdateRouter",
    "DeleteRouter",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
    "CreateLoadBalancer",
    "DeleteLoadBalancer",
    "CreateListener",
    "UpdateListener",
    "CreatePool",
    "CreateMonitor",
    "UpdateMonitor",
    "CreateFloatingIP",
    "DeleteFloatingIP",
    "AssociateFloatingIP",
    "DisassociateFloatingIP",
    "CreatePort",
    "DeletePort",
    "CreateTrunk",
    "DeleteTrunk",
    "RemoveTrunkSubports",
    "CreateServer",
    "DeleteServer",
    "CreateVolume",
  ],
  other: [
    "FailedReplaceAllAttributesTags",
    "SuccessfulReplaceAllAttributeTags",
    "FailedReplaceTags",
    "SkippedCreateMonitor",
    "OctaviaProviderNotFound",
    "OctaviaFlavorNotFound",
    "FailedIPAddressValidation",
    "DuplicateServerNames",
  ],
  /** Sent as written: CAPO records these without its title-casing. */
  verbatim: ["WaitingForIPAddressClaim", "CreatingIPAddressClaim"],
} as const;

/**
 * CAPO passes reasons through cases.Title, which lower-cases all but the first letter: on the wire
 * "SuccessfulCreateNetwork" is "Successfulcreatenetwork". Kept for parity (alerts match on it).
 */
export function titleReason(reason: string): string {
  return reason.charAt(0).toUpperCase() + reason.slice(1).toLowerCase();
}

interface CoreEvent extends KubeObject {
  involvedObject: Record<string, string | undefined>;
  reason: string;
  message: string;
  type: EventType;
  source: { component: string; host?: string };
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  reportingComponent: string;
  reportingInstance: string;
}

const MAX_SIMILAR = 10;
const AGGREGATE_WINDOW_MS = 10 * 60 * 1000;
const SPAM_BURST = 25;
const SPAM_QPS = 1 / 300;
const CACHE_SIZE = 4096;
const BUFFER = 1000;

/** A Map that forgets its oldest entries beyond a size. */
class Lru<V> extends Map<string, V> {
  readonly #max: number;
  constructor(max: number) {
    super();
    this.#max = max;
  }
  override set(k: string, v: V): this {
    super.delete(k);
    super.set(k, v);
    if (this.size > this.#max) super.delete(this.keys().next().value as string);
    return this;
  }
}

interface Decision {
  event: CoreEvent;
  /** Patch of the existing Event with this name, or create when undefined. */
  existing?: string;
}

/** The correlation logic alone, so it can be tested without an apiserver. */
export class EventCorrelator {
  readonly #clock: Clock;
  readonly #similar = new Lru<{ messages: Set<string>; last: number }>(CACHE_SIZE);
  readonly #seen = new Lru<{ name: string; count: number; first: string }>(CACHE_SIZE);
  readonly #spam = new Lru<TokenBucket>(CACHE_SIZE);

  constructor(clock: Clock = realClock) {
    this.#clock = clock;
  }

  /** What to send for this event, or undefined when the spam filter drops it. */
  correlate(event: CoreEvent): Decision | undefined {
    const io = event.involvedObject;
    const objectKey = [
      event.source.component,
      event.source.host,
      io.kind,
      io.namespace,
      io.name,
      io.uid,
      io.apiVersion,
    ].join("\0");
    let bucket = this.#spam.get(objectKey);
    if (!bucket) this.#spam.set(objectKey, (bucket = new TokenBucket(SPAM_QPS, SPAM_BURST, this.#clock)));
    if (!bucket.tryAccept()) return undefined;

    const now = this.#clock.now();
    const aggregateKey = [objectKey, event.type, event.reason].join("\0");
    let similar = this.#similar.get(aggregateKey);
    if (!similar || now - similar.last > AGGREGATE_WINDOW_MS) similar = { messages: new Set(), last: now };
    similar.last = now;
    similar.messages.add(event.message);
    this.#similar.set(aggregateKey, similar);
    let key = `${aggregateKey}\0${event.message}`;
    if (similar.messages.size >= MAX_SIMILAR) {
      similar.messages.delete(similar.messages.values().next().value as string);
      event = { ...event, message: `(combined from similar events): ${event.message}` };
      key = aggregateKey;
    }

    const prev = this.#seen.get(key);
    if (prev) {
      event = {
        ...event,
        metadata: { ...event.metadata, name: prev.name },
        count: prev.count + 1,
        firstTimestamp: prev.first,
      };
    }
    this.#seen.set(key, { name: event.metadata.name ?? "", count: event.count, first: event.firstTimestamp });
    return { event, existing: prev ? prev.name : undefined };
  }

  /** The sink failed to patch: the next occurrence starts a new Event. */
  forget(event: CoreEvent): void {
    for (const [k, v] of this.#seen) if (v.name === event.metadata.name) this.#seen.delete(k);
  }
}

export interface EventBroadcasterOptions {
  clock?: Clock;
  log?: Logger;
  /** reportingInstance and source.host; the pod name in a cluster. */
  host?: string;
}

export class EventBroadcaster {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #host: string | undefined;
  readonly #correlator: EventCorrelator;
  readonly #pending: Decision[] = [];
  #sending: Promise<void> | undefined;
  /** Events dropped because the buffer was full. */
  dropped = 0;

  constructor(client: KubeClient, opts: EventBroadcasterOptions = {}) {
    this.#client = client;
    this.#clock = opts.clock ?? realClock;
    this.#log = opts.log ?? discardLogger;
    this.#host = opts.host;
    this.#correlator = new EventCorrelator(this.#clock);
  }

  /** A recorder for one component; with titleCase, reasons get CAPO's casing (see titleReason). */
  recorderFor(component: string, opts: { titleCase?: boolean } = {}): EventRecorder {
    return {
      event: (obj, type, reason, message) => {
        const verbatim = (EventReasons.verbatim as readonly string[]).includes(reason);
        this.#record(
          component,
          obj,
          type,
          opts.titleCase && !verbatim ? titleReason(reason) : reason,
          message,
        );
      },
    };
  }

  #record(component: string, obj: KubeObject, type: EventType, reason: string, message: string): void {
    const now = this.#clock.now();
    const ts = new Date(Math.floor(now / 1000) * 1000).toISOString().replace(".000Z", "Z");
    const m = obj.metadata;
    const event: CoreEvent = {
      metadata: {
        name: `${m.name ?? ""}.${(BigInt(now) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`,
        namespace: m.namespace || "default",
      },
      involvedObject: {
        kind: obj.kind,
        namespace: m.namespace,
        name: m.name,
        uid: m.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: m.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component, ...(this.#host ? { host: this.#host } : {}) },
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      reportingComponent: component,
      reportingInstance: this.#host ?? "",
    };
    const decision = this.#correlator.correlate(event);
    if (!decision) return;
    if (this.#pending.length >= BUFFER) {
      this.dropped++;
      return;
    }
    this.#pending.push(decision);
    this.#sending ??= this.#drain().finally(() => (this.#sending = undefined));
  }

  async #drain(): Promise<void> {
    for (let d = this.#pending.shift(); d; d = this.#pending.shift()) {
      try {
        await this.#send(d);
      } catch (e) {
        this.#log.error(e, "Unable to write event", {
          reason: d.event.reason,
          object: d.event.involvedObject.name,
        });
      }
    }
  }

  async #send({ event, existing }: Decision): Promise<void> {
    if (existing) {
      try {
        await this.#client.patch(
          Events,
          event.metadata.namespace ?? "",
          existing,
          {
            count: event.count,
            lastTimestamp: event.lastTimestamp,
            message: event.message,
          },
          { type: "merge" },
        );
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
        this.#correlator.forget(event);
        event = { ...event, count: 1, firstTimestamp: event.lastTimestamp };
      }
    }
    await this.#client.create(Events, event);
  }

  /** Resolves once every recorded event has been sent (or failed). */
  async flush(): Promise<void> {
    while (this.#sending) await this.#sending;
  }
}
