// Hub-and-spoke conversion: every served version converts to and from the v1beta1 hub only; any other pair
// goes through the hub in two steps, each with its own conversion-data bookkeeping.
import { Group, KindNames, type KindName } from "../common/kinds.ts";
import { convertWithData, type ContentConverter, type KubeObject } from "./data.ts";

export const HubVersion = "v1beta1";

export interface KindConversion {
  toHub: ContentConverter;
  fromHub: ContentConverter;
}

export type SpokeConversions = Record<KindName, KindConversion>;

export class ConversionError extends Error {
  override name = "ConversionError";
}

export interface Converter {
  /** Versions (without group) this converter serves, hub first. */
  readonly versions: readonly string[];
  convert(obj: KubeObject, desiredApiVersion: string): KubeObject;
}

function versionOf(apiVersion: string | undefined): string {
  const [group, version, ...rest] = (apiVersion ?? "").split("/");
  if (group !== Group || version === undefined || rest.length > 0) {
    throw new ConversionError(`unsupported apiVersion ${JSON.stringify(apiVersion)}`);
  }
  return version;
}

function kindOf(kind: string | undefined): KindName {
  if (kind !== undefined && Object.hasOwn(KindNames, kind)) return kind as KindName;
  throw new ConversionError(`unsupported kind ${JSON.stringify(kind)}`);
}

export function createConverter(spokes: Readonly<Record<string, SpokeConversions>>): Converter {
  const group = (version: string) => `${Group}/${version}`;
  const spokeOf = (version: string, kind: KindName): KindConversion => {
    const conversions = Object.hasOwn(spokes, version) ? spokes[version] : undefined;
    if (!conversions) throw new ConversionError(`unsupported version ${group(version)}`);
    return conversions[kind];
  };

  const convertOne = (obj: KubeObject, desired: string): KubeObject => {
    const kind = kindOf(obj.kind);
    const from = versionOf(obj.apiVersion);
    if (from === desired) return obj;
    const hub =
      from === HubVersion
        ? obj
        : convertWithData(obj, group(HubVersion), {
            to: spokeOf(from, kind).toHub,
            back: spokeOf(from, kind).fromHub,
          });
    if (desired === HubVersion) return hub;
    const spoke = spokeOf(desired, kind);
    return convertWithData(hub, group(desired), { to: spoke.fromHub, back: spoke.toHub });
  };

  const convertList = (list: KubeObject, desired: string): KubeObject => {
    const itemKind = (list.kind ?? "").replace(/List$/, "");
    const items = Array.isArray(list.items) ? (list.items as KubeObject[]) : [];
    return {
      ...list,
      apiVersion: group(desired),
      items: items.map((item) =>
        convertOne(
          { ...item, apiVersion: item.apiVersion ?? list.apiVersion, kind: item.kind ?? itemKind },
          desired,
        ),
      ),
    };
  };

  return {
    versions: [HubVersion, ...Object.keys(spokes)],
    convert(obj, desiredApiVersion) {
      const desired = versionOf(desiredApiVersion);
      if (desired !== HubVersion) spokeOf(desired, kindOf((obj.kind ?? "").replace(/List$/, "")));
      return obj.kind?.endsWith("List") ? convertList(obj, desired) : convertOne(obj, desired);
    },
  };
}
