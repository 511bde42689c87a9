/**
 * Who a push message goes to (JPush-style audiences; the kinds are united).
 *
 * @example
 * ```ts
 * const target: PushTarget = { homes: ['home-1'], tagsAnd: ['beta', 'cn'] };
 * ```
 */
export interface PushTarget {
  /** User ids. */
  readonly users?: readonly string[];
  /** Every member of these homes. */
  readonly homes?: readonly string[];
  /** Users having at least one of these tags (OR). */
  readonly tags?: readonly string[];
  /** Users having all of these tags (AND). */
  readonly tagsAnd?: readonly string[];
  /** Users with one of these aliases. */
  readonly aliases?: readonly string[];
  /** Every known user (callers with the `admin` role only). */
  readonly broadcast?: boolean;
}

/**
 * `high` wakes devices (APNs priority 10, FCM HIGH); `normal` may be batched.
 *
 * @example
 * ```ts
 * const priority: PushPriority = 'high';
 * ```
 */
export type PushPriority = 'high' | 'normal';

/**
 * A notification as the push app stores and delivers it.
 *
 * @example
 * ```ts
 * const expired = (m: PushMessage, nowMs: number) => m.ttlSeconds > 0 && m.expiresAtMs <= nowMs;
 * ```
 */
export interface PushMessage {
  /** The message id; accepting the same id twice keeps one message. */
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly priority: PushPriority;
  /** Time to live; 0 = deliver to connected devices now or never. */
  readonly ttlSeconds: number;
  /** A newer message with the same key replaces an undelivered older one. */
  readonly collapseKey?: string;
  /** Who sent it (`user:<id>`, `saas:<key>`, `alerts`). */
  readonly sender: string;
  readonly acceptedAtMs: number;
  /** `acceptedAtMs + ttlSeconds * 1000`. */
  readonly expiresAtMs: number;
}

/**
 * Per-device delivery state of a message (`replaced`: a newer message with its collapse key came first).
 *
 * @example
 * ```ts
 * const done = (s: DeliveryState) => s === 'acknowledged' || s === 'failed' || s === 'expired';
 * ```
 */
export type DeliveryState = 'pending' | 'delivered' | 'acknowledged' | 'expired' | 'failed' | 'replaced';

/**
 * The channel a device is reached through.
 *
 * @example
 * ```ts
 * const offline = (p: DeviceProvider) => p !== 'ws';
 * ```
 */
export type DeviceProvider = 'ws' | 'apns' | 'fcm' | 'webhook';

/**
 * A device of a user: a live app (`ws`) or an offline provider's token.
 *
 * @example
 * ```ts
 * const phone: PushDevice = { deviceId: 'iphone', provider: 'apns', token: '80f3…' };
 * ```
 */
export interface PushDevice {
  readonly deviceId: string;
  readonly provider: DeviceProvider;
  /** APNs/FCM registration token, or the webhook URL. */
  readonly token?: string;
}
