import { afterEach, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ConfigStore, MemoryConfigStore } from '@lattice/config';
import { redisUrl } from '#test/redis.js';
import { waitFor } from '#test/wait.js';
import { startTestApp, stopTestApps } from '#test/boot.js';

afterEach(stopTestApps);

@Module({})
class AppModule {}

function boot(name: string, extra: { env?: Record<string, string>; configStore?: ConfigStore } = {}) {
  return startTestApp(AppModule, {
    name,
    defaults: { feature: { greeting: 'hello' } },
    ...(extra.env ? { env: extra.env } : {}),
    ...(extra.configStore ? { configStore: extra.configStore } : {}),
  });
}

describe('boot wires live config from @lattice/config into every app', () => {
  it('memory backend: a release to the shared store reaches the app without a restart; env still wins', async () => {
    const store = new MemoryConfigStore();
    const app = await boot('shop', { configStore: store, env: { LATTICE_SHOP__FEATURE__PINNED: 'from-env' } });
    expect(app.config.get('feature.greeting')).toBe('hello');

    await store.publish({
      appId: 'shop',
      cluster: 'default',
      namespace: 'application',
      properties: { feature: { greeting: 'bonjour', pinned: 'from-center' } },
      author: 'ops',
    });
    await waitFor(() => app.config.get('feature.greeting') === 'bonjour');
    expect(app.config.get('feature.pinned')).toBe('from-env');

    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ info: { config: { status: 'up', source: 'remote' } } });
  });

  it('keeps `application` when the app follows further namespaces, and reads object values', async () => {
    const store = new MemoryConfigStore();
    const app = await startTestApp(AppModule, {
      name: 'routes-app',
      defaults: { feature: { greeting: 'hello' } },
      configStore: store,
      configNamespaces: [{ name: 'gateway.routes' }],
    });
    expect(app.config.get('feature')).toEqual({ greeting: 'hello' });
    await store.publish({
      appId: 'routes-app',
      cluster: 'default',
      namespace: 'gateway.routes',
      properties: { routes: [{ id: 'r1' }] },
      author: 'ops',
    });
    await waitFor(() => Array.isArray(app.config.get('routes')));
    expect(app.config.get('feature.greeting')).toBe('hello');
  });

  it('redis backend: a release published by one instance reaches another instance of the same app', async () => {
    const env = { LATTICE_BACKEND: 'redis', LATTICE_REDIS_URL: redisUrl(), LATTICE__CONFIG__CACHE_DIR: '' };
    const appId = `fleet-${Date.now()}`;
    const one = await boot(appId, { env });
    const two = await boot(appId, { env });
    const store: ConfigStore = one.nest.get(ConfigStore);
    await store.publish({
      appId,
      cluster: 'default',
      namespace: 'application',
      properties: { feature: { greeting: 'hola' } },
      author: 'ops',
    });
    await waitFor(() => two.config.get('feature.greeting') === 'hola');
    expect(one.config.get('feature.greeting')).toBe('hola');
  });
});
