import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signSaasRequest, verifyIdentityHeaders } from '@lattice-platform/gateway';
import {
  call,
  IDENTITY_SECRET,
  route,
  SAAS,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from './gateway-harness.js';

describe('auth, identity and tenant isolation', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await startGateway(upstream, [
      route('home', {
        auth: 'user',
        tenantParam: 'homeId',
        predicates: { path: ['/api/v1/homes/{homeId}/devices'] },
      }),
      route('partner', { auth: 'saas', predicates: { path: ['/api/v1/partner/**'] } }),
      route('ops', { auth: 'admin', predicates: { path: ['/api/v1/ops'] } }),
      route('user', { auth: 'user', predicates: { path: ['/api/v1/**'] } }),
    ]);
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  it('passes a valid JWT with signed identity headers and drops forged ones', async () => {
    upstream.seen.length = 0;
    const token = await gw.token({ sub: 'alice', homes: ['home-1', 'home-2'], roles: ['user'] });
    const res = await call(`${gw.url}/api/v1/devices/d1`, {
      headers: {
        ...bearer(token),
        'x-lattice-user': 'mallory',
        'x-lattice-homes': 'home-9',
        'x-lattice-roles': 'admin',
        'x-lattice-saas-key': 'acme',
        'x-lattice-identity-signature': 'f'.repeat(64),
      },
    });
    expect(res.status).toBe(200);
    const h = upstream.seen[0]!.headers;
    expect(h['x-lattice-user']).toBe('alice');
    expect(h['x-lattice-homes']).toBe('home-1,home-2');
    expect(h['x-lattice-roles']).toBe('user');
    expect(h['x-lattice-saas-key']).toBeUndefined();
    expect(h['authorization']).toBeUndefined();
    expect(verifyIdentityHeaders(h, IDENTITY_SECRET)).toBe(true);
    expect(verifyIdentityHeaders({ ...h, 'x-lattice-homes': 'home-9' }, IDENTITY_SECRET)).toBe(false);
  });

  it.each([
    ['no token', (): Promise<Record<string, string>> => Promise.resolve({})],
    ['expired', async () => bearer(await gw.token({}, { expSeconds: -120 }))],
    ['not yet valid', async () => bearer(await gw.token({}, { nbfSeconds: 300 }))],
    ['wrong audience', async () => bearer(await gw.token({}, { audience: 'other' }))],
    ['bad signature', async () => bearer(await gw.token({}, { secret: 'a-different-secret-of-32-characters!!' }))],
    ['wrong algorithm', async () => bearer(await gw.token({}, { alg: 'HS512' }))],
    [
      'alg none',
      () => {
        const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
        const exp = Math.floor(Date.now() / 1000) + 600;
        return Promise.resolve(
          bearer(`${enc({ alg: 'none' })}.${enc({ sub: 'x', iss: 'lattice', aud: 'lattice-api', exp })}.`),
        );
      },
    ],
  ])('refuses a request with %s: 401 problem+json, upstream not called', async (_name, headers) => {
    upstream.seen.length = 0;
    const res = await call(`${gw.url}/api/v1/devices/d1`, { headers: await headers() });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()['code']).toBe('GATEWAY_UNAUTHENTICATED');
    expect(upstream.seen).toHaveLength(0);
  });

  it('answers 404 for another home, exactly like an unknown path', async () => {
    const token = await gw.token({ homes: ['home-1'] });
    expect((await call(`${gw.url}/api/v1/homes/home-1/devices`, { headers: bearer(token) })).status).toBe(200);
    upstream.seen.length = 0;
    const other = await call(`${gw.url}/api/v1/homes/home-2/devices`, { headers: bearer(token) });
    expect(other.status).toBe(404);
    expect(other.json()['code']).toBe('GATEWAY_NOT_FOUND');
    expect(upstream.seen).toHaveLength(0);
    const forged = await call(`${gw.url}/api/v1/homes/home-2/devices`, {
      headers: { ...bearer(token), 'x-lattice-homes': 'home-2' },
    });
    expect(forged.status).toBe(404);
  });

  it('accepts signed SaaS requests, refusing replays, skew and tampering', async () => {
    upstream.seen.length = 0;
    const body = Buffer.from('{"title":"hello"}');
    const path = '/api/v1/partner/messages?x=1';
    const headers = signSaasRequest(SAAS, 'POST', path, body);
    const ok = await call(`${gw.url}${path}`, { method: 'POST', headers, body });
    expect(ok.status).toBe(200);
    expect(upstream.seen[0]!.body).toBe('{"title":"hello"}');
    expect(upstream.seen[0]!.headers['x-lattice-saas-key']).toBe('acme');
    expect(upstream.seen[0]!.headers['x-lattice-homes']).toBe('home-1');
    expect(verifyIdentityHeaders(upstream.seen[0]!.headers, IDENTITY_SECRET)).toBe(true);

    const replay = await call(`${gw.url}${path}`, { method: 'POST', headers, body });
    expect(replay.status).toBe(401);
    expect(replay.json()['detail']).toContain('nonce reused');

    const skewed = signSaasRequest(SAAS, 'POST', path, body, Date.now() - 6 * 60_000);
    expect((await call(`${gw.url}${path}`, { method: 'POST', headers: skewed, body })).status).toBe(401);

    const fresh = signSaasRequest(SAAS, 'POST', path, body);
    const tampered = await call(`${gw.url}${path}`, { method: 'POST', headers: fresh, body: '{"title":"HELLO"}' });
    expect(tampered.status).toBe(401);
    expect(tampered.json()['detail']).toContain('bad signature');

    const token = await gw.token();
    expect((await call(`${gw.url}/api/v1/partner/x`, { headers: bearer(token) })).status).toBe(401);
  });

  it('admin routes and endpoints need the admin role', async () => {
    const user = await gw.token({ roles: ['user'] });
    const admin = await gw.token({ roles: ['admin'] });
    expect((await call(`${gw.url}/api/v1/ops`, { headers: bearer(user) })).status).toBe(403);
    expect((await call(`${gw.url}/api/v1/ops`, { headers: bearer(admin) })).status).toBe(200);
    expect((await call(`${gw.url}/admin/routes`)).status).toBe(401);
    const forbidden = await call(`${gw.url}/admin/routes`, { headers: bearer(user) });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json()['code']).toBe('GATEWAY_FORBIDDEN');
    const routes = await call(`${gw.url}/admin/routes`, { headers: bearer(admin) });
    expect(routes.status).toBe(200);
    expect((routes.json()['routes'] as Array<{ id: string }>).map((r) => r.id)).toEqual([
      'home',
      'partner',
      'ops',
      'user',
    ]);
    expect((await call(`${gw.url}/admin/breakers`, { headers: bearer(admin) })).status).toBe(200);
    expect((await call(`${gw.url}/admin/limiters`, { headers: bearer(admin) })).status).toBe(200);
    expect((await call(`${gw.url}/config/gateway/default/gateway.routes`, { headers: bearer(user) })).status).toBe(403);
    const state = await call(`${gw.url}/config/gateway/default/gateway.routes`, { headers: bearer(admin) });
    expect(state.status).toBe(200);
    expect(JSON.stringify(state.json())).toContain('partner');
  });
});
