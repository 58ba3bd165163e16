// `npm run release [-- --image <ref>] [--out <dir>]`: writes the clusterctl release artifacts into out/ (the
// components, metadata.yaml and the cluster templates of templates/), and the repository's metadata.yaml
// (clusterctl reads it from a provider's source tree too).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultImage, renderComponents } from "./components.ts";
import { renderMetadata } from "./metadata.ts";

export const root = new URL("../..", import.meta.url).pathname;

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      image: { type: "string", default: defaultImage },
      out: { type: "string", default: join(root, "out") },
    },
  });
  const out = values.out;
  mkdirSync(out, { recursive: true });
  const files = {
    [join(out, "infrastructure-components.yaml")]: renderComponents(values.image),
    [join(out, "metadata.yaml")]: renderMetadata(),
    [join(root, "metadata.yaml")]: renderMetadata(),
  };
  for (const name of readdirSync(join(root, "templates")).filter((n) => /^cluster-template.*\.yaml$/.test(n)))
    files[join(out, name)] = readFileSync(join(root, "templates", name), "utf8");
  for (const [path, text] of Object.entries(files)) {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
