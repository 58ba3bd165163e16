// capo-ts's webhook server: conversion between every served version and the v1beta1 validating and
// defaulting webhooks, on one HTTPS port.
import { converter } from "../api/conversion/index.ts";
import { v1beta1Admission } from "./kinds.ts";
import { startWebhookServer, type WebhookServer, type WebhookServerOptions } from "./server.ts";

export {
  ConversionPath,
  DefaultCertDir,
  DefaultWebhookPort,
  webhookPath,
  type WebhookServer,
} from "./server.ts";

export function startWebhooks(
  options: Omit<WebhookServerOptions, "converter" | "admission"> = {},
): Promise<WebhookServer> {
  return startWebhookServer({ ...options, converter, admission: v1beta1Admission });
}
