import { LatticeError, newId, type Clock } from '@lattice/core';
import type { Counter, Logger, MetricsRegistry } from '@lattice/telemetry';
import type { DeviceSettings } from '../config/device-settings.js';
import {
  CommandConflictError,
  CommandNotFoundError,
  DeviceNotFoundError,
  HubOfflineError,
  InvalidDeviceRequestError,
} from '../device.errors.js';
import type { HubLinkService } from '../hub-link/hub-link.service.js';
import { hashHubSecret, newHubSecret } from '../internal/hub-secrets.js';
import type { ScalarMap } from '../internal/values.js';
import type { DeviceEvents } from '../internal/device-events.js';
import {
  TERMINAL_STATUSES,
  type CommandRecord,
  type CommandStore,
  type DeviceRecord,
  type DeviceStore,
  type HubRoute,
  type HubStore,
  type ShadowDocument,
  type ShadowStore,
} from '../stores/device-stores.interfaces.js';

/** A device as the APIs show it: registry entry, presence and shadow. */
export interface DeviceView {
  readonly deviceId: string;
  readonly hubId: string;
  readonly homeId: string;
  readonly model: string;
  readonly capabilities: readonly string[];
  readonly online: boolean;
  readonly lastSeenMs: number;
  readonly shadow: ShadowView;
}

/** A shadow with its derived delta (desired keys whose value differs from reported). */
export interface ShadowView {
  readonly deviceId: string;
  readonly reported: ScalarMap;
  readonly desired: ScalarMap;
  readonly delta: ScalarMap;
  readonly version: number;
  readonly updatedAtMs: number;
}

/** A command request, from gRPC or HTTP. */
export interface CommandRequest {
  readonly deviceId: string;
  readonly method: string;
  readonly params: ScalarMap;
  readonly timeoutMs: number;
  readonly commandId: string;
  readonly queueTtlMs: number;
}

/** Sends a command to the replica holding the hub (instance-addressed gRPC). */
export type RemoteDelivery = (route: HubRoute, record: CommandRecord, timeoutMs: number) => Promise<CommandRecord>;

/** What the device API needs. */
export interface DeviceApiDeps {
  readonly settings: DeviceSettings;
  readonly instanceId: string;
  readonly hubs: HubStore;
  readonly devices: DeviceStore;
  readonly shadows: ShadowStore;
  readonly commands: CommandStore;
  readonly link: HubLinkService;
  readonly events: DeviceEvents;
  readonly metrics: MetricsRegistry;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly remote: RemoteDelivery;
  readonly remoteSyncDesired: (route: HubRoute, deviceId: string) => Promise<void>;
}

/** Errors meaning "the replica in the route is gone or no longer holds the hub". */
function isRouteGone(error: unknown): boolean {
  if (!LatticeError.isLatticeError(error)) return false;
  const remote = typeof error.data['remoteCode'] === 'string' ? error.data['remoteCode'] : undefined;
  return (
    error.code === 'RPC_INSTANCE_NOT_FOUND' ||
    error.code === 'RPC_UNAVAILABLE' ||
    error.code === 'RPC_NO_PORT' ||
    error.code === 'DEVICE_HUB_NOT_HELD' ||
    remote === 'DEVICE_HUB_NOT_HELD'
  );
}

/**
 * The device API shared by the internal gRPC service and the HTTP controller: provisioning,
 * devices with presence and shadows, desired state, and commands routed to the replica that
 * holds the hub's stream. Every read is scoped to the caller's homes (others look missing).
 *
 * @example
 * ```ts
 * const api = app.nest.get(DeviceApi);
 * const device = await api.getDevice('lamp-1', ['home-1']);
 * const result = await api.sendCommand({ deviceId: 'lamp-1', method: 'turnOn', params: {}, timeoutMs: 5000, commandId: '', queueTtlMs: 0 }, ['home-1']);
 * ```
 */
export class DeviceApi {
  private readonly commandsCounter: Counter<'status'>;

  constructor(private readonly deps: DeviceApiDeps) {
    this.commandsCounter = deps.metrics.counter({
      name: 'lattice_device_commands_total',
      help: 'Commands by outcome as answered to callers',
      labelNames: ['status'],
    });
  }

  /** Creates a hub in a home; the secret is returned once and stored as a salted hash. */
  async provisionHub(homeId: string): Promise<{ hubId: string; secret: string; homeId: string }> {
    if (!homeId) throw new InvalidDeviceRequestError('homeId is required');
    const { settings, clock } = this.deps;
    const hubId = `hub-${newId()}`;
    const secret = newHubSecret();
    const secretHash = await hashHubSecret(secret, settings.hubSecretPepper, settings.secretHashCost);
    await this.deps.hubs.create({ hubId, homeId, secretHash, createdAtMs: clock.now() });
    this.deps.logger.info({ hubId, homeId }, 'hub provisioned');
    return { hubId, secret, homeId };
  }

  async getDevice(deviceId: string, homes: readonly string[]): Promise<DeviceView> {
    const device = await this.scopedDevice(deviceId, homes);
    return (await this.views([device]))[0] as DeviceView;
  }

  async listDevices(homeId: string, homes: readonly string[]): Promise<DeviceView[]> {
    if (!homes.includes(homeId)) return [];
    return this.views(await this.deps.devices.listByHome(homeId));
  }

  async getShadow(deviceId: string, homes: readonly string[]): Promise<ShadowView> {
    await this.scopedDevice(deviceId, homes);
    return shadowView(deviceId, await this.deps.shadows.get(deviceId));
  }

  /** Changes desired state; the hub gets a `desired` frame now if online (and again on reconnect). */
  async updateDesired(
    deviceId: string,
    homes: readonly string[],
    set: ScalarMap,
    remove: readonly string[],
  ): Promise<ShadowView> {
    const device = await this.scopedDevice(deviceId, homes);
    const { clock, hubs, link, instanceId, logger } = this.deps;
    const doc = await this.deps.shadows.updateDesired(deviceId, set, remove, clock.now());
    const route = await hubs.getRoute(device.hubId);
    if (route !== undefined) {
      try {
        if (route.instanceId === instanceId) await link.syncDesired(device.hubId, deviceId, route.epoch);
        else await this.deps.remoteSyncDesired(route, deviceId);
      } catch (error) {
        // The hub gets it on its next connection anyway.
        logger.warn({ err: error, deviceId }, 'desired state could not be pushed to the hub now');
      }
    }
    void this.deps.events.publish({
      type: 'device.desired',
      tsMs: clock.now(),
      homeId: device.homeId,
      hubId: device.hubId,
      deviceId,
      data: { desired: doc.desired, version: doc.version },
    });
    return shadowView(deviceId, doc);
  }

  async getCommand(commandId: string, homes: readonly string[]): Promise<CommandRecord> {
    const record = await this.deps.commands.get(commandId);
    if (record === undefined || !homes.includes(record.homeId)) throw new CommandNotFoundError(commandId);
    return this.expireIfDue(record);
  }

  /**
   * Sends a command and waits for the hub's result up to the deadline (`callerRemainingMs`
   * caps it). Offline hub: HUB_OFFLINE at once, or QUEUED when `queueTtlMs` > 0.
   */
  async sendCommand(
    request: CommandRequest,
    homes: readonly string[],
    callerRemainingMs = Infinity,
  ): Promise<CommandRecord> {
    const { settings, clock, commands, hubs } = this.deps;
    if (!request.method) throw new InvalidDeviceRequestError('method is required');
    if (request.queueTtlMs < 0 || request.queueTtlMs > settings.maxQueueTtlMs) {
      throw new InvalidDeviceRequestError(`queueTtlMs must be between 0 and ${settings.maxQueueTtlMs}`);
    }
    const device = await this.scopedDevice(request.deviceId, homes);
    const requested = request.timeoutMs > 0 ? request.timeoutMs : settings.commandTimeoutMs;
    const timeoutMs = Math.max(1, Math.min(requested, settings.maxCommandTimeoutMs, callerRemainingMs));
    const commandId = request.commandId || newId();
    const now = clock.now();

    // A fresh id cannot exist yet; only a caller-chosen one needs the idempotency read.
    const existing = request.commandId ? await commands.get(commandId) : undefined;
    if (existing !== undefined) return this.idempotent(existing, request, device);

    const routes = this.deps.link.routes;
    const cached = routes.get(device.hubId);
    const route = cached ?? (await hubs.getRoute(device.hubId));
    if (cached === undefined && route !== undefined) routes.set(route);
    const base: CommandRecord = {
      commandId,
      deviceId: device.deviceId,
      hubId: device.hubId,
      homeId: device.homeId,
      method: request.method,
      params: request.params,
      status: 'SENT',
      result: {},
      error: '',
      createdAtMs: now,
      updatedAtMs: now,
      expiresAtMs: request.queueTtlMs > 0 ? now + request.queueTtlMs : 0,
      timeoutMs,
    };
    if (route === undefined) return this.offline(base, request);
    if (!(await commands.create(base, settings.commandRetentionMs))) {
      const raced = await commands.get(commandId);
      if (raced) return this.idempotent(raced, request, device);
    }
    try {
      const done = await this.dispatch(route, base, timeoutMs);
      this.commandsCounter.inc({ status: done.status });
      return done;
    } catch (error) {
      if (!isRouteGone(error)) {
        this.commandsCounter.inc({ status: LatticeError.isLatticeError(error) ? error.code : 'ERROR' });
        throw error;
      }
      // The route pointed at a replica that is gone or no longer holds the hub: try the current route once.
      routes.forget(device.hubId, route.epoch);
      const fresh = await hubs.getRoute(device.hubId);
      if (fresh !== undefined) routes.set(fresh);
      if (fresh !== undefined && (fresh.instanceId !== route.instanceId || fresh.epoch !== route.epoch)) {
        try {
          const done = await this.dispatch(fresh, base, Math.max(1, base.createdAtMs + timeoutMs - clock.now()));
          this.commandsCounter.inc({ status: done.status });
          return done;
        } catch (second) {
          if (!isRouteGone(second)) throw second;
        }
      }
      return this.offline(base, request, true);
    }
  }

  private dispatch(route: HubRoute, record: CommandRecord, timeoutMs: number): Promise<CommandRecord> {
    if (route.instanceId === this.deps.instanceId) return this.deps.link.deliver(record, route.epoch, timeoutMs);
    return this.deps.remote(route, record, timeoutMs);
  }

  /**
   * Replica-to-replica half of SendCommand: the record (status SENT) is in the shared store;
   * the request carries what the hub needs, so nothing is read back here.
   */
  async deliverHere(
    command: Pick<CommandRecord, 'commandId' | 'hubId' | 'deviceId' | 'method' | 'params'>,
    epoch: number,
    deadlineMs: number,
  ): Promise<CommandRecord> {
    const now = this.deps.clock.now();
    const timeoutMs = Math.max(1, deadlineMs - now);
    const record: CommandRecord = {
      ...command,
      homeId: '',
      status: 'SENT',
      result: {},
      error: '',
      createdAtMs: now,
      updatedAtMs: now,
      expiresAtMs: 0,
      timeoutMs,
    };
    return this.deps.link.deliver(record, epoch > 0 ? epoch : undefined, timeoutMs);
  }

  private async offline(record: CommandRecord, request: CommandRequest, created = false): Promise<CommandRecord> {
    const { commands, settings, clock } = this.deps;
    if (request.queueTtlMs <= 0) {
      if (created) {
        await commands.transition(record.commandId, ['SENT'], {
          status: 'FAILED',
          error: 'HUB_OFFLINE',
          updatedAtMs: clock.now(),
        });
      }
      this.commandsCounter.inc({ status: 'HUB_OFFLINE' });
      throw new HubOfflineError(record.hubId);
    }
    const queued: CommandRecord = { ...record, status: 'QUEUED' };
    if (created) {
      await commands.transition(record.commandId, ['SENT'], { status: 'QUEUED', updatedAtMs: clock.now() });
    } else if (!(await commands.create(queued, Math.max(settings.commandRetentionMs, request.queueTtlMs)))) {
      return (await commands.get(record.commandId)) ?? queued;
    }
    await commands.enqueue(record.hubId, record.commandId);
    this.commandsCounter.inc({ status: 'QUEUED' });
    return (await commands.get(record.commandId)) ?? queued;
  }

  private async idempotent(
    existing: CommandRecord,
    request: CommandRequest,
    device: DeviceRecord,
  ): Promise<CommandRecord> {
    if (existing.deviceId !== device.deviceId || existing.method !== request.method) {
      throw new CommandConflictError(existing.commandId);
    }
    return this.expireIfDue(existing);
  }

  private async expireIfDue(record: CommandRecord): Promise<CommandRecord> {
    if (record.status !== 'QUEUED' || record.expiresAtMs > this.deps.clock.now()) return record;
    const expired = await this.deps.commands.transition(record.commandId, ['QUEUED'], {
      status: 'EXPIRED',
      updatedAtMs: this.deps.clock.now(),
    });
    return expired ?? (await this.deps.commands.get(record.commandId)) ?? record;
  }

  private async scopedDevice(deviceId: string, homes: readonly string[]): Promise<DeviceRecord> {
    const device = deviceId ? await this.deps.devices.get(deviceId) : undefined;
    if (device === undefined || !homes.includes(device.homeId)) throw new DeviceNotFoundError(deviceId);
    return device;
  }

  private async views(devices: readonly DeviceRecord[]): Promise<DeviceView[]> {
    const hubIds = [...new Set(devices.map((d) => d.hubId))];
    const presence = await this.deps.hubs.presence(hubIds);
    const byHub = new Map(hubIds.map((id, i) => [id, presence[i]]));
    return Promise.all(
      devices.map(async (d) => {
        const p = byHub.get(d.hubId);
        return {
          deviceId: d.deviceId,
          hubId: d.hubId,
          homeId: d.homeId,
          model: d.model,
          capabilities: [...d.capabilities],
          online: p?.online ?? false,
          lastSeenMs: p?.lastSeenMs ?? 0,
          shadow: shadowView(d.deviceId, await this.deps.shadows.get(d.deviceId)),
        };
      }),
    );
  }
}

/** Terminal or not. */
export function isTerminal(record: CommandRecord): boolean {
  return TERMINAL_STATUSES.includes(record.status);
}

/** A shadow document with its delta; an empty one for a device that never reported. */
export function shadowView(deviceId: string, doc: ShadowDocument | undefined): ShadowView {
  const reported = doc?.reported ?? {};
  const desired = doc?.desired ?? {};
  const delta: ScalarMap = {};
  for (const [key, value] of Object.entries(desired)) if (reported[key] !== value) delta[key] = value;
  return { deviceId, reported, desired, delta, version: doc?.version ?? 0, updatedAtMs: doc?.updatedAtMs ?? 0 };
}
