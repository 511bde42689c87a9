import { describe, expect, it } from '@jest/globals';
import type { CommandRecord, CommandStore, DeviceStore, HubStore, ShadowStore } from '@lattice-platform/device';

/** The four device stores under test, fresh per call (unique key prefix / new instances). */
export interface StoreSet {
  hubs: HubStore;
  devices: DeviceStore;
  shadows: ShadowStore;
  commands: CommandStore;
  /** Lets route TTLs lapse (advances a manual clock, or waits on Redis). */
  elapse(ms: number): Promise<void>;
}

function command(id: string, overrides: Partial<CommandRecord> = {}): CommandRecord {
  return {
    commandId: id,
    deviceId: 'dev-1',
    hubId: 'hub-1',
    homeId: 'home-1',
    method: 'turnOn',
    params: { level: 3, label: 'x', on: true },
    status: 'SENT',
    result: {},
    error: '',
    createdAtMs: 1000,
    updatedAtMs: 1000,
    expiresAtMs: 0,
    timeoutMs: 5000,
    ...overrides,
  };
}

/** The one contract every adapter of the device stores passes. */
export function describeDeviceStoreContract(name: string, make: () => Promise<StoreSet>): void {
  describe(`device stores contract: ${name}`, () => {
    it('keeps hubs and answers undefined for unknown ones', async () => {
      const { hubs } = await make();
      await hubs.create({ hubId: 'h1', homeId: 'home-1', secretHash: 'scrypt$x', createdAtMs: 5 });
      expect(await hubs.get('h1')).toEqual({ hubId: 'h1', homeId: 'home-1', secretHash: 'scrypt$x', createdAtMs: 5 });
      expect(await hubs.get('nope')).toBeUndefined();
    });

    it('claims routes with growing epochs, returns the replaced route, and releases only the current epoch', async () => {
      const { hubs } = await make();
      const first = await hubs.claimRoute('h1', 'inst-a', 100, 60_000);
      expect(first.previous).toBeUndefined();
      expect(first.route).toEqual({ hubId: 'h1', instanceId: 'inst-a', epoch: 1, connectedAtMs: 100 });
      const second = await hubs.claimRoute('h1', 'inst-b', 200, 60_000);
      expect(second.route.epoch).toBe(2);
      expect(second.previous).toEqual(first.route);
      expect(await hubs.getRoute('h1')).toEqual(second.route);
      expect(await hubs.releaseRoute('h1', 1, 300)).toBe(false);
      expect(await hubs.getRoute('h1')).toEqual(second.route);
      expect(await hubs.presence(['h1'])).toEqual([{ online: true, lastSeenMs: 200 }]);
      expect(await hubs.releaseRoute('h1', 2, 400)).toBe(true);
      expect(await hubs.getRoute('h1')).toBeUndefined();
      expect(await hubs.presence(['h1', 'h2'])).toEqual([
        { online: false, lastSeenMs: 400 },
        { online: false, lastSeenMs: 0 },
      ]);
      expect((await hubs.claimRoute('h1', 'inst-a', 500, 60_000)).route.epoch).toBe(3);
    });

    it('refreshes only routes whose epoch matches, and lets unrefreshed routes lapse', async () => {
      const store = await make();
      await store.hubs.claimRoute('h1', 'inst-a', 100, 300);
      await store.hubs.claimRoute('h2', 'inst-a', 100, 300);
      const ok = await store.hubs.refreshRoutes(
        [
          { hubId: 'h1', epoch: 1, lastSeenMs: 150 },
          { hubId: 'h2', epoch: 7, lastSeenMs: 150 },
        ],
        60_000,
      );
      expect(ok).toEqual([true, false]);
      await store.elapse(500);
      expect(await store.hubs.getRoute('h1')).toBeDefined();
      expect(await store.hubs.getRoute('h2')).toBeUndefined();
      expect((await store.hubs.presence(['h1']))[0]).toEqual({ online: true, lastSeenMs: 150 });
    });

    it('indexes devices by hub and home, moves them between hubs and removes only a hub’s own', async () => {
      const { devices } = await make();
      await devices.upsert([
        { deviceId: 'd2', hubId: 'h1', homeId: 'home-1', model: 'plug', capabilities: ['onoff'] },
        { deviceId: 'd1', hubId: 'h1', homeId: 'home-1', model: 'bulb', capabilities: ['onoff', 'level'] },
      ]);
      expect((await devices.listByHub('h1')).map((d) => d.deviceId)).toEqual(['d1', 'd2']);
      expect(await devices.get('d1')).toEqual({
        deviceId: 'd1',
        hubId: 'h1',
        homeId: 'home-1',
        model: 'bulb',
        capabilities: ['onoff', 'level'],
      });
      await devices.upsert([{ deviceId: 'd1', hubId: 'h2', homeId: 'home-2', model: 'bulb', capabilities: [] }]);
      expect((await devices.listByHub('h1')).map((d) => d.deviceId)).toEqual(['d2']);
      expect((await devices.listByHome('home-1')).map((d) => d.deviceId)).toEqual(['d2']);
      expect((await devices.listByHome('home-2')).map((d) => d.deviceId)).toEqual(['d1']);
      expect(await devices.remove('h1', ['d1', 'd2', 'ghost'])).toEqual(['d2']);
      expect(await devices.get('d2')).toBeUndefined();
      expect(await devices.get('d1')).toBeDefined();
      expect(await devices.listByHub('h1')).toEqual([]);
    });

    it('merges reported and desired state with a version that only grows', async () => {
      const { shadows } = await make();
      expect(await shadows.get('d1')).toBeUndefined();
      expect(await shadows.report('d1', { temp: 20.5, on: true }, 10)).toBe(1);
      expect(await shadows.report('d1', { temp: 21, mode: 'eco' }, 20)).toBe(2);
      const desired = await shadows.updateDesired('d1', { temp: 22, mode: 'eco' }, [], 30);
      expect(desired).toEqual({
        deviceId: 'd1',
        reported: { temp: 21, on: true, mode: 'eco' },
        desired: { temp: 22, mode: 'eco' },
        version: 3,
        updatedAtMs: 30,
      });
      const removed = await shadows.updateDesired('d1', {}, ['mode'], 40);
      expect(removed.desired).toEqual({ temp: 22 });
      expect(removed.version).toBe(4);
      expect(await shadows.get('d1')).toEqual(removed);
    });

    it('merges a batch of reports in order, one version per report', async () => {
      const { shadows } = await make();
      await shadows.reportMany([], 5);
      expect(await shadows.report('b1', { temp: 19 }, 10)).toBe(1);
      await shadows.reportMany(
        [
          { deviceId: 'b1', values: { temp: 20, on: true } },
          { deviceId: 'b2', values: { level: 3 } },
          { deviceId: 'b1', values: { temp: 21 } },
        ],
        20,
      );
      expect(await shadows.get('b1')).toMatchObject({ reported: { temp: 21, on: true }, version: 3, updatedAtMs: 20 });
      expect(await shadows.get('b2')).toMatchObject({ reported: { level: 3 }, version: 1, updatedAtMs: 20 });
    });

    it('creates commands once, changes status only from the expected ones, and queues per hub', async () => {
      const { commands } = await make();
      expect(await commands.create(command('c1'), 60_000)).toBe(true);
      expect(await commands.create(command('c1', { method: 'other' }), 60_000)).toBe(false);
      expect(await commands.get('c1')).toEqual(command('c1'));
      expect(await commands.transition('c1', ['QUEUED'], { status: 'EXPIRED' })).toBeUndefined();
      const done = await commands.transition('c1', ['SENT'], {
        status: 'SUCCEEDED',
        result: { ok: true, n: 1.5 },
        updatedAtMs: 2000,
      });
      expect(done).toEqual(command('c1', { status: 'SUCCEEDED', result: { ok: true, n: 1.5 }, updatedAtMs: 2000 }));
      expect(await commands.transition('c1', ['SENT'], { status: 'TIMEOUT' })).toBeUndefined();
      expect(await commands.transition('ghost', ['SENT'], { status: 'TIMEOUT' })).toBeUndefined();
      await commands.enqueue('hub-1', 'q1');
      await commands.enqueue('hub-1', 'q2');
      await commands.enqueue('hub-2', 'q3');
      expect(await commands.takeQueued('hub-1')).toEqual(['q1', 'q2']);
      expect(await commands.takeQueued('hub-1')).toEqual([]);
      expect(await commands.takeQueued('hub-2')).toEqual(['q3']);
    });
  });
}
