// Loads the book fixtures (test/fixtures/book, see its README) and compares objects with them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { KubeObject } from "../../../src/api/conversion/data.ts";
import { isObject } from "../../../src/api/conversion/json.ts";

export interface BookFixture {
  /** `<from>-<to>/<name>` */
  id: string;
  book: string;
  notes?: string;
  input: KubeObject;
  documented?: KubeObject;
  /** Dotted paths of `input` the apiserver prunes as unknown fields. */
  pruned?: string[];
  /** The warnings our admission webhooks return when `input` is created. */
  warnings?: string[];
  hub: { spec?: unknown; status?: unknown };
}

const root = new URL("../../fixtures/book/", import.meta.url).pathname;

export function loadBookFixtures(): BookFixture[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(root, dir.name))
        .filter((file) => file.endsWith(".yaml"))
        .sort()
        .map((file) => ({
          id: `${dir.name}/${file.replace(/\.yaml$/, "")}`,
          ...(parse(readFileSync(join(root, dir.name, file), "utf8")) as Omit<BookFixture, "id">),
        })),
    );
}

/** Where `actual` fails to contain `expected` (objects key by key, lists item by item), or undefined. */
export function missingFrom(actual: unknown, expected: unknown, path = ""): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: list differs`;
    for (const [i, item] of expected.entries()) {
      const miss = missingFrom(actual[i], item, `${path}[${i}]`);
      if (miss) return miss;
    }
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return `${path}: not an object`;
    for (const [key, value] of Object.entries(expected)) {
      const miss = missingFrom(actual[key], value, path ? `${path}.${key}` : key);
      if (miss) return miss;
    }
    return undefined;
  }
  return actual === expected ? undefined : `${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`;
}

/** `input` without the fields the apiserver prunes. */
export function withoutPruned(fixture: BookFixture): KubeObject {
  const copy = structuredClone(fixture.input);
  for (const path of fixture.pruned ?? []) {
    const keys = path.split(".");
    const last = keys.pop() ?? "";
    let parent: unknown = copy;
    for (const key of keys)
      parent =
        isObject(parent) || Array.isArray(parent) ? (parent as Record<string, unknown>)[key] : undefined;
    if (isObject(parent)) Reflect.deleteProperty(parent, last);
  }
  return copy;
}
