import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, route, startGateway, startUpstream, type TestGateway, type TestUpstream } from './gateway-harness.js';

describe('resilience filters', () => {
  let upstream: TestUpstream;
  let fallback: TestUpstream;
  let gw: TestGateway;
  let failing = false;
  beforeAll(async () => {
    upstream = await startUpstream((req, res, body) => {
      if (failing || req.url?.startsWith('/api/always-503')) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"down":true}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, url: req.url, body }));
    });
    fallback = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"fallback":true}');
    });
    gw = await startGateway(upstream, [
      route('limited', {
        predicates: { path: ['/api/limited'] },
        filters: [{ rateLimit: { qps: 1, burst: 2, keyBy: 'ip' } }],
      }),
      route('breaker-problem', {
        predicates: { path: ['/api/bp'] },
        filters: [
          {
            circuitBreaker: {
              minimumCalls: 4,
              windowSizeCalls: 4,
              failureRateThresholdPercent: 50,
              openDurationMs: 300,
              halfOpenPermittedCalls: 1,
              fallback: { status: 503, code: 'DEVICES_DEGRADED', detail: 'Device data is temporarily unavailable.' },
            },
          },
        ],
      }),
      route('breaker-uri', {
        predicates: { path: ['/api/bu'] },
        filters: [
          {
            circuitBreaker: {
              minimumCalls: 2,
              windowSizeCalls: 2,
              openDurationMs: 60_000,
              fallback: { uri: `${fallback.url}/cached` },
            },
          },
        ],
      }),
      route('retry', {
        predicates: { path: ['/api/retry/**', '/api/always-503'] },
        filters: [{ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } }],
      }),
      route('retry-bounded', {
        predicates: { path: ['/api/bounded'] },
        timeoutMs: 300,
        filters: [{ retry: { maxAttempts: 10, initialDelayMs: 1, maxDelayMs: 2 } }],
      }),
    ]);
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await fallback?.close();
  });

  it('RateLimit: 429 problem+json with Retry-After once the burst is spent', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await call(`${gw.url}/api/limited`);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(limited?.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited?.headers['content-type']).toContain('application/problem+json');
    expect(limited?.json()['code']).toBe('RESILIENCE_RATE_LIMITED');
  });

  it('CircuitBreaker: a failing upstream opens it, the fallback is served, and it closes after recovery', async () => {
    failing = true;
    upstream.seen.length = 0;
    const during: number[] = [];
    for (let i = 0; i < 4; i++) during.push((await call(`${gw.url}/api/bp`)).status);
    // Failures answer with the fallback problem too (the breaker counted them).
    const open = await call(`${gw.url}/api/bp`);
    expect(open.status).toBe(503);
    expect(open.json()['code']).toBe('DEVICES_DEGRADED');
    const reached = upstream.seen.length;
    await call(`${gw.url}/api/bp`);
    expect(upstream.seen.length).toBe(reached); // open: the upstream is not called
    const admin = gw.runtime.policySnapshot().breakers['breaker-problem'];
    expect(admin?.[0]?.state).toBe('open');

    failing = false;
    await new Promise((r) => setTimeout(r, 350)); // openDurationMs passes
    const recovered = await call(`${gw.url}/api/bp`);
    expect(recovered.status).toBe(200);
    expect(gw.runtime.policySnapshot().breakers['breaker-problem']?.[0]?.state).toBe('closed');
    expect((await call(`${gw.url}/api/bp`)).status).toBe(200);
  });

  it('CircuitBreaker: a fallback URI is called when the breaker is open', async () => {
    failing = true;
    for (let i = 0; i < 2; i++) await call(`${gw.url}/api/bu`);
    const res = await call(`${gw.url}/api/bu`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ fallback: true });
    expect(res.headers['x-lattice-fallback']).toBe('true');
    expect(fallback.seen.at(-1)?.url).toBe('/cached');
    failing = false;
  });

  it('Retry: idempotent requests are retried on listed statuses, others are not', async () => {
    let n = 0;
    const handler = upstream.handler;
    upstream.handler = (req, res) => {
      n++;
      res.writeHead(n < 3 ? 502 : 200);
      res.end(req.method);
    };
    const get = await call(`${gw.url}/api/retry/x`);
    expect(get.status).toBe(200);
    expect(n).toBe(3);
    n = 0;
    const post = await call(`${gw.url}/api/retry/x`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(502); // the upstream's own answer, passed through
    expect(n).toBe(1);
    upstream.handler = handler;
    upstream.seen.length = 0;
    const exhausted = await call(`${gw.url}/api/always-503`);
    expect(exhausted.status).toBe(503);
    expect(exhausted.body).toBe('{"down":true}');
    expect(upstream.seen).toHaveLength(3);
  });

  it('Retry: attempts stop at the route timeout instead of multiplying it', async () => {
    const handler = upstream.handler;
    let attempts = 0;
    upstream.handler = (_req, res) => {
      attempts++;
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(503);
        res.end();
      }, 120);
    };
    const res = await call(`${gw.url}/api/bounded`);
    // 10 attempts of 120 ms would need 1.2 s; the 300 ms route budget admits at most 3 starts.
    expect(attempts).toBeLessThanOrEqual(3);
    expect([503, 504]).toContain(res.status);
    upstream.handler = handler;
  });
});
