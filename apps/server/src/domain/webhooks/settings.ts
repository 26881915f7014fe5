/** Webhook behaviour from configuration. */
export interface WebhookSettings {
  /** Wait before each retry; its length + 1 is the number of attempts. */
  retryScheduleMs: number[];
  timeoutMs: number;
  /** An endpoint failing without a single success for this long is switched off. */
  disableAfterMs: number;
  /** How long the secret before a rotation keeps being signed with. */
  rotationOverlapMs: number;
}
