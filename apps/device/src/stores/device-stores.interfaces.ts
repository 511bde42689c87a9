import type { ScalarMap } from '../internal/values.js';

/** A provisioned hub: its home and the salted hash of its secret (never the secret). */
export interface HubRecord {
  readonly hubId: string;
  readonly homeId: string;
  readonly secretHash: string;
  readonly createdAtMs: number;
}

/** Which instance holds a hub's stream; the epoch grows with every connection of the hub. */
export interface HubRoute {
  readonly hubId: string;
  readonly instanceId: string;
  readonly epoch: number;
  readonly connectedAtMs: number;
}

/** A hub's presence: online while a route exists, and when it was last heard from. */
export interface HubPresence {
  readonly online: boolean;
  readonly lastSeenMs: number;
}

/**
 * Hub credentials, hub → instance routes with connection epochs, and presence. A route
 * lives `ttlMs` unless refreshed, so routes of a crashed instance disappear on their own.
 *
 * @example
 * ```ts
 * const { route } = await hubs.claimRoute('hub-1', 'device-a', Date.now(), 90_000);
 * await hubs.releaseRoute('hub-1', route.epoch, Date.now()); // false if a newer connection took over
 * ```
 */
export interface HubStore {
  /** Stores a new hub. */
  create(hub: HubRecord): Promise<void>;
  get(hubId: string): Promise<HubRecord | undefined>;
  /** Makes `instanceId` the holder with a new epoch; returns it and the route it replaced. */
  claimRoute(
    hubId: string,
    instanceId: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<{ route: HubRoute; previous: HubRoute | undefined }>;
  getRoute(hubId: string): Promise<HubRoute | undefined>;
  /** Extends the routes whose epoch still matches and records last-seen; answers which still match. */
  refreshRoutes(
    routes: readonly { hubId: string; epoch: number; lastSeenMs: number }[],
    ttlMs: number,
  ): Promise<boolean[]>;
  /** Removes the route if its epoch still matches (the hub went offline); records last-seen. */
  releaseRoute(hubId: string, epoch: number, lastSeenMs: number): Promise<boolean>;
  presence(hubIds: readonly string[]): Promise<HubPresence[]>;
}

/** Injection token of the {@link HubStore}. */
export const HubStore = Symbol('LATTICE:DEVICE:HUB_STORE');

/** A sub-device: on one hub, in that hub's home. */
export interface DeviceRecord {
  readonly deviceId: string;
  readonly hubId: string;
  readonly homeId: string;
  readonly model: string;
  readonly capabilities: readonly string[];
}

/**
 * The device registry: which devices each hub reports, indexed by hub and by home.
 *
 * @example
 * ```ts
 * await devices.upsert([{ deviceId: 'lamp-1', hubId: 'hub-1', homeId: 'home-1', model: 'bulb', capabilities: ['onoff'] }]);
 * await devices.listByHome('home-1');
 * ```
 */
export interface DeviceStore {
  /** Adds or updates devices; a device moving to another hub leaves the old hub's list. */
  upsert(devices: readonly DeviceRecord[]): Promise<void>;
  /** Removes those of `deviceIds` that are on `hubId`; returns the removed ids. */
  remove(hubId: string, deviceIds: readonly string[]): Promise<string[]>;
  get(deviceId: string): Promise<DeviceRecord | undefined>;
  listByHub(hubId: string): Promise<DeviceRecord[]>;
  listByHome(homeId: string): Promise<DeviceRecord[]>;
}

/** Injection token of the {@link DeviceStore}. */
export const DeviceStore = Symbol('LATTICE:DEVICE:DEVICE_STORE');

/** A device shadow (AWS IoT style) as stored; the delta is derived. */
export interface ShadowDocument {
  readonly deviceId: string;
  readonly reported: ScalarMap;
  readonly desired: ScalarMap;
  /** Grows by one with every change of reported or desired; never goes back. */
  readonly version: number;
  readonly updatedAtMs: number;
}

/**
 * One device's reported values, as a {@link ShadowStore.reportMany} batch carries them.
 *
 * @example
 * ```ts
 * await shadows.reportMany([{ deviceId: 'lamp-1', values: { on: true } }], Date.now());
 * ```
 */
export interface ShadowReport {
  readonly deviceId: string;
  readonly values: Readonly<ScalarMap>;
}

/**
 * Device shadows.
 *
 * @example
 * ```ts
 * await shadows.report('lamp-1', { on: true }, Date.now());
 * const doc = await shadows.updateDesired('lamp-1', { on: false }, [], Date.now());
 * ```
 */
export interface ShadowStore {
  get(deviceId: string): Promise<ShadowDocument | undefined>;
  /** Merges reported values; returns the new version. */
  report(deviceId: string, values: Readonly<ScalarMap>, nowMs: number): Promise<number>;
  /**
   * Merges several reports at once, in order (the hub link's per-tick batch); each report
   * bumps its device's version as {@link ShadowStore.report} would.
   */
  reportMany(reports: readonly ShadowReport[], nowMs: number): Promise<void>;
  /** Merges desired values and removes `remove`; returns the new document. */
  updateDesired(
    deviceId: string,
    set: Readonly<ScalarMap>,
    remove: readonly string[],
    nowMs: number,
  ): Promise<ShadowDocument>;
}

/** Injection token of the {@link ShadowStore}. */
export const ShadowStore = Symbol('LATTICE:DEVICE:SHADOW_STORE');

/** Statuses of a command (ThingsBoard's persistent RPC, plus REJECTED from the hub). */
export type CommandStatus = 'QUEUED' | 'SENT' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT' | 'EXPIRED' | 'REJECTED';

/** Statuses after which a command never changes. */
export const TERMINAL_STATUSES: readonly CommandStatus[] = ['SUCCEEDED', 'FAILED', 'TIMEOUT', 'EXPIRED', 'REJECTED'];

/** A command and its outcome. */
export interface CommandRecord {
  readonly commandId: string;
  readonly deviceId: string;
  readonly hubId: string;
  readonly homeId: string;
  readonly method: string;
  readonly params: ScalarMap;
  readonly status: CommandStatus;
  readonly result: ScalarMap;
  readonly error: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** A queued command ends EXPIRED after this (0 = not queued). */
  readonly expiresAtMs: number;
  /** How long the caller waits for the hub's result once sent. */
  readonly timeoutMs: number;
}

/** What a status change may set. */
export type CommandPatch = Partial<Pick<CommandRecord, 'status' | 'result' | 'error' | 'updatedAtMs'>>;

/**
 * Command records (kept `retentionMs`) and per-hub queues of commands for offline hubs.
 *
 * @example
 * ```ts
 * if (await commands.create(record, 86_400_000)) await commands.enqueue(record.hubId, record.commandId);
 * await commands.transition(id, ['QUEUED'], { status: 'SENT', updatedAtMs: Date.now() });
 * ```
 */
export interface CommandStore {
  /** Stores a new command; false (and nothing changes) when the id exists. */
  create(record: CommandRecord, retentionMs: number): Promise<boolean>;
  get(commandId: string): Promise<CommandRecord | undefined>;
  /** Applies `patch` only if the status is one of `from`; returns the new record or undefined. */
  transition(
    commandId: string,
    from: readonly CommandStatus[],
    patch: CommandPatch,
  ): Promise<CommandRecord | undefined>;
  /** Appends to the hub's queue. */
  enqueue(hubId: string, commandId: string): Promise<void>;
  /** Takes (and empties) the hub's queue, oldest first. */
  takeQueued(hubId: string): Promise<string[]>;
}

/** Injection token of the {@link CommandStore}. */
export const CommandStore = Symbol('LATTICE:DEVICE:COMMAND_STORE');
