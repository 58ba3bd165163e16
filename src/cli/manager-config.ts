// `capo-ts manager`'s flags: CAPO's names, defaults and meanings, parsed and checked into a ManagerConfig.
import type { FlagDef } from "./flags.ts";
import { parseFlags, usage } from "./flags.ts";
import { openSSLCiphers, tlsMinVersion } from "./tls.ts";

export const LEADER_ELECTION_ID = "controller-leader-election-capo";

export const managerFlags: FlagDef[] = [
  {
    name: "leader-elect",
    type: "bool",
    default: false,
    usage:
      "Enable leader election for controller manager. Enabling this will ensure there is only one active controller manager.",
  },
  {
    name: "leader-elect-lease-duration",
    type: "duration",
    default: 15_000,
    usage: "Interval at which non-leader candidates will wait to force acquire leadership (duration string)",
  },
  {
    name: "leader-elect-renew-deadline",
    type: "duration",
    default: 10_000,
    usage:
      "Duration that the leading controller manager will retry refreshing leadership before giving up (duration string)",
  },
  {
    name: "leader-elect-retry-period",
    type: "duration",
    default: 2_000,
    usage: "Duration the LeaderElector clients should wait between tries of actions (duration string)",
  },
  {
    name: "namespace",
    type: "string",
    default: "",
    usage:
      "Namespace that the controller watches to reconcile cluster-api objects. If unspecified, the controller watches for cluster-api objects across all namespaces.",
  },
  {
    name: "watch-filter",
    type: "string",
    default: "",
    usage:
      "Label value that the controller watches to reconcile cluster-api objects. Label key is always cluster.x-k8s.io/watch-filter. If unspecified, the controller watches for all cluster-api objects.",
  },
  {
    name: "profiler-address",
    type: "string",
    default: "",
    usage: "Bind address to expose the pprof profiler (e.g. localhost:6060); not supported by capo-ts",
  },
  {
    name: "openstackcluster-concurrency",
    type: "int",
    default: 10,
    usage: "Number of OpenStackClusters to process simultaneously",
  },
  {
    name: "openstackmachine-concurrency",
    type: "int",
    default: 10,
    usage: "Number of OpenStackMachines to process simultaneously",
  },
  {
    name: "openstackmachinetemplate-concurrency",
    type: "int",
    default: 10,
    usage:
      "Number of OpenStackMachineTemplates to process simultaneously (no effect: capo-ts has no OpenStackMachineTemplate controller yet).",
  },
  {
    name: "sync-period",
    type: "duration",
    default: 600_000,
    usage: "The minimum interval at which watched resources are reconciled (e.g. 15m)",
  },
  {
    name: "kube-api-qps",
    type: "float",
    default: 20,
    usage: "Maximum queries per second from the controller client to the Kubernetes API server.",
  },
  {
    name: "kube-api-burst",
    type: "int",
    default: 30,
    usage:
      "Maximum number of queries that should be allowed in one burst from the controller client to the Kubernetes API server.",
  },
  {
    name: "webhook-port",
    type: "int",
    default: 9443,
    usage: 'Webhook Server port (0 picks a free port, logged as "Serving webhooks")',
  },
  {
    name: "webhook-cert-dir",
    type: "string",
    default: "/tmp/k8s-webhook-server/serving-certs/",
    usage: "Webhook cert dir, holding tls.crt and tls.key; reloaded when they change.",
  },
  {
    name: "health-addr",
    type: "string",
    default: ":9440",
    usage: "The address the health endpoint binds to.",
  },
  {
    name: "lb-provider",
    type: "string",
    default: "amphora",
    usage: "The name of the load balancer provider (amphora or ovn) to use (unused, as in CAPO).",
  },
  {
    name: "ca-certs",
    type: "string",
    default: "",
    usage: "The path to a PEM-encoded CA Certificate file to supply as default for each request.",
  },
  {
    name: "scope-cache-max-size",
    type: "int",
    default: 10,
    usage:
      "The maximum credentials count the operator should keep in cache. Setting this value to 0 means no cache.",
  },
  {
    name: "skip-crd-migration-phases",
    type: "stringSlice",
    default: [],
    usage:
      "List of CRD migration phases to skip. Valid values are: StorageVersionMigration, CleanupManagedFields (validated only: capo-ts has no CRD migrator yet).",
  },
  { name: "version", type: "bool", default: false, usage: "Print version and exit" },
  {
    name: "feature-gates",
    type: "mapStringBool",
    default: { PriorityQueue: true, AutoScaleFromZero: false },
    usage:
      "A set of key=value pairs that describe feature gates for alpha/experimental features (PriorityQueue and AutoScaleFromZero are accepted and have no effect yet).",
  },
  {
    name: "diagnostics-address",
    type: "string",
    default: ":8443",
    usage:
      "The address the diagnostics endpoint binds to. Per default metrics are served via https and with authentication/authorization. To serve via http and without authentication/authorization set --insecure-diagnostics.",
  },
  {
    name: "insecure-diagnostics",
    type: "bool",
    default: false,
    usage:
      "Enable insecure diagnostics serving. For more details see the description of --diagnostics-address.",
  },
  {
    name: "tls-min-version",
    type: "string",
    default: "VersionTLS12",
    usage: "The minimum TLS version in use by the webhook server and metrics server.",
  },
  {
    name: "tls-cipher-suites",
    type: "stringSlice",
    default: [],
    usage: "Comma-separated list of cipher suites for the webhook server and metrics server.",
  },
  { name: "v", type: "int", default: 0, usage: "number for the log level verbosity" },
  // Not in CAPO (controller-runtime reads these from its own flags / environment):
  {
    name: "kubeconfig",
    type: "string",
    default: "",
    usage: "Paths to a kubeconfig. Only required if out-of-cluster.",
  },
  {
    name: "metrics-bind-addr",
    type: "string",
    default: "",
    usage:
      "Plain-HTTP /metrics listener (e.g. :8080), in addition to or instead of --diagnostics-address; 0 disables.",
  },
];

const KNOWN_GATES = new Set(["PriorityQueue", "AutoScaleFromZero"]);
const MIGRATION_PHASES = new Set(["StorageVersionMigration", "CleanupManagedFields"]);

export interface ManagerConfig {
  version: boolean;
  help: boolean;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  namespace: string;
  watchFilter: string;
  profilerAddress: string;
  openStackClusterConcurrency: number;
  openStackMachineConcurrency: number;
  openStackMachineTemplateConcurrency: number;
  syncPeriodMs: number;
  kubeApiQps: number;
  kubeApiBurst: number;
  webhookPort: number;
  webhookCertDir: string;
  healthAddr: string;
  lbProvider: string;
  caCerts: string;
  scopeCacheMaxSize: number;
  skipCrdMigrationPhases: string[];
  featureGates: Record<string, boolean>;
  diagnosticsAddress: string;
  insecureDiagnostics: boolean;
  tlsMinVersion: string;
  tlsCipherSuites: string[];
  verbosity: number;
  kubeconfig: string;
  metricsBindAddr: string;
}

/** Parses and validates `capo-ts manager` arguments. */
export function parseManagerArgs(argv: string[]): ManagerConfig {
  const help = argv.includes("--help") || argv.includes("-h");
  const { values, args } = parseFlags(
    managerFlags,
    argv.filter((a) => a !== "--help" && a !== "-h"),
  );
  if (args.length > 0) throw new Error(`unexpected arguments: ${args.join(" ")}`);
  // The flag table above fixes each value's type; these casts restate it.
  const str = (name: string): string => values.get(name) as string;
  const num = (name: string): number => values.get(name) as number;
  const bool = (name: string): boolean => values.get(name) as boolean;
  const list = (name: string): string[] => values.get(name) as string[];
  const cfg: ManagerConfig = {
    version: bool("version"),
    help,
    leaderElect: bool("leader-elect"),
    leaseDurationMs: num("leader-elect-lease-duration"),
    renewDeadlineMs: num("leader-elect-renew-deadline"),
    retryPeriodMs: num("leader-elect-retry-period"),
    namespace: str("namespace"),
    watchFilter: str("watch-filter"),
    profilerAddress: str("profiler-address"),
    openStackClusterConcurrency: num("openstackcluster-concurrency"),
    openStackMachineConcurrency: num("openstackmachine-concurrency"),
    openStackMachineTemplateConcurrency: num("openstackmachinetemplate-concurrency"),
    syncPeriodMs: num("sync-period"),
    kubeApiQps: num("kube-api-qps"),
    kubeApiBurst: num("kube-api-burst"),
    webhookPort: num("webhook-port"),
    webhookCertDir: str("webhook-cert-dir"),
    healthAddr: str("health-addr"),
    lbProvider: str("lb-provider"),
    caCerts: str("ca-certs"),
    scopeCacheMaxSize: num("scope-cache-max-size"),
    skipCrdMigrationPhases: list("skip-crd-migration-phases"),
    featureGates: {
      PriorityQueue: true,
      AutoScaleFromZero: false,
      ...(values.get("feature-gates") as Record<string, boolean>),
    },
    diagnosticsAddress: str("diagnostics-address"),
    insecureDiagnostics: bool("insecure-diagnostics"),
    tlsMinVersion: str("tls-min-version"),
    tlsCipherSuites: list("tls-cipher-suites"),
    verbosity: num("v"),
    kubeconfig: str("kubeconfig"),
    metricsBindAddr: str("metrics-bind-addr"),
  };
  validate(cfg);
  return cfg;
}

function validate(cfg: ManagerConfig): void {
  for (const gate of Object.keys(cfg.featureGates))
    if (!KNOWN_GATES.has(gate)) throw new Error(`unrecognized feature gate: ${gate}`);
  for (const phase of cfg.skipCrdMigrationPhases)
    if (!MIGRATION_PHASES.has(phase))
      throw new Error(`invalid value for --skip-crd-migration-phases: ${phase}`);
  for (const [name, n] of [
    ["openstackcluster-concurrency", cfg.openStackClusterConcurrency],
    ["openstackmachine-concurrency", cfg.openStackMachineConcurrency],
    ["openstackmachinetemplate-concurrency", cfg.openStackMachineTemplateConcurrency],
  ] as const)
    if (n < 1) throw new Error(`--${name} must be at least 1`);
  if (cfg.leaderElect) {
    // client-go's checks: a leader must give up before a follower may take over.
    if (cfg.leaseDurationMs <= cfg.renewDeadlineMs)
      throw new Error("--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline");
    if (cfg.renewDeadlineMs <= 1.2 * cfg.retryPeriodMs)
      throw new Error("--leader-elect-renew-deadline must be greater than 1.2 × --leader-elect-retry-period");
  }
  tlsMinVersion(cfg.tlsMinVersion);
  openSSLCiphers(cfg.tlsCipherSuites);
  if (cfg.webhookPort < 0 || cfg.webhookPort > 65535)
    throw new Error(`--webhook-port ${cfg.webhookPort} is not a port number`);
  if (cfg.verbosity < 0) throw new Error("--v must not be negative");
}

export function managerUsage(): string {
  return `Usage: capo-ts manager [flags]\n\nRuns the CAPO controllers.\n\nFlags:\n${usage(managerFlags)}\n`;
}
