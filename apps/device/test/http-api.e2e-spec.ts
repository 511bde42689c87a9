import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DiscoveryClient } from '@lattice/discovery';
import { DeviceRuntime, HubSimulator } from '@lattice-platform/device';
import { eventually, startDevice, type TestDevice } from './support/device-harness.js';

describe('device HTTP API (behind the gateway, scoped to the caller’s homes)', () => {
  let device: TestDevice;
  let sim: HubSimulator;
  let deviceId: string;
  let otherDeviceId: string;
  const alice = { 'x-lattice-user': 'alice', 'x-lattice-homes': 'home-1', 'x-lattice-roles': 'owner' };
  const bob = { 'x-lattice-user': 'bob', 'x-lattice-homes': 'home-2' };

  async function call(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
    const res = await fetch(`${device.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: (await res.json()) as Record<string, unknown>,
    };
  }

  beforeAll(async () => {
    device = await startDevice();
    const one = await call('POST', '/api/v1/hubs', alice, { homeId: 'home-1' });
    const two = await call('POST', '/api/v1/hubs', bob, { homeId: 'home-2' });
    expect(one.status).toBe(201);
    const hubs = [one.body, two.body].map((b) => ({
      hubId: b['hubId'] as string,
      secret: b['secret'] as string,
      homeId: b['homeId'] as string,
    }));
    sim = new HubSimulator({ target: device.hubTarget, hubs, devicesPerHub: 1, telemetryRatePerHub: 0 });
    sim.start();
    await sim.waitConnected(2);
    deviceId = sim.devicesOf(hubs[0]?.hubId ?? '')[0] as string;
    otherDeviceId = sim.devicesOf(hubs[1]?.hubId ?? '')[0] as string;
    await eventually(async () => (await call('GET', `/api/v1/devices/${otherDeviceId}`, bob)).status === 200);
    await eventually(async () => (await call('GET', `/api/v1/devices/${deviceId}`, alice)).status === 200);
  });

  afterAll(async () => {
    await sim?.stop();
    await device?.stop();
  });

  it('refuses requests without the gateway’s identity headers with 401 problem+json', async () => {
    const res = await call('GET', `/api/v1/devices/${deviceId}`, {});
    expect(res.status).toBe(401);
    expect(res.type).toContain('application/problem+json');
    expect(res.body['code']).toBe('DEVICE_MISSING_IDENTITY');
  });

  it('lists a home’s devices with online state and shows one device with its shadow', async () => {
    const list = await call('GET', '/api/v1/homes/home-1/devices', alice);
    expect(list.status).toBe(200);
    expect(list.body['devices']).toEqual([expect.objectContaining({ deviceId, online: true, homeId: 'home-1' })]);
    const one = await call('GET', `/api/v1/devices/${deviceId}`, alice);
    expect(one.body['shadow']).toEqual(
      expect.objectContaining({ reported: {}, desired: {}, delta: {}, version: expect.any(Number) }),
    );
  });

  it('makes another home’s devices, hubs and commands invisible (404, never 403)', async () => {
    expect((await call('GET', `/api/v1/devices/${otherDeviceId}`, alice)).status).toBe(404);
    expect((await call('GET', '/api/v1/homes/home-2/devices', alice)).status).toBe(404);
    expect((await call('POST', `/api/v1/devices/${otherDeviceId}/commands`, alice, { method: 'x' })).status).toBe(404);
    expect(
      (await call('PATCH', `/api/v1/devices/${otherDeviceId}/shadow`, alice, { desired: { on: true } })).status,
    ).toBe(404);
    expect((await call('POST', '/api/v1/hubs', alice, { homeId: 'home-2' })).status).toBe(404);
    const cmd = await call('POST', `/api/v1/devices/${otherDeviceId}/commands`, bob, {
      method: 'x',
      commandId: 'bob-cmd',
    });
    expect(cmd.status).toBe(200);
    expect((await call('GET', '/api/v1/commands/bob-cmd', alice)).status).toBe(404);
    // The same through the internal gRPC API.
    await expect(device.api.GetDevice({ deviceId: otherDeviceId, homeIds: ['home-1'] })).rejects.toMatchObject({
      data: expect.objectContaining({ remoteCode: 'DEVICE_NOT_FOUND' }),
    });
    const listed = await device.api.ListDevices({ homeId: 'home-2', homeIds: ['home-1'] });
    expect(listed.devices).toEqual([]);
  });

  it('sends a command and returns the hub’s result; sets desired state', async () => {
    const res = await call('POST', `/api/v1/devices/${deviceId}/commands`, alice, {
      method: 'blink',
      params: { times: 3 },
      timeoutMs: 3000,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'SUCCEEDED', result: { ok: true, method: 'blink' } });
    const shadow = await call('PATCH', `/api/v1/devices/${deviceId}/shadow`, alice, { desired: { on: true } });
    expect(shadow.status).toBe(200);
    expect(shadow.body).toMatchObject({ desired: { on: true }, delta: { on: true } });
    // The simulated hub applies desired state and reports it back.
    await eventually(async () => {
      const d = await call('GET', `/api/v1/devices/${deviceId}`, alice);
      const s = d.body['shadow'] as { delta: Record<string, unknown>; reported: Record<string, unknown> };
      return s.reported['on'] === true && Object.keys(s.delta).length === 0;
    });
  });

  it('answers 400 for invalid bodies and 409 HUB_OFFLINE for an offline hub', async () => {
    const bad = await call('POST', `/api/v1/devices/${deviceId}/commands`, alice, {
      method: 'x',
      params: { deep: {} },
    });
    expect(bad.status).toBe(400);
    expect(bad.body['code']).toBe('DEVICE_INVALID_REQUEST');
    await sim.stop();
    await eventually(async () => {
      const d = await call('GET', `/api/v1/devices/${deviceId}`, alice);
      return d.body['online'] === false;
    });
    const offline = await call('POST', `/api/v1/devices/${deviceId}/commands`, alice, { method: 'x' });
    expect(offline.status).toBe(409);
    expect(offline.body['code']).toBe('HUB_OFFLINE');
    const queued = await call('POST', `/api/v1/devices/${deviceId}/commands`, alice, {
      method: 'x',
      queueTtlMs: 60000,
    });
    expect(queued.body['status']).toBe('QUEUED');
  });
});

describe('device registration in discovery', () => {
  it('registers ports http, grpc and hub, with the bound ports when configured as 0', async () => {
    const device = await startDevice();
    try {
      const runtime = device.app.nest.get(DeviceRuntime);
      const [instance] = await device.app.nest.get(DiscoveryClient).getInstances('device');
      expect(instance?.instanceId).toBe(runtime.instanceId);
      expect(instance?.ports).toEqual({
        http: device.app.port,
        grpc: runtime.internalServer.port,
        hub: runtime.hubServer.port,
      });
    } finally {
      await device.stop();
    }
  });
});
