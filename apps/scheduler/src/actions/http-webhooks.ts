import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { Clock } from '@lattice/core';
import { systemClock } from '@lattice/core';
import { ActionFailedError } from '../scheduler.errors.js';
import type { WebhookRequest, Webhooks } from './actions.interfaces.js';

/** Header carrying the firing's idempotency key. */
export const IDEMPOTENCY_HEADER = 'x-lattice-idempotency-key';
/** Header carrying the signing time (epoch ms). */
export const TIMESTAMP_HEADER = 'x-lattice-timestamp';
/** Header carrying `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
export const SIGNATURE_HEADER = 'x-lattice-signature';

/**
 * The HMAC signature a receiver recomputes to verify a webhook.
 *
 * @example
 * ```ts
 * const ok = signature(secret, req.headers['x-lattice-timestamp'], rawBody) === req.headers['x-lattice-signature'];
 * ```
 */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * {@link Webhooks} over HTTP (undici): JSON body, idempotency key header, HMAC signature.
 *
 * @example
 * ```ts
 * const webhooks = new HttpWebhooks({ timeoutMs: 5000 });
 * ```
 */
export class HttpWebhooks implements Webhooks {
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  constructor(options: { timeoutMs?: number; clock?: Clock } = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.clock = options.clock ?? systemClock;
  }

  async call(webhook: WebhookRequest): Promise<void> {
    const body = JSON.stringify(webhook.body);
    const timestamp = String(this.clock.now());
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [IDEMPOTENCY_HEADER]: webhook.idempotencyKey,
      [TIMESTAMP_HEADER]: timestamp,
    };
    if (webhook.secret !== undefined) headers[SIGNATURE_HEADER] = signature(webhook.secret, timestamp, body);
    let status: number;
    try {
      const response = await request(webhook.url, {
        method: webhook.method,
        headers,
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (error) {
      throw new ActionFailedError('webhook', error instanceof Error ? error.message : String(error), true, error);
    }
    if (status >= 300) throw new ActionFailedError('webhook', `HTTP ${status}`, status >= 500 || status === 429);
  }
}
