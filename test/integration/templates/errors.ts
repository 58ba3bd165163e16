// The env.rc / create_cloud_conf.sh cases beyond the happy path: wrong arguments, a missing file, an unknown
// cloud, no YAML reader, broken YAML, an unreadable cacert; env.rc run rather than sourced; sourcing from
// other directories, from zsh, under set -x and set -eu; and that sourcing leaves nothing behind.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { CREATE_CONF, ENV_RC, EXPORTED, REPO, cleanEnv, q, run, sourceEnvRc } from "./helpers.ts";
import type { Reader, Sourced } from "./helpers.ts";

interface Context {
  bare: string;
  readers: Reader[];
  shells: Record<string, string>;
  dir: string;
  variants: () => { name: string; cloud: string; file: string }[];
  assertNoSecret: (text: string, what: string) => void;
  shellcheck?: string;
}

const USAGE = /^env\.rc: usage: source templates\/env\.rc <path\/to\/clouds\.yaml> <cloud>\n$/;

export function errorCases(ctx: Context): void {
  const usable = ctx.readers.filter((r) => !r.skip);
  const password = () => ctx.variants().find((v) => v.name === "password")!;

  function assertFailed(s: Sourced, message: RegExp): void {
    assert.match(s.stderr, message);
    assert.equal(s.rc, 1);
    assert.ok(s.survived, "the caller's shell survived");
    for (const v of EXPORTED) assert.equal(s.vars[v], undefined, `${v} exported on error`);
    ctx.assertNoSecret(s.stdout + s.stderr, "an error");
  }

  for (const [shellName, shell] of Object.entries(ctx.shells)) {
    describe(`env.rc errors, sourced from ${shellName}`, { concurrency: true }, () => {
      const src = (args: string[], path = usable[0]?.path ?? ctx.bare) =>
        sourceEnvRc(args, { shell, path, cwd: ctx.dir });

      it("no arguments, one, three: usage", async () => {
        for (const args of [[], [password().file], [password().file, password().cloud, "x"]]) {
          assertFailed(await src(args), USAGE);
        }
      });

      it("a missing clouds.yaml", async () => {
        assertFailed(
          await src(["/nonexistent/clouds.yaml", "c"]),
          /^env\.rc: cannot read clouds\.yaml '\/nonexistent\/clouds\.yaml'\n$/,
        );
      });

      it("a cloud not in the file names the clouds that are", async () => {
        const v = password();
        const s = await src([v.file, "nope"]);
        assertFailed(
          s,
          new RegExp(`^env\\.rc: cloud 'nope' not found in ${v.file} \\(clouds: .*${v.cloud}.*\\)\\n$`),
        );
        assert.match(s.stderr, /other/);
      });

      it("no YAML reader on PATH: one line naming what to install", async () => {
        const s = await src([password().file, password().cloud], ctx.bare);
        assertFailed(s, /^env\.rc: no YAML reader found: install python3 with PyYAML .*yq.*\n$/);
      });

      it("run rather than sourced: says to source it", async () => {
        const r = await run(shell, [ENV_RC, password().file, password().cloud], {
          env: cleanEnv({ PATH: usable[0]?.path ?? ctx.bare }),
        });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^env\.rc: source it/);
        ctx.assertNoSecret(r.stdout + r.stderr, "env.rc run");
      });

      it("works from the repository root and from templates/, named relatively", async () => {
        const v = password();
        for (const [cwd, rcPath] of [
          [REPO, "templates/env.rc"],
          [join(REPO, "templates"), "./env.rc"],
        ] as const) {
          const s = await sourceEnvRc([v.file, v.cloud], { shell, path: usable[0]!.path, cwd, rcPath });
          assert.equal(s.stderr, "");
          assert.equal(s.rc, 0, `${cwd} ${rcPath}`);
          assert.equal(s.vars.OPENSTACK_CLOUD, v.cloud);
        }
      });

      it("under set -eu and set -x: no secret traced, options restored, nothing left behind", async () => {
        const v = password();
        const snapshot =
          shellName === "zsh"
            ? `print -rl -- \${(k)functions} \${(k)parameters} "opts=$-" $(setopt)`
            : `compgen -A function; compgen -v; echo "opts=$-"; shopt -p; set -o`;
        const script = [
          "set -eu",
          `__before=; __after=; __before=$(${snapshot})`,
          "set -x",
          `source ${[ENV_RC, v.file, v.cloud].map(q).join(" ")}`,
          "set +x",
          `__after=$(${snapshot})`,
          `printf '%s\\n' "$__before" '--- after' "$__after"`,
        ].join("\n");
        const r = await run(shell, ["-c", script], {
          cwd: ctx.dir,
          env: cleanEnv({ PATH: usable[0]!.path }),
        });
        assert.equal(r.code, 0, r.stderr);
        ctx.assertNoSecret(r.stdout + r.stderr, "sourcing under set -x");
        assert.ok(!/OPENSTACK_CLOUD_YAML_B64=/.test(r.stderr), "xtrace showed the exported values");
        assert.match(r.stderr, /set \+x/, "xtrace was on again after env.rc");
        const [before = "", after = ""] = r.stdout.split("--- after\n");
        const names = (text: string) =>
          new Set(text.split("\n").filter((l) => l && l !== "__after" && l !== "__before"));
        const b = names(before);
        const a = names(after);
        assert.deepEqual(
          [...a].filter((n) => !b.has(n)).sort(),
          [...EXPORTED].sort(),
          "new names: the exports only",
        );
        assert.deepEqual(
          [...b].filter((n) => !a.has(n)),
          [],
          "nothing of the caller's went away",
        );
      });
    });
  }

  describe("create_cloud_conf.sh errors", { concurrency: true }, () => {
    const conf = (args: string[], path = usable[0]?.path ?? ctx.bare) =>
      run(ctx.shells.bash!, [CREATE_CONF, ...args], { env: cleanEnv({ PATH: path }) });
    const assertConfFailed = (r: { code: number; stdout: string; stderr: string }, message: RegExp) => {
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
      ctx.assertNoSecret(r.stderr, "an error");
    };

    it("usage, missing file, unknown cloud, no reader", async () => {
      const v = password();
      assertConfFailed(
        await conf([]),
        /^create_cloud_conf\.sh: usage: .*create_cloud_conf\.sh <path\/to\/clouds\.yaml> <cloud>\n$/,
      );
      assertConfFailed(
        await conf(["/nonexistent", "c"]),
        /^create_cloud_conf\.sh: cannot read clouds\.yaml '\/nonexistent'\n$/,
      );
      assertConfFailed(await conf([v.file, "nope"]), /^create_cloud_conf\.sh: cloud 'nope' not found in /);
      assertConfFailed(
        await conf([v.file, v.cloud], ctx.bare),
        /^create_cloud_conf\.sh: no YAML reader found/,
      );
    });

    for (const reader of usable) {
      it(`${reader.name}: broken YAML and a lost cacert, no secret in the message`, async () => {
        const secret = `s3cret-${Math.random().toString(16).slice(2)}`;
        const invalid = join(ctx.dir, `invalid-${reader.name.replace(/\W/g, "")}.yaml`);
        writeFileSync(invalid, `clouds:\n  c:\n    auth: {password: ${secret}, [\n`);
        let r = await conf([invalid, "c"], reader.path);
        assertConfFailed(r, /^create_cloud_conf\.sh: \S+ is not (valid YAML|a valid clouds\.yaml)/);
        assert.ok(!r.stderr.includes(secret), "the parser's message quoted the file");
        const lost = join(ctx.dir, `lost-${reader.name.replace(/\W/g, "")}.yaml`);
        writeFileSync(
          lost,
          stringify({ clouds: { c: { auth: { password: secret }, cacert: "/nonexistent/ca.pem" } } }),
        );
        r = await conf([lost, "c"], reader.path);
        assertConfFailed(
          r,
          /^create_cloud_conf\.sh: cloud 'c' names cacert '\/nonexistent\/ca\.pem', which cannot be read\n$/,
        );
        assert.ok(!r.stderr.includes(secret));
      });
    }
  });

  it(
    "shellcheck finds nothing in either script",
    { skip: ctx.shellcheck ? false : "shellcheck is not installed" },
    async () => {
      const r = await run(ctx.shellcheck!, [ENV_RC, CREATE_CONF]);
      assert.equal(r.code, 0, r.stdout);
    },
  );
}
