import { afterEach, describe, expect, it } from '@jest/globals';
import { MetricsRegistry } from '@lattice/telemetry';
import { ConfigService, RedisConfigStore, type ConfigModuleOptions } from '@lattice/config';
import { redisUrl, startRedis, type TestRedis } from '#test/redis.js';
import { captureLogger, tempDir, waitFor } from './support/helpers.js';

const at = { appId: 'device', cluster: 'default', namespace: 'application' };
let run = 0;

describe('ConfigService on Redis', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function store(url: string, keyPrefix: string, inlineStateBytes?: number): RedisConfigStore {
    const s = new RedisConfigStore({ url, keyPrefix, ...(inlineStateBytes === undefined ? {} : { inlineStateBytes }) });
    cleanups.push(() => s.close());
    return s;
  }

  async function client(options: Partial<ConfigModuleOptions>): Promise<ConfigService> {
    const service = new ConfigService({
      appId: 'device',
      env: {},
      cacheDir: null,
      logger: captureLogger().logger,
      requestTimeoutMs: 300,
      ...options,
    });
    cleanups.push(() => service.close());
    await service.start();
    return service;
  }

  it('propagates releases to clients each with its own connection, and rollback reaches all of them', async () => {
    const keyPrefix = `test:config-redis:${process.pid}:${++run}:`;
    const admin = store(redisUrl(), keyPrefix);
    const v1 = await admin.publish({ ...at, properties: { color: 'blue' }, author: 'ops' });
    // Half the clients get states inline with notifications, half read them back.
    const clients = await Promise.all([
      ...[1, 2].map(() => client({ redis: { url: redisUrl(), keyPrefix } })),
      ...[3, 4].map(() => client({ store: store(redisUrl(), keyPrefix, 0) })),
    ]);
    expect(clients.map((c) => c.get('color'))).toEqual(['blue', 'blue', 'blue', 'blue']);
    await admin.publish({ ...at, properties: { color: 'red' }, author: 'ops' });
    await waitFor(() => clients.every((c) => c.get('color') === 'red'));
    await admin.rollback(at, v1.version, { author: 'ops' });
    await waitFor(() => clients.every((c) => c.get('color') === 'blue'));
    expect(clients.every((c) => c.health().source === 'remote')).toBe(true);
  });

  describe('when Redis goes away', () => {
    let redis: TestRedis;
    afterEach(async () => {
      await redis.stop();
    });

    it('keeps serving cached values, reports cache, and catches up when Redis returns', async () => {
      redis = await startRedis();
      const keyPrefix = 'test:outage:';
      const { dir, remove } = tempDir();
      cleanups.push(remove);
      const metrics = new MetricsRegistry({ processMetrics: false });
      const admin = store(redis.url, keyPrefix);
      await admin.publish({ ...at, properties: { rps: 1 }, author: 'ops' });
      const config = await client({
        redis: { url: redis.url, keyPrefix },
        cacheDir: dir,
        metrics,
        versionCheckIntervalMs: 200,
      });
      const other = await client({ redis: { url: redis.url, keyPrefix }, versionCheckIntervalMs: 200 });
      await admin.publish({ ...at, properties: { rps: 2 }, author: 'ops' });
      await waitFor(() => config.get('rps') === 2 && other.get('rps') === 2);

      await redis.stop();
      await waitFor(() => config.health().source === 'cache' && other.health().source === 'cache');
      expect(config.get('rps')).toBe(2);
      expect(await metrics.render()).toMatch(/lattice_config_source\{namespace="application",source="cache"\} 1/);

      // The restarted server is empty (no persistence); the operator publishes again.
      redis = await startRedis(redis.port);
      const again = store(redis.url, keyPrefix);
      await again.publish({ ...at, properties: { rps: 3 }, author: 'ops' });
      await waitFor(() => config.get('rps') === 3 && other.get('rps') === 3, 10_000);
      await waitFor(() => config.health().source === 'remote' && other.health().source === 'remote');
      expect(await metrics.render()).toMatch(/lattice_config_source\{namespace="application",source="remote"\} 1/);
    });

    it('starts from its file cache when restarted while Redis is down, then catches up', async () => {
      redis = await startRedis();
      const keyPrefix = 'test:restart:';
      const { dir, remove } = tempDir();
      cleanups.push(remove);
      const admin = store(redis.url, keyPrefix);
      await admin.publish({ ...at, properties: { rps: 7, name: 'cached' }, author: 'ops' });
      const first = await client({ redis: { url: redis.url, keyPrefix }, cacheDir: dir });
      expect(first.get('rps')).toBe(7);
      await first.close();
      await redis.stop();

      const restarted = await client({
        redis: { url: redis.url, keyPrefix },
        cacheDir: dir,
        defaults: { application: { rps: 1, name: 'default' } },
        versionCheckIntervalMs: 200,
      });
      expect(restarted.get('rps')).toBe(7);
      expect(restarted.get('name')).toBe('cached');
      expect(restarted.health().source).toBe('cache');

      const blank = await client({
        redis: { url: redis.url, keyPrefix },
        cacheDir: null,
        defaults: { application: { rps: 1 } },
      });
      expect(blank.get('rps')).toBe(1);
      expect(blank.health().source).toBe('defaults');

      redis = await startRedis(redis.port);
      const again = store(redis.url, keyPrefix);
      await again.publish({ ...at, properties: { rps: 8 }, author: 'ops' });
      await waitFor(() => restarted.get('rps') === 8 && restarted.health().source === 'remote', 10_000);
      expect(restarted.get('name')).toBe('default');
    });
  });
});
