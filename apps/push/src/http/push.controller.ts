import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Put, Post, Res } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { ApplicationConfig } from '@lattice/boot';
import { RateLimitPolicy } from '@lattice/resilience';
import { MetricsRegistry } from '@lattice/telemetry';
import { InvalidPushMessageError, PushForbiddenError } from '../push.errors.js';
import { readIdentity, type Identity } from '../internal/identity.js';
import { PushRuntime } from '../internal/push-runtime.js';
import { PushService, senderOf } from '../internal/push-service.js';
import type { AcceptResult } from '../stores/push-store.interfaces.js';

const deviceSchema = z.object({
  provider: z.enum(['apns', 'fcm', 'webhook']),
  token: z.string().min(1).max(4096),
});
const membersSchema = z.object({ users: z.array(z.string().min(1).max(200)).max(10_000) });
const tagsSchema = z.object({ tags: z.array(z.string().min(1).max(200)).max(100) });
const aliasSchema = z.object({ alias: z.string().min(1).max(200) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new InvalidPushMessageError(
      parsed.error.issues.map((i) => `${i.path.length === 0 ? '(body)' : i.path.join('.')}: ${i.message}`),
    );
  return parsed.data;
}

/** The 202 answer for one accepted message. */
interface AcceptedView {
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

/** Minimal response surface (Express) for headers on 202. */
interface HeaderSink {
  setHeader(name: string, value: string): void;
}

/** Push's HTTP API (reached through the gateway as /api/v1/push/...), plus its internal directory API. */
@Controller('push')
export class PushController {
  private readonly perSender: RateLimitPolicy;
  private readonly perApp: RateLimitPolicy;

  constructor(
    private readonly push: PushService,
    @Inject(PushRuntime) private readonly runtime: PushRuntime,
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

  /** Accepts a notification: 202 once it is stored durably. */
  @Post('messages')
  @HttpCode(202)
  async send(
    @Headers() headers: IncomingHttpHeaders,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: HeaderSink,
  ): Promise<AcceptedView> {
    const identity = this.identity(headers);
    const sender = senderOf(identity);
    return this.admit(identity, sender, async () => {
      const request = this.push.parse(body);
      this.push.authorize(identity, request.target);
      const result = await this.push.accept(request, sender);
      res.setHeader('location', `/push/messages/${encodeURIComponent(result.message.id)}`);
      return acceptedView(result);
    });
  }

  /**
   * Accepts up to `push.maxBatch` notifications in one request (for producers sending many, as
   * JPush's and FCM's batch sends): all of them are validated and authorized first, then stored in
   * order; 202 once every one is stored. One invalid message refuses the whole batch.
   */
  @Post('messages/batch')
  @HttpCode(202)
  async sendBatch(
    @Headers() headers: IncomingHttpHeaders,
    @Body() body: unknown,
  ): Promise<{ messages: AcceptedView[] }> {
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

  /** Per-device delivery states of a message. */
  @Get('messages/:id')
  async status(@Headers() headers: IncomingHttpHeaders, @Param('id') id: string): Promise<Record<string, unknown>> {
    const { message, devices } = await this.push.status(id, this.identity(headers));
    return {
      id: message.id,
      title: message.title,
      acceptedAtMs: message.acceptedAtMs,
      expiresAtMs: message.expiresAtMs,
      collapseKey: message.collapseKey ?? null,
      devices,
    };
  }

  /** Registers an offline device (APNs/FCM token, or a webhook URL for SaaS partners). */
  @Put('users/:userId/devices/:deviceId')
  @HttpCode(204)
  async putDevice(
    @Headers() headers: IncomingHttpHeaders,
    @Param('userId') userId: string,
    @Param('deviceId') deviceId: string,
    @Body() body: unknown,
  ): Promise<void> {
    const identity = this.self(headers, userId);
    const device = parse(deviceSchema, body);
    // A webhook makes push call a URL: only partners and admins may point it somewhere.
    if (device.provider === 'webhook' && identity.saasKey === '' && !identity.roles.includes('admin'))
      throw new PushForbiddenError(`webhook:${userId}`);
    await this.runtime.directory.putDevice(userId, { deviceId, provider: device.provider, token: device.token });
  }

  @Delete('users/:userId/devices/:deviceId')
  @HttpCode(204)
  async deleteDevice(
    @Headers() headers: IncomingHttpHeaders,
    @Param('userId') userId: string,
    @Param('deviceId') deviceId: string,
  ): Promise<void> {
    this.self(headers, userId);
    await this.runtime.directory.removeDevice(userId, deviceId);
  }

  @Put('users/:userId/tags')
  @HttpCode(204)
  async putTags(
    @Headers() headers: IncomingHttpHeaders,
    @Param('userId') userId: string,
    @Body() body: unknown,
  ): Promise<void> {
    this.admin(headers);
    await this.runtime.directory.setTags(userId, parse(tagsSchema, body).tags);
  }

  @Put('users/:userId/alias')
  @HttpCode(204)
  async putAlias(
    @Headers() headers: IncomingHttpHeaders,
    @Param('userId') userId: string,
    @Body() body: unknown,
  ): Promise<void> {
    this.admin(headers);
    await this.runtime.directory.setAlias(userId, parse(aliasSchema, body).alias);
  }

  /** Internal: the members of a home (push's own store until a user service exists). */
  @Put('homes/:homeId/members')
  @HttpCode(204)
  async putMembers(
    @Headers() headers: IncomingHttpHeaders,
    @Param('homeId') homeId: string,
    @Body() body: unknown,
  ): Promise<void> {
    this.admin(headers);
    await this.runtime.directory.setHomeMembers(homeId, parse(membersSchema, body).users);
  }

  @Get('homes/:homeId/members')
  async getMembers(
    @Headers() headers: IncomingHttpHeaders,
    @Param('homeId') homeId: string,
  ): Promise<{ users: readonly string[] }> {
    const identity = this.identity(headers);
    if (!identity.roles.includes('admin') && !identity.homes.includes(homeId)) throw new PushForbiddenError(homeId);
    return { users: await this.runtime.directory.homeMembers(homeId) };
  }

  /** Runs `call` within the per-app and per-sender limits (429 when either is exhausted). */
  private admit<T>(identity: Identity, sender: string, call: () => Promise<T> | T): Promise<T> {
    const app = identity.saasKey !== '' ? `saas:${identity.saasKey}` : 'first-party';
    return this.perApp.execute(() => this.perSender.execute(call, { key: 'push.sender', param: sender }), {
      key: 'push.app',
      param: app,
    });
  }

  private identity(headers: IncomingHttpHeaders): Identity {
    return readIdentity(headers, this.config.get<string | undefined>('gateway.identitySecret'));
  }

  private self(headers: IncomingHttpHeaders, userId: string): Identity {
    const identity = this.identity(headers);
    if (identity.user !== userId && identity.saasKey === '' && !identity.roles.includes('admin'))
      throw new PushForbiddenError(`users:${userId}`);
    return identity;
  }

  private admin(headers: IncomingHttpHeaders): Identity {
    const identity = this.identity(headers);
    if (!identity.roles.includes('admin')) throw new PushForbiddenError('admin');
    return identity;
  }
}
