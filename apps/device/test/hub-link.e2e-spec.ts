import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status as Status } from '@grpc/grpc-js';
import { LatticeError } from '@lattice/core';
import { HubSimulator } from '@lattice-platform/device';
import { eventually, RawHub, startDevice, startStallingProxy, type TestDevice } from './support/device-harness.js';

const HOMES = ['home-a'];

async function errorOf(promise: Promise<unknown>): Promise<LatticeError> {
  try {
    await promise;
  } catch (error) {
    if (LatticeError.isLatticeError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('hub link (one instance, memory backend)', () => {
  let device: TestDevice;
  const open: RawHub[] = [];
  const sims: HubSimulator[] = [];

  beforeAll(async () => {
    device = await startDevice({
      LATTICE_DEVICE__DEVICE__HEARTBEAT_INTERVAL_MS: '200',
      LATTICE_DEVICE__DEVICE__SWEEP_INTERVAL_MS: '50',
      LATTICE_DEVICE__DEVICE__MAX_QUEUED_FRAMES: '16',
      LATTICE_DEVICE__DEVICE__READ_FRAMES_PER_TURN: '3',
    });
  });

  afterAll(async () => {
    for (const hub of open) hub.close();
    for (const sim of sims) await sim.stop();
    await device.stop();
  });

  async function provision(homeId = 'home-a'): Promise<{ hubId: string; secret: string; homeId: string }> {
    const res = await device.api.ProvisionHub({ homeId });
    return { hubId: res.hubId, secret: res.secret, homeId };
  }

  function raw(hubId: string, secret: string, options: { paused?: boolean } = {}): RawHub {
    const hub = RawHub.auth(device.hubTarget, hubId, secret, options);
    open.push(hub);
    return hub;
  }

  async function hello(hub: RawHub, devices: string[]): Promise<void> {
    await hub.next((f) => f.frame === 'welcome');
    hub.send({
      hello: {
        firmware: '1.0',
        devices: devices.map((deviceId) => ({ deviceId, model: 'm', capabilities: ['onoff'] })),
      },
    });
  }

  it('refuses unknown hubs, wrong secrets and missing metadata with UNAUTHENTICATED and nothing more', async () => {
    const { hubId } = await provision();
    const cases = [
      new RawHub(device.hubTarget, { 'x-hub-id': 'hub-nope', authorization: 'Bearer whatever' }),
      new RawHub(device.hubTarget, { 'x-hub-id': hubId, authorization: 'Bearer wrong-secret' }),
      new RawHub(device.hubTarget, { 'x-hub-id': hubId }),
      new RawHub(device.hubTarget, {}),
    ];
    open.push(...cases);
    const statuses = await Promise.all(cases.map((c) => c.ended));
    for (const [i, s] of statuses.entries()) {
      expect(s.code).toBe(Status.UNAUTHENTICATED);
      expect(s.details).toBe('unauthenticated');
      expect(cases[i]?.received).toEqual([]);
    }
  });

  it('welcomes a hub with the heartbeat, keeps its devices and turns telemetry into the shadow', async () => {
    const { hubId, secret } = await provision();
    const hub = raw(hubId, secret);
    const welcome = await hub.next((f) => f.frame === 'welcome');
    expect(welcome.welcome?.heartbeatIntervalMs).toBe('200');
    hub.send({
      hello: {
        firmware: '1.0',
        devices: [{ deviceId: `${hubId}-lamp`, model: 'bulb', capabilities: ['onoff', 'level'] }],
      },
    });
    hub.send({
      telemetry: { deviceId: `${hubId}-lamp`, tsMs: '1', values: { on: { bool: true }, level: { number: 40 } } },
    });
    const shadow = await eventually(async () => {
      const s = await device.api.GetShadow({ deviceId: `${hubId}-lamp`, homeIds: HOMES });
      return Number(s.version) >= 1 ? s : undefined;
    });
    expect(shadow.reported['on']?.bool).toBe(true);
    expect(shadow.reported['level']?.number).toBe(40);
    const view = await device.api.GetDevice({ deviceId: `${hubId}-lamp`, homeIds: HOMES });
    expect(view).toMatchObject({
      hubId,
      homeId: 'home-a',
      model: 'bulb',
      capabilities: ['onoff', 'level'],
      online: true,
    });
    hub.send({
      devicesChanged: {
        joined: [{ deviceId: `${hubId}-plug`, model: 'plug', capabilities: [] }],
        left: [`${hubId}-lamp`],
      },
    });
    await eventually(async () => {
      const list = await device.api.ListDevices({ homeId: 'home-a', homeIds: HOMES });
      const ids = list.devices.map((d) => d.deviceId);
      return ids.includes(`${hubId}-plug`) && !ids.includes(`${hubId}-lamp`);
    });
    expect(device.bus.ofType('hub.online').some((e) => e.hubId === hubId)).toBe(true);
    expect(device.bus.ofType('device.telemetry').some((e) => e.deviceId === `${hubId}-lamp`)).toBe(true);
    expect(device.bus.ofType('device.left').some((e) => e.deviceId === `${hubId}-lamp`)).toBe(true);
  });

  it('answers pings and closes a hub silent for three heartbeat intervals, marking it offline', async () => {
    const { hubId, secret } = await provision();
    const hub = raw(hubId, secret);
    await hello(hub, [`${hubId}-d`]);
    hub.send({ ping: { tsMs: '42' } });
    expect((await hub.next((f) => f.frame === 'pong')).pong?.tsMs).toBe('42');
    const end = await hub.ended;
    expect(end.code).toBe(Status.UNAVAILABLE);
    await eventually(() => device.bus.ofType('hub.offline').some((e) => e.hubId === hubId));
    const view = await device.api.GetDevice({ deviceId: `${hubId}-d`, homeIds: HOMES });
    expect(view.online).toBe(false);
    expect(Number(view.lastSeenMs)).toBeGreaterThan(0);
  });

  it('a second connection replaces the first, which ends with ABORTED', async () => {
    const { hubId, secret } = await provision();
    const first = raw(hubId, secret);
    await hello(first, [`${hubId}-d`]);
    const second = raw(hubId, secret);
    await hello(second, [`${hubId}-d`]);
    const end = await first.ended;
    expect(end.code).toBe(Status.ABORTED);
    expect(end.details).toBe('replaced by a newer connection');
    second.send({ ping: { tsMs: '1' } });
    await second.next((f) => f.frame === 'pong');
  });

  it('a reconnect skips the scrypt check, while a wrong secret is still refused', async () => {
    const { hubId, secret } = await provision();
    const hits = async (): Promise<number> => {
      const metrics = await (await fetch(`${device.url}/metrics`)).text();
      return Number(/lattice_device_auth_cache_hits_total (\d+)/.exec(metrics)?.[1] ?? 'NaN');
    };
    const before = await hits();
    const first = raw(hubId, secret);
    await first.next((f) => f.frame === 'welcome');
    expect(await hits()).toBe(before); // a first connect pays the full check
    const wrong = new RawHub(device.hubTarget, { 'x-hub-id': hubId, authorization: `Bearer ${secret.slice(1)}x` });
    open.push(wrong);
    expect((await wrong.ended).code).toBe(Status.UNAUTHENTICATED);
    const again = raw(hubId, secret);
    await again.next((f) => f.frame === 'welcome');
    expect(await hits()).toBe(before + 1);
    expect((await first.ended).code).toBe(Status.ABORTED);
  });

  it('round-trips a command, keeps its status, and is idempotent by command id', async () => {
    const [creds] = [await provision()];
    const sim = new HubSimulator({ target: device.hubTarget, hubs: [creds], devicesPerHub: 1, telemetryRatePerHub: 0 });
    sims.push(sim);
    sim.start();
    await sim.waitConnected(1);
    const deviceId = sim.devicesOf(creds.hubId)[0] as string;
    await eventually(async () => (await device.api.GetDevice({ deviceId, homeIds: HOMES })).deviceId === deviceId);
    const res = await device.api.SendCommand({
      deviceId,
      homeIds: HOMES,
      method: 'turnOn',
      commandId: 'cmd-idem-1',
      timeoutMs: '3000',
    });
    expect(res.status).toBe('SUCCEEDED');
    expect(res.result['method']?.string).toBe('turnOn');
    const again = await device.api.SendCommand({ deviceId, homeIds: HOMES, method: 'turnOn', commandId: 'cmd-idem-1' });
    expect(again.status).toBe('SUCCEEDED');
    expect(sim.stats.commandsAnswered).toBe(1);
    const read = await device.api.GetCommand({ commandId: 'cmd-idem-1', homeIds: HOMES });
    expect(read.status).toBe('SUCCEEDED');
  });

  it('a command the hub does not answer ends TIMEOUT at its deadline', async () => {
    const { hubId, secret } = await provision();
    const hub = raw(hubId, secret);
    await hello(hub, [`${hubId}-d`]);
    await eventually(async () => (await device.api.GetDevice({ deviceId: `${hubId}-d`, homeIds: HOMES })).online);
    const keepAlive = setInterval(() => hub.send({ ping: { tsMs: '1' } }), 50);
    try {
      const error = await errorOf(
        device.api.SendCommand({
          deviceId: `${hubId}-d`,
          homeIds: HOMES,
          method: 'x',
          commandId: 'cmd-timeout',
          timeoutMs: '150',
        }),
      );
      expect(error.data['remoteCode'] ?? error.code).toBe('DEVICE_COMMAND_TIMEOUT');
      const cmd = await hub.next((f) => f.frame === 'command');
      expect(cmd.command?.commandId).toBe('cmd-timeout');
      expect((await device.api.GetCommand({ commandId: 'cmd-timeout', homeIds: HOMES })).status).toBe('TIMEOUT');
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('an offline hub fails at once with HUB_OFFLINE; a queued command is delivered on reconnect, another expires', async () => {
    const creds = await provision();
    const sim = new HubSimulator({ target: device.hubTarget, hubs: [creds], devicesPerHub: 1, telemetryRatePerHub: 0 });
    sims.push(sim);
    sim.start();
    await sim.waitConnected(1);
    const deviceId = sim.devicesOf(creds.hubId)[0] as string;
    await eventually(async () => (await device.api.GetDevice({ deviceId, homeIds: HOMES })).deviceId === deviceId);
    await sim.stop();
    await eventually(async () => !(await device.api.GetDevice({ deviceId, homeIds: HOMES })).online);

    const offline = await errorOf(device.api.SendCommand({ deviceId, homeIds: HOMES, method: 'x' }));
    expect(offline.data['grpcStatus']).toBe(Status.FAILED_PRECONDITION);
    expect(offline.data['remoteCode']).toBe('HUB_OFFLINE');

    const queued = await device.api.SendCommand({
      deviceId,
      homeIds: HOMES,
      method: 'later',
      commandId: 'q-deliver',
      queueTtlMs: '60000',
    });
    expect(queued.status).toBe('QUEUED');
    const expiring = await device.api.SendCommand({
      deviceId,
      homeIds: HOMES,
      method: 'later',
      commandId: 'q-expire',
      queueTtlMs: '50',
    });
    expect(expiring.status).toBe('QUEUED');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await device.api.GetCommand({ commandId: 'q-expire', homeIds: HOMES })).status).toBe('EXPIRED');

    const back = new HubSimulator({
      target: device.hubTarget,
      hubs: [creds],
      devicesPerHub: 1,
      telemetryRatePerHub: 0,
    });
    sims.push(back);
    back.start();
    await back.waitConnected(1);
    const delivered = await eventually(async () => {
      const c = await device.api.GetCommand({ commandId: 'q-deliver', homeIds: HOMES });
      return c.status === 'SUCCEEDED' ? c : undefined;
    });
    expect(delivered.result['method']?.string).toBe('later');
    expect(back.stats.commandsAnswered).toBe(1);
    expect((await device.api.GetCommand({ commandId: 'q-expire', homeIds: HOMES })).status).toBe('EXPIRED');
  });

  it('desired state goes to the hub when online and again on reconnect; the delta and version follow', async () => {
    const { hubId, secret } = await provision();
    const deviceId = `${hubId}-thermo`;
    const hub = raw(hubId, secret);
    await hello(hub, [deviceId]);
    await eventually(async () => (await device.api.GetDevice({ deviceId, homeIds: HOMES })).online);
    hub.send({ telemetry: { deviceId, tsMs: '1', values: { target: { number: 18 } } } });
    await eventually(async () => Number((await device.api.GetShadow({ deviceId, homeIds: HOMES })).version) >= 1);
    const updated = await device.api.UpdateDesired({
      deviceId,
      homeIds: HOMES,
      desired: { target: { number: 21 } },
      remove: [],
    });
    expect(updated.delta['target']?.number).toBe(21);
    const v1 = Number(updated.version);
    const frame = await hub.next((f) => f.frame === 'desired');
    expect(frame.desired?.values['target']?.number).toBe(21);
    expect(Number(frame.desired?.version)).toBe(v1);
    hub.close();
    const again = raw(hubId, secret);
    await hello(again, [deviceId]);
    expect((await again.next((f) => f.frame === 'desired')).desired?.values['target']?.number).toBe(21);
    again.send({ telemetry: { deviceId, tsMs: '2', values: { target: { number: 21 } } } });
    const converged = await eventually(async () => {
      const s = await device.api.GetShadow({ deviceId, homeIds: HOMES });
      return Object.keys(s.delta).length === 0 ? s : undefined;
    });
    expect(Number(converged.version)).toBeGreaterThan(v1);
  });

  it('drops malformed, oversized and foreign-device frames without disturbing this or other hubs', async () => {
    const a = await provision();
    const b = await provision();
    const hubA = raw(a.hubId, a.secret);
    const hubB = raw(b.hubId, b.secret);
    await hello(hubA, [`${a.hubId}-d`]);
    await hello(hubB, [`${b.hubId}-d`]);
    hubA.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    hubA.send({
      telemetry: { deviceId: `${a.hubId}-d`, tsMs: '1', values: { blob: { string: 'x'.repeat(70 * 1024) } } },
    });
    hubA.send({ telemetry: { deviceId: `${b.hubId}-d`, tsMs: '1', values: { hijack: { bool: true } } } });
    hubA.send({ telemetry: { deviceId: 'nobody', tsMs: '1', values: { v: { number: 1 } } } });
    hubA.send({ ping: { tsMs: '7' } });
    hubB.send({ ping: { tsMs: '8' } });
    expect((await hubA.next((f) => f.frame === 'pong')).pong?.tsMs).toBe('7');
    expect((await hubB.next((f) => f.frame === 'pong')).pong?.tsMs).toBe('8');
    const foreign = await device.api.GetShadow({ deviceId: `${b.hubId}-d`, homeIds: HOMES });
    expect(foreign.reported['hijack']).toBeUndefined();
    const metrics = await (await fetch(`${device.url}/metrics`)).text();
    for (const reason of ['malformed', 'oversized', 'unknown_device']) {
      expect(metrics).toMatch(new RegExp(`lattice_device_frames_dropped_total\\{reason="${reason}"\\} [1-9]`));
    }
  });

  it('closes a hub that does not read with RESOURCE_EXHAUSTED once its send queue overflows', async () => {
    const slow = await provision();
    const fine = await provision();
    const proxy = await startStallingProxy(device.hubTarget);
    const hubSlow = RawHub.auth(proxy.target, slow.hubId, slow.secret);
    open.push(hubSlow);
    const hubFine = raw(fine.hubId, fine.secret);
    const deviceId = `${slow.hubId}-d`;
    await hello(hubSlow, [deviceId]);
    await hello(hubFine, [`${fine.hubId}-d`]);
    proxy.stall();
    const keepAlive = setInterval(() => {
      hubSlow.send({ ping: { tsMs: '1' } });
      hubFine.send({ ping: { tsMs: '1' } });
    }, 50);
    try {
      await eventually(async () => (await device.api.GetDevice({ deviceId, homeIds: HOMES })).online);
      const big = 'y'.repeat(60 * 1024);
      let overflowed = false;
      for (let i = 0; i < 400 && !overflowed; i++) {
        await device.api.UpdateDesired({
          deviceId,
          homeIds: HOMES,
          desired: { blob: { string: `${i}${big}` } },
          remove: [],
        });
        const metrics = await (await fetch(`${device.url}/metrics`)).text();
        overflowed = /lattice_device_stream_overflows_total [1-9]/.test(metrics);
      }
      expect(overflowed).toBe(true);
      await eventually(() => device.bus.ofType('hub.offline').some((e) => e.hubId === slow.hubId));
      proxy.resume();
      const end = await hubSlow.ended;
      expect(end.code).toBe(Status.RESOURCE_EXHAUSTED);
      hubFine.send({ ping: { tsMs: '9' } });
      expect((await hubFine.next((f) => f.frame === 'pong' && f.pong?.tsMs === '9')).pong?.tsMs).toBe('9');
    } finally {
      clearInterval(keepAlive);
      await proxy.close();
    }
  });

  it('holds hubs that send past a turn’s read budget and reads them again: every frame arrives, in order', async () => {
    const held = async (): Promise<number> => {
      const text = await (await fetch(`${device.url}/metrics`)).text();
      return Number(/^lattice_device_reads_held_total (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const held0 = await held();
    // Several hubs at once, each on its own connection: a connection delivers about one frame
    // per turn, so together they read past this instance's budget of 3 frames a turn.
    const hubs = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const { hubId, secret } = await provision();
        const hub = raw(hubId, secret);
        const deviceId = `${hubId}-burst`;
        await hello(hub, [deviceId]);
        await eventually(async () => (await device.api.GetDevice({ deviceId, homeIds: HOMES })).online);
        return { hub, deviceId };
      }),
    );
    const frames = 1_000;
    for (let i = 0; i < frames; i++) {
      for (const { hub, deviceId } of hubs)
        hub.send({ telemetry: { deviceId, tsMs: '1', values: { n: { number: i } } } });
    }
    const valuesOf = (deviceId: string): unknown[] =>
      device.bus
        .ofType('device.telemetry')
        .filter((e) => e.deviceId === deviceId)
        .map((e) => (e.data['values'] as Record<string, unknown>)['n']);
    await eventually(() => hubs.every(({ deviceId }) => valuesOf(deviceId).length === frames), 20_000);
    for (const { deviceId } of hubs) expect(valuesOf(deviceId)).toEqual(Array.from({ length: frames }, (_, i) => i));
    expect(await held()).toBeGreaterThan(held0);
    // Read again after being held.
    for (const [i, { hub }] of hubs.entries()) {
      hub.send({ ping: { tsMs: String(i) } });
      expect((await hub.next((f) => f.frame === 'pong')).pong?.tsMs).toBe(String(i));
    }
  });

  it('reports the connected hubs gauge', async () => {
    const metrics = await (await fetch(`${device.url}/metrics`)).text();
    expect(metrics).toMatch(/lattice_device_connected_hubs \d+/);
  });
});
