import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { DiscoveryClient } from '@lattice/discovery';
import { GrpcServer, loadGrpcService } from '@lattice/rpc';
import { GrpcDeviceActions, HttpPushActions, HttpWebhooks } from '@lattice-platform/scheduler/testing';
import { signature } from '@lattice-platform/scheduler';

const PROTO_ROOT = fileURLToPath(new URL('../../../proto', import.meta.url));

describe('DeviceActions over DeviceService (gRPC)', () => {
  const calls: { method: string; request: Record<string, unknown> }[] = [];
  let server: GrpcServer;
  let devices: GrpcDeviceActions;

  beforeAll(async () => {
    server = new GrpcServer({ host: '127.0.0.1', port: 0, reflection: false });
    const contract = loadGrpcService({
      protoPath: 'lattice/device/v1/device_service.proto',
      package: 'lattice.device.v1',
      service: 'DeviceService',
      includeDirs: [PROTO_ROOT],
    });
    const unimplemented = Object.fromEntries(
      [
        'ProvisionHub',
        'GetDevice',
        'ListDevices',
        'GetCommand',
        'GetShadow',
        'DeliverCommand',
        'SyncDesired',
        'ReleaseHub',
      ].map((name) => [name, () => Promise.reject(new Error(`${name} is not part of this test`))]),
    );
    server.addService(contract, {
      ...unimplemented,
      SendCommand: (request: Record<string, unknown>) => {
        calls.push({ method: 'SendCommand', request });
        return Promise.resolve({
          commandId: request['commandId'],
          status: request['method'] === 'explode' ? 'FAILED' : 'SUCCEEDED',
          error: request['method'] === 'explode' ? 'boom' : '',
        });
      },
      UpdateDesired: (request: Record<string, unknown>) => {
        calls.push({ method: 'UpdateDesired', request });
        return Promise.resolve({ deviceId: request['deviceId'] });
      },
    });
    const port = await server.start();
    server.onRegister();
    devices = new GrpcDeviceActions({ address: `127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await devices?.close();
    await server.drain(Date.now());
  });

  it('sends commands with the firing key as command id, and desired state', async () => {
    await devices.sendCommand({
      commandId: 'r-1#0@1000/0',
      homeId: 'h1',
      deviceId: 'lamp',
      method: 'on',
      params: { level: 3, warm: true, scene: 'x' },
      timeoutMs: 2000,
    });
    await devices.updateDesired({ idempotencyKey: 'k', homeId: 'h1', deviceId: 'lamp', desired: { on: true } });
    expect(calls[0]).toMatchObject({
      method: 'SendCommand',
      request: {
        commandId: 'r-1#0@1000/0',
        deviceId: 'lamp',
        homeIds: ['h1'],
        method: 'on',
        timeoutMs: '2000',
        params: { level: { number: 3 }, warm: { bool: true }, scene: { string: 'x' } },
      },
    });
    expect(calls[1]).toMatchObject({
      method: 'UpdateDesired',
      request: { deviceId: 'lamp', desired: { on: { bool: true } } },
    });
  });

  it('a failed command is an action failure', async () => {
    await expect(
      devices.sendCommand({
        commandId: 'c',
        homeId: 'h1',
        deviceId: 'lamp',
        method: 'explode',
        params: {},
        timeoutMs: 1000,
      }),
    ).rejects.toMatchObject({ code: 'SCHEDULER_ACTION_FAILED', retryable: false });
  });
});

describe('PushActions and Webhooks over HTTP', () => {
  const seen: { url: string; headers: IncomingHttpHeaders; body: Record<string, unknown>; socket: string }[] = [];
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const socket = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
        seen.push({
          url: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(text) as Record<string, unknown>,
          socket,
        });
        if (req.url === '/large') res.writeHead(200).end(Buffer.alloc(1 << 20, 'x'));
        else res.writeHead(req.url === '/fail' ? 503 : 202).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends a push to the home through an instance from discovery, signed as the gateway would', async () => {
    const discovery = {
      getInstances: (service: string) =>
        Promise.resolve(service === 'push' ? [{ host: '127.0.0.1', ports: { http: port } }] : []),
    } as unknown as DiscoveryClient;
    const push = new HttpPushActions({ discovery, identitySecret: 'identity-secret-16+' });
    await push.send({ idempotencyKey: 'r-1#0@1000/1', homeId: 'h1', title: 'Hot', body: '29 °C', ruleId: 'r-1' });
    const request = seen.at(-1)!;
    expect(request.url).toBe('/push/messages');
    expect(request.body).toMatchObject({
      target: { homes: ['h1'] },
      title: 'Hot',
      body: '29 °C',
      data: { ruleId: 'r-1' },
    });
    expect(request.body['id']).toMatch(/^sched:[0-9a-f]{40}$/);
    expect(request.headers['x-lattice-identity-signature']).toBe(
      createHmac('sha256', 'identity-secret-16+').update('scheduler\nh1\nservice\n').digest('hex'),
    );
    const none = new HttpPushActions({
      discovery: { getInstances: () => Promise.resolve([]) } as unknown as DiscoveryClient,
    });
    await expect(
      none.send({ idempotencyKey: 'k', homeId: 'h1', title: 't', body: '', ruleId: 'r' }),
    ).rejects.toMatchObject({
      code: 'SCHEDULER_ACTION_FAILED',
      retryable: true,
    });
  });

  it('a webhook answering 5xx is a retryable failure', async () => {
    const webhooks = new HttpWebhooks();
    await expect(
      webhooks.call({ idempotencyKey: 'k', url: `http://127.0.0.1:${port}/fail`, method: 'PUT', body: {} }),
    ).rejects.toMatchObject({ code: 'SCHEDULER_ACTION_FAILED', retryable: true });
    expect(seen.at(-1)!.headers['x-lattice-idempotency-key']).toBe('k');
    expect(seen.at(-1)!.headers['x-lattice-signature']).toBeUndefined();
  });

  it('a webhook is signed, and an answer with a large body still counts as delivered', async () => {
    const webhooks = new HttpWebhooks();
    await webhooks.call({
      idempotencyKey: 'r-1#0@5/0',
      url: `http://127.0.0.1:${port}/large?x=1`,
      method: 'POST',
      body: { a: 1 },
      secret: 'a-webhook-secret-of-16+',
    });
    const request = seen.at(-1)!;
    expect(request.url).toBe('/large?x=1');
    const ts = String(request.headers['x-lattice-timestamp']);
    expect(request.headers['x-lattice-signature']).toBe(signature('a-webhook-secret-of-16+', ts, '{"a":1}'));
    await webhooks.close();
  });

  it('keeps at most connectionsPerOrigin connections to one origin; more calls wait for one', async () => {
    const webhooks = new HttpWebhooks({ connectionsPerOrigin: 2 });
    const before = seen.length;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        webhooks.call({ idempotencyKey: `k${i}`, url: `http://127.0.0.1:${port}/many`, method: 'POST', body: {} }),
      ),
    );
    const calls = seen.slice(before);
    expect(calls).toHaveLength(12);
    expect(new Set(calls.map((c) => c.socket)).size).toBeLessThanOrEqual(2);
    await webhooks.close();
  });
});
