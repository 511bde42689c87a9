import { afterEach, describe, expect, it } from '@jest/globals';
import { InstanceRegistrar, RedisRegistry } from '@lattice/discovery';
import { startRedis, type TestRedis } from '#test/redis.js';
import { waitFor } from './registry-contract.js';

describe('InstanceRegistrar when the registry is down at start-up', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('starts anyway and registers as soon as the registry answers again', async () => {
    let redis: TestRedis = await startRedis();
    const port = redis.port;
    await redis.stop();

    const registry = new RedisRegistry({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: 'test:late:',
      commandTimeoutMs: 300,
    });
    cleanups.push(() => registry.close());
    const registrar = new InstanceRegistrar(
      registry,
      { service: 'orders', instanceId: 'late-1', host: '127.0.0.1', ports: { http: 1 } },
      { leaseTtlMs: 3_000, renewIntervalMs: 200 },
    );
    cleanups.push(() => registrar.stop());
    expect(await registrar.start()).toBeUndefined();

    redis = await startRedis(port);
    cleanups.push(() => redis.stop());
    await waitFor(
      async () => (await registry.snapshot('orders').catch(() => undefined))?.instances.length === 1,
      10_000,
    );
    const [instance] = (await registry.snapshot('orders')).instances;
    expect(instance).toMatchObject({ instanceId: 'late-1', status: 'UP' });
  });
});
