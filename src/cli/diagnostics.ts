// Where the manager serves /metrics, from CAPI's diagnostics flags: --diagnostics-address over HTTPS with
// authentication and authorization by the apiserver, or over plain HTTP with --insecure-diagnostics; and
// capo-ts's own --metrics-bind-addr, a plain listener besides (or instead of) it.
import type { ManagerOptions } from "../runtime/manager.ts";
import type { ManagerConfig } from "./manager-config.ts";
import { serverTLS } from "./tls.ts";

type DiagnosticsFlags = Pick<
  ManagerConfig,
  "diagnosticsAddress" | "insecureDiagnostics" | "metricsBindAddr" | "tlsMinVersion" | "tlsCipherSuites"
>;

export function metricsListeners(
  cfg: DiagnosticsFlags,
): Pick<ManagerOptions, "metricsAddr" | "secureMetricsAddr" | "secureMetricsTLS"> {
  if (cfg.insecureDiagnostics)
    return { metricsAddr: cfg.metricsBindAddr !== "" ? cfg.metricsBindAddr : cfg.diagnosticsAddress };
  return {
    metricsAddr: cfg.metricsBindAddr,
    secureMetricsAddr: cfg.diagnosticsAddress,
    secureMetricsTLS: serverTLS(cfg.tlsMinVersion, cfg.tlsCipherSuites),
  };
}
