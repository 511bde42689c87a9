import { createHmac } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
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

/** What a webhook's answer may carry before the connection is dropped instead of read to its end. */
const DISCARD_LIMIT_BYTES = 131_072;
/** Origin and path of the webhook URLs seen lately (parsing one costs more than the rest of a call). */
const URL_CACHE_SIZE = 1024;

/**
 * One webhook exchange driven through undici's `dispatch()` with a raw handler: the answer's
 * status is all that matters, so there is no body stream and no promise per chunk; the body
 * is discarded as it arrives (beyond {@link DISCARD_LIMIT_BYTES} the connection is dropped,
 * the status stands).
 */
class WebhookExchange implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private received = 0;
  private settled = false;

  constructor(
    private readonly resolve: (statusCode: number) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  // undici tells the handler API apart by this method (the older one has onConnect).
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    // 1xx interim answers are followed by the final one on the same exchange.
    if (statusCode >= 200) this.statusCode = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.received += chunk.length;
    if (this.received <= DISCARD_LIMIT_BYTES) return;
    this.settle();
    controller.abort(new Error('webhook answer too large: connection dropped'));
  }

  onResponseEnd(): void {
    this.settle();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(this.statusCode);
  }
}

/** Options of {@link HttpWebhooks}. */
export interface HttpWebhooksOptions {
  /** Timeout of a call (answer headers, then each body chunk), in ms. @default 5000 */
  timeoutMs?: number;
  /**
   * Connections kept to one origin; more calls at once wait for one of them. A bound keeps
   * bursts of firings on warm keep-alive connections instead of opening (and later closing)
   * one per call in flight. @default 32
   */
  connectionsPerOrigin?: number;
  /** @default systemClock */
  clock?: Clock;
}

/**
 * {@link Webhooks} over HTTP (undici, its own connection pool per origin): JSON body,
 * idempotency key header, HMAC signature. {@link close} closes the connections.
 *
 * @example
 * ```ts
 * const webhooks = new HttpWebhooks({ timeoutMs: 5000 });
 * await webhooks.close(); // on shutdown
 * ```
 */
export class HttpWebhooks implements Webhooks {
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly agent: Agent;
  private readonly targets = new Map<string, { origin: string; path: string }>();
  constructor(options: HttpWebhooksOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.clock = options.clock ?? systemClock;
    this.agent = new Agent({ connections: options.connectionsPerOrigin ?? 32 });
  }

  /** Closes the connections (calls in flight finish first). */
  async close(): Promise<void> {
    await this.agent.close();
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
      const { origin, path } = this.target(webhook.url);
      status = await new Promise<number>((resolve, reject) => {
        this.agent.dispatch(
          {
            origin,
            path,
            method: webhook.method,
            headers,
            body,
            headersTimeout: this.timeoutMs,
            bodyTimeout: this.timeoutMs,
          },
          new WebhookExchange(resolve, reject),
        );
      });
    } catch (error) {
      throw new ActionFailedError('webhook', error instanceof Error ? error.message : String(error), true, error);
    }
    if (status >= 300) throw new ActionFailedError('webhook', `HTTP ${status}`, status >= 500 || status === 429);
  }

  private target(url: string): { origin: string; path: string } {
    let target = this.targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (this.targets.size >= URL_CACHE_SIZE) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }
}
