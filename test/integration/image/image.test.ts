// The controller image as hack/image/build.sh makes it with no registry: an OCI archive FROM scratch whose one
// layer holds Node, the libraries it links and capo-ts, with a non-root USER and capo-ts as ENTRYPOINT; and its
// root file system runs the real manager on its own (a chroot, uid 65532, empty environment) against a real
// apiserver: it reads the kubeconfig, serves its probes and starts its controllers.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { CRD_DIR, startManager, type ManagerHandle } from "../../env/capo.ts";
import { startKube, type KubeEnv } from "../../env/kube.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const ROOTFS = `${ROOT}out/image/rootfs`;

interface OCIConfig {
  config: { User?: string; Entrypoint?: string[]; WorkingDir?: string };
  rootfs: { diff_ids: string[] };
}

/** A blob of the OCI archive by digest (`sha256:…`). */
function blob(archive: string, digest: string): Buffer {
  return execFileSync("tar", ["-xOf", archive, `blobs/${digest.replace(":", "/")}`], {
    maxBuffer: 1 << 30,
  });
}

describe("controller image", () => {
  let archive: string;
  let env: KubeEnv | undefined;
  let mgr: ManagerHandle | undefined;

  before(() => {
    const out = execFileSync("bash", ["hack/image/build.sh"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      timeout: 600_000,
    });
    archive = `${ROOT}${out.trim().split("\n").at(-1) ?? ""}`;
  });

  after(async () => {
    await mgr?.stop();
    await env?.stop();
  });

  it("is FROM scratch: one layer with Node, its libraries and capo-ts, no shell, run as uid 65532", (t) => {
    t.diagnostic(`archive ${(statSync(archive).size / 2 ** 20).toFixed(1)} MiB`);
    const index = JSON.parse(execFileSync("tar", ["-xOf", archive, "index.json"], { encoding: "utf8" })) as {
      manifests: { digest: string }[];
    };
    assert.equal(index.manifests.length, 1);
    const manifest = JSON.parse(blob(archive, index.manifests[0]?.digest ?? "").toString()) as {
      config: { digest: string };
      layers: { digest: string; mediaType: string }[];
    };
    const config = JSON.parse(blob(archive, manifest.config.digest).toString()) as OCIConfig;
    assert.equal(config.config.User, "65532:65532");
    assert.equal(config.config.Entrypoint?.[0], "/usr/local/bin/node");
    assert.equal(config.config.Entrypoint.at(-1), "/app/src/cli/main.ts");
    assert.equal(manifest.layers.length, 1, "FROM scratch: the one COPY is the only layer");
    const layer = manifest.layers[0];
    assert.ok(layer);
    const files = execFileSync("tar", ["-tz"], { input: blob(archive, layer.digest), maxBuffer: 1 << 28 })
      .toString()
      .split("\n")
      .map((f) => f.replace(/^\.?\//, ""));
    for (const want of [
      "usr/local/bin/node",
      "lib64/ld-linux-x86-64.so.2",
      "app/src/cli/main.ts",
      "etc/passwd",
    ])
      assert.ok(files.includes(want), `${want} in the layer`);
    for (const shell of ["bin/sh", "bin/bash", "usr/bin/sh", "usr/bin/env"])
      assert.ok(!files.includes(shell), `no ${shell}`);
    assert.equal(
      files.filter((f) => f.startsWith("app/src/") && f.endsWith(".test.ts")).length,
      0,
      "no tests",
    );
    t.diagnostic(`${files.length} files in the layer`);
  });

  it("runs the manager from its own files, as uid 65532 with an empty environment", async () => {
    env = await startKube({ installCAPICRDs: true, crdDirs: [CRD_DIR] });
    mgr = await startManager(env, { rootfs: ROOTFS });
    const status = readFileSync(`/proc/${mgr.pid}/status`, "utf8");
    assert.match(status, /^Uid:\s+65532\s+65532/m);
    assert.deepEqual(readFileSync(`/proc/${mgr.pid}/environ`, "utf8").split("\0").filter(Boolean), [
      "POD_NAMESPACE=default",
    ]);
    assert.equal(statSync(`/proc/${mgr.pid}/root/app/src/cli/main.ts`).isFile(), true, "rooted in the image");
    const url = `${mgr.healthUrl}/readyz?verbose`;
    let ready = await fetch(url);
    for (const deadline = Date.now() + 60_000; ready.status !== 200 && Date.now() < deadline;)
      ready = await new Promise((r) => setTimeout(r, 500)).then(() => fetch(url));
    assert.equal(ready.status, 200, await ready.text());
  });
});
