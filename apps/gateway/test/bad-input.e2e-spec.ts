import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { call, startGateway, startUpstream, type TestGateway, type TestUpstream } from './gateway-harness.js';

/** Sends raw bytes and resolves with the status line (or 'closed' when the server hung up without one). */
function raw(url: string, bytes: string, waitMs = 2_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(data === '' ? 'open' : data.split('\r\n')[0]!);
    }, waitMs);
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data === '' ? 'closed' : data.split('\r\n')[0]!);
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

describe('bad input', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await startGateway(upstream, undefined, { gateway: { server: { headersTimeoutMs: 300 } } });
    token = await gw.token({ homes: ['home-1'], roles: ['user'] });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('answers malformed JSON, wrong types and huge bodies with 4xx problem+json', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const url = `${gw.url}/api/v1/devices/d1/commands`;
    const malformed = await call(url, { method: 'POST', headers, body: '{"method": "on",' });
    expect([malformed.status, malformed.json()['code']]).toEqual([400, 'MALFORMED_BODY']);
    const wrongType = await call(url, { method: 'POST', headers, body: '{"method": 42, "timeoutMs": "soon"}' });
    expect([wrongType.status, wrongType.json()['code']]).toEqual([400, 'GATEWAY_BODY_INVALID']);
    const huge = await call(url, { method: 'POST', headers, body: Buffer.alloc(2 * 1024 * 1024, 32) });
    expect([huge.status, huge.json()['code']]).toEqual([413, 'GATEWAY_PAYLOAD_TOO_LARGE']);
  });

  it('refuses path tricks with 400', async () => {
    for (const path of [
      '/api/v1/../admin/routes',
      '/api/v1/devices/a%2fb',
      '/api/v1/devices/%252e%252e',
      '/api/v1/%2e%2e/x',
    ]) {
      const res = await call(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect([path, res.status]).toEqual([path, 400]);
    }
  });

  it('closes header floods and slowloris connections', async () => {
    const flood = await raw(gw.url, `GET /api/v1/rules HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    expect(flood).toMatch(/^HTTP\/1\.1 431|^closed$/);
    // Headers that never finish: the connection is cut after gateway.server.headersTimeoutMs.
    const slow = await raw(gw.url, 'GET /api/v1/rules HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', 3_000);
    expect(slow).toMatch(/^closed$|^HTTP\/1\.1 408/);
    const garbage = await raw(gw.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400|^closed$/);
  });

  it('never answers the public API with a 5xx, whatever the input (fast-check)', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2F',
        '%252f',
        '%00',
        '%zz',
        '',
        'home-1',
        'home-2',
        'd1',
        'rules',
        '~',
        '%E2%82%AC',
      ),
      fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/),
    );
    const path = fc
      .tuple(
        fc.constantFrom('/api/v1/homes', '/api/v1/devices', '/api/v1/rules', '/api/v1/hubs', '/api/v1/push', '/api'),
        fc.array(segment, { maxLength: 4 }),
      )
      .map(([base, rest]) => [base, ...rest].join('/'));
    const body = fc.oneof(
      fc.constant(undefined),
      fc.json().map((j) => j),
      fc.string({ maxLength: 200 }),
      fc.constantFrom('{"method":', '[]', 'null', '{"method":1}', '{"method":"on","params":[]}'),
    );
    const auth = fc.constantFrom<Record<string, string>>(
      {},
      { authorization: 'Bearer garbage' },
      { authorization: 'Basic abc' },
      { 'x-lattice-key': 'acme', 'x-lattice-signature': 'zz', 'x-lattice-timestamp': 'now', 'x-lattice-nonce': '..' },
      { 'x-lattice-user': 'admin', 'x-lattice-homes': '*' },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        path,
        body,
        auth,
        fc.boolean(),
        async (method, p, b, headers, withToken) => {
          const res = await call(`${gw.url}${p}`, {
            method,
            headers: {
              ...headers,
              ...(withToken ? { authorization: `Bearer ${token}` } : {}),
              ...(b === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(b === undefined || method === 'GET' || method === 'HEAD' ? {} : { body: b }),
          });
          // Upstream success is fine; the gateway itself must refuse bad input with a 4xx.
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400 && method !== 'HEAD') expect(res.headers['content-type']).toContain('problem+json');
        },
      ),
      { numRuns: 300 },
    );
    expect((await call(`${gw.url}/health/live`)).status).toBe(200);
  });
});
