// Running templates/env.rc and create_cloud_conf.sh the way a user does (a shell sources env.rc), with a
// PATH that holds only basic tools plus one YAML reader, so each reader the scripts support is tested alone.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { tempDir } from "../../env/tmp.ts";

export const REPO = resolve(import.meta.dirname, "../../..");
export const ENV_RC = join(REPO, "templates/env.rc");
export const CREATE_CONF = join(REPO, "templates/create_cloud_conf.sh");
export const EXPORTED = [
  "CAPO_CLOUD",
  "OPENSTACK_CLOUD",
  "OPENSTACK_CLOUD_YAML_B64",
  "OPENSTACK_CLOUD_PROVIDER_CONF_B64",
  "OPENSTACK_CLOUD_CACERT_B64",
] as const;
const UNSET = "<unset>";

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The test's environment without OS_* (an OS_PASSWORD of the caller must not leak into the cases). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OS_") && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

export function run(
  cmd: string,
  args: string[],
  o: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Result> {
  return new Promise((done) => {
    execFile(cmd, args, { env: o.env ?? cleanEnv(), cwd: o.cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** `'...'` quoting for a shell command line. */
export function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function which(tool: string): string | undefined {
  try {
    return execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A dir of symlinks `name → target`. */
function binDir(parent: string, name: string, tools: Record<string, string>): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  for (const [tool, target] of Object.entries(tools)) symlinkSync(target, join(dir, tool));
  return dir;
}

/** A YAML reader the scripts may pick, with the PATH that offers it alone; `skip` says why it cannot run. */
export interface Reader {
  name: string;
  path: string;
  skip?: string;
}

const MIKEFARAH_YQ = "github.com/mikefarah/yq/v4@v4.54.3";

/** mikefarah yq built once from the Go module proxy into the cache; undefined if that fails. */
function mikefarahYq(): string | undefined {
  const dir = join(process.env.CAPO_TS_CACHE ?? join(homedir(), ".cache/capo-ts"), "yq-v4.54.3");
  const bin = join(dir, "yq");
  if (existsSync(bin)) return bin;
  try {
    execFileSync("go", ["install", MIKEFARAH_YQ], {
      env: { ...process.env, GOBIN: dir },
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 300_000,
    });
    return bin;
  } catch {
    return undefined;
  }
}

/** The basic-tools PATH (no YAML reader at all) and one PATH per reader. */
export function readerPaths(): {
  bare: string;
  readers: Reader[];
  shells: Record<string, string>;
  shellcheck?: string;
} {
  const parent = tempDir("capo-ts-env-rc-bin-");
  const basics: Record<string, string> = {};
  for (const tool of ["bash", "base64", "tr", "cat", "sed", "env"]) {
    const path = which(tool);
    if (!path) throw new Error(`${tool} is not installed`);
    basics[tool] = path;
  }
  const bare = binDir(parent, "bare", basics);
  const with_ = (name: string, tools: Record<string, string>) => `${bare}:${binDir(parent, name, tools)}`;
  const readers: Reader[] = [];

  const python = which("python3");
  let executable: string | undefined;
  try {
    executable = python
      ? execFileSync(python, ["-c", "import sys, yaml; print(sys.executable)"], { encoding: "utf8" }).trim()
      : undefined;
  } catch {
    executable = undefined;
  }
  readers.push(
    executable
      ? { name: "python3 + PyYAML", path: with_("python", { python3: executable }) }
      : { name: "python3 + PyYAML", path: bare, skip: "no python3 with PyYAML here" },
  );

  const yq = which("yq");
  const jq = which("jq");
  const yqVersion = yq ? execFileSync(yq, ["--version"], { encoding: "utf8" }) : "";
  readers.push(
    yq && jq && /^yq \d/.test(yqVersion)
      ? { name: "python yq (kislyuk) + jq", path: with_("yq-python", { yq, jq }) }
      : { name: "python yq (kislyuk) + jq", path: bare, skip: "no Python yq with jq here" },
  );

  const goYq = /mikefarah/.test(yqVersion) ? yq : mikefarahYq();
  readers.push(
    goYq
      ? { name: "mikefarah yq v4", path: with_("yq-go", { yq: goYq }) }
      : { name: "mikefarah yq v4", path: bare, skip: `go install ${MIKEFARAH_YQ} failed` },
  );

  const shells: Record<string, string> = { bash: basics.bash! };
  const zsh = which("zsh");
  if (zsh) shells.zsh = zsh;
  const shellcheck = which("shellcheck");
  return { bare, readers, shells, ...(shellcheck ? { shellcheck } : {}) };
}

export interface Sourced extends Result {
  /** status of `source` */
  rc: number;
  /** what `source` itself printed on stdout (the printing after it excluded) */
  sourceStdout: string;
  vars: Record<(typeof EXPORTED)[number], string | undefined>;
  survived: boolean;
}

/**
 * `<shell> -c 'source env.rc <args>; <print>'`: sources env.rc as a user's shell does, then prints its
 * status and the variables; `rcPath` is how the script is named on the command line (relative to cwd).
 */
export async function sourceEnvRc(
  args: string[],
  o: {
    shell: string;
    path: string;
    cwd: string;
    env?: Record<string, string>;
    rcPath?: string;
    pre?: string;
  },
): Promise<Sourced> {
  const print = EXPORTED.map((v) => `"${v}=\${${v}-${UNSET}}"`).join(" ");
  const script = [
    o.pre ?? "",
    `source ${[o.rcPath ?? ENV_RC, ...args].map(q).join(" ")}`,
    `rc=$?`,
    `printf '%s\\n' '--- after source' "rc=$rc" ${print}`,
    `echo still-here`,
  ].join("\n");
  const r = await run(o.shell, ["-c", script], { cwd: o.cwd, env: cleanEnv({ ...o.env, PATH: o.path }) });
  const [before = "", after = ""] = r.stdout.split("--- after source\n");
  const lines = after.split("\n");
  const value = (name: string) => lines.find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);
  const vars = Object.fromEntries(
    EXPORTED.map((v) => [v, value(v) === UNSET ? undefined : value(v)]),
  ) as Sourced["vars"];
  return {
    ...r,
    rc: Number(value("rc")),
    sourceStdout: before,
    vars,
    survived: lines.includes("still-here"),
  };
}

export function unb64(s: string | undefined): string {
  if (s === undefined) throw new Error("variable not set");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error(`not one line of base64: ${s.slice(0, 40)}...`);
  return Buffer.from(s, "base64").toString("utf8");
}
