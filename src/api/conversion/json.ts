// JSON-tree helpers for conversion: equality, copying and path-wise diff/patch of plain JSON values.
// A key whose value is `undefined` counts as absent everywhere, as it would after serialisation.

export type JsonObject = Record<string, unknown>;
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function definedKeys(value: JsonObject): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = definedKeys(a);
    return keys.length === definedKeys(b).length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

/** A deep copy without `undefined` members: the value as it would come back from JSON. */
export function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => clone(item)) as T;
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of definedKeys(value)) out[key] = clone(value[key]);
    return out as T;
  }
  return value;
}

/**
 * The smallest subtrees where `a` and `b` differ. Objects are compared key by key and arrays of equal
 * length index by index; anything else that differs (scalars, types, array lengths, a key present on one
 * side only) is reported at its own path.
 */
export function diffPaths(a: unknown, b: unknown, prefix: PathSegment[] = []): PathSegment[][] {
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, i) => diffPaths(item, b[i], [...prefix, i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...definedKeys(a), ...definedKeys(b)]);
    return [...keys].flatMap((key) => diffPaths(a[key], b[key], [...prefix, key]));
  }
  return deepEqual(a, b) ? [] : [prefix];
}

export function getAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof segment === "number" ? !Array.isArray(current) : !isObject(current)) return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

/** Whether `path` names a slot that can be written: its parent is an object (or an array, for an index). */
export function hasParent(value: unknown, path: Path): boolean {
  if (path.length === 0) return false;
  const parent = getAt(value, path.slice(0, -1));
  return typeof path[path.length - 1] === "number" ? Array.isArray(parent) : isObject(parent);
}

/** Writes `next` at `path` (deleting the key when `next` is undefined); the parent must exist. */
export function setAt(value: unknown, path: Path, next: unknown): void {
  const parent = getAt(value, path.slice(0, -1)) as Record<PathSegment, unknown>;
  const last = path[path.length - 1] as PathSegment;
  if (next === undefined && typeof last === "string") Reflect.deleteProperty(parent, last);
  else parent[last] = clone(next);
}

/** JSON with object keys sorted at every level: equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    isObject(member)
      ? Object.fromEntries(
          Object.keys(member)
            .sort()
            .map((key) => [key, member[key]]),
        )
      : member,
  );
}
