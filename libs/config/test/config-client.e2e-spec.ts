import { afterEach, describe, expect, it } from '@jest/globals';
import { writeFileSync, mkdirSync, renameSync, symlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidOptionsError, ManualClock } from '@lattice/core';
import { MetricsRegistry } from '@lattice/telemetry';
import { z } from 'zod';
import {
  ConfigNamespaceInvalidError,
  ConfigService,
  ConfigUnknownNamespaceError,
  MemoryConfigStore,
  type ConfigModuleOptions,
  type ConfigStore,
  type ConfigStoreEvent,
} from '@lattice/config';
import { captureLogger, tempDir, waitFor } from './support/helpers.js';

const at = { appId: 'device', cluster: 'default', namespace: 'application' };

describe('ConfigService', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function client(options: Partial<ConfigModuleOptions> & { store: ConfigStore }): Promise<ConfigService> {
    const { dir, remove } = tempDir();
    const service = new ConfigService({
      appId: 'device',
      env: {},
      cacheDir: dir,
      logger: captureLogger().logger,
      ...options,
    });
    cleanups.push(remove, () => service.close());
    await service.start();
    return service;
  }

  it('merges defaults < file < config center < mounted directory < environment', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const file = join(dir, 'app.yaml');
    writeFileSync(file, 'application:\n  fromFile: file\n  level: file\n  nested: { a: file, b: file }\n');
    const mounted = join(dir, 'mounted');
    mkdirSync(mounted);
    writeFileSync(join(mounted, 'application.yaml'), 'fromMounted: mounted\nlevel: mounted\n');
    const store = new MemoryConfigStore();
    await store.publish({
      ...at,
      properties: { fromCenter: 'center', level: 'center', nested: { b: 'center' } },
      author: 'ops',
    });

    const config = await client({
      store,
      defaults: { application: { fromDefaults: 'defaults', level: 'defaults' } },
      files: [file],
      mountedDir: mounted,
      env: { LATTICE__LEVEL: 'env', LATTICE_DEVICE__FROM_ENV: '42', LATTICE_OTHER__LEVEL: 'not me' },
    });
    expect(config.get('fromDefaults')).toBe('defaults');
    expect(config.get('fromFile')).toBe('file');
    expect(config.get('fromCenter')).toBe('center');
    expect(config.get('fromMounted')).toBe('mounted');
    expect(config.get('fromEnv')).toBe(42);
    expect(config.get('level')).toBe('env');
    expect(config.get('nested.a')).toBe('file');
    expect(config.get('nested.b')).toBe('center');
    expect(config.get('missing', 'fallback')).toBe('fallback');
    expect(config.health()).toMatchObject({
      source: 'remote',
      namespaces: { application: { source: 'remote', version: 1 } },
    });
  });

  it('reads several namespaces, the first declared one winning a shared key', async () => {
    const store = new MemoryConfigStore();
    await store.publish({ ...at, properties: { shared: 'app', only: 1 }, author: 'ops' });
    await store.publish({
      appId: 'shared',
      cluster: 'default',
      namespace: 'gateway.routes',
      properties: { shared: 'routes', routes: [{ path: '/a' }] },
      author: 'ops',
    });
    const config = await client({
      store,
      namespaces: ['application', { name: 'gateway.routes', appId: 'shared' }],
      env: { LATTICE_NS_GATEWAY_ROUTES__TIMEOUT_MS: '250' },
    });
    expect(config.get('shared')).toBe('app');
    expect(config.get('routes')).toEqual([{ path: '/a' }]);
    expect(config.namespace('gateway.routes')).toEqual({ shared: 'routes', routes: [{ path: '/a' }], timeoutMs: 250 });
    expect(() => config.namespace('nope')).toThrow(ConfigUnknownNamespaceError);
  });

  it('applies new releases without a restart and calls namespace and key watchers with (next, prev)', async () => {
    const store = new MemoryConfigStore();
    await store.publish({ ...at, properties: { rateLimit: { rps: 100 }, flag: false }, author: 'ops' });
    const config = await client({ store });
    const live = config.live<number>('rateLimit.rps', 1);
    const keyEvents: [unknown, unknown][] = [];
    const nsEvents: [unknown, unknown][] = [];
    const untouched: unknown[] = [];
    config.watch('rateLimit.rps', (next, prev) => keyEvents.push([next, prev]));
    config.watch('application', (next, prev) => nsEvents.push([next, prev]));
    config.watch('flag', (next) => untouched.push(next));
    await store.publish({ ...at, properties: { rateLimit: { rps: 250 }, flag: false }, author: 'ops' });
    await waitFor(() => keyEvents.length === 1);
    expect(keyEvents).toEqual([[250, 100]]);
    expect(nsEvents).toEqual([
      [
        { rateLimit: { rps: 250 }, flag: false },
        { rateLimit: { rps: 100 }, flag: false },
      ],
    ]);
    expect(untouched).toEqual([]);
    expect(live.value).toBe(250);
    expect(config.get('rateLimit.rps')).toBe(250);
  });

  it('refuses a release that fails the schema, keeps the last good values, logs and counts it', async () => {
    const store = new MemoryConfigStore();
    const schema = z.object({ rps: z.number().int().positive(), mode: z.enum(['a', 'b']).default('a') });
    await store.publish({ ...at, properties: { rps: 10 }, author: 'ops' });
    const metrics = new MetricsRegistry({ processMetrics: false });
    const { logger, lines } = captureLogger();
    const config = await client({ store, namespaces: [{ name: 'application', schema }], metrics, logger });
    expect(config.namespace('application')).toEqual({ rps: 10, mode: 'a' });

    const bad = await store.publish({ ...at, properties: { rps: 'lots' }, author: 'mallory' });
    await waitFor(() => config.health().namespaces['application']!.refusedVersion === bad.version);
    expect(config.get('rps')).toBe(10);
    const refusal = lines().find(
      (l) => l['msg'] === 'config release refused: it fails this service schema; keeping the last good values',
    );
    expect(refusal).toMatchObject({ namespace: 'application', version: bad.version, author: 'mallory' });
    expect(String((refusal!['problems'] as string[])[0])).toContain('rps');
    expect(await metrics.render()).toMatch(
      /lattice_config_refused_total\{namespace="application",origin="release"\} 1/,
    );

    await config.refresh();
    expect(await metrics.render()).toMatch(
      /lattice_config_refused_total\{namespace="application",origin="release"\} 1/,
    );
    await store.publish({ ...at, properties: { rps: 20, mode: 'b' }, author: 'ops' });
    await waitFor(() => config.get('rps') === 20);
    expect(config.get('mode')).toBe('b');
  });

  it('fails to start when a namespace cannot satisfy its schema from any source', async () => {
    const store = new MemoryConfigStore();
    await store.publish({ ...at, properties: { rps: 'x' }, author: 'ops' });
    const config = new ConfigService({
      appId: 'device',
      store,
      env: {},
      cacheDir: null,
      logger: captureLogger().logger,
      namespaces: [{ name: 'application', schema: z.object({ rps: z.number() }) }],
    });
    cleanups.push(() => config.close());
    await expect(config.start()).rejects.toBeInstanceOf(ConfigNamespaceInvalidError);
  });

  it('validates its options, listing every problem', () => {
    let error: unknown;
    try {
      new ConfigService({ appId: 'bad id', cluster: '', versionCheckIntervalMs: -1, namespaces: ['a', 'a'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const paths = (error as InvalidOptionsError).data.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['appId', 'cluster', 'versionCheckIntervalMs', 'namespaces.1']));
  });

  it('rolls back: every client sees the old values', async () => {
    const store = new MemoryConfigStore();
    const v1 = await store.publish({ ...at, properties: { color: 'blue' }, author: 'ops' });
    const clients = await Promise.all([1, 2, 3].map(() => client({ store })));
    await store.publish({ ...at, properties: { color: 'red' }, author: 'ops' });
    await waitFor(() => clients.every((c) => c.get('color') === 'red'));
    await store.rollback(at, v1.version, { author: 'ops', comment: 'red was wrong' });
    await waitFor(() => clients.every((c) => c.get('color') === 'blue'));
    expect(clients.map((c) => c.health().namespaces['application']!.version)).toEqual([3, 3, 3]);
  });

  it('delivers a gray release only to its targets, then promotes or abandons it', async () => {
    const store = new MemoryConfigStore();
    await store.publish({ ...at, properties: { ui: 'old' }, author: 'ops' });
    const canary = await client({ store, labels: { canary: 'true', zone: 'a' } });
    const chosen = await client({ store, instanceId: 'device-7' });
    const others = await Promise.all([client({ store, labels: { canary: 'false' } }), client({ store })]);

    await store.publishGray({
      ...at,
      properties: { ui: 'new' },
      targets: { labels: { canary: 'true' }, instanceIds: ['device-7'] },
      author: 'ops',
    });
    await waitFor(() => canary.get('ui') === 'new' && chosen.get('ui') === 'new');
    await store.publish({ ...at, properties: { ui: 'old', unrelated: 1 }, author: 'ops' });
    await waitFor(() => others.every((c) => c.get('unrelated') === 1));
    expect(others.map((c) => c.get('ui'))).toEqual(['old', 'old']);
    expect(canary.get('ui')).toBe('new');
    expect(canary.health().namespaces['application']!.gray).toBe(true);

    await store.abandonGray(at, { author: 'ops' });
    await waitFor(() => canary.get('ui') === 'old' && chosen.get('ui') === 'old');

    await store.publishGray({
      ...at,
      properties: { ui: 'newer' },
      targets: { instanceIds: ['device-7'] },
      author: 'ops',
    });
    await waitFor(() => chosen.get('ui') === 'newer');
    expect(canary.get('ui')).toBe('old');
    await store.promoteGray(at, { author: 'ops' });
    await waitFor(() => [canary, chosen, ...others].every((c) => c.get('ui') === 'newer'));
  });

  it('heals a missed notification with the periodic version check (fake time)', async () => {
    const inner = new MemoryConfigStore();
    // The same data, but notifications never arrive.
    const deaf: ConfigStore = Object.assign(Object.create(inner) as ConfigStore, {
      watch: (_listener: (event: ConfigStoreEvent) => void) => Promise.resolve(() => undefined),
    });
    const clock = new ManualClock(Date.now());
    await inner.publish({ ...at, properties: { v: 1 }, author: 'ops' });
    const config = await client({ store: deaf, clock, versionCheckIntervalMs: 30_000 });
    await inner.publish({ ...at, properties: { v: 2 }, author: 'ops' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(config.get('v')).toBe(1);
    clock.advance(29_999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(config.get('v')).toBe(1);
    clock.advance(1);
    await waitFor(() => config.get('v') === 2);
  });

  it('reloads a watched mounted directory (ConfigMap symlink swap) and refuses a broken file', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    // The layout kubelet writes: files are symlinks through ..data to a timestamped directory.
    mkdirSync(join(dir, '..v1'));
    writeFileSync(join(dir, '..v1', 'application.yaml'), 'limit: 1\n');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync(join('..data', 'application.yaml'), join(dir, 'application.yaml'));
    const store = new MemoryConfigStore();
    const metrics = new MetricsRegistry({ processMetrics: false });
    const config = await client({
      store,
      mountedDir: dir,
      mountedDirPollMs: 100,
      metrics,
      namespaces: [{ name: 'application', schema: z.object({ limit: z.number() }) }],
    });
    expect(config.get('limit')).toBe(1);
    const seen: unknown[] = [];
    config.watch('limit', (next) => seen.push(next));

    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'application.yaml'), 'limit: 2\n');
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, '..v1'), { recursive: true });
    await waitFor(() => config.get('limit') === 2);
    expect(seen).toEqual([2]);

    writeFileSync(join(dir, '..v2', 'application.yaml'), 'limit: [unclosed\n');
    await waitFor(async () => /origin="mounted"\} 1/.test(await metrics.render()));
    writeFileSync(join(dir, '..v2', 'application.yaml'), 'limit: not-a-number\n');
    await waitFor(async () => /origin="mounted"\} 2/.test(await metrics.render()));
    expect(config.get('limit')).toBe(2);
    writeFileSync(join(dir, '..v2', 'application.yaml'), 'limit: 3\n');
    await waitFor(() => config.get('limit') === 3);
  });
});
