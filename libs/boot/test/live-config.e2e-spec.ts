import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ConfigStore, MemoryConfigStore } from '@lattice/config';
import { LatticeApplication } from '@lattice/boot';
import { redisUrl } from '#test/redis.js';
import { waitFor } from '#test/wait.js';

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const apps: LatticeApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.shutdown()));
});

@Module({})
class AppModule {}

async function boot(name: string, extra: { env?: Record<string, string>; configStore?: ConfigStore } = {}) {
  const app = await LatticeApplication.create(AppModule, {
    name,
    defaults: { server: { host: '127.0.0.1', port: 0 }, feature: { greeting: 'hello' } },
    env: { LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0', ...extra.env },
    logDestination: quiet,
    ...(extra.configStore ? { configStore: extra.configStore } : {}),
  });
  apps.push(app);
  await app.start();
  return app;
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
    const app = await LatticeApplication.create(AppModule, {
      name: 'routes-app',
      defaults: { server: { host: '127.0.0.1', port: 0 }, feature: { greeting: 'hello' } },
      env: { LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0' },
      logDestination: quiet,
      configStore: store,
      configNamespaces: [{ name: 'gateway.routes' }],
    });
    apps.push(app);
    await app.start();
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
