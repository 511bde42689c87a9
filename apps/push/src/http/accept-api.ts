import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { ApplicationConfig } from '@lattice/boot';
import { RateLimitPolicy } from '@lattice/resilience';
import { MetricsRegistry } from '@lattice/telemetry';
import { PushForbiddenError } from '../push.errors.js';
import { readIdentity, type Identity } from '../internal/identity.js';
import { PushRuntime } from '../internal/push-runtime.js';
import { PushService, senderOf } from '../internal/push-service.js';
import type { AcceptResult } from '../stores/push-store.interfaces.js';

/** The 202 answer for one accepted message. */
export interface AcceptedView {
  readonly id: string;
  readonly duplicate: boolean;
  readonly recipients: number;
  readonly acceptedAtMs: number;
  readonly expiresAtMs: number;
}

function acceptedView(result: AcceptResult): AcceptedView {
  return {
    id: result.message.id,
    duplicate: !result.created,
    recipients: result.recipients.length,
    acceptedAtMs: result.message.acceptedAtMs,
    expiresAtMs: result.message.expiresAtMs,
  };
}

/** The `Location` of an accepted message (its status resource). */
export function locationOf(view: AcceptedView): string {
  return `/push/messages/${encodeURIComponent(view.id)}`;
}

/**
 * The accept API's work — identity, rate limits, validation, authorization, durable store —
 * shared by the Nest controller and the front endpoint that serves the hot accept routes, so
 * both answer alike and draw on the same rate-limit buckets.
 */
@Injectable()
export class AcceptApi {
  private readonly perSender: RateLimitPolicy;
  private readonly perApp: RateLimitPolicy;

  constructor(
    private readonly push: PushService,
    @Inject(PushRuntime) runtime: PushRuntime,
    private readonly config: ApplicationConfig,
    metrics: MetricsRegistry,
  ) {
    const { limits } = runtime.settings;
    const wiring = { clock: runtime.clock, metrics };
    this.perSender = new RateLimitPolicy(
      { hotParam: { qps: limits.perSenderQps } },
      { ...wiring, name: 'push.sender' },
    );
    this.perApp = new RateLimitPolicy({ hotParam: { qps: limits.perAppQps } }, { ...wiring, name: 'push.app' });
  }

  /** Accepts one notification; resolves once it is stored durably. */
  one(headers: IncomingHttpHeaders, body: unknown): Promise<AcceptedView> {
    const identity = this.identity(headers);
    const sender = senderOf(identity);
    return this.admit(identity, sender, async () => {
      const request = this.push.parse(body);
      this.push.authorize(identity, request.target);
      return acceptedView(await this.push.accept(request, sender));
    });
  }

  /**
   * Accepts up to `push.maxBatch` notifications: all of them are validated and authorized
   * first, then stored in order; one invalid message refuses the whole batch.
   */
  async batch(headers: IncomingHttpHeaders, body: unknown): Promise<{ messages: AcceptedView[] }> {
    const identity = this.identity(headers);
    const sender = senderOf(identity);
    const requests = this.push.parseBatch(body);
    for (const request of requests) this.push.authorize(identity, request.target);
    // One permit per message, so batching does not get around the limits.
    for (let i = 1; i < requests.length; i++) await this.admit(identity, sender, () => undefined);
    return this.admit(identity, sender, async () => ({
      messages: (await this.push.acceptBatch(requests, sender)).map(acceptedView),
    }));
  }

  /** The caller as the gateway vouches for it (401 without a valid identity). */
  identity(headers: IncomingHttpHeaders): Identity {
    return readIdentity(headers, this.config.get<string | undefined>('gateway.identitySecret'));
  }

  /** The caller, who must be `userId` itself, a SaaS partner or an admin. */
  self(headers: IncomingHttpHeaders, userId: string): Identity {
    const identity = this.identity(headers);
    if (identity.user !== userId && identity.saasKey === '' && !identity.roles.includes('admin'))
      throw new PushForbiddenError(`users:${userId}`);
    return identity;
  }

  /** The caller, who must be an admin. */
  admin(headers: IncomingHttpHeaders): Identity {
    const identity = this.identity(headers);
    if (!identity.roles.includes('admin')) throw new PushForbiddenError('admin');
    return identity;
  }

  /** Runs `call` within the per-app and per-sender limits (429 when either is exhausted). */
  private admit<T>(identity: Identity, sender: string, call: () => Promise<T> | T): Promise<T> {
    const app = identity.saasKey !== '' ? `saas:${identity.saasKey}` : 'first-party';
    return this.perApp.execute(() => this.perSender.execute(call, { key: 'push.sender', param: sender }), {
      key: 'push.app',
      param: app,
    });
  }
}
