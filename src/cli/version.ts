// The version of capo-ts, from package.json: printed by --version and sent in the OpenStack User-Agent.
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export function version(): string {
  return pkg.version;
}
