// Command-line flags with Go pflag's syntax, so CAPO's manifests and habits carry over: --name=value or
// --name value, booleans as --name or --name=false, durations like 10m or 1h30m, comma-separated lists
// (repeatable), key=bool maps for feature gates. Unknown flags are errors.

export type FlagValue = boolean | string | number | string[] | Record<string, boolean>;

interface FlagBase<K extends string, V> {
  type: K;
  name: string;
  usage: string;
  default: V;
}

export type FlagDef =
  | FlagBase<"bool", boolean>
  | FlagBase<"string", string>
  | FlagBase<"int", number>
  | FlagBase<"float", number>
  | FlagBase<"duration", number>
  | FlagBase<"stringSlice", string[]>
  | FlagBase<"mapStringBool", Record<string, boolean>>;

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds. */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.replace(/^[-+]/, "");
  for (let m = re.exec(body); m; m = re.exec(body)) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    pos = re.lastIndex;
  }
  if (body === "" || pos !== body.length) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return sign * total;
}

/** A duration as Go prints it, for help texts: 15s, 10m0s, 1h0m0s. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

function parseBool(name: string, text: string): boolean {
  if (["true", "1", "t", "T", "TRUE", "True"].includes(text)) return true;
  if (["false", "0", "f", "F", "FALSE", "False"].includes(text)) return false;
  throw new Error(`invalid boolean ${JSON.stringify(text)} for --${name}`);
}

function parseValue(def: FlagDef, text: string, previous: FlagValue | undefined): FlagValue {
  switch (def.type) {
    case "bool":
      return parseBool(def.name, text);
    case "string":
      return text;
    case "int": {
      if (!/^[-+]?\d+$/.test(text))
        throw new Error(`invalid integer ${JSON.stringify(text)} for --${def.name}`);
      return Number(text);
    }
    case "float": {
      const n = Number(text);
      if (text.trim() === "" || Number.isNaN(n))
        throw new Error(`invalid number ${JSON.stringify(text)} for --${def.name}`);
      return n;
    }
    case "duration":
      try {
        return parseDuration(text);
      } catch (e) {
        throw new Error(`${(e as Error).message} for --${def.name}`, { cause: e });
      }
    case "stringSlice": {
      const items = text === "" ? [] : text.split(",").map((s) => s.trim());
      return [...((previous as string[] | undefined) ?? []), ...items];
    }
    case "mapStringBool": {
      const map: Record<string, boolean> = { ...((previous as Record<string, boolean> | undefined) ?? {}) };
      for (const pair of text.split(",").filter((p) => p.trim() !== "")) {
        const [k, v] = pair.split("=");
        if (!k || v === undefined)
          throw new Error(`invalid key=value ${JSON.stringify(pair)} for --${def.name}`);
        map[k.trim()] = parseBool(def.name, v.trim());
      }
      return map;
    }
  }
}

export interface Parsed {
  values: Map<string, FlagValue>;
  /** Flags given on the command line (not defaulted). */
  set: Set<string>;
  args: string[];
}

export function parseFlags(defs: FlagDef[], argv: string[]): Parsed {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const values = new Map<string, FlagValue>();
  const set = new Set<string>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      args.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const def = byName.get(name);
    if (!def) throw new Error(`unknown flag: --${name}`);
    let text: string;
    if (eq >= 0) text = body.slice(eq + 1);
    else if (def.type === "bool") text = "true";
    else {
      const next = argv[++i];
      if (next === undefined) throw new Error(`flag needs an argument: --${name}`);
      text = next;
    }
    // A list given on the command line replaces its default instead of extending it.
    const previous = set.has(name) ? values.get(name) : undefined;
    values.set(name, parseValue(def, text, previous));
    set.add(name);
  }
  for (const d of defs) if (!values.has(d.name)) values.set(d.name, d.default);
  return { values, set, args };
}

function defaultText(d: FlagDef): string {
  switch (d.type) {
    case "bool":
      return d.default ? "true" : "";
    case "string":
      return d.default === "" ? "" : JSON.stringify(d.default);
    case "duration":
      return formatDuration(d.default);
    case "stringSlice":
      return d.default.length ? `[${d.default.join(",")}]` : "";
    case "mapStringBool":
      return Object.entries(d.default)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
    default:
      return String(d.default);
  }
}

export function usage(defs: FlagDef[]): string {
  const typeName = (d: FlagDef): string =>
    ({
      bool: "",
      string: " string",
      int: " int",
      float: " float",
      duration: " duration",
      stringSlice: " strings",
      mapStringBool: " mapStringBool",
    })[d.type];
  return [...defs]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => {
      const dflt = defaultText(d);
      return `      --${d.name}${typeName(d)}\n        \t${d.usage}${dflt ? ` (default ${dflt})` : ""}`;
    })
    .join("\n");
}
