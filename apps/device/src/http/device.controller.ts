import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { DeviceApi, type DeviceView, type ShadowView } from '../api/device-api.js';
import { HubOfflineError, InvalidDeviceRequestError, MissingIdentityError } from '../device.errors.js';
import { LatticeError } from '@lattice/core';
import { scalarMapFrom, type ScalarMap } from '../internal/values.js';
import type { CommandRecord } from '../stores/device-stores.interfaces.js';

/** The caller as the gateway forwards it. */
interface Caller {
  readonly userId: string;
  readonly homes: readonly string[];
  readonly roles: readonly string[];
}

/**
 * Identity headers set by the gateway (after it authenticated the user).
 *
 * @example
 * ```ts
 * await fetch(`${deviceUrl}/api/v1/devices/lamp-1`, { headers: { [IDENTITY_HEADERS.user]: 'u1', [IDENTITY_HEADERS.homes]: 'home-1' } });
 * ```
 */
export const IDENTITY_HEADERS = {
  user: 'x-lattice-user',
  homes: 'x-lattice-homes',
  roles: 'x-lattice-roles',
} as const;

function callerFrom(headers: Record<string, string | string[] | undefined>): Caller {
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const user = first(headers[IDENTITY_HEADERS.user])?.trim();
  const homesHeader = first(headers[IDENTITY_HEADERS.homes]);
  if (!user || homesHeader === undefined) throw new MissingIdentityError();
  const list = (v: string | undefined): string[] =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  return { userId: user, homes: list(homesHeader), roles: list(first(headers[IDENTITY_HEADERS.roles])) };
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidDeviceRequestError('the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function scalars(value: unknown, field: string): ScalarMap {
  try {
    return scalarMapFrom(value, field);
  } catch (error) {
    throw new InvalidDeviceRequestError((error as Error).message);
  }
}

function optionalNumber(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidDeviceRequestError(`${field} must be a non-negative integer`);
  }
  return value;
}

/**
 * The device parts of the public API (served on port 3002 behind the gateway), scoped to
 * the caller's homes from the gateway's identity headers; other homes' resources are 404.
 */
@Controller('api/v1')
export class DeviceController {
  constructor(private readonly api: DeviceApi) {}

  @Post('hubs')
  @HttpCode(201)
  async provisionHub(
    @Headers() headers: Record<string, string>,
    @Body() body: unknown,
  ): Promise<{ hubId: string; secret: string; homeId: string }> {
    const caller = callerFrom(headers);
    const homeId = objectBody(body)['homeId'];
    if (typeof homeId !== 'string' || homeId === '') throw new InvalidDeviceRequestError('homeId is required');
    if (!caller.homes.includes(homeId)) {
      throw new LatticeError('DEVICE_HOME_NOT_FOUND', `Home ${homeId} does not exist in the caller's homes.`, {
        status: 404,
        data: { homeId },
      });
    }
    return this.api.provisionHub(homeId);
  }

  @Get('homes/:homeId/devices')
  async listDevices(
    @Headers() headers: Record<string, string>,
    @Param('homeId') homeId: string,
  ): Promise<{ devices: DeviceView[] }> {
    const caller = callerFrom(headers);
    if (!caller.homes.includes(homeId)) {
      throw new LatticeError('DEVICE_HOME_NOT_FOUND', `Home ${homeId} does not exist in the caller's homes.`, {
        status: 404,
        data: { homeId },
      });
    }
    return { devices: await this.api.listDevices(homeId, caller.homes) };
  }

  @Get('devices/:deviceId')
  getDevice(@Headers() headers: Record<string, string>, @Param('deviceId') deviceId: string): Promise<DeviceView> {
    return this.api.getDevice(deviceId, callerFrom(headers).homes);
  }

  @Post('devices/:deviceId/commands')
  @HttpCode(200)
  async sendCommand(
    @Headers() headers: Record<string, string>,
    @Param('deviceId') deviceId: string,
    @Body() body: unknown,
  ): Promise<CommandRecordView> {
    const caller = callerFrom(headers);
    const b = objectBody(body);
    if (typeof b['method'] !== 'string' || b['method'] === '')
      throw new InvalidDeviceRequestError('method is required');
    if (b['commandId'] !== undefined && typeof b['commandId'] !== 'string') {
      throw new InvalidDeviceRequestError('commandId must be a string');
    }
    try {
      const record = await this.api.sendCommand(
        {
          deviceId,
          method: b['method'],
          params: scalars(b['params'], 'params'),
          timeoutMs: optionalNumber(b['timeoutMs'], 'timeoutMs'),
          commandId: typeof b['commandId'] === 'string' ? b['commandId'] : '',
          queueTtlMs: optionalNumber(b['queueTtlMs'], 'queueTtlMs'),
        },
        caller.homes,
      );
      return commandView(record);
    } catch (error) {
      // The public API answers 409 for an offline hub (gRPC says FAILED_PRECONDITION).
      if (error instanceof HubOfflineError) throw new HubOfflineError(error.data.hubId, 409);
      throw error;
    }
  }

  @Get('commands/:commandId')
  async getCommand(
    @Headers() headers: Record<string, string>,
    @Param('commandId') commandId: string,
  ): Promise<CommandRecordView> {
    return commandView(await this.api.getCommand(commandId, callerFrom(headers).homes));
  }

  @Patch('devices/:deviceId/shadow')
  updateShadow(
    @Headers() headers: Record<string, string>,
    @Param('deviceId') deviceId: string,
    @Body() body: unknown,
  ): Promise<ShadowView> {
    const caller = callerFrom(headers);
    const b = objectBody(body);
    const desired = scalars(b['desired'], 'desired');
    const remove = b['remove'] ?? [];
    if (!Array.isArray(remove) || !remove.every((k): k is string => typeof k === 'string')) {
      throw new InvalidDeviceRequestError('remove must be a list of keys');
    }
    return this.api.updateDesired(deviceId, caller.homes, desired, remove);
  }
}

/** A command as the HTTP API shows it. */
export type CommandRecordView = Omit<CommandRecord, 'homeId'>;

function commandView(record: CommandRecord): CommandRecordView {
  const { homeId: _homeId, ...rest } = record;
  return rest;
}
