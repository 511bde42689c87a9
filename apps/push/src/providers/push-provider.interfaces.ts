import type { DeviceProvider, PushDevice, PushMessage } from '../push.interfaces.js';

/**
 * An offline channel (APNs, FCM, webhook). `send` resolves once the provider accepted the
 * notification and throws `ProviderError` otherwise (`tokenInvalid` for a dead token,
 * `retryable` for 429/5xx/network errors).
 *
 * @example
 * ```ts
 * await provider.send({ deviceId: 'phone', provider: 'apns', token }, message, 'alice');
 * ```
 */
export interface PushProvider {
  readonly name: DeviceProvider;
  send(device: PushDevice, message: PushMessage, userId: string): Promise<void>;
  close(): void;
}
