// templates/env.rc and create_cloud_conf.sh on real clouds.yaml files: a password cloud, an application
// credential made on the all-in-one, a cloud behind a TLS proxy with its cacert, and a password taken from
// $OS_PASSWORD; under every YAML reader this machine has, each alone on PATH. The decoded clouds.yaml must
// authenticate (capo-ts's client and the openstack CLI); errors must be clear, leave the shell running and
// print no secret.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { credentialFromClouds } from "../../../src/openstack/clouds.ts";
import { generateTestCertificates } from "../../env/certs.ts";
import { tempDir } from "../../env/tmp.ts";
import { CLOUDS_YAML, MEMBER_CLOUD, PREFIX, newClient } from "../openstack/env.ts";
import { startProxy } from "../openstack/proxy.ts";
import type { CountingProxy } from "../openstack/proxy.ts";
import { CREATE_CONF, cleanEnv, readerPaths, run, sourceEnvRc, unb64 } from "./helpers.ts";
import type { Reader } from "./helpers.ts";
import { errorCases } from "./errors.ts";

type Entry = { auth: Record<string, unknown> } & Record<string, unknown>;

/** One cloud to feed the scripts, and what they must make of it. */
interface Variant {
  name: string;
  cloud: string;
  file: string;
  osPassword: string;
  /** The entry the generated clouds.yaml must hold. */
  entry: Entry;
  /** cloud.conf lines after [Global]; CA_FILE marks the ca-file line. */
  conf: string[];
  cacertPath?: string;
  authenticates: boolean;
}

const CA_FILE = "<ca-file>";
const hex = randomBytes(3).toString("hex");
const DECOY = `decoy-${randomBytes(8).toString("hex")}`;
const { bare, readers, shells, shellcheck } = readerPaths();
const dir = tempDir("capo-ts-env-rc-");

describe("templates/env.rc and create_cloud_conf.sh", () => {
  let member: Entry;
  let password: string;
  let appCred: { id: string; secret: string } | undefined;
  let proxy: CountingProxy;
  let projectId: string;
  const variants: Variant[] = [];
  const secrets = () => [password, DECOY, ...(appCred ? [appCred.secret] : [])];

  const openstack = (args: string[], configFile = CLOUDS_YAML) =>
    run("openstack", args, { env: cleanEnv({ OS_CLIENT_CONFIG_FILE: configFile }) });

  /** Writes `entry` as cloud `cloud` of a clouds.yaml that also holds a decoy cloud with its own secret. */
  function variant(v: Omit<Variant, "file" | "cloud"> & { fileEntry?: Entry }): Variant {
    const cloud = `envrc-${v.name}-${hex}`;
    const file = join(dir, `${v.name}.yaml`);
    const other = { auth: { auth_url: member.auth.auth_url, username: "other", password: DECOY } };
    writeFileSync(file, stringify({ clouds: { other, [cloud]: v.fileEntry ?? v.entry } }));
    return { ...v, cloud, file };
  }

  before(async () => {
    const clouds = parse(readFileSync(CLOUDS_YAML, "utf8")) as { clouds: Record<string, Entry> };
    member = clouds.clouds[MEMBER_CLOUD]!;
    password = String(member.auth.password);
    projectId = await newClient().projectId();
    const created = await openstack([
      "--os-cloud",
      MEMBER_CLOUD,
      "application",
      "credential",
      "create",
      `${PREFIX}-env-rc`,
      "-f",
      "json",
    ]);
    assert.equal(created.code, 0, `application credential create failed: ${created.stderr}`);
    appCred = JSON.parse(created.stdout) as { id: string; secret: string };
    const certs = generateTestCertificates("env-rc");
    proxy = await startProxy({ tls: certs.tls });

    const a = member.auth;
    const passwordConf = [
      `auth-url="${String(a.auth_url)}"`,
      `username="${String(a.username)}"`,
      `password="${password}"`,
      `tenant-name="${String(a.project_name)}"`,
      `domain-name="${String(a.user_domain_name)}"`,
    ];
    const region = `region="${String(member.region_name)}"`;
    const appCredEntry: Entry = {
      auth_type: "v3applicationcredential",
      auth: {
        auth_url: a.auth_url,
        application_credential_id: appCred.id,
        application_credential_secret: appCred.secret,
      },
      region_name: member.region_name,
      identity_api_version: 3,
    };
    const tlsUrl = `${proxy.url}/v3`;
    const cacertPath = join(certs.certDir, "ca.crt");
    const noPassword = { ...a };
    delete noPassword.password;
    const odd = 'q"uo\\te';
    variants.push(
      variant({
        name: "password",
        entry: member,
        osPassword: DECOY,
        conf: [...passwordConf, region],
        authenticates: true,
      }),
      variant({
        name: "appcred",
        entry: appCredEntry,
        osPassword: DECOY,
        conf: [
          `auth-url="${String(a.auth_url)}"`,
          region,
          `application-credential-id="${appCred.id}"`,
          `application-credential-secret="${appCred.secret}"`,
        ],
        authenticates: true,
      }),
      variant({
        name: "cacert",
        entry: { ...member, auth: { ...a, auth_url: tlsUrl }, cacert: cacertPath },
        osPassword: DECOY,
        conf: [`auth-url="${tlsUrl}"`, ...passwordConf.slice(1), CA_FILE, region],
        cacertPath,
        authenticates: true,
      }),
      variant({
        name: "os-password",
        fileEntry: { ...member, auth: noPassword },
        entry: member,
        osPassword: password,
        conf: [...passwordConf, region],
        authenticates: true,
      }),
      // Every other key the scripts read, the fallback spellings domain_name/domain_id, and values that need
      // escaping in the INI.
      variant({
        name: "all-keys",
        entry: {
          auth: {
            auth_url: "https://keystone.invalid/v3",
            project_id: "p-id",
            project_name: odd,
            domain_name: "dom",
            domain_id: "dom-id",
            application_credential_name: "ac-name",
          },
          region_name: "R2",
        },
        osPassword: "",
        conf: [
          `auth-url="https://keystone.invalid/v3"`,
          `tenant-id="p-id"`,
          `tenant-name="q\\"uo\\\\te"`,
          `domain-name="dom"`,
          `domain-id="dom-id"`,
          `region="R2"`,
          `application-credential-name="ac-name"`,
        ],
        authenticates: false,
      }),
    );
  });

  after(async () => {
    await proxy.close();
    if (appCred) {
      const r = await openstack([
        "--os-cloud",
        MEMBER_CLOUD,
        "application",
        "credential",
        "delete",
        appCred.id,
      ]);
      assert.equal(r.code, 0, `application credential delete failed: ${r.stderr}`);
    }
  });

  function assertNoSecret(text: string, what: string): void {
    for (const s of secrets()) assert.ok(!text.includes(s), `${what} shows a secret`);
  }

  const conf = (v: Variant, caFile: string) =>
    `[Global]\n${v.conf.map((l) => (l === CA_FILE ? `ca-file="${caFile}"` : l)).join("\n")}\n`;

  /** The generated clouds.yaml really logs in: with capo-ts's client and with the openstack CLI. */
  async function assertAuthenticates(v: Variant, yaml: string, cacert: string): Promise<void> {
    const caCert = v.cacertPath ? cacert : undefined;
    const client = newClient(credentialFromClouds({ cloudsYaml: yaml, cloudName: v.cloud, caCert }));
    assert.equal(await client.projectId(), projectId);
    const file = join(tempDir("capo-ts-env-rc-out-"), "clouds.yaml");
    writeFileSync(file, yaml);
    const token = await openstack(["--os-cloud", v.cloud, "token", "issue", "-f", "json"], file);
    assert.equal(token.code, 0, `openstack token issue with the generated clouds.yaml: ${token.stderr}`);
    assert.equal((JSON.parse(token.stdout) as { project_id: string }).project_id, projectId);
  }

  async function check(reader: Reader, v: Variant): Promise<void> {
    const env: Record<string, string> = v.osPassword ? { OS_PASSWORD: v.osPassword } : {};
    const s = await sourceEnvRc([v.file, v.cloud], { shell: shells.bash!, path: reader.path, cwd: dir, env });
    assert.equal(s.stderr, "", "env.rc printed on stderr");
    assert.equal(s.sourceStdout, "", "env.rc printed on stdout");
    assert.equal(s.rc, 0);
    assert.equal(s.vars.CAPO_CLOUD, v.cloud);
    assert.equal(s.vars.OPENSTACK_CLOUD, v.cloud);
    const yaml = unb64(s.vars.OPENSTACK_CLOUD_YAML_B64);
    assert.deepEqual(parse(yaml), { clouds: { [v.cloud]: v.entry } }, "clouds.yaml holds that cloud alone");
    assert.equal(unb64(s.vars.OPENSTACK_CLOUD_PROVIDER_CONF_B64), conf(v, "/etc/certs/cacert"));
    const cacert = unb64(s.vars.OPENSTACK_CLOUD_CACERT_B64);
    assert.equal(cacert, v.cacertPath ? readFileSync(v.cacertPath, "utf8") : "\n");

    const c = await run(shells.bash!, [CREATE_CONF, v.file, v.cloud], {
      env: cleanEnv({ ...env, PATH: reader.path }),
    });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stderr, "");
    assert.equal(c.stdout, conf(v, v.cacertPath ?? ""));
    assert.ok(!c.stdout.includes(DECOY), "cloud.conf holds another cloud's or $OS_PASSWORD's secret");
    if (v.authenticates) await assertAuthenticates(v, yaml, cacert);
  }

  for (const reader of readers) {
    describe(`reading YAML with ${reader.name}`, { skip: reader.skip, concurrency: true }, () => {
      for (const name of ["password", "appcred", "cacert", "os-password", "all-keys"]) {
        it(name, { timeout: 120_000 }, () =>
          check(
            reader,
            variants.find((v) => v.name === name)!,
          ),
        );
      }
    });
  }

  errorCases({ bare, readers, shells, shellcheck, dir, variants: () => variants, assertNoSecret });
});
