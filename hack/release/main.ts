// `npm run release [-- --image <ref>] [--out <dir>]`: writes the clusterctl release artifacts into out/ (the
// components, metadata.yaml and the cluster templates), and the repository's metadata.yaml and templates/
// (clusterctl reads them from a provider's source tree too; the book points at templates/).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultImage, renderComponents } from "./components.ts";
import { renderMetadata } from "./metadata.ts";
import { renderTemplates } from "./templates/flavors.ts";

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
  for (const [name, text] of Object.entries(renderTemplates()))
    for (const dir of [out, join(root, "templates")]) files[join(dir, name)] = text;
  for (const [path, text] of Object.entries(files)) {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
