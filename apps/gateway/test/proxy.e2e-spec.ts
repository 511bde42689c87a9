import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyIdentityHeaders } from '@lattice-platform/gateway';
import {
  call,
  IDENTITY_SECRET,
  route,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from './gateway-harness.js';

describe('proxying', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await startGateway(upstream, [
      route('slow', {
        predicates: { path: ['/api/slow/**'] },
        timeoutMs: 200,
      }),
      route('headers', {
        predicates: { path: ['/api/h/{id}'] },
        filters: [
          { addRequestHeader: { name: 'X-Route-Id', value: 'id-{id}' } },
          { removeRequestHeader: 'X-Drop-Me' },
          { setResponseHeader: { name: 'X-Served-By', value: 'lattice' } },
          { removeResponseHeader: 'X-Upstream' },
          { addResponseHeader: { name: 'X-Extra', value: 'yes' } },
        ],
      }),
      route('small', { predicates: { path: ['/api/small'] }, filters: [{ requestSize: { maxBytes: 1024 } }] }),
      route('rewrite', {
        predicates: { path: ['/api/v1/svc/**'] },
        filters: [{ stripPrefix: 2 }, { prefixPath: '/inner' }],
      }),
      route('schema', {
        predicates: { path: ['/api/schema'], method: ['POST'] },
        filters: [
          {
            validateBody: {
              schema: { type: 'object', required: ['method'], properties: { method: { type: 'string' } } },
            },
          },
        ],
      }),
      route('cors', {
        predicates: { path: ['/api/cors'], method: ['PUT'] },
        filters: [{ cors: { allowedOrigins: ['https://app.example.com'], allowCredentials: true } }],
      }),
      route('echo', { predicates: { path: ['/api/{first}/**'] } }),
    ]);
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('strips hop-by-hop headers both ways and sets X-Forwarded-*, a request id and traceparent', async () => {
    upstream.seen.length = 0;
    const res = await call(`${gw.url}/api/x?q=1`, {
      headers: {
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': 'drop',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'proxy-authorization': 'Basic abc',
        'x-end-to-end': 'keep',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'x-request-id': 'req-123',
        'x-forwarded-for': '203.0.113.9',
      },
    });
    expect(res.status).toBe(200);
    const seen = upstream.seen[0]!;
    expect(seen.url).toBe('/api/x?q=1');
    expect(seen.headers['x-secret-hop']).toBeUndefined();
    expect(seen.headers['keep-alive']).toBeUndefined();
    expect(seen.headers['te']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers['x-end-to-end']).toBe('keep');
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(new URL(gw.url).host);
    expect(seen.headers['x-request-id']).toBe('req-123');
    expect(seen.headers['traceparent']).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(seen.headers['traceparent']).not.toContain('b7ad6b7169203331');
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.headers['x-upstream']).toBe('yes');

    const fresh = await call(`${gw.url}/api/x`);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f]{24}$/);
    expect(upstream.seen[1]!.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('ignores identity headers forged by the client (auth none: none are sent)', async () => {
    upstream.seen.length = 0;
    await call(`${gw.url}/api/x`, {
      headers: { 'x-lattice-user': 'admin', 'x-lattice-homes': 'everything', 'x-lattice-identity-signature': 'ab' },
    });
    const seen = upstream.seen[0]!;
    expect(seen.headers['x-lattice-user']).toBeUndefined();
    expect(seen.headers['x-lattice-homes']).toBeUndefined();
    expect(verifyIdentityHeaders(seen.headers, IDENTITY_SECRET)).toBe(false);
  });

  it('applies request and response header filters', async () => {
    upstream.seen.length = 0;
    const res = await call(`${gw.url}/api/h/42`, { headers: { 'x-drop-me': '1' } });
    expect(upstream.seen[0]!.headers['x-route-id']).toBe('id-42');
    expect(upstream.seen[0]!.headers['x-drop-me']).toBeUndefined();
    expect(res.headers['x-served-by']).toBe('lattice');
    expect(res.headers['x-upstream']).toBeUndefined();
    expect(res.headers['x-extra']).toBe('yes');
  });

  it('rewrites paths (StripPrefix then PrefixPath) and keeps the query', async () => {
    upstream.seen.length = 0;
    await call(`${gw.url}/api/v1/svc/a/b?z=9`);
    expect(upstream.seen[0]!.url).toBe('/inner/svc/a/b?z=9');
  });

  it('refuses bodies over the RequestSize limit with 413, by length and while streaming', async () => {
    const big = 'x'.repeat(2048);
    const byLength = await call(`${gw.url}/api/small`, { method: 'POST', body: big });
    expect(byLength.status).toBe(413);
    expect(byLength.headers['content-type']).toContain('application/problem+json');
    expect(byLength.json()['code']).toBe('GATEWAY_PAYLOAD_TOO_LARGE');
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/api/small`, { method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('y'.repeat(600));
      setTimeout(() => req.end('y'.repeat(600)), 20);
    });
    expect(chunked).toBe(413);
    const ok = await call(`${gw.url}/api/small`, { method: 'POST', body: 'x'.repeat(100) });
    expect(ok.status).toBe(200);
  });

  it('streams bodies both ways without buffering them', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      void released.then(() => res.end('last'));
    };
    const first = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/api/stream`, { agent: false }, (res) => {
        res.once('data', (c: Buffer) => {
          resolve(c.toString());
          res.resume();
        });
      });
      req.on('error', reject);
      req.end();
    });
    // The first chunk arrived while the upstream still holds the rest.
    expect(first).toBe('first;');
    release();
    upstream.handler = (_req, res, body) => {
      res.writeHead(200);
      res.end(String(body.length));
    };
    const size = 3 * 1024 * 1024;
    const upload = await call(`${gw.url}/api/upload`, { method: 'PUT', body: Buffer.alloc(size, 97) });
    expect(upload.body).toBe(String(size));
    upstream.handler = (req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, method: req.method, url: req.url, body }));
    };
  });

  it("streams a large response at the client's pace: backpressure reaches the upstream", async () => {
    const size = 64 * 1024 * 1024;
    let sent = 0;
    const handler = upstream.handler;
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      const chunk = Buffer.alloc(64 * 1024, 98);
      const pump = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    };
    let sentBeforeClientRead = 0;
    const received = await new Promise<{ bytes: number; allB: boolean }>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/api/big`, { agent: false }, (res) => {
        // The client reads nothing for a while: the gateway must not pull all 64 MiB meanwhile.
        res.pause();
        // Wait until the upstream has sent everything or has stalled (no progress for 3 polls).
        let last = -1;
        let still = 0;
        const poll = setInterval(() => {
          still = sent === last ? still + 1 : 0;
          last = sent;
          if (sent < size && still < 3) return;
          clearInterval(poll);
          sentBeforeClientRead = sent;
          let bytes = 0;
          let allB = true;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (c.some((byte) => byte !== 98)) allB = false;
          });
          res.on('end', () => resolve({ bytes, allB }));
          res.resume();
        }, 50);
      });
      req.on('error', reject);
      req.end();
    });
    upstream.handler = handler;
    expect(received).toEqual({ bytes: size, allB: true });
    // Socket buffers on both hops hold some megabytes; the rest waited for the client.
    expect(sentBeforeClientRead).toBeLessThan(size);
  });

  it('cancels the upstream request when the client disconnects', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const handler = upstream.handler;
    upstream.handler = (_req, res) => {
      res.on('close', () => upstreamClosed());
      res.writeHead(200);
      res.write('partial');
    };
    const req = httpRequest(`${gw.url}/api/hang`, { agent: false }, (res) => {
      res.once('data', () => req.destroy());
    });
    req.on('error', () => undefined);
    req.end();
    await closed; // resolves only if the gateway tore the upstream exchange down
    upstream.handler = handler;
  });

  it('answers 504 problem+json when the upstream misses the route timeout', async () => {
    const handler = upstream.handler;
    upstream.handler = (_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) res.end('late');
      }, 1_000);
    };
    const res = await call(`${gw.url}/api/slow/x`);
    expect(res.status).toBe(504);
    expect(res.json()['code']).toBe('GATEWAY_UPSTREAM_TIMEOUT');
    upstream.handler = handler;
  });

  it('validates JSON bodies against the route schema', async () => {
    const headers = { 'content-type': 'application/json' };
    const malformed = await call(`${gw.url}/api/schema`, { method: 'POST', headers, body: '{"method":' });
    expect(malformed.status).toBe(400);
    expect(malformed.json()['code']).toBe('MALFORMED_BODY');
    const wrong = await call(`${gw.url}/api/schema`, { method: 'POST', headers, body: '{"method":5}' });
    expect(wrong.status).toBe(400);
    expect(wrong.json()['code']).toBe('GATEWAY_BODY_INVALID');
    expect(wrong.json()['errors']).toEqual(['/method: must be string']);
    const ok = await call(`${gw.url}/api/schema`, { method: 'POST', headers, body: '{"method":"on"}' });
    expect(ok.status).toBe(200);
    expect(ok.json()['body']).toBe('{"method":"on"}');
  });

  it('answers CORS preflights and decorates actual responses for allowed origins only', async () => {
    const pre = await call(`${gw.url}/api/cors`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(pre.headers['access-control-allow-methods']).toContain('PUT');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    const actual = await call(`${gw.url}/api/cors`, { method: 'PUT', headers: { origin: 'https://app.example.com' } });
    expect(actual.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await call(`${gw.url}/api/cors`, { method: 'PUT', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 404 problem+json for unknown routes and 400 for path tricks', async () => {
    const none = await call(`${gw.url}/apix`);
    expect(none.status).toBe(404); // Nest's 404, not the proxy
    const unknown = await call(`${gw.url}/api`);
    expect(unknown.status).toBe(404);
    expect(unknown.json()['code']).toBe('GATEWAY_NOT_FOUND');
    const trick = await call(`${gw.url}/api/%2e%2e/admin`);
    expect(trick.status).toBe(400);
    expect(trick.json()['code']).toBe('GATEWAY_BAD_PATH');
  });
});
