// Scalar rules between the alpha versions and v1beta1 (api-versions.md §3.1): the alphas wrote zero values
// (`""`, `0`, `false`) for "unset", v1beta1 leaves optional fields out. Converting down, an absent v1beta1
// field stays absent: absent and zero mean the same in the alphas, and absent keeps manifests as written.
import { isObject } from "./json.ts";

export const nonEmpty = (value: string | undefined): string | undefined => (value === "" ? undefined : value);
export const nonZero = (value: number | undefined): number | undefined => (value === 0 ? undefined : value);
export const trueOnly = (value: boolean | undefined): true | undefined => (value === true ? true : undefined);

/** True when every member is absent: what Go calls the zero value of a struct of optional fields. */
export function isEmpty(value: object | undefined): boolean {
  return value === undefined || Object.values(value).every((member) => member === undefined);
}

/** `value`, or undefined when it is an empty struct. */
export function unlessEmpty<T extends object>(value: T): T | undefined {
  return isEmpty(value) ? undefined : value;
}

/** The object under `key`, or an empty one: converters read spec/status that may be missing. */
export function member(content: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = content[key];
  return isObject(value) ? value : {};
}

/** Maps a present value, keeps absence. */
export function maybe<T, U>(value: T | undefined, convert: (value: T) => U): U | undefined {
  return value === undefined ? undefined : convert(value);
}

/** Maps every item of a present list, keeps absence. */
export function each<T, U>(list: readonly T[] | undefined, convert: (item: T) => U): U[] | undefined {
  return list?.map((item) => convert(item));
}
