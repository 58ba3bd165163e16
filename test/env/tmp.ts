// Temporary directories for tests and benches, removed when the process exits so runs do not pile up dirs in
// /tmp. CAPO_TS_KEEP_TMP=1 keeps them (and names them on stderr) for debugging.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirs: string[] = [];

/** Creates `<os.tmpdir()>/<prefix>XXXXXX`, removed with everything in it when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (dirs.length === 0) process.on("exit", removeAll);
  dirs.push(dir);
  return dir;
}

/** An exit handler: only synchronous work runs there. */
function removeAll(): void {
  if (process.env.CAPO_TS_KEEP_TMP === "1") {
    process.stderr.write(`kept temporary dirs: ${dirs.join(" ")}\n`);
    return;
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
