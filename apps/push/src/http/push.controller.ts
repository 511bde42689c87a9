import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Put, Post, Res } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { InvalidPushMessageError, PushForbiddenError } from '../push.errors.js';
import { PushRuntime } from '../internal/push-runtime.js';
import { PushService } from '../internal/push-service.js';
import { AcceptApi, locationOf, type AcceptedView } from './accept-api.js';

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

/** Minimal response surface (Express) for headers on 202. */
interface HeaderSink {
  setHeader(name: string, value: string): void;
}

/** Push's HTTP API (reached through the gateway as /api/v1/push/...), plus its internal directory API. */
@Controller('push')
export class PushController {
  constructor(
    private readonly push: PushService,
    private readonly api: AcceptApi,
    @Inject(PushRuntime) private readonly runtime: PushRuntime,
  ) {}

  /**
   * Accepts a notification: 202 once it is stored durably. {@link AcceptEndpoint} serves the
   * common requests of this route ahead of Nest; this handler takes the rest (other content
   * types or encodings, path variants), with the same work behind it.
   */
  @Post('messages')
  @HttpCode(202)
  async send(
    @Headers() headers: IncomingHttpHeaders,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: HeaderSink,
  ): Promise<AcceptedView> {
    const view = await this.api.one(headers, body);
    res.setHeader('location', locationOf(view));
    return view;
  }

  /**
   * Accepts up to `push.maxBatch` notifications in one request (for producers sending many, as
   * JPush's and FCM's batch sends): all of them are validated and authorized first, then stored in
   * order; 202 once every one is stored. One invalid message refuses the whole batch. Served
   * ahead of Nest like {@link send}.
   */
  @Post('messages/batch')
  @HttpCode(202)
  sendBatch(@Headers() headers: IncomingHttpHeaders, @Body() body: unknown): Promise<{ messages: AcceptedView[] }> {
    return this.api.batch(headers, body);
  }

  /** Per-device delivery states of a message. */
  @Get('messages/:id')
  async status(@Headers() headers: IncomingHttpHeaders, @Param('id') id: string): Promise<Record<string, unknown>> {
    const { message, devices } = await this.push.status(id, this.api.identity(headers));
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
    const identity = this.api.self(headers, userId);
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
    this.api.self(headers, userId);
    await this.runtime.directory.removeDevice(userId, deviceId);
  }

  @Put('users/:userId/tags')
  @HttpCode(204)
  async putTags(
    @Headers() headers: IncomingHttpHeaders,
    @Param('userId') userId: string,
    @Body() body: unknown,
  ): Promise<void> {
    this.api.admin(headers);
    await this.runtime.directory.setTags(userId, parse(tagsSchema, body).tags);
  }

  @Put('users/:userId/alias')
  @HttpCode(204)
  async putAlias(
    @Headers() headers: IncomingHttpHeaders,
    @Param('userId') userId: string,
    @Body() body: unknown,
  ): Promise<void> {
    this.api.admin(headers);
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
    this.api.admin(headers);
    await this.runtime.directory.setHomeMembers(homeId, parse(membersSchema, body).users);
  }

  @Get('homes/:homeId/members')
  async getMembers(
    @Headers() headers: IncomingHttpHeaders,
    @Param('homeId') homeId: string,
  ): Promise<{ users: readonly string[] }> {
    const identity = this.api.identity(headers);
    if (!identity.roles.includes('admin') && !identity.homes.includes(homeId)) throw new PushForbiddenError(homeId);
    return { users: await this.runtime.directory.homeMembers(homeId) };
  }
}
