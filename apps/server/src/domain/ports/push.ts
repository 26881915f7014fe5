/** Web Push to a browser subscription (RFC 8030/8291/8292); infra/push implements it. */

/** A browser's PushSubscription as `toJSON()` gives it. */
export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushResult {
  /** The push service accepted the message (2xx). */
  ok: boolean;
  /** HTTP status, or null when there was no answer (network error, timeout, refused destination). */
  status: number | null;
  /**
   * The subscription can never be delivered to again and should be deleted: the push service
   * answered 404/410, the endpoint is a refused destination, or its keys are unusable.
   */
  gone: boolean;
  error: string | null;
}

export interface PushSender {
  /** The VAPID public key (base64url, uncompressed P-256 point): browsers pass it as applicationServerKey. */
  readonly publicKey: string;
  /**
   * Encrypts `payload` (as JSON) for the subscription and POSTs it. Never throws for delivery
   * trouble: every outcome is a result; ok:false with gone:false (5xx, 429, timeout, network)
   * is worth retrying later. Throws RangeError for a payload above MAX_PUSH_PAYLOAD_BYTES.
   */
  send(target: PushTarget, payload: object, options?: { ttlSeconds?: number }): Promise<PushResult>;
}
