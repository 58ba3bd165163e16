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

// deepEqual and clone run on every conversion (several times per object): plain loops, no allocations.

function countDefined(value: JsonObject): number {
  let count = 0;
  for (const key in value) if (value[key] !== undefined) count++;
  return count;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (!isObject(a) || !isObject(b)) return false;
  let count = 0;
  for (const key in a) {
    if (a[key] === undefined) continue;
    if (!deepEqual(a[key], b[key])) return false;
    count++;
  }
  return count === countDefined(b);
}

/** A deep copy without `undefined` members: the value as it would come back from JSON. */
export function clone<T>(value: T): T {
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = clone(value[i]);
    return out as T;
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key in value) if (value[key] !== undefined) out[key] = clone(value[key]);
    return out as T;
  }
  return value;
}

/**
 * The smallest subtrees where `a` and `b` differ. Objects are compared key by key and arrays of equal
 * length index by index; anything else that differs (scalars, types, array lengths, a key present on one
 * side only) is reported at its own path.
 */
export function diffPaths(a: unknown, b: unknown): PathSegment[][] {
  const found: PathSegment[][] = [];
  const prefix: PathSegment[] = [];
  const at = (segment: PathSegment, x: unknown, y: unknown) => {
    prefix.push(segment);
    walk(x, y);
    prefix.pop();
  };
  function walk(x: unknown, y: unknown): void {
    if (x === y) return;
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
      for (let i = 0; i < x.length; i++) at(i, x[i], y[i]);
    } else if (isObject(x) && isObject(y)) {
      for (const key in x) if (x[key] !== undefined) at(key, x[key], y[key]);
      for (const key in y) if (y[key] !== undefined && x[key] === undefined) found.push([...prefix, key]);
    } else if (!deepEqual(x, y)) {
      found.push([...prefix]);
    }
  }
  walk(a, b);
  return found;
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

/**
 * `value` with `next` at `path` (the key removed when `next` is undefined). Only the objects along the path
 * are copied; everything else is shared with `value`, which is left untouched. The parent must exist.
 */
export function withAt(value: unknown, path: Path, next: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return next;
  if (typeof head === "number") {
    const list = [...(value as unknown[])];
    list[head] = withAt(list[head], rest, next);
    return list;
  }
  const object: JsonObject = { ...(value as JsonObject) };
  const child = withAt(object[head], rest, next);
  if (child === undefined) Reflect.deleteProperty(object, head);
  else object[head] = child;
  return object;
}

/** JSON with object keys sorted at every level: equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (isObject(value)) {
    const members = definedKeys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}
