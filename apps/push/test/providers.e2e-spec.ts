import { createHmac } from 'node:crypto';
import { createServer as createHttp2Server, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify, type CryptoKey } from 'jose';
import type { ConfigTree } from '@lattice/core';
import { FallbackWorker } from '../src/internal/fallback-worker.js';
import { admin, call, eventually, identity, send, startPush, type TestPush } from './support/push-harness.js';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A local HTTP/2 server answering like APNs or FCM; `answer` decides per request. */
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

async function fakeHttp2(answer: (seen: Seen) => Reply) {
  const seen: Seen[] = [];
  const server: Http2Server = createHttp2Server();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const entry = {
        path: String(headers[':path']),
        headers,
        body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
      };
      seen.push(entry);
      const reply = answer(entry);
      stream.respond({ ':status': reply.status, 'content-type': 'application/json', ...reply.headers });
      stream.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    seen,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('push: offline providers (APNs, FCM, webhook) as fallback', () => {
  let push: TestPush;
  let apns: Awaited<ReturnType<typeof fakeHttp2>>;
  let fcm: Awaited<ReturnType<typeof fakeHttp2>>;
  let webhook: Server;
  let tokenServer: Server;
  const webhookSeen: { headers: Record<string, unknown>; body: string }[] = [];
  let apnsPublicKey: CryptoKey;
  let busyCalls = 0;
  let tokenExchanges = 0;
  /** The providers' settings of these tests' push (fake endpoints and keys). */
  let providers: ConfigTree;

  beforeAll(async () => {
    const apnsKeys = await generateKeyPair('ES256', { extractable: true });
    apnsPublicKey = await importSPKI(await exportSPKI(apnsKeys.publicKey), 'ES256');
    const fcmKeys = await generateKeyPair('RS256', { extractable: true });
    apns = await fakeHttp2(({ path }): Reply => {
      const token = path.split('/').at(-1);
      if (token === 'dead') return { status: 410, body: { reason: 'Unregistered', timestamp: Date.now() } };
      if (token === 'busy' && ++busyCalls <= 2)
        return { status: 429, body: { reason: 'TooManyRequests' }, headers: { 'retry-after': '0' } };
      return { status: 200, headers: { 'apns-id': 'x' } };
    });
    fcm = await fakeHttp2(({ body }): Reply => {
      const token = (body['message'] as { token?: string }).token;
      if (token === 'dead')
        return {
          status: 404,
          body: {
            error: {
              code: 404,
              status: 'NOT_FOUND',
              message: 'Requested entity was not found.',
              details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }],
            },
          },
        };
      return { status: 200, body: { name: 'projects/p/messages/1' } };
    });
    webhook = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        webhookSeen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(204).end();
      });
    });
    tokenServer = createHttpServer((req, res) => {
      tokenExchanges++;
      req.resume();
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: 'minted', expires_in: 3600 })),
      );
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
    providers = {
      webhook: { secret: 'hook-secret' },
      apns: {
        endpoint: apns.url,
        teamId: 'TEAM123456',
        keyId: 'KEY1234567',
        privateKeyPem: await exportPKCS8(apnsKeys.privateKey),
        topic: 'com.example.lattice',
      },
      fcm: {
        endpoint: fcm.url,
        projectId: 'lattice-test',
        serviceAccount: {
          clientEmail: 'push@lattice-test.iam.gserviceaccount.com',
          privateKeyPem: await exportPKCS8(fcmKeys.privateKey),
          tokenUri: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`,
        },
      },
    };
    push = await startPush({
      push: { fallback: { delayMs: 0, pollIntervalMs: 30, initialDelayMs: 20, maxDelayMs: 40 }, providers },
    });
  });

  afterAll(async () => {
    await push?.stop();
    await apns?.close();
    await fcm?.close();
    await new Promise<void>((r) => webhook?.close(() => r()));
    await new Promise<void>((r) => tokenServer?.close(() => r()));
  });

  const states = async (id: unknown, on: TestPush = push) =>
    (await call(on, 'GET', `/push/messages/${String(id)}`, admin())).body['devices'] as {
      deviceId: string;
      state: string;
    }[];

  it('sends an undelivered message through APNs (ES256 JWT over HTTP/2), FCM v1 and a signed webhook', async () => {
    const carol = identity('carol');
    await call(push, 'PUT', '/push/users/carol/devices/iphone', carol, { provider: 'apns', token: 'good-apns' });
    await call(push, 'PUT', '/push/users/carol/devices/pixel', carol, { provider: 'fcm', token: 'good-fcm' });
    const hookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
    const partner = identity('', { saasKey: 'acme' });
    expect(
      (await call(push, 'PUT', '/push/users/carol/devices/crm', partner, { provider: 'webhook', token: hookUrl }))
        .status,
    ).toBe(204);
    const sent = await send(push, {
      target: { users: ['carol'] },
      priority: 'high',
      collapseKey: 'door',
      data: { door: 'front' },
    });
    await eventually(async () => (await states(sent.body['id'])).filter((d) => d.state === 'delivered').length === 3);

    const apnsCall = apns.seen.find((s) => s.path === '/3/device/good-apns')!;
    expect(apnsCall.headers['apns-topic']).toBe('com.example.lattice');
    expect(apnsCall.headers['apns-priority']).toBe('10');
    expect(apnsCall.headers['apns-collapse-id']).toBe('door');
    expect(apnsCall.body).toMatchObject({ aps: { alert: { body: 'b' } }, door: 'front' });
    const jwt = String(apnsCall.headers['authorization']).replace(/^bearer /, '');
    const verified = await jwtVerify(jwt, apnsPublicKey, { algorithms: ['ES256'] });
    expect(verified.payload.iss).toBe('TEAM123456');
    expect(verified.protectedHeader.kid).toBe('KEY1234567');

    const fcmCall = fcm.seen.find((s) => (s.body['message'] as { token: string }).token === 'good-fcm')!;
    expect(fcmCall.path).toBe('/v1/projects/lattice-test/messages:send');
    expect(fcmCall.headers['authorization']).toBe('Bearer minted');
    expect(fcmCall.body['message']).toMatchObject({
      notification: { body: 'b' },
      data: { door: 'front' },
      android: { priority: 'HIGH', collapse_key: 'door' },
    });
    expect(tokenExchanges).toBe(1);

    const hook = webhookSeen[0]!;
    const expected = createHmac('sha256', 'hook-secret')
      .update(`${String(hook.headers['x-lattice-timestamp'])}\n${hook.body}`)
      .digest('hex');
    expect(hook.headers['x-lattice-signature']).toBe(expected);
    expect(JSON.parse(hook.body)).toMatchObject({ id: sent.body['id'], userId: 'carol', deviceId: 'crm' });
  });

  it('removes device tokens on APNs 410 Unregistered and FCM UNREGISTERED', async () => {
    const dave = identity('dave');
    await call(push, 'PUT', '/push/users/dave/devices/iphone', dave, { provider: 'apns', token: 'dead' });
    await call(push, 'PUT', '/push/users/dave/devices/pixel', dave, { provider: 'fcm', token: 'dead' });
    const first = await send(push, { target: { users: ['dave'] } });
    await eventually(async () => (await states(first.body['id'])).filter((d) => d.state === 'failed').length === 2);
    const calls = apns.seen.length + fcm.seen.length;
    const second = await send(push, { target: { users: ['dave'] } });
    // Both tokens are gone: the second message has no device and stays pending.
    expect(await states(second.body['id'])).toEqual([expect.objectContaining({ deviceId: '', state: 'pending' })]);
    await new Promise((r) => setTimeout(r, 200));
    expect(apns.seen.length + fcm.seen.length).toBe(calls);
  });

  it('backs off on 429 and delivers once the provider accepts', async () => {
    const erin = identity('erin');
    await call(push, 'PUT', '/push/users/erin/devices/iphone', erin, { provider: 'apns', token: 'busy' });
    const sent = await send(push, { target: { users: ['erin'] } });
    await eventually(async () =>
      (await states(sent.body['id'])).some((d) => d.deviceId === 'iphone' && d.state === 'delivered'),
    );
    expect(apns.seen.filter((s) => s.path === '/3/device/busy')).toHaveLength(3);
  });

  it('does not fall back for a message delivered live', async () => {
    // Its own push with a fallback delay: deliveries are recorded up to 10 ms after the frame
    // leaves, so with the shared push's delay of 0 the worker may claim the fallback first (and
    // send it too, which at-least-once allows).
    const live = await startPush({ push: { fallback: { delayMs: 200, pollIntervalMs: 30 }, providers } });
    try {
      const frank = identity('frank');
      await call(live, 'PUT', '/push/users/frank/devices/iphone', frank, { provider: 'apns', token: 'frank-token' });
      const { LiveClient } = await import('./support/push-harness.js');
      const client = await LiveClient.connect(live, frank, { device: 'app' });
      await client.until((f) => f.length > 0);
      const sent = await send(live, { target: { users: ['frank'] } });
      await client.untilMessages(1);
      await new Promise((r) => setTimeout(r, 400)); // past the delay and several polls
      expect(apns.seen.some((s) => s.path === '/3/device/frank-token')).toBe(false);
      expect((await states(sent.body['id'], live)).find((d) => d.deviceId === 'app')?.state).toBe('delivered');
      await client.close();
    } finally {
      await live.stop();
    }
  });

  it('sends a burst of undelivered messages in one round, not one batch per poll', async () => {
    // A second push whose worker never polls on its own: the test runs one round.
    const quiet = await startPush({
      push: {
        fallback: { delayMs: 0, pollIntervalMs: 600_000 },
        limits: { perSenderQps: 10_000, perAppQps: 10_000 },
        providers: { webhook: { secret: 'hook-secret' } },
      },
    });
    try {
      const hookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
      const partner = identity('', { saasKey: 'acme' });
      await call(quiet, 'PUT', '/push/users/gina/devices/crm', partner, { provider: 'webhook', token: hookUrl });
      const messages = Array.from({ length: 250 }, (_, i) => ({
        title: 't',
        body: `b${i}`,
        target: { users: ['gina'] },
      }));
      expect((await call(quiet, 'POST', '/push/messages/batch', admin(), { messages })).status).toBe(202);
      const before = webhookSeen.length;
      expect(await quiet.app.nest.get(FallbackWorker).runOnce()).toBe(250);
      expect(webhookSeen.length - before).toBe(250);
    } finally {
      await quiet.stop();
    }
  });
});
