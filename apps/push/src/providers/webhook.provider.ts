import { createHmac } from 'node:crypto';
import { systemClock, type Clock } from '@lattice/core';
import { ProviderError } from '../push.errors.js';
import type { PushDevice, PushMessage } from '../push.interfaces.js';
import { retryAfterMs } from './http2-endpoint.js';
import type { PushProvider } from './push-provider.interfaces.js';

/** Webhook settings (SaaS partners). */
export interface WebhookSettings {
  /** Key of the HMAC-SHA256 signature. */
  secret: string;
  /** Per-request deadline. @default 10000 */
  timeoutMs?: number;
}

/**
 * Posts the notification as JSON to the device's URL (its `token`), signed with
 * `x-lattice-signature` = hex HMAC-SHA256(secret, `${x-lattice-timestamp}\n${body}`).
 * 404/410 mark the URL dead; 429 and 5xx are retryable.
 *
 * @example
 * ```ts
 * const webhook = new WebhookProvider({ secret: 's3cret' });
 * await webhook.send({ deviceId: 'crm', provider: 'webhook', token: 'https://partner.example/hooks/push' }, message, 'alice');
 * ```
 */
export class WebhookProvider implements PushProvider {
  readonly name = 'webhook' as const;

  constructor(
    private readonly settings: WebhookSettings,
    private readonly clock: Clock = systemClock,
  ) {}

  async send(device: PushDevice, message: PushMessage, userId: string): Promise<void> {
    const body = JSON.stringify({
      id: message.id,
      userId,
      deviceId: device.deviceId,
      title: message.title,
      body: message.body,
      data: message.data,
      priority: message.priority,
      expiresAtMs: message.expiresAtMs,
    });
    const timestamp = String(this.clock.now());
    const signature = createHmac('sha256', this.settings.secret).update(`${timestamp}\n${body}`).digest('hex');
    let response: Response;
    try {
      response = await fetch(device.token ?? '', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-lattice-timestamp': timestamp,
          'x-lattice-signature': signature,
        },
        body,
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
    } catch (error) {
      throw new ProviderError('webhook', 0, error instanceof Error ? error.message : String(error), {
        retryable: true,
        cause: error,
      });
    }
    if (response.ok) return;
    const after = retryAfterMs(response.headers.get('retry-after'), this.clock.now());
    throw new ProviderError('webhook', response.status, response.statusText || 'error', {
      tokenInvalid: response.status === 404 || response.status === 410,
      retryable: response.status === 429 || response.status >= 500,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    });
  }

  close(): void {}
}
