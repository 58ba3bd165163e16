import assert from "node:assert/strict";
import { test } from "node:test";
import { metricsListeners } from "./diagnostics.ts";
import { parseManagerArgs } from "./manager-config.ts";

const listeners = (...argv: string[]) => metricsListeners(parseManagerArgs(argv));

test("--diagnostics-address is served over HTTPS with the --tls-* settings unless insecure", () => {
  assert.deepEqual(listeners(), {
    metricsAddr: "",
    secureMetricsAddr: ":8443",
    secureMetricsTLS: { minVersion: "TLSv1.2" },
  });
  assert.deepEqual(
    listeners(
      "--diagnostics-address=127.0.0.1:0",
      "--tls-min-version=VersionTLS13",
      "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    ).secureMetricsTLS,
    {
      minVersion: "TLSv1.3",
      ciphers:
        "ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
    },
  );
});

test("--insecure-diagnostics serves the same address as plain HTTP, and nothing over HTTPS", () => {
  assert.deepEqual(listeners("--insecure-diagnostics"), { metricsAddr: ":8443" });
});

test("--metrics-bind-addr adds a plain listener, or replaces the insecure one", () => {
  assert.deepEqual(listeners("--metrics-bind-addr=:8080", "--diagnostics-address=0"), {
    metricsAddr: ":8080",
    secureMetricsAddr: "0",
    secureMetricsTLS: { minVersion: "TLSv1.2" },
  });
  assert.deepEqual(listeners("--metrics-bind-addr=:8080", "--insecure-diagnostics"), {
    metricsAddr: ":8080",
  });
});
