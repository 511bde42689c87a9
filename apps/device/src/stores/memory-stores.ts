import { systemClock, type Clock } from '@lattice/core';
import type { ScalarMap } from '../internal/values.js';
import type {
  CommandPatch,
  CommandRecord,
  CommandStatus,
  CommandStore,
  DeviceRecord,
  DeviceStore,
  HubPresence,
  HubRecord,
  HubRoute,
  HubStore,
  ShadowDocument,
  ShadowReport,
  ShadowStore,
} from './device-stores.interfaces.js';

interface MemoryRoute extends HubRoute {
  readonly expiresAtMs: number;
}

/**
 * {@link HubStore} for one process (the memory backend, `npm start`).
 *
 * @example
 * ```ts
 * const hubs = new MemoryHubStore();
 * ```
 */
export class MemoryHubStore implements HubStore {
  private readonly hubs = new Map<string, HubRecord>();
  private readonly epochs = new Map<string, number>();
  private readonly lastSeen = new Map<string, number>();
  private readonly routes = new Map<string, MemoryRoute>();

  constructor(private readonly clock: Clock = systemClock) {}

  create(hub: HubRecord): Promise<void> {
    this.hubs.set(hub.hubId, { ...hub });
    return Promise.resolve();
  }

  get(hubId: string): Promise<HubRecord | undefined> {
    return Promise.resolve(this.hubs.get(hubId));
  }

  claimRoute(
    hubId: string,
    instanceId: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<{ route: HubRoute; previous: HubRoute | undefined }> {
    const previous = this.live(hubId);
    const epoch = (this.epochs.get(hubId) ?? 0) + 1;
    this.epochs.set(hubId, epoch);
    const route: MemoryRoute = {
      hubId,
      instanceId,
      epoch,
      connectedAtMs: nowMs,
      expiresAtMs: this.clock.now() + ttlMs,
    };
    this.routes.set(hubId, route);
    this.lastSeen.set(hubId, nowMs);
    return Promise.resolve({ route: plainRoute(route), previous: previous && plainRoute(previous) });
  }

  getRoute(hubId: string): Promise<HubRoute | undefined> {
    const route = this.live(hubId);
    return Promise.resolve(route && plainRoute(route));
  }

  refreshRoutes(
    routes: readonly { hubId: string; epoch: number; lastSeenMs: number }[],
    ttlMs: number,
  ): Promise<boolean[]> {
    return Promise.resolve(
      routes.map(({ hubId, epoch, lastSeenMs }) => {
        const route = this.live(hubId);
        if (route?.epoch !== epoch) return false;
        this.routes.set(hubId, { ...route, expiresAtMs: this.clock.now() + ttlMs });
        this.lastSeen.set(hubId, lastSeenMs);
        return true;
      }),
    );
  }

  releaseRoute(hubId: string, epoch: number, lastSeenMs: number): Promise<boolean> {
    const route = this.live(hubId);
    if (route?.epoch !== epoch) return Promise.resolve(false);
    this.routes.delete(hubId);
    this.lastSeen.set(hubId, lastSeenMs);
    return Promise.resolve(true);
  }

  presence(hubIds: readonly string[]): Promise<HubPresence[]> {
    return Promise.resolve(
      hubIds.map((id) => ({ online: this.live(id) !== undefined, lastSeenMs: this.lastSeen.get(id) ?? 0 })),
    );
  }

  private live(hubId: string): MemoryRoute | undefined {
    const route = this.routes.get(hubId);
    if (route === undefined) return undefined;
    if (route.expiresAtMs <= this.clock.now()) {
      this.routes.delete(hubId);
      return undefined;
    }
    return route;
  }
}

function plainRoute(route: MemoryRoute): HubRoute {
  return { hubId: route.hubId, instanceId: route.instanceId, epoch: route.epoch, connectedAtMs: route.connectedAtMs };
}

/**
 * {@link DeviceStore} for one process.
 *
 * @example
 * ```ts
 * const devices = new MemoryDeviceStore();
 * ```
 */
export class MemoryDeviceStore implements DeviceStore {
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly byHub = new Map<string, Set<string>>();
  private readonly byHome = new Map<string, Set<string>>();

  upsert(devices: readonly DeviceRecord[]): Promise<void> {
    for (const device of devices) {
      const old = this.devices.get(device.deviceId);
      if (old) {
        this.byHub.get(old.hubId)?.delete(old.deviceId);
        this.byHome.get(old.homeId)?.delete(old.deviceId);
      }
      const record: DeviceRecord = { ...device, capabilities: [...device.capabilities] };
      this.devices.set(device.deviceId, record);
      setOf(this.byHub, device.hubId).add(device.deviceId);
      setOf(this.byHome, device.homeId).add(device.deviceId);
    }
    return Promise.resolve();
  }

  remove(hubId: string, deviceIds: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    for (const id of deviceIds) {
      const device = this.devices.get(id);
      if (device?.hubId !== hubId) continue;
      this.devices.delete(id);
      this.byHub.get(hubId)?.delete(id);
      this.byHome.get(device.homeId)?.delete(id);
      removed.push(id);
    }
    return Promise.resolve(removed);
  }

  get(deviceId: string): Promise<DeviceRecord | undefined> {
    return Promise.resolve(this.devices.get(deviceId));
  }

  listByHub(hubId: string): Promise<DeviceRecord[]> {
    return Promise.resolve(this.list(this.byHub.get(hubId)));
  }

  listByHome(homeId: string): Promise<DeviceRecord[]> {
    return Promise.resolve(this.list(this.byHome.get(homeId)));
  }

  private list(ids: Set<string> | undefined): DeviceRecord[] {
    const out: DeviceRecord[] = [];
    for (const id of ids ?? []) {
      const device = this.devices.get(id);
      if (device) out.push(device);
    }
    return out.sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  return set;
}

interface MutableShadow {
  reported: ScalarMap;
  desired: ScalarMap;
  version: number;
  updatedAtMs: number;
}

/**
 * {@link ShadowStore} for one process.
 *
 * @example
 * ```ts
 * const shadows = new MemoryShadowStore();
 * ```
 */
export class MemoryShadowStore implements ShadowStore {
  private readonly shadows = new Map<string, MutableShadow>();

  get(deviceId: string): Promise<ShadowDocument | undefined> {
    const doc = this.shadows.get(deviceId);
    return Promise.resolve(doc && snapshot(deviceId, doc));
  }

  report(deviceId: string, values: Readonly<ScalarMap>, nowMs: number): Promise<number> {
    const doc = this.doc(deviceId);
    Object.assign(doc.reported, values);
    doc.version += 1;
    doc.updatedAtMs = nowMs;
    return Promise.resolve(doc.version);
  }

  reportMany(reports: readonly ShadowReport[], nowMs: number): Promise<void> {
    for (const { deviceId, values } of reports) {
      const doc = this.doc(deviceId);
      Object.assign(doc.reported, values);
      doc.version += 1;
      doc.updatedAtMs = nowMs;
    }
    return Promise.resolve();
  }

  updateDesired(
    deviceId: string,
    set: Readonly<ScalarMap>,
    remove: readonly string[],
    nowMs: number,
  ): Promise<ShadowDocument> {
    const doc = this.doc(deviceId);
    Object.assign(doc.desired, set);
    for (const key of remove) delete doc.desired[key];
    doc.version += 1;
    doc.updatedAtMs = nowMs;
    return Promise.resolve(snapshot(deviceId, doc));
  }

  private doc(deviceId: string): MutableShadow {
    let doc = this.shadows.get(deviceId);
    if (doc === undefined)
      this.shadows.set(deviceId, (doc = { reported: {}, desired: {}, version: 0, updatedAtMs: 0 }));
    return doc;
  }
}

function snapshot(deviceId: string, doc: MutableShadow): ShadowDocument {
  return {
    deviceId,
    reported: { ...doc.reported },
    desired: { ...doc.desired },
    version: doc.version,
    updatedAtMs: doc.updatedAtMs,
  };
}

/**
 * {@link CommandStore} for one process; records older than their retention are pruned as new ones arrive.
 *
 * @example
 * ```ts
 * const commands = new MemoryCommandStore();
 * ```
 */
export class MemoryCommandStore implements CommandStore {
  private readonly records = new Map<string, { record: CommandRecord; dropAtMs: number }>();
  private readonly queues = new Map<string, string[]>();
  private created = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  create(record: CommandRecord, retentionMs: number): Promise<boolean> {
    this.prune();
    if (this.records.has(record.commandId)) return Promise.resolve(false);
    this.records.set(record.commandId, { record: { ...record }, dropAtMs: this.clock.now() + retentionMs });
    return Promise.resolve(true);
  }

  get(commandId: string): Promise<CommandRecord | undefined> {
    return Promise.resolve(this.records.get(commandId)?.record);
  }

  transition(
    commandId: string,
    from: readonly CommandStatus[],
    patch: CommandPatch,
  ): Promise<CommandRecord | undefined> {
    const entry = this.records.get(commandId);
    if (entry === undefined || !from.includes(entry.record.status)) return Promise.resolve(undefined);
    entry.record = { ...entry.record, ...patch };
    return Promise.resolve(entry.record);
  }

  enqueue(hubId: string, commandId: string): Promise<void> {
    let queue = this.queues.get(hubId);
    if (queue === undefined) this.queues.set(hubId, (queue = []));
    queue.push(commandId);
    return Promise.resolve();
  }

  takeQueued(hubId: string): Promise<string[]> {
    const queue = this.queues.get(hubId) ?? [];
    this.queues.delete(hubId);
    return Promise.resolve(queue);
  }

  private prune(): void {
    // Amortised: a full scan every 1024 creations keeps memory bounded without a timer.
    if (++this.created % 1024 !== 0) return;
    const now = this.clock.now();
    for (const [id, entry] of this.records) if (entry.dropAtMs <= now) this.records.delete(id);
  }
}
