// The cluster's network, subnet and router get spec.tags the way CAPO gives them: one PUT of the tag list right
// after the create, never re-synced later. Creating and tagging are two calls, so a crash between them leaves
// an untagged resource that the next reconcile adopts by name; adopting therefore adds the tags still missing.
import type { NetworkClient, TaggableCollection } from "../../openstack/network.ts";
import type { Ensured } from "../ensure.ts";
import type { Recorder } from "../recorder.ts";

interface Tagged {
  id: string;
  name: string;
  tags: string[];
}

export interface CreateTagged<T extends Tagged> {
  /** The event noun: "Network" gives SuccessfulCreateNetwork / FailedCreateNetwork. */
  noun: string;
  collection: TaggableCollection;
  name: string;
  tags: string[];
  create(): Promise<T>;
}

/** Creates, records the event, then tags; the tags on the returned resource are the ones Neutron kept. */
export async function createTagged<T extends Tagged>(
  nw: NetworkClient,
  record: Recorder,
  c: CreateTagged<T>,
): Promise<T> {
  let made: T;
  try {
    made = await c.create();
  } catch (e) {
    record(
      "Warning",
      `FailedCreate${c.noun}`,
      `Failed to create ${c.noun.toLowerCase()} ${c.name}: ${message(e)}`,
    );
    throw e;
  }
  record(
    "Normal",
    `SuccessfulCreate${c.noun}`,
    `Created ${c.noun.toLowerCase()} ${made.name} with id ${made.id}`,
  );
  if (c.tags.length === 0) return made;
  return { ...made, tags: await nw.replaceTags(c.collection, made.id, c.tags) };
}

/** An adopted resource lacking some wanted tags gets them added (its own tags kept); otherwise no call. */
export async function tagAdopted<T extends Tagged>(
  nw: NetworkClient,
  collection: TaggableCollection,
  got: Ensured<T>,
  tags: string[],
): Promise<T> {
  if (got.state === "gone") throw new Error(`${collection} ${got.id} is gone`);
  const r = got.resource;
  if (got.state !== "adopted" || tags.every((t) => r.tags.includes(t))) return r;
  return { ...r, tags: await nw.replaceTags(collection, r.id, [...new Set([...r.tags, ...tags])]) };
}

export const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
