import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { redisUrl } from '#test/redis.js';
import {
  call,
  route,
  SAAS,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from './gateway-harness.js';
import { signSaasRequest } from '@lattice-platform/gateway';

describe('redis backend: cluster-wide limits and nonces', () => {
  let upstream: TestUpstream;
  const gateways: TestGateway[] = [];
  const routeId = `limited-${Date.now()}`;
  beforeAll(async () => {
    upstream = await startUpstream();
    const env = { LATTICE_BACKEND: 'redis', LATTICE_REDIS_URL: redisUrl(), LATTICE_DISCOVERY: 'static' };
    const routes = [
      route(routeId, {
        predicates: { path: ['/api/limited'] },
        filters: [{ rateLimit: { qps: 1, burst: 3, keyBy: 'ip' } }],
      }),
      route('partner', { uri: upstream.url, auth: 'saas', predicates: { path: ['/api/partner'] } }),
    ];
    gateways.push(await startGateway(upstream, undefined, {}, env));
    await gateways[0]!.publishRoutes(routes);
    // The second instance starts on the release already in Redis.
    gateways.push(await startGateway(upstream, undefined, {}, env));
    expect(gateways[1]!.runtime.proxy.routes.routes.map((r) => r.id)).toEqual([routeId, 'partner']);
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await upstream?.close();
  });

  it('shares one rate limit across gateway instances', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(`${gateways[i % 2]!.url}/api/limited`)).status);
    // Burst 3 across both instances (not 3 each), then 429s.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(4);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
  });

  it('refuses a SaaS nonce replayed against another instance', async () => {
    const headers = signSaasRequest(SAAS, 'GET', '/api/partner');
    expect((await call(`${gateways[0]!.url}/api/partner`, { headers })).status).toBe(200);
    const replay = await call(`${gateways[1]!.url}/api/partner`, { headers });
    expect(replay.status).toBe(401);
    expect(replay.json()['detail']).toContain('nonce reused');
  });
});
