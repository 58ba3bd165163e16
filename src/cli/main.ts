import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export function version(): string {
  return pkg.version;
}

if (import.meta.main) {
  process.stdout.write(`capo-ts ${version()}\n`);
}
