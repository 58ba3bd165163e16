// capo-ts command line: `capo-ts manager [flags]`, `capo-ts version`, `capo-ts --version`.
import { capoReconcilers } from "../controllers/index.ts";
import { capoControllers } from "./controllers.ts";
import { managerUsage, parseManagerArgs } from "./manager-config.ts";
import { runManager } from "./manager.ts";
import { version } from "./version.ts";

export { version };

const USAGE = `Usage: capo-ts <command> [flags]

Commands:
  manager   run the Cluster API OpenStack controllers (capo-ts manager --help for flags)
  version   print the version

Flags:
  --version  print the version
`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "--version":
    case "-version":
    case "version":
      io.out(`capo-ts ${version()}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    case "manager": {
      let cfg;
      try {
        cfg = parseManagerArgs(rest);
      } catch (e) {
        io.err(`capo-ts manager: ${(e as Error).message}\n${managerUsage()}`);
        return 2;
      }
      if (cfg.help) {
        io.out(managerUsage());
        return 0;
      }
      if (cfg.version) {
        io.out(`capo-ts ${version()}\n`);
        return 0;
      }
      return runManager(cfg, {
        registrations: (scopes) => capoControllers(cfg, (mgr) => capoReconcilers(mgr, scopes)),
      });
    }
    default:
      io.err(`capo-ts: unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 2;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
