export {
  alertId,
  alertText,
  buildAlert,
  redactSecrets,
  type Alert,
  type AlertKind,
  type AlertPayload,
  type AlertSource,
} from "./alert.js";
export { isWebhookDeliveryError, WebhookDeliveryError } from "./errors.js";
export type { ExitGuard, GuardEventSource } from "./source.js";
export { WebhookHook, type WebhookEvents, type WebhookHookOptions } from "./webhook.js";
