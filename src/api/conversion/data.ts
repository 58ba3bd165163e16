// The `cluster.x-k8s.io/conversion-data` annotation: what one version cannot express survives a trip
// through it.
//
// Following Cluster API's convention the value is the JSON of the source object as it was in its own
// version (apiVersion, kind, spec, status; no metadata). Converting back, the plain conversion result is
// patched with the stashed values wherever they were lost, and the annotation is dropped.
//
// Two rules keep the restore safe when the object was edited in the other version meanwhile:
//  1. A lost subtree is put back only where the plain conversion of the current object still equals
//     the plain round trip of the stashed one, i.e. nobody touched what it maps to.
//  2. A restore must be invisible from the version the object comes from: converting the restored
//     result back must give the same as converting the unrestored one. Restores that would change the
//     meaning of the edited object are skipped, one by one.
// An annotation that cannot be read, or that belongs to another version, is never an error. A stash for
// a third version is carried along (nested in the new stash's own annotations), so a trip through
// several versions keeps what each of them alone can express.
import type { ObjectMeta } from "../common/meta.ts";
import {
  canonicalJson,
  clone,
  deepEqual,
  diffPaths,
  getAt,
  hasParent,
  isObject,
  withAt,
  type JsonObject,
  type Path,
} from "./json.ts";

export const DataAnnotation = "cluster.x-k8s.io/conversion-data";

/** Stashes beyond this size are dropped from the end of the chain (annotations are capped at 256 KiB). */
const maxAnnotationLength = 128 * 1024;

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A plain conversion of an object's content: every top-level field except apiVersion, kind, metadata. */
export type ContentConverter = (content: JsonObject) => JsonObject;

/** `to` converts from the source version into the destination version, `back` the other way. */
export interface ConversionPair {
  to: ContentConverter;
  back: ContentConverter;
}

interface Stash {
  apiVersion: string;
  kind: string;
  content: JsonObject;
}

/** Everything but apiVersion, kind and metadata; shared with `obj` (converters never mutate their input). */
export function contentOf(obj: KubeObject): JsonObject {
  const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...content } = obj;
  return content;
}

function parseStash(raw: string): { stash: Stash; next: string | undefined } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || typeof parsed.apiVersion !== "string" || typeof parsed.kind !== "string") {
    return undefined;
  }
  const { apiVersion, kind, metadata, ...content } = parsed;
  const next = getAt(metadata, ["annotations", DataAnnotation]);
  return { stash: { apiVersion, kind, content }, next: typeof next === "string" ? next : undefined };
}

/** The stashes an annotation holds, outermost first; whatever cannot be read ends the chain. */
export function readStashes(raw: string | undefined): Stash[] {
  const stashes: Stash[] = [];
  for (let current = raw; current !== undefined && stashes.length < 16;) {
    const level = parseStash(current);
    if (!level) break;
    stashes.push(level.stash);
    current = level.next;
  }
  return stashes;
}

export function writeStashes(stashes: readonly Stash[]): string | undefined {
  for (let keep = stashes.length; keep > 0; keep--) {
    let raw: string | undefined;
    for (const { apiVersion, kind, content } of stashes.slice(0, keep).reverse()) {
      const metadata = raw === undefined ? {} : { metadata: { annotations: { [DataAnnotation]: raw } } };
      raw = canonicalJson({ apiVersion, kind, ...content, ...metadata });
    }
    if (raw !== undefined && raw.length <= maxAnnotationLength) return raw;
  }
  return undefined;
}

function applyPaths(base: JsonObject, paths: readonly Path[], source: JsonObject): JsonObject {
  return paths.reduce<JsonObject>((out, path) => withAt(out, path, getAt(source, path)) as JsonObject, base);
}

const inverse = (pair: ConversionPair): ConversionPair => ({ to: pair.back, back: pair.to });

/** The subtrees of `previous` that its plain round trip loses and that `naive` left untouched (rule 1). */
function restorablePaths(naive: JsonObject, previous: JsonObject, pair: ConversionPair): Path[] {
  const compare = pair.to(pair.back(previous));
  return diffPaths(previous, compare).filter(
    (path) => hasParent(naive, path) && deepEqual(getAt(naive, path), getAt(compare, path)),
  );
}

function patch(naive: JsonObject, previous: JsonObject, pair: ConversionPair): JsonObject {
  return applyPaths(naive, restorablePaths(naive, previous, pair), previous);
}

/**
 * Puts back into `naive` (the plain conversion of `source`) what the plain conversion lost from `previous`
 * (the destination object as it was stashed), under the two rules in the file comment. Rule 2 is checked
 * by converting the candidate back the way it will travel: plain conversion, then `source`'s own stash.
 */
export function restore(
  naive: JsonObject,
  previous: JsonObject,
  pair: ConversionPair,
  source: JsonObject,
): JsonObject {
  const candidates = restorablePaths(naive, previous, pair);
  if (candidates.length === 0) return naive;
  const keepsMeaning = (candidate: JsonObject) =>
    deepEqual(patch(pair.back(candidate), source, inverse(pair)), source);
  const all = applyPaths(naive, candidates, previous);
  if (keepsMeaning(all)) return all;
  let out = naive;
  for (const path of candidates) {
    const trial = applyPaths(out, [path], previous);
    if (keepsMeaning(trial)) out = trial;
  }
  return out;
}

function withAnnotation(metadata: ObjectMeta | undefined, value: string | undefined): ObjectMeta | undefined {
  if (metadata === undefined && value === undefined) return undefined;
  const out = clone(metadata ?? {});
  const { [DataAnnotation]: _old, ...annotations } = out.annotations ?? {};
  if (value !== undefined) annotations[DataAnnotation] = value;
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  else delete out.annotations;
  return out;
}

/**
 * Converts one object between two versions of the same kind with `pair`, restoring what the destination
 * version stashed earlier and stashing what the destination cannot express.
 */
export function convertWithData(src: KubeObject, dstApiVersion: string, pair: ConversionPair): KubeObject {
  const kind = src.kind ?? "";
  const srcApiVersion = src.apiVersion ?? "";
  const content = contentOf(src);
  const stashes = readStashes(src.metadata?.annotations?.[DataAnnotation]).filter(
    (stash) => stash.kind === kind && stash.apiVersion !== srcApiVersion,
  );
  const mine = stashes.findIndex((stash) => stash.apiVersion === dstApiVersion);
  const others = stashes.filter((_, i) => i !== mine);

  const naive = pair.to(content);
  let converted = naive;
  const previous = stashes[mine];
  if (previous) {
    try {
      converted = restore(naive, previous.content, pair, content);
    } catch {
      // A stash that the converters cannot digest is as good as none.
      converted = naive;
    }
  }
  const lossy = !deepEqual(pair.back(converted), content);
  const chain = lossy ? [{ apiVersion: srcApiVersion, kind, content }, ...others] : others;
  const metadata = withAnnotation(src.metadata, writeStashes(chain));
  return {
    apiVersion: dstApiVersion,
    kind,
    ...(metadata === undefined ? {} : { metadata }),
    ...clone(converted),
  };
}
