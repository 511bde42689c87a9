import { describe, expect, it } from '@jest/globals';
import { RouteTable, applyHeaderOps, type RouteRequest } from './route-table.js';
import { GatewayRoutesInvalidError } from '../gateway.errors.js';

const req = (over: Partial<RouteRequest> = {}): RouteRequest => ({
  method: 'GET',
  host: 'api.example.com',
  path: '/api/x',
  query: '',
  headers: {},
  remoteAddress: '10.1.2.3',
  ...over,
});
const table = (routes: unknown[]): RouteTable => RouteTable.compile({ routes });
const r = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  uri: 'http://up:1',
  ...extra,
});
const matchId = (t: RouteTable, q: Partial<RouteRequest>, now = Date.now(), random = Math.random): string | undefined =>
  t.match(req(q), now, random)?.route.id;

describe('predicates', () => {
  it('Path: captures, * and ** and {*rest}', () => {
    const t = table([
      r('a', { predicates: { path: ['/api/v1/homes/{homeId}/devices'] } }),
      r('b', { predicates: { path: ['/api/v1/items/*/x'] } }),
      r('c', { predicates: { path: ['/api/files/{*rest}'] } }),
      r('d', { predicates: { path: ['/api/any/**'] } }),
    ]);
    expect(t.match(req({ path: '/api/v1/homes/h1/devices' }), 0)?.captures).toEqual({ homeId: 'h1' });
    expect(matchId(t, { path: '/api/v1/homes/h1/devices/extra' })).toBeUndefined();
    expect(matchId(t, { path: '/api/v1/items/7/x' })).toBe('b');
    expect(t.match(req({ path: '/api/files/a/b.txt' }), 0)?.captures).toEqual({ rest: 'a/b.txt' });
    expect(matchId(t, { path: '/api/any' })).toBe('d');
    expect(matchId(t, { path: '/api/any/1/2/3' })).toBe('d');
    expect(matchId(t, { path: '/api/anything' })).toBeUndefined();
  });

  it('Method, Host (with wildcard), Header, Query, Cookie', () => {
    expect(matchId(table([r('m', { predicates: { method: ['POST'] } })]), { method: 'GET' })).toBeUndefined();
    expect(matchId(table([r('m', { predicates: { method: ['POST'] } })]), { method: 'POST' })).toBe('m');
    const host = table([r('h', { predicates: { host: ['*.example.com'] } })]);
    expect(matchId(host, { host: 'api.example.com' })).toBe('h');
    expect(matchId(host, { host: 'example.org' })).toBeUndefined();
    const header = table([r('h', { predicates: { header: [{ name: 'X-Version', regexp: 'v[23]' }] } })]);
    expect(matchId(header, { headers: { 'x-version': 'v2' } })).toBe('h');
    expect(matchId(header, { headers: { 'x-version': 'v1' } })).toBeUndefined();
    expect(matchId(header, {})).toBeUndefined();
    const query = table([r('q', { predicates: { query: [{ name: 'beta' }, { name: 'lang', regexp: 'en|de' }] } })]);
    expect(matchId(query, { query: 'beta=1&lang=de' })).toBe('q');
    expect(matchId(query, { query: 'lang=de' })).toBeUndefined();
    expect(matchId(query, { query: 'beta&lang=fr' })).toBeUndefined();
    const cookie = table([r('c', { predicates: { cookie: [{ name: 'canary', regexp: 'yes' }] } })]);
    expect(matchId(cookie, { headers: { cookie: 'a=1; canary=yes' } })).toBe('c');
    expect(matchId(cookie, { headers: { cookie: 'canary=no' } })).toBeUndefined();
  });

  it('RemoteAddr with CIDRs, IPv4-mapped IPv6 included', () => {
    const t = table([r('lan', { predicates: { remoteAddr: ['10.0.0.0/8', '::1/128'] } })]);
    expect(matchId(t, { remoteAddress: '10.200.1.1' })).toBe('lan');
    expect(matchId(t, { remoteAddress: '::ffff:10.0.0.9' })).toBe('lan');
    expect(matchId(t, { remoteAddress: '::1' })).toBe('lan');
    expect(matchId(t, { remoteAddress: '192.168.1.1' })).toBeUndefined();
  });

  it('After, Before, Between', () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    const t = table([
      r('after', { predicates: { after: '2026-01-01T00:00:00Z', path: ['/a'] } }),
      r('before', { predicates: { before: '2026-01-01T00:00:00Z', path: ['/b'] } }),
      r('between', { predicates: { between: ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'], path: ['/c'] } }),
    ]);
    expect(matchId(t, { path: '/a' }, at + 1)).toBe('after');
    expect(matchId(t, { path: '/a' }, at - 1)).toBeUndefined();
    expect(matchId(t, { path: '/b' }, at - 1)).toBe('before');
    expect(matchId(t, { path: '/b' }, at + 1)).toBeUndefined();
    expect(matchId(t, { path: '/c' }, at + 3_600_000)).toBe('between');
    expect(matchId(t, { path: '/c' }, at + 2 * 86_400_000)).toBeUndefined();
  });

  it('Weight groups split traffic by weight (one draw per group)', () => {
    const t = table([
      r('stable', { predicates: { path: ['/w'], weight: { group: 'g', weight: 8 } } }),
      r('canary', { predicates: { path: ['/w'], weight: { group: 'g', weight: 2 } } }),
    ]);
    expect(matchId(t, { path: '/w' }, 0, () => 0.0)).toBe('stable');
    expect(matchId(t, { path: '/w' }, 0, () => 0.79)).toBe('stable');
    expect(matchId(t, { path: '/w' }, 0, () => 0.8)).toBe('canary');
    expect(matchId(t, { path: '/w' }, 0, () => 0.99)).toBe('canary');
    let canary = 0;
    for (let i = 0; i < 2_000; i++) if (matchId(t, { path: '/w' }) === 'canary') canary++;
    expect(canary).toBeGreaterThan(300);
    expect(canary).toBeLessThan(500);
  });

  it('orders by order, then by position', () => {
    const t = table([r('late', { order: 5 }), r('early', { order: -1 }), r('second', { order: 5 })]);
    expect(t.routes.map((x) => x.id)).toEqual(['early', 'late', 'second']);
  });
});

describe('path filters', () => {
  const rewrite = (filters: unknown[], path: string, pattern = '/api/{a}/**'): string => {
    const t = table([r('x', { predicates: { path: [pattern] }, filters })]);
    const m = t.match(req({ path }), 0)!;
    return m.route.rewritePath(path, m.captures);
  };
  it('StripPrefix, PrefixPath, RewritePath, SetPath, in order', () => {
    expect(rewrite([{ stripPrefix: 2 }], '/api/v1/push/ws')).toBe('/push/ws');
    expect(rewrite([{ stripPrefix: 3 }], '/api/v1/x')).toBe('/');
    expect(rewrite([{ prefixPath: '/internal' }], '/api/v1/x')).toBe('/internal/api/v1/x');
    expect(rewrite([{ rewritePath: { regexp: '^/api/(?<rest>.*)$', replacement: '/svc/$<rest>' } }], '/api/v1/x')).toBe(
      '/svc/v1/x',
    );
    expect(rewrite([{ setPath: '/things/{a}' }], '/api/v9/x')).toBe('/things/v9');
    expect(rewrite([{ stripPrefix: 1 }, { prefixPath: '/p' }], '/api/v1/x')).toBe('/p/v1/x');
  });
});

describe('header filters', () => {
  it('add, set and remove, with captures in values', () => {
    const t = table([
      r('h', {
        predicates: { path: ['/api/{a}'] },
        filters: [
          { addRequestHeader: { name: 'X-A', value: 'one-{a}' } },
          { setRequestHeader: { name: 'X-B', value: 'fixed' } },
          { removeRequestHeader: 'X-C' },
        ],
      }),
    ]);
    const m = t.match(req({ path: '/api/7' }), 0)!;
    const headers: Record<string, string | string[] | undefined> = { 'x-a': 'zero', 'x-b': 'old', 'x-c': 'gone' };
    applyHeaderOps(headers, m.route.requestHeaders, m.captures);
    expect(headers).toEqual({ 'x-a': ['zero', 'one-7'], 'x-b': 'fixed' });
  });
});

describe('validation', () => {
  it('lists every problem and compiles nothing', () => {
    let error: unknown;
    try {
      table([
        { id: 'bad id!', uri: 'ftp://x' },
        r('dup'),
        r('dup'),
        r('cidr', { predicates: { remoteAddr: ['300.1.1.1/8'] } }),
        r('tenant', { tenantParam: 'homeId', predicates: { path: ['/x/{other}'] } }),
        r('schema', { filters: [{ validateBody: { schema: { type: 'nope' } } }] }),
        r('unknown', { filters: [{ teleport: true }] }),
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GatewayRoutesInvalidError);
    const problems = (error as GatewayRoutesInvalidError).data.problems.join('\n');
    expect(problems).toMatch(/routes\.0\.id/);
    expect(problems).toMatch(/routes\.0\.uri/);
    expect(problems).toMatch(/duplicate id dup/);
    expect(problems).toMatch(/routes\.6\.filters\.0/);
  });

  it('refuses semantic problems once the schema holds', () => {
    expect(() => table([r('cidr', { predicates: { remoteAddr: ['300.1.1.1/8'] } })])).toThrow(/not an IP/);
    expect(() => table([r('t', { tenantParam: 'homeId', predicates: { path: ['/x/{other}'] } })])).toThrow(
      /tenantParam homeId/,
    );
    expect(() => table([r('s', { filters: [{ validateBody: { schema: { type: 'nope' } } }] })])).toThrow(
      /validateBody/,
    );
    expect(() => table([r('p', { predicates: { path: ['/a/**/b'] } })])).toThrow(/last segment/);
  });
});
