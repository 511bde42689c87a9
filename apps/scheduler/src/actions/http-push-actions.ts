import { createHash, createHmac } from 'node:crypto';
import { request } from 'undici';
import type { DiscoveryClient } from '@lattice/discovery';
import { ActionFailedError } from '../scheduler.errors.js';
import type { PushActions, PushRequest } from './actions.interfaces.js';
import { IDEMPOTENCY_HEADER } from './http-webhooks.js';

/**
 * {@link PushActions} over the push app's internal HTTP API (`POST /push/messages`),
 * instances found through discovery (`lb://push`, port `http`).
 *
 * @example
 * ```ts
 * const push = new HttpPushActions({ discovery });
 * ```
 */
export class HttpPushActions implements PushActions {
  constructor(
    private readonly options: {
      discovery: DiscoveryClient;
      service?: string;
      timeoutMs?: number;
      /** The gateway's identity secret: the scheduler signs its identity headers with it. @default unsigned */
      identitySecret?: string | undefined;
    },
  ) {}

  /** Identity headers as the gateway would set them, for the rule's home. */
  private identity(homeId: string): Record<string, string> {
    const headers: Record<string, string> = {
      'x-lattice-user': 'scheduler',
      'x-lattice-homes': homeId,
      'x-lattice-roles': 'service',
    };
    if (this.options.identitySecret !== undefined) {
      headers['x-lattice-identity-signature'] = createHmac('sha256', this.options.identitySecret)
        .update(`scheduler\n${homeId}\nservice\n`)
        .digest('hex');
    }
    return headers;
  }

  async send(push: PushRequest): Promise<void> {
    const service = this.options.service ?? 'push';
    const instances = (await this.options.discovery.getInstances(service)).filter((i) => i.ports['http'] !== undefined);
    if (instances.length === 0) throw new ActionFailedError('push', `no instance of ${service} in discovery`, true);
    const instance = instances[Math.floor(Math.random() * instances.length)]!;
    const url = `http://${instance.host}:${instance.ports['http']}/push/messages`;
    const timeoutMs = this.options.timeoutMs ?? 5000;
    let status: number;
    try {
      const response = await request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDEMPOTENCY_HEADER]: push.idempotencyKey,
          ...this.identity(push.homeId),
        },
        body: JSON.stringify({
          // The push app deduplicates by message id (its alphabet has no '#', '@', '/').
          id: `sched:${createHash('sha256').update(push.idempotencyKey).digest('hex').slice(0, 40)}`,
          target: { homes: [push.homeId] },
          title: push.title,
          body: push.body,
          data: { ruleId: push.ruleId, firingKey: push.idempotencyKey },
        }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (error) {
      throw new ActionFailedError('push', error instanceof Error ? error.message : String(error), true, error);
    }
    if (status >= 300) throw new ActionFailedError('push', `HTTP ${status}`, status >= 500 || status === 429);
  }
}
