import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigAdminModule, RedisConfigStore, runConfigCli } from '@lattice/config';
import { redisUrl } from '#test/redis.js';
import { tempDir } from './support/helpers.js';

const prefix = `test:config-admin:${process.pid}:`;
const at = { appId: 'device', cluster: 'default', namespace: 'application' };

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runConfigCli([...argv, '--redis', redisUrl(), '--prefix', prefix, '--author', 'tester'], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}

describe('lattice-config CLI', () => {
  const { dir, remove } = tempDir();
  let store: RedisConfigStore;
  beforeAll(() => {
    store = new RedisConfigStore({ url: redisUrl(), keyPrefix: prefix });
  });
  afterAll(async () => {
    await store.close();
    remove();
  });

  it('publishes from YAML, shows, lists, diffs and rolls back', async () => {
    writeFileSync(join(dir, 'v1.yaml'), 'rateLimit:\n  rps: 100\nflag: true\n');
    writeFileSync(join(dir, 'v2.json'), '{"rateLimit": {"rps": 200}, "name": "x"}');
    expect(await cli('publish', '--app', 'device', '--file', join(dir, 'v1.yaml'), '--comment', 'first')).toMatchObject(
      {
        code: 0,
        out: 'published device/default/application version 1\n',
      },
    );
    expect((await cli('publish', '--app', 'device', '--file', join(dir, 'v2.json'))).code).toBe(0);
    expect((await store.state(at)).main).toMatchObject({
      version: 2,
      author: 'tester',
      properties: { rateLimit: { rps: 200 }, name: 'x' },
    });

    const get = await cli('get', '--app', 'device');
    expect(get.out).toContain('version 2 (publish) by tester');
    expect(get.out).toContain('rateLimit:\n  rps: 200\nname: x\n');
    const history = await cli('history', '--app', 'device', '--json');
    expect((JSON.parse(history.out) as { version: number }[]).map((r) => r.version)).toEqual([2, 1]);
    const diff = await cli('diff', '--app', 'device', '--from', '1');
    expect(diff.out).toBe(
      '# device/default/application: 1 -> 2\n+ name: "x"\n- flag: true\n~ rateLimit: {"rps":100} -> {"rps":200}\n',
    );
    expect((await cli('rollback', '--app', 'device', '--to', '1')).out).toBe(
      'rolled device/default/application back to version 1 as version 3\n',
    );
    expect((await store.state(at)).main).toMatchObject({
      version: 3,
      kind: 'rollback',
      properties: { rateLimit: { rps: 100 }, flag: true },
    });
  });

  it('refuses invalid YAML or JSON with a clear error and changes nothing', async () => {
    const before = await store.revision({ ...at, appId: 'push' });
    writeFileSync(join(dir, 'bad.yaml'), 'rateLimit:\n  rps: [100\n');
    writeFileSync(join(dir, 'bad.json'), '{"a": 1,}');
    writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
    for (const file of ['bad.yaml', 'bad.json', 'list.yaml']) {
      const result = await cli('publish', '--app', 'push', '--file', join(dir, file));
      expect(result.code).toBe(1);
      expect(result.err).toMatch(
        /^error CONFIG_RELEASE_INVALID: The release content is not valid (YAML|JSON); nothing was published/,
      );
    }
    expect(await store.revision({ ...at, appId: 'push' })).toBe(before);
  });

  it('runs a gray release through promote and abandon', async () => {
    writeFileSync(join(dir, 'base.yaml'), 'ui: old\n');
    writeFileSync(join(dir, 'gray.yaml'), 'ui: new\n');
    const g = { ...at, appId: 'gateway' };
    await cli('publish', '--app', 'gateway', '--file', join(dir, 'base.yaml'));
    const gray = await cli(
      'gray',
      '--app',
      'gateway',
      '--file',
      join(dir, 'gray.yaml'),
      '--instances',
      'gw-1',
      '--labels',
      'canary=true',
    );
    expect(gray.out).toBe('published gray release 2 of gateway/default/application for gw-1, canary=true\n');
    expect((await store.state(g)).gray).toMatchObject({
      targets: { instanceIds: ['gw-1'], labels: { canary: 'true' } },
    });
    expect((await cli('abandon', '--app', 'gateway')).out).toBe(
      'abandoned gray release 2 of gateway/default/application\n',
    );
    await cli('gray', '--app', 'gateway', '--file', join(dir, 'gray.yaml'), '--labels', 'canary=true');
    expect((await cli('promote', '--app', 'gateway')).out).toBe(
      'promoted gray release 4 of gateway/default/application as version 5\n',
    );
    expect((await store.state(g)).main?.properties).toEqual({ ui: 'new' });
    expect(await cli('promote', '--app', 'gateway')).toMatchObject({
      code: 1,
      err: expect.stringContaining('CONFIG_NO_GRAY_RELEASE'),
    });
  });

  it('answers usage errors with status 2', async () => {
    expect((await cli('publish', '--file', 'x.yaml')).code).toBe(2);
    expect((await cli('explode', '--app', 'x')).err).toContain('Unknown command "explode"');
    expect((await cli('get', '--app', 'x', '--bogus')).code).toBe(2);
    expect((await cli('rollback', '--app', 'x', '--to', 'abc')).code).toBe(2);
  });
});

describe('ConfigAdminModule HTTP API', () => {
  let app: INestApplication;
  let base: string;
  let store: RedisConfigStore;
  const httpPrefix = `${prefix}http:`;

  beforeAll(async () => {
    store = new RedisConfigStore({ url: redisUrl(), keyPrefix: httpPrefix });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigAdminModule.forRootAsync({ useFactory: () => ({ redis: { url: redisUrl(), keyPrefix: httpPrefix } }) }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = `${await app.getUrl()}/config/device/default/application`.replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      json: (await response.json()) as Record<string, unknown>,
    };
  }

  it('publishes, reads, diffs, rolls back and runs gray releases', async () => {
    expect(await call('GET', '')).toMatchObject({ status: 200, json: { revision: 0, main: null, gray: null } });
    const v1 = await call('POST', '/releases', { content: 'rps: 1\nname: a\n', author: 'ann', comment: 'first' });
    expect(v1).toMatchObject({ status: 201, json: { version: 1, author: 'ann', properties: { rps: 1, name: 'a' } } });
    expect(
      (await call('POST', '/releases', { properties: { rps: 2 }, author: 'ann', expectedRevision: 1 })).status,
    ).toBe(201);
    expect(((await call('GET', '/releases')).json as unknown as { version: number }[]).map((r) => r.version)).toEqual([
      2, 1,
    ]);
    expect((await call('GET', '/releases/1')).json.properties).toEqual({ rps: 1, name: 'a' });
    expect((await call('GET', '/diff?from=1')).json).toEqual({
      from: 1,
      to: 2,
      added: [],
      removed: [{ key: 'name', before: 'a' }],
      changed: [{ key: 'rps', before: 1, after: 2 }],
    });
    expect((await call('POST', '/rollback', { toVersion: 1, author: 'ops' })).json).toMatchObject({
      version: 3,
      rollbackOf: 1,
    });
    const gray = await call('POST', '/gray', {
      content: '{"rps": 9}',
      format: 'json',
      targets: { labels: { canary: 'true' } },
      author: 'ops',
    });
    expect(gray).toMatchObject({ status: 201, json: { version: 4, kind: 'gray' } });
    expect((await call('POST', '/gray/promote', { author: 'ops' })).json).toMatchObject({
      version: 5,
      promotedFrom: 4,
    });
    expect((await store.state({ ...at })).main?.properties).toEqual({ rps: 9 });
  });

  it('answers problem+json and changes nothing on invalid content and requests', async () => {
    const revision = await store.revision(at);
    const invalid = await call('POST', '/releases', { content: 'rps: [1', author: 'ann' });
    expect(invalid.status).toBe(400);
    expect(invalid.type).toContain('application/problem+json');
    expect(invalid.json).toMatchObject({
      code: 'CONFIG_RELEASE_INVALID',
      status: 400,
      instance: '/config/device/default/application/releases',
    });
    expect(invalid.json.detail).toContain('not valid YAML');
    expect((await call('POST', '/releases', { content: '{"a":', format: 'json', author: 'ann' })).json.code).toBe(
      'CONFIG_RELEASE_INVALID',
    );
    expect((await call('POST', '/releases', { properties: { a: 1 } })).json).toMatchObject({
      status: 400,
      code: 'CONFIG_BAD_REQUEST',
    });
    expect(
      (await call('POST', '/releases', { properties: { a: 1 }, author: 'x', expectedRevision: 0 })).json,
    ).toMatchObject({
      status: 409,
      code: 'CONFIG_REVISION_CONFLICT',
    });
    expect((await call('GET', '/releases/99')).json).toMatchObject({ status: 404, code: 'CONFIG_RELEASE_NOT_FOUND' });
    expect((await call('POST', '/gray/abandon', { author: 'ops' })).json).toMatchObject({
      status: 409,
      code: 'CONFIG_NO_GRAY_RELEASE',
    });
    expect((await call('POST', '/rollback', { toVersion: 99, author: 'ops' })).json.code).toBe(
      'CONFIG_RELEASE_NOT_FOUND',
    );
    expect(await store.revision(at)).toBe(revision);
  });
});
