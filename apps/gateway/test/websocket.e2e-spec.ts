import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebSocket, WebSocketServer } from 'ws';
import type { IncomingMessage } from 'node:http';
import { verifyIdentityHeaders } from '@lattice-platform/gateway';
import {
  IDENTITY_SECRET,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from './gateway-harness.js';

describe('WebSocket proxying (default push route)', () => {
  let upstream: TestUpstream;
  let wss: WebSocketServer;
  let gw: TestGateway;
  const handshakes: IncomingMessage[] = [];
  beforeAll(async () => {
    upstream = await startUpstream();
    wss = new WebSocketServer({ server: upstream.server, path: '/push/ws' });
    wss.on('connection', (socket, req) => {
      handshakes.push(req);
      socket.on('message', (data: Buffer) => socket.send(`echo:${data.toString()}`));
      socket.send(`hello ${String(req.headers['x-lattice-user'])}`);
    });
    gw = await startGateway(upstream); // no release: the default public routes
  });
  afterAll(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await gw?.close();
    await upstream?.close();
  });

  const received = new WeakMap<WebSocket, string[]>();
  const open = (url: string, headers: Record<string, string> = {}): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const messages: string[] = [];
      received.set(ws, messages);
      // Listen from the start: the upstream greets as soon as the tunnel is up.
      ws.on('message', (d: Buffer) => messages.push(d.toString()));
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    });

  it('carries frames both ways with the identity set by the gateway', async () => {
    const token = await gw.token({ sub: 'bob', homes: ['home-1'] });
    const wsUrl = gw.url.replace('http', 'ws');
    const ws = await open(`${wsUrl}/api/v1/push/ws?access_token=${token}&v=2`);
    const messages = received.get(ws)!;
    ws.send('ping');
    while (messages.length < 2) await new Promise((r) => ws.once('message', r));
    expect(messages).toEqual(['hello bob', 'echo:ping']);
    const req = handshakes.at(-1)!;
    expect(req.url).toBe('/push/ws?v=2'); // StripPrefix 2, token removed from the query
    expect(verifyIdentityHeaders(req.headers, IDENTITY_SECRET)).toBe(true);
    ws.close();
    await new Promise((r) => ws.once('close', r));

    const viaHeader = await open(`${wsUrl}/api/v1/push/ws`, {
      authorization: `Bearer ${token}`,
      'x-lattice-user': 'x',
    });
    expect(handshakes.at(-1)!.headers['x-lattice-user']).toBe('bob');
    viaHeader.close();
    await new Promise((r) => viaHeader.once('close', r));
  });

  it('refuses an unauthenticated upgrade with 401 and unknown paths with 404', async () => {
    const wsUrl = gw.url.replace('http', 'ws');
    await expect(open(`${wsUrl}/api/v1/push/ws`)).rejects.toThrow('status 401');
    await expect(open(`${wsUrl}/api/v1/nothing/ws`)).rejects.toThrow('status 404');
  });
});
